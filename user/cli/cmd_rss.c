// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer rss show|set: a port's queue steering (RSS) settings. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "cli/output.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/rss.h"
#include "util/log.h"
#include "util/netdev.h"

const char cmd_rss_usage[] =
	"Usage: vmsteer rss show TAP\n"
	"       vmsteer rss set TAP [--rss-key HEX] [--rss-types LIST]\n"
	"                           [--rss-table LIST] [--default-queue Q]\n\n"
	"show  the RSS settings of TAP's port (added with port add --queues),\n"
	"      the steering program on the tap and whose it is, the queues "
	"the\n      VM holds, and the frames steered to each queue.\n"
	"set   change the key, hash types, indirection table or default "
	"queue\n      while traffic flows: one map update, no program is "
	"reloaded.\n"
	"      --rss-key HEX     40-byte Toeplitz key, hex (colons allowed)\n"
	"      --rss-types LIST  ipv4,tcpv4,udpv4,ipv6,tcpv6,udpv6, all or "
	"none\n"
	"      --rss-table LIST  queue numbers, a power of two of them up to "
	"128\n"
	"      --default-queue Q queue of frames no enabled hash type covers\n"
	"A table entry or default queue the tap does not have is refused.\n";

/* The port of @tap in this netns with RSS enabled: index, or -errno. */
static int rss_port(struct vms_state *st, const char *tap,
		    struct vmst_port_cfg *pc, struct vmst_rss *cfg)
{
	int idx, err;

	idx = vms_port_find(&st->maps, tap, vms_netns_ino(), pc);
	if (idx < 0)
		return idx;
	if (!idx)
		return vms_err(-ENOENT, "port %s: not configured", tap);
	err = vms_rss_read(&st->maps, idx, cfg);
	if (err)
		return err;
	if (!(cfg->flags & VMST_RSS_F_ENABLED))
		return vms_err(-ENOENT,
			       "port %s: no queue steering (add it with "
			       "'vmsteer port add %s ... --queues N')",
			       tap, tap);
	return idx;
}

/* What is on the tap now; a brief queue is opened when no one holds one. */
static void steering_now(const struct vms_maps *m, const char *tap,
			 const struct vmst_port_cfg *pc,
			 struct vms_steer_ctx *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->qfd = -1;
	if (pc->netns_ino != vms_netns_ino() || vms_is_tap(tap) != 1 ||
	    vms_ifindex(tap) != (int)pc->ifindex) {
		vms_clear_error();
		return;
	}
	if (!vms_tap_view(pc->ifindex, pc->netns_ino, &sc->view) &&
	    sc->view.found) {
		vms_steer_owner(m, sc->view.steer_prog_id, &sc->owner,
				sc->prog_name, sizeof(sc->prog_name));
		sc->vm_queues = sc->view.numqueues + sc->view.numdisabled;
	} else if (!vms_steer_prepare(m, tap, 0, true, sc)) {
		vms_steer_close(sc);
	}
	vms_clear_error();
}

static int rss_show(const struct vms_cli *cli, int argc, char **argv)
{
	struct vmst_queue_stats qs;
	struct vms_steer_ctx sc;
	struct vmst_port_cfg pc;
	struct vmst_rss cfg;
	struct vms_state st;
	const char *tap;
	int idx, err;
	unsigned int q;

	if (argc != 2 || argv[1][0] == '-')
		return vms_usage_err("rss", "show: expected one tap");
	tap = argv[1];
	err = vms_state_open(&st, cli->pin_path, 0);
	if (err)
		return err;
	idx = rss_port(&st, tap, &pc, &cfg);
	err = idx < 0 ? idx : vms_read_queue_stats(&st.maps, idx, &qs);
	if (!err)
		steering_now(&st.maps, tap, &pc, &sc);
	vms_state_close(&st);
	if (err)
		return err;

	if (vms_json) {
		struct json_object *o = json_object_new_object();
		struct json_object *s = json_object_new_object();
		struct json_object *fr = json_object_new_array();

		vms_json_str(o, "port", tap);
		vms_json_u64(o, "index", idx);
		vms_json_u64(o, "queues", cfg.queues);
		json_object_object_add(o, "rss", vms_rss_json(&cfg));
		vms_json_str(o, "xdp_steer",
			     cfg.flags & VMST_RSS_F_XDP_CPUMAP ? "cpumap"
							       : "none");
		vms_json_str(s, "owner", vms_steer_owner_name(sc.owner));
		vms_json_u64(s, "prog_id", sc.view.steer_prog_id);
		vms_json_str(s, "name", sc.prog_name);
		json_object_object_add(o, "steering", s);
		vms_json_u64(o, "vm_queues", sc.vm_queues);
		for (q = 0; q < cfg.queues; q++)
			json_object_array_add(
				fr, json_object_new_uint64(qs.frames[q]));
		json_object_object_add(o, "frames_per_queue", fr);
		vms_json_print(o);
		return 0;
	}
	{
		char key[3 * VMST_RSS_KEY_LEN], types[64];
		char table[6 * VMST_RSS_TABLE_MAX];

		vms_rss_format_key(cfg.key, key);
		vms_rss_format_types(cfg.hash_types, types, sizeof(types));
		vms_rss_format_table(&cfg, table, sizeof(table));
		printf("port %s (index %d): %u queues, xdp-steer %s\n", tap,
		       idx, cfg.queues,
		       cfg.flags & VMST_RSS_F_XDP_CPUMAP ? "cpumap" : "none");
		printf("  key            %s\n", key);
		printf("  hash types     %s\n", types);
		printf("  table          %u entries: %s\n", cfg.table_size,
		       table);
		printf("  default queue  %u\n", cfg.default_queue);
		if (sc.owner == VMS_STEER_NONE)
			printf("  steering       none on the tap\n");
		else
			printf("  steering       %s (program %u, %s)\n",
			       vms_steer_owner_name(sc.owner),
			       sc.view.steer_prog_id, sc.prog_name);
		if (sc.vm_queues)
			printf("  VM queues      %u\n", sc.vm_queues);
		else
			printf("  VM queues      none open\n");
		printf("  frames/queue  ");
		for (q = 0; q < cfg.queues; q++)
			printf(" q%u=%llu", q,
			       (unsigned long long)qs.frames[q]);
		printf("\n");
	}
	return 0;
}

