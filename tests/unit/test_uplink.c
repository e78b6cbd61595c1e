// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Table-driven BPF_PROG_TEST_RUN tests of the uplink XDP program. Each row
 * is run on a freshly loaded, unpinned program with its ports configured
 * through the library, and checks the verdict, the bytes that leave the
 * program and every counter of every port involved: exactly the expected
 * one moved, by one frame and the expected bytes, and nothing else did.
 * Expected values are written out by hand or built from the frame spec
 * (frames.h), never by re-running the program's logic.
 */
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "frames.h"
#include "refmodel.h"
#include "test.h"
#include "core/counters.h"

/* The ports a row may configure. */
enum {
	P_U,	/* untagged port, MTU 1500 */
	P_A10,	/* access port on VLAN 10, MTU 1500 */
	P_B30,	/* P_A10's MAC on VLAN 30: another VM, another port */
	P_J,	/* untagged port, MTU 9000 */
	P_A20J, /* access port on VLAN 20, MTU 9000 */
	P_MAX,
	P_NONE = -1, /* "counted under port 0" */
};

/* MAC addresses, as initializer lists. */
#define MAC_U	0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define MAC_A	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a
#define MAC_J	0x02, 0x00, 0x00, 0x00, 0x00, 0x90
#define MAC_A20 0x02, 0x00, 0x00, 0x00, 0x00, 0x14
#define MAC_UNK 0x02, 0x00, 0x00, 0x00, 0x00, 0x99
#define MAC_BC	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
#define MAC_MC4 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb
#define MAC_MC6 0x33, 0x33, 0x00, 0x00, 0x00, 0x01
#define MAC_SRC 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc

static const struct {
	const char *name;
	__u8 mac[6];
	__u16 vlan;
	__u32 mtu;
} ports[P_MAX] = {
	[P_U] = {"vm-u", {MAC_U}, 0, 1500},
	[P_A10] = {"vm-a10", {MAC_A}, 10, 1500},
	[P_B30] = {"vm-b30", {MAC_A}, 30, 1500},
	[P_J] = {"vm-j", {MAC_J}, 0, 9000},
	[P_A20J] = {"vm-a20j", {MAC_A20}, 20, 9000},
};

#define PORT(p)	  (1U << (p))
#define ALL_PORTS 0U	     /* the default: every port above */
#define NO_PORTS  (1U << 31) /* an empty port table */
#define FORWARDED (-1)	     /* "reason" of a redirected frame */

enum out_kind {
	OUT_SAME,     /* the input, unmodified */
	OUT_UNTAGGED, /* the input's spec without its tags */
	OUT_HEX,      /* literal bytes */
	OUT_NONE,     /* dropped: not checked */
};

struct dp_case {
	const char *name;
	struct frame_spec in;
	const __u8 *in_hex; /* literal input, instead of @in */
	size_t in_hex_len;
	unsigned int ports;	/* PORT() mask, ALL_PORTS or NO_PORTS */
	unsigned int no_target; /* PORT() mask: vmst_tx entry deleted */
	__u32 verdict;
	enum out_kind out;
	const __u8 *out_hex;
	size_t out_hex_len;
	int port;   /* counted under this port, P_NONE: port 0 */
	int reason; /* VMST_R_*, or FORWARDED: the port's to_vm counters */
	__u64 bytes;
};

/* The addresses (destination P_A10) and the IPv4/UDP packet of
 * dot1q_in and dot1q_out. */
#define DOT1Q_MACS \
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc
#define DOT1Q_IPV4                                                          \
	0x08, 0x00, 0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x00, 0x00, 0x40,   \
		0x11, 0xf6, 0xae, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, \
		0x0a, 0x9c, 0x40, 0x00, 0x35, 0x00, 0x1e, 0x00, 0x00, 0x76, \
		0x6d, 0x73, 0x74, 0x65, 0x65, 0x72, 0x3a, 0x20, 0x61, 0x63, \
		0x63, 0x65, 0x73, 0x73, 0x20, 0x70, 0x6f, 0x72, 0x74, 0x21, \
		0x0a

/* A 68-byte 802.1Q frame (VID 10, PCP 0) for P_A10: IPv4/UDP. */
static const __u8 dot1q_in[] = {DOT1Q_MACS, 0x81, 0x00, 0x00, 0x0a, DOT1Q_IPV4};

