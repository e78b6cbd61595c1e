// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer port add|del|list */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bypass.h"
#include "cli.h"
#include "lifecycle.h"

_Static_assert(VMST_MAX_ADDRS == 16, "the usage text says 16 addresses");

const char cmd_port_usage[] =
	"Usage: vmsteer port add TAP --mac MAC [--vlan VID | --trunk VIDS]\n"
	"                        [--ip ADDR[/LEN]]... [--trusted]\n"
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

/* Write port @c (addresses @tx) back as it was before a failed update. */
static void restore_port(struct vms_state *st, __u32 idx,
			 const struct vmst_port_cfg *c,
			 const struct vmst_port_tx *tx, bool xdp_steer)
{
	static struct vms_port_spec s;

	memset(&s, 0, sizeof(s));
	memcpy(s.name, c->name, sizeof(s.name) - 1);
	s.ifindex = c->ifindex;
	s.netns_ino = c->netns_ino;
	memcpy(s.mac, c->mac, 6);
	s.vlan = c->vlan;
	s.trunk = c->flags & VMST_CFG_F_TRUNK;
	if (s.trunk)
		vms_port_trunk_read(&st->maps, idx, &s.vids);
	s.mtu = c->mtu;
	s.trusted = c->flags & VMST_CFG_F_TRUSTED;
	s.agent = c->flags & VMST_CFG_F_AGENT;
	s.naddrs = tx->naddrs;
	memcpy(s.addrs, tx->addrs, sizeof(s.addrs));
	s.xdp_steer = xdp_steer;
	vms_port_upsert(&st->maps, &s, NULL);
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

static int port_add(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"mac", required_argument, NULL, 'm'},
		{"vlan", required_argument, NULL, 'l'},
		{"trunk", required_argument, NULL, 'K'},
		{"ip", required_argument, NULL, 'i'},
		{"trusted", no_argument, NULL, 'r'},
		{"queues", required_argument, NULL, 'q'},
		{"rss-key", required_argument, NULL, 'k'},
		{"rss-types", required_argument, NULL, 't'},
		{"rss-table", required_argument, NULL, 'T'},
		{"xdp-steer", required_argument, NULL, 'x'},
		{"force", no_argument, NULL, 'f'},
		{}};
	static struct vms_port_spec spec;
	static struct vmst_port_tx old_tx;
	struct vms_steer_ctx sc = {.qfd = -1};
	const char *mac = NULL, *vlan = NULL, *trunk = NULL, *tap;
	const char *ips[VMST_MAX_ADDRS + 1];
	int c, ifindex, mtu, err, nips = 0, i, existed;
	struct vmst_port_cfg old_cfg;
	struct vmst_rss rss, old_rss;
	bool changed, removed = false;
	struct rss_opts ro = {};
	struct vms_state st;
	__u32 prog_id = 0;
	char macs[18];
	__u32 idx = 0;

	memset(&spec, 0, sizeof(spec));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		err = 0;
		if (c == 'm') {
			err = vms_opt_once("port", "--mac", &mac, optarg);
		} else if (c == 'l') {
			err = vms_opt_once("port", "--vlan", &vlan, optarg);
		} else if (c == 'K') {
			err = vms_opt_once("port", "--trunk", &trunk, optarg);
		} else if (c == 'r') {
			spec.trusted = true;
		} else if (c == 'i') {
			if (nips == VMST_MAX_ADDRS)
				return vms_err(
					-E2BIG,
					"--ip %s: too many addresses, at "
					"most %d per port",
					optarg, VMST_MAX_ADDRS);
			ips[nips++] = optarg;
		} else if (c == 'q') {
			err = vms_opt_once("port", "--queues", &ro.queues,
					   optarg);
		} else if (c == 'k') {
			err = vms_opt_once("port", "--rss-key", &ro.key,
					   optarg);
		} else if (c == 't') {
			err = vms_opt_once("port", "--rss-types", &ro.types,
					   optarg);
		} else if (c == 'T') {
			err = vms_opt_once("port", "--rss-table", &ro.table,
					   optarg);
		} else if (c == 'x') {
			err = vms_opt_once("port", "--xdp-steer", &ro.xdp_steer,
					   optarg);
		} else if (c == 'f') {
			ro.force = true;
		} else {
			return vms_bad_option("port", argv);
		}
		if (err)
			return err;
	}
	if (optind != argc - 1)
		return vms_usage_err("port", "add: expected one tap");
	tap = argv[optind];
	if (!mac)
		return vms_usage_err("port", "add %s: --mac is required", tap);

	/* Validate everything before touching the state. */
	if (vms_parse_mac(mac, spec.mac))
		return vms_err(-EINVAL,
			       "--mac %s: not a MAC address (expected "
			       "aa:bb:cc:dd:ee:ff)",
			       mac);
	if (vlan && vms_parse_vlan(vlan, &spec.vlan))
		return vms_err(-EINVAL, "--vlan '%s': VLAN id must be %d..%d",
			       vlan, VMST_VLAN_MIN, VMST_VLAN_MAX);
	if (vlan && trunk)
		return vms_usage_err("port",
				     "add %s: --vlan and --trunk exclude each "
				     "other",
				     tap);
	if (trunk) {
		char what[64];

		snprintf(what, sizeof(what), "--trunk %s", trunk);
		err = vms_parse_vids(what, trunk, &spec.vids);
		if (err)
			return err;
		spec.trunk = true;
	}
	for (i = 0; i < nips; i++) {
		err = vms_parse_addr(ips[i], &spec.addrs[i]);
		if (err)
			return err;
	}
	spec.naddrs = nips;
	err = vms_ifname_check(tap);
	if (err)
		return err;
	/* No tap of that name (yet): the port is pending until one appears. */
	ifindex = if_nametoindex(tap);
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
		err = bypass_check(tap, ifindex, ro.force);
		if (err)
			return err;
	}
	snprintf(spec.name, sizeof(spec.name), "%s", tap);
	spec.ifindex = ifindex;
	spec.netns_ino = vms_netns_ino();
	spec.mtu = mtu;
	err = vms_port_spec_check(&spec);
	if (err)
		return err;
	err = rss_from_opts(tap, &ro, &rss);
	if (err)
		return err;

	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_CREATE);
	if (err)
		return err;
	existed = vms_port_find(&st.maps, tap, spec.netns_ino, &old_cfg);
	if (existed < 0) {
		err = existed;
		goto out;
	}
	memset(&old_rss, 0, sizeof(old_rss));
	if (existed) {
		err = vms_port_tx_read(&st.maps, existed, &old_tx);
		if (!err)
			err = vms_rss_read(&st.maps, existed, &old_rss);
		if (err)
			goto out;
	}
	/* The tap's queues and steering program are checked before any
	 * change: a refusal (queue count, foreign program) changes nothing.
	 */
	if (rss.flags) {
		err = ifindex ? vms_steer_prepare(&st.maps, tap, rss.queues,
						  ro.force, &sc)
			      : 0;
		if (!err && (rss.flags & VMST_RSS_F_XDP_CPUMAP))
			err = vms_xdp_steer_check(tap, rss.queues,
						  ifindex ? &sc : NULL);
		/* The CPUs' entries exist before any frame is steered. */
		if (!err && (rss.flags & VMST_RSS_F_XDP_CPUMAP))
			err = vms_cpumap_ensure(&st, rss.queues);
		if (err)
			goto out;
		spec.xdp_steer = rss.flags & VMST_RSS_F_XDP_CPUMAP;
	}
	/* A port added without --queues steers no more: vmsteer's program
	 * leaves the tap while the port's entry still says so.
	 */
	if (!rss.flags && existed) {
		err = vms_rss_port_disable(&st, tap, existed, &removed);
		if (err)
			goto out;
	}
	err = vms_port_upsert(&st.maps, &spec, &idx);
	if (err)
		goto out;
	err = ifindex ? vms_tap_attach(&st, idx, ifindex, tap, &changed) : 0;
	/* The filter cannot go on: the port is taken back to what it was (a
	 * new one deleted, an updated one restored).
	 */
	if (err) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", vms_last_error());
		if (!existed)
			vms_port_delete(&st.maps, idx);
		else
			restore_port(&st, existed, &old_cfg, &old_tx,
				     old_rss.flags & VMST_RSS_F_XDP_CPUMAP);
		vms_err(err, "%s", msg);
		goto out;
	}
	if (rss.flags) {
		/* Configuration first, then the program that reads it. */
		err = vms_rss_write(&st.maps, idx, &rss);
		if (!err && ifindex)
			err = vms_steer_install(&st, &sc, tap, idx, &prog_id);
		if (err && !existed) {
			/* A new port: take it away again. */
			struct vmst_port_tx tx;
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", vms_last_error());
			if (!vms_port_tx_read(&st.maps, idx, &tx))
				vms_tap_detach(ifindex, tap,
					       tx.flags & VMST_TX_F_QDISC_OURS);
			vms_port_delete(&st.maps, idx);
			vms_err(err, "%s", msg);
		}
	}
