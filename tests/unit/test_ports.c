// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control-plane tests of the port library (vms_port_*) against the maps of
 * an unpinned uplink object. What the library wrote is checked both in the
 * maps and by sending frames through the program, which is what matters in
 * the end: where a frame for (VLAN, MAC) goes.
 */
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "frames.h"
#include "test.h"
#include "core/check.h"
#include "core/ports.h"
#include "core/trunk.h"
#include "util/log.h"
#include "util/netdev.h"

static const __u8 MAC_A[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
static const __u8 MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
static const __u8 MAC_C[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0c};

static __u8 frame[FRAME_MAX], out[FRAME_MAX];

/* Send a @len-byte frame to (@vlan, @mac) and return the run. */
static struct xdp_run send_to(const struct fixture *f, const __u8 mac[6],
			      __u16 vlan, size_t len)
{
	struct frame_spec s = {.len = len};
	size_t n;

	memcpy(s.dst, mac, 6);
	memcpy(s.src, MAC_REMOTE, 6);
	if (vlan) {
		s.ntags = 1;
		s.tags[0] = tag_q(vlan);
	}
	n = frame_build(&s, frame);
	return fixture_run(f, frame, n, out);
}

static __u64 to_vm_frames(const struct fixture *f, __u32 idx)
{
	struct vmst_port_stats ps;

	if (!ASSERT_OK(fixture_pstats(f, idx, &ps), "read pstats"))
		return ~0ULL;
	return ps.c[VMST_PC_TO_VM_XDP_FRAMES];
}

static __u64 reason_frames(const struct fixture *f, __u32 idx, int reason)
{
	struct vmst_counter c;

	if (!ASSERT_OK(fixture_xdp_reason(f, idx, reason, &c), "read rstats"))
		return ~0ULL;
	return c.frames;
}

/*
 * A frame to (@vlan, @mac) is redirected and counted under port @idx (and
 * no other port's forwarded counter moves: callers check that as needed).
 */
static bool expect_delivered(const struct fixture *f, const __u8 mac[6],
			     __u16 vlan, __u32 idx, const char *what)
{
	__u64 before = to_vm_frames(f, idx);
	struct xdp_run r = send_to(f, mac, vlan, 64);
	char m[128];

	snprintf(m, sizeof(m), "%s: test run", what);
	if (!ASSERT_OK(r.err, m))
		return false;
	if (r.verdict != XDP_REDIRECT) {
		FAIL("%s: verdict %s, want XDP_REDIRECT", what,
		     xdp_verdict_str(r.verdict));
		return false;
	}
	snprintf(m, sizeof(m), "%s: to_vm frames of port %u", what, idx);
	return ASSERT_EQ(to_vm_frames(f, idx), before + 1, m);
}

/* A frame to (@vlan, @mac) is passed as unknown_dst. */
static bool expect_unknown(const struct fixture *f, const __u8 mac[6],
			   __u16 vlan, const char *what)
{
	__u64 before = reason_frames(f, 0, VMST_R_PASS_UNKNOWN);
	struct xdp_run r = send_to(f, mac, vlan, 64);
	char m[128];

	snprintf(m, sizeof(m), "%s: test run", what);
	if (!ASSERT_OK(r.err, m))
		return false;
	if (r.verdict != XDP_PASS) {
		FAIL("%s: verdict %s, want XDP_PASS", what,
		     xdp_verdict_str(r.verdict));
		return false;
	}
	snprintf(m, sizeof(m), "%s: unknown_dst frames", what);
	return ASSERT_EQ(reason_frames(f, 0, VMST_R_PASS_UNKNOWN), before + 1,
			 m);
}

static bool read_port(const struct fixture *f, __u32 idx, struct vmst_port *p)
{
	return ASSERT_OK(
		bpf_map_lookup_elem(f->maps.fd[VMS_MAP_PORTS], &idx, p),
		"read vmst_ports");
}

static bool read_cfg(const struct fixture *f, __u32 idx,
		     struct vmst_port_cfg *c)
{
	return ASSERT_OK(
		bpf_map_lookup_elem(f->maps.fd[VMS_MAP_PORT_CFG], &idx, c),
		"read vmst_port_cfg");
}

/* What an add writes, map by map, as the shared ABI describes it. */
static void add_writes_every_map(struct fixture *f)
{
	struct vmst_dev_key dk = {TEST_TARGET_IFINDEX, vms_netns_ino()};
	__u64 key = vmst_fdb_key(10, vms_mac48(MAC_A));
	__u32 idx = 0, home, slot, val, tx, dev;
	struct vmst_port_cfg cfg;
	struct vmst_port port;
	bool found = false;
	unsigned int i;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 10, 1500, &idx), "add") ||
	    !ASSERT_TRUE(idx > 0 && idx < VMST_MAX_PORTS, "index in range"))
		return;
	if (read_port(f, idx, &port)) {
		ASSERT_EQ(port.key, key, "vmst_ports key");
		ASSERT_EQ(port.max_frame, 1514, "vmst_ports max_frame");
		ASSERT_EQ(port.flags, VMST_PORT_F_ACCESS, "vmst_ports flags");
	}
	if (read_cfg(f, idx, &cfg)) {
		ASSERT_STREQ(cfg.name, "vm1", "vmst_port_cfg name");
		ASSERT_EQ(cfg.ifindex, TEST_TARGET_IFINDEX,
			  "vmst_port_cfg ifindex");
		ASSERT_EQ(cfg.netns_ino, vms_netns_ino(),
			  "vmst_port_cfg netns_ino");
		ASSERT_MEMEQ(cfg.mac, 6, MAC_A, 6, "vmst_port_cfg mac");
		ASSERT_EQ(cfg.vlan, 10, "vmst_port_cfg vlan");
		ASSERT_EQ(cfg.mtu, 1500, "vmst_port_cfg mtu");
		ASSERT_TRUE(cfg.flags & VMST_CFG_F_IN_USE,
			    "vmst_port_cfg in use");
	}
	if (ASSERT_OK(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_TX], &idx, &tx),
		      "vmst_tx entry"))
		ASSERT_EQ(tx, TEST_TARGET_IFINDEX, "vmst_tx ifindex");
	if (ASSERT_OK(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_DEVS], &dk, &dev),
		      "vmst_devs entry"))
		ASSERT_EQ(dev, idx, "vmst_devs port index");
	/* The index sits in the key's probe window. */
	home = vmst_fdb_hash(key);
	for (i = 0; i < VMST_FDB_PROBES; i++) {
		slot = (home + i) & VMST_FDB_MASK;
		if (!bpf_map_lookup_elem(f->maps.fd[VMS_MAP_FDB], &slot,
					 &val) &&
		    val == idx)
			found = true;
	}
	ASSERT_TRUE(found, "index in the key's FDB probe window");
	ASSERT_EQ(vms_fdb_count(&f->maps), 1, "vms_fdb_count");

	if (!ASSERT_OK(vms_port_delete(&f->maps, idx), "delete"))
		return;
	ASSERT_ERR(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_DEVS], &dk, &dev),
		   "vmst_devs entry after delete");
	ASSERT_EQ(vms_fdb_count(&f->maps), 0, "vms_fdb_count after delete");
}

