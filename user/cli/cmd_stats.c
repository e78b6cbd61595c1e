// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer stats [--watch SECS] [TAP] */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/rss.h"
#include "util/log.h"

const char cmd_stats_usage[] =
	"Usage: vmsteer stats [--watch SECS] [TAP]\n\n"
	"Show the counters, summed over CPUs: per port, frames and bytes "
	"the\nuplink redirected to the tap and what the tap did with them "
	"(accepted,\nring full, transmit error, redirect error), what tc "
	"programs redirected\nto it (TC: from another VM or the uplink's skb "
	"path) and what the VM\nsent straight to another VM (LOCAL) or to "
	"the uplink (NORTH), and the\nframes a full tap ring refused on "
	"the skb path (RING_FULL_TC); then the\nframes passed to the kernel or "
	"dropped, by reason, port and hook (xdp:\nan XDP program counted "
	"them, the uplink's or the tap's; tc: a tc\nprogram); then, for "
	"ports with queue steering, the frames put on each\ntap queue "
	"(counted by the steering program on the skb path, the CPUMAP\n"
	"program on the XDP path). With TAP, only that port.\n\n"
	"With --watch SECS, print per-port rates (per second: frames, bytes "
	"and\ntap outcomes; passes and drops by reason) every SECS seconds "
	"until\ninterrupted; with --json one JSON object per line. A port "
	"shows from its\nsecond sample on.\n\nPort counters:\n"
#define VMS_X_DOC(name, label, help)		 "  " label ": " help "\n"
#define VMS_X_RDOC(name, dir, kind, label, help) VMS_X_DOC(name, label, help)
	VMST_PORT_COUNTERS(VMS_X_DOC) "\nReasons:\n" VMST_REASONS(VMS_X_RDOC)
#undef VMS_X_RDOC
#undef VMS_X_DOC
	;

static struct json_object *counter_json(const struct vmst_counter *c)
{
	struct json_object *o = json_object_new_object();

	vms_json_u64(o, "frames", c->frames);
	vms_json_u64(o, "bytes", c->bytes);
	return o;
}

/* Per reason its frames and bytes, and the same per hook that can count
 * it ("hooks": {"xdp": ..., "tc": ...}). */
static struct json_object *reasons_json(const struct vms_reasons *r)
{
	struct json_object *o = json_object_new_object();
	int i, h;

	for (i = 0; i < VMST_R_MAX; i++) {
		struct json_object *c = counter_json(&r->all[i]);
		struct json_object *hk = json_object_new_object();

		for (h = 0; h < VMS_HOOKS; h++)
			if (vms_reason_hooks(i) & (1U << h))
				json_object_object_add(
					hk, vms_hook_names[h],
					counter_json(&r->hook[h][i]));
		json_object_object_add(c, "hooks", hk);
		json_object_object_add(o, vms_reason_labels[i], c);
	}
	return o;
}

/* Tables on stdout, NULL after the last: the first, then each other one
 * that has rows after a blank line; all freed. */
static void tables_print(struct vms_table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	vms_table_print(t, stdout);
	vms_table_free(t);
	while ((t = va_arg(ap, struct vms_table *))) {
		if (t->nrows) {
			putchar('\n');
			vms_table_print(t, stdout);
		}
		vms_table_free(t);
	}
	va_end(ap);
}

/* A row per reason and hook that counted frames. */
static void add_reason_rows(struct vms_table *t, const char *port,
			    const struct vms_reasons *r)
{
	char f[24], b[24];
	int i, h;

	for (i = 0; i < VMST_R_MAX; i++)
		for (h = 0; h < VMS_HOOKS; h++) {
			const struct vmst_counter *c = &r->hook[h][i];

			if (!c->frames)
				continue;
			snprintf(f, sizeof(f), "%llu",
				 (unsigned long long)c->frames);
			snprintf(b, sizeof(b), "%llu",
				 (unsigned long long)c->bytes);
			vms_table_add(
				t, (const char *[]){vms_reason_labels[i], port,
						    vms_hook_names[h], f, b});
		}
}

