/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Ports and FDB (ports.c). */
#ifndef VMS_CORE_PORTS_H
#define VMS_CORE_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/check.h"
#include "core/state.h"

/* What `port add` asks for. */
struct vms_port_spec {
	char name[16];
	__u32 ifindex; /* 0 (and mtu 0): the tap does not exist, pending */
	__u32 netns_ino;
	__u8 mac[6];
	__u16 vlan; /* 0: untagged port */
	bool trunk; /* a trunk port: tags with a VID of @vids allowed */
	struct vmst_trunk vids;
	__u32 mtu;
	bool trusted; /* RA and DHCP server messages allowed */
	__u32 naddrs; /* addresses: none = MAC checks only */
	struct vmst_addr addrs[VMST_MAX_ADDRS];
	bool xdp_steer; /* XDP frames hop through the CPUMAP (RSS queue) */
	bool agent;	/* managed by `vmsteer agent` (VMST_CFG_F_AGENT) */
	bool tx_tc; /* --tx-hook tc: no tap XDP program (VMST_CFG_F_TX_TC) */
};

/* The spec that writes pinned port record @idx (@c) back as it is. */
int vms_port_spec_from_record(const struct vms_maps *m, __u32 idx,
			      const struct vmst_port_cfg *c,
			      struct vms_port_spec *s);

/* Check a spec on its own (MAC unicast, VLAN range, addresses valid and
 * not overlapping each other...): 0 or -errno. */
int vms_port_spec_check(const struct vms_port_spec *s);
/*
 * Add a port or update the one of the same name (and netns). A spec with
 * ifindex 0 makes the port pending (VMST_CFG_F_PENDING: no FDB slot, no
 * redirect target; its configuration stays). Refuses a MAC another port
 * owns on the same VLAN, an address overlapping one of another port on the
 * same VLAN, a full port table or FDB, and leaves the maps as they were on
 * any error; a port of this namespace whose tap is gone (pending, or its
 * tap vanished) is no owner: its MAC moves to the new port, which takes
 * its place (and index) when no port has the new name. On success *@idx is
 * the port index.
 */
int vms_port_upsert(const struct vms_maps *m, const struct vms_port_spec *s,
		    __u32 *idx);
/* Set or clear VMST_PORT_F_XDP_STEER in port @idx's data-path entry. */
int vms_port_set_xdp_steer(const struct vms_maps *m, __u32 idx, bool on);
/* Remove port @idx: FDB entry, target, counters and record. */
int vms_port_delete(const struct vms_maps *m, __u32 idx);
/*
 * True when port record @c of this namespace (@netns) has no tap: pending,
 * or its tap vanished (no device of its ifindex and name).
 */
bool vms_port_tapless(const struct vmst_port_cfg *c, __u32 netns);
/* The record is a port's (not a free index). */
static inline bool vms_port_in_use(const struct vmst_port_cfg *c)
{
	return c->flags & VMST_CFG_F_IN_USE;
}
/* The device of record @c's ifindex, seen from the caller's namespace,
 * still has the port's name: its tap is there. @name (IF_NAMESIZE bytes,
 * or NULL) gets the device's name. */
bool vms_port_tap_there(const struct vmst_port_cfg *c, char *name);
/* Seconds of CLOCK_BOOTTIME (the clock of pending_since). */
__u32 vms_boottime(void);
/* Index of the port of MAC @mac on @vlan in @netns_ino, 0 when none. */
int vms_port_find_mac(const struct vms_maps *m, const __u8 mac[6], __u16 vlan,
		      __u32 netns_ino, struct vmst_port_cfg *cfg);
/* True when a port of namespace @netns_ino has MAC @mac (any VLAN). */
bool vms_port_mac_used(const struct vms_maps *m, const __u8 mac[6],
		       __u32 netns_ino);
/*
 * For each record of table @cfg in use, the lowest index of a record of
 * the same tap (name and namespace): its own when it is the first, another
 * for the duplicate an interrupted change may leave. 0 for a free index.
 * In O(N log N) (a pairwise search took seconds at 4,096 ports).
 * 0 or -ENOMEM (reported).
 */
int vms_port_first_of(const struct vmst_port_cfg *cfg,
		      __u32 first[VMST_MAX_PORTS]);
/* Index of the port named @name in @netns_ino, 0 when none, or -errno. */
int vms_port_find(const struct vms_maps *m, const char *name, __u32 netns_ino,
		  struct vmst_port_cfg *cfg);
/*
 * The one way to read the port table: *@t points to every port record
 * (VMST_MAX_PORTS, index 0 unused; a record with flags 0 is free).
 * A writer's cache (vms_state_open with VMS_OPEN_WRITE) keeps the table
 * current through every write, and it is read once; a command without
 * one reads it at each call into one buffer the process shares. The
 * table is valid until the state is closed, and may change under its
 * reader only by writes of its own or by a later call. @m NULL: no state
 * yet, every index free. 0 or -errno (reported).
 */
int vms_port_table(const struct vms_maps *m, const struct vmst_port_cfg **t);
/* A port cache for struct vms_maps (NULL when out of memory: no cache). */
struct vms_port_cache *vms_port_cache_new(void);
void vms_port_cache_free(struct vms_port_cache *c);
/* Every FDB slot (port index, 0: free), or -errno. */
int vms_fdb_read(const struct vms_maps *m, __u32 fdb[VMST_FDB_SLOTS]);
/* Number of used FDB slots, or -errno. */
int vms_fdb_count(const struct vms_maps *m);

/*
 * Addresses in the LPM tries that no port's transmit record holds (a
 * free index, or an address its record does not list): what a command
 * killed between two writes may leave. Only port index @only when not 0.
 * Each is reported (@report may be NULL) and, with @fix, removed.
 * Returns how many there were, or -errno.
 */
int vms_addr_sweep(const struct vms_maps *m, __u32 only, bool fix,
		   vms_check_fn report, void *ctx);

#endif /* VMS_CORE_PORTS_H */