/* The options of `rss set`, as given. */
struct set_opts {
	const char *key, *types, *table, *defq;
};

static int rss_set(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_opt opts[] = {
		{"rss-key", 'k', VMS_OPT_STR, offsetof(struct set_opts, key)},
		{"rss-types", 't', VMS_OPT_STR,
		 offsetof(struct set_opts, types)},
		{"rss-table", 'T', VMS_OPT_STR,
		 offsetof(struct set_opts, table)},
		{"default-queue", 'd', VMS_OPT_STR,
		 offsetof(struct set_opts, defq)},
		{}};
	static const struct vms_optspec spec = {
		.cmd = "rss",
		.shortopts = "",
		.opts = opts,
	};
	struct set_opts o = {};
	const char *key, *types, *table, *defq;
	static struct vms_edit e;
	struct vmst_port_cfg pc;
	struct vmst_rss cfg;
	struct vms_state st;
	const char *tap;
	int idx, err;

	err = vms_getopt(&spec, argc, argv, &o);
	if (err)
		return err;
	key = o.key;
	types = o.types;
	table = o.table;
	defq = o.defq;
	if (optind != argc - 1)
		return vms_usage_err("rss", "set: expected one tap");
	tap = argv[optind];
	if (!key && !types && !table && !defq)
		return vms_usage_err("rss", "set %s: nothing to change", tap);

	err = vms_state_open(&st, cli->pin_path, VMS_OPEN_WRITE);
	if (err)
		return err;
	idx = rss_port(&st, tap, &pc, &cfg);
	if (idx < 0) {
		err = idx;
		goto out;
	}
	/* Everything is parsed and checked before the one write. */
	if (key)
		err = vms_rss_parse_key("--rss-key", key, cfg.key);
	if (!err && types)
		err = vms_rss_parse_types("--rss-types", types,
					  &cfg.hash_types);
	if (!err && table)
		err = vms_rss_parse_table("--rss-table", table, &cfg);
	if (!err && defq) {
		unsigned long long q;

		if (vms_parse_uint(defq, cfg.queues - 1, &q))
			err = vms_err(-EINVAL,
				      "--default-queue %s: port %s has queues "
				      "0..%u",
				      defq, tap, cfg.queues - 1);
		else
			cfg.default_queue = q;
	}
	if (!err)
		err = vms_rss_check(tap, &cfg);
	/* An edit of the port's document: its steering settings. */
	if (!err)
		err = vms_cfg_port_from_record(&st, idx, &pc, vms_netns_ino(),
					       &e.port);
	if (!err) {
		e.kind = VMS_EDIT_RSS;
		e.port.rss = cfg;
		err = vms_port_edit(&st, &e);
	}
out:
	vms_state_close(&st);
	if (err)
		return err;
	if (vms_json) {
		struct json_object *o = json_object_new_object();

		vms_json_str(o, "port", tap);
		vms_json_u64(o, "queues", cfg.queues);
		json_object_object_add(o, "rss", vms_rss_json(&cfg));
		vms_json_print(o);
	} else {
		char t[64];

		vms_rss_format_types(cfg.hash_types, t, sizeof(t));
		printf("port %s: RSS updated (types %s, table of %u, default "
		       "queue %u)\n",
		       tap, t, cfg.table_size, cfg.default_queue);
	}
	return 0;
}

int cmd_rss(const struct vms_cli *cli, int argc, char **argv)
{
	static const struct vms_cmd subs[] = {
		{.name = "show", .fn = rss_show},
		{.name = "set", .fn = rss_set},
	};

	return vms_run_subcmd("rss", subs, sizeof(subs) / sizeof(subs[0]), cli,
			      argc, argv);
}
