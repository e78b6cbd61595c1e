// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reference Toeplitz hash (user/load/toeplitz.c) against the verification
 * table of Microsoft's RSS specification ("Verifying the RSS Hash
 * Calculation"; the same rows are in Intel's 82599 datasheet, 7.1.2.8.3):
 * every row, IPv4 and IPv6, addresses only and with ports, under the
 * default key. Then the BPF implementation (bpf/lib/rss.h, through the
 * test program tests/bpf/rss_hash.bpf.c) against the same rows, all 32
 * bits, and against the reference on random keys and inputs.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rss_hash.skel.h"
#include "test.h"
#include "load/toeplitz.h"

/* The published key, byte for byte (VMST_RSS_KEY_MSFT must equal it). */
static const __u8 msft_key[VMST_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* One row: destination and source as the table lists them. */
struct vector {
	const char *dst;
	__u16 dport;
	const char *src;
	__u16 sport;
	__u32 ip;     /* "IPv4 only" / "IPv6 only" */
	__u32 ip_tcp; /* "IPv4 with TCP" / "IPv6 with TCP" */
};

static const struct vector v4[] = {
	{"161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178},
	{"65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea},
	{"12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a},
	{"209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f},
	{"202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5,
	 0x10e828a2},
};

static const struct vector v6[] = {
	{"3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5,
	 0x40207d3d},
	{"ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c,
	 0xdde51bbf},
	{"fe80::200:f8ff:fe21:67cf", 38024,
	 "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985, 0x02d1feef},
};

#define N_V4 (sizeof(v4) / sizeof(v4[0]))
#define N_V6 (sizeof(v6) / sizeof(v6[0]))

/* The hash inputs of row @v: addresses only, and with ports. */
static bool vector_inputs(const struct vector *v, int af,
			  __u8 ip[VMST_RSS_INPUT_MAX], size_t *ip_len,
			  __u8 l4[VMST_RSS_INPUT_MAX], size_t *l4_len)
{
	__u8 s[16], d[16];

	if (!ASSERT_EQ(inet_pton(af, v->src, s), 1, v->src) ||
	    !ASSERT_EQ(inet_pton(af, v->dst, d), 1, v->dst))
		return false;
	*ip_len = vms_rss_input(ip, af == AF_INET ? 4 : 6, s, d, false, 0, 0);
	*l4_len = vms_rss_input(l4, af == AF_INET ? 4 : 6, s, d, true, v->sport,
				v->dport);
	return true;
}

/* The reference on every row of one table. */
static void reference_rows(const struct vector *rows, size_t n, int af)
{
	__u8 ip[VMST_RSS_INPUT_MAX], l4[VMST_RSS_INPUT_MAX];
	size_t i, ip_len, l4_len;
	char what[96];

	for (i = 0; i < n; i++) {
		if (!vector_inputs(&rows[i], af, ip, &ip_len, l4, &l4_len))
			return;
		snprintf(what, sizeof(what), "%s -> %s", rows[i].src,
			 rows[i].dst);
		ASSERT_EQ(vms_toeplitz(vms_rss_key_msft, ip, ip_len),
			  rows[i].ip, what);
		snprintf(what, sizeof(what), "%s:%u -> %s:%u", rows[i].src,
			 rows[i].sport, rows[i].dst, rows[i].dport);
		ASSERT_EQ(vms_toeplitz(vms_rss_key_msft, l4, l4_len),
			  rows[i].ip_tcp, what);
	}
}

TEST(toeplitz)
{
	if (test__start_subtest("msft_key"))
		ASSERT_MEMEQ(vms_rss_key_msft, VMST_RSS_KEY_LEN, msft_key,
			     sizeof(msft_key), "VMST_RSS_KEY_MSFT");

	/* Input layout: source, destination, then ports, network order. */
	if (test__start_subtest("input_layout")) {
		static const __u8 want4[12] = {10, 0, 0,    1,	  10,	0,
					       0,  2, 0x12, 0x34, 0xab, 0xcd};
		__u8 s[16], d[16], out[VMST_RSS_INPUT_MAX];
		size_t n;

		memcpy(s, "\x0a\x00\x00\x01", 4);
		memcpy(d, "\x0a\x00\x00\x02", 4);
		n = vms_rss_input(out, 4, s, d, true, 0x1234, 0xabcd);
		ASSERT_MEMEQ(out, n, want4, sizeof(want4), "ipv4+ports");
		n = vms_rss_input(out, 4, s, d, false, 0, 0);
		ASSERT_MEMEQ(out, n, want4, 8, "ipv4");
		memset(s, 0x11, 16);
		memset(d, 0x22, 16);
		n = vms_rss_input(out, 6, s, d, true, 0x1234, 0xabcd);
		ASSERT_EQ(n, 36, "ipv6+ports length");
		ASSERT_MEMEQ(out, 16, s, 16, "ipv6 source first");
		ASSERT_MEMEQ(out + 16, 16, d, 16, "ipv6 destination second");
		ASSERT_MEMEQ(out + 32, 4, want4 + 8, 4, "ipv6 ports last");
		ASSERT_EQ(vms_rss_input(out, 6, s, d, false, 0, 0), 32,
			  "ipv6 length");
	}

	if (test__start_subtest("msft_ipv4"))
		reference_rows(v4, N_V4, AF_INET);
	if (test__start_subtest("msft_ipv6"))
		reference_rows(v6, N_V6, AF_INET6);

	/* The flow-level reference picks the input by hash type. */
	if (test__start_subtest("flow_hash_types")) {
		struct vms_rss_flow f = {.family = 4, .l4 = IPPROTO_TCP};
		__u32 h = 0;

		inet_pton(AF_INET, v4[0].src, f.saddr);
		inet_pton(AF_INET, v4[0].dst, f.daddr);
		f.sport = v4[0].sport;
		f.dport = v4[0].dport;
		ASSERT_TRUE(vms_rss_flow_hash(vms_rss_key_msft,
					      VMST_RSS_TYPES_ALL, &f, &h),
			    "all types");
		ASSERT_EQ(h, v4[0].ip_tcp, "tcp hash with all types");
		ASSERT_TRUE(vms_rss_flow_hash(vms_rss_key_msft, VMST_RSS_IPV4,
					      &f, &h),
			    "ipv4 only");
		ASSERT_EQ(h, v4[0].ip, "ipv4 only ignores the ports");
		ASSERT_TRUE(vms_rss_flow_hash(vms_rss_key_msft,
					      VMST_RSS_IPV4 | VMST_RSS_UDPV4,
					      &f, &h),
			    "ipv4 and udpv4");
		ASSERT_EQ(h, v4[0].ip, "udpv4 does not cover tcp");
		ASSERT_FALSE(vms_rss_flow_hash(vms_rss_key_msft,
					       VMST_RSS_UDPV4 | VMST_RSS_IPV6 |
						       VMST_RSS_TCPV6,
					       &f, &h),
			     "no ipv4 type");
		f.family = 0;
		ASSERT_FALSE(vms_rss_flow_hash(vms_rss_key_msft,
					       VMST_RSS_TYPES_ALL, &f, &h),
			     "not ip");
	}

	if (test__start_subtest("default_config")) {
		struct vmst_rss cfg;
		int i, bad = 0;

		vms_rss_default(&cfg, 3);
		ASSERT_MEMEQ(cfg.key, sizeof(cfg.key), msft_key,
			     sizeof(msft_key), "default key");
		ASSERT_EQ(cfg.hash_types, VMST_RSS_TYPES_ALL, "types");
		ASSERT_EQ(cfg.table_size, 128, "table size");
		ASSERT_EQ(cfg.queues, 3, "queues");
		ASSERT_EQ(cfg.default_queue, 0, "default queue");
		for (i = 0; i < VMST_RSS_TABLE_MAX; i++)
			bad += cfg.table[i] != i % 3;
		ASSERT_EQ(bad, 0, "round-robin table entries wrong");
	}
}

/* The BPF hash through tests/bpf/rss_hash.bpf.c. */
struct bpf_hash {
	struct rss_hash_bpf *skel;
	int prog_fd;
};

/* Write @key's lookup tables, as vms_rss_write() builds them. */
static bool bpf_hash_key(struct bpf_hash *h, const __u8 *key)
{
	struct vmst_rss_lut lut;
	__u32 zero = 0;

	vms_rss_lut_build(key, &lut);
	return ASSERT_OK(
		bpf_map_update_elem(bpf_map__fd(h->skel->maps.rss_hash_lut),
				    &zero, &lut, 0),
		"write key tables");
}

static bool bpf_hash_setup(struct bpf_hash *h, const __u8 *key)
{
	h->skel = rss_hash_bpf__open_and_load();
	if (!ASSERT_OK_PTR(h->skel, "rss_hash_bpf__open_and_load"))
		return false;
	h->prog_fd = bpf_program__fd(h->skel->progs.rss_hash);
	return bpf_hash_key(h, key);
}

/* BPF hash of @len bytes of @in; false (and a failure) if the run fails. */
static bool bpf_hash_run(struct bpf_hash *h, const __u8 *in, size_t len,
			 __u32 *hash)
{
	__u8 frame[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = 1);

	memset(frame, 0xff, 12);
	frame[12] = 0x88; /* local experimental EtherType */
	frame[13] = 0xb5;
	/* Bytes past @len differ from zero: the hash must stop at @len. */
	memset(frame + 14, 0xa5, VMST_RSS_INPUT_MAX);
	memcpy(frame + 14, in, len);
	h->skel->bss->hash_len = len;
	if (!ASSERT_OK(bpf_prog_test_run_opts(h->prog_fd, &opts),
		       "test run of rss_hash"))
		return false;
	*hash = opts.retval;
	return true;
}

static void bpf_rows(struct bpf_hash *h, const struct vector *rows, size_t n,
		     int af)
{
	__u8 ip[VMST_RSS_INPUT_MAX], l4[VMST_RSS_INPUT_MAX];
	size_t i, ip_len, l4_len;
	__u32 got;

	for (i = 0; i < n; i++) {
		if (!vector_inputs(&rows[i], af, ip, &ip_len, l4, &l4_len))
			return;
		if (bpf_hash_run(h, ip, ip_len, &got))
			ASSERT_EQ(got, rows[i].ip, rows[i].src);
		if (bpf_hash_run(h, l4, l4_len, &got))
			ASSERT_EQ(got, rows[i].ip_tcp, rows[i].src);
	}
}

TEST(toeplitz_bpf)
{
	struct bpf_hash h = {};

	if (!bpf_hash_setup(&h, msft_key))
		goto out;
	if (test__start_subtest("msft_ipv4"))
		bpf_rows(&h, v4, N_V4, AF_INET);
	if (test__start_subtest("msft_ipv6"))
		bpf_rows(&h, v6, N_V6, AF_INET6);

	/* Random keys and inputs of every length 0..36: all 32 bits agree. */
	if (test__start_subtest("random_vs_reference")) {
		__u8 key[VMST_RSS_KEY_LEN], in[VMST_RSS_INPUT_MAX];
		unsigned int seed = 4, round, bad = 0, runs = 0;
		size_t len, i;
		__u32 got, want;

		for (round = 0; round < 8 && !test__failed(); round++) {
			for (i = 0; i < sizeof(key); i++)
				key[i] = rand_r(&seed);
			if (!bpf_hash_key(&h, key))
				break;
			for (len = 0; len <= VMST_RSS_INPUT_MAX; len++) {
				for (i = 0; i < len; i++)
					in[i] = rand_r(&seed);
				if (!bpf_hash_run(&h, in, len, &got))
					break;
				want = vms_toeplitz(key, in, len);
				runs++;
				if (got != want && !bad++)
					FAIL("round %u len %zu: bpf %#x, "
					     "reference %#x",
					     round, len, got, want);
			}
		}
		ASSERT_EQ(bad, 0, "inputs where bpf and reference differ");
		ASSERT_EQ(runs, 8 * (VMST_RSS_INPUT_MAX + 1), "inputs run");
	}
out:
	rss_hash_bpf__destroy(h.skel);
}
