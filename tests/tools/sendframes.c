// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sendframes: put Ethernet frames on a wire, byte for byte, through an
 * AF_PACKET socket: the "wire side" of the netns tests.
 *
 * Frames come from a pcap file (-f), a file of hex lines (-x) or hex
 * arguments. Destination MACs can be rewritten on the way, to drive frames
 * of a capture into a port's fast path. Every frame the socket accepted can
 * be logged as a hex line (-l), so that a test knows exactly what went out;
 * frames the socket refuses (shorter than an Ethernet header, longer than
 * the MTU allows) are skipped and counted, never retried.
 *
 * Prints one summary line: "sendframes IFACE: sent=N bytes=N refused=N".
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>

#include "tools/tool.h"
#include "util/netdev.h"

/* Largest frame handled (the corpus holds GSO-sized ones). */
#define SF_FRAME_MAX 262144
/* Rewrite rules by VLAN id. */
#define SF_MAX_VLAN_RULES 16

struct vlan_rule {
	unsigned int vid;
	unsigned char mac[ETH_ALEN];
};

struct sender {
	const char *ifname;
	int fd;
	struct sockaddr_ll sll;
	/* rewriting */
	int have_dst;
	unsigned char dst[ETH_ALEN];
	uint64_t every, offset;
	struct vlan_rule vrules[SF_MAX_VLAN_RULES];
	int nvrules;
	/* pacing */
	double pps;
	double start;
	/* outputs and counters */
	FILE *log;
	uint64_t index; /* frames seen, sent or not */
	uint64_t sent, bytes, refused, refused_short, refused_long;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sendframes -i IFACE [options] [HEX...]\n"
		"Send Ethernet frames on IFACE through an AF_PACKET socket.\n"
		"  -i, --iface IFACE      interface to send on\n"
		"  -f, --pcap FILE        send the frames of a pcap file\n"
		"  -x, --hex-file FILE    send one frame per line of hex ('#' comments)\n"
		"  HEX                    send a frame given as hex on the command line\n"
		"  -n, --repeat N         send the whole list N times (default 1)\n"
		"  -d, --dst MAC          rewrite the destination MAC ...\n"
		"  -e, --every N          ... of every Nth frame (default 1: all)\n"
		"  -o, --offset K         ... starting with frame K (0-based, default 0)\n"
		"  -V, --vlan-dst VID=MAC rewrite the destination MAC of frames whose\n"
		"                         outer 802.1Q tag has VID (before -d; repeatable)\n"
		"  -p, --pps N            send at most N frames per second\n"
		"  -l, --log FILE         log every frame sent, as sent, one hex line each\n");
}

static void open_socket(struct sender *s)
{
	int ifindex = if_nametoindex(s->ifname);

	if (!ifindex)
		errx(1, "%s: no such interface in this network namespace",
		     s->ifname);
	/* Protocol 0: this socket only sends, it never receives. */
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		errx(1, "socket(AF_PACKET): %s", strerror(errno));
	s->sll.sll_family = AF_PACKET;
	s->sll.sll_ifindex = ifindex;
	s->sll.sll_protocol = htons(ETH_P_ALL);
	s->sll.sll_halen = ETH_ALEN;
}

static void rewrite(struct sender *s, unsigned char *f, size_t len)
{
	int i;

	if (len >= 18 && f[12] == 0x81 && f[13] == 0x00) {
		unsigned int vid = ((f[14] << 8) | f[15]) & 0x0fff;

		for (i = 0; i < s->nvrules; i++) {
			if (s->vrules[i].vid == vid) {
				memcpy(f, s->vrules[i].mac, ETH_ALEN);
				return;
			}
		}
	}
	if (s->have_dst && len >= ETH_ALEN && s->index >= s->offset &&
	    (s->index - s->offset) % s->every == 0)
		memcpy(f, s->dst, ETH_ALEN);
}

