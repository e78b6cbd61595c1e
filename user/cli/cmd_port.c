// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer port add|del|list */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/bypass.h"
#include "cli/cli.h"
#include "config/config.h"
#include "core/lifecycle.h"
#include "cli/output.h"
#include "core/addr.h"
#include "core/local.h"
#include "core/ports.h"
#include "core/state.h"
#include "core/trunk.h"
#include "load/rss.h"
#include "load/tapxdp.h"
#include "load/tc.h"
#include "load/toeplitz.h"
#include "util/log.h"
#include "util/netdev.h"

_Static_assert(VMST_MAX_ADDRS == 16, "the usage text says 16 addresses");

const char cmd_port_usage[] =
	"Usage: vmsteer port add TAP --mac MAC [--vlan VID | --trunk VIDS]\n"
	"                        [--ip ADDR[/LEN]]... [--trusted] [--tx-hook xdp|tc]\n"
	"                        [--queues N [--rss-key HEX] [--rss-types LIST]\n"
	"                         [--rss-table LIST] [--xdp-steer cpumap|none]]\n"
	"                        [--force]\n"
	"       vmsteer port del TAP [--if-exists]\n"
	"       vmsteer port del --mac MAC [--vlan VID] [--if-exists]\n"
	"       vmsteer port prune [--dry-run]\n"
	"       vmsteer port list\n\n"
	"add   make TAP the port of the VM whose MAC is MAC: uplink frames "
	"for\n      MAC go straight into TAP. Without --vlan the port takes "
	"untagged\n      frames; with --vlan VID (1..4094) it takes frames "
	"tagged VID,\n      delivered untagged. With --trunk VIDS (a list "
	"such as 10,20,100-199)\n      the port is a trunk: it takes "
	"untagged frames as an untagged port\n      does, and the VM may "
	"also send 802.1Q-tagged frames with a listed VID,\n      checked "
	"like untagged ones and left to the bridge (which delivers\n"
	"      the uplink's tagged frames to the trunk too). Adding an "
	"existing TAP\n      updates it (a port added without --queues has "
	"no queue steering).\n"
	"      A tc program on TAP's ingress checks what the VM sends: the "
	"source\n      MAC must be MAC, and so must the link-layer address "
	"options of\n      Neighbor Discovery; a tagged frame is dropped "
	"unless a trunk carries\n      its VID. With --ip (repeatable, IPv4 "
	"and IPv6, at most 16) the\n      IPv4/IPv6/ARP sources and Neighbor "
	"Advertisement targets must be\n      among the addresses or be the "
	"EUI-64 link-local address of MAC\n      (list a stable-privacy "
	"link-local address with --ip); DHCP from\n      0.0.0.0, and :: in "
	"DAD and MLD reports, are allowed. Router\n      Advertisements, "
	"Redirects and DHCP server or relay messages are\n      dropped "
	"unless --trusted. Frames for another port on the same VLAN\n      go "
	"straight into its tap, other unicast to the uplink (tagged for\n"
	"      an access port), if they fit the MTU of the device they go "
	"to;\n      broadcast and multicast go on to the bridge. The reasons "
	"of drops:\n      `vmsteer stats --help`, README \"Threat model\".\n"
	"      --tx-hook xdp (default): an XDP program on TAP makes the same "
	"checks\n      and forwards what it can before the kernel builds an "
	"skb (another\n      VM's tap, the uplink when its driver takes XDP "
	"frames); the rest\n      (GSO frames, checksums left to offload, "
	"broadcast, multicast...)\n      goes on to the tc program. "
	"--tx-hook tc: the tc program only.\n"
	"      --queues N: TAP is a multi-queue tap of N queues (1..256; the "
	"VM's\n      queue count when a VM holds it); vmsteer installs its "
	"steering\n      program on the tap, which puts each flow on the "
	"queue RSS names:\n      Toeplitz hash of addresses and ports, then "
	"the indirection table.\n"
	"      --rss-key HEX     40-byte Toeplitz key (default: Microsoft's)\n"
	"      --rss-types LIST  ipv4,tcpv4,udpv4,ipv6,tcpv6,udpv6, all or "
	"none\n                        (default all)\n"
	"      --rss-table LIST  queue numbers, a power of two of them up to "
	"128\n                        (default: 128 entries round robin)\n"
	"      --xdp-steer MODE  none (default): XDP frames take the queue of "
	"the\n                        CPU that redirects them; cpumap: the "
	"uplink\n                        program hands each frame to CPU q "
	"of its RSS\n                        queue q (CPUs 0..N-1 must be "
	"online; a queue q\n                        is reachable only from "
	"CPUs c with c mod N = q)\n"
	"      --force           replace a steering program vmsteer did not "
	"install\n                        (QEMU's, when the guest enabled "
	"RSS); add a tap\n                        whose frames would bypass "
	"a policy: a root qdisc\n                        that shapes "
	"(libvirt's <bandwidth>), a libvirt\n                        "
	"nwfilter binding (refused without --force)\n"
	"      A TAP that does not exist yet makes a pending port: configured, "
	"not\n      forwarding, active once the tap appears ('vmsteer agent' "
	"activates\n      it at once, 'vmsteer sync' or the next port add "
	"otherwise). A MAC\n      held by a port whose tap is gone moves to "
	"TAP (a VM restarted on\n      a new tap).\n"
	"del   remove TAP's port (or the port of MAC on VLAN VID, untagged "
	"without\n      --vlan): its FDB entry, addresses, counters, tc "
	"filter (and the\n      clsact qdisc, if vmsteer created it) and "
	"vmsteer's steering\n      program (never another's). --if-exists: "
	"no such port is no error.\n"
	"prune delete the ports whose tap is gone (pending or missing); "
	"-n,\n      --dry-run: only name them.\n"
	"list  show the ports; STATE is ok, pending (no tap), missing (tap "
	"gone,\n      'vmsteer sync' makes it pending) or other-netns.\n";

