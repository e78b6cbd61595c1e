// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * txgen: a VM sending as fast as it can. Opens one queue of a persistent
 * multi-queue tap and writes the same 64-byte Ethernet/IPv4/UDP frame
 * (198.51.100.1 -> .2) into it in a loop for SECS seconds. Each write()
 * runs the tap's receive path in this thread (tc programs, bridge,
 * redirect, the target's transmit), so the rate is the cost of the path
 * plus one system call per frame. Prints one line:
 *   frames=N errors=E secs=S cpu=C
 * where C is the thread's on-CPU time (CLOCK_THREAD_CPUTIME_ID): the path's
 * host work runs in this thread, so frames / C does not count the time
 * other tasks on a shared CPU took from it.
 *
 *   vmsteer-bench txgen TAP --dst MAC --src MAC [--secs S]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>

#include "harness.h"

static double clock_secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_secs(CLOCK_MONOTONIC);
}

int cmd_txgen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dst", required_argument, NULL, 'd'},
		{"src", required_argument, NULL, 's'},
		{"secs", required_argument, NULL, 't'},
		{},
	};
	unsigned long long frames = 0, errors = 0;
	__u8 dst[6], src[6], frame[BENCH_FRAME_LEN];
	const char *d = NULL, *s = NULL;
	double secs = 1, t0, t1, c0;
	struct ifreq ifr = {};
	int c, fd, i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			d = optarg;
			break;
		case 's':
			s = optarg;
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || !d || !s || mac_parse(d, dst) ||
	    mac_parse(s, src) || secs <= 0) {
		bench_err("usage: txgen TAP --dst MAC --src MAC [--secs S]");
		return -1;
	}
	frame_build(frame, dst, src);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		bench_err("/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[optind]);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		bench_err("tap %s: TUNSETIFF: %s", argv[optind],
			  strerror(errno));
		close(fd);
		return -1;
	}
	c0 = clock_secs(CLOCK_THREAD_CPUTIME_ID);
	t0 = now();
	t1 = t0;
	while (t1 - t0 < secs) {
		for (i = 0; i < 1024; i++) {
			if (write(fd, frame, sizeof(frame)) == sizeof(frame))
				frames++;
			else
				errors++;
		}
		t1 = now();
	}
	c0 = clock_secs(CLOCK_THREAD_CPUTIME_ID) - c0;
	close(fd);
	printf("frames=%llu errors=%llu secs=%.6f cpu=%.6f\n", frames, errors,
	       t1 - t0, c0);
	return 0;
}
