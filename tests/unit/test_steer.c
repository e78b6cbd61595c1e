// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tap steering program (bpf/steer.bpf.c) through BPF_PROG_TEST_RUN,
 * loaded unpinned with its own vmst_rss map. Frames are built here from a
 * flow description; the queue each must get comes from that description
 * and the reference (user/load/toeplitz.c), never from the program's parser:
 *
 *  - many IPv4/IPv6 TCP/UDP flows, untagged and tagged, with IPv4 options:
 *    the program's queue is the reference's;
 *  - hash types: each type set decides, per packet kind, between the
 *    default queue, the address hash and the address+port hash (spelt out
 *    in a table here, not taken from the reference's own selection);
 *  - fragments, ARP, unknown EtherTypes, two tags, bad or cut headers;
 *  - table size, out-of-range queues, and the port_index rodata.
 *
 * The default queue (DEFQ) is outside every table here, so a frame sent to
 * it can never be mistaken for a hashed one.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "steer.skel.h"
#include "rss_xdpq.skel.h"
#include "test.h"
#include "load/rss.h"
#include "load/toeplitz.h"

#define DEFQ	  200 /* default queue: no table here names it */
#define TEST_PORT 7   /* vmst_rss entry the program is loaded for */
#define N_FLOWS	  400
#define ETH_HLEN  14

struct steer {
	struct steer_bpf *skel;
	int prog_fd;
	int rss_fd;
	int lut_fd;
};

static bool steer_setup(struct steer *s, __u32 port)
{
	struct bpf_map *map;

	memset(s, 0, sizeof(*s));
	s->prog_fd = s->rss_fd = -1;
	s->skel = steer_bpf__open();
	if (!ASSERT_OK_PTR(s->skel, "steer_bpf__open"))
		return false;
	/* Unit tests never pin: every map is private to this test. */
	bpf_object__for_each_map(map, s->skel->obj)
	{
		if (!ASSERT_OK(bpf_map__set_pin_path(map, NULL),
			       bpf_map__name(map)))
			return false;
	}
	s->skel->rodata->port_index = port;
	if (!ASSERT_OK(steer_bpf__load(s->skel), "steer_bpf__load"))
		return false;
	s->prog_fd = bpf_program__fd(s->skel->progs.vmst_steer);
	s->rss_fd = bpf_map__fd(s->skel->maps.vmst_rss);
	s->lut_fd = bpf_map__fd(s->skel->maps.vmst_rss_lut);
	return ASSERT_GE(s->prog_fd, 0, "vmst_steer fd") &&
	       ASSERT_GE(s->rss_fd, 0, "vmst_rss fd") &&
	       ASSERT_GE(s->lut_fd, 0, "vmst_rss_lut fd");
}

static void steer_teardown(struct steer *s)
{
	steer_bpf__destroy(s->skel);
	s->skel = NULL;
}

static bool steer_config(struct steer *s, __u32 port,
			 const struct vmst_rss *cfg)
{
	return ASSERT_OK(vms_rss_write_fds(s->rss_fd, s->lut_fd, port, cfg),
			 "write vmst_rss");
}

/* Queue the program returns for @frame; -1 (and a failure) on error. */
static long steer_run(struct steer *s, const void *frame, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .repeat = 1);

	if (!ASSERT_OK(bpf_prog_test_run_opts(s->prog_fd, &opts),
		       "test run of vmst_steer"))
		return -1;
	return opts.retval;
}

/* ---- frames ------------------------------------------------------------ */

enum frag {
	FRAG_NONE,
	FRAG_FIRST, /* offset 0, more fragments */
	FRAG_LATER, /* offset > 0 */
};

/* A frame to build: one flow, and how its headers are laid out. */
struct pkt {
	int family; /* 4 or 6 */
	__u8 proto; /* IPPROTO_TCP, _UDP, or anything else */
	__u8 saddr[16], daddr[16];
	__u16 sport, dport;
	__u16 tpid;  /* 0: untagged; else one tag with this TPID */
	__u16 tpid2; /* non-zero: a second tag */
	int ip_opts; /* IPv4 option words (0..10) */
	enum frag frag;
	size_t cut; /* non-zero: the frame ends after @cut bytes */
};

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Offset of the IP header and of the L4 header in the frame of @p. */
static size_t l3_off(const struct pkt *p)
{
	return 14 + (p->tpid ? 4 : 0) + (p->tpid2 ? 4 : 0);
}

