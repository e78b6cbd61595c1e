// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhostgen: a VM sending through vhost-net, the way QEMU drives it with
 * vhost=on (and DPDK's virtio-user): this process is the guest driver.
 * It opens /dev/vhost-net, owns it (VHOST_SET_OWNER), negotiates
 * VIRTIO_F_VERSION_1 (a 12-byte virtio-net header, which vhost-net leaves
 * to the tap: the tap queue is opened with IFF_VNET_HDR and a 12-byte
 * header, as QEMU does), gives vhost its own memory as the guest's
 * (VHOST_SET_MEM_TABLE, one region mapped at its own addresses), lays a
 * split virtqueue of 256 descriptors in it for TX (queue 1; no RX queue:
 * nothing is read from the tap) and attaches the tap queue as its backend
 * (VHOST_NET_SET_BACKEND). Each frame is one descriptor: the header (no
 * GSO, no checksum offload) and the frame. The driver posts frames on the
 * avail ring, kicks the kick eventfd when vhost asks to be notified
 * (VRING_USED_F_NO_NOTIFY clear), and takes descriptors back from the used
 * ring; it asks for no interrupts (VRING_AVAIL_F_NO_INTERRUPT) and polls.
 *
 * vhost's worker thread ("vhost-PID", a kernel thread up to 6.3, a thread
 * of this process from 6.4) then runs the path: handle_tx copies up to 64
 * frames into XDP buffers (tun's sndbuf is unlimited) and hands them to
 * tun in one tun_sendmsg(): tun_xdp_one runs the tap's XDP program on
 * each and flushes the redirects once per batch; without a program (or on
 * XDP_PASS) it builds an skb per frame and netif_receive_skb()s it --
 * tc, the bridge, the target's transmit -- all in the worker. What the
 * path costs is the worker's on-CPU time (/proc/TID/schedstat), reported
 * as cpu=, next to the driver's own (drv=).
 *
 * Bench mode sends SIZE-byte frames for SECS seconds of wall time; with
 * --arrived (as txgen) it keeps at most WINDOW frames in flight, posting
 * bursts of 64 and reading between them what arrived. Prints
 *   frames=N errors=0 secs=S cpu=C arrived=A drv=D
 * with S the wall time from the first post until every frame was used and
 * arrived, C the worker's on-CPU seconds over it.
 *
 * --hex FILE sends the frames of FILE (one frame a line, hex) once, in
 * order, and waits until vhost has used them all: "sent=N".
 *
 *   vmsteer-bench vhostgen TAP --dst MAC --src MAC [--secs S] [--size N]
 *                          [--floor | --arrived tap:DEV|map:PATH
 *                          [--window N]] [--worker-cpu N]
 *   vmsteer-bench vhostgen TAP --hex FILE
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include <bpf/libbpf.h>

#include "harness.h"
#include "bench_xdp.skel.h"

/* Descriptors of the TX queue (QEMU's default tx_queue_size). */
#define VG_NUM 256
/* Bytes of a descriptor's buffer: header and frame. */
#define VG_BUF 2048
/* vhost-net's queues: 0 receive, 1 transmit. */
#define VG_TXQ 1

/* The virtio-net device: one tap queue's transmit side through vhost. */
struct vnet {
	int vhost, tap, kick, call;
	void *mem;
	size_t mem_len;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	__u8 *bufs;
	__u16 avail_idx, used_last;
	__u16 free[VG_NUM];
	int nfree;
	pid_t worker;
};

/* The worker's thread: "vhost-OWNER" in this process (6.4+) or among the
 * kernel's threads (before). Its TID or 0. */
static pid_t worker_find(pid_t owner)
{
	const char *dirs[] = {"/proc/self/task", "/proc"};
	char want[32], path[300], comm[32];
	struct dirent *de;
	unsigned int i;
	pid_t found = 0;
	DIR *d;

	snprintf(want, sizeof(want), "vhost-%d\n", owner);
	for (i = 0; i < 2 && !found; i++) {
		d = opendir(dirs[i]);
		while (d && !found && (de = readdir(d))) {
			FILE *f;

			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "%s/%s/comm", dirs[i],
				 de->d_name);
			f = fopen(path, "re");
			if (!f)
				continue;
			if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
				found = atoi(de->d_name);
			fclose(f);
		}
		if (d)
			closedir(d);
	}
	return found;
}

/* On-CPU seconds of thread @tid (schedstat's first field); < 0 on error. */
static double worker_cpu_sec(pid_t tid)
{
	unsigned long long ns;
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? ns / 1e9 : -1;
}