/* What the VM on P_A10 must receive: the same frame, untagged. */
static const __u8 dot1q_out[] = {DOT1Q_MACS, DOT1Q_IPV4};

/* Spec shorthands: destination, tags, what follows, length, cut. */
#define F(d, ...)                                         \
	{                                                 \
		.dst = {d}, .src = {MAC_SRC}, __VA_ARGS__ \
	}
#define T1(a)		   .ntags = 1, .tags = {{a}}
#define T2(a, b)	   .ntags = 2, .tags = {{a}, {b}}
#define T3(a, b, c)	   .ntags = 3, .tags = {{a}, {b}, {c}}
#define Q(vid)		   TPID_8021Q, (vid)
#define AD(vid)		   TPID_8021AD, (vid)
#define TCI(pcp, dei, vid) (((pcp) << 13) | ((dei) << 12) | (vid))

#define FWD(p, n) \
	.verdict = XDP_REDIRECT, .port = (p), .reason = FORWARDED, .bytes = (n)
#define PASS(p, r, n)                                      \
	.verdict = XDP_PASS, .out = OUT_SAME, .port = (p), \
	.reason = VMST_R_##r, .bytes = (n)

/* Truncation rows: the frame ends at @cut, inside an L2 header. */
#define CUT_TAG(n, c, ...)                                \
	{                                                 \
		n, F(MAC_A, __VA_ARGS__, .cut = (c)),     \
			PASS(P_NONE, PASS_MALFORMED, (c)) \
	}