static size_t l4_off(const struct pkt *p)
{
	if (p->family == 4)
		return l3_off(p) + 20 + 4 * p->ip_opts;
	return l3_off(p) + 40 + (p->frag ? 8 : 0);
}

/* Write the frame of @p into @buf (at least 256 bytes); its length. */
static size_t pkt_build(const struct pkt *p, __u8 *buf)
{
	static const __u8 dst[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	static const __u8 src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	size_t off = 12, l4 = l4_off(p), len;
	__u8 *ip;

	memset(buf, 0, 256);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (p->tpid) {
		put16(buf + off, p->tpid);
		put16(buf + off + 2, 100);
		off += 4;
	}
	if (p->tpid2) {
		put16(buf + off, p->tpid2);
		put16(buf + off + 2, 200);
		off += 4;
	}
	put16(buf + off, p->family == 4 ? 0x0800 : 0x86dd);
	ip = buf + off + 2;
	len = l4 + (p->proto == IPPROTO_TCP ? 20 : 8) + 16;
	if (p->family == 4) {
		__u16 frag = p->frag == FRAG_FIRST   ? 0x2000
			     : p->frag == FRAG_LATER ? 0x00b9
						     : 0x4000; /* DF */

		ip[0] = 0x40 | (5 + p->ip_opts);
		put16(ip + 2, len - l3_off(p));
		put16(ip + 4, 0x1234);
		put16(ip + 6, frag);
		ip[8] = 64;
		ip[9] = p->proto;
		memcpy(ip + 12, p->saddr, 4);
		memcpy(ip + 16, p->daddr, 4);
		memset(ip + 20, 1, 4 * p->ip_opts); /* NOP options */
	} else {
		ip[0] = 0x60;
		put16(ip + 4, len - l3_off(p) - 40);
		ip[6] = p->frag ? 44 : p->proto;
		ip[7] = 64;
		memcpy(ip + 8, p->saddr, 16);
		memcpy(ip + 24, p->daddr, 16);
		if (p->frag) {
			__u8 *fh = ip + 40;

			fh[0] = p->proto;
			put16(fh + 2, p->frag == FRAG_FIRST ? 0x0001 : 0x05c8);
			memcpy(fh + 4, "\x00\x00\x12\x34", 4);
		}
	}
	put16(buf + l4, p->sport);
	put16(buf + l4 + 2, p->dport);
	if (p->proto == IPPROTO_TCP)
		buf[l4 + 12] = 5 << 4;
	else
		put16(buf + l4 + 4, len - l4);
	if (len < 60)
		len = 60;
	if (p->cut && p->cut < len)
		len = p->cut;
	return len;
}

/* What the steering program must see of @p (from its description). */
static struct vms_rss_flow pkt_flow(const struct pkt *p)
{
	struct vms_rss_flow f = {};
	size_t len = p->cut ? p->cut : 256;

	if (p->tpid2 || len < l3_off(p) + (p->family == 4 ? 20 : 40))
		return f;
	f.family = p->family;
	memcpy(f.saddr, p->saddr, 16);
	memcpy(f.daddr, p->daddr, 16);
	if ((p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) &&
	    p->frag == FRAG_NONE && len >= l4_off(p) + 4) {
		f.l4 = p->proto;
		f.sport = p->sport;
		f.dport = p->dport;
	}
	return f;
}

static unsigned int seed = 1;

static void rand_bytes(__u8 *p, size_t n)
{
	while (n--)
		*p++ = rand_r(&seed);
}

/* Flow @i of a varied set: family, L4, tags and IPv4 options rotate. */
static struct pkt pkt_random(int i)
{
	static const __u16 tpids[] = {0, 0x8100, 0, 0x88a8, 0x8100};
	struct pkt p = {};

	p.family = i % 2 ? 4 : 6;
	p.proto = (i / 2) % 2 ? IPPROTO_UDP : IPPROTO_TCP;
	p.tpid = tpids[(i / 4) % 5];
	p.ip_opts = p.family == 4 && i % 7 == 1 ? (i / 7) % 11 : 0;
	rand_bytes(p.saddr, p.family == 4 ? 4 : 16);
	rand_bytes(p.daddr, p.family == 4 ? 4 : 16);
	p.sport = rand_r(&seed);
	p.dport = rand_r(&seed);
	return p;
}

/* Run @p; check the queue against @want. */
static bool check_pkt(struct steer *s, const struct pkt *p, long want,
		      const char *what)
{
	__u8 buf[256];
	size_t len = pkt_build(p, buf);
	long got = steer_run(s, buf, len);

	if (got < 0)
		return false;
	if (got != want) {
		FAIL("%s: queue %ld, want %ld (IPv%d proto %u tag %#x frag %d "
		     "cut %zu)",
		     what, got, want, p->family, p->proto, p->tpid, p->frag,
		     p->cut);
		return false;
	}
	return true;
}

/* The reference queue of @p under @cfg. */
static long ref_queue(const struct vmst_rss *cfg, const struct pkt *p)
{
	struct vms_rss_flow f = pkt_flow(p);

	return vms_rss_flow_queue(cfg, &f);
}

/* A configuration whose table is the identity: queue = hash & (size-1). */
static void cfg_identity(struct vmst_rss *cfg, const __u8 *key, __u32 types,
			 __u16 size)
{
	int i;

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->key, key, VMST_RSS_KEY_LEN);
	cfg->hash_types = types;
	cfg->table_size = size;
	cfg->default_queue = DEFQ;
	for (i = 0; i < VMST_RSS_TABLE_MAX; i++)
		cfg->table[i] = i;
}

