/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vmsteer user-space library: the pinned state, port and FDB management,
 * counters, device helpers, output. The CLI (main.c, cmd_*.c) and the tests
 * are built on it.
 */
#ifndef VMS_H
#define VMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"

/* ---- errors and logging (log.c) ---------------------------------------- */

/*
 * Record an error message for the current command and return @err
 * (a negative errno). The CLI prints the last recorded message once.
 */
int vms_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last recorded message, or NULL. */
const char *vms_last_error(void);
void vms_clear_error(void);

extern int vms_verbose;
/*
 * Write @s to @f with control characters escaped (\n, \t, \xNN), so
 * that a message naming hostile input stays one line.
 */
void vms_fputs_printable(const char *s, FILE *f);
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Route libbpf's messages to stderr when verbose, else drop them. */
void vms_libbpf_logging(int verbose);

/* ---- kernel feature probes (probe.c) ----------------------------------- */

enum vms_probe_kind {
	VMS_PROBE_END,
	VMS_PROBE_BTF,	    /* the kernel's own BTF is there */
	VMS_PROBE_BTF_TYPE, /* a type @name of BTF kind @type */
	VMS_PROBE_BTF_ENUM, /* an enumerator @name */
	VMS_PROBE_PROG,	    /* program type @type */
	VMS_PROBE_MAP,	    /* map type @type */
	VMS_PROBE_HELPER,   /* helper @helper in program type @type */
};

/* A kernel feature vmsteer uses, and how to tell that it is there. */
struct vms_feature {
	enum vms_probe_kind kind;
	__u32 type;
	__u32 helper;
	const char *name;
	const char *since; /* the Linux version that brought it */
	const char *what;  /* the feature and what vmsteer uses it for */
};

/* Every feature vmsteer needs (the last entry VMS_PROBE_END). */
extern const struct vms_feature vms_features[];
/*
 * Probe @features in order; on the first one missing, an error naming it
 * and the Linux version that brought it (or that the kernel has no BTF,
 * or that probing needs root).
 */
int vms_probe_features(const struct vms_feature *features);
/* vms_probe_features(vms_features). */
int vms_probe_kernel(void);

/* ---- loading BPF objects (load.c) ---------------------------------------- */

/*
 * Bracket a BPF object load (a skeleton's __load() or bpf_object__load()):
 * vms_load_end(err, what) returns @err and, when it is an error, records
 * one naming @what and what failed: a program the verifier refused (its
 * name, the verifier's last lines, the file holding its full log), a
 * program or a map the kernel refused, and why. Calls may nest.
 */
void vms_load_begin(void);
int vms_load_end(int err, const char *what);
/* bpf_object__load(@obj) so bracketed. */
struct bpf_object;
int vms_object_load(struct bpf_object *obj, const char *what);

/* ---- the maps of a pinned state (state.c) ------------------------------ */

/*
 * X(id, pinned name, optional): an optional map may be absent from a state
 * an older vmsteer made (before the monitor, RSS, the transmit path or
 * host-local MACs); read-only commands go on without it, and the next write
 * that may create (attach, port add, monitor) adds it.
 */
#define VMS_MAPS(X)                           \
	X(CONFIG, VMST_MAP_CONFIG, false)     \
	X(FDB, VMST_MAP_FDB, false)           \
	X(PORTS, VMST_MAP_PORTS, false)       \
	X(PORT_CFG, VMST_MAP_PORT_CFG, false) \
	X(TX, VMST_MAP_TX, false)             \
	X(DEVS, VMST_MAP_DEVS, false)         \
	X(UPLINKS, VMST_MAP_UPLINKS, false)   \
	X(PSTATS, VMST_MAP_PSTATS, false)     \
	X(RSTATS, VMST_MAP_RSTATS, false)     \
	X(MON_CTL, VMST_MAP_MON_CTL, true)    \
	X(MON_PCPU, VMST_MAP_MON_PCPU, true)  \
	X(MON_RING, VMST_MAP_MON_RING, true)  \
	X(RSS, VMST_MAP_RSS, true)            \
	X(PORT_TX, VMST_MAP_PORT_TX, true)    \
	X(ADDR4, VMST_MAP_ADDR4, true)        \
	X(ADDR6, VMST_MAP_ADDR6, true)        \
	X(NORTH, VMST_MAP_NORTH, true)        \
	X(QSTATS, VMST_MAP_QSTATS, true)      \
	X(CPUMAP, VMST_MAP_CPUMAP, true)      \
	X(LOCAL, VMST_MAP_LOCAL, true)        \
	X(TRUNK, VMST_MAP_TRUNK, true)        \
	X(RSS_LUT, VMST_MAP_RSS_LUT, false)

