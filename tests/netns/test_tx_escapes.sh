#!/usr/bin/env bash
# vmsteer-test: parallel 25
# Issue 9: the escapes a malicious VM found in the tap program, each beside
# its legitimate twin (which must still pass), as deployed: a bridge br0 of
# the uplink up0 and the taps, vmsteer attached beside it.
#
# Part 1, frames: what reaches the wire (tcpdump on wire0), the other VMs'
# taps, and the reason counters.
#   1. tags: a VID-0 (priority) tag, 802.1ad and 0x9100 tags from an
#      untagged port; a trunk port's listed VID passes, others do not, and
#      the frame inside a listed tag is checked; from the uplink the
#      trunk gets its untagged frames by XDP, its tagged ones from the
#      bridge, tag kept;
#   2. link-local sources and NA targets other than the port's EUI-64 or
#      listed ones, ND link-layer options, Redirects, :: behind hop-by-hop;
#   3. DHCP server messages from other ports than 67/547;
#   4. the IPv6 header chain: a first fragment cut inside a destination
#      options header (with a trailer), an RA behind AH;
#   5. MTU: 3000 bytes into a 1500 tap, 9000 bytes to a 1500 uplink; GSO
#      frames from a guest with TSO judged by their segments (1448 fit,
#      3000 do not).
# Part 2, the effect on a real host stack in the wire namespace (IPv6 on,
# accepting RAs and Redirects, busybox udhcpc): no prefix or route from a
# rogue RA in a VID-0 tag (a trusted port's RA installs one); no UDP from
# another VM's address in a VID-0 tag reaches the host's UDP layer; udhcpc
# does not take an OFFER sent from port 68 (it binds the trusted server's);
# no neighbour entry changed by an NA or NS for the router's fe80::1 (the
# VM's own NA updates its entry); no route moved by a Redirect from a
# spoofed fe80::1 (the trusted router's Redirect moves it).
#
# Ports (hyp netns; vmsim plays each VM):
#   vmt1 untagged  MAC_VM1  --ip 10.0.0.1 --ip 2001:db8:1::/64 (attacker)
#   vmt2 untagged  MAC_VM2  --ip 10.0.0.2
#   vmt3 untagged  MAC_VM3  --trusted (the router and DHCP server)
#   vmt4 trunk     MAC_VM4  --trunk 10,20-21 --ip 10.0.4.4 --ip fe80::4:4
#   vmt5 untagged  MAC_VM5  --ip 10.0.0.5, a guest with TSO: 1448-byte
#                           segments (vmsim --gso)
#   vmt6 untagged  MAC_VM6  --ip 10.0.0.6, TSO with 3000-byte segments
. "$(dirname "$0")/lib.sh"
lib_init "txesc${TX_HOOK:+-$TX_HOOK}"
. "$(dirname "$0")/txframes.sh"

MAC_ROUTER=02:00:00:00:77:77 # what the wire host has for fe80::1
MAC_OLD=02:00:00:00:77:78    # what it has for vmt1's link-local at first
W=$MAC_WIRE

topo_create
# No multicast snooping: the bridge then joins no group of its own (its
# IGMP reports would reach the taps).
ip -n "$NS_HYP" link add br0 type bridge mcast_snooping 0 ||
	die "cannot create br0"
ip -n "$NS_HYP" link set up0 master br0 || die "up0 into br0"
ip -n "$NS_HYP" link set br0 up || die "br0 up"
# The bridge knows the wire's MAC: unicast to it never floods to the taps.
in_hyp bridge fdb add "$MAC_WIRE" dev up0 master static || die "fdb entry"
for i in 1 2 3 4; do
	vm_start $i
	ip -n "$NS_HYP" link set vmt$i master br0 || die "vmt$i into br0"
	: >"$TMPD/exp_vm$i.hex"
	: >"$TMPD/send_vm$i.hex"
done
tx_attach
vms port add vmt1 --mac "$MAC_VM1" --tx-hook "$TX_HOOK" --ip 10.0.0.1 --ip 2001:db8:1::/64 \
	>/dev/null || die "port add vmt1 failed"
vms port add vmt2 --mac "$MAC_VM2" --tx-hook "$TX_HOOK" --ip 10.0.0.2 >/dev/null ||
	die "port add vmt2 failed"
