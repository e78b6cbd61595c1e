#!/usr/bin/env bash
# vmsteer demo (`make demo`, as root): a throwaway hypervisor in network
# namespaces, three VMs, both directions of the fast path, queue steering.
#
#   wire netns               hypervisor netns
#   wire0 ---- veth ---- up0 (uplink, XDP program: vmsteer)
#   (a host on           |-- fast path --> vm1-tap (VM 1, untagged, 2 queues)
#    the wire)           |-- fast path --> vm2-tap (VM 2, access VLAN 100, 2 queues)
#                        |                 vm3-tap (VM 3, access VLAN 100, 4 queues, RSS)
#                        '-- everything else: the kernel's normal path
#                            (on a real hypervisor, the bridge)
#   and from the VMs (tc program on each tap): vm2 -> vm3 straight into
#   vm3's tap, vm1/vm2 -> wire0 straight out of up0, vm1's spoofs dropped.
#
# vmsim stands in for each VM and does what vhost-net does for a real one:
# it reads the frames sent to the VM from the tap's queues (recording the
# queue of each), and writes the frames the VM sends. Packet captures on up0
# (what the fast path handed to the kernel) and on wire0 (what left the
# hypervisor) cross-check the counters. Every number the demo states is
# checked: a mismatch fails the demo (non-zero exit). Everything the demo
# creates is removed on exit, even on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
VMSTEER=$BUILD/vmsteer
VMSIM=$BUILD/tests/vmsim
SENDFRAMES=$BUILD/tests/sendframes
PCAPHEX=$BUILD/tests/pcaphex
RSSFLOW=$BUILD/tests/rssflow

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (network namespaces, XDP, bpffs)" >&2
	exit 1
fi
for t in "$VMSTEER" "$VMSIM" "$SENDFRAMES" "$PCAPHEX" "$RSSFLOW"; do
	[ -x "$t" ] || { echo "demo: $t missing: run 'make demo'" >&2; exit 1; }
done
for c in jq tcpdump nsenter; do
	command -v $c >/dev/null || { echo "demo: $c missing: run 'make demo'" >&2; exit 1; }
done

ID=$$
HYP=vmsteer-demo-$ID-hyp
WIRE=vmsteer-demo-$ID-wire
PIN=/sys/fs/bpf/vmsteer-demo-$ID
TMPD=$(mktemp -d "/tmp/vmsteer-demo.$ID.XXXXXX")
PIDS=()
NETNS=()
declare -A VMPID

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

