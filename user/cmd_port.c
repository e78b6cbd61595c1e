// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer port add|del|list */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_port_usage[] =
	"Usage: vmsteer port add TAP --mac MAC [--vlan VID]\n"
	"       vmsteer port del TAP\n"
	"       vmsteer port list\n\n"
	"add   make TAP the port of the VM whose MAC is MAC: uplink frames "
	"for\n      MAC go straight into TAP. Without --vlan the port takes "
	"untagged\n      frames; with --vlan VID (1..4094) it takes frames "
	"tagged VID,\n      delivered untagged. Adding an existing TAP "
	"updates it.\n"
	"del   remove TAP's port: its FDB entry and counters.\n"
	"list  show the ports.\n";

static int port_add(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"mac", required_argument, NULL, 'm'},
		{"vlan", required_argument, NULL, 'l'},
		{}};
	struct vms_port_spec spec = {};
	const char *mac = NULL, *vlan = NULL, *tap;
	struct vms_state st;
	int c, ifindex, mtu, err;
	char macs[18];
	__u32 idx;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm')
			mac = optarg;
		else if (c == 'l')
			vlan = optarg;
		else
			return vms_usage_err("port", "unknown option");
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
		return vms_err(-EINVAL, "--vlan %s: VLAN id must be %d..%d",
			       vlan, VMST_VLAN_MIN, VMST_VLAN_MAX);
	ifindex = vms_ifindex(tap);
	if (ifindex < 0)
		return ifindex;
	err = vms_is_tap(tap);
	if (err < 0)
		return vms_err(err, "%s: cannot tell its type: %s", tap,
			       strerror(-err));
	if (!err)
		return vms_err(-EINVAL, "%s: not a tap device", tap);
	mtu = vms_dev_mtu(tap);
	if (mtu <= 0)
		return vms_err(mtu ?: -EINVAL, "%s: cannot read its MTU", tap);
	snprintf(spec.name, sizeof(spec.name), "%s", tap);
	spec.ifindex = ifindex;
	spec.netns_ino = vms_netns_ino();
	spec.mtu = mtu;
	err = vms_port_spec_check(&spec);
	if (err)
		return err;

	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_CREATE);
	if (err)
		return err;
	err = vms_port_upsert(&st.maps, &spec, &idx);
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
		vms_json_print(o);
	} else if (spec.vlan) {
		printf("port %s: MAC %s on VLAN %u\n", tap, macs, spec.vlan);
	} else {
		printf("port %s: MAC %s, untagged\n", tap, macs);
	}
	return 0;
}

static int port_del(const struct vms_cli *cli, int argc, char **argv)
{
	struct vms_state st;
	const char *tap;
	int idx, err;

	if (argc != 2 || argv[1][0] == '-')
		return vms_usage_err("port", "del: expected one tap");
	tap = argv[1];
	if (!vms_state_exists(cli->pin_path))
		return vms_err(-ENOENT, "port %s: not configured", tap);
	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_WRITE);
	if (err)
		return err;
	idx = vms_port_find(&st.maps, tap, vms_netns_ino(), NULL);
	if (idx == 0)
		err = vms_err(-ENOENT, "port %s: not configured", tap);
	else if (idx > 0)
		err = vms_port_delete(&st.maps, idx);
	else
		err = idx;
	vms_state_close(&st);
	if (err)
		return err;
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "port", tap);
		vms_json_bool(o, "deleted", true);
		vms_json_print(o);
	} else {
		printf("port %s: deleted\n", tap);
	}
	return 0;
}

/* "ok", "missing" (tap gone or renamed) or "other-netns". */
static const char *port_state(const struct vmst_port_cfg *c, __u32 netns)
{
	char name[IF_NAMESIZE];

	if (c->netns_ino != netns)
		return "other-netns";
	if (!if_indextoname(c->ifindex, name) ||
	    strncmp(name, c->name, sizeof(c->name)))
		return "missing";
	return "ok";
}

static int port_list(const struct vms_cli *cli, int argc, char **argv)
{
	static const char *hdr[] = {"PORT", ">INDEX",	"MAC",	">VLAN",
				    ">MTU", ">IFINDEX", "STATE"};
	static struct vmst_port_cfg cfg[VMST_MAX_PORTS];
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
		vms_state_close(&st);
		if (err)
			return err;
	}

	if (vms_json)
		arr = json_object_new_array();
	else
		vms_table_init(&t, 7, hdr);
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_port_cfg *c = &cfg[idx];
		char mac[18], sidx[12], vlan[8], mtu[12], ifi[12];

		if (!(c->flags & VMST_CFG_F_IN_USE))
			continue;
		vms_format_mac(c->mac, mac);
		if (arr) {
			struct json_object *o = json_object_new_object();

			vms_json_str(o, "port", c->name);
			vms_json_u64(o, "index", idx);
			vms_json_str(o, "mac", mac);
			if (c->vlan)
				vms_json_u64(o, "vlan", c->vlan);
			else
				json_object_object_add(o, "vlan", NULL);
			vms_json_u64(o, "mtu", c->mtu);
			vms_json_u64(o, "ifindex", c->ifindex);
			vms_json_str(o, "state", port_state(c, netns));
			json_object_array_add(arr, o);
			continue;
		}
		snprintf(sidx, sizeof(sidx), "%d", idx);
		if (c->vlan)
			snprintf(vlan, sizeof(vlan), "%u", c->vlan);
		else
			strcpy(vlan, "-");
		snprintf(mtu, sizeof(mtu), "%u", c->mtu);
		snprintf(ifi, sizeof(ifi), "%u", c->ifindex);
		vms_table_add(&t,
			      (const char *[]){c->name, sidx, mac, vlan, mtu,
					       ifi, port_state(c, netns)});
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
	if (argc < 2)
		return vms_usage_err("port", "expected add, del or list");
	if (!strcmp(argv[1], "add"))
		return port_add(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return port_del(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "show"))
		return port_list(cli, argc - 1, argv + 1);
	return vms_usage_err("port", "unknown subcommand '%s'", argv[1]);
}
