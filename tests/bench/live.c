// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live: frames per second each path hands to a drained tap.
 *
 * Topology (built by scripts/bench.sh):
 *
 *   generator netns                hypervisor netns
 *   bench_gen --redirect--> wire0 ==veth== up0 --+-- br0 --+
 *   (live-frames test run)                       |          +-- tap0 --> drain
 *                                                +-- XDP ---+
 *
 * The generator is a BPF_PROG_TEST_RUN in live-frames mode whose program
 * redirects every frame into wire0, so each frame arrives on up0 as if from
 * the wire. After each batch of 64 the uplink's NAPI poll runs on the same
 * CPU, so a frame's time is generator + path: the ceiling path (XDP_DROP)
 * gives the harness's own share.
 *
 * One XDP program on up0 at a time; see the paths[] table for what each
 * path is and how its frames are counted. Paths are interleaved round by
 * round, in an order that rotates.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/wait.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "util/log.h"
#include "util/netdev.h"
#include "bench_gen.skel.h"
#include "bench_xdp.skel.h"

/* Frames of the first, short calibration call of each path. */
#define WARM_FRAMES 200000ULL
/* Length of the second calibration call, in seconds. */
#define CALIB_SECS 0.5
/* Frames per call at least, whatever the calibration said. */
#define MIN_FRAMES 100000ULL
/* Settling time after a program swap and after a call (us). */
#define SETTLE_US 30000
/* Then the tap's counters are read until they stop moving. */
#define SETTLE_POLL_US	 10000
#define SETTLE_MAX_POLLS 100
/* Rounds at most. */
#define MAX_ROUNDS 64
/* The targets of the issue, for vmsteer/bridge and vmsteer/ceiling. */
#define TARGET_VS_BRIDGE  4.5
#define TARGET_VS_CEILING 0.6

enum path {
	PATH_BRIDGE,
	PATH_VMSTEER,
	PATH_CEILING,
	PATH_DEVMAP,
	PATH_UPLINK,
	PATH_VARIANT,
	PATH_CPUMAP,
	PATH_MAX
};

static const struct {
	const char *name;
	const char *what;
} paths[PATH_MAX] = {
	[PATH_BRIDGE] = {"bridge",
			 "XDP_PASS, Linux bridge (br_netfilter off), tap; "
			 "counted: tap TX packets + TX dropped"},
	[PATH_VMSTEER] = {"vmsteer",
			  "vmsteer attach + port add; counted: vmsteer's "
			  "tap_sent + tap_ring_full"},
	[PATH_CEILING] = {"ceiling",
			  "harness ceiling: XDP_DROP on the uplink; counted: "
			  "its drops"},
	[PATH_DEVMAP] = {"devmap",
			 "bare devmap redirect to the tap, no lookup; "
			 "counted: bench tracepoint"},
	[PATH_UPLINK] = {"uplink",
			 "vmst_uplink alone (private maps, no vmsteer "
			 "tracepoints); counted: bench tracepoint"},
	[PATH_VARIANT] = {"variant",
			  "vmst_uplink of --variant FILE, as uplink; counted: "
			  "bench tracepoint"},
	[PATH_CPUMAP] = {"cpumap",
			 "vmsteer, port with --queues NCPU --xdp-steer cpumap "
			 "(hash, CPUMAP hop, devmap); counted: vmsteer's "
			 "tap_sent + tap_ring_full"},
};

struct live_cfg {
	const char *gen_ns, *hv_ns, *wire, *uplink, *tap, *vmsteer, *pin;
	const char *mac;
	const char *variant; /* uplink object file of the "variant" path */
	int rounds, flows, cpu;
	double secs;
	enum path order[PATH_MAX];
	int npaths;
};

/* Everything the runs share. */
struct live {
	struct live_cfg c;
	int gen_fd, hv_fd;
	__u32 hv_ino;
	int rtnl; /* bound to the hypervisor namespace */
	int up_ifindex, tap_ifindex, wire_ifindex;
	struct bench_gen_bpf *gen;
	struct bench_xdp_bpf *xdp;
	/* Private uplink objects of the "uplink" and "variant" paths. */
	struct bpf_object *up[2];
	struct bpf_link *tp_link; /* bench tracepoint, while it counts */
	__u8 frame[BENCH_FRAME_LEN];
	bool xdp_attached;    /* a bench program is on the uplink */
	bool vmsteer_on;      /* vmsteer is attached to the uplink */
	bool vmsteer_touched; /* vmsteer state may exist: clean it up */
};

/* Counters read before and after a generator call. */
struct snap {
	struct link_counters tap;
	__u64 cnt[BENCH_C_MAX];
	struct vmst_port_stats vm;
};

struct sample {
	double secs;   /* wall time of the generator call */
	double cpu;    /* on-CPU time of the generator thread in the call */
	__u64 offered; /* frames the generator sent */
	__u64 handled; /* frames handed to the tap (ceiling: dropped) */
	double pps;    /* handled / cpu: frames per second of host CPU */
	__u32 kern_ns; /* the kernel's ns per generated frame (test run) */
	struct snap d; /* counter deltas */
};

static bool has_path(const struct live_cfg *c, enum path p)
{
	int i;

	for (i = 0; i < c->npaths; i++)
		if (c->order[i] == p)
			return true;
	return false;
}