/* One `stats`: what it reads of the state, and what it prints. */
struct stats {
	const char *tap; /* only this port (NULL: every port) */
	bool have_state;
	struct vms_state st;
	/* every port's record and counters, read in a few batch reads */
	const struct vmst_port_cfg *cfg; /* vms_port_table */
	struct vms_reasons rs[VMST_MAX_PORTS];
	struct vmst_port_stats ps[VMST_MAX_PORTS];
	struct vmst_rss rss[VMST_MAX_PORTS];
	/* per port with queue steering (VMST_MAX_PORTS, allocated: only
	 * the pages of those ports are touched) */
	struct vmst_queue_stats *qs;
	int shown; /* ports to print */
	/* plain output: three tables */
	struct vms_table pt, rt, qt;
};

/* Port @idx is one to print. */
static bool stats_wanted(const struct stats *s, int idx)
{
	const struct vmst_port_cfg *c = &s->cfg[idx];

	return vms_port_in_use(c) &&
	       (!s->tap || !strncmp(s->tap, c->name, sizeof(c->name)));
}

/* Queues of port @idx with counters (0: no queue steering). */
static int stats_queues(const struct stats *s, int idx)
{
	return s->rss[idx].flags & VMST_RSS_F_ENABLED ? s->rss[idx].queues : 0;
}

/* Open the state (when there is one) and read everything `stats` prints,
 * before it prints anything. */
static int stats_read(struct stats *s, const char *pin_path)
{
	int idx, err;

	s->have_state = vms_state_exists(pin_path);
	if (!s->have_state)
		return vms_port_table(NULL, &s->cfg);
	err = vms_state_open(&s->st, pin_path, 0);
	if (err) {
		s->have_state = false;
		return err;
	}
	s->qs = calloc(VMST_MAX_PORTS, sizeof(*s->qs));
	if (!s->qs)
		return vms_err(-ENOMEM, "out of memory");
	err = vms_port_table(&s->st.maps, &s->cfg);
	if (!err)
		err = vms_read_reasons_range(&s->st.maps, 0, VMST_MAX_PORTS,
					     s->rs);
	if (!err)
		err = vms_read_port_stats_range(&s->st.maps, 0, VMST_MAX_PORTS,
						s->ps);
	if (!err)
		err = vms_rss_read_all(&s->st.maps, s->rss);
	for (idx = 1; !err && idx < VMST_MAX_PORTS; idx++) {
		if (!stats_wanted(s, idx))
			continue;
		s->shown++;
		if (stats_queues(s, idx))
			err = vms_read_queue_stats(&s->st.maps, idx,
						   &s->qs[idx]);
	}
	return err;
}

/* The uplink's reasons: the frames passed before any port was found
 * (port 0). */
static const struct vms_reasons *stats_uplink(const struct stats *s)
{
	static const struct vms_reasons none;

	return s->have_state ? &s->rs[0] : &none;
}

/* Port @idx as one object of "ports". */
static struct json_object *stats_port_json(const struct stats *s, int idx)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cnt = json_object_new_object();
	struct json_object *q = NULL;
	int queues = stats_queues(s, idx), i;

	vms_json_str(o, "port", s->cfg[idx].name);
	vms_json_u64(o, "index", idx);
	for (i = 0; i < VMST_PC_MAX; i++)
		vms_json_u64(cnt, vms_pc_labels[i], s->ps[idx].c[i]);
	json_object_object_add(o, "counters", cnt);
	json_object_object_add(o, "reasons", reasons_json(&s->rs[idx]));
	if (queues)
		q = json_object_new_array();
	for (i = 0; i < queues; i++)
		json_object_array_add(
			q, json_object_new_uint64(s->qs[idx].frames[i]));
	json_object_object_add(o, "frames_per_queue", q);
	return o;
}

