/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The uplink program and its maps, loaded privately for one test: no map is
 * pinned, nothing is attached, nothing outlives the fixture. Ports are
 * configured through the real library (vms_port_upsert) with the netns
 * loopback (ifindex 1) as their redirect target; frames go through
 * BPF_PROG_TEST_RUN. Counters are read straight from the maps, summed over
 * CPUs, without the library's counter code.
 */
#ifndef VMST_UNIT_FIXTURE_H
#define VMST_UNIT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "core/state.h"
#include "frames.h"

/* Devmap target of every test port: the loopback of the test's netns. */
#define TEST_TARGET_IFINDEX 1
/* Its MTU while the transmit-path tests run (the tap program judges
 * redirected frames by it). */
#define TEST_TARGET_MTU 1500

/*
 * Set the MTU of TEST_TARGET_IFINDEX to @mtu: 0, or -EPERM when this is
 * not a network namespace of the test's own (never the host's loopback).
 */
int fixture_target_mtu(unsigned int mtu);

struct uplink_bpf;

struct fixture {
	struct uplink_bpf *skel;
	struct vms_maps maps;
	int prog_fd;
	int ncpus;
};

/* Open and load the skeleton unpinned and stamp its config. Asserts. */
bool fixture_setup(struct fixture *f);
void fixture_teardown(struct fixture *f);

/* vms_port_upsert() of an untagged (@vlan 0) or access port. */
int fixture_port(struct fixture *f, const char *name, const __u8 mac[6],
		 __u16 vlan, __u32 mtu, __u32 *idx);

/* One BPF_PROG_TEST_RUN of the uplink program. */
/* Run @in through the program; @out takes at least FRAME_MAX bytes. */
struct xdp_run fixture_run(const struct fixture *f, const void *in, size_t len,
			   void *out);

/* What this kernel's BPF_PROG_TEST_RUN takes. */
struct fixture_limits {
	size_t linear;	/* bytes in the first buffer; the rest are fragments */
	size_t max_len; /* longest frame taken */
};

/* Probed once (with a fixture of its own); NULL and a failure if it fails. */
const struct fixture_limits *fixture_limits(void);

/* Counters, summed over CPUs. 0 or -errno. fixture_reason reads slot
 * @reason of the port's row (VMST_RSTATS_KEY: a reason, or from
 * VMST_REASON_SLOTS on an XDP drop slot); fixture_xdp_reason the slot an
 * XDP program counts @reason in (the XDP slot of a drop reason). */
int fixture_reason(const struct fixture *f, __u32 port, __u32 reason,
		   struct vmst_counter *sum);
int fixture_xdp_reason(const struct fixture *f, __u32 port, __u32 reason,
		       struct vmst_counter *sum);
int fixture_pstats(const struct fixture *f, __u32 port,
		   struct vmst_port_stats *sum);

/* Every entry of every map, as bytes: compare two to prove nothing moved. */
struct maps_snapshot {
	unsigned char *buf[VMS_MAP_N];
	size_t len[VMS_MAP_N];
	size_t key_size[VMS_MAP_N]; /* records are key then value */
	size_t rec_size[VMS_MAP_N];
};

int fixture_snapshot(const struct fixture *f, struct maps_snapshot *s);
void snapshot_free(struct maps_snapshot *s);
/* Asserts that @a and @b are equal, naming the first map that differs. */
bool snapshot_equal(const struct maps_snapshot *a,
		    const struct maps_snapshot *b, const char *what);
/* The maps now equal @before (a failure names @what otherwise). */
bool fixture_unchanged(const struct fixture *f,
		       const struct maps_snapshot *before, const char *what);

/* Name of an XDP verdict, for messages. */
const char *xdp_verdict_str(__u32 verdict);

#endif /* VMST_UNIT_FIXTURE_H */