out:
	vms_steer_close(&sc);
	if (!err && vms_local_port_added(&st, tap, ifindex, spec.mac)) {
		pr_warn("host-local MACs not updated: %s", vms_last_error());
		vms_clear_error();
	}
	vms_state_close(&st);
	if (err)
		return err;

	vms_format_mac(spec.mac, macs);
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "port", tap);
		vms_json_u64(o, "index", idx);
		vms_json_str(o, "mac", macs);
		if (spec.vlan)
			vms_json_u64(o, "vlan", spec.vlan);
		else
			json_object_object_add(o, "vlan", NULL);
		trunk_json(o, spec.trunk ? &spec.vids : NULL);
		json_object_object_add(o, "addresses",
				       addrs_json(spec.addrs, spec.naddrs));
		vms_json_bool(o, "trusted", spec.trusted);
		vms_json_bool(o, "pending", !ifindex);
		if (rss.flags) {
			vms_json_u64(o, "queues", rss.queues);
			json_object_object_add(o, "rss", vms_rss_json(&rss));
			vms_json_str(o, "xdp_steer",
				     rss.flags & VMST_RSS_F_XDP_CPUMAP
					     ? "cpumap"
					     : "none");
			vms_json_u64(o, "steering_prog_id", prog_id);
		} else {
			json_object_object_add(o, "queues", NULL);
		}
		vms_json_print(o);
		return 0;
	}
	{
		char addrs[VMST_MAX_ADDRS * VMS_ADDR_STRLEN];

		addrs_str(spec.addrs, spec.naddrs, addrs, sizeof(addrs));
		static char vids[VMS_VIDS_STRLEN];

		if (spec.vlan) {
			printf("port %s: MAC %s on VLAN %u", tap, macs,
			       spec.vlan);
		} else if (spec.trunk) {
			vms_format_vids(&spec.vids, vids, sizeof(vids));
			printf("port %s: MAC %s, trunk of VLANs %s", tap, macs,
			       vids);
		} else
			printf("port %s: MAC %s, untagged", tap, macs);
		printf(", addresses %s%s", addrs,
		       spec.trusted ? ", trusted" : "");
	}
	if (rss.flags && ifindex)
		printf(", %u queues steered by RSS (program %u)", rss.queues,
		       prog_id);
	else if (rss.flags)
		printf(", %u queues steered by RSS", rss.queues);
	if (removed)
		printf(", queue steering removed");
	if (!ifindex)
		printf("; pending: no tap %s yet (it becomes active when the "
		       "tap appears: 'vmsteer agent', or the next apply or "
		       "port add)",
		       tap);
	printf("\n");
	return 0;
}