/* Paths through vmsteer's CLI, counted by vmsteer's own counters. */
static bool is_vmsteer(enum path p)
{
	return p == PATH_VMSTEER || p == PATH_CPUMAP;
}

/* Paths counted by the bench tracepoint (attached only while they run). */
static bool counts_with_tp(enum path p)
{
	return p == PATH_DEVMAP || p == PATH_UPLINK || p == PATH_VARIANT;
}

/* ---- vmsteer, through its CLI ------------------------------------------ */

/* Run the vmsteer CLI in the hypervisor namespace; its exit status. */
static int run_vmsteer(struct live *lv, const char *const *args)
{
	const char *argv[32];
	char nsarg[300];
	int n = 0, status;
	pid_t pid;

	snprintf(nsarg, sizeof(nsarg), "--net=/run/netns/%s", lv->c.hv_ns);
	argv[n++] = "nsenter";
	argv[n++] = nsarg;
	argv[n++] = lv->c.vmsteer;
	argv[n++] = "--pin-path";
	argv[n++] = lv->c.pin;
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (bench_verbose) {
		int i;

		fprintf(stderr, "vmsteer-bench: +");
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (!bench_verbose && !freopen("/dev/null", "w", stdout))
			_exit(127);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Open the pinned state: the bench tap's port index, 0 when none. */
static __u32 vmsteer_port(struct live *lv, struct vms_state *st)
{
	int idx;

	if (vms_state_open(st, lv->c.pin, 0))
		return 0;
	idx = vms_port_find(&st->maps, lv->c.tap, lv->hv_ino, NULL);
	if (idx <= 0) {
		vms_state_close(st);
		return 0;
	}
	return idx;
}

static int vmsteer_attach(struct live *lv)
{
	const char *attach[] = {"attach", lv->c.uplink, "--mode", "native",
				NULL};
	const char *add[] = {"port",  "add",	 lv->c.tap,
			     "--mac", lv->c.mac, NULL};
	struct vms_state st;
	int err;

	lv->vmsteer_touched = true;
	err = run_vmsteer(lv, attach);
	if (err) {
		bench_err("vmsteer attach %s failed (status %d)", lv->c.uplink,
			  err);
		return -EIO;
	}
	lv->vmsteer_on = true;
	if (vmsteer_port(lv, &st)) {
		vms_state_close(&st);
		return 0;
	}
	/* First time: the port is added once and kept across detaches. */
	err = run_vmsteer(lv, add);
	if (err) {
		bench_err("vmsteer port add %s failed (status %d)", lv->c.tap,
			  err);
		return -EIO;
	}
	if (!vmsteer_port(lv, &st)) {
		bench_err("port %s missing after vmsteer port add", lv->c.tap);
		return -ENOENT;
	}
	vms_state_close(&st);
	return 0;
}

static int vmsteer_detach(struct live *lv)
{
	const char *detach[] = {"detach", lv->c.uplink, NULL};
	int err;

	err = run_vmsteer(lv, detach);
	if (err) {
		bench_err("vmsteer detach %s failed (status %d)", lv->c.uplink,
			  err);
		return -EIO;
	}
	lv->vmsteer_on = false;
	return 0;
}

/* ---- the bench's own programs ------------------------------------------ */

static int bench_attach(struct live *lv, struct bpf_program *prog)
{
	int err;

	err = bpf_xdp_attach(lv->up_ifindex, bpf_program__fd(prog),
			     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err) {
		bench_err("attach %s to %s: %s", bpf_program__name(prog),
			  lv->c.uplink, strerror(-err));
		return err;
	}
	lv->xdp_attached = true;
	return 0;
}

static int bench_detach(struct live *lv)
{
	int err;

	bpf_link__destroy(lv->tp_link);
	lv->tp_link = NULL;
	err = bpf_xdp_detach(lv->up_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		bench_err("detach XDP from %s: %s", lv->c.uplink,
			  strerror(-err));
		return err;
	}
	lv->xdp_attached = false;
	return 0;
}

static struct bpf_program *path_prog(struct live *lv, enum path p)
{
	switch (p) {
	case PATH_BRIDGE:
		return lv->xdp->progs.bench_pass;
	case PATH_CEILING:
		return lv->xdp->progs.bench_drop;
	case PATH_DEVMAP:
		return lv->xdp->progs.bench_devmap;
	case PATH_UPLINK:
	case PATH_VARIANT:
		return bpf_object__find_program_by_name(
			lv->up[p == PATH_VARIANT], "vmst_uplink");
	case PATH_VMSTEER:
	case PATH_CPUMAP:
	case PATH_MAX:
		break;
	}
	return NULL;
}

/* The bench port with (@on) or without queue steering through the CPUMAP. */
static int vmsteer_steer(struct live *lv, bool on)
{
	char queues[16];
	const char *add[] = {"port",  "add",	     lv->c.tap,
			     "--mac", lv->c.mac,     on ? "--queues" : NULL,
			     queues,  "--xdp-steer", "cpumap",
			     NULL};
	int err;

	snprintf(queues, sizeof(queues), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	err = run_vmsteer(lv, add);
	if (err)
		bench_err("vmsteer port add %s%s failed (status %d)", lv->c.tap,
			  on ? " --xdp-steer cpumap" : "", err);
	return err ? -EIO : 0;
}

static int path_setup(struct live *lv, enum path p)
{
	int err;

	if (p == PATH_VMSTEER)
		return vmsteer_attach(lv);
	if (p == PATH_CPUMAP) {
		err = vmsteer_attach(lv);
		return err ?: vmsteer_steer(lv, true);
	}
	err = bench_attach(lv, path_prog(lv, p));
	if (err || !counts_with_tp(p))
		return err;
	lv->tp_link = bpf_program__attach(lv->xdp->progs.bench_devmap_xmit);
	if (!lv->tp_link) {
		err = -errno;
		bench_err("attach the xdp_devmap_xmit counter: %s",
			  strerror(-err));
		bench_detach(lv);
	}
	return err;
}

static int path_teardown(struct live *lv, enum path p)
{
	if (p == PATH_CPUMAP) {
		int err = vmsteer_steer(lv, false);

		return vmsteer_detach(lv) ?: err;
	}
	return p == PATH_VMSTEER ? vmsteer_detach(lv) : bench_detach(lv);
}

/* ---- one measurement ---------------------------------------------------- */

static int snap_read(struct live *lv, enum path p, struct snap *s)
{
	int fd = bpf_map__fd(lv->xdp->maps.bench_cnt), err;
	struct vms_state st;
	__u32 i, idx;

	memset(s, 0, sizeof(*s));
	err = link_read_counters(lv->rtnl, lv->tap_ifindex, &s->tap);
	if (err) {
		bench_err("counters of %s: %s", lv->c.tap, strerror(-err));
		return err;
	}
	for (i = 0; i < BENCH_C_MAX; i++) {
		err = percpu_u64_sum(fd, i, &s->cnt[i]);
		if (err) {
			bench_err("bench_cnt: %s", strerror(-err));
			return err;
		}
	}
	if (!is_vmsteer(p))
		return 0;
	idx = vmsteer_port(lv, &st);
	if (!idx) {
		bench_err("no vmsteer port for %s under %s", lv->c.tap,
			  lv->c.pin);
		return -ENOENT;
	}
	err = vms_read_port_stats(&st.maps, idx, &s->vm);
	vms_state_close(&st);
	if (err)
		bench_err("vmsteer port counters: %s",
			  vms_last_error() ?: strerror(-err));
	return err;
}

static void snap_delta(const struct snap *a, const struct snap *b,
		       struct snap *d)
{
	int i;

	d->tap.rx_packets = b->tap.rx_packets - a->tap.rx_packets;
	d->tap.tx_packets = b->tap.tx_packets - a->tap.tx_packets;
	d->tap.rx_dropped = b->tap.rx_dropped - a->tap.rx_dropped;
	d->tap.tx_dropped = b->tap.tx_dropped - a->tap.tx_dropped;
	for (i = 0; i < BENCH_C_MAX; i++)
		d->cnt[i] = b->cnt[i] - a->cnt[i];
	for (i = 0; i < VMST_PC_SLOTS; i++)
		d->vm.c[i] = b->vm.c[i] - a->vm.c[i];
}

/*
 * One live-frames call of @frames frames. Fills in @s: the wall time, the
 * thread's on-CPU time (the generator's batches and the uplink's NAPI
 * polls, which run in its softirq context: all the host work of the path,
 * none of another task's), and the kernel's own ns per frame. Runs in the
 * generator's namespace, returns to the hypervisor's (lv->hv_fd).
 */
static int generate(struct live *lv, __u64 frames, struct sample *s)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = lv->frame,
		    .data_size_in = sizeof(lv->frame), .repeat = frames,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
	double t0, c0;
	int err;

	err = netns_enter(lv->gen_fd);
	if (err)
		return err;
	t0 = now_sec();
	c0 = thread_cpu_sec();
	err = bpf_prog_test_run_opts(bpf_program__fd(lv->gen->progs.bench_gen),
				     &opts);
	s->cpu = thread_cpu_sec() - c0;
	s->secs = now_sec() - t0;
	s->kern_ns = opts.duration;
	if (err)
		err = -errno;
	if (netns_enter(lv->hv_fd))
		return -EIO;
	if (err)
		bench_err("live-frames test run: %s", strerror(-err));
	return err;
}

static __u64 sample_handled(enum path p, const struct snap *d)
{
	switch (p) {
	case PATH_BRIDGE:
		return d->tap.tx_packets + d->tap.tx_dropped;
	case PATH_VMSTEER:
	case PATH_CPUMAP:
		return d->vm.c[VMST_PC_TAP_SENT] +
		       d->vm.c[VMST_PC_TAP_RING_FULL];
	case PATH_CEILING:
		return d->cnt[BENCH_C_DROP];
	case PATH_DEVMAP:
	case PATH_UPLINK:
	case PATH_VARIANT:
		return d->cnt[BENCH_C_TAP_SENT] + d->cnt[BENCH_C_TAP_RING_FULL];
	case PATH_MAX:
		break;
	}
	return 0;
}

static int measure(struct live *lv, enum path p, __u64 frames, struct sample *s)
{
	struct snap before, after;
	int err, err2, i;

	memset(s, 0, sizeof(*s));
	err = path_setup(lv, p);
	if (err)
		return err;
	/* Let the deferred work of the program swap run first. */
	usleep(SETTLE_US);
	err = snap_read(lv, p, &before);
	if (!err)
		err = generate(lv, frames, s);
	if (!err) {
		/* Late NAPI work finishes; the reader empties the rings. */
		usleep(SETTLE_US);
		err = snap_read(lv, p, &after);
	}
	for (i = 0; !err && i < SETTLE_MAX_POLLS; i++) {
		struct snap again;

		/* Until the reader has read all that the rings accepted. */
		usleep(SETTLE_POLL_US);
		err = snap_read(lv, p, &again);
		if (err || again.tap.tx_packets == after.tap.tx_packets)
			break;
		after = again;
	}
	err2 = path_teardown(lv, p);
	if (err || err2)
		return err ?: err2;

	snap_delta(&before, &after, &s->d);
	s->offered = frames;
	s->handled = sample_handled(p, &s->d);
	s->pps = s->cpu > 0 ? s->handled / s->cpu : 0;
	bench_dbg("%s: %llu frames in %.3f s (on CPU %.3f s, kernel %u "
		  "ns/frame), handled "
		  "%llu = %.3f Mpps; tap TX %llu dropped %llu; bench tp sent "
		  "%llu full %llu err %llu; vmsteer to_vm %llu sent %llu full "
		  "%llu xmit_err %llu redirect_err %llu",
		  paths[p].name, (unsigned long long)frames, s->secs, s->cpu,
		  s->kern_ns, (unsigned long long)s->handled, s->pps / 1e6,
		  (unsigned long long)s->d.tap.tx_packets,
		  (unsigned long long)s->d.tap.tx_dropped,
		  (unsigned long long)s->d.cnt[BENCH_C_TAP_SENT],
		  (unsigned long long)s->d.cnt[BENCH_C_TAP_RING_FULL],
		  (unsigned long long)s->d.cnt[BENCH_C_TAP_XMIT_ERR],
		  (unsigned long long)s->d.vm.c[VMST_PC_TO_VM_XDP_FRAMES],
		  (unsigned long long)s->d.vm.c[VMST_PC_TAP_SENT],
		  (unsigned long long)s->d.vm.c[VMST_PC_TAP_RING_FULL],
		  (unsigned long long)s->d.vm.c[VMST_PC_TAP_XMIT_ERR],
		  (unsigned long long)s->d.vm.c[VMST_PC_REDIRECT_ERR]);

	/* Every generated frame should show in the path's count (but the
	 * CPUMAP's queues drop what its kthreads cannot take: that is the
	 * path's rate).
	 */
	if (p != PATH_CPUMAP && s->handled < s->offered / 2) {
		bench_err("%s: only %llu of %llu generated frames counted: the "
			  "path does not forward them (V=1 shows the counters)",
			  paths[p].name, (unsigned long long)s->handled,
			  (unsigned long long)s->offered);
		return -EIO;
	}
	if (p != PATH_CPUMAP && s->handled < s->offered - s->offered / 100)
		bench_err("warning: %s: only %.1f%% of the generated frames "
			  "counted",
			  paths[p].name, 100.0 * s->handled / s->offered);
	if (s->cpu < 0.9 * s->secs)
		bench_err("warning: %s: the generator ran only %.0f%% of the "
			  "call's %.2f s: CPU %d is shared",
			  paths[p].name, 100 * s->cpu / s->secs, s->secs,
			  lv->c.cpu);
	return 0;
}

/*
 * Frames for a call of @secs at the rate of @frames in @took seconds, with
 * 10% to spare so that calls sized for a second last a second.
 */
static __u64 call_frames(__u64 frames, double took, double secs)
{
	double n = took > 0 ? frames / took * secs * 1.1 : 0;

	if (n < MIN_FRAMES)
		return MIN_FRAMES;
	return n > 4e9 ? 4000000000ULL : (__u64)n;
}

/* ---- set-up and clean-up ------------------------------------------------ */

static int ifindex_of(const char *dev, const char *ns)
{
	int idx = if_nametoindex(dev);

	if (!idx)
		bench_err("device %s in netns %s: %s", dev, ns,
			  strerror(errno));
	return idx;
}

/* Load the generator, in the generator's namespace (lv->gen_fd). */
static int gen_load(struct live *lv)
{
	int err;

	if (netns_enter(lv->gen_fd))
		return -EIO;
	lv->wire_ifindex = ifindex_of(lv->c.wire, lv->c.gen_ns);
	if (!lv->wire_ifindex)
		return -ENODEV;
	lv->gen = bench_gen_bpf__open();
	if (!lv->gen)
		return -errno;
	lv->gen->rodata->tx_ifindex = lv->wire_ifindex;
	lv->gen->rodata->flows = lv->c.flows;
	err = bench_gen_bpf__load(lv->gen);
	if (err)
		bench_err("load the generator: %s", strerror(-err));
	return err;
}

/* The private uplink programs of the "uplink" and "variant" paths. */
static int uplinks_load(struct live *lv)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		struct vms_port_spec spec = {
			.ifindex = lv->tap_ifindex,
			.netns_ino = lv->hv_ino,
		};

		if (!has_path(&lv->c, i ? PATH_VARIANT : PATH_UPLINK))
			continue;
		snprintf(spec.name, sizeof(spec.name), "%s", lv->c.tap);
		vms_parse_mac(lv->c.mac, spec.mac);
		err = vms_dev_mtu(lv->c.tap);
		if (err < 0)
			return err;
		spec.mtu = err;
		lv->up[i] = uplink_open_private(i ? lv->c.variant : NULL);
		if (!lv->up[i])
			return -EINVAL;
		err = uplink_add_port(lv->up[i], &spec);
		if (err)
			return err;
	}
	return 0;
}

