#!/usr/bin/env bash
# Transmit path: frames VMs write into their tap queues.
#
# - East-west: a frame for another local port on the same VLAN arrives at
#   that VM's tap byte-exact (tc redirect), on no other tap.
# - Northbound: unicast for a non-local MAC arrives on the wire side
#   byte-exact, tagged with the port's VLAN for an access port.
# - No frame ever crosses VLANs: a VM on VLAN 200 (or untagged) sending to
#   the MAC of a VLAN 100 port reaches the wire on its own VLAN, never the
#   VLAN 100 tap.
# - Each spoof kind (MAC, IPv4, IPv6, ARP, NA, RA, DHCPv4 server, DHCPv6
#   server, tagged frame on an access port) is dropped and counted under its
#   reason, and the matching legitimate frame passes.
# - Uplink skb path: a frame for a port that the uplink XDP program passes
#   as too big for XDP (larger than a page: multi-buffer) is forwarded by
#   the uplink tc program and counted under the tc path.
#
# Ports (hyp netns; vmsim plays each VM, reading and writing its queues):
#   vmt1 untagged  MAC_VM1  --ip 10.0.0.1 --ip 2001:db8:1::/64
#   vmt2 VLAN 100  MAC_VM2  --ip 10.0.100.2
#   vmt3 VLAN 100  MAC_VM3  (MAC checks only)
#   vmt4 VLAN 200  MAC_VM4  --ip 10.0.200.4
#   vmt5 untagged  MAC_VM5  --trusted (MAC checks only)
. "$(dirname "$0")/lib.sh"
lib_init "tx${TX_HOOK:+-$TX_HOOK}"
. "$(dirname "$0")/txframes.sh"

BIG_MTU=9000

topo_create
ip -n "$NS_HYP" link set up0 mtu $BIG_MTU || die "up0 mtu"
ip -n "$NS_WIRE" link set wire0 mtu $BIG_MTU || die "wire0 mtu"
for i in 1 2 3 4 5; do
	vm_start $i
	ip -n "$NS_HYP" link set vmt$i mtu $BIG_MTU || die "vmt$i mtu"
	: >"$TMPD/exp_vm$i.hex"
done
tx_attach
vms port add vmt1 --mac "$MAC_VM1" --tx-hook "$TX_HOOK" --ip 10.0.0.1 --ip 2001:db8:1::/64 \
	>/dev/null || die "port add vmt1 failed"
vms port add vmt2 --mac "$MAC_VM2" --tx-hook "$TX_HOOK" --vlan 100 --ip 10.0.100.2 >/dev/null ||
	die "port add vmt2 failed"
vms port add vmt3 --mac "$MAC_VM3" --tx-hook "$TX_HOOK" --vlan 100 >/dev/null ||
	die "port add vmt3 failed"
vms port add vmt4 --mac "$MAC_VM4" --tx-hook "$TX_HOOK" --vlan 200 --ip 10.0.200.4 >/dev/null ||
	die "port add vmt4 failed"
vms port add vmt5 --mac "$MAC_VM5" --tx-hook "$TX_HOOK" --trusted >/dev/null ||
	die "port add vmt5 failed"

# The wire side: what arrives on wire0.
wire_capture
: >"$TMPD/exp_wire.hex"

# ---- frames -----------------------------------------------------------------

V6_WIRE=20010db8000100000000000000000001     # 2001:db8:1::1 (remote)
V6_VM1=20010db8000100000000000000000005      # 2001:db8:1::5 (in vmt1's /64)
V6_OTHER=20010db8000200000000000000000001    # 2001:db8:2::1 (nobody's)
V6_LL5=fe800000000000000000000000000005      # fe80::5
ALLNODES=ff020000000000000000000000000001
# An RA's reachable and retransmit timers (8 bytes), then a Nonce option.
RA_BODY=00000000000000000e01000000000000

