// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS key slots. The Toeplitz lookup tables (struct vmst_rss_lut, 4.6 kB)
 * depend only on the key, and nearly every port uses the default one, so
 * vmst_rss_lut holds one entry per distinct key (VMST_RSS_KEY_SLOTS) and
 * each port's vmst_rss entry names its slot (key_slot). The rules that
 * keep every frame on a queue of its own key's hash, whatever point a
 * command is killed at:
 *
 * - a slot some entry names is never written;
 * - a key no slot holds gets a free slot, whose tables are written before
 *   the entry that names it;
 * - a slot is free as soon as no entry names it, so the counts are not
 *   kept anywhere: they are counted from the entries (vms_rss_keys_load)
 *   when a process first writes one. A command killed between the two
 *   writes leaves a free slot with tables in it, and nothing to repair.
 *
 * A port that changes key names its new slot in one write of its entry;
 * its old slot is free once no other entry names it. The state holds at
 * most VMST_RSS_KEYS distinct keys (the planner refuses one more), and
 * the map has room for twice that, so that an apply that moves every port
 * to another key never runs out of slots half-way.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "load/rsskeys.h"
#include "core/counters.h"
#include "util/log.h"

void vms_rss_keys_count(struct vms_rss_keys *k, const struct vmst_rss *rec)
{
	__u32 i;

	memset(k, 0, sizeof(*k));
	k->valid = true;
	for (i = 1; i < VMST_MAX_PORTS; i++) {
		__u16 s = rec[i].key_slot;

		if (!s || s >= VMST_RSS_KEY_SLOTS)
			continue;
		if (!k->refs[s]++)
			memcpy(k->key[s], rec[i].key, VMST_RSS_KEY_LEN);
		k->slot[i] = s;
	}
}

int vms_rss_keys_load(struct vms_rss_keys *k, int rss_fd, int lut_fd)
{
	static struct vmst_rss rec[VMST_MAX_PORTS];
	struct vmst_rss_lut lut;
	__u32 s;
	int err;

	err = vms_array_read(rss_fd, 0, VMST_MAX_PORTS, rec, sizeof(rec[0]));
	if (err)
		return vms_err(err, "map %s: cannot read: %s", VMST_MAP_RSS,
			       strerror(-err));
	vms_rss_keys_count(k, rec);
	for (s = 1; s < VMST_RSS_KEY_SLOTS; s++) {
		if (!k->refs[s])
			continue;
		if (bpf_map_lookup_elem(lut_fd, &s, &lut))
			return vms_err(-errno,
				       "map %s: cannot read slot %u: %s",
				       VMST_MAP_RSS_LUT, s, strerror(errno));
		memcpy(k->key[s], lut.key, VMST_RSS_KEY_LEN);
	}
	return 0;
}

int vms_rss_keys_pick(const struct vms_rss_keys *k, __u32 idx,
		      const __u8 key[VMST_RSS_KEY_LEN], bool *fresh)
{
	__u32 own = idx < VMST_MAX_PORTS ? k->slot[idx] : 0, s, free = 0;

	*fresh = false;
	if (own && !memcmp(k->key[own], key, VMST_RSS_KEY_LEN))
		return own;
	for (s = 1; s < VMST_RSS_KEY_SLOTS; s++) {
		if (!k->refs[s]) {
			if (!free)
				free = s;
		} else if (!memcmp(k->key[s], key, VMST_RSS_KEY_LEN)) {
			return s;
		}
	}
	if (!free)
		return -ENOSPC;
	*fresh = true;
	return free;
}

void vms_rss_keys_set(struct vms_rss_keys *k, __u32 idx, __u16 slot,
		      const __u8 key[VMST_RSS_KEY_LEN])
{
	__u16 old;

	if (idx >= VMST_MAX_PORTS || slot >= VMST_RSS_KEY_SLOTS)
		return;
	old = k->slot[idx];
	if (old && k->refs[old])
		k->refs[old]--;
	k->slot[idx] = slot;
	if (slot && !k->refs[slot]++)
		memcpy(k->key[slot], key, VMST_RSS_KEY_LEN);
}

unsigned int vms_rss_keys_distinct(const struct vms_rss_keys *k)
{
	struct vms_rss_keyset set = {0};
	__u32 s;

	for (s = 1; s < VMST_RSS_KEY_SLOTS; s++)
		if (k->refs[s])
			vms_rss_keyset_add(&set, k->key[s]);
	return set.n;
}

bool vms_rss_keyset_has(const struct vms_rss_keyset *s,
			const __u8 key[VMST_RSS_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(s->key[i], key, VMST_RSS_KEY_LEN))
			return true;
	return false;
}

unsigned int vms_rss_keyset_add(struct vms_rss_keyset *s,
				const __u8 key[VMST_RSS_KEY_LEN])
{
	if (vms_rss_keyset_has(s, key))
		return s->n;
	if (s->n == VMST_RSS_KEY_SLOTS)
		return s->n + 1; /* past any limit: not kept */
	memcpy(s->key[s->n], key, VMST_RSS_KEY_LEN);
	return ++s->n;
}
