// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer dump */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "config/config.h"
#include "cli/output.h"
#include "core/state.h"

const char cmd_dump_usage[] =
	"Usage: vmsteer dump\n\n"
	"Print this network namespace's uplinks and ports as a document that\n"
	"'vmsteer apply' accepts: applying it changes nothing.\n";

int cmd_dump(const struct vms_cli *cli, int argc, char **argv)
{
	static struct vms_config cfg;
	struct vms_state st;
	bool open = false;
	int err;

	(void)argv;
	if (argc != 1)
		return vms_usage_err("dump", "takes no arguments");
	if (vms_state_exists(cli->pin_path)) {
		err = vms_state_open(&st, cli->pin_path, 0);
		if (err)
			return err;
		open = true;
	}
	err = vms_config_from_state(open ? &st : NULL, &cfg);
	if (open)
		vms_state_close(&st);
	if (err)
		return err;
	/* A document for people and files: indented unless --json alone. */
	if (!vms_json)
		vms_pretty = true;
	vms_json_print(vms_config_to_json(&cfg));
	return 0;
}
