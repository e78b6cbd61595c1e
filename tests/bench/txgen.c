// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * txgen: a VM sending as fast as it can, the way QEMU's user-space
 * virtio-net does. Opens one queue of a persistent multi-queue tap
 * non-blocking with a 12-byte virtio-net header (IFF_VNET_HDR,
 * TUNSETVNETHDRSZ 12, as QEMU does for a virtio 1.0 device) and writev()s
 * the header (no GSO, no checksum offload) and the same Ethernet/IPv4/UDP
 * frame (198.51.100.1 -> .2, SIZE bytes) in a loop for SECS seconds.
 *
 * A non-blocking write of a frame that fits a page takes tun's
 * tun_build_skb path: the tap's XDP program, if any, runs on the frame
 * before any skb exists; otherwise (or on XDP_PASS) the skb goes through
 * netif_receive_skb -- tc, the bridge, the redirect, the target's transmit
 * -- in this thread, inside the write() system call. Prints one line:
 *   frames=N errors=E secs=S cpu=C arrived=A
 * where C is the thread's on-CPU time (CLOCK_THREAD_CPUTIME_ID) over the
 * writes and S their wall time: the path's host work runs in this thread,
 * so frames / C does not count the time other tasks on a shared CPU took
 * from it.
 *
 * Frames must arrive, not be dropped at a full ring for want of a reader
 * (a path that drops would look cheap): with --arrived, the writer sends
 * bursts of 64 frames and keeps at most WINDOW (default 192) frames in
 * flight, reading between bursts (outside the timed writes) what arrived:
 * "tap:DEV" the frames DEV's reader read (its TX packets), "map:PATH" the
 * count of `vmsteer-bench sink` pinned at PATH. After the loop it waits
 * (up to 2 s without progress) for the rest; A is what arrived of the N
 * frames, -1 without --arrived.
 *
 * --floor attaches an XDP program that drops (and counts) every frame to
 * the tap, natively, for the loop: the cost of getting a frame into the
 * tap at all. A is then its count.
 *
 * --dump FILE writes the frame (without the virtio-net header) to FILE
 * and sends nothing: the input of the bench's program-cost runs.
 *
 *   vmsteer-bench txgen TAP --dst MAC --src MAC [--secs S] [--size N]
 *                           [--floor | --arrived tap:DEV|map:PATH
 *                           [--window N]] [--dump FILE]
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "util/netdev.h"
#include "bench_xdp.skel.h"

int arrived_open(struct arrived *a, const char *spec)
{
	a->rtnl = a->map_fd = -1;
	if (!strncmp(spec, "tap:", 4)) {
		a->ifindex = if_nametoindex(spec + 4);
		if (!a->ifindex) {
			bench_err("--arrived %s: %s", spec, strerror(errno));
			return -1;
		}
		a->rtnl = rtnl_open();
		return a->rtnl < 0 ? -1 : 0;
	}
	if (!strncmp(spec, "map:", 4)) {
		a->map_fd = bpf_obj_get(spec + 4);
		if (a->map_fd < 0) {
			bench_err("--arrived %s: %s", spec, strerror(errno));
			return -1;
		}
		return 0;
	}
	bench_err("--arrived %s: not tap:DEV or map:PATH", spec);
	return -1;
}

int arrived_read(const struct arrived *a, __u64 *n)
{
	struct link_counters lc;
	int err;

	if (a->map_fd >= 0)
		return percpu_u64_sum(a->map_fd, BENCH_C_DROP, n);
	err = link_read_counters(a->rtnl, a->ifindex, &lc);
	if (!err)
		*n = lc.tx_packets;
	return err;
}

long long arrived_wait(const struct arrived *a, __u64 base,
		       unsigned long long written, __u64 inflight, double stall)
{
	struct timespec pause = {0, 20000};
	__u64 n = 0, last = ~0ULL;
	double t = now_sec();

	for (;;) {
		if (arrived_read(a, &n)) {
			bench_err("read what arrived: %s", strerror(errno));
			return -1;
		}
		n -= base;
		if (n + inflight >= written)
			return (long long)n;
		if (n != last) {
			last = n;
			t = now_sec();
		} else if (now_sec() - t > stall) {
			return (long long)n;
		}
		nanosleep(&pause, NULL);
	}
}

struct bench_xdp_bpf *floor_attach(const char *tap, int ifindex)
{
	struct bench_xdp_bpf *skel = bench_xdp_bpf__open_and_load();

	if (!skel) {
		bench_err("load the bench XDP programs: %s", strerror(errno));
		return NULL;
	}
	if (bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.bench_drop),
			   XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			   NULL)) {
		bench_err("tap %s: attach the floor's XDP program: %s", tap,
			  strerror(errno));
		bench_xdp_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int tx_opt(struct tx_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'd':
		o->dst = arg;
		return 1;
	case 's':
		o->src = arg;
		return 1;
	case 't':
		o->secs = atof(arg);
		return 1;
	case 'z':
		o->size = atoi(arg);
		return 1;
	case 'f':
		o->floor = 1;
		return 1;
	case 'a':
		o->arrived = arg;
		return 1;
	case 'w':
		o->window = atoll(arg);
		return 1;
	}
	return 0;
}