/* ---- tests ------------------------------------------------------------- */

/* Sum over CPUs of port @port's per-queue counters into @sum. */
static bool qstats_sum(struct steer *s, __u32 port,
		       struct vmst_queue_stats *sum)
{
	int n = libbpf_num_possible_cpus(), cpu, q;
	struct vmst_queue_stats *v = calloc(n, sizeof(*v));
	bool ok;

	memset(sum, 0, sizeof(*sum));
	ok = v && ASSERT_OK(bpf_map_lookup_elem(
				    bpf_map__fd(s->skel->maps.vmst_qstats),
				    &port, v),
			    "read vmst_qstats");
	for (cpu = 0; ok && cpu < n; cpu++)
		for (q = 0; q < VMST_RSS_QUEUES_MAX; q++)
			sum->frames[q] += v[cpu].frames[q];
	free(v);
	return ok;
}

/*
 * N_FLOWS flows under @cfg: every queue as the reference says, and the
 * per-queue counters count each frame under its queue.
 */
static void flows_vs_reference(struct steer *s, const struct vmst_rss *cfg,
			       int min_distinct)
{
	static __u64 per_q[VMST_RSS_QUEUES_MAX];
	struct vmst_queue_stats q0, q1;
	bool seen[VMST_RSS_QUEUES_MAX] = {};
	int i, distinct = 0, bad = 0;

	memset(per_q, 0, sizeof(per_q));
	if (!steer_config(s, TEST_PORT, cfg) || !qstats_sum(s, TEST_PORT, &q0))
		return;
	for (i = 0; i < N_FLOWS; i++) {
		struct pkt p = pkt_random(i);
		long want = ref_queue(cfg, &p);
		__u8 buf[256];
		long got = steer_run(s, buf, pkt_build(&p, buf));

		if (got < 0)
			return;
		if (got != want && !bad++)
			FAIL("flow %d (IPv%d proto %u tag %#x opts %d): queue "
			     "%ld, reference %ld",
			     i, p.family, p.proto, p.tpid, p.ip_opts, got,
			     want);
		if (got >= 0 && got < VMST_RSS_QUEUES_MAX && !seen[got]) {
			seen[got] = true;
			distinct++;
		}
		if (got >= 0 && got < VMST_RSS_QUEUES_MAX)
			per_q[got]++;
	}
	ASSERT_EQ(bad, 0, "flows steered unlike the reference");
	if (qstats_sum(s, TEST_PORT, &q1)) {
		for (i = 0, bad = 0; i < VMST_RSS_QUEUES_MAX; i++)
			if (q1.frames[i] - q0.frames[i] != per_q[i] && !bad++)
				FAIL("queue %d: counted %llu frames, steered "
				     "%llu",
				     i,
				     (unsigned long long)(q1.frames[i] -
							  q0.frames[i]),
				     (unsigned long long)per_q[i]);
		ASSERT_EQ(bad, 0, "per-queue counters");
	}
	/* A program (and reference) stuck on one queue must not pass. */
	ASSERT_GE(distinct, min_distinct, "distinct queues used");
	ASSERT_FALSE(seen[DEFQ], "a hashable flow went to the default queue");
}

