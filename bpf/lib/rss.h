/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RSS queue selection: Toeplitz hash of a flow's addresses and ports under
 * the port's enabled hash types, then the indirection table. Works on a
 * flow already parsed into a struct vmst_rss_flow, so XDP and skb programs
 * share it; only the parsers differ. The reference in user/toeplitz.c
 * defines the same result.
 */
#ifndef VMST_BPF_RSS_H
#define VMST_BPF_RSS_H

#include "common.h"

/* Address families of a parsed flow. */
#define VMST_RSS_FAMILY_NONE 0 /* not IP, or headers cut short */
#define VMST_RSS_FAMILY_IPV4 4
#define VMST_RSS_FAMILY_IPV6 6

/* Hash input lengths: addresses, then addresses and ports. */
#define VMST_RSS_IN_IPV4       8
#define VMST_RSS_IN_IPV4_PORTS 12
#define VMST_RSS_IN_IPV6       32
#define VMST_RSS_IN_IPV6_PORTS 36

/*
 * A parsed flow: the hash input in RSS order (source address, destination
 * address, source port, destination port, all in network order) and what
 * the parser found.
 */
struct vmst_rss_flow {
	__u8 in[VMST_RSS_INPUT_MAX];
	__u8 family; /* VMST_RSS_FAMILY_* */
	__u8 l4;     /* IPPROTO_TCP or _UDP when in[] holds its ports, else 0 */
	__u8 pad[2];
};

/*
 * Toeplitz hash of the first @len (at most VMST_RSS_INPUT_MAX) bytes of
 * @in under the 40-byte @key. For input bit b (most significant bit of
 * in[0] first) that is set, the hash takes the XOR of key bits b..b+31.
 * @win holds key bits 8i..8i+39 for byte i (key bit 8i in bit 39), so bit
 * j of the byte (0: most significant) uses win >> (8 - j). Branch-free:
 * the verifier walks one path per byte and the loop stays rolled (~40
 * instructions a byte).
 */
static __always_inline __u32 vmst_toeplitz(const __u8 *key, const __u8 *in,
					   __u32 len)
{
	__u64 win = (__u64)key[0] << 24 | (__u64)key[1] << 16 |
		    (__u64)key[2] << 8 | key[3];
	__u32 hash = 0, i;

#pragma clang loop unroll(disable)
	for (i = 0; i < VMST_RSS_INPUT_MAX; i++) {
		__u32 b;
		int j;

		if (i >= len)
			break;
		win = win << 8 | key[i + 4];
		b = in[i];
#pragma unroll
		for (j = 0; j < 8; j++)
			hash ^= (__u32)(win >> (8 - j)) & -((b >> (7 - j)) & 1);
	}
	return hash;
}

/* Bytes of @f to hash under @types: 0 when no enabled type covers it. */
static __always_inline __u32 vmst_rss_input_len(const struct vmst_rss_flow *f,
						__u32 types)
{
	if (f->family == VMST_RSS_FAMILY_IPV4) {
		if (f->l4 == IPPROTO_TCP && (types & VMST_RSS_TCPV4))
			return VMST_RSS_IN_IPV4_PORTS;
		if (f->l4 == IPPROTO_UDP && (types & VMST_RSS_UDPV4))
			return VMST_RSS_IN_IPV4_PORTS;
		if (types & VMST_RSS_IPV4)
			return VMST_RSS_IN_IPV4;
	} else if (f->family == VMST_RSS_FAMILY_IPV6) {
		if (f->l4 == IPPROTO_TCP && (types & VMST_RSS_TCPV6))
			return VMST_RSS_IN_IPV6_PORTS;
		if (f->l4 == IPPROTO_UDP && (types & VMST_RSS_UDPV6))
			return VMST_RSS_IN_IPV6_PORTS;
		if (types & VMST_RSS_IPV6)
			return VMST_RSS_IN_IPV6;
	}
	return 0;
}

/*
 * Queue of @f under @cfg: table[hash & (table_size - 1)], or the default
 * queue when no enabled hash type covers the flow, the table size is not
 * a power of two in 1..VMST_RSS_TABLE_MAX, or the entry names a queue the
 * tap does not have.
 */
static __always_inline __u32 vmst_rss_queue(const struct vmst_rss *cfg,
					    const struct vmst_rss_flow *f)
{
	__u32 len = vmst_rss_input_len(f, cfg->hash_types);
	__u32 size = cfg->table_size;
	__u32 hash, q;

	if (!len || !size || size > VMST_RSS_TABLE_MAX || (size & (size - 1)))
		return cfg->default_queue;
	hash = vmst_toeplitz(cfg->key, f->in, len);
	q = cfg->table[hash & (size - 1) & (VMST_RSS_TABLE_MAX - 1)];
	if (cfg->queues && q >= cfg->queues)
		return cfg->default_queue;
	return q;
}

#endif /* VMST_BPF_RSS_H */