static int live_setup(struct live *lv)
{
	__u8 dst[6], src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	__u32 slot = 0;
	int err;

	if (vms_parse_mac(lv->c.mac, dst)) {
		bench_err("bad MAC %s", lv->c.mac);
		return -EINVAL;
	}
	frame_build(lv->frame, sizeof(lv->frame), dst, src);
	if (pin_cpu(lv->c.cpu))
		return -EINVAL;

	lv->gen_fd = netns_open(lv->c.gen_ns);
	lv->hv_fd = netns_open(lv->c.hv_ns);
	if (lv->gen_fd < 0 || lv->hv_fd < 0)
		return -ENOENT;
	lv->hv_ino = netns_ino(lv->hv_fd);
	err = gen_load(lv);
	if (err)
		return err;

	/* Hypervisor side: the process stays here between calls. */
	if (netns_enter(lv->hv_fd))
		return -EIO;
	lv->rtnl = rtnl_open();
	if (lv->rtnl < 0)
		return lv->rtnl;
	lv->up_ifindex = ifindex_of(lv->c.uplink, lv->c.hv_ns);
	lv->tap_ifindex = ifindex_of(lv->c.tap, lv->c.hv_ns);
	if (!lv->up_ifindex || !lv->tap_ifindex)
		return -ENODEV;
	lv->xdp = bench_xdp_bpf__open();
	if (!lv->xdp)
		return -errno;
	lv->xdp->rodata->tap_ifindex = lv->tap_ifindex;
	lv->xdp->rodata->tap_netns_ino = lv->hv_ino;
	err = bench_xdp_bpf__load(lv->xdp);
	if (err) {
		bench_err("load the bench XDP programs: %s", strerror(-err));
		return err;
	}
	/* A devmap entry resolves its ifindex here, in the hypervisor. */
	if (bpf_map_update_elem(bpf_map__fd(lv->xdp->maps.bench_tx), &slot,
				&lv->tap_ifindex, 0)) {
		bench_err("bench_tx -> %s: %s", lv->c.tap, strerror(errno));
		return -errno;
	}
	return uplinks_load(lv);
}