# Frames each VM sends in this round, and where they must arrive.
for i in 1 2 3 4 5; do : >"$TMPD/send_vm$i.hex"; done
# send VM FRAME WHERE: WHERE is wire, wire:VID (tagged on the wire), vmN,
# or drop.
send() {
	echo "$2" >>"$TMPD/send_$1.hex"
	case $3 in
	wire) echo "$2" >>"$TMPD/exp_wire.hex" ;;
	wire:*) tag "${3#wire:}" "$2" >>"$TMPD/exp_wire.hex" ;;
	vm*) echo "$2" >>"$TMPD/exp_$3.hex" ;;
	drop) ;;
	esac
}

W=$MAC_WIRE
# East-west, byte-exact into the other VM's tap.
send vm1 "$(eth "$MAC_VM5" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 10.0.0.5 1000 2000)")" vm5
send vm5 "$(eth "$MAC_VM1" "$MAC_VM5" 88b5 "$(payload 46)")" vm1
send vm2 "$(eth "$MAC_VM3" "$MAC_VM2" 0800 "$(udp4 10.0.100.2 10.0.100.3 1000 2000)")" vm3
send vm3 "$(eth "$MAC_VM2" "$MAC_VM3" 88b5 "$(payload 46)")" vm2
# Northbound: untagged port as is, access ports tagged with their VLAN.
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 192.0.2.1 1000 53)")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(udp6 "$V6_VM1" "$V6_WIRE" 1000 53)")" wire
send vm2 "$(eth "$W" "$MAC_VM2" 0800 "$(udp4 10.0.100.2 192.0.2.1 1000 53)")" wire:100
send vm4 "$(eth "$W" "$MAC_VM4" 0800 "$(udp4 10.0.200.4 192.0.2.1 1000 53)")" wire:200
# Never across VLANs: to a VLAN 100 port's MAC from VLAN 200 and untagged.
send vm4 "$(eth "$MAC_VM2" "$MAC_VM4" 0800 "$(udp4 10.0.200.4 10.0.100.2 1000 2000)")" wire:200
send vm4 "$(eth "$MAC_VM3" "$MAC_VM4" 88b5 "$(payload 46)")" wire:200
send vm1 "$(eth "$MAC_VM2" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 10.0.100.2 1000 2000)")" wire
send vm2 "$(eth "$MAC_VM4" "$MAC_VM2" 0800 "$(udp4 10.0.100.2 10.0.200.4 1000 2000)")" wire:100
send vm2 "$(eth "$MAC_VM1" "$MAC_VM2" 0800 "$(udp4 10.0.100.2 10.0.0.1 1000 2000)")" wire:100

# Spoofs, each beside its legitimate twin (which must arrive).
# MAC
send vm1 "$(eth "$W" "$MAC_VM5" 88b5 "$(payload 46)")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 88b5 "$(payload 46)")" wire
# IPv4
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.9 192.0.2.1 1000 53)")" drop
send vm2 "$(eth "$W" "$MAC_VM2" 0800 "$(udp4 10.0.0.1 192.0.2.1 1000 53)")" drop
# IPv6
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(udp6 "$V6_OTHER" "$V6_WIRE" 1000 53)")" drop
# ARP (replies unicast to the wire): sender IP, sender MAC
send vm1 "$(eth "$W" "$MAC_VM1" 0806 "$(arp "$MAC_VM1" 10.0.0.9 192.0.2.1)")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 0806 "$(arp "$MAC_VM5" 10.0.0.1 192.0.2.1)")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 0806 "$(arp "$MAC_VM1" 10.0.0.1 192.0.2.1)")" wire
# Neighbor Advertisement: target not the port's, then its own
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(icmp6 "$V6_VM1" "$V6_WIRE" 136 "$V6_OTHER")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(icmp6 "$V6_VM1" "$V6_WIRE" 136 "$V6_VM1")")" wire
# Router Advertisement: untrusted vmt1 dropped, trusted vmt5 passes
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(icmp6 "$V6_VM1" "$V6_WIRE" 134 "$ALLNODES")")" drop
send vm5 "$(eth "$W" "$MAC_VM5" 86dd "$(icmp6 "$V6_LL5" "$V6_WIRE" 134 "$RA_BODY")")" wire
# DHCPv4 server (67 -> 68)
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 192.0.2.1 67 68)")" drop
send vm5 "$(eth "$W" "$MAC_VM5" 0800 "$(udp4 10.0.0.5 192.0.2.1 67 68)")" wire
# DHCPv6 server (547 -> 546)
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(udp6 "$V6_VM1" "$V6_WIRE" 547 546)")" drop
send vm5 "$(eth "$W" "$MAC_VM5" 86dd "$(udp6 "$V6_LL5" "$V6_WIRE" 547 546)")" wire
# A tagged frame from a VM on an access port (its own VLAN and another)
send vm2 "$(tag 100 "$(eth "$W" "$MAC_VM2" 0800 "$(udp4 10.0.100.2 192.0.2.1 1000 53)")")" drop
send vm2 "$(tag 200 "$(eth "$MAC_VM4" "$MAC_VM2" 0800 "$(udp4 10.0.100.2 10.0.200.4 1000 53)")")" drop
# DHCPv4 discover (a BOOTREQUEST, op 1) from 0.0.0.0 (broadcast): allowed,
# left to the bridge
d=$(udp4 0.0.0.0 255.255.255.255 68 67)
send vm1 "$(eth ff:ff:ff:ff:ff:ff "$MAC_VM1" 0800 "${d:0:56}01${d:58}")" drop