/* A deleted port's index is not handed out again at once. */
static void indexes_rotate(struct fixture *f)
{
	__u32 i1 = 0, i2 = 0;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add") ||
	    !ASSERT_OK(vms_port_delete(&f->maps, i1), "delete") ||
	    !ASSERT_OK(fixture_port(f, "vm2", MAC_B, 0, 1500, &i2), "add"))
		return;
	ASSERT_NEQ(i2, i1, "index of the next port");
	expect_delivered(f, MAC_B, 0, i2, "the next port");
}

/* Names are per network namespace: the same name elsewhere is new. */
static void same_name_other_netns(struct fixture *f)
{
	struct vms_port_spec s = {
		.name = "vm1",
		.ifindex = TEST_TARGET_IFINDEX,
		.netns_ino = vms_netns_ino() + 1,
		.mtu = 1500,
	};
	__u32 i1 = 0, i2 = 0;

	memcpy(s.mac, MAC_B, 6);
	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add") ||
	    !ASSERT_OK(vms_port_upsert(&f->maps, &s, &i2), "add elsewhere"))
		return;
	ASSERT_NEQ(i2, i1, "index of the other namespace's vm1");
	ASSERT_EQ(vms_fdb_count(&f->maps), 2, "vms_fdb_count");
	expect_delivered(f, MAC_A, 0, i1, "this namespace's vm1");
	expect_delivered(f, MAC_B, 0, i2, "the other namespace's vm1");
}

/*
 * An upsert that fails half-way (here: the redirect target cannot be
 * written, no such device) leaves every map as it was: a new port, an
 * update in place, and a port moving to a new index.
 */
static void failed_upsert_changes_nothing(struct fixture *f)
{
	struct vms_port_spec s = {
		.ifindex = 0x7fff0001, /* no such device */
		.netns_ino = vms_netns_ino(),
		.mtu = 1500,
	};
	struct maps_snapshot before;
	static const struct {
		const char *what, *name;
		const __u8 *mac;
	} tries[] = {
		{"new port", "vm2", MAC_C},
		{"update in place", "vm1", MAC_A},
		{"port moving to a new MAC", "vm1", MAC_B},
	};
	__u32 i1 = 0, idx;
	unsigned int i;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add") ||
	    !expect_delivered(f, MAC_A, 0, i1, "vm1"))
		return;
	if (!ASSERT_OK(fixture_snapshot(f, &before), "snapshot"))
		return;
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		snprintf(s.name, sizeof(s.name), "%s", tries[i].name);
		memcpy(s.mac, tries[i].mac, 6);
		if (!ASSERT_ERR(vms_port_upsert(&f->maps, &s, &idx),
				tries[i].what))
			continue;
		fixture_unchanged(f, &before, tries[i].what);
	}
	snapshot_free(&before);
	expect_delivered(f, MAC_A, 0, i1, "vm1 after the failures");
}

