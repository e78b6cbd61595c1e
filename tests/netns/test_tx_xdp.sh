#!/usr/bin/env bash
# vmsteer-test: parallel 45
# The tap XDP program (--tx-hook xdp, the default): what a VM writes into
# its tap, forwarded without an skb. (test_tx.sh and test_tx_escapes.sh run
# every anti-spoofing case with this hook, and test_*_via_tc.sh with tc;
# test_tx_escapes.sh's GSO cases show GSO frames keep the tc path.)
#
# - VM-to-VM (untagged, and on a VLAN) and VM-to-uplink (untagged, and
#   tagged for an access port) arrive byte-exact and are counted on the
#   XDP path (from_vm_local_xdp / from_vm_uplink_xdp, the receiver's
#   to_vm_xdp and tap_sent), none on the tc path.
# - A spoofed frame is dropped by the XDP program itself: counted under its
#   reason, and as the tap's RX dropped (tun counts an XDP drop there; a tc
#   drop is not counted there).
# - Left to tc, and arriving the same: broadcast (vm_multicast), a UDP
#   checksum left to offload (it holds the pseudo-header sum).
# - The uplink takes XDP frames only while its veth peer has NAPI: without
#   it (GRO off on wire0), frames for the wire take the tc path.
# - A full ring on the way into a VM's tap is counted per port for
#   VM-to-VM redirects: tap_ring_full on the XDP path, tap_ring_full_tc
#   on the tc path (as many as the tap's own TX dropped), each only on
#   its own path.
# - An upgrade (`attach` with another build's tap XDP program: a variant
#   compiled with -DVMST_TEST_VARIANT=N, loaded through
#   VMSTEER_TEST_TAP_XDP_OBJ by the test build of the CLI) replaces the
#   program on every tap in place while a VM sends: every frame sent is
#   forwarded by XDP and read by the other VM (or counted as meeting a full
#   ring), none lost.
# - --tx-hook tc takes the XDP program off the tap (frames take tc), xdp
#   puts it back; port del removes it.
# - A drop is counted on the hook whose program dropped it (the same spoof
#   on XDP, then on tc): stats --json (hooks), plain stats (HOOK column),
#   the exporter (path label), each hook's series only for the reasons
#   its programs count.
. "$(dirname "$0")/lib.sh"
lib_init txxdp
. "$(dirname "$0")/txframes.sh"

MAC_VM3=02:00:00:00:03:03
MAC_VM4=02:00:00:00:04:04
topo_create
for i in 1 2 3 4; do
	tap_create vmt$i
	vmsim_start vm$i vmt$i -X "$TMPD/vm$i.tx.pcap"
	eval "VM_LINES_vm$i=0"
done
# The uplink (a veth) takes XDP frames only while its peer has NAPI.
in_wire ethtool -K wire0 gro on >/dev/null || die "gro on wire0"
vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 >/dev/null || die "port add vmt1"
vms port add vmt2 --mac "$MAC_VM2" --vlan 100 >/dev/null || die "port add vmt2"
vms port add vmt3 --mac "$MAC_VM3" --vlan 100 >/dev/null || die "port add vmt3"
vms port add vmt4 --mac "$MAC_VM4" >/dev/null || die "port add vmt4"
wire_capture
W=$MAC_WIRE

case=xdp-program-on-every-tap
ids="$(xdp_prog_id vmt1) $(xdp_prog_id vmt2) $(xdp_prog_id vmt3) $(xdp_prog_id vmt4)"
if [ "${ids%% *}" != none ] && [ "$(tr ' ' '\n' <<<"$ids" | sort -u | wc -l)" = 1 ]; then
	ok $case
else
	fail $case "XDP programs on the taps: $ids"
fi
case=port-list-shows-xdp
if vms port list | grep -Eq '^vmt1 .* xdp,tc '; then
	ok $case
else
	fail $case "$(vms port list | tr '\n' '|')"