TEST(steer_flows)
{
	struct vmst_rss cfg;
	struct steer s;
	__u8 key[VMST_RSS_KEY_LEN];
	int i;

	seed = 11;
	if (!steer_setup(&s, TEST_PORT))
		goto out;

	/* Identity table of 128: 7 bits of every hash are visible. */
	if (test__start_subtest("msft_key_identity_table")) {
		cfg_identity(&cfg, vms_rss_key_msft, VMST_RSS_TYPES_ALL, 128);
		flows_vs_reference(&s, &cfg, 100);
	}
	if (test__start_subtest("random_key_identity_table")) {
		rand_bytes(key, sizeof(key));
		cfg_identity(&cfg, key, VMST_RSS_TYPES_ALL, 128);
		flows_vs_reference(&s, &cfg, 100);
	}
	/* The table size masks the hash: 16 entries, then entries 16.. unused. */
	if (test__start_subtest("table_of_16")) {
		rand_bytes(key, sizeof(key));
		cfg_identity(&cfg, key, VMST_RSS_TYPES_ALL, 16);
		for (i = 16; i < VMST_RSS_TABLE_MAX; i++)
			cfg.table[i] = 99;
		flows_vs_reference(&s, &cfg, 16);
	}
	/* The default configuration of a 4-queue tap. */
	if (test__start_subtest("default_config_4_queues")) {
		vms_rss_default(&cfg, 4);
		cfg.default_queue = DEFQ;
		cfg.queues = 0; /* DEFQ is outside the tap's queues */
		flows_vs_reference(&s, &cfg, 4);
	}
out:
	steer_teardown(&s);
}

/* Which input a packet kind is hashed over. */
enum want {
	W_DEF, /* default queue */
	W_IP,  /* addresses only */
	W_L4,  /* addresses and ports */
};

/* Expected input per hash-type set and packet kind, spelt out. */
static const struct {
	const char *name;
	__u32 types;
	enum want v4tcp, v4udp, v4other, v6tcp, v6udp, v6other;
} type_cases[] = {
	{"all", VMST_RSS_TYPES_ALL, W_L4, W_L4, W_IP, W_L4, W_L4, W_IP},
	{"none", 0, W_DEF, W_DEF, W_DEF, W_DEF, W_DEF, W_DEF},
	{"ipv4", VMST_RSS_IPV4, W_IP, W_IP, W_IP, W_DEF, W_DEF, W_DEF},
	{"tcpv4", VMST_RSS_TCPV4, W_L4, W_DEF, W_DEF, W_DEF, W_DEF, W_DEF},
	{"udpv4", VMST_RSS_UDPV4, W_DEF, W_L4, W_DEF, W_DEF, W_DEF, W_DEF},
	{"ipv4_tcpv4", VMST_RSS_IPV4 | VMST_RSS_TCPV4, W_L4, W_IP, W_IP, W_DEF,
	 W_DEF, W_DEF},
	{"ipv6", VMST_RSS_IPV6, W_DEF, W_DEF, W_DEF, W_IP, W_IP, W_IP},
	{"tcpv6", VMST_RSS_TCPV6, W_DEF, W_DEF, W_DEF, W_L4, W_DEF, W_DEF},
	{"udpv6", VMST_RSS_UDPV6, W_DEF, W_DEF, W_DEF, W_DEF, W_L4, W_DEF},
	{"ipv6_udpv6_ipv4", VMST_RSS_IPV6 | VMST_RSS_UDPV6 | VMST_RSS_IPV4,
	 W_IP, W_IP, W_IP, W_IP, W_L4, W_IP},
	{"ip_both", VMST_RSS_IPV4 | VMST_RSS_IPV6, W_IP, W_IP, W_IP, W_IP, W_IP,
	 W_IP},
};