static struct json_object *addrs_json(const struct vmst_addr *a, __u32 n)
{
	struct json_object *arr = json_object_new_array();
	char buf[VMS_ADDR_STRLEN];
	__u32 i;

	for (i = 0; i < n; i++) {
		vms_format_addr(&a[i], buf);
		json_object_array_add(arr, json_object_new_string(buf));
	}
	return arr;
}

/* "trunk": "10,20-29" of a trunk port, null for another. */
static void trunk_json(struct json_object *o, const struct vmst_trunk *t)
{
	static char vids[VMS_VIDS_STRLEN];

	if (!t) {
		json_object_object_add(o, "trunk", NULL);
		return;
	}
	vms_format_vids(t, vids, sizeof(vids));
	vms_json_str(o, "trunk", vids);
}

/* "queues", "rss" and "xdp_steer" of a port's steering (queues null:
 * none). */
static void rss_json(struct json_object *o, const struct vmst_rss *r)
{
	if (!(r->flags & VMST_RSS_F_ENABLED)) {
		json_object_object_add(o, "queues", NULL);
		return;
	}
	vms_json_u64(o, "queues", r->queues);
	json_object_object_add(o, "rss", vms_rss_json(r));
	vms_json_str(o, "xdp_steer",
		     r->flags & VMST_RSS_F_XDP_CPUMAP ? "cpumap" : "none");
}

/* @key (the tap), "index", "mac", "vlan" and "trunk" of a port. */
static void port_json_head(struct json_object *o, const char *key,
			   const char *tap, __u32 idx, const __u8 mac[6],
			   __u16 vlan, const struct vmst_trunk *trunk)
{
	char m[18];

	vms_format_mac(mac, m);
	vms_json_str(o, key, tap);
	vms_json_u64(o, "index", idx);
	vms_json_str(o, "mac", m);
	if (vlan)
		vms_json_u64(o, "vlan", vlan);
	else
		json_object_object_add(o, "vlan", NULL);
	trunk_json(o, trunk);
}

/* "a,b,c", or "-" for none. */
static void addrs_str(const struct vmst_addr *a, __u32 n, char *out, size_t len)
{
	char buf[VMS_ADDR_STRLEN];
	size_t used = 0;
	__u32 i;

	snprintf(out, len, "-");
	for (i = 0; i < n && used < len; i++) {
		vms_format_addr(&a[i], buf);
		used += snprintf(out + used, len - used, "%s%s", i ? "," : "",
				 buf);
	}
}

/*
 * A policy on @tap that the fast path would bypass refuses the port, or,
 * with @force, is a warning.
 */