enum vms_map {
#define VMS_X_ENUM(id, name, optional) VMS_MAP_##id,
	VMS_MAPS(VMS_X_ENUM)
#undef VMS_X_ENUM
		VMS_MAP_N
};

/* Each map's pinned name and whether it may be absent, by enum vms_map. */
struct vms_map_info {
	const char *name;
	bool optional;
};
extern const struct vms_map_info vms_map_table[VMS_MAP_N];

/*
 * A process's copy of the port records and transmit records (ports.c),
 * kept while a writer holds the state lock: every write goes through it,
 * so a command adding thousands of ports reads the tables once.
 */
struct vms_port_cache;

/* Open file descriptors of the shared maps (-1 when not open). */
struct vms_maps {
	int fd[VMS_MAP_N];
	struct vms_port_cache *cache; /* NULL: every read goes to the map */
};

/* Programs shared by every tap of a network namespace (progs.c). */
enum vms_prog {
	VMS_PROG_TAP,	  /* tc program on each tap (bpf/tap.bpf.c) */
	VMS_PROG_STEER,	  /* tun steering program (bpf/steer.bpf.c) */
	VMS_PROG_TAP_XDP, /* XDP program on each tap (bpf/tap_xdp.bpf.c) */
	VMS_PROG_N
};

struct vms_state {
	char pin_path[4096];
	struct vms_maps maps;
	int lock_fd; /* flock()ed pin directory while open for writing */
	int prog_fd[VMS_PROG_N]; /* shared programs once opened, else -1 */
};

enum vms_open_flags {
	VMS_OPEN_CREATE = 1 << 0, /* create the state when absent */
	VMS_OPEN_WRITE = 1 << 1,  /* take the state lock for changes */
};

/* The pin path in force: --pin-path, else $VMSTEER_PIN_PATH, else default. */
const char *vms_pin_path(const char *override);
/*
 * Refuse a pin path no state can be at, with a message: a relative one,
 * one that is not a directory, and a directory that is not on a BPF
 * filesystem and holds files (vmsteer would mount a bpffs over them). An
 * absent path and an empty directory (a bpffs is mounted there when the
 * state is created) are fine: 0.
 */
int vms_pin_path_check(const char *pin_path);

/*
 * Open the pinned state at @pin_path. Without VMS_OPEN_CREATE a missing
 * state is -ENOENT with a message telling how to create one. A state of
 * another layout version is refused with -EPROTO.
 */
int vms_state_open(struct vms_state *st, const char *pin_path,
		   unsigned int flags);
void vms_state_close(struct vms_state *st);
/* True when a pinned state exists at @pin_path. */
bool vms_state_exists(const char *pin_path);
/* @out = "<pin_path>/<name>"; fails with a message when too long. */
int vms_pin_join(char *out, size_t len, const char *pin_path, const char *name);

/*
 * Tests only: the BPF object file to load instead of this build's
 * skeleton @what ("UPLINK", "TRACE", "TAP", "STEER", "UPLINK_TC"), or NULL. Only
 * the test build of the CLI defines it (tests/hooks/objfile.c: from
 * $VMSTEER_TEST_<WHAT>_OBJ); in vmsteer itself this weak reference is NULL,
 * so the installed binary never loads BPF code its environment names.
 */
extern const char *vms_test_obj_file(const char *what)
	__attribute__((weak, visibility("hidden")));
static inline const char *vms_obj_override(const char *what)
{
	return vms_test_obj_file ? vms_test_obj_file(what) : NULL;
}