static int vhost_ioctl(struct vnet *v, unsigned long req, const char *name,
		       void *arg)
{
	if (ioctl(v->vhost, req, arg)) {
		bench_err("/dev/vhost-net: %s: %s", name, strerror(errno));
		return -errno;
	}
	return 0;
}
#define VHOST(v, req, arg) vhost_ioctl(v, req, #req, arg)

static void vnet_close(struct vnet *v)
{
	if (v->vhost >= 0)
		close(v->vhost);
	if (v->tap >= 0)
		close(v->tap);
	if (v->kick >= 0)
		close(v->kick);
	if (v->call >= 0)
		close(v->call);
	if (v->mem && v->mem != MAP_FAILED)
		munmap(v->mem, v->mem_len);
}

/* The vring's parts and the buffers in one mapping. */
static int vnet_layout(struct vnet *v)
{
	size_t desc = sizeof(struct vring_desc) * VG_NUM;
	size_t avail = 4096, used = 4096 * 3;

	v->mem_len = desc + avail + used + (size_t)VG_BUF * VG_NUM;
	v->mem = mmap(NULL, v->mem_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (v->mem == MAP_FAILED) {
		bench_err("vhostgen: mmap: %s", strerror(errno));
		return -errno;
	}
	v->desc = v->mem;
	v->avail = (void *)((char *)v->mem + desc);
	v->used = (void *)((char *)v->avail + avail);
	v->bufs = (__u8 *)v->used + used;
	/* The driver polls the used ring: no interrupts. */
	v->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	for (v->nfree = 0; v->nfree < VG_NUM; v->nfree++) {
		int i = VG_NUM - 1 - v->nfree;

		v->desc[i].addr =
			(__u64)(unsigned long)(v->bufs + (size_t)VG_BUF * i);
		v->free[v->nfree] = i;
	}
	return 0;
}

/* Open @tap's queue and set up vhost-net on it; 0 or -errno. */
static int vnet_open(struct vnet *v, const char *tap)
{
	struct vhost_memory *mt;
	struct vhost_vring_state num = {VG_TXQ, VG_NUM}, base = {VG_TXQ, 0};
	struct vhost_vring_addr addr = {.index = VG_TXQ};
	struct vhost_vring_file kick = {VG_TXQ, -1}, call = {VG_TXQ, -1};
	struct vhost_vring_file backend = {VG_TXQ, -1};
	__u64 features, want = 1ULL << VIRTIO_F_VERSION_1;
	int err;

	*v = (struct vnet){.vhost = -1, .tap = -1, .kick = -1, .call = -1};
	/* Never create a tap: TUNSETIFF would. */
	if (!if_nametoindex(tap)) {
		bench_err("vhostgen: tap %s: %s", tap, strerror(errno));
		return -ENODEV;
	}
	v->tap = tap_queue_open(tap, true);
	if (v->tap < 0)
		return v->tap;
	v->vhost = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	if (v->vhost < 0) {
		bench_err("/dev/vhost-net: %s", strerror(errno));
		return -errno;
	}
	v->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	v->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->kick < 0 || v->call < 0) {
		bench_err("vhostgen: eventfd: %s", strerror(errno));
		return -errno;
	}
	err = vnet_layout(v);
	if (err || (err = VHOST(v, VHOST_SET_OWNER, NULL)) ||
	    (err = VHOST(v, VHOST_GET_FEATURES, &features)))
		return err;
	if ((features & want) != want) {
		bench_err("/dev/vhost-net: no VIRTIO_F_VERSION_1 (features "
			  "%#llx)",
			  (unsigned long long)features);
		return -ENOTSUP;
	}
	if ((err = VHOST(v, VHOST_SET_FEATURES, &want)))
		return err;
	mt = calloc(1, sizeof(*mt) + sizeof(mt->regions[0]));
	if (!mt)
		return -ENOMEM;
	mt->nregions = 1;
	mt->regions[0].guest_phys_addr = (__u64)(unsigned long)v->mem;
	mt->regions[0].userspace_addr = (__u64)(unsigned long)v->mem;
	mt->regions[0].memory_size = v->mem_len;
	err = VHOST(v, VHOST_SET_MEM_TABLE, mt);
	free(mt);
	addr.desc_user_addr = (__u64)(unsigned long)v->desc;
	addr.avail_user_addr = (__u64)(unsigned long)v->avail;
	addr.used_user_addr = (__u64)(unsigned long)v->used;
	kick.fd = v->kick;
	call.fd = v->call;
	backend.fd = v->tap;
	if (err || (err = VHOST(v, VHOST_SET_VRING_NUM, &num)) ||
	    (err = VHOST(v, VHOST_SET_VRING_BASE, &base)) ||
	    (err = VHOST(v, VHOST_SET_VRING_ADDR, &addr)) ||
	    (err = VHOST(v, VHOST_SET_VRING_KICK, &kick)) ||
	    (err = VHOST(v, VHOST_SET_VRING_CALL, &call)) ||
	    (err = VHOST(v, VHOST_NET_SET_BACKEND, &backend)))
		return err;
	v->worker = worker_find(getpid());
	if (!v->worker) {
		bench_err("vhostgen: vhost's worker thread vhost-%d not found",
			  getpid());
		return -ESRCH;
	}
	return 0;
}

