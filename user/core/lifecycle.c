// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ports following their taps: removing a port with everything it put on
 * its tap, and converging the ports of this network namespace with the
 * taps that exist (pending ports whose tap appeared become active, ports
 * whose tap vanished become pending, or follow a tap that appeared under
 * another name with their MAC). `vmsteer sync`, `port prune`, the libvirt
 * hook and the agent are built on it.
 */
#include <errno.h>
#include <stdarg.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "config/config.h"
#include "core/lifecycle.h"
#include "core/addr.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/rss.h"
#include "load/tc.h"
#include "util/log.h"
#include "util/netdev.h"

int vms_port_remove(struct vms_state *st, __u32 idx, bool *steer_removed)
{
	struct vmst_port_cfg c;
	struct vmst_port_tx tx;
	char name[IF_NAMESIZE];
	bool removed = false;
	int err;

	if (steer_removed)
		*steer_removed = false;
	if (!idx || idx >= VMST_MAX_PORTS ||
	    bpf_map_lookup_elem(st->maps.fd[VMS_MAP_PORT_CFG], &idx, &c) ||
	    !vms_port_in_use(&c))
		return vms_err(-ENOENT, "port index %u is not in use", idx);
	snprintf(name, sizeof(name), "%.*s", (int)sizeof(c.name) - 1, c.name);
	/* Steering first: the program reads the port's entry. */
	err = vms_rss_port_disable(st, name, idx, &removed);
	if (!err)
		err = vms_port_tx_read(&st->maps, idx, &tx);
	/* The filter only while the tap is still the port's device. */
	if (!err && !vms_port_tapless(&c, vms_netns_ino()) &&
	    vms_port_tap_there(&c, NULL))
		err = vms_tap_detach(st, c.ifindex, name,
				     tx.flags & VMST_TX_F_QDISC_OURS);
	if (!err)
		err = vms_port_delete(&st->maps, idx);
	if (!err && steer_removed)
		*steer_removed = removed;
	return err;
}

/* Keep only the plan's port operations: uplinks are not converged here. */
static void plan_ports_only(struct vms_plan *plan)
{
	int i, n = 0;

	for (i = 0; i < plan->n; i++) {
		enum vms_op_kind k = plan->ops[i].kind;

		if (k == VMS_OP_ATTACH || k == VMS_OP_REATTACH ||
		    k == VMS_OP_DETACH)
			continue;
		plan->ops[n++] = plan->ops[i];
	}
	plan->n = n;
}

static bool same_key(const struct vms_cfg_port *a, const struct vms_cfg_port *b)
{
	return a->vlan == b->vlan && !memcmp(a->mac, b->mac, 6);
}

/*
 * Put @ports in @cfg: with VMS_SYNC_AGENT in place of the agent's ports
 * (a port configured by hand keeps its tap name and MAC: an agent port
 * that would take either is left out), with VMS_SYNC_ADD in place of the
 * ports of the same tap names. Either way a MAC held by another port
 * whose tap is gone moves (that port goes); one held by a port with its
 * tap is a clash: the port is left out with a warning. Returns the number
 * left out, or -errno.
 */
/* A problem with one port: to @cb, or a warning on stderr. */
static void sync_warn(vms_sync_cb cb, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sync_warn(vms_sync_cb cb, void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cb)
		cb(ctx, true, msg);
	else
		pr_warn("%s", msg);
}

static int merge(struct vms_config *cfg, const struct vms_cfg_port *ports,
		 int n, enum vms_sync_mode mode, vms_sync_cb cb, void *ctx)
{
	bool agent = mode == VMS_SYNC_AGENT;
	int i, j, k, left_out = 0;

	for (i = 0, j = 0; i < cfg->n_ports; i++)
		if (!agent || !cfg->ports[i].agent)
			cfg->ports[j++] = cfg->ports[i];
	cfg->n_ports = j;
	for (i = 0; i < n; i++) {
		const struct vms_cfg_port *a = &ports[i];
		int clash = -1, moves = -1, same = -1;

		for (j = 0; j < cfg->n_ports && clash < 0; j++) {
			const struct vms_cfg_port *p = &cfg->ports[j];
			bool name = !strcmp(p->tap, a->tap);

			if (!name && !same_key(p, a))
				continue;
			if (name && !agent)
				same = j; /* replaced */
			else if (!name && !p->ifindex && (!agent || !p->agent))
				moves = j;
			else
				clash = j;
		}
		if (clash >= 0) {
			sync_warn(cb, ctx, "port %s: %s, left out", a->tap,
				  !strcmp(cfg->ports[clash].tap, a->tap)
					  ? "a port configured by hand has its "
					    "tap"
					  : "its MAC is held by another port "
					    "with its tap");
			left_out++;
			continue;
		}
		if (same >= 0) {
			cfg->ports[same] = *a;
			cfg->ports[same].agent = false;
			if (moves < 0)
				continue;
		}
		if (moves >= 0) {
			/* A tapless port's MAC moves to this one. */
			for (k = moves; k + 1 < cfg->n_ports; k++)
				cfg->ports[k] = cfg->ports[k + 1];
			cfg->n_ports--;
			if (same > moves)
				same--;
			if (same >= 0)
				continue;
		}
		if (cfg->n_ports == VMS_CFG_MAX_PORTS)
			return vms_err(-ENOSPC,
				       "port %s: port table full (%d ports)",
				       a->tap, VMS_CFG_MAX_PORTS);
		cfg->ports[cfg->n_ports] = *a;
		cfg->ports[cfg->n_ports++].agent = agent;
	}
	return left_out;
}

