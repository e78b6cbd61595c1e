#!/usr/bin/env bash
# vmsteer-test: parallel 21
# A CI-sized libFuzzer session over the uplink XDP program
# (tests/fuzz/fuzz_packet.c): random and mutated frames, seeded from the
# tcpdump corpus and built frames, through BPF_PROG_TEST_RUN, each compared
# with the reference model (verdict, bytes out, counters). Passes when at
# least FUZZ_PACKET_MIN frames went through the program with no mismatch,
# FUZZ_STEERED_MIN of them (by the model) to the CPU of their RSS queue:
# the XDP queue steering checked too (not on a host with one possible CPU,
# which has no second CPU to steer to: a skip line says so).
# The program is loaded privately in a network namespace of its own
# (unshare -n): nothing is pinned or attached. `make fuzz-packet` runs it
# for FUZZ_SECS.
. "$(dirname "$0")/lib.sh"
fuzz_session packet "${FUZZ_RUNS:-1200000}" "${FUZZ_PACKET_MIN:-1000000}" 4200 "the program" ||
	lib_done
[ "$(id -u)" = 0 ] || exit 0
min=${FUZZ_STEERED_MIN:-10000}
steered=$(sed -n 's/.*(\([0-9]*\) of them to a CPU of their RSS queue.*/\1/p' <<<"$FUZZ_SUMMARY")
if [[ $FUZZ_SUMMARY == *"queues unchecked"* ]]; then
	skip fuzz-packet-rss-queues "${FUZZ_SUMMARY##*queues unchecked: }"
elif [ "${steered:-0}" -ge "$min" ]; then
	ok "fuzz-packet-rss-queues ($steered frames steered to the CPU of their queue)"
else
	fail fuzz-packet-rss-queues "${steered:-no} frames steered to the CPU of their RSS queue, want $min"
fi
lib_done