fi

# rx_dropped TAP: the tap's RX dropped counter.
rx_dropped() { ip -n "$NS_HYP" -j -s link show "$1" | jq '.[0].stats64.rx.dropped'; }
# csum16 HEX: the 16-bit one's complement sum of HEX (folded, not inverted).
csum16() {
	local s=0 i
	for ((i = 0; i < ${#1}; i += 4)); do s=$((s + 0x${1:i:4})); done
	while [ $s -gt 65535 ]; do s=$(((s & 65535) + (s >> 16))); done
	printf '%04x' $s
}

# Does the uplink take XDP frames (vmst_tx entry 0)? Only where the kernel
# reports the driver's xdp_features (6.3+); on 6.1 VM-to-uplink takes tc.
tx_uplink_hook
NX=0
[ "$FROM_UPLINK" = from_vm_uplink_xdp_frames ] && NX=1

# ---- forwarded by XDP --------------------------------------------------------

ew_untagged=$(eth "$MAC_VM4" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 10.0.0.4 1000 2000)")
ew_vlan=$(eth "$MAC_VM2" "$MAC_VM3" 88b5 "$(payload 46)")
north_untagged=$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 192.0.2.1 1000 53)")
north_access=$(eth "$W" "$MAC_VM2" 88b5 "$(payload 46)")
drop0=$(rx_dropped vmt1)
spoof=$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.9 192.0.2.1 1000 53)")
vm_send vm1 "$ew_untagged" "$north_untagged" "$spoof" || die "vm1 could not send"
vm_send vm3 "$ew_vlan" || die "vm3 could not send"
vm_send vm2 "$north_access" || die "vm2 could not send"

vmsim_new_frames vm4 "$TMPD/got_vm4.hex" || die "vmsim vm4 did not report"
vmsim_new_frames vm2 "$TMPD/got_vm2.hex" || die "vmsim vm2 did not report"
echo "$ew_untagged" >"$TMPD/exp_vm4.hex"
echo "$ew_vlan" >"$TMPD/exp_vm2.hex"
for v in 4 2; do
	case=xdp-vm-to-vm-byte-exact-vmt$v
	if same_frames "$TMPD/exp_vm$v.hex" "$TMPD/got_vm$v.hex"; then
		ok $case
	else
		fail $case "$DIFF_WHY"
	fi
done
printf '%s\n' "$north_untagged" "$(tag 100 "$north_access")" >"$TMPD/exp_wire.hex"
wait_for "2 frames on the wire" eval '[ "$("$PCAPHEX" -c "$TMPD/wire.pcap")" -ge 2 ]'
"$PCAPHEX" "$TMPD/wire.pcap" >"$TMPD/got_wire.hex"
case=xdp-vm-to-uplink-byte-exact-tag-pushed
if same_frames "$TMPD/exp_wire.hex" "$TMPD/got_wire.hex"; then
	ok $case
else
	fail $case "$DIFF_WHY"
fi

S=$(stats_json) || die "stats failed"
expect_count xdp-local-sender vmt1 counter from_vm_local_xdp_frames 1
expect_count xdp-local-sender-bytes vmt1 counter from_vm_local_xdp_bytes 60
expect_count xdp-local-sender-vlan vmt3 counter from_vm_local_xdp_frames 1
expect_count xdp-local-receiver vmt4 counter to_vm_xdp_frames 1
expect_count xdp-local-receiver-vlan vmt2 counter to_vm_xdp_frames 1
expect_count xdp-local-receiver-ring-accepted vmt4 counter tap_sent 1
expect_count xdp-uplink vmt1 counter from_vm_uplink_xdp_frames $NX
expect_count xdp-uplink-access vmt2 counter from_vm_uplink_xdp_frames $NX
expect_count xdp-not-tc-local vmt1 counter from_vm_local_frames 0
expect_count xdp-not-tc-receiver vmt4 counter to_vm_tc_frames 0
expect_count xdp-not-tc-uplink vmt1 counter from_vm_uplink_frames $((1 - NX))
expect_count xdp-drop-counted vmt1 reason spoof_ipv4 1
case=xdp-drop-by-the-xdp-program
drop1=$(rx_dropped vmt1)
if [ $((drop1 - drop0)) = 1 ]; then
	ok $case
else
	fail $case "vmt1 RX dropped moved by $((drop1 - drop0)), want 1 (the XDP drop)"
fi

# ---- left to tc --------------------------------------------------------------

# A UDP checksum left to offload: the pseudo-header sum (addresses,
# protocol 17, UDP length 26), as a guest with checksum offload writes it;
# to another VM, which would get it unfinished by XDP.
u=$(udp4 10.0.0.1 10.0.0.4 1000 2000)
pseudo=$(csum16 "0a0000010a000004$(printf '%04x%04x' 17 26)")
u_partial="${u:0:52}$pseudo${u:56}"
partial=$(eth "$MAC_VM4" "$MAC_VM1" 0800 "$u_partial")
bcast=$(eth ff:ff:ff:ff:ff:ff "$MAC_VM1" 88b5 "$(payload 46)")
vm_send vm1 "$partial" "$bcast" || die "vm1 could not send"
vmsim_new_frames vm4 "$TMPD/got_vm4.hex" || die "vmsim vm4 did not report"
case=checksum-left-to-offload-takes-tc
S=$(stats_json) || die "stats failed"
if grep -qix "$partial" "$TMPD/got_vm4.hex" &&
	[ "$(port_counter "$S" vmt1 from_vm_local_frames)" = 1 ] &&
	[ "$(port_counter "$S" vmt1 from_vm_local_xdp_frames)" = 1 ]; then
	ok $case
else
	fail $case "at vmt4: $(grep -cix "$partial" "$TMPD/got_vm4.hex"), tc $(port_counter "$S" vmt1 from_vm_local_frames) (want 1), xdp $(port_counter "$S" vmt1 from_vm_local_xdp_frames) (want 1)"
fi
expect_count broadcast-takes-tc vmt1 reason vm_multicast 1

# ---- the uplink without NAPI on its peer ---------------------------------------

in_wire ethtool -K wire0 gro off >/dev/null || die "gro off wire0"
vms attach up0 >/dev/null || die "vmsteer attach up0 (again) failed"
n2=$(eth "$W" "$MAC_VM4" 88b5 "$(payload 46)")
vm_send vm4 "$n2" || die "vm4 could not send"
wait_for "3 frames on the wire" eval '[ "$("$PCAPHEX" -c "$TMPD/wire.pcap")" -ge 3 ]'
S=$(stats_json) || die "stats failed"
case=uplink-without-napi-takes-tc
if "$PCAPHEX" "$TMPD/wire.pcap" | grep -qix "$n2" &&
	[ "$(port_counter "$S" vmt4 from_vm_uplink_frames)" = 1 ] &&
	[ "$(port_counter "$S" vmt4 from_vm_uplink_xdp_frames)" = 0 ]; then
	ok $case
else
	fail $case "tc $(port_counter "$S" vmt4 from_vm_uplink_frames) (want 1), xdp $(port_counter "$S" vmt4 from_vm_uplink_xdp_frames) (want 0)"
fi

# ---- a full ring on the way into a tap, VM-to-VM --------------------------------

stop_pid "$(vmsim_pid vm4)"
vmsim_start vm4 vmt4 --hold # queues open, nobody reads
# seq_frames FIRST N: N frames vm1 -> vm4 (60 bytes, EtherType 88b5), the
# payload starting with the sequence numbers FIRST.. (printf alone: a
# command substitution per frame took minutes in an emulated guest).
seq_frames() {
	local dst src i
	dst=$(h "$MAC_VM4") src=$(h "$MAC_VM1")
	for ((i = $1; i < $1 + $2; i++)); do
		printf '%s%s88b5%08x%084d\n' "$dst" "$src" $i 0
	done
}
N=2500
seq_frames 0 $N >"$TMPD/send_vm1.hex"
cp "$TMPD/send_vm1.hex" "$TMPD/ring_frames.hex"
S0=$(stats_json) || die "stats failed"
vm_send_file vm1 || die "vm1 could not send $N frames"
S=$(stats_json) || die "stats failed"
case=ring-full-counted-per-port-vm-to-vm
sent=$(($(port_counter "$S" vmt4 tap_sent) - $(port_counter "$S0" vmt4 tap_sent)))
full=$(($(port_counter "$S" vmt4 tap_ring_full) - $(port_counter "$S0" vmt4 tap_ring_full)))
xdp=$(($(port_counter "$S" vmt1 from_vm_local_xdp_frames) - $(port_counter "$S0" vmt1 from_vm_local_xdp_frames)))
full_tc=$(($(port_counter "$S" vmt4 tap_ring_full_tc) - $(port_counter "$S0" vmt4 tap_ring_full_tc)))
if [ "$xdp" = $N ] && [ $((sent + full)) = $N ] && [ "$full" -gt 0 ] && [ "$full_tc" = 0 ]; then
	ok $case
else
	fail $case "xdp $xdp of $N, tap_sent $sent + tap_ring_full $full, tap_ring_full_tc $full_tc (want 0)"
fi
kill -USR2 "$(vmsim_pid vm4)"

# ---- upgrade in place under traffic ------------------------------------------

case=upgrade-in-place-no-frame-lost
if [ ! -e "$BUILD/tests/variants/tap_xdp-2.bpf.o" ] && ! command -v "${CLANG:-clang}" >/dev/null; then
	skip $case "clang not installed"
else
	for n in 1 2; do
		build_variant tap_xdp $n "$TMPD/tap_xdp$n.o"
	done
	UPG_ROUNDS=${UPG_ROUNDS:-3}
	UPG_BATCH=3000
	seq_frames 100000 $UPG_BATCH >"$TMPD/batch.hex"
	S0=$(stats_json) || die "stats failed"
	rx0=$(vmsim_report vm4 | kv rx_frames)
	prog0=$(xdp_prog_id vmt1)
	# The VM sends batch after batch in the background until attach has
	# upgraded UPG_UPGRADES times, alternating variants 1 and 2 (at least
	# UPG_ROUNDS batches, however slow or fast either side is).
	UPG_UPGRADES=${UPG_UPGRADES:-4}
	rm -f "$TMPD/upg.stop"
	echo 0 >"$TMPD/upg.rounds"
	(
		r=0
		while [ $r -lt "$UPG_ROUNDS" ] || [ ! -e "$TMPD/upg.stop" ]; do
			cp "$TMPD/batch.hex" "$TMPD/send_vm1.hex"
			vm_send_file vm1 || exit 1
			r=$((r + 1))
			echo $r >"$TMPD/upg.rounds"
			[ $r -lt 1000 ] || exit 1
		done
	) &
	spid=$!
	ups=0 bad= v=1 progs=" $prog0"
	while kill -0 $spid 2>/dev/null; do
		if [ $ups -ge "$UPG_UPGRADES" ]; then
			touch "$TMPD/upg.stop"
			sleep 0.1
			continue
		fi
		a=$(VMSTEER_TEST_TAP_XDP_OBJ=$TMPD/tap_xdp$v.o vms_hooks --json attach up0 | jq -r .action)
		if [ "$a" != upgraded ]; then
			bad="attach of variant $v reported '$a'"
			break
		fi
		ups=$((ups + 1))
		progs="$progs $(xdp_prog_id vmt1)"
		v=$((3 - v))
	done
	wait $spid
	src=$?
	sent=$(($(cat "$TMPD/upg.rounds") * UPG_BATCH))
	full() { echo $(($(port_counter "$(stats_json)" vmt4 tap_ring_full) - $(port_counter "$S0" vmt4 tap_ring_full))); }
	vm4_read() { [ $(($(vmsim_report vm4 | kv rx_frames) - rx0 + $(full))) -ge $sent ]; }
	wait_for "vm4 to read $sent frames" vm4_read
	sleep 0.2 # anything more would show now
	S=$(stats_json) || die "stats failed"
	rx=$(($(vmsim_report vm4 | kv rx_frames) - rx0))
	rf=$(full)
	xdp=$(($(port_counter "$S" vmt1 from_vm_local_xdp_frames) - $(port_counter "$S0" vmt1 from_vm_local_xdp_frames)))
	log "$ups upgrades, programs:$progs; sent $sent, read $rx, ring full $rf, xdp $xdp"
	if [ -n "$bad" ]; then
		fail $case "$bad"
	elif [ $src -ne 0 ]; then
		fail $case "vm1 could not send: $(cat "$TMPD/vm1.status")"
	elif [ $ups -lt "$UPG_UPGRADES" ]; then
		fail $case "only $ups upgrades while $sent frames were sent"
	elif [ "$(xdp_prog_id vmt1)" = "$prog0" ] || [ "$(xdp_prog_id vmt1)" != "$(xdp_prog_id vmt2)" ]; then
		fail $case "programs on vmt1/vmt2: $(xdp_prog_id vmt1)/$(xdp_prog_id vmt2), first $prog0"
	elif [ "$xdp" != $sent ] || [ $((rx + rf)) != $sent ]; then
		fail $case "sent $sent: XDP forwarded $xdp, vm4 read $rx and $rf met a full ring ($((sent - rx - rf)) lost) across $ups upgrades"
	else
		echo "# $sent frames VM-to-VM, $ups upgrades (programs$progs): 0 lost ($rf met a full ring)"
		ok $case
	fi
	a=$(vms --json attach up0 | jq -r .action)
	case=upgrade-back-to-this-build
	if [ "$a" = upgraded ] && [ "$(vms --json attach up0 | jq -r .action)" = "already attached" ]; then
		ok $case
	else
		fail $case "attach reported '$a', then not 'already attached'"
	fi
fi

# ---- the switch -----------------------------------------------------------------

vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 --tx-hook tc >/dev/null ||
	die "port add vmt1 --tx-hook tc"
case=tx-hook-tc-removes-the-xdp-program
if [ "$(xdp_prog_id vmt1)" = none ] && vms port list | grep -Eq '^vmt1 .* tc '; then
	ok $case
else
	fail $case "XDP program $(xdp_prog_id vmt1) on vmt1"
fi
case=tx-hook-tc-dumped
if vms dump | jq -e '.ports[] | select(.tap == "vmt1") | .tx_hook == "tc"' >/dev/null; then
	ok $case
else
	fail $case "$(vms dump | jq -c '.ports[] | select(.tap == "vmt1")')"
fi
e2=$(eth "$MAC_VM4" "$MAC_VM1" 88b5 "$(payload 46)")
S0=$(stats_json) || die "stats failed"
vm_send vm1 "$e2" || die "vm1 could not send"
S=$(stats_json) || die "stats failed"
case=tx-hook-tc-forwards-by-tc
if [ $(($(port_counter "$S" vmt1 from_vm_local_frames) - $(port_counter "$S0" vmt1 from_vm_local_frames))) = 1 ] &&
	[ $(($(port_counter "$S" vmt1 from_vm_local_xdp_frames) - $(port_counter "$S0" vmt1 from_vm_local_xdp_frames))) = 0 ]; then
	ok $case
else
	fail $case "$(port_counter "$S" vmt1 from_vm_local_frames) tc, $(port_counter "$S" vmt1 from_vm_local_xdp_frames) xdp"
fi
# The same spoof from vmt1 on tc now: its reason counted once per hook,
# in stats (JSON and plain) and in the exporter's path label.
spoof2=$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.9 192.0.2.1 1000 54)")
vm_send vm1 "$spoof2" || die "vm1 could not send"
S=$(stats_json) || die "stats failed"
case=drop-counted-per-hook-json
h=$(jq -c '.ports[] | select(.port == "vmt1") | .reasons.spoof_ipv4' <<<"$S")
if [ "$(jq -c '[.frames, .hooks.xdp.frames, .hooks.tc.frames]' <<<"$h")" = "[2,1,1]" ]; then
	ok $case
