// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus metrics of a pinned state (text exposition format 0.0.4).
 *
 * Label sets are chosen so that paths to come slot in without renaming:
 * per-port traffic carries direction ("to_vm" today) and path ("xdp"
 * today), so a tc program on the tap (direction "from_vm", path "tc")
 * adds series, not families. Untagged ports have vlan="0", as in the FDB
 * key. Frames passed or dropped before any port was found have tap="".
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "metrics/metrics.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/info.h"
#include "load/progs.h"
#include "load/rss.h"
#include "load/tapxdp.h"
#include "load/tc.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

size_t vms_prom_escape(char *out, size_t len, const char *s)
{
	size_t n = 0, w = 0;
	bool full = !len;

	for (; *s; s++) {
		const char *rep = NULL;
		size_t k;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '"')
			rep = "\\\"";
		else if (*s == '\n')
			rep = "\\n";
		k = rep ? 2 : 1;
		/* Only whole escapes, and room for the NUL. */
		if (!full && w + k < len) {
			memcpy(out + w, rep ? rep : s, k);
			w += k;
		} else {
			full = true;
		}
		n += k;
	}
	if (len)
		out[w] = '\0';
	return n;
}

void vms_prom_write_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* The start of info series @name: its name and first label @label,
 * whose value @value is escaped (the caller adds the others and "} 1"). */
static void info_start(FILE *f, const char *name, const char *label,
		       const char *value)
{
	fprintf(f, "%s{%s=\"", name, label);
	vms_prom_write_label_value(f, value);
	fputc('"', f);
}

void vms_prom_family(FILE *f, const char *name, const char *type,
		     const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* The programs of a state: per uplink its XDP and tc programs, the tap
 * and steering programs the namespace's taps share, the CPUMAP programs
 * (one, unless an upgrade left older ones on some CPUs), tracing programs.
 */
#define MAX_PROGS (2 * VMST_MAX_UPLINKS + 64)

/* Everything a scrape shows, read before anything is written. */
struct snapshot {
	const struct vmst_port_cfg *cfg; /* vms_port_table */
	struct vmst_port_stats ps[VMST_MAX_PORTS];
	struct vms_reasons rs[VMST_MAX_PORTS];
	struct vmst_queue_stats qs[VMST_MAX_PORTS];
	struct vmst_rss rss[VMST_MAX_PORTS];
	__u16 queues[VMST_MAX_PORTS]; /* 0: the port has no queue steering */
	char tap[VMST_MAX_PORTS][40]; /* tap="<name>", escaped */
	__u32 ifx[VMST_MAX_PORTS];    /* taps */
	bool have[VMST_MAX_PORTS];    /* ... with their tap program */
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	int nup;
	struct {
		char name[NAME_MAX + 1];
		__u32 id;
	} progs[MAX_PROGS];
	int nprogs;
	int nports;
	int no_tap_prog; /* ports of this netns with a tap but no tap program */
	int pending;	 /* ports of this netns waiting for their tap */
	int tap_gone;	 /* active ports of this netns whose tap vanished */
	int fdb;
};

static void add_prog(struct snapshot *s, const char *name, __u32 id)
{
	int i;

	if (!id || s->nprogs >= MAX_PROGS)
		return;
	for (i = 0; i < s->nprogs; i++)
		if (s->progs[i].id == id && !strcmp(s->progs[i].name, name))
			return;
	snprintf(s->progs[s->nprogs].name, sizeof(s->progs[0].name), "%s",
		 name);
	s->progs[s->nprogs++].id = id;
}

/* Tracing programs: every pinned link under links/ that is not an uplink. */
static void read_tracing_progs(struct snapshot *s, const char *pin_path)
{
	char dir[PATH_MAX], p[PATH_MAX + NAME_MAX + 2];
	struct dirent *de;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s/links", pin_path) >=
	    (int)sizeof(dir))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct bpf_link_info info;

		if (de->d_name[0] == '.' || !strncmp(de->d_name, "xdp_", 4))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (!vms_pinned_link_info(p, &info))
			add_prog(s, de->d_name, info.prog_id);
	}
	closedir(d);
}

