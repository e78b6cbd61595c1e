// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cost: per-frame cost of the uplink program, from a non-live
 * BPF_PROG_TEST_RUN: the program runs @repeat times on one frame in a
 * loop the kernel times. Nothing is transmitted (a redirect only records
 * its target), so this is the program alone, with hot caches.
 *
 *   vmsteer-bench cost --tap TAP [--mac MAC] [--repeat N] [--runs N]
 *                      [--variant FILE]
 *
 * vmst_uplink is loaded from its skeleton with private (unpinned) maps and
 * one port for TAP (in the current network namespace), set up with
 * vms_port_upsert(). Reference programs from bench_xdp run on the same
 * frame: XDP_PASS and a bare devmap redirect. With --variant, the
 * vmst_uplink of an object built from a modified uplink.bpf.c runs too.
 *
 * Queue steering: "vmst_uplink cpumap" is the uplink program for a port
 * with --xdp-steer cpumap over 2 queues (Toeplitz hash of the frame's
 * addresses and ports, table lookup, metadata, CPUMAP redirect), and
 * "vmst_steer" the tap steering program (socket filter) for a port of 4
 * queues on the same frame; its verdict is the queue, checked against the
 * user-space reference.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/rss.h"
#include "load/toeplitz.h"
#include "util/log.h"
#include "util/netdev.h"
#include "bench_xdp.skel.h"
#include "steer.skel.h"
#include "rss_hash.skel.h"

/* Cases at most. */
#define COST_MAX_CASES 14
/* Runs per case at most. */
#define COST_MAX_RUNS 16

struct cost_case {
	const char *name;
	struct bpf_program *prog;
	const __u8 *frame;
	int want; /* expected XDP verdict (or queue, with @queue) */
	const char *what;
	bool queue; /* a steering program: the verdict is a queue */
};

static const char *verdict(int v)
{
	static const char *const names[] = {"XDP_ABORTED", "XDP_DROP",
					    "XDP_PASS", "XDP_TX",
					    "XDP_REDIRECT"};

	return v >= 0 && v <= XDP_REDIRECT ? names[v] : "?";
}

/*
 * Medians over @runs runs of the kernel's ns per run (an integer: its
 * timer divides and rounds down) and of the caller's on-CPU ns per run
 * (finer; includes the syscall, negligible over millions of runs).
 */
static int run_case(const struct cost_case *k, __u32 ifindex, __u32 repeat,
		    int runs, double *ns, double *cpu_ns)
{
	double t[COST_MAX_RUNS], c[COST_MAX_RUNS];
	int i;

	for (i = 0; i < runs; i++) {
		__u8 out[BENCH_FRAME_LEN + 64];
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = k->frame,
			    .data_size_in = BENCH_FRAME_LEN, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = repeat);
		struct __sk_buff ctx = {.ifindex = ifindex};
		double c0 = thread_cpu_sec();

		if (ifindex) { /* the program finds its port from it */
			opts.ctx_in = &ctx;
			opts.ctx_size_in = sizeof(ctx);
		}

		if (bpf_prog_test_run_opts(bpf_program__fd(k->prog), &opts)) {
			bench_err("%s: test run: %s", k->name, strerror(errno));
			return -errno;
		}
		c[i] = (thread_cpu_sec() - c0) * 1e9 / repeat;
		if ((int)opts.retval != k->want) {
			bench_err("%s: verdict %s (%u), expected %s (%d)",
				  k->name, verdict(opts.retval), opts.retval,
				  verdict(k->want), k->want);
			return -EINVAL;
		}
		t[i] = opts.duration;
	}
	*ns = median(t, runs);
	*cpu_ns = median(c, runs);
	return 0;
}

/*
 * Steer the one port of @obj's XDP frames through the CPUMAP over @queues
 * queues (default RSS), with CPUMAP entries for CPUs 0..queues-1 (no
 * program: a non-live run only records the redirect).
 */
