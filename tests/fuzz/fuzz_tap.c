// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the transmit path's tc programs: random and mutated
 * frames written by a VM, through BPF_PROG_TEST_RUN of the tap program of
 * one of a fixed set of ports, and frames arriving on the uplink through
 * the uplink tc program (skb path), each compared with the reference
 * models (tests/unit/refmodel_tx.c): the verdict, the redirect target, the
 * VLAN tag pushed, the bytes out, and every counter (reasons, local,
 * uplink and to_vm_tc frames and bytes of every port) every COUNTER_EVERY
 * frames and at exit. Any difference aborts with the frame (libFuzzer
 * keeps it as a crash-* reproducer).
 *
 * Every frame from a port also goes through that port's tap XDP program
 * (bpf/tap_xdp.bpf.c), compared with the model's XDP view of the same
 * decision (ref_tx_xdp_decide): the same drops and reasons, XDP_REDIRECT
 * for what it forwards (the target by the counters: the receiver's
 * to_vm_xdp), the tag pushed into the bytes for an access port's frame to
 * the uplink, XDP_PASS for what it leaves to tc; the uplink takes XDP
 * frames (vmst_tx entry 0) in north state 0 only. Ports with queue
 * steering (VMST_RSS_F_ENABLED in vmst_rss, chosen per frame) take no
 * XDP redirect: their frames go on to tc.
 *
 * BPF_PROG_TEST_RUN returns the verdict and the data only: the device
 * bpf_redirect chose and a tag bpf_skb_vlan_push put in the skb's metadata
 * are recorded by a test-only build of the same source inside a wrapper
 * (tests/bpf/tap_observe.bpf.c, uplink_tc_observe.bpf.c). Every frame goes
 * through the production
 * object (verdict, bytes out, counters) and the wrapper (the same verdict,
 * the target, the tag); both count, so the model's counters count twice.
 *
 * Everything is loaded privately (nothing pinned or attached) and ports are
 * added through the library (vms_port_upsert); each port's record then gets
 * an ifindex of its own so the redirect target names the port: a veth of
 * that index with the port's MTU (the tap program judges redirected frames
 * by the target's MTU), and one for the northbound uplink. Run it in a
 * network namespace of its own (unshare -n).
 *
 * Input: three selector bytes, then the frame. Byte 0: bits 0..3 the sending
 * port (mod NPORTS); bit 4 keeps the frame's source MAC (else the sender's
 * is written); bits 5..6 the northbound uplink (0, 1: in the ports'
 * network namespace, 2: none, 3: in another one); bit 7 writes one of the
 * sender's addresses (byte 1 bits 4..5 choose which; 3: for IPv6 the
 * EUI-64 link-local address of its MAC) as the IPv4/IPv6 source, or ARP
 * sender (with its MAC); without bit 4 the first link-layer address
 * option of an ND message gets the sender's MAC too. Byte 1: bits 0..3 = k, 1..NPORTS
 * writes port k-1's MAC as the destination, NPORTS+1 and NPORTS+2 a
 * host-local MAC (vmst_local) of this or another namespace; bit 6 writes
 * the chosen address as a Neighbor Advertisement's target. Byte 2, bits
 * 0..1: the ports with queue steering (0: none, 1: the one of byte 1's
 * destination MAC, 2: the sender, 3: every port).
 *
 *   VMSTEER_FUZZ_SEEDS=DIR fuzz_tap   write the seeds (the tcpdump corpus,
 *        $VMSTEER_CORPUS or ../shared/corpus, and built frames)
 *   unshare -n fuzz_tap -runs=N DIR   fuzz (tests/netns/test_fuzz_tap.sh,
 *        make fuzz); FUZZ_VERBOSE=1 shows libbpf's messages
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "core/addr.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "core/trunk.h"
#include "util/log.h"
#include "util/netdev.h"
#include "uplink.skel.h"
#include "tap.skel.h"
#include "tap_observe.skel.h"
#include "tap_xdp.skel.h"
#include "uplink_tc.skel.h"
#include "uplink_tc_observe.skel.h"
#include "fuzz/fuzzlib.h"
#include "unit/corpus.h"
#include "unit/refmodel.h"
#include "unit/refmodel_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT 7

/* Counters are compared with the model every this many frames. */
#define COUNTER_EVERY 4096
#define NPORTS	      10
#define SEED_MAX      4096
#define FRAME_BUF     8192
/* Northbound uplink, and a network namespace that is not the ports'. */
#define NORTH_IFINDEX 90
#define OTHER_NETNS   0x7fff0001U
#define FIRST_IFINDEX 100

static const struct {
	const char *name;
	__u8 mac[6];
	__u16 vlan;
	bool trusted;
	bool other_netns; /* the port lives in another network namespace */
	bool deleted;	  /* deleted after its program was loaded */
	const char *ips[3];
} port_def[NPORTS] = {
	{"fzt-u-addr",
	 {2, 0x5e, 0x20, 0, 0, 1},
	 0,
	 false,
	 false,
	 false,
	 {"10.1.0.1", "2001:db8:a::/64"}},
	{"fzt-u-mac", {2, 0x5e, 0x20, 0, 0, 2}, 0, false, false, false, {0}},
	{"fzt-u-trust",
	 {2, 0x5e, 0x20, 0, 0, 3},
	 0,
	 true,
	 false,
	 false,
	 {"10.1.0.3", "2001:db8:b::3"}},
	/* On VLAN 100 an address of VLAN 0 may be used again. */
	{"fzt-100-trust",
	 {2, 0x5e, 0x20, 0, 0, 4},
	 100,
	 true,
	 false,
	 false,
	 {"10.1.0.0/24", "2001:db8:a::5", "fe80::/10"}},
	{"fzt-100-mac",
	 {2, 0x5e, 0x20, 0, 0, 5},
	 100,
	 false,
	 false,
	 false,
	 {0}},
	{"fzt-200-addr",
	 {2, 0x5e, 0x20, 0, 0, 6},
	 200,
	 false,
	 false,
	 false,
	 {"192.0.2.8/29", "2001:db8:c::/48"}},
	/* The MAC of the first port: the VLAN tells them apart. */
	{"fzt-4094", {2, 0x5e, 0x20, 0, 0, 1}, 4094, true, false, false, {0}},
	{"fzt-netns",
	 {2, 0x5e, 0x20, 0, 0, 8},
	 0,
	 false,
	 true,
	 false,
	 {"10.1.0.8"}},
	{"fzt-gone", {2, 0x5e, 0x20, 0, 0, 9}, 0, false, false, true, {0}},
	{"fzt-trunk",
	 {2, 0x5e, 0x20, 0, 0, 0x0a},
	 0,
	 false,
	 false,
	 false,
	 {"10.1.0.10", "2001:db8:d::a", "fe80::a"}},
};

