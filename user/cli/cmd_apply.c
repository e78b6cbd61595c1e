// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer apply FILE [--dry-run] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "cli/output.h"
#include "core/local.h"
#include "core/ports.h"
#include "core/state.h"
#include "util/log.h"

const char cmd_apply_usage[] =
	"Usage: vmsteer apply FILE [--dry-run]\n\n"
	"Make this network namespace's uplinks and ports those of the JSON\n"
	"document FILE ('-': standard input), changing only what differs:\n\n"
	"  {\"uplinks\": [{\"device\": \"eth0\", \"mode\": \"auto\"}],\n"
	"   \"ports\": [{\"tap\": \"vnet0\", \"mac\": \"52:54:00:12:34:56\", "
	"\"vlan\": 100}]}\n\n"
	"mode is auto (default), native or generic; vlan is optional "
	"(untagged);\nports may have \"addresses\": [\"ADDR[/LEN]\", ...] "
	"(allowed sources, at most\n16, none overlapping another port's on "
	"the same VLAN) and \"trusted\": true\n(RA and DHCP server messages "
	"allowed), as `port add --ip --trusted`.\nUplinks and ports of this namespace the document does "
	"not name are\nremoved; those of other namespaces are left alone. "
	"The whole document is\nchecked before anything changes; an error "
	"names its JSON path.\n\n"
	"  -n, --dry-run  print the changes, make none\n";

static void print_plan(const struct vms_plan *plan,
		       const struct vms_config *cfg, bool dry, int done,
		       int err)
{
	char line[200];
	int i;

	if (vms_json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		for (i = 0; i < plan->n; i++)
			json_object_array_add(arr,
					      vms_op_json(&plan->ops[i], cfg));
		json_object_object_add(o, "changes", arr);
		vms_json_bool(o, "dry_run", dry);
		vms_json_u64(o, "applied", dry ? 0 : done);
		vms_json_print(o);
		return;
	}
	if (!plan->n) {
		printf("no changes\n");
		return;
	}
	for (i = 0; i < plan->n; i++) {
		if (!dry && i >= done + (err ? 1 : 0))
			break;
		vms_op_describe(&plan->ops[i], cfg, line, sizeof(line));
		printf("%s%s\n", line, !dry && i == done ? ": FAILED" : "");
	}
	if (dry)
		printf("%d change%s (dry run: nothing changed)\n", plan->n,
		       plan->n == 1 ? "" : "s");
	else if (!err)
		printf("%d change%s applied\n", plan->n,
		       plan->n == 1 ? "" : "s");
	fflush(stdout);
}

int cmd_apply(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_opt opts[] = {{"dry-run", 'n', VMS_OPT_FLAG, 0},
					      {}};
	static const struct vms_optspec spec = {
		.cmd = "apply",
		.shortopts = "n",
		.opts = opts,
	};
	static struct vms_config cfg;
	struct vms_plan plan = {};
	struct vms_state st;
	bool dry = false, open = false;
	const char *file;
	size_t len;
	char *text;
	int err, done = 0;

	err = vms_getopt(&spec, argc, argv, &dry);
	if (err)
		return err;
	if (optind != argc - 1)
		return vms_usage_err("apply", "expected one file");
	file = argv[optind];

	err = vms_config_read_file(file, &text, &len);
	if (err)
		return err;
	err = vms_config_parse(text, len, file, 0, &cfg);
	free(text);
	if (err)
		return err;

	if (vms_state_exists(cli->pin_path)) {
		err = vms_state_open(&st, cli->pin_path,
				     dry ? 0 : VMS_OPEN_WRITE);
		if (err)
			return err;
		open = true;
	}
	err = vms_plan_make(open ? &st : NULL, &cfg, file, &plan);
	if (!err && !open && plan.n && !dry) {
		/* Something to do and no state yet: create it, plan again. */
		vms_plan_free(&plan);
		err = vms_state_open(&st, cli->pin_path, VMS_OPEN_CREATE);
		if (err)
			return err;
		open = true;
		err = vms_plan_make(&st, &cfg, file, &plan);
	}
	if (!err && !dry)
		err = vms_plan_apply(&st, &cfg, &plan, &done);
	/* Even after a partial apply: the ports that are there count. And
	 * addresses an interrupted command left behind go. */
	if (open && !dry) {
		int n = vms_addr_sweep(&st.maps, 0, true, NULL, NULL);

		if (n < 0 && !err)
			err = n;
		vms_local_refresh_warn(&st);
	}
	if (open)
		vms_state_close(&st);
	if (err && !done) {
		vms_plan_free(&plan);
		return err;
	}
	if (err) {
		char msg[512];

		/* Say what was done before the failure, then the error. */
		snprintf(msg, sizeof(msg), "%s", vms_last_error() ?: "failed");
		if (!vms_json)
			print_plan(&plan, &cfg, dry, done, err);
		vms_err(err,
			"%s (%d of %d changes applied; fix the cause and apply "
			"again)",
			msg, done, plan.n);
	} else {
		print_plan(&plan, &cfg, dry, done, 0);
	}
	vms_plan_free(&plan);
	return err;
}
