/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counters (counters.c). */
#ifndef VMS_CORE_COUNTERS_H
#define VMS_CORE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * Keys @first..@first+@n-1 of array map @fd into @buf (@vbytes a key: for
 * a per-CPU map every possible CPU's value, each rounded up to 8 bytes),
 * with batch lookups: one system call for the range instead of one a key.
 */
int vms_array_read(int fd, __u32 first, __u32 n, void *buf, size_t vbytes);
/* Every port's entry (VMST_MAX_PORTS of @vbytes) of the state's array map
 * @map into @buf in one batch read; zeros when the state has no such map
 * (one from before it). 0 or -errno with a message naming the map. */
int vms_ports_read_all(const struct vms_maps *m, enum vms_map map, void *buf,
		       size_t vbytes);
/* Sum over CPUs of port @idx's counters. */
int vms_read_port_stats(const struct vms_maps *m, __u32 idx,
			struct vmst_port_stats *sum);
/* The same for ports @first..@first+@n-1 at once (@sum: @n entries). */
int vms_read_port_stats_range(const struct vms_maps *m, __u32 first, __u32 n,
			      struct vmst_port_stats *sum);
/* The hooks that count frames: an XDP program or a tc program. */
enum vms_hook { VMS_HOOK_XDP, VMS_HOOK_TC, VMS_HOOKS };
#define VMS_HOOK_BIT_XDP (1U << VMS_HOOK_XDP)
#define VMS_HOOK_BIT_TC	 (1U << VMS_HOOK_TC)
/* "xdp", "tc": the hook's name in stats, metrics (path) and monitor. */
extern const char *const vms_hook_names[VMS_HOOKS];

/* The reason counters of a port, summed over CPUs. */
struct vms_reasons {
	struct vmst_counter all[VMST_R_MAX]; /* whatever the hook */
	/* By the hook that counted them (only the hooks of
	 * vms_reason_hooks() are ever non-zero). */
	struct vmst_counter hook[VMS_HOOKS][VMST_R_MAX];
};

/* The reason counters of port @idx (0: no port). */
int vms_read_reasons(const struct vms_maps *m, __u32 idx,
		     struct vms_reasons *out);
/* The same for ports @first..@first+@n-1 at once (@out: @n entries). */
int vms_read_reasons_range(const struct vms_maps *m, __u32 first, __u32 n,
			   struct vms_reasons *out);
/* Port @idx's per-queue frames (zeros: no such map). */
int vms_read_queue_stats(const struct vms_maps *m, __u32 idx,
			 struct vmst_queue_stats *sum);
/* Zero all counters of port @idx. */
int vms_zero_port_counters(const struct vms_maps *m, __u32 idx);
/* Copy all counters of port @from to port @to (a port moving index). */
int vms_copy_port_counters(const struct vms_maps *m, __u32 from, __u32 to);

extern const char *const vms_reason_labels[VMST_R_MAX];
/* True when the data path can count @reason without a port (port 0),
 * and under a port, respectively. */
bool vms_reason_portless(__u32 reason);
bool vms_reason_per_port(__u32 reason);
/* True for a reason of the tap program (a frame a VM sent). */
bool vms_reason_from_vm(__u32 reason);
/* True for a reason the data path drops at (else it passes the frame). */
bool vms_reason_drops(__u32 reason);
/* The hooks (VMS_HOOK_BIT_*) whose programs can count @reason. */
unsigned int vms_reason_hooks(__u32 reason);
/* The slot of a port's vmst_rstats row an XDP program counts @reason in
 * (VMST_RSTATS_KEY(port, slot)): a drop reason's XDP slot, a pass
 * reason's own; -1 for no reason. */
int vms_reason_xdp_slot(__u32 reason);
extern const char *const vms_reason_help[VMST_R_MAX];
extern const char *const vms_pc_labels[VMST_PC_MAX];
extern const char *const vms_pc_help[VMST_PC_MAX];

#endif /* VMS_CORE_COUNTERS_H */