static const struct dp_case cases[] = {
	/* Unicast to the port that owns the (VLAN, MAC). */
	{"untagged_to_untagged_port", F(MAC_U), FWD(P_U, 64)},
	{"untagged_ipv6_to_untagged_port",
	 F(MAC_U, .l3 = L3_IPV6_UDP, .len = 118), FWD(P_U, 118)},
	{"untagged_arp_to_untagged_port", F(MAC_U, .l3 = L3_ARP, .len = 60),
	 FWD(P_U, 60)},
	{"dot1q_to_access_port_exact_bytes", .in_hex = dot1q_in,
	 .in_hex_len = sizeof(dot1q_in), .out = OUT_HEX, .out_hex = dot1q_out,
	 .out_hex_len = sizeof(dot1q_out), FWD(P_A10, 64)},
	{"dot1q_pcp_dei_to_access_port",
	 F(MAC_A, T1(Q(TCI(5, 1, 10))), .len = 68), .out = OUT_UNTAGGED,
	 FWD(P_A10, 64)},
	{"dot1q_ipv6_to_access_port",
	 F(MAC_A, T1(Q(10)), .l3 = L3_IPV6_UDP, .len = 122),
	 .out = OUT_UNTAGGED, FWD(P_A10, 118)},
	/* Untagged ports take untagged frames only; the bridge has these. */
	{"priority_tag_to_untagged_port_passed",
	 F(MAC_U, T1(Q(TCI(3, 0, 0))), .len = 68), PASS(P_NONE, PASS_VLAN, 68)},
	{"same_mac_other_vlan_other_port", F(MAC_A, T1(Q(30)), .len = 68),
	 .out = OUT_UNTAGGED, FWD(P_B30, 64)},
	{"same_mac_other_vlan_without_port", F(MAC_A, T1(Q(30)), .len = 68),
	 .ports = PORT(P_A10) | PORT(P_U), PASS(P_NONE, PASS_UNKNOWN, 68)},

	/* A known MAC, but not on the frame's VLAN. */
	{"access_mac_untagged", F(MAC_A), PASS(P_NONE, PASS_UNKNOWN, 64)},
	{"access_mac_priority_tagged", F(MAC_A, T1(Q(0)), .len = 68),
	 PASS(P_NONE, PASS_VLAN, 68)},
	{"access_mac_other_vlan", F(MAC_A, T1(Q(11)), .len = 68),
	 PASS(P_NONE, PASS_UNKNOWN, 68)},
	{"untagged_mac_on_vlan", F(MAC_U, T1(Q(10)), .len = 68),
	 PASS(P_NONE, PASS_UNKNOWN, 68)},
	{"vlan_bits_beyond_vid_ignored",
	 F(MAC_A, T1(Q(TCI(7, 1, 11))), .len = 68),
	 PASS(P_NONE, PASS_UNKNOWN, 68)},

	/* Tag stacks and VIDs the fast path leaves to the kernel. */
	{"double_tagged_8021q", F(MAC_A, T2(Q(10), Q(100)), .len = 72),
	 PASS(P_NONE, PASS_VLAN, 72)},
	{"qinq_8021ad_outer", F(MAC_A, T2(AD(10), Q(100)), .len = 72),
	 PASS(P_NONE, PASS_VLAN, 72)},
	{"single_8021ad_tag", F(MAC_A, T1(AD(10)), .len = 68),
	 PASS(P_NONE, PASS_VLAN, 68)},
	{"triple_tagged", F(MAC_A, T3(Q(10), Q(20), Q(30)), .len = 76),
	 PASS(P_NONE, PASS_VLAN, 76)},
	{"vid_4095", F(MAC_A, T1(Q(4095)), .len = 68),
	 PASS(P_NONE, PASS_VLAN, 68)},
	{"vid_4095_with_pcp", F(MAC_U, T1(Q(TCI(1, 0, 4095))), .len = 68),
	 PASS(P_NONE, PASS_VLAN, 68)},

	/* Group addresses. */
	{"broadcast", F(MAC_BC, .l3 = L3_ARP, .len = 60),
	 PASS(P_NONE, PASS_MULTICAST, 60)},
	{"broadcast_on_vlan", F(MAC_BC, T1(Q(10)), .l3 = L3_ARP, .len = 64),
	 PASS(P_NONE, PASS_MULTICAST, 64)},
	{"ipv4_multicast", F(MAC_MC4, .len = 90),
	 PASS(P_NONE, PASS_MULTICAST, 90)},
	{"ipv6_multicast", F(MAC_MC6, .l3 = L3_IPV6_UDP, .len = 86),
	 PASS(P_NONE, PASS_MULTICAST, 86)},
	{"ipv6_multicast_on_vlan",
	 F(MAC_MC6, T1(Q(10)), .l3 = L3_IPV6_UDP, .len = 90),
	 PASS(P_NONE, PASS_MULTICAST, 90)},
	{"multicast_before_vlan_checks",
	 F(MAC_BC, T2(AD(10), Q(100)), .len = 72),
	 PASS(P_NONE, PASS_MULTICAST, 72)},

	/* Unicast nobody here owns. */
	{"unknown_unicast", F(MAC_UNK), PASS(P_NONE, PASS_UNKNOWN, 64)},
	{"unknown_unicast_on_vlan", F(MAC_UNK, T1(Q(10)), .len = 68),
	 PASS(P_NONE, PASS_UNKNOWN, 68)},
	{"unicast_with_no_ports", F(MAC_U), .ports = NO_PORTS,
	 PASS(P_NONE, PASS_UNKNOWN, 64)},

	/* Cut inside the VLAN tags: malformed. */
	CUT_TAG("cut_in_tag1_at_14", 14, T1(Q(10))),
	CUT_TAG("cut_in_tag1_at_15", 15, T1(Q(10))),
	CUT_TAG("cut_in_tag1_at_16", 16, T1(Q(10))),
	CUT_TAG("cut_in_tag1_at_17", 17, T1(Q(10))),
	CUT_TAG("cut_in_8021ad_tag_at_16", 16, T1(AD(10))),
	CUT_TAG("cut_in_tag2_at_18", 18, T2(Q(10), Q(100))),
	CUT_TAG("cut_in_tag2_at_19", 19, T2(Q(10), Q(100))),
	CUT_TAG("cut_in_tag2_at_20", 20, T2(Q(10), Q(100))),
	CUT_TAG("cut_in_tag2_at_21", 21, T2(AD(10), Q(100))),
	/* A third tag is not walked: its presence alone decides. */
	{"cut_after_tag2_third_tag_announced",
	 F(MAC_A, T3(Q(10), Q(20), Q(30)), .cut = 22),
	 PASS(P_NONE, PASS_VLAN, 22)},

	/* L2 complete, cut further in: forwarded as is, like a bridge. */
	{"ethernet_header_only", F(MAC_U, .cut = 14), .out = OUT_SAME,
	 FWD(P_U, 14)},
	{"tag_only", F(MAC_A, T1(Q(10)), .cut = 18), .out = OUT_UNTAGGED,
	 FWD(P_A10, 14)},
	{"cut_in_ipv4_header", F(MAC_U, .cut = 24), .out = OUT_SAME,
	 FWD(P_U, 24)},
	{"cut_in_tcp_header", F(MAC_U, .cut = 41), .out = OUT_SAME,
	 FWD(P_U, 41)},
	{"tagged_cut_in_ipv4_header", F(MAC_A, T1(Q(10)), .cut = 29),
	 .out = OUT_UNTAGGED, FWD(P_A10, 25)},
	{"cut_in_ipv6_header", F(MAC_U, .l3 = L3_IPV6_UDP, .cut = 33),
	 .out = OUT_SAME, FWD(P_U, 33)},

	/* Frame size against the port's MTU + 14. */
	{"max_frame_untagged", F(MAC_U, .len = 1514), FWD(P_U, 1514)},
	{"too_big_untagged", F(MAC_U, .len = 1515),
	 PASS(P_U, PASS_TOO_BIG, 1515)},
	{"max_frame_tagged", F(MAC_A, T1(Q(10)), .len = 1518),
	 .out = OUT_UNTAGGED, FWD(P_A10, 1514)},
	/* Counted as the VM would have received it: untagged. */
	{"too_big_tagged", F(MAC_A, T1(Q(10)), .len = 1519),
	 PASS(P_A10, PASS_TOO_BIG, 1515)},
	{"jumbo_single_buffer_to_jumbo_port", F(MAC_J, .len = 3000),
	 FWD(P_J, 3000)},
	{"jumbo_tagged_single_buffer_to_jumbo_port",
	 F(MAC_A20, T1(Q(20)), .l3 = L3_IPV6_UDP, .len = 3004),
	 .out = OUT_UNTAGGED, FWD(P_A20J, 3000)},

	/* Multi-buffer frames (test_run builds fragments past ~3.5 KB). */
	{"jumbo_multibuf_to_1500_port", F(MAC_U, .len = 9000),
	 PASS(P_U, PASS_TOO_BIG, 9000)},
	{"jumbo_multibuf_within_port_mtu", F(MAC_J, .len = 9000),
	 PASS(P_J, PASS_TOO_BIG, 9000)},
	{"jumbo_multibuf_tagged", F(MAC_A20, T1(Q(20)), .len = 9004),
	 PASS(P_A20J, PASS_TOO_BIG, 9000)},
	{"jumbo_multibuf_broadcast", F(MAC_BC, .len = 9000),
	 PASS(P_NONE, PASS_MULTICAST, 9000)},
	{"jumbo_multibuf_unknown", F(MAC_UNK, .len = 20000),
	 PASS(P_NONE, PASS_UNKNOWN, 20000)},

	/* The port owns the MAC but its redirect target is gone. */
	{"no_target_untagged", F(MAC_U), .no_target = PORT(P_U),
	 PASS(P_U, PASS_NO_TARGET, 64)},
	{"no_target_tagged_dropped", F(MAC_A, T1(Q(10)), .len = 68),
	 .no_target = PORT(P_A10), .verdict = XDP_DROP, .out = OUT_NONE,
	 .port = P_A10, .reason = VMST_R_DROP_NO_TARGET, .bytes = 64},
	{"no_target_priority_tagged_passed",
	 F(MAC_U, T1(Q(TCI(6, 0, 0))), .len = 68), .no_target = PORT(P_U),
	 PASS(P_NONE, PASS_VLAN, 68)},
	{"no_target_other_ports_unaffected", F(MAC_J, .len = 100),
	 .no_target = PORT(P_U) | PORT(P_A10), FWD(P_J, 100)},
};