/*
 * The tap and steering programs this netns's taps share (pinned: no tap
 * inspection per port), the ports whose tap lacks the tap program, and
 * the CPUMAP programs.
 */
static void read_tc_progs(struct snapshot *s, struct vms_state *st)
{
	__u32 tap_id = vms_shared_prog_id(st, VMS_PROG_TAP);
	int cpu, idx, i, ntaps = 0, ncpu = libbpf_num_possible_cpus();
	__u32 netns = vms_netns_ino();
	struct bpf_cpumap_val cv;

	add_prog(s, "tap", tap_id);
	add_prog(s, "steer", vms_shared_prog_id(st, VMS_PROG_STEER));
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_port_cfg *c = &s->cfg[idx];

		if (!vms_port_in_use(c) || c->netns_ino != netns)
			continue;
		if (c->flags & VMST_CFG_F_PENDING) {
			s->pending++;
			continue;
		}
		if (!vms_port_tap_there(c, NULL)) {
			s->tap_gone++;
			continue;
		}
		s->ifx[ntaps++] = c->ifindex;
	}
	/* One tc query a tap, all over one netlink socket: is the shared
	 * program (or, say, another build's vmsteer program) in vmsteer's
	 * filter? */
	if (vms_taps_have_prog(s->ifx, ntaps, tap_id, s->have)) {
		vms_clear_error(); /* not known: none counted */
		ntaps = 0;
	}
	for (i = 0; i < ntaps; i++)
		s->no_tap_prog += !s->have[i];
	if (st->maps.fd[VMS_MAP_CPUMAP] < 0)
		return;
	for (cpu = 0; cpu < ncpu; cpu++)
		if (!bpf_map_lookup_elem(st->maps.fd[VMS_MAP_CPUMAP], &cpu,
					 &cv))
			add_prog(s, "cpumap", cv.bpf_prog.id);
}

static int snapshot_read(struct snapshot *s, const char *pin_path)
{
	struct vms_state st;
	int idx, i, err;

	if (!vms_state_exists(pin_path))
		return -ENOENT;
	err = vms_state_open(&st, pin_path, 0);
	if (err)
		return err;
	/* Whole tables in a few batch reads, not a read per port. */
	err = vms_port_table(&st.maps, &s->cfg);
	if (!err)
		err = vms_read_reasons_range(&st.maps, 0, VMST_MAX_PORTS,
					     s->rs);
	if (!err)
		err = vms_read_port_stats_range(&st.maps, 0, VMST_MAX_PORTS,
						s->ps);
	if (!err)
		err = vms_rss_read_all(&st.maps, s->rss);
	if (err)
		goto out;
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		if (!vms_port_in_use(&s->cfg[idx]))
			continue;
		if (s->rss[idx].flags & VMST_RSS_F_ENABLED) {
			s->queues[idx] = s->rss[idx].queues;
			err = vms_read_queue_stats(&st.maps, idx, &s->qs[idx]);
			if (err)
				goto out;
		}
		s->nports++;
	}
	s->fdb = vms_fdb_count(&st.maps);
	if (s->fdb < 0) {
		err = s->fdb;
		goto out;
	}
	s->nup = vms_uplink_list(&st, s->up, VMST_MAX_UPLINKS);
	if (s->nup < 0) {
		err = s->nup;
		goto out;
	}
	for (i = 0; i < s->nup; i++) {
		add_prog(s, "uplink", s->up[i].prog_id);
		if (s->up[i].name[0]) /* tc filters: this netns only */
			add_prog(s, "uplink_tc",
				 vms_tc_prog_id(s->up[i].ifindex));
	}
	read_tc_progs(s, &st);
	read_tracing_progs(s, st.pin_path);
out:
	vms_state_close(&st);
	return err;
}

/*
 * The per-port series (tens of thousands of lines at 4,096 ports) are
 * written through this buffer: whole strings copied and numbers
 * converted by hand, one fwrite per 64 KiB, not a printf and a putc per
 * character of a label (that formatting was most of a scrape's time).
 */
struct out {
	FILE *f;
	size_t n;
	char b[65536];
};

