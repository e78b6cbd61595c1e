#!/usr/bin/env bash
# vmsteer with a real guest (`make demo-vm`, as root): a libvirt domain
# booting Debian's own kernel (TCG) on a bridge whose uplink runs vmsteer.
#
#   wire netns                 hypervisor netns (libvirtd, virtlogd, qemu)
#   wire0 ---- veth ---- up0 --+-- br0 (the bridge) -- vnetN (the guest's tap)
#   (a host on the wire:       |                          ^
#    10.1.0.254, echo on 7)    '-- vmsteer's XDP program -'  (the fast path)
#
# The guest (scripts/guest/build-vm.sh: busybox, 10.1.0.2, echo service on
# port 7) talks to the wire host in both directions; a capture on wire0
# (everything the wire host sent and received) and one on up0 (what
# reached the bridge) cross-check vmsteer's counters. Every figure the
# demo prints is checked: a mismatch fails it (non-zero exit). Everything
# it makes (namespaces, libvirtd and its private directories, the domain,
# pins) is removed on exit, even on failure or Ctrl-C; nothing outside
# its own namespaces is touched. Takes about a minute (TCG boot).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The real-VM test lab: namespaces, libvirtd, domains, clean-up.
# shellcheck source=../tests/netns/lib.sh
. "$ROOT/tests/netns/lib.sh"
# shellcheck source=../tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"