int tx_opts_frame(const struct tx_opts *o, long long max_window, __u8 *frame)
{
	__u8 dst[6], src[6];

	if (!o->dst || !o->src || vms_parse_mac(o->dst, dst) ||
	    vms_parse_mac(o->src, src) || o->secs <= 0 ||
	    o->size < BENCH_FRAME_MIN || o->size > BENCH_FRAME_MAX ||
	    (o->floor && o->arrived) || o->window < TX_BURST ||
	    o->window > max_window)
		return -EINVAL;
	frame_build(frame, o->size, dst, src);
	return 0;
}

/* Write the @len bytes of @frame to the file @path; 0 or -1. */
static int frame_dump(const char *path, const __u8 *frame, int len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(frame, 1, len, f) != (size_t)len) {
		bench_err("%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f)) {
		bench_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_txgen(int argc, char **argv)
{
	static const struct option opts[] = {
		TX_OPTIONS, {"dump", required_argument, NULL, 'D'}, {}};
	struct tx_opts o = TX_OPTS_INIT;
	unsigned long long frames = 0, errors = 0;
	const char *dump = NULL;
	struct virtio_net_hdr_v1 hdr = {.gso_type = VIRTIO_NET_HDR_GSO_NONE};
	__u8 frame[BENCH_FRAME_MAX];
	const char *tap;
	int c, fd = -1, i, ifindex = 0;
	struct arrived a = {.rtnl = -1, .map_fd = -1};
	double wall = 0, cpu = 0, t_end;
	struct bench_xdp_bpf *floor = NULL;
	long long got = -1;
	struct iovec iov[2];
	__u64 base = 0;
	int ret = -1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c == 'D')
			dump = optarg;
		else if (!tx_opt(&o, c, optarg))
			return -1;
	if (optind != argc - 1 || tx_opts_frame(&o, LLONG_MAX, frame)) {
		bench_err("usage: txgen TAP " TX_USAGE " [--dump FILE]",
			  BENCH_FRAME_MIN, BENCH_FRAME_MAX, TX_BURST);
		return -1;
	}
	if (dump)
		return frame_dump(dump, frame, o.size);
	tap = argv[optind];
	fd = tap_queue_open(tap, true);
	if (fd < 0 || tx_start(&o, tap, &a, &base, &floor, &ifindex))
		goto out;
	iov[0] = (struct iovec){&hdr, sizeof(hdr)};
	iov[1] = (struct iovec){frame, o.size};
	/* Timed: the bursts of writes only, not the waits between them. */
	t_end = now_sec() + 4 * o.secs + 2;
	while (wall < o.secs && now_sec() < t_end) {
		double c0, w0;

		if (o.arrived && (c = arrived_window(&a, base, frames, o.window,
						     &got)) <= 0) {
			if (c < 0)
				goto out;
			break;
		}
		c0 = thread_cpu_sec();
		w0 = now_sec();
		for (i = 0; i < TX_BURST; i++) {
			if (writev(fd, iov, 2) == (ssize_t)sizeof(hdr) + o.size)
				frames++;
			else
				errors++;
		}
		cpu += thread_cpu_sec() - c0;
		wall += now_sec() - w0;
	}
	if (o.arrived) {
		got = arrived_wait(&a, base, frames, 0, 2);
		if (got < 0)
			goto out;
	}
	if (floor && (got = floor_count(floor)) < 0)
		goto out;
	printf("frames=%llu errors=%llu secs=%.6f cpu=%.6f arrived=%lld\n",
	       frames, errors, wall, cpu, got);
	ret = 0;
out:
	floor_detach(floor, ifindex);
	if (fd >= 0)
		close(fd);
	arrived_close(&a);
	return ret;
}

void arrived_close(struct arrived *a)
{
	if (a->rtnl >= 0)
		close(a->rtnl);
	if (a->map_fd >= 0)
		close(a->map_fd);
	a->rtnl = a->map_fd = -1;
}

void floor_detach(struct bench_xdp_bpf *skel, int ifindex)
{
	if (!skel)
		return;
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	bench_xdp_bpf__destroy(skel);
}

long long floor_count(struct bench_xdp_bpf *skel)
{
	__u64 drops = 0;

	if (percpu_u64_sum(bpf_map__fd(skel->maps.bench_cnt), BENCH_C_DROP,
			   &drops)) {
		bench_err("read the floor's count: %s", strerror(errno));
		return -1;
	}
	return (long long)drops;
}

int arrived_window(const struct arrived *a, __u64 base,
		   unsigned long long written, long long window, long long *got)
{
	/* A reader stalled for 5 s ends the call rather than overflow its
	 * ring: what arrived tells. */
	*got = arrived_wait(a, base, written, window - TX_BURST, 5);
	if (*got < 0)
		return -1;
	return (unsigned long long)*got + window - TX_BURST >= written;
}

int tx_start(const struct tx_opts *o, const char *tap, struct arrived *a,
	     __u64 *base, struct bench_xdp_bpf **floor, int *ifindex)
{
	if (o->arrived &&
	    (arrived_open(a, o->arrived) || arrived_read(a, base)))
		return -1;
	if (o->floor) {
		*ifindex = if_nametoindex(tap);
		*floor = *ifindex ? floor_attach(tap, *ifindex) : NULL;
		if (!*floor)
			return -1;
	}
	return 0;
}
