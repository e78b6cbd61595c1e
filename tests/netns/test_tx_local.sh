#!/usr/bin/env bash
# Transmit path next to a bridge: frames a VM sends to a MAC of this host
# stay on this host.
#
# hyp netns: bridge br0 (10.0.0.254/24) with ports up0 (the uplink,
# vmsteer attached), vmt1 (a vmsteer port, --ip 10.0.0.1) and vmt9 (a tap
# vmsteer does not manage, its VM vm9 known to the bridge by MAC_VM9).
#
# - A unicast ARP request from vm1 to br0's MAC is answered by the host
#   stack (the reply reaches vm1 through the bridge), not sent to the wire.
# - A frame to MAC_VM9 reaches vm9 byte-exact, not the wire.
# - A frame to up0's own MAC stays on the host.
# - A frame to an unknown MAC still goes north, byte-exact, exactly once.
# - Each stays-local frame is counted under vm_host_dst.
# - A device created later (a veth in br0) is local after the next
#   vmsteer command (attach re-run); once it is deleted, the next command
#   that takes a snapshot (attach re-run) forgets it and frames to its MAC
#   go north again.
# - port add puts its tap's own address in vmst_local and keeps the
#   port's MAC out of it, without a snapshot of every device.
. "$(dirname "$0")/lib.sh"
lib_init txlocal

MAC_VM9=02:00:00:00:09:09
MAC_BR=02:00:00:00:bb:bb
MAC_LV=02:00:00:00:1e:1e

topo_create
ip -n "$NS_HYP" link add br0 type bridge || die "cannot create br0"
ip -n "$NS_HYP" link set br0 address $MAC_BR || die "br0 address"
ip -n "$NS_HYP" addr add 10.0.0.254/24 dev br0 || die "br0 address"
ip -n "$NS_HYP" link set up0 master br0 || die "up0 into br0"
for i in 1 9; do
	vm_start $i
	ip -n "$NS_HYP" link set vmt$i master br0 || die "vmt$i into br0"
done
ip -n "$NS_HYP" link set br0 up || die "br0 up"
MAC_UP0=$(ip -n "$NS_HYP" -j link show up0 | jq -r '.[0].address')

. "$(dirname "$0")/txframes.sh"
# pad N SEQ: N bytes, the first 4 SEQ.
pad() { printf '%08x%0*d' "$2" $((2 * $1 - 8)) 0; }

# vm9 speaks first: the bridge learns MAC_VM9 on vmt9.
vm_send vm9 "$(eth ff:ff:ff:ff:ff:ff $MAC_VM9 88b5 "$(pad 46 1)")" ||
	die "vm9 could not send"
wait_for "br0 to learn vm9" eval \
	"bridge -n $NS_HYP fdb show dev vmt9 | grep -qi $MAC_VM9" ||
	die "br0 did not learn $MAC_VM9 on vmt9"

vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add vmt1 --mac "$MAC_VM1" --ip 10.0.0.1 >/dev/null ||
	die "port add vmt1 failed"
vmsim_new_frames vm1 "$TMPD/before.hex" || die "vmsim vm1 did not report"

wire_capture

# ARP request, unicast to the bridge: who has 10.0.0.254, tell 10.0.0.1.
arp_req=$(eth $MAC_BR "$MAC_VM1" 0806 \
	"0001080006040001$(h "$MAC_VM1")$(ip4 10.0.0.1)000000000000$(ip4 10.0.0.254)$(pad 18 2)")
to_vm9=$(eth $MAC_VM9 "$MAC_VM1" 88b5 "$(pad 46 3)")
to_up0=$(eth "$MAC_UP0" "$MAC_VM1" 88b5 "$(pad 46 4)")
to_nobody=$(eth "$MAC_NOBODY" "$MAC_VM1" 88b5 "$(pad 46 5)")
vm_send vm1 "$arp_req" "$to_vm9" "$to_up0" "$to_nobody" ||
	die "vm1 could not send: $(cat "$TMPD/vm1.status")"

# The host's ARP reply: from br0 to vm1, "10.0.0.254 is at MAC_BR".
arp_reply_seen() {
	vmsim_new_frames vm1 "$TMPD/new1.hex" || return 1
	cat "$TMPD/new1.hex" >>"$TMPD/got1.hex"
	grep -qi "^$(h "$MAC_VM1")$(h $MAC_BR)08060001080006040002$(h $MAC_BR)$(ip4 10.0.0.254)" \
		"$TMPD/got1.hex"
}
: >"$TMPD/got1.hex"
case=arp-to-bridge-answered-by-host
if wait_for "the host's ARP reply" arp_reply_seen; then
	ok $case
else
	fail $case "vm1 got no ARP reply from 10.0.0.254 ($(wc -l <"$TMPD/got1.hex") frames)"
fi

