// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `vmsteer agent --hook start|release`, for libvirt's qemu hook
 * (scripts/libvirt/qemu-hook): the domain XML on standard input, the same
 * selection (configuration file, --bridge, --mac) and the same reading of
 * the XML as the agent. At "start begin" the taps exist: the ports are
 * added or updated. At "release end" the XML names no tap when libvirt
 * named them (vnetN): the ports are found by MAC and VLAN and deleted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "core/lifecycle.h"
#include "config/config.h"
#include "core/local.h"
#include "core/ports.h"
#include "core/state.h"
#include "util/log.h"
#include "util/netdev.h"

static void hook_cb(void *ctx, bool warning, const char *msg)
{
	agent_log("domain %s: %s%s", (const char *)ctx,
		  warning ? "warning: " : "", msg);
}

int vms_agent_hook(struct vms_agent *a, const char *op)
{
	static struct vms_agent_domain d;
	bool start = !strcmp(op, "start");
	struct vms_state st;
	int err, i, done = 0, idx;
	size_t len;
	char *xml;

	if (!start && strcmp(op, "release"))
		return vms_err(-EINVAL, "--hook %s: expected start or release",
			       op);
	err = vms_config_read_file("-", &xml, &len);
	if (err)
		return err;
	err = vms_agent_domain_ports(xml, len, &a->sel, !start, &d);
	free(xml);
	if (err)
		return err;
	if (!d.n)
		return d.errors ? vms_err(-EINVAL,
					  "domain %s: no interface "
					  "usable",
					  d.name)
				: 0;
	err = vms_state_open(&st, a->pin_path,
			     VMS_OPEN_CREATE | VMS_OPEN_WRITE);
	if (err)
		return err;
	if (start) {
		err = vms_sync(&st, VMS_SYNC_ADD, d.ports, d.n, &done, hook_cb,
			       d.name);
		if (err > 0)
			err = vms_err(-EEXIST,
				      "domain %s: %d interface(s) left out or "
				      "waiting",
				      d.name, err);
	}
	for (i = 0; !start && !err && i < d.n; i++) {
		char mac[18];

		idx = vms_port_find_mac(&st.maps, d.ports[i].mac,
					d.ports[i].vlan, vms_netns_ino(), NULL);
		err = idx < 0 ? idx : 0;
		if (idx > 0)
			err = vms_port_remove(&st, idx, NULL);
		vms_format_mac(d.ports[i].mac, mac);
		if (idx > 0 && !err)
			agent_log("domain %s: deleted the port of %s", d.name,
				  mac);
	}
	if (!err && (done || !start))
		vms_local_refresh_warn(&st);
	vms_state_close(&st);
	if (!err && d.errors)
		err = vms_err(-EINVAL,
			      "domain %s: %d interface(s) with bad "
			      "settings left out",
			      d.name, d.errors);
	return err;
}
