// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the uplink XDP program: random and mutated frames
 * through BPF_PROG_TEST_RUN, each compared with the reference model of the
 * forwarding decision (tests/unit/refmodel.c): verdict and bytes out per
 * frame, and every counter (reasons, frames and bytes per port) every
 * COUNTER_EVERY frames and at exit. Any difference aborts with the frame
 * (libFuzzer keeps it as a crash-* reproducer).
 *
 * The program is loaded privately (nothing pinned or attached) with a fixed
 * set of ports, added through the library (vms_port_upsert) with the
 * loopback as their redirect target: run it in a network namespace of its
 * own (unshare -n). Input: one selector byte, then the frame. Selector bits
 * 0..2 and 4 = k: 0 leaves the frame alone, 1..NPORTS write port k-1's MAC
 * as its destination; bit 3 (with k) sets the VID of an 802.1Q outer tag
 * to that port's VLAN. So mutations reach every path: forwarded, steered
 * to a CPU, too big, no target, and every reason to pass.
 *
 *   VMSTEER_FUZZ_SEEDS=DIR fuzz_packet   write the seeds (the tcpdump
 *        corpus, $VMSTEER_CORPUS or ../shared/corpus, and built frames)
 *   unshare -n fuzz_packet -runs=N DIR   fuzz (tests/netns/test_fuzz_packet.sh,
 *        make fuzz)
 */
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

#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/rss.h"
#include "load/toeplitz.h"
#include "util/log.h"
#include "util/netdev.h"
#include "uplink.skel.h"
#include "fuzz/fuzzlib.h"
#include "unit/corpus.h"
#include "unit/frames.h"
#include "unit/refmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counters are compared with the model every this many frames. */
#define COUNTER_EVERY 4096
#define NPORTS	      8
/* Longest seed written (frames past it are cut by libFuzzer anyway). */
#define SEED_MAX 9216

static const struct {
	const char *name;
	__u8 mac[6];
	__u16 vlan;
	__u32 mtu;
	bool target;
	const char *rss_types; /* XDP queue steering over 2 queues */
	const char *rss_key;   /* its key (NULL: the default one) */
} port_def[NPORTS] = {
	{"fz-untagged", {0x02, 0x5e, 0x10, 0, 0, 1}, 0, 1500, true, NULL, NULL},
	/* The same MAC on a VLAN: the VLAN tells them apart. */
	{"fz-vlan100",
	 {0x02, 0x5e, 0x10, 0, 0, 1},
	 100,
	 1500,
	 true,
	 NULL,
	 NULL},
	{"fz-notarget",
	 {0x02, 0x5e, 0x10, 0, 0, 2},
	 200,
	 9000,
	 false,
	 NULL,
	 NULL},
	{"fz-notarget0",
	 {0x02, 0x5e, 0x10, 0, 0, 3},
	 0,
	 1500,
	 false,
	 NULL,
	 NULL},
	{"fz-tiny", {0x02, 0x5e, 0x10, 0, 0, 4}, 4094, 68, true, NULL, NULL},
	{"fz-vlan1", {0x02, 0x5e, 0x10, 0, 0, 5}, 1, 576, true, NULL, NULL},
	/*
	 * XDP queue steering: the CPUMAP has an entry for CPU 1 only, so a
	 * frame whose flow the model puts on queue 1 is redirected to it as
	 * it is; on queue 0 it is delivered straight: tag removed, or (no
	 * target) passed. Either way the verdict or the bytes tell the queue.
	 */
	{"fz-steer",
	 {0x02, 0x5e, 0x10, 0, 0, 6},
	 0,
	 1500,
	 false,
	 "ipv4,tcpv4,udpv4,ipv6,tcpv6,udpv6",
	 NULL},
	{"fz-steer300",
	 {0x02, 0x5e, 0x10, 0, 0, 7},
	 300,
	 1500,
	 true,
	 "tcpv4,ipv6,udpv6",
	 /* another key: two key slots (vmst_rss_lut), each port on its own */
	 "3c:a1:07:5e:92:d4:18:6b:f0:2d:55:c3:8e:71:0a:b9:44:e6:29:7f:"
	 "d8:13:6c:a5:f2:3b:90:4e:c7:61:1d:8a:b5:02:7e:e9:34:5f:c0:96"},
};

