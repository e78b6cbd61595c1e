// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rssflow: frames of many distinct flows, and the tap queue each must reach
 * under an RSS configuration, from the user-space reference
 * (user/load/toeplitz.c), for the netns queue-steering tests.
 *
 *   rssflow gen N --dst MAC [--src MAC] [--seed S]
 *	N frames as hex lines: IPv4 and IPv6, TCP and UDP (and some ICMP,
 *	hashed on addresses only), every one a different flow.
 *   rssflow predict --queues N [--rss-key HEX] [--rss-types LIST]
 *	[--rss-table LIST] [--default-queue Q]   < frames.hex
 *	For each hex frame on stdin: "HEX QUEUE". The frame is parsed here,
 *	independently of the BPF parser: Ethernet, one optional 802.1Q tag,
 *	IPv4 (options, fragments) or IPv6 (fixed header), TCP or UDP ports.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "load/rss.h"
#include "load/toeplitz.h"
#include "util/log.h"
#include "util/netdev.h"

#define FRAME_MAX 2048

static void usage(void)
{
	fprintf(stderr,
		"usage: rssflow gen N --dst MAC [--src MAC] [--seed S]\n"
		"       rssflow predict --queues N [--rss-key HEX] "
		"[--rss-types LIST]\n"
		"               [--rss-table LIST] [--default-queue Q] < HEX\n");
	exit(2);
}

static unsigned int rnd_state = 1;

static unsigned int rnd(void)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return rnd_state >> 8;
}

static void put16(__u8 *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* IPv4 header checksum (the bridge's netfilter hook checks it). */
static unsigned int ip_csum(const __u8 *h, size_t len)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < len; i += 2)
		sum += h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Frame @i: kinds rotate; addresses and ports come from @i and rnd(). */
static size_t gen_frame(__u8 *f, int i, const __u8 dst[6], const __u8 src[6])
{
	int kind = i % 5; /* tcp4 udp4 tcp6 udp6 icmp4 */
	bool v6 = kind == 2 || kind == 3;
	int proto = kind == 0 || kind == 2 ? IPPROTO_TCP
		    : kind == 4		   ? IPPROTO_ICMP
					   : IPPROTO_UDP;
	size_t l3 = 14, l4, n, j;

	memset(f, 0, FRAME_MAX);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		f[l3] = 0x60;
		put16(f + l3 + 4, 8 + 18);
		f[l3 + 6] = proto;
		f[l3 + 7] = 64;
		for (j = 0; j < 32; j++)
			f[l3 + 8 + j] = rnd();
		f[l3 + 8] = 0xfd; /* unique local addresses */
		f[l3 + 24] = 0xfd;
		put16(f + l3 + 22, i);
		l4 = l3 + 40;
	} else {
		f[l3] = 0x45;
		put16(f + l3 + 2, 20 + 8 + 18);
		put16(f + l3 + 4, i);
		f[l3 + 8] = 64;
		f[l3 + 9] = proto;
		f[l3 + 12] = 10;
		f[l3 + 13] = rnd();
		f[l3 + 14] = i >> 8;
		f[l3 + 15] = i;
		f[l3 + 16] = 10;
		f[l3 + 17] = 200;
		f[l3 + 18] = rnd();
		f[l3 + 19] = rnd();
		put16(f + l3 + 10, ip_csum(f + l3, 20));
		l4 = l3 + 20;
	}
	if (proto == IPPROTO_ICMP) {
		f[l4] = 8; /* echo request */
		put16(f + l4 + 6, i);
	} else {
		put16(f + l4, 1024 + rnd() % 60000);
		put16(f + l4 + 2, 1 + rnd() % 65000);
		if (proto == IPPROTO_TCP)
			f[l4 + 12] = 0x50;
		else
			put16(f + l4 + 4, 8 + 18);
	}
	n = l4 + 8 + 18;
	return n < 60 ? 60 : n;
}

