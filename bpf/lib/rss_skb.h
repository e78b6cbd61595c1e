/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow parsing for RSS on an skb (tun steering and socket-filter
 * programs), with bpf_skb_load_bytes_relative() from the MAC header: in
 * the tap's transmit path and in BPF_PROG_TEST_RUN alike, skb->data need
 * not sit at the Ethernet header, the MAC header does. Every load is its
 * own bounds check: a frame cut short inside a header leaves the flow
 * unhashable (IP) or without ports (TCP, UDP).
 */
#ifndef VMST_BPF_RSS_SKB_H
#define VMST_BPF_RSS_SKB_H

#include "common.h"
#include "rss.h"

#define IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */
#define IPV6_NH_FRAG   44     /* IPv6 fragment extension header */

static __always_inline int vmst_skb_load(struct __sk_buff *skb, __u32 off,
					 void *to, __u32 len)
{
	return bpf_skb_load_bytes_relative(skb, off, to, len,
					   BPF_HDR_START_MAC);
}

/* Ports (4 bytes at @off) into f->in[@at]; sets f->l4 when present. */
static __always_inline void vmst_rss_skb_ports(struct __sk_buff *skb,
					       struct vmst_rss_flow *f,
					       __u32 off, __u32 at, __u8 proto)
{
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	if (!vmst_skb_load(skb, off, f->in + at, 4))
		f->l4 = proto;
}

static __always_inline void
vmst_rss_skb_ipv4(struct __sk_buff *skb, struct vmst_rss_flow *f, __u32 off)
{
	struct iphdr iph;
	__u32 ihl;

	if (vmst_skb_load(skb, off, &iph, sizeof(iph)))
		return;
	ihl = iph.ihl;
	if (iph.version != 4 || ihl < 5)
		return;
	__builtin_memcpy(f->in, &iph.saddr, 8);
	f->family = VMST_RSS_FAMILY_IPV4;
	/* Any fragment, the first included, hashes as IP only. */
	if (iph.frag_off & bpf_htons(IPV4_FRAG_MASK))
		return;
	vmst_rss_skb_ports(skb, f, off + ihl * 4, VMST_RSS_IN_IPV4,
			   iph.protocol);
}

/* Extension headers are not walked: only TCP or UDP right after the
 * fixed header carries ports; a fragment header or any other next header
 * hashes as IPv6 only.
 */
static __always_inline void
vmst_rss_skb_ipv6(struct __sk_buff *skb, struct vmst_rss_flow *f, __u32 off)
{
	__u8 hdr[8]; /* version, class, flow label, length, next, hops */

	if (vmst_skb_load(skb, off, hdr, sizeof(hdr)) || (hdr[0] >> 4) != 6)
		return;
	if (vmst_skb_load(skb, off + 8, f->in, VMST_RSS_IN_IPV6))
		return;
	f->family = VMST_RSS_FAMILY_IPV6;
	vmst_rss_skb_ports(skb, f, off + 40, VMST_RSS_IN_IPV6, hdr[6]);
}

/*
 * Parse Ethernet, at most one VLAN tag (802.1Q or 802.1ad), then IPv4 or
 * IPv6 and TCP or UDP ports into @f (zeroed by the caller). Two tags, other
 * EtherTypes and cut headers leave f->family VMST_RSS_FAMILY_NONE.
 */
static __always_inline void vmst_rss_parse_skb(struct __sk_buff *skb,
					       struct vmst_rss_flow *f)
{
	__u32 off = ETH_HLEN;
	__be16 proto;

	if (vmst_skb_load(skb, ETH_HLEN - 2, &proto, sizeof(proto)))
		return;
	if (proto == bpf_htons(ETH_P_8021Q) ||
	    proto == bpf_htons(ETH_P_8021AD)) {
		if (vmst_skb_load(skb, ETH_HLEN + 2, &proto, sizeof(proto)))
			return;
		off += VLAN_HLEN;
	}
	if (proto == bpf_htons(ETH_P_IP))
		vmst_rss_skb_ipv4(skb, f, off);
	else if (proto == bpf_htons(ETH_P_IPV6))
		vmst_rss_skb_ipv6(skb, f, off);
}

#endif /* VMST_BPF_RSS_SKB_H */
