#!/usr/bin/env bash
# Forwarding: frames from the wire reach the right VM's tap byte-exact
# (tag removed on the access port) and no other tap; broadcast, multicast
# and unknown unicast go on to the kernel untouched; the counters match the
# frames sent exactly.
#
# Topology: hyp netns with uplink up0 (veth to wire0 in the wire netns) and
# two 2-queue taps, vmt1 (untagged port, MAC_VM1) and vmt2 (access port on
# VLAN_VM2, MAC_VM2), each opened and drained by vmsim.
. "$(dirname "$0")/lib.sh"
lib_init fwd

setup_two_vms

# The state lives under the pin path only: nothing new elsewhere in bpffs
# (another state's maps there would be picked up by later loads).
case=state-confined
leaked=$(comm -13 <(echo "$LIB_BPFFS_BEFORE") <(ls /sys/fs/bpf) |
	grep -v "^vmsteer-test-" | tr '\n' ' ')
if [ -z "$leaked" ]; then
	ok $case
else
	fail $case "attach/port add pinned outside $PIN: /sys/fs/bpf/{ ${leaked}}"
fi

capture_start up up0

# The traffic: N frames of each kind, interleaved, every frame distinct.
N=25
: >"$TMPD/send.hex"
: >"$TMPD/exp_vm1.hex"
: >"$TMPD/exp_vm2.hex"
: >"$TMPD/exp_bcast.hex"
: >"$TMPD/exp_unknown.hex"
seq=0
add() { # FILE DST [VID]: append a new frame to send.hex and to FILE
	local f
	seq=$((seq + 1))
	frame_v f "${@:2}" $seq
	echo "$f" >>"$TMPD/send.hex"
	case $1 in
	exp_vm2) echo "${f:0:24}${f:32}" >>"$TMPD/$1.hex" ;;
	*) echo "$f" >>"$TMPD/$1.hex" ;;
	esac
}
for i in $(seq $N); do
	add exp_vm1 "$MAC_VM1"
	add exp_vm2 "$MAC_VM2" "$VLAN_VM2"
	# Broadcast, untagged and on the access VLAN; IPv4 multicast.
	add exp_bcast ff:ff:ff:ff:ff:ff
	add exp_bcast ff:ff:ff:ff:ff:ff "$VLAN_VM2"
	add exp_bcast 01:00:5e:00:00:fb
	# Unknown unicast: nobody's MAC, and the VMs' MACs on the wrong VLAN.
	add exp_unknown "$MAC_NOBODY"
	add exp_unknown "$MAC_VM1" "$VLAN_VM2"
	add exp_unknown "$MAC_VM2"
	add exp_unknown "$MAC_VM2" 200
done
total=$(wc -l <"$TMPD/send.hex")
sent=$(send_hex "$TMPD/send.hex") || die "sendframes failed"
[ "$sent" = "$total" ] || die "the socket sent $sent of $total frames"

xdp_ok=1
wait_xdp "$total" || xdp_ok=0
vmsim_new_frames vm1 "$TMPD/got_vm1.hex" || die "vmsim vm1 did not report"
vmsim_new_frames vm2 "$TMPD/got_vm2.hex" || die "vmsim vm2 did not report"
cat "$TMPD/exp_bcast.hex" "$TMPD/exp_unknown.hex" >"$TMPD/exp_pass.hex"
npass=$(wc -l <"$TMPD/exp_pass.hex")
wait_for "capture of $npass frames" \
	eval '[ "$(capture_count up)" -ge "$npass" ]'
capture_ok=1
capture_stop up || capture_ok=0
capture_frames up >"$TMPD/got_pass.hex"

case=xdp-accounted
if [ $xdp_ok = 1 ]; then ok $case; else fail $case "$XDP_WAIT_WHY"; fi

# Untagged port: byte-exact, nothing else.
expect_frames deliver-untagged "$TMPD/exp_vm1.hex" "$TMPD/got_vm1.hex" "vmt1"

# Access port: the tag removed, otherwise byte-exact, nothing else.
expect_frames deliver-access-untagged "$TMPD/exp_vm2.hex" "$TMPD/got_vm2.hex" "vmt2"

# No frame of one VM at the other's tap, no slow-path frame at any tap.
case=no-cross-delivery
cross=$(cat "$TMPD/exp_vm2.hex" "$TMPD/exp_pass.hex" | sort |
	comm -12 - <(sort "$TMPD/got_vm1.hex") | wc -l)
cross2=$(cat "$TMPD/exp_vm1.hex" "$TMPD/exp_pass.hex" | sort |
	comm -12 - <(sort "$TMPD/got_vm2.hex") | wc -l)
if [ "$cross" -eq 0 ] && [ "$cross2" -eq 0 ] &&
	[ -s "$TMPD/got_vm1.hex" ] && [ -s "$TMPD/got_vm2.hex" ]; then
	ok $case
else
	fail $case "vmt1 got $cross frame(s) not for it, vmt2 got $cross2"
fi

# Broadcast, multicast and unknown unicast reach the kernel's normal path
# untouched (a packet socket on the uplink sees them byte for byte), and
# the fast-path frames do not (they never became skbs).
case=slow-path-untouched
if [ $capture_ok = 0 ]; then
	fail $case "tcpdump on up0 reported kernel drops: $(tail -n 3 "$TMPD/up.err" | tr '\n' ' ')"
