#!/usr/bin/env bash
# Replay a corpus of real-world and malformed frames (tcpdump's test
# captures, ../shared/corpus, or $VMSTEER_CORPUS) onto the uplink, with
# every second frame's destination rewritten to the untagged port's MAC and
# every frame tagged with CORPUS_VLAN rewritten to the access port's MAC.
# Every frame the socket took must be either delivered byte-exact to its
# tap or passed to the kernel untouched; none may vanish, and the counters
# must add up. "Byte-exact" less the VLAN tag the access port removes by
# design; priority-tagged frames (VID 0) are passed to the kernel untouched.
. "$(dirname "$0")/lib.sh"
CORPUS=${VMSTEER_CORPUS:-$ROOT/../shared/corpus/tcpdump-ethernet.pcap}
if [ ! -r "$CORPUS" ]; then
	echo "skip corpus: no corpus at $CORPUS (set VMSTEER_CORPUS)"
	exit 0
fi
lib_init corpus
# The VLAN with the most tagged frames in tcpdump's captures.
CORPUS_VLAN=${CORPUS_VLAN:-1213}

topo_create
tap_create vmt1
tap_create vmt2
# Each tap's ring holds the whole corpus (8,235 frames): a reader that the
# machine's load holds back can then never make the ring overflow, which
# lost frames (tap_ring_full) when the rings had the default 1,000 slots
# and the sender's steady rate outran a starved reader. tcpdump's 64 MB
# buffer (capture_start) likewise holds the whole 4 MB corpus.
CORPUS_FRAMES=$("$PCAPHEX" -c "$CORPUS") || die "cannot count the corpus's frames"
for t in vmt1 vmt2; do
	ip -n "$NS_HYP" link set "$t" txqueuelen $((CORPUS_FRAMES + 100)) ||
		die "cannot lengthen $t's ring"
done
vmsim_start vm1 vmt1
vmsim_start vm2 vmt2
vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 failed"
vms port add vmt2 --mac "$MAC_VM2" --vlan "$CORPUS_VLAN" >/dev/null ||
	die "port add vmt2 failed"
capture_start up up0

# A steady rate, gentle on the readers (the rings above make it safe at
# any speed).
out=$(in_wire "$SENDFRAMES" -i wire0 -f "$CORPUS" -d "$MAC_VM1" -e 2 \
	-V "$CORPUS_VLAN=$MAC_VM2" -p 20000 -l "$TMPD/sent.hex") ||
	die "sendframes failed: $out"
sent=$(kv sent <<<"$out")
refused=$(kv refused <<<"$out")
log "corpus: $out"

case=corpus-accounted
if wait_xdp "$sent"; then
	ok $case
else
	fail $case "$XDP_WAIT_WHY"
fi

