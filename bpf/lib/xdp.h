/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The XDP context of the checks written for both hooks of the tap
 * (lib/antispoof.h; lib/skb.h is the tc one). Loads go through
 * bpf_xdp_load_bytes(): each is its own bounds check and reads across
 * the buffers of a multi-buffer frame, as bpf_skb_load_bytes() does.
 */
#ifndef VMST_BPF_XDP_H
#define VMST_BPF_XDP_H

#include "common.h"

typedef struct xdp_md vmst_ctx_t;
#define VMST_CTX_XDP 1

/* Load @len bytes at @off of the frame; 0 or a negative error. */
static __always_inline int vmst_load(struct xdp_md *ctx, __u32 off, void *to,
				     __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, to, len);
}

/* The frame's whole length, all buffers. */
static __always_inline __u32 vmst_ctx_len(struct xdp_md *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

/* XDP sees every tag in the data. */
static __always_inline bool vmst_ctx_vlan(struct xdp_md *ctx, __u32 *tpid,
					  __u16 *tci)
{
	(void)ctx;
	(void)tpid;
	(void)tci;
	return false;
}

#endif /* VMST_BPF_XDP_H */
