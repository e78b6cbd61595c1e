// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcaphex: pcap files to hex lines and back, so shell tests can compare
 * frames byte for byte with sort, diff and awk.
 *
 *   pcaphex FILE...          one line per frame: the frame in hex
 *   pcaphex -c FILE...       the number of frames only
 *   pcaphex -r HEXFILE -w OUT.pcap
 *                            write the hex lines of HEXFILE as a pcap
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

#include "vms.h"

#define PH_SNAPLEN 262144

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pcaphex [-c] FILE...\n"
		"       pcaphex -r HEXFILE -w OUT.pcap\n"
		"  -c, --count        print the number of frames only\n"
		"  -r, --read-hex F   read hex lines (one frame each) from F\n"
		"  -w, --write F      write them as a pcap file F\n");
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

static void hex_to_pcap(const char *in_path, const char *out_path)
{
	static unsigned char f[PH_SNAPLEN];
	struct pcap_pkthdr h;
	pcap_dumper_t *dumper;
	char *line = NULL;
	size_t cap = 0;
	pcap_t *p;
	FILE *in;

	in = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
	if (!in)
		errx(1, "%s: %s", in_path, strerror(errno));
	p = pcap_open_dead(DLT_EN10MB, PH_SNAPLEN);
	dumper = p ? pcap_dump_open(p, out_path) : NULL;
	if (!dumper)
		errx(1, "%s: %s", out_path,
		     p ? pcap_geterr(p) : "pcap_open_dead");
	while (getline(&line, &cap, in) >= 0) {
		ssize_t n = vms_unhex(line, f, sizeof(f));

		if (n < 0)
			errx(1, "%s: bad hex line", in_path);
		if (!n)
			continue;
		gettimeofday(&h.ts, NULL);
		h.caplen = h.len = n;
		pcap_dump((unsigned char *)dumper, &h, f);
	}
	free(line);
	pcap_dump_close(dumper);
	pcap_close(p);
	if (in != stdin)
		fclose(in);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"count", no_argument, NULL, 'c'},
		{"read-hex", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *hex_in = NULL, *pcap_out = NULL;
	int c, count_only = 0;
	uint64_t total = 0;

	while ((c = getopt_long(argc, argv, "cr:w:h", opts, NULL)) != -1) {
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (hex_in || pcap_out) {
		if (!hex_in || !pcap_out || optind != argc) {
			usage(stderr);
			return 2;
		}
		hex_to_pcap(hex_in, pcap_out);
		return 0;
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (; optind < argc; optind++)
		total += dump(argv[optind], count_only);
	if (count_only)
		printf("%" PRIu64 "\n", total);
	return 0;
}
