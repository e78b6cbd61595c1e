// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * drain: the VM side of the bench tap. Opens every queue of a persistent
 * multi-queue tap and reads frames until SIGINT or SIGTERM, so the tap's
 * rings never stay full for want of a reader.
 *
 *   vmsteer-bench drain TAP [--queues N] [--poll] [--ready FILE] [--vnet-hdr]
 *
 * By default the reader spins on non-blocking reads and never sleeps, so
 * no path under test pays for waking it; --poll sleeps in poll() when every
 * queue is empty, as a blocking VM-side reader would. --vnet-hdr opens
 * the queues as txgen does (a tap's first queue sets its flags for all).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>

#include "harness.h"

/* Queues opened at most. */
#define DRAIN_MAX_QUEUES 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int cmd_drain(int argc, char **argv)
{
	static const struct option opts[] = {
		{"queues", required_argument, NULL, 'q'},
		{"poll", no_argument, NULL, 'p'},
		{"ready", required_argument, NULL, 'r'},
		{"vnet-hdr", no_argument, NULL, 'V'},
		{},
	};
	struct pollfd pfd[DRAIN_MAX_QUEUES];
	unsigned long long frames = 0;
	const char *tap, *ready = NULL;
	int nq = 2, use_poll = 0, vnet_hdr = 0, i, c, ret = 1;
	struct sigaction sa = {.sa_handler = on_signal};
	char buf[65536];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			nq = atoi(optarg);
			break;
		case 'p':
			use_poll = 1;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'V':
			vnet_hdr = 1;
			break;
		default:
			return 1;
		}
	}
	if (optind != argc - 1 || nq < 1 || nq > DRAIN_MAX_QUEUES) {
		bench_err("usage: drain TAP [--queues 1..%d] [--poll] "
			  "[--ready FILE] [--vnet-hdr]",
			  DRAIN_MAX_QUEUES);
		return 1;
	}
	tap = argv[optind];
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (i = 0; i < nq; i++)
		pfd[i].fd = -1;
	for (i = 0; i < nq; i++) {
		pfd[i].fd = tap_queue_open(tap, vnet_hdr);
		if (pfd[i].fd < 0)
			goto out;
		pfd[i].events = POLLIN;
	}
	if (ready && touch_file(ready))
		goto out;

	while (!stop) {
		int got = 0;

		for (i = 0; i < nq; i++) {
			/* A bounded burst per queue keeps the queues fair. */
			int n;

			for (n = 0; n < 256; n++) {
				if (read(pfd[i].fd, buf, sizeof(buf)) <= 0)
					break;
				frames++;
			}
			got += n;
		}
		if (!got && use_poll)
			poll(pfd, nq, 100);
	}
	bench_dbg("drain %s: read %llu frames", tap, frames);
	ret = 0;
out:
	for (i = 0; i < nq; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return ret;
}