static int bypass_check(const char *tap, __u32 ifindex, bool force)
{
	char why[400];

	if (!vms_tap_bypass(tap, ifindex, why, sizeof(why)))
		return 0;
	if (!force)
		return vms_err(-EPERM,
			       "port %s: %s (vmsteer's redirects skip it); "
			       "--force adds the port anyway",
			       tap, why);
	pr_warn("port %s: %s (added anyway: --force)", tap, why);
	return 0;
}

/* A bridge filtering VLANs on @tap unlike port @p: a warning (frames
 * vmsteer redirects skip the bridge's filter). */
static void vlan_check(const char *tap, __u32 ifindex,
		       const struct vms_cfg_port *p)
{
	struct vms_tap_master m;
	char vl[300];

	if (vms_tap_master(ifindex, &m) || strcmp(m.kind, "bridge") ||
	    !m.vlan_filtering ||
	    vms_tap_vlans_agree(&m, p->vlan, p->trunk ? &p->vids : NULL))
		return;
	vms_tap_vlans_fmt(&m, vl, sizeof(vl));
	pr_warn("port %s: bridge %s filters VLANs (%s on %s) unlike the port: "
		"frames vmsteer redirects skip that filter",
		tap, m.name, vl, tap);
}

/* RSS options of `port add`, parsed before anything is touched. */
struct rss_opts {
	const char *queues, *key, *types, *table, *xdp_steer;
	bool force;
};

/* The port's RSS configuration from @o; 0 with @cfg->flags 0: none. */
static int rss_from_opts(const char *tap, const struct rss_opts *o,
			 struct vmst_rss *cfg)
{
	unsigned long long q;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (!o->queues) {
		if (o->key || o->types || o->table || o->xdp_steer)
			return vms_usage_err(
				"port", "add %s: RSS options need --queues",
				tap);
		return 0;
	}
	if (vms_parse_uint(o->queues, VMST_RSS_QUEUES_MAX, &q) || q < 1)
		return vms_err(-EINVAL, "--queues '%s': a tap has 1..%d queues",
			       o->queues, VMST_RSS_QUEUES_MAX);
	vms_rss_default(cfg, q);
	if (o->key) {
		err = vms_rss_parse_key("--rss-key", o->key, cfg->key);
		if (err)
			return err;
	}
	if (o->types) {
		err = vms_rss_parse_types("--rss-types", o->types,
					  &cfg->hash_types);
		if (err)
			return err;
	}
	if (o->table) {
		err = vms_rss_parse_table("--rss-table", o->table, cfg);
		if (err)
			return err;
	}
	err = vms_rss_check(tap, cfg);
	if (err)
		return err;
	cfg->flags = VMST_RSS_F_ENABLED;
	if (o->xdp_steer && !strcmp(o->xdp_steer, "cpumap")) {
		err = vms_xdp_steer_check(tap, q, NULL);
		if (err)
			return err;
		cfg->flags |= VMST_RSS_F_XDP_CPUMAP;
	} else if (o->xdp_steer && strcmp(o->xdp_steer, "none")) {
		return vms_err(-EINVAL,
			       "--xdp-steer %s: expected cpumap or none",
			       o->xdp_steer);
	}
	return 0;
}

/* What `port add` prints: the port @p as written, record @e. */
static void port_add_print(const struct vms_cfg_port *p,
			   const struct vms_edit *e)
{
	const struct vmst_rss *rss = &p->rss;
	bool steer = rss->flags & VMST_RSS_F_ENABLED;
	static char vids[VMS_VIDS_STRLEN];
	char macs[18], addrs[VMST_MAX_ADDRS * VMS_ADDR_STRLEN];

	vms_format_mac(p->mac, macs);
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		port_json_head(o, "port", p->tap, e->result_index, p->mac,
			       p->vlan, p->trunk ? &p->vids : NULL);
		json_object_object_add(o, "addresses",
				       addrs_json(p->addrs, p->naddrs));
		vms_json_bool(o, "trusted", p->trusted);
		vms_json_str(o, "tx_hook", p->tx_tc ? "tc" : "xdp");
		vms_json_bool(o, "pending", !p->ifindex);
		rss_json(o, rss);
		if (steer)
			vms_json_u64(o, "steering_prog_id", e->prog_id);
		vms_json_print(o);
		return;
	}
	addrs_str(p->addrs, p->naddrs, addrs, sizeof(addrs));
	if (p->vlan) {
		printf("port %s: MAC %s on VLAN %u", p->tap, macs, p->vlan);
	} else if (p->trunk) {
		vms_format_vids(&p->vids, vids, sizeof(vids));
		printf("port %s: MAC %s, trunk of VLANs %s", p->tap, macs,
		       vids);
	} else
		printf("port %s: MAC %s, untagged", p->tap, macs);
	printf(", addresses %s%s%s", addrs, p->trusted ? ", trusted" : "",
	       p->tx_tc ? ", tc only" : "");
	if (steer && p->ifindex)
		printf(", %u queues steered by RSS (program %u)", rss->queues,
		       e->prog_id);
	else if (steer)
		printf(", %u queues steered by RSS", rss->queues);
	if (e->steer_removed)
		printf(", queue steering removed");
	if (!p->ifindex)
		printf("; pending: no tap %s yet (it becomes active when the "
		       "tap appears: 'vmsteer agent', or the next apply or "
		       "port add)",
		       p->tap);
	printf("\n");
}