static __u8 in_buf[FRAME_MAX], out_buf[FRAME_MAX], want_buf[FRAME_MAX];
static __u8 model_buf[FRAME_MAX];

/* Configure the row's ports; idx[] gets their indexes (0: not added). */
static bool setup_ports(struct fixture *f, unsigned int mask,
			unsigned int no_target, __u32 idx[P_MAX])
{
	char what[64];
	int p;

	for (p = 0; p < P_MAX; p++) {
		idx[p] = 0;
		if (mask == NO_PORTS || (mask && !(mask & PORT(p))))
			continue;
		snprintf(what, sizeof(what), "add port %s", ports[p].name);
		if (!ASSERT_OK(fixture_port(f, ports[p].name, ports[p].mac,
					    ports[p].vlan, ports[p].mtu,
					    &idx[p]),
			       what))
			return false;
		if (!ASSERT_NEQ(idx[p], 0, what))
			return false;
		if (!(no_target & PORT(p)))
			continue;
		snprintf(what, sizeof(what), "delete vmst_tx entry of %s",
			 ports[p].name);
		if (!ASSERT_OK(bpf_map_delete_elem(f->maps.fd[VMS_MAP_TX],
						   &idx[p]),
			       what))
			return false;
	}
	return true;
}

/*
 * Every reason slot of port 0 and of each configured port, and every port
 * counter: only (@port, @reason) moved, by one frame of @bytes.
 */