if [ -t 1 ]; then B1=$'\033[1m' B0=$'\033[0m'; else B1='' B0=''; fi
say() { printf '\n%s== %s%s\n' "$B1" "$*" "$B0"; }
run() { printf '$ %s\n' "$*"; "$@"; }
vmsteer() { vms "$@"; }
virsh() { lab_virsh "$@"; } # the demo's own libvirtd
FAILED=()
# expect WHAT GOT WANT
expect() { [ "$2" = "$3" ] || FAILED+=("$1: got '$2', want '$3'"); }
checked() {
	if [ ${#FAILED[@]} -ne 0 ]; then
		echo >&2
		echo "demo-vm: ${#FAILED[@]} check(s) failed: what it would claim is not what happened:" >&2
		printf '  %s\n' "${FAILED[@]}" >&2
		exit 1
	fi
}

MAC=52:54:00:00:01:02
IP=$(lab_addr $MAC)
WIRE_IP=$LAB_WIRE_IP
SPOOF=10.1.0.99
N_PING=5 N_UDP=20 N_TCP=5 N_SPOOF=5

lib_init demo-vm
say "1. A hypervisor: libvirtd, a bridge and its uplink, in namespaces"
lab_init
cat <<EOF
netns $NS_HYP: bridge br0 with the uplink up0 (a veth to wire0 in
$NS_WIRE: the physical network, a host at $WIRE_IP with an echo service
on UDP and TCP port $ECHO_PORT); libvirtd and virtlogd in a private mount namespace
(run, state and configuration under $LAB).
EOF

say "2. vmsteer on the uplink, and its agent following libvirt"
run vmsteer attach up0 || die "attach failed"
echo "\$ vmsteer agent --uri '$LAB_URI' --bridge br0 &"
nsenter --net="/run/netns/$NS_HYP" "$VMSTEER" --pin-path "$PIN" agent --uri "$LAB_URI" \
	--bridge br0 >"$TMPD/agent.out" 2>"$TMPD/agent.err" &
AGENT_PID=$!
LIB_PIDS+=("$AGENT_PID")
wait_for "the agent" grep -qs 'running' "$TMPD/agent.err" ||
	die "the agent did not start: $(cat "$TMPD/agent.err")"
echo "(the agent manages every NIC on br0; it says: $(grep -m1 running "$TMPD/agent.err"))"

say "3. A real guest: Debian's kernel, busybox, a virtio-net NIC on br0"
# The guest's address, for anti-spoofing, in vmsteer's namespace of the
# domain's metadata (README: Running vmsteer on a libvirt host).
META="<vmsteer:domain xmlns:vmsteer='urn:vmsteer:domain:1'><vmsteer:interface mac='$MAC'><vmsteer:address>$IP</vmsteer:address></vmsteer:interface></vmsteer:domain>"
lab_define vm1 $MAC 1 "$META"
echo "domain vm1, its NIC and vmsteer's metadata:"
virsh dumpxml --inactive vm1 | sed -n '/<metadata>/,/<\/metadata>/p; /<interface/,/<\/interface>/p'
t0=$SECONDS
lab_mark vm1
run virsh start vm1 || die "virsh start vm1 failed"
lab_wait_up vm1 || die "vm1 did not come up: $(lab_serial_since vm1 | tail -n3)"
echo "(up after $((SECONDS - t0)) s: its console says '$(lab_serial_since vm1 | grep '^UP eth0')')"
run virsh domiflist vm1
TAP=$(lab_tap vm1)
lab_converge "vm1's start" >/dev/null || die "the agent did not make $TAP a port: $LAB_STATE_WHY"
run vmsteer port list
port_addrs=$(vms --json port list | jq -c --arg t "$TAP" '[.[] | select(.tap == $t) | .addresses] | first')
expect "the port's addresses, from the metadata" "$port_addrs" "[\"$IP\"]"
# Static neighbours on both sides: no ARP, so that every frame counted
# below is one of the demo's.
ip -n "$NS_WIRE" neigh replace "$IP" lladdr $MAC dev wire0 nud permanent
lab_guest vm1 "arp -s $WIRE_IP $LAB_WIRE_MAC" || die "arp -s in vm1: $GUEST_OUT"

say "4. Traffic both ways"
nsenter --net="/run/netns/$NS_WIRE" tcpdump -i wire0 -nn -U --immediate-mode -s 0 -Z root \
	-w "$TMPD/wire.pcap" >/dev/null 2>"$TMPD/wire.err" &
CAPTURE_PID_wire=$!
LIB_PIDS+=("$CAPTURE_PID_wire")
wait_for "tcpdump on wire0" grep -qs 'listening on' "$TMPD/wire.err" || die "tcpdump on wire0"
capture_start up0 up0
S0=$(stats_json)
echo "from the wire host: $N_PING pings, $N_UDP UDP and $N_TCP TCP echoes to the guest ($IP)"
pings=$(in_wire "$LAB_GUEST/busybox" ping -c $N_PING -W 5 "$IP" 2>&1 | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
udp_ok=0 tcp_ok=0
for i in $(seq $N_UDP); do wire_echo udp "$IP" "south-$i" && udp_ok=$((udp_ok + 1)); done
for i in $(seq $N_TCP); do wire_echo tcp "$IP" "south-tcp-$i" && tcp_ok=$((tcp_ok + 1)); done
echo "from the guest: $N_UDP UDP echoes to the wire host"
lab_guest vm1 "n=0; for i in \$(seq $N_UDP); do vmecho udp $WIRE_IP $ECHO_PORT north-\$i >/dev/null && n=\$((n + 1)); done; echo \$n"
north_ok=$GUEST_OUT
echo "from the guest: $N_SPOOF UDP datagrams from $SPOOF, an address it was not given"
lab_guest vm1 "ip addr add $SPOOF/32 dev eth0; n=0; for i in \$(seq $N_SPOOF); do vmecho udp $WIRE_IP $ECHO_PORT spoof-\$i $SPOOF >/dev/null 2>&1 && n=\$((n + 1)); done; ip addr del $SPOOF/32 dev eth0; echo \$n"
spoof_ok=$GUEST_OUT
S1=$(stats_json)
kill -INT "$CAPTURE_PID_wire"
wait "$CAPTURE_PID_wire" 2>/dev/null
capture_stop up0 || die "tcpdump on up0 dropped frames"

delta() { echo $(($(port_counter "$S1" "$TAP" "$1") - $(port_counter "$S0" "$TAP" "$1"))); }
rdelta() {
	local a b
	a=$(port_reason "$S0" "$TAP" "$1")
	b=$(port_reason "$S1" "$TAP" "$1")
	echo $((${b/none/0} - ${a/none/0}))
}
wire_to=$(tshark -r "$TMPD/wire.pcap" -Y "eth.dst == $MAC" 2>/dev/null | wc -l)
wire_from=$(tshark -r "$TMPD/wire.pcap" -Y "eth.src == $MAC" 2>/dev/null | wc -l)
wire_spoof=$(tshark -r "$TMPD/wire.pcap" -Y "ip.src == $SPOOF" 2>/dev/null | wc -l)
bridge_to=$(capture_frames up0 | grep -ci "^${MAC//:/}")
xdp=$(delta to_vm_xdp_frames)
north=$(delta from_vm_uplink_frames)
spoofed=$(rdelta spoof_ipv4)

expect "pings answered" "$pings" $N_PING
expect "UDP echoes from the wire answered" "$udp_ok" $N_UDP
expect "TCP echoes from the wire answered" "$tcp_ok" $N_TCP
expect "UDP echoes from the guest answered" "$north_ok" $N_UDP
expect "spoofed echoes answered" "$spoof_ok" 0
expect "frames for the guest: XDP redirects vs. sent by the wire host" "$xdp" "$wire_to"
expect "frames for the guest that reached the bridge" "$bridge_to" 0
expect "frames from the guest: tap program to up0 vs. received on the wire" "$north" "$wire_from"
expect "spoofed datagrams dropped" "$spoofed" $N_SPOOF
expect "spoofed datagrams on the wire" "$wire_spoof" 0
[ "$xdp" -ge $((N_PING + N_UDP + 3 * N_TCP)) ] || FAILED+=("XDP redirects: $xdp, fewer than the demo's frames")
[ "$north" -ge $((N_PING + N_UDP + 3 * N_TCP + N_UDP)) ] || FAILED+=("frames north: $north, fewer than the demo's")
checked

say "5. The guest restarted: a new tap, the agent follows"
run virsh destroy vm1 || die "virsh destroy vm1 failed"
lab_mark vm1
run virsh start vm1 || die "virsh start vm1 failed"
TAP_OLD=$TAP
TAP=$(lab_tap vm1)
lab_converge "vm1's restart" >/dev/null || die "the agent did not follow: $LAB_STATE_WHY"
run vmsteer port list
lab_wait_up vm1 || die "vm1 did not come up again"
lab_guest vm1 "arp -s $WIRE_IP $LAB_WIRE_MAC" || die "arp -s in vm1: $GUEST_OUT"
R0=$(stats_json)
restart_ok=0
for i in $(seq $N_UDP); do wire_echo udp "$IP" "again-$i" && restart_ok=$((restart_ok + 1)); done
R1=$(stats_json)
restart_xdp=$(($(port_counter "$R1" "$TAP" to_vm_xdp_frames) - $(port_counter "$R0" "$TAP" to_vm_xdp_frames)))
restart_north=$(($(port_counter "$R1" "$TAP" from_vm_uplink_frames) - $(port_counter "$R0" "$TAP" from_vm_uplink_frames)))
old_ports=$(vms_ports | grep -c "^$TAP_OLD " || true)
expect "a new tap name after the restart" "$([ "$TAP" != "$TAP_OLD" ] && echo yes)" yes
expect "ports left on the old tap $TAP_OLD" "$old_ports" 0
expect "UDP echoes answered after the restart" "$restart_ok" $N_UDP
expect "XDP redirects into $TAP after the restart" "$restart_xdp" $N_UDP
expect "frames from $TAP to up0 after the restart" "$restart_north" $N_UDP
checked

say "6. What vmsteer shows"
run vmsteer stats

say "7. What happened (every figure below was checked)"
cat <<EOF
- The wire host's $N_PING pings, $N_UDP UDP and $N_TCP TCP echoes were all answered by
  the guest's own network stack. The wire host sent $wire_to frames to the
  guest's MAC; vmsteer's XDP program on up0 redirected exactly $xdp frames
  straight into $TAP_OLD (TO_VM_FRAMES), and a capture on up0 saw $bridge_to of them
  reach the kernel's normal path: the bridge never saw the guest's
  unicast traffic.
- The guest's $N_UDP UDP echoes to the wire host were answered; all $north
  frames it sent to the wire (the replies to the wire's echoes too) went
  from the tc program on $TAP_OLD straight out of up0 (NORTH_FRAMES), and the
  wire host received exactly $wire_from frames from the guest.
- The guest took $SPOOF, an address its port does not list (only $IP, from the metadata),
  and sent $N_SPOOF datagrams from it: the tap program dropped all $spoofed
  (spoof_ipv4, port $TAP_OLD), none reached the wire, none was answered.
- The agent made the guest's tap a port when libvirt started it, with the
  address from the domain's metadata. \`virsh destroy\` and \`virsh start\`
  gave the guest a new tap, $TAP instead of $TAP_OLD: the agent moved the
  port there (no port is left on $TAP_OLD) and $N_UDP UDP echoes from the wire
  took the fast path again: $restart_xdp frames redirected into $TAP, the
  $restart_north replies straight out of up0.
EOF

say "8. Clean-up"
echo "stopping the agent, destroying vm1, stopping libvirtd and virtlogd, removing $NS_HYP, $NS_WIRE, the pins and $TMPD"
