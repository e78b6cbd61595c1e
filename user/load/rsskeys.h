/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RSS key slots: the lookup tables of each distinct key (rsskeys.c). */
#ifndef VMS_LOAD_RSSKEYS_H
#define VMS_LOAD_RSSKEYS_H

#include <stdbool.h>
#include <linux/types.h>

#include "vmsteer.h"

/*
 * Which key each slot of vmst_rss_lut holds and how many vmst_rss entries
 * name it. Nothing of it is pinned: it is counted from the entries (and
 * the keys of the slots they name) whenever a process first needs it, so
 * a crash can leave no count wrong. A slot no entry names is free,
 * whatever tables it holds.
 */
struct vms_rss_keys {
	bool valid;			/* counted */
	__u16 slot[VMST_MAX_PORTS];	/* each port's key_slot (0: none) */
	__u32 refs[VMST_RSS_KEY_SLOTS]; /* entries naming each slot */
	__u8 key[VMST_RSS_KEY_SLOTS][VMST_RSS_KEY_LEN]; /* of a used slot */
};

/*
 * Count @rec (VMST_MAX_PORTS entries) into @k. A slot's key is the one of
 * the first entry naming it; vms_rss_keys_load() puts the key of the
 * slot's tables in its place. key_slot values past the map name nothing.
 */
void vms_rss_keys_count(struct vms_rss_keys *k, const struct vmst_rss *rec);
/* vms_rss_keys_count() of the map's entries, with each used slot's key
 * read from its tables (@lut_fd). */
int vms_rss_keys_load(struct vms_rss_keys *k, int rss_fd, int lut_fd);
/*
 * The slot port @idx is to name for @key: its own slot or another port's
 * when it holds @key (*@fresh false), else the lowest free slot (*@fresh
 * true: its tables must be written before an entry names it). -ENOSPC
 * when no slot is free.
 */
int vms_rss_keys_pick(const struct vms_rss_keys *k, __u32 idx,
		      const __u8 key[VMST_RSS_KEY_LEN], bool *fresh);
/* Port @idx now names @slot (0: none) for @key: the counts follow. */
void vms_rss_keys_set(struct vms_rss_keys *k, __u32 idx, __u16 slot,
		      const __u8 key[VMST_RSS_KEY_LEN]);
/* Distinct keys the used slots hold. */
unsigned int vms_rss_keys_distinct(const struct vms_rss_keys *k);

/*
 * A set of distinct keys, for checking a change before it is made (the
 * planner): add returns the number of keys after adding @key.
 */
struct vms_rss_keyset {
	unsigned int n;
	__u8 key[VMST_RSS_KEY_SLOTS][VMST_RSS_KEY_LEN];
};
bool vms_rss_keyset_has(const struct vms_rss_keyset *s,
			const __u8 key[VMST_RSS_KEY_LEN]);
unsigned int vms_rss_keyset_add(struct vms_rss_keyset *s,
				const __u8 key[VMST_RSS_KEY_LEN]);

#endif /* VMS_LOAD_RSSKEYS_H */