/* The queue of @p when hashed over the input @w, with an identity table. */
static long want_queue(const struct vmst_rss *cfg, const struct pkt *p,
		       enum want w)
{
	__u8 in[VMST_RSS_INPUT_MAX];
	size_t n;

	if (w == W_DEF)
		return DEFQ;
	n = vms_rss_input(in, p->family, p->saddr, p->daddr, w == W_L4,
			  p->sport, p->dport);
	return cfg
		->table[vms_toeplitz(cfg->key, in, n) & (cfg->table_size - 1)];
}

TEST(steer_hash_types)
{
	static const __u8 protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
	struct vmst_rss cfg;
	struct steer s;
	size_t c;

	seed = 22;
	if (!steer_setup(&s, TEST_PORT))
		goto out;
	for (c = 0; c < sizeof(type_cases) / sizeof(type_cases[0]); c++) {
		int i, port_sensitive = 0, n = 0;

		if (!test__start_subtest("%s", type_cases[c].name))
			continue;
		cfg_identity(&cfg, vms_rss_key_msft, type_cases[c].types, 128);
		if (!steer_config(&s, TEST_PORT, &cfg))
			continue;
		for (i = 0; i < 120 && !test__failed(); i++) {
			struct pkt p = pkt_random(i), q;
			enum want w;
			int k = (i / 2) % 3;

			p.proto = protos[k];
			if (p.family == 6 && p.proto == IPPROTO_ICMP)
				p.proto = IPPROTO_ICMPV6;
			w = p.family == 4 ? (k == 0   ? type_cases[c].v4tcp
					     : k == 1 ? type_cases[c].v4udp
						      : type_cases[c].v4other)
					  : (k == 0   ? type_cases[c].v6tcp
					     : k == 1 ? type_cases[c].v6udp
						      : type_cases[c].v6other);
			check_pkt(&s, &p, want_queue(&cfg, &p, w), "kind");
			/* The library's selection agrees with the table. */
			ASSERT_EQ(ref_queue(&cfg, &p), want_queue(&cfg, &p, w),
				  "reference selection");
			/* Other ports: same queue unless ports are hashed. */
			q = p;
			q.sport ^= 0x5a5a;
			q.dport += 977;
			if (w != W_L4)
				check_pkt(&s, &q, want_queue(&cfg, &p, w),
					  "ports ignored");
			else
				port_sensitive +=
					want_queue(&cfg, &q, w) !=
						want_queue(&cfg, &p, w) &&
					check_pkt(&s, &q,
						  want_queue(&cfg, &q, w),
						  "ports hashed");
			n += w == W_L4;
		}
		/* Where ports are hashed, changing them moves some flows. */
		if (n)
			ASSERT_GE(port_sensitive, n / 2,
				  "flows moved by their ports");
	}
out:
	steer_teardown(&s);
}