/* Set every map of a libbpf object to reuse/pin under @pin_path. */
struct bpf_object;
int vms_object_pin_maps(struct bpf_object *obj, const char *pin_path);

/* Fill @m with the fds of a loaded object's maps (tests, loaders). */
int vms_maps_from_object(struct vms_maps *m, struct bpf_object *obj);
/* Initialise the config entry of freshly created maps. */
int vms_maps_init_config(const struct vms_maps *m);
void vms_maps_reset(struct vms_maps *m);

/* ---- network devices (netdev.c) ---------------------------------------- */

/* Value of hex digit @c, or -1. */
int vms_hexval(char c);
/*
 * Decode hex into @out, skipping spaces, colons, dots and line ends.
 * Returns the byte count, -EINVAL (bad character, odd digit count) or
 * -E2BIG (more than @max bytes).
 */
ssize_t vms_unhex(const char *s, __u8 *out, size_t max);
/* Parse "aa:bb:cc:dd:ee:ff"; 0 or -EINVAL. */
int vms_parse_mac(const char *s, __u8 mac[6]);
void vms_format_mac(const __u8 mac[6], char out[18]);
__u64 vms_mac48(const __u8 mac[6]);
/* Parse a VLAN id 1..4094; 0 or -EINVAL/-ERANGE. */
int vms_parse_vlan(const char *s, __u16 *vlan);
/*
 * Parse a decimal number of digits only (no sign, no spaces) up to @max:
 * 0, -EINVAL (not such a number) or -ERANGE (above @max).
 */
int vms_parse_uint(const char *s, unsigned long long max,
		   unsigned long long *out);

/*
 * Why @name cannot be a device name (the kernel's dev_valid_name(), and no
 * control characters either), or NULL when it can.
 */
const char *vms_ifname_invalid(const char *name);
/* 0, or -ENODEV with a message saying why @name is no device name. */
int vms_ifname_check(const char *name);
/* ifindex of @name in this network namespace, or -ENODEV with message. */
int vms_ifindex(const char *name);
/* 1 when @name is a tap (tun driver in TAP mode), 0 when not, or -errno. */
int vms_is_tap(const char *name);
/* MTU of @name, or -errno. */
int vms_dev_mtu(const char *name);
/* Inode of this process's network namespace, or 0 on error. */
__u32 vms_netns_ino(void);

/* ---- ports and FDB (ports.c) ------------------------------------------- */

/* What `port add` asks for. */
struct vms_port_spec {
	char name[16];
	__u32 ifindex; /* 0 (and mtu 0): the tap does not exist, pending */
	__u32 netns_ino;
	__u8 mac[6];
	__u16 vlan; /* 0: untagged port */
	bool trunk; /* a trunk port: tags with a VID of @vids allowed */
	struct vmst_trunk vids;
	__u32 mtu;
	bool trusted; /* RA and DHCP server messages allowed */
	__u32 naddrs; /* addresses: none = MAC checks only */
	struct vmst_addr addrs[VMST_MAX_ADDRS];
	bool xdp_steer; /* XDP frames hop through the CPUMAP (RSS queue) */
	bool agent;	/* managed by `vmsteer agent` (VMST_CFG_F_AGENT) */
	bool tx_tc; /* --tx-hook tc: no tap XDP program (VMST_CFG_F_TX_TC) */
};

/* The spec that writes pinned port record @idx (@c) back as it is. */
int vms_port_spec_from_record(const struct vms_maps *m, __u32 idx,
			      const struct vmst_port_cfg *c,
			      struct vms_port_spec *s);

/*
 * Parse "ADDR[/LEN]" (IPv4 or IPv6; without LEN a host address) into @a.
 * Refuses, with a message naming @s, what cannot be a VM's source: bad
 * syntax, a length out of range (1..32, 1..128), bits set past the
 * length, unspecified, loopback, multicast or broadcast addresses.
 */
