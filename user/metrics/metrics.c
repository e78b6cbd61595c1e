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
#include "vms.h"

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
	struct vmst_port_cfg cfg[VMST_MAX_PORTS];
	struct vmst_port_stats ps[VMST_MAX_PORTS];
	struct vmst_counter rs[VMST_MAX_PORTS][VMST_R_MAX];
	struct vmst_queue_stats qs[VMST_MAX_PORTS];
	struct vmst_rss rss[VMST_MAX_PORTS];
	__u16 queues[VMST_MAX_PORTS]; /* 0: the port has no queue steering */
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
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (de->d_name[0] == '.' || !strncmp(de->d_name, "xdp_", 4))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			add_prog(s, de->d_name, info.prog_id);
		close(fd);
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
	int cpu, idx, ncpu = libbpf_num_possible_cpus();
	__u32 netns = vms_netns_ino();
	struct bpf_cpumap_val cv;

	add_prog(s, "tap", tap_id);
	add_prog(s, "steer", vms_shared_prog_id(st, VMS_PROG_STEER));
	/* One tc query a tap: is the shared program (or, say, another
	 * build's vmsteer program) in vmsteer's filter? */
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_port_cfg *c = &s->cfg[idx];
		__u32 id;

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
		id = vms_tc_prog_id(c->ifindex);
		if (!id || (id != tap_id && !vms_tap_prog_ours(c->ifindex)))
			s->no_tap_prog++;
	}
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
	err = vms_port_read_all(&st.maps, s->cfg);
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

/* The label of port @c's counters: tap="..." (no braces). Its MAC and
 * VLAN are labels of vmsteer_port_info only: join on tap. */
static void port_labels(FILE *f, const struct vmst_port_cfg *c)
{
	char name[sizeof(c->name) + 1];

	memcpy(name, c->name, sizeof(c->name));
	name[sizeof(c->name)] = '\0';
	fputs("tap=\"", f);
	vms_prom_write_label_value(f, name);
	fputc('"', f);
}

/* One vmsteer_port_info series per port: the descriptive labels, once. */
static void render_port_info(FILE *f, const struct snapshot *s)
{
	char mac[18];
	int idx;

	vms_prom_family(f, "vmsteer_port_info", "gauge",
			"A configured VM port: its tap (the label every "
			"per-port counter carries), MAC, VLAN (0: untagged), "
			"port index, and queues (0: no queue steering).");
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_port_cfg *c = &s->cfg[idx];

		if (!vms_port_in_use(c))
			continue;
		vms_format_mac(c->mac, mac);
		fputs("vmsteer_port_info{", f);
		port_labels(f, c);
		fprintf(f,
			",mac=\"%s\",vlan=\"%u\",index=\"%d\",queues=\"%u\"} 1\n",
			mac, c->vlan, idx, s->queues[idx]);
	}
}

static bool port_in_use(const struct snapshot *s, int idx)
{
	return vms_port_in_use(&s->cfg[idx]);
}

