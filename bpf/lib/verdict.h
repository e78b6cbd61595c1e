/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The verdict step of both hooks: count the frame under (port, reason)
 * with its length, report it to a running monitor, return the verdict.
 * Used for what a program passes on or drops; the redirect paths count
 * their own (frames, bytes) pairs (vmst_count_port, lib/stats.h).
 */
#ifndef VMST_BPF_VERDICT_H
#define VMST_BPF_VERDICT_H

#include "ctx.h"
#include "stats.h"
#include "monitor.h"

/* Count (@port, @reason) as a frame of @len bytes, maybe report it, and
 * return @verdict. An XDP program's drops count in the reason's XDP slot
 * (lib/stats.h), so the counters tell which hook dropped a frame. */
static __always_inline int vmst_verdict_len(struct vmst_ctx *ctx, __u32 port,
					    __u32 reason, __u32 len,
					    int verdict)
{
#ifdef VMST_CTX_XDP
	if (verdict == XDP_DROP)
		vmst_count_xdp_drop(port, reason, len);
	else
#endif
		vmst_count_reason(port, reason, len);
	vmst_monitor(ctx, port, reason);
	return verdict;
}

/* The same with the frame's whole length. */
static __always_inline int vmst_verdict(struct vmst_ctx *ctx, __u32 port,
					__u32 reason, int verdict)
{
	return vmst_verdict_len(ctx, port, reason, ctx_len(ctx), verdict);
}

#endif /* VMST_BPF_VERDICT_H */