/* VIDs of the trunk ports (NULL: not a trunk). */
static const char *const port_trunk[NPORTS] = {[9] = "100,200-210,4094"};

/* Tap MTUs: the uplink skb path forwards non-GSO frames that fit. */
static const __u32 port_mtu[NPORTS] = {1500, 1500, 1500, 1500, 9000,
				       576,  1500, 1500, 1500, 1500};
/* The northbound uplink's MTU. */
#define NORTH_MTU 1500

static struct uplink_bpf *skel;
static struct tap_bpf *tap[NPORTS];
static struct tap_observe_bpf *obs[NPORTS];
static struct tap_xdp_bpf *txdp[NPORTS];
static struct uplink_tc_bpf *uptc;
static struct uplink_tc_observe_bpf *uptc_obs;
static struct vms_maps maps;
static struct ref_tx_port ports[NPORTS];
/* MACs of the host (vmst_local): one here, one of another namespace. */
static struct ref_tx_local locals[2] = {
	{{2, 0x5e, 0x20, 0, 0x0b, 0x0b}, 0},
	{{2, 0x5e, 0x20, 0, 0x0c, 0x0c}, 0},
};
static struct ref_tx_world world = {ports, NPORTS, 0, 0, locals, 2, 0};
static __u32 netns;
static int ncpus, north_state = -1;
static unsigned int rss_ports; /* ports with queue steering (bits) */
static size_t max_len;	       /* longest frame test_run takes */
static size_t xdp_max_len;     /* the same for the XDP program */

/* The model's counters. */
static struct {
	/* By slot of the port's vmst_rstats row: the tc program counts in
	 * the reason's slot, the XDP program in its XDP slot. */
	struct vmst_counter reason[VMST_MAX_PORTS][VMST_RSTATS_ROW];
	__u64 pc[VMST_MAX_PORTS][VMST_PC_MAX];
} shadow;
static unsigned long long frames_run, refused, n_local, n_north, n_tagged,
	outcome[VMST_R_MAX], n_uplink_tc, n_uplink_pass, x_run, x_drop, x_local,
	x_north, x_tagged, x_pass, x_too_long, x_rss;

static __u8 frame[FRAME_BUF], out[FRAME_BUF];

const char *const fuzz_name = "fuzz_tap";

static void mismatch(const __u8 *f, size_t len, int from, const char *what)
{
	fprintf(stderr, "fuzz_tap: MISMATCH after %llu frames: %s\n",
		frames_run, what);
	if (f) {
		fprintf(stderr, "frame (%zu bytes) from %s, north %d:\n", len,
			from < 0 ? "the uplink" : port_def[from].name,
			north_state);
		fuzz_hexdump(f, len);
	}
	abort();
}

static const char *reason_str(int r)
{
	return r >= 0 && r < VMST_R_MAX ? vms_reason_labels[r] : "forwarded";
}

/* Every counter of every port against the model. */
static void check_counters(void)
{
	struct vmst_counter rv[ncpus];
	struct vmst_port_stats pv[ncpus];
	static const int pcs[] = {
		VMST_PC_TO_VM_TC_FRAMES,
		VMST_PC_TO_VM_TC_BYTES,
		VMST_PC_FROM_VM_LOCAL_FRAMES,
		VMST_PC_FROM_VM_LOCAL_BYTES,
		VMST_PC_FROM_VM_UPLINK_FRAMES,
		VMST_PC_FROM_VM_UPLINK_BYTES,
		VMST_PC_TO_VM_XDP_FRAMES,
		VMST_PC_TO_VM_XDP_BYTES,
		VMST_PC_FROM_VM_LOCAL_XDP_FRAMES,
		VMST_PC_FROM_VM_LOCAL_XDP_BYTES,
		VMST_PC_FROM_VM_UPLINK_XDP_FRAMES,
		VMST_PC_FROM_VM_UPLINK_XDP_BYTES,
	};
	__u32 key, idx;
	char msg[200];
	int i, r, c;
	size_t k;

	for (i = 0; i < NPORTS; i++) {
		idx = ports[i].idx;
		for (r = 0; r < VMST_RSTATS_ROW; r++) {
			__u64 frames = 0, bytes = 0;

			key = VMST_RSTATS_KEY(idx, r);
			if (bpf_map_lookup_elem(maps.fd[VMS_MAP_RSTATS], &key,
						rv))
				mismatch(NULL, 0, 0, "cannot read vmst_rstats");
			for (c = 0; c < ncpus; c++) {
				frames += rv[c].frames;
				bytes += rv[c].bytes;
			}
			if (frames == shadow.reason[idx][r].frames &&
			    bytes == shadow.reason[idx][r].bytes)
				continue;
			snprintf(msg, sizeof(msg),
				 "port %s %s: %llu frames %llu bytes, model "
				 "%llu frames %llu bytes",
				 port_def[i].name, ref_slot_str(r),
				 (unsigned long long)frames,
				 (unsigned long long)bytes,
				 (unsigned long long)shadow.reason[idx][r]
					 .frames,
				 (unsigned long long)shadow.reason[idx][r]
					 .bytes);
			mismatch(NULL, 0, 0, msg);
		}
		key = idx;
		if (bpf_map_lookup_elem(maps.fd[VMS_MAP_PSTATS], &key, pv))
			mismatch(NULL, 0, 0, "cannot read vmst_pstats");
		for (k = 0; k < sizeof(pcs) / sizeof(pcs[0]); k++) {
			__u64 v = 0;

			for (c = 0; c < ncpus; c++)
				v += pv[c].c[pcs[k]];
			if (v == shadow.pc[idx][pcs[k]])
				continue;
			snprintf(msg, sizeof(msg),
				 "port %s %s: %llu, model %llu",
				 port_def[i].name, vms_pc_labels[pcs[k]],
				 (unsigned long long)v,
				 (unsigned long long)shadow.pc[idx][pcs[k]]);
			mismatch(NULL, 0, 0, msg);
		}
	}
}

static void at_exit(void)
{
	if (!skel)
		return;
	check_counters();
	fprintf(stderr,
		"fuzz_tap: %llu frames, %llu through the tap program and %llu "
		"through the uplink tc program, %llu refused by test_run "
		"(shorter than their Ethernet and IP headers), 0 mismatches; "
		"tap program model: %llu to another VM, %llu to the uplink "
		"(%llu tagged)",
		frames_run, frames_run - refused - n_uplink_tc - n_uplink_pass,
		n_uplink_tc + n_uplink_pass, refused, n_local, n_north,
		n_tagged);
	for (int r = 0; r < VMST_R_MAX; r++)
		if (outcome[r])
			fprintf(stderr, ", %llu %s", outcome[r], reason_str(r));
	fprintf(stderr,
		"; uplink tc program model: %llu into a tap, %llu passed; "
		"tap XDP program: %llu frames (%llu longer than its test run "
		"takes), 0 mismatches: %llu dropped, %llu to another VM, %llu "
		"to the uplink (%llu tagged), %llu left to tc (%llu for a "
		"port with queue steering)\n",
		n_uplink_tc, n_uplink_pass, x_run, x_too_long, x_drop, x_local,
		x_north, x_tagged, x_pass, x_rss);
}

