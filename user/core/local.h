/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Host-local MACs (local.c). */
#ifndef VMS_CORE_LOCAL_H
#define VMS_CORE_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * The host-local MACs of the calling network namespace as the system has
 * them now (device addresses, bridge FDB entries on ports that are not
 * uplinks, vmsteer's ports left out): up to @max; returns how many.
 */
int vms_local_read(struct vms_state *st, struct vmst_local_key *keys,
		   struct vmst_local *vals, int max);
/* Rewrite this namespace's entries of vmst_local from the system. */
int vms_local_refresh(struct vms_state *st);
/* After `port add` of @tap (@ifindex, 0 when pending) with @mac: @mac
 * out of this namespace's host-local MACs, the tap's own address in (no
 * snapshot: O(1) at any number of devices). */
int vms_local_port_added(struct vms_state *st, const char *tap, __u32 ifindex,
			 const __u8 mac[6]);
/* vms_local_refresh() for a command that succeeded: a failure is a
 * warning (frames to a new local device may go to the uplink). */
void vms_local_refresh_warn(struct vms_state *st);

#endif /* VMS_CORE_LOCAL_H */