/* The options of `port add`, parsed before anything is touched. */
struct add_opts {
	const char *mac, *vlan, *trunk, *tx_hook;
	const char *ips[VMST_MAX_ADDRS + 1];
	int nips;
	bool trusted;
	struct rss_opts rss;
};

/* --ip ADDR, repeated. */
static int add_opt(void *ctx, int c, const char *arg)
{
	struct add_opts *o = ctx;

	(void)c; /* 'i' */
	if (o->nips == VMST_MAX_ADDRS)
		return vms_err(
			-E2BIG,
			"--ip %s: too many addresses, at most %d per port", arg,
			VMST_MAX_ADDRS);
	o->ips[o->nips++] = arg;
	return 0;
}

static int add_getopt(int argc, char **argv, struct add_opts *o)
{
#define ADD_OPT(name, key, kind, field)                                     \
	{                                                                   \
		name, key, VMS_OPT_##kind, offsetof(struct add_opts, field) \
	}
	static const struct vms_opt opts[] = {
		ADD_OPT("mac", 'm', STR, mac),
		ADD_OPT("vlan", 'l', STR, vlan),
		ADD_OPT("trunk", 'K', STR, trunk),
		{"ip", 'i', VMS_OPT_ARG, 0},
		ADD_OPT("trusted", 'r', FLAG, trusted),
		ADD_OPT("queues", 'q', STR, rss.queues),
		ADD_OPT("rss-key", 'k', STR, rss.key),
		ADD_OPT("rss-types", 't', STR, rss.types),
		ADD_OPT("rss-table", 'T', STR, rss.table),
		ADD_OPT("xdp-steer", 'x', STR, rss.xdp_steer),
		ADD_OPT("tx-hook", 'H', STR, tx_hook),
		ADD_OPT("force", 'f', FLAG, rss.force),
		{}};
#undef ADD_OPT
	static const struct vms_optspec spec = {
		.cmd = "port",
		.shortopts = "",
		.opts = opts,
		.fn = add_opt,
	};

	return vms_getopt(&spec, argc, argv, o);
}

/* Port @p's MAC, VLAN or trunk and addresses from the options. */
static int add_addressing(const char *tap, const struct add_opts *o,
			  struct vms_cfg_port *p)
{
	int i, err;

	if (vms_parse_mac(o->mac, p->mac))
		return vms_err(-EINVAL,
			       "--mac %s: not a MAC address (expected "
			       "aa:bb:cc:dd:ee:ff)",
			       o->mac);
	if (o->vlan && vms_parse_vlan(o->vlan, &p->vlan))
		return vms_err(-EINVAL, "--vlan '%s': VLAN id must be %d..%d",
			       o->vlan, VMST_VLAN_MIN, VMST_VLAN_MAX);
	if (o->vlan && o->trunk)
		return vms_usage_err("port",
				     "add %s: --vlan and --trunk exclude each "
				     "other",
				     tap);
	if (o->trunk) {
		char what[64];

		snprintf(what, sizeof(what), "--trunk %s", o->trunk);
		err = vms_parse_vids(what, o->trunk, &p->vids);
		if (err)
			return err;
		p->trunk = true;
	}
	for (i = 0; i < o->nips; i++) {
		err = vms_parse_addr(o->ips[i], &p->addrs[i]);
		if (err)
			return err;
	}
	p->naddrs = o->nips;
	return 0;
}