int vms_parse_addr(const char *s, struct vmst_addr *a);
/* "ADDR/LEN" of @a into @out (at least VMS_ADDR_STRLEN bytes). */
#define VMS_ADDR_STRLEN 50 /* INET6_ADDRSTRLEN (46), "/128" */
void vms_format_addr(const struct vmst_addr *a, char *out);
/* True when the prefixes @a and @b overlap (same family, one holds the
 * other's first address). */
bool vms_addr_overlap(const struct vmst_addr *a, const struct vmst_addr *b);
/* Write the transmit record of port @idx. */
int vms_port_tx_write(const struct vms_maps *m, __u32 idx,
		      const struct vmst_port_tx *tx);
/* The transmit record of port @idx (zeroed when the map is absent). */
int vms_port_tx_read(const struct vms_maps *m, __u32 idx,
		     struct vmst_port_tx *tx);

/*
 * Parse a trunk's VID list "VID[-VID][,...]" (1..4094) into @t, adding to
 * what it holds; refuses, with a message "@what: ...", bad syntax, a VID
 * out of range and a reversed range.
 */
int vms_parse_vids(const char *what, const char *s, struct vmst_trunk *t);
/* "10,20,100-200" of @t into @out (@len bytes: 25000 holds any list). */
#define VMS_VIDS_STRLEN 25000
void vms_format_vids(const struct vmst_trunk *t, char *out, size_t len);
/* VID @vid is in @t. */
bool vms_trunk_has(const struct vmst_trunk *t, __u16 vid);
/* The trunk VIDs of port @idx (zeroed when the map is absent). */
int vms_port_trunk_read(const struct vms_maps *m, __u32 idx,
			struct vmst_trunk *t);

/* Check a spec on its own (MAC unicast, VLAN range, addresses valid and
 * not overlapping each other...): 0 or -errno. */
int vms_port_spec_check(const struct vms_port_spec *s);
/*
 * Add a port or update the one of the same name (and netns). A spec with
 * ifindex 0 makes the port pending (VMST_CFG_F_PENDING: no FDB slot, no
 * redirect target; its configuration stays). Refuses a MAC another port
 * owns on the same VLAN, an address overlapping one of another port on the
 * same VLAN, a full port table or FDB, and leaves the maps as they were on
 * any error; a port of this namespace whose tap is gone (pending, or its
 * tap vanished) is no owner: its MAC moves to the new port, which takes
 * its place (and index) when no port has the new name. On success *@idx is
 * the port index.
 */
int vms_port_upsert(const struct vms_maps *m, const struct vms_port_spec *s,
		    __u32 *idx);
/* Set or clear VMST_PORT_F_XDP_STEER in port @idx's data-path entry. */
int vms_port_set_xdp_steer(const struct vms_maps *m, __u32 idx, bool on);
/* Remove port @idx: FDB entry, target, counters and record. */
int vms_port_delete(const struct vms_maps *m, __u32 idx);
/*
 * True when port record @c of this namespace (@netns) has no tap: pending,
 * or its tap vanished (no device of its ifindex and name).
 */
bool vms_port_tapless(const struct vmst_port_cfg *c, __u32 netns);
/* The record is a port's (not a free index). */
static inline bool vms_port_in_use(const struct vmst_port_cfg *c)
{
	return c->flags & VMST_CFG_F_IN_USE;
}
/* The device of record @c's ifindex, seen from the caller's namespace,
 * still has the port's name: its tap is there. @name (IF_NAMESIZE bytes,
 * or NULL) gets the device's name. */
bool vms_port_tap_there(const struct vmst_port_cfg *c, char *name);
/* Seconds of CLOCK_BOOTTIME (the clock of pending_since). */
__u32 vms_boottime(void);
/* Index of the port of MAC @mac on @vlan in @netns_ino, 0 when none. */
int vms_port_find_mac(const struct vms_maps *m, const __u8 mac[6], __u16 vlan,
		      __u32 netns_ino, struct vmst_port_cfg *cfg);
/* Index of the port named @name in @netns_ino, 0 when none, or -errno. */
/* True when a port of namespace @netns_ino has MAC @mac (any VLAN). */
bool vms_port_mac_used(const struct vms_maps *m, const __u8 mac[6],
		       __u32 netns_ino);
