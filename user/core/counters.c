// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading, zeroing and copying the per-CPU counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/counters.h"
#include "core/state.h"
#include "util/log.h"

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

/*
 * Where the data path counts each reason (the port index it passes to
 * vmst_verdict, bpf/lib/verdict.h): the uplink program before it found a port
 * counts under port 0 (malformed, multicast, unknown_dst,
 * vlan_unsupported); after, under the port (too_big, no_target,
 * drop_no_target). The tap program counts under the tap's port, and
 * vm_no_port under port 0 too when the tap is no port's.
 */
bool vms_reason_portless(__u32 reason)
{
	switch (reason) {
	case VMST_R_PASS_MALFORMED:
	case VMST_R_PASS_MULTICAST:
	case VMST_R_PASS_UNKNOWN:
	case VMST_R_PASS_VLAN:
	case VMST_R_DROP_VM_NO_PORT:
		return true;
	default:
		return false;
	}
}

bool vms_reason_per_port(__u32 reason)
{
	switch (reason) {
	case VMST_R_PASS_MALFORMED:
	case VMST_R_PASS_MULTICAST:
	case VMST_R_PASS_UNKNOWN:
	case VMST_R_PASS_VLAN:
		return false;
	default:
		return reason < VMST_R_MAX;
	}
}

bool vms_reason_drops(__u32 reason)
{
	return reason < VMST_R_MAX && reason_kind[reason] == VMST_KIND_DROP;
}

const char *const vms_hook_names[VMS_HOOKS] = {
	[VMS_HOOK_XDP] = "xdp", [VMS_HOOK_TC] = "tc"};

/*
 * The programs that count each reason (bpf/lib/verdict.h): the uplink XDP
 * program its passes; the tap tc program a VM's passes (the tap XDP
 * program leaves those frames to it); drops both kinds, the tap XDP
 * program every check of vmst_tx_check and the uplink XDP program
 * drop_no_target, but not vm_too_big (it leaves a frame too long for its
 * target to tc).
 */
unsigned int vms_reason_hooks(__u32 reason)
{
	if (reason >= VMST_R_MAX)
		return 0;
	if (reason_kind[reason] == VMST_KIND_PASS)
		return reason_dir[reason] == VMST_DIR_UPLINK ? VMS_HOOK_BIT_XDP
							     : VMS_HOOK_BIT_TC;
	if (reason == VMST_R_DROP_VM_TOO_BIG)
		return VMS_HOOK_BIT_TC;
	return VMS_HOOK_BIT_XDP | VMS_HOOK_BIT_TC;
}

#define VMS_XD_OF_DROP(name)		       [VMST_R_##name] = VMST_XD_##name,
#define VMS_XD_OF_PASS(name)		       [VMST_R_##name] = -1,
#define VMS_X_XD(name, dir, kind, label, help) VMS_XD_OF_##kind(name)
/* The XDP slot of each drop reason (enum vmst_xdp_drop), -1 for a pass. */
static const int reason_xd[VMST_R_MAX] = {VMST_REASONS(VMS_X_XD)};
#undef VMS_X_XD
#undef VMS_XD_OF_PASS
#undef VMS_XD_OF_DROP

int vms_reason_xdp_slot(__u32 reason)
{
	if (reason >= VMST_R_MAX)
		return -1;
	return reason_xd[reason] < 0 ? (int)reason
				     : VMST_REASON_SLOTS + reason_xd[reason];
}

/* A port's row of vmst_rstats (summed over CPUs) as counts by hook. */
static void reasons_from_row(const struct vmst_counter *row,
			     struct vms_reasons *out)
{
	int r, h;

