#!/usr/bin/env bash
# vmsteer demo (`make demo`, as root): a throwaway hypervisor in network
# namespaces, two VMs, the fast path attached, traffic from the wire.
#
#   wire netns               hypervisor netns
#   wire0 ---- veth ---- up0 (uplink, XDP program: vmsteer)
#                          |-- fast path --> vm1-tap (VM 1, untagged)
#                          |-- fast path --> vm2-tap (VM 2, access VLAN 100)
#                          '-- everything else: the kernel's normal path
#                              (on a real hypervisor, the bridge)
#
# Each tap has 2 queues opened by vmsim, which does what vhost-net does for
# a real VM: it reads the frames sent to the VM (and counts them). A packet
# capture on up0 shows what the fast path handed to the kernel.
# Everything the demo creates is removed on exit, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
VMSTEER=$BUILD/vmsteer
VMSIM=$BUILD/tests/vmsim
SENDFRAMES=$BUILD/tests/sendframes
PCAPHEX=$BUILD/tests/pcaphex

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (network namespaces, XDP, bpffs)" >&2
	exit 1
fi
for t in "$VMSTEER" "$VMSIM" "$SENDFRAMES" "$PCAPHEX"; do
	[ -x "$t" ] || { echo "demo: $t missing: run 'make demo'" >&2; exit 1; }
done

ID=$$
HYP=vmsteer-demo-$ID-hyp
WIRE=vmsteer-demo-$ID-wire
PIN=/sys/fs/bpf/vmsteer-demo-$ID
TMPD=$(mktemp -d "/tmp/vmsteer-demo.$ID.XXXXXX")
PIDS=()
NETNS=()

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	for ns in "${NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
	done
	rm -rf "$PIN"
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$TMPD"
	[ $rc -eq 0 ] || echo "demo: failed (exit $rc); everything it made is removed" >&2
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

hyp() { nsenter --net="/run/netns/$HYP" "$@"; }
wire() { nsenter --net="/run/netns/$WIRE" "$@"; }
vmsteer() { hyp "$VMSTEER" --pin-path "$PIN" "$@"; }
if [ -t 1 ]; then B1=$'\033[1m' B0=$'\033[0m'; else B1= B0=; fi
say() { printf '\n%s== %s%s\n' "$B1" "$*" "$B0"; }
run() { printf '$ %s\n' "$*"; "$@"; }

MAC_VM1=52:54:00:00:00:01
MAC_VM2=52:54:00:00:00:02
MAC_WIRE=02:00:00:00:aa:aa
VLAN=100
N=1000 # unicast frames per VM
B=5    # broadcast and unknown-unicast frames of each kind

say "1. A hypervisor namespace with an uplink"
for ns in "$HYP" "$WIRE"; do
	ip netns add "$ns"
	NETNS+=("$ns")
	# No IPv6: no router solicitations or MLD reports muddying the counts.
	nsenter --net="/run/netns/$ns" sh -c '
		for c in all default; do
			f=/proc/sys/net/ipv6/conf/$c/disable_ipv6
			[ ! -e $f ] || echo 1 >$f
		done'
done
ip -n "$HYP" link add up0 type veth peer name wire0 netns "$WIRE"
ip -n "$WIRE" link set wire0 address $MAC_WIRE up
ip -n "$HYP" link set up0 up
echo "uplink up0 in $HYP, a veth to wire0 in $WIRE (the physical network)"

say "2. Two VMs: multi-queue taps, their queues opened by vmsim"
start_vm() { # NAME TAP
	ip -n "$HYP" tuntap add dev "$2" mode tap multi_queue
	ip -n "$HYP" link set "$2" up
	# nsenter execs vmsim: $! is vmsim's PID, for signals.
	nsenter --net="/run/netns/$HYP" "$VMSIM" -i "$2" -q 2 -s "$TMPD/$1.status" -r "$TMPD/$1.ready" \
		>"$TMPD/$1.out" 2>"$TMPD/$1.err" &
	PIDS+=($!)
	for _ in $(seq 200); do
		[ -e "$TMPD/$1.ready" ] && return 0
		sleep 0.05
	done
	echo "demo: vmsim on $2 did not start: $(cat "$TMPD/$1.err")" >&2
	return 1
}
start_vm vm1 vm1-tap
start_vm vm2 vm2-tap
echo "vm1: tap vm1-tap, MAC $MAC_VM1, untagged"
echo "vm2: tap vm2-tap, MAC $MAC_VM2, access port on VLAN $VLAN"