/* Same name again: an update in place, counters kept. */
static void upsert_same_name_updates(struct fixture *f)
{
	struct vmst_port_cfg cfg;
	struct vmst_port port;
	__u32 i1 = 0, i2 = 0;
	struct xdp_run r;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add"))
		return;
	if (!expect_delivered(f, MAC_A, 0, i1, "before update"))
		return;
	/* 3000 bytes: too big for MTU 1500, counted under the port. */
	r = send_to(f, MAC_A, 0, 3000);
	if (!ASSERT_OK(r.err, "test run") ||
	    !ASSERT_EQ(r.verdict, XDP_PASS, "3000 bytes at MTU 1500") ||
	    !ASSERT_EQ(reason_frames(f, i1, VMST_R_PASS_TOO_BIG), 1,
		       "too_big frames"))
		return;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 9000, &i2), "update"))
		return;
	ASSERT_EQ(i2, i1, "index after update");
	ASSERT_EQ(vms_fdb_count(&f->maps), 1, "vms_fdb_count");
	ASSERT_EQ(vms_port_find(&f->maps, "vm1", vms_netns_ino(), NULL), i1,
		  "vms_port_find");
	if (read_port(f, i1, &port))
		ASSERT_EQ(port.max_frame, 9014, "vmst_ports max_frame");
	if (read_cfg(f, i1, &cfg))
		ASSERT_EQ(cfg.mtu, 9000, "vmst_port_cfg mtu");
	ASSERT_EQ(to_vm_frames(f, i1), 1, "to_vm frames kept");
	ASSERT_EQ(reason_frames(f, i1, VMST_R_PASS_TOO_BIG), 1,
		  "too_big frames kept");

	/* The new MTU is in force. */
	r = send_to(f, MAC_A, 0, 3000);
	if (ASSERT_OK(r.err, "test run"))
		ASSERT_EQ(r.verdict, XDP_REDIRECT, "3000 bytes at MTU 9000");
	ASSERT_EQ(to_vm_frames(f, i1), 2, "to_vm frames after update");
}

/* The very same spec twice changes nothing at all. */
static void upsert_identical_changes_nothing(struct fixture *f)
{
	struct maps_snapshot before;
	__u32 i1 = 0, i2 = 0;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 10, 1500, &i1), "add"))
		return;
	if (!ASSERT_OK(fixture_snapshot(f, &before), "snapshot"))
		return;
	if (ASSERT_OK(fixture_port(f, "vm1", MAC_A, 10, 1500, &i2), "again") &&
	    ASSERT_EQ(i2, i1, "index"))
		fixture_unchanged(f, &before, "identical upsert");
	snapshot_free(&before);
}

/* A new MAC moves the port: the old (VLAN, MAC) no longer reaches it. */
static void change_mac_moves_port(struct fixture *f)
{
	struct vmst_port_cfg cfg;
	__u32 i1 = 0, i2 = 0, tx;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add") ||
	    !expect_delivered(f, MAC_A, 0, i1, "old MAC before the change"))
		return;
	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_B, 0, 1500, &i2),
		       "change MAC"))
		return;
	ASSERT_NEQ(i2, 0, "new index");
	ASSERT_EQ(vms_port_find(&f->maps, "vm1", vms_netns_ino(), &cfg), i2,
		  "vms_port_find");
	ASSERT_MEMEQ(cfg.mac, 6, MAC_B, 6, "recorded MAC");
	ASSERT_EQ(vms_fdb_count(&f->maps), 1, "vms_fdb_count");
	expect_unknown(f, MAC_A, 0, "old MAC");
	expect_delivered(f, MAC_B, 0, i2, "new MAC");
	if (i2 != i1) {
		/* The old index is free: no record, no target. */
		if (read_cfg(f, i1, &cfg))
			ASSERT_FALSE(cfg.flags & VMST_CFG_F_IN_USE,
				     "old index still in use");
		ASSERT_ERR(
			bpf_map_lookup_elem(f->maps.fd[VMS_MAP_TX], &i1, &tx),
			"old index still has a vmst_tx entry");
	}

	/* A new VLAN moves it too. */
	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_B, 10, 1500, &i1),
		       "change VLAN"))
		return;
	ASSERT_EQ(vms_fdb_count(&f->maps), 1, "vms_fdb_count after VLAN");
	expect_unknown(f, MAC_B, 0, "untagged after the VLAN change");
	expect_delivered(f, MAC_B, 10, i1, "VLAN 10 after the change");
}

/* A port that moves index keeps its counters (vms_copy_port_counters). */
static void change_mac_keeps_counters(struct fixture *f)
{
	__u32 i1 = 0, i2 = 0;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add") ||
	    !expect_delivered(f, MAC_A, 0, i1, "first frame") ||
	    !expect_delivered(f, MAC_A, 0, i1, "second frame"))
		return;
	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_B, 0, 1500, &i2),
		       "change MAC"))
		return;
	ASSERT_EQ(to_vm_frames(f, i2), 2, "to_vm frames after the move");
	if (i2 != i1)
		ASSERT_EQ(to_vm_frames(f, i1), 0, "old index's counters");
}