# ---- send, from every VM's own tap queues -------------------------------------

for i in 1 2 3 4 5; do
	vm_send_file vm$i || die "vm$i could not send its frames: $(cat "$TMPD/vm$i.status")"
done

# ---- what arrived -------------------------------------------------------------

nwire=$(wc -l <"$TMPD/exp_wire.hex")
wait_for "$nwire frames on the wire" \
	eval '[ "$("$PCAPHEX" -c "$TMPD/wire.pcap")" -ge "$nwire" ]'
for i in 1 2 3 4 5; do
	vmsim_new_frames vm$i "$TMPD/got_vm$i.hex" || die "vmsim vm$i did not report"
done

for i in 1 2 3 4 5; do
	expect_frames tap-vmt$i-byte-exact "$TMPD/exp_vm$i.hex" "$TMPD/got_vm$i.hex"
done

# Nothing from VLAN 200 or untagged ever reached a VLAN 100 tap.
case=no-frame-crosses-vlans
bad=$(cat "$TMPD/got_vm2.hex" "$TMPD/got_vm3.hex" |
	grep -ci -e "^.\{12\}$(h "$MAC_VM4")" -e "^.\{12\}$(h "$MAC_VM1")" -e "^.\{12\}$(h "$MAC_VM5")")
bad4=$(grep -ci -e "^.\{12\}$(h "$MAC_VM2")" -e "^.\{12\}$(h "$MAC_VM1")" "$TMPD/got_vm4.hex")
if [ "$bad" = 0 ] && [ "$bad4" = 0 ]; then
	ok $case
else
	fail $case "$bad frame(s) from other VLANs on vmt2/vmt3, $bad4 on vmt4"
fi

# ---- counters -------------------------------------------------------------------

S=$(stats_json) || die "stats failed"
expect_count drop-spoof-mac vmt1 reason spoof_mac 1
expect_count drop-spoof-ipv4 vmt1 reason spoof_ipv4 1
expect_count drop-spoof-ipv4-access-port vmt2 reason spoof_ipv4 1
expect_count drop-spoof-ipv6 vmt1 reason spoof_ipv6 1
expect_count drop-spoof-arp vmt1 reason spoof_arp 2
expect_count drop-spoof-na vmt1 reason spoof_na 1
expect_count drop-rogue-ra vmt1 reason rogue_ra 1
expect_count drop-rogue-dhcpv4 vmt1 reason rogue_dhcpv4 1
expect_count drop-rogue-dhcpv6 vmt1 reason rogue_dhcpv6 1
expect_count drop-tagged-on-access-port vmt2 reason vm_tagged 2
expect_count dhcp-discover-to-bridge vmt1 reason vm_multicast 1
expect_count trusted-port-no-drops vmt5 reason rogue_ra 0
expect_count east-west-counted-sender vmt1 counter "$FROM_LOCAL" 1
expect_count east-west-counted-receiver vmt5 counter "$TO_VM_TX" 1
expect_count east-west-vlan-counted vmt3 counter "$TO_VM_TX" 1
tx_uplink_hook
expect_count north-counted-vmt1 vmt1 counter "$FROM_UPLINK" 6
expect_count north-counted-vmt2 vmt2 counter "$FROM_UPLINK" 3
expect_count north-counted-vmt4 vmt4 counter "$FROM_UPLINK" 3
expect_count north-counted-vmt5 vmt5 counter "$FROM_UPLINK" 3