/* The tap: none (yet) makes a pending port; one must be a tap whose
 * frames bypass no policy (or --force). */
static int add_tap(const char *tap, bool force, struct vms_cfg_port *p)
{
	int ifindex, mtu, err;

	err = vms_ifname_check(tap);
	if (err)
		return err;
	ifindex = vms_nametoindex(tap);
	mtu = 0;
	if (ifindex) {
		err = vms_is_tap(tap);
		if (err < 0)
			return vms_err(err, "%s: cannot tell its type: %s", tap,
				       strerror(-err));
		if (!err)
			return vms_err(-EINVAL, "%s: not a tap device", tap);
		mtu = vms_dev_mtu(tap);
		if (mtu <= 0)
			return vms_err(mtu ?: -EINVAL,
				       "%s: cannot read its MTU", tap);
		err = bypass_check(tap, ifindex, force);
		if (err)
			return err;
		vlan_check(tap, ifindex, p);
	}
	snprintf(p->tap, sizeof(p->tap), "%s", tap);
	p->ifindex = ifindex;
	p->mtu = mtu;
	return 0;
}

/* `port add`: the port as the options say, an edit of the state's
 * document (vms_port_edit) after everything is validated. */
static int port_add(const struct vms_cli *cli, int argc, char **argv)
{
	static struct vms_port_spec spec;
	static struct vms_edit e;
	struct vms_cfg_port *p = &e.port;
	static struct add_opts o;
	struct vms_state st;
	const char *tap;
	int err;

	memset(&o, 0, sizeof(o));
	memset(&e, 0, sizeof(e));
	err = add_getopt(argc, argv, &o);
	if (err)
		return err;
	if (optind != argc - 1)
		return vms_usage_err("port", "add: expected one tap");
	tap = argv[optind];
	if (!o.mac)
		return vms_usage_err("port", "add %s: --mac is required", tap);

	/* Validate everything before touching the state. */
	err = add_addressing(tap, &o, p);
	if (!err)
		err = add_tap(tap, o.rss.force, p);
	if (err)
		return err;
	p->trusted = o.trusted;
	if (o.tx_hook && strcmp(o.tx_hook, "xdp") && strcmp(o.tx_hook, "tc"))
		return vms_err(-EINVAL, "--tx-hook %s: expected xdp or tc",
			       o.tx_hook);
	p->tx_tc = o.tx_hook && !strcmp(o.tx_hook, "tc");
	vms_port_spec_from_cfg(p, &spec);
	err = vms_port_spec_check(&spec);
	if (!err)
		err = rss_from_opts(tap, &o.rss, &p->rss);
	if (err)
		return err;

	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_CREATE);
	if (err)
		return err;
	e.kind = VMS_EDIT_WRITE;
	e.force = o.rss.force;
	err = vms_port_edit(&st, &e);
	if (!err && vms_local_port_added(&st, tap, spec.ifindex, spec.mac)) {
		pr_warn("host-local MACs not updated: %s", vms_last_error());
		vms_clear_error();
	}
	vms_state_close(&st);
	if (err)
		return err;
	port_add_print(p, &e);
	return 0;
}

/* The options of `port del`. */
struct del_opts {
	bool if_exists;
	const char *mac, *vlan;
};