else
	fail $case "vmt1 spoof_ipv4: $h, want 2 frames, 1 on xdp and 1 on tc"
fi
case=drop-counted-per-hook-plain
plain=$(vms stats vmt1)
if grep -Eq '^spoof_ipv4 +vmt1 +xdp +1 +60$' <<<"$plain" &&
	grep -Eq '^spoof_ipv4 +vmt1 +tc +1 +60$' <<<"$plain"; then
	ok $case
else
	fail $case "no 'spoof_ipv4 vmt1 xdp|tc 1 60' rows in: $(tr '\n' '|' <<<"$plain")"
fi
case=drop-counted-per-hook-exporter
exporter_start txxdp 9477 --pin-path "$PIN"
in_hyp curl -s -m 10 -o "$TMPD/scrape.txt" http://127.0.0.1:9477/metrics
missing=
for w in 'frames_total{tap="vmt1",reason="spoof_ipv4",action="drop",path="xdp"} 1' \
	'frames_total{tap="vmt1",reason="spoof_ipv4",action="drop",path="tc"} 1' \
	'bytes_total{tap="vmt1",reason="spoof_ipv4",action="drop",path="xdp"} 60' \
	'frames_total{tap="vmt1",reason="vm_too_big",action="drop",path="tc"} 0' \
	'frames_total{tap="vmt1",reason="vm_multicast",action="pass",path="tc"} 1'; do
	grep -qxF "vmsteer_reason_$w" "$TMPD/scrape.txt" || missing+="[$w] "