static void pace(struct sender *s)
{
	double due, now;

	if (!s->pps)
		return;
	due = s->start + s->index / s->pps;
	now = tool_now();
	if (due > now) {
		struct timespec ts = {.tv_sec = (time_t)(due - now)};

		ts.tv_nsec = (long)((due - now - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

static void send_one(struct sender *s, const unsigned char *data, size_t len)
{
	static unsigned char f[SF_FRAME_MAX];
	ssize_t r;
	size_t i;

	if (len > sizeof(f)) {
		s->refused++;
		s->refused_long++;
		s->index++;
		return;
	}
	memcpy(f, data, len);
	rewrite(s, f, len);
	pace(s);
	for (;;) {
		r = sendto(s->fd, f, len, 0, (struct sockaddr *)&s->sll,
			   sizeof(s->sll));
		if (r >= 0 || errno != ENOBUFS)
			break;
		/* Transient: the device queue is full. Try again shortly. */
		usleep(100);
	}
	s->index++;
	if (r < 0) {
		if (errno != EINVAL && errno != EMSGSIZE)
			errx(1, "%s: send frame %" PRIu64 " (%zu bytes): %s",
			     s->ifname, s->index - 1, len, strerror(errno));
		s->refused++;
		if (errno == EINVAL)
			s->refused_short++;
		else
			s->refused_long++;
		return;
	}
	if ((size_t)r != len)
		errx(1, "%s: short send of frame %" PRIu64 ": %zd of %zu bytes",
		     s->ifname, s->index - 1, r, len);
	s->sent++;
	s->bytes += len;
	if (s->log) {
		for (i = 0; i < len; i++)
			fprintf(s->log, "%02x", f[i]);
		fputc('\n', s->log);
	}
}

static void send_pcap(struct sender *s, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *data;
	pcap_t *p;
	int r;

	p = pcap_open_offline(path, errbuf);
	if (!p)
		errx(1, "%s: %s", path, errbuf);
	if (pcap_datalink(p) != DLT_EN10MB)
		errx(1, "%s: not an Ethernet capture", path);
	while ((r = pcap_next_ex(p, &h, &data)) == 1)
		send_one(s, data, h->caplen);
	if (r == -1)
		errx(1, "%s: %s", path, pcap_geterr(p));
	pcap_close(p);
}

static void send_hex_line(__u8 *f, size_t len, void *s)
{
	send_one(s, f, len);
}

static void send_hex_file(struct sender *s, const char *path)
{
	static unsigned char f[SF_FRAME_MAX];

	tool_hex_frames(path, f, sizeof(f), send_hex_line, s);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"iface", required_argument, NULL, 'i'},
		{"pcap", required_argument, NULL, 'f'},
		{"hex-file", required_argument, NULL, 'x'},
		{"repeat", required_argument, NULL, 'n'},
		{"dst", required_argument, NULL, 'd'},
		{"every", required_argument, NULL, 'e'},
		{"offset", required_argument, NULL, 'o'},
		{"vlan-dst", required_argument, NULL, 'V'},
		{"pps", required_argument, NULL, 'p'},
		{"log", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static unsigned char f[SF_FRAME_MAX];
	const char *pcap_path = NULL, *hex_path = NULL, *log_path = NULL;
	struct sender s = {.fd = -1, .every = 1};
	uint64_t repeat = 1, r;
	int c, i;

	while ((c = getopt_long(argc, argv, "i:f:x:n:d:e:o:V:p:l:h", opts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			s.ifname = optarg;
			break;
		case 'f':
			pcap_path = optarg;
			break;
		case 'x':
			hex_path = optarg;
			break;
		case 'n':
			repeat = tool_num(optarg, "repeat count");
			break;
		case 'd':
			tool_mac(optarg, s.dst);
			s.have_dst = 1;
			break;
		case 'e':
			s.every = tool_num(optarg, "frame interval");
			if (!s.every)
				errx(1, "--every must be at least 1");
			break;
		case 'o':
			s.offset = tool_num(optarg, "offset");
			break;
		case 'V': {
			char *eq = strchr(optarg, '=');
			struct vlan_rule *vr;

			if (!eq || s.nvrules == SF_MAX_VLAN_RULES)
				errx(1, "bad or too many --vlan-dst '%s'",
				     optarg);
			vr = &s.vrules[s.nvrules++];
			*eq = '\0';
			vr->vid = tool_num(optarg, "VLAN id");
			if (vr->vid > 4095)
				errx(1, "bad VLAN id '%s'", optarg);
			tool_mac(eq + 1, vr->mac);
			break;
		}
		case 'p':
			s.pps = tool_positive(optarg, "rate");
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'h':
			tool_usage(usage, 0);
		default:
			tool_usage(usage, 2);
		}
	}
	if (!s.ifname || (!pcap_path && !hex_path && optind == argc)) {
		tool_usage(usage, 2);
	}
	if (log_path) {
		s.log = fopen(log_path, "w");
		if (!s.log)
			errx(1, "%s: %s", log_path, strerror(errno));
	}
	open_socket(&s);
	s.start = tool_now();

	for (r = 0; r < repeat; r++) {
		if (pcap_path)
			send_pcap(&s, pcap_path);
		if (hex_path)
			send_hex_file(&s, hex_path);
		for (i = optind; i < argc; i++)
			send_one(&s, f, tool_unhex(argv[i], f, sizeof(f)));
	}
	if (s.log && fclose(s.log))
		errx(1, "%s: %s", log_path, strerror(errno));
	close(s.fd);
	printf("sendframes %s: sent=%" PRIu64 " bytes=%" PRIu64
	       " refused=%" PRIu64 " refused_short=%" PRIu64
	       " refused_long=%" PRIu64 "\n",
	       s.ifname, s.sent, s.bytes, s.refused, s.refused_short,
	       s.refused_long);
	return 0;
}
