#!/usr/bin/env bash
# vmsteer-test: parallel 21
# A CI-sized libFuzzer session over the uplink XDP program
# (tests/fuzz/fuzz_packet.c): random and mutated frames, seeded from the
# tcpdump corpus and built frames, through BPF_PROG_TEST_RUN, each compared
# with the reference model (verdict, bytes out, counters). Passes when at
# least FUZZ_PACKET_MIN frames went through the program with no mismatch.
# The program is loaded privately in a network namespace of its own
# (unshare -n): nothing is pinned or attached. `make fuzz-packet` runs it
# for FUZZ_SECS.
. "$(dirname "$0")/lib.sh"
fuzz_session packet "${FUZZ_RUNS:-1200000}" "${FUZZ_PACKET_MIN:-1000000}" 4200 "the program"