/* Port @idx as rows of the three tables. */
static void stats_port_plain(struct stats *s, int idx)
{
	const char *name = s->cfg[idx].name;
	char cells[VMST_PC_MAX][24];
	const char *row[1 + VMST_PC_MAX];
	int queues = stats_queues(s, idx), i;

	add_reason_rows(&s->rt, name, &s->rs[idx]);
	for (i = 0; i < queues; i++) {
		char qn[12], fr[24];

		snprintf(qn, sizeof(qn), "%d", i);
		snprintf(fr, sizeof(fr), "%llu",
			 (unsigned long long)s->qs[idx].frames[i]);
		vms_table_add(&s->qt, (const char *[]){name, qn, fr});
	}
	row[0] = name;
	for (i = 0; i < VMST_PC_MAX; i++) {
		snprintf(cells[i], sizeof(cells[i]), "%llu",
			 (unsigned long long)s->ps[idx].c[i]);
		row[1 + i] = cells[i];
	}
	vms_table_add(&s->pt, row);
}

/*
 * {"ports": [...], "uplink_reasons": {...}} (no uplink_reasons for one
 * port), a port at a time: at thousands of ports the whole document as
 * one json-c tree took hundreds of MB.
 */
static void stats_print_json(const struct stats *s)
{
	struct json_object *rest = NULL;
	struct vms_json_stream js;
	int idx;

	vms_json_stream_begin(&js, "ports");
	for (idx = 1; idx < VMST_MAX_PORTS; idx++)
		if (stats_wanted(s, idx))
			vms_json_stream_add(&js, stats_port_json(s, idx));
	if (!s->tap) {
		rest = json_object_new_object();
		json_object_object_add(rest, "uplink_reasons",
				       reasons_json(stats_uplink(s)));
	}
	vms_json_stream_end(&js, rest);
}

static void stats_print_plain(struct stats *s)
{
	static const char *port_hdr[1 + VMST_PC_MAX] = {"PORT",
							">TO_VM_FRAMES",
							">TO_VM_BYTES",
							">TAP_SENT",
							">RING_FULL",
							">XMIT_ERR",
							">REDIRECT_ERR",
							">TC_FRAMES",
							">TC_BYTES",
							">LOCAL_FRAMES",
							">LOCAL_BYTES",
							">NORTH_FRAMES",
							">NORTH_BYTES",
							">XDP_LOCAL_FRAMES",
							">XDP_LOCAL_BYTES",
							">XDP_NORTH_FRAMES",
							">XDP_NORTH_BYTES",
							">RING_FULL_TC"};
	static const char *reason_hdr[] = {"REASON", "PORT", "HOOK", ">FRAMES",
					   ">BYTES"};
	static const char *queue_hdr[] = {"PORT", ">QUEUE", ">FRAMES"};
	int idx;

	vms_table_init(&s->pt, 1 + VMST_PC_MAX, port_hdr);
	vms_table_init(&s->rt, 5, reason_hdr);
	vms_table_init(&s->qt, 3, queue_hdr);
	if (!s->tap)
		add_reason_rows(&s->rt, "-", stats_uplink(s));
	for (idx = 1; idx < VMST_MAX_PORTS; idx++)
		if (stats_wanted(s, idx))
			stats_port_plain(s, idx);
	tables_print(&s->pt, &s->rt, &s->qt, NULL);
}

static int stats_once(const struct vms_cli *cli, const char *tap)
{
	static struct stats s;
	int err;

	memset(&s, 0, sizeof(s));
	s.tap = tap;
	err = stats_read(&s, cli->pin_path);
	if (!err && tap && !s.shown)
		err = vms_err(-ENOENT, "port %s: not configured", tap);
	if (!err && vms_json)
		stats_print_json(&s);
	else if (!err)
		stats_print_plain(&s);
	if (s.have_state)
		vms_state_close(&s.st);
	free(s.qs);
	return err;
}

/* ---- stats --watch ------------------------------------------------------ */

/* One port's counters at one moment. */
struct watch_port {
	char name[sizeof(((struct vmst_port_cfg *)0)->name) + 1];
	__u32 netns_ino;
	__u32 idx;
	struct vmst_port_stats ps;
	struct vms_reasons rs;
};

struct watch_sample {
	double t; /* CLOCK_MONOTONIC seconds */
	int n;
	struct watch_port p[VMST_MAX_PORTS];
	struct vms_reasons uplink; /* port 0 */
};

