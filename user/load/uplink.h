/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Uplinks (uplink.c). */
#ifndef VMS_LOAD_UPLINK_H
#define VMS_LOAD_UPLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/* Requested attach mode; auto tries native, then generic with a warning. */
enum vms_attach_mode {
	VMS_ATTACH_AUTO,
	VMS_ATTACH_NATIVE,
	VMS_ATTACH_GENERIC,
};

struct vms_uplink_info {
	__u32 ifindex;
	__u32 netns_ino;
	__u32 mode;    /* enum vmst_xdp_mode */
	__u32 prog_id; /* 0 when the link is gone */
	__u32 link_id;
	bool defunct;  /* pinned, but its device is gone */
	bool upgraded; /* vms_uplink_attach replaced another build's programs */
	char name[16]; /* current name, empty when not in this netns */
};

/*
 * Attach the uplink program to @ifindex (named @name in messages), sharing
 * the state's maps. Already attached with this build's programs (same
 * kernel tags): *@changed is false, nothing changes. Attached with another
 * build's: the programs are replaced in place (the XDP link is updated,
 * the maps and counters stay), @out->upgraded and *@changed are true.
 */
int vms_uplink_attach(struct vms_state *st, __u32 ifindex, const char *name,
		      enum vms_attach_mode want, struct vms_uplink_info *out,
		      bool *changed);
/* Detach from @ifindex; -ENOENT with a message when not attached. */
int vms_uplink_detach(struct vms_state *st, __u32 ifindex, const char *name);
/* The uplinks of the state: up to @max into @out; returns how many. */
int vms_uplink_list(struct vms_state *st, struct vms_uplink_info *out, int max);
/* Pinned tracing links present (counting tap drops). */
bool vms_tracing_attached(const char *pin_path);
/* The name of attach mode @mode (enum vmst_xdp_mode) of a pinned uplink. */
const char *vms_mode_name(__u32 mode);

#endif /* VMS_LOAD_UPLINK_H */