static void render_ports(FILE *f, const struct snapshot *s)
{
	static const struct {
		const char *outcome;
		enum vmst_port_counter pc;
	} outcomes[] = {
		{"sent", VMST_PC_TAP_SENT},
		{"ring_full", VMST_PC_TAP_RING_FULL},
		{"xmit_error", VMST_PC_TAP_XMIT_ERR},
		{"redirect_error", VMST_PC_REDIRECT_ERR},
	};
	static const struct {
		const char *name, *help;
		bool bytes; /* the pair's bytes, else its frames */
	} traffic[] = {
		{"vmsteer_port_frames_total",
		 "Frames vmsteer forwarded for a port, by direction (to_vm: "
		 "into the VM's tap; from_vm_local: from the VM straight to "
		 "another VM; from_vm_uplink: from the VM straight to the "
		 "uplink) and path, the hook that forwarded them (xdp: an XDP "
		 "program, the uplink's or the tap's, no skb; tc: a tc "
		 "program, skb path).",
		 false},
		{"vmsteer_port_bytes_total",
		 "Bytes vmsteer forwarded for a port, by direction and path "
		 "(see vmsteer_port_frames_total).",
		 true},
	};
	static const struct {
		const char *direction, *path;
		size_t pair; /* offset of its struct vmst_counter */
	} series[] = {
		{"to_vm", "xdp", offsetof(struct vmst_port_stats, to_vm_xdp)},
		{"to_vm", "tc", offsetof(struct vmst_port_stats, to_vm_tc)},
		{"from_vm_local", "xdp",
		 offsetof(struct vmst_port_stats, from_vm_local_xdp)},
		{"from_vm_local", "tc",
		 offsetof(struct vmst_port_stats, from_vm_local)},
		{"from_vm_uplink", "xdp",
		 offsetof(struct vmst_port_stats, from_vm_uplink_xdp)},
		{"from_vm_uplink", "tc",
		 offsetof(struct vmst_port_stats, from_vm_uplink)},
	};
	size_t i, k, j;
	int idx;

	for (k = 0; k < sizeof(traffic) / sizeof(traffic[0]); k++) {
		vms_prom_family(f, traffic[k].name, "counter", traffic[k].help);
		for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
			if (!port_in_use(s, idx))
				continue;
			for (j = 0; j < sizeof(series) / sizeof(series[0]);
			     j++) {
				const char *ps = (const char *)&s->ps[idx];
				const struct vmst_counter *c =
					(const void *)(ps + series[j].pair);

				fprintf(f, "%s{", traffic[k].name);
				port_labels(f, &s->cfg[idx]);
				fprintf(f,
					",direction=\"%s\",path=\"%s\"} "
					"%llu\n",
					series[j].direction, series[j].path,
					(unsigned long long)(traffic[k].bytes
								     ? c->bytes
								     : c->frames));
			}
		}
	}

	vms_prom_family(
		f, "vmsteer_port_tap_frames_total", "counter",
		"What became of the frames redirected to a port's tap: sent "
		"(the tap ring accepted them), ring_full, xmit_error (no "
		"queue open), redirect_error (failed before the tap).");
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		if (!port_in_use(s, idx))
			continue;
		for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
			fputs("vmsteer_port_tap_frames_total{", f);
			port_labels(f, &s->cfg[idx]);
			fprintf(f, ",outcome=\"%s\"} %llu\n",
				outcomes[i].outcome,
				(unsigned long long)s->ps[idx]
					.c[outcomes[i].pc]);
		}
	}
}

/* Frames per tap queue, for ports with queue steering. */
static void render_queues(FILE *f, const struct snapshot *s)
{
	int idx, q;

	vms_prom_family(
		f, "vmsteer_port_queue_frames_total", "counter",
		"Frames put on each queue of a port's tap by vmsteer's queue "
		"steering (the tap steering program, skb path); ports with "
		"queue steering only.");
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		if (!port_in_use(s, idx))
			continue;
		for (q = 0; q < s->queues[idx]; q++) {
			fputs("vmsteer_port_queue_frames_total{", f);
			port_labels(f, &s->cfg[idx]);
			fprintf(f, ",queue=\"%d\"} %llu\n", q,
				(unsigned long long)s->qs[idx].frames[q]);
		}
	}
}

/* "pass" or "drop": what the data path does for reason @r. */
static const char *reason_action(int r)
{
	return vms_reason_drops(r) ? "drop" : "pass";
}

static void reason_samples(FILE *f, const char *family, const char *tap,
			   const struct vmst_counter *rs, bool bytes, bool port)
{
	int r;

	for (r = 0; r < VMST_R_MAX; r++) {
		/* A reason the data path never counts there stays out. */
		if (!(port ? vms_reason_per_port(r) : vms_reason_portless(r)))
			continue;
		fprintf(f, "%s{tap=\"", family);
		vms_prom_write_label_value(f, tap);
		fprintf(f, "\",reason=\"%s\",action=\"%s\"} %llu\n",
			vms_reason_labels[r], reason_action(r),
			(unsigned long long)(bytes ? rs[r].bytes
						   : rs[r].frames));
	}
}

