// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer sync */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "lifecycle.h"

const char cmd_sync_usage[] =
	"Usage: vmsteer sync\n\n"
	"Bring this network namespace's ports up to date with the taps that "
	"exist:\na pending port whose tap appeared becomes active (FDB entry, "
	"tap program,\nqueue steering), a port whose tap vanished becomes "
	"pending (its FDB entry\ngoes at once, its configuration stays), a "
	"port whose tap was made again\nunder its name follows the new one. "
	"Nothing else changes. 'vmsteer agent'\ndoes this on every link "
	"change; without it, run sync from a hook or a timer.\n";

int cmd_sync(const struct vms_cli *cli, int argc, char **argv)
{
	static struct vms_config cfg;
	struct vms_plan plan = {};
	struct vms_state st;
	char line[200];
	int err, done = 0, i;

	(void)argv;
	if (argc != 1)
		return vms_usage_err("sync", "takes no arguments");
	if (!vms_state_exists(cli->pin_path)) {
		if (vms_json)
			printf("{\"changes\": []}\n");
		else
			printf("no state, nothing to do\n");
		return 0;
	}
	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_WRITE);
	if (err)
		return err;
	err = vms_sync(&st, VMS_SYNC_TAPS, NULL, 0, &plan, &cfg, &done);
	if (done)
		vms_local_refresh_warn(&st);
	vms_state_close(&st);
	if (vms_json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		for (i = 0; i < done; i++)
			json_object_array_add(arr,
					      vms_op_json(&plan.ops[i], &cfg));
		json_object_object_add(o, "changes", arr);
		if (!err)
			vms_json_print(o);
		else
			json_object_put(o);
	} else {
		for (i = 0; i < done; i++) {
			vms_op_describe(&plan.ops[i], &cfg, line, sizeof(line));
			printf("%s\n", line);
		}
		if (!err && !done)
			printf("no changes\n");
	}
	vms_plan_free(&plan);
	return err;
}
