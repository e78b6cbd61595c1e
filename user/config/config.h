/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Declarative configuration: the document `vmsteer apply` reads and
 * `vmsteer dump` writes, its parser and validator, and the plan that takes
 * the pinned state to it.
 *
 *	{"uplinks": [{"device": "eth0", "mode": "auto"}],
 *	 "ports": [{"tap": "vnet0", "mac": "52:54:00:12:34:56", "vlan": 100,
 *		    "addresses": ["192.0.2.10", "2001:db8::/64"],
 *		    "trusted": false, "tx_hook": "xdp",
 *		    "queues": 4, "xdp_steer": "none",
 *		    "rss": {"key": "6d:5a:...", "types": ["ipv4", "tcpv4"],
 *			    "table": [0, 1, 2, 3], "default_queue": 0}}]}
 *
 * "queues" (1..256, or null/absent: no queue steering) turns RSS on for a
 * port; "rss" (each key optional: Microsoft key, all types, a round-robin
 * table of 128 entries and queue 0 by default) and "xdp_steer" need it.
 * "tx_hook" ("xdp", the default, or "tc") is `port add --tx-hook`.
 *
 * A document describes everything vmsteer does in the caller's network
 * namespace: an uplink or port of this namespace that it does not name is
 * removed by apply; those of other namespaces are left alone. Only what
 * vmsteer supports is accepted: an unknown key is an error naming its JSON
 * path, so a file never silently means more than vmsteer does. New fields
 * are new entries in the key tables of config.c and new members of struct
 * vms_cfg_port.
 */
#ifndef VMS_CONFIG_H
#define VMS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <json-c/json.h>

#include "core/ports.h"
#include "core/state.h"
#include "load/uplink.h"

/* Largest document apply reads. */
#define VMS_CFG_MAX_BYTES (4 << 20)
/* Ports and uplinks a document may hold (the state's limits). */
#define VMS_CFG_MAX_PORTS   (VMST_MAX_PORTS - 1)
#define VMS_CFG_MAX_UPLINKS VMST_MAX_UPLINKS

struct vms_cfg_uplink {
	char device[IF_NAMESIZE];
	enum vms_attach_mode mode; /* auto: any mode satisfies it */
	__u32 ifindex;		   /* resolved when devices are checked */
};

struct vms_cfg_port {
	char tap[IF_NAMESIZE];
	__u8 mac[6];
	__u16 vlan; /* 0: untagged */
	bool trunk; /* "trunk": tagged frames with a VID of @vids allowed */
	struct vmst_trunk vids;
	bool trusted; /* RA and DHCP server messages allowed */
	bool agent;   /* "agent": managed by vmsteer agent */
	bool tx_tc;   /* "tx_hook": "tc": no tap XDP program */
	__u32 naddrs; /* "addresses": allowed sources (none: MAC only) */
	struct vmst_addr addrs[VMST_MAX_ADDRS];
	/* queue steering: rss.queues 0 (rss all zero) when off; otherwise a
	 * complete, checked entry with VMST_RSS_F_ENABLED set
	 */
	struct vmst_rss rss;
	unsigned int rss_given; /* parsing: CFG_RSS_* keys the port gave */
	/* resolved when devices are checked; 0 when the tap does not exist
	 * (the port is pending) */
	__u32 ifindex;
	__u32 mtu;
};

struct vms_config {
	int n_uplinks;
	int n_ports;
	struct vms_cfg_uplink uplinks[VMS_CFG_MAX_UPLINKS];
	struct vms_cfg_port ports[VMS_CFG_MAX_PORTS];
};

enum vms_cfg_flags {
	/*
	 * Check the document on its own: schema, types, ranges, duplicates,
	 * counts, but not the devices (exist, are or are not taps). For
	 * tests and the fuzzer: no system call is made.
	 */
	VMS_CFG_NO_DEVICES = 1 << 0,
};

/*
 * Parse and validate a document of @len bytes. @name (the file name, or
 * NULL) prefixes error messages; every error names the JSON path at fault
 * (e.g. "ports[3].mac"). Returns 0 or a negative errno after vms_err().
 */
int vms_config_parse(const char *text, size_t len, const char *name,
		     unsigned int flags, struct vms_config *cfg);
/*
 * Resolve the taps of @cfg's ports: ifindex and MTU, or ifindex 0 (the
 * port is pending) when there is no device of that name. A device that is
 * not a tap is an error naming its JSON path, or with @lenient pending too.
 */
int vms_config_resolve_ports(struct vms_config *cfg, const char *name,
			     bool lenient);
/* Read a whole file ("-": stdin) into a malloc()ed, NUL-ended buffer. */
int vms_config_read_file(const char *path, char **text, size_t *len);

/* The document of @cfg (what dump prints; parses back to the same). */
struct json_object *vms_config_to_json(const struct vms_config *cfg);
/* True when two ports' RSS entries mean the same (both off, or equal). */
bool vms_cfg_rss_equal(const struct vmst_rss *a, const struct vmst_rss *b);
/* Uplinks by device, ports by tap name (the order dump prints). */
void vms_config_sort(struct vms_config *cfg);
/* True when @a and @b describe the same configuration (order aside). */
bool vms_config_equal(const struct vms_config *a, const struct vms_config *b);

