#!/usr/bin/env bash
# vmsteer-test: parallel 66
# Real guests (tests/vm/lib.sh): two libvirt domains booting Debian's 6.1
# kernel under TCG, one with a single-queue virtio-net NIC and one with
# <driver queues='2'/> and 2 vCPUs, on bridge br0 whose uplink up0 runs
# vmsteer. Checked with the guests' own network stacks:
#   - from the wire (ping, UDP and TCP echo) through vmsteer's XDP path:
#     the port's counters move, and no frame for a guest reaches up0's
#     normal path (the bridge);
#   - from the guests (ping, UDP, TCP to the wire host) through the tap
#     program: counted, on the wire exactly once;
#   - the multi-queue guest: frames on both of its queues;
#   - anti-spoofing: a guest sending from an address it was not given is
#     dropped and counted, and nothing from it reaches the wire.
# One boot of both guests for all of it. Wall time: see README
# ("Running vmsteer on a libvirt host").
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/vm/lib.sh"

lib_init vm
lab_init

MAC1=52:54:00:00:01:02 # single queue: 10.1.0.2
MAC2=52:54:00:00:01:03 # two queues, two vCPUs: 10.1.0.3
IP1=$(lab_addr $MAC1)
IP2=$(lab_addr $MAC2)
WIRE_IP=$LAB_WIRE_IP

t0=$SECONDS
lab_define vm1 $MAC1
lab_define vm2 $MAC2 2
lab_start vm1 || die "$LAB_WHY"
lab_start vm2 || die "$LAB_WHY"
lab_wait_up vm1 || die "vm1 did not come up in ${LAB_WAIT_SECS}s: $(lab_serial_since vm1 | tail -n3)"
lab_wait_up vm2 || die "vm2 did not come up in ${LAB_WAIT_SECS}s: $(lab_serial_since vm2 | tail -n3)"
echo "# two guests up in $((SECONDS - t0)) s"
TAP1=$(lab_tap vm1)
TAP2=$(lab_tap vm2)
[ -n "$TAP1" ] && [ -n "$TAP2" ] || die "no taps in virsh domiflist"

vms attach up0 >/dev/null || die "vmsteer attach up0 failed"
vms port add "$TAP1" --mac $MAC1 --ip "$IP1" >/dev/null || die "port add $TAP1 failed"
vms port add "$TAP2" --mac $MAC2 --ip "$IP2" --queues 2 --xdp-steer cpumap >/dev/null ||
	die "port add $TAP2 --queues 2 --xdp-steer cpumap failed"

# The multi-queue guest really has two queues.
if lab_guest vm2 "ls /sys/class/net/eth0/queues" && [[ $GUEST_OUT == *rx-1*tx-1* ]]; then
	ok vm-multiqueue-guest
else
	fail vm-multiqueue-guest "vm2's eth0 queues: $GUEST_OUT"
fi

# south VM TAP ADDR MAC: ping, 20 UDP and 3 TCP echoes from the wire.
south() {
	local vm=$1 tap=$2 addr=$3 mac=$4 case=vm-south-$1 before after n i bad=0
	before=$(port_ctr "$tap" to_vm_xdp_frames)
	capture_start "s$vm" up0
	wire_ping "$addr" 3 || bad="ping"
	for i in $(seq 20); do
		wire_echo udp "$addr" "south-udp-$vm-$i" || bad="UDP echo $i"
	done
	for i in 1 2 3; do
		wire_echo tcp "$addr" "south-tcp-$vm-$i" || bad="TCP echo $i"
	done
	capture_stop "s$vm" || bad="tcpdump on up0 dropped frames"
	after=$(port_ctr "$tap" to_vm_xdp_frames)
	# To the guest: 3 echo requests, 20 datagrams, >= 3 segments per TCP
	# connection (handshake ACK, data, FIN).
	n=$(capture_frames "s$vm" | grep -ci "^${mac//:/}")
	if [ "$bad" != 0 ]; then
		fail "$case" "$bad from the wire to $vm failed"
	elif [ $((after - before)) -lt 32 ]; then
		fail "$case" "$tap: to_vm_xdp_frames moved by $((after - before)), expected >= 32"
	elif [ "$n" != 0 ]; then
		fail "$case" "$n frame(s) for $mac reached up0's normal path (the bridge)"
	else
		ok "$case"
	fi
}

