// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vms_getopt (user/cli/usage.c), the option loop of every vmsteer command
 * and program: each kind of row of a command's table, the errors it
 * refuses with, and where it stops.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "cli/cli.h"
#include "util/log.h"

/* What a test command's options set. */
struct topts {
	struct vms_globals g;
	const char *name;
	bool force;
	int calls;     /* of topt_fn */
	char seen[64]; /* "kVALUE," per call */
};

static int topt_fn(void *ctx, int c, const char *arg)
{
	struct topts *o = ctx;
	size_t n = strlen(o->seen);

	o->calls++;
	snprintf(o->seen + n, sizeof(o->seen) - n, "%c%s,", c, arg ? arg : "");
	if (c == 'h')
		return VMS_OPTS_DONE;
	if (arg && !strcmp(arg, "bad"))
		return vms_usage_err("t", "--level '%s': bad", arg);
	return 0;
}

static const struct vms_opt topts_table[] = {
	VMS_OPTS_GLOBAL,
	{"name", 'n', VMS_OPT_STR, offsetof(struct topts, name)},
	{"force", 'f', VMS_OPT_FLAG, offsetof(struct topts, force)},
	{"level", 'l', VMS_OPT_ARG, 0},
	{"help", 'h', VMS_OPT_NOARG, 0},
	{}};

/* Run the loop over @args (argv[0] "t" prepended). */
static int run(struct topts *o, bool no_args, const char *const *args)
{
	char *argv[16] = {(char *)"t"};
	const struct vms_optspec spec = {
		.cmd = "t",
		.shortopts = "+n:fl:hv",
		.opts = topts_table,
		.fn = topt_fn,
		.globals = &o->g,
		.no_args = no_args,
	};
	int argc = 1;

	while (*args && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	memset(o, 0, sizeof(*o));
	vms_clear_error();
	optind = 0; /* a fresh getopt */
	return vms_getopt(&spec, argc, argv, o);
}

/* The recorded message contains @want. */
static bool said(const char *want, const char *name)
{
	const char *msg = vms_last_error();

	if (msg && strstr(msg, want))
		return true;
	FAIL("%s: message '%s' lacks '%s'", name, msg ? msg : "(none)", want);
	return false;
}

TEST(getopt)
{
	struct topts o;

	if (test__start_subtest("every_kind")) {
		static const char *const a[] = {
			"--name", "x",	  "-f", "--level",   "3",
			"-l",	  "4",	  "-v", "--verbose", "--pin-path",
			"/p",	  "rest", NULL};

		if (ASSERT_OK(run(&o, false, a), "parse")) {
			ASSERT_TRUE(o.name && !strcmp(o.name, "x"), "--name");
			ASSERT_TRUE(o.force, "-f");
			ASSERT_TRUE(!strcmp(o.seen, "l3,l4,"), "fn calls");
			ASSERT_EQ(o.g.verbose, 2, "-v counted");
			ASSERT_TRUE(o.g.pin_path && !strcmp(o.g.pin_path, "/p"),
				    "--pin-path");
			ASSERT_EQ(optind, 12, "stops at the first argument");
		}
	}
	if (test__start_subtest("string_twice_refused")) {
		static const char *const a[] = {"--name", "x", "-n", "y", NULL};

		if (ASSERT_EQ(run(&o, false, a), VMS_EXIT_USAGE, "usage"))
			said("--name given twice ('x', then 'y')", "message");
	}
	if (test__start_subtest("pin_path_twice_refused")) {
		static const char *const a[] = {"--pin-path", "/a",
						"--pin-path", "/b", NULL};

		if (ASSERT_EQ(run(&o, false, a), VMS_EXIT_USAGE, "usage"))
			said("--pin-path given twice", "message");
	}
	if (test__start_subtest("unknown_option_refused")) {
		static const char *const a[] = {"-f", "--nope", "-n", "x",
						NULL};

		if (ASSERT_EQ(run(&o, false, a), VMS_EXIT_USAGE, "usage"))
			said("t: unknown option or missing value: '--nope'",
			     "message");
		ASSERT_FALSE(o.name, "no option after it taken");
	}
	if (test__start_subtest("missing_value_refused")) {
		static const char *const a[] = {"--level", NULL};

		if (ASSERT_EQ(run(&o, false, a), VMS_EXIT_USAGE, "usage"))
			said("missing value: '--level'", "message");
		ASSERT_EQ(o.calls, 0, "fn not called");
	}
	if (test__start_subtest("fn_error_stops")) {
		static const char *const a[] = {"-l", "bad", "-f", NULL};

		if (ASSERT_EQ(run(&o, false, a), VMS_EXIT_USAGE, "usage"))
			said("--level 'bad': bad", "message");
		ASSERT_FALSE(o.force, "no option after it taken");
	}
	if (test__start_subtest("done_stops")) {
		static const char *const a[] = {"-h", "-f", NULL};

		ASSERT_EQ(run(&o, false, a), VMS_OPTS_DONE, "done");
		ASSERT_FALSE(o.force, "no option after it taken");
	}
	if (test__start_subtest("arguments_refused_when_none")) {
		static const char *const a[] = {"-f", "extra", NULL};

		if (ASSERT_EQ(run(&o, true, a), VMS_EXIT_USAGE, "usage"))
			said("t: unexpected argument 'extra'", "message");
		ASSERT_EQ(run(&o, false, a), 0, "taken when allowed");
	}
}
