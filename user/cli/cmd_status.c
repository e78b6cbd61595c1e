// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer status */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/check.h"
#include "core/monitor.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/rss.h"
#include "load/rsskeys.h"
#include "load/tapxdp.h"
#include "load/tc.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

const char cmd_status_usage[] =
	"Usage: vmsteer status [--pending-max SECS]\n\n"
	"Show the pinned state: its layout version, the uplinks with their "
	"attach\nmode and program, whether tap drops are being counted, how "
	"full the\nport table and FDB are, how many distinct RSS keys "
	"are in use (of 64),\nand problems (a port whose tap "
	"is gone, an\nuplink whose device is gone). The ports and the FDB "
	"are checked against\neach other: 'inconsistencies' (JSON) lists "
	"FDB entries that lead to a\nmissing or mismatched port or "
	"redirect target, 'repairs' what an\ninterrupted command left "
	"behind that 'vmsteer apply' repairs.\n\n"
	"The tc programs: per uplink the id of its tc program (skb path), "
	"and how\nmany ports of this network namespace have their tap "
	"program attached\n('tc_attached') and how many do not "
	"('tc_missing': 'vmsteer attach'\nadds it again); ports of other "
	"namespaces are not looked at. 'tc_block': the shared tc block the "
	"taps\nvmsteer gives a clsact qdisc are bound to (its filter runs the "
	"tap\nprogram; 'tc filter show block N').\n\n"
	"Pending ports (configured, their tap not there yet or no more) are "
	"counted;\none pending longer than SECS (--pending-max, default 60) "
	"needs attention.\n\n"
	"Exit status: 0 when nothing needs attention; 3 when something does "
	"(a\nproblem: a port whose tap is gone but still active, a port "
	"without its tap\nprogram, a port pending too long, an uplink whose "
	"device is gone, tap drop\ncounting off, a monitor lease left behind, "
	"an FDB inconsistency); 'attention'\n(JSON) says which, each with "
	"its kind and object; 1 on errors.\n";

/* Findings of the consistency check, by kind. */
struct findings {
	int n[2];
	char msg[2][64][160]; /* the first 64 of each kind are kept */
};

static void collect(void *ctx, enum vms_check_kind kind, const char *msg)
{
	struct findings *f = ctx;

	if (f->n[kind] < 64)
		snprintf(f->msg[kind][f->n[kind]], sizeof(f->msg[0][0]), "%s",
			 msg);
	f->n[kind]++;
}

static struct json_object *findings_json(const struct findings *f, int kind)
{
	struct json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < f->n[kind] && i < 64; i++)
		json_object_array_add(arr,
				      json_object_new_string(f->msg[kind][i]));
	return arr;
}

static void findings_print(const struct findings *f, int kind,
			   const char *title)
{
	int i;

	if (!f->n[kind])
		return;
	printf("\n%s:\n", title);
	for (i = 0; i < f->n[kind] && i < 64; i++)
		printf("  %s\n", f->msg[kind][i]);
	if (f->n[kind] > 64)
		printf("  ... and %d more\n", f->n[kind] - 64);
}

/* What needs attention: a problem's kind and object, and its text. */
struct problem {
	const char *kind;
	char object[24];
	char msg[192];
};

static struct problem *problem_add(struct problem *p, int *n, const char *kind,
				   const char *object)
{
	struct problem *q = &p[(*n)++];

	q->kind = kind;
	snprintf(q->object, sizeof(q->object), "%s", object);
	q->msg[0] = '\0';
	return q;
}

/* What status reads of the state, and what it finds. */
struct status {
	const char *pin_path;
	const char *pending_arg; /* --pending-max as given */
	unsigned long long pending_max;
	const struct vmst_port_cfg *cfg; /* vms_port_table */
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	__u32 tc_prog[VMST_MAX_UPLINKS];
	int nup, fdb;
	unsigned int rss_keys; /* distinct RSS keys in use */
	__u32 tc_block;
	bool tracing;
	struct vms_monitor_info mon;
	struct findings fnd;
	/* ports: all, of other namespaces, pending (the oldest for how long),
	 * with and without their tap program */
	int nports, other_ns, npending, tc_on, tc_off;
	bool tc_have[VMST_MAX_PORTS]; /* by index: the tap has its program */
	unsigned long oldest;
	/* + tracing, monitor, inconsistencies */
	struct problem problems[VMST_MAX_PORTS + VMST_MAX_UPLINKS + 3];
	int nprob;
};

/* Add a problem of @kind about @object; its text is @fmt. */
static void problem(struct status *s, const char *kind, const char *object,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void problem(struct status *s, const char *kind, const char *object,
		    const char *fmt, ...)
{
	struct problem *pr = problem_add(s->problems, &s->nprob, kind, object);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pr->msg, sizeof(pr->msg), fmt, ap);
	va_end(ap);
}