static int run(int fd, const __u8 *f, size_t len, __u32 *retval,
	       size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;

	*retval = opts.retval;
	*out_len = opts.data_size_out;
	return err;
}

/* Reuse the uplink object's maps in a tap program (before its load). */
static int share_maps(struct bpf_object *obj)
{
	struct bpf_map *map;
	int i, err;

	bpf_object__for_each_map(map, obj)
	{
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
		for (i = 0; i < VMS_MAP_N; i++)
			if (!strcmp(bpf_map__name(map), vms_map_table[i].name))
				break;
		if (i < VMS_MAP_N && bpf_map__reuse_fd(map, maps.fd[i]))
			return -1;
	}
	return 0;
}

static void set_north(int state)
{
	struct vmst_north n = {0, 0};
	__u32 zero = 0;

	if (state == north_state)
		return;
	if (state <= 1)
		n = (struct vmst_north){NORTH_IFINDEX, netns};
	else if (state == 3)
		n = (struct vmst_north){NORTH_IFINDEX, OTHER_NETNS};
	if (bpf_map_update_elem(maps.fd[VMS_MAP_NORTH], &zero, &n, BPF_ANY))
		fuzz_die("cannot write vmst_north%s", "");
	/* State 0: the uplink takes XDP frames (vmst_tx entry 0); 1: it is
	 * there, but does not. */
	if (state == 0 && bpf_map_update_elem(maps.fd[VMS_MAP_TX], &zero,
					      &n.ifindex, BPF_ANY))
		fuzz_die("cannot write vmst_tx entry 0%s", "");
	if (state != 0)
		bpf_map_delete_elem(maps.fd[VMS_MAP_TX], &zero);
	north_state = state;
	world.north_ifindex = n.ifindex;
	world.north_netns_ino = n.netns_ino;
	world.north_mtu = n.ifindex ? NORTH_MTU : 0;
}

/* Queue steering on the ports of @mask (bits), off on the others. */
static void set_rss(unsigned int mask)
{
	struct vmst_rss r;
	int i;

	for (i = 0; i < NPORTS; i++) {
		bool on = mask & (1U << i);

		if (on == !!(rss_ports & (1U << i)))
			continue;
		memset(&r, 0, sizeof(r));
		r.flags = on ? VMST_RSS_F_ENABLED : 0;
		if (bpf_map_update_elem(maps.fd[VMS_MAP_RSS], &ports[i].idx, &r,
					BPF_ANY))
			fuzz_die("cannot write vmst_rss%s", "");
		ports[i].rss = on;
	}
	rss_ports = mask;
}

static void add_port(int i)
{
	struct vms_port_spec s = {
		.ifindex = 1, /* lo of this network namespace */
		.netns_ino = port_def[i].other_netns ? OTHER_NETNS : netns,
		.vlan = port_def[i].vlan,
		.mtu = port_mtu[i],
		.trusted = port_def[i].trusted,
	};
	int k;

	snprintf(s.name, sizeof(s.name), "%s", port_def[i].name);
	memcpy(s.mac, port_def[i].mac, 6);
	if (port_trunk[i]) {
		if (vms_parse_vids("trunk", port_trunk[i], &s.vids))
			fuzz_die("bad VIDs: %s", vms_last_error());
		s.trunk = true;
	}
	for (k = 0; k < 3 && port_def[i].ips[k]; k++)
		if (vms_parse_addr(port_def[i].ips[k], &s.addrs[s.naddrs++]))
			fuzz_die("bad address: %s", vms_last_error());
	if (vms_port_upsert(&maps, &s, &ports[i].idx))
		fuzz_die("cannot add a port: %s", vms_last_error());
	ports[i].present = true;
	memcpy(ports[i].mac, s.mac, 6);
	ports[i].vlan = s.vlan;
	ports[i].trusted = s.trusted;
	ports[i].trunk = s.trunk;
	ports[i].vids = s.vids;
	ports[i].netns_ino = s.netns_ino;
	ports[i].mtu = s.mtu;
	ports[i].naddrs = s.naddrs;
	memcpy(ports[i].addrs, s.addrs, sizeof(s.addrs));
}

/* Skeleton @type (@what in messages) as @skel for port @i: opened, told
 * its port, given the shared maps, loaded. */
#define LOAD_PORT_PROG(skel, type, i, what)                      \
	do {                                                     \
		skel = type##__open();                           \
		if (!skel)                                       \
			fuzz_die("cannot open the %s", what);    \
		skel->rodata->port_index = ports[i].idx;         \
		if (share_maps(skel->obj) || type##__load(skel)) \
			fuzz_die("cannot load the %s", what);    \
	} while (0)

static void load_tap(int i)
{
	LOAD_PORT_PROG(tap[i], tap_bpf, i, "tap program");
	/* The skeleton's load maps its .bss, where the observations are. */
	LOAD_PORT_PROG(obs[i], tap_observe_bpf, i, "observed tap program");
	LOAD_PORT_PROG(txdp[i], tap_xdp_bpf, i, "tap XDP program");
}

/* A veth of ifindex @ifindex and MTU @mtu in this network namespace. */
static void make_device(__u32 ifindex, __u32 mtu)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd),
		 "ip link add fzt%u index %u mtu %u type veth peer name "
		 "fzt%up index %u mtu %u",
		 ifindex, ifindex, mtu, ifindex, ifindex + 1000, mtu);
	if (system(cmd))
		fuzz_die("cannot create a device: %s", cmd);
}

/* Give port @i's record an ifindex of its own: redirects name the port. */
static void own_ifindex(int i)
{
	struct vmst_port_cfg cfg;
	__u32 key = ports[i].idx;

	if (bpf_map_lookup_elem(maps.fd[VMS_MAP_PORT_CFG], &key, &cfg))
		fuzz_die("cannot read a port record%s", "");
	cfg.ifindex = ports[i].ifindex = FIRST_IFINDEX + i;
	if (bpf_map_update_elem(maps.fd[VMS_MAP_PORT_CFG], &key, &cfg,
				BPF_EXIST))
		fuzz_die("cannot write a port record%s", "");
}

