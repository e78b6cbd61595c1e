/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RSS queue selection: Toeplitz hash of a flow's addresses and ports under
 * the port's enabled hash types, then the indirection table. Works on a
 * flow parsed into a struct vmst_rss_flow by one parser (vmst_rss_parse,
 * over lib/parse.h), so the XDP and skb programs put a flow on the same
 * queue. The reference in user/load/toeplitz.c defines the same result.
 */
#ifndef VMST_BPF_RSS_H
#define VMST_BPF_RSS_H

#include "common.h"
#include "ctx.h"
#include "parse.h"

/* Address families of a parsed flow. */
#define VMST_RSS_FAMILY_NONE 0 /* not IP, or headers cut short */
#define VMST_RSS_FAMILY_IPV4 4
#define VMST_RSS_FAMILY_IPV6 6

/* Hash input lengths: addresses, then addresses and ports. */
#define VMST_RSS_IN_IPV4  8
#define VMST_RSS_IN_IPV6  32
#define VMST_RSS_IN_PORTS 4 /* source and destination port */

/*
 * A parsed flow: the hash input in RSS order (source address, destination
 * address, source port, destination port, all in network order) and what
 * the parser found.
 */
struct vmst_rss_flow {
	__u8 in[VMST_RSS_INPUT_MAX] __attribute__((aligned(8)));
	__u8 family; /* VMST_RSS_FAMILY_* */
	__u8 l4;     /* IPPROTO_TCP or _UDP when in[] holds its ports, else 0 */
	__u8 pad[2];
};

/* Ports at the cursor into f->in[@at] for TCP and UDP; sets f->l4 when
 * they are in the frame. */
static __always_inline void vmst_rss_ports(struct vmst_ctx *ctx,
					   struct vmst_cursor *cur,
					   struct vmst_rss_flow *f, __u32 at,
					   __u8 proto)
{
	__u32 buf, *ports;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return;
	if (!ctx_hdr(ctx, cur->off, sizeof(buf), &buf, (void **)&ports))
		return;
	__builtin_memcpy(f->in + at, ports, 4);
	f->l4 = proto;
}

/*
 * Parse Ethernet, at most one VLAN tag in the data (802.1Q or 802.1ad),
 * then IPv4 (with options) or IPv6's fixed header, then the TCP or UDP
 * ports of an unfragmented packet, into @f (zeroed by the caller). Two
 * tags, other EtherTypes and cut headers leave f->family
 * VMST_RSS_FAMILY_NONE; a cut transport header leaves f->l4 0. IPv6
 * extension headers are not walked: only TCP or UDP right after the fixed
 * header carries ports. Any IPv4 fragment, the first included, hashes as
 * IP only.
 */
static __always_inline void vmst_rss_parse(struct vmst_ctx *ctx,
					   struct vmst_rss_flow *f)
{
	struct vmst_cursor cur = {};
	struct vmst_l2 l2;

	if (vmst_parse_eth(ctx, &cur, &l2, 1, VMST_TPID_STD))
		return;
	if (l2.proto == bpf_htons(ETH_P_IP)) {
		struct iphdr buf, *iph;

		if (!vmst_parse_iphdr(ctx, &cur, &buf, &iph))
			return;
		__builtin_memcpy(f->in, &iph->saddr, VMST_RSS_IN_IPV4);
		f->family = VMST_RSS_FAMILY_IPV4;
		if (vmst_ipv4_is_fragment(iph))
			return;
		vmst_rss_ports(ctx, &cur, f, VMST_RSS_IN_IPV4, iph->protocol);
	} else if (l2.proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr buf __attribute__((aligned(8))), *ip6;

		if (!vmst_parse_ip6hdr(ctx, &cur, &buf, &ip6))
			return;
		__builtin_memcpy(f->in, &ip6->saddr, VMST_RSS_IN_IPV6);
		f->family = VMST_RSS_FAMILY_IPV6;
		vmst_rss_ports(ctx, &cur, f, VMST_RSS_IN_IPV6, ip6->nexthdr);
	}
}

