/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * XDP queue steering: an uplink frame for a port with --xdp-steer cpumap
 * goes to the CPU of its RSS queue.
 */
#ifndef VMST_BPF_RSS_XDP_H
#define VMST_BPF_RSS_XDP_H

#include "common.h"
#include "ctx.h"
#include "maps.h"
#include "rss.h"

/*
 * Hand the frame for port @idx to the CPU of its RSS queue through the
 * CPUMAP; the CPUMAP program (bpf/cpumap.bpf.c) finds the port again,
 * removes the tag and redirects into the tap from that CPU. The frame is
 * hashed as the VM will see it: the parser skips a tag, as the tap's
 * steering program would see none. Returns XDP_REDIRECT, or -1 when it
 * cannot be steered (no RSS entry, no CPUMAP entry for the CPU): the
 * caller then redirects it straight, into the queue of the CPU it is on.
 */
static __always_inline int vmst_xdp_steer(struct xdp_md *ctx, __u32 idx)
{
	struct vmst_rss_flow flow = {};
	struct vmst_rss *cfg;
	__u32 q;

	cfg = bpf_map_lookup_elem(&vmst_rss, &idx);
	if (!cfg || !cfg->queues)
		return -1;
	vmst_rss_parse(ctx, &flow);
	/* CPU q: tun queues what CPU q sends on queue q mod queues. */
	q = vmst_rss_queue(cfg, &vmst_rss_lut, &flow);
	if (bpf_redirect_map(&vmst_cpumap, q, 0) != XDP_REDIRECT)
		return -1;
	return XDP_REDIRECT;
}

#endif /* VMST_BPF_RSS_XDP_H */
