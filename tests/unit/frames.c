// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test frame builders: see frames.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "frames.h"

const __u8 MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const __u8 MAC_MCAST4[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
const __u8 MAC_MCAST6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
const __u8 MAC_REMOTE[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};

void mac_str(const __u8 mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* RFC 1071 checksum of an IPv4 header. */
static __u16 ip_csum(const __u8 *p, size_t len)
{
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Write the bytes after the tags: @l3len bytes at @p. */
static void build_l3(enum frame_l3 l3, __u8 *p, size_t l3len)
{
	size_t hdr, i;

	memset(p, 0, l3len);
	switch (l3) {
	case L3_IPV4_TCP:
		hdr = 40;
		if (l3len < hdr)
			return; /* callers keep room for the headers */
		p[0] = 0x45;
		put16(p + 2, l3len > 0xffff ? 0xffff : l3len);
		put16(p + 4, 0x1234);	   /* id */
		put16(p + 6, 0x4000);	   /* DF */
		p[8] = 64;		   /* TTL */
		p[9] = 6;		   /* TCP */
		put32(p + 12, 0xc0000201); /* 192.0.2.1 */
		put32(p + 16, 0xc0000202); /* 192.0.2.2 */
		put16(p + 10, ip_csum(p, 20));
		put16(p + 20, 40000);	   /* source port */
		put16(p + 22, 80);	   /* destination port */
		put32(p + 24, 0x01020304); /* seq */
		put32(p + 28, 0x05060708); /* ack */
		p[32] = 5 << 4;		   /* data offset */
		p[33] = 0x18;		   /* PSH, ACK */
		put16(p + 34, 65535);	   /* window */
		break;
	case L3_IPV6_UDP:
		hdr = 48;
		if (l3len < hdr)
			return;
		p[0] = 0x60;
		put16(p + 4, l3len - 40 > 0xffff ? 0xffff : l3len - 40);
		p[6] = 17; /* UDP */
		p[7] = 64; /* hop limit */
		put32(p + 8, 0x20010db8);
		p[23] = 1; /* 2001:db8::1 */
		put32(p + 24, 0x20010db8);
		p[39] = 2; /* 2001:db8::2 */
		put16(p + 40, 40000);
		put16(p + 42, 4789);
		put16(p + 44, l3len - 40 > 0xffff ? 0xffff : l3len - 40);
		break;
	case L3_ARP:
		hdr = 28;
		if (l3len < hdr)
			return;
		put16(p, 1); /* Ethernet */
		put16(p + 2, 0x0800);
		p[4] = 6;
		p[5] = 4;
		put16(p + 6, 1); /* request */
		memcpy(p + 8, MAC_REMOTE, 6);
		put32(p + 14, 0xc0000201);
		put32(p + 24, 0xc0000202);
		break;
	default:
		return;
	}
	/* Payload: a pattern of the offset past the tags. */
	for (i = hdr; i < l3len; i++)
		p[i] = (i * 7 + 3) & 0xff;
}

static __u16 l3_ethertype(enum frame_l3 l3)
{
	switch (l3) {
	case L3_IPV4_TCP:
		return 0x0800;
	case L3_IPV6_UDP:
		return 0x86dd;
	case L3_ARP:
		return 0x0806;
	}
	return 0x88b5; /* local experimental */
}

size_t frame_build(const struct frame_spec *s, __u8 *buf)
{
	size_t len = s->len ? s->len : 64, off = 12, l2len;
	int i;

	if (len > FRAME_MAX)
		len = FRAME_MAX;
	l2len = 14 + 4 * s->ntags;
	memset(buf, 0, len > l2len ? len : l2len);
	memcpy(buf, s->dst, 6);
	memcpy(buf + 6, s->src, 6);
	for (i = 0; i < s->ntags && i < 3; i++) {
		put16(buf + off, s->tags[i].tpid);
		put16(buf + off + 2, s->tags[i].tci);
		off += 4;
	}
	put16(buf + off, l3_ethertype(s->l3));
	if (len < l2len)
		len = l2len;
	build_l3(s->l3, buf + l2len, len - l2len);
	if (s->cut && s->cut < len)
		len = s->cut;
	return len;
}

struct frame_spec frame_untagged(const struct frame_spec *s)
{
	struct frame_spec u = *s;
	size_t tags = 4 * s->ntags;

	u.ntags = 0;
	u.len = (s->len ? s->len : 64) - tags;
	if (s->cut)
		u.cut = s->cut - tags;
	return u;
}

struct xdp_run xdp_test_run(int prog_fd, const void *in, size_t len, void *out)
{
	struct xdp_md ctx = {.data_end = len};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = FRAME_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx,
		    .ctx_size_out = sizeof(ctx), .repeat = 1);
	struct xdp_run r = {};

	if (bpf_prog_test_run_opts(prog_fd, &opts)) {
		r.err = -errno;
		return r;
	}
	r.verdict = opts.retval;
	r.out_len = opts.data_size_out;
	r.linear = ctx.data_end - ctx.data;
	return r;
}