	memset(out, 0, sizeof(*out));
	for (r = 0; r < VMST_R_MAX; r++) {
		if (reason_xd[r] >= 0)
			out->hook[VMS_HOOK_XDP][r] =
				row[VMST_REASON_SLOTS + reason_xd[r]];
		h = vms_reason_hooks(r) == VMS_HOOK_BIT_XDP ? VMS_HOOK_XDP
							    : VMS_HOOK_TC;
		out->hook[h][r] = row[r];
		for (h = 0; h < VMS_HOOKS; h++) {
			out->all[r].frames += out->hook[h][r].frames;
			out->all[r].bytes += out->hook[h][r].bytes;
		}
	}
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

/* Bytes one key of @fd holds: every CPU's copy for a per-CPU map. */
static size_t value_bytes(bool percpu, size_t value_size)
{
	return percpu ? (size_t)ncpus() * ((value_size + 7) & ~(size_t)7)
		      : value_size;
}

int vms_array_read(int fd, __u32 first, __u32 n, void *buf, size_t vbytes)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 *keys, done = 0, count, in, out;
	int err = 0;

	keys = calloc(n ?: 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	while (done < n) {
		/* The batch goes on after the key in_batch names. */
		in = first + done - 1;
		count = n - done;
		if (bpf_map_lookup_batch(fd, first + done ? &in : NULL, &out,
					 keys, (char *)buf + done * vbytes,
					 &count, &o) &&
		    errno != ENOENT) {
			err = -errno;
			break;
		}
		if (!count) {
			err = -ENOENT;
			break;
		}
		done += count;
	}
	free(keys);
	return err;
}

int vms_ports_read_all(const struct vms_maps *m, enum vms_map map, void *buf,
		       size_t vbytes)
{
	int err;

	memset(buf, 0, VMST_MAX_PORTS * vbytes);
	if (m->fd[map] < 0)
		return 0;
	err = vms_array_read(m->fd[map], 0, VMST_MAX_PORTS, buf, vbytes);
	if (err)
		return vms_err(err, "map %s: cannot read: %s",
			       vms_map_table[map].name, strerror(-err));
	return 0;
}

/* Write @buf (@n values, zeros when NULL) to keys @first.. of @fd. */
static int array_write_range(int fd, __u32 first, __u32 n, const void *buf,
			     size_t vbytes)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_ANY);
	void *zeros = NULL;
	__u32 *keys, i, count = n;
	int err = 0;

	keys = calloc(n ?: 1, sizeof(*keys));
	if (!buf)
		buf = zeros = calloc(n ?: 1, vbytes);
	if (!keys || !buf) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		keys[i] = first + i;
	if (bpf_map_update_batch(fd, keys, buf, &count, &o))
		err = -errno;
out:
	free(keys);
	free(zeros);
	return err;
}

/* Sum @n per-CPU values of @words 64-bit words each from @buf into @out. */
static void sum_cpus(const void *buf, __u32 n, size_t words, __u64 *out)
{
	const __u64 *v = buf;
	__u32 k;
	size_t w;
	int cpu;

	for (k = 0; k < n; k++)
		for (cpu = 0; cpu < ncpus(); cpu++, v += words)
			for (w = 0; w < words; w++)
				out[k * words + w] += v[w];
}

/*
 * The @n entries of per-CPU map @map from key @key, @words 64-bit words
 * each, summed over the CPUs into @out (zeroed first). Messages name the
 * ports @first..@first + @ports - 1 they belong to.
 */
static int read_summed(const struct vms_maps *m, enum vms_map map, __u32 key,
		       __u32 n, size_t words, __u64 *out, __u32 first,
		       __u32 ports)
{
	size_t vb = value_bytes(true, words * sizeof(__u64));
	void *buf = calloc(n ?: 1, vb);
	int err;

	memset(out, 0, n * words * sizeof(__u64));
	if (!buf)
		return vms_err(-ENOMEM, "out of memory");
	err = vms_array_read(m->fd[map], key, n, buf, vb);
	if (!err)
		sum_cpus(buf, n, words, out);
	free(buf);
	if (err)
		return vms_err(err, "map %s: ports %u..%u: %s",
			       vms_map_table[map].name, first,
			       first + ports - 1, strerror(-err));
	return 0;
}

int vms_read_port_stats_range(const struct vms_maps *m, __u32 first, __u32 n,
			      struct vmst_port_stats *sum)
{
	return read_summed(m, VMS_MAP_PSTATS, first, n, VMST_PC_SLOTS,
			   &sum->c[0], first, n);
}

