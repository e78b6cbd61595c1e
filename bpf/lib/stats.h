/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counting: per-CPU, so no atomics; user space sums the CPUs. */
#ifndef VMST_BPF_STATS_H
#define VMST_BPF_STATS_H

#include "maps.h"

/* Count a frame of @bytes under key @key of vmst_rstats. */
static __always_inline void vmst_count_rstats(__u32 key, __u64 bytes)
{
	struct vmst_counter *c = bpf_map_lookup_elem(&vmst_rstats, &key);

	if (c) {
		c->frames++;
		c->bytes += bytes;
	}
}

/* Count a frame of @bytes under (@port, @reason). */
static __always_inline void vmst_count_reason(__u32 port, __u32 reason,
					      __u64 bytes)
{
	vmst_count_rstats(VMST_RSTATS_KEY(port, reason), bytes);
}

/* The XDP slot (enum vmst_xdp_drop) of each drop reason; 0xff: a pass.
 * volatile keeps it in the object's one .rodata (the frozen map the
 * verifier reads as constants): a plain const array goes to a mergeable
 * .rodata.cst32, and a section(".rodata") attribute makes clang 16/19
 * emit a second section named .rodata, which bpftool 7.1's skeleton
 * names twice. */
#define VMST_XDOF_DROP(name)			  [VMST_R_##name] = VMST_XD_##name,
#define VMST_XDOF_PASS(name)			  [VMST_R_##name] = 0xff,
#define VMST_X_XDOF(name, dir, kind, label, help) VMST_XDOF_##kind(name)
static const volatile __u8 vmst_xdp_drop_of[VMST_REASON_SLOTS] = {
	VMST_REASONS(VMST_X_XDOF)};
#undef VMST_X_XDOF
#undef VMST_XDOF_PASS
#undef VMST_XDOF_DROP

/* Count a frame of @bytes an XDP program dropped under (@port, @reason):
 * in the reason's XDP slot (the reason's own for a pass reason, which
 * no XDP program drops at). */
static __always_inline void vmst_count_xdp_drop(__u32 port, __u32 reason,
						__u64 bytes)
{
	__u32 xd = vmst_xdp_drop_of[reason & (VMST_REASON_SLOTS - 1)];

	if (xd < VMST_XDP_DROP_SLOTS)
		vmst_count_rstats(VMST_RSTATS_XDP_KEY(port, xd), bytes);
	else
		vmst_count_reason(port, reason, bytes);
}

/* The per-CPU counters of @port, or NULL for an index out of range. */
static __always_inline struct vmst_port_stats *vmst_port_stats(__u32 port)
{
	return bpf_map_lookup_elem(&vmst_pstats, &port);
}

/* Add a frame of @bytes to the pair @c. */
static __always_inline void vmst_count(struct vmst_counter *c, __u64 bytes)
{
	c->frames++;
	c->bytes += bytes;
}

/* Add a frame of @bytes to the pair @field (struct vmst_port_stats) of
 * port @port. */
#define vmst_count_port(port, field, bytes)                          \
	({                                                           \
		struct vmst_port_stats *st_ = vmst_port_stats(port); \
                                                                     \
		if (st_)                                             \
			vmst_count(&st_->field, (bytes));            \
	})

#endif /* VMST_BPF_STATS_H */