static struct uplink_bpf *skel;
static struct vms_maps maps;
static struct ref_port ports[NPORTS];
static int prog_fd = -1, ncpus;
static __u64 cpumap_cpus; /* CPUs with a CPUMAP entry (bits) */
static size_t linear_max; /* bytes test_run puts in the first buffer */

/* The model's counters, and what has been run. */
static struct {
	/* By slot of the port's vmst_rstats row (vms_reason_xdp_slot). */
	struct vmst_counter reason[VMST_MAX_PORTS][VMST_RSTATS_ROW];
	struct vmst_counter fwd[VMST_MAX_PORTS];
} shadow;
static unsigned long long frames_run, refused, outcome[VMST_R_MAX + 1], steered;

static __u8 frame[FRAME_MAX], out[FRAME_MAX], want[FRAME_MAX];

const char *const fuzz_name = "fuzz_packet";

static void mismatch(const __u8 *f, size_t len, const char *what)
{
	fprintf(stderr, "fuzz_packet: MISMATCH after %llu frames: %s\n",
		frames_run, what);
	if (f) {
		fprintf(stderr, "frame (%zu bytes):\n", len);
		fuzz_hexdump(f, len);
	}
	abort();
}

/* Every counter of the ports in play, and of port 0, against the model. */
static void check_counters(void)
{
	struct vmst_counter rv[ncpus];
	struct vmst_port_stats pv[ncpus];
	__u32 list[NPORTS + 1], key;
	char msg[200];
	int i, r, c;

	list[0] = 0;
	for (i = 0; i < NPORTS; i++)
		list[i + 1] = ports[i].idx;
	for (i = 0; i <= NPORTS; i++) {
		__u64 frames = 0, bytes = 0;

		for (r = 0; r < VMST_RSTATS_ROW; r++) {
			key = VMST_RSTATS_KEY(list[i], r);
			if (bpf_map_lookup_elem(maps.fd[VMS_MAP_RSTATS], &key,
						rv))
				mismatch(NULL, 0, "cannot read vmst_rstats");
			frames = bytes = 0;
			for (c = 0; c < ncpus; c++) {
				frames += rv[c].frames;
				bytes += rv[c].bytes;
			}
			if (frames != shadow.reason[list[i]][r].frames ||
			    bytes != shadow.reason[list[i]][r].bytes) {
				snprintf(msg, sizeof(msg),
					 "port %u %s: %llu frames %llu bytes, "
					 "model %llu frames %llu bytes",
					 list[i], ref_slot_str(r),
					 (unsigned long long)frames,
					 (unsigned long long)bytes,
					 (unsigned long long)shadow
						 .reason[list[i]][r]
						 .frames,
					 (unsigned long long)shadow
						 .reason[list[i]][r]
						 .bytes);
				mismatch(NULL, 0, msg);
			}
		}
		key = list[i];
		if (bpf_map_lookup_elem(maps.fd[VMS_MAP_PSTATS], &key, pv))
			mismatch(NULL, 0, "cannot read vmst_pstats");
		frames = bytes = 0;
		for (c = 0; c < ncpus; c++) {
			frames += pv[c].c[VMST_PC_TO_VM_XDP_FRAMES];
			bytes += pv[c].c[VMST_PC_TO_VM_XDP_BYTES];
		}
		if (frames != shadow.fwd[list[i]].frames ||
		    bytes != shadow.fwd[list[i]].bytes) {
			snprintf(msg, sizeof(msg),
				 "port %u to_vm_xdp: %llu frames %llu bytes, "
				 "model %llu frames %llu bytes",
				 list[i], (unsigned long long)frames,
				 (unsigned long long)bytes,
				 (unsigned long long)shadow.fwd[list[i]].frames,
				 (unsigned long long)shadow.fwd[list[i]].bytes);
			mismatch(NULL, 0, msg);
		}
	}
}