static int port_del(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_opt opts[] = {
		{"if-exists", 'e', VMS_OPT_FLAG,
		 offsetof(struct del_opts, if_exists)},
		{"mac", 'm', VMS_OPT_STR, offsetof(struct del_opts, mac)},
		{"vlan", 'l', VMS_OPT_STR, offsetof(struct del_opts, vlan)},
		{}};
	static const struct vms_optspec spec = {
		.cmd = "port",
		.shortopts = "",
		.opts = opts,
	};
	struct del_opts o = {};
	const char *tap = NULL, *mac, *vlan;
	bool removed = false, if_exists;
	char what[64], name[IF_NAMESIZE] = "";
	struct vmst_port_cfg c;
	struct vms_state st;
	__u8 m[6];
	__u16 vid = 0;
	int idx = 0, err;

	err = vms_getopt(&spec, argc, argv, &o);
	if (err)
		return err;
	if_exists = o.if_exists;
	mac = o.mac;
	vlan = o.vlan;
	if (optind == argc - 1 && !mac)
		tap = argv[optind];
	else if (optind != argc || !mac)
		return vms_usage_err("port", "del: expected one tap, or --mac");
	if (vlan && !mac)
		return vms_usage_err("port", "del: --vlan needs --mac");
	if (mac && vms_parse_mac(mac, m))
		return vms_err(-EINVAL,
			       "--mac %s: not a MAC address (expected "
			       "aa:bb:cc:dd:ee:ff)",
			       mac);
	if (vlan && vms_parse_vlan(vlan, &vid))
		return vms_err(-EINVAL, "--vlan '%s': VLAN id must be %d..%d",
			       vlan, VMST_VLAN_MIN, VMST_VLAN_MAX);
	if (tap)
		snprintf(what, sizeof(what), "port %s", tap);
	else if (vid)
		snprintf(what, sizeof(what), "port of MAC %s on VLAN %u", mac,
			 vid);
	else
		snprintf(what, sizeof(what), "port of MAC %s (untagged)", mac);

	if (vms_state_exists(cli->pin_path)) {
		err = vms_state_open(&st, cli->pin_path, VMS_OPEN_WRITE);
		if (err)
			return err;
		idx = tap ? vms_port_find(&st.maps, tap, vms_netns_ino(), &c)
			  : vms_port_find_mac(&st.maps, m, vid, vms_netns_ino(),
					      &c);
		err = idx < 0 ? idx : 0;
		if (idx > 0) {
			static struct vms_edit e;

			snprintf(name, sizeof(name), "%.*s",
				 (int)sizeof(c.name) - 1, c.name);
			memset(&e, 0, sizeof(e));
			e.kind = VMS_EDIT_DELETE;
			e.index = idx;
			snprintf(e.port.tap, sizeof(e.port.tap), "%s", name);
			err = vms_port_edit(&st, &e);
			removed = e.steer_removed;
		}
		if (idx > 0 && !err)
			vms_local_refresh_warn(&st);
		vms_state_close(&st);
		if (err)
			return err;
	}
	if (!idx && !if_exists)
		return vms_err(-ENOENT, "%s: not configured", what);
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "port", idx ? name : tap);
		vms_json_bool(o, "deleted", idx > 0);
		vms_json_bool(o, "steering_removed", removed);
		vms_json_print(o);
	} else if (!idx) {
		printf("%s: not configured, nothing to delete\n", what);
	} else {
		printf("port %s: deleted%s\n", name,
		       removed ? ", steering program removed" : "");
	}
	return 0;
}

/* Delete the ports of this namespace whose tap is gone. */
static int port_prune(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_opt opts[] = {{"dry-run", 'n', VMS_OPT_FLAG, 0},
					      {}};
	static const struct vms_optspec spec = {
		.cmd = "port",
		.shortopts = "n",
		.opts = opts,
	};
	const struct vmst_port_cfg *cfg;
	struct json_object *arr = NULL;
	__u32 netns = vms_netns_ino();
	struct vms_state st;
	bool dry = false;
	int idx, err, n = 0;

	err = vms_getopt(&spec, argc, argv, &dry);
	if (err)
		return err;
	if (optind != argc)
		return vms_usage_err("port", "prune: takes no arguments");
	if (vms_json)
		arr = json_object_new_array();
	if (vms_state_exists(cli->pin_path)) {
		err = vms_state_open(&st, cli->pin_path,
				     dry ? 0 : VMS_OPEN_WRITE);
		if (err) {
			json_object_put(arr);
			return err;
		}
		err = vms_port_table(&st.maps, &cfg);
		for (idx = 1; !err && idx < VMST_MAX_PORTS; idx++) {
			char name[IF_NAMESIZE];

			if (!vms_port_tapless(&cfg[idx], netns))
				continue;
			snprintf(name, sizeof(name), "%.*s",
				 (int)sizeof(cfg[idx].name) - 1, cfg[idx].name);
			if (!dry)
				err = vms_port_remove(&st, idx, NULL);
			if (err)
				break;
			n++;
			if (arr)
				json_object_array_add(
					arr, json_object_new_string(name));
			else
				printf("port %s: %s\n", name,
				       dry ? "would be deleted (tap gone)"
					   : "deleted (tap gone)");
		}
		if (n && !dry)
			vms_local_refresh_warn(&st);
		vms_state_close(&st);
	}
	if (err) {
		json_object_put(arr);
		return err;
	}
	if (arr) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "pruned", arr);
		vms_json_bool(o, "dry_run", dry);
		vms_json_print(o);
	} else if (!n) {
		printf("no port without its tap\n");
	}
	return 0;
}

