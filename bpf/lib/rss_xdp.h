/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow parsing for RSS on an XDP frame, with direct packet access: the
 * same result as rss_skb.h gives for the same bytes (Ethernet, at most one
 * 802.1Q or 802.1ad tag, IPv4 with options or IPv6's fixed header, then
 * TCP or UDP ports of unfragmented packets), so both paths put a flow on
 * the same queue. Every dereference has its own bounds check.
 */
#ifndef VMST_BPF_RSS_XDP_H
#define VMST_BPF_RSS_XDP_H

#include "common.h"
#include "maps.h"
#include "rss.h"

#define VMST_IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */

/* Ports at @l4 into f->in[@at]; sets f->l4 when they are there. */
static __always_inline void vmst_rss_xdp_ports(void *l4, void *data_end,
					       struct vmst_rss_flow *f,
					       __u32 at, __u8 proto)
{
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	if (l4 + 4 > data_end)
		return;
	__builtin_memcpy(f->in + at, l4, 4);
	f->l4 = proto;
}

/* Parse the frame at @data into @f (zeroed by the caller). */
static __always_inline void vmst_rss_parse_xdp(void *data, void *data_end,
					       struct vmst_rss_flow *f)
{
	struct ethhdr *eth = data;
	void *l3 = data + ETH_HLEN;
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) ||
	    proto == bpf_htons(ETH_P_8021AD)) {
		if (l3 + VLAN_HLEN > data_end)
			return;
		proto = *(__be16 *)(l3 + 2);
		l3 += VLAN_HLEN;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;
		__u32 ihl;

		if ((void *)(iph + 1) > data_end)
			return;
		ihl = iph->ihl;
		if (iph->version != 4 || ihl < 5)
			return;
		__builtin_memcpy(f->in, &iph->saddr, 8);
		f->family = VMST_RSS_FAMILY_IPV4;
		/* Any fragment, the first included, hashes as IP only. */
		if (iph->frag_off & bpf_htons(VMST_IPV4_FRAG_MASK))
			return;
		vmst_rss_xdp_ports(l3 + ihl * 4, data_end, f, VMST_RSS_IN_IPV4,
				   iph->protocol);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return;
		__builtin_memcpy(f->in, &ip6->saddr, VMST_RSS_IN_IPV6);
		f->family = VMST_RSS_FAMILY_IPV6;
		vmst_rss_xdp_ports(ip6 + 1, data_end, f, VMST_RSS_IN_IPV6,
				   ip6->nexthdr);
	}
}

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
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct vmst_rss_flow flow = {};
	struct vmst_rss *cfg;
	__u32 q;

	cfg = bpf_map_lookup_elem(&vmst_rss, &idx);
	if (!cfg || !cfg->queues)
		return -1;
	vmst_rss_parse_xdp(data, data_end, &flow);
	/* CPU q: tun queues what CPU q sends on queue q mod queues. */
	q = vmst_rss_queue(cfg, bpf_map_lookup_elem(&vmst_rss_lut, &idx),
			   &flow);
	if (bpf_redirect_map(&vmst_cpumap, q, 0) != XDP_REDIRECT)
		return -1;
	return XDP_REDIRECT;
}

#endif /* VMST_BPF_RSS_XDP_H */
