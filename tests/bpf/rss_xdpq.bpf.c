// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only: the queue the XDP path (bpf/lib/rss.h: the parser and the
 * hash, compiled for XDP) chooses for a frame under port xdpq_port's
 * vmst_rss entry, written to xdpq_queue, so unit tests can hold it against
 * the tap steering program's choice (the same code compiled for a socket
 * filter) for the same bytes.
 */
#define VMST_CTX_XDP
#include "lib/common.h"
#include "lib/rss_xdp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The port whose vmst_rss entry is used, and the queue chosen. */
__u32 xdpq_port;
__u32 xdpq_queue;

SEC("xdp")
int rss_xdpq(struct xdp_md *ctx)
{
	struct vmst_rss_flow flow = {};
	__u32 port = xdpq_port;
	struct vmst_rss *cfg;

	cfg = bpf_map_lookup_elem(&vmst_rss, &port);
	if (!cfg)
		return XDP_ABORTED;
	vmst_rss_parse(ctx, &flow);
	xdpq_queue = vmst_rss_queue(cfg, &vmst_rss_lut, &flow);
	return XDP_PASS;
}
