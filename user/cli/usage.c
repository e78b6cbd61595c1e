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
	int i;

	/* getopt_long() has just stepped over the option it refused. */
	if (cmd)
		return vms_usage_err(cmd,
				     "unknown option or missing value: '%s'",
				     argv[optind - 1]);
	/* vmsteer's own options: -j may come after the bad one. */
	for (i = optind; argv[i] && argv[i][0] == '-'; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			vms_json = true;
	vms_err(-EINVAL,
		"unknown option or missing value: '%s' (see 'vmsteer --help')",
		argv[optind - 1]);
	return VMS_EXIT_USAGE;
}

/* Option @o given with value @arg (NULL: none), for @ctx. */
static int opt_take(const struct vms_optspec *spec, const struct vms_opt *o,
		    const char *arg, void *ctx)
{
	struct vms_globals *g = spec->globals;
	char name[40];
	int err;

	switch (o->kind) {
	case VMS_OPT_STR:
		snprintf(name, sizeof(name), "--%s", o->name);
		return vms_opt_once(spec->cmd, name,
				    (const char **)((char *)ctx + o->off), arg);
	case VMS_OPT_FLAG:
		*(bool *)((char *)ctx + o->off) = true;
		return 0;
	case VMS_OPT_GLOBAL:
		err = vms_global_opt(o->key, arg, &g->verbose, &g->pin_path);
		return err == 1 ? 0 : err;
	default:
		return spec->fn(ctx, o->key, arg);
	}
}

int vms_getopt(const struct vms_optspec *spec, int argc, char **argv, void *ctx)
{
	static const int has_arg[] = {
		[VMS_OPT_STR] = required_argument,
		[VMS_OPT_FLAG] = no_argument,
		[VMS_OPT_ARG] = required_argument,
		[VMS_OPT_NOARG] = no_argument,
		[VMS_OPT_GLOBAL] = required_argument, /* --pin-path */
	};
	struct option lo[VMS_OPTS_MAX + 1] = {};
	const struct vms_opt *o;
	int n, c, err;

	for (n = 0; spec->opts[n].name && n < VMS_OPTS_MAX; n++) {
		o = &spec->opts[n];
		lo[n] = (struct option){o->name, has_arg[o->kind], NULL,
					o->key};
		if (o->kind == VMS_OPT_GLOBAL && o->key != 'P')
			lo[n].has_arg = no_argument;
	}
	if (spec->opts[n].name) /* a table longer than the build allows */
		return vms_err(-E2BIG, "%s: more than %d options",
			       spec->cmd ? spec->cmd : "vmsteer", VMS_OPTS_MAX);
	opterr = 0; /* our own message, JSON in JSON mode */
	while ((c = getopt_long(argc, argv, spec->shortopts, lo, NULL)) != -1) {
		for (o = spec->opts; o->name && o->key != c; o++)
			;
		if (c == '?' || !o->name)
			return vms_bad_option(spec->cmd, argv);
		err = opt_take(spec, o, optarg, ctx);
		if (err)
			return err;
	}
	if (spec->no_args && optind < argc)
		return vms_usage_err(spec->cmd, "unexpected argument '%s'",
				     argv[optind]);
	return 0;
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