say "3. vmsteer: attach to the uplink, add the VMs' ports"
run vmsteer attach up0
run vmsteer port add vm1-tap --mac $MAC_VM1
run vmsteer port add vm2-tap --mac $MAC_VM2 --vlan $VLAN
echo "(every vmsteer command above has exited: the state is pinned under $PIN)"

say "4. Traffic from the wire"
# What reaches the kernel's normal path on up0 (the fast path's frames
# never become packets there, so a capture does not see them).
nsenter --net="/run/netns/$HYP" tcpdump -i up0 -Q in -nn -U --immediate-mode -Z root \
	-w "$TMPD/up0.pcap" >/dev/null 2>"$TMPD/tcpdump.err" &
PIDS+=($!)
for _ in $(seq 200); do
	grep -q 'listening on' "$TMPD/tcpdump.err" && break
	sleep 0.05
done
hex() { echo "${1//:/}"; }
payload=$(printf '%092d' 0) # 46 bytes of zeros
uc1=$(hex $MAC_VM1)$(hex $MAC_WIRE)88b5$payload
uc2=$(hex $MAC_VM2)$(hex $MAC_WIRE)8100$(printf %04x $VLAN)88b5$payload
bc=ffffffffffff$(hex $MAC_WIRE)88b5$payload
bc2=ffffffffffff$(hex $MAC_WIRE)8100$(printf %04x $VLAN)88b5$payload
unk=020000000bad$(hex $MAC_WIRE)88b5$payload
send() { # WHAT COUNT HEX
	printf '%-44s' "$1"
	wire "$SENDFRAMES" -i wire0 -n "$2" -p 20000 "$3" | sed 's/.*: //'
}
send "$N unicast to vm1 (untagged):" $N "$uc1"
send "$N unicast to vm2 (tagged VLAN $VLAN):" $N "$uc2"
send "$B broadcast, untagged:" $B "$bc"
send "$B broadcast on VLAN $VLAN:" $B "$bc2"
send "$B unicast to an unknown MAC, untagged:" $B "$unk"

# Wait until both VMs have read what they should (bounded).
vm_read() { # NAME: frames the VM read so far
	local seq0
	seq0=$(cat "$TMPD/$1.status" 2>/dev/null || true)
	kill -USR1 "${PIDS[$2]}"
	for _ in $(seq 100); do
		[ "$(cat "$TMPD/$1.status" 2>/dev/null || true)" != "$seq0" ] && break
		sleep 0.02
	done
	tr ' ' '\n' <"$TMPD/$1.status" | sed -n 's/^rx_frames=//p'
}
for _ in $(seq 100); do
	r1=$(vm_read vm1 0)
	r2=$(vm_read vm2 1)
	k=$("$PCAPHEX" -c "$TMPD/up0.pcap")
	[ "$r1" -ge $N ] && [ "$r2" -ge $N ] && [ "$k" -ge $((3 * B)) ] && break
	sleep 0.1
done

say "5. What vmsteer shows"
run vmsteer port list
echo
run vmsteer stats

say "6. What happened"
xdp1=$(vmsteer --json stats vm1-tap | sed -n 's/.*"to_vm_xdp_frames":\([0-9]*\).*/\1/p')
xdp2=$(vmsteer --json stats vm2-tap | sed -n 's/.*"to_vm_xdp_frames":\([0-9]*\).*/\1/p')
cat <<EOF
- vm1 read $r1 frames and vm2 $r2: the $xdp1 + $xdp2 unicast frames the
  uplink's XDP program looked up by (VLAN, destination MAC) and redirected
  straight into the VMs' taps (to_vm_xdp_frames), skipping the kernel's
  network stack. vm2's frames arrived untagged: vm2-tap is an access port
  on VLAN $VLAN, so XDP removed the tag.
- tap_sent counts the frames each tap's ring accepted; a VM that stops
  reading shows up as tap_ring_full instead (nothing is lost silently).
- The $((3 * B)) broadcast and unknown-unicast frames are not the fast path's
  business: XDP passed them on to the kernel (the multicast and unknown_dst
  reasons above) and a capture on up0 saw $k frames arrive there. On a real
  hypervisor the bridge takes them from here, as it did before vmsteer.
EOF

say "7. Clean-up"
echo "removing namespaces $HYP and $WIRE, pins under $PIN, the vmsim processes"
