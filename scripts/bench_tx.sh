#!/usr/bin/env bash
# vmsteer transmit-path benchmark (part of `make bench`): frames per second
# a VM's frames reach their destination through the Linux bridge and
# through vmsteer's tap tc program, interleaved round by round:
#
#   vm-to-vm      tapA -> tapB   (bridge FDB / vmsteer east-west redirect)
#   vm-to-uplink  tapA -> up0    (bridge FDB / vmsteer northbound redirect)
#
# A VM-side generator (vmsteer-bench txgen) writes 64-byte frames into a
# queue of tapA as fast as it can; each write runs the path in its thread.
# The rate is measured at the receiving side: frames handed to tapB (its
# TX packets + TX dropped, exact on the skb path; a reader drains it) or
# received by wire0, the uplink veth's peer (its RX packets), divided by
# the generator thread's on-CPU time (the path runs in that thread, so a
# task sharing the CPU does not count against it; a call whose on-CPU time
# is under 90% of its wall time is marked *). Both paths keep the taps on the bridge:
# vmsteer's rounds add the ports (tc filters on), the bridge's rounds
# delete them (filters off). See BENCHMARKS.md.
#
# Settings (environment): ROUNDS=7, SECS=1, GEN_CPU=0, DRAIN_CPU=1,
# VMSTEER=build/vmsteer, V=1 (verbose).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${VMSTEER_BENCH_MNTNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench_tx: needs root" >&2; exit 1; }
	VMSTEER_BENCH_MNTNS=1 exec unshare --mount --propagation private \
		"$0" "$@"
fi
mount -t bpf bpf /sys/fs/bpf

BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-7}
SECS=${SECS:-1}
GEN_CPU=${GEN_CPU:-0}
V=${V:-0}
ncpu=$(nproc)
DRAIN_CPU=${DRAIN_CPU:-$(((GEN_CPU + 1) % ncpu))}
VMSTEER=$(realpath -m "${VMSTEER:-$BUILD/vmsteer}")
BENCH=$(realpath -m "$BUILD/tests/vmsteer-bench")
MAC_A=52:54:00:00:00:0a
MAC_B=52:54:00:00:00:0b
MAC_W=52:54:00:00:00:ee
IP_A=198.51.100.1 # the generator's source address
[ "$V" = 1 ] && set -x

die() { echo "bench_tx: $*" >&2; exit 1; }
[ -x "$VMSTEER" ] || die "$VMSTEER missing: run 'make bench'"
[ -x "$BENCH" ] || die "$BENCH missing: run 'make bench'"