TEST(steer_unhashable)
{
	struct vmst_rss cfg;
	struct steer s;
	struct pkt p;
	__u8 buf[256];
	size_t len;

	seed = 33;
	if (!steer_setup(&s, TEST_PORT))
		goto out;
	cfg_identity(&cfg, vms_rss_key_msft, VMST_RSS_TYPES_ALL, 128);
	if (!steer_config(&s, TEST_PORT, &cfg))
		goto out;

	if (test__start_subtest("arp")) {
		p = pkt_random(1);
		len = pkt_build(&p, buf);
		put16(buf + 12, 0x0806);
		ASSERT_EQ(steer_run(&s, buf, len), DEFQ, "ARP");
	}
	if (test__start_subtest("other_ethertypes")) {
		static const __u16 types[] = {0x88cc, 0x8847, 0x0800 + 1,
					      0x86dd - 1};
		size_t i;

		p = pkt_random(1);
		len = pkt_build(&p, buf);
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			put16(buf + 12, types[i]);
			ASSERT_EQ(steer_run(&s, buf, len), DEFQ, "EtherType");
		}
	}
	if (test__start_subtest("two_tags")) {
		p = pkt_random(3);
		p.tpid = 0x88a8;
		p.tpid2 = 0x8100;
		check_pkt(&s, &p, DEFQ, "QinQ");
		p.tpid = p.tpid2 = 0x8100;
		check_pkt(&s, &p, DEFQ, "two 802.1Q tags");
	}
	if (test__start_subtest("bad_ip_headers")) {
		p = pkt_random(1); /* IPv4 */
		len = pkt_build(&p, buf);
		buf[14] = 0x65; /* version 6 in an IPv4 EtherType */
		ASSERT_EQ(steer_run(&s, buf, len), DEFQ, "IPv4 version 6");
		buf[14] = 0x44; /* IHL 4 */
		ASSERT_EQ(steer_run(&s, buf, len), DEFQ, "IPv4 IHL 4");
		p = pkt_random(0); /* IPv6 */
		len = pkt_build(&p, buf);
		buf[14] = 0x40;
		ASSERT_EQ(steer_run(&s, buf, len), DEFQ, "IPv6 version 4");
	}
	/*
	 * Every cut length. BPF_PROG_TEST_RUN refuses an untagged IPv4 or
	 * IPv6 frame shorter than its IP header (-EINVAL): untagged frames
	 * are cut from the end of the IP header on, tagged ones (which it
	 * takes) from the bare Ethernet header on.
	 */
	if (test__start_subtest("truncated")) {
		int i, tagged;

		for (i = 0; i < 4; i++) {
			for (tagged = 0; tagged < 2; tagged++) {
				struct pkt full = pkt_random(i);
				size_t cut, end, ip_end;

				full.tpid = tagged ? 0x8100 : 0;
				end = pkt_build(&full, buf);
				ip_end = l3_off(&full) +
					 (full.family == 4 ? 20 : 40);
				cut = tagged ? ETH_HLEN : ip_end;
				for (; cut <= end && !test__failed(); cut++) {
					p = full;
					p.cut = cut;
					check_pkt(&s, &p, ref_queue(&cfg, &p),
						  "cut frame");
				}
				/* Cut inside the IP header: default queue. */
				p = full;
				if (tagged) {
					p.cut = ip_end - 1;
					check_pkt(&s, &p, DEFQ,
						  "cut in IP header");
				}
				/* Cut inside the ports: addresses only. */
				p.cut = l4_off(&p) + 3;
				check_pkt(&s, &p, want_queue(&cfg, &p, W_IP),
					  "cut in ports");
				p.cut = l4_off(&p) + 4;
				check_pkt(&s, &p, want_queue(&cfg, &p, W_L4),
					  "ports just there");
			}
		}
	}
	/* Fragments hash as IP (first one too), never by ports. */
	if (test__start_subtest("fragments")) {
		int i;

		for (i = 0; i < 40 && !test__failed(); i++) {
			p = pkt_random(i);
			p.frag = i % 4 < 2 ? FRAG_FIRST : FRAG_LATER;
			check_pkt(&s, &p, want_queue(&cfg, &p, W_IP),
				  "fragment, all types");
		}
		cfg.hash_types = VMST_RSS_TCPV4 | VMST_RSS_UDPV4 |
				 VMST_RSS_TCPV6 | VMST_RSS_UDPV6;
		if (!steer_config(&s, TEST_PORT, &cfg))
			goto out;
		for (i = 0; i < 40 && !test__failed(); i++) {
			p = pkt_random(i);
			p.frag = i % 4 < 2 ? FRAG_FIRST : FRAG_LATER;
			check_pkt(&s, &p, DEFQ, "fragment, L4 types only");
		}
		/* The same flows unfragmented are hashed by ports. */
		for (i = 0; i < 40 && !test__failed(); i++) {
			p = pkt_random(i);
			check_pkt(&s, &p, want_queue(&cfg, &p, W_L4),
				  "unfragmented, L4 types only");
		}
	}
out:
	steer_teardown(&s);
}

/* Port TEST_PORT configured as @cfg but for table size @size: @n random
 * packets, to their queue by the table when the size is @valid, else to
 * the default queue. False when the configuration could not be written. */
