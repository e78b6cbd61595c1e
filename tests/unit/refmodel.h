/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reference model of the uplink forwarding decision, written from the
 * specification (include/vmsteer.h, the reasons' help texts) and not from
 * the BPF code: given a frame and the port table, what should happen.
 *
 *  1. Ethernet header and up to two VLAN tags (802.1Q or 802.1ad) must be
 *     complete in the first buffer, else PASS malformed.
 *  2. Group destination (I/G bit: broadcast, multicast): PASS multicast.
 *  3. Two or more tags, an 802.1ad outer tag or VID 4095: PASS
 *     vlan_unsupported.
 *  4. (VID of the tag, or 0 when untagged or priority tagged; destination
 *     MAC) must be owned by a port of that VLAN, else PASS unknown_dst.
 *  5. The frame as the VM would see it (tag removed) must fit the port's
 *     MTU + 14 and be in one buffer, else PASS too_big, counted under the
 *     port.
 *  6. (After 7.) No redirect target: PASS no_target when untagged; a
 *     tagged frame has lost its tag already and is dropped
 *     (drop_no_target).
 *  7. A port with XDP queue steering (--xdp-steer cpumap, an RSS entry
 *     with its queues): the frame's flow as the VM will see it (the tag
 *     skipped: addresses, and TCP/UDP ports of unfragmented packets, IPv6
 *     extension headers not walked) names a queue q through the RSS key,
 *     hash types and table (vms_rss_flow_queue, user/load/toeplitz.c); when
 *     the CPUMAP has an entry for CPU q, REDIRECT to it, the frame
 *     unchanged (tag and all: the CPUMAP program removes it), counted in
 *     the port's to_vm counters. Otherwise, or without steering:
 *  8. REDIRECT, tag removed: counted in the port's to_vm counters.
 * Frames handed to the kernel (PASS) are unmodified.
 */
#ifndef VMST_UNIT_REFMODEL_H
#define VMST_UNIT_REFMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "vmsteer.h"

struct ref_port {
	__u32 idx;  /* port index its counters are kept under */
	__u16 vlan; /* access VLAN, 0: untagged port */
	__u8 mac[6];
	__u32 mtu;
	bool has_target; /* a redirect target (vmst_tx entry) exists */
	bool xdp_steer;	 /* --xdp-steer cpumap, with @rss */
	struct vmst_rss rss;
	__u64 cpumap_cpus; /* CPUs (bits) with a CPUMAP entry */
};

struct ref_result {
	__u32 verdict;	/* XDP_PASS, XDP_REDIRECT or XDP_DROP */
	int reason;	/* enum vmst_reason, -1 when redirected */
	__u32 port;	/* port index counted under (0: none) */
	__u64 bytes;	/* bytes counted */
	size_t out_len; /* length of @out (0 for a dropped frame) */
	int queue;	/* REDIRECT to the CPUMAP entry of this CPU, or -1 */
};

/*
 * Decide for @frame of @len bytes, of which the first @linear are in the
 * first buffer (the rest are fragments). @out (at least @len bytes) gets
 * the frame as it leaves the program: unmodified for PASS, untagged for
 * REDIRECT.
 */
void ref_decide(const __u8 *frame, size_t len, size_t linear,
		const struct ref_port *ports, size_t nports,
		struct ref_result *res, __u8 *out);

/* Label of a reason (or "forwarded" for -1), for messages. */
const char *ref_reason_str(int reason);
/* The label of slot @slot of a port's vmst_rstats row: a reason's, or
 * "<reason> (XDP)" for an XDP drop slot. */
const char *ref_slot_str(int slot);

#endif /* VMST_UNIT_REFMODEL_H */
