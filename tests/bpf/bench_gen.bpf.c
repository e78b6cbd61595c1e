// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic generator for the benchmark. Run by BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES: every frame the kernel hands it is redirected
 * into the wire-side veth, whose peer is the uplink under test. With more
 * than one flow the UDP source port is rewritten round robin.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "../bench/bench.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ifindex of the wire-side veth, in the generator's network namespace. */
const volatile __u32 tx_ifindex;
/* Flows to spread frames over (UDP source ports); 0 or 1: one flow. */
const volatile __u32 flows;

/* Per-CPU frame sequence number, for the round-robin flow choice. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_gen_seq SEC(".maps");

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__be16 *sport = data + BENCH_UDP_SPORT_OFF;
	__u32 zero = 0, *seq;

	if (flows > 1) {
		seq = bpf_map_lookup_elem(&bench_gen_seq, &zero);
		if (seq && (void *)(sport + 1) <= data_end) {
			*sport = bpf_htons(BENCH_UDP_SPORT + *seq % flows);
			(*seq)++;
		}
	}
	return bpf_redirect(tx_ifindex, 0);
}