static bool check_table_size(struct steer *s, const struct vmst_rss *cfg,
			     __u16 size, int n, bool valid)
{
	struct vmst_rss c = *cfg;
	struct pkt p;
	int i;

	c.table_size = size;
	if (!steer_config(s, TEST_PORT, &c))
		return false;
	for (i = 0; i < n; i++) {
		p = pkt_random(i);
		check_pkt(s, &p,
			  valid ? want_queue(&c, &p,
					     pkt_flow(&p).l4 ? W_L4 : W_IP)
				: DEFQ,
			  valid ? "table size" : "bad table size");
	}
	return true;
}

TEST(steer_config)
{
	struct vmst_rss cfg, other;
	struct steer s;
	struct pkt p;
	int i;

	seed = 44;
	if (!steer_setup(&s, TEST_PORT))
		goto out;
	cfg_identity(&cfg, vms_rss_key_msft, VMST_RSS_TYPES_ALL, 128);

	/* No configuration yet: an all-zero entry steers to queue 0. */
	if (test__start_subtest("unconfigured")) {
		for (i = 0; i < 8; i++) {
			p = pkt_random(i);
			check_pkt(&s, &p, 0, "all-zero entry");
		}
	}
	/* Only entry TEST_PORT counts; entry 0 says something else. */
	if (test__start_subtest("port_index")) {
		cfg_identity(&other, vms_rss_key_msft, 0, 128);
		other.default_queue = 5;
		if (steer_config(&s, 0, &other) &&
		    steer_config(&s, TEST_PORT, &cfg))
			for (i = 0; i < 16; i++) {
				p = pkt_random(i);
				check_pkt(&s, &p, ref_queue(&cfg, &p),
					  "port entry");
			}
	}
	if (test__start_subtest("bad_table_size")) {
		static const __u16 sizes[] = {0, 3, 48, 127, 256, 0xffff};
		size_t k;

		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			if (!check_table_size(&s, &cfg, sizes[k], 8, false))
				break;
	}
	if (test__start_subtest("table_sizes")) {
		static const __u16 sizes[] = {1, 2, 4, 8, 32, 64, 128};
		size_t k;

		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			if (!check_table_size(&s, &cfg, sizes[k], 24, true))
				break;
	}
	/* Entries naming a queue the tap lacks send to the default queue. */
	if (test__start_subtest("queue_out_of_range")) {
		int hit = 0, miss = 0;

		other = cfg;
		other.queues = 64;
		if (steer_config(&s, TEST_PORT, &other))
			for (i = 0; i < 200 && !test__failed(); i++) {
				long w;

				p = pkt_random(i);
				w = want_queue(&other, &p, W_L4);
				check_pkt(&s, &p, w >= 64 ? DEFQ : w,
					  "queues 64");
				w >= 64 ? miss++ : hit++;
			}
		ASSERT_GE(hit, 50, "flows on an existing queue");
		ASSERT_GE(miss, 50, "flows on a missing queue");
	}
	/*
	 * The port's key slot holding the tables of another key (a write
	 * from outside vmsteer): the default queue, never the other key's
	 * queues; vms_rss_write() gives the port its key's tables again.
	 */
	if (test__start_subtest("tables_of_another_key")) {
		struct vmst_rss_lut lut;
		struct vmst_rss rec;
		__u8 key2[VMST_RSS_KEY_LEN];
		__u32 port = TEST_PORT, slot = 0;

		rand_bytes(key2, sizeof(key2));
		vms_rss_lut_build(key2, &lut);
		if (steer_config(&s, TEST_PORT, &cfg) &&
		    ASSERT_OK(bpf_map_lookup_elem(s.rss_fd, &port, &rec),
			      "read the entry") &&
		    ASSERT_NEQ((slot = rec.key_slot), 0, "entry's key slot") &&
		    ASSERT_OK(bpf_map_update_elem(s.lut_fd, &slot, &lut, 0),
			      "write other tables"))
			for (i = 0; i < 16; i++) {
				p = pkt_random(i);
				check_pkt(&s, &p, DEFQ, "tables of key2");
			}
		/* vms_rss_write() writes the key's own tables again. */
		if (steer_config(&s, TEST_PORT, &cfg))
			for (i = 0; i < 16; i++) {
				p = pkt_random(i);
				check_pkt(&s, &p, ref_queue(&cfg, &p),
					  "rewritten by vms_rss_write");
			}
	}
	steer_teardown(&s);

	/* A port index past the map: no entry, queue 0. */
	if (test__start_subtest("port_index_out_of_range")) {
		if (steer_setup(&s, VMST_MAX_PORTS))
			for (i = 0; i < 4; i++) {
				p = pkt_random(i);
				check_pkt(&s, &p, 0, "no entry");
			}
	}
out:
	steer_teardown(&s);
}

