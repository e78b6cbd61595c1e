// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pinned state read back as a document, the plan that takes it to
 * another document, and the plan carried out. `apply` plans a whole
 * document; `port add`, `port del` and `rss set` plan an edit of one port
 * (vms_port_edit) through the same steps, order and rollback.
 *
 * The planner is a sequence of small steps over one plan context: read the
 * state, refuse what it makes impossible, uplinks, repairs, ports (deletes,
 * then adds and updates in an order that never asks for a key another port
 * still holds), queue steering, detaches, and a dry run of the FDB. An
 * edit runs the same steps over the one port: the other ports are left as
 * they are, so nothing is read or checked per port beyond one batch read
 * of the port table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config/config.h"
#include "core/lifecycle.h"
#include "core/addr.h"
#include "core/ports.h"
#include "core/state.h"
#include "core/trunk.h"
#include "load/rss.h"
#include "load/rsskeys.h"
#include "load/tapxdp.h"
#include "load/tc.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

/* ---- the state's configuration ----------------------------------------- */

static __u64 rec_key(const struct vmst_port_cfg *c)
{
	return vmst_fdb_key(c->vlan, vms_mac48(c->mac));
}

static __u64 port_key(const struct vms_cfg_port *p)
{
	return vmst_fdb_key(p->vlan, vms_mac48(p->mac));
}

/* The port table of @st (none: every index free). */
static int read_ports(struct vms_state *st, const struct vmst_port_cfg **pc)
{
	return vms_port_table(st ? &st->maps : NULL, pc);
}

static int read_uplinks(struct vms_state *st, struct vms_uplink_info *up)
{
	int n;

	if (!st)
		return 0;
	n = vms_uplink_list(st, up, VMST_MAX_UPLINKS);
	if (n < 0)
		return vms_err(n, "cannot list the uplinks: %s", strerror(-n));
	return n;
}

int vms_cfg_port_from_record(struct vms_state *st, __u32 idx,
			     const struct vmst_port_cfg *c, __u32 netns,
			     struct vms_cfg_port *p)
{
	struct vmst_port_tx tx;
	int err;

	memset(p, 0, sizeof(*p));
	snprintf(p->tap, sizeof(p->tap), "%.*s", (int)sizeof(c->name) - 1,
		 c->name);
	memcpy(p->mac, c->mac, 6);
	p->vlan = c->vlan;
	if (!vms_port_tapless(c, netns)) {
		p->ifindex = c->ifindex;
		p->mtu = c->mtu;
	}
	p->trusted = c->flags & VMST_CFG_F_TRUSTED;
	p->agent = c->flags & VMST_CFG_F_AGENT;
	p->tx_tc = c->flags & VMST_CFG_F_TX_TC;
	p->trunk = c->flags & VMST_CFG_F_TRUNK;
	if (!st)
		return 0;
	err = p->trunk ? vms_port_trunk_read(&st->maps, idx, &p->vids) : 0;
	if (!err)
		err = vms_port_tx_read(&st->maps, idx, &tx);
	if (!err)
		err = vms_rss_read(&st->maps, idx, &p->rss);
	if (err)
		return err;
	p->naddrs = tx.naddrs;
	memcpy(p->addrs, tx.addrs, sizeof(p->addrs));
	if (!(p->rss.flags & VMST_RSS_F_ENABLED))
		memset(&p->rss, 0, sizeof(p->rss));
	return 0;
}

int vms_config_from_state(struct vms_state *st, struct vms_config *cfg)
{
	static __u32 first[VMST_MAX_PORTS]; /* vms_port_first_of */
	const struct vmst_port_cfg *pc;
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	__u32 netns = vms_netns_ino();
	int i, n, err;

	memset(cfg, 0, sizeof(*cfg));
	n = read_uplinks(st, up);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct vms_cfg_uplink *u = &cfg->uplinks[cfg->n_uplinks];

		if (up[i].netns_ino != netns)
			continue;
		if (up[i].defunct || !up[i].name[0]) {
			pr_warn("uplink ifindex %u: its device is gone; left "
				"out (apply detaches it)",
				up[i].ifindex);
			continue;
		}
		snprintf(u->device, sizeof(u->device), "%s", up[i].name);
		u->ifindex = up[i].ifindex;
		u->mode = up[i].mode == VMST_MODE_NATIVE ? VMS_ATTACH_NATIVE
							 : VMS_ATTACH_GENERIC;
		cfg->n_uplinks++;
	}
	err = read_ports(st, &pc);
	if (!err)
		err = vms_port_first_of(pc, first);
	if (err)
		return err;
	for (i = 1; i < VMST_MAX_PORTS; i++) {
		struct vms_cfg_port *p = &cfg->ports[cfg->n_ports];

		if (!vms_port_in_use(&pc[i]) || pc[i].netns_ino != netns)
			continue;
		if (first[i] != (__u32)i)
			continue; /* a duplicate record: apply repairs it */
		err = vms_cfg_port_from_record(st, i, &pc[i], netns, p);
		if (err)
			return err;
		cfg->n_ports++;
	}
	vms_config_sort(cfg);
	return 0;
}

/* ---- plan: the context and its steps ------------------------------------ */

struct plan_ctx {
	struct vms_state *st; /* NULL: no state yet */
	const struct vms_config *cfg;
	const char *name; /* document name for messages */
	struct vms_plan *plan;
	struct vms_edit *edit; /* NULL: the whole document */
	__u32 netns;
	/* the state */
	const struct vmst_port_cfg *pc; /* vms_port_table */
	__u32 fdb[VMST_FDB_SLOTS];
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	int n_up;
	/* per document port: its record index now (cur) and before any
	 * change (orig), the key its record holds, whether it still waits
	 * to be added or updated */
	int cur[VMS_CFG_MAX_PORTS];
	int orig[VMS_CFG_MAX_PORTS];
	__u64 cur_key[VMS_CFG_MAX_PORTS];
	bool pending[VMS_CFG_MAX_PORTS];
	/* per document port: its key in the document; how many pending
	 * ports hold a key (only those can make another wait) */
	__u64 key[VMS_CFG_MAX_PORTS];
	int keyed;
	/* per document port: the program of its tap's tc filter and its
	 * tap's XDP program when vmsteer's (apply) */
	__u32 tc_id[VMS_CFG_MAX_PORTS];
	__u32 xdp_id[VMS_CFG_MAX_PORTS];
	/* apply: every record's trunk VIDs, read at once */
	struct vmst_trunk trunk[VMST_MAX_PORTS];
	/* the document's ports in order of tap (doc_port_of) */
	const struct vms_cfg_port *by_tap[VMS_CFG_MAX_PORTS];
	bool kept[VMST_MAX_PORTS]; /* records of the document's ports */
};