static volatile sig_atomic_t watch_stop;

static void watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read the counters of every port (or @tap) into @s; the state is opened
 * for each sample, so a re-attach in between does not matter.
 */
static int watch_read(const char *pin_path, const char *tap,
		      struct watch_sample *s)
{
	const struct vmst_port_cfg *cfg;
	struct vms_state st;
	int idx, err;

	s->n = 0;
	err = vms_state_open(&st, pin_path, 0);
	if (err)
		return err;
	s->t = mono_now();
	err = vms_port_table(&st.maps, &cfg);
	if (!err)
		err = vms_read_reasons(&st.maps, 0, &s->uplink);
	for (idx = 1; !err && idx < VMST_MAX_PORTS; idx++) {
		struct watch_port *p = &s->p[s->n];

		if (!vms_port_in_use(&cfg[idx]))
			continue;
		if (tap && strncmp(tap, cfg[idx].name, sizeof(cfg[idx].name)))
			continue;
		memcpy(p->name, cfg[idx].name, sizeof(cfg[idx].name));
		p->name[sizeof(cfg[idx].name)] = '\0';
		p->netns_ino = cfg[idx].netns_ino;
		p->idx = idx;
		err = vms_read_port_stats(&st.maps, idx, &p->ps);
		if (!err)
			err = vms_read_reasons(&st.maps, idx, &p->rs);
		s->n++;
	}
	vms_state_close(&st);
	return err;
}

/*
 * The same port in the previous sample: same tap name and netns (a port
 * whose MAC or VLAN changes moves index, its counters with it).
 */
static const struct watch_port *watch_prev(const struct watch_sample *prev,
					   const struct watch_port *p)
{
	int i;

	for (i = 0; i < prev->n; i++)
		if (prev->p[i].netns_ino == p->netns_ino &&
		    !strcmp(prev->p[i].name, p->name))
			return &prev->p[i];
	return NULL;
}

/* Per-second rate of a counter; negative when it went backwards. */
static double rate(__u64 cur, __u64 prev, double dt)
{
	return cur < prev ? -1 : (double)(cur - prev) / dt;
}

static struct json_object *rate_json(double r)
{
	return r < 0 ? NULL : json_object_new_double(r);
}

static struct json_object *counter_rates_json(const struct vmst_counter *cur,
					      const struct vmst_counter *prev,
					      double dt)
{
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "frames",
			       rate_json(rate(cur->frames, prev->frames, dt)));
	json_object_object_add(c, "bytes",
			       rate_json(rate(cur->bytes, prev->bytes, dt)));
	return c;
}

/* The rates of reasons_json()'s counters. */
static struct json_object *reason_rates_json(const struct vms_reasons *cur,
					     const struct vms_reasons *prev,
					     double dt)
{
	struct json_object *o = json_object_new_object();
	int r, h;

	for (r = 0; r < VMST_R_MAX; r++) {
		struct json_object *c =
			counter_rates_json(&cur->all[r], &prev->all[r], dt);
		struct json_object *hk = json_object_new_object();

		for (h = 0; h < VMS_HOOKS; h++)
			if (vms_reason_hooks(r) & (1U << h))
				json_object_object_add(
					hk, vms_hook_names[h],
					counter_rates_json(&cur->hook[h][r],
							   &prev->hook[h][r],
							   dt));
		json_object_object_add(c, "hooks", hk);
		json_object_object_add(o, vms_reason_labels[r], c);
	}
	return o;
}