done
# No series for a hook that never counts the reason, nor for a check on
# the hook a port does not use while it counted nothing there (vmt4:
# XDP; vmt1, on tc now, keeps its XDP drop).
grep -E '^vmsteer_reason_frames_total\{tap="vmt1",reason="(vm_too_big|vm_multicast)",.*path="xdp"' \
	"$TMPD/scrape.txt" && missing+="[an xdp series for a tc-only reason] "
grep -qxF 'vmsteer_reason_frames_total{tap="vmt4",reason="spoof_ipv4",action="drop",path="xdp"} 0' \
	"$TMPD/scrape.txt" || missing+="[vmt4 spoof_ipv4 on xdp] "
grep -E '^vmsteer_reason_frames_total\{tap="vmt4",reason="spoof_ipv4",.*path="tc"' \
	"$TMPD/scrape.txt" && missing+="[vmt4 spoof_ipv4 on tc: vmt4 takes XDP and dropped nothing on tc] "
if ! promtool check metrics <"$TMPD/scrape.txt" >"$TMPD/promtool.out" 2>&1; then
	fail $case "promtool: $(head -c 300 "$TMPD/promtool.out" | tr '\n' ' ')"
elif [ -n "$missing" ]; then
	fail $case "missing: $missing"
else
	ok $case