static void at_exit(void)
{
	if (prog_fd < 0)
		return;
	check_counters();
	fprintf(stderr,
		"fuzz_packet: %llu frames, %llu through the program, %llu "
		"refused by test_run (under 14 bytes), 0 mismatches; model: "
		"%llu forwarded (%llu of them to a CPU of their RSS queue%s)",
		frames_run, frames_run - refused, refused, outcome[VMST_R_MAX],
		steered,
		cpumap_cpus ? "" : "; queues unchecked: 1 possible CPU");
	for (int r = 0; r < VMST_R_MAX; r++)
		fprintf(stderr, ", %llu %s", outcome[r], ref_reason_str(r));
	fprintf(stderr, "\n");
}

void fuzz_setup(void)
{
	struct xdp_run r;
	int i;

	ncpus = libbpf_num_possible_cpus();
	skel = fuzz_uplink(&maps);
	prog_fd = bpf_program__fd(skel->progs.vmst_uplink);
	/* XDP steering: a CPUMAP entry for CPU 1. A host with one possible
	 * CPU has no CPU 1: its steered ports fall back, and the summary
	 * says the queues went unchecked. */
	if (ncpus > 1) {
		struct bpf_cpumap_val cv = {.qsize = 64};
		__u32 cpu = 1;

		if (bpf_map_update_elem(maps.fd[VMS_MAP_CPUMAP], &cpu, &cv,
					BPF_ANY))
			fuzz_die("cannot add the CPUMAP entry of CPU 1: %s",
				 strerror(errno));
		cpumap_cpus = 1ULL << cpu;
	}
	for (i = 0; i < NPORTS; i++) {
		struct vms_port_spec s = {
			.ifindex = 1, /* lo of this network namespace */
			.netns_ino = vms_netns_ino(),
			.vlan = port_def[i].vlan,
			.mtu = port_def[i].mtu,
			.xdp_steer = !!port_def[i].rss_types,
		};

		snprintf(s.name, sizeof(s.name), "%s", port_def[i].name);
		memcpy(s.mac, port_def[i].mac, 6);
		if (vms_port_upsert(&maps, &s, &ports[i].idx))
			fuzz_die("cannot add a port: %s", vms_last_error());
		memcpy(ports[i].mac, s.mac, 6);
		ports[i].vlan = s.vlan;
		ports[i].mtu = s.mtu;
		ports[i].has_target = port_def[i].target;
		if (port_def[i].rss_types) {
			struct vmst_rss *r = &ports[i].rss;

			vms_rss_default(r, 2);
			if (vms_rss_parse_types("rss types",
						port_def[i].rss_types,
						&r->hash_types) ||
			    (port_def[i].rss_key &&
			     vms_rss_parse_key("rss key", port_def[i].rss_key,
					       r->key)) ||
			    vms_rss_write(&maps, ports[i].idx, r))
				fuzz_die("cannot set RSS: %s",
					 vms_last_error());
			ports[i].xdp_steer = true;
			ports[i].cpumap_cpus = cpumap_cpus;
		}
		if (!port_def[i].target &&
		    bpf_map_delete_elem(maps.fd[VMS_MAP_TX], &ports[i].idx))
			fuzz_die("cannot delete a redirect target%s", "");
	}
	/* The first buffer's size: a long broadcast frame shows it. */
	memset(frame, 0xff, 16384);
	r = xdp_test_run(prog_fd, frame, 16384, out);
	if (r.err || r.linear < 1514)
		fuzz_die("cannot probe BPF_PROG_TEST_RUN%s", "");
	linear_max = r.linear;
	shadow.reason[0][VMST_R_PASS_MULTICAST].frames++; /* that frame */
	shadow.reason[0][VMST_R_PASS_MULTICAST].bytes += 16384;
	atexit(at_exit);
}

/* ---- seeds ------------------------------------------------------------- */

static void write_seed(const char *dir, __u8 sel, const __u8 *f, size_t len)
{
	if (len <= SEED_MAX)
		fuzz_write_seed(dir, &sel, 1, f, len);
}

/* The selector that writes port @p's MAC (and VID when @vid). */
static __u8 sel_of(int p, bool vid)
{
	int k = p + 1;

	return (k & 7) | ((k & 8) << 1) | (vid ? 8 : 0);
}