static void live_cleanup(struct live *lv)
{
	const char *del[] = {"port", "del", lv->c.tap, NULL};

	if (lv->hv_fd >= 0)
		netns_enter(lv->hv_fd);
	if (lv->xdp_attached)
		bench_detach(lv);
	if (lv->vmsteer_on)
		vmsteer_detach(lv);
	if (lv->vmsteer_touched)
		run_vmsteer(lv, del);
	bpf_link__destroy(lv->tp_link);
	bench_xdp_bpf__destroy(lv->xdp);
	bench_gen_bpf__destroy(lv->gen);
	bpf_object__close(lv->up[0]);
	bpf_object__close(lv->up[1]);
	if (lv->rtnl >= 0)
		close(lv->rtnl);
	if (lv->gen_fd >= 0)
		close(lv->gen_fd);
	if (lv->hv_fd >= 0)
		close(lv->hv_fd);
}

/* ---- report ------------------------------------------------------------- */

typedef struct sample round_t[PATH_MAX];

/* Median, low and high over rounds of pps(a) / pps(b), or of pps(a) when b
 * is PATH_MAX.
 */
static double median_of(const struct live_cfg *c, const round_t *res,
			enum path a, enum path b, double *lo, double *hi)
{
	double v[MAX_ROUNDS], m;
	int r;

