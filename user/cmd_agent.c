// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer agent: runs the agent's own binary, vmsteer-agent (libvirt,
 * libxml2 and libmnl are linked there, not in the CLI), found next to this
 * program or in VMSTEER_LIBEXECDIR. The usage text is shared
 * (agent_usage.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef VMSTEER_LIBEXECDIR
#define VMSTEER_LIBEXECDIR "/usr/libexec/vmsteer"
#endif

int cmd_agent(const struct vms_cli *cli, int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32], *slash;
	char **args;
	ssize_t n;
	int i;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	path[0] = '\0';
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/vmsteer-agent", self);
		}
	}
	if (!path[0] || access(path, X_OK))
		snprintf(path, sizeof(path), "%s/vmsteer-agent",
			 VMSTEER_LIBEXECDIR);
	args = calloc(argc + 4, sizeof(*args));
	if (!args)
		return vms_err(-ENOMEM, "out of memory");
	args[0] = path;
	args[1] = "--pin-path";
	args[2] = (char *)cli->pin_path;
	for (i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	if (vms_verbose)
		args[argc + 2] = "--verbose";
	fflush(NULL);
	execv(path, args);
	i = -errno;
	free(args);
	return vms_err(i, "cannot run %s: %s (is vmsteer's agent installed?)",
		       path, strerror(-i));
}
