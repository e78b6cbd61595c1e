/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * FDB lookup: (VLAN, MAC) key -> port index. The home slot comes from
 * vmst_fdb_hash(); the next VMST_FDB_PROBES - 1 slots are searched after
 * it. A slot only names a candidate port: the port's own key decides, so
 * a slot being rewritten can never send a frame to the wrong port.
 */
#ifndef VMST_BPF_FDB_H
#define VMST_BPF_FDB_H

#include "maps.h"

/* Port index owning @key, or 0 when no port does. */
static __always_inline __u32 vmst_fdb_lookup(__u64 key,
					     struct vmst_port **portp)
{
	__u32 home = vmst_fdb_hash(key);
	int i;

#pragma unroll
	for (i = 0; i < VMST_FDB_PROBES; i++) {
		__u32 slot = (home + i) & VMST_FDB_MASK;
		struct vmst_port *port;
		__u32 *idx;

		idx = bpf_map_lookup_elem(&vmst_fdb, &slot);
		if (!idx || !*idx)
			continue;
		port = bpf_map_lookup_elem(&vmst_ports, idx);
		if (port && port->key == key) {
			*portp = port;
			return *idx;
		}
	}
	return 0;
}

/* The control record of port @idx when it is in use, else NULL. */
static __always_inline struct vmst_port_cfg *vmst_port_cfg_of(__u32 idx)
{
	struct vmst_port_cfg *c = bpf_map_lookup_elem(&vmst_port_cfg, &idx);

	if (!c || !(c->flags & VMST_CFG_F_IN_USE) || !c->ifindex)
		return NULL;
	return c;
}

#endif /* VMST_BPF_FDB_H */