static void render_reasons(FILE *f, const struct snapshot *s)
{
	static const struct {
		const char *name, *help;
		bool bytes;
	} fam[] = {
		{"vmsteer_reason_frames_total",
		 "Frames vmsteer's programs passed to the kernel "
		 "(action=pass) or dropped (action=drop) instead of "
		 "forwarding them, by reason (see 'vmsteer stats --help'); "
		 "tap=\"\" for frames not tied to a port. Each port has the "
		 "reasons that can be counted for it (the transmit path's, "
		 "and too_big, no_target, drop_no_target of the uplink), "
		 "tap=\"\" the others.",
		 false},
		{"vmsteer_reason_bytes_total",
		 "Bytes of the frames counted by vmsteer_reason_frames_total.",
		 true},
	};
	char name[sizeof(s->cfg[0].name) + 1];
	size_t k;
	int idx;

	for (k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		vms_prom_family(f, fam[k].name, "counter", fam[k].help);
		reason_samples(f, fam[k].name, "", s->rs[0], fam[k].bytes,
			       false);
		for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
			if (!port_in_use(s, idx))
				continue;
			memcpy(name, s->cfg[idx].name, sizeof(s->cfg[0].name));
			name[sizeof(s->cfg[0].name)] = '\0';
			reason_samples(f, fam[k].name, name, s->rs[idx],
				       fam[k].bytes, true);
		}
	}
}

static void render_state(FILE *f, const struct snapshot *s)
{
	int i;

	vms_prom_family(f, "vmsteer_uplink_info", "gauge",
			"An uplink the XDP program is attached to: device "
			"name (empty when gone or in another network "
			"namespace), ifindex, netns inode and attach mode.");
	for (i = 0; i < s->nup; i++) {
		fputs("vmsteer_uplink_info{device=\"", f);
		vms_prom_write_label_value(f, s->up[i].name);
		fprintf(f, "\",ifindex=\"%u\",netns=\"%u\",mode=\"%s\"} 1\n",
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
		fputs("vmsteer_program_info{program=\"", f);
		vms_prom_write_label_value(f, s->progs[i].name);
		fprintf(f, "\",id=\"%u\"} 1\n", s->progs[i].id);
	}
	vms_prom_family(f, "vmsteer_ports", "gauge", "Configured VM ports.");
	fprintf(f, "vmsteer_ports %d\n", s->nports);
	vms_prom_family(f, "vmsteer_ports_without_tap_program", "gauge",
			"Ports of this network namespace whose tap has no "
			"vmsteer tap program (no anti-spoofing; 'vmsteer "
			"attach' adds it).");
	fprintf(f, "vmsteer_ports_without_tap_program %d\n", s->no_tap_prog);
	vms_prom_family(f, "vmsteer_ports_pending", "gauge",
			"Ports of this network namespace waiting for their tap "
			"(not there yet, or gone); not forwarding.");
	fprintf(f, "vmsteer_ports_pending %d\n", s->pending);
	vms_prom_family(f, "vmsteer_ports_tap_gone", "gauge",
			"Ports of this network namespace whose tap vanished "
			"while they are active ('vmsteer sync' or the agent "
			"makes them pending).");
	fprintf(f, "vmsteer_ports_tap_gone %d\n", s->tap_gone);
	vms_prom_family(f, "vmsteer_ports_capacity", "gauge",
			"VM ports the state can hold.");
	fprintf(f, "vmsteer_ports_capacity %d\n", VMST_MAX_PORTS - 1);
	vms_prom_family(f, "vmsteer_fdb_entries", "gauge",
			"Used slots of the FDB (one per port).");
	fprintf(f, "vmsteer_fdb_entries %d\n", s->fdb);
	vms_prom_family(f, "vmsteer_fdb_capacity", "gauge",
			"Slots of the FDB (kept at most 1/8 full).");
	fprintf(f, "vmsteer_fdb_capacity %u\n", VMST_FDB_SLOTS);
}

int vms_metrics_render(FILE *f, const char *pin_path)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int err = s ? snapshot_read(s, pin_path) : -ENOMEM;

	vms_prom_family(f, "vmsteer_build_info", "gauge",
			"The exporter's vmsteer version and state layout.");
	fputs("vmsteer_build_info{version=\"", f);
	vms_prom_write_label_value(f, VMSTEER_VERSION);
	fprintf(f, "\",layout=\"%d\"} 1\n", VMSTEER_LAYOUT_VERSION);
	vms_prom_family(f, "vmsteer_up", "gauge",
			"1 when the pinned state could be read, else 0 (no "
			"state yet, another layout, no permission).");
	fprintf(f, "vmsteer_up %d\n", err ? 0 : 1);
	if (!err) {
		render_port_info(f, s);
		render_ports(f, s);
		render_queues(f, s);
		render_reasons(f, s);
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
