// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer sync */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/lifecycle.h"
#include "cli/output.h"
#include "core/local.h"
#include "core/state.h"
#include "util/log.h"

const char cmd_sync_usage[] =
	"Usage: vmsteer sync\n\n"
	"Bring this network namespace's ports up to date with the taps that "
	"exist:\na pending port whose tap appeared becomes active (FDB entry, "
	"tap program,\nqueue steering), a port whose tap vanished becomes "
	"pending (its FDB entry\ngoes at once, its configuration stays), a "
	"port whose tap was made again\nunder its name follows the new one, "
	"a pending port takes a tap that\nappeared with its MAC, first byte "
	"fe (libvirt's taps). A port its tap\ncannot take as configured "
	"(queue count...) stays pending, with a warning.\nNothing else "
	"changes. 'vmsteer agent' does this on every link change;\nwithout "
	"it, run sync from a hook or a timer.\n";

struct sync_out {
	struct json_object *changes, *warnings;
};

static void sync_cb(void *ctx, bool warning, const char *msg)
{
	struct sync_out *o = ctx;

	if (o->changes)
		json_object_array_add(warning ? o->warnings : o->changes,
				      json_object_new_string(msg));
	else if (warning)
		pr_warn("%s", msg);
	else
		printf("%s\n", msg);
}

int cmd_sync(const struct vms_cli *cli, int argc, char **argv)
{
	struct sync_out o = {};
	struct vms_state st;
	int err, done = 0;

	(void)argv;
	if (argc != 1)
		return vms_usage_err("sync", "takes no arguments");
	if (vms_json) {
		o.changes = json_object_new_array();
		o.warnings = json_object_new_array();
	}
	if (vms_state_exists(cli->pin_path)) {
		err = vms_state_open(&st, cli->pin_path, VMS_OPEN_WRITE);
		if (err)
			goto out;
		err = vms_sync(&st, VMS_SYNC_TAPS, NULL, 0, &done, sync_cb, &o);
		if (done)
			vms_local_refresh_warn(&st);
		vms_state_close(&st);
		err = err > 0 ? 0 : err; /* ports waiting: warned about */
		if (err)
			goto out;
	}
	if (vms_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "changes", o.changes);
		json_object_object_add(j, "warnings", o.warnings);
		vms_json_print(j);
		return 0;
	}
	if (!done)
		printf("no changes\n");
	return 0;
out:
	json_object_put(o.changes);
	json_object_put(o.warnings);
	return err;
}
