#!/usr/bin/env bash
# vmsteer benchmark (`make bench`): frames per second handed to a drained
# tap through the Linux bridge, through vmsteer's XDP path, and the
# harness ceiling, interleaved round by round; then the per-frame cost of
# the uplink program. Everything runs in two fresh network namespaces that
# are removed on exit. See BENCHMARKS.md for what is measured and how.
#
# Settings (environment):
#   ROUNDS=9          measured rounds (each runs every path once)
#   SECS=1.5          seconds per generator call (>= 1)
#   FLOWS=1           UDP flows the generator spreads frames over
#   PATHS=bridge,vmsteer,ceiling,devmap,cpumap
#                     paths to run: bridge, vmsteer, ceiling (the three
#                     compared), devmap (a bare devmap redirect, the best
#                     any XDP path into the tap can do), cpumap (vmsteer
#                     with --xdp-steer cpumap: queue steering through the
#                     CPUMAP) and, for profiling,
#                     uplink (vmst_uplink without vmsteer's tracepoints)
#                     and variant (see VARIANT)
#   VARIANT=FILE      an uplink object built from a modified uplink.bpf.c,
#                     run as the "variant" path (PATHS gets it added, and
#                     "uplink" to compare it with) and in the cost table
#   GEN_CPU=0         CPU of the generator (and of the uplink's NAPI)
#   DRAIN_CPU=1       CPU of the tap reader
#   DRAIN=spin        tap reader: spin (never sleeps) or poll (sleeps)
#   COST_REPEAT=10000000   repeat of the non-live program-cost runs (0: skip)
#   VMSTEER=PATH      the vmsteer binary to bench (default build/vmsteer)
#   V=1               verbose: commands and every counter
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/bench_lib.sh
bench_private_bpffs "$0" "$@"

BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-9}
SECS=${SECS:-1.5}
FLOWS=${FLOWS:-1}
PATHS=${PATHS:-bridge,vmsteer,ceiling,devmap,cpumap}
GEN_CPU=${GEN_CPU:-0}
DRAIN=${DRAIN:-spin}
COST_REPEAT=${COST_REPEAT:-10000000}
V=${V:-0}
ncpu=$(nproc)
if [ -z "${DRAIN_CPU:-}" ]; then
	DRAIN_CPU=$(( (GEN_CPU + 1) % ncpu ))
fi

VMSTEER=$(realpath -m "${VMSTEER:-$BUILD/vmsteer}")
BENCH=$(realpath -m "$BUILD/tests/vmsteer-bench")
VM_MAC=52:54:00:12:34:56 # the VM behind the tap: frames go to it
TAP=tap0
UPLINK=up0
WIRE=wire0

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, XDP, BPF)"
[[ ",$PATHS," != *,vmsteer,* ]] || [ -x "$VMSTEER" ] ||
	die "$VMSTEER missing: run 'make bench'"
[ -x "$BENCH" ] || die "$BENCH missing: run 'make bench'"
[ -c /dev/net/tun ] || die "/dev/net/tun missing"
case $DRAIN in spin) drain_opt=() ;; poll) drain_opt=(--poll) ;;
	*) die "DRAIN must be spin or poll" ;; esac
variant=()
if [ -n "${VARIANT:-}" ]; then
	[ -r "$VARIANT" ] || die "VARIANT=$VARIANT: not readable"
	variant=(--variant "$(realpath "$VARIANT")")
	[[ ",$PATHS," == *,uplink,* ]] || PATHS=$PATHS,uplink
	[[ ",$PATHS," == *,variant,* ]] || PATHS=$PATHS,variant
fi
verbose=()
[ "$V" = 1 ] && verbose=(-v) && set -x

# Unique names: several runs (or a stale one) never collide.
id=vmstb-$$-$RANDOM
GEN_NS=$id-gen
HV_NS=$id-hv
tmp=$(mktemp -d /tmp/vmsteer-bench.XXXXXX)
PIN=/sys/fs/bpf/$id
drain_pid=
fg_pid=

