// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Usage errors, the final error report and the path of the programs run
 * by the CLI, shared by the CLI (main.c) and vmsteer-exporter (exporter.c).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "util/log.h"

int vms_usage_err(const char *cmd, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vms_err(-EINVAL, "%s: %s (see 'vmsteer %s --help')", cmd, msg, cmd);
	return VMS_EXIT_USAGE;
}

int vms_opt_once(const char *cmd, const char *opt, const char **slot,
		 const char *val)
{
	if (*slot)
		return vms_usage_err(cmd, "%s given twice ('%s', then '%s')",
				     opt, *slot, val);
	*slot = val;
	return 0;
}

int vms_bad_option(const char *cmd, char **argv)
{
	/* getopt_long() has just stepped over the option it refused. */
	return vms_usage_err(cmd, "unknown option or missing value: '%s'",
			     argv[optind - 1]);
}

int vms_global_opt(int c, const char *arg, int *verbose, const char **pin_path)
{
	switch (c) {
	case 'j':
		vms_json = true;
		return 1;
	case 'p':
		vms_json = vms_pretty = true;
		return 1;
	case 'v':
		(*verbose)++;
		return 1;
	case 'P':
		if (!*arg)
			vms_err(-EINVAL, "--pin-path: empty directory name");
		else if (*pin_path)
			vms_err(-EINVAL,
				"--pin-path given twice ('%s', then '%s')",
				*pin_path, arg);
		else
			*pin_path = arg;
		return *pin_path == arg ? 1 : VMS_EXIT_USAGE;
	}
	return 0;
}

int vms_report_error(int ret)
{
	const char *msg = vms_last_error();

	if (!msg)
		msg = ret < 0 ? strerror(-ret) : "failed";
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "error", msg);
		vms_json_print(o);
	} else {
		fputs("vmsteer: ", stderr);
		vms_fputs_printable(msg, stderr);
		fputc('\n', stderr);
	}
	return ret == VMS_EXIT_USAGE ? VMS_EXIT_USAGE : 1;
}

int vms_program_path(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return vms_err(-errno, "cannot find this program's file: %s",
			       strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return vms_err(-ENOENT, "cannot find this program's directory");
	*slash = '\0';
	if ((size_t)snprintf(out, len, "%s/%s", self, name) >= len)
		return vms_err(-ENAMETOOLONG, "%s/%s: name too long", self,
			       name);
	return 0;
}

int vms_run_program(const struct vms_cli *cli, const char *name, bool json,
		    int argc, char **argv)
{
	char path[PATH_MAX];
	char **args;
	int i, n = 0, err;

	err = vms_program_path(name, path, sizeof(path));
	if (err)
		return err;
	/* path, -j/-p, -v per level, --pin-path DIR, ARGS, NULL */
	args = calloc(argc + vms_verbose + 6, sizeof(*args));
	if (!args)
		return vms_err(-ENOMEM, "out of memory");
	args[n++] = path;
	if (json && vms_json)
		args[n++] = vms_pretty ? "--pretty" : "--json";
	for (i = 0; i < vms_verbose; i++)
		args[n++] = "--verbose";
	if (cli->pin_path_given) { /* else the program reads the same env */
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