int vms_port_find(const struct vms_maps *m, const char *name, __u32 netns_ino,
		  struct vmst_port_cfg *cfg);
/* All port records (index 0 unused); a record with flags 0 is free. */
int vms_port_read_all(const struct vms_maps *m,
		      struct vmst_port_cfg cfg[VMST_MAX_PORTS]);
/* A port cache for struct vms_maps (NULL when out of memory: no cache). */
struct vms_port_cache *vms_port_cache_new(void);
void vms_port_cache_free(struct vms_port_cache *c);
/* Every FDB slot (port index, 0: free), or -errno. */
int vms_fdb_read(const struct vms_maps *m, __u32 fdb[VMST_FDB_SLOTS]);
/* Number of used FDB slots, or -errno. */
int vms_fdb_count(const struct vms_maps *m);

/* ---- consistency (check.c) -------------------------------------------- */

enum vms_check_kind {
	/* An FDB slot leads to a missing or mismatched port entry, record or
	 * redirect target: frames could be lost or misdelivered. */
	VMS_CHECK_BROKEN,
	/* Left by an interrupted command, harmless: `apply` repairs it. */
	VMS_CHECK_REPAIR,
};

typedef void (*vms_check_fn)(void *ctx, enum vms_check_kind kind,
			     const char *msg);

/*
 * Check the ports and the FDB against each other; call @report once per
 * finding. A port whose tap is gone from this namespace is not reported
 * here (status names it). Returns the number of findings or -errno.
 */
int vms_state_check(const struct vms_maps *m, vms_check_fn report, void *ctx);

/* ---- host-local MACs (local.c) ---------------------------------------- */

/*
 * The host-local MACs of the calling network namespace as the system has
 * them now (device addresses, bridge FDB entries on ports that are not
 * uplinks, vmsteer's ports left out): up to @max; returns how many.
 */
int vms_local_read(struct vms_state *st, struct vmst_local_key *keys,
		   struct vmst_local *vals, int max);
/* Rewrite this namespace's entries of vmst_local from the system. */
int vms_local_refresh(struct vms_state *st);
/* After `port add` of @tap (@ifindex, 0 when pending) with @mac: @mac
 * out of this namespace's host-local MACs, the tap's own address in (no
 * snapshot: O(1) at any number of devices). */
int vms_local_port_added(struct vms_state *st, const char *tap, __u32 ifindex,
			 const __u8 mac[6]);
/* vms_local_refresh() for a command that succeeded: a failure is a
 * warning (frames to a new local device may go to the uplink). */
void vms_local_refresh_warn(struct vms_state *st);

/*
 * Addresses in the LPM tries that no port's transmit record holds (a
 * free index, or an address its record does not list): what a command
 * killed between two writes may leave. Only port index @only when not 0.
 * Each is reported (@report may be NULL) and, with @fix, removed.
 * Returns how many there were, or -errno.
 */
int vms_addr_sweep(const struct vms_maps *m, __u32 only, bool fix,
		   vms_check_fn report, void *ctx);

/* ---- shared programs (progs.c) ---------------------------------------- */

/*
 * The state's @kind program of this network namespace, pinned under
 * <pin path>/progs/: opened from the pin, or loaded and pinned when there
 * is none yet. *@fd stays owned by @st.
 */
int vms_shared_prog(struct vms_state *st, enum vms_prog kind, int *fd);
/*
 * Load this build's @kind program; when the pinned one is another build's
 * (another kernel tag), pin it in its place (*@replaced). Either way it
 * becomes @st's program of that kind. Nothing pinned: nothing to upgrade
 * (the first tap that needs one loads this build's).
 */
int vms_shared_prog_upgrade(struct vms_state *st, enum vms_prog kind,
			    bool *replaced);
/* Id of the pinned @kind program of this namespace, 0 when none (nothing
 * is loaded). */
__u32 vms_shared_prog_id(const struct vms_state *st, enum vms_prog kind);
/* Kernel id of program @fd, 0 when unknown. */
__u32 vms_prog_id(int fd);
/* Set the 4-byte .rodata variable @var of an opened object. */
int vms_rodata_set_u32(struct bpf_object *obj, const char *var, __u32 val);