	for (r = 0; r < c->rounds; r++)
		v[r] = b == PATH_MAX ? res[r][a].pps
				     : res[r][a].pps / res[r][b].pps;
	m = median(v, c->rounds); /* sorts v */
	*lo = v[0];
	*hi = v[c->rounds - 1];
	return m;
}

static void print_ratio(const struct live_cfg *c, const round_t *res,
			enum path a, enum path b, double target,
			const char *note)
{
	char label[32], verdict[64];
	double m, lo, hi;

	if (!has_path(c, a) || !has_path(c, b))
		return;
	m = median_of(c, res, a, b, &lo, &hi);
	snprintf(label, sizeof(label), "%s/%s", paths[a].name, paths[b].name);
	if (target > 0)
		snprintf(verdict, sizeof(verdict), "target >= %.2fx: %s",
			 target, m >= target ? "met" : "MISSED");
	printf("  %-16s %6.2fx  (%.2f-%.2f)  %s\n", label, m, lo, hi,
	       target > 0 ? verdict : note);
}

static void print_summary(const struct live_cfg *c, const round_t *res)
{
	double m[PATH_MAX] = {0}, lo[PATH_MAX], hi[PATH_MAX], ceil_ns = 0;
	int p;

	printf("\nmedians over %d rounds (low-high):\n", c->rounds);
	printf("  %-8s %8s %15s %9s %13s\n", "path", "Mpps", "", "ns/frame",
	       "vs ceiling");
	for (p = 0; p < PATH_MAX; p++)
		if (has_path(c, p))
			m[p] = median_of(c, res, p, PATH_MAX, &lo[p], &hi[p]);
	if (m[PATH_CEILING] > 0)
		ceil_ns = 1e9 / m[PATH_CEILING];
	for (p = 0; p < PATH_MAX; p++) {
		char beyond[32] = "-", range[32];

		if (!has_path(c, p) || m[p] <= 0)
			continue;
		if (ceil_ns > 0)
			snprintf(beyond, sizeof(beyond), "+%.0f",
				 1e9 / m[p] - ceil_ns);
		snprintf(range, sizeof(range), "(%.3f-%.3f)", lo[p] / 1e6,
			 hi[p] / 1e6);
		printf("  %-8s %8.3f %15s %9.0f %13s\n", paths[p].name,
		       m[p] / 1e6, range, 1e9 / m[p], beyond);
	}

	printf("\nmedians of the per-round ratios (low-high):\n");
	print_ratio(c, res, PATH_VMSTEER, PATH_BRIDGE, TARGET_VS_BRIDGE, NULL);
	print_ratio(c, res, PATH_VMSTEER, PATH_CEILING, TARGET_VS_CEILING,
		    NULL);
	print_ratio(c, res, PATH_DEVMAP, PATH_CEILING, 0,
		    "bare redirect: the most an XDP path into the tap gets");
	print_ratio(c, res, PATH_VMSTEER, PATH_DEVMAP, 0,
		    "the cost of vmsteer's lookup, checks and counting");
	print_ratio(c, res, PATH_VMSTEER, PATH_UPLINK, 0,
		    "the cost of vmsteer's tracepoint accounting");
	print_ratio(c, res, PATH_VARIANT, PATH_UPLINK, 0,
		    "the --variant program against the built-in one");
	print_ratio(c, res, PATH_CPUMAP, PATH_VMSTEER, 0,
		    "XDP queue steering (hash, CPUMAP hop) against the "
		    "direct redirect");
}