/* A MAC another port owns on the same VLAN: refused, nothing changes. */
static void duplicate_mac_refused(struct fixture *f)
{
	struct maps_snapshot before;
	__u32 i1 = 0, i3 = 0, i;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 10, 1500, &i1),
		       "add vm1") ||
	    !ASSERT_OK(fixture_port(f, "vm3", MAC_C, 10, 1500, &i3), "add vm3"))
		return;
	if (!ASSERT_OK(fixture_snapshot(f, &before), "snapshot"))
		return;

	i = 12345;
	vms_clear_error();
	ASSERT_ERR(fixture_port(f, "vm2", MAC_A, 10, 1500, &i),
		   "new port with vm1's MAC on VLAN 10");
	ASSERT_OK_PTR(vms_last_error(), "error message");
	ASSERT_ERR(fixture_port(f, "vm3", MAC_A, 10, 1500, &i),
		   "vm3 changed to vm1's MAC on VLAN 10");

	fixture_unchanged(f, &before, "after the refusals");
	snapshot_free(&before);
	ASSERT_EQ(vms_port_find(&f->maps, "vm2", vms_netns_ino(), NULL), 0,
		  "vms_port_find vm2");
	expect_delivered(f, MAC_A, 10, i1, "vm1 still owns its MAC");
	expect_delivered(f, MAC_C, 10, i3, "vm3 still owns its MAC");
}

/* The same MAC on several VLANs: several ports. */
static void same_mac_other_vlans(struct fixture *f)
{
	__u32 iu = 0, i10 = 0, i20 = 0;

	if (!ASSERT_OK(fixture_port(f, "vm-u", MAC_A, 0, 1500, &iu),
		       "untagged") ||
	    !ASSERT_OK(fixture_port(f, "vm-10", MAC_A, 10, 1500, &i10),
		       "VLAN 10") ||
	    !ASSERT_OK(fixture_port(f, "vm-20", MAC_A, 20, 1500, &i20),
		       "VLAN 20"))
		return;
	ASSERT_TRUE(iu != i10 && iu != i20 && i10 != i20, "distinct indexes");
	ASSERT_EQ(vms_fdb_count(&f->maps), 3, "vms_fdb_count");
	expect_delivered(f, MAC_A, 0, iu, "untagged");
	expect_delivered(f, MAC_A, 10, i10, "VLAN 10");
	expect_delivered(f, MAC_A, 20, i20, "VLAN 20");
	expect_unknown(f, MAC_A, 30, "VLAN 30");
	/* Each frame above moved only its own port's counter. */
	ASSERT_EQ(to_vm_frames(f, iu), 1, "untagged port frames");
	ASSERT_EQ(to_vm_frames(f, i10), 1, "VLAN 10 port frames");
	ASSERT_EQ(to_vm_frames(f, i20), 1, "VLAN 20 port frames");
}

/* Delete: FDB entry, target, counters and record go. */
static void delete_removes_port(struct fixture *f)
{
	struct vmst_port_stats ps;
	struct vmst_port_cfg cfg;
	__u32 i1 = 0, i2 = 0, tx;
	struct xdp_run r;
	int reason, c;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1),
		       "add vm1") ||
	    !ASSERT_OK(fixture_port(f, "vm2", MAC_B, 0, 1500, &i2),
		       "add vm2") ||
	    !expect_delivered(f, MAC_A, 0, i1, "vm1 before delete"))
		return;
	r = send_to(f, MAC_A, 0, 2000);
	if (!ASSERT_OK(r.err, "test run") ||
	    !ASSERT_EQ(reason_frames(f, i1, VMST_R_PASS_TOO_BIG), 1,
		       "too_big before delete"))
		return;

	if (!ASSERT_OK(vms_port_delete(&f->maps, i1), "vms_port_delete"))
		return;
	ASSERT_EQ(vms_fdb_count(&f->maps), 1, "vms_fdb_count");
	ASSERT_EQ(vms_port_find(&f->maps, "vm1", vms_netns_ino(), NULL), 0,
		  "vms_port_find vm1");
	if (read_cfg(f, i1, &cfg))
		ASSERT_FALSE(cfg.flags & VMST_CFG_F_IN_USE, "record in use");
	ASSERT_ERR(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_TX], &i1, &tx),
		   "vmst_tx entry left");
	if (ASSERT_OK(fixture_pstats(f, i1, &ps), "read pstats"))
		for (c = 0; c < VMST_PC_SLOTS; c++)
			ASSERT_EQ(ps.c[c], 0, "port counter left");
	for (reason = 0; reason < VMST_RSTATS_ROW; reason++) {
		struct vmst_counter ctr;

		if (ASSERT_OK(fixture_reason(f, i1, reason, &ctr), "rstats"))
			ASSERT_TRUE(!ctr.frames && !ctr.bytes,
				    "reason counter left");
	}
	expect_unknown(f, MAC_A, 0, "vm1's MAC after delete");
	expect_delivered(f, MAC_B, 0, i2, "vm2 untouched");

	/* The MAC is free again. */
	if (ASSERT_OK(fixture_port(f, "vm3", MAC_A, 0, 1500, &i1), "re-add"))
		expect_delivered(f, MAC_A, 0, i1, "MAC reused");
}

