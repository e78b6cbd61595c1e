#!/usr/bin/env bash
# vmsteer-test: parallel 34
# Hitless upgrade: `vmsteer attach` on an uplink whose pinned link runs
# another build's program replaces it in place (bpf_link_update: same link,
# same maps), so under sustained traffic no frame is lost and the counters
# go on; the tracing programs are replaced too. "Other builds" are variants
# of bpf/uplink.bpf.c and bpf/trace.bpf.c compiled with
# -DVMST_TEST_VARIANT=N (one dead instruction: another kernel tag, same
# behaviour), loaded through VMSTEER_TEST_UPLINK_OBJ and
# VMSTEER_TEST_TRACE_OBJ by the test build of the CLI (vms_hooks); vmsteer
# itself ignores them. Exporter scrapes before and after the upgrades and
# re-adds of a port (same MAC, and moved away and back) show no
# vmsteer_*_total sample going backwards or vanishing.
. "$(dirname "$0")/lib.sh"
lib_init upgrade

# Frames of the sustained stream, and its rate (frames per second).
UPG_FRAMES=${UPG_FRAMES:-40000}
UPG_PPS=${UPG_PPS:-20000}

command -v "${CLANG:-clang}" >/dev/null || { skip upgrade "clang not installed"; exit 0; }
for n in 1 2 3; do
	build_variant uplink $n "$TMPD/uplink$n.o"
	build_variant trace $n "$TMPD/trace$n.o"
done

setup_two_vms

link_id() { vms --json status | jq -r '[.uplinks[] | select(.device == "up0") | .link_id] | first // "none"'; }

# attach_variant N: attach with variant N of both objects (0: this build).
# Prints the action the CLI reported.
attach_variant() {
	if [ "$1" = 0 ]; then
		vms --json attach up0 | jq -r .action
	else
		VMSTEER_TEST_UPLINK_OBJ=$TMPD/uplink$1.o VMSTEER_TEST_TRACE_OBJ=$TMPD/trace$1.o \
			vms_hooks --json attach up0 | jq -r .action
	fi
}

# ---- counters never go backwards (issue 5): exporter scrapes ----
command -v curl >/dev/null || die "curl not installed (make deps)"
EXP_PORT=9478
nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" exporter \
	--listen "127.0.0.1:$EXP_PORT" >"$TMPD/exp.out" 2>"$TMPD/exp.err" &
LIB_PIDS+=($!)
scrape() { in_hyp curl -s -m 10 "http://127.0.0.1:$EXP_PORT/metrics"; }
wait_for "the exporter" scrape >/dev/null ||
	die "the exporter did not start: $(cat "$TMPD/exp.err")"
# totals: every vmsteer_*_total sample, "series value", sorted.
totals() { scrape | grep '^vmsteer_[a-z_]*_total' | sort; }
# not_backwards CASE BEFORE AFTER: every series of BEFORE is in AFTER with
# a value at least as large.
not_backwards() {
	local case=$1 why
	why=$(join -j1 -a1 -e MISSING -o 0,1.2,2.2 <(echo "$2") <(echo "$3") |
		awk '$3 == "MISSING" || $3 + 0 < $2 + 0 { print; n++ } END { exit n > 0 }' | head -n 5)
	if [ $? -ne 0 ] || [ -n "$why" ]; then
		fail "$case" "counters went backwards or vanished: $(tr '\n' '|' <<<"$why")"
	elif [ "$(grep -c . <<<"$2")" -lt 10 ]; then
		fail "$case" "too few vmsteer_*_total samples scraped: $2"
	elif ! grep -q 'vmsteer_port_frames_total{.*tap="vmt1".*path="xdp"}' <<<"$2"; then
		fail "$case" "no per-port frame counter of vmt1 in the scrape"
	else
		ok "$case"
	fi
}
deliver_round 5 || die "traffic before the scrapes: $ROUND_WHY"
T0=$(totals)
vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 again"
T1=$(totals)
not_backwards counters-port-readd-same "$T0" "$T1"
vms port add vmt1 --mac 02:00:00:00:01:55 >/dev/null &&
	vms port add vmt1 --mac "$MAC_VM1" >/dev/null || die "port add vmt1 moved and back"
T2=$(totals)
not_backwards counters-port-readd-moved "$T1" "$T2"
deliver_round 5 || die "traffic after the re-adds: $ROUND_WHY"
T2=$(totals)