static int gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dst", required_argument, 0, 'd'},
		{"src", required_argument, 0, 's'},
		{"seed", required_argument, 0, 'S'},
		{}};
	__u8 dst[6] = {0}, src[6] = {2, 0, 0, 0, 0xaa, 0xaa};
	__u8 f[FRAME_MAX];
	int c, n, i, have_dst = 0;
	size_t len, j;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd' && !vms_parse_mac(optarg, dst))
			have_dst = 1;
		else if (c == 's' && !vms_parse_mac(optarg, src))
			;
		else if (c == 'S')
			rnd_state = strtoul(optarg, NULL, 0);
		else
			usage();
	}
	if (optind != argc - 1 || !have_dst)
		usage();
	n = atoi(argv[optind]);
	for (i = 0; i < n; i++) {
		len = gen_frame(f, i, dst, src);
		for (j = 0; j < len; j++)
			printf("%02x", f[j]);
		printf("\n");
	}
	return 0;
}

static unsigned int get16(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

/* The flow of a frame, as RSS sees it. */
static void parse_frame(const __u8 *f, size_t len, struct vms_rss_flow *fl)
{
	size_t off = 14, ihl;
	unsigned int type, proto;

	memset(fl, 0, sizeof(*fl));
	if (len < 14)
		return;
	type = get16(f + 12);
	if (type == 0x8100 || type == 0x88a8) {
		if (len < 18)
			return;
		type = get16(f + 16);
		off += 4;
	}
	if (type == 0x0800) {
		if (len < off + 20 || (f[off] >> 4) != 4)
			return;
		ihl = (f[off] & 15) * 4;
		if (ihl < 20)
			return;
		fl->family = 4;
		memcpy(fl->saddr, f + off + 12, 4);
		memcpy(fl->daddr, f + off + 16, 4);
		if (get16(f + off + 6) & 0x3fff) /* fragment */
			return;
		proto = f[off + 9];
		off += ihl;
	} else if (type == 0x86dd) {
		if (len < off + 40 || (f[off] >> 4) != 6)
			return;
		fl->family = 6;
		memcpy(fl->saddr, f + off + 8, 16);
		memcpy(fl->daddr, f + off + 24, 16);
		proto = f[off + 6];
		off += 40;
	} else {
		return;
	}
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && len >= off + 4) {
		fl->l4 = proto;
		fl->sport = get16(f + off);
		fl->dport = get16(f + off + 2);
	}
}

static int predict(int argc, char **argv)
{
	static const struct option opts[] = {
		{"queues", required_argument, 0, 'q'},
		{"rss-key", required_argument, 0, 'k'},
		{"rss-types", required_argument, 0, 't'},
		{"rss-table", required_argument, 0, 'T'},
		{"default-queue", required_argument, 0, 'd'},
		{}};
	const char *key = NULL, *types = NULL, *table = NULL;
	int c, queues = 0, defq = 0;
	char line[2 * FRAME_MAX + 2];
	struct vmst_rss cfg;
	__u8 f[FRAME_MAX];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'q')
			queues = atoi(optarg);
		else if (c == 'k')
			key = optarg;
		else if (c == 't')
			types = optarg;
		else if (c == 'T')
			table = optarg;
		else if (c == 'd')
			defq = atoi(optarg);
		else
			usage();
	}
	if (queues < 1 || optind != argc)
		usage();
	vms_rss_default(&cfg, queues);
	cfg.default_queue = defq;
	if ((key && vms_rss_parse_key("--rss-key", key, cfg.key)) ||
	    (types &&
	     vms_rss_parse_types("--rss-types", types, &cfg.hash_types)) ||
	    (table && vms_rss_parse_table("--rss-table", table, &cfg)) ||
	    vms_rss_check("rssflow", &cfg))
		errx(2, "%s", vms_last_error());
	while (fgets(line, sizeof(line), stdin)) {
		struct vms_rss_flow fl;
		ssize_t n;

		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		n = vms_unhex(line, f, sizeof(f));
		if (n < 0)
			errx(2, "not a hex frame: %.40s", line);
		parse_frame(f, n, &fl);
		printf("%s %u\n", line, vms_rss_flow_queue(&cfg, &fl));
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "gen"))
		return gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "predict"))
		return predict(argc - 1, argv + 1);
	usage();
	return 2;
}
