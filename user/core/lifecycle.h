/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Ports following their taps (lifecycle.c): for `port del`, `port prune`,
 * `vmsteer sync` and the agent.
 */
#ifndef VMS_LIFECYCLE_H
#define VMS_LIFECYCLE_H

#include "config/config.h"
#include "core/state.h"

/*
 * Remove port @idx with what it put on its tap: vmsteer's steering
 * program and the tap program (and the clsact qdisc vmsteer made), while
 * the tap is still the port's; then its entries. *@steer_removed (may be
 * NULL) tells whether a steering program was taken off.
 */
int vms_port_remove(struct vms_state *st, __u32 idx, bool *steer_removed);

enum vms_sync_mode {
	VMS_SYNC_TAPS,	/* the ports follow their taps, nothing else */
	VMS_SYNC_AGENT, /* and the agent's ports become the ones given */
	VMS_SYNC_ADD,	/* and the ports given are added or updated */
};

/*
 * Converge the ports of this network namespace with the taps that exist:
 * a pending port whose tap now exists becomes active (tap program, queue
 * steering), a port whose tap vanished becomes pending, one whose tap was
 * made again under its name follows it, and a pending port takes a tap
 * that appeared under another name with the port's MAC, first byte fe
 * (libvirt's taps). VMS_SYNC_AGENT: the agent's ports
 * (VMST_CFG_F_AGENT) become the @n @ports: those no longer given are
 * deleted, ports configured by hand keep their taps and MACs.
 * VMS_SYNC_ADD: the @ports are added, or replace the ports of the same
 * taps. A MAC held by a port whose tap is gone moves to the port given;
 * one held by a port with its tap is a clash: the port given is left out
 * with a warning. A port whose tap cannot take it as configured (queue
 * count, a foreign steering program, no FDB room...) is made pending with
 * a warning, and tried again at the next sync. Uplinks are not touched.
 * Each change made is told to @cb as a line (warning false), each port
 * left out or waiting too (warning true; NULL @cb: warnings on stderr,
 * changes untold). *@done is the number of changes made. Returns the
 * number of ports left out or waiting, or -errno.
 */
typedef void (*vms_sync_cb)(void *ctx, bool warning, const char *msg);

int vms_sync(struct vms_state *st, enum vms_sync_mode mode,
	     const struct vms_cfg_port *ports, int n, int *done, vms_sync_cb cb,
	     void *ctx);

#endif /* VMS_LIFECYCLE_H */