id=vmstx-$$-$RANDOM
GEN_NS=$id-wire
HV_NS=$id-hv
PIN=/sys/fs/bpf/$id
tmp=$(mktemp -d /tmp/vmsteer-bench-tx.XXXXXX)
drain_pid=
cleanup() {
	local rc=$?
	set +e
	if [ -n "$drain_pid" ]; then
		kill "$drain_pid" 2>/dev/null
		wait "$drain_pid" 2>/dev/null
	fi
	ip netns del "$HV_NS" 2>/dev/null
	ip netns del "$GEN_NS" 2>/dev/null
	rm -rf "$PIN" "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
hv() { nsenter --net="/run/netns/$HV_NS" "$@"; }
wire() { nsenter --net="/run/netns/$GEN_NS" "$@"; }
vms() { hv "$VMSTEER" --pin-path "$PIN" "$@"; }

ip netns add "$GEN_NS"
ip netns add "$HV_NS"
for ns in wire hv; do
	$ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	$ns ip link set lo up
done
hv ip link add up0 type veth peer name wire0 netns "$GEN_NS"
hv ip link add br0 type bridge
hv ip link set br0 up
hv ip link set up0 master br0
for t in tapa tapb; do
	hv ip tuntap add dev $t mode tap multi_queue
	hv ip link set $t master br0
	hv ip link set $t up
done
hv ip link set up0 up
wire ip link set wire0 up
hv sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
	net.bridge.bridge-nf-call-ip6tables=0 \
	net.bridge.bridge-nf-call-arptables=0
# The bridge knows every MAC, as it would from their own traffic.
hv bridge fdb add $MAC_B dev tapb master static
hv bridge fdb add $MAC_W dev up0 master static
hv bridge fdb add $MAC_A dev tapa master static

# The VM behind tapB reads its queues; nobody reads tapA (the generator
# holds a queue of it to write).
nsenter --net="/run/netns/$HV_NS" taskset -c "$DRAIN_CPU" \
	"$BENCH" drain tapb --queues 2 --ready "$tmp/drain-ready" &
drain_pid=$!
for _ in $(seq 100); do
	[ -e "$tmp/drain-ready" ] && break
	sleep 0.05
done
[ -e "$tmp/drain-ready" ] || die "tap reader not ready"

vms attach up0 >/dev/null || die "vmsteer attach failed"
ports_on=0
vmsteer_on() {
	[ $ports_on = 0 ] || return 0
	vms port add tapa --mac $MAC_A --ip $IP_A >/dev/null
	vms port add tapb --mac $MAC_B >/dev/null
	ports_on=1
}
vmsteer_off() {
	[ $ports_on = 1 ] || return 0
	vms port del tapa >/dev/null
	vms port del tapb >/dev/null
	ports_on=0
}

# Counters: tapB's TX packets + TX dropped; wire0's RX packets.
# (rtnetlink: /sys/class/net shows the namespace sysfs was mounted in.)
tapb_handed() { hv ip -j -s link show tapb | jq '.[0].stats64.tx.packets + .[0].stats64.tx.dropped'; }
wire_rx() { wire ip -j -s link show wire0 | jq '.[0].stats64.rx.packets'; }

# measure PATH DEST: one generator call; prints the Mpps at the receiver.
measure() {
	local dst=$MAC_B before after out frames secs cpu
	[ "$2" = uplink ] && dst=$MAC_W
	if [ "$2" = uplink ]; then before=$(wire_rx); else before=$(tapb_handed); fi
	out=$(hv taskset -c "$GEN_CPU" "$BENCH" txgen tapa --dst $dst \
		--src $MAC_A --secs "$SECS")
	sleep 0.2 # the reader catches up; tapB's ring settles
	if [ "$2" = uplink ]; then after=$(wire_rx); else after=$(tapb_handed); fi
	frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$out")
	secs=$(sed -n 's/.*secs=\([0-9.]*\).*/\1/p' <<<"$out")
	cpu=$(sed -n 's/.*cpu=\([0-9.]*\).*/\1/p' <<<"$out")
	echo "$1 $2 $frames $((after - before)) $secs $cpu" >>"$tmp/raw"
	awk -v n=$((after - before)) -v s="$cpu" -v w="$secs" \
		'BEGIN { printf "%.3f%s", n / s / 1e6, s < 0.9 * w ? "*" : "" }'
}

echo "vmsteer transmit bench ($(git describe --always --dirty 2>/dev/null || echo unknown)), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "64-byte frames written into tapA by one thread (CPU $GEN_CPU); received: tapB (reader on CPU $DRAIN_CPU) or wire0"
echo
: >"$tmp/raw"
: >"$tmp/rates"
# A calibration call of each, not counted.
measure bridge vm >/dev/null
vmsteer_on
measure vmsteer vm >/dev/null
for r in $(seq "$ROUNDS"); do
	line="round $r/$ROUNDS:"
	# Alternate which goes first, round by round.
	if [ $((r % 2)) = 1 ]; then order="vmsteer bridge"; else order="bridge vmsteer"; fi
	for dest in vm uplink; do
		for p in $order; do
			if [ $p = vmsteer ]; then vmsteer_on; else vmsteer_off; fi
			rate=$(measure $p $dest)
			echo "$r $p $dest ${rate%\*}" >>"$tmp/rates"
			line="$line $p-$dest $rate"
		done
	done
	echo "$line Mpps"
done
vmsteer_off

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
echo
echo "medians over $ROUNDS rounds, Mpps at the receiver (low-high):"
for dest in vm uplink; do
	for p in bridge vmsteer; do
		vals=$(awk -v p=$p -v d=$dest '$2 == p && $3 == d { print $4 }' "$tmp/rates")
		printf '  %-8s %-7s %7s  (%s)\n' "$p" "vm-to-$dest" \
			"$(median <<<"$vals")" "$(range <<<"$vals")"
	done
done
echo
echo "medians of the per-round ratios vmsteer/bridge (low-high):"
for dest in vm uplink; do
	ratios=$(awk -v d=$dest '$3 == d { r[$1, $2] = $4 } END { for (k in r) { split(k, a, SUBSEP); if (a[2] == "vmsteer") print r[a[1], "vmsteer"] / r[a[1], "bridge"] } }' "$tmp/rates")
	printf '  vm-to-%-7s %.2fx  (%s)\n' "$dest" "$(median <<<"$ratios")" \
		"$(range <<<"$(awk '{ printf "%.2f\n", $1 }' <<<"$ratios")")"
done
echo
echo "cross-checks, totals over all calls (written by the generator, received; on-CPU share of wall time):"
awk '{ w[$1 " " $2] += $3; g[$1 " " $2] += $4; s[$1 " " $2] += $5; c[$1 " " $2] += $6 } END { for (k in w) printf "  %-16s written %d, received %d (%.1f%%), on CPU %.0f%%\n", k, w[k], g[k], 100 * g[k] / w[k], 100 * c[k] / s[k] }' "$tmp/raw" | sort