/* "ok", "pending" (no tap yet, or no more), "missing" (tap gone or renamed,
 * port still active) or "other-netns". */
static const char *port_state(const struct vmst_port_cfg *c, __u32 netns)
{
	if (c->netns_ino != netns)
		return "other-netns";
	if (c->flags & VMST_CFG_F_PENDING)
		return "pending";
	if (!vms_port_tap_there(c, NULL))
		return "missing";
	return "ok";
}

/* Every port record with its addresses, steering and trunk VIDs. */
struct port_table {
	const struct vmst_port_cfg *cfg; /* vms_port_table */
	struct vmst_port_tx tx[VMST_MAX_PORTS];
	struct vmst_rss rss[VMST_MAX_PORTS];
	struct vmst_trunk trunk[VMST_MAX_PORTS];
};

static int port_table_read(const struct vms_cli *cli, struct port_table *pt)
{
	struct vms_state st;
	int err;

	if (!vms_state_exists(cli->pin_path))
		return vms_port_table(NULL, &pt->cfg);
	err = vms_state_open(&st, cli->pin_path, 0);
	if (err)
		return err;
	/* Each map in one batch read (a read a port and map was three
	 * system calls a port). */
	err = vms_port_table(&st.maps, &pt->cfg);
	if (!err)
		err = vms_port_tx_read_all(&st.maps, pt->tx);
	if (!err)
		err = vms_rss_read_all(&st.maps, pt->rss);
	if (!err)
		err = vms_port_trunk_read_all(&st.maps, pt->trunk);
	vms_state_close(&st);
	return err;
}

/* One row of `port list`: port @idx of @pt, its STATE and tc program. */
struct port_row {
	const struct port_table *pt;
	int idx;
	const char *state;
	bool tc, xdp; /* the tap's tc and XDP programs are there */
};

static void port_row_json(struct json_object *arr, const struct port_row *w)
{
	const struct vmst_port_cfg *c = &w->pt->cfg[w->idx];
	const struct vmst_port_tx *tx = &w->pt->tx[w->idx];
	struct json_object *o = json_object_new_object();

	port_json_head(o, "tap", c->name, w->idx, c->mac, c->vlan,
		       c->flags & VMST_CFG_F_TRUNK ? &w->pt->trunk[w->idx]
						   : NULL);
	vms_json_u64(o, "mtu", c->mtu);
	vms_json_u64(o, "ifindex", c->ifindex);
	vms_json_str(o, "state", w->state);
	json_object_object_add(o, "addresses",
			       addrs_json(tx->addrs, tx->naddrs));
	vms_json_bool(o, "trusted", c->flags & VMST_CFG_F_TRUSTED);
	vms_json_bool(o, "tc", w->tc);
	vms_json_bool(o, "xdp", w->xdp);
	vms_json_str(o, "tx_hook", c->flags & VMST_CFG_F_TX_TC ? "tc" : "xdp");
	vms_json_bool(o, "agent", c->flags & VMST_CFG_F_AGENT);
	if (c->flags & VMST_CFG_F_PENDING)
		vms_json_u64(o, "pending_secs",
			     vms_boottime() - c->pending_since);
	rss_json(o, &w->pt->rss[w->idx]);
	json_object_array_add(arr, o);
}