/* Totals over all rounds of the counters that must agree. */
static void print_checks(const struct live_cfg *c, const round_t *res)
{
	unsigned long long gen, to_vm, sent, full, xerr, rerr, tx, txd;
	int r, p;

	printf("\ncross-checks, totals over all rounds:\n");
	for (p = 0; p < PATH_MAX; p++) {
		if (!has_path(c, p))
			continue;
		gen = to_vm = sent = full = xerr = rerr = tx = txd = 0;
		for (r = 0; r < c->rounds; r++) {
			const struct snap *d = &res[r][p].d;

			gen += res[r][p].offered;
			tx += d->tap.tx_packets;
			txd += d->tap.tx_dropped;
			if (is_vmsteer(p)) {
				to_vm += d->vm.c[VMST_PC_TO_VM_XDP_FRAMES];
				sent += d->vm.c[VMST_PC_TAP_SENT];
				full += d->vm.c[VMST_PC_TAP_RING_FULL];
				xerr += d->vm.c[VMST_PC_TAP_XMIT_ERR];
				rerr += d->vm.c[VMST_PC_REDIRECT_ERR];
			} else if (p == PATH_CEILING) {
				sent += d->cnt[BENCH_C_DROP];
			} else {
				sent += d->cnt[BENCH_C_TAP_SENT];
				full += d->cnt[BENCH_C_TAP_RING_FULL];
				xerr += d->cnt[BENCH_C_TAP_XMIT_ERR];
			}
		}
		switch (p) {
		case PATH_VMSTEER:
			printf("  vmsteer: generated %llu, to_vm_xdp_frames %llu"
			       "; tap_sent %llu + tap_ring_full %llu + "
			       "tap_xmit_err %llu + redirect_err %llu = %llu "
			       "(%s)\n",
			       gen, to_vm, sent, full, xerr, rerr,
			       sent + full + xerr + rerr,
			       sent + full + xerr + rerr == to_vm
				       ? "= to_vm_xdp_frames"
				       : "MISMATCH");
			printf("    tap: TX packets %llu (read by the reader: "
			       "tap_sent - TX packets = %lld), TX dropped "
			       "%llu (one per refused bulk: tap_ring_full / "
			       "TX dropped = %.1f)\n",
			       tx, (long long)(sent - tx), txd,
			       txd ? (double)full / txd : 0.0);
			break;
		case PATH_CPUMAP:
			printf("  cpumap: generated %llu, to_vm_xdp_frames %llu "
			       "(into the CPUMAP); tap_sent %llu + "
			       "tap_ring_full %llu + tap_xmit_err %llu + "
			       "redirect_err %llu = %llu; dropped at the CPUMAP "
			       "queues %lld\n",
			       gen, to_vm, sent, full, xerr, rerr,
			       sent + full + xerr + rerr,
			       (long long)(to_vm -
					   (sent + full + xerr + rerr)));
			break;
		case PATH_BRIDGE:
			printf("  bridge: generated %llu, tap TX packets %llu "
			       "+ TX dropped %llu = %llu\n",
			       gen, tx, txd, tx + txd);
			break;
		case PATH_CEILING:
			printf("  ceiling: generated %llu, dropped on the "
			       "uplink %llu\n",
			       gen, sent);
			break;
		default:
			printf("  %s: generated %llu, tap sent %llu + ring "
			       "full %llu + xmit err %llu; tap TX packets %llu"
			       "\n",
			       paths[p].name, gen, sent, full, xerr, tx);
			break;
		}
	}
}