vms port add vmt3 --mac "$MAC_VM3" --tx-hook "$TX_HOOK" --trusted >/dev/null ||
	die "port add vmt3 failed"
vms port add vmt4 --mac "$MAC_VM4" --tx-hook "$TX_HOOK" --trunk 10,20-21 --ip 10.0.4.4 \
	--ip fe80::4:4 >/dev/null || die "port add vmt4 --trunk failed"
for i in 5 6; do
	vm_start $i -g $((i == 5 ? 1448 : 3000))
	ip -n "$NS_HYP" link set vmt$i master br0 || die "vmt$i into br0"
	: >"$TMPD/send_vm$i.hex"
	vms port add vmt$i --mac "$(eval echo "\$MAC_VM$i")" --tx-hook "$TX_HOOK" --ip 10.0.0.$i \
		>/dev/null || die "port add vmt$i failed"
done

# ---- trunk ports in the CLI -----------------------------------------------------

case=trunk-port-listed
got=$(vms_json port list | jq -r '.[] | select(.tap == "vmt4") | .trunk')
if [ "$got" = "10,20-21" ]; then ok $case; else fail $case "trunk is '$got'"; fi
case=trunk-port-dumped
vms dump >"$TMPD/dump.json" 2>"$TMPD/dump.err" || die "dump: $(cat "$TMPD/dump.err")"
got=$(jq -r '.ports[] | select(.tap == "vmt4") | .trunk' "$TMPD/dump.json")
if [ "$got" = "10,20-21" ]; then ok $case; else fail $case "dump says '$got'"; fi
case=trunk-port-apply-round-trip
if vms apply "$TMPD/dump.json" >"$TMPD/apply.out" 2>&1 &&
	[ "$(vms_json port list | jq -r '.[] | select(.tap == "vmt4") | .trunk')" = "10,20-21" ]; then
	ok $case
else
	fail $case "$(cat "$TMPD/apply.out")"
fi
# Refused, one line naming the option, nothing changed.
before=$(vms_json port list)
for bad in "--vlan 5 --trunk 10" "--trunk 0" "--trunk 4095" "--trunk 20-10" \
	"--trunk 10,,20" "--trunk ' 10'"; do
	case="trunk-refused:${bad// /_}"
	eval "set -- $bad"
	if out=$(vms port add vmt4 --mac "$MAC_VM4" --tx-hook "$TX_HOOK" "$@" 2>&1); then
		fail "$case" "accepted"
	elif [ "$(echo "$out" | wc -l)" != 1 ] ||
		! echo "$out" | grep -q -e '--trunk' -e '--vlan'; then
		fail "$case" "message: $out"
	elif [ "$(vms_json port list)" != "$before" ]; then
		fail "$case" "the ports changed"
	else
		ok "$case"
	fi
done

# ---- part 1: frames ------------------------------------------------------------

wire_capture
: >"$TMPD/exp_wire.hex"

# send VM FRAME WHERE: WHERE is wire, vmN or drop.
send() {
	echo "$2" >>"$TMPD/send_$1.hex"
	case $3 in
	wire) echo "$2" >>"$TMPD/exp_wire.hex" ;;
	vm*) echo "$2" >>"$TMPD/exp_$3.hex" ;;
	drop) ;;
	esac
}

