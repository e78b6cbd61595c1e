/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Drop monitor (monitor.c). */
#ifndef VMS_CORE_MONITOR_H
#define VMS_CORE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

enum vms_monitor_state {
	VMS_MONITOR_OFF,
	VMS_MONITOR_ON,	   /* a monitor holds a live lease */
	VMS_MONITOR_STALE, /* left on by a monitor that died: lease ended */
	VMS_MONITOR_ABSENT /* the state predates the monitor's maps */
};

struct vms_monitor_info {
	enum vms_monitor_state state;
	__u32 pid;		    /* the monitor that turned it on */
	unsigned long long emitted; /* events written, summed over CPUs */
	unsigned long long lost;    /* events lost to a full ring */
};

int vms_monitor_info(const struct vms_maps *m, struct vms_monitor_info *out);
const char *vms_monitor_state_name(enum vms_monitor_state s);

#endif /* VMS_CORE_MONITOR_H */