static int status_read(struct status *s)
{
	struct vms_state st;
	int err;

	err = vms_state_open(&st, s->pin_path, 0);
	if (err)
		return err;
	s->nup = vms_uplink_list(&st, s->up, VMST_MAX_UPLINKS);
	err = s->nup < 0 ? vms_err(s->nup, "cannot list uplinks: %s",
				   strerror(-s->nup))
			 : vms_port_table(&st.maps, &s->cfg);
	s->fdb = err ? 0 : vms_fdb_count(&st.maps);
	if (s->fdb < 0)
		err = s->fdb;
	if (!err) {
		const struct vms_rss_keys *k = vms_rss_keys_of(&st.maps);

		err = k ? 0 : -EIO;
		s->rss_keys = k ? vms_rss_keys_distinct(k) : 0;
	}
	s->tracing = vms_tracing_attached(st.pin_path);
	s->tc_block = vms_tc_block(&st);
	if (!err)
		err = vms_monitor_info(&st.maps, &s->mon);
	if (!err) {
		memset(&s->fnd, 0, sizeof(s->fnd));
		err = vms_state_check(&st.maps, collect, &s->fnd);
		err = err < 0 ? err : 0;
	}
	vms_state_close(&st);
	return err;
}

/* Port @idx of this namespace: pending, tap gone, or its tap program. */
static void status_port(struct status *s, int idx, __u32 now)
{
	const struct vmst_port_cfg *c = &s->cfg[idx];
	char obj[24];

	snprintf(obj, sizeof(obj), "%.16s", c->name);
	if (c->flags & VMST_CFG_F_PENDING) {
		unsigned long age = now - c->pending_since;

		s->npending++;
		s->oldest = age > s->oldest ? age : s->oldest;
		if (age > s->pending_max)
			problem(s, "pending_too_long", obj,
				"port %s: pending for %lu s, no tap %s "
				"appeared",
				obj, age, obj);
	} else if (!vms_port_tap_there(c, NULL)) {
		problem(s, "tap_gone", obj,
			"port %s: tap is gone (ifindex %u); 'vmsteer sync' "
			"makes it pending, 'vmsteer port del %s' removes it",
			obj, c->ifindex, obj);
		s->tc_off++;
	} else if (s->tc_have[idx]) {
		s->tc_on++;
	} else {
		s->tc_off++;
		problem(s, "no_tap_program", obj,
			"port %s: its tap program is not attached; 'vmsteer "
			"attach UPLINK' adds it",
			obj);
	}
}

/* Count the ports and uplinks, and what needs attention. */
static void status_findings(struct status *s)
{
	__u32 netns = vms_netns_ino(), now = vms_boottime();
	static __u32 ifx[VMST_MAX_PORTS];
	static bool have[VMST_MAX_PORTS];
	static int at[VMST_MAX_PORTS];
	char obj[24];
	int i, n = 0;

	/* The tap programs: one batch of queries for all ports. */
	for (i = 1; i < VMST_MAX_PORTS; i++) {
		at[i] = -1;
		if (vms_port_in_use(&s->cfg[i]) &&
		    s->cfg[i].netns_ino == netns &&
		    !(s->cfg[i].flags & VMST_CFG_F_PENDING)) {
			at[i] = n;
			ifx[n++] = s->cfg[i].ifindex;
		}
	}
	if (vms_taps_have_prog(ifx, n, 0, have)) {
		vms_clear_error(); /* not known: counted as missing */
		memset(have, 0, sizeof(have));
	}
	for (i = 1; i < VMST_MAX_PORTS; i++)
		s->tc_have[i] = at[i] >= 0 && have[at[i]];
	for (i = 1; i < VMST_MAX_PORTS; i++) {
		if (!vms_port_in_use(&s->cfg[i]))
			continue;
		s->nports++;
		if (s->cfg[i].netns_ino != netns)
			s->other_ns++;
		else
			status_port(s, i, now);
	}
	for (i = 0; i < s->nup; i++)
		if (s->up[i].name[0])
			s->tc_prog[i] = vms_tc_prog_id(s->up[i].ifindex);
	for (i = 0; i < s->nup; i++) {
		if (!s->up[i].defunct)
			continue;
		snprintf(obj, sizeof(obj), "ifindex %u", s->up[i].ifindex);
		problem(s, "uplink_gone", obj,
			"uplink ifindex %u: device is gone; its link %u is "
			"defunct",
			s->up[i].ifindex, s->up[i].link_id);
	}
	if (!s->tracing)
		problem(s, "no_tracing", "tracing",
			"tap drop counting is not attached (it comes with the "
			"first 'vmsteer attach')");
	if (s->mon.state == VMS_MONITOR_STALE)
		problem(s, "monitor_stale", "monitor",
			"monitor left on by pid %u, now gone: its lease ended, "
			"no events",
			s->mon.pid);
	if (s->fnd.n[VMS_CHECK_BROKEN])
		problem(s, "inconsistent", "fdb",
			"%d FDB inconsistencies: frames may be lost",
			s->fnd.n[VMS_CHECK_BROKEN]);
}