/* ---- the command -------------------------------------------------------- */

static int parse_paths(struct live_cfg *c, const char *list)
{
	char *dup = strdup(list), *tok, *save = NULL;
	int p;

	if (!dup)
		return -ENOMEM;
	c->npaths = 0;
	for (tok = strtok_r(dup, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		for (p = 0; p < PATH_MAX; p++)
			if (!strcmp(tok, paths[p].name))
				break;
		if (p == PATH_MAX || has_path(c, p)) {
			bench_err("unknown or repeated path '%s' (bridge, "
				  "vmsteer, ceiling, devmap, uplink, variant, "
				  "cpumap)",
				  tok);
			free(dup);
			return -EINVAL;
		}
		c->order[c->npaths++] = p;
	}
	free(dup);
	return c->npaths ? 0 : -EINVAL;
}

static int usage(void)
{
	bench_err(
		"usage: live --gen-ns NS --hv-ns NS --wire DEV --uplink DEV "
		"--tap TAP --mac MAC [--vmsteer PATH --pin-path DIR] "
		"[--rounds N] [--secs S] [--flows N] [--cpu N] "
		"[--paths bridge,vmsteer,ceiling,devmap,uplink,variant,cpumap] "
		"[--variant FILE]");
	return 1;
}

static int parse_args(struct live_cfg *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"gen-ns", required_argument, NULL, 'g'},
		{"hv-ns", required_argument, NULL, 'h'},
		{"wire", required_argument, NULL, 'w'},
		{"uplink", required_argument, NULL, 'u'},
		{"tap", required_argument, NULL, 't'},
		{"mac", required_argument, NULL, 'm'},
		{"vmsteer", required_argument, NULL, 'V'},
		{"pin-path", required_argument, NULL, 'P'},
		{"rounds", required_argument, NULL, 'r'},
		{"secs", required_argument, NULL, 's'},
		{"flows", required_argument, NULL, 'f'},
		{"cpu", required_argument, NULL, 'c'},
		{"paths", required_argument, NULL, 'p'},
		{"variant", required_argument, NULL, 'X'},
		{},
	};
	int opt;

	c->rounds = 9;
	c->secs = 1.5;
	c->flows = 1;
	if (parse_paths(c, "bridge,vmsteer,ceiling"))
		return -EINVAL;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			c->gen_ns = optarg;
			break;
		case 'h':
			c->hv_ns = optarg;
			break;
		case 'w':
			c->wire = optarg;
			break;
		case 'u':
			c->uplink = optarg;
			break;
		case 't':
			c->tap = optarg;
			break;
		case 'm':
			c->mac = optarg;
			break;
		case 'V':
			c->vmsteer = optarg;
			break;
		case 'P':
			c->pin = optarg;
			break;
		case 'r':
			c->rounds = atoi(optarg);
			break;
		case 's':
			c->secs = atof(optarg);
			break;
		case 'f':
			c->flows = atoi(optarg);
			break;
		case 'c':
			c->cpu = atoi(optarg);
			break;
		case 'p':
			if (parse_paths(c, optarg))
				return -EINVAL;
			break;
		case 'X':
			c->variant = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || !c->gen_ns || !c->hv_ns || !c->wire ||
	    !c->uplink || !c->tap || !c->mac ||
	    ((has_path(c, PATH_VMSTEER) || has_path(c, PATH_CPUMAP)) &&
	     (!c->vmsteer || !c->pin)) ||
	    (has_path(c, PATH_VARIANT) && !c->variant))
		return usage();
	if (c->rounds < 1 || c->rounds > MAX_ROUNDS || c->secs < 0.1 ||
	    c->secs > 30 || c->flows < 1 || c->flows > 65535) {
		bench_err("rounds 1..%d, secs 0.1..30, flows 1..65535",
			  MAX_ROUNDS);
		return -EINVAL;
	}
	return 0;
}

/* Size each path's calls to last about c->secs (not counted). */
static int calibrate(struct live *lv, __u64 frames[PATH_MAX])
{
	const struct live_cfg *c = &lv->c;
	double pps[PATH_MAX] = {0};
	int i, err;

	for (i = 0; i < c->npaths; i++) {
		enum path p = c->order[i];
		struct sample s;

		/* A short call's set-up time skews its rate: two calls. */
		err = measure(lv, p, WARM_FRAMES, &s);
		if (!err)
			err = measure(
				lv, p,
				call_frames(s.offered, s.secs, CALIB_SECS), &s);
		if (err)
			return err;
		frames[p] = call_frames(s.offered, s.secs, c->secs);
		pps[p] = s.pps;
	}
	printf("calibration:");
	for (i = 0; i < c->npaths; i++)
		printf(" %s %.2f", paths[c->order[i]].name,
		       pps[c->order[i]] / 1e6);
	printf(" Mpps\n\n");
	fflush(stdout);
	return 0;
}

