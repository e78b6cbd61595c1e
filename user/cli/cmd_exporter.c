// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer exporter [ARGS]: runs vmsteer-exporter (exporter.c) from the
 * directory of this binary, with the global options and ARGS. The HTTP
 * server is a program of its own so that libmicrohttpd, and what it pulls
 * in (gnutls...), is not loaded by every CLI call.
 */
#include "cli/cli.h"
#include "metrics/exporter.h"

/* clang-format off */
const char cmd_exporter_usage[] =
	"Usage: vmsteer exporter [--listen ADDR:PORT] [--timeout SECS]\n\n"
	VMS_EXPORTER_HELP;
/* clang-format on */

int cmd_exporter(const struct vms_cli *cli, int argc, char **argv)
{
	return vms_run_program(cli, VMS_EXPORTER_BIN, true, argc, argv);
}