# Same build: nothing changes.
case=same-build-unchanged
prog0=$(xdp_prog_id up0)
link0=$(link_id)
out=$(vms --json attach up0)
if [ "$(jq -r .action <<<"$out")" != "already attached" ] ||
	[ "$(jq -r .changed <<<"$out")" != false ]; then
	fail $case "attach with the same build reported: $out"
elif [ "$(xdp_prog_id up0)" != "$prog0" ] || [ "$(link_id)" != "$link0" ]; then
	fail $case "program or link changed: $prog0/$link0 -> $(xdp_prog_id up0)/$(link_id)"
else
	ok $case
fi

# The installed CLI takes no BPF code from its environment: with the test
# variables set it keeps this build's programs, and has no trace of them.
case=no-test-hooks-in-vmsteer
act=$(VMSTEER_TEST_UPLINK_OBJ=$TMPD/uplink1.o VMSTEER_TEST_TRACE_OBJ=$TMPD/trace1.o \
	vms --json attach up0 | jq -r .action)
if [ "$act" != "already attached" ] || [ "$(xdp_prog_id up0)" != "$prog0" ]; then
	fail $case "vmsteer attach with VMSTEER_TEST_UPLINK_OBJ: '$act', program $prog0 -> $(xdp_prog_id up0)"
elif grep -qa VMSTEER_TEST_ "$VMSTEER" "$(dirname "$VMSTEER")/vmsteer-exporter"; then
	fail $case "the string VMSTEER_TEST_ is in $VMSTEER or vmsteer-exporter"
elif ! grep -qa VMSTEER_TEST_ "$VMSTEER_HOOKS"; then
	fail $case "the test build $VMSTEER_HOOKS has no hook either: the check above proves nothing"
else
	ok $case
fi

# Another build: upgraded in place, then the same variant again is a no-op.
case=other-build-upgraded
act1=$(attach_variant 1)
prog1=$(xdp_prog_id up0)
act1b=$(attach_variant 1)
if [ "$act1" != upgraded ]; then
	fail $case "attach with another build reported '$act1', want 'upgraded'"
elif [ "$act1b" != "already attached" ]; then
	fail $case "attach with that build again reported '$act1b'"
elif [ "$prog1" = "$prog0" ] || [ "$prog1" = none ]; then
	fail $case "XDP program on up0 is $prog1, was $prog0"
elif [ "$(link_id)" != "$link0" ]; then
	fail $case "link id changed from $link0 to $(link_id)"
elif ! deliver_round 10; then
	fail $case "forwarding after the upgrade: $ROUND_WHY"
else
	ok $case
fi

# Sustained stream to vmt1; the program (and the tracing programs) are
# upgraded back and forth while it runs. Every frame sent must reach the
# tap, counted once by the uplink program. Tracing links cannot be updated
# in place: the new one is attached before the old one goes, and a devmap
# flush in between is counted by both, so tap_sent may run ahead a little
# (never behind).
case=zero-loss-under-traffic
stats0=$(stats_json)
xdp0=$(port_counter "$stats0" vmt1 to_vm_xdp_frames)
sent0=$(port_counter "$stats0" vmt1 tap_sent)
rf0=$(port_counter "$stats0" vmt1 tap_ring_full)
rx0=$(vmsim_report vm1 | kv rx_frames)
frame_v f "$MAC_VM1" 999999
echo "$f" >"$TMPD/stream.hex"
# Streams of UPG_FRAMES frames follow each other until at least 3
# upgrades have happened during them (by count, not by time: a loaded
# machine only makes it take more rounds).
ups=0 bad= sent=0 src=0 rounds=0
progs=" $(xdp_prog_id up0)"
v=2
while [ "$ups" -lt 3 ] && [ "$rounds" -lt 20 ] && [ -z "$bad" ] && [ "$src" -eq 0 ]; do
	rounds=$((rounds + 1))
	in_wire "$SENDFRAMES" -i wire0 -x "$TMPD/stream.hex" -n "$UPG_FRAMES" -p "$UPG_PPS" \
		>"$TMPD/stream.out" 2>&1 &
	spid=$!
	LIB_PIDS+=("$spid")
	while kill -0 $spid 2>/dev/null; do
		a=$(attach_variant $v)
		if [ "$a" = upgraded ]; then
			ups=$((ups + 1))
			progs="$progs $(xdp_prog_id up0)"
		else
			bad="attach of variant $v reported '$a'"
			break
		fi
		v=$(((v + 1) % 4))
		sleep 0.05
	done
	wait $spid
	src=$?
	s1=$(kv sent <"$TMPD/stream.out")
	# a short stream is a failure of its own (status 99)
	[ "${s1:-0}" = "$UPG_FRAMES" ] || [ "$src" -ne 0 ] || src=99
	sent=$((sent + ${s1:-0}))
