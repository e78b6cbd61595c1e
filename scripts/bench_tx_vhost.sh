#!/usr/bin/env bash
# The transmit bench driven through vhost-net (`make bench BENCH=tx-vhost`):
# scripts/bench_tx.sh with DRIVER=vhost, where the VM's frames reach tapA
# through /dev/vhost-net (vmsteer-bench vhostgen: a user-space virtio
# driver, as QEMU with vhost=on or DPDK's virtio-user) and the path runs in
# vhost's worker thread, batched (tun_sendmsg -> tun_xdp_one).
#
# On a kernel with /dev/vhost-net (or the vhost_net module) it runs here.
# Otherwise it boots Debian's 6.1 kernel (linux-image-amd64) under qemu
# with the host's root filesystem (scripts/kernel-matrix.sh --run) and
# runs it there, on one CPU whose clock counts instructions (qemu TCG with
# -icount shift=0: a guest nanosecond is one instruction executed, however
# loaded the host is). So there the figures are instructions per frame,
# not the host's nanoseconds (no caches, no cross-CPU traffic: everything
# runs on the one CPU); the ratios between paths are what they tell.
#
# Settings (environment): those of scripts/bench_tx.sh (ROUNDS, SECS,
# SIZES, PATHS, WINDOW, GEN_CPU, DRAIN_CPU, DRV_CPU, COST_REPEAT, V) are
# passed on (SECS: 0.3 by default in the guest, of its instruction clock;
# COST_REPEAT 100000: a test run's instructions are the same every time);
# GUEST_SMP=1 and ICOUNT=0 (the guest's CPUs and instruction clock's
# shift; ICOUNT= : wall-clock time, several emulating threads, at the
# mercy of the host's load), GUEST_MEM=2G, OUT (the guest's results,
# default $BUILD/bench-tx-vhost); VHOST_HERE=1 runs here even without
# /dev/vhost-net (and fails there).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

die() {
	echo "bench_tx_vhost: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root"

[ -e /dev/vhost-net ] || modprobe vhost_net 2>/dev/null || true
if [ -e /dev/vhost-net ] || [ "${VHOST_HERE:-0}" = 1 ]; then
	DRIVER=vhost exec scripts/bench_tx.sh "$@"
fi

# The settings the guest's bench takes from the host's environment.
env=(DRIVER=vhost "BUILD=$BUILD" "SECS=${SECS:-0.3}" "COST_REPEAT=${COST_REPEAT:-100000}")
for v in ROUNDS SIZES PATHS WINDOW GEN_CPU DRAIN_CPU DRV_CPU V; do
	[ -z "${!v:-}" ] || env+=("$v=${!v}")
done
run="env"
for e in "${env[@]}"; do
	run+=" $(printf '%q' "$e")"
done
run+=" scripts/bench_tx.sh"
icount=()
ICOUNT=${ICOUNT-0}
[ -z "$ICOUNT" ] || icount=(--icount "$ICOUNT")
echo "bench_tx_vhost: no vhost-net on Linux $(uname -r): the bench runs in Debian's 6.1 kernel under qemu (TCG${ICOUNT:+, a guest ns = 2^$ICOUNT instructions}: compare the ratios)"
exec scripts/kernel-matrix.sh --smp "${GUEST_SMP:-1}" --mem "${GUEST_MEM:-2G}" \
	"${icount[@]}" --out "${OUT:-$BUILD/bench-tx-vhost}" --run "$run"
