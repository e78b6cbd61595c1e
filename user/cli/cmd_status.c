// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer status */
#include <errno.h>
#include <getopt.h>
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
#include "load/tapxdp.h"
#include "load/tc.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

const char cmd_status_usage[] =
	"Usage: vmsteer status [--pending-max SECS]\n\n"
	"Show the pinned state: its layout version, the uplinks with their "
	"attach\nmode and program, whether tap drops are being counted, how "
	"full the\nport table and FDB are, and problems (a port whose tap "
	"is gone, an\nuplink whose device is gone). The ports and the FDB "
	"are checked against\neach other: 'inconsistencies' (JSON) lists "
	"FDB entries that lead to a\nmissing or mismatched port or "
	"redirect target, 'repairs' what an\ninterrupted command left "
	"behind that 'vmsteer apply' repairs.\n\n"
	"The tc programs: per uplink the id of its tc program (skb path), "
	"and how\nmany ports of this network namespace have their tap "
	"program attached\n('tc_attached') and how many do not "
	"('tc_missing': 'vmsteer attach'\nadds it again); ports of other "
	"namespaces are not looked at.\n\n"
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

int cmd_status(const struct vms_cli *cli, int argc, char **argv)
{
	static struct findings fnd;
	static const char *hdr[] = {"UPLINK", ">IFINDEX", "MODE", ">PROG",
				    ">LINK",  ">TC_PROG", "STATE"};
	__u32 tc_prog[VMST_MAX_UPLINKS] = {0};
	int tc_on = 0, tc_off = 0, other_ns = 0;
	static struct vmst_port_cfg cfg[VMST_MAX_PORTS];
	struct vms_uplink_info up[VMST_MAX_UPLINKS];
	struct json_object *o = NULL, *arr = NULL, *probs = NULL;
	/* + tracing, monitor, inconsistencies */
	static struct problem problems[VMST_MAX_PORTS + VMST_MAX_UPLINKS + 3];
	static const struct option opts[] = {
		{"pending-max", required_argument, NULL, 'P'}, {}};
	int nup, nports = 0, nprob = 0, npending = 0, fdb, i, err, c;
	unsigned long long pending_max = 60;
	unsigned long oldest = 0;
	const char *pending_arg = NULL;
	__u32 now = vms_boottime();
	struct problem *pr;
	char obj[24];
	__u32 netns = vms_netns_ino();
	struct vms_monitor_info mon;
	struct vms_table t;
	struct vms_state st;
	bool tracing;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return vms_bad_option("status", argv);
		if (vms_opt_once("status", "--pending-max", &pending_arg,
				 optarg))
			return VMS_EXIT_USAGE;
		if (vms_parse_uint(optarg, 86400 * 365, &pending_max))
			return vms_err(-EINVAL,
				       "--pending-max %s: expected seconds "
				       "(0..31536000)",
				       optarg);
	}
	if (optind != argc)
		return vms_usage_err("status", "takes no arguments");
	if (!vms_state_exists(cli->pin_path)) {
		if (vms_json) {
			o = json_object_new_object();
			vms_json_str(o, "pin_path", cli->pin_path);
			vms_json_bool(o, "initialised", false);
			vms_json_print(o);
		} else {
			printf("pin path: %s (no state: run 'vmsteer attach "
			       "DEV' or 'vmsteer port add')\n",
			       cli->pin_path);
		}
		return 0;
	}
	err = vms_state_open(&st, cli->pin_path, 0);
	if (err)
		return err;
	nup = vms_uplink_list(&st, up, VMST_MAX_UPLINKS);
	err = nup < 0 ? vms_err(nup, "cannot list uplinks: %s", strerror(-nup))
		      : vms_port_read_all(&st.maps, cfg);
	fdb = err ? 0 : vms_fdb_count(&st.maps);
	if (fdb < 0)
		err = fdb;
	tracing = vms_tracing_attached(st.pin_path);
	if (!err)
		err = vms_monitor_info(&st.maps, &mon);
	if (!err) {
		memset(&fnd, 0, sizeof(fnd));
		err = vms_state_check(&st.maps, collect, &fnd);
		err = err < 0 ? err : 0;
	}
	vms_state_close(&st);
	if (err)
		return err;

	for (i = 1; i < VMST_MAX_PORTS; i++) {
		if (!vms_port_in_use(&cfg[i]))
			continue;
		nports++;
		if (cfg[i].netns_ino != netns) {
			other_ns++;
			continue;
		}
		snprintf(obj, sizeof(obj), "%.16s", cfg[i].name);
		if (cfg[i].flags & VMST_CFG_F_PENDING) {
			unsigned long age = now - cfg[i].pending_since;

			npending++;
			oldest = age > oldest ? age : oldest;
			if (age <= pending_max)
				continue;
			pr = problem_add(problems, &nprob, "pending_too_long",
					 obj);
			snprintf(pr->msg, sizeof(pr->msg),
				 "port %s: pending for %lu s, no tap %s "
				 "appeared",
				 obj, age, obj);
		} else if (!vms_port_tap_there(&cfg[i], NULL)) {
			pr = problem_add(problems, &nprob, "tap_gone", obj);
			snprintf(pr->msg, sizeof(pr->msg),
				 "port %s: tap is gone (ifindex %u); "
				 "'vmsteer sync' makes it pending, 'vmsteer "
				 "port del %s' removes it",
				 obj, cfg[i].ifindex, obj);
			tc_off++;
		} else if (vms_tap_prog_ours(cfg[i].ifindex)) {
			tc_on++;
		} else {
			tc_off++;
			pr = problem_add(problems, &nprob, "no_tap_program",
					 obj);
			snprintf(pr->msg, sizeof(pr->msg),
				 "port %s: its tap program is not "
				 "attached; 'vmsteer attach UPLINK' adds it",
				 obj);
		}
	}
	for (i = 0; i < nup; i++)
		if (up[i].name[0])
			tc_prog[i] = vms_tc_prog_id(up[i].ifindex);
	for (i = 0; i < nup; i++) {
		if (!up[i].defunct)
			continue;
		snprintf(obj, sizeof(obj), "ifindex %u", up[i].ifindex);
		pr = problem_add(problems, &nprob, "uplink_gone", obj);
		snprintf(pr->msg, sizeof(pr->msg),
			 "uplink ifindex %u: device is gone; its link %u is "
			 "defunct",
			 up[i].ifindex, up[i].link_id);
	}
	if (!tracing) {
		pr = problem_add(problems, &nprob, "no_tracing", "tracing");
		snprintf(pr->msg, sizeof(pr->msg),
			 "tap drop counting is not attached (it comes with "
			 "the first 'vmsteer attach')");
	}
	if (mon.state == VMS_MONITOR_STALE) {
		pr = problem_add(problems, &nprob, "monitor_stale", "monitor");
		snprintf(pr->msg, sizeof(pr->msg),
			 "monitor left on by pid %u, now gone: its lease "
			 "ended, no events",
			 mon.pid);
	}
	if (fnd.n[VMS_CHECK_BROKEN]) {
		pr = problem_add(problems, &nprob, "inconsistent", "fdb");
		snprintf(pr->msg, sizeof(pr->msg),
			 "%d FDB inconsistencies: frames may be lost",
			 fnd.n[VMS_CHECK_BROKEN]);
	}

	if (vms_json) {
		struct json_object *mo = json_object_new_object();

		o = json_object_new_object();
		vms_json_str(o, "pin_path", cli->pin_path);
		vms_json_bool(o, "initialised", true);
		vms_json_str(mo, "state", vms_monitor_state_name(mon.state));
		vms_json_u64(mo, "pid", mon.pid);
		vms_json_u64(mo, "events", mon.emitted);
		vms_json_u64(mo, "lost", mon.lost);
		json_object_object_add(o, "monitor", mo);
		vms_json_u64(o, "layout_version", VMSTEER_LAYOUT_VERSION);
		arr = json_object_new_array();
		for (i = 0; i < nup; i++) {
			struct json_object *u = json_object_new_object();

			vms_json_str(u, "device",
				     up[i].name[0] ? up[i].name : NULL);
			vms_json_u64(u, "ifindex", up[i].ifindex);
			vms_json_u64(u, "netns_ino", up[i].netns_ino);
			vms_json_str(u, "mode", vms_mode_name(up[i].mode));
			vms_json_u64(u, "prog_id", up[i].prog_id);
			vms_json_u64(u, "link_id", up[i].link_id);
			/* 0: none, or an uplink of another netns */
			vms_json_u64(u, "tc_prog_id", tc_prog[i]);
			vms_json_bool(u, "defunct", up[i].defunct);
			json_object_array_add(arr, u);
		}
		json_object_object_add(o, "uplinks", arr);
		vms_json_bool(o, "tracing", tracing);
		vms_json_u64(o, "ports", nports);
		vms_json_u64(o, "ports_max", VMST_MAX_PORTS - 1);
		vms_json_u64(o, "ports_pending", npending);
		vms_json_u64(o, "pending_max", pending_max);
		vms_json_u64(o, "tc_attached", tc_on);
		vms_json_u64(o, "tc_missing", tc_off);
		vms_json_u64(o, "ports_other_netns", other_ns);
		vms_json_u64(o, "fdb_entries", fdb);
		vms_json_u64(o, "fdb_slots", VMST_FDB_SLOTS);
		probs = json_object_new_array();
		for (i = 0; i < nprob; i++)
			json_object_array_add(
				probs, json_object_new_string(problems[i].msg));
		json_object_object_add(o, "problems", probs);
		arr = json_object_new_array();
		for (i = 0; i < nprob; i++) {
			struct json_object *a = json_object_new_object();

			vms_json_str(a, "kind", problems[i].kind);
			vms_json_str(a, "object", problems[i].object);
			vms_json_str(a, "message", problems[i].msg);
			json_object_array_add(arr, a);
		}
		json_object_object_add(o, "attention", arr);
		vms_json_bool(o, "healthy", !nprob);
		vms_json_bool(o, "consistent", !fnd.n[VMS_CHECK_BROKEN]);
		json_object_object_add(o, "inconsistencies",
				       findings_json(&fnd, VMS_CHECK_BROKEN));
		json_object_object_add(o, "repairs",
				       findings_json(&fnd, VMS_CHECK_REPAIR));
		vms_json_print(o);
		return nprob ? VMS_EXIT_ATTENTION : 0;
	}

	printf("pin path:  %s (layout %d)\n", cli->pin_path,
	       VMSTEER_LAYOUT_VERSION);
	printf("ports:     %d of %d\n", nports, VMST_MAX_PORTS - 1);
	if (npending)
		printf("pending:   %d ports waiting for their tap (longest %lu "
		       "s)\n",
		       npending, oldest);
	printf("fdb:       %d of %u slots\n", fdb, VMST_FDB_SLOTS);
	printf("tap tc:    %d ports with their tap program, %d without", tc_on,
	       tc_off);
	if (other_ns)
		printf(" (%d ports of other namespaces not checked)", other_ns);
	putchar('\n');
	printf("tracing:   %s\n", tracing ? "attached" : "not attached");
	printf("fdb check: %s\n", fnd.n[VMS_CHECK_BROKEN] ? "INCONSISTENT"
				  : fnd.n[VMS_CHECK_REPAIR]
					  ? "consistent, repairs pending "
					    "('vmsteer apply' makes them)"
					  : "consistent");
	printf("monitor:   %s", vms_monitor_state_name(mon.state));
	if (mon.state == VMS_MONITOR_ON || mon.state == VMS_MONITOR_STALE)
		printf(" (pid %u, %llu events, %llu lost)", mon.pid,
		       mon.emitted, mon.lost);
	putchar('\n');
	printf("uplinks:   %d\n", nup);
	if (nup) {
		vms_table_init(&t, 7, hdr);
		for (i = 0; i < nup; i++) {
			char ifi[12], prog[12], link[12], tcp[12];

			snprintf(ifi, sizeof(ifi), "%u", up[i].ifindex);
			snprintf(prog, sizeof(prog), "%u", up[i].prog_id);
			snprintf(link, sizeof(link), "%u", up[i].link_id);
			if (up[i].name[0])
				snprintf(tcp, sizeof(tcp), "%u", tc_prog[i]);
			else
				snprintf(tcp, sizeof(tcp), "-");
			vms_table_add(
				&t,
				(const char *[]){
					up[i].name[0] ? up[i].name : "?", ifi,
					vms_mode_name(up[i].mode), prog, link,
					tcp, up[i].defunct ? "defunct" : "ok"});
		}
		putchar('\n');
		vms_table_print(&t, stdout);
		vms_table_free(&t);
	}
	if (nprob) {
		printf("\nproblems:\n");
		for (i = 0; i < nprob; i++)
			printf("  %s\n", problems[i].msg);
	}
	findings_print(&fnd, VMS_CHECK_BROKEN,
		       "inconsistencies (frames may be lost)");
	findings_print(&fnd, VMS_CHECK_REPAIR,
		       "left by an interrupted command ('vmsteer apply' "
		       "repairs it)");
	return nprob ? VMS_EXIT_ATTENTION : 0;
}