static void out_flush(struct out *o)
{
	fwrite(o->b, 1, o->n, o->f);
	o->n = 0;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (o->n + n > sizeof(o->b))
		out_flush(o);
	if (n > sizeof(o->b)) {
		fwrite(s, 1, n, o->f);
		return;
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
}

static void out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

static void out_u64(struct out *o, unsigned long long v)
{
	char t[24];
	int i = sizeof(t);

	do
		t[--i] = '0' + v % 10;
	while (v /= 10);
	out_mem(o, t + i, sizeof(t) - i);
}

/* "<@family>{tap=\"<@tap escaped>\"": the start of a port's series. */
static void out_series(struct out *o, const char *family, const char *tap)
{
	out_str(o, family);
	out_str(o, "{");
	out_str(o, tap);
}

/* One sample: @family{@tap@labels @value, @labels ending in "} ". */
static void out_sample(struct out *o, const char *family, const char *tap,
		       const char *labels, __u64 value)
{
	out_series(o, family, tap);
	out_str(o, labels);
	out_u64(o, value);
	out_mem(o, "\n", 1);
}

/* The first port in use after @idx in @s, VMST_MAX_PORTS when none:
 * for (idx = next_port(s, 0); idx < VMST_MAX_PORTS; idx = next_port(s, idx)) */
static int next_port(const struct snapshot *s, int idx)
{
	while (++idx < VMST_MAX_PORTS)
		if (vms_port_in_use(&s->cfg[idx]))
			break;
	return idx;
}

/* The label of port @idx's counters, tap="..." (no braces), escaped once
 * a scrape into @s->tap[@idx]. Its MAC and VLAN are labels of
 * vmsteer_port_info only: join on tap. */
static void port_labels_prepare(struct snapshot *s)
{
	char name[sizeof(s->cfg[0].name) + 1];
	int idx;

	for (idx = next_port(s, 0); idx < VMST_MAX_PORTS;
	     idx = next_port(s, idx)) {
		memcpy(name, s->cfg[idx].name, sizeof(s->cfg[0].name));
		name[sizeof(s->cfg[0].name)] = '\0';
		memcpy(s->tap[idx], "tap=\"", 5);
		vms_prom_escape(s->tap[idx] + 5, sizeof(s->tap[0]) - 6, name);
		strcat(s->tap[idx], "\"");
	}
}

/* One vmsteer_port_info series per port: the descriptive labels, once. */
static void render_port_info(struct out *o, const struct snapshot *s)
{
	char mac[18];
	int idx;

	for (idx = next_port(s, 0); idx < VMST_MAX_PORTS;
	     idx = next_port(s, idx)) {
		const struct vmst_port_cfg *c = &s->cfg[idx];

		vms_format_mac(c->mac, mac);
		out_series(o, "vmsteer_port_info", s->tap[idx]);
		out_str(o, ",mac=\"");
		out_str(o, mac);
		out_str(o, "\",vlan=\"");
		out_u64(o, c->vlan);
		out_str(o, "\",index=\"");
		out_u64(o, idx);
		out_str(o, "\",queues=\"");
		out_u64(o, s->queues[idx]);
		out_str(o, "\"} 1\n");
	}
}

/* The head of counter family @name, after what came before it. */
static void out_family(struct out *o, const char *name, const char *help)
{
	out_flush(o);
	vms_prom_family(o->f, name, "counter", help);
}

/* A series of a per-port family: its labels and counter slot. */
struct port_series {
	const char *labels; /* after tap, with the closing brace */
	enum vmst_port_counter pc;
};

/* The traffic series: (direction, path, counter pair). */
#define TRAFFIC_SERIES(X)                              \
	X("to_vm", "xdp", TO_VM_XDP)                   \
	X("to_vm", "tc", TO_VM_TC)                     \
	X("from_vm_local", "xdp", FROM_VM_LOCAL_XDP)   \
	X("from_vm_local", "tc", FROM_VM_LOCAL)        \
	X("from_vm_uplink", "xdp", FROM_VM_UPLINK_XDP) \
	X("from_vm_uplink", "tc", FROM_VM_UPLINK)
#define TRAFFIC_LABELS(dir, path) ",direction=\"" dir "\",path=\"" path "\"} "
#define TRAFFIC_FRAMES(dir, path, pair) \
	{TRAFFIC_LABELS(dir, path), VMST_PC_##pair##_FRAMES},
#define TRAFFIC_BYTES(dir, path, pair) \
	{TRAFFIC_LABELS(dir, path), VMST_PC_##pair##_BYTES},

static const struct port_series traffic_frames[] = {
	TRAFFIC_SERIES(TRAFFIC_FRAMES)};
static const struct port_series traffic_bytes[] = {
	TRAFFIC_SERIES(TRAFFIC_BYTES)};
static const struct port_series tap_outcomes[] = {
	{",outcome=\"sent\",path=\"xdp\"} ", VMST_PC_TAP_SENT},
	{",outcome=\"ring_full\",path=\"xdp\"} ", VMST_PC_TAP_RING_FULL},
	{",outcome=\"xmit_error\",path=\"xdp\"} ", VMST_PC_TAP_XMIT_ERR},
	{",outcome=\"redirect_error\",path=\"xdp\"} ", VMST_PC_REDIRECT_ERR},
	{",outcome=\"ring_full\",path=\"tc\"} ", VMST_PC_TAP_RING_FULL_TC},
};

static void render_ports(struct out *o, const struct snapshot *s)
{
	static const struct {
		const char *name, *help;
		const struct port_series *series;
		size_t n;
	} fam[] = {
		{"vmsteer_port_frames_total",
		 "Frames vmsteer forwarded for a port, by direction (to_vm: "
		 "into the VM's tap; from_vm_local: from the VM straight to "
		 "another VM; from_vm_uplink: from the VM straight to the "
		 "uplink) and path, the hook that forwarded them (xdp: an XDP "
		 "program, the uplink's or the tap's, no skb; tc: a tc "
		 "program, skb path).",
		 traffic_frames,
		 sizeof(traffic_frames) / sizeof(traffic_frames[0])},
		{"vmsteer_port_bytes_total",
		 "Bytes vmsteer forwarded for a port, by direction and path "
		 "(see vmsteer_port_frames_total).",
		 traffic_bytes,
		 sizeof(traffic_bytes) / sizeof(traffic_bytes[0])},
		{"vmsteer_port_tap_frames_total",
		 "What became of the frames redirected to a port's tap: sent "
		 "(the tap ring accepted them), ring_full, xmit_error (no "
		 "queue open), redirect_error (failed before the tap); by "
		 "path: xdp, what XDP programs redirected (every outcome), "
		 "tc, the skb path (a tc program's redirect, the bridge: "
		 "ring_full only).",
		 tap_outcomes, sizeof(tap_outcomes) / sizeof(tap_outcomes[0])},
	};
	size_t k, j;
	int idx;

	for (k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		out_family(o, fam[k].name, fam[k].help);
		for (idx = next_port(s, 0); idx < VMST_MAX_PORTS;
		     idx = next_port(s, idx))
			for (j = 0; j < fam[k].n; j++)
				out_sample(o, fam[k].name, s->tap[idx],
					   fam[k].series[j].labels,
					   s->ps[idx].c[fam[k].series[j].pc]);
	}
}

/* Frames per tap queue, for ports with queue steering. */
static void render_queues(struct out *o, const struct snapshot *s)
{
	int idx, q;

	out_family(
		o, "vmsteer_port_queue_frames_total",
		"Frames put on each queue of a port's tap by vmsteer's queue "
		"steering (the tap steering program, skb path); ports with "
		"queue steering only.");
	for (idx = next_port(s, 0); idx < VMST_MAX_PORTS;
	     idx = next_port(s, idx)) {
		for (q = 0; q < s->queues[idx]; q++) {
			out_series(o, "vmsteer_port_queue_frames_total",
				   s->tap[idx]);
			out_str(o, ",queue=\"");
			out_u64(o, q);
			out_str(o, "\"} ");
			out_u64(o, s->qs[idx].frames[q]);
			out_mem(o, "\n", 1);
		}
	}
}

/* "pass" or "drop": what the data path does for reason @r. */
static const char *reason_action(int r)
{
	return vms_reason_drops(r) ? "drop" : "pass";
}

/* ",reason=\"...\",action=\"...\",path=\"...\"} " of every reason and
 * hook, made once. */
static const char *reason_labels(int r, int h)
{
	static char lab[VMST_R_MAX][VMS_HOOKS][104];

	if (!lab[r][h][0])
		snprintf(lab[r][h], sizeof(lab[r][h]),
			 ",reason=\"%s\",action=\"%s\",path=\"%s\"} ",
			 vms_reason_labels[r], reason_action(r),
			 vms_hook_names[h]);
	return lab[r][h];
}

/*
 * Whether (reason @r, hook @h) is a series of a port whose transmit hook
 * leaves hook @idle idle (VMS_HOOK_BIT_*; 0 for tap=""): the hooks that
 * count @r, but a check both tap programs make (vmst_tx_check) only on
 * the port's own hook, or where its counter moved (a port that changed
 * hook, a frame before its XDP program was on): an XDP port's tap never
 * drops on tc what its XDP program checks, and the reverse.
 */
static bool reason_shown(int r, int h, unsigned int idle,
			 const struct vms_reasons *rs)
{
	unsigned int hooks = vms_reason_hooks(r);

	if (!(hooks & (1U << h)))
		return false;
	return hooks != (VMS_HOOK_BIT_XDP | VMS_HOOK_BIT_TC) ||
	       !vms_reason_from_vm(r) || !(idle & (1U << h)) ||
	       rs->hook[h][r].frames;
}

static void reason_samples(struct out *o, const char *family, const char *tap,
			   const struct vms_reasons *rs, bool bytes, bool port,
			   unsigned int idle)
{
	int r, h;

	for (r = 0; r < VMST_R_MAX; r++) {
		/* A reason the data path never counts there stays out, and
		 * so does a hook that never counts it. */
		if (!(port ? vms_reason_per_port(r) : vms_reason_portless(r)))
			continue;
		for (h = 0; h < VMS_HOOKS; h++)
			if (reason_shown(r, h, idle, rs))
				out_sample(o, family, tap, reason_labels(r, h),
					   bytes ? rs->hook[h][r].bytes
						 : rs->hook[h][r].frames);
	}
}

static void render_reasons(struct out *o, const struct snapshot *s)
{
	static const struct {
		const char *name, *help;
		bool bytes;
	} fam[] = {
		{"vmsteer_reason_frames_total",
		 "Frames vmsteer's programs passed to the kernel "
		 "(action=pass) or dropped (action=drop) instead of "
		 "forwarding them, by reason (see 'vmsteer stats --help') "
		 "and path, the hook whose program counted them (xdp: an XDP "
		 "program, the uplink's or the tap's; tc: a tc program); "
		 "tap=\"\" for frames not tied to a port. Each port has the "
		 "reasons that can be counted for it (the transmit path's, "
		 "and too_big, no_target, drop_no_target of the uplink), "
		 "tap=\"\" the others, each on the paths that count it (a "
		 "check both tap programs make on the port's own path, the "
		 "other once it has counted frames there).",
		 false},
		{"vmsteer_reason_bytes_total",
		 "Bytes of the frames counted by vmsteer_reason_frames_total.",
		 true},
	};
	size_t k;
	int idx;

	for (k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		out_family(o, fam[k].name, fam[k].help);
		reason_samples(o, fam[k].name, "tap=\"\"", &s->rs[0],
			       fam[k].bytes, false, 0);
		for (idx = next_port(s, 0); idx < VMST_MAX_PORTS;
		     idx = next_port(s, idx))
			reason_samples(o, fam[k].name, s->tap[idx], &s->rs[idx],
				       fam[k].bytes, true,
				       s->cfg[idx].flags & VMST_CFG_F_TX_TC
					       ? VMS_HOOK_BIT_XDP
					       : VMS_HOOK_BIT_TC);
	}
	out_flush(o);
}

static void render_state(FILE *f, const struct snapshot *s)
{
	const struct {
		const char *name, *help;
		long long value;
	} gauges[] = {
		{"vmsteer_ports", "Configured VM ports.", s->nports},
		{"vmsteer_ports_without_tap_program",
		 "Ports of this network namespace whose tap has no vmsteer tap "
		 "program (no anti-spoofing; 'vmsteer attach' adds it).",
		 s->no_tap_prog},
		{"vmsteer_ports_pending",
		 "Ports of this network namespace waiting for their tap (not "
		 "there yet, or gone); not forwarding.",
		 s->pending},
		{"vmsteer_ports_tap_gone",
		 "Ports of this network namespace whose tap vanished while "
		 "they are active ('vmsteer sync' or the agent makes them "
		 "pending).",
		 s->tap_gone},
		{"vmsteer_ports_capacity", "VM ports the state can hold.",
		 VMST_MAX_PORTS - 1},
		{"vmsteer_fdb_entries", "Used slots of the FDB (one per port).",
		 s->fdb},
		{"vmsteer_fdb_capacity",
		 "Slots of the FDB (kept at most 1/8 full).", VMST_FDB_SLOTS},
	};
	int i;

	vms_prom_family(f, "vmsteer_uplink_info", "gauge",
			"An uplink the XDP program is attached to: device "
			"name (empty when gone or in another network "
			"namespace), ifindex, netns inode and attach mode.");
	for (i = 0; i < s->nup; i++) {
		info_start(f, "vmsteer_uplink_info", "device", s->up[i].name);
		fprintf(f, ",ifindex=\"%u\",netns=\"%u\",mode=\"%s\"} 1\n",
			s->up[i].ifindex, s->up[i].netns_ino,
			vms_mode_name(s->up[i].mode));
	}
	vms_prom_family(f, "vmsteer_program_info", "gauge",
			"A loaded vmsteer BPF program and its kernel id: the "
			"uplink XDP program(s) (uplink), the uplinks' tc "
			"programs (uplink_tc) and the ports' tap programs "
			"(tap) of the exporter's network namespace, vmsteer's "
			"steering programs on multi-queue taps (steer), the "
			"CPUMAP programs (cpumap) and the tap-drop tracing "
			"programs.");
	for (i = 0; i < s->nprogs; i++) {
		info_start(f, "vmsteer_program_info", "program",
			   s->progs[i].name);
		fprintf(f, ",id=\"%u\"} 1\n", s->progs[i].id);
	}
	for (i = 0; i < (int)(sizeof(gauges) / sizeof(gauges[0])); i++) {
		vms_prom_family(f, gauges[i].name, "gauge", gauges[i].help);
		fprintf(f, "%s %lld\n", gauges[i].name, gauges[i].value);
	}
}

int vms_metrics_render(FILE *f, const char *pin_path)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int err = s ? snapshot_read(s, pin_path) : -ENOMEM;

	vms_prom_family(f, "vmsteer_build_info", "gauge",
			"The exporter's vmsteer version and state layout.");
	info_start(f, "vmsteer_build_info", "version", VMSTEER_VERSION);
	fprintf(f, ",layout=\"%d\"} 1\n", VMSTEER_LAYOUT_VERSION);
	vms_prom_family(f, "vmsteer_up", "gauge",
			"1 when the pinned state could be read, else 0 (no "
			"state yet, another layout, no permission).");
	fprintf(f, "vmsteer_up %d\n", err ? 0 : 1);
	if (!err) {
		struct out *o = malloc(sizeof(*o));

		if (!o) {
			free(s);
			return -ENOMEM;
		}
		o->f = f;
		o->n = 0;
		port_labels_prepare(s);
		vms_prom_family(
			f, "vmsteer_port_info", "gauge",
			"A configured VM port: its tap (the label every "
			"per-port counter carries), MAC, VLAN (0: "
			"untagged), port index, and queues (0: no queue "
			"steering).");
		render_port_info(o, s);
		render_ports(o, s);
		render_queues(o, s);
		render_reasons(o, s);
		free(o);
		render_state(f, s);
	}
	free(s);
	return err;
}

void vms_metrics_render_self(FILE *f, double scrape_seconds,
			     unsigned long long scrape_errors)
{
	vms_prom_family(f, "vmsteer_exporter_scrape_duration_seconds", "gauge",
			"Time this scrape took to read the state.");
	fprintf(f, "vmsteer_exporter_scrape_duration_seconds %.6f\n",
		scrape_seconds);
	vms_prom_family(f, "vmsteer_exporter_scrape_errors_total", "counter",
			"Scrapes that could not read an existing pinned "
			"state.");
	fprintf(f, "vmsteer_exporter_scrape_errors_total %llu\n",
		scrape_errors);
}
