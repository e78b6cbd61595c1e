// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer detach DEV */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/local.h"
#include "core/state.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

const char cmd_detach_usage[] =
	"Usage: vmsteer detach DEV\n\n"
	"Detach the fast path from uplink DEV: its frames take the kernel's\n"
	"normal path again. Ports and counters are kept.\n";

int cmd_detach(const struct vms_cli *cli, int argc, char **argv)
{
	struct vms_state st;
	const char *dev;
	int ifindex, err;

	if (argc != 2 || argv[1][0] == '-')
		return vms_usage_err("detach", "expected one device");
	dev = argv[1];
	ifindex = vms_ifindex(dev);
	if (ifindex < 0)
		return ifindex;
	if (!vms_state_exists(cli->pin_path))
		return vms_err(-ENOENT, "%s: vmsteer is not attached", dev);
	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_WRITE);
	if (err)
		return err;
	err = vms_uplink_detach(&st, ifindex, dev);
	if (!err)
		vms_local_refresh_warn(&st);
	vms_state_close(&st);
	if (err)
		return err;
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "device", dev);
		vms_json_bool(o, "detached", true);
		vms_json_print(o);
	} else {
		printf("%s: detached\n", dev);
	}
	return 0;
}