# north VM TAP MAC: the guest pings, sends 10 UDP and 3 TCP echoes to the
# wire host.
north() {
	local vm=$1 tap=$2 mac=$3 case=vm-north-$1 before after n dup
	before=$(port_ctr "$tap" from_vm_uplink_frames)
	wire_capture_start "n$vm"
	if ! lab_guest "$vm" "ping -c 3 -W 5 $WIRE_IP >/dev/null &&
		for i in 1 2 3 4 5 6 7 8 9 10; do vmecho udp $WIRE_IP $ECHO_PORT north-udp-$vm-\$i || exit 1; done &&
		for i in 1 2 3; do vmecho tcp $WIRE_IP $ECHO_PORT north-tcp-$vm-\$i || exit 1; done"; then
		capture_stop "n$vm"
		fail "$case" "in $vm: $GUEST_OUT"
		return
	fi
	capture_stop "n$vm" || { fail "$case" "tcpdump on wire0 dropped frames"; return; }
	after=$(port_ctr "$tap" from_vm_uplink_frames)
	# Every datagram on the wire exactly once (not also through the bridge).
	dup=$(tshark -r "$TMPD/n$vm.pcap" -Y "udp.dstport == $ECHO_PORT" -T fields -e udp.payload 2>/dev/null |
		sort | uniq -d | wc -l)
	n=$(tshark -r "$TMPD/n$vm.pcap" -Y "udp.dstport == $ECHO_PORT" 2>/dev/null | wc -l)
	# From the guest: 3 echo requests, 10 datagrams, >= 3 segments per
	# TCP connection (SYN, data, FIN).
	if [ $((after - before)) -lt 22 ]; then
		fail "$case" "$tap: from_vm_uplink_frames moved by $((after - before)), expected >= 22"
	elif [ "$n" != 10 ] || [ "$dup" != 0 ]; then
		fail "$case" "$n UDP datagrams from $vm on the wire ($dup duplicated), expected 10"
	else
		ok "$case"
	fi
}

south vm1 "$TAP1" "$IP1" $MAC1
south vm2 "$TAP2" "$IP2" $MAC2
north vm1 "$TAP1" $MAC1
north vm2 "$TAP2" $MAC2

# Queue steering on the two-queue guest (XDP path through the CPUMAP): 32
# UDP flows from the wire, both of the tap's queues used, and every frame
# the port received accounted to a queue.
q_json() { vms --json stats | jq -c --arg p "$TAP2" '[.ports[] | select(.port == $p) | .frames_per_queue] | first'; }
q0=$(q_json)
x0=$(port_ctr "$TAP2" to_vm_xdp_frames)
bad=0
for i in $(seq 32); do wire_echo udp "$IP2" "flow-$i" || bad=$i; done
q1=$(q_json)
x1=$(port_ctr "$TAP2" to_vm_xdp_frames)
dq=$(jq -n --argjson a "$q0" --argjson b "$q1" '[range($b | length)] | map($b[.] - ($a[.] // 0))')
if [ "$bad" != 0 ]; then
	fail vm-queues "UDP echo $bad to vm2 failed"
elif [ "$(jq 'length == 2 and all(. > 0)' <<<"$dq")" != true ]; then
	fail vm-queues "frames per queue moved by $dq, expected both queues"
elif [ "$(jq 'add' <<<"$dq")" != $((x1 - x0)) ]; then
	fail vm-queues "queues got $(jq add <<<"$dq") frames, the port $((x1 - x0))"
else
	ok vm-queues
fi

# Anti-spoofing: vm1 sends from an address it was not given.
if lab_spoof vm1 "$TAP1"; then ok vm-antispoof; else fail vm-antispoof "$LAB_SPOOF_WHY"; fi
# ... and its own address still works afterwards.
if lab_guest vm1 "vmecho udp $WIRE_IP $ECHO_PORT after-spoof"; then
	ok vm-antispoof-own-address
else
	fail vm-antispoof-own-address "$GUEST_OUT"
fi

[ "$V" = 1 ] && vms stats "$TAP1" >&2
echo "# wall time $SECONDS s"
lib_done
