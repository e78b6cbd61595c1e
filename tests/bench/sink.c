// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sink: the wire side of the transmit bench's uplink. Attaches an XDP
 * program that counts and drops every frame to a veth (the uplink's peer),
 * natively, which gives the veth a NAPI instance that drains its rings:
 * frames sent out of the uplink as skbs (veth_xmit) and as XDP frames
 * (ndo_xdp_xmit) alike. With --cpu, the veth's NAPI runs threaded, its
 * thread pinned to that CPU, so the wire's receive work stays out of the
 * writer's thread (on a real host the uplink is a NIC: the host's cost
 * ends at its transmit ring). The count is pinned at --pin (a per-CPU
 * array, key BENCH_C_DROP) for the bench to read. Runs until SIGINT or
 * SIGTERM, then detaches.
 *
 *   vmsteer-bench sink DEV --pin PATH [--cpu N] [--ready FILE]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "bench_xdp.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* napi_threaded()'s child: in its own mount namespace. 0 or -errno. */
static int napi_threaded_child(const char *dev, int cpu)
{
	char path[300], prefix[32], comm[32];
	cpu_set_t set;
	struct dirent *de;
	int fd, n = 0;
	DIR *d;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL)) {
		bench_err("sink %s: a private sysfs: %s", dev, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/threaded", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		bench_err("sink %s: %s: %s", dev, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	close(fd);
	/* Its thread is "napi/DEV-ID" (the name cut at 15 characters). */
	snprintf(prefix, sizeof(prefix), "napi/%s-", dev);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		comm[len > 0 ? len : 0] = 0;
		if (strncmp(comm, prefix, strlen(prefix)) &&
		    strncmp(comm, prefix, 15))
			continue;
		if (sched_setaffinity(atoi(de->d_name), sizeof(set), &set)) {
			bench_err("sink %s: pin %s to CPU %d: %s", dev, comm,
				  cpu, strerror(errno));
			closedir(d);
			return -errno;
		}
		n++;
	}
	if (d)
		closedir(d);
	if (!n) {
		bench_err("sink %s: no NAPI thread %s*", dev, prefix);
		return -ENOENT;
	}
	bench_dbg("sink %s: %d NAPI thread(s) on CPU %d", dev, n, cpu);
	return 0;
}

/*
 * Make @dev's NAPI threaded and pin its thread to @cpu. sysfs shows the
 * network namespace it was mounted in: a child mounts a fresh one in a
 * private mount namespace (this process keeps its view of the BPF
 * filesystem, where its count is pinned). 0 or -1.
 */
static int napi_threaded(const char *dev, int cpu)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		bench_err("sink %s: fork: %s", dev, strerror(errno));
		return -1;
	}
	if (!pid)
		_exit(napi_threaded_child(dev, cpu) ? 1 : 0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

int cmd_sink(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pin", required_argument, NULL, 'p'},
		{"cpu", required_argument, NULL, 'c'},
		{"ready", required_argument, NULL, 'r'},
		{},
	};
	struct sigaction sa = {.sa_handler = on_signal};
	const char *dev, *pin = NULL, *ready = NULL;
	struct bench_xdp_bpf *skel = NULL;
	int c, cpu = -1, ifindex, ret = 1;
	__u64 drops = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pin = optarg;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			return 1;
		}
	}
	if (optind != argc - 1 || !pin) {
		bench_err(
			"usage: sink DEV --pin PATH [--cpu N] [--ready FILE]");
		return 1;
	}
	dev = argv[optind];
	ifindex = if_nametoindex(dev);
	if (!ifindex) {
		bench_err("sink %s: %s", dev, strerror(errno));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	skel = bench_xdp_bpf__open_and_load();
	if (!skel) {
		bench_err("load the bench XDP programs: %s", strerror(errno));
		return 1;
	}
	if (bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.bench_drop),
			   XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			   NULL)) {
		bench_err("sink %s: attach XDP: %s", dev, strerror(errno));
		goto out;
	}
	if (bpf_map__pin(skel->maps.bench_cnt, pin)) {
		bench_err("sink %s: pin the count at %s: %s", dev, pin,
			  strerror(errno));
		goto detach;
	}
	if (cpu >= 0 && napi_threaded(dev, cpu))
		goto unpin;
	if (ready && touch_file(ready))
		goto unpin;
	while (!stop)
		pause();
	percpu_u64_sum(bpf_map__fd(skel->maps.bench_cnt), BENCH_C_DROP, &drops);
	bench_dbg("sink %s: dropped %llu frames", dev,
		  (unsigned long long)drops);
	ret = 0;
unpin:
	bpf_map__unpin(skel->maps.bench_cnt, pin);
detach:
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
out:
	bench_xdp_bpf__destroy(skel);
	return ret;
}
