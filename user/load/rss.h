/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Queue steering (rss.c). */
#ifndef VMS_LOAD_RSS_H
#define VMS_LOAD_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * Parsers of the RSS settings; @what names the object in messages (an
 * option or a JSON path). Key: 40 bytes of hex (colons, spaces allowed).
 * Types: comma-separated ipv4, tcpv4, udpv4, ipv6, tcpv6, udpv6, or all,
 * none. Table: comma-separated queue numbers, a power of two of them up to
 * 128 (sets table and table_size).
 */
int vms_rss_parse_key(const char *what, const char *s,
		      __u8 key[VMST_RSS_KEY_LEN]);
int vms_rss_parse_types(const char *what, const char *s, __u32 *types);
int vms_rss_parse_table(const char *what, const char *s, struct vmst_rss *cfg);
/* Bit of hash type @name (enum vmst_rss_hash_type), 0 when unknown. */
int vms_rss_type_bit(const char *name);
/* A complete configuration: queues, table and default queue agree. */
int vms_rss_check(const char *what, const struct vmst_rss *cfg);
void vms_rss_format_types(__u32 types, char *out, size_t len);
/* 40 bytes as aa:bb:...: @out has room for 3 * VMST_RSS_KEY_LEN. */
void vms_rss_format_key(const __u8 key[VMST_RSS_KEY_LEN], char *out);
void vms_rss_format_table(const struct vmst_rss *cfg, char *out, size_t len);
/* {"key", "types", "table", "default_queue"} of @cfg. */
struct json_object;
struct json_object *vms_rss_json(const struct vmst_rss *cfg);

/* Port @idx's vmst_rss entry (zeros when the map is absent). */
int vms_rss_read(const struct vms_maps *m, __u32 idx, struct vmst_rss *cfg);
/*
 * False when entry @cfg hashes (a table) but its key slot does not hold
 * its key's tables, which only a write from outside vmsteer leaves: the
 * programs send all its frames to the default queue. Rewriting the entry
 * (vms_rss_write) gives it its key's tables.
 */
bool vms_rss_tables_ok(const struct vms_maps *m, const struct vmst_rss *cfg);
/* Every port's entry (VMST_MAX_PORTS), in batch reads. */
int vms_rss_read_all(const struct vms_maps *m, struct vmst_rss *cfg);
/*
 * Replace port @idx's entry with @cfg (its key_slot is chosen here): the
 * tables of its key are shared with every port of the same key, written
 * into a free slot first when no port has that key yet. Refused (-ENOSPC)
 * when no slot is free; the planner refuses a state's 65th distinct key
 * before any change (see VMST_RSS_KEYS).
 */
int vms_rss_write(const struct vms_maps *m, __u32 idx,
		  const struct vmst_rss *cfg);
/* The same on the maps' descriptors (tests load the programs unpinned). */
int vms_rss_write_fds(int rss_fd, int lut_fd, __u32 idx,
		      const struct vmst_rss *cfg);
/* The key slots' counts (load/rsskeys.h): the command's own when it
 * keeps them, else counted now. NULL on a read error. */
struct vms_rss_keys;
const struct vms_rss_keys *vms_rss_keys_of(const struct vms_maps *m);
/* Port @idx has no queue steering: its entry zeroed, its slot released. */
int vms_rss_clear(const struct vms_maps *m, __u32 idx);

/* What the tap inspection iterator (bpf/tunq.bpf.c) sees of a tap. */
struct vms_tap_view {
	bool found;	     /* some open tun file belongs to the tap */
	__u32 steer_prog_id; /* its steering program, 0: none */
	__u32 numqueues;     /* queues attached */
	__u32 numdisabled;   /* queues opened but detached */
	__u32 tun_flags;
	__u32 own;	  /* tun files of this process among them */
	__u32 holder_pid; /* another process holding a queue, 0: none */
	char holder_comm[16];
};

int vms_tap_view(__u32 ifindex, __u32 netns_ino, struct vms_tap_view *v);
/*
 * A queue fd of @tap for the steering ioctls: attached with TUNSETIFF and
 * detached at once (multi-queue taps), so the VM's queues are unchanged.
 */
int vms_tap_queue_open(const char *tap, bool *multi_queue);

enum vms_steer_owner {
	VMS_STEER_NONE,	  /* no steering program on the tap */
	VMS_STEER_OURS,	  /* vmst_steer on this state's vmst_rss */
	VMS_STEER_FOREIGN /* anything else: QEMU's, another state's... */
};

/* Whose program @prog_id is (@m: the state's maps, NULL when none). */
int vms_steer_owner(const struct vms_maps *m, __u32 prog_id,
		    enum vms_steer_owner *owner, char *name, size_t len);
const char *vms_steer_owner_name(enum vms_steer_owner o);

struct vms_steer_ctx {
	int qfd; /* a detached queue of the tap, -1 */
	bool multi_queue;
	struct vms_tap_view view;
	enum vms_steer_owner owner;
	char prog_name[16]; /* name of the steering program present */
	__u32 vm_queues;    /* queues the VM opened, 0: none (unknown) */
};

/*
 * Open a queue of @tap and look at it, for installing (@queues > 0) or
 * removing (0) a steering program. Refuses, naming the tap: a single-queue
 * tap for more than one queue, a queue count other than the VM's (when a
 * VM holds queues), and a steering program vmsteer did not install unless
 * @force. Nothing is changed.
 */
int vms_steer_prepare(const struct vms_maps *m, const char *tap, __u32 queues,
		      bool force, struct vms_steer_ctx *c);
void vms_steer_close(struct vms_steer_ctx *c);
/* Put the namespace's shared steering program on the tap of port @idx. */
int vms_steer_install(struct vms_state *st, struct vms_steer_ctx *c,
		      const char *tap, __u32 idx, __u32 *prog_id);
/* Port @idx steers with vmsteer's program: make it the state's current
 * one (after an upgrade). A foreign program is left alone. */
int vms_steer_upgrade(struct vms_state *st, const char *tap, __u32 idx);
/*
 * --xdp-steer cpumap for @queues queues: refused (naming @what) unless
 * CPUs 0..queues-1 are online and, when a VM holds the tap (@c), exactly
 * @queues of its queues are attached (tun picks CPU mod attached queues).
 */
int vms_xdp_steer_check(const char *what, __u32 queues,
			const struct vms_steer_ctx *c);
/* CPUMAP entries 0..@queues-1 with vmsteer's CPUMAP program. */
int vms_cpumap_ensure(struct vms_state *st, __u32 queues);
/* Take the tap's steering program off (TUNSETSTEERINGEBPF with fd -1). */
int vms_steer_remove(struct vms_steer_ctx *c, const char *tap);
/*
 * Port @idx no longer steers: remove the tap's steering program when it
 * is vmsteer's (a foreign one is left, with a warning) and clear the
 * port's entry. *@removed tells whether a program was taken off.
 */
int vms_rss_port_disable(struct vms_state *st, const char *tap, __u32 idx,
			 bool *removed);

#endif /* VMS_LOAD_RSS_H */