/*
 * Toeplitz hash of the first @len (at most VMST_RSS_INPUT_MAX) bytes of
 * @in through the key's lookup tables @lut (struct vmst_rss_lut): the XOR
 * of one table entry per input nibble. Two loads and two XORs a byte, no
 * bit test and no branch but the loop's, whatever the compiler: the
 * verifier walks one path per byte.
 */
static __always_inline __u32 vmst_toeplitz(const struct vmst_rss_lut *lut,
					   const __u8 *in, __u32 len)
{
	__u32 hash = 0, i;

#pragma clang loop unroll(disable)
	for (i = 0; i < VMST_RSS_INPUT_MAX; i++) {
		__u32 b;

		if (i >= len)
			break;
		b = in[i];
		hash ^= lut->nib[2 * i][(b >> 4) & 15] ^
			lut->nib[2 * i + 1][b & 15];
	}
	return hash;
}

/* True when @lut was built from @cfg's key (5 words compared, no loop). */
static __always_inline bool vmst_rss_lut_matches(const struct vmst_rss *cfg,
						 const struct vmst_rss_lut *lut)
{
	const __u64 *a = (const __u64 *)cfg->key;
	const __u64 *b = (const __u64 *)lut->key;

	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
		 (a[4] ^ b[4]));
}

/* Bytes of @f to hash under @types: 0 when no enabled type covers it.
 * The IPv6 types are the IPv4 ones' bits shifted up by 3 (vmsteer.h), so
 * one test serves both families. */
static __always_inline __u32 vmst_rss_input_len(const struct vmst_rss_flow *f,
						__u32 types)
{
	__u32 len;

	if (f->family == VMST_RSS_FAMILY_IPV4) {
		len = VMST_RSS_IN_IPV4;
	} else if (f->family == VMST_RSS_FAMILY_IPV6) {
		len = VMST_RSS_IN_IPV6;
		types >>= VMST_RSS_V6_SHIFT;
	} else {
		return 0;
	}
	if ((f->l4 == IPPROTO_TCP && (types & VMST_RSS_TCPV4)) ||
	    (f->l4 == IPPROTO_UDP && (types & VMST_RSS_UDPV4)))
		return len + VMST_RSS_IN_PORTS;
	return types & VMST_RSS_IPV4 ? len : 0;
}

/*
 * Queue of @f under @cfg, hashed with the tables of its key slot in @luts
 * (an array of struct vmst_rss_lut indexed by slot: vmst_rss_lut):
 * table[hash & (table_size - 1)], or the default queue when no enabled
 * hash type covers the flow, the table size is not a power of two in
 * 1..VMST_RSS_TABLE_MAX, the slot has no tables or holds another key's, or
 * the entry names a queue the tap does not have.
 */
static __always_inline __u32 vmst_rss_queue(const struct vmst_rss *cfg,
					    void *luts,
					    const struct vmst_rss_flow *f)
{
	__u32 len = vmst_rss_input_len(f, cfg->hash_types);
	__u32 size = cfg->table_size, slot = cfg->key_slot;
	const struct vmst_rss_lut *lut;
	__u32 hash, q;

	if (!len || !size || size > VMST_RSS_TABLE_MAX || (size & (size - 1)))
		return cfg->default_queue;
	lut = bpf_map_lookup_elem(luts, &slot);
	if (!lut || !vmst_rss_lut_matches(cfg, lut))
		return cfg->default_queue;
	hash = vmst_toeplitz(lut, f->in, len);
	q = cfg->table[hash & (size - 1) & (VMST_RSS_TABLE_MAX - 1)];
	if (cfg->queues && q >= cfg->queues)
		return cfg->default_queue;
	return q;
}

#endif /* VMST_BPF_RSS_H */