/* Index 0 ("no port") and indexes past the table are not ports. */
static void delete_bad_index_refused(struct fixture *f)
{
	struct maps_snapshot before;
	__u32 i1 = 0;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add") ||
	    !ASSERT_OK(fixture_snapshot(f, &before), "snapshot"))
		return;
	ASSERT_ERR(vms_port_delete(&f->maps, 0), "delete index 0");
	ASSERT_ERR(vms_port_delete(&f->maps, VMST_MAX_PORTS),
		   "delete index VMST_MAX_PORTS");
	fixture_unchanged(f, &before, "after the refusals");
	snapshot_free(&before);
}

static void nth_mac(unsigned int n, __u8 mac[6])
{
	const __u8 base[6] = {0x02, 0x42, 0x00, 0x00, 0x00, 0x00};

	memcpy(mac, base, 6);
	mac[3] = n >> 16;
	mac[4] = n >> 8;
	mac[5] = n;
}

/* VMST_MAX_PORTS - 1 ports fit (slot 0 is "no port"); one more does not. */
static void table_full_refused(struct fixture *f)
{
	struct maps_snapshot before;
	static bool seen[VMST_MAX_PORTS];
	__u32 idx, first = 0, extra = 0;
	char name[16], what[64];
	unsigned int n;
	__u8 mac[6];

	memset(seen, 0, sizeof(seen));
	for (n = 1; n < VMST_MAX_PORTS; n++) {
		nth_mac(n, mac);
		snprintf(name, sizeof(name), "vm%u", n);
		snprintf(what, sizeof(what), "add port %u of %u", n,
			 VMST_MAX_PORTS - 1);
		if (!ASSERT_OK(fixture_port(f, name, mac, 0, 1500, &idx), what))
			return;
		if (!ASSERT_TRUE(idx > 0 && idx < VMST_MAX_PORTS && !seen[idx],
				 "a new index in 1..VMST_MAX_PORTS-1"))
			return;
		seen[idx] = true;
		if (n == 1)
			first = idx;
	}
	ASSERT_EQ(vms_fdb_count(&f->maps), VMST_MAX_PORTS - 1, "vms_fdb_count");

	if (!ASSERT_OK(fixture_snapshot(f, &before), "snapshot"))
		return;
	nth_mac(VMST_MAX_PORTS, mac);
	ASSERT_ERR(fixture_port(f, "one-too-many", mac, 0, 1500, &extra),
		   "port beyond the table");
	fixture_unchanged(f, &before, "after the refusal");
	snapshot_free(&before);

	/* Updating a port of a full table still works. */
	nth_mac(1, mac);
	if (ASSERT_OK(fixture_port(f, "vm1", mac, 0, 9000, &idx),
		      "update in a full table"))
		ASSERT_EQ(idx, first, "index of the updated port");

	/*
	 * A new MAC needs a new index, which a full table does not have:
	 * either it moves anyway, or it is refused and nothing changes.
	 */
	if (!ASSERT_OK(fixture_snapshot(f, &before), "snapshot"))
		return;
	nth_mac(VMST_MAX_PORTS + 1, mac);
	if (fixture_port(f, "vm2", mac, 0, 1500, &idx) == 0) {
		expect_delivered(f, mac, 0, idx, "vm2 moved in a full table");
		nth_mac(2, mac);
		expect_unknown(f, mac, 0, "vm2's old MAC");
	} else {
		fixture_unchanged(f, &before, "after a refused move");
	}
	snapshot_free(&before);

	/* Every port is reachable; after one delete, the new one fits. */
	for (n = 1; n < VMST_MAX_PORTS; n += 37) {
		snprintf(name, sizeof(name), "vm%u", n);
		idx = vms_port_find(&f->maps, name, vms_netns_ino(), NULL);
		nth_mac(n, mac);
		snprintf(what, sizeof(what), "port %s", name);
		expect_delivered(f, mac, 0, idx, what);
	}
	if (!ASSERT_OK(vms_port_delete(&f->maps, first), "delete vm1"))
		return;
	nth_mac(VMST_MAX_PORTS, mac);
	if (ASSERT_OK(fixture_port(f, "one-too-many", mac, 0, 1500, &extra),
		      "add after a delete"))
		expect_delivered(f, mac, 0, extra, "the added port");
}

