/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The vmsteer CLI: global options and the command table. */
#ifndef VMS_CLI_H
#define VMS_CLI_H

#include <stdbool.h>
#include <getopt.h>
#include <stddef.h>

#include "cli/output.h"

/* Options that come before the command. */
struct vms_cli {
	const char *pin_path; /* resolved: --pin-path, env or default */
	bool pin_path_given;  /* by --pin-path */
};

/*
 * A command: @argv[0] is the command's name. Returns 0, a negative errno
 * with the message recorded by vms_err() (exit status 1), or
 * VMS_EXIT_USAGE after vms_err() for a malformed command line (status 2).
 */
typedef int (*vms_cmd_fn)(const struct vms_cli *cli, int argc, char **argv);

#define VMS_EXIT_USAGE 2
/* A command that ran and found something that needs attention (`status`):
 * returned as is, nothing printed for it. */
#define VMS_EXIT_ATTENTION 3

struct vms_cmd {
	const char *name;
	vms_cmd_fn fn;
	const char *usage;   /* synopsis lines */
	const char *summary; /* one line for the command list */
};

int cmd_attach(const struct vms_cli *cli, int argc, char **argv);
int cmd_detach(const struct vms_cli *cli, int argc, char **argv);
int cmd_port(const struct vms_cli *cli, int argc, char **argv);
int cmd_stats(const struct vms_cli *cli, int argc, char **argv);
int cmd_status(const struct vms_cli *cli, int argc, char **argv);
int cmd_monitor(const struct vms_cli *cli, int argc, char **argv);
extern const char cmd_monitor_usage[];
int cmd_exporter(const struct vms_cli *cli, int argc, char **argv);
extern const char cmd_exporter_usage[];
int cmd_apply(const struct vms_cli *cli, int argc, char **argv);
int cmd_dump(const struct vms_cli *cli, int argc, char **argv);
extern const char cmd_apply_usage[], cmd_dump_usage[];
int cmd_rss(const struct vms_cli *cli, int argc, char **argv);
extern const char cmd_rss_usage[];
int cmd_sync(const struct vms_cli *cli, int argc, char **argv);
extern const char cmd_sync_usage[];
int cmd_agent(const struct vms_cli *cli, int argc, char **argv);
extern const char cmd_agent_usage[];

extern const char cmd_attach_usage[], cmd_detach_usage[], cmd_port_usage[],
	cmd_stats_usage[], cmd_status_usage[];

/*
 * The row of @table named @word, or by an unambiguous prefix of it (rows
 * with the same function are aliases, not ambiguous); NULL if none.
 */
const struct vms_cmd *vms_find_cmd(const struct vms_cmd *table, size_t n,
				   const char *word);
/*
 * Run the subcommand of @cmd that argv[1] names (a prefix will do) from
 * @subs, with argv[1] as its argv[0]; a usage error listing them when none.
 */
int vms_run_subcmd(const char *cmd, const struct vms_cmd *subs, size_t n,
		   const struct vms_cli *cli, int argc, char **argv);

int cmd_doctor(const struct vms_cli *cli, int argc, char **argv);
extern const char cmd_doctor_usage[];

/*
 * After getopt_long() returned '?' (opterr 0): a usage error of @cmd that
 * names the option refused or missing its value (@cmd NULL: of vmsteer's
 * own options, before the command).
 */
int vms_bad_option(const char *cmd, char **argv);

/* What the global options (vms_global_opt) set. */
struct vms_globals {
	int verbose;	      /* -v, counted */
	const char *pin_path; /* --pin-path; NULL: not given */
};

/* What an option of a command does (struct vms_opt). */
enum vms_opt_kind {
	VMS_OPT_STR,	/* a const char * field: the value, given once */
	VMS_OPT_FLAG,	/* a bool field: set */
	VMS_OPT_ARG,	/* vms_optspec.fn, with the value */
	VMS_OPT_NOARG,	/* vms_optspec.fn, without a value */
	VMS_OPT_GLOBAL, /* -j, -p, -v or --pin-path: vms_optspec.globals */
};