static int uplink_steer_port(struct bpf_object *obj, __u16 queues)
{
	struct vms_maps maps;
	struct vmst_rss cfg;
	__u32 idx, cpu;
	int err;

	err = vms_maps_from_object(&maps, obj);
	if (err)
		return err;
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		struct vmst_port_cfg c;

		if (!bpf_map_lookup_elem(maps.fd[VMS_MAP_PORT_CFG], &idx, &c) &&
		    (c.flags & VMST_CFG_F_IN_USE))
			break;
	}
	vms_rss_default(&cfg, queues);
	cfg.flags = VMST_RSS_F_ENABLED | VMST_RSS_F_XDP_CPUMAP;
	err = vms_rss_write(&maps, idx, &cfg);
	if (!err)
		err = vms_port_set_xdp_steer(&maps, idx, true);
	for (cpu = 0; !err && cpu < queues; cpu++) {
		struct bpf_cpumap_val val = {.qsize = VMST_CPUMAP_QSIZE};

		if (bpf_map_update_elem(maps.fd[VMS_MAP_CPUMAP], &cpu, &val,
					BPF_ANY))
			err = -errno;
	}
	if (err)
		bench_err("steer the port: %s",
			  vms_last_error() ?: strerror(-err));
	return err;
}

/* The queue the reference gives bench frame @f under @cfg. */
static int ref_queue(const __u8 *f, const struct vmst_rss *cfg)
{
	struct vms_rss_flow fl = {.family = 4, .l4 = 17};

	memcpy(fl.saddr, f + 14 + 12, 4);
	memcpy(fl.daddr, f + 14 + 16, 4);
	fl.sport = f[34] << 8 | f[35];
	fl.dport = f[36] << 8 | f[37];
	return vms_rss_flow_queue(cfg, &fl);
}

/* Load an uplink object with a port for the spec's tap; NULL on error. */
static struct bpf_object *uplink_with_port(const char *file,
					   const struct vms_port_spec *spec,
					   struct bpf_program **prog)
{
	struct bpf_object *obj = uplink_open_private(file);

	if (!obj)
		return NULL;
	if (uplink_add_port(obj, spec)) {
		bpf_object__close(obj);
		return NULL;
	}
	*prog = bpf_object__find_program_by_name(obj, "vmst_uplink");
	return obj;
}

