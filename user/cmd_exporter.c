// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer exporter [ARGS]: runs vmsteer-exporter (exporter.c) from the
 * directory of this binary, with the global options and ARGS. The HTTP
 * server is a program of its own so that libmicrohttpd, and what it pulls
 * in (gnutls...), is not loaded by every CLI call.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exporter.h"

/* clang-format off */
const char cmd_exporter_usage[] =
	"Usage: vmsteer exporter [--listen ADDR:PORT] [--timeout SECS]\n\n"
	VMS_EXPORTER_HELP;
/* clang-format on */

int cmd_exporter(const struct vms_cli *cli, int argc, char **argv)
{
	char path[PATH_MAX];
	char **args;
	int i, n = 0, err;

	err = vms_program_path(VMS_EXPORTER_BIN, path, sizeof(path));
	if (err)
		return err;
	/* path, -j/-p, -v per level, --pin-path DIR, ARGS, NULL */
	args = calloc(argc + vms_verbose + 6, sizeof(*args));
	if (!args)
		return vms_err(-ENOMEM, "out of memory");
	args[n++] = path;
	if (vms_json)
		args[n++] = vms_pretty ? "--pretty" : "--json";
	for (i = 0; i < vms_verbose; i++)
		args[n++] = "--verbose";
	if (cli->pin_path_given) { /* else the exporter reads the same env */
		args[n++] = "--pin-path";
		args[n++] = (char *)cli->pin_path;
	}
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	fflush(NULL);
	execv(path, args);
	err = -errno;
	free(args);
	return vms_err(err, "cannot run %s: %s", path, strerror(-err));
}
