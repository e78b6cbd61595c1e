// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer-bench: the benchmark's programs in one binary.
 *
 *   vmsteer-bench [-v] live  ...   measure the paths into a drained tap
 *   vmsteer-bench [-v] drain ...   open a tap's queues and read them empty
 *   vmsteer-bench [-v] cost  ...   per-frame program cost (non-live run)
 *   vmsteer-bench [-v] gen   ...   the generator alone (experiments)
 *   vmsteer-bench [-v] txgen ...   a VM writing frames into a tap queue
 *   vmsteer-bench [-v] sink  ...   the wire side of an uplink veth
 *   vmsteer-bench [-v] vhostgen ... a VM sending through vhost-net
 *
 * scripts/bench.sh and scripts/bench_tx.sh build the namespaces and runs them; see BENCHMARKS.md.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{"live", cmd_live, "measure the paths into a drained tap"},
	{"drain", cmd_drain, "open a tap's queues and read them empty"},
	{"cost", cmd_cost, "per-frame program cost, non-live test run"},
	{"gen", cmd_gen, "the generator alone, for experiments by hand"},
	{"txgen", cmd_txgen, "a VM writing frames into a tap queue"},
	{"sink", cmd_sink, "the wire side of an uplink veth: XDP count, drop"},
	{"vhostgen", cmd_vhostgen, "a VM sending through vhost-net"},
};

static int usage(void)
{
	size_t i;

	fprintf(stderr, "usage: vmsteer-bench [-v] COMMAND [ARGS]\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	return 2;
}

int main(int argc, char **argv)
{
	size_t i;

	argc--;
	argv++;
	while (argc && !strcmp(argv[0], "-v")) {
		bench_verbose++;
		argc--;
		argv++;
	}
	if (!argc)
		return usage();
	bench_libbpf_logging();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc, argv) ? 1 : 0;
	return usage();
}