static void check_counters(const struct fixture *f, const __u32 idx[P_MAX],
			   __u32 port, int reason, __u64 bytes)
{
	int xdp_slot = reason == FORWARDED ? -1 : vms_reason_xdp_slot(reason);
	__u32 list[P_MAX + 1];
	int n = 0, i, p, r, c;
	char what[96];

	list[n++] = 0;
	for (p = 0; p < P_MAX; p++)
		if (idx[p])
			list[n++] = idx[p];

	for (i = 0; i < n; i++) {
		struct vmst_port_stats ps;

		/* Every slot of the row: a drop in its XDP slot only. */
		for (r = 0; r < VMST_RSTATS_ROW; r++) {
			struct vmst_counter ctr;
			bool hit = list[i] == port && r == xdp_slot;

			snprintf(what, sizeof(what), "read rstats %u/%d",
				 list[i], r);
			if (!ASSERT_OK(fixture_reason(f, list[i], r, &ctr),
				       what))
				return;
			snprintf(what, sizeof(what), "port %u slot %s: frames",
				 list[i], ref_slot_str(r));
			ASSERT_EQ(ctr.frames, hit ? 1 : 0, what);
			snprintf(what, sizeof(what), "port %u slot %s: bytes",
				 list[i], ref_slot_str(r));
			ASSERT_EQ(ctr.bytes, hit ? bytes : 0, what);
		}
		snprintf(what, sizeof(what), "read pstats %u", list[i]);
		if (!ASSERT_OK(fixture_pstats(f, list[i], &ps), what))
			return;
		for (c = 0; c < VMST_PC_SLOTS; c++) {
			__u64 want = 0;

			if (list[i] == port && reason == FORWARDED &&
			    c == VMST_PC_TO_VM_XDP_FRAMES)
				want = 1;
			if (list[i] == port && reason == FORWARDED &&
			    c == VMST_PC_TO_VM_XDP_BYTES)
				want = bytes;
			snprintf(what, sizeof(what), "port %u counter %s",
				 list[i],
				 c < VMST_PC_MAX ? vms_pc_labels[c]
						 : "(spare)");
			ASSERT_EQ(ps.c[c], want, what);
		}
	}
}

/*
 * The reference model (used by the corpus test) must agree with the row:
 * a disagreement is a bug in the model or in the table.
 */
static void check_model(const struct dp_case *tc, const __u8 *in, size_t len,
			const __u32 idx[P_MAX], const __u8 *want,
			size_t want_len)
{
	const struct fixture_limits *lim = fixture_limits();
	struct ref_port rp[P_MAX];
	struct ref_result res;
	size_t n = 0;
	int p;

	if (!lim)
		return;
	memset(rp, 0, sizeof(rp));
	for (p = 0; p < P_MAX; p++) {
		if (!idx[p])
			continue;
		rp[n].idx = idx[p];
		rp[n].vlan = ports[p].vlan;
		memcpy(rp[n].mac, ports[p].mac, 6);
		rp[n].mtu = ports[p].mtu;
		rp[n].has_target = !(tc->no_target & PORT(p));
		n++;
	}
	ref_decide(in, len, len < lim->linear ? len : lim->linear, rp, n, &res,
		   model_buf);
	if (res.verdict != tc->verdict)
		FAIL("reference model: verdict %s, table %s",
		     xdp_verdict_str(res.verdict),
		     xdp_verdict_str(tc->verdict));
	if (res.reason != tc->reason)
		FAIL("reference model: reason %s, table %s",
		     ref_reason_str(res.reason), ref_reason_str(tc->reason));
	ASSERT_EQ(res.port, tc->port == P_NONE ? 0 : idx[tc->port],
		  "reference model: port");
	ASSERT_EQ(res.bytes, tc->bytes, "reference model: bytes");
	if (want)
		ASSERT_MEMEQ(model_buf, res.out_len, want, want_len,
			     "reference model: output frame");
}