elif same_frames "$TMPD/exp_pass.hex" "$TMPD/got_pass.hex"; then
	ok $case
else
	fail $case "up0 capture: $DIFF_WHY"
fi

# Counters, exactly.
case=counters-exact
why=
bytes1=$(($(head -n1 "$TMPD/exp_vm1.hex" | tr -d '\n' | wc -c) / 2 * N))
bytes2=$(($(head -n1 "$TMPD/exp_vm2.hex" | tr -d '\n' | wc -c) / 2 * N))
expect() { # WHAT ACTUAL EXPECTED
	[ "$2" = "$3" ] || why="$why $1=$2 (expected $3);"
}
expect "vmt1.to_vm_xdp_frames" "$(port_counter "$STATS" vmt1 to_vm_xdp_frames)" $N
expect "vmt1.to_vm_xdp_bytes" "$(port_counter "$STATS" vmt1 to_vm_xdp_bytes)" $bytes1
expect "vmt1.tap_sent" "$(port_counter "$STATS" vmt1 tap_sent)" $N
expect "vmt2.to_vm_xdp_frames" "$(port_counter "$STATS" vmt2 to_vm_xdp_frames)" $N
expect "vmt2.to_vm_xdp_bytes" "$(port_counter "$STATS" vmt2 to_vm_xdp_bytes)" $bytes2
expect "vmt2.tap_sent" "$(port_counter "$STATS" vmt2 tap_sent)" $N
for p in vmt1 vmt2; do
	for c in tap_ring_full tap_xmit_err redirect_err; do
		expect "$p.$c" "$(port_counter "$STATS" $p $c)" 0
	done
done
expect "multicast" "$(uplink_reason "$STATS" multicast)" "$(wc -l <"$TMPD/exp_bcast.hex")"
expect "unknown_dst" "$(uplink_reason "$STATS" unknown_dst)" "$(wc -l <"$TMPD/exp_unknown.hex")"
for r in malformed vlan_unsupported too_big no_target drop_no_target; do
	expect "$r" "$(uplink_reason "$STATS" $r)" 0
done
expect "vm1.read" "$(kv rx_frames <"$TMPD/vm1.status")" $N
expect "vm2.read" "$(kv rx_frames <"$TMPD/vm2.status")" $N
if [ -z "$why" ]; then ok $case; else fail $case "${why% }"; fi

# One port's counters, and the plain-text table.
case=stats-one-port
one=$(vms --json stats vmt2 2>&1)
n_ports=$(jq -r '.ports | length' <<<"$one" 2>/dev/null)
frames=$(port_counter "$one" vmt2 to_vm_xdp_frames 2>/dev/null)
text=$(vms stats 2>&1)
if [ "$n_ports" = 1 ] && [ "$frames" = $N ] &&
	grep -q "^vmt1 " <<<"$text" && grep -q "^vmt2 " <<<"$text"; then
	ok $case
else
	fail $case "stats vmt2 --json gave ports=$n_ports to_vm_xdp_frames=$frames; text: $(head -c 200 <<<"$text")"
fi

# A priority tag (802.1Q header with VID 0, PCP set): an untagged port takes
# untagged frames only, so these go to the kernel's path untouched, as the
# bridge would have them (README); nothing reaches vmt1 or vmt2 by XDP.
case=priority-tagged-passed-to-kernel
XDP_TOTAL=$total
passed0=$(($(xdp_seen "$STATS") - $(port_counter "$STATS" vmt1 to_vm_xdp_frames) - $(port_counter "$STATS" vmt2 to_vm_xdp_frames)))
capture_start prio up0
: >"$TMPD/prio.hex"
for pcp in 0 5 7; do
	SEQ=$((SEQ + 1000))
	frame_v f "$MAC_VM1" $((pcp << 13)) $SEQ
	echo "$f" >>"$TMPD/prio.hex"
done
sent=$(send_hex "$TMPD/prio.hex")
XDP_TOTAL=$((XDP_TOTAL + sent))
if ! wait_xdp $XDP_TOTAL; then
	fail $case "$XDP_WAIT_WHY"
else
	passed=$(($(xdp_seen "$STATS") - $(port_counter "$STATS" vmt1 to_vm_xdp_frames) - $(port_counter "$STATS" vmt2 to_vm_xdp_frames) - passed0))
	wait_for "capture of $passed frames" eval '[ "$(capture_count prio)" -ge $passed ]'
	capture_stop prio
	vmsim_new_frames vm1 "$TMPD/prio_vm1.hex"
	vmsim_new_frames vm2 "$TMPD/prio_vm2.hex"
	capture_frames prio >"$TMPD/prio_pass.hex"
	if same_frames "$TMPD/prio.hex" "$TMPD/prio_pass.hex" &&
		[ ! -s "$TMPD/prio_vm1.hex" ] && [ ! -s "$TMPD/prio_vm2.hex" ]; then
		ok $case
	else
		kept=$(sort "$TMPD/prio.hex" | comm -12 - <(sort "$TMPD/prio_vm1.hex") | wc -l)
		fail $case "3 frames to $MAC_VM1 with VID 0 and PCP 0/5/7: vmt1 got $(wc -l <"$TMPD/prio_vm1.hex") ($kept with the tag kept; ${DIFF_WHY:-}), vmt2 $(wc -l <"$TMPD/prio_vm2.hex"), the kernel $(wc -l <"$TMPD/prio_pass.hex")"
	fi
fi

lib_done