/*
 * A pending port takes a tap that appeared under another name with its
 * MAC: libvirt gives its taps the VM's MAC with the first byte fe. A tap
 * another port names is left alone. Returns how many ports took a tap.
 */
static int adopt_taps(struct vms_config *cfg)
{
	struct ifaddrs *ifa, *i;
	int j, n = 0;

	if (getifaddrs(&ifa))
		return 0; /* the ports stay pending */
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_ll *ll = (void *)i->ifa_addr;

		if (!ll || ll->sll_family != AF_PACKET || ll->sll_halen != 6 ||
		    ll->sll_addr[0] != 0xfe)
			continue;
		for (j = 0; j < cfg->n_ports; j++)
			if (!strcmp(cfg->ports[j].tap, i->ifa_name))
				break;
		if (j < cfg->n_ports)
			continue;
		for (j = 0; j < cfg->n_ports; j++) {
			struct vms_cfg_port *p = &cfg->ports[j];

			if (p->ifindex ||
			    memcmp(p->mac + 1, ll->sll_addr + 1, 5) ||
			    p->mac[0] == 0xfe || vms_is_tap(i->ifa_name) != 1)
				continue;
			pr_info("port %s: tap %s has its MAC, the port moves "
				"there",
				p->tap, i->ifa_name);
			snprintf(p->tap, sizeof(p->tap), "%s", i->ifa_name);
			n++;
			break;
		}
	}
	freeifaddrs(ifa);
	return n;
}

/*
 * Plan @cfg and carry it out. A port the plan refuses (or whose change
 * fails) because of its tap (queues, a foreign steering program, no FDB
 * room...) waits as pending: it is planned again without its tap. Returns
 * the number of ports that had to wait, or -errno.
 */
static int plan_and_apply(struct vms_state *st, struct vms_config *cfg,
			  int *done, vms_sync_cb cb, void *ctx)
{
	struct vms_plan plan = {};
	int waiting = 0, err, n, bad, i;
	char msg[512];

	*done = 0;
	for (;;) {
		err = vms_plan_make(st, cfg, "sync", &plan);
		bad = plan.bad_port - 1;
		if (!err) {
			plan_ports_only(&plan);
			err = vms_plan_apply(st, cfg, &plan, &n);
			*done += n;
			for (i = 0; i < n && cb; i++) {
				vms_op_describe(&plan.ops[i], cfg, msg,
						sizeof(msg));
				cb(ctx, false, msg);
			}
			bad = -1;
			if (err && n < plan.n &&
			    plan.ops[n].kind != VMS_OP_PORT_DEL)
				bad = plan.ops[n].cfg_idx;
		}
		vms_plan_free(&plan);
		if (!err)
			return waiting;
		/* A port with its tap, refused: it waits without it. */
		if (bad < 0 || bad >= cfg->n_ports ||
		    !cfg->ports[bad].ifindex || waiting >= cfg->n_ports)
			return err;
		snprintf(msg, sizeof(msg), "%s", vms_last_error() ?: "failed");
		vms_clear_error();
		sync_warn(cb, ctx, "port %s: %s; pending until that changes",
			  cfg->ports[bad].tap, msg);
		cfg->ports[bad].ifindex = 0;
		cfg->ports[bad].mtu = 0;
		waiting++;
	}
}

int vms_sync(struct vms_state *st, enum vms_sync_mode mode,
	     const struct vms_cfg_port *ports, int n, int *done, vms_sync_cb cb,
	     void *ctx)
{
	static struct vms_config cfg;
	int err, left_out = 0;

	*done = 0;
	err = vms_config_from_state(st, &cfg);
	if (!err)
		err = vms_config_resolve_ports(&cfg, "sync", true);
	if (!err && mode != VMS_SYNC_TAPS) {
		left_out = merge(&cfg, ports, n, mode, cb, ctx);
		err = left_out < 0 ? left_out : 0;
	}
	if (!err && (adopt_taps(&cfg) || mode != VMS_SYNC_TAPS))
		err = vms_config_resolve_ports(&cfg, "sync", true);
	if (!err)
		err = plan_and_apply(st, &cfg, done, cb, ctx);
	return err < 0 ? err : left_out + err;
}