/*
 * The configuration of the caller's network namespace in the pinned state
 * (@st NULL: none). Ports whose tap does not exist (pending, or gone)
 * are there with ifindex 0; uplinks whose device is gone are left out
 * with a warning (the next apply detaches them).
 */
int vms_config_from_state(struct vms_state *st, struct vms_config *cfg);
/* Document port of pinned record @idx (@c) of namespace @netns. */
int vms_cfg_port_from_record(struct vms_state *st, __u32 idx,
			     const struct vmst_port_cfg *c, __u32 netns,
			     struct vms_cfg_port *p);

/* ---- helpers config.c shares with plan.c --------------------------------- */

/* vms_err(-EINVAL) of "NAME: PATH: message" (@name NULL: "PATH: ..."). */
int vms_cfg_err(const char *name, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "on VLAN 100" or "untagged", for messages. */
void vms_vlan_text(__u16 vlan, char *out, size_t len);
const char *vms_attach_mode_name(enum vms_attach_mode m);
/* The mode named @s (auto, native or generic) into *@m, or -EINVAL. */
int vms_attach_mode_parse(const char *s, enum vms_attach_mode *m);
/* @a is one of the @n addresses of @set. */
bool vms_addr_in(const struct vmst_addr *a, const struct vmst_addr *set,
		 __u32 n);
/* Same trust and the same addresses (order aside) as @p. */
bool vms_cfg_same_tx(const struct vms_cfg_port *p, bool trusted,
		     const struct vmst_addr *addrs, __u32 n);
/* The spec that writes document port @p (in the caller's namespace). */
void vms_port_spec_from_cfg(const struct vms_cfg_port *p,
			    struct vms_port_spec *s);

/* ---- plan: from the pinned state to a document (plan.c) ----------------- */

enum vms_op_kind {
	VMS_OP_FDB_CLEAR,   /* repair: an FDB slot naming no port */
	VMS_OP_PORT_REPAIR, /* repair: a half-written or duplicate record */
	VMS_OP_ATTACH,
	VMS_OP_REATTACH, /* another attach mode: detach, attach */
	VMS_OP_PORT_DEL,
	VMS_OP_PORT_UPDATE,
	VMS_OP_PORT_ADD,
	VMS_OP_DETACH,
	VMS_OP_PORT_RSS, /* set or remove a port's queue steering */
};

struct vms_op {
	enum vms_op_kind kind;
	int cfg_idx; /* document entry (uplink or port), -1: none */
	__u32 index; /* port index, FDB slot, or uplink ifindex */
	char name[IF_NAMESIZE];
	/* the port or uplink before (DEL, UPDATE, REPAIR, DETACH...) */
	__u8 old_mac[6];
	__u16 old_vlan;
	__u32 old_ifindex, old_mtu, old_mode;
	__u32 old_queues;   /* PORT_RSS: queues steered before, 0: none */
	bool settings_only; /* PORT_RSS: steering stays, its settings change */
	char why[64];	    /* repairs: what was wrong */
};

struct vms_plan {
	int n;
	int cap;
	struct vms_op *ops;
	/* vms_plan_make refused document port bad_port - 1 (0: none) */
	int bad_port;
};

/*
 * The operations, in order, that take the pinned state (@st NULL: none
 * yet) to @cfg, whose devices must have been checked. Refuses, with the
 * JSON path at fault, what the state makes impossible: a MAC owned on the
 * same VLAN by a port of another network namespace, more ports or uplinks
 * than fit beside those of other namespaces, a device with an XDP program
 * vmsteer did not attach.
 */
int vms_plan_make(struct vms_state *st, const struct vms_config *cfg,
		  const char *name, struct vms_plan *plan);
/* Carry the plan out, in order; stops at the first error. */
int vms_plan_apply(struct vms_state *st, const struct vms_config *cfg,
		   const struct vms_plan *plan, int *done);
void vms_plan_free(struct vms_plan *plan);

/*
 * One port's edit (port add, port del, rss set): the state read as a
 * document, one port changed, planned and applied through the same steps,
 * order and rollback as apply. Only that port is planned: the other ports
 * and the uplinks stay as they are, and nothing else is repaired.
 */
enum vms_edit_kind {
	VMS_EDIT_WRITE,	 /* add the port, or write it again as @port says */
	VMS_EDIT_DELETE, /* remove the port named @port.tap (or @index) */
	VMS_EDIT_RSS,	 /* new settings for the port's queue steering */
};

struct vms_edit {
	enum vms_edit_kind kind;
	struct vms_cfg_port port; /* the port as it is to be; tap names it */
	__u32 index;		  /* DELETE: this record (0: by @port.tap) */
	bool force; /* replace a steering program vmsteer did not install */
	/* results */
	__u32 existed;	    /* the record before, 0: none */
	__u32 result_index; /* the record after (WRITE, RSS) */
	__u32 prog_id;	    /* steering program installed, 0: none */
	bool steer_removed; /* vmsteer's steering program left the tap */
};

/* 0, or a negative errno after vms_err() (the message of the step). */
int vms_port_edit(struct vms_state *st, struct vms_edit *e);
/* One line describing @op, for people; and as a JSON object. */
void vms_op_describe(const struct vms_op *op, const struct vms_config *cfg,
		     char *out, size_t len);
struct json_object *vms_op_json(const struct vms_op *op,
				const struct vms_config *cfg);

#endif /* VMS_CONFIG_H */