LL1=$(ll6 "$MAC_VM1")
LL3=$(ll6 "$MAC_VM3")
LLW=$(ll6 "$MAC_WIRE")
LL_ROUTER=fe800000000000000000000000000001   # fe80::1
V6_VM1=20010db8000100000000000000000005      # 2001:db8:1::5
V6_REMOTE=20010db8007700000000000000000005   # 2001:db8:77::5
ALLNODES=ff020000000000000000000000000001
UNSPEC=00000000000000000000000000000000     # ::
# ra SRCMAC PREFIX(16 hex digits): an RA (lifetime 1800 s) with the source
# link-layer option and a /64 prefix, on-link and autonomous.
ra() {
	printf '8600000040000708000000000000000001%s%s' "01$(h "$1")" \
		"0304""40c0""00015180""00003840""00000000""$2""0000000000000000"
}
# na TARGET MAC: an unsolicited NA (override) with the target LL option.
na() { printf '8800000020000000%s%s' "$1" "$(ndopt 2 "$2")"; }
# ns TARGET MAC: an NS with the source LL option.
ns() { printf '8700000000000000%s%s' "$1" "$(ndopt 1 "$2")"; }
# rs [MAC]: a Router Solicitation, with a source LL option for MAC.
rs() { printf '8500000000000000%s' "${1:+$(ndopt 1 "$1")}"; }
# redirect TARGET DEST MAC: a Redirect with the target LL option.
redirect() { printf '8900000000000000%s%s%s' "$1" "$2" "$(ndopt 2 "$3")"; }
# ipv4 SRC DST PROTO PAYLOAD: an IPv4 header (checksum by pcaphex -C).
ipv4() {
	printf '4500%04x0000000040%02x0000%s%s%s' $((20 + ${#4} / 2)) "$3" \
		"$(ip4 "$1")" "$(ip4 "$2")" "$4"
}
# bootp OP XID YIADDR CHADDR MSGTYPE SERVER: a BOOTP/DHCP message (RFC
# 2131): server identifier, lease 3600 s, /24 mask, router and DNS SERVER.
bootp() {
	local o
	o="3501$(printf '%02x' "$5")3604$(ip4 "$6")330400000e100104ffffff00"
	o="${o}0304$(ip4 "$6")0604$(ip4 "$6")ff"
	printf '%02x010600%s0000000000000000%s0000000000000000%s%0*d%0*d63825363%s%0*d' \
		"$1" "$2" "$(ip4 "$3")" "$(h "$4")" 20 0 384 0 "$o" \
		$((2 * (312 - 4 - ${#o} / 2))) 0
}

# 1. Tags.
send vm1 "$(tag 0 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 58 "$(ra "$MAC_VM1" 20010db80bad0000)")")")" drop
send vm3 "$(eth "$W" "$MAC_VM3" 86dd "$(ip6 "$LL3" "$ALLNODES" 58 "$(ra "$MAC_VM3" 20010db8600d0000)")")" wire
send vm1 "$(tag 0 "$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.2 192.0.2.1 1000 53)")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.1 192.0.2.1 1000 53)")" wire
send vm1 "$(tagp 9100 0 "$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.2 192.0.2.1 1000 53)")")" drop
send vm1 "$(tagp 9100 0 "$(eth "$MAC_VM2" "$MAC_VM1" 0800 "$(udp4 10.0.0.3 10.0.0.2 1000 53)")")" drop
send vm1 "$(tagp 88a8 10 "$(eth "$W" "$MAC_VM1" 0800 "$(udp4 10.0.0.2 192.0.2.1 1000 53)")")" drop
send vm4 "$(tag 10 "$(eth "$W" "$MAC_VM4" 0800 "$(udp4 10.0.4.4 192.0.2.1 1000 53)")")" wire
send vm4 "$(tag 21 "$(eth "$W" "$MAC_VM4" 0806 "$(arp "$MAC_VM4" 10.0.4.4 192.0.2.1)")")" wire
send vm4 "$(tag 30 "$(eth "$W" "$MAC_VM4" 0800 "$(udp4 10.0.4.4 192.0.2.1 1000 53)")")" drop
send vm4 "$(tag 10 "$(eth "$W" "$MAC_VM4" 0800 "$(udp4 10.0.0.1 192.0.2.1 1000 53)")")" drop
send vm4 "$(eth "$W" "$MAC_VM4" 0800 "$(udp4 10.0.4.4 192.0.2.1 1000 53)")" wire

# 2. Link-local.
for src in $LL_ROUTER fe810000000000000000000000000005 febf00000000000000000000fe000101; do
	send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(udp6 "$src" "$V6_REMOTE" 1000 53)")" drop
done
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(udp6 "$LL1" "$V6_REMOTE" 1000 53)")" wire
send vm4 "$(eth "$W" "$MAC_VM4" 86dd "$(udp6 fe800000000000000000000000040004 "$V6_REMOTE" 1000 53)")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 58 "$(na "$LL_ROUTER" "$MAC_VM1")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 58 "$(na "$LL1" "$MAC_VM3")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 58 "$(na "$LL1" "$MAC_VM1")")")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL_ROUTER" "$LLW" 58 "$(ns "$LLW" "$MAC_VM1")")")" drop
# A Router Solicitation from :: (a host without an address yet): allowed
# without a source link-layer option, which it must not carry.
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$UNSPEC" "$LLW" 58 "$(rs)")")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$UNSPEC" "$LLW" 58 "$(rs "$MAC_VM1")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$LLW" 58 "$(ns "$LLW" "$MAC_VM1")")")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL_ROUTER" "$LLW" 58 "$(redirect "$LL1" "$V6_REMOTE" "$MAC_VM1")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$LLW" 58 "$(redirect "$LL1" "$V6_REMOTE" "$MAC_VM1")")")" drop
send vm3 "$(eth "$W" "$MAC_VM3" 86dd "$(ip6 "$LL_ROUTER" "$LLW" 58 "$(redirect "$LL3" "$V6_REMOTE" "$MAC_VM3")")")" wire
# :: behind hop-by-hop (router alert): UDP no, an MLDv2 report yes.
HBH=3a00050200000100
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 00000000000000000000000000000000 "$V6_REMOTE" 0 "11${HBH:2}$(udp_raw 1000 53 "$(payload 8)")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 00000000000000000000000000000000 ff020000000000000000000000000016 0 "${HBH}8f0000000000000104000000ff0200000000000000000001ff000005")")" wire

