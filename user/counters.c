// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading, zeroing and copying the per-CPU counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vms.h"

#define VMS_X_LABEL(name, dir, kind, label, help) [VMST_R_##name] = label,
#define VMS_X_HELP(name, dir, kind, label, help)  [VMST_R_##name] = help,
#define VMS_X_DIR(name, dir, kind, label, help) \
	[VMST_R_##name] = VMST_DIR_##dir,
#define VMS_X_KIND(name, dir, kind, label, help) \
	[VMST_R_##name] = VMST_KIND_##kind,
const char *const vms_reason_labels[VMST_R_MAX] = {VMST_REASONS(VMS_X_LABEL)};
const char *const vms_reason_help[VMST_R_MAX] = {VMST_REASONS(VMS_X_HELP)};
static const __u8 reason_dir[VMST_R_MAX] = {VMST_REASONS(VMS_X_DIR)};
static const __u8 reason_kind[VMST_R_MAX] = {VMST_REASONS(VMS_X_KIND)};
#undef VMS_X_LABEL
#undef VMS_X_HELP
#undef VMS_X_DIR
#undef VMS_X_KIND

bool vms_reason_from_vm(__u32 reason)
{
	return reason < VMST_R_MAX && reason_dir[reason] == VMST_DIR_VM;
}

bool vms_reason_drops(__u32 reason)
{
	return reason < VMST_R_MAX && reason_kind[reason] == VMST_KIND_DROP;
}

#define VMS_X_LABEL(name, label, help) [VMST_PC_##name] = label,
#define VMS_X_HELP(name, label, help)  [VMST_PC_##name] = help,
const char *const vms_pc_labels[VMST_PC_MAX] = {
	VMST_PORT_COUNTERS(VMS_X_LABEL)};
const char *const vms_pc_help[VMST_PC_MAX] = {VMST_PORT_COUNTERS(VMS_X_HELP)};
#undef VMS_X_LABEL
#undef VMS_X_HELP

static int ncpus(void)
{
	static int n;

	if (!n)
		n = libbpf_num_possible_cpus();
	return n;
}

/* Look up the per-CPU values of @key into a new buffer of ncpus values. */
static void *percpu_lookup(int fd, __u32 key, size_t value_size)
{
	void *buf;

	if (ncpus() <= 0)
		return NULL;
	buf = calloc(ncpus(), value_size);
	if (!buf)
		return NULL;
	if (bpf_map_lookup_elem(fd, &key, buf)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int vms_read_port_stats(const struct vms_maps *m, __u32 idx,
			struct vmst_port_stats *sum)
{
	struct vmst_port_stats *v;
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	v = percpu_lookup(m->fd[VMS_MAP_PSTATS], idx, sizeof(*v));
	if (!v)
		return vms_err(-errno ?: -ENOMEM, "map %s: port %u: %s",
			       VMST_MAP_PSTATS, idx, strerror(errno));
	for (cpu = 0; cpu < ncpus(); cpu++)
		for (i = 0; i < VMST_PC_SLOTS; i++)
			sum->c[i] += v[cpu].c[i];
	free(v);
	return 0;
}

int vms_read_reasons(const struct vms_maps *m, __u32 idx,
		     struct vmst_counter out[VMST_R_MAX])
{
	int cpu, r;

	for (r = 0; r < VMST_R_MAX; r++) {
		struct vmst_counter *v;

		v = percpu_lookup(m->fd[VMS_MAP_RSTATS],
				  VMST_RSTATS_KEY(idx, r), sizeof(*v));
		if (!v)
			return vms_err(-errno ?: -ENOMEM, "map %s: port %u: %s",
				       VMST_MAP_RSTATS, idx, strerror(errno));
		out[r].frames = out[r].bytes = 0;
		for (cpu = 0; cpu < ncpus(); cpu++) {
			out[r].frames += v[cpu].frames;
			out[r].bytes += v[cpu].bytes;
		}
		free(v);
	}
	return 0;
}

int vms_read_queue_stats(const struct vms_maps *m, __u32 idx,
			 struct vmst_queue_stats *sum)
{
	struct vmst_queue_stats *v;
	int cpu, q;

	memset(sum, 0, sizeof(*sum));
	if (m->fd[VMS_MAP_QSTATS] < 0)
		return 0; /* a state from before queue steering: none yet */
	v = percpu_lookup(m->fd[VMS_MAP_QSTATS], idx, sizeof(*v));
	if (!v)
		return vms_err(-errno ?: -ENOMEM, "map %s: port %u: %s",
			       VMST_MAP_QSTATS, idx, strerror(errno));
	for (cpu = 0; cpu < ncpus(); cpu++)
		for (q = 0; q < VMST_RSS_QUEUES_MAX; q++)
			sum->frames[q] += v[cpu].frames[q];
	free(v);
	return 0;
}

/* Write @src's per-CPU values (or zeros when NULL) to @key of @fd. */
static int percpu_write(int fd, __u32 key, const void *src, size_t value_size)
{
	void *buf;
	int err = 0;

	buf = calloc(ncpus(), value_size);
	if (!buf)
		return -ENOMEM;
	if (src)
		memcpy(buf, src, ncpus() * value_size);
	if (bpf_map_update_elem(fd, &key, buf, BPF_ANY))
		err = -errno;
	free(buf);
	return err;
}

int vms_zero_port_counters(const struct vms_maps *m, __u32 idx)
{
	int r, err;

	err = percpu_write(m->fd[VMS_MAP_PSTATS], idx, NULL,
			   sizeof(struct vmst_port_stats));
	for (r = 0; !err && r < VMST_REASON_SLOTS; r++)
		err = percpu_write(m->fd[VMS_MAP_RSTATS],
				   VMST_RSTATS_KEY(idx, r), NULL,
				   sizeof(struct vmst_counter));
	if (!err && m->fd[VMS_MAP_QSTATS] >= 0)
		err = percpu_write(m->fd[VMS_MAP_QSTATS], idx, NULL,
				   sizeof(struct vmst_queue_stats));
	if (err)
		return vms_err(err, "port %u: cannot reset counters: %s", idx,
			       strerror(-err));
	return 0;
}

int vms_copy_port_counters(const struct vms_maps *m, __u32 from, __u32 to)
{
	int r, err = 0;
	void *v;

	v = percpu_lookup(m->fd[VMS_MAP_PSTATS], from,
			  sizeof(struct vmst_port_stats));
	if (!v)
		return vms_err(-ENOMEM, "port %u: cannot read counters", from);
	err = percpu_write(m->fd[VMS_MAP_PSTATS], to, v,
			   sizeof(struct vmst_port_stats));
	free(v);
	for (r = 0; !err && r < VMST_REASON_SLOTS; r++) {
		v = percpu_lookup(m->fd[VMS_MAP_RSTATS],
				  VMST_RSTATS_KEY(from, r),
				  sizeof(struct vmst_counter));
		if (!v)
			return vms_err(-ENOMEM, "port %u: cannot read counters",
				       from);
		err = percpu_write(m->fd[VMS_MAP_RSTATS],
				   VMST_RSTATS_KEY(to, r), v,
				   sizeof(struct vmst_counter));
		free(v);
	}
	if (!err && m->fd[VMS_MAP_QSTATS] >= 0) {
		v = percpu_lookup(m->fd[VMS_MAP_QSTATS], from,
				  sizeof(struct vmst_queue_stats));
		if (!v)
			return vms_err(-ENOMEM, "port %u: cannot read counters",
				       from);
		err = percpu_write(m->fd[VMS_MAP_QSTATS], to, v,
				   sizeof(struct vmst_queue_stats));
		free(v);
	}
	if (err)
		return vms_err(err, "port %u: cannot copy counters: %s", to,
			       strerror(-err));
	return 0;
}
