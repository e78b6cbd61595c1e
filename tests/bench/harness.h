/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vmsteer benchmark, user space: the pieces the subcommands share
 * (namespaces, link counters, frames, timing, statistics).
 */
#ifndef VMST_HARNESS_H
#define VMST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bench.h"
#include "core/ports.h"

extern int bench_verbose;

/* Print to stderr with a "vmsteer-bench: " prefix. */
void bench_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As bench_err, only with -v. */
void bench_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Route libbpf's messages to stderr with -v, else only its warnings. */
void bench_libbpf_logging(void);

/* Subcommands: each parses its own arguments (argv[0] is its name). */
int cmd_live(int argc, char **argv);
int cmd_drain(int argc, char **argv);
int cmd_cost(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_txgen(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_vhostgen(int argc, char **argv);

/* ---- network namespaces ------------------------------------------------- */

/* fd of the named network namespace /run/netns/@name, or -errno. */
int netns_open(const char *name);
/* Move the calling thread into the network namespace @fd; 0 or -errno. */
int netns_enter(int fd);
/* Inode of the network namespace behind @fd, 0 on error. */
__u32 netns_ino(int fd);

/* ---- link counters (rtnetlink, in the socket's network namespace) ------- */

struct link_counters {
	__u64 rx_packets;
	__u64 tx_packets;
	__u64 rx_dropped;
	__u64 tx_dropped;
};

/* A route netlink socket bound to the current network namespace. */
int rtnl_open(void);
/* Counters of @ifindex as seen through @rtnl; 0 or -errno. */
int link_read_counters(int rtnl, int ifindex, struct link_counters *out);

/* ---- frames ------------------------------------------------------------- */

/*
 * Write an Ethernet/IPv4/UDP frame of @len bytes (BENCH_FRAME_MIN ..
 * BENCH_FRAME_MAX, no FCS) from @src to @dst into @buf.
 */
void frame_build(__u8 *buf, size_t len, const __u8 dst[6], const __u8 src[6]);

/* ---- BPF ---------------------------------------------------------------- */

/* Sum over possible CPUs of a per-CPU __u64 array entry; 0 or -errno. */
int percpu_u64_sum(int map_fd, __u32 key, __u64 *sum);

/*
 * The uplink program's object with private maps (nothing pinned), loaded:
 * from @file, or from the skeleton built in when @file is NULL. For the
 * non-live cost and the live "uplink" and "variant" paths; NULL on error.
 */
struct bpf_object;
struct vms_port_spec;
struct bpf_object *uplink_open_private(const char *file);
/* Add a port to its private maps with vms_port_upsert(); 0 or -errno. */
int uplink_add_port(struct bpf_object *obj, const struct vms_port_spec *s);

/*
 * Open one queue of the persistent multi-queue tap @tap, non-blocking
 * (IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE); with @vnet_hdr as QEMU does for a
 * virtio 1.0 device (IFF_VNET_HDR, a 12-byte header). A tap's flags are
 * set by its first queue: open every queue of a tap alike. fd or -errno.
 */
int tap_queue_open(const char *tap, bool vnet_hdr);
/* Create @path (a "ready" signal to the script); 0 or -errno. */
int touch_file(const char *path);

/* ---- the transmit bench's writers (txgen, vhostgen) -------------------- */

/* Frames sent per burst; frames in flight are counted in them. */
#define TX_BURST 64

/* The options both writers take. */
struct tx_opts {
	const char *dst, *src, *arrived;
	double secs;
	int size, floor;
	long long window;
};
/* clang-format off */
#define TX_OPTS_INIT {.secs = 1, .size = BENCH_FRAME_LEN, .window = 192}
#define TX_OPTIONS                                                             \
	{"dst", required_argument, NULL, 'd'},                                 \
	{"src", required_argument, NULL, 's'},                                 \
	{"secs", required_argument, NULL, 't'},                                \
	{"size", required_argument, NULL, 'z'},                                \
	{"floor", no_argument, NULL, 'f'},                                     \
	{"arrived", required_argument, NULL, 'a'},                             \
	{"window", required_argument, NULL, 'w'}
/* clang-format on */
#define TX_USAGE                                                     \
	"--dst MAC --src MAC [--secs S] [--size %d..%d] [--floor | " \
	"--arrived tap:DEV|map:PATH [--window N >= %d]]"
/* Take option @c (of TX_OPTIONS) into @o: 1, or 0 if it is not one. */
int tx_opt(struct tx_opts *o, int c, const char *arg);
/* Check @o (a window of at most @max_window frames) and build its frame
 * into @frame (BENCH_FRAME_MAX bytes); 0 or -EINVAL. */
int tx_opts_frame(const struct tx_opts *o, long long max_window, __u8 *frame);

/* Where a writer reads what arrived. */
struct arrived {
	int rtnl;    /* tap:DEV: route netlink socket, else -1 */
	int ifindex; /* DEV */
	int map_fd;  /* map:PATH: the sink's count, else -1 */
};

/* "tap:DEV" (what DEV's reader read: its TX packets) or "map:PATH" (the
 * count `vmsteer-bench sink` pinned at PATH); 0 or -1. */
int arrived_open(struct arrived *a, const char *spec);
/* The arrival count now; 0 or -errno. */
int arrived_read(const struct arrived *a, __u64 *n);
/*
 * Wait until at most @inflight of @written frames are still on the way
 * (counted from @base), or @stall seconds pass without progress. The
 * arrived count; -1 on a read error.
 */
long long arrived_wait(const struct arrived *a, __u64 base,
		       unsigned long long written, __u64 inflight,
		       double stall);
/* Before a burst: wait until at most @window - TX_BURST of @written
 * frames are on the way, what arrived in @got; 1 to send on, 0 when the
 * reader stalled (the call ends), -1 on error. */
int arrived_window(const struct arrived *a, __u64 base,
		   unsigned long long written, long long window,
		   long long *got);
void arrived_close(struct arrived *a);
/* Attach bench_drop (tests/bpf/bench_xdp.bpf.c) to @ifindex natively: the
 * floor. The skeleton or NULL. */
struct bench_xdp_bpf;
struct bench_xdp_bpf *floor_attach(const char *tap, int ifindex);
/* After the tap's queue is open: open @o's arrival count (its start in
 * @base) or attach the floor to @tap (@floor, @ifindex); 0 or -1. */
int tx_start(const struct tx_opts *o, const char *tap, struct arrived *a,
	     __u64 *base, struct bench_xdp_bpf **floor, int *ifindex);
/* The frames the floor dropped so far; -1 on error. */
long long floor_count(struct bench_xdp_bpf *skel);
/* Detach and destroy the floor (NULL: nothing). */
void floor_detach(struct bench_xdp_bpf *skel, int ifindex);

/* ---- time and statistics ------------------------------------------------ */

/* CLOCK_MONOTONIC in seconds. */
double now_sec(void);
/* On-CPU time of the calling thread in seconds (CLOCK_THREAD_CPUTIME_ID). */
double thread_cpu_sec(void);
/* Median of @n values (sorts @v in place); 0 when @n is 0. */
double median(double *v, size_t n);
/* Pin the calling thread to @cpu; 0 or -errno. */
int pin_cpu(int cpu);

#endif /* VMST_HARNESS_H */