# 3. DHCP by message.
XID=12345678
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(ipv4 10.0.0.1 255.255.255.255 17 "$(udp_raw 68 68 "$(bootp 2 $XID 10.0.0.66 "$W" 2 10.0.0.1)")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(ipv4 10.0.0.1 255.255.255.255 17 "$(udp_raw 1234 68 "$(bootp 2 $XID 10.0.0.66 "$W" 2 10.0.0.1)")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(ipv4 10.0.0.1 255.255.255.255 17 "$(udp_raw 68 67 "$(bootp 2 $XID 10.0.0.66 "$W" 2 10.0.0.1)")")")" drop
send vm3 "$(eth "$W" "$MAC_VM3" 0800 "$(ipv4 10.0.0.253 255.255.255.255 17 "$(udp_raw 67 68 "$(bootp 2 $XID 10.0.0.77 "$W" 2 10.0.0.253)")")")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(ipv4 10.0.0.1 255.255.255.255 17 "$(udp_raw 68 67 "$(bootp 1 $XID 0.0.0.0 "$MAC_VM1" 3 10.0.0.253)")")")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$LLW" 17 "$(udp_raw 5470 546 "02${XID:2}$(payload 8)")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$LLW" 17 "$(udp_raw 546 546 "07${XID:2}$(payload 8)")")")" drop
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$LLW" 17 "$(udp_raw 546 547 "07${XID:2}$(payload 8)")")")" drop
send vm3 "$(eth "$W" "$MAC_VM3" 86dd "$(ip6 "$LL3" "$LLW" 17 "$(udp_raw 547 546 "07${XID:2}$(payload 8)")")")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" ff020000000000000000000000010002 17 "$(udp_raw 546 547 "01${XID:2}$(payload 8)")")")" wire

# 4. The header chain. A first fragment (offset 0, more) whose payload
# ends 8 bytes into a 64-byte destination options header, then 56 bytes
# of trailer that read as a UDP header; the later fragment with the rest
# and an RA (no upper layer for anyone to check: it cannot be reassembled
# without the first).
FRAG1="3c000001$(payload 4)3a07$(printf '%012d' 0)$(printf '%0112d' 0 | sed 's/^..../0035/')"
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$V6_VM1" "$V6_REMOTE" 44 "$FRAG1" 16)")" drop
FRAG2="3c000008$(payload 4)$(printf '%0112d' 0)$(ra "$MAC_VM1" 20010db80bad0000)"
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$V6_VM1" "$V6_REMOTE" 44 "$FRAG2")")" wire
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$V6_VM1" "$V6_REMOTE" 60 "1100010400000000$(udp_raw 1000 53 "$(payload 8)")")")" wire
AH="3a01000000000100$(payload 4)"
send vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 51 "$AH$(ra "$MAC_VM1" 20010db80bad0000)")")" drop
send vm3 "$(eth "$W" "$MAC_VM3" 86dd "$(ip6 "$LL3" "$ALLNODES" 51 "$AH$(ra "$MAC_VM3" 20010db8600d0000)")")" wire

