/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The maps of a pinned state (state.c). */
#ifndef VMS_CORE_STATE_H
#define VMS_CORE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"

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
/* The RSS key slots' counts (load/rsskeys.h), kept the same way. */
struct vms_rss_keys;

/* Open file descriptors of the shared maps (-1 when not open). */
struct vms_maps {
	int fd[VMS_MAP_N];
	struct vms_port_cache *cache;  /* NULL: every read goes to the map */
	struct vms_rss_keys *rss_keys; /* NULL: counted at every RSS write */
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
	__u32 tc_block;		 /* vms_tc_block(), 0 until asked */
	/* The netns (inode) whose shared block was seen running program
	 * tc_ready_prog while this state is open, else 0 (load/tc.c). */
	__u32 tc_ready_ns, tc_ready_prog;
	/* In a batch of tap attachments (vms_tc_batch_begin): the netns
	 * whose block gets its filter (program tc_owed_prog) at the end,
	 * and the last tap bound to it. */
	bool tc_batch;
	__u32 tc_owed_ns, tc_owed_prog, tc_owed_ifindex;
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
/*
 * Make every map of an object about to load private to it (no pin path),
 * sized for this host as vms_object_pin_maps() sizes them (the CPUMAP: an
 * entry per possible CPU): for tests, fuzzers and benches.
 */
int vms_object_private_maps(struct bpf_object *obj);

/* Fill @m with the fds of a loaded object's maps (tests, loaders). */
int vms_maps_from_object(struct vms_maps *m, struct bpf_object *obj);
/* Initialise the config entry of freshly created maps. */
int vms_maps_init_config(const struct vms_maps *m);
void vms_maps_reset(struct vms_maps *m);

#endif /* VMS_CORE_STATE_H */