/*
 * The longest zero frame program @fd takes in test_run (at most @hi
 * bytes), found by bisection from a port that drops everything: each
 * run is counted in the shadow as the program counts it (vm_no_port, in
 * slot @slot of the port's row).
 */
static size_t longest_frame(int fd, __u32 idx, int slot, size_t hi)
{
	size_t lo = 14, out_len;
	__u32 retval;

	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		if (run(fd, frame, mid, &retval, &out_len)) {
			hi = mid - 1;
			continue;
		}
		lo = mid;
		shadow.reason[idx][slot].frames++;
		shadow.reason[idx][slot].bytes += mid;
	}
	return lo;
}

void fuzz_setup(void)
{
	int i;

	ncpus = libbpf_num_possible_cpus();
	netns = vms_netns_ino();
	/* The redirect targets, with their MTUs (a fresh namespace has only
	 * lo: anything else means this is not one of our own). */
	if (system("[ \"$(ip -o link show | wc -l)\" = 1 ]"))
		fuzz_die("run it in a network namespace of its own (%s)",
			 "unshare -n)");
	make_device(NORTH_IFINDEX, NORTH_MTU);
	for (i = 0; i < NPORTS; i++)
		make_device(FIRST_IFINDEX + i, port_mtu[i]);
	skel = fuzz_uplink(&maps);
	for (i = 0; i < NPORTS; i++) {
		add_port(i);
		load_tap(i);
	}
	locals[0].netns_ino = netns;
	locals[1].netns_ino = OTHER_NETNS;
	for (i = 0; i < 2; i++) {
		struct vmst_local_key lk = {.mac48 = vms_mac48(locals[i].mac),
					    .netns_ino = locals[i].netns_ino};
		struct vmst_local lv = {1, VMST_LOCAL_F_DEVICE};

		if (bpf_map_update_elem(maps.fd[VMS_MAP_LOCAL], &lk, &lv,
					BPF_ANY))
			fuzz_die("cannot write vmst_local%s", "");
	}
	for (i = 0; i < NPORTS; i++) {
		if (port_def[i].deleted) {
			if (vms_port_delete(&maps, ports[i].idx))
				fuzz_die("cannot delete a port: %s",
					 vms_last_error());
			ports[i].present = false;
		} else {
			own_ifindex(i);
		}
	}
	/* The uplink skb path, in this network namespace. */
	uptc = uplink_tc_bpf__open();
	uptc_obs = uplink_tc_observe_bpf__open();
	if (!uptc || !uptc_obs)
		fuzz_die("cannot open the uplink tc program%s", "");
	uptc->rodata->netns_ino = uptc_obs->rodata->netns_ino = netns;
	if (share_maps(uptc->obj) || uplink_tc_bpf__load(uptc) ||
	    share_maps(uptc_obs->obj) || uplink_tc_observe_bpf__load(uptc_obs))
		fuzz_die("cannot load the uplink tc program%s", "");
	set_north(0);
	/* The longest frame test_run takes, from a port that drops all. */
	for (i = 0; !port_def[i].deleted; i++)
		;
	memset(frame, 0, sizeof(frame));
	max_len = longest_frame(bpf_program__fd(tap[i]->progs.vmst_tap),
				ports[i].idx, VMST_R_DROP_VM_NO_PORT,
				sizeof(frame));
	if (max_len < 1514)
		fuzz_die("BPF_PROG_TEST_RUN takes too short frames%s", "");
	xdp_max_len = longest_frame(
		bpf_program__fd(txdp[i]->progs.vmst_tap_xdp), ports[i].idx,
		vms_reason_xdp_slot(VMST_R_DROP_VM_NO_PORT), max_len);
	if (xdp_max_len < 1514)
		fuzz_die("BPF_PROG_TEST_RUN takes too short XDP frames%s", "");
	atexit(at_exit);
}

/* ---- seeds ------------------------------------------------------------- */

static void write_seed(const char *dir, __u8 s0, __u8 s1, const __u8 *f,
		       size_t len)
{
	/* Queue steering: on no port, the destination, the sender, all. */
	__u8 sel[3] = {s0, s1, fuzz_seed_no & 3};

	if (len <= SEED_MAX)
		fuzz_write_seed(dir, sel, 3, f, len);
}

/* Frame @i of the tcpdump corpus from a port as it is, and with its
 * addresses; on the uplink, to a port (with its VID), GSO or not. */
static void corpus_seed(const char *dir, size_t i, const __u8 *f, size_t len)
{
	write_seed(dir, i % NPORTS, 0, f, len);
	write_seed(dir, 0x80 | (i % NPORTS), 1 + (i / 2) % NPORTS, f, len);
	write_seed(dir, (i & 1 ? 0x80 : 0) | (i & 2 ? 0x10 : 0),
		   0x80 | (1 + (i / 4) % NPORTS), f, len);
}