/* Frame @i of the tcpdump corpus as it is, and with a port's address
 * (and VID). */
static void corpus_seed(const char *dir, size_t i, const __u8 *f, size_t len)
{
	write_seed(dir, 0, f, len);
	write_seed(dir, sel_of(i % NPORTS, i & 1), f, len);
}

/* Built frames: every port, every tag shape, three payloads, sizes. */
static void seeds_built(const char *dir)
{
	static const size_t lens[] = {0, 60, 590, 1514, 1518, 1522, 4000};
	int p, t, l3, li;

	for (p = 0; p < NPORTS; p++)
		for (t = 0; t < 6; t++)
			for (l3 = 0; l3 < 3; l3++)
				for (li = 0; li < 7; li++) {
					struct frame_spec s = {.l3 = l3};
					__u16 v = port_def[p].vlan;

					memcpy(s.dst, port_def[p].mac, 6);
					memcpy(s.src, MAC_REMOTE, 6);
					s.len = lens[li];
					s.ntags = t == 0 ? 0 : t < 4 ? 1 : 2;
					s.tags[0] = t == 1   ? tag_q(v)
						    : t == 2 ? tag_q(0)
						    : t == 3 ? tag_ad(v)
							     : tag_q(v);
					s.tags[1] = tag_q(t == 4 ? v : 4095);
					write_seed(dir, 0, frame,
						   frame_build(&s, frame));
				}
}

void fuzz_seeds(const char *dir)
{
	fuzz_corpus_seeds(dir, corpus_seed);
	seeds_built(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ref_result res;
	struct xdp_run r;
	size_t len, k;
	char msg[300];

	if (!size)
		return 0;
	len = size - 1;
	if (len > FRAME_MAX)
		len = FRAME_MAX;
	memcpy(frame, data + 1, len);
	k = (data[0] & 7) | ((data[0] & 0x10) >> 1);
	if (k >= 1 && k <= NPORTS && len >= 6) {
		memcpy(frame, port_def[k - 1].mac, 6);
		if ((data[0] & 8) && len >= 16 && frame[12] == 0x81 &&
		    frame[13] == 0x00 && port_def[k - 1].vlan) {
			frame[14] = (frame[14] & 0xf0) |
				    (port_def[k - 1].vlan >> 8);
			frame[15] = port_def[k - 1].vlan & 0xff;
		}
	}

	r = xdp_test_run(prog_fd, frame, len, out);
	frames_run++;
	if (len < 14) {
		/* The kernel never shows the program such a frame. */
		if (r.err != -EINVAL)
			mismatch(frame, len,
				 "a frame under 14 bytes: test "
				 "run did not refuse it (EINVAL)");
		refused++;
		return 0;
	}
	if (r.err) {
		snprintf(msg, sizeof(msg), "test run failed: %s",
			 strerror(-r.err));
		mismatch(frame, len, msg);
	}
	ref_decide(frame, len, len < linear_max ? len : linear_max, ports,
		   NPORTS, &res, want);
	outcome[res.reason < 0 ? VMST_R_MAX : res.reason]++;
	steered += res.queue >= 0;
	if (r.verdict != res.verdict) {
		snprintf(msg, sizeof(msg), "verdict %u, model %u (%s, port %u)",
			 r.verdict, res.verdict, ref_reason_str(res.reason),
			 res.port);
		mismatch(frame, len, msg);
	}
	if (res.verdict != XDP_DROP &&
	    (r.out_len != res.out_len || memcmp(out, want, res.out_len))) {
		snprintf(msg, sizeof(msg),
			 "output of %zu bytes differs from the model's %zu "
			 "(%s, port %u)",
			 r.out_len, res.out_len, ref_reason_str(res.reason),
			 res.port);
		mismatch(frame, len, msg);
	}
	if (res.reason < 0) {
		shadow.fwd[res.port].frames++;
		shadow.fwd[res.port].bytes += res.bytes;
	} else {
		int slot = vms_reason_xdp_slot(res.reason);

		shadow.reason[res.port][slot].frames++;
		shadow.reason[res.port][slot].bytes += res.bytes;
	}
	if (frames_run % COUNTER_EVERY == 0)
		check_counters();
	return 0;
}