/* ---- tc programs (tc.c) ------------------------------------------------ */

/*
 * Attach the namespace's shared tap program (vms_shared_prog) to tap
 * @ifindex of port @idx (@tap in messages): clsact ingress, direct action,
 * at VMST_TC_HANDLE / VMST_TC_PRIORITY. An existing clsact qdisc is
 * reused; one vmsteer creates is recorded in the port's vmst_port_tx
 * flags. A filter running another vmsteer program (another build's) is
 * replaced in place (never a second one); one already running the shared
 * program is left as it is (*@changed false); a filter at that handle and
 * priority that is not vmsteer's is refused.
 */
int vms_tap_attach(struct vms_state *st, __u32 idx, __u32 ifindex,
		   const char *tap, bool *changed);
/* Remove vmsteer's filter from tap @ifindex, and the clsact qdisc when
 * vmsteer created it (@qdisc_ours). A tap without them is not an error. */
int vms_tap_detach(__u32 ifindex, const char *tap, bool qdisc_ours);
/* Attach the uplink tc program to @ifindex; *@qdisc_created when vmsteer
 * made the clsact qdisc. @upgrade_only as for vms_tap_attach. */
int vms_uplink_tc_attach(struct vms_state *st, __u32 ifindex, const char *dev,
			 bool upgrade_only, bool *qdisc_created, bool *changed);
int vms_uplink_tc_detach(__u32 ifindex, const char *dev, bool qdisc_ours);
/* Id of the program of vmsteer's filter on @ifindex, 0 when none. */
__u32 vms_tc_prog_id(__u32 ifindex);
/* The same for @n devices, into @ids, over one netlink socket (requests
 * sent in batches): 0 or -errno with a message. */
int vms_tc_prog_ids(const __u32 *ifindex, int n, __u32 *ids);

/* ---- the tap XDP program (tapxdp.c) ------------------------------------ */

/*
 * Put the namespace's shared tap XDP program on tap @ifindex (native
 * mode), replacing another build's in place (XDP_FLAGS_REPLACE: no frame
 * meets no program); one already there is left (*@changed false). An XDP
 * program on the tap that is not vmsteer's is refused.
 */
int vms_tap_xdp_attach(struct vms_state *st, __u32 ifindex, const char *tap,
		       bool *changed);
/* Take vmsteer's XDP program off tap @ifindex (none there: not an error). */
int vms_tap_xdp_detach(__u32 ifindex, const char *tap);
/* Id of the native XDP program on @ifindex when it is vmsteer's tap
 * program, else 0. */
__u32 vms_tap_xdp_prog_id(__u32 ifindex);
/*
 * Entry 0 of vmst_tx: the northbound uplink @ifindex when it is in this
 * network namespace and takes XDP frames (its driver says
 * NETDEV_XDP_ACT_NDO_XMIT), else none: the tap XDP program then leaves
 * frames for the uplink to the tc program.
 */
void vms_north_xdp_sync(struct vms_state *st, __u32 ifindex, __u32 netns_ino);
/* True when vmsteer's tap program is in its filter on tap @ifindex. */
bool vms_tap_prog_ours(__u32 ifindex);

/* ---- uplinks (uplink.c) ------------------------------------------------ */

/* Requested attach mode; auto tries native, then generic with a warning. */
enum vms_attach_mode {
	VMS_ATTACH_AUTO,
	VMS_ATTACH_NATIVE,
	VMS_ATTACH_GENERIC,
};

struct vms_uplink_info {
	__u32 ifindex;
	__u32 netns_ino;
	__u32 mode;    /* enum vmst_xdp_mode */
	__u32 prog_id; /* 0 when the link is gone */
	__u32 link_id;
	bool defunct;  /* pinned, but its device is gone */
	bool upgraded; /* vms_uplink_attach replaced another build's programs */
	char name[16]; /* current name, empty when not in this netns */
};

