/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test frame builders. A frame is described by its addresses, its VLAN tags
 * and what follows them; the builder writes the bytes. The bytes after the
 * tags depend only on the spec's fields and their offset past the tags, so
 * the same spec without its tags is exactly what a VM should receive from
 * an access port: expected outputs come from the spec, never from running
 * the program's logic.
 */
#ifndef VMST_UNIT_FRAMES_H
#define VMST_UNIT_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Largest frame a test builds (test_run takes about 72 KiB). */
#define FRAME_MAX (128 * 1024)

#define TPID_8021Q  0x8100
#define TPID_8021AD 0x88a8

/* A run of an XDP program through BPF_PROG_TEST_RUN. */
struct xdp_run {
	int err;	/* 0 or -errno of the test run */
	__u32 verdict;	/* XDP_* returned */
	size_t out_len; /* bytes of the frame after the program */
	__u32 linear;	/* bytes of it in the first buffer */
};

/* Run @len bytes at @in through XDP program @prog_fd; @out takes at least
 * FRAME_MAX bytes. */
struct xdp_run xdp_test_run(int prog_fd, const void *in, size_t len, void *out);

/* What follows the tags. */
enum frame_l3 {
	L3_IPV4_TCP, /* IPv4 + TCP header + payload */
	L3_IPV6_UDP, /* IPv6 + UDP header + payload */
	L3_ARP,	     /* ARP request (28 bytes) + padding */
};

struct vlan_tag {
	__u16 tpid; /* TPID_8021Q or TPID_8021AD (any value is written) */
	__u16 tci;  /* PCP << 13 | DEI << 12 | VID */
};

struct frame_spec {
	__u8 dst[6];
	__u8 src[6];
	int ntags; /* 0..3 */
	struct vlan_tag tags[3];
	enum frame_l3 l3;
	size_t len; /* total length including tags; 0: 64 bytes */
	size_t cut; /* when non-zero, the frame ends after @cut bytes */
};

/* Write @s into @buf (at least FRAME_MAX bytes); returns the length. */
size_t frame_build(const struct frame_spec *s, __u8 *buf);

/* The frame an access port delivers for @s: @s without its tags. */
struct frame_spec frame_untagged(const struct frame_spec *s);

/* VLAN tag helpers. */
static inline struct vlan_tag tag_q(__u16 vid)
{
	return (struct vlan_tag){TPID_8021Q, vid};
}

static inline struct vlan_tag tag_ad(__u16 vid)
{
	return (struct vlan_tag){TPID_8021AD, vid};
}

/* Addresses used across the tests. */
extern const __u8 MAC_BCAST[6];
extern const __u8 MAC_MCAST4[6]; /* 01:00:5e:00:00:fb, mDNS IPv4 */
extern const __u8 MAC_MCAST6[6]; /* 33:33:00:00:00:01, all-nodes */
extern const __u8 MAC_REMOTE[6]; /* source of every test frame */

/* Format a MAC as aa:bb:cc:dd:ee:ff into @out (18 bytes). */
void mac_str(const __u8 mac[6], char out[18]);

#endif /* VMST_UNIT_FRAMES_H */
