#!/usr/bin/env bash
# A CI-sized libFuzzer session over the uplink XDP program
# (tests/fuzz/fuzz_packet.c): random and mutated frames, seeded from the
# tcpdump corpus and built frames, through BPF_PROG_TEST_RUN, each compared
# with the reference model (verdict, bytes out, counters). Passes when at
# least FUZZ_PACKET_MIN frames went through the program with no mismatch.
# The program is loaded privately in a network namespace of its own
# (unshare -n): nothing is pinned or attached. `make fuzz` runs it longer.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
FUZZ=$BUILD/tests/fuzz_packet
RUNS=${FUZZ_RUNS:-1300000}
MIN=${FUZZ_PACKET_MIN:-1000000}

if [ "$(id -u)" -ne 0 ]; then
	echo "skip fuzz-packet: needs root"
	exit 0
fi
if [ ! -x "$FUZZ" ]; then
	echo "FAIL fuzz-packet: $FUZZ not built (make test-progs)"
	exit 1
fi
work=$(mktemp -d /tmp/vmsteer-fuzz-packet.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/seeds" "$work/new"
if ! VMSTEER_FUZZ_SEEDS=$work/seeds "$FUZZ" >"$work/seeds.log" 2>&1; then
	echo "FAIL fuzz-packet: cannot write seeds: $(tail -n1 "$work/seeds.log")"
	exit 1
fi
if ! grep -q 'corpus frames from' "$work/seeds.log"; then
	echo "skip fuzz-packet-corpus-seeds: $(head -n1 "$work/seeds.log")"
fi
# The first corpus directory is where libFuzzer writes: a temporary one.
timeout 120 unshare -n "$FUZZ" -runs="$RUNS" -max_len=4200 -seed=1 \
	-artifact_prefix="$work/" "$work/new" "$work/seeds" >"$work/log" 2>&1
rc=$?
summary=$(grep -m1 '^fuzz_packet: [0-9]* frames' "$work/log")
if [ $rc -ne 0 ]; then
	echo "FAIL fuzz-packet: fuzzer exited with $rc: $(grep -m1 -E 'MISMATCH|ERROR|fuzz_packet:' "$work/log")"
	grep -A9 -m1 MISMATCH "$work/log" | sed 's/^/# /'
	exit 1
fi
through=$(sed -n 's/.* \([0-9]*\) through the program.*/\1/p' <<<"$summary")
if [ -z "$through" ] || [ "$through" -lt "$MIN" ]; then
	echo "FAIL fuzz-packet: ${through:-no} frames through the program, want $MIN: $summary"
	exit 1
fi
echo "ok fuzz-packet ($(grep -o '[0-9]* seeds' "$work/seeds.log"); ${summary#fuzz_packet: })"