static void print_header(const struct live_cfg *c)
{
	int i;

	printf("live: %d-byte frames, %d flow%s, to %s; generator and uplink "
	       "NAPI on CPU %d; %d rounds, ~%.1f s per path and round, order "
	       "rotating\n",
	       BENCH_FRAME_LEN, c->flows, c->flows > 1 ? "s" : "", c->mac,
	       c->cpu, c->rounds, c->secs);
	for (i = 0; i < c->npaths; i++)
		printf("  %-8s %s\n", paths[c->order[i]].name,
		       paths[c->order[i]].what);
}

static void print_round(const struct live_cfg *c, int r, const round_t *res)
{
	bool short_call = false;
	int p;

	printf("round %d/%d:", r + 1, c->rounds);
	for (p = 0; p < PATH_MAX; p++) {
		if (!has_path(c, p))
			continue;
		printf(" %s %.3f", paths[p].name, res[r][p].pps / 1e6);
		if (res[r][p].secs < 1.0) {
			printf("*");
			short_call = true;
		}
	}
	printf(" Mpps");
	if (has_path(c, PATH_VMSTEER) && has_path(c, PATH_BRIDGE))
		printf(" | vmsteer/bridge %.2fx",
		       res[r][PATH_VMSTEER].pps / res[r][PATH_BRIDGE].pps);
	if (has_path(c, PATH_VMSTEER) && has_path(c, PATH_CEILING))
		printf(" vmsteer/ceiling %.2fx",
		       res[r][PATH_VMSTEER].pps / res[r][PATH_CEILING].pps);
	printf("%s\n", short_call ? " (*: call under 1 s)" : "");
}

int cmd_live(int argc, char **argv)
{
	struct live lv = {.gen_fd = -1, .hv_fd = -1, .rtnl = -1};
	struct live_cfg *c = &lv.c;
	__u64 frames[PATH_MAX] = {0};
	round_t *res = NULL;
	int r, i, err;

	if (parse_args(c, argc, argv))
		return 1;
	res = calloc(c->rounds, sizeof(*res));
	if (!res)
		return 1;
	err = live_setup(&lv);
	if (err)
		goto out;

	print_header(c);
	if (c->rounds < 5)
		printf("note: fewer than 5 rounds: the medians mean little\n");
	fflush(stdout); /* stderr warnings come in order */
	err = calibrate(&lv, frames);
	if (err)
		goto out;
	for (r = 0; r < c->rounds; r++) {
		for (i = 0; i < c->npaths; i++) {
			enum path p = c->order[(i + r) % c->npaths];
			struct sample *s = &res[r][p];

			err = measure(&lv, p, frames[p], s);
			if (err)
				goto out;
			/* Keep the next call of this path near c->secs. */
			frames[p] = call_frames(s->offered, s->secs, c->secs);
		}
		print_round(c, r, res);
		fflush(stdout);
	}
	print_summary(c, res);
	print_checks(c, res);
out:
	live_cleanup(&lv);
	free(res);
	return err;
}

/*
 * gen: the generator alone, for experiments by hand: send @frames frames
 * from network namespace @ns into @dev and print the rate.
 */
int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"gen-ns", required_argument, NULL, 'g'},
		{"wire", required_argument, NULL, 'w'},
		{"mac", required_argument, NULL, 'm'},
		{"frames", required_argument, NULL, 'n'},
		{"flows", required_argument, NULL, 'f'},
		{"cpu", required_argument, NULL, 'c'},
		{},
	};
	struct live lv = {.gen_fd = -1, .hv_fd = -1, .rtnl = -1};
	__u8 dst[6], src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	unsigned long long frames = 1000000;
	int opt, err = -EINVAL;
	struct sample s = {0};

	lv.c.flows = 1;
	lv.c.mac = "52:54:00:12:34:56";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			lv.c.gen_ns = optarg;
			break;
		case 'w':
			lv.c.wire = optarg;
			break;
		case 'm':
			lv.c.mac = optarg;
			break;
		case 'n':
			frames = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			lv.c.flows = atoi(optarg);
			break;
		case 'c':
			lv.c.cpu = atoi(optarg);
			break;
		default:
			return 1;
		}
	}
	if (optind != argc || !lv.c.gen_ns || !lv.c.wire || !frames ||
	    frames > 0xffffffffULL || lv.c.flows < 1 ||
	    vms_parse_mac(lv.c.mac, dst)) {
		bench_err("usage: gen --gen-ns NS --wire DEV [--mac MAC] "
			  "[--frames N] [--flows N] [--cpu N]");
		return 1;
	}
	frame_build(lv.frame, sizeof(lv.frame), dst, src);
	if (pin_cpu(lv.c.cpu))
		goto out;
	lv.gen_fd = netns_open(lv.c.gen_ns);
	if (lv.gen_fd < 0)
		goto out;
	err = gen_load(&lv);
	if (err)
		goto out;
	/* generate() returns to hv_fd: here, the generator's namespace. */
	lv.hv_fd = lv.gen_fd;
	err = generate(&lv, frames, &s);
	lv.hv_fd = -1;
	if (!err)
		printf("gen: %llu frames in %.3f s (%.3f s on CPU): %.3f Mpps "
		       "(kernel %u ns/frame)\n",
		       frames, s.secs, s.cpu, frames / s.secs / 1e6, s.kern_ns);
out:
	bench_gen_bpf__destroy(lv.gen);
	if (lv.gen_fd >= 0)
		close(lv.gen_fd);
	return err;
}