/* MACs whose untagged keys share one home slot (vmsteer.h's hash). */
static unsigned int colliding_macs(__u8 macs[][6], unsigned int want)
{
	unsigned int n = 0, i;
	__u32 home = 0;
	__u8 mac[6];

	for (i = 1; i < (1U << 24) && n < want; i++) {
		__u32 h;

		nth_mac(i, mac);
		h = vmst_fdb_hash(vmst_fdb_key(0, vms_mac48(mac)));
		if (!n)
			home = h;
		if (h != home)
			continue;
		memcpy(macs[n++], mac, 6);
	}
	return n;
}

/*
 * VMST_FDB_PROBES keys on one home slot fill the probe window: each is
 * still found, one more is refused (the FDB is "full" for it) and changes
 * nothing; a deleted key's empty slot does not hide the keys after it.
 */
static void fdb_probe_window(struct fixture *f)
{
	struct maps_snapshot before;
	__u8 macs[VMST_FDB_PROBES + 1][6];
	__u32 idx[VMST_FDB_PROBES + 1], extra;
	char name[16], what[64];
	unsigned int i;

	if (!ASSERT_EQ(colliding_macs(macs, VMST_FDB_PROBES + 1),
		       VMST_FDB_PROBES + 1, "colliding MACs found"))
		return;
	for (i = 0; i < VMST_FDB_PROBES; i++) {
		snprintf(name, sizeof(name), "coll%u", i);
		snprintf(what, sizeof(what), "add colliding port %u", i);
		if (!ASSERT_OK(fixture_port(f, name, macs[i], 0, 1500, &idx[i]),
			       what))
			return;
	}
	ASSERT_EQ(vms_fdb_count(&f->maps), VMST_FDB_PROBES, "vms_fdb_count");
	for (i = 0; i < VMST_FDB_PROBES; i++) {
		snprintf(what, sizeof(what), "colliding port %u", i);
		expect_delivered(f, macs[i], 0, idx[i], what);
	}

	if (!ASSERT_OK(fixture_snapshot(f, &before), "snapshot"))
		return;
	ASSERT_ERR(fixture_port(f, "coll-extra", macs[VMST_FDB_PROBES], 0, 1500,
				&extra),
		   "a key past the probe window");
	fixture_unchanged(f, &before, "after the refusal");
	snapshot_free(&before);
	expect_unknown(f, macs[VMST_FDB_PROBES], 0, "refused key");

	/* Free the home slot: the others are still found past it. */
	if (!ASSERT_OK(vms_port_delete(&f->maps, idx[0]), "delete first"))
		return;
	expect_unknown(f, macs[0], 0, "deleted key");
	for (i = 1; i < VMST_FDB_PROBES; i++) {
		snprintf(what, sizeof(what), "colliding port %u after delete",
			 i);
		expect_delivered(f, macs[i], 0, idx[i], what);
	}
	if (ASSERT_OK(fixture_port(f, "coll-extra", macs[VMST_FDB_PROBES], 0,
				   1500, &extra),
		      "add into the freed slot"))
		expect_delivered(f, macs[VMST_FDB_PROBES], 0, extra,
				 "port in the freed slot");
}

/* Specs that can never receive a frame are refused before any write. */
static void spec_check(struct fixture *f)
{
	struct vms_port_spec s = {
		.name = "vm1",
		.ifindex = TEST_TARGET_IFINDEX,
		.mtu = 1500,
	};

	(void)f;
	memcpy(s.mac, MAC_A, 6);
	ASSERT_OK(vms_port_spec_check(&s), "untagged unicast");
	s.vlan = VMST_VLAN_MAX;
	ASSERT_OK(vms_port_spec_check(&s), "VLAN 4094");
	s.vlan = VMST_VLAN_MAX + 1;
	ASSERT_ERR(vms_port_spec_check(&s), "VLAN 4095");
	s.vlan = 0;
	memcpy(s.mac, MAC_BCAST, 6);
	ASSERT_ERR(vms_port_spec_check(&s), "broadcast MAC");
	memcpy(s.mac, MAC_MCAST6, 6);
	ASSERT_ERR(vms_port_spec_check(&s), "multicast MAC");
}

