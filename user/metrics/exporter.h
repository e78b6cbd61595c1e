/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vmsteer-exporter, the Prometheus exporter: a binary of its own (exporter.c)
 * so that only it links libmicrohttpd; `vmsteer exporter` (cmd_exporter.c)
 * runs it. Its limits and the help text both share.
 */
#ifndef VMS_EXPORTER_H
#define VMS_EXPORTER_H

#include "metrics/metrics.h"

/* The exporter's file name; `vmsteer exporter` runs the one beside it. */
#define VMS_EXPORTER_BIN "vmsteer-exporter"

/*
 * Bounds on what clients can make the exporter hold. A quarter of the
 * connections per client address: Prometheus servers (one connection per
 * target, kept open) always find room however many a single address
 * holds, and a connection's request must arrive within the timeout.
 */
#define EXP_MAX_CONNECTIONS    64    /* open connections at once */
#define EXP_PER_IP_CONNECTIONS 16    /* of them per client (IPv6: per /64) */
#define EXP_CONN_MEMORY	       16384 /* per connection: request + headers */
#define EXP_TIMEOUT_DEFAULT    10    /* seconds: request arrival, idleness */
#define EXP_BACKLOG	       128 /* a connection flood must not drop others' SYNs */
#define EXP_TICK_MS	       250 /* late requests are cut this often */

#define EXP_STR(x)	   EXP_STR_(x)
#define EXP_STR_(x)	   #x
#define EXP_DEFAULT_LISTEN VMS_EXPORTER_ADDR ":" EXP_STR(VMS_EXPORTER_PORT)

/* clang-format off */
/* The options and what the exporter does, after a "Usage:" line. */
#define VMS_EXPORTER_HELP \
	"Serve the counters and state as Prometheus metrics over HTTP until " \
	"SIGINT\nor SIGTERM:\n" \
	"  /metrics  text exposition format 0.0.4 (vmsteer_* metrics)\n" \
	"  /healthz  200 \"ok\" when the pinned state can be opened, else 503\n" \
	"  /         a page linking both\n" \
	"Each scrape opens the pinned state read-only, so the exporter keeps " \
	"working\nacross re-attaches and upgrades and picks up a state created " \
	"after it\nstarted. Only GET and HEAD are served.\n\n" \
	"Options:\n" \
	"  --listen ADDR:PORT  address to listen on (default " \
	EXP_DEFAULT_LISTEN ";\n" \
	"                      IPv6 as [ADDR]:PORT; :PORT for every IPv6 and\n" \
	"                      IPv4 address; port 0 picks a free one)\n" \
	"  --timeout SECS      a request must arrive in full within SECS of " \
	"its\n                      connection opening (or of the previous " \
	"answer; the time\n                      spent answering others " \
	"does not count), and a\n                      connection idle SECS " \
	"is closed (default " EXP_STR(EXP_TIMEOUT_DEFAULT) ")\n\n" \
	"At most " EXP_STR(EXP_MAX_CONNECTIONS) " connections are served at " \
	"once, " EXP_STR(EXP_PER_IP_CONNECTIONS) " from one client address\n" \
	"(IPv6: one /64), and a request line and headers longer than " \
	EXP_STR(EXP_CONN_MEMORY) " bytes\nare refused.\n\n" \
	"The HTTP server is the program " VMS_EXPORTER_BIN ", installed beside " \
	"vmsteer:\nonly it links libmicrohttpd. `vmsteer [OPTIONS] exporter " \
	"ARGS` runs it with\nthe same global options and ARGS.\n\n" \
	"The metrics are listed in README.md, section Prometheus.\n"
/* clang-format on */

#endif /* VMS_EXPORTER_H */
