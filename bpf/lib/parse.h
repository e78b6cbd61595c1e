/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Layer 2 parsing: Ethernet and up to VMST_VLAN_DEPTH VLAN tags. Works on a
 * data/data_end pair so XDP and tc programs share it. Every dereference is
 * preceded by its own bounds check.
 */
#ifndef VMST_BPF_PARSE_H
#define VMST_BPF_PARSE_H

#include "common.h"

/* VLAN tags parsed at most; a deeper stack is reported, not walked. */
#define VMST_VLAN_DEPTH 2

struct vmst_l2 {
	__u16 l2_len;	 /* Ethernet header plus tags */
	__u16 vid;	 /* VID of the outermost tag; 0 when untagged */
	__u8 tags;	 /* tags parsed, 0..VMST_VLAN_DEPTH */
	__u8 outer_qinq; /* the outer tag is 802.1ad */
	__u8 deeper;	 /* more tags follow the ones parsed */
	__u8 pad;
	__be16 proto; /* EtherType after the tags */
};

static __always_inline int vmst_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) ||
	       proto == bpf_htons(ETH_P_8021AD);
}

/*
 * Parse Ethernet and VLAN headers. Returns 0, or -1 when the frame ends
 * inside one of them.
 */
static __always_inline int vmst_parse_l2(void *data, void *data_end,
					 struct vmst_l2 *l2)
{
	struct ethhdr *eth = data;
	__u16 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	proto = eth->h_proto;
	l2->tags = 0;
	l2->vid = 0;
	l2->outer_qinq = proto == bpf_htons(ETH_P_8021AD);

#pragma unroll
	for (i = 0; i < VMST_VLAN_DEPTH; i++) {
		struct vlan_hdr *vh = data + off;

		if (!vmst_is_vlan(proto))
			break;
		if ((void *)(vh + 1) > data_end)
			return -1;
		if (i == 0)
			l2->vid = bpf_ntohs(vh->h_vlan_TCI) & VMST_VLAN_MASK;
		proto = vh->h_vlan_encapsulated_proto;
		off += sizeof(*vh);
		l2->tags++;
	}
	l2->deeper = vmst_is_vlan(proto);
	l2->proto = proto;
	l2->l2_len = off;
	return 0;
}

/* The 48-bit destination MAC as an integer, first octet most significant. */
static __always_inline __u64 vmst_eth_dst48(const struct ethhdr *eth)
{
	const __u8 *d = eth->h_dest;

	return ((__u64)bpf_ntohl(*(const __be32 *)d) << 16) |
	       bpf_ntohs(*(const __be16 *)(d + 4));
}

#endif /* VMST_BPF_PARSE_H */
