/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tc programs (tc.c). */
#ifndef VMS_LOAD_TC_H
#define VMS_LOAD_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * First of the two shared tc blocks (ingress; egress is the next index)
 * of a state's taps: VMST_TC_BLOCK_BASE + 2 x the id of the state's
 * vmst_config map (unique among the host's live states, fixed for the
 * state's life), modulo 2^32; the same index in every network namespace
 * (blocks are per namespace). 0: none (the taps get qdiscs of their own).
 */
#define VMST_TC_BLOCK_BASE 0x766d0000U
__u32 vms_tc_block(struct vms_state *st);

/*
 * Attach the namespace's shared tap program (vms_shared_prog) to tap
 * @ifindex of port @idx (@tap in messages): clsact ingress, direct action,
 * at VMST_TC_HANDLE / VMST_TC_PRIORITY. A tap without a clsact qdisc gets
 * one bound to the state's shared blocks (vms_tc_block), whose one filter
 * runs the program; an existing clsact qdisc of the tap's own is reused
 * and gets vmsteer's filter; one bound to another block is refused. A
 * qdisc vmsteer creates is recorded in the port's vmst_port_tx flags. A
 * filter running another vmsteer program (another build's) is replaced in
 * place (never a second one); one already running the shared program is
 * left as it is (*@changed false); a filter at that handle and priority
 * that is not vmsteer's is refused, as is a shared block holding filters
 * that are not vmsteer's.
 */
int vms_tap_attach(struct vms_state *st, __u32 idx, __u32 ifindex,
		   const char *tap, bool *changed);
/*
 * A batch of tap attachments (apply, an edit): a shared block that has no
 * filter yet gets it at vms_tc_batch_end, after its taps are bound (each
 * bind to a block with a filter waits for an RCU grace period). End
 * every batch begun, also after an error: 0 or -errno with a message.
 */
void vms_tc_batch_begin(struct vms_state *st);
int vms_tc_batch_end(struct vms_state *st);
/* Take the tap program off tap @ifindex: the tap's clsact qdisc when it
 * is bound to @st's shared blocks (the block's filter stays for the
 * others), else vmsteer's filter and the qdisc when vmsteer created it
 * (@qdisc_ours). A tap without them is not an error. */
int vms_tap_detach(struct vms_state *st, __u32 ifindex, const char *tap,
		   bool qdisc_ours);
/* Attach the uplink tc program to @ifindex; *@qdisc_created when vmsteer
 * made the clsact qdisc. @upgrade_only as for vms_tap_attach. */
int vms_uplink_tc_attach(struct vms_state *st, __u32 ifindex, const char *dev,
			 bool upgrade_only, bool *qdisc_created, bool *changed);
int vms_uplink_tc_detach(__u32 ifindex, const char *dev, bool qdisc_ours);
/* Id of the program of vmsteer's filter on @ifindex's ingress (in its
 * shared block when it has one), 0 when none. */
__u32 vms_tc_prog_id(__u32 ifindex);
/* The same for @n devices, into @ids (requests sent in batches: each
 * device's qdisc, then one filter query per shared block and per device
 * with a qdisc of its own): 0 or -errno with a message. */
int vms_tc_prog_ids(const __u32 *ifindex, int n, __u32 *ids);
/* For @n taps: does each run a vmsteer tap program (@tap_id, the pinned
 * one, or another named vmst_tap: another build's) in vmsteer's filter?
 * One batch of queries (vms_tc_prog_ids). 0 or -errno with a message. */
int vms_taps_have_prog(const __u32 *ifindex, int n, __u32 tap_id, bool *have);

#endif /* VMS_LOAD_TC_H */