# 5. MTU: every tap and the uplink at 1500.
big() { eth "$1" "$2" 88b5 "$(payload $(($3 - 14)))"; }
send vm1 "$(big "$MAC_VM2" "$MAC_VM1" 3000)" drop
send vm1 "$(big "$MAC_VM2" "$MAC_VM1" 1514)" vm2
send vm1 "$(big "$W" "$MAC_VM1" 9000)" drop
send vm1 "$(big "$W" "$MAC_VM1" 1514)" wire

for i in 1 2 3 4; do
	vm_send_file vm$i -C || die "vm$i could not send its frames: $(cat "$TMPD/vm$i.status")"
done
nwire=$(wc -l <"$TMPD/exp_wire.hex")
wait_for "$nwire frames on the wire" \
	eval '[ "$("$PCAPHEX" -c "$TMPD/wire.pcap")" -ge "$nwire" ]'
for i in 1 2 3 4; do
	vmsim_new_frames vm$i "$TMPD/got_vm$i.hex" || die "vmsim vm$i did not report"
	expect_frames escapes-tap-vmt$i "$TMPD/exp_vm$i.hex" "$TMPD/got_vm$i.hex"
done
stop_pid "$WIRE_PID"
"$PCAPHEX" "$TMPD/wire.pcap" >"$TMPD/got_wire.hex"
# The wire gets what was sent, checksums computed.
"$PCAPHEX" -C -r "$TMPD/exp_wire.hex" -w "$TMPD/exp_wire.pcap" &&
	"$PCAPHEX" "$TMPD/exp_wire.pcap" >"$TMPD/exp_wire_c.hex"
expect_frames escapes-wire-gets-only-the-twins "$TMPD/exp_wire_c.hex" "$TMPD/got_wire.hex"

S=$(stats_json) || die "stats failed"
expect_count tagged-untagged-port vmt1 reason vm_tagged 5
expect_count tagged-trunk-unlisted vmt4 reason vm_tagged 1
expect_count tagged-trunk-listed vmt4 reason vm_tagged_trunk 2
expect_count tagged-trunk-spoof-inside vmt4 reason spoof_ipv4 1
expect_count link-local-spoofs vmt1 reason spoof_ipv6 6
expect_count na-for-routers-address vmt1 reason spoof_na 1
expect_count nd-lladdr vmt1 reason spoof_nd_lladdr 2
expect_count redirect-untrusted vmt1 reason rogue_redirect 1
expect_count dhcpv4-by-message vmt1 reason rogue_dhcpv4 3
expect_count dhcpv6-by-message vmt1 reason rogue_dhcpv6 3
expect_count header-chain vmt1 reason vm_ext_headers 1
expect_count ra-behind-ah vmt1 reason rogue_ra 1
expect_count mtu vmt1 reason vm_too_big 2
expect_count mtu-east-west-twin vmt2 counter "$TO_VM_TX" 1
expect_count trusted-port-no-drops vmt3 reason rogue_ra 0

# ---- part 1b: a GSO frame is judged by its segments ------------------------

# gso_tcp DSTMAC SRCMAC SRC SEGSIZE: TCP/IPv4 of two SEGSIZE-byte segments,
# which the VM's vmsim sends as one GSO frame of its segment size.
gso_tcp() {
	eth "$1" "$2" 0800 "$(ipv4 "$3" 10.0.0.2 6 \
		"$(printf '%04x%04x%08x%08x5018ffff00000000' 1000 2000 1 1)$(payload $((2 * $4)))")"
}
printf '%s\n' "$(gso_tcp "$MAC_VM2" "$MAC_VM5" 10.0.0.5 1448)" \
	"$(gso_tcp "$W" "$MAC_VM5" 10.0.0.5 1448)" >"$TMPD/send_vm5.hex"
printf '%s\n' "$(gso_tcp "$MAC_VM2" "$MAC_VM6" 10.0.0.6 3000)" \
	"$(gso_tcp "$W" "$MAC_VM6" 10.0.0.6 3000)" >"$TMPD/send_vm6.hex"
