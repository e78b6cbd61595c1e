// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS key slots (user/load/rsskeys.c): the counting and choice of slots on
 * their own, then vms_rss_write() on the maps of an unpinned steering
 * program, run with BPF_PROG_TEST_RUN: ports of one key share one slot, a
 * new key takes the lowest free slot, a port leaving its key frees the
 * slot, tables a killed command left in a free slot are reused without
 * harm, a slot some port names is never rewritten, and a full slot table
 * refuses a new key without changing a byte of either map. The queue the
 * program picks is checked against the reference hash (toeplitz.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "steer.skel.h"
#include "test.h"
#include "load/rss.h"
#include "load/rsskeys.h"
#include "load/toeplitz.h"

#define PORT 5 /* the port the program is loaded for */

/* Key number @n: distinct for every n. */
static void key_n(__u8 key[VMST_RSS_KEY_LEN], unsigned int n)
{
	unsigned int i;

	for (i = 0; i < VMST_RSS_KEY_LEN; i++)
		key[i] = (__u8)(n * 131 + i * 7 + (n >> 8));
	key[0] = (__u8)n;
	key[1] = (__u8)(n >> 8);
}

/* An enabled entry of 16 queues, identity table, key number @n. */
static void rss_n(struct vmst_rss *r, unsigned int n)
{
	int i;

	vms_rss_default(r, 16);
	r->flags = VMST_RSS_F_ENABLED;
	for (i = 0; i < 16; i++)
		r->table[i] = i;
	r->default_queue = 15;
	key_n(r->key, n);
}

TEST(rsskeys_logic)
{
	static struct vmst_rss rec[VMST_MAX_PORTS];
	static struct vms_rss_keys k;
	static struct vms_rss_keyset set;
	__u8 key[VMST_RSS_KEY_LEN];
	bool fresh;
	int s, i;

	memset(rec, 0, sizeof(rec));
	rss_n(&rec[1], 1);
	rec[1].key_slot = 3;
	rss_n(&rec[2], 1);
	rec[2].key_slot = 3;
	rss_n(&rec[9], 2);
	rec[9].key_slot = 1;
	rec[10].key_slot = VMST_RSS_KEY_SLOTS; /* past the map: nothing */
	vms_rss_keys_count(&k, rec);
	ASSERT_EQ(k.refs[3], 2, "slot 3 named twice");
	ASSERT_EQ(k.refs[1], 1, "slot 1 named once");
	ASSERT_EQ(k.slot[10], 0, "a slot past the map names nothing");
	ASSERT_EQ(vms_rss_keys_distinct(&k), 2, "two distinct keys");

	/* A port's own key: its slot, nothing to write. */
	key_n(key, 1);
	s = vms_rss_keys_pick(&k, 1, key, &fresh);
	ASSERT_EQ(s, 3, "own slot");
	ASSERT_FALSE(fresh, "own slot is not written");
	/* Another port's key: shared. */
	key_n(key, 2);
	s = vms_rss_keys_pick(&k, 2, key, &fresh);
	ASSERT_EQ(s, 1, "the slot of key 2");
	ASSERT_FALSE(fresh, "a shared slot is not written");
	/* A new key: the lowest free slot, to be written. */
	key_n(key, 3);
	s = vms_rss_keys_pick(&k, 4, key, &fresh);
	ASSERT_EQ(s, 2, "lowest free slot");
	ASSERT_TRUE(fresh, "a free slot is written first");
	/* Port 9, the only one of slot 1, moves to key 3: slot 1 frees. */
	vms_rss_keys_set(&k, 9, 2, key);
	ASSERT_EQ(k.refs[1], 0, "slot 1 released");
	ASSERT_EQ(k.refs[2], 1, "slot 2 taken");
	key_n(key, 4);
	s = vms_rss_keys_pick(&k, 4, key, &fresh);
	ASSERT_EQ(s, 1, "the released slot is free again");
	/* Port 1 leaves slot 3; port 2 still holds it. */
	vms_rss_keys_set(&k, 1, 0, key);
	ASSERT_EQ(k.refs[3], 1, "slot 3 still named by port 2");
	key_n(key, 1);
	s = vms_rss_keys_pick(&k, 1, key, &fresh);
	ASSERT_EQ(s, 3, "key 1 is still in slot 3");
	ASSERT_FALSE(fresh, "and is not rewritten");

	/* Every slot used: a new key finds none, a used key still does. */
	memset(rec, 0, sizeof(rec));
	for (i = 1; i < VMST_RSS_KEY_SLOTS; i++) {
		rss_n(&rec[i], i);
		rec[i].key_slot = i;
	}
	vms_rss_keys_count(&k, rec);
	ASSERT_EQ(vms_rss_keys_distinct(&k), VMST_RSS_KEY_SLOTS - 1,
		  "every slot a key");
	key_n(key, 5000);
	ASSERT_EQ(vms_rss_keys_pick(&k, 3000, key, &fresh), -ENOSPC,
		  "no free slot");
	key_n(key, 7);
	ASSERT_EQ(vms_rss_keys_pick(&k, 3000, key, &fresh), 7,
		  "a used key still shares");

	/* The planner's set: distinct keys only, counted past the limit. */
	set.n = 0;
	for (i = 0; i < VMST_RSS_KEYS; i++) {
		key_n(key, 100 + i);
		ASSERT_EQ(vms_rss_keyset_add(&set, key), i + 1, "a new key");
		ASSERT_EQ(vms_rss_keyset_add(&set, key), i + 1, "again");
	}
	key_n(key, 100);
	ASSERT_TRUE(vms_rss_keyset_has(&set, key), "key 100 in the set");
	key_n(key, 99);
	ASSERT_EQ(vms_rss_keyset_add(&set, key), VMST_RSS_KEYS + 1,
		  "one more key");
}

struct maps {
	struct steer_bpf *skel;
	int rss, lut, prog;
};

static bool maps_open(struct maps *m)
{
	struct bpf_map *map;

	memset(m, 0, sizeof(*m));
	m->skel = steer_bpf__open();
	if (!ASSERT_OK_PTR(m->skel, "steer_bpf__open"))
		return false;
	bpf_object__for_each_map(map, m->skel->obj)
		bpf_map__set_pin_path(map, NULL); /* private maps */
	m->skel->rodata->port_index = PORT;
	if (!ASSERT_OK(steer_bpf__load(m->skel), "steer_bpf__load"))
		return false;
	m->rss = bpf_map__fd(m->skel->maps.vmst_rss);
	m->lut = bpf_map__fd(m->skel->maps.vmst_rss_lut);
	m->prog = bpf_program__fd(m->skel->progs.vmst_steer);
	return true;
}

static __u16 slot_of(const struct maps *m, __u32 idx)
{
	struct vmst_rss r = {};

	bpf_map_lookup_elem(m->rss, &idx, &r);
	return r.key_slot;
}

/* True when slot @slot holds exactly the tables of @key. */
static bool slot_holds(const struct maps *m, __u32 slot, const __u8 *key)
{
	struct vmst_rss_lut want, got;

	vms_rss_lut_build(key, &want);
	return !bpf_map_lookup_elem(m->lut, &slot, &got) &&
	       !memcmp(&want, &got, sizeof(got));
}

/* A UDP/IPv4 frame of flow @i. */
static size_t frame(__u8 *buf, unsigned int i, struct vms_rss_flow *f)
{
	static const __u8 hdr[] = {
		0x52, 0x54, 0, 0, 0,  1, 0x52, 0x54, 0, 0,  0,	2, 0x08,
		0x00, 0x45, 0, 0, 28, 0, 0,    0x40, 0, 64, 17, 0, 0,
	};
	__u8 *ip = buf + 14;

	memset(buf, 0, 64);
	memcpy(buf, hdr, sizeof(hdr));
	ip[12] = 10, ip[13] = 1, ip[14] = i >> 8, ip[15] = i;
	ip[16] = 10, ip[17] = 2, ip[18] = i, ip[19] = 7;
	ip[20] = i >> 4, ip[21] = i, ip[22] = 0x12, ip[23] = i >> 2;
	memset(f, 0, sizeof(*f));
	f->family = 4;
	f->l4 = 17;
	memcpy(f->saddr, ip + 12, 4);
	memcpy(f->daddr, ip + 16, 4);
	f->sport = ip[20] << 8 | ip[21];
	f->dport = ip[22] << 8 | ip[23];
	return 64;
}

/* Frames of 64 flows get the reference's queue under port PORT's @cfg. */
static bool steers_by(const struct maps *m, const struct vmst_rss *cfg,
		      const char *what)
{
	int i, bad = 0;

	for (i = 0; i < 64; i++) {
		struct vms_rss_flow f;
		__u8 buf[64];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf,
			    .data_size_in = frame(buf, i, &f), .repeat = 1);

		if (bpf_prog_test_run_opts(m->prog, &o) ||
		    o.retval != vms_rss_flow_queue(cfg, &f))
			bad++;
	}
	return ASSERT_EQ(bad, 0, what);
}

