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
 * Attach the namespace's shared tap program (vms_shared_prog) to tap
 * @ifindex of port @idx (@tap in messages): clsact ingress, direct action,
 * at VMST_TC_HANDLE / VMST_TC_PRIORITY. An existing clsact qdisc is
 * reused; one vmsteer creates is recorded in the port's vmst_port_tx
 * flags. A filter running another vmsteer program (another build's) is
 * replaced in place (never a second one); one already running the shared
 * program is left as it is (*@changed false); a filter at that handle and
 * priority that is not vmsteer's is refused.
 */
int vms_tap_attach(struct vms_state *st, __u32 idx, __u32 ifindex,
		   const char *tap, bool *changed);
/* Remove vmsteer's filter from tap @ifindex, and the clsact qdisc when
 * vmsteer created it (@qdisc_ours). A tap without them is not an error. */
int vms_tap_detach(__u32 ifindex, const char *tap, bool qdisc_ours);
/* Attach the uplink tc program to @ifindex; *@qdisc_created when vmsteer
 * made the clsact qdisc. @upgrade_only as for vms_tap_attach. */
int vms_uplink_tc_attach(struct vms_state *st, __u32 ifindex, const char *dev,
			 bool upgrade_only, bool *qdisc_created, bool *changed);
int vms_uplink_tc_detach(__u32 ifindex, const char *dev, bool qdisc_ours);
/* Id of the program of vmsteer's filter on @ifindex, 0 when none. */
__u32 vms_tc_prog_id(__u32 ifindex);
/* The same for @n devices, into @ids, over one netlink socket (requests
 * sent in batches): 0 or -errno with a message. */
int vms_tc_prog_ids(const __u32 *ifindex, int n, __u32 *ids);

#endif /* VMS_LOAD_TC_H */