vm_send_file vm5 -C || die "vm5 could not send: $(cat "$TMPD/vm5.status")"
vm_send_file vm6 -C || die "vm6 could not send: $(cat "$TMPD/vm6.status")"
vmsim_new_frames vm2 "$TMPD/gso_vm2.hex" || die "vmsim vm2 did not report"
case=gso-segments-that-fit-reach-the-other-vm
n5=$(grep -ci "^.\{12\}$(h "$MAC_VM5")" "$TMPD/gso_vm2.hex")
n6=$(grep -ci "^.\{12\}$(h "$MAC_VM6")" "$TMPD/gso_vm2.hex")
if [ "$n5" = 2 ] && [ "$n6" = 0 ]; then
	ok $case
else
	fail $case "vmt2 got $n5 segment(s) from vmt5 (want 2), $n6 from vmt6 (want 0)"
fi
S=$(stats_json) || die "stats failed"
expect_count gso-fits-east-west vmt5 counter from_vm_local_frames 1
expect_count gso-fits-north vmt5 counter from_vm_uplink_frames 1
expect_count gso-segments-too-big vmt6 reason vm_too_big 2
expect_count gso-segments-too-big-not-sent vmt6 counter from_vm_uplink_frames 0

# ---- part 1c: what a trunk port receives ------------------------------------

# From the uplink, the trunk's untagged frames take vmsteer's fast path
# (as for an untagged port); its tagged ones are the bridge's to deliver,
# tag kept.
w_untagged=$(eth "$MAC_VM4" "$W" 88b5 "$(payload 46)")
w_tagged=$(tag 10 "$(eth "$MAC_VM4" "$W" 88b5 "$(payload 46)")")
printf '%s\n' "$w_untagged" "$w_tagged" >"$TMPD/to_trunk.hex"
sent=$(send_hex "$TMPD/to_trunk.hex") || die "sendframes failed"
[ "$sent" = 2 ] || die "the socket sent $sent of 2 frames"
got4() { vmsim_frames vm4 | grep -ci "^$(h "$MAC_VM4")$(h "$W")"; }
wait_for "2 frames on vmt4" eval '[ "$(got4)" -ge 2 ]'
case=trunk-receives-untagged-and-tagged
printf '%s\n' "$w_untagged" "$w_tagged" >"$TMPD/exp_trunk.hex"
vmsim_frames vm4 | grep -i "^$(h "$MAC_VM4")$(h "$W")" >"$TMPD/got_trunk.hex"
expect_frames "$case" "$TMPD/exp_trunk.hex" "$TMPD/got_trunk.hex"
S=$(stats_json) || die "stats failed"
expect_count trunk-untagged-by-xdp vmt4 counter to_vm_xdp_frames 1

# ---- part 2: a host stack on the wire --------------------------------------------

# IPv6 on wire0 (no DAD wait), accepting RAs, prefixes and Redirects; an
# IPv4 address for the UDP counters. wire0 before "all": enabling IPv6 on
# all first would give wire0 its link-local address while its own
# accept_dad is still 1, tentative for a second or two, and the host
# ignores what is sent to a tentative address (a Redirect, below).
in_wire sh -c '
	for c in wire0 all; do
		echo 0 >/proc/sys/net/ipv6/conf/$c/accept_dad || exit 1
		echo 0 >/proc/sys/net/ipv6/conf/$c/disable_ipv6 || exit 1
	done
	echo 1 >/proc/sys/net/ipv6/conf/wire0/accept_ra &&
	echo 1 >/proc/sys/net/ipv6/conf/wire0/accept_redirects &&
	echo 0 >/proc/sys/net/ipv6/conf/all/forwarding' ||
	die "cannot turn IPv6 on in the wire namespace"
ip -n "$NS_WIRE" addr add 10.0.0.254/24 dev wire0 || die "wire IPv4"
wait_for "wire0's link-local address" \
	eval 'ip -n "$NS_WIRE" -6 addr show dev wire0 scope link 2>/dev/null | grep "inet6 fe80::ff:fe00:aaaa/64" | grep -qv tentative' ||
	die "wire0 has no link-local address"
ip -n "$NS_WIRE" -6 neigh replace fe80::1 lladdr "$MAC_ROUTER" dev wire0 nud stale ||
	die "neighbour fe80::1"
ip -n "$NS_WIRE" -6 neigh replace fe80::ff:fe00:101 lladdr "$MAC_OLD" dev wire0 nud stale ||
	die "neighbour of vmt1"
ip -n "$NS_WIRE" -6 route add 2001:db8:77::/64 via fe80::1 dev wire0 ||
	die "route via fe80::1"