static struct json_object *status_uplinks_json(const struct status *s)
{
	struct json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < s->nup; i++) {
		const struct vms_uplink_info *w = &s->up[i];
		struct json_object *u = json_object_new_object();

		vms_json_str(u, "device", w->name[0] ? w->name : NULL);
		vms_json_u64(u, "ifindex", w->ifindex);
		vms_json_u64(u, "netns_ino", w->netns_ino);
		vms_json_str(u, "mode", vms_mode_name(w->mode));
		vms_json_u64(u, "prog_id", w->prog_id);
		vms_json_u64(u, "link_id", w->link_id);
		/* 0: none, or an uplink of another netns */
		vms_json_u64(u, "tc_prog_id", s->tc_prog[i]);
		vms_json_bool(u, "defunct", w->defunct);
		json_object_array_add(arr, u);
	}
	return arr;
}

static void status_json(const struct status *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *mo = json_object_new_object();
	struct json_object *probs = json_object_new_array();
	struct json_object *arr = json_object_new_array();
	int i;

	vms_json_str(o, "pin_path", s->pin_path);
	vms_json_bool(o, "initialised", true);
	vms_json_str(mo, "state", vms_monitor_state_name(s->mon.state));
	vms_json_u64(mo, "pid", s->mon.pid);
	vms_json_u64(mo, "events", s->mon.emitted);
	vms_json_u64(mo, "lost", s->mon.lost);
	json_object_object_add(o, "monitor", mo);
	vms_json_u64(o, "layout_version", VMSTEER_LAYOUT_VERSION);
	json_object_object_add(o, "uplinks", status_uplinks_json(s));
	vms_json_bool(o, "tracing", s->tracing);
	vms_json_u64(o, "ports", s->nports);
	vms_json_u64(o, "ports_max", VMST_MAX_PORTS - 1);
	vms_json_u64(o, "ports_pending", s->npending);
	vms_json_u64(o, "pending_max", s->pending_max);
	vms_json_u64(o, "tc_attached", s->tc_on);
	vms_json_u64(o, "tc_missing", s->tc_off);
	vms_json_u64(o, "tc_block", s->tc_block);
	vms_json_u64(o, "ports_other_netns", s->other_ns);
	vms_json_u64(o, "fdb_entries", s->fdb);
	vms_json_u64(o, "fdb_slots", VMST_FDB_SLOTS);
	vms_json_u64(o, "rss_keys", s->rss_keys);
	vms_json_u64(o, "rss_keys_max", VMST_RSS_KEYS);
	for (i = 0; i < s->nprob; i++) {
		struct json_object *a = json_object_new_object();

		json_object_array_add(
			probs, json_object_new_string(s->problems[i].msg));
		vms_json_str(a, "kind", s->problems[i].kind);
		vms_json_str(a, "object", s->problems[i].object);
		vms_json_str(a, "message", s->problems[i].msg);
		json_object_array_add(arr, a);
	}
	json_object_object_add(o, "problems", probs);
	json_object_object_add(o, "attention", arr);
	vms_json_bool(o, "healthy", !s->nprob);
	vms_json_bool(o, "consistent", !s->fnd.n[VMS_CHECK_BROKEN]);
	json_object_object_add(o, "inconsistencies",
			       findings_json(&s->fnd, VMS_CHECK_BROKEN));
	json_object_object_add(o, "repairs",
			       findings_json(&s->fnd, VMS_CHECK_REPAIR));
	vms_json_print(o);
}