/*
 * Both paths agree: for every frame (flows, tags, options, fragments, cut
 * headers, two tags), the flow parser and hash of bpf/lib/rss.h compiled
 * for XDP (as the uplink program uses it with --xdp-steer cpumap) and for
 * the tap steering program choose the same queue.
 */
TEST(steer_xdp_agrees)
{
	struct rss_xdpq_bpf *x = NULL;
	int i, bad = 0, n = 0, xfd;
	struct bpf_map *map;
	struct vmst_rss cfg;
	struct steer s;
	__u32 port = TEST_PORT;

	seed = 23;
	if (!steer_setup(&s, TEST_PORT))
		goto out;
	x = rss_xdpq_bpf__open();
	if (!ASSERT_OK_PTR(x, "rss_xdpq open"))
		goto out;
	bpf_object__for_each_map(map, x->obj) bpf_map__set_pin_path(map, NULL);
	x->bss->xdpq_port = TEST_PORT;
	if (!ASSERT_OK(rss_xdpq_bpf__load(x), "rss_xdpq load"))
		goto out;
	x->bss->xdpq_port = TEST_PORT;
	xfd = bpf_program__fd(x->progs.rss_xdpq);
	cfg_identity(&cfg, vms_rss_key_msft, VMST_RSS_TYPES_ALL, 128);
	if (!steer_config(&s, TEST_PORT, &cfg) ||
	    !ASSERT_OK(vms_rss_write_fds(bpf_map__fd(x->maps.vmst_rss),
					 bpf_map__fd(x->maps.vmst_rss_lut),
					 port, &cfg),
		       "xdpq vmst_rss"))
		goto out;
	for (i = 0; i < 6 * N_FLOWS; i++) {
		struct pkt p = pkt_random(i);
		__u8 buf[256];
		size_t len;
		long want;

		switch (i / N_FLOWS) { /* variants of the same flows */
		case 1:
			p.frag = i % 2 ? FRAG_FIRST : FRAG_LATER;
			break;
		case 2:
			/* Cut inside the ports (test runs of an skb refuse
			 * a frame cut inside its IP header).
			 */
			p.cut = l4_off(&p) + i % 4;
			break;
		case 3:
			p.tpid2 = 0x8100; /* two tags: not hashed */
			break;
		case 4:
			p.proto = i % 3 ? 47 : IPPROTO_ICMP; /* no ports */
			break;
		default:
			break;
		}
		len = pkt_build(&p, buf);
		if (len < 14)
			continue;
		want = steer_run(&s, buf, len);
		if (want < 0)
			goto out;
		{
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf,
				    .data_size_in = len, .repeat = 1);

			if (!ASSERT_OK(bpf_prog_test_run_opts(xfd, &o),
				       "test run of rss_xdpq") ||
			    !ASSERT_EQ(o.retval, XDP_PASS, "rss_xdpq verdict"))
				goto out;
		}
		n++;
		if ((long)x->bss->xdpq_queue != want && !bad++)
			FAIL("frame %d (IPv%d proto %u tag %#x/%#x opts %d "
			     "frag %d cut %zu): XDP queue %u, skb queue %ld",
			     i, p.family, p.proto, p.tpid, p.tpid2, p.ip_opts,
			     p.frag, p.cut, x->bss->xdpq_queue, want);
	}
	ASSERT_EQ(bad, 0, "frames the two paths put on different queues");
	ASSERT_GE(n, 5 * N_FLOWS, "frames compared");
out:
	rss_xdpq_bpf__destroy(x);
	steer_teardown(&s);
}
