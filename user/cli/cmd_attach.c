// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer attach DEV [--mode native|generic|auto] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "config/config.h"
#include "core/local.h"
#include "core/state.h"
#include "load/probe.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

const char cmd_attach_usage[] =
	"Usage: vmsteer attach DEV [--mode native|generic|auto]\n\n"
	"Attach the fast path to uplink DEV: the XDP program, and a tc "
	"program at\nDEV's clsact ingress for frames XDP cannot carry. Frames "
	"for configured\nports are redirected into their taps; everything "
	"else continues to the\nkernel. VMs' frames for the wire leave by the "
	"first uplink attached. A\nsecond uplink shares the same ports. "
	"Attaching an attached uplink changes\nnothing, unless it runs another "
	"vmsteer build's programs: then they (and\nthe tap programs of this "
	"namespace's ports) are upgraded in place (same\nlink or filter, "
	"same maps and counters, no frame lost). Reports\n\"attached\", "
	"\"already attached\" or \"upgraded\" (JSON: action). Every "
	"attach (and\ndetach, port add, port del, apply) also re-reads the "
	"MACs local to this\nhost (devices, bridge FDB entries off the "
	"uplinks): VMs' frames for them\nare left to the bridge. Run it "
	"again after adding a device or a VM that\nvmsteer does not "
	"manage.\n\n"
	"  -m, --mode MODE  native (driver XDP), generic (skb XDP, slow) or\n"
	"                   auto: native, else generic with a warning "
	"(default)\n";

/* --mode MODE: the text given, and the mode. */
struct attach_mode_arg {
	const char *arg;
	enum vms_attach_mode mode;
};

static int attach_opt(void *ctx, int c, const char *arg)
{
	struct attach_mode_arg *m = ctx;

	(void)c; /* 'm' */
	if (vms_opt_once("attach", "--mode", &m->arg, arg))
		return VMS_EXIT_USAGE;
	if (vms_attach_mode_parse(arg, &m->mode))
		return vms_usage_err("attach",
				     "--mode %s: expected native, generic or "
				     "auto",
				     arg);
	return 0;
}

int cmd_attach(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_opt opts[] = {{"mode", 'm', VMS_OPT_ARG, 0},
					      {}};
	static const struct vms_optspec spec = {
		.cmd = "attach",
		.shortopts = "m:",
		.opts = opts,
		.fn = attach_opt,
	};
	struct attach_mode_arg m = {.mode = VMS_ATTACH_AUTO};
	enum vms_attach_mode mode;
	struct vms_uplink_info info;
	struct vms_state st;
	const char *dev, *action;
	bool changed;
	int ifindex, err;

	err = vms_getopt(&spec, argc, argv, &m);
	if (err)
		return err;
	mode = m.mode;
	if (optind != argc - 1)
		return vms_usage_err("attach", "expected one device");
	dev = argv[optind];

	ifindex = vms_ifindex(dev);
	if (ifindex < 0)
		return ifindex;
	if (vms_is_tap(dev) == 1)
		return vms_err(-EINVAL,
			       "%s: is a tap; attach the uplink, and "
			       "add taps with 'vmsteer port add'",
			       dev);

	/* An old kernel: name the missing feature before loading anything. */
	err = vms_probe_kernel();
	if (err)
		return err;
	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_CREATE);
	if (err)
		return err;
	err = vms_uplink_attach(&st, ifindex, dev, mode, &info, &changed);
	if (!err)
		vms_local_refresh_warn(&st);
	vms_state_close(&st);
	if (err)
		return err;
	action = info.upgraded ? "upgraded"
		 : changed     ? "attached"
			       : "already attached";
	if ((!changed || info.upgraded) &&
	    ((mode == VMS_ATTACH_NATIVE && info.mode != VMST_MODE_NATIVE) ||
	     (mode == VMS_ATTACH_GENERIC && info.mode != VMST_MODE_GENERIC)))
		pr_warn("%s: already attached in %s mode; detach it first to "
			"change the mode",
			dev, vms_mode_name(info.mode));

	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "device", dev);
		vms_json_u64(o, "ifindex", ifindex);
		vms_json_str(o, "mode", vms_mode_name(info.mode));
		vms_json_u64(o, "prog_id", info.prog_id);
		vms_json_u64(o, "link_id", info.link_id);
		vms_json_str(o, "action", action);
		vms_json_bool(o, "changed", changed);
		vms_json_print(o);
	} else {
		printf("%s: %s (%s mode, program id %u)\n", dev, action,
		       vms_mode_name(info.mode), info.prog_id);
	}
	return 0;
}