fi
# A full ring on the tc path: vm1 (on tc now) sends N frames to vm4's
# held tap. tun drops what the ring cannot take (kfree_skb, reason
# FULL_RING): counted per port as tap_ring_full_tc, as many as the tap's
# own TX dropped moved; none as the XDP path's tap_ring_full.
stop_pid "$(vmsim_pid vm4)"
vmsim_start vm4 vmt4 --hold
tx_dropped() { ip -n "$NS_HYP" -j -s link show "$1" | jq '.[0].stats64.tx.dropped'; }
cp "$TMPD/ring_frames.hex" "$TMPD/send_vm1.hex"
td0=$(tx_dropped vmt4)
S0=$(stats_json) || die "stats failed"
vm_send_file vm1 || die "vm1 could not send $N frames"
S=$(stats_json) || die "stats failed"
td=$(($(tx_dropped vmt4) - td0))
case=ring-full-counted-per-port-vm-to-vm-tc
tc=$(($(port_counter "$S" vmt1 from_vm_local_frames) - $(port_counter "$S0" vmt1 from_vm_local_frames)))
full_tc=$(($(port_counter "$S" vmt4 tap_ring_full_tc) - $(port_counter "$S0" vmt4 tap_ring_full_tc)))
full=$(($(port_counter "$S" vmt4 tap_ring_full) - $(port_counter "$S0" vmt4 tap_ring_full)))
if [ "$tc" = $N ] && [ "$full_tc" -gt 0 ] && [ "$full_tc" = "$td" ] && [ "$full" = 0 ]; then
	ok $case