static void put16(__u8 *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* Kinds of built frames. */
enum {
	B_ARP,
	B_ARP_PROBE,
	B_IP4_UDP,
	B_IP4_DHCP_DISCOVER,
	B_IP4_DHCP_OFFER,
	B_IP4_FRAG,
	B_IP6_UDP,
	B_IP6_DHCP_ADVERTISE,
	B_IP6_RA,
	B_IP6_NA,
	B_IP6_NS_DAD,
	B_IP6_MLD_HBH,
	B_IP6_FRAG_LATER,
	B_IP6_EXT5,
	B_TAGGED,
	B_OTHER,
	/* Issue 9: tags, link-local, ND options, header chains, sizes. */
	B_TAG_VID0,
	B_TAG_88A8,
	B_TAG_9100,
	B_TAG_TRUNK,
	B_TAG_STACKED,
	B_IP6_LL,
	B_IP6_NS_SLL,
	B_IP6_NA_TLL,
	B_IP6_RS_SLL,
	B_IP6_RA_SLL,
	B_IP6_REDIRECT,
	B_IP6_AH_RA,
	B_IP6_FRAG_PADDED,
	B_IP6_DHCP_FROM_546,
	B_IP6_DHCP_REPLY_TO_547,
	B_IP4_DHCP_OFFER_FROM_68,
	B_OVERSIZE,
	B_N,
};

/* @p's EUI-64 link-local address into @a. */
static void eui64_ll(int p, __u8 a[16])
{
	const __u8 *m = port_def[p].mac;

	memset(a, 0, 16);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = m[0] ^ 2;
	a[9] = m[1];
	a[10] = m[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	memcpy(a + 13, m + 3, 3);
}

/* The kinds from B_TAG_VID0 on. */
static size_t build_more(int kind, int p, __u8 *b)
{
	static const __u8 mc6[6] = {0x33, 0x33, 0, 0, 0, 1};
	size_t l3 = 14, off, ul;
	__u16 tpid = 0x8100, vid = 0;
	int icmp = -1;

	switch (kind) {
	case B_OVERSIZE:
		put16(b + 12, 0x88b5);
		return 2000;
	case B_TAG_88A8:
		tpid = 0x88a8;
		vid = 100;
		break;
	case B_TAG_9100:
		tpid = 0x9100;
		vid = 100;
		break;
	case B_TAG_TRUNK:
		vid = 200;
		break;
	case B_TAG_STACKED:
		vid = 100;
		break;
	}
	if (kind <= B_TAG_STACKED) {
		put16(b + 12, tpid);
		put16(b + 14, vid);
		l3 = 18;
		if (kind == B_TAG_STACKED) {
			put16(b + 16, 0x8100);
			put16(b + 18, 100);
			l3 = 22;
		}
		put16(b + l3 - 2, 0x0800);
		b[l3] = 0x45;
		put16(b + l3 + 2, 46);
		b[l3 + 8] = 64;
		b[l3 + 9] = 17;
		inet_pton(AF_INET, "10.1.0.1", b + l3 + 12);
		inet_pton(AF_INET, "10.1.0.254", b + l3 + 16);
		put16(b + l3 + 20, 1000);
		put16(b + l3 + 22, 2000);
		return l3 + 46;
	}
	if (kind == B_IP4_DHCP_OFFER_FROM_68) {
		memset(b, 0xff, 6);
		put16(b + 12, 0x0800);
		b[l3] = 0x45;
		put16(b + l3 + 2, 46);
		b[l3 + 9] = 17;
		inet_pton(AF_INET, "10.1.0.1", b + l3 + 12);
		memset(b + l3 + 16, 0xff, 4);
		put16(b + l3 + 20, 68);
		put16(b + l3 + 22, 68);
		b[l3 + 28] = 2; /* BOOTREPLY */
		return 60;
	}
	/* IPv6 from the EUI-64 link-local address, to all nodes. */
	memcpy(b, mc6, 6);
	put16(b + 12, 0x86dd);
	b[l3] = 0x60;
	b[l3 + 7] = 255;
	eui64_ll(p, b + l3 + 8);
	inet_pton(AF_INET6, "ff02::1", b + l3 + 24);
	off = l3 + 40;
	b[l3 + 6] = 58;
	switch (kind) {
	case B_IP6_LL:
	case B_IP6_DHCP_FROM_546:
	case B_IP6_DHCP_REPLY_TO_547:
		b[l3 + 6] = 17;
		put16(b + off, kind == B_IP6_LL ? 1000 : 546);
		put16(b + off + 2, kind == B_IP6_LL		 ? 2000
				   : kind == B_IP6_DHCP_FROM_546 ? 546
								 : 547);
		put16(b + off + 4, 24);
		b[off + 8] = 7; /* Reply */
		off += 24;
		break;
	case B_IP6_NS_SLL:
	case B_IP6_NA_TLL:
		icmp = kind == B_IP6_NS_SLL ? 135 : 136;
		ul = 24;
		break;
	case B_IP6_RS_SLL:
		icmp = 133;
		ul = 8;
		break;
	case B_IP6_RA_SLL:
	case B_IP6_AH_RA:
		icmp = 134;
		ul = 16;
		break;
	case B_IP6_REDIRECT:
		icmp = 137;
		ul = 40;
		break;
	case B_IP6_FRAG_PADDED:
		/* RFC 7113's evasion: a first fragment whose payload ends
		 * inside a long destination options header, and a trailer
		 * that reads like a UDP header. */
		b[l3 + 6] = 44;
		b[off] = 60;
		put16(b + off + 2, 1); /* offset 0, more fragments */
		b[off + 8] = 58;
		b[off + 9] = 7; /* 64 bytes */
		put16(b + l3 + 4, 16);
		memset(b + off + 16, 0x11, 48);
		return off + 64;
	}
	if (icmp >= 0) {
		if (kind == B_IP6_AH_RA) {
			b[l3 + 6] = 51;
			b[off] = 58;
			b[off + 1] = 1; /* 12 bytes */
			off += 12;
		}
		b[off] = icmp;
		if (icmp == 135 || icmp == 136)
			inet_pton(AF_INET6, "2001:db8:a::1", b + off + 8);
		off += ul;
		b[off] = icmp == 136 || icmp == 137 ? 2 : 1;
		b[off + 1] = 1;
		memcpy(b + off + 2, port_def[p].mac, 6);
		off += 8;
	}
	put16(b + l3 + 4, off - l3 - 40);
	return off;
}

/* Frame of @kind from port @p (addresses filled in by the selector). */
static size_t build(int kind, int p, __u8 *b)
{
	static const __u8 bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const __u8 mc6[6] = {0x33, 0x33, 0, 0, 0, 1};
	static const __u8 remote[6] = {2, 0, 0, 0, 0xee, 0xee};
	size_t l3 = 14, off, i;

	memset(b, 0, 2100);
	memcpy(b, remote, 6);
	memcpy(b + 6, port_def[p].mac, 6);
	if (kind >= B_TAG_VID0)
		return build_more(kind, p, b);
	switch (kind) {
	case B_ARP:
	case B_ARP_PROBE:
		memcpy(b, bcast, 6);
		put16(b + 12, 0x0806);
		put16(b + l3, 1);
		put16(b + l3 + 2, 0x0800);
		b[l3 + 4] = 6;
		b[l3 + 5] = 4;
		put16(b + l3 + 6, 1);
		memcpy(b + l3 + 8, port_def[p].mac, 6);
		if (kind == B_ARP)
			inet_pton(AF_INET, "10.1.0.1", b + l3 + 14);
		inet_pton(AF_INET, "10.1.0.254", b + l3 + 24);
		return 60;
	case B_IP4_UDP:
	case B_IP4_DHCP_DISCOVER:
	case B_IP4_DHCP_OFFER:
	case B_IP4_FRAG:
		put16(b + 12, 0x0800);
		b[l3] = 0x45;
		put16(b + l3 + 2, 46);
		b[l3 + 8] = 64;
		b[l3 + 9] = 17;
		if (kind == B_IP4_FRAG)
			put16(b + l3 + 6, 0x2000 | 100);
		if (kind != B_IP4_DHCP_DISCOVER)
			inet_pton(AF_INET, "10.1.0.1", b + l3 + 12);
		inet_pton(AF_INET, "10.1.0.254", b + l3 + 16);
		put16(b + l3 + 20, kind == B_IP4_DHCP_DISCOVER ? 68
				   : kind == B_IP4_DHCP_OFFER  ? 67
							       : 1000);
		put16(b + l3 + 22, kind == B_IP4_DHCP_DISCOVER ? 67
				   : kind == B_IP4_DHCP_OFFER  ? 68
							       : 2000);
		if (kind == B_IP4_DHCP_DISCOVER || kind == B_IP4_DHCP_OFFER)
			memcpy(b, bcast, 6);
		return 60;
	case B_TAGGED:
		put16(b + 12, 0x8100);
		put16(b + 14, port_def[p].vlan ? port_def[p].vlan : 10);
		put16(b + 16, 0x0800);
		return 64;
	case B_OTHER:
		put16(b + 12, 0x88b5);
		return 60;
	default:
		break;
	}
	/* IPv6 */
	put16(b + 12, 0x86dd);
	b[l3] = 0x60;
	b[l3 + 7] = 255;
	inet_pton(AF_INET6,
		  kind == B_IP6_NS_DAD || kind == B_IP6_MLD_HBH ? "::"
		  : kind == B_IP6_RA || kind == B_IP6_DHCP_ADVERTISE
			  ? "fe80::1"
			  : "2001:db8:a::1",
		  b + l3 + 8);
	inet_pton(AF_INET6, "ff02::1", b + l3 + 24);
	off = l3 + 40;
	b[l3 + 6] = kind == B_IP6_UDP || kind == B_IP6_DHCP_ADVERTISE ? 17 : 58;
	if (kind == B_IP6_MLD_HBH || kind == B_IP6_EXT5) {
		/* Hop-by-hop headers (8 bytes, PadN) before the upper layer. */
		size_t n = kind == B_IP6_EXT5 ? 5 : 1;

		for (i = 0; i < n; i++) {
			b[off] = i + 1 < n ? 0 : b[l3 + 6];
			b[off + 2] = 1;
			b[off + 3] = 4;
			off += 8;
		}
		b[l3 + 6] = 0;
	}
	if (kind == B_IP6_FRAG_LATER) {
		b[off] = b[l3 + 6];
		b[l3 + 6] = 44;
		put16(b + off + 2, 100 << 3);
		off += 8;
	}
	switch (kind) {
	case B_IP6_UDP:
	case B_IP6_DHCP_ADVERTISE:
		put16(b + off, kind == B_IP6_UDP ? 1000 : 547);
		put16(b + off + 2, kind == B_IP6_UDP ? 2000 : 546);
		break;
	case B_IP6_RA:
		b[off] = 134;
		break;
	case B_IP6_NA:
		b[off] = 136;
		inet_pton(AF_INET6, "2001:db8:a::1", b + off + 8);
		break;
	case B_IP6_NS_DAD:
		b[off] = 135;
		break;
	default:
		b[off] = 143;
		break;
	}
	memcpy(b, kind == B_IP6_UDP ? remote : mc6, 6);
	off += 24;
	put16(b + l3 + 4, off - l3 - 40);
	return off < 60 ? 60 : off;
}

static void seeds_built(const char *dir)
{
	static const int up_kinds[] = {B_IP4_UDP, B_IP6_UDP, B_TAGGED, B_OTHER};
	static const size_t up_lens[] = {0, 590, 1514, 1518, 1600, 2000};
	int p, k, d, fix;
	size_t li, len;

	/* Frames on the uplink for each port, of sizes around its MTU. */
	for (p = 0; p < NPORTS; p++)
		for (k = 0; k < 4; k++)
			for (li = 0; li < 6; li++)
				for (fix = 0; fix < 2; fix++) {
					len = build(up_kinds[k], p, frame);
					if (up_lens[li] > len) {
						memset(frame + len, 0,
						       up_lens[li] - len);
						len = up_lens[li];
					}
					write_seed(dir, 0x80 | (fix ? 0x10 : 0),
						   0x80 | (p + 1), frame, len);
				}

	for (p = 0; p < NPORTS; p++)
		for (k = 0; k < B_N; k++)
			for (fix = 0; fix < 2; fix++)
				for (d = 0; d <= NPORTS; d += fix ? 1 : 3)
					write_seed(dir, p | (fix ? 0x80 : 0),
						   d | (fix ? 0x40 : 0), frame,
						   build(k, p, frame));
}

void fuzz_seeds(const char *dir)
{
	fuzz_corpus_seeds(dir, corpus_seed);
	seeds_built(dir);
}

/* Write address @which of @p's family @family at @to (4 or 16 bytes). */
static void put_addr(const struct ref_tx_port *p, int family, int which,
		     __u8 *to)
{
	__u32 i, n = 0;

	for (i = 0; i < p->naddrs; i++)
		if (p->addrs[i].family == family && n++ == (__u32)which % 3)
			break;
	if (i == p->naddrs)
		for (i = 0; i < p->naddrs; i++)
			if (p->addrs[i].family == family)
				break;
	if (i < p->naddrs)
		memcpy(to, p->addrs[i].addr, family == VMST_AF_INET ? 4 : 16);
}

/* The ports with queue steering for selector @sel (byte 2 bits 0..1),
 * destination selector @k (byte 1 bits 0..3), from port @from. */
static unsigned int rss_mask(int k, int from, int sel)
{
	switch (sel) {
	case 1:
		return k >= 1 && k <= NPORTS ? 1U << (k - 1) : 0;
	case 2:
		return 1U << from;
	case 3:
		return (1U << NPORTS) - 1;
	default:
		return 0;
	}
}

/* The selector's rewrites of the frame. */
static void rewrite(__u8 s0, __u8 s1, int from, size_t len)
{
	const struct ref_tx_port *p = &ports[from];
	int which = (s1 >> 4) & 3, k = s1 & 15;
	unsigned int type;
	size_t nh, off;

	if (!(s0 & 0x10) && len >= 12)
		memcpy(frame + 6, port_def[from].mac, 6);
	if (k >= 1 && k <= NPORTS && len >= 6)
		memcpy(frame, port_def[k - 1].mac, 6);
	else if (k > NPORTS && k <= NPORTS + 2 && len >= 6)
		memcpy(frame, locals[k - NPORTS - 1].mac, 6); /* host-local */
	if (len < 14)
		return;
	type = (frame[12] << 8) | frame[13];
	if ((s0 & 0x80) && type == 0x0806 && len >= 14 + 28) {
		memcpy(frame + 14 + 8, port_def[from].mac, 6);
		put_addr(p, VMST_AF_INET, which, frame + 14 + 14);
	} else if ((s0 & 0x80) && type == 0x0800 && len >= 14 + 20) {
		put_addr(p, VMST_AF_INET, which, frame + 14 + 12);
	} else if (type == 0x86dd && len >= 14 + 40) {
		if ((s0 & 0x80) && which == 3)
			eui64_ll(from, frame + 14 + 8);
		else if (s0 & 0x80)
			put_addr(p, VMST_AF_INET6, which, frame + 14 + 8);
		/* ND right after the header: an NA's target, the first
		 * option's link-layer address. */
		nh = frame[14 + 6];
		off = 14 + 40;
		if ((s1 & 0x40) && nh == 58 && len >= off + 24 &&
		    frame[off] == 136) {
			if (which == 3)
				eui64_ll(from, frame + off + 8);
			else
				put_addr(p, VMST_AF_INET6, which,
					 frame + off + 8);
		}
		if (!(s0 & 0x10) && nh == 58 && len > off &&
		    frame[off] >= 133 && frame[off] <= 137) {
			size_t o = off + (frame[off] == 133   ? 8
					  : frame[off] == 134 ? 16
					  : frame[off] == 137 ? 40
							      : 24);

			if (len >= o + 8 && (frame[o] == 1 || frame[o] == 2))
				memcpy(frame + o + 2, port_def[from].mac, 6);
		}
	}
}

/*
 * BPF_PROG_TEST_RUN refuses a frame shorter than its Ethernet header, and
 * an IPv4 or IPv6 one shorter than its IP header (a VM can send those: the
 * model says what happens to them, but the tap program cannot be shown
 * them here).
 */
static bool test_run_refuses(const __u8 *f, size_t len)
{
	unsigned int type;

	if (len < 14)
		return true;
	type = (f[12] << 8) | f[13];
	return (type == 0x0800 && len < 14 + 20) ||
	       (type == 0x86dd && len < 14 + 40);
}

/*
 * A frame on the uplink, through the uplink tc program (byte 1 bit 7):
 * byte 0 bit 4 makes it GSO, bit 7 sets the VID of an 802.1Q tag to the
 * destination port's VLAN.
 */
static void uplink_frame(const uint8_t *data, size_t len)
{
	struct __sk_buff ctx = {.gso_size = 1448, .gso_segs = 1};
	bool gso = data[0] & 0x10;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	struct uplink_tc_observe_bpf__bss *o = uptc_obs->bss;
	static __u8 want[FRAME_BUF];
	struct ref_tx_result res;
	size_t want_len, out_len;
	__u32 retval, want_v;
	__u64 runs_before;
	int k = data[1] & 15, err;
	char msg[300];

	if (k >= 1 && k <= NPORTS && len >= 6)
		memcpy(frame, port_def[k - 1].mac, 6);
	if (k >= 1 && k <= NPORTS && (data[0] & 0x80) && len >= 16 &&
	    frame[12] == 0x81 && frame[13] == 0 && port_def[k - 1].vlan) {
		frame[14] = (frame[14] & 0xf0) | port_def[k - 1].vlan >> 8;
		frame[15] = port_def[k - 1].vlan & 0xff;
	}
	if (gso) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(
		      bpf_program__fd(uptc->progs.vmst_uplink_tc), &opts)
		      ? -errno
		      : 0;
	frames_run++;
	if (test_run_refuses(frame, len)) {
		if (err != -EINVAL)
			mismatch(frame, len, -1,
				 "test run did not refuse (EINVAL) a frame "
				 "shorter than its Ethernet and IP headers");
		refused++;
		return;
	}
	if (err) {
		snprintf(msg, sizeof(msg), "uplink: test run failed: %s",
			 strerror(-err));
		mismatch(frame, len, -1, msg);
	}
	retval = opts.retval;
	out_len = opts.data_size_out;
	ref_uplink_tc_decide(&world, netns, frame, len, gso, &res, want,
			     &want_len);
	want_v = res.verdict == REF_TX_PASS ? TC_ACT_OK : TC_ACT_REDIRECT;
	if (retval != want_v) {
		snprintf(msg, sizeof(msg), "uplink%s: verdict %u, model %u",
			 gso ? " (GSO)" : "", retval, want_v);
		mismatch(frame, len, -1, msg);
	}
	if (out_len != want_len || memcmp(out, want, want_len)) {
		snprintf(msg, sizeof(msg),
			 "uplink%s: %zu bytes out, model %zu, or other bytes",
			 gso ? " (GSO)" : "", out_len, want_len);
		mismatch(frame, len, -1, msg);
	}
	/* The same source in its wrapper, for the target. */
	runs_before = o->obs_runs;
	opts.data_size_out = sizeof(out);
	err = bpf_prog_test_run_opts(
		      bpf_program__fd(uptc_obs->progs.vmst_uplink_tc_observed),
		      &opts)
		      ? -errno
		      : 0;
	if (err || o->obs_runs != runs_before + 1 || opts.retval != retval ||
	    o->obs_vlan_proto ||
	    (res.verdict == REF_TX_REDIRECT &&
	     (!o->obs_redirected || o->obs_redirect_ifindex != res.ifindex ||
	      o->obs_redirect_flags))) {
		snprintf(msg, sizeof(msg),
			 "uplink: the observed program (err %d) returned %u "
			 "(the program %u), redirect %u to %u flags %u, tag "
			 "%x; model: ifindex %u",
			 err, opts.retval, retval, o->obs_redirected,
			 o->obs_redirect_ifindex, o->obs_redirect_flags,
			 o->obs_vlan_proto, res.ifindex);
		mismatch(frame, len, -1, msg);
	}
	if (res.verdict == REF_TX_REDIRECT) {
		n_uplink_tc++;
		shadow.pc[ports[res.to].idx][VMST_PC_TO_VM_TC_FRAMES] += 2;
		shadow.pc[ports[res.to].idx][VMST_PC_TO_VM_TC_BYTES] +=
			2 * res.bytes;
	} else {
		n_uplink_pass++;
	}
	if (frames_run % COUNTER_EVERY == 0)
		check_counters();
}

/*
 * The frame (len bytes) from port @from through its tap XDP program,
 * against the model's XDP view of it.
 */
static void xdp_frame(int from, size_t len)
{
	static __u8 want_out[FRAME_BUF + 4];
	struct ref_tx_result res;
	size_t out_len, want_len = len;
	__u32 retval, want;
	char msg[300];
	int err;

	if (len > xdp_max_len) {
		x_too_long++;
		return;
	}
	err = run(bpf_program__fd(txdp[from]->progs.vmst_tap_xdp), frame, len,
		  &retval, &out_len);
	x_run++;
	if (err) {
		snprintf(msg, sizeof(msg), "XDP test run failed: %s",
			 strerror(-err));
		mismatch(frame, len, from, msg);
	}
	ref_tx_xdp_decide(&world, from, frame, len, north_state == 0, &res);
	want = res.verdict == REF_TX_PASS   ? XDP_PASS
	       : res.verdict == REF_TX_DROP ? XDP_DROP
					    : XDP_REDIRECT;
	if (retval != want) {
		snprintf(msg, sizeof(msg), "XDP verdict %u, model %u (%s)",
			 retval, want, reason_str(res.reason));
		mismatch(frame, len, from, msg);
	}
	if (res.verdict == REF_TX_DROP) {
		int slot = vms_reason_xdp_slot(res.reason);

		x_drop++;
		shadow.reason[ports[from].idx][slot].frames++;
		shadow.reason[ports[from].idx][slot].bytes += res.bytes;
		return;
	}
	memcpy(want_out, frame, len);
	if (res.verdict == REF_TX_REDIRECT && res.tag_tci) {
		memcpy(want_out, frame, 12);
		want_out[12] = 0x81;
		want_out[13] = 0;
		want_out[14] = res.tag_tci >> 8;
		want_out[15] = res.tag_tci;
		memcpy(want_out + 16, frame + 12, len - 12);
		want_len = len + 4;
	}
	if (out_len != want_len || memcmp(out, want_out, want_len)) {
		snprintf(msg, sizeof(msg),
			 "XDP frame out: %zu bytes, model %zu (%s)", out_len,
			 want_len,
			 res.verdict == REF_TX_PASS ? "left to tc"
						    : "forwarded");
		mismatch(frame, len, from, msg);
	}
	if (res.verdict == REF_TX_PASS) {
		x_pass++;
	} else if (res.local) {
		x_local++;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_LOCAL_XDP_FRAMES]++;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_LOCAL_XDP_BYTES] +=
			res.bytes;
		shadow.pc[ports[res.to].idx][VMST_PC_TO_VM_XDP_FRAMES]++;
		shadow.pc[ports[res.to].idx][VMST_PC_TO_VM_XDP_BYTES] +=
			res.bytes;
	} else {
		x_north++;
		x_tagged += !!res.tag_tci;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_UPLINK_XDP_FRAMES]++;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_UPLINK_XDP_BYTES] +=
			res.bytes;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ref_tx_result res;
	struct tap_observe_bpf__bss *o;
	__u32 oretval;
	size_t len, out_len;
	__u64 runs_before;
	__u32 retval, want;
	bool out_changed = false;
	int from, err;
	char msg[300];

	if (size < 3)
		return 0;
	len = size - 3;
	if (len > max_len)
		len = max_len;
	memcpy(frame, data + 3, len);
	if (data[1] & 0x80) {
		uplink_frame(data, len);
		return 0;
	}
	from = (data[0] & 15) % NPORTS;
	set_north((data[0] >> 5) & 3);
	set_rss(rss_mask(data[1] & 15, from, data[2] & 3));
	rewrite(data[0], data[1], from, len);

	o = obs[from]->bss;
	runs_before = o->obs_runs;
	err = run(bpf_program__fd(tap[from]->progs.vmst_tap), frame, len,
		  &retval, &out_len);
	frames_run++;
	if (test_run_refuses(frame, len)) {
		if (err != -EINVAL)
			mismatch(frame, len, from,
				 "test run did not refuse (EINVAL) a frame "
				 "shorter than its Ethernet and IP headers");
		refused++;
		return 0;
	}
	if (err) {
		snprintf(msg, sizeof(msg), "test run failed: %s",
			 strerror(-err));
		mismatch(frame, len, from, msg);
	}
	if (memcmp(out, frame, len) || out_len != len)
		out_changed = true;
	/* The same source in its wrapper, for the target and the tag. */
	err = run(bpf_program__fd(obs[from]->progs.vmst_tap_observed), frame,
		  len, &oretval, &out_len);
	if (err || o->obs_runs != runs_before + 1 || oretval != retval) {
		snprintf(msg, sizeof(msg),
			 "the observed tap program (err %d) returned %u, the "
			 "tap program %u",
			 err, oretval, retval);
		mismatch(frame, len, from, msg);
	}

	ref_tx_decide(&world, from, frame, len, &res);
	want = res.verdict == REF_TX_PASS   ? TC_ACT_OK
	       : res.verdict == REF_TX_DROP ? TC_ACT_SHOT
					    : TC_ACT_REDIRECT;
	if (retval != want) {
		snprintf(msg, sizeof(msg), "verdict %u, model %u (%s)", retval,
			 want, reason_str(res.reason));
		mismatch(frame, len, from, msg);
	}
	if (res.verdict == REF_TX_REDIRECT &&
	    (!o->obs_redirected || o->obs_redirect_ifindex != res.ifindex ||
	     o->obs_redirect_flags)) {
		snprintf(msg, sizeof(msg),
			 "redirect to ifindex %u (flags %u, %s), model %u",
			 o->obs_redirect_ifindex, o->obs_redirect_flags,
			 o->obs_redirected ? "set" : "never set", res.ifindex);
		mismatch(frame, len, from, msg);
	}
	if (res.verdict != REF_TX_DROP &&
	    (o->obs_vlan_proto != (res.tag_tci ? 0x8100u : 0) ||
	     o->obs_vlan_tci != res.tag_tci)) {
		snprintf(msg, sizeof(msg),
			 "tag %04x/%u left on the skb, model %s%u (%s)",
			 o->obs_vlan_proto, o->obs_vlan_tci,
			 res.tag_tci ? "8100/" : "none ", res.tag_tci,
			 reason_str(res.reason));
		mismatch(frame, len, from, msg);
	}
	if (res.verdict != REF_TX_DROP &&
	    (out_changed || out_len != len || o->obs_len != len ||
	     memcmp(out, frame, len))) {
		snprintf(msg, sizeof(msg),
			 "frame changed: %zu bytes out (skb %u), %zu in (%s)",
			 out_len, o->obs_len, len, reason_str(res.reason));
		mismatch(frame, len, from, msg);
	}

	/* Both programs counted it. */
	res.bytes *= 2;
	if (res.reason >= 0) {
		outcome[res.reason]++;
		shadow.reason[ports[from].idx][res.reason].frames += 2;
		shadow.reason[ports[from].idx][res.reason].bytes += res.bytes;
	} else if (res.local) {
		n_local++;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_LOCAL_FRAMES] += 2;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_LOCAL_BYTES] +=
			res.bytes;
		shadow.pc[ports[res.to].idx][VMST_PC_TO_VM_TC_FRAMES] += 2;
		shadow.pc[ports[res.to].idx][VMST_PC_TO_VM_TC_BYTES] +=
			res.bytes;
	} else {
		n_north++;
		n_tagged += !!res.tag_tci;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_UPLINK_FRAMES] += 2;
		shadow.pc[ports[from].idx][VMST_PC_FROM_VM_UPLINK_BYTES] +=
			res.bytes;
	}
	if (res.verdict == REF_TX_REDIRECT && res.local && ports[res.to].rss &&
	    len <= xdp_max_len)
		x_rss++;
	xdp_frame(from, len);
	if (frames_run % COUNTER_EVERY == 0)
		check_counters();
	return 0;
}