die() { echo "demo: $*" >&2; exit 1; }
hyp() { nsenter --net="/run/netns/$HYP" "$@"; }
wire() { nsenter --net="/run/netns/$WIRE" "$@"; }
vmsteer() { hyp "$VMSTEER" --pin-path "$PIN" "$@"; }
if [ -t 1 ]; then B1=$'\033[1m' B0=$'\033[0m'; else B1= B0=; fi
say() { printf '\n%s== %s%s\n' "$B1" "$*" "$B0"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# until_ok TRIES CMD...: retry CMD every 0.05 s, at most TRIES times.
until_ok() {
	local n=$1
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}

# Every figure the demo states is checked here; all mismatches are listed
# and the demo fails.
FAILED=()
# expect WHAT GOT WANT
expect() {
	[ "$2" = "$3" ] || FAILED+=("$1: got '$2', want '$3'")
}

MAC_VM1=52:54:00:00:00:01
MAC_VM2=52:54:00:00:00:02
MAC_VM3=52:54:00:00:00:03
MAC_WIRE=02:00:00:00:aa:aa
IP_VM1=10.0.0.1
IP_VM2=10.0.100.2
IP_VM3=10.0.100.3
IP_WIRE=192.0.2.1
VLAN=100
N=1000   # unicast frames per VM from the wire
B=5      # broadcast and unknown-unicast frames of each kind
FLOWS=32 # east-west flows vm2 -> vm3 (UDP source ports)
PER=2    # frames per flow
Q3=4     # vm3's queues

say "1. A hypervisor namespace with an uplink"
for ns in "$HYP" "$WIRE"; do
	NETNS+=("$ns") # first: an interrupted `ip netns add` is cleaned up too
	ip netns add "$ns"
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
echo "uplink up0 in $HYP, a veth to wire0 in $WIRE (the physical network,"
echo "with a host at MAC $MAC_WIRE, $IP_WIRE)"

say "2. Three VMs: multi-queue taps, their queues opened by vmsim"
start_vm() { # NAME TAP QUEUES
	ip -n "$HYP" tuntap add dev "$2" mode tap multi_queue
	ip -n "$HYP" link set "$2" up
	# nsenter execs vmsim: $! is vmsim's PID, for signals. -x logs every
	# frame read with its queue; SIGHUP sends the frames of NAME.tx.pcap.
	nsenter --net="/run/netns/$HYP" "$VMSIM" -i "$2" -q "$3" \
		-s "$TMPD/$1.status" -r "$TMPD/$1.ready" -x "$TMPD/$1.rx" \
		-X "$TMPD/$1.tx.pcap" >"$TMPD/$1.out" 2>"$TMPD/$1.err" &
	PIDS+=($!)
	VMPID[$1]=$!
	until_ok 200 test -e "$TMPD/$1.ready" ||
		die "vmsim on $2 did not start: $(cat "$TMPD/$1.err")"
}
start_vm vm1 vm1-tap 2
start_vm vm2 vm2-tap 2
start_vm vm3 vm3-tap $Q3
echo "vm1: tap vm1-tap, MAC $MAC_VM1, $IP_VM1, untagged, 2 queues"
echo "vm2: tap vm2-tap, MAC $MAC_VM2, $IP_VM2, access port on VLAN $VLAN, 2 queues"
echo "vm3: tap vm3-tap, MAC $MAC_VM3, $IP_VM3, access port on VLAN $VLAN, $Q3 queues"

say "3. vmsteer: attach to the uplink, add the VMs' ports"
run vmsteer attach up0
run vmsteer port add vm1-tap --mac $MAC_VM1 --ip $IP_VM1
run vmsteer port add vm2-tap --mac $MAC_VM2 --vlan $VLAN --ip $IP_VM2
run vmsteer port add vm3-tap --mac $MAC_VM3 --vlan $VLAN --ip $IP_VM3 --queues $Q3
echo "(every vmsteer command above has exited: the state is pinned under $PIN)"

# status_past NAME OLD: vmsim NAME wrote a status other than OLD (each
# report has a new sequence number).
status_past() { [ "$(cat "$TMPD/$1.status" 2>/dev/null || true)" != "$2" ]; }
# vm_status NAME: make vmsim NAME drain its queues and report; prints its
# status line ("key=value" words).
vm_status() {
	local seq0
	seq0=$(cat "$TMPD/$1.status" 2>/dev/null || true)
	kill -USR1 "${VMPID[$1]}"
	until_ok 100 status_past "$1" "$seq0" || die "vmsim $1 did not report"
	cat "$TMPD/$1.status"
}
kv() { tr ' ' '\n' | sed -n "s/^$1=//p" | tail -n1; }
rx_of() { vm_status "$1" | kv rx_frames; }
# ge A B: A is a number and at least B.
ge() { [ -n "$1" ] && [ "$1" -ge "$2" ]; }
# capture DEV NS NAME: tcpdump of the frames arriving on DEV, to NAME.pcap.
capture() {
	nsenter --net="/run/netns/$2" tcpdump -i "$1" -Q in -nn -U --immediate-mode -Z root \
		-w "$TMPD/$3.pcap" >/dev/null 2>"$TMPD/$3.err" &
	PIDS+=($!)
	until_ok 200 grep -qs 'listening on' "$TMPD/$3.err" ||
		die "tcpdump on $1 did not start: $(cat "$TMPD/$3.err")"
}

say "4. Traffic from the wire"
# What reaches the kernel's normal path on up0 (the fast path's frames
# never become packets there, so a capture does not see them), and what
# leaves the hypervisor (arrives on wire0).
capture up0 "$HYP" up0
capture wire0 "$WIRE" wire0
hex() { echo "${1//:/}"; }
payload=$(printf '%092d' 0) # 46 bytes of zeros
uc1=$(hex $MAC_VM1)$(hex $MAC_WIRE)88b5$payload
uc2=$(hex $MAC_VM2)$(hex $MAC_WIRE)8100$(printf %04x $VLAN)88b5$payload
bc=ffffffffffff$(hex $MAC_WIRE)88b5$payload
bc2=ffffffffffff$(hex $MAC_WIRE)8100$(printf %04x $VLAN)88b5$payload
unk=020000000bad$(hex $MAC_WIRE)88b5$payload
send() { # WHAT COUNT HEX
	local out
	printf '%-44s' "$1"
	out=$(wire "$SENDFRAMES" -i wire0 -n "$2" -p 20000 "$3")
	echo "${out#*: }"
	expect "sendframes: $1" "$(kv sent <<<"$out")" "$2"
}
send "$N unicast to vm1 (untagged):" $N "$uc1"
send "$N unicast to vm2 (tagged VLAN $VLAN):" $N "$uc2"
send "$B broadcast, untagged:" $B "$bc"
send "$B broadcast on VLAN $VLAN:" $B "$bc2"
send "$B unicast to an unknown MAC, untagged:" $B "$unk"

# Wait until both VMs have read what they should (bounded).
wire_done() {
	ge "$(rx_of vm1)" $N && ge "$(rx_of vm2)" $N &&
		ge "$("$PCAPHEX" -c "$TMPD/up0.pcap")" $((3 * B))
}
until_ok 50 wire_done || true # the checks below say what is missing

say "5. Traffic from the VMs"
ip4() { printf '%02x%02x%02x%02x' ${1//./ }; }
# udp4 SRC DST SPORT DPORT: IPv4 + UDP, 46 bytes (checksums zero).
udp4() {
	printf '4500002e0000000040110000%s%s%04x%04x001a0000%036d' \
		"$(ip4 "$1")" "$(ip4 "$2")" "$3" "$4" 0
}
eth() { echo "$(hex "$1")$(hex "$2")$3$4"; } # DST SRC TYPE PAYLOAD
# vm_send NAME FILE: vmsim NAME writes the hex frames of FILE into its tap.
vm_send() {
	local st n
	n=$(wc -l <"$2")
	"$PCAPHEX" -r "$2" -w "$TMPD/$1.tx.pcap"
	st=$(cat "$TMPD/$1.status" 2>/dev/null || true)
	kill -HUP "${VMPID[$1]}"
	until_ok 100 status_past "$1" "$st" || die "vmsim $1 did not report"
	st=$(cat "$TMPD/$1.status")
	printf '%s wrote %s frames into its tap (%s errors)\n' "$1" \
		"$(kv tx_frames <<<"$st")" "$(kv tx_errors <<<"$st")"
	expect "$1 frames written" "$(kv tx_frames <<<"$st")" "$n"
	expect "$1 write errors" "$(kv tx_errors <<<"$st")" 0
}
# vm2: FLOWS flows to vm3 (east-west, same VLAN), PER frames each, and one
# frame to the host on the wire (northbound).
: >"$TMPD/vm2.send"
for i in $(seq 0 $((FLOWS - 1))); do
	f=$(eth $MAC_VM3 $MAC_VM2 0800 "$(udp4 $IP_VM2 $IP_VM3 $((40000 + i)) 5001)")
	for _ in $(seq $PER); do echo "$f" >>"$TMPD/vm2.send"; done
done
cp "$TMPD/vm2.send" "$TMPD/ew.hex"
north2=$(eth $MAC_WIRE $MAC_VM2 0800 "$(udp4 $IP_VM2 $IP_WIRE 1000 53)")
echo "$north2" >>"$TMPD/vm2.send"
# vm1: one frame to the host on the wire, then two it must not send: a
# source address that is not its own, and a DHCP server reply (UDP 67 -> 68).
north1=$(eth $MAC_WIRE $MAC_VM1 0800 "$(udp4 $IP_VM1 $IP_WIRE 1000 53)")
spoof_ip=$(eth $MAC_WIRE $MAC_VM1 0800 "$(udp4 10.0.0.66 $IP_WIRE 1000 53)")
spoof_dhcp=$(eth $MAC_WIRE $MAC_VM1 0800 "$(udp4 $IP_VM1 $IP_WIRE 67 68)")
printf '%s\n' "$north1" "$spoof_ip" "$spoof_dhcp" >"$TMPD/vm1.send"
EW=$((FLOWS * PER))
echo "vm2 -> vm3 ($IP_VM2 -> $IP_VM3, VLAN $VLAN): $EW UDP frames, $FLOWS flows (source ports 40000..$((40000 + FLOWS - 1))), $PER frames each"
echo "vm2 -> the host on the wire ($IP_VM2 -> $IP_WIRE): 1 UDP frame"
echo "vm1 -> the host on the wire ($IP_VM1 -> $IP_WIRE): 1 UDP frame"
echo "vm1 -> the host on the wire, spoofed: 1 frame from 10.0.0.66 (not vm1's address)"
echo "vm1 -> the host on the wire, spoofed: 1 DHCP server reply (UDP 67 -> 68; vm1 is not --trusted)"
vm_send vm2 "$TMPD/vm2.send"
vm_send vm1 "$TMPD/vm1.send"
# What must leave on the wire: vm1's frame as sent, vm2's tagged VLAN 100.
tag() { printf '%s8100%04x%s\n' "${2:0:24}" "$1" "${2:24}"; }
{
	echo "$north1"
	tag $VLAN "$north2"
} | sort >"$TMPD/wire.want"
vm_done() {
	local s
	s=$(vmsteer --json stats) &&
		ge "$(jq '[.ports[] | select(.port == "vm1-tap") | .reasons[] | .frames] | add // 0' <<<"$s")" 2 &&
		ge "$(rx_of vm3)" $EW && ge "$("$PCAPHEX" -c "$TMPD/wire0.pcap")" 2
}
until_ok 50 vm_done || true

say "6. What vmsteer shows"
run vmsteer port list
echo
run vmsteer stats
echo
run vmsteer rss show vm3-tap

# ---- the checks -------------------------------------------------------------
S=$(vmsteer --json stats)
R=$(vmsteer --json rss show vm3-tap)
counter() { # PORT NAME
	jq -r --arg p "$1" --arg c "$2" \
		'[.ports[] | select(.port == $p) | .counters[$c]] | first // "none"' <<<"$S"
}
reason() { # PORT REASON ("" for the uplink's reasons)
	if [ -z "$1" ]; then
		jq -r --arg r "$2" '.uplink_reasons[$r].frames // 0' <<<"$S"
	else
		jq -r --arg p "$1" --arg r "$2" \
			'[.ports[] | select(.port == $p) | .reasons[$r].frames // 0] | first // "none"' <<<"$S"
	fi
}
# From the wire.
st1=$(vm_status vm1)
st2=$(vm_status vm2)
st3=$(vm_status vm3)
r1=$(kv rx_frames <<<"$st1")
r2=$(kv rx_frames <<<"$st2")
k=$("$PCAPHEX" -c "$TMPD/up0.pcap")
expect "frames vm1 read" "$r1" $N
expect "frames vm2 read" "$r2" $N
for p in vm1-tap vm2-tap; do
	expect "$p to_vm_xdp_frames" "$(counter $p to_vm_xdp_frames)" $N
	expect "$p tap_sent" "$(counter $p tap_sent)" $N
	expect "$p tap_ring_full" "$(counter $p tap_ring_full)" 0
done
# vm1 got its frames as sent; vm2 its frames without the VLAN tag.
got1=$(cut -d' ' -f2 "$TMPD/vm1.rx" | sort | uniq -c | awk '{print $1, $2}')
got2=$(cut -d' ' -f2 "$TMPD/vm2.rx" | sort | uniq -c | awk '{print $1, $2}')
expect "frames vm1 read, byte for byte" "$got1" "$N $uc1"
expect "frames vm2 read, byte for byte (untagged)" "$got2" "$N ${uc2:0:24}${uc2:32}"
expect "frames the capture on up0 saw" "$k" $((3 * B))
expect "multicast (passed to the kernel)" "$(reason "" multicast)" $((2 * B))
expect "unknown_dst (passed to the kernel)" "$(reason "" unknown_dst)" $B
# From the VMs: east-west, straight into vm3's tap, on RSS's queues.
expect "frames vm3 read" "$(kv rx_frames <<<"$st3")" $EW
expect "vm2-tap from_vm_local_frames" "$(counter vm2-tap from_vm_local_frames)" $EW
expect "vm3-tap to_vm_tc_frames" "$(counter vm3-tap to_vm_tc_frames)" $EW
expect "vm3-tap to_vm_xdp_frames" "$(counter vm3-tap to_vm_xdp_frames)" 0
"$RSSFLOW" predict --queues $Q3 <"$TMPD/ew.hex" | sort >"$TMPD/rss.want"
awk '{print $2, $1}' "$TMPD/vm3.rx" | sort >"$TMPD/rss.got"
expect "vm3's frames (byte for byte) and queues vs RSS (rssflow predict)" \
	"$(comm -3 "$TMPD/rss.want" "$TMPD/rss.got" | wc -l) differing" "0 differing"
split_q=$(awk -v n=$Q3 '{c[$2]++} END {for (q = 0; q < n; q++) printf "%s%d", q ? " " : "", c[q]}' "$TMPD/rss.want")
read_q=$(for q in $(seq 0 $((Q3 - 1))); do kv q$q <<<"$st3"; done | paste -sd' ')
steered_q=$(jq -r '.frames_per_queue | map(tostring) | join(" ")' <<<"$R")
expect "vm3 frames per queue, read by vmsim" "$read_q" "$split_q"
expect "vm3 frames per queue, rss show" "$steered_q" "$split_q"
expect "vm3 steering program owner" "$(jq -r .steering.owner <<<"$R")" vmsteer
split_flows=$(awk '{print $1}' "$TMPD/rss.want" | sort -u | awk 'END {print NR}')
expect "distinct east-west flows" "$split_flows" $FLOWS
# Northbound: exactly vm1's frame and vm2's, tagged; no spoofed frame.
"$PCAPHEX" "$TMPD/wire0.pcap" | sort >"$TMPD/wire.got"
expect "frames on the wire (byte for byte, vm2's tagged VLAN $VLAN)" \
	"$(paste -sd' ' "$TMPD/wire.got")" "$(paste -sd' ' "$TMPD/wire.want")"
expect "vm1-tap from_vm_uplink_frames" "$(counter vm1-tap from_vm_uplink_frames)" 1
expect "vm2-tap from_vm_uplink_frames" "$(counter vm2-tap from_vm_uplink_frames)" 1
expect "vm1-tap spoof_ipv4" "$(reason vm1-tap spoof_ipv4)" 1
expect "vm1-tap rogue_dhcpv4" "$(reason vm1-tap rogue_dhcpv4)" 1
expect "vm2-tap drops" "$(jq -r '[.ports[] | select(.port == "vm2-tap") | .reasons[] | .frames] | add // 0' <<<"$S")" 0
if [ ${#FAILED[@]} -ne 0 ]; then
	echo >&2
	echo "demo: ${#FAILED[@]} check(s) failed: what it would claim is not what happened:" >&2
	printf '  %s\n' "${FAILED[@]}" >&2
	exit 1
fi

say "7. What happened (every figure below was checked)"
cat <<EOF
From the wire (the uplink's XDP program):
- vm1 read $r1 frames and vm2 $r2: the $N + $N unicast frames the XDP
  program looked up by (VLAN, destination MAC) and redirected straight
  into the VMs' taps (TO_VM_FRAMES), skipping the kernel's network stack.
  vm2's frames arrived untagged: vm2-tap is an access port on VLAN $VLAN,
  so XDP removed the tag.
- TAP_SENT ($N each) counts the frames each tap's ring accepted; a VM
  that stopped reading would show up as RING_FULL (here 0): nothing is
  lost silently.
- The $((3 * B)) broadcast and unknown-unicast frames are not the fast path's
  business: XDP passed them on to the kernel (reasons multicast
  $((2 * B)) and unknown_dst $B, port -) and a capture on up0 saw $k frames
  arrive there. On a
  real hypervisor the bridge takes them from here, as it did before vmsteer.
From the VMs (the tc program on each tap):
- East-west: vm2's $EW frames for vm3 (same VLAN) went straight into
  vm3's tap (vm2-tap LOCAL_FRAMES, vm3-tap TC_FRAMES), never through the
  uplink or the bridge; vm3 read all $EW, byte for byte.
- Northbound: vm1's and vm2's frames for the host on the wire went
  straight out of up0 (NORTH_FRAMES 1 each); the wire received exactly
  these two, vm1's untagged and vm2's tagged VLAN $VLAN, as its access
  port requires.
- Anti-spoofing: vm1-tap was added with --ip $IP_VM1, so its frame from
  10.0.0.66 was dropped (spoof_ipv4, port vm1-tap); vm1-tap is not
  --trusted, so its DHCP server reply was dropped (rogue_dhcpv4). Neither
  reached the wire.
Queue steering (RSS) on vm3-tap (--queues $Q3):
- The $FLOWS flows reached vm3 on the queues the Toeplitz hash and the
  indirection table name: per queue $split_q frames (q0..q$((Q3 - 1))), the same
  in vmsim's reading, in \`rss show\` (frames/queue) and in an independent
  prediction (rssflow, user space), frame by frame; both frames of a
  flow on the same queue. vmsteer's steering program on the tap (owner
  vmsteer in \`rss show\`) chose them for the frames reaching the tap on
  the skb path: here from vm2's tap, on a real hypervisor from the bridge
  too. Frames XDP redirects from the wire take tun's queue by CPU instead,
  unless the port has --xdp-steer cpumap.
EOF

say "8. Clean-up"
echo "removing namespaces $HYP and $WIRE, pins under $PIN, the vmsim and tcpdump processes"