# tx VM FRAME...: the VM sends the frames (checksums computed).
tx() { vm_send -C "$@" || die "$1 could not send"; }
counted() { [ "$(port_reason "$(stats_json)" "$1" "$2")" = "$3" ]; }
udp_in() { in_wire awk '/^Udp: [0-9]/ { print $2 + $3 }' /proc/net/snmp; }

# RA in a VID-0 tag, then a trusted port's RA.
tx vm1 "$(tag 0 "$(eth 33:33:00:00:00:01 "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 58 "$(ra "$MAC_VM1" 20010db80bad0000)")")")"
wait_for "the rogue RA counted" counted vmt1 vm_tagged 6 || fail rogue-ra-counted "not counted"
tx vm3 "$(eth 33:33:00:00:00:01 "$MAC_VM3" 86dd "$(ip6 "$LL3" "$ALLNODES" 58 "$(ra "$MAC_VM3" 20010db8600d0000)")")"
case=host-trusted-ra-installs-its-prefix
if wait_for "the trusted RA's prefix" \
	eval 'ip -n "$NS_WIRE" -6 route show | grep -q "^2001:db8:600d::/64"'; then
	ok $case
else
	fail $case "routes: $(ip -n "$NS_WIRE" -6 route show | tr '\n' '|')"
fi
case=host-no-prefix-or-route-from-ra-in-vid0-tag
routes=$(ip -n "$NS_WIRE" -6 route show; ip -n "$NS_WIRE" -6 addr show dev wire0 2>/dev/null)
if echo "$routes" | grep -q -e 2001:db8:bad -e "via fe80::ff:fe00:101"; then
	fail $case "$(echo "$routes" | tr '\n' '|')"
else
	ok $case
fi

# UDP from another VM's address in a VID-0 tag, then from its own.
u0=$(udp_in)
tx vm1 "$(tag 0 "$(eth "$W" "$MAC_VM1" 0800 "$(ipv4 10.0.0.2 10.0.0.254 17 "$(udp_raw 1000 9999 "$(payload 8)")")")")" \
	"$(eth "$W" "$MAC_VM1" 0800 "$(ipv4 10.0.0.1 10.0.0.254 17 "$(udp_raw 1000 9999 "$(payload 8)")")")"
case=host-udp-from-another-vm-in-vid0-tag-not-received
if wait_for "the legitimate datagram" eval '[ "$(udp_in)" -ge $((u0 + 1)) ]' &&
	counted vmt1 vm_tagged 7 && [ "$(udp_in)" = $((u0 + 1)) ]; then
	ok $case
else
	fail $case "UDP datagrams received (or to no port) went from $u0 to $(udp_in)"
fi

# udhcpc: an OFFER from port 68 first, then the trusted server's.
cat >"$TMPD/udhcpc.sh" <<EOF
#!/bin/sh
echo "\$1 ip=\$ip router=\$router dns=\$dns serverid=\$serverid" >>"$TMPD/udhcpc.log"
EOF
chmod +x "$TMPD/udhcpc.sh"
nsenter --net="/run/netns/$NS_WIRE" busybox udhcpc -i wire0 -f -q -n -t 20 -T 1 \
	-s "$TMPD/udhcpc.sh" >"$TMPD/udhcpc.out" 2>&1 &
DHCP_PID=$!
LIB_PIDS+=("$DHCP_PID")
# the_dhcp TYPE VM: the last DHCP message of type TYPE (1 discover, 3
# request) the VM's tap delivered, hex.
the_dhcp() {
	vmsim_frames "$2" | grep -i '^.\{24\}0800.\{40\}00440043' |
		grep -i "6382536335010$1" | tail -n1
}
have_dhcp() { [ -n "$(the_dhcp "$1" "$2")" ]; }
wait_for "udhcpc's DISCOVER" have_dhcp 1 vm3 || die "no DISCOVER reached vmt3"
xid=$(the_dhcp 1 vm3 | cut -c93-100)
tx vm1 "$(eth "$W" "$MAC_VM1" 0800 "$(ipv4 10.0.0.1 255.255.255.255 17 "$(udp_raw 68 68 "$(bootp 2 "$xid" 10.0.0.66 "$W" 2 10.0.0.1)")")")"
wait_for "the rogue OFFER counted" counted vmt1 rogue_dhcpv4 4 ||
	fail rogue-offer-counted "not counted"
