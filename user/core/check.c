// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Consistency check of the pinned state, for `vmsteer status` and the
 * crash tests. The write order of ports.c promises that whatever point a
 * CLI is killed at, every FDB slot names a port whose record is in use,
 * whose data-path entry carries the record's key and whose redirect
 * target is the record's tap. A broken promise could lose frames and is
 * reported as an inconsistency. What an interrupted command may leave
 * behind without harm (a record no FDB slot reaches, two records of one
 * tap, addresses in the LPM tries that no port's record holds) is
 * reported as a pending repair: `vmsteer apply` carries it out.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "core/check.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/rss.h"
#include "load/rsskeys.h"
#include "util/netdev.h"

/* True when the tap of @c was in this namespace and is gone. */
static bool tap_gone(const struct vmst_port_cfg *c, __u32 netns)
{
	return c->netns_ino == netns && !vms_port_tap_there(c, NULL);
}

/*
 * Ports whose RSS entry names a key slot whose tables are another key's:
 * the programs send all their frames to the default queue. vmsteer never
 * writes a slot an entry names (load/rsskeys.c), so only a write from
 * outside leaves this; the port's next RSS write (apply, rss set) gives it
 * its key's tables again.
 */
static int check_rss_keys(const struct vms_maps *m,
			  const struct vmst_port_cfg *cfg, vms_check_fn report,
			  void *ctx)
{
	static struct vmst_rss rss[VMST_MAX_PORTS];
	const struct vms_rss_keys *k;
	char msg[200];
	__u32 idx;
	int n = 0, err;

	err = vms_rss_read_all(m, rss);
	if (err)
		return err;
	k = vms_rss_keys_of(m);
	if (!k)
		return -EIO;
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_rss *r = &rss[idx];

		if (!vms_port_in_use(&cfg[idx]) || !r->table_size)
			continue;
		if (r->key_slot && r->key_slot < VMST_RSS_KEY_SLOTS &&
		    !memcmp(k->key[r->key_slot], r->key, sizeof(r->key)))
			continue;
		snprintf(msg, sizeof(msg),
			 "port %.16s (index %u) names RSS key slot %u, whose "
			 "tables are not of its key: its frames all go to "
			 "its default queue",
			 cfg[idx].name, idx, r->key_slot);
		report(ctx, VMS_CHECK_REPAIR, msg);
		n++;
	}
	return n;
}

int vms_state_check(const struct vms_maps *m, vms_check_fn report, void *ctx)
{
	static __u32 slot_of[VMST_MAX_PORTS]; /* FDB slot + 1 naming a port */
	static __u32 fdb[VMST_FDB_SLOTS];
	static __u32 first[VMST_MAX_PORTS]; /* vms_port_first_of */
	__u32 netns = vms_netns_ino(), s, idx, tx, j;
	const struct vmst_port_cfg *cfg;
	struct vmst_port port;
	char msg[160];
	int n = 0, err;

	err = vms_port_table(m, &cfg);
	if (!err)
		err = vms_fdb_read(m, fdb);
	if (err)
		return err;
	memset(slot_of, 0, sizeof(slot_of));
	for (s = 0; s < VMST_FDB_SLOTS; s++) {
		const struct vmst_port_cfg *c;
		const char *why = NULL;
		__u64 key;

		idx = fdb[s];
		if (!idx)
			continue;
		if (idx >= VMST_MAX_PORTS) {
			snprintf(msg, sizeof(msg),
				 "FDB slot %u names port index %u, out of "
				 "range",
				 s, idx);
			report(ctx, VMS_CHECK_BROKEN, msg);
			n++;
			continue;
		}
		c = &cfg[idx];
		key = vmst_fdb_key(c->vlan, vms_mac48(c->mac));
		if (!vms_port_in_use(c))
			why = "a free port index";
		else if (bpf_map_lookup_elem(m->fd[VMS_MAP_PORTS], &idx, &port))
			why = "a port with no data-path entry";
		else if (port.key != key)
			why = "a port whose data-path key is not its record's";
		else if (bpf_map_lookup_elem(m->fd[VMS_MAP_TX], &idx, &tx))
			why = tap_gone(c, netns) ? NULL /* status says so */
						 : "a port with no redirect "
						   "target";
		else if (tx != c->ifindex)
			why = "a port whose redirect target is another device";
		if (why) {
			snprintf(msg, sizeof(msg),
				 "FDB slot %u names %s (index %u%s%.16s)", s,
				 why, idx, vms_port_in_use(c) ? ", " : "",
				 c->name);
			report(ctx, VMS_CHECK_BROKEN, msg);
			n++;
			continue;
		}
		if (slot_of[idx]) {
			snprintf(msg, sizeof(msg),
				 "FDB slots %u and %u both name port %.16s "
				 "(index %u)",
				 slot_of[idx] - 1, s, c->name, idx);
			report(ctx, VMS_CHECK_REPAIR, msg);
			n++;
		}
		slot_of[idx] = s + 1;
	}
	/* Addresses no port's record holds: a reused index would get them. */
	err = vms_addr_sweep(m, 0, false, report, ctx);
	if (err < 0)
		return err;
	n += err;
	err = vms_port_first_of(cfg, first);
	if (err)
		return err;
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		if (!vms_port_in_use(&cfg[idx]))
			continue;
		j = first[idx];
		if (j < idx) {
			snprintf(msg, sizeof(msg),
				 "port %.16s has two records (index %u and "
				 "%u): an interrupted change",
				 cfg[idx].name, j, idx);
			report(ctx, VMS_CHECK_REPAIR, msg);
			n++;
		} else if (!slot_of[idx] &&
			   !(cfg[idx].flags & VMST_CFG_F_PENDING)) {
			snprintf(msg, sizeof(msg),
				 "port %.16s (index %u) is in no FDB slot: an "
				 "interrupted add or delete",
				 cfg[idx].name, idx);
			report(ctx, VMS_CHECK_REPAIR, msg);
			n++;
		}
	}
	err = check_rss_keys(m, cfg, report, ctx);
	return err < 0 ? err : n + err;
}