int cmd_cost(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tap", required_argument, NULL, 't'},
		{"mac", required_argument, NULL, 'm'},
		{"repeat", required_argument, NULL, 'n'},
		{"runs", required_argument, NULL, 'r'},
		{"variant", required_argument, NULL, 'X'},
		{},
	};
	const __u8 src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	const __u8 other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
	const char *tap = NULL, *mac = "52:54:00:12:34:56", *variant = NULL;
	__u8 hit[BENCH_FRAME_LEN], miss[BENCH_FRAME_LEN];
	struct bpf_object *up = NULL, *var = NULL, *ups = NULL;
	struct bpf_program *up_prog = NULL, *var_prog = NULL, *ups_prog = NULL;
	struct steer_bpf *steer = NULL, *steer_dev = NULL;
	struct rss_hash_bpf *hash = NULL;
	/* The hash's input length for its cases, -1 for the others. */
	int hash_len[COST_MAX_CASES];
	__u32 case_ifindex[COST_MAX_CASES] = {0}; /* the skb's device */
	struct vmst_rss_lut lut;
	struct vmst_rss rss4;
	struct cost_case cases[COST_MAX_CASES];
	struct vms_port_spec spec = {0};
	struct bench_xdp_bpf *xdp = NULL;
	unsigned long repeat = 10000000;
	int runs = 3, opt, err = -EINVAL, i, n = 0;
	__u32 slot = 0;

	for (i = 0; i < COST_MAX_CASES; i++)
		hash_len[i] = -1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			tap = optarg;
			break;
		case 'm':
			mac = optarg;
			break;
		case 'n':
			repeat = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'X':
			variant = optarg;
			break;
		default:
			return 1;
		}
	}
	if (optind != argc || !tap || !repeat || repeat > 0xffffffffUL ||
	    runs < 1 || runs > COST_MAX_RUNS) {
		bench_err("usage: cost --tap TAP [--mac MAC] [--repeat N] "
			  "[--runs 1..%d] [--variant FILE]",
			  COST_MAX_RUNS);
		return 1;
	}
	if (vms_parse_mac(mac, spec.mac)) {
		bench_err("bad MAC %s", mac);
		return 1;
	}
	frame_build(hit, sizeof(hit), spec.mac, src);
	frame_build(miss, sizeof(miss), other, src);
	snprintf(spec.name, sizeof(spec.name), "%s", tap);
	spec.ifindex = if_nametoindex(tap);
	spec.netns_ino = vms_netns_ino();
	spec.mtu = 1500;
	if (!spec.ifindex) {
		bench_err("tap %s: %s", tap, strerror(errno));
		return 1;
	}

	up = uplink_with_port(NULL, &spec, &up_prog);
	if (!up)
		goto out;
	if (variant) {
		var = uplink_with_port(variant, &spec, &var_prog);
		if (!var)
			goto out;
	}
	ups = uplink_with_port(NULL, &spec, &ups_prog);
	if (!ups || uplink_steer_port(ups, 2))
		goto out;
	steer = steer_bpf__open();
	if (steer) {
		struct bpf_map *map;

		bpf_object__for_each_map(map, steer->obj)
			bpf_map__set_pin_path(map, NULL);
		steer->rodata->port_index = 1;
	}
	if (!steer || steer_bpf__load(steer)) {
		bench_err("load the steering program: %s", strerror(errno));
		goto out;
	}
	vms_rss_default(&rss4, 4);
	slot = 1;
	if (vms_rss_write_fds(bpf_map__fd(steer->maps.vmst_rss),
			      bpf_map__fd(steer->maps.vmst_rss_lut), slot,
			      &rss4)) {
		bench_err("vmst_rss: %s", vms_last_error());
		goto out;
	}
	/* The same, as vmsteer loads it: one instance for every tap, the
	 * port found from the skb's device (vmst_devs), not a constant. */
	steer_dev = steer_bpf__open();
	if (steer_dev) {
		struct bpf_map *map;

		bpf_object__for_each_map(map, steer_dev->obj)
			bpf_map__set_pin_path(map, NULL);
		steer_dev->rodata->netns_ino = vms_netns_ino();
	}
	if (!steer_dev || steer_bpf__load(steer_dev)) {
		bench_err("load the steering program: %s", strerror(errno));
		goto out;
	}
	{
		struct vmst_dev_key dk = {spec.ifindex, vms_netns_ino()};

		if (vms_rss_write_fds(bpf_map__fd(steer_dev->maps.vmst_rss),
				      bpf_map__fd(steer_dev->maps.vmst_rss_lut),
				      slot, &rss4) ||
		    bpf_map_update_elem(bpf_map__fd(steer_dev->maps.vmst_devs),
					&dk, &slot, 0)) {
			bench_err("vmst_devs: %s", strerror(errno));
			goto out;
		}
	}
	slot = 0;
	hash = rss_hash_bpf__open_and_load();
	vms_rss_lut_build(vms_rss_key_msft, &lut);
	if (!hash || bpf_map_update_elem(bpf_map__fd(hash->maps.rss_hash_lut),
					 &slot, &lut, 0)) {
		err = -errno;
		bench_err("load the Toeplitz hash program: %s",
			  strerror(errno));
		goto out;
	}
	xdp = bench_xdp_bpf__open_and_load();
	if (!xdp) {
		err = -errno;
		bench_err("load the bench XDP programs: %s", strerror(errno));
		goto out;
	}
	if (bpf_map_update_elem(bpf_map__fd(xdp->maps.bench_tx), &slot,
				&spec.ifindex, 0)) {
		err = -errno;
		bench_err("bench_tx -> %s: %s", tap, strerror(errno));
		goto out;
	}

	cases[n++] = (struct cost_case){"vmst_uplink hit",
					up_prog,
					hit,
					XDP_REDIRECT,
					"unicast to a configured port",
					false};
	cases[n++] = (struct cost_case){
		"vmst_uplink miss",	     up_prog, miss, XDP_PASS,
		"unicast to an unknown MAC", false};
	cases[n++] = (struct cost_case){"vmst_uplink cpumap",
					ups_prog,
					hit,
					XDP_REDIRECT,
					"hit, port with --xdp-steer cpumap (2 "
					"queues): hash, table, CPUMAP",
					false};
	cases[n++] =
		(struct cost_case){"vmst_steer",
				   steer->progs.vmst_steer,
				   hit,
				   ref_queue(hit, &rss4),
				   "tap steering program (4 queues), IPv4/UDP",
				   true};
	case_ifindex[n] = spec.ifindex;
	cases[n++] = (struct cost_case){
		"vmst_steer by dev",
		steer_dev->progs.vmst_steer,
		hit,
		ref_queue(hit, &rss4),
		"the same, port looked up from the skb's device (vmst_devs)",
		true};
	if (var) {
		cases[n++] = (struct cost_case){"variant hit", var_prog, hit,
						XDP_REDIRECT,  variant,	 false};
		cases[n++] =
			(struct cost_case){"variant miss", var_prog, miss,
					   XDP_PASS,	   variant,  false};
	}
	/* The hash alone over the bytes after the Ethernet header. */
	for (i = 0; i < 3; i++) {
		static const __u32 lens[] = {0, 12, 36};
		static const char *const names[] = {
			"toeplitz 0 B", "toeplitz 12 B", "toeplitz 36 B"};
		static const char *const whats[] = {
			"reference: the hash program, no input",
			"Toeplitz hash alone: IPv4 and ports",
			"Toeplitz hash alone: IPv6 and ports"};

		hash_len[n] = lens[i];
		cases[n++] = (struct cost_case){
			names[i],
			hash->progs.rss_hash,
			hit,
			(int)vms_toeplitz(vms_rss_key_msft, hit + 14, lens[i]),
			whats[i],
			true};
	}
	cases[n++] = (struct cost_case){
		"bench_pass", xdp->progs.bench_pass,	  hit,
		XDP_PASS,     "reference: XDP_PASS only", false};
	cases[n++] = (struct cost_case){"bench_devmap",
					xdp->progs.bench_devmap,
					hit,
					XDP_REDIRECT,
					"reference: devmap redirect, no lookup",
					false};

	printf("program cost: non-live BPF_PROG_TEST_RUN, %d-byte frame, "
	       "repeat %lu, median of %d runs\n",
	       BENCH_FRAME_LEN, repeat, runs);
	printf("  %-18s %8s %8s  %-12s  %s\n", "program", "ns/frame", "cpu ns",
	       "verdict", "frame");
	for (i = 0; i < n; i++) {
		double ns = 0, cpu = 0;

		if (hash_len[i] >= 0)
			hash->bss->hash_len = hash_len[i];
		err = run_case(&cases[i], case_ifindex[i], repeat, runs, &ns,
			       &cpu);
		if (err)
			goto out;
		if (hash_len[i] >= 0) {
			char h[16];

			snprintf(h, sizeof(h), "%08x", (__u32)cases[i].want);
			printf("  %-18s %8.0f %8.1f  %-12s  %s\n",
			       cases[i].name, ns, cpu, h, cases[i].what);
		} else if (cases[i].queue) {
			char q[16];

			snprintf(q, sizeof(q), "queue %d", cases[i].want);
			printf("  %-18s %8.0f %8.1f  %-12s  %s\n",
			       cases[i].name, ns, cpu, q, cases[i].what);
		} else {
			printf("  %-18s %8.0f %8.1f  %-12s  %s\n",
			       cases[i].name, ns, cpu, verdict(cases[i].want),
			       cases[i].what);
		}
	}
	err = 0;
out:
	bench_xdp_bpf__destroy(xdp);
	rss_hash_bpf__destroy(hash);
	steer_bpf__destroy(steer);
	steer_bpf__destroy(steer_dev);
	bpf_object__close(ups);
	bpf_object__close(var);
	bpf_object__close(up);
	return err;
}