/* A trunk's VIDs: checked, written with the port, moved with it. */
static void trunk_vids(struct fixture *f)
{
	struct vms_port_spec s = {
		.name = "vm1",
		.ifindex = TEST_TARGET_IFINDEX,
		.netns_ino = vms_netns_ino(),
		.mtu = 1500,
		.trunk = true,
	};
	struct vmst_trunk got, empty = {};
	struct vmst_port port;
	__u32 idx, idx2;

	memcpy(s.mac, MAC_A, 6);
	ASSERT_ERR(vms_port_spec_check(&s), "a trunk without VIDs");
	s.vids.vids[0] = 1; /* VID 0 */
	ASSERT_ERR(vms_port_spec_check(&s), "VID 0");
	s.vids.vids[0] = 0;
	s.vids.vids[63] = 1ULL << 63; /* VID 4095 */
	ASSERT_ERR(vms_port_spec_check(&s), "VID 4095");
	s.vids.vids[63] = 0;
	if (!ASSERT_OK(vms_parse_vids("t", "10,100-101", &s.vids), "VIDs"))
		return;
	s.vlan = 5;
	ASSERT_ERR(vms_port_upsert(&f->maps, &s, &idx), "a trunk on a VLAN");
	s.vlan = 0;
	s.trunk = false;
	ASSERT_ERR(vms_port_spec_check(&s), "VIDs without a trunk");
	s.trunk = true;
	if (!ASSERT_OK(vms_port_upsert(&f->maps, &s, &idx), "add a trunk"))
		return;
	ASSERT_OK(vms_port_trunk_read(&f->maps, idx, &got), "read the VIDs");
	ASSERT_MEMEQ(&got, sizeof(got), &s.vids, sizeof(s.vids), "VIDs");
	ASSERT_OK(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_PORTS], &idx, &port),
		  "port entry");
	ASSERT_TRUE(port.flags & VMST_PORT_F_TRUNK, "trunk flag");
	/* A new MAC moves the port: its VIDs go along, the old index has
	 * none left. */
	memcpy(s.mac, MAC_B, 6);
	if (!ASSERT_OK(vms_port_upsert(&f->maps, &s, &idx2), "move"))
		return;
	ASSERT_TRUE(idx2 != idx, "moved");
	ASSERT_OK(vms_port_trunk_read(&f->maps, idx2, &got), "read the VIDs");
	ASSERT_MEMEQ(&got, sizeof(got), &s.vids, sizeof(s.vids), "moved VIDs");
	ASSERT_OK(vms_port_trunk_read(&f->maps, idx, &got), "old index");
	ASSERT_MEMEQ(&got, sizeof(got), &empty, sizeof(empty), "old index");
	/* No longer a trunk: VIDs and flag gone. */
	s.trunk = false;
	memset(&s.vids, 0, sizeof(s.vids));
	if (!ASSERT_OK(vms_port_upsert(&f->maps, &s, &idx2), "untrunk"))
		return;
	ASSERT_OK(vms_port_trunk_read(&f->maps, idx2, &got), "read the VIDs");
	ASSERT_MEMEQ(&got, sizeof(got), &empty, sizeof(empty), "no VIDs");
	ASSERT_OK(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_PORTS], &idx2, &port),
		  "port entry");
	ASSERT_FALSE(port.flags & VMST_PORT_F_TRUNK, "no trunk flag");
}

/* Port @name with @mac, pending (no tap: ifindex and MTU 0). */
static int pending_port(struct fixture *f, const char *name, const __u8 mac[6],
			__u32 *idx)
{
	struct vms_port_spec s = {.netns_ino = vms_netns_ino()};

	snprintf(s.name, sizeof(s.name), "%s", name);
	memcpy(s.mac, mac, 6);
	return vms_port_upsert(&f->maps, &s, idx);
}

/*
 * Pending <-> active in place: a pending port is in no FDB slot (its MAC
 * is unknown_dst) and has no redirect target; when its tap comes it is
 * reachable at the same index, counters kept; when the tap goes the FDB
 * slot goes first.
 */
static void pending_port_transitions(struct fixture *f)
{
	struct vmst_port_cfg c;
	__u32 i1 = 0, i2 = 0, i3 = 0, tx;

	if (!ASSERT_OK(pending_port(f, "vm1", MAC_A, &i1), "add pending") ||
	    !read_cfg(f, i1, &c))
		return;
	ASSERT_TRUE(c.flags & VMST_CFG_F_PENDING, "pending flag");
	ASSERT_EQ(c.ifindex, 0, "pending ifindex");
	ASSERT_TRUE(c.pending_since > 0, "pending_since set");
	ASSERT_EQ(vms_fdb_count(&f->maps), 0, "no FDB slot while pending");
	ASSERT_ERR(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_TX], &i1, &tx),
		   "no redirect target while pending");
	expect_unknown(f, MAC_A, 0, "pending port's MAC");

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i2),
		       "tap appears") ||
	    !ASSERT_EQ(i2, i1, "same index when active") ||
	    !read_cfg(f, i1, &c))
		return;
	ASSERT_FALSE(c.flags & VMST_CFG_F_PENDING, "active: no pending flag");
	if (!expect_delivered(f, MAC_A, 0, i1, "active port"))
		return;

	if (!ASSERT_OK(pending_port(f, "vm1", MAC_A, &i3), "tap goes") ||
	    !ASSERT_EQ(i3, i1, "same index when pending again"))
		return;
	ASSERT_EQ(vms_fdb_count(&f->maps), 0, "FDB slot gone with the tap");
	expect_unknown(f, MAC_A, 0, "vanished tap's MAC (no stale redirect)");
	ASSERT_EQ(to_vm_frames(f, i1), 1, "counters kept while pending");
	ASSERT_EQ(vms_state_check(&f->maps, NULL, NULL), 0,
		  "a pending port is consistent");
}

/*
 * A MAC held by a pending port moves to a new tap's port (an update: the
 * same index, renamed); one held by an active port is still refused.
 */
