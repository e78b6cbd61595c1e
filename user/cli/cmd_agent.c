// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer agent [ARGS]: runs vmsteer-agent (user/agent/) from the
 * directory of this binary, with -v, the pin path and ARGS. libvirt,
 * libxml2 and what they pull in are linked there, not in the CLI. The
 * usage text is shared (agent_usage.c).
 */
#include "cli/cli.h"

int cmd_agent(const struct vms_cli *cli, int argc, char **argv)
{
	return vms_run_program(cli, "vmsteer-agent", false, argc, argv);
}