vmsim_frames vm1 >"$TMPD/got_vm1.hex" || die "vmsim vm1 did not report"
vmsim_frames vm2 >"$TMPD/got_vm2.hex" || die "vmsim vm2 did not report"
passed=$(jq '([.ports[].reasons[].frames] | add // 0)
	+ ([.uplink_reasons[].frames] | add // 0)' <<<"$STATS")
dropped=$(jq '([.ports[].reasons.drop_no_target.frames] | add // 0)
	+ .uplink_reasons.drop_no_target.frames' <<<"$STATS")

# Frames the kernel itself drops before any packet socket sees them: an
# outer VLAN tag with fewer than 6 bytes behind it (skb_vlan_untag). The
# capture is complete once it holds every other passed frame (at least:
# a short tagged frame may also have been delivered).
kernel_drops=$(awk 'length($0) < 40 && (substr($0, 25, 4) == "8100" ||
	substr($0, 25, 4) == "88a8")' "$TMPD/sent.hex" | wc -l)
want=$((passed - dropped))
wait_for "capture of the passed frames" \
	eval '[ "$(capture_count up)" -ge $((want - kernel_drops)) ]'
capture_ok=1
capture_stop up || capture_ok=0
capture_frames up >"$TMPD/got_pass.hex" 2>/dev/null

# Match every frame seen (tap 1, tap 2
# with its VLAN tag put back, the normal path) to one frame sent, each sent
# frame at most once.
read -r d1 d2 p kd lost bad1 bad2 badp d1p < <(awk -v vid="$(printf %03x "$CORPUS_VLAN")" -v bad="$TMPD/bad.txt" '
	FILENAME == ARGV[1] {
		sent[$0]++
		# Single 802.1Q tag: what a port that removes it gets, by VID.
		if (length($0) >= 36 && substr($0, 25, 4) == "8100") {
			u = substr($0, 1, 24) substr($0, 33)
			if (substr($0, 30, 3) == vid)
				untag[u] = untag[u] " " $0
		}
		next
	}
	FILENAME == ARGV[2] {
		if (sent[$0]-- > 0) { d1++; next }
		sent[$0]++
		bad1++
		print "vmt1 got " $0 > bad
		next
	}
	FILENAME == ARGV[3] {
		n = split(untag[$0], cand, " ")
		for (i = 1; i <= n; i++)
			if (sent[cand[i]] > 0) { sent[cand[i]]--; d2++; next }
		bad2++
		print "vmt2 got " $0 > bad
		next
	}
	FILENAME == ARGV[4] { if (sent[$0]-- > 0) p++; else { sent[$0]++; badp++; print "up0 got " $0 > bad } next }
	END {
		for (f in sent) {
			if (sent[f] <= 0) continue
			if (length(f) < 40 && (substr(f, 25, 4) == "8100" || substr(f, 25, 4) == "88a8"))
				kd += sent[f]
			else {
				lost += sent[f]
				if (shown++ < 3) print "lost: " f > "/dev/stderr"
			}
		}
		printf "%d %d %d %d %d %d %d %d %d\n", d1, d2, p, kd, lost, bad1, bad2, badp, d1p
		close(bad)
	}' "$TMPD/sent.hex" "$TMPD/got_vm1.hex" "$TMPD/got_vm2.hex" "$TMPD/got_pass.hex" 2>"$TMPD/lost.txt")
log "sent=$sent refused=$refused delivered=$d1+$d2 passed=$p kernel-dropped=$kd lost=$lost foreign=$bad1/$bad2/$badp"

case=corpus-byte-exact
if [ "$bad1" -eq 0 ] && [ "$bad2" -eq 0 ] && [ "$badp" -eq 0 ]; then
	ok $case
else
	fail $case "frames seen that were not sent as such: vmt1 $bad1, vmt2 $bad2 (tag put back), normal path $badp; first: $(head -n1 "$TMPD/bad.txt" | cut -c1-80)"
fi

case=corpus-none-lost
if [ $capture_ok = 0 ]; then
	fail $case "tcpdump on up0 reported kernel drops: $(tail -n 3 "$TMPD/up.err" | tr '\n' ' ')"
elif [ "$lost" -eq 0 ] && [ $((d1 + d2 + p + kd)) -eq "$sent" ]; then
	ok $case
else
	altered=
	[ $((bad1 + bad2 + badp)) -eq 0 ] || altered=$((bad1 + bad2 + badp))
	fail $case "$sent sent: $d1+$d2 delivered byte-exact, $p passed untouched, $kd dropped by the kernel's VLAN code, $lost matched by no frame seen${altered:+ ($altered frames seen were altered: see corpus-byte-exact)}; first: $(head -n1 "$TMPD/lost.txt" | cut -c7-66)"
fi

# The fast path took some of each port's frames (else the replay proved
# little), and the counters agree with what the taps and the capture got.
case=corpus-counters
why=
to1=$(port_counter "$STATS" vmt1 to_vm_xdp_frames)
to2=$(port_counter "$STATS" vmt2 to_vm_xdp_frames)
s1=$(port_counter "$STATS" vmt1 tap_sent)
s2=$(port_counter "$STATS" vmt2 tap_sent)
rf=$(($(port_counter "$STATS" vmt1 tap_ring_full) + $(port_counter "$STATS" vmt2 tap_ring_full)))
[ "$d1" -gt 0 ] && [ "$d2" -gt 0 ] || why="$why nothing delivered to vmt1 ($d1) or vmt2 ($d2);"
r1=$(wc -l <"$TMPD/got_vm1.hex")
r2=$(wc -l <"$TMPD/got_vm2.hex")
[ "$s1" = "$r1" ] || why="$why vmt1 tap_sent=$s1 but the VM read $r1;"
[ "$s2" = "$r2" ] || why="$why vmt2 tap_sent=$s2 but the VM read $r2;"
[ $((to1 + to2)) -eq $((s1 + s2 + rf)) ] || why="$why to_vm_xdp_frames $to1+$to2 != tap_sent+ring_full $((s1 + s2 + rf));"
[ "$rf" -eq 0 ] || why="$why $rf frames hit a full ring (reader too slow);"
[ "$dropped" -eq 0 ] || why="$why $dropped dropped (drop_no_target);"
# Passed frames: seen on up0, or dropped by the kernel's VLAN code.
[ "$passed" -eq $(($(wc -l <"$TMPD/got_pass.hex") + kd + dropped)) ] ||
	why="$why pass/drop reasons count $passed, up0 saw $(wc -l <"$TMPD/got_pass.hex") (+ $kd dropped by the kernel, $dropped by XDP);"
if [ -z "$why" ]; then ok $case; else fail $case "${why% ;}"; fi
echo "# corpus: $sent frames sent ($refused refused by the socket): $d1 + $d2 delivered, $p passed, $kd dropped by the kernel after XDP_PASS"

lib_done
