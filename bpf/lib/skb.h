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

/* The context the checks written for both hooks take (lib/antispoof.h). */
typedef struct __sk_buff vmst_ctx_t;
#define VMST_CTX_SKB 1

/* Load @len bytes at @off of the frame; 0 or a negative error. */
static __always_inline int vmst_load(struct __sk_buff *skb, __u32 off, void *to,
				     __u32 len)
{
	return bpf_skb_load_bytes(skb, off, to, len);
}

/* The frame's whole length. */
static __always_inline __u32 vmst_ctx_len(struct __sk_buff *skb)
{
	return skb->len;
}

/* A tag the kernel took out of the data into the skb's metadata: true
 * and its protocol (network order) and TCI. */
static __always_inline bool vmst_ctx_vlan(struct __sk_buff *skb, __u32 *tpid,
					  __u16 *tci)
{
	if (!skb->vlan_present)
		return false;
	*tpid = skb->vlan_proto;
	*tci = skb->vlan_tci;
	return true;
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

#endif /* VMST_BPF_SKB_H */
