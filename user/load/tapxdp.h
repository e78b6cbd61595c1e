/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tap XDP program (tapxdp.c). */
#ifndef VMS_LOAD_TAPXDP_H
#define VMS_LOAD_TAPXDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * Put the namespace's shared tap XDP program on tap @ifindex (native
 * mode), replacing another build's in place (XDP_FLAGS_REPLACE: no frame
 * meets no program); one already there is left (*@changed false). An XDP
 * program on the tap that is not vmsteer's is refused.
 */
int vms_tap_xdp_attach(struct vms_state *st, __u32 ifindex, const char *tap,
		       bool *changed);
/* Take vmsteer's XDP program off tap @ifindex (none there: not an error). */
int vms_tap_xdp_detach(__u32 ifindex, const char *tap);
/* For @n taps, the id of each one's native XDP program when it is
 * vmsteer's tap program, else 0, into @ids: link gets in batches and one
 * program lookup per distinct program. 0 or -errno, no message. */
int vms_tap_xdp_prog_ids(const __u32 *ifindex, int n, __u32 *ids);
/*
 * Entry 0 of vmst_tx: the northbound uplink @ifindex when it is in this
 * network namespace and takes XDP frames (its driver says
 * NETDEV_XDP_ACT_NDO_XMIT), else none: the tap XDP program then leaves
 * frames for the uplink to the tc program.
 */
void vms_north_xdp_sync(struct vms_state *st, __u32 ifindex, __u32 netns_ino);

#endif /* VMS_LOAD_TAPXDP_H */