static int port_del(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"if-exists", no_argument, NULL, 'e'},
		{"mac", required_argument, NULL, 'm'},
		{"vlan", required_argument, NULL, 'l'},
		{}};
	const char *tap = NULL, *mac = NULL, *vlan = NULL;
	bool removed = false, if_exists = false;
	char what[64], name[IF_NAMESIZE] = "";
	struct vmst_port_cfg c;
	struct vms_state st;
	__u8 m[6];
	__u16 vid = 0;
	int idx = 0, err = 0, o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'e')
			if_exists = true;
		else if (o == 'm')
			err = vms_opt_once("port", "--mac", &mac, optarg);
		else if (o == 'l')
			err = vms_opt_once("port", "--vlan", &vlan, optarg);
		else
			return vms_bad_option("port", argv);
		if (err)
			return err;
	}
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
			snprintf(name, sizeof(name), "%.*s",
				 (int)sizeof(c.name) - 1, c.name);
			err = vms_port_remove(&st, idx, &removed);
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
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'}, {}};
	static struct vmst_port_cfg cfg[VMST_MAX_PORTS];
	struct json_object *arr = NULL;
	__u32 netns = vms_netns_ino();
	struct vms_state st;
	bool dry = false;
	int idx, err = 0, o, n = 0;

	while ((o = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (o != 'n')
			return vms_bad_option("port", argv);
		dry = true;
	}
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
		err = vms_port_read_all(&st.maps, cfg);
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
	char name[IF_NAMESIZE];

	if (c->netns_ino != netns)
		return "other-netns";
	if (c->flags & VMST_CFG_F_PENDING)
		return "pending";
	if (!if_indextoname(c->ifindex, name) ||
	    strncmp(name, c->name, sizeof(c->name)))
		return "missing";
	return "ok";
}