int vms_read_port_stats(const struct vms_maps *m, __u32 idx,
			struct vmst_port_stats *sum)
{
	return vms_read_port_stats_range(m, idx, 1, sum);
}

int vms_read_reasons_range(const struct vms_maps *m, __u32 first, __u32 n,
			   struct vms_reasons *out)
{
	struct vmst_counter *all;
	__u32 k;
	int err;

	all = calloc((size_t)(n ?: 1) * VMST_RSTATS_ROW, sizeof(*all));
	if (!all)
		return vms_err(-ENOMEM, "out of memory");
	err = read_summed(m, VMS_MAP_RSTATS, VMST_RSTATS_KEY(first, 0),
			  n * VMST_RSTATS_ROW, 2, &all[0].frames, first, n);
	if (!err)
		for (k = 0; k < n; k++)
			reasons_from_row(&all[k * VMST_RSTATS_ROW], &out[k]);
	free(all);
	return err;
}

int vms_read_reasons(const struct vms_maps *m, __u32 idx,
		     struct vms_reasons *out)
{
	return vms_read_reasons_range(m, idx, 1, out);
}

int vms_read_queue_stats(const struct vms_maps *m, __u32 idx,
			 struct vmst_queue_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (m->fd[VMS_MAP_QSTATS] < 0)
		return 0; /* a state from before queue steering: none yet */
	/* One copy for all CPUs (atomic increments). */
	if (bpf_map_lookup_elem(m->fd[VMS_MAP_QSTATS], &idx, sum))
		return vms_err(-errno, "map %s: port %u: %s", VMST_MAP_QSTATS,
			       idx, strerror(errno));
	return 0;
}

/* The counter maps of a port: map, first key, keys, per CPU, value size. */
struct port_keys {
	enum vms_map map;
	__u32 first, n;
	bool percpu;
	size_t size;
};

static int port_keys(const struct vms_maps *m, __u32 idx,
		     struct port_keys out[3])
{
	int n = 0;

	out[n++] = (struct port_keys){VMS_MAP_PSTATS, idx, 1, true,
				      sizeof(struct vmst_port_stats)};
	out[n++] = (struct port_keys){VMS_MAP_RSTATS, VMST_RSTATS_KEY(idx, 0),
				      VMST_RSTATS_ROW, true,
				      sizeof(struct vmst_counter)};
	if (m->fd[VMS_MAP_QSTATS] >= 0)
		out[n++] = (struct port_keys){VMS_MAP_QSTATS, idx, 1, false,
					      sizeof(struct vmst_queue_stats)};
	return n;
}

int vms_zero_port_counters(const struct vms_maps *m, __u32 idx)
{
	struct port_keys k[3];
	int i, n = port_keys(m, idx, k), err = 0;

	for (i = 0; !err && i < n; i++)
		err = array_write_range(m->fd[k[i].map], k[i].first, k[i].n,
					NULL,
					value_bytes(k[i].percpu, k[i].size));
	if (err)
		return vms_err(err, "port %u: cannot reset counters: %s", idx,
			       strerror(-err));
	return 0;
}

int vms_copy_port_counters(const struct vms_maps *m, __u32 from, __u32 to)
{
	struct port_keys kf[3], kt[3];
	int i, n = port_keys(m, from, kf), err = 0;

	port_keys(m, to, kt);
	for (i = 0; !err && i < n; i++) {
		size_t vb = value_bytes(kf[i].percpu, kf[i].size);
		void *buf = calloc(kf[i].n, vb);

		err = buf ? vms_array_read(m->fd[kf[i].map], kf[i].first,
					   kf[i].n, buf, vb)
			  : -ENOMEM;
		if (!err)
			err = array_write_range(m->fd[kt[i].map], kt[i].first,
						kt[i].n, buf, vb);
		free(buf);
	}
	if (err)
		return vms_err(err, "port %u: cannot copy counters: %s", to,
			       strerror(-err));
	return 0;
}
