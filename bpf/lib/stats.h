/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Counting: per-CPU, so no atomics; user space sums the CPUs. */
#ifndef VMST_BPF_STATS_H
#define VMST_BPF_STATS_H

#include "maps.h"

/* Count a frame of @bytes under (@port, @reason). */
static __always_inline void vmst_count_reason(__u32 port, __u32 reason,
					      __u64 bytes)
{
	__u32 key = VMST_RSTATS_KEY(port, reason);
	struct vmst_counter *c = bpf_map_lookup_elem(&vmst_rstats, &key);

	if (c) {
		c->frames++;
		c->bytes += bytes;
	}
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