cleanup() {
	local rc=$?
	set +e
	if [ -n "$fg_pid" ]; then
		kill "$fg_pid" 2>/dev/null
		wait "$fg_pid" 2>/dev/null
	fi
	if [ -n "$drain_pid" ]; then
		kill "$drain_pid" 2>/dev/null
		wait "$drain_pid" 2>/dev/null
	fi
	# Deleting the namespaces deletes their devices and XDP programs.
	ip netns del "$HV_NS" 2>/dev/null
	ip netns del "$GEN_NS" 2>/dev/null
	# vmsteer's pins (the bpffs itself goes with the mount namespace).
	rm -rf "$PIN" "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Run a long command so that a signal stops it at once: bash runs traps
# only between commands, but a wait is interrupted.
run() {
	"$@" &
	fg_pid=$!
	wait "$fg_pid"
	fg_pid=
}
hv() { nsenter --net="/run/netns/$HV_NS" "$@"; }
gen() { nsenter --net="/run/netns/$GEN_NS" "$@"; }

bench_netns "$GEN_NS" "$HV_NS"

# Hypervisor: uplink veth and tap on a bridge; the wire end of the veth
# goes to the generator's namespace. Created from inside the hypervisor
# namespace: nothing touches the root namespace's interfaces.
hv ip link add "$UPLINK" type veth peer name "$WIRE" netns "$GEN_NS"
hv ip link add br0 type bridge
hv ip link set br0 up
hv ip link set "$UPLINK" master br0
hv ip tuntap add dev "$TAP" mode tap multi_queue
hv ip link set "$TAP" master br0
hv ip link set "$UPLINK" up
hv ip link set "$TAP" up
gen ip link set "$WIRE" up
# The fairest bridge: br_netfilter off (it is on in every new namespace).
hv sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
	net.bridge.bridge-nf-call-ip6tables=0 \
	net.bridge.bridge-nf-call-arptables=0
for k in iptables ip6tables arptables; do
	[ "$(hv sysctl -n net.bridge.bridge-nf-call-$k)" = 0 ] ||
		die "bridge-nf-call-$k still on"
done
# The bridge knows the VM, as it would from the VM's own traffic.
hv bridge fdb add "$VM_MAC" dev "$TAP" master static

# The VM side: a reader that keeps every tap queue drained.
# (nsenter and taskset exec: $! is the reader itself, for the cleanup.)
nsenter --net="/run/netns/$HV_NS" taskset -c "$DRAIN_CPU" \
	"$BENCH" "${verbose[@]}" drain "$TAP" \
	--queues "$ncpu" "${drain_opt[@]}" --ready "$tmp/drain-ready" &
drain_pid=$!
for _ in $(seq 100); do
	[ -e "$tmp/drain-ready" ] && break
	kill -0 "$drain_pid" 2>/dev/null || die "tap reader failed"
	sleep 0.05
done
[ -e "$tmp/drain-ready" ] || die "tap reader not ready"

echo "vmsteer bench $(cat VERSION 2>/dev/null) ($(git describe --always --dirty 2>/dev/null || echo unknown)), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "host: Linux $(uname -r), $ncpu CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); tap reader on CPU $DRAIN_CPU ($DRAIN), $ncpu queues"
echo

run "$BENCH" "${verbose[@]}" live --gen-ns "$GEN_NS" --hv-ns "$HV_NS" \
	--wire "$WIRE" --uplink "$UPLINK" --tap "$TAP" --mac "$VM_MAC" \
	--vmsteer "$VMSTEER" --pin-path "$PIN" --rounds "$ROUNDS" \
	--secs "$SECS" --flows "$FLOWS" --cpu "$GEN_CPU" --paths "$PATHS" \
	"${variant[@]}"
if [ "$COST_REPEAT" != 0 ]; then
	echo
	run nsenter --net="/run/netns/$HV_NS" taskset -c "$GEN_CPU" \
		"$BENCH" "${verbose[@]}" cost --tap "$TAP" \
		--mac "$VM_MAC" --repeat "$COST_REPEAT" "${variant[@]}"
fi
