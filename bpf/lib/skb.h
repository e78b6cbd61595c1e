/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Small helpers of the tc (skb) programs: verdicts, header loads and the
 * counting of what they forward, pass on or drop. Loads go through
 * bpf_skb_load_bytes() from offset 0, the Ethernet header (tc runs ingress
 * programs with the MAC header pushed back): each load is its own bounds
 * check, and works on non-linear skbs (GSO frames from a VM) too.
 */
#ifndef VMST_BPF_SKB_H
#define VMST_BPF_SKB_H

#include "common.h"
#include "maps.h"
#include "stats.h"
#include "monitor.h"

/* tc verdicts (include/uapi/linux/pkt_cls.h: macros, not in vmlinux.h). */
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT 7

/* Load @len bytes at @off of the frame; 0 or a negative error. */
static __always_inline int vmst_load(struct __sk_buff *skb, __u32 off, void *to,
				     __u32 len)
{
	return bpf_skb_load_bytes(skb, off, to, len);
}

/* Count (@port, @reason) with the frame's length, report it to a running
 * monitor, and return @verdict. */
static __always_inline int vmst_skb_verdict(struct __sk_buff *skb, __u32 port,
					    __u32 reason, int verdict)
{
	vmst_count_reason(port, reason, skb->len);
	vmst_monitor_skb(skb, port, reason);
	return verdict;
}

/* Add a frame of @bytes to the counter pair at @frames of @port. */
static __always_inline void vmst_count_pc(__u32 port, __u32 frames, __u64 bytes)
{
	struct vmst_port_stats *st = vmst_port_stats(port);

	if (st && frames + 1 < VMST_PC_SLOTS) {
		st->c[frames]++;
		st->c[frames + 1] += bytes;
	}
}

/* The control record of port @idx when it is in use, else NULL. */
static __always_inline struct vmst_port_cfg *vmst_port_cfg_of(__u32 idx)
{
	struct vmst_port_cfg *c = bpf_map_lookup_elem(&vmst_port_cfg, &idx);

	if (!c || !(c->flags & VMST_CFG_F_IN_USE) || !c->ifindex)
		return NULL;
	return c;
}

#endif /* VMST_BPF_SKB_H */