static void port_row_plain(struct vms_table *t, const struct port_row *w)
{
	const struct vmst_port_cfg *c = &w->pt->cfg[w->idx];
	const struct vmst_port_tx *tx = &w->pt->tx[w->idx];
	const struct vmst_rss *r = &w->pt->rss[w->idx];
	char mac[18], sidx[12], mtu[12], ifi[12], flags[32];
	char nq[8] = "-", types[64] = "-", tsize[8] = "-";
	char addrs[VMST_MAX_ADDRS * VMS_ADDR_STRLEN];
	static char vids[VMS_VIDS_STRLEN];

	vms_format_mac(c->mac, mac);
	snprintf(flags, sizeof(flags), "%s%s%s%s",
		 c->flags & VMST_CFG_F_TRUSTED ? "trusted," : "",
		 c->flags & VMST_CFG_F_AGENT ? "agent," : "",
		 w->xdp ? "xdp," : "", w->tc ? "tc" : "no-tc");
	snprintf(sidx, sizeof(sidx), "%d", w->idx);
	if (c->vlan) {
		snprintf(vids, sizeof(vids), "%u", c->vlan);
	} else if (c->flags & VMST_CFG_F_TRUNK) {
		strcpy(vids, "trunk:");
		vms_format_vids(&w->pt->trunk[w->idx], vids + 6,
				sizeof(vids) - 6);
	} else {
		strcpy(vids, "-");
	}
	snprintf(mtu, sizeof(mtu), "%u", c->mtu);
	snprintf(ifi, sizeof(ifi), "%u", c->ifindex);
	if (r->flags & VMST_RSS_F_ENABLED) {
		snprintf(nq, sizeof(nq), "%u", r->queues);
		vms_rss_format_types(r->hash_types, types, sizeof(types));
		snprintf(tsize, sizeof(tsize), "%u", r->table_size);
	}
	addrs_str(tx->addrs, tx->naddrs, addrs, sizeof(addrs));
	vms_table_add(t, (const char *[]){c->name, sidx, mac, vids, mtu, ifi,
					  w->state, flags, nq, types, tsize,
					  addrs});
}

static int port_list(const struct vms_cli *cli, int argc, char **argv)
{
	static const char *hdr[] = {"PORT",	 ">INDEX", "MAC",
				    ">VLAN",	 ">MTU",   ">IFINDEX",
				    "STATE",	 "FLAGS",  ">QUEUES",
				    "RSS TYPES", ">TABLE", "ADDRESSES"};
	static struct port_table pt;
	static const char *state[VMST_MAX_PORTS];
	static __u32 ifindex[VMST_MAX_PORTS], tc[VMST_MAX_PORTS],
		xdp[VMST_MAX_PORTS];
	struct port_row w = {.pt = &pt};
	struct json_object *arr = NULL;
	__u32 netns = vms_netns_ino();
	struct vms_table t;
	int err, n = 0, k = 0;

	(void)argv;
	if (argc != 1)
		return vms_usage_err("port", "list: takes no arguments");
	err = port_table_read(cli, &pt);
	if (err)
		return err;
	/* The taps' programs (only seen from the tap's netns), for all the
	 * taps there in two batches of queries: a query or three a port
	 * took most of a list of thousands. A query that fails shows no
	 * program, as it did one port at a time. */
	for (w.idx = 1; w.idx < VMST_MAX_PORTS; w.idx++) {
		const struct vmst_port_cfg *c = &pt.cfg[w.idx];

		if (!vms_port_in_use(c))
			continue;
		state[w.idx] = port_state(c, netns);
		if (!strcmp(state[w.idx], "ok"))
			ifindex[n++] = c->ifindex;
	}
	if (vms_tc_prog_ids(ifindex, n, tc))
		memset(tc, 0, n * sizeof(tc[0]));
	if (vms_tap_xdp_prog_ids(ifindex, n, xdp))
		memset(xdp, 0, n * sizeof(xdp[0]));
	vms_clear_error();
	if (vms_json)
		arr = json_object_new_array();
	else
		vms_table_init(&t, 12, hdr);
	for (w.idx = 1; w.idx < VMST_MAX_PORTS; w.idx++) {
		const struct vmst_port_cfg *c = &pt.cfg[w.idx];

		if (!vms_port_in_use(c))
			continue;
		w.state = state[w.idx];
		w.tc = w.xdp = false;
		if (!strcmp(w.state, "ok")) {
			w.tc = tc[k];
			w.xdp = xdp[k++];
		}
		if (arr)
			port_row_json(arr, &w);
		else
			port_row_plain(&t, &w);
	}
	if (arr) {
		vms_json_print(arr);
	} else {
		vms_table_print(&t, stdout);
		vms_table_free(&t);
	}
	return 0;
}

int cmd_port(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_cmd subs[] = {
		{.name = "add", .fn = port_add},
		{.name = "del", .fn = port_del},
		{.name = "delete", .fn = port_del},
		{.name = "list", .fn = port_list},
		{.name = "show", .fn = port_list},
		{.name = "prune", .fn = port_prune},
	};

	return vms_run_subcmd("port", subs, sizeof(subs) / sizeof(subs[0]), cli,
			      argc, argv);
}
