#!/usr/bin/env bash
# vmsteer-test: parallel 29
# A CI-sized libFuzzer session over the tap program, the transmit path, and
# the uplink tc program (tests/fuzz/fuzz_tap.c): random and mutated frames
# sent by the VMs of a
# fixed set of ports (untagged and access, with and without addresses,
# trusted and not, several VLANs, one in another network namespace, one
# deleted), seeded from the tcpdump corpus and built ARP, IPv4, IPv6, ND,
# RA and DHCP frames, and (one in seven) frames arriving on the uplink,
# through BPF_PROG_TEST_RUN, each compared with the reference models
# tests/unit/refmodel_tx.c (verdict, redirect target, tag pushed, bytes
# out, counters). Passes when at least FUZZ_TAP_MIN (10^6) frames went
# through the tap program, and as many through the tap XDP program (queue
# steering varied on the ports per frame), with no mismatch:
# FUZZ_TAP_RUNS inputs (1.4 million; a quarter go to the uplink tc
# program or are refused by test_run) reach it with a margin. The programs are loaded privately in
# a network namespace of its own (unshare -n): nothing is pinned or
# attached. `make fuzz-tap` runs it for FUZZ_SECS.
. "$(dirname "$0")/lib.sh"
FUZZ_SUMMARY=
fuzz_session tap "${FUZZ_TAP_RUNS:-1400000}" "${FUZZ_TAP_MIN:-1000000}" 2100 "the tap program"
# The tap XDP program gets every tap frame it can take: as many again.
case=fuzz-tap-xdp
xdp=$(sed -n 's/.*tap XDP program: \([0-9]*\) frames.*/\1/p' <<<"$FUZZ_SUMMARY")
if [ -z "$FUZZ_SUMMARY" ]; then
	skip $case "no fuzzing session"
elif [ -n "$xdp" ] && [ "$xdp" -ge "${FUZZ_TAP_MIN:-1000000}" ]; then
	ok "$case ($xdp frames through the tap XDP program)"
else
	fail $case "${xdp:-no} frames through the tap XDP program, want ${FUZZ_TAP_MIN:-1000000}"
fi
