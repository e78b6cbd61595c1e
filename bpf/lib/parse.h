/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one L2/L3 decoder of every vmsteer program, over the context layer
 * (lib/ctx.h), so it compiles for XDP and for tc alike. In the style of
 * xdp-tools' parsing helpers: a cursor holds the offset of the next
 * header; each step checks that its header is in the frame, reads it,
 * advances the cursor and reports what follows, or fails (-1, false) and
 * leaves the cursor where it was. The VLAN walk is bounded by its caller.
 *
 * A header is read through ctx_hdr(): in place on XDP, a copy on tc; the
 * caller passes the room for the copy (unused, and optimised away, on
 * XDP).
 */
#ifndef VMST_BPF_PARSE_H
#define VMST_BPF_PARSE_H

#include "common.h"
#include "ctx.h"

/* VLAN tags parsed at most (the uplink); a deeper stack is reported. */
#define VMST_VLAN_DEPTH 2

#define VMST_IPV4_FRAG_MASK   0x3fff /* MF flag and fragment offset */
#define VMST_IPV4_OFFSET_MASK 0x1fff /* fragment offset */

/* Tag protocols the VLAN walk takes as tags (its @tpids argument). */
#define VMST_TPID_STD	0 /* 802.1Q, 802.1ad */
#define VMST_TPID_QINQ1 1 /* those and the old 0x9100 of stacked VLANs */

#define ETH_P_QINQ1 0x9100 /* old, pre-802.1ad stacked-VLAN tag */

/* The offset of the next header. */
struct vmst_cursor {
	__u32 off;
};

struct vmst_l2 {
	struct ethhdr *eth; /* in the frame (XDP) or eth_buf (tc) */
	struct ethhdr eth_buf;
	__be16 proto; /* EtherType after the tags walked */
	__be16 tpid;  /* protocol of the outermost tag; 0 untagged */
	__u16 vid;    /* VID of the outermost tag; 0 untagged */
	__u8 tags;    /* tags: one in the skb's metadata, then those walked */
	__u8 deeper;  /* another tag follows the ones walked */
};
_Static_assert(__builtin_offsetof(struct vmst_l2, eth_buf) % 4 == 0,
	       "vmst_eth_dst48() reads eth_buf.h_dest in 4-byte words");

/* An 802.1Q or 802.1ad tag protocol; with @tpids VMST_TPID_QINQ1, 0x9100
 * too. */
static __always_inline bool vmst_is_vlan(__be16 proto, const int tpids)
{
	return proto == bpf_htons(ETH_P_8021Q) ||
	       proto == bpf_htons(ETH_P_8021AD) ||
	       (tpids == VMST_TPID_QINQ1 && proto == bpf_htons(ETH_P_QINQ1));
}

/*
 * The Ethernet header at the cursor. Returns 0, or -1 when the frame is
 * shorter than an Ethernet header.
 */
static __always_inline int vmst_parse_ethhdr(struct vmst_ctx *ctx,
					     struct vmst_cursor *cur,
					     struct vmst_l2 *l2)
{
	if (!ctx_hdr(ctx, cur->off, sizeof(struct ethhdr), &l2->eth_buf,
		     (void **)&l2->eth))
		return -1;
	cur->off += sizeof(struct ethhdr);
	l2->proto = l2->eth->h_proto;
	l2->tags = 0;
	l2->vid = 0;
	l2->tpid = 0;
	l2->deeper = 0;
	return 0;
}

/*
 * For the programs that see a device's frames (tc on the tap and the
 * uplink), after vmst_parse_ethhdr: a tag the device moved into the skb's
 * metadata is the outermost tag (l2->tags 1), as it was in the data. On
 * XDP there is none.
 */
static __always_inline void vmst_parse_vlan_accel(struct vmst_ctx *ctx,
						  struct vmst_l2 *l2)
{
	__be16 tpid = 0;
	__u16 tci = 0;