else
	fail $case "tc $tc of $N, tap_ring_full_tc $full_tc, the tap's TX dropped $td, tap_ring_full $full (want 0)"
fi
kill -USR2 "$(vmsim_pid vm4)"
case=tx-hook-bad-value-refused
if out=$(vms port add vmt1 --mac "$MAC_VM1" --tx-hook skb 2>&1); then
	fail $case "accepted"
elif ! grep -q -- "--tx-hook skb" <<<"$out"; then
	fail $case "message: $out"
else
	ok $case
fi
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 --tx-hook xdp >/dev/null ||
	die "port add vmt1 --tx-hook xdp"
case=tx-hook-xdp-puts-it-back
if [ "$(xdp_prog_id vmt1)" = "$(xdp_prog_id vmt2)" ]; then
	ok $case
else
	fail $case "vmt1 $(xdp_prog_id vmt1), vmt2 $(xdp_prog_id vmt2)"
fi
vms port del vmt1 >/dev/null || die "port del vmt1"
case=port-del-removes-the-xdp-program
if [ "$(xdp_prog_id vmt1)" = none ]; then
	ok $case
else
	fail $case "XDP program $(xdp_prog_id vmt1) left on vmt1"
fi

# A port with queue steering (RSS) takes its VM-to-VM frames through tc:
# tun would queue a redirected XDP frame by CPU, not by the steering
# program. vmt4 gets 2-queue RSS; vm1 sends to it.
case=rss-target-takes-tc
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 >/dev/null || die "port add vmt1"
vms port add vmt4 --mac "$MAC_VM4" --queues 2 >/dev/null || die "port add vmt4 --queues 2"
S0=$(stats_json) || die "stats failed"
vmsim_new_frames vm4 "$TMPD/before_rss.hex" || die "vmsim vm4 did not report"
vm_send vm1 "$ew_untagged" || die "vm1 could not send"
vmsim_new_frames vm4 "$TMPD/got_rss.hex" || die "vmsim vm4 did not report"
S=$(stats_json) || die "stats failed"
d() { echo $(($(port_counter "$S" "$1" "$2") - $(port_counter "$S0" "$1" "$2"))); }
echo "$ew_untagged" >"$TMPD/exp_rss.hex"
if same_frames "$TMPD/exp_rss.hex" "$TMPD/got_rss.hex" &&
	[ "$(d vmt1 from_vm_local_frames)/$(d vmt1 from_vm_local_xdp_frames)" = 1/0 ]; then
	ok $case
else
	fail $case "vmt1 from_vm_local tc/xdp $(d vmt1 from_vm_local_frames)/$(d vmt1 from_vm_local_xdp_frames) (want 1/0); frames: ${DIFF_WHY:-as sent}"
fi

lib_done