/* One option: --@name, getopt_long's value @key (its letter when the
 * command takes it short too). Each command and daemon declares its
 * options as a table of these and a vms_optspec: data, which reads alike
 * from one command to the next (duplicates lists them as boilerplate). */
struct vms_opt {
	const char *name;
	int key;
	enum vms_opt_kind kind;
	size_t off; /* VMS_OPT_STR, VMS_OPT_FLAG: offsetof the field in
		     * vms_getopt's ctx (0: ctx is the field) */
};
/* The rows of the global options of vmsteer and vmsteer-exporter. */
/* clang-format off */
#define VMS_OPTS_GLOBAL \
	{"json", 'j', VMS_OPT_GLOBAL, 0}, \
	{"pretty", 'p', VMS_OPT_GLOBAL, 0}, \
	{"verbose", 'v', VMS_OPT_GLOBAL, 0}, \
	{"pin-path", 'P', VMS_OPT_GLOBAL, 0}
/* clang-format on */
/* The most options a command has. */
#define VMS_OPTS_MAX 24

/* The options of a command or program, for vms_getopt. */
struct vms_optspec {
	const char *cmd;	    /* in messages (NULL: vmsteer's own) */
	const char *shortopts;	    /* getopt_long's */
	const struct vms_opt *opts; /* ends with an empty row */
	/* A VMS_OPT_ARG or VMS_OPT_NOARG option @c with value @arg for the
	 * caller's @ctx: 0, VMS_OPTS_DONE, or an error after vms_err()
	 * (VMS_EXIT_USAGE for a usage error). */
	int (*fn)(void *ctx, int c, const char *arg);
	struct vms_globals *globals; /* VMS_OPT_GLOBAL's */
	bool no_args;		     /* arguments after the options refused */
};
/* From vms_optspec.fn: the option asked for output only (--help,
 * --version), printed; vms_getopt stops, the program exits 0. */
#define VMS_OPTS_DONE 4
/*
 * The option loop every command and program shares (a table per command,
 * as xdp-tools' params.c): each option of @spec->opts does what its row
 * says, to @ctx; an unknown option or one missing its value is refused
 * naming it, a string option given twice too. 0 when every option was
 * taken, VMS_OPTS_DONE, or the first error (recorded by vms_err()).
 */
int vms_getopt(const struct vms_optspec *spec, int argc, char **argv,
	       void *ctx);

/* Record a usage error about @cmd and return VMS_EXIT_USAGE. */
int vms_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A single-valued option @opt of @cmd given as @val: stored in *@slot, or
 * a usage error when it was given before (NULL: not yet).
 */
int vms_opt_once(const char *cmd, const char *opt, const char **slot,
		 const char *val);
/*
 * The global options of vmsteer and vmsteer-exporter, option characters
 * 'j', 'p', 'v' and 'P' (--pin-path: *@pin_path, once, not empty): 1 when
 * @c was one of them, 0 when not, VMS_EXIT_USAGE after vms_err().
 */
int vms_global_opt(int c, const char *arg, int *verbose, const char **pin_path);
/* True when argv holds -h or --help before any "--": print usage. */
bool vms_wants_help(int argc, char **argv);
/* Print the usage of @cmd on stdout. */
void vms_print_usage(const char *cmd);
/*
 * Print the last recorded error (JSON under --json) for a command that
 * returned @ret; the exit status: VMS_EXIT_USAGE for usage errors, else 1.
 */
int vms_report_error(int ret);
/*
 * @out = the path of program @name beside this program's own file (the
 * exporter and the agent are installed beside the CLI). 0 or -errno.
 */
int vms_program_path(const char *name, char *out, size_t len);
/*
 * Run program @name (vms_program_path) in place of this one with the
 * global options (-j/-p when @json, -v, --pin-path when given) and
 * @argv's arguments after the command's name. Returns only on failure
 * (-errno, with a message).
 */
int vms_run_program(const struct vms_cli *cli, const char *name, bool json,
		    int argc, char **argv);

#endif /* VMS_CLI_H */