static void run_case(const struct dp_case *tc)
{
	const __u8 *in = in_buf, *want = NULL;
	size_t len, want_len = 0;
	struct fixture f;
	struct xdp_run r;
	__u32 idx[P_MAX];
	struct frame_spec u;

	if (!fixture_setup(&f))
		return;
	if (!setup_ports(&f, tc->ports, tc->no_target, idx))
		goto out;

	if (tc->in_hex) {
		in = tc->in_hex;
		len = tc->in_hex_len;
	} else {
		len = frame_build(&tc->in, in_buf);
	}
	switch (tc->out) {
	case OUT_SAME:
		want = in;
		want_len = len;
		break;
	case OUT_UNTAGGED:
		u = frame_untagged(&tc->in);
		want_len = frame_build(&u, want_buf);
		want = want_buf;
		break;
	case OUT_HEX:
		want = tc->out_hex;
		want_len = tc->out_hex_len;
		break;
	case OUT_NONE:
		break;
	}

	r = fixture_run(&f, in, len, out_buf);
	if (!ASSERT_OK(r.err, "BPF_PROG_TEST_RUN"))
		goto out;
	if (r.verdict != tc->verdict)
		FAIL("verdict: got %s, want %s", xdp_verdict_str(r.verdict),
		     xdp_verdict_str(tc->verdict));
	/* The reason table (VMST_REASONS) agrees with the program. */
	if (tc->reason != FORWARDED) {
		ASSERT_FALSE(vms_reason_from_vm(tc->reason),
			     "reason's direction is VM");
		ASSERT_EQ(vms_reason_drops(tc->reason), r.verdict == XDP_DROP,
			  "reason's kind is the verdict");
	}
	if (want)
		ASSERT_MEMEQ(out_buf, r.out_len, want, want_len,
			     "output frame");
	check_counters(&f, idx, tc->port == P_NONE ? 0 : idx[tc->port],
		       tc->reason, tc->bytes);
	check_model(tc, in, len, idx, want, want_len);
out:
	fixture_teardown(&f);
}

/*
 * Frames shorter than an Ethernet header. This kernel's BPF_PROG_TEST_RUN
 * refuses XDP frames under 14 bytes (EINVAL, metadata or not), so the
 * program cannot be shown one; should a kernel accept one, it must be
 * passed as malformed, unmodified.
 */
static void run_runts(void)
{
	struct frame_spec s = F(MAC_U);
	size_t cut, refused = 0, accepted = 0;
	struct fixture f;
	__u32 idx[P_MAX];
	char what[64];

	if (!fixture_setup(&f))
		return;
	if (!setup_ports(&f, ALL_PORTS, 0, idx))
		goto out;
	frame_build(&s, in_buf);
	for (cut = 0; cut < 14; cut++) {
		struct vmst_counter c;
		struct xdp_run r = fixture_run(&f, in_buf, cut, out_buf);

		snprintf(what, sizeof(what), "%zu-byte frame", cut);
		if (r.err == -EINVAL) {
			refused++;
			continue;
		}
		if (!ASSERT_OK(r.err, what))
			continue;
		accepted++;
		if (r.verdict != XDP_PASS)
			FAIL("%s: verdict %s, want XDP_PASS", what,
			     xdp_verdict_str(r.verdict));
		ASSERT_MEMEQ(out_buf, r.out_len, in_buf, cut, what);
		if (ASSERT_OK(fixture_reason(&f, 0, VMST_R_PASS_MALFORMED, &c),
			      "read rstats"))
			ASSERT_EQ(c.frames, accepted, what);
	}
	if (refused == 14)
		test__skip("the kernel refuses XDP test frames of 0..13 bytes "
			   "(EINVAL): the program never sees one here");
out:
	fixture_teardown(&f);
}

TEST(uplink)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (test__start_subtest("%s", cases[i].name))
			run_case(&cases[i]);
	if (test__start_subtest("cut_in_ethernet_header_0_to_13"))
		run_runts();
}
