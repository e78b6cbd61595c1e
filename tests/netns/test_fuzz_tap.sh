#!/usr/bin/env bash
# A CI-sized libFuzzer session over the tap program, the transmit path, and
# the uplink tc program (tests/fuzz/fuzz_tap.c): random and mutated frames
# sent by the VMs of a
# fixed set of ports (untagged and access, with and without addresses,
# trusted and not, several VLANs, one in another network namespace, one
# deleted), seeded from the tcpdump corpus and built ARP, IPv4, IPv6, ND,
# RA and DHCP frames, and (one in seven) frames arriving on the uplink,
# through BPF_PROG_TEST_RUN, each compared with the reference models
# tests/unit/refmodel_tx.c (verdict, redirect target, tag pushed, bytes
# out, counters). Passes when at least FUZZ_TAP_MIN frames went through
# the tap program with no mismatch. The programs are loaded
# privately in a network namespace of its own (unshare -n): nothing is
# pinned or attached. `make fuzz` runs it longer.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
FUZZ=$BUILD/tests/fuzz_tap
RUNS=${FUZZ_TAP_RUNS:-1500000}
MIN=${FUZZ_TAP_MIN:-1000000}

if [ "$(id -u)" -ne 0 ]; then
	echo "skip fuzz-tap: needs root"
	exit 0
fi
if [ ! -x "$FUZZ" ]; then
	echo "FAIL fuzz-tap: $FUZZ not built (make test-progs)"
	exit 1
fi
work=$(mktemp -d /tmp/vmsteer-fuzz-tap.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/seeds" "$work/new"
if ! VMSTEER_FUZZ_SEEDS=$work/seeds "$FUZZ" >"$work/seeds.log" 2>&1; then
	echo "FAIL fuzz-tap: cannot write seeds: $(tail -n1 "$work/seeds.log")"
	exit 1
fi
if ! grep -q 'corpus frames from' "$work/seeds.log"; then
	echo "skip fuzz-tap-corpus-seeds: $(head -n1 "$work/seeds.log")"
fi
# The first corpus directory is where libFuzzer writes: a temporary one.
timeout 120 unshare -n "$FUZZ" -runs="$RUNS" -max_len=2100 -seed=1 \
	-artifact_prefix="$work/" "$work/new" "$work/seeds" >"$work/log" 2>&1
rc=$?
summary=$(grep -m1 '^fuzz_tap: [0-9]* frames' "$work/log")
if [ $rc -ne 0 ]; then
	echo "FAIL fuzz-tap: fuzzer exited with $rc: $(grep -m1 -E 'MISMATCH|ERROR|fuzz_tap:' "$work/log")"
	grep -A9 -m1 MISMATCH "$work/log" | sed 's/^/# /'
	exit 1
fi
through=$(sed -n 's/.* \([0-9]*\) through the tap program.*/\1/p' <<<"$summary")
if [ -z "$through" ] || [ "$through" -lt "$MIN" ]; then
	echo "FAIL fuzz-tap: ${through:-no} frames through the tap program, want $MIN: $summary"
	exit 1
fi
echo "ok fuzz-tap ($(grep -o '[0-9]* seeds' "$work/seeds.log"); ${summary#fuzz_tap: })"