static void status_uplinks_plain(const struct status *s)
{
	static const char *hdr[] = {"UPLINK", ">IFINDEX", "MODE", ">PROG",
				    ">LINK",  ">TC_PROG", "STATE"};
	struct vms_table t;
	int i;

	vms_table_init(&t, 7, hdr);
	for (i = 0; i < s->nup; i++) {
		const struct vms_uplink_info *w = &s->up[i];
		char ifi[12], prog[12], link[12], tcp[12];

		snprintf(ifi, sizeof(ifi), "%u", w->ifindex);
		snprintf(prog, sizeof(prog), "%u", w->prog_id);
		snprintf(link, sizeof(link), "%u", w->link_id);
		if (w->name[0])
			snprintf(tcp, sizeof(tcp), "%u", s->tc_prog[i]);
		else
			snprintf(tcp, sizeof(tcp), "-");
		vms_table_add(&t, (const char *[]){
					  w->name[0] ? w->name : "?", ifi,
					  vms_mode_name(w->mode), prog, link,
					  tcp, w->defunct ? "defunct" : "ok"});
	}
	putchar('\n');
	vms_table_print(&t, stdout);
	vms_table_free(&t);
}

static void status_plain(const struct status *s)
{
	const struct vms_monitor_info *mon = &s->mon;
	int i;

	printf("pin path:  %s (layout %d)\n", s->pin_path,
	       VMSTEER_LAYOUT_VERSION);
	printf("ports:     %d of %d\n", s->nports, VMST_MAX_PORTS - 1);
	if (s->npending)
		printf("pending:   %d ports waiting for their tap (longest %lu "
		       "s)\n",
		       s->npending, s->oldest);
	printf("fdb:       %d of %u slots\n", s->fdb, VMST_FDB_SLOTS);
	printf("rss keys:  %u of %d distinct keys\n", s->rss_keys,
	       VMST_RSS_KEYS);
	printf("tap tc:    %d ports with their tap program, %d without "
	       "(tc block %u)",
	       s->tc_on, s->tc_off, s->tc_block);
	if (s->other_ns)
		printf(" (%d ports of other namespaces not checked)",
		       s->other_ns);
	putchar('\n');
	printf("tracing:   %s\n", s->tracing ? "attached" : "not attached");
	printf("fdb check: %s\n", s->fnd.n[VMS_CHECK_BROKEN] ? "INCONSISTENT"
				  : s->fnd.n[VMS_CHECK_REPAIR]
					  ? "consistent, repairs pending "
					    "('vmsteer apply' makes them)"
					  : "consistent");
	printf("monitor:   %s", vms_monitor_state_name(mon->state));
	if (mon->state == VMS_MONITOR_ON || mon->state == VMS_MONITOR_STALE)
		printf(" (pid %u, %llu events, %llu lost)", mon->pid,
		       mon->emitted, mon->lost);
	putchar('\n');
	printf("uplinks:   %d\n", s->nup);
	if (s->nup)
		status_uplinks_plain(s);
	if (s->nprob) {
		printf("\nproblems:\n");
		for (i = 0; i < s->nprob; i++)
			printf("  %s\n", s->problems[i].msg);
	}
	findings_print(&s->fnd, VMS_CHECK_BROKEN,
		       "inconsistencies (frames may be lost)");
	findings_print(&s->fnd, VMS_CHECK_REPAIR,
		       "left by an interrupted command ('vmsteer apply' "
		       "repairs it)");
}

/* No state at the pin path: said, and no problem. */
static int status_none(const char *pin_path)
{
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "pin_path", pin_path);
		vms_json_bool(o, "initialised", false);
		vms_json_print(o);
	} else {
		printf("pin path: %s (no state: run 'vmsteer attach DEV' or "
		       "'vmsteer port add')\n",
		       pin_path);
	}
	return 0;
}

static int status_opt(void *ctx, int c, const char *arg)
{
	struct status *s = ctx;

	(void)c; /* 'P' */
	if (vms_opt_once("status", "--pending-max", &s->pending_arg, arg))
		return VMS_EXIT_USAGE;
	if (vms_parse_uint(arg, 86400 * 365, &s->pending_max))
		return vms_err(-EINVAL,
			       "--pending-max %s: expected seconds "
			       "(0..31536000)",
			       arg);
	return 0;
}

int cmd_status(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_opt opts[] = {
		{"pending-max", 'P', VMS_OPT_ARG, 0}, {}};
	static const struct vms_optspec spec = {
		.cmd = "status",
		.shortopts = "",
		.opts = opts,
		.fn = status_opt,
	};
	static struct status s;
	int err;

	memset(&s, 0, sizeof(s));
	s.pin_path = cli->pin_path;
	s.pending_max = 60;
	err = vms_getopt(&spec, argc, argv, &s);
	if (err)
		return err;
	if (optind != argc)
		return vms_usage_err("status", "takes no arguments");
	if (!vms_state_exists(cli->pin_path))
		return status_none(cli->pin_path);
	err = status_read(&s);
	if (err)
		return err;
	status_findings(&s);
	if (vms_json)
		status_json(&s);
	else
		status_plain(&s);
	return s.nprob ? VMS_EXIT_ATTENTION : 0;
}