static struct vms_op *plan_push(struct vms_plan *plan, enum vms_op_kind kind,
				int cfg_idx, __u32 index, const char *name)
{
	struct vms_op *op;

	if (plan->n == plan->cap) {
		int cap = plan->cap ? plan->cap * 2 : 16;
		struct vms_op *ops = realloc(plan->ops, cap * sizeof(*ops));

		if (!ops)
			return NULL;
		plan->ops = ops;
		plan->cap = cap;
	}
	op = &plan->ops[plan->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->cfg_idx = cfg_idx;
	op->index = index;
	if (name)
		snprintf(op->name, sizeof(op->name), "%s", name);
	return op;
}

/* plan_push, or NULL after vms_err(-ENOMEM). */
static struct vms_op *push(struct plan_ctx *c, enum vms_op_kind kind,
			   int cfg_idx, __u32 index, const char *name)
{
	struct vms_op *op = plan_push(c->plan, kind, cfg_idx, index, name);

	if (!op)
		vms_err(-ENOMEM, "out of memory");
	return op;
}

static void op_old_port(struct vms_op *op, const struct vmst_port_cfg *c)
{
	memcpy(op->old_mac, c->mac, 6);
	op->old_vlan = c->vlan;
	op->old_ifindex = c->ifindex;
	op->old_mtu = c->mtu;
}

void vms_plan_free(struct vms_plan *plan)
{
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

/* A record of another network namespace. */
static bool foreign(const struct plan_ctx *c, int j)
{
	return vms_port_in_use(&c->pc[j]) && c->pc[j].netns_ino != c->netns;
}

/* A record of this namespace the plan looks at: all of them for apply,
 * only the edited port's for an edit. */
static bool in_scope(const struct plan_ctx *c, int j)
{
	const struct vms_edit *e = c->edit;

	if (!vms_port_in_use(&c->pc[j]) || c->pc[j].netns_ino != c->netns)
		return false;
	if (!e)
		return true;
	if (e->kind == VMS_EDIT_DELETE && e->index)
		return (__u32)j == e->index;
	return (__u32)j == e->existed;
}

static int plan_read(struct plan_ctx *c)
{
	int err, j;

	c->n_up = read_uplinks(c->st, c->up);
	if (c->n_up < 0)
		return c->n_up;
	err = read_ports(c->st, &c->pc);
	if (err)
		return err;
	memset(c->fdb, 0, sizeof(c->fdb));
	/* An edit repairs nothing and leaves the FDB check to ports.c. */
	if (c->st && !c->edit)
		return vms_fdb_read(&c->st->maps, c->fdb);
	for (j = 1; c->edit && j < VMST_MAX_PORTS; j++)
		if (vms_port_in_use(&c->pc[j]) &&
		    c->pc[j].netns_ino == c->netns &&
		    !strncmp(c->pc[j].name, c->edit->port.tap,
			     sizeof(c->pc[j].name)))
			break;
	if (c->edit) /* the first record of the tap, as vms_port_find */
		c->edit->existed = j < VMST_MAX_PORTS ? j : 0;
	return 0;
}

/* Document port @i's addresses against those of foreign record @j. */
static int check_foreign_addrs(struct plan_ctx *c, int i, int j,
			       const struct vmst_port_tx *tx)
{
	const struct vms_cfg_port *p = &c->cfg->ports[i];
	char path[64], x[VMS_ADDR_STRLEN];
	__u32 k, l;

	if (p->vlan != c->pc[j].vlan)
		return 0;
	for (k = 0; k < p->naddrs; k++)
		for (l = 0; l < tx->naddrs; l++) {
			if (!vms_addr_overlap(&p->addrs[k], &tx->addrs[l]))
				continue;
			snprintf(path, sizeof(path), "ports[%d].addresses[%u]",
				 i, k);
			vms_format_addr(&tx->addrs[l], x);
			c->plan->bad_port = i + 1;
			return vms_cfg_err(c->name, path,
					   "overlaps %s of port %.16s of "
					   "another network namespace",
					   x, c->pc[j].name);
		}
	return 0;
}

/* @n ports or uplinks (@what) fit beside @other of other namespaces. */
static int check_room(const struct plan_ctx *c, const char *what, int n,
		      int other, int limit)
{
	if (n + other <= limit)
		return 0;
	return vms_cfg_err(c->name, what,
			   "%d %s, but only %d fit beside the %d of other "
			   "network namespaces (limit %d)",
			   n, what, limit - other, other, limit);
}

/* What ports of other namespaces make impossible: refuse it before any
 * change. (An edit leaves these checks to ports.c, whose messages name
 * the command's options.) */
static int plan_check_foreign(struct plan_ctx *c)
{
	const struct vms_config *cfg = c->cfg;
	char path[64], mac[18], vl[24];
	int i, j, err, other = 0;

	for (j = 1; c->st && j < VMST_MAX_PORTS; j++) {
		struct vmst_port_tx tx;

		if (!foreign(c, j))
			continue;
		other++;
		err = vms_port_tx_read(&c->st->maps, j, &tx);
		for (i = 0; !err && i < cfg->n_ports; i++)
			err = check_foreign_addrs(c, i, j, &tx);
		if (err)
			return err;
	}
	err = check_room(c, "ports", cfg->n_ports, other, VMS_CFG_MAX_PORTS);
	if (err)
		return err;
	for (i = 0; other && i < cfg->n_ports; i++)
		for (j = 1; j < VMST_MAX_PORTS; j++) {
			if (!foreign(c, j) ||
			    rec_key(&c->pc[j]) != port_key(&cfg->ports[i]))
				continue;
			snprintf(path, sizeof(path), "ports[%d].mac", i);
			vms_format_mac(cfg->ports[i].mac, mac);
			vms_vlan_text(cfg->ports[i].vlan, vl, sizeof(vl));
			c->plan->bad_port = i + 1;
			return vms_cfg_err(c->name, path,
					   "%s %s is owned by port %.16s of "
					   "another network namespace",
					   mac, vl, c->pc[j].name);
		}
	for (i = 0, other = 0; i < c->n_up; i++)
		other += c->up[i].netns_ino != c->netns;
	return check_room(c, "uplinks", cfg->n_uplinks, other,
			  VMS_CFG_MAX_UPLINKS);
}

/* Port @p hashes with a key (its steering needs the key's tables). */
static bool uses_key(const struct vms_cfg_port *p)
{
	return (p->rss.flags & VMST_RSS_F_ENABLED) && p->rss.table_size;
}

/*
 * A state holds at most VMST_RSS_KEYS distinct RSS keys (one lookup table
 * slot each, load/rsskeys.c): refuse the port that would bring one more,
 * before any change. The keys that stay are those of the ports of other
 * namespaces (apply) or of every other port (an edit).
 */
static int plan_check_rss_keys(struct plan_ctx *c)
{
	static struct vms_rss_keyset set;
	const struct vms_rss_keys *k;
	char path[64];
	__u32 j;
	int i;

	for (i = 0; i < c->cfg->n_ports && !uses_key(&c->cfg->ports[i]); i++)
		;
	if (i == c->cfg->n_ports || !c->st)
		return 0; /* no key to place, or no port holds one yet */
	k = vms_rss_keys_of(&c->st->maps);
	if (!k)
		return -EIO;
	set.n = 0;
	for (j = 1; j < VMST_MAX_PORTS; j++) {
		bool stays = c->edit ? j != c->edit->existed : foreign(c, j);

		if (k->slot[j] && stays)
			vms_rss_keyset_add(&set, k->key[k->slot[j]]);
	}
	for (i = 0; i < c->cfg->n_ports; i++) {
		const struct vms_cfg_port *p = &c->cfg->ports[i];

		if (!uses_key(p) ||
		    vms_rss_keyset_add(&set, p->rss.key) <= VMST_RSS_KEYS)
			continue;
		c->plan->bad_port = i + 1;
		if (c->edit)
			return vms_err(-ENOSPC,
				       "port %s: its RSS key would be a %dth "
				       "distinct key; a state holds at most "
				       "%d (give it the key of another port)",
				       p->tap, VMST_RSS_KEYS + 1,
				       VMST_RSS_KEYS);
		snprintf(path, sizeof(path), "ports[%d].rss.key", i);
		return vms_cfg_err(c->name, path,
				   "a %dth distinct RSS key; a state holds at "
				   "most %d (ports of other network "
				   "namespaces count too)",
				   VMST_RSS_KEYS + 1, VMST_RSS_KEYS);
	}
	return 0;
}

/* Uplinks to attach, or to re-attach in another mode. */
static int plan_uplinks(struct plan_ctx *c)
{
	const struct vms_config *cfg = c->cfg;
	struct vms_op *op;
	char path[64];
	int i, j;

	for (i = 0; i < cfg->n_uplinks; i++) {
		const struct vms_cfg_uplink *u = &cfg->uplinks[i];
		const struct vms_uplink_info *w = NULL;
		__u32 id = 0;

		for (j = 0; j < c->n_up && !w; j++)
			if (c->up[j].netns_ino == c->netns &&
			    !c->up[j].defunct && c->up[j].ifindex == u->ifindex)
				w = &c->up[j];
		if (w) {
			bool want_native = u->mode == VMS_ATTACH_NATIVE;

			if (u->mode == VMS_ATTACH_AUTO ||
			    want_native == (w->mode == VMST_MODE_NATIVE))
				continue;
			op = push(c, VMS_OP_REATTACH, i, u->ifindex, u->device);
			if (!op)
				return -ENOMEM;
			op->old_mode = w->mode;
			continue;
		}
		if (!bpf_xdp_query_id(u->ifindex, 0, &id) && id) {
			snprintf(path, sizeof(path), "uplinks[%d].device", i);
			return vms_cfg_err(c->name, path,
					   "%s already has an XDP program (id "
					   "%u) that vmsteer did not attach; "
					   "remove it first",
					   u->device, id);
		}
		if (!push(c, VMS_OP_ATTACH, i, u->ifindex, u->device))
			return -ENOMEM;
	}
	return 0;
}

/* Why port record @idx cannot forward as it is, or NULL. */
static const char *port_unhealthy(const struct plan_ctx *c, __u32 idx)
{
	const struct vmst_port_cfg *r = &c->pc[idx];
	__u64 key = rec_key(r);
	__u32 home = vmst_fdb_hash(key), i, tx;
	struct vmst_port port;

	if (r->flags & VMST_CFG_F_PENDING)
		return NULL; /* reachable by no FDB slot, by design */
	if (bpf_map_lookup_elem(c->st->maps.fd[VMS_MAP_PORTS], &idx, &port) ||
	    port.key != key)
		return "port entry not written";
	if (bpf_map_lookup_elem(c->st->maps.fd[VMS_MAP_TX], &idx, &tx) ||
	    tx != r->ifindex) {
		/* The kernel took the target with the tap: the port becomes
		 * pending (or follows a new tap), it is not broken. */
		if (vms_port_tapless(r, c->netns))
			return NULL;
		return "no redirect target";
	}
	for (i = 0; i < VMST_FDB_PROBES; i++)
		if (c->fdb[(home + i) & VMST_FDB_MASK] == idx)
			return NULL;
	return "not in the FDB";
}

/* FDB slots naming no port. */
static int plan_fdb_repairs(struct plan_ctx *c)
{
	struct vms_op *op;
	__u32 s, val;

	for (s = 0; c->st && s < VMST_FDB_SLOTS; s++) {
		val = c->fdb[s];
		if (!val ||
		    (val < VMST_MAX_PORTS && vms_port_in_use(&c->pc[val])))
			continue;
		op = push(c, VMS_OP_FDB_CLEAR, -1, s, NULL);
		if (!op)
			return -ENOMEM;
		snprintf(op->why, sizeof(op->why), "names free port index %u",
			 val);
	}
	return 0;
}

static int cmp_doc_tap(const void *a, const void *b)
{
	return strncmp((*(const struct vms_cfg_port *const *)a)->tap,
		       (*(const struct vms_cfg_port *const *)b)->tap,
		       sizeof(((struct vmst_port_cfg *)0)->name));
}

/* The document port named by record @j, or -1 (the document's taps are
 * unique, check_document). An edit's document has its one port, or none
 * for a delete. */
static int doc_port_of(const struct plan_ctx *c, int j)
{
	struct vms_cfg_port key;
	const struct vms_cfg_port *k = &key, *const * hit;

	snprintf(key.tap, sizeof(key.tap), "%.*s",
		 (int)sizeof(c->pc[j].name) - 1, c->pc[j].name);
	hit = bsearch(&k, c->by_tap, c->cfg->n_ports, sizeof(c->by_tap[0]),
		      cmp_doc_tap);
	return hit ? *hit - c->cfg->ports : -1;
}

/*
 * The records of this namespace: a record the document does not name is
 * deleted; a broken or duplicate one is repaired (removed; the port is
 * added again). The others are kept: cur[] says where each port is.
 */
static int plan_records(struct plan_ctx *c)
{
	const struct vms_config *cfg = c->cfg;
	struct vms_op *op;
	int i, j;

	for (i = 0; i < cfg->n_ports; i++) {
		c->cur[i] = 0;
		c->cur_key[i] = 0;
	}
	memset(c->kept, 0, sizeof(c->kept));
	for (i = 0; i < cfg->n_ports; i++)
		c->by_tap[i] = &cfg->ports[i];
	qsort(c->by_tap, cfg->n_ports, sizeof(c->by_tap[0]), cmp_doc_tap);
	for (j = 1; j < VMST_MAX_PORTS; j++) {
		const char *why;

		if (!in_scope(c, j))
			continue;
		i = doc_port_of(c, j);
		if (i < 0) {
			op = push(c, VMS_OP_PORT_DEL, -1, j, NULL);
			if (!op)
				return -ENOMEM;
			snprintf(op->name, sizeof(op->name), "%.*s",
				 (int)sizeof(c->pc[j].name) - 1, c->pc[j].name);
			op_old_port(op, &c->pc[j]);
			continue;
		}
		why = c->edit	  ? NULL
		      : c->cur[i] ? "duplicate record"
				  : port_unhealthy(c, j);
		if (why) {
			op = push(c, VMS_OP_PORT_REPAIR, i, j,
				  cfg->ports[i].tap);
			if (!op)
				return -ENOMEM;
			op_old_port(op, &c->pc[j]);
			snprintf(op->why, sizeof(op->why), "%s", why);
			continue;
		}
		c->cur[i] = j;
		c->cur_key[i] = rec_key(&c->pc[j]);
		c->kept[j] = true;
	}
	for (i = 0; i < cfg->n_ports; i++)
		c->orig[i] = c->cur[i];
	return 0;
}

/* Repairs first, then attaches, then deletions: move repairs to the
 * front (the other operations are in that order already). */
static void plan_repairs_first(struct plan_ctx *c)
{
	struct vms_plan *plan = c->plan;
	int i, j;

	for (i = 0, j = 0; i < plan->n; i++) {
		struct vms_op t = plan->ops[i];

		if (t.kind != VMS_OP_FDB_CLEAR && t.kind != VMS_OP_PORT_REPAIR)
			continue;
		memmove(&plan->ops[j + 1], &plan->ops[j], (i - j) * sizeof(t));
		plan->ops[j++] = t;
	}
}

/* Document port @i differs from its record (or has none). An edit that
 * writes its port always writes it: `port add` of a port as it is puts
 * its filter and steering program back. */
static int port_differs(struct plan_ctx *c, int i, bool *differs)
{
	const struct vms_cfg_port *p = &c->cfg->ports[i];
	const struct vmst_port_cfg *r = &c->pc[c->cur[i]];
	struct vmst_port_tx tx = {};
	struct vmst_trunk vids = {};
	int err;

	if (c->edit) {
		*differs = c->edit->kind == VMS_EDIT_WRITE;
		return 0;
	}
	if (c->cur[i] && c->st) {
		err = vms_port_tx_read(&c->st->maps, c->cur[i], &tx);
		if (err)
			return err;
		vids = c->trunk[c->cur[i]];
	}
	*differs = !c->cur[i] || c->cur_key[i] != port_key(p) ||
		   !(r->flags & VMST_CFG_F_TRUNK) != !p->trunk ||
		   memcmp(&vids, &p->vids, sizeof(vids)) ||
		   r->ifindex != p->ifindex || r->mtu != p->mtu ||
		   !vms_cfg_same_tx(p, r->flags & VMST_CFG_F_TRUSTED, tx.addrs,
				    tx.naddrs) ||
		   p->agent != !!(r->flags & VMST_CFG_F_AGENT) ||
		   p->tx_tc != !!(r->flags & VMST_CFG_F_TX_TC) ||
		   (p->ifindex && !c->tc_id[i]) ||
		   (p->ifindex && !p->tx_tc && !c->xdp_id[i]);
	return 0;
}

/* Add or update document port @i, if no other waiting port holds its
 * key; true when it was planned. */
static int plan_port_write(struct plan_ctx *c, int i, bool *done)
{
	const struct vms_config *cfg = c->cfg;
	bool moves = c->cur_key[i] != c->key[i];
	struct vms_op *op;
	int j;

	*done = false;
	for (j = 0; moves && c->keyed && j < cfg->n_ports; j++)
		if (j != i && c->pending[j] && c->cur_key[j] == c->key[i])
			return 0; /* at a full table it moves in place */
	op = push(c, c->cur[i] ? VMS_OP_PORT_UPDATE : VMS_OP_PORT_ADD, i,
		  c->cur[i], cfg->ports[i].tap);
	if (!op)
		return -ENOMEM;
	if (c->cur[i])
		op_old_port(op, &c->pc[c->cur[i]]);
	c->keyed -= c->cur_key[i] != 0;
	c->cur_key[i] = c->key[i];
	c->pending[i] = false;
	*done = true;
	return 0;
}

/* No port can move: delete the first blocked one that has a record (it
 * is added again). */
static int plan_break_cycle(struct plan_ctx *c)
{
	struct vms_op *op;
	int i;

	for (i = 0; i < c->cfg->n_ports; i++)
		if (c->pending[i] && c->cur[i])
			break;
	if (i == c->cfg->n_ports)
		return vms_err(-ENOSPC, "no order of changes fits the port "
					"table");
	op = push(c, VMS_OP_PORT_DEL, i, c->cur[i], c->cfg->ports[i].tap);
	if (!op)
		return -ENOMEM;
	op_old_port(op, &c->pc[c->cur[i]]);
	snprintf(op->why, sizeof(op->why), "added again below");
	c->cur[i] = 0;
	c->keyed -= c->cur_key[i] != 0;
	c->cur_key[i] = 0;
	return 0;
}

/* What port_differs compares for apply, read at once: each document
 * port's tap filter program (c->tc_id) and tap XDP program (c->xdp_id),
 * in batches of queries, not three requests a port; every record's trunk
 * VIDs in one batch read. A failed XDP query shows no program (the port
 * is written again), as one query a port did. */
static int tap_prog_ids(struct plan_ctx *c)
{
	static __u32 ifx[VMS_CFG_MAX_PORTS], ids[VMS_CFG_MAX_PORTS],
		xdp[VMS_CFG_MAX_PORTS];
	int i, n = 0, err;

	if (c->edit)
		return 0;
	for (i = 0; i < c->cfg->n_ports; i++)
		if (c->cfg->ports[i].ifindex)
			ifx[n++] = c->cfg->ports[i].ifindex;
	err = vms_tc_prog_ids(ifx, n, ids);
	if (!err && vms_tap_xdp_prog_ids(ifx, n, xdp))
		memset(xdp, 0, n * sizeof(xdp[0]));
	for (i = 0, n = 0; !err && i < c->cfg->n_ports; i++) {
		c->tc_id[i] = c->cfg->ports[i].ifindex ? ids[n] : 0;
		c->xdp_id[i] = c->cfg->ports[i].ifindex ? xdp[n++] : 0;
	}
	if (!err && c->st)
		err = vms_port_trunk_read_all(&c->st->maps, c->trunk);
	return err;
}

/*
 * Adds and updates, in an order that never asks for a MAC and VLAN
 * another port still holds: a port whose key another pending port still
 * has waits for it. A cycle (two ports swapping MACs) is broken by
 * deleting one of them first; it is then added again.
 */
static int plan_port_writes(struct plan_ctx *c)
{
	int i, err, left = 0;

	c->keyed = 0;
	err = tap_prog_ids(c);
	if (err)
		return err;
	for (i = 0; i < c->cfg->n_ports; i++) {
		c->key[i] = port_key(&c->cfg->ports[i]);
		err = port_differs(c, i, &c->pending[i]);
		if (err)
			return err;
		left += c->pending[i];
		c->keyed += c->pending[i] && c->cur_key[i];
	}
	while (left) {
		bool progress = false, done;

		for (i = 0; i < c->cfg->n_ports; i++) {
			if (!c->pending[i])
				continue;
			err = plan_port_write(c, i, &done);
			if (err)
				return err;
			left -= done;
			progress |= done;
		}
		err = progress ? 0 : plan_break_cycle(c);
		if (err)
			return err;
	}
	return 0;
}

/* The tap's queues and steering program, checked before any change. */
static int rss_check_tap(struct plan_ctx *c, int i)
{
	const struct vms_cfg_port *p = &c->cfg->ports[i];
	struct vms_steer_ctx sc;
	char path[64], msg[400];
	int err;

	err = vms_steer_prepare(c->st ? &c->st->maps : NULL, p->tap,
				p->rss.queues, c->edit && c->edit->force, &sc);
	if (!err && (p->rss.flags & VMST_RSS_F_XDP_CPUMAP))
		err = vms_xdp_steer_check(p->tap, p->rss.queues, &sc);
	vms_steer_close(&sc);
	if (!err || c->edit)
		return err; /* an edit's message is the step's own */
	snprintf(path, sizeof(path), "ports[%d].queues", i);
	snprintf(msg, sizeof(msg), "%s", vms_last_error());
	c->plan->bad_port = i + 1;
	return vms_cfg_err(c->name, path, "%s", msg);
}

/* Queue steering of document port @i, once it exists at its index. */
static int plan_port_rss(struct plan_ctx *c, int i)
{
	const struct vms_cfg_port *p = &c->cfg->ports[i];
	bool want = p->rss.flags & VMST_RSS_F_ENABLED, had, moved, same;
	bool settings;
	int o = c->orig[i], err;
	struct vmst_rss now = {};
	struct vms_op *op;

	if (c->st && o) {
		err = vms_rss_read(&c->st->maps, o, &now);
		if (err)
			return err;
	}
	had = now.flags & VMST_RSS_F_ENABLED;
	moved = !o || !c->cur[i] || rec_key(&c->pc[o]) != port_key(p) ||
		c->pc[o].ifindex != p->ifindex;
	/* A slot holding another key's tables is rewritten too. */
	same = vms_cfg_rss_equal(&p->rss, &now) && !(moved && want) &&
	       (!c->st || vms_rss_tables_ok(&c->st->maps, &now));
	/* An edit of an existing port puts its steering as it says again
	 * (port add without --queues removes vmsteer's program). */
	if (c->edit ? !want && !o : same || (!want && !had))
		return 0;
	/* rss set: the program in place reads the new settings. */
	settings = c->edit && c->edit->kind == VMS_EDIT_RSS;
	err = want && p->ifindex && !settings ? rss_check_tap(c, i) : 0;
	if (err)
		return err;
	op = push(c, VMS_OP_PORT_RSS, i, o, p->tap);
	if (!op)
		return -ENOMEM;
	op->old_queues = had ? now.queues : 0;
	op->settings_only = settings;
	return 0;
}

/* Uplinks the document does not name. */
static int plan_detaches(struct plan_ctx *c)
{
	struct vms_op *op;
	int i, j;

	for (j = 0; j < c->n_up; j++) {
		const struct vms_uplink_info *w = &c->up[j];

		if (w->netns_ino != c->netns)
			continue;
		for (i = 0; i < c->cfg->n_uplinks && !w->defunct; i++)
			if (c->cfg->uplinks[i].ifindex == w->ifindex)
				break;
		if (i < c->cfg->n_uplinks && !w->defunct)
			continue;
		op = push(c, VMS_OP_DETACH, -1, w->ifindex, w->name);
		if (!op)
			return -ENOMEM;
		op->old_mode = w->mode;
		if (w->defunct || !w->name[0])
			snprintf(op->why, sizeof(op->why), "device gone");
	}
	return 0;
}

/* Free @idx's FDB slot (in the probe window of its @key) in the
 * simulation. */
static void sim_free(__u32 *fdb, __u64 key, __u32 idx)
{
	__u32 home = vmst_fdb_hash(key), i;

	for (i = 0; i < VMST_FDB_PROBES; i++)
		if (fdb[(home + i) & VMST_FDB_MASK] == idx)
			fdb[(home + i) & VMST_FDB_MASK] = 0;
}

/* The simulated slot of @key holding @idx (0: a free one), or -1. */
static int sim_slot(const __u32 *fdb, __u64 key, __u32 idx)
{
	__u32 home = vmst_fdb_hash(key), i;

	for (i = 0; i < VMST_FDB_PROBES; i++)
		if (fdb[(home + i) & VMST_FDB_MASK] == idx)
			return (home + i) & VMST_FDB_MASK;
	return -1;
}

/* Place document port @op->cfg_idx in the simulated @fdb; false when it
 * finds no free slot. */
static bool sim_place(const struct plan_ctx *c, __u32 *fdb,
		      const struct vms_op *op)
{
	const struct vms_cfg_port *p = &c->cfg->ports[op->cfg_idx];
	__u64 key = port_key(p), old = rec_key(&c->pc[op->index]);
	bool update = op->kind == VMS_OP_PORT_UPDATE;
	__u32 mark;
	int slot;

	if (!p->ifindex) { /* pending: in no FDB slot */
		if (update)
			sim_free(fdb, old, op->index);
		return true;
	}
	/* A new port's index is not known yet: mark it by entry. */
	mark = VMST_MAX_PORTS + op->cfg_idx;
	if (update && old == key) {
		if (sim_slot(fdb, key, op->index) >= 0)
			return true; /* refreshed in place */
		mark = op->index;
	}
	slot = sim_slot(fdb, key, 0);
	if (slot < 0)
		return false;
	fdb[slot] = mark;
	if (update && mark != op->index)
		sim_free(fdb, old, op->index); /* moved to a new index */
	return true;
}

/*
 * Play the plan on a copy of the FDB, the way ports.c places keys: a port
 * that would find no free slot among the VMST_FDB_PROBES from its home
 * slot is refused now, naming its JSON path, rather than half-way through.
 */
static int plan_check_fdb(struct plan_ctx *c)
{
	static __u32 fdb[VMST_FDB_SLOTS];
	const struct vms_plan *plan = c->plan;
	char path[64], mac[18], vl[24];
	const struct vms_cfg_port *p;
	int i;

	memcpy(fdb, c->fdb, sizeof(fdb));
	for (i = 0; i < plan->n; i++) {
		const struct vms_op *op = &plan->ops[i];

		if (op->kind == VMS_OP_FDB_CLEAR)
			fdb[op->index] = 0;
		else if (op->kind == VMS_OP_PORT_REPAIR ||
			 op->kind == VMS_OP_PORT_DEL)
			sim_free(fdb, rec_key(&c->pc[op->index]), op->index);
		if ((op->kind != VMS_OP_PORT_ADD &&
		     op->kind != VMS_OP_PORT_UPDATE) ||
		    sim_place(c, fdb, op))
			continue;
		p = &c->cfg->ports[op->cfg_idx];
		c->plan->bad_port = op->cfg_idx + 1;
		snprintf(path, sizeof(path), "ports[%d].mac", op->cfg_idx);
		vms_format_mac(p->mac, mac);
		vms_vlan_text(p->vlan, vl, sizeof(vl));
		return vms_cfg_err(c->name, path,
				   "%s %s: the FDB has no free slot for it "
				   "(the %u slots from its home slot %u are "
				   "taken by other ports)",
				   mac, vl, VMST_FDB_PROBES,
				   vmst_fdb_hash(port_key(p)));
	}
	return 0;
}

/* The steps, in order. An edit skips what concerns the rest of the state
 * (ports.c refuses what the state makes impossible for one port). */
static int plan_steps(struct plan_ctx *c)
{
	bool whole = !c->edit;
	int err, i;

	err = plan_read(c);
	if (!err && whole)
		err = plan_check_foreign(c);
	if (!err)
		err = plan_check_rss_keys(c);
	if (!err && whole)
		err = plan_uplinks(c);
	if (!err && whole)
		err = plan_fdb_repairs(c);
	if (!err)
		err = plan_records(c);
	if (!err)
		plan_repairs_first(c);
	if (!err)
		err = plan_port_writes(c);
	for (i = 0; !err && i < c->cfg->n_ports; i++)
		err = plan_port_rss(c, i);
	if (!err && whole)
		err = plan_detaches(c);
	if (!err && whole)
		err = plan_check_fdb(c);
	return err;
}

static int plan_run(struct vms_state *st, const struct vms_config *cfg,
		    const char *name, struct vms_edit *edit,
		    struct vms_plan *plan)
{
	static struct plan_ctx c;
	int err, bad;

	memset(plan, 0, sizeof(*plan));
	c.st = st;
	c.cfg = cfg;
	c.name = name;
	c.plan = plan;
	c.edit = edit;
	c.netns = vms_netns_ino();
	err = plan_steps(&c);
	if (err) {
		bad = plan->bad_port;
		vms_plan_free(plan);
		plan->bad_port = bad;
	}
	return err;
}

int vms_plan_make(struct vms_state *st, const struct vms_config *cfg,
		  const char *name, struct vms_plan *plan)
{
	return plan_run(st, cfg, name, NULL, plan);
}

/* ---- describing --------------------------------------------------------- */

static void port_text(const __u8 mac[6], __u16 vlan, char *out, size_t len)
{
	char m[18], v[24];

	vms_format_mac(mac, m);
	vms_vlan_text(vlan, v, sizeof(v));
	snprintf(out, len, "%s %s", m, v);
}

static const char *const op_names[] = {
	[VMS_OP_FDB_CLEAR] = "repair", [VMS_OP_PORT_REPAIR] = "repair",
	[VMS_OP_ATTACH] = "attach",    [VMS_OP_REATTACH] = "reattach",
	[VMS_OP_PORT_DEL] = "delete",  [VMS_OP_PORT_UPDATE] = "update",
	[VMS_OP_PORT_ADD] = "add",     [VMS_OP_DETACH] = "detach",
	[VMS_OP_PORT_RSS] = "steer",
};

void vms_op_describe(const struct vms_op *op, const struct vms_config *cfg,
		     char *out, size_t len)
{
	const struct vms_cfg_port *p =
		op->cfg_idx >= 0 && op->kind >= VMS_OP_PORT_DEL &&
				op->kind <= VMS_OP_PORT_ADD
			? &cfg->ports[op->cfg_idx]
			: NULL;
	char a[48], b[48], dev[32], why[sizeof(op->why) + 3] = "";

	if (op->name[0])
		snprintf(dev, sizeof(dev), "%s", op->name);
	else
		snprintf(dev, sizeof(dev), "ifindex %u", op->index);
	if (op->why[0])
		snprintf(why, sizeof(why), " (%s)", op->why);
	switch (op->kind) {
	case VMS_OP_FDB_CLEAR:
		snprintf(out, len, "repair FDB slot %u: %s", op->index,
			 op->why);
		break;
	case VMS_OP_PORT_REPAIR:
		port_text(op->old_mac, op->old_vlan, a, sizeof(a));
		snprintf(out, len, "repair port %s: remove record %u (%s, %s)",
			 op->name, op->index, a, op->why);
		break;
	case VMS_OP_ATTACH:
		snprintf(out, len, "attach uplink %s (%s mode)", dev,
			 vms_attach_mode_name(cfg->uplinks[op->cfg_idx].mode));
		break;
	case VMS_OP_REATTACH:
		snprintf(out, len, "reattach uplink %s: %s -> %s mode", dev,
			 vms_mode_name(op->old_mode),
			 vms_attach_mode_name(cfg->uplinks[op->cfg_idx].mode));
		break;
	case VMS_OP_DETACH:
		snprintf(out, len, "detach uplink %s%s", dev, why);
		break;
	case VMS_OP_PORT_DEL:
		port_text(op->old_mac, op->old_vlan, a, sizeof(a));
		snprintf(out, len, "delete port %s: %s%s", op->name, a, why);
		break;
	case VMS_OP_PORT_ADD:
		port_text(p->mac, p->vlan, b, sizeof(b));
		snprintf(out, len, "add port %s: %s%s", op->name, b,
			 p->ifindex ? "" : ", pending (no tap yet)");
		break;
	case VMS_OP_PORT_RSS:
		p = &cfg->ports[op->cfg_idx];
		if (!(p->rss.flags & VMST_RSS_F_ENABLED))
			snprintf(out, len, "steer port %s: queue steering off",
				 op->name);
		else if (op->old_queues)
			snprintf(out, len,
				 "steer port %s: RSS over %u queues (was %u "
				 "queues, other settings)",
				 op->name, p->rss.queues, op->old_queues);
		else
			snprintf(out, len, "steer port %s: RSS over %u queues",
				 op->name, p->rss.queues);
		break;
	case VMS_OP_PORT_UPDATE:
		port_text(op->old_mac, op->old_vlan, a, sizeof(a));
		port_text(p->mac, p->vlan, b, sizeof(b));
		if (strcmp(a, b))
			snprintf(out, len, "update port %s: %s -> %s", op->name,
				 a, b);
		else if (!p->ifindex)
			snprintf(out, len,
				 "update port %s: %s, pending (no tap; was "
				 "ifindex %u)",
				 op->name, b, op->old_ifindex);
		else if (!op->old_ifindex)
			snprintf(out, len,
				 "update port %s: %s, active (tap appeared, "
				 "ifindex %u)",
				 op->name, b, p->ifindex);
		else
			snprintf(out, len,
				 "update port %s: %s (ifindex %u -> %u, MTU "
				 "%u -> %u)",
				 op->name, b, op->old_ifindex, p->ifindex,
				 op->old_mtu, p->mtu);
		break;
	}
}

static void json_port(struct json_object *o, const char *k, const __u8 mac[6],
		      __u16 vlan)
{
	struct json_object *p = json_object_new_object();
	char m[18];

	vms_format_mac(mac, m);
	json_object_object_add(p, "mac", json_object_new_string(m));
	json_object_object_add(p, "vlan",
			       vlan ? json_object_new_int(vlan) : NULL);
	json_object_object_add(o, k, p);
}

struct json_object *vms_op_json(const struct vms_op *op,
				const struct vms_config *cfg)
{
	struct json_object *o = json_object_new_object();
	char text[200];
	bool port = op->kind >= VMS_OP_PORT_DEL && op->kind <= VMS_OP_PORT_ADD;

	json_object_object_add(o, "op",
			       json_object_new_string(op_names[op->kind]));
	if (op->kind == VMS_OP_FDB_CLEAR) {
		json_object_object_add(o, "fdb_slot",
				       json_object_new_int64(op->index));
	} else if (op->kind == VMS_OP_PORT_RSS) {
		const struct vms_cfg_port *p = &cfg->ports[op->cfg_idx];

		json_object_object_add(o, "port",
				       json_object_new_string(op->name));
		json_object_object_add(
			o, "queues",
			p->rss.flags & VMST_RSS_F_ENABLED
				? json_object_new_int(p->rss.queues)
				: NULL);
	} else if (op->kind == VMS_OP_PORT_REPAIR || port) {
		json_object_object_add(o, "port",
				       json_object_new_string(op->name));
		if (op->kind != VMS_OP_PORT_ADD)
			json_port(o, "from", op->old_mac, op->old_vlan);
		if (op->kind == VMS_OP_PORT_ADD ||
		    op->kind == VMS_OP_PORT_UPDATE)
			json_port(o, "to", cfg->ports[op->cfg_idx].mac,
				  cfg->ports[op->cfg_idx].vlan);
	} else {
		json_object_object_add(o, "uplink",
				       json_object_new_string(op->name));
		json_object_object_add(o, "ifindex",
				       json_object_new_int64(op->index));
		if (op->kind == VMS_OP_ATTACH || op->kind == VMS_OP_REATTACH)
			json_object_object_add(
				o, "mode",
				json_object_new_string(vms_attach_mode_name(
					cfg->uplinks[op->cfg_idx].mode)));
	}
	if (op->why[0])
		json_object_object_add(o, "why",
				       json_object_new_string(op->why));
	vms_op_describe(op, cfg, text, sizeof(text));
	json_object_object_add(o, "text", json_object_new_string(text));
	return o;
}

/* ---- applying ------------------------------------------------------------ */

struct apply_ctx {
	struct vms_state *st;
	const struct vms_config *cfg;
	const struct vms_plan *plan;
	struct vms_edit *edit; /* NULL: apply of a document */
	bool cpumap_ready;     /* the CPUMAP's entries were written */
	/* per document port: the record this plan added (0: none) */
	__u32 added[VMS_CFG_MAX_PORTS];
};

/* vms_err(@err) again with the message of the first failure, after an
 * undo that may have set another. */
static int keep_error(int err, const char *msg)
{
	return vms_err(err, "%s", msg);
}

/* The CPUMAP's entries exist before any frame is steered through it. */
static int cpumap_ready(struct apply_ctx *a, const struct vms_cfg_port *p)
{
	int err;

	if (!(p->rss.flags & VMST_RSS_F_XDP_CPUMAP) || a->cpumap_ready)
		return 0;
	err = vms_cpumap_ensure(a->st, p->rss.queues);
	a->cpumap_ready = !err;
	return err;
}

/* Take port @idx (added by this plan) away again, its filter with it. */
static void undo_add(struct apply_ctx *a, const struct vms_cfg_port *p,
		     __u32 idx)
{
	struct vmst_port_tx tx;

	if (p->ifindex && !vms_port_tx_read(&a->st->maps, idx, &tx))
		vms_tap_detach(a->st, p->ifindex, p->tap,
			       tx.flags & VMST_TX_F_QDISC_OURS);
	vms_port_delete(&a->st->maps, idx);
}

/*
 * Add or update a port: its record, then its tc filter. A filter that
 * cannot go on takes the port back to what it was (a new one deleted, an
 * updated one written again as it was).
 */
static int apply_port_write(struct apply_ctx *a, const struct vms_op *op)
{
	const struct vms_cfg_port *p = &a->cfg->ports[op->cfg_idx];
	static struct vms_port_spec spec, old;
	const struct vms_maps *m = &a->st->maps;
	struct vmst_port_cfg rec;
	struct vmst_rss rss = {};
	char msg[512];
	bool changed;
	__u32 idx;
	int err = 0;

	vms_port_spec_from_cfg(p, &spec);
	if (op->index) {
		if (bpf_map_lookup_elem(m->fd[VMS_MAP_PORT_CFG], &op->index,
					&rec))
			return vms_err(-errno, "port %s: cannot read record %u",
				       p->tap, op->index);
		err = vms_port_spec_from_record(m, op->index, &rec, &old);
		/* A port that moves index takes its RSS entry along (the
		 * steering op that follows re-points the tap's program). */
		if (!err)
			err = vms_rss_read(m, op->index, &rss);
	}
	if (!err)
		err = cpumap_ready(a, p);
	if (!err)
		err = vms_port_upsert(m, &spec, &idx);
	if (err)
		return err;
	if (op->index && idx != op->index && (rss.flags & VMST_RSS_F_ENABLED))
		err = vms_rss_write(m, idx, &rss);
	if (!err && p->ifindex)
		err = vms_tap_attach(a->st, idx, p->ifindex, p->tap, &changed);
	if (err) {
		snprintf(msg, sizeof(msg), "%s", vms_last_error());
		if (op->kind == VMS_OP_PORT_ADD)
			vms_port_delete(m, idx);
		else
			vms_port_upsert(m, &old, NULL);
		return keep_error(err, msg);
	}
	if (op->kind == VMS_OP_PORT_ADD)
		a->added[op->cfg_idx] = idx;
	if (a->edit)
		a->edit->result_index = idx;
	return 0;
}

/* Start steering the active port @idx: the tap's queues and program are
 * checked, configuration first, then the program that reads it. */
static int rss_install(struct apply_ctx *a, const struct vms_cfg_port *p,
		       __u32 idx)
{
	bool cpumap = p->rss.flags & VMST_RSS_F_XDP_CPUMAP;
	struct vms_steer_ctx sc;
	__u32 prog_id = 0;
	int err;

	err = vms_steer_prepare(&a->st->maps, p->tap, p->rss.queues,
				a->edit && a->edit->force, &sc);
	if (!err && cpumap)
		err = vms_xdp_steer_check(p->tap, p->rss.queues, &sc);
	if (!err)
		err = cpumap_ready(a, p);
	if (!err)
		err = vms_rss_write(&a->st->maps, idx, &p->rss);
	if (!err)
		err = vms_steer_install(a->st, &sc, p->tap, idx, &prog_id);
	if (!err)
		err = vms_port_set_xdp_steer(&a->st->maps, idx, cpumap);
	vms_steer_close(&sc);
	if (a->edit)
		a->edit->prog_id = prog_id;
	return err;
}

/* Make port @p's queue steering what the document says. A port this plan
 * added whose steering fails is taken away again. */
static int apply_rss(struct apply_ctx *a, const struct vms_op *op)
{
	const struct vms_cfg_port *p = &a->cfg->ports[op->cfg_idx];
	bool removed = false;
	char msg[512];
	int idx, err;

	idx = vms_port_find(&a->st->maps, p->tap, vms_netns_ino(), NULL);
	if (idx <= 0)
		return idx ? idx
			   : vms_err(-ENOENT, "port %s: not configured",
				     p->tap);
	if (a->edit)
		a->edit->result_index = idx;
	if (!(p->rss.flags & VMST_RSS_F_ENABLED)) {
		err = vms_rss_port_disable(a->st, p->tap, idx, &removed);
		if (a->edit)
			a->edit->steer_removed = removed;
		return err;
	}
	/* Settings only, or a pending port: the program reads them (a
	 * pending port's comes with the tap). */
	if (op->settings_only || !p->ifindex)
		err = vms_rss_write(&a->st->maps, idx, &p->rss);
	else
		err = rss_install(a, p, idx);
	if (err && a->added[op->cfg_idx] == (__u32)idx) {
		snprintf(msg, sizeof(msg), "%s", vms_last_error());
		undo_add(a, p, idx);
		return keep_error(err, msg);
	}
	return err;
}

/* Re-attach uplink @u in its new mode; on failure it keeps forwarding in
 * its old one. */
static int apply_reattach(struct apply_ctx *a, const struct vms_op *op,
			  const struct vms_cfg_uplink *u)
{
	struct vms_uplink_info info;
	char msg[512];
	bool changed;
	int err;

	err = vms_uplink_detach(a->st, u->ifindex, u->device);
	if (err)
		return err;
	err = vms_uplink_attach(a->st, u->ifindex, u->device, u->mode, &info,
				&changed);
	if (!err)
		return 0;
	snprintf(msg, sizeof(msg), "%s", vms_last_error());
	vms_uplink_attach(a->st, u->ifindex, u->device,
			  op->old_mode == VMST_MODE_NATIVE ? VMS_ATTACH_NATIVE
							   : VMS_ATTACH_GENERIC,
			  &info, &changed);
	return keep_error(err, msg);
}

static int apply_op(struct apply_ctx *a, const struct vms_op *op)
{
	const struct vms_cfg_uplink *u =
		op->kind == VMS_OP_ATTACH || op->kind == VMS_OP_REATTACH
			? &a->cfg->uplinks[op->cfg_idx]
			: NULL;
	struct vms_uplink_info info;
	__u32 zero = 0, slot = op->index;
	bool changed, removed = false;
	int err;

	switch (op->kind) {
	case VMS_OP_FDB_CLEAR:
		if (bpf_map_update_elem(a->st->maps.fd[VMS_MAP_FDB], &slot,
					&zero, BPF_ANY))
			return vms_err(-errno, "FDB slot %u: cannot clear: %s",
				       slot, strerror(errno));
		return 0;
	case VMS_OP_PORT_DEL:
		/* With vmsteer's steering and tap programs. */
		err = vms_port_remove(a->st, op->index, &removed);
		if (a->edit)
			a->edit->steer_removed = removed;
		return err;
	case VMS_OP_PORT_REPAIR:
		return vms_port_delete(&a->st->maps, op->index);
	case VMS_OP_PORT_RSS:
		return apply_rss(a, op);
	case VMS_OP_PORT_ADD:
	case VMS_OP_PORT_UPDATE:
		return apply_port_write(a, op);
	case VMS_OP_ATTACH:
		return vms_uplink_attach(a->st, u->ifindex, u->device, u->mode,
					 &info, &changed);
	case VMS_OP_REATTACH:
		return apply_reattach(a, op, u);
	case VMS_OP_DETACH:
		return vms_uplink_detach(a->st, op->index,
					 op->name[0] ? op->name : "uplink");
	}
	return 0;
}

/*
 * Before any port gets new addresses, the ports that lose some drop them:
 * an address moving from one port to another on the same VLAN in one
 * document must never be refused as an overlap. Each such port is written
 * again as it is, with only the addresses it keeps.
 */
static int release_addresses(struct apply_ctx *a)
{
	static struct vms_port_spec spec;
	const struct vms_maps *m = &a->st->maps;
	const struct vms_cfg_port *p;
	struct vmst_port_cfg c;
	__u32 k, n;
	int i, err;

	for (i = 0; i < a->plan->n; i++) {
		const struct vms_op *op = &a->plan->ops[i];

		if (op->kind != VMS_OP_PORT_UPDATE)
			continue;
		p = &a->cfg->ports[op->cfg_idx];
		if (bpf_map_lookup_elem(m->fd[VMS_MAP_PORT_CFG], &op->index,
					&c))
			continue;
		err = vms_port_spec_from_record(m, op->index, &c, &spec);
		if (err)
			return err;
		for (k = 0, n = 0; k < spec.naddrs; k++)
			if (vms_addr_in(&spec.addrs[k], p->addrs, p->naddrs))
				spec.addrs[n++] = spec.addrs[k];
		if (n == spec.naddrs)
			continue;
		spec.naddrs = n;
		err = vms_port_upsert(m, &spec, NULL);
		if (err)
			return err;
	}
	return 0;
}

static int apply_run(struct vms_state *st, const struct vms_config *cfg,
		     const struct vms_plan *plan, struct vms_edit *edit,
		     int *done)
{
	static struct apply_ctx a;
	char msg[512];
	int i, err;

	*done = 0;
	a.st = st;
	a.cfg = cfg;
	a.plan = plan;
	a.edit = edit;
	a.cpumap_ready = false;
	memset(a.added, 0, cfg->n_ports * sizeof(a.added[0]));
	/* An edit changes one port: no address moves between two. */
	err = edit ? 0 : release_addresses(&a);
	if (err)
		return err;
	vms_tc_batch_begin(st);
	for (i = 0; !err && i < plan->n; i++) {
		err = apply_op(&a, &plan->ops[i]);
		*done += !err;
	}
	/* The taps bound so far get their block's filter, error or not. */
	if (!err)
		return vms_tc_batch_end(st);
	snprintf(msg, sizeof(msg), "%s", vms_last_error());
	vms_tc_batch_end(st);
	return keep_error(err, msg);
}

int vms_plan_apply(struct vms_state *st, const struct vms_config *cfg,
		   const struct vms_plan *plan, int *done)
{
	return apply_run(st, cfg, plan, NULL, done);
}

int vms_port_edit(struct vms_state *st, struct vms_edit *e)
{
	/* The document of the edit: the one port (none for a delete); the
	 * rest of the state is left as it is. */
	static struct vms_config cfg;
	struct vms_plan plan;
	int err, done;

	cfg.n_uplinks = 0;
	cfg.n_ports = e->kind != VMS_EDIT_DELETE;
	cfg.ports[0] = e->port;
	e->existed = 0;
	e->result_index = 0;
	e->prog_id = 0;
	e->steer_removed = false;
	err = plan_run(st, &cfg, NULL, e, &plan);
	if (!err)
		err = apply_run(st, &cfg, &plan, e, &done);
	vms_plan_free(&plan);
	return err;
}
