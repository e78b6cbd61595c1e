// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The drop monitor's state as seen from outside: on, off or stale. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/monitor.h"
#include "core/state.h"
#include "util/log.h"

/* A switch, as vms_steer_owner_name: -Wswitch names a state added
 * without its name. */
const char *vms_monitor_state_name(enum vms_monitor_state s)
{
	switch (s) {
	case VMS_MONITOR_OFF:
		return "off";
	case VMS_MONITOR_ON:
		return "on";
	case VMS_MONITOR_STALE:
		return "stale";
	case VMS_MONITOR_ABSENT:
		return "unavailable";
	}
	return "?";
}

int vms_monitor_info(const struct vms_maps *m, struct vms_monitor_info *out)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	struct vmst_mon_pcpu *pc;
	struct vmst_mon_ctl ctl;
	struct timespec ts;
	__u32 zero = 0;
	__u64 now;

	memset(out, 0, sizeof(*out));
	if (m->fd[VMS_MAP_MON_CTL] < 0 || m->fd[VMS_MAP_MON_PCPU] < 0) {
		out->state = VMS_MONITOR_ABSENT;
		return 0;
	}
	if (bpf_map_lookup_elem(m->fd[VMS_MAP_MON_CTL], &zero, &ctl))
		return vms_err(-errno, "map %s: %s", VMST_MAP_MON_CTL,
			       strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	out->pid = ctl.owner_pid;
	if (!ctl.enabled)
		out->state = VMS_MONITOR_OFF;
	else if (ctl.lease_until > now)
		out->state = VMS_MONITOR_ON;
	else
		out->state = VMS_MONITOR_STALE;
	if (ncpus <= 0)
		return vms_err(ncpus ? ncpus : -EINVAL, "cannot count CPUs");
	pc = calloc(ncpus, sizeof(*pc));
	if (!pc)
		return vms_err(-ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(m->fd[VMS_MAP_MON_PCPU], &zero, pc)) {
		free(pc);
		return vms_err(-errno, "map %s: %s", VMST_MAP_MON_PCPU,
			       strerror(errno));
	}
	for (i = 0; i < ncpus; i++) {
		out->emitted += pc[i].emitted;
		out->lost += pc[i].lost;
	}
	free(pc);
	return 0;
}