static void fmt_rate(char *out, size_t len, double r)
{
	if (r < 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f", r);
}

static void add_reason_rate_rows(struct vms_table *t, const char *port,
				 const struct vms_reasons *cur,
				 const struct vms_reasons *prev, double dt)
{
	char f[32], b[32];
	int r, h;

	for (r = 0; r < VMST_R_MAX; r++)
		for (h = 0; h < VMS_HOOKS; h++) {
			const struct vmst_counter *c = &cur->hook[h][r];
			const struct vmst_counter *p = &prev->hook[h][r];

			if (c->frames == p->frames)
				continue;
			fmt_rate(f, sizeof(f), rate(c->frames, p->frames, dt));
			fmt_rate(b, sizeof(b), rate(c->bytes, p->bytes, dt));
			vms_table_add(
				t, (const char *[]){vms_reason_labels[r], port,
						    vms_hook_names[h], f, b});
		}
}

/* The rates of one interval: one JSON line, or two tables. */
struct watch_out {
	double dt;
	struct timespec wall;
	struct json_object *top, *ports;
	struct vms_table pt, rt;
};

/* The empty output, with the rates of the uplink's reasons (@uplink). */
static void watch_begin(struct watch_out *w, const struct watch_sample *prev,
			const struct watch_sample *cur, bool uplink)
{
	static const char *port_hdr[1 + VMST_PC_MAX] = {"PORT",
							">TO_VM_FRAMES/s",
							">TO_VM_BYTES/s",
							">TAP_SENT/s",
							">RING_FULL/s",
							">XMIT_ERR/s",
							">REDIRECT_ERR/s",
							">TC_FRAMES/s",
							">TC_BYTES/s",
							">LOCAL_FRAMES/s",
							">LOCAL_BYTES/s",
							">NORTH_FRAMES/s",
							">NORTH_BYTES/s",
							">XDP_LOCAL_FRAMES/s",
							">XDP_LOCAL_BYTES/s",
							">XDP_NORTH_FRAMES/s",
							">XDP_NORTH_BYTES/s",
							">RING_FULL_TC/s"};
	static const char *reason_hdr[] = {"REASON", "PORT", "HOOK",
					   ">FRAMES/s", ">BYTES/s"};
	struct json_object *top;

	w->dt = cur->t - prev->t;
	clock_gettime(CLOCK_REALTIME, &w->wall);
	if (!vms_json) {
		vms_table_init(&w->pt, 1 + VMST_PC_MAX, port_hdr);
		vms_table_init(&w->rt, 5, reason_hdr);
		if (uplink)
			add_reason_rate_rows(&w->rt, "-", &cur->uplink,
					     &prev->uplink, w->dt);
		return;
	}
	top = w->top = json_object_new_object();
	json_object_object_add(
		top, "time",
		json_object_new_double(w->wall.tv_sec + w->wall.tv_nsec / 1e9));
	json_object_object_add(top, "interval", json_object_new_double(w->dt));
	w->ports = json_object_new_array();
	json_object_object_add(top, "ports", w->ports);
	if (uplink)
		json_object_object_add(
			top, "uplink_reasons",
			reason_rates_json(&cur->uplink, &prev->uplink, w->dt));
}

/* Port @p (@q in the previous sample) as one object of "ports". */
static void watch_port_json(struct watch_out *w, const struct watch_port *p,
			    const struct watch_port *q)
{
	struct json_object *o = json_object_new_object();
	struct json_object *r = json_object_new_object();
	int k;

	vms_json_str(o, "port", p->name);
	vms_json_u64(o, "index", p->idx);
	for (k = 0; k < VMST_PC_MAX; k++)
		json_object_object_add(
			r, vms_pc_labels[k],
			rate_json(rate(p->ps.c[k], q->ps.c[k], w->dt)));
	json_object_object_add(o, "rates", r);
	json_object_object_add(o, "reasons",
			       reason_rates_json(&p->rs, &q->rs, w->dt));
	json_object_array_add(w->ports, o);
}

/* Port @p (@q in the previous sample) as rows of the two tables. */
static void watch_port_plain(struct watch_out *w, const struct watch_port *p,
			     const struct watch_port *q)
{
	char cells[VMST_PC_MAX][32];
	const char *row[1 + VMST_PC_MAX];
	int k;

	row[0] = p->name;
	for (k = 0; k < VMST_PC_MAX; k++) {
		fmt_rate(cells[k], sizeof(cells[k]),
			 rate(p->ps.c[k], q->ps.c[k], w->dt));
		row[1 + k] = cells[k];
	}
	vms_table_add(&w->pt, row);
	add_reason_rate_rows(&w->rt, p->name, &p->rs, &q->rs, w->dt);
}

/* Print and free the output (@first: the first interval shown). */
static void watch_end(struct watch_out *w, bool first)
{
	char when[32];
	struct tm tm;

	if (w->top) {
		/* One object per line, whatever --pretty says. */
		puts(json_object_to_json_string_ext(
			w->top, JSON_C_TO_STRING_PLAIN |
					JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(w->top);
		fflush(stdout);
		return;
	}
	localtime_r(&w->wall.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s%s, per second over %.2fs:\n", first ? "" : "\n", when,
	       w->dt);
	tables_print(&w->pt, &w->rt, NULL);
	fflush(stdout);
}

/* Print the rates between @prev and @cur; a port shows from its second
 * sample on. */
static void watch_print(const struct watch_sample *prev,
			const struct watch_sample *cur, bool uplink, bool first)
{
	struct watch_out w = {};
	const struct watch_port *q;
	int i;

	watch_begin(&w, prev, cur, uplink);
	for (i = 0; i < cur->n; i++) {
		q = watch_prev(prev, &cur->p[i]);
		if (q && w.top)
			watch_port_json(&w, &cur->p[i], q);
		else if (q)
			watch_port_plain(&w, &cur->p[i], q);
	}
	watch_end(&w, first);
}

static int stats_watch(const struct vms_cli *cli, const char *tap, double secs)
{
	struct watch_sample *prev, *cur, *tmp;
	struct sigaction sa = {.sa_handler = watch_signal};
	struct timespec next;
	int err, printed = 0;

	prev = calloc(1, sizeof(*prev));
	cur = calloc(1, sizeof(*cur));
	if (!prev || !cur) {
		err = vms_err(-ENOMEM, "out of memory");
		goto out;
	}
	/* No SA_RESTART: the sleep below ends on the signal. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = watch_read(cli->pin_path, tap, prev);
	if (err)
		goto out;
	if (tap && !prev->n) {
		err = vms_err(-ENOENT, "port %s: not configured", tap);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!watch_stop) {
		long long ns = next.tv_nsec + (long long)(secs * 1e9);

		next.tv_sec += ns / 1000000000LL;
		next.tv_nsec = ns % 1000000000LL;
		while (!watch_stop &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
		if (watch_stop)
			break;
		err = watch_read(cli->pin_path, tap, cur);
		if (err)
			goto out;
		watch_print(prev, cur, !tap, !printed);
		printed++;
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
out:
	free(prev);
	free(cur);
	return err;
}

/* --watch SECS: the text given, and its seconds. */
struct stats_watch_arg {
	const char *arg;
	double secs;
};

static int stats_opt(void *ctx, int c, const char *arg)
{
	struct stats_watch_arg *w = ctx;
	char *end;

	(void)c; /* 'w' */
	if (vms_opt_once("stats", "--watch", &w->arg, arg))
		return VMS_EXIT_USAGE;
	errno = 0;
	w->secs = strtod(arg, &end);
	/* digits first: strtod takes spaces, signs, "inf" */
	if ((*arg < '0' || *arg > '9') || *end || errno || !(w->secs >= 0.1) ||
	    w->secs > 86400)
		return vms_usage_err("stats",
				     "--watch '%s': expected seconds, "
				     "0.1..86400",
				     arg);
	return 0;
}

int cmd_stats(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_opt opts[] = {{"watch", 'w', VMS_OPT_ARG, 0},
					      {}};
	static const struct vms_optspec spec = {
		.cmd = "stats",
		.shortopts = "+",
		.opts = opts,
		.fn = stats_opt,
	};
	struct stats_watch_arg w = {};
	const char *tap = NULL;
	int err;

	err = vms_getopt(&spec, argc, argv, &w);
	if (err)
		return err;
	if (argc - optind > 1)
		return vms_usage_err("stats", "expected at most one tap");
	if (argc - optind == 1)
		tap = argv[optind];
	return w.secs ? stats_watch(cli, tap, w.secs) : stats_once(cli, tap);
}