/* Take back the descriptors vhost has used; how many. */
static int vnet_reclaim(struct vnet *v)
{
	__u16 idx = __atomic_load_n(&v->used->idx, __ATOMIC_ACQUIRE);
	int n = 0;

	for (; v->used_last != idx; v->used_last++, n++)
		v->free[v->nfree++] =
			v->used->ring[v->used_last % VG_NUM].id % VG_NUM;
	return n;
}

/* Post @len bytes of @frame after a zeroed header; -EAGAIN when no
 * descriptor is free. Published by vnet_kick(). */
static int vnet_post(struct vnet *v, const __u8 *frame, size_t len)
{
	struct virtio_net_hdr_v1 *hdr;
	int i;

	if (!v->nfree && !vnet_reclaim(v))
		return -EAGAIN;
	i = v->free[--v->nfree];
	hdr = (void *)(v->bufs + (size_t)VG_BUF * i);
	memset(hdr, 0, sizeof(*hdr));
	hdr->gso_type = VIRTIO_NET_HDR_GSO_NONE;
	memcpy(hdr + 1, frame, len);
	v->desc[i].len = sizeof(*hdr) + len;
	v->desc[i].flags = 0;
	v->avail->ring[v->avail_idx++ % VG_NUM] = i;
	return 0;
}