# The plain stats show drops per reason, port and hook.
case=stats-plain-reasons-per-port
if vms stats | grep -Eq "^spoof_arp +vmt1 +$TX_HOOK +2 "; then
	ok $case
else
	fail $case "no 'spoof_arp vmt1 $TX_HOOK 2' row in: $(vms stats | tr '\n' '|')"
fi

# ---- the uplink skb path: too big for XDP, forwarded by tc --------------------

# 5000-byte frames (larger than a page: multi-buffer in XDP) for vmt1
# (untagged) and vmt2 (VLAN 100, tag removed); both taps have MTU 9000.
big() { # DST [VID]
	local f p
	p=$(payload 4986)
	f="$(h "$1")$(h "$MAC_WIRE")88b5$p"
	if [ $# = 2 ]; then tag "$2" "$f"; else echo "$f"; fi
}
b1=$(big "$MAC_VM1")
b2=$(big "$MAC_VM2" 100)
printf '%s\n%s\n' "$b1" "$b2" >"$TMPD/big.hex"
sent=$(send_hex "$TMPD/big.hex") || die "sendframes failed"
[ "$sent" = 2 ] || die "the socket sent $sent of 2 big frames"
# The east-west frame each of vmt1 and vmt2 got above came by tc (1) or
# by XDP (0).
ew_tc=$([ "$TX_HOOK" = tc ] && echo 1 || echo 0)
tc_done() {
	S=$(stats_json) &&
		[ "$(port_counter "$S" vmt1 to_vm_tc_frames)" = $((ew_tc + 1)) ] &&
		[ "$(port_counter "$S" vmt2 to_vm_tc_frames)" = $((ew_tc + 1)) ]
}
wait_for "the uplink tc program" tc_done
vmsim_new_frames vm1 "$TMPD/big_vm1.hex" || die "vmsim vm1 did not report"
vmsim_new_frames vm2 "$TMPD/big_vm2.hex" || die "vmsim vm2 did not report"
case=uplink-tc-path-delivers-byte-exact
echo "$b1" >"$TMPD/big_exp1.hex"
untag "$b2" >"$TMPD/big_exp2.hex"
if same_frames "$TMPD/big_exp1.hex" "$TMPD/big_vm1.hex" &&
	same_frames "$TMPD/big_exp2.hex" "$TMPD/big_vm2.hex"; then
	ok $case
else
	fail $case "$DIFF_WHY"
fi
# Counted: XDP passed them (too_big), tc forwarded them; not the XDP path.
expect_count uplink-tc-path-counted-tc vmt1 counter to_vm_tc_frames $((ew_tc + 1))
expect_count uplink-tc-path-counted-tc-vlan vmt2 counter to_vm_tc_frames $((ew_tc + 1))
expect_count uplink-tc-path-xdp-passed vmt1 reason too_big 1
expect_count uplink-tc-path-not-xdp vmt1 counter to_vm_xdp_frames $((1 - ew_tc))
expect_count uplink-tc-path-bytes vmt1 counter to_vm_tc_bytes \
	$((ew_tc * 60 + 5000))

# ---- the wire ------------------------------------------------------------------

kill -INT "$WIRE_PID" 2>/dev/null
wait "$WIRE_PID" 2>/dev/null
"$PCAPHEX" "$TMPD/wire.pcap" >"$TMPD/got_wire.hex"
expect_frames northbound-byte-exact-tagged "$TMPD/exp_wire.hex" "$TMPD/got_wire.hex"

lib_done
