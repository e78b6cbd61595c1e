// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcaphex: pcap files to hex lines and back, so shell tests can compare
 * frames byte for byte with sort, diff and awk.
 *
 *   pcaphex FILE...          one line per frame: the frame in hex
 *   pcaphex -c FILE...       the number of frames only
 *   pcaphex -r HEXFILE -w OUT.pcap [-C]
 *                            write the hex lines of HEXFILE as a pcap;
 *                            -C first computes the checksums a host
 *                            stack checks (IPv4 header, UDP over IPv4 and
 *                            IPv6, ICMPv6), behind up to two VLAN tags and
 *                            IPv6 extension headers, in unfragmented
 *                            packets (others are written as they are)
 *
 * A capture still being written may end in half a record: reading stops
 * there without error, so a test can poll a growing capture.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <pcap/pcap.h>

#include "tools/tool.h"
#include "util/netdev.h"

#define PH_SNAPLEN 262144

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pcaphex [-c] FILE...\n"
		"       pcaphex -r HEXFILE -w OUT.pcap [-C]\n"
		"  -c, --count        print the number of frames only\n"
		"  -r, --read-hex F   read hex lines (one frame each) from F\n"
		"  -w, --write F      write them as a pcap file F\n"
		"  -C, --checksums    compute IPv4, UDP and ICMPv6 checksums\n");
}

static uint64_t dump(const char *path, int count_only)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *d;
	uint64_t n = 0;
	pcap_t *p;
	int r;

	p = pcap_open_offline(path, errbuf);
	if (!p) {
		/* A capture whose header is not written yet holds no frame. */
		if (count_only)
			return 0;
		errx(1, "%s", errbuf); /* libpcap names the file */
	}
	/* An error here is a record cut short: the end of what is written. */
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		n++;
		if (count_only)
			continue;
		if (h->caplen < h->len)
			fprintf(stderr,
				"pcaphex: %s: frame %" PRIu64
				" truncated to %u of %u bytes\n",
				path, n, h->caplen, h->len);
		for (bpf_u_int32 i = 0; i < h->caplen; i++)
			printf("%02x", d[i]);
		putchar('\n');
	}
	pcap_close(p);
	return n;
}

/* Add the 16-bit words of @len bytes at @p to @sum. */
static uint32_t csum_add(uint32_t sum, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The checksum of the upper layer @proto at @l4 (@l4len bytes), over the
 * pseudo header of addresses @addrs (@alen bytes: both). */
static void l4_checksum(unsigned char *l4, size_t l4len, unsigned int proto,
			const unsigned char *addrs, size_t alen)
{
	unsigned char len[4] = {l4len >> 24, l4len >> 16, l4len >> 8, l4len};
	unsigned char pr[2] = {0, proto};
	size_t at = proto == 17 ? 6 : 2;
	uint32_t sum;

	if ((proto != 17 && proto != 58) || l4len < at + 2)
		return;
	put16(l4 + at, 0);
	sum = csum_add(0, addrs, alen);
	sum = csum_add(sum, alen == 8 ? len + 2 : len, alen == 8 ? 2 : 4);
	sum = csum_add(sum, pr, 2);
	sum = csum_add(sum, l4, l4len);
	sum = csum_fold(sum);
	put16(l4 + at, proto == 17 && !sum ? 0xffff : sum);
}

static void fix_checksums(unsigned char *f, size_t n)
{
	size_t off = 12, hl, end;
	unsigned int type, nh;
	int i;

	for (i = 0; i < 3 && off + 2 <= n; i++) {
		type = (f[off] << 8) | f[off + 1];
		if (type != 0x8100 && type != 0x88a8 && type != 0x9100)
			break;
		off += 4;
	}
	if (off + 2 > n)
		return;
	type = (f[off] << 8) | f[off + 1];
	off += 2;
	if (type == 0x0800 && off + 20 <= n) {
		hl = (f[off] & 0xf) * 4;
		end = off + ((f[off + 2] << 8) | f[off + 3]);
		if (hl < 20 || end > n || end < off + hl)
			return;
		put16(f + off + 10, 0);
		put16(f + off + 10, csum_fold(csum_add(0, f + off, hl)));
		if ((f[off + 6] & 0x3f) || f[off + 7]) /* a fragment */
			return;
		l4_checksum(f + off + hl, end - off - hl, f[off + 9],
			    f + off + 12, 8);
	} else if (type == 0x86dd && off + 40 <= n) {
		size_t ip = off;

		end = off + 40 + ((f[off + 4] << 8) | f[off + 5]);
		if (end > n)
			return;
		nh = f[off + 6];
		off += 40;
		while ((nh == 0 || nh == 43 || nh == 60 || nh == 51) &&
		       off + 8 <= end) {
			hl = nh == 51 ? (f[off + 1] + 2) * 4
				      : (f[off + 1] + 1) * 8;
			nh = f[off];
			off += hl;
		}
		if (off <= end)
			l4_checksum(f + off, end - off, nh, f + ip + 8, 32);
	}
}

struct hex_out {
	pcap_dumper_t *dumper;
	int checksums;
};

static void hex_frame(__u8 *f, size_t len, void *data)
{
	struct hex_out *o = data;
	struct pcap_pkthdr h;

	if (o->checksums)
		fix_checksums(f, len);
	gettimeofday(&h.ts, NULL);
	h.caplen = h.len = len;
	pcap_dump((unsigned char *)o->dumper, &h, f);
}

static void hex_to_pcap(const char *in_path, const char *out_path,
			int checksums)
{
	static unsigned char f[PH_SNAPLEN];
	struct hex_out o = {.checksums = checksums};
	pcap_t *p;

	p = pcap_open_dead(DLT_EN10MB, PH_SNAPLEN);
	o.dumper = p ? pcap_dump_open(p, out_path) : NULL;
	if (!o.dumper)
		errx(1, "%s: %s", out_path,
		     p ? pcap_geterr(p) : "pcap_open_dead");
	tool_hex_frames(in_path, f, sizeof(f), hex_frame, &o);
	pcap_dump_close(o.dumper);
	pcap_close(p);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"count", no_argument, NULL, 'c'},
		{"read-hex", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"checksums", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *hex_in = NULL, *pcap_out = NULL;
	int c, count_only = 0, checksums = 0;
	uint64_t total = 0;

	while ((c = getopt_long(argc, argv, "cr:w:Ch", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			count_only = 1;
			break;
		case 'r':
			hex_in = optarg;
			break;
		case 'w':
			pcap_out = optarg;
			break;
		case 'C':
			checksums = 1;
			break;
		case 'h':
			tool_usage(usage, 0);
		default:
			tool_usage(usage, 2);
		}
	}
	if (hex_in || pcap_out || checksums) {
		if (!hex_in || !pcap_out || optind != argc) {
			tool_usage(usage, 2);
		}
		hex_to_pcap(hex_in, pcap_out, checksums);
		return 0;
	}
	if (optind == argc) {
		tool_usage(usage, 2);
	}
	for (; optind < argc; optind++)
		total += dump(argv[optind], count_only);
	if (count_only)
		printf("%" PRIu64 "\n", total);
	return 0;
}