static int port_list(const struct vms_cli *cli, int argc, char **argv)
{
	static const char *hdr[] = {"PORT",	 ">INDEX", "MAC",
				    ">VLAN",	 ">MTU",   ">IFINDEX",
				    "STATE",	 "FLAGS",  ">QUEUES",
				    "RSS TYPES", ">TABLE", "ADDRESSES"};
	static struct vmst_port_tx txs[VMST_MAX_PORTS];
	static struct vmst_port_cfg cfg[VMST_MAX_PORTS];
	static struct vmst_rss rss[VMST_MAX_PORTS];
	static struct vmst_trunk trunks[VMST_MAX_PORTS];
	static char vids[VMS_VIDS_STRLEN];
	struct json_object *arr = NULL;
	__u32 netns = vms_netns_ino();
	struct vms_table t;
	struct vms_state st;
	int idx, err;

	(void)argv;
	if (argc != 1)
		return vms_usage_err("port", "list: takes no arguments");
	memset(cfg, 0, sizeof(cfg));
	if (vms_state_exists(cli->pin_path)) {
		err = vms_state_open(&st, cli->pin_path, 0);
		if (err)
			return err;
		err = vms_port_read_all(&st.maps, cfg);
		for (idx = 1; !err && idx < VMST_MAX_PORTS; idx++) {
			if (!(cfg[idx].flags & VMST_CFG_F_IN_USE))
				continue;
			err = vms_port_tx_read(&st.maps, idx, &txs[idx]);
			if (!err)
				err = vms_rss_read(&st.maps, idx, &rss[idx]);
			if (!err)
				err = vms_port_trunk_read(&st.maps, idx,
							  &trunks[idx]);
		}
		vms_state_close(&st);
		if (err)
			return err;
	}

	if (vms_json)
		arr = json_object_new_array();
	else
		vms_table_init(&t, 12, hdr);
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_port_cfg *c = &cfg[idx];
		const struct vmst_rss *r = &rss[idx];
		char mac[18], sidx[12], mtu[12], ifi[12], flags[32];
		char nq[8] = "-", types[64] = "-", tsize[8] = "-";
		char addrs[VMST_MAX_ADDRS * VMS_ADDR_STRLEN];
		const char *state;
		bool tc;

		if (!(c->flags & VMST_CFG_F_IN_USE))
			continue;
		vms_format_mac(c->mac, mac);
		state = port_state(c, netns);
		/* The tap program is there (only seen from the tap's netns). */
		tc = !strcmp(state, "ok") && vms_tc_prog_id(c->ifindex);
		snprintf(flags, sizeof(flags), "%s%s%s",
			 c->flags & VMST_CFG_F_TRUSTED ? "trusted," : "",
			 c->flags & VMST_CFG_F_AGENT ? "agent," : "",
			 tc ? "tc" : "no-tc");
		if (arr) {
			struct json_object *o = json_object_new_object();

			vms_json_str(o, "tap", c->name);
			vms_json_u64(o, "index", idx);
			vms_json_str(o, "mac", mac);
			if (c->vlan)
				vms_json_u64(o, "vlan", c->vlan);
			else
				json_object_object_add(o, "vlan", NULL);
			trunk_json(o, c->flags & VMST_CFG_F_TRUNK ? &trunks[idx]
								  : NULL);
			vms_json_u64(o, "mtu", c->mtu);
			vms_json_u64(o, "ifindex", c->ifindex);
			vms_json_str(o, "state", state);
			json_object_object_add(
				o, "addresses",
				addrs_json(txs[idx].addrs, txs[idx].naddrs));
			vms_json_bool(o, "trusted",
				      c->flags & VMST_CFG_F_TRUSTED);
			vms_json_bool(o, "tc", tc);
			vms_json_bool(o, "agent", c->flags & VMST_CFG_F_AGENT);
			if (c->flags & VMST_CFG_F_PENDING)
				vms_json_u64(o, "pending_secs",
					     vms_boottime() - c->pending_since);
			if (r->flags & VMST_RSS_F_ENABLED) {
				vms_json_u64(o, "queues", r->queues);
				json_object_object_add(o, "rss",
						       vms_rss_json(r));
				vms_json_str(o, "xdp_steer",
					     r->flags & VMST_RSS_F_XDP_CPUMAP
						     ? "cpumap"
						     : "none");
			} else {
				json_object_object_add(o, "queues", NULL);
			}
			json_object_array_add(arr, o);
			continue;
		}
		snprintf(sidx, sizeof(sidx), "%d", idx);
		if (c->vlan) {
			snprintf(vids, sizeof(vids), "%u", c->vlan);
		} else if (c->flags & VMST_CFG_F_TRUNK) {
			strcpy(vids, "trunk:");
			vms_format_vids(&trunks[idx], vids + 6,
					sizeof(vids) - 6);
		} else {
			strcpy(vids, "-");
		}
		snprintf(mtu, sizeof(mtu), "%u", c->mtu);
		snprintf(ifi, sizeof(ifi), "%u", c->ifindex);
		if (r->flags & VMST_RSS_F_ENABLED) {
			snprintf(nq, sizeof(nq), "%u", r->queues);
			vms_rss_format_types(r->hash_types, types,
					     sizeof(types));
			snprintf(tsize, sizeof(tsize), "%u", r->table_size);
		}
		addrs_str(txs[idx].addrs, txs[idx].naddrs, addrs,
			  sizeof(addrs));
		vms_table_add(&t, (const char *[]){c->name, sidx, mac, vids,
						   mtu, ifi, state, flags, nq,
						   types, tsize, addrs});
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
