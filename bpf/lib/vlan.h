/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* VLAN tag removal for XDP frames. */
#ifndef VMST_BPF_VLAN_H
#define VMST_BPF_VLAN_H

#include "common.h"

/*
 * Remove the outermost VLAN tag: move the two MAC addresses over the tag,
 * then start the frame 4 bytes later. The EtherType after the tag becomes
 * the frame's EtherType in place. All loads happen before any store, so the
 * overlapping move is safe. Returns 0 or a negative error; on error the
 * frame is already modified and must not be passed on.
 */
static __always_inline int vmst_xdp_vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *w = data;
	__u32 w0, w1, w2;

	if (data + ETH_HLEN + VLAN_HLEN > data_end)
		return -1;
	w0 = w[0];
	w1 = w[1];
	w2 = w[2];
	w[1] = w0;
	w[2] = w1;
	w[3] = w2;
	return bpf_xdp_adjust_head(ctx, VLAN_HLEN);
}

#endif /* VMST_BPF_VLAN_H */
