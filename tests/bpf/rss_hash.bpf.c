// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only: the BPF Toeplitz hash (bpf/lib/rss.h) on its own, so unit
 * tests can compare all 32 bits of it with the reference. The input is the
 * VMST_RSS_INPUT_MAX bytes after a 14-byte Ethernet header; the first
 * hash_len of them are hashed under the key whose tables are in
 * rss_hash_lut[0].
 */
#define VMST_CTX_SOCKET
#include "lib/common.h"
#include "lib/rss.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Bytes of the input to hash, set by the test before each run. */
__u32 hash_len;

/* The key's lookup tables, as vmst_rss_lut has them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vmst_rss_lut);
} rss_hash_lut SEC(".maps");

SEC("socket")
int rss_hash(struct __sk_buff *skb)
{
	__u8 in[VMST_RSS_INPUT_MAX] = {};
	__u32 zero = 0, len = hash_len;
	struct vmst_rss_lut *lut;

	lut = bpf_map_lookup_elem(&rss_hash_lut, &zero);
	if (!lut || len > VMST_RSS_INPUT_MAX)
		return 0;
	if (bpf_skb_load_bytes_relative(skb, ETH_HLEN, in, sizeof(in),
					BPF_HDR_START_MAC))
		return 0;
	return vmst_toeplitz(lut, in, len);
}
