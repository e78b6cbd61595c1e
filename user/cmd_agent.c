// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer agent [ARGS]: runs vmsteer-agent (user/agent/) from the
 * directory of this binary, with the pin path, -v and ARGS. libvirt,
 * libxml2 and what they pull in are linked there, not in the CLI. The
 * usage text is shared (agent_usage.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_agent(const struct vms_cli *cli, int argc, char **argv)
{
	char path[PATH_MAX];
	char **args;
	int i, n = 0, err;

	err = vms_program_path("vmsteer-agent", path, sizeof(path));
	if (err)
		return err;
	/* path, -v per level, --pin-path DIR, ARGS, NULL */
	args = calloc(argc + vms_verbose + 4, sizeof(*args));
	if (!args)
		return vms_err(-ENOMEM, "out of memory");
	args[n++] = path;
	for (i = 0; i < vms_verbose; i++)
		args[n++] = "--verbose";
	args[n++] = "--pin-path";
	args[n++] = (char *)cli->pin_path;
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	fflush(NULL);
	execv(path, args);
	err = -errno;
	free(args);
	return vms_err(err, "cannot run %s: %s", path, strerror(-err));
}