/*
 * Attach the uplink program to @ifindex (named @name in messages), sharing
 * the state's maps. Already attached with this build's programs (same
 * kernel tags): *@changed is false, nothing changes. Attached with another
 * build's: the programs are replaced in place (the XDP link is updated,
 * the maps and counters stay), @out->upgraded and *@changed are true.
 */
int vms_uplink_attach(struct vms_state *st, __u32 ifindex, const char *name,
		      enum vms_attach_mode want, struct vms_uplink_info *out,
		      bool *changed);
/* Detach from @ifindex; -ENOENT with a message when not attached. */
int vms_uplink_detach(struct vms_state *st, __u32 ifindex, const char *name);
/* The uplinks of the state: up to @max into @out; returns how many. */
int vms_uplink_list(struct vms_state *st, struct vms_uplink_info *out, int max);
/* Pinned tracing links present (counting tap drops). */
bool vms_tracing_attached(const char *pin_path);
const char *vms_mode_name(__u32 mode);

/* ---- counters (counters.c) --------------------------------------------- */

/*
 * Keys @first..@first+@n-1 of array map @fd into @buf (@vbytes a key: for
 * a per-CPU map every possible CPU's value, each rounded up to 8 bytes),
 * with batch lookups: one system call for the range instead of one a key.
 */
int vms_array_read(int fd, __u32 first, __u32 n, void *buf, size_t vbytes);
/* Sum over CPUs of port @idx's counters. */
int vms_read_port_stats(const struct vms_maps *m, __u32 idx,
			struct vmst_port_stats *sum);
/* The same for ports @first..@first+@n-1 at once (@sum: @n entries). */
int vms_read_port_stats_range(const struct vms_maps *m, __u32 first, __u32 n,
			      struct vmst_port_stats *sum);
/* Sum over CPUs of the reason counters of port @idx (0: no port). */
int vms_read_reasons(const struct vms_maps *m, __u32 idx,
		     struct vmst_counter out[VMST_R_MAX]);
/* The same for ports @first..@first+@n-1 at once (@out: @n entries). */
int vms_read_reasons_range(const struct vms_maps *m, __u32 first, __u32 n,
			   struct vmst_counter (*out)[VMST_R_MAX]);
/* Port @idx's per-queue frames (zeros: no such map). */
int vms_read_queue_stats(const struct vms_maps *m, __u32 idx,
			 struct vmst_queue_stats *sum);
/* Zero all counters of port @idx. */
int vms_zero_port_counters(const struct vms_maps *m, __u32 idx);
/* Copy all counters of port @from to port @to (a port moving index). */
int vms_copy_port_counters(const struct vms_maps *m, __u32 from, __u32 to);

extern const char *const vms_reason_labels[VMST_R_MAX];
/* True when the data path can count @reason without a port (port 0),
 * and under a port, respectively. */
bool vms_reason_portless(__u32 reason);
bool vms_reason_per_port(__u32 reason);
/* True for a reason of the tap program (a frame a VM sent). */
bool vms_reason_from_vm(__u32 reason);
/* True for a reason the data path drops at (else it passes the frame). */
bool vms_reason_drops(__u32 reason);
extern const char *const vms_reason_help[VMST_R_MAX];
extern const char *const vms_pc_labels[VMST_PC_MAX];
extern const char *const vms_pc_help[VMST_PC_MAX];

/* ---- drop monitor (monitor.c) ------------------------------------------ */

enum vms_monitor_state {
	VMS_MONITOR_OFF,
	VMS_MONITOR_ON,	   /* a monitor holds a live lease */
	VMS_MONITOR_STALE, /* left on by a monitor that died: lease ended */
	VMS_MONITOR_ABSENT /* the state predates the monitor's maps */
};

struct vms_monitor_info {
	enum vms_monitor_state state;
	__u32 pid;		    /* the monitor that turned it on */
	unsigned long long emitted; /* events written, summed over CPUs */
	unsigned long long lost;    /* events lost to a full ring */
};

int vms_monitor_info(const struct vms_maps *m, struct vms_monitor_info *out);
const char *vms_monitor_state_name(enum vms_monitor_state s);

/* ---- RSS reference (toeplitz.c) ---------------------------------------- */