tx vm3 "$(eth "$W" "$MAC_VM3" 0800 "$(ipv4 10.0.0.253 255.255.255.255 17 "$(udp_raw 67 68 "$(bootp 2 "$xid" 10.0.0.77 "$W" 2 10.0.0.253)")")")"
case=host-udhcpc-requests-the-trusted-offer
if wait_for "udhcpc's REQUEST" have_dhcp 3 vm3; then
	req=$(the_dhcp 3 vm3)
	if echo "$req" | grep -qi "3204$(ip4 10.0.0.77)"; then
		ok $case
	else
		fail $case "REQUEST: $req"
	fi
else
	fail $case "no REQUEST: $(cat "$TMPD/udhcpc.out")"
fi
tx vm3 "$(eth "$W" "$MAC_VM3" 0800 "$(ipv4 10.0.0.253 255.255.255.255 17 "$(udp_raw 67 68 "$(bootp 2 "$xid" 10.0.0.77 "$W" 5 10.0.0.253)")")")"
case=host-udhcpc-does-not-bind-an-offer-from-port-68
wait_for "udhcpc bound" grep -q '^bound' "$TMPD/udhcpc.log" 2>/dev/null
if grep -q '^bound ip=10.0.0.77 router=10.0.0.253' "$TMPD/udhcpc.log" 2>/dev/null &&
	! grep -q 10.0.0.66 "$TMPD/udhcpc.log"; then
	ok $case
else
	fail $case "udhcpc: $(cat "$TMPD/udhcpc.log" "$TMPD/udhcpc.out" 2>/dev/null | tr '\n' '|')"
fi
stop_pid "$DHCP_PID"

# An NA and an NS for the router's fe80::1, then the VM's NA for its own.
neigh() { ip -n "$NS_WIRE" -6 neigh show "$1" dev wire0 | awk '{ print $3 }'; }
tx vm1 "$(eth 33:33:00:00:00:01 "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 58 "$(na "$LL_ROUTER" "$MAC_VM1")")")" \
	"$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL_ROUTER" "$LLW" 58 "$(ns "$LLW" "$MAC_VM1")")")" \
	"$(eth 33:33:00:00:00:01 "$MAC_VM1" 86dd "$(ip6 "$LL1" "$ALLNODES" 58 "$(na "$LL1" "$MAC_VM1")")")"
case=host-own-na-updates-its-entry
if wait_for "vmt1's entry updated" eval '[ "$(neigh fe80::ff:fe00:101)" = "$MAC_VM1" ]'; then
	ok $case
else
	fail $case "fe80::ff:fe00:101 is at $(neigh fe80::ff:fe00:101)"
fi
case=host-no-neighbour-changed-by-link-local-na-or-ns
if [ "$(neigh fe80::1)" = "$MAC_ROUTER" ] && counted vmt1 spoof_na 2; then
	ok $case
else
	fail $case "fe80::1 is at $(neigh fe80::1)"
fi

# A Redirect from a spoofed fe80::1, then the trusted router's.
via() { ip -n "$NS_WIRE" -6 route get 2001:db8:77::5 | grep -o 'via [^ ]*'; }
tx vm1 "$(eth "$W" "$MAC_VM1" 86dd "$(ip6 "$LL_ROUTER" "$LLW" 58 "$(redirect "$LL1" "$V6_REMOTE" "$MAC_VM1")")")"
wait_for "the rogue Redirect counted" counted vmt1 spoof_ipv6 8 ||
	fail rogue-redirect-counted "not counted"
case=host-no-route-changed-by-a-spoofed-redirect
if [ "$(via)" = "via fe80::1" ]; then ok $case; else fail $case "$(via)"; fi
tx vm3 "$(eth "$W" "$MAC_VM3" 86dd "$(ip6 "$LL_ROUTER" "$LLW" 58 "$(redirect "$LL3" "$V6_REMOTE" "$MAC_VM3")")")"
case=host-trusted-redirect-moves-the-route
if wait_for "the redirected route" eval '[ "$(via)" = "via fe80::ff:fe00:303" ]'; then
	ok $case
else
	fail $case "$(via)"
fi

lib_done