case=frame-to-unmanaged-tap-delivered
got9() {
	vmsim_new_frames vm9 "$TMPD/new9.hex" || return 1
	cat "$TMPD/new9.hex" >>"$TMPD/got9.hex"
	grep -qx "$to_vm9" "$TMPD/got9.hex"
}
: >"$TMPD/got9.hex"
if wait_for "vm9 to get its frame" got9; then
	ok $case
else
	fail $case "vm9 did not get the frame for $MAC_VM9"
fi

# host_and_north CASE HOST NORTH: in the stats now, vmt1 sent HOST frames
# to the host (vm_host_dst) and NORTH to the uplink.
host_and_north() {
	local got north
	S=$(stats_json) || die "stats failed"
	got=$(port_reason "$S" vmt1 vm_host_dst)
	north=$(port_counter "$S" vmt1 from_vm_uplink_frames)
	if [ "$got" = "$2" ] && [ "$north" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "vm_host_dst $got (want $2), from_vm_uplink_frames $north (want $3)"
	fi
}
host_and_north host-frames-counted 3 1

# ---- a device made later: known after the next command --------------------------

ip -n "$NS_HYP" link add lv0 address $MAC_LV type veth peer name lv1 ||
	die "cannot create lv0"
ip -n "$NS_HYP" link set lv0 master br0 up || die "lv0 into br0"
vms attach up0 >/dev/null || die "attach up0 (re-run) failed"
to_lv0=$(eth $MAC_LV "$MAC_VM1" 88b5 "$(pad 46 6)")
vm_send vm1 "$to_lv0" || die "vm1 could not send to lv0"
case=device-made-later-known-after-attach
S=$(stats_json) || die "stats failed"
got=$(port_reason "$S" vmt1 vm_host_dst)
if [ "$got" = 4 ]; then
	ok $case
else
	fail $case "vm_host_dst $got, want 4 (lv0's MAC not local after attach)"
fi

# Deleted: the next command forgets it, and its MAC is the wire's again.
ip -n "$NS_HYP" link del lv0 || die "cannot delete lv0"
vms attach up0 >/dev/null || die "attach up0 (third run) failed"
to_gone=$(eth $MAC_LV "$MAC_VM1" 88b5 "$(pad 46 7)")
vm_send vm1 "$to_gone" || die "vm1 could not send to the gone lv0"
host_and_north device-deleted-forgotten 4 2

local_has() { # MAC: in vmst_local
	bpftool -j map dump pinned "$PIN/vmst_local" |
		jq -e --argjson m $((16#${1//:/})) 'any(.[]; .formatted.key.mac48 == $m)' >/dev/null
}
MAC_T3=02:00:00:00:3a:3a
tap_create vmt3
ip -n "$NS_HYP" link set vmt3 address $MAC_T3 || die "vmt3 address"
# A device with the MAC the port will have (the snapshot has it), and a
# tap address the snapshot has not seen.
ip -n "$NS_HYP" link add lv2 address $MAC_VM3 type veth peer name lv3 || die "lv2"
vms attach up0 >/dev/null || die "attach up0 (fourth run) failed"
local_has $MAC_VM3 || die "lv2's address not host-local after attach"
ip -n "$NS_HYP" link set vmt3 address 02:00:00:00:3b:3b || die "vmt3 address"
vms port add vmt3 --mac $MAC_VM3 >/dev/null || die "port add vmt3 failed"
case=port-add-updates-own-entries
if ! local_has 02:00:00:00:3b:3b; then
	fail $case "vmt3's own address is not host-local after port add"
elif local_has $MAC_VM3; then
	fail $case "the port's MAC $MAC_VM3 is still host-local after port add"
else
	ok $case
fi
ip -n "$NS_HYP" link del lv2 || die "cannot delete lv2"

# ---- the wire: only the frames for MACs not on this host -------------------------

# vm1_on_wire: vm1's frames on the wire so far (the bridge sends its own
# IGMP reports there too).
vm1_on_wire() { "$PCAPHEX" "$TMPD/wire.pcap" | grep -i "^.\{12\}$(h "$MAC_VM1")"; }
wait_for "2 frames of vm1 on the wire" \
	eval '[ "$(vm1_on_wire | wc -l)" -ge 2 ]'
kill -INT "$WIRE_PID" 2>/dev/null
wait "$WIRE_PID" 2>/dev/null
vm1_on_wire >"$TMPD/got_wire.hex"
printf '%s\n' "$to_nobody" "$to_gone" >"$TMPD/exp_wire.hex"
case=only-remote-frames-north-byte-exact
if same_frames "$TMPD/exp_wire.hex" "$TMPD/got_wire.hex"; then
	ok $case
else
	fail $case "$DIFF_WHY; unexpected: $(comm -13 <(sort "$TMPD/exp_wire.hex") <(sort "$TMPD/got_wire.hex") | cut -c1-60 | tr '\n' ' ')"
fi

lib_done