/* Publish what was posted; notify vhost unless it polls the ring. */
static int vnet_kick(struct vnet *v)
{
	__u64 one = 1;

	__atomic_store_n(&v->avail->idx, v->avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->used->flags, __ATOMIC_ACQUIRE) &
	    VRING_USED_F_NO_NOTIFY)
		return 0;
	if (write(v->kick, &one, sizeof(one)) != sizeof(one)) {
		bench_err("vhostgen: kick: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Wait (up to @stall s without progress) until at most @inflight frames
 * posted are not used yet, sleeping as a driver waiting for its interrupt
 * would, not spinning; 0 or -ETIMEDOUT. */
static int vnet_wait_used(struct vnet *v, int inflight, double stall)
{
	double t = now_sec();

	while (VG_NUM - v->nfree > inflight) {
		struct timespec pause = {0, 20000};

		if (vnet_reclaim(v))
			t = now_sec();
		else if (now_sec() - t > stall)
			return -ETIMEDOUT;
		else
			nanosleep(&pause, NULL);
	}
	return 0;
}

/* Wait until vhost used every frame posted; 0 or -ETIMEDOUT. */
static int vnet_drain(struct vnet *v, double stall)
{
	return vnet_wait_used(v, 0, stall);
}

/* Send the hex frames of @file once, in order: as many as the ring holds
 * posted at a time and one kick, so vhost takes them in batches. */
static int send_hex(struct vnet *v, const char *file)
{
	__u8 frame[VG_BUF];
	char line[2 * VG_BUF + 8];
	const size_t max = VG_BUF - sizeof(struct virtio_net_hdr_v1);
	unsigned long sent = 0, posted = 0, lineno = 0;
	FILE *f = fopen(file, "re");
	int err = 0, more = 1;

	if (!f) {
		bench_err("--hex %s: %s", file, strerror(errno));
		return -errno;
	}
	while (!err && more) {
		while (!err && v->nfree &&
		       (more = !!fgets(line, sizeof(line), f))) {
			size_t n = strcspn(line, "\r\n"), i;
			unsigned int b;

			lineno++;
			if (!n)
				continue;
			if (n % 2 || n / 2 < 14 || n / 2 > max) {
				bench_err(
					"--hex %s:%lu: not a frame of 14..%zu "
					"bytes in hex",
					file, lineno, max);
				err = -EINVAL;
			}
			for (i = 0; !err && i < n / 2; i++) {
				if (sscanf(line + 2 * i, "%2x", &b) != 1) {
					bench_err("--hex %s:%lu: not hex", file,
						  lineno);
					err = -EINVAL;
				}
				frame[i] = b;
			}
			if (!err && !(err = vnet_post(v, frame, n / 2)))
				posted++;
		}
		/* What was posted goes, even after a bad line. */
		if (posted > sent) {
			int e = vnet_kick(v);

			if (!e)
				e = vnet_drain(v, 5);
			if (e == -ETIMEDOUT)
				bench_err("--hex %s: vhost did not take %d "
					  "frames",
					  file, VG_NUM - v->nfree);
			if (!err)
				err = e;
			sent = posted;
		}
	}
	fclose(f);
	if (!err)
		printf("sent=%lu\n", sent);
	return err;
}

int cmd_vhostgen(int argc, char **argv)
{
	static const struct option opts[] = {
		TX_OPTIONS,
		{"worker-cpu", required_argument, NULL, 'c'},
		{"hex", required_argument, NULL, 'x'},
		{},
	};
	struct tx_opts o = TX_OPTS_INIT;
	const char *hex = NULL, *tap;
	int c, wcpu = -1, ifindex = 0;
	struct arrived a = {.rtnl = -1, .map_fd = -1};
	struct bench_xdp_bpf *floor = NULL;
	unsigned long long frames = 0;
	long long got = -1;
	double w0, c0, d0, cpu, wall;
	__u8 frame[BENCH_FRAME_MAX];
	struct vnet v = {.vhost = -1, .tap = -1, .kick = -1, .call = -1};
	__u64 base = 0;
	int ret = -1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			wcpu = atoi(optarg);
		else if (c == 'x')
			hex = optarg;
		else if (!tx_opt(&o, c, optarg))
			return -1;
	}
	if (optind != argc - 1 || (!hex && tx_opts_frame(&o, VG_NUM, frame))) {
		bench_err("usage: vhostgen TAP " TX_USAGE
			  " [--worker-cpu N] (window <= %d); vhostgen TAP "
			  "--hex FILE",
			  BENCH_FRAME_MIN, BENCH_FRAME_MAX, TX_BURST, VG_NUM);
		return -1;
	}
	tap = argv[optind];
	if (vnet_open(&v, tap))
		goto out;
	if (wcpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(wcpu, &set);
		if (sched_setaffinity(v.worker, sizeof(set), &set)) {
			bench_err("vhostgen: pin vhost-%d to CPU %d: %s",
				  getpid(), wcpu, strerror(errno));
			goto out;
		}
	}
	if (hex) {
		ret = send_hex(&v, hex);
		goto out;
	}
	if (tx_start(&o, tap, &a, &base, &floor, &ifindex))
		goto out;
	c0 = worker_cpu_sec(v.worker);
	d0 = thread_cpu_sec();
	w0 = now_sec();
	if (c0 < 0) {
		bench_err("vhostgen: /proc/%d/schedstat: %s", v.worker,
			  strerror(errno));
		goto out;
	}
	while (now_sec() - w0 < o.secs) {
		struct timespec pause = {0, 20000};
		int i;

		if (o.arrived) {
			c = arrived_window(&a, base, frames, o.window, &got);
			if (c < 0)
				goto out;
			if (!c)
				break;
		} else if (vnet_wait_used(&v, o.window - TX_BURST, 5)) {
			/* The floor: a frame is gone once vhost used it. */
			bench_err("vhostgen: vhost stopped using frames");
			goto out;
		}
		for (i = 0; i < TX_BURST; i++) {
			while (vnet_post(&v, frame, o.size) == -EAGAIN) {
				if (now_sec() - w0 > 4 * o.secs + 5) {
					bench_err("vhostgen: vhost stopped "
						  "using frames");
					goto out;
				}
				nanosleep(&pause, NULL);
			}
			frames++;
		}
		if (vnet_kick(&v))
			goto out;
	}
	if (vnet_drain(&v, 5)) {
		bench_err("vhostgen: vhost did not use %d frames",
			  VG_NUM - v.nfree);
		goto out;
	}
	if (o.arrived) {
		got = arrived_wait(&a, base, frames, 0, 2);
		if (got < 0)
			goto out;
	}
	wall = now_sec() - w0;
	cpu = worker_cpu_sec(v.worker) - c0;
	if (floor && (got = floor_count(floor)) < 0)
		goto out;
	printf("frames=%llu errors=0 secs=%.6f cpu=%.6f arrived=%lld "
	       "drv=%.6f\n",
	       frames, wall, cpu, got, thread_cpu_sec() - d0);
	ret = 0;
out:
	/* The backend goes with the device: close vhost before the floor. */
	vnet_close(&v);
	floor_detach(floor, ifindex);
	arrived_close(&a);
	return ret;
}