done
XDP_TOTAL=$((XDP_TOTAL + sent))
# Not wait_xdp: tap_sent may count a few frames twice (see below).
# A frame the VM reader was too slow for is counted as tap_ring_full (a
# loaded machine): accounted for, not lost by an upgrade.
ring_full() { echo $(($(port_counter "$(stats_json)" vmt1 tap_ring_full) - rf0)); }
vm1_read() { [ $(($(vmsim_report vm1 | kv rx_frames) - rx0 + $(ring_full))) -ge "$1" ]; }
wait_for "the program to count $XDP_TOTAL frames" eval \
	'[ "$(xdp_seen "$(stats_json)")" = "$XDP_TOTAL" ]' &&
	wait_for "vm1 to read $sent frames" vm1_read "${sent:-0}"
waited=$?
sleep 0.2 # anything more would show now
stats1=$(stats_json)
xdp=$(($(port_counter "$stats1" vmt1 to_vm_xdp_frames) - xdp0))
tapsent=$(($(port_counter "$stats1" vmt1 tap_sent) - sent0))
rx=$(($(vmsim_report vm1 | kv rx_frames) - rx0))
rf=$(($(port_counter "$stats1" vmt1 tap_ring_full) - rf0))
log "$ups upgrades in $rounds streams, programs:$progs; sent $sent, tap read $rx, ring full $rf, to_vm_xdp $xdp, tap_sent $tapsent"
if [ -n "$bad" ]; then
	fail $case "$bad"
elif [ $src -ne 0 ]; then
	fail $case "sendframes round $rounds: status $src: $(cat "$TMPD/stream.out")"
elif [ "$ups" -lt 3 ]; then
	fail $case "only $ups upgrades happened during $rounds streams"
elif [ $waited -ne 0 ]; then
	fail $case "after ${WAIT_SECS}s: program counted $(xdp_seen "$stats1") of $XDP_TOTAL, vm1 read $rx (+$rf ring full) of $sent"
elif [ $((rx + rf)) != "$sent" ]; then
	fail $case "sent $sent frames, the VM read $rx and $rf met a full ring ($((sent - rx - rf)) lost) across $ups upgrades"
elif [ "$xdp" != "$sent" ]; then
	fail $case "to_vm_xdp_frames moved by $xdp, want $sent"
elif [ $((tapsent + rf)) -lt "$sent" ]; then
	# a frame that met a full ring was handed to the tap, not sent
	fail $case "tap_sent moved by $tapsent and tap_ring_full by $rf, want at least $sent together"
elif [ "$(link_id)" != "$link0" ]; then
	fail $case "link id changed from $link0 to $(link_id)"
else
	echo "# $rounds x $UPG_FRAMES frames at $UPG_PPS/s, $ups upgrades (programs$progs): 0 lost ($rf met a full ring), tap_sent +$tapsent"
	ok $case
fi

T3=$(totals)
not_backwards counters-across-upgrades "$T2" "$T3"

# Back to this build: an upgrade too, and then stable.
case=back-to-this-build
a=$(attach_variant 1) # make sure another build runs
a=$(attach_variant 0)
b=$(attach_variant 0)
if [ "$a" != upgraded ] || [ "$b" != "already attached" ]; then
	fail $case "attach reported '$a' then '$b', want 'upgraded' then 'already attached'"
elif [ "$(link_id)" != "$link0" ]; then
	fail $case "link id changed from $link0 to $(link_id)"
else
	rx0=$(vmsim_report vm1 | kv rx_frames)
	sent=$(in_wire "$SENDFRAMES" -i wire0 -x "$TMPD/stream.hex" -n 100 | kv sent)
	if ! wait_for "vm1 to read 100 more" vm1_read 100; then
		fail $case "after the upgrade back, vm1 read $(($(vmsim_report vm1 | kv rx_frames) - rx0)) of $sent"
	else
		ok $case
	fi
fi

lib_done