/*
 * The Toeplitz hash of Microsoft's RSS specification over @len bytes of
 * @in: for each set input bit b (most significant bit of in[0] first), XOR
 * in key bits b..b+31. Key bits past the 40-byte key count as zero, so any
 * length is defined; RSS inputs are at most VMST_RSS_INPUT_MAX bytes.
 */
__u32 vms_toeplitz(const __u8 key[VMST_RSS_KEY_LEN], const void *in,
		   size_t len);

/*
 * The lookup tables of @key that the BPF programs hash with (struct
 * vmst_rss_lut): each entry is vms_toeplitz() of one nibble at its place.
 */
void vms_rss_lut_build(const __u8 key[VMST_RSS_KEY_LEN],
		       struct vmst_rss_lut *lut);

/* Microsoft's default RSS key (VMST_RSS_KEY_MSFT). */
extern const __u8 vms_rss_key_msft[VMST_RSS_KEY_LEN];

/*
 * RSS hash inputs in the order the specification gives: source address,
 * destination address, then source port, destination port, all in network
 * order. Addresses are in network order (struct in_addr / in6_addr bytes),
 * ports in host order. Each writes @out and returns the input's length.
 */
size_t vms_rss_input_ipv4(__u8 out[VMST_RSS_INPUT_MAX], const void *saddr,
			  const void *daddr);
size_t vms_rss_input_ipv4_ports(__u8 out[VMST_RSS_INPUT_MAX], const void *saddr,
				const void *daddr, __u16 sport, __u16 dport);
size_t vms_rss_input_ipv6(__u8 out[VMST_RSS_INPUT_MAX], const void *saddr,
			  const void *daddr);
size_t vms_rss_input_ipv6_ports(__u8 out[VMST_RSS_INPUT_MAX], const void *saddr,
				const void *daddr, __u16 sport, __u16 dport);

/* What the steering program sees of a frame. */
struct vms_rss_flow {
	int family;	/* 4, 6, or 0: not IP (or its header cut short) */
	__u8 saddr[16]; /* network order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
	int l4;	     /* IPPROTO_TCP or _UDP with ports, else 0 */
	__u16 sport; /* host order */
	__u16 dport;
};

/*
 * Hash of @f under the virtio-net hash types @types (enum
 * vmst_rss_hash_type): TCP or UDP types hash addresses and ports, IP types
 * addresses only. False when no enabled type covers the flow.
 */
bool vms_rss_flow_hash(const __u8 key[VMST_RSS_KEY_LEN], __u32 types,
		       const struct vms_rss_flow *f, __u32 *hash);
/* Queue @cfg gives @f, exactly as the BPF programs choose it. */
__u32 vms_rss_flow_queue(const struct vmst_rss *cfg,
			 const struct vms_rss_flow *f);
/*
 * The default configuration of a port with @queues queues (1..256): the
 * Microsoft key, every hash type, a round-robin table of 128 entries,
 * default queue 0.
 */
void vms_rss_default(struct vmst_rss *cfg, __u16 queues);

/* ---- queue steering (rss.c) ------------------------------------------- */

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

/*
 * Port @idx's vmst_rss entry (zeros when the map is absent). An entry
 * whose key's lookup tables (vmst_rss_lut) were built from another key,
 * as a crash between the two writes leaves it, reads with table_size 0:
 * the programs send all its frames to the default queue.
 */
int vms_rss_read(const struct vms_maps *m, __u32 idx, struct vmst_rss *cfg);
/* Every port's entry (VMST_MAX_PORTS), in batch reads. */
int vms_rss_read_all(const struct vms_maps *m, struct vmst_rss *cfg);
/* Replace port @idx's entry: its key's lookup tables first, then it. */
int vms_rss_write(const struct vms_maps *m, __u32 idx,
		  const struct vmst_rss *cfg);
/* The same on the maps' descriptors (tests load the programs unpinned). */
int vms_rss_write_fds(int rss_fd, int lut_fd, __u32 idx,
		      const struct vmst_rss *cfg);

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

#endif /* VMS_H */