TEST(rsskeys_maps)
{
	struct vmst_rss a, b, c, r;
	struct vmst_rss_lut lut, before_lut;
	struct maps m;
	__u32 s, idx;
	int i, err;

	if (!maps_open(&m))
		goto out;
	rss_n(&a, 1);
	rss_n(&b, 2);
	rss_n(&c, 3);

	/* Ports 5 and 6 of key 1, port 7 of key 2: two slots. */
	if (!ASSERT_OK(vms_rss_write_fds(m.rss, m.lut, PORT, &a), "port 5") ||
	    !ASSERT_OK(vms_rss_write_fds(m.rss, m.lut, 6, &a), "port 6") ||
	    !ASSERT_OK(vms_rss_write_fds(m.rss, m.lut, 7, &b), "port 7"))
		goto out;
	ASSERT_EQ(slot_of(&m, PORT), 1, "port 5: slot 1");
	ASSERT_EQ(slot_of(&m, 6), 1, "port 6 shares slot 1");
	ASSERT_EQ(slot_of(&m, 7), 2, "port 7: slot 2");
	ASSERT_TRUE(slot_holds(&m, 1, a.key), "slot 1: key 1's tables");
	ASSERT_TRUE(slot_holds(&m, 2, b.key), "slot 2: key 2's tables");
	steers_by(&m, &a, "port 5 under key 1");

	/* Port 5 changes to key 2: it names slot 2, slot 1 is untouched
	 * (port 6 still uses it). */
	if (!ASSERT_OK(vms_rss_write_fds(m.rss, m.lut, PORT, &b), "key 2"))
		goto out;
	ASSERT_EQ(slot_of(&m, PORT), 2, "port 5 moved to slot 2");
	ASSERT_TRUE(slot_holds(&m, 1, a.key), "slot 1 kept for port 6");
	steers_by(&m, &b, "port 5 under key 2");

	/* A command killed after writing tables into a free slot: slot 3
	 * holds key 3's tables and no entry names it. Key 1 was port 6's
	 * alone; port 6 leaving it frees slot 1, the lowest free one. */
	s = 3;
	vms_rss_lut_build(c.key, &lut);
	bpf_map_update_elem(m.lut, &s, &lut, 0);
	memset(&r, 0, sizeof(r));
	if (!ASSERT_OK(vms_rss_write_fds(m.rss, m.lut, 6, &r), "port 6 off"))
		goto out;
	ASSERT_EQ(slot_of(&m, 6), 0, "a port without a table names none");
	/* Port 5 takes key 3: slot 1 (free, lowest) gets its tables. */
	if (!ASSERT_OK(vms_rss_write_fds(m.rss, m.lut, PORT, &c), "key 3"))
		goto out;
	ASSERT_EQ(slot_of(&m, PORT), 1, "lowest free slot");
	ASSERT_TRUE(slot_holds(&m, 1, c.key), "slot 1 rewritten to key 3");
	ASSERT_TRUE(slot_holds(&m, 2, b.key), "slot 2 (port 7) untouched");
	steers_by(&m, &c, "port 5 under key 3");

	/* Fill every slot: ports 100.. each with a key of its own. */
	for (i = 0, err = 0; !err; i++) {
		struct vmst_rss x;

		rss_n(&x, 1000 + i);
		err = vms_rss_write_fds(m.rss, m.lut, 100 + i, &x);
	}
	ASSERT_EQ(err, -ENOSPC, "the slots run out");
	ASSERT_EQ(i - 1, VMST_RSS_KEY_SLOTS - 1 - 2,
		  "keys that fit beside keys 2 and 3");
	/* The refused write changed nothing: entry and tables as before. */
	idx = PORT;
	bpf_map_lookup_elem(m.rss, &idx, &r);
	s = r.key_slot;
	bpf_map_lookup_elem(m.lut, &s, &before_lut);
	rss_n(&a, 9999);
	ASSERT_EQ(vms_rss_write_fds(m.rss, m.lut, PORT, &a), -ENOSPC,
		  "a new key for port 5 refused");
	bpf_map_lookup_elem(m.rss, &idx, &a);
	ASSERT_MEMEQ(&a, sizeof(a), &r, sizeof(r), "port 5's entry unchanged");
	bpf_map_lookup_elem(m.lut, &s, &lut);
	ASSERT_MEMEQ(&lut, sizeof(lut), &before_lut, sizeof(lut),
		     "its tables unchanged");
	steers_by(&m, &c, "port 5 still under key 3");
	/* A key in use is still shared when every slot is taken. */
	ASSERT_OK(vms_rss_write_fds(m.rss, m.lut, PORT, &b), "shared key 2");
	ASSERT_EQ(slot_of(&m, PORT), 2, "port 5 shares slot 2");
	steers_by(&m, &b, "port 5 under key 2 again");

	/* Counting from the maps agrees with what was written. */
	{
		static struct vms_rss_keys k;

		ASSERT_OK(vms_rss_keys_load(&k, m.rss, m.lut), "count");
		ASSERT_EQ(k.refs[2], 2, "slot 2: ports 5 and 7");
		ASSERT_EQ(k.refs[1], 0, "slot 1 freed by port 5");
		ASSERT_EQ(vms_rss_keys_distinct(&k), VMST_RSS_KEY_SLOTS - 2,
			  "key 2 and one key a slot for ports 100..");
	}
out:
	steer_bpf__destroy(m.skel);
}
