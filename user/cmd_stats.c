// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vmsteer stats [TAP] */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_stats_usage[] =
	"Usage: vmsteer stats [TAP]\n\n"
	"Show the counters, summed over CPUs: per port, frames and bytes "
	"the\nuplink redirected to the tap and what the tap did with them "
	"(accepted,\nring full, transmit error, redirect error); then the "
	"frames passed to\nthe kernel or dropped, by reason. With TAP, only "
	"that port.\n\nPort counters:\n"
#define VMS_X_DOC(name, label, help) "  " label ": " help "\n"
	VMST_PORT_COUNTERS(VMS_X_DOC) "\nReasons:\n" VMST_REASONS(VMS_X_DOC)
#undef VMS_X_DOC
	;

static struct json_object *reasons_json(const struct vmst_counter *r)
{
	struct json_object *o = json_object_new_object();
	int i;

	for (i = 0; i < VMST_R_MAX; i++) {
		struct json_object *c = json_object_new_object();

		vms_json_u64(c, "frames", r[i].frames);
		vms_json_u64(c, "bytes", r[i].bytes);
		json_object_object_add(o, vms_reason_labels[i], c);
	}
	return o;
}

static void add_reason_rows(struct vms_table *t, const char *port,
			    const struct vmst_counter *r)
{
	char f[24], b[24];
	int i;

	for (i = 0; i < VMST_R_MAX; i++) {
		if (!r[i].frames)
			continue;
		snprintf(f, sizeof(f), "%llu", (unsigned long long)r[i].frames);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)r[i].bytes);
		vms_table_add(
			t, (const char *[]){vms_reason_labels[i], port, f, b});
	}
}

int cmd_stats(const struct vms_cli *cli, int argc, char **argv)
{
	static const char *port_hdr[] = {
		"PORT",	      ">TO_VM_FRAMES", ">TO_VM_BYTES", ">TAP_SENT",
		">RING_FULL", ">XMIT_ERR",     ">REDIRECT_ERR"};
	static const char *reason_hdr[] = {"REASON", "PORT", ">FRAMES",
					   ">BYTES"};
	static struct vmst_port_cfg cfg[VMST_MAX_PORTS];
	struct vmst_counter reasons[VMST_R_MAX] = {};
	struct json_object *top = NULL, *ports = NULL;
	struct vms_table pt, rt;
	const char *tap = NULL;
	struct vms_state st;
	bool have_state;
	int idx, i, err = 0, shown = 0;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return vms_usage_err("stats", "expected at most one tap");
	if (argc == 2)
		tap = argv[1];
	memset(cfg, 0, sizeof(cfg));
	have_state = vms_state_exists(cli->pin_path);
	if (have_state) {
		err = vms_state_open(&st, cli->pin_path, 0);
		if (err)
			return err;
		err = vms_port_read_all(&st.maps, cfg);
		if (err)
			goto out;
	}

	if (vms_json) {
		top = json_object_new_object();
		ports = json_object_new_array();
		json_object_object_add(top, "ports", ports);
	}
	vms_table_init(&pt, 7, port_hdr);
	vms_table_init(&rt, 4, reason_hdr);

	/* Frames passed before any port was found: port 0. */
	if (!tap) {
		if (have_state)
			err = vms_read_reasons(&st.maps, 0, reasons);
		if (err)
			goto out_tables;
		add_reason_rows(&rt, "-", reasons);
		if (top)
			json_object_object_add(top, "uplink_reasons",
					       reasons_json(reasons));
	}
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_port_cfg *c = &cfg[idx];
		struct vmst_port_stats ps;
		char cells[VMST_PC_MAX][24];
		const char *row[1 + VMST_PC_MAX];

		if (!(c->flags & VMST_CFG_F_IN_USE))
			continue;
		if (tap && strncmp(tap, c->name, sizeof(c->name)))
			continue;
		err = vms_read_reasons(&st.maps, idx, reasons);
		if (!err)
			err = vms_read_port_stats(&st.maps, idx, &ps);
		if (err)
			goto out_tables;
		shown++;
		add_reason_rows(&rt, c->name, reasons);
		if (ports) {
			struct json_object *o = json_object_new_object();
			struct json_object *cnt = json_object_new_object();

			vms_json_str(o, "port", c->name);
			vms_json_u64(o, "index", idx);
			for (i = 0; i < VMST_PC_MAX; i++)
				vms_json_u64(cnt, vms_pc_labels[i], ps.c[i]);
			json_object_object_add(o, "counters", cnt);
			json_object_object_add(o, "reasons",
					       reasons_json(reasons));
			json_object_array_add(ports, o);
			continue;
		}
		row[0] = c->name;
		for (i = 0; i < VMST_PC_MAX; i++) {
			snprintf(cells[i], sizeof(cells[i]), "%llu",
				 (unsigned long long)ps.c[i]);
			row[1 + i] = cells[i];
		}
		vms_table_add(&pt, row);
	}
	if (tap && !shown) {
		err = vms_err(-ENOENT, "port %s: not configured", tap);
		goto out_tables;
	}
	if (top) {
		vms_json_print(top);
		top = NULL;
	} else {
		vms_table_print(&pt, stdout);
		if (rt.nrows) {
			putchar('\n');
			vms_table_print(&rt, stdout);
		}
	}
out_tables:
	json_object_put(top);
	vms_table_free(&pt);
	vms_table_free(&rt);
out:
	if (have_state)
		vms_state_close(&st);
	return err;
}
