// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer: XDP fast path from the hypervisor's uplink into VM taps.
 * Command-line entry: global options, then one command from the table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/state.h"
#include "util/log.h"

static int cmd_help(const struct vms_cli *cli, int argc, char **argv);

static const char cmd_help_usage[] =
	"Usage: vmsteer help [COMMAND]\n\n"
	"Print the usage of COMMAND (a prefix will do), or the list of "
	"commands.\n";

static const struct vms_cmd cmds[] = {
	{"attach", cmd_attach, cmd_attach_usage,
	 "attach the fast path to an uplink"},
	{"detach", cmd_detach, cmd_detach_usage,
	 "detach the fast path from an uplink"},
	{"port", cmd_port, cmd_port_usage, "add, delete and list VM ports"},
	{"rss", cmd_rss, cmd_rss_usage,
	 "show and change a port's queue steering (RSS)"},
	{"stats", cmd_stats, cmd_stats_usage,
	 "show per-port and drop counters"},
	{"status", cmd_status, cmd_status_usage,
	 "show uplinks, programs and state health"},
	{"monitor", cmd_monitor, cmd_monitor_usage,
	 "stream sampled pass and drop events (or a pcap)"},
	{"exporter", cmd_exporter, cmd_exporter_usage,
	 "serve the counters as Prometheus metrics over HTTP"},
	{"apply", cmd_apply, cmd_apply_usage,
	 "make uplinks and ports those of a JSON document"},
	{"dump", cmd_dump, cmd_dump_usage,
	 "print uplinks and ports as a document for apply"},
	{"sync", cmd_sync, cmd_sync_usage,
	 "bring the ports up to date with the taps that exist"},
	{"agent", cmd_agent, cmd_agent_usage,
	 "keep the ports converged with the VMs (libvirt, rtnetlink)"},
	{"doctor", cmd_doctor, cmd_doctor_usage,
	 "check the host for what makes the fast path fast and correct"},
	{"help", cmd_help, cmd_help_usage, "print the usage of a command"},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: vmsteer [-j|--json] [-p|--pretty] [-v] [--pin-path DIR] "
		"COMMAND ...\n"
		"       vmsteer --help | vmsteer COMMAND --help | "
		"vmsteer --version\n\n"
		"Steers VM traffic from the uplink straight into the VMs' taps "
		"with XDP, and\nfrom each tap (anti-spoofing checked by a tc "
		"program) straight to another\nVM or to the uplink; everything "
		"else keeps taking the kernel's normal path.\n\nCommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\nOptions:\n"
		"  -j, --json        JSON output (errors too)\n"
		"  -p, --pretty      indented JSON (implies --json)\n"
		"  -v, --verbose     more messages; twice for libbpf's debug "
		"log\n"
		"      --pin-path DIR  pinned state directory (default %s,\n"
		"                    or $VMSTEER_PIN_PATH)\n"
		"  -h, --help        this help\n"
		"  -V, --version     print the version\n",
		VMSTEER_PIN_PATH_DEFAULT);
}

const struct vms_cmd *vms_find_cmd(const struct vms_cmd *table, size_t n,
				   const char *word)
{
	const struct vms_cmd *match = NULL;
	size_t i, len = strlen(word);

	for (i = 0; i < n; i++) {
		if (!strcmp(table[i].name, word))
			return &table[i];
		if (len && !strncmp(table[i].name, word, len)) {
			if (match && match->fn != table[i].fn)
				return NULL; /* ambiguous prefix */
			if (!match)
				match = &table[i];
		}
	}
	return match;
}

static const struct vms_cmd *find_cmd(const char *name)
{
	return vms_find_cmd(cmds, NCMDS, name);
}

int vms_run_subcmd(const char *cmd, const struct vms_cmd *subs, size_t n,
		   const struct vms_cli *cli, int argc, char **argv)
{
	const struct vms_cmd *sub;
	char names[120] = "";
	size_t i;

	for (i = 0; i < n; i++)
		if (i == 0 || subs[i].fn != subs[i - 1].fn)
			snprintf(names + strlen(names),
				 sizeof(names) - strlen(names), "%s%s",
				 *names ? ", " : "", subs[i].name);
	if (argc < 2)
		return vms_usage_err(cmd, "expected one of %s", names);
	sub = vms_find_cmd(subs, n, argv[1]);
	if (!sub)
		return vms_usage_err(cmd,
				     "unknown or ambiguous subcommand '%s' "
				     "(expected one of %s)",
				     argv[1], names);
	return sub->fn(cli, argc - 1, argv + 1);
}

static int cmd_help(const struct vms_cli *cli, int argc, char **argv)
{
	const struct vms_cmd *c;

	(void)cli;
	if (argc > 2)
		return vms_usage_err("help", "takes at most one command");
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return vms_usage_err(
			"help", "unknown or ambiguous command '%s'", argv[1]);
	fputs(c->usage, stdout);
	return 0;
}

bool vms_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

void vms_print_usage(const char *cmd)
{
	const struct vms_cmd *c = find_cmd(cmd);

	if (c)
		fputs(c->usage, stdout);
}

/* --help and --version of vmsteer itself (the rest are global options). */
static int main_opt(void *ctx, int c, const char *arg)
{
	(void)ctx;
	(void)arg;
	if (c == 'h')
		usage(stdout);
	else /* 'V' */
		printf("vmsteer %s (state layout %d)\n", VMSTEER_VERSION,
		       VMSTEER_LAYOUT_VERSION);
	return VMS_OPTS_DONE;
}

int main(int argc, char **argv)
{
	static const struct vms_opt opts[] = {
		VMS_OPTS_GLOBAL,
		{"help", 'h', VMS_OPT_NOARG, 0},
		{"version", 'V', VMS_OPT_NOARG, 0},
		{}};
	struct vms_globals g = {};
	const struct vms_optspec spec = {
		.shortopts = "+jpvhV",
		.opts = opts,
		.fn = main_opt,
		.globals = &g,
	};
	const struct vms_cmd *cmd;
	struct vms_cli cli = {};
	int ret;

	ret = vms_getopt(&spec, argc, argv, NULL);
	if (ret == VMS_OPTS_DONE)
		return 0;
	if (ret)
		return vms_report_error(ret);
	vms_libbpf_logging(g.verbose);
	if (optind >= argc) {
		usage(stderr);
		return VMS_EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		vms_err(-EINVAL,
			"unknown or ambiguous command '%s' (see "
			"'vmsteer --help')",
			argv[optind]);
		return vms_report_error(VMS_EXIT_USAGE);
	}
	argc -= optind;
	argv += optind;
	if (vms_wants_help(argc, argv)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	cli.pin_path = vms_pin_path(g.pin_path);
	cli.pin_path_given = g.pin_path != NULL;
	ret = cmd->fn == cmd_help ? 0 : vms_pin_path_check(cli.pin_path);
	if (ret)
		return vms_report_error(ret);
	optind = 0; /* each command parses its own options */
	ret = cmd->fn(&cli, argc, argv);
	if (ret == VMS_EXIT_ATTENTION)
		return ret;
	return ret ? vms_report_error(ret) : 0;
}