static void mac_moves_from_pending(struct fixture *f)
{
	__u32 i1 = 0, i2 = 0, i3 = 0;

	if (!ASSERT_OK(fixture_port(f, "vm1", MAC_A, 0, 1500, &i1), "add") ||
	    !ASSERT_OK(fixture_port(f, "vm3", MAC_B, 0, 1500, &i3), "add vm3"))
		return;
	vms_clear_error();
	ASSERT_ERR(fixture_port(f, "vm2", MAC_B, 0, 1500, &i2),
		   "active vm3's MAC refused");
	if (!ASSERT_OK(pending_port(f, "vm1", MAC_A, NULL), "vm1 pending") ||
	    !ASSERT_OK(fixture_port(f, "vm2", MAC_A, 0, 1500, &i2),
		       "vm2 takes vm1's MAC"))
		return;
	ASSERT_EQ(i2, i1, "vm1's index, renamed");
	ASSERT_EQ(vms_port_find(&f->maps, "vm1", vms_netns_ino(), NULL), 0,
		  "vm1 gone");
	expect_delivered(f, MAC_A, 0, i2, "the MAC reaches vm2");
}

static const struct {
	const char *name;
	void (*fn)(struct fixture *f);
} cases[] = {
	{"pending_port_transitions", pending_port_transitions},
	{"mac_moves_from_pending", mac_moves_from_pending},
	{"add_writes_every_map", add_writes_every_map},
	{"upsert_same_name_updates", upsert_same_name_updates},
	{"upsert_identical_changes_nothing", upsert_identical_changes_nothing},
	{"change_mac_moves_port", change_mac_moves_port},
	{"change_mac_keeps_counters", change_mac_keeps_counters},
	{"duplicate_mac_same_vlan_refused", duplicate_mac_refused},
	{"same_mac_other_vlans_allowed", same_mac_other_vlans},
	{"delete_removes_port", delete_removes_port},
	{"delete_bad_index_refused", delete_bad_index_refused},
	{"indexes_rotate", indexes_rotate},
	{"same_name_other_netns_is_another_port", same_name_other_netns},
	{"failed_upsert_changes_nothing", failed_upsert_changes_nothing},
	{"table_full_refused", table_full_refused},
	{"fdb_probe_window", fdb_probe_window},
	{"spec_check", spec_check},
	{"trunk_vids", trunk_vids},
};

/*
 * Every case twice: as a reader reads the port table (no cache: read at
 * each vms_port_table call), then as a writer holding the state lock does
 * (a cache that every write keeps current, read once).
 */
TEST(ports)
{
	struct fixture f;
	size_t i, cached;

	for (cached = 0; cached < 2; cached++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (!test__start_subtest("%s%s", cases[i].name,
						 cached ? "_cached" : ""))
				continue;
			if (!fixture_setup(&f))
				continue;
			if (cached)
				f.maps.cache = vms_port_cache_new();
			if (!cached || ASSERT_TRUE(f.maps.cache, "cache"))
				cases[i].fn(&f);
			vms_port_cache_free(f.maps.cache);
			f.maps.cache = NULL;
			fixture_teardown(&f);
		}
}

/* vms_port_first_of: each record's first record of its tap (name and
 * namespace), in a table with duplicates, other namespaces, names that
 * share a prefix and names of all 16 bytes. */
TEST(port_first_of)
{
	static struct vmst_port_cfg cfg[VMST_MAX_PORTS];
	static __u32 first[VMST_MAX_PORTS];
	static const struct {
		__u32 idx, netns;
		const char *name;
		__u32 want;
	} recs[] = {
		{3, 1, "tapA", 3},
		{7, 1, "tapA", 3},
		{9, 2, "tapA", 9},
		{10, 1, "tapA1", 10},
		{4000, 1, "tapA", 3},
		{12, 2, "tapA", 9},
		{2, 1, "zz", 2},
		{4096, 1, "zz", 2},
		{1, 1, "a", 1},
		{20, 1, "0123456789abcdef", 20},
		{21, 1, "0123456789abcdeX", 21},
		{22, 1, "0123456789abcdef", 20},
	};
	size_t i;
	int n = 0;

	memset(cfg, 0, sizeof(cfg));
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct vmst_port_cfg *c = &cfg[recs[i].idx];

		c->flags = VMST_CFG_F_IN_USE;
		c->netns_ino = recs[i].netns;
		memcpy(c->name, recs[i].name,
		       strnlen(recs[i].name, sizeof(c->name)));
	}
	/* a free record of a used name is no first */
	memcpy(cfg[5].name, "tapA", 4);
	cfg[5].netns_ino = 1;
	if (!ASSERT_OK(vms_port_first_of(cfg, first), "first_of"))
		return;
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		n += !ASSERT_EQ(first[recs[i].idx], recs[i].want, recs[i].name);
	ASSERT_EQ(first[5], 0, "free index");
	ASSERT_EQ(first[0], 0, "index 0");
	ASSERT_EQ(n, 0, "wrong firsts");
}