	if (ctx_vlan_accel(ctx, &tpid, &tci)) {
		l2->tags = 1;
		l2->tpid = tpid;
		l2->vid = tci & VMST_VLAN_MASK;
	}
}

/*
 * Walk the VLAN tags at the cursor until l2->tags reaches @max (metadata
 * tag included); l2->deeper tells whether another follows. Returns 0, or
 * -1 when the frame ends inside a tag.
 */
static __always_inline int vmst_parse_vlans(struct vmst_ctx *ctx,
					    struct vmst_cursor *cur,
					    struct vmst_l2 *l2, const int max,
					    const int tpids)
{
	int i;

#pragma unroll
	for (i = 0; i < max; i++) {
		struct vlan_hdr buf, *vh;

		if (l2->tags >= max || !vmst_is_vlan(l2->proto, tpids))
			break;
		if (!ctx_hdr(ctx, cur->off, sizeof(buf), &buf, (void **)&vh))
			return -1;
		if (!l2->tags) {
			l2->tpid = l2->proto;
			l2->vid = bpf_ntohs(vh->h_vlan_TCI) & VMST_VLAN_MASK;
		}
		l2->proto = vh->h_vlan_encapsulated_proto;
		cur->off += sizeof(*vh);
		l2->tags++;
	}
	l2->deeper = vmst_is_vlan(l2->proto, tpids);
	return 0;
}

/* Ethernet and up to @max tags: both steps above. */
static __always_inline int vmst_parse_eth(struct vmst_ctx *ctx,
					  struct vmst_cursor *cur,
					  struct vmst_l2 *l2, const int max,
					  const int tpids)
{
	if (vmst_parse_ethhdr(ctx, cur, l2))
		return -1;
	return vmst_parse_vlans(ctx, cur, l2, max, tpids);
}

/*
 * The IPv4 header at the cursor into *@iph, options included in the
 * advance; false when it is cut short, not version 4, or its IHL is below
 * 5. @buf: room for the copy (tc).
 */
static __always_inline bool vmst_parse_iphdr(struct vmst_ctx *ctx,
					     struct vmst_cursor *cur,
					     struct iphdr *buf,
					     struct iphdr **iph)
{
	if (!ctx_hdr(ctx, cur->off, sizeof(*buf), buf, (void **)iph) ||
	    (*iph)->version != 4 || (*iph)->ihl < 5)
		return false;
	cur->off += (*iph)->ihl * 4;
	return true;
}

/* The fixed IPv6 header at the cursor into *@ip6; false when cut short or
 * not version 6. */
static __always_inline bool vmst_parse_ip6hdr(struct vmst_ctx *ctx,
					      struct vmst_cursor *cur,
					      struct ipv6hdr *buf,
					      struct ipv6hdr **ip6)
{
	if (!ctx_hdr(ctx, cur->off, sizeof(*buf), buf, (void **)ip6) ||
	    (*ip6)->version != 6)
		return false;
	cur->off += sizeof(*buf);
	return true;
}

/* A fragment of an IPv4 packet, the first one included. */
static __always_inline bool vmst_ipv4_is_fragment(const struct iphdr *iph)
{
	return iph->frag_off & bpf_htons(VMST_IPV4_FRAG_MASK);
}

/*
 * The 48-bit destination MAC as an integer, first octet most significant:
 * vmst_mac48() in two loads instead of six, for the uplink's hit path. It
 * needs h_dest 4-byte aligned on the stack (the verifier refuses a
 * misaligned stack load): so it is, in struct vmst_l2's eth_buf; any
 * other bytes go through vmst_mac48().
 */
static __always_inline __u64 vmst_eth_dst48(const struct ethhdr *eth)
{
	const __u8 *d = eth->h_dest;

	return ((__u64)bpf_ntohl(*(const __be32 *)d) << 16) |
	       bpf_ntohs(*(const __be16 *)(d + 4));
}

#endif /* VMST_BPF_PARSE_H */
