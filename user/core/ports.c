// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ports and the FDB.
 *
 * Write order keeps the data path consistent at every step, so a CLI killed
 * between two map writes leaves nothing that could misdeliver a frame:
 *  - add: redirect target, then port entry (its key), then control record,
 *    then the FDB slot that makes the port reachable;
 *  - delete: FDB slot first (the port becomes unreachable), then target,
 *    counters and record. The port entry's key stays: unreachable, and
 *    rewritten only when the index is reused.
 * A port whose MAC or VLAN changes moves to a new index rather than having
 * its key rewritten in place, and indexes are handed out round robin, so a
 * key is never rewritten while a frame in flight could still read it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "core/ports.h"
#include "core/addr.h"
#include "core/check.h"
#include "core/counters.h"
#include "core/state.h"
#include "core/trunk.h"
#include "load/rss.h"
#include "util/log.h"
#include "util/netdev.h"

#define ETH_HEADER_LEN 14

/* Buckets of the cache's indexes (a power of two). */
#define INDEX_SLOTS 8192

struct vms_port_cache {
	bool cfg_valid, tx_valid;     /* every record read */
	bool tx_have[VMST_MAX_PORTS]; /* this one read or written */
	int tx_reads;		      /* single reads so far */
	struct vmst_port_cfg cfg[VMST_MAX_PORTS];
	struct vmst_port_tx tx[VMST_MAX_PORTS];
	/* The records in use by tap (name, netns) and by key, as chains
	 * of indexes from a bucket (index + 1, 0 ends a chain), kept
	 * through every write once built: apply's upserts look a port's
	 * tap and key up here (a scan of the table each was O(N^2)). */
	bool index_valid;
	__u32 by_name[INDEX_SLOTS], by_key[INDEX_SLOTS];
	__u32 next_name[VMST_MAX_PORTS], next_key[VMST_MAX_PORTS];
};

struct vms_port_cache *vms_port_cache_new(void)
{
	return calloc(1, sizeof(struct vms_port_cache));
}

void vms_port_cache_free(struct vms_port_cache *c)
{
	free(c);
}

static __u64 cfg_key(const struct vmst_port_cfg *c)
{
	return vmst_fdb_key(c->vlan, vms_mac48(c->mac));
}

static __u32 name_bucket(const char *name, __u32 netns)
{
	__u32 h = 2166136261u ^ netns;
	size_t i;

	for (i = 0; i < sizeof(((struct vmst_port_cfg *)0)->name) && name[i];
	     i++)
		h = (h ^ (__u8)name[i]) * 16777619u;
	return h & (INDEX_SLOTS - 1);
}

static __u32 key_bucket(__u64 key)
{
	return (key * 0x9e3779b97f4a7c15ULL) >> 32 & (INDEX_SLOTS - 1);
}

/* Take index @idx out of the chain from @head (linked by @next). */
static void chain_del(__u32 *head, __u32 *next, __u32 idx)
{
	__u32 *p = head;

	while (*p && *p != idx + 1)
		p = &next[*p - 1];
	if (*p)
		*p = next[idx];
}

static void index_del(struct vms_port_cache *c, __u32 idx)
{
	const struct vmst_port_cfg *r = &c->cfg[idx];

	if (!vms_port_in_use(r))
		return;
	chain_del(&c->by_name[name_bucket(r->name, r->netns_ino)], c->next_name,
		  idx);
	chain_del(&c->by_key[key_bucket(cfg_key(r))], c->next_key, idx);
}

static void index_add(struct vms_port_cache *c, __u32 idx)
{
	const struct vmst_port_cfg *r = &c->cfg[idx];
	__u32 *h;

	if (!vms_port_in_use(r))
		return;
	h = &c->by_name[name_bucket(r->name, r->netns_ino)];
	c->next_name[idx] = *h;
	*h = idx + 1;
	h = &c->by_key[key_bucket(cfg_key(r))];
	c->next_key[idx] = *h;
	*h = idx + 1;
}

/* The cache's indexes of @cfg when it is the cache's table, built at
 * first use: NULL when there are none (no cache). */
static struct vms_port_cache *cache_index(const struct vms_maps *m,
					  const struct vmst_port_cfg *cfg)
{
	struct vms_port_cache *c = m ? m->cache : NULL;
	__u32 idx;

	if (!c || cfg != c->cfg || !c->cfg_valid)
		return NULL;
	if (!c->index_valid) {
		memset(c->by_name, 0, sizeof(c->by_name));
		memset(c->by_key, 0, sizeof(c->by_key));
		for (idx = VMST_MAX_PORTS; idx-- > 1;)
			index_add(c, idx);
		c->index_valid = true;
	}
	return c;
}

/* Record @idx changed to @v: keep the cache's copy. */
static void cfg_cached(const struct vms_maps *m, __u32 idx,
		       const struct vmst_port_cfg *v)
{
	struct vms_port_cache *c = m->cache;

	if (!c || idx >= VMST_MAX_PORTS)
		return;
	if (c->index_valid)
		index_del(c, idx);
	c->cfg[idx] = *v;
	if (c->index_valid)
		index_add(c, idx);
}

static int map_fail(const char *map, const char *what, __u32 key)
{
	int err = -errno;

	return vms_err(err, "map %s: cannot %s entry %u: %s", map, what, key,
		       strerror(-err));
}

static void port_tx_prefetch(const struct vms_maps *m);

/* A command that reads a few records (port add) reads them one by one; one
 * that goes on reading (a walk over the ports) reads them all in batches. */
#define TX_SINGLE_READS 8

int vms_port_tx_read(const struct vms_maps *m, __u32 idx,
		     struct vmst_port_tx *tx)
{
	memset(tx, 0, sizeof(*tx));
	if (m->fd[VMS_MAP_PORT_TX] < 0)
		return 0; /* a state from before the transmit path */
	if (m->cache && ++m->cache->tx_reads > TX_SINGLE_READS)
		port_tx_prefetch(m);
	if (m->cache && idx < VMST_MAX_PORTS &&
	    (m->cache->tx_valid || m->cache->tx_have[idx])) {
		*tx = m->cache->tx[idx];
	} else {
		if (bpf_map_lookup_elem(m->fd[VMS_MAP_PORT_TX], &idx, tx))
			return map_fail(VMST_MAP_PORT_TX, "read", idx);
		if (m->cache && idx < VMST_MAX_PORTS) {
			m->cache->tx[idx] = *tx;
			m->cache->tx_have[idx] = true;
		}
	}
	if (tx->naddrs > VMST_MAX_ADDRS)
		tx->naddrs = VMST_MAX_ADDRS;
	return 0;
}

int vms_port_tx_read_all(const struct vms_maps *m, struct vmst_port_tx *tx)
{
	__u32 idx;
	int err;

	err = vms_ports_read_all(m, VMS_MAP_PORT_TX, tx, sizeof(*tx));
	for (idx = 0; !err && idx < VMST_MAX_PORTS; idx++)
		if (tx[idx].naddrs > VMST_MAX_ADDRS)
			tx[idx].naddrs = VMST_MAX_ADDRS;
	return err;
}

/* Add (@add) or remove address @a of port @idx in its LPM trie. */
static int lpm_set(const struct vms_maps *m, __u32 idx,
		   const struct vmst_addr *a, bool add)
{
	struct vmst_lpm4_key k4 = {32 + a->prefix_len, idx, {0}};
	struct vmst_lpm6_key k6 = {32 + a->prefix_len, idx, {0}};
	bool v4 = a->family == VMST_AF_INET;
	int fd = m->fd[v4 ? VMS_MAP_ADDR4 : VMS_MAP_ADDR6];
	void *key = v4 ? (void *)&k4 : (void *)&k6;
	__u32 one = 1;

	memcpy(k4.addr, a->addr, 4);
	memcpy(k6.addr, a->addr, 16);
	if (fd < 0)
		return add ? vms_err(-ENOENT,
				     "the pinned state has no address maps")
			   : 0;
	if (add) {
		if (bpf_map_update_elem(fd, key, &one, BPF_ANY))
			return map_fail(v4 ? VMST_MAP_ADDR4 : VMST_MAP_ADDR6,
					"write", idx);
	} else if (bpf_map_delete_elem(fd, key) && errno != ENOENT) {
		return map_fail(v4 ? VMST_MAP_ADDR4 : VMST_MAP_ADDR6, "delete",
				idx);
	}
	return 0;
}

static bool has_addr(const struct vmst_port_tx *tx, const struct vmst_addr *a)
{
	__u32 i;

	for (i = 0; i < tx->naddrs; i++)
		if (tx->addrs[i].family == a->family &&
		    tx->addrs[i].prefix_len == a->prefix_len &&
		    !memcmp(tx->addrs[i].addr, a->addr, 16))
			return true;
	return false;
}

/* Remove the trie entries of @tx (port @idx) that @keep does not have. */
static void lpm_remove(const struct vms_maps *m, __u32 idx,
		       const struct vmst_port_tx *tx,
		       const struct vmst_port_tx *keep)
{
	__u32 i;

	for (i = 0; i < tx->naddrs; i++)
		if (!keep || !has_addr(keep, &tx->addrs[i]))
			lpm_set(m, idx, &tx->addrs[i], false);
}

/* Add every address of @tx for port @idx; on failure none stays added
 * that @before did not have. */
static int lpm_add(const struct vms_maps *m, __u32 idx,
		   const struct vmst_port_tx *tx,
		   const struct vmst_port_tx *before)
{
	__u32 i;
	int err;

	for (i = 0; i < tx->naddrs; i++) {
		err = lpm_set(m, idx, &tx->addrs[i], true);
		if (err) {
			lpm_remove(m, idx, tx, before);
			return err;
		}
	}
	return 0;
}

/*
 * The trie entries of port @idx are always among the addresses its
 * transmit record lists: a change from record @otx to @tx first writes a
 * record listing both (lpm_begin), then adds @tx's entries, and removes
 * @otx's others before writing @tx (lpm_finish). A change killed half-way
 * leaves only entries its record lists, which the next change of the
 * index removes as @otx's others: no walk of the tries (O(addresses of
 * the port), not of the state). When both do not fit one record, @otx's
 * others go first.
 */
static int lpm_begin(const struct vms_maps *m, __u32 idx,
		     const struct vmst_port_tx *otx,
		     const struct vmst_port_tx *tx)
{
	struct vmst_port_tx u = *otx;
	bool grow = false;
	__u32 i;
	int err;

	for (i = 0; i < tx->naddrs; i++) {
		if (has_addr(&u, &tx->addrs[i]))
			continue;
		grow = true;
		if (u.naddrs == VMST_MAX_ADDRS) {
			lpm_remove(m, idx, otx, tx);
			u = *tx;
			u.flags = otx->flags;
			break;
		}
		u.addrs[u.naddrs++] = tx->addrs[i];
	}
	if (!grow)
		return 0;
	err = vms_port_tx_write(m, idx, &u);
	return err ? err : lpm_add(m, idx, tx, otx);
}

/* The end of a change from @otx to @tx: @otx's other entries, then the
 * record of @tx. */
static int lpm_finish(const struct vms_maps *m, __u32 idx,
		      const struct vmst_port_tx *otx,
		      const struct vmst_port_tx *tx)
{
	lpm_remove(m, idx, otx, tx);
	return vms_port_tx_write(m, idx, tx);
}

/* Back to @otx after a failed change towards @tx. */
static void lpm_abort(const struct vms_maps *m, __u32 idx,
		      const struct vmst_port_tx *otx,
		      const struct vmst_port_tx *tx)
{
	lpm_remove(m, idx, tx, otx);
	if (!vms_port_tx_write(m, idx, otx))
		lpm_add(m, idx, otx, NULL);
}

int vms_port_tx_write(const struct vms_maps *m, __u32 idx,
		      const struct vmst_port_tx *tx)
{
	if (m->fd[VMS_MAP_PORT_TX] < 0) {
		if (!tx->naddrs && !tx->flags)
			return 0;
		return vms_err(-ENOENT, "the pinned state has no map %s",
			       VMST_MAP_PORT_TX);
	}
	if (bpf_map_update_elem(m->fd[VMS_MAP_PORT_TX], &idx, tx, BPF_ANY))
		return map_fail(VMST_MAP_PORT_TX, "write", idx);
	if (m->cache && idx < VMST_MAX_PORTS) {
		m->cache->tx[idx] = *tx;
		m->cache->tx_have[idx] = true;
	}
	return 0;
}

/* Every transmit record into the cache, in batches: before a walk over
 * all ports (one read, not one a port). */
static void port_tx_prefetch(const struct vms_maps *m)
{
	if (m->cache && !m->cache->tx_valid && m->fd[VMS_MAP_PORT_TX] >= 0 &&
	    !vms_array_read(m->fd[VMS_MAP_PORT_TX], 0, VMST_MAX_PORTS,
			    m->cache->tx, sizeof(m->cache->tx[0])))
		m->cache->tx_valid = true;
}

/* The port table of a command that keeps no cache: one buffer for the
 * process, allocated on first use. */
static struct vmst_port_cfg *table_buf;

int vms_port_table(const struct vms_maps *m, const struct vmst_port_cfg **t)
{
	struct vmst_port_cfg *buf;
	int err;

	if (m && m->cache && m->cache->cfg_valid) {
		*t = m->cache->cfg;
		return 0;
	}
	buf = m && m->cache ? m->cache->cfg : table_buf;
	if (!buf)
		buf = table_buf = calloc(VMST_MAX_PORTS, sizeof(*table_buf));
	if (!buf)
		return vms_err(-ENOMEM, "out of memory");
	if (!m) {
		memset(buf, 0, VMST_MAX_PORTS * sizeof(*buf));
		*t = buf;
		return 0;
	}
	err = vms_array_read(m->fd[VMS_MAP_PORT_CFG], 0, VMST_MAX_PORTS, buf,
			     sizeof(buf[0]));
	if (err)
		return vms_err(err, "map %s: cannot read: %s",
			       VMST_MAP_PORT_CFG, strerror(-err));
	if (m->cache) {
		m->cache->cfg_valid = true;
		m->cache->index_valid = false;
	}
	*t = buf;
	return 0;
}

static bool is_tap(const struct vmst_port_cfg *c, const char *name,
		   __u32 netns_ino)
{
	return vms_port_in_use(c) && c->netns_ino == netns_ino &&
	       !strncmp(c->name, name, sizeof(c->name));
}

/* The first record of tap @name in @netns_ino in table @cfg (of @m), 0
 * when none. */
static int find_in(const struct vms_maps *m, const struct vmst_port_cfg *cfg,
		   const char *name, __u32 netns_ino)
{
	struct vms_port_cache *c = cache_index(m, cfg);
	__u32 idx, i, best = 0;

	if (!c) {
		for (idx = 1; idx < VMST_MAX_PORTS; idx++)
			if (is_tap(&cfg[idx], name, netns_ino))
				return idx;
		return 0;
	}
	for (i = c->by_name[name_bucket(name, netns_ino)]; i;
	     i = c->next_name[i - 1])
		if (is_tap(&cfg[i - 1], name, netns_ino) &&
		    (!best || i - 1 < best))
			best = i - 1;
	return best;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

/* The records of table @cfg (of @m) in use with key @key, in order of
 * index, into @out (VMST_MAX_PORTS): how many. */
static int find_key(const struct vms_maps *m, const struct vmst_port_cfg *cfg,
		    __u64 key, __u32 *out)
{
	struct vms_port_cache *c = cache_index(m, cfg);
	__u32 idx, i;
	int n = 0;

	if (!c) {
		for (idx = 1; idx < VMST_MAX_PORTS; idx++)
			if (vms_port_in_use(&cfg[idx]) &&
			    cfg_key(&cfg[idx]) == key)
				out[n++] = idx;
		return n;
	}
	for (i = c->by_key[key_bucket(key)]; i; i = c->next_key[i - 1])
		if (vms_port_in_use(&cfg[i - 1]) && cfg_key(&cfg[i - 1]) == key)
			out[n++] = i - 1;
	qsort(out, n, sizeof(*out), cmp_u32);
	return n;
}

bool vms_port_tap_there(const struct vmst_port_cfg *c, char *name)
{
	char buf[IF_NAMESIZE];

	if (!name)
		name = buf;
	return vms_ifname(c->ifindex, name) &&
	       !strncmp(name, c->name, sizeof(c->name));
}

bool vms_port_tapless(const struct vmst_port_cfg *c, __u32 netns)
{
	if (!vms_port_in_use(c) || c->netns_ino != netns)
		return false;
	return (c->flags & VMST_CFG_F_PENDING) || !vms_port_tap_there(c, NULL);
}

/* Pending, or no device has its ifindex any more (a tap that went). */
static bool tap_vanished(const struct vmst_port_cfg *c)
{
	char name[IF_NAMESIZE];

	return (c->flags & VMST_CFG_F_PENDING) || !vms_ifname(c->ifindex, name);
}

__u32 vms_boottime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec;
}

int vms_port_find_mac(const struct vms_maps *m, const __u8 mac[6], __u16 vlan,
		      __u32 netns_ino, struct vmst_port_cfg *out)
{
	const struct vmst_port_cfg *cfg;
	int idx, err;

	err = vms_port_table(m, &cfg);
	if (err)
		return err;
	for (idx = 1; idx < VMST_MAX_PORTS; idx++)
		if (vms_port_in_use(&cfg[idx]) &&
		    cfg[idx].netns_ino == netns_ino && cfg[idx].vlan == vlan &&
		    !memcmp(cfg[idx].mac, mac, 6)) {
			if (out)
				*out = cfg[idx];
			return idx;
		}
	return 0;
}

bool vms_port_mac_used(const struct vms_maps *m, const __u8 mac[6],
		       __u32 netns_ino)
{
	const struct vmst_port_cfg *cfg;
	int idx;

	if (vms_port_table(m, &cfg))
		return false;
	for (idx = 1; idx < VMST_MAX_PORTS; idx++)
		if (vms_port_in_use(&cfg[idx]) &&
		    cfg[idx].netns_ino == netns_ino &&
		    !memcmp(cfg[idx].mac, mac, 6))
			return true;
	return false;
}

/* Records in order of tap: namespace, name, then index. */
static int cmp_tap(const void *a, const void *b)
{
	const struct vmst_port_cfg *x = *(const struct vmst_port_cfg *const *)a;
	const struct vmst_port_cfg *y = *(const struct vmst_port_cfg *const *)b;
	int d;

	if (x->netns_ino != y->netns_ino)
		return x->netns_ino < y->netns_ino ? -1 : 1;
	d = strncmp(x->name, y->name, sizeof(x->name));
	return d ? d : (x > y) - (x < y);
}

int vms_port_first_of(const struct vmst_port_cfg *cfg,
		      __u32 first[VMST_MAX_PORTS])
{
	const struct vmst_port_cfg **in_use;
	__u32 idx, n = 0, i, head = 0;

	in_use = malloc(VMST_MAX_PORTS * sizeof(*in_use));
	if (!in_use)
		return vms_err(-ENOMEM, "out of memory");
	for (idx = 0; idx < VMST_MAX_PORTS; idx++) {
		first[idx] = 0;
		if (idx && vms_port_in_use(&cfg[idx]))
			in_use[n++] = &cfg[idx];
	}
	qsort(in_use, n, sizeof(*in_use), cmp_tap);
	for (i = 0; i < n; i++) {
		if (!i || in_use[i]->netns_ino != in_use[head]->netns_ino ||
		    strncmp(in_use[i]->name, in_use[head]->name,
			    sizeof(in_use[i]->name)))
			head = i;
		first[in_use[i] - cfg] = in_use[head] - cfg;
	}
	free(in_use);
	return 0;
}

int vms_port_find(const struct vms_maps *m, const char *name, __u32 netns_ino,
		  struct vmst_port_cfg *out)
{
	const struct vmst_port_cfg *cfg;
	int idx, err;

	err = vms_port_table(m, &cfg);
	if (err)
		return err;
	idx = find_in(m, cfg, name, netns_ino);
	if (idx && out)
		*out = cfg[idx];
	return idx;
}

/* The FDB slot in @key's probe window that holds @want (0: a free one). */
static int fdb_slot(const struct vms_maps *m, __u64 key, __u32 want,
		    __u32 *slot)
{
	__u32 home = vmst_fdb_hash(key), i, s, val;

	for (i = 0; i < VMST_FDB_PROBES; i++) {
		s = (home + i) & VMST_FDB_MASK;
		if (bpf_map_lookup_elem(m->fd[VMS_MAP_FDB], &s, &val))
			return map_fail(VMST_MAP_FDB, "read", s);
		if (val == want) {
			*slot = s;
			return 0;
		}
	}
	return -ENOENT;
}

/* The error for port @name whose key finds no free slot in its window. */
static int fdb_full(const char *name)
{
	return vms_err(-ENOSPC,
		       "port %s: FDB has no free slot for this MAC and VLAN "
		       "(%u slots searched)",
		       name, VMST_FDB_PROBES);
}

static int fdb_set(const struct vms_maps *m, __u32 slot, __u32 idx)
{
	if (bpf_map_update_elem(m->fd[VMS_MAP_FDB], &slot, &idx, BPF_ANY))
		return map_fail(VMST_MAP_FDB, "write", slot);
	return 0;
}

int vms_fdb_read(const struct vms_maps *m, __u32 fdb[VMST_FDB_SLOTS])
{
	int err = vms_array_read(m->fd[VMS_MAP_FDB], 0, VMST_FDB_SLOTS, fdb,
				 sizeof(fdb[0]));

	if (err)
		return vms_err(err, "map %s: cannot read: %s", VMST_MAP_FDB,
			       strerror(-err));
	return 0;
}

int vms_fdb_count(const struct vms_maps *m)
{
	static __u32 fdb[VMST_FDB_SLOTS];
	int n = 0, err;
	__u32 s;

	err = vms_fdb_read(m, fdb);
	if (err)
		return err;
	for (s = 0; s < VMST_FDB_SLOTS; s++)
		n += fdb[s] != 0;
	return n;
}

/* Next free index at or after the rotating cursor; 0 when full. */
static __u32 alloc_index(const struct vms_maps *m,
			 const struct vmst_port_cfg *cfg,
			 struct vmst_config *conf)
{
	__u32 zero = 0, i, idx;

	if (bpf_map_lookup_elem(m->fd[VMS_MAP_CONFIG], &zero, conf))
		return 0;
	for (i = 0; i < VMST_MAX_PORTS - 1; i++) {
		idx = 1 + (conf->next_port - 1 + i) % (VMST_MAX_PORTS - 1);
		if (!vms_port_in_use(&cfg[idx]))
			return idx;
	}
	return 0;
}

static void spec_to_entries(const struct vms_port_spec *s,
			    struct vmst_port *port, struct vmst_port_cfg *c)
{
	__u32 max_frame = s->mtu + ETH_HEADER_LEN;

	memset(port, 0, sizeof(*port));
	port->key = vmst_fdb_key(s->vlan, vms_mac48(s->mac));
	port->max_frame = max_frame > 0xffff ? 0xffff : max_frame;
	port->flags = s->vlan ? VMST_PORT_F_ACCESS : 0;
	if (s->trunk)
		port->flags |= VMST_PORT_F_TRUNK;
	if (s->trusted)
		port->flags |= VMST_PORT_F_TRUSTED;
	if (s->naddrs)
		port->flags |= VMST_PORT_F_IPCHECK;
	if (s->xdp_steer)
		port->flags |= VMST_PORT_F_XDP_STEER;

	memset(c, 0, sizeof(*c));
	memcpy(c->name, s->name, sizeof(c->name) - 1);
	c->ifindex = s->ifindex;
	c->netns_ino = s->netns_ino;
	memcpy(c->mac, s->mac, 6);
	c->vlan = s->vlan;
	c->flags = VMST_CFG_F_IN_USE | (s->trusted ? VMST_CFG_F_TRUSTED : 0) |
		   (s->trunk ? VMST_CFG_F_TRUNK : 0);
	if (s->agent)
		c->flags |= VMST_CFG_F_AGENT;
	if (s->tx_tc)
		c->flags |= VMST_CFG_F_TX_TC;
	if (!s->ifindex) {
		c->flags |= VMST_CFG_F_PENDING;
		c->pending_since = vms_boottime();
	}
	c->mtu = s->mtu;
}

/* The inverse of spec_to_entries (the lines alike, the other way). */
int vms_port_spec_from_record(const struct vms_maps *m, __u32 idx,
			      const struct vmst_port_cfg *c,
			      struct vms_port_spec *s)
{
	struct vmst_port_tx tx;
	struct vmst_port port;
	int err;

	memset(s, 0, sizeof(*s));
	memcpy(s->name, c->name, sizeof(s->name) - 1);
	s->ifindex = c->ifindex;
	s->netns_ino = c->netns_ino;
	memcpy(s->mac, c->mac, 6);
	s->vlan = c->vlan;
	s->trunk = c->flags & VMST_CFG_F_TRUNK;
	s->mtu = c->mtu;
	s->trusted = c->flags & VMST_CFG_F_TRUSTED;
	s->agent = c->flags & VMST_CFG_F_AGENT;
	s->tx_tc = c->flags & VMST_CFG_F_TX_TC;
	err = s->trunk ? vms_port_trunk_read(m, idx, &s->vids) : 0;
	if (!err)
		err = vms_port_tx_read(m, idx, &tx);
	if (err)
		return err;
	s->naddrs = tx.naddrs;
	memcpy(s->addrs, tx.addrs, sizeof(s->addrs));
	/* The uplink program's flag says whether XDP frames take the CPUMAP. */
	if (!bpf_map_lookup_elem(m->fd[VMS_MAP_PORTS], &idx, &port))
		s->xdp_steer = port.flags & VMST_PORT_F_XDP_STEER;
	return 0;
}

int vms_port_spec_check(const struct vms_port_spec *s)
{
	static const __u8 zero_mac[6];
	char mac[18];
	__u32 i, j;

	vms_format_mac(s->mac, mac);
	if (vms_ifname_invalid(s->name))
		return vms_ifname_check(s->name);
	if (s->mac[0] & 1)
		return vms_err(-EINVAL,
			       "port %s: MAC %s is a multicast address",
			       s->name, mac);
	if (!memcmp(s->mac, zero_mac, 6))
		return vms_err(-EINVAL, "port %s: MAC %s is not usable",
			       s->name, mac);
	if (s->vlan > VMST_VLAN_MAX)
		return vms_err(-ERANGE, "port %s: VLAN %u outside 1..%u",
			       s->name, s->vlan, VMST_VLAN_MAX);
	if (!s->ifindex != !s->mtu)
		return vms_err(-EINVAL, "port %s: no ifindex or MTU", s->name);
	if (s->trunk && s->vlan)
		return vms_err(-EINVAL,
			       "port %s: a port is an access port (VLAN) or a "
			       "trunk, not both",
			       s->name);
	if (s->trunk) {
		static const struct vmst_trunk none;
		struct vmst_trunk v = s->vids;

		v.vids[0] &= ~1ULL;	     /* VID 0 */
		v.vids[63] &= ~(1ULL << 63); /* VID 4095 */
		if (memcmp(&v, &s->vids, sizeof(v)))
			return vms_err(-ERANGE,
				       "port %s: trunk VIDs must be %d..%d",
				       s->name, VMST_VLAN_MIN, VMST_VLAN_MAX);
		if (!memcmp(&v, &none, sizeof(v)))
			return vms_err(-EINVAL, "port %s: trunk without VIDs",
				       s->name);
	} else {
		static const struct vmst_trunk none;

		if (memcmp(&s->vids, &none, sizeof(none)))
			return vms_err(-EINVAL,
				       "port %s: VIDs given for a port that "
				       "is not a trunk",
				       s->name);
	}
	if (s->naddrs > VMST_MAX_ADDRS)
		return vms_err(-E2BIG,
			       "port %s: %u addresses, at most %u per port",
			       s->name, s->naddrs, VMST_MAX_ADDRS);
	for (i = 0; i < s->naddrs; i++) {
		const struct vmst_addr *a = &s->addrs[i];
		int max = a->family == VMST_AF_INET ? 32 : 128;

		if ((a->family != VMST_AF_INET && a->family != VMST_AF_INET6) ||
		    a->prefix_len < 1 || a->prefix_len > max)
			return vms_err(-EINVAL, "port %s: address %u invalid",
				       s->name, i);
		for (j = 0; j < i; j++) {
			char x[VMS_ADDR_STRLEN], y[VMS_ADDR_STRLEN];

			if (!vms_addr_overlap(a, &s->addrs[j]))
				continue;
			vms_format_addr(&s->addrs[j], x);
			vms_format_addr(a, y);
			return vms_err(-EINVAL,
				       "port %s: addresses %s and %s overlap "
				       "(give each once)",
				       s->name, x, y);
		}
	}
	return 0;
}

/* The trunk VIDs of port @idx (none for another kind of port). */
static int trunk_write(const struct vms_maps *m, __u32 idx,
		       const struct vmst_trunk *t, const char *name)
{
	static const struct vmst_trunk none;

	if (m->fd[VMS_MAP_TRUNK] < 0) {
		if (!memcmp(t, &none, sizeof(none)))
			return 0;
		return vms_err(-EOPNOTSUPP,
			       "port %s: the pinned state predates trunk "
			       "ports (map %s missing)",
			       name, VMST_MAP_TRUNK);
	}
	if (bpf_map_update_elem(m->fd[VMS_MAP_TRUNK], &idx, t, BPF_ANY))
		return map_fail(VMST_MAP_TRUNK, "write", idx);
	return 0;
}

/*
 * Write the parts of port @idx that are not its FDB slot: the trunk VIDs
 * before the entry whose flag makes the data path read them.
 */
static int write_port(const struct vms_maps *m, __u32 idx,
		      const struct vmst_port *port,
		      const struct vmst_port_cfg *c,
		      const struct vmst_trunk *vids)
{
	struct vmst_dev_key dk = {c->ifindex, c->netns_ino};
	int err;

	err = trunk_write(m, idx, vids, c->name);
	if (err)
		return err;
	/* Pending (no tap): the record only, with its configuration. */
	if (!c->ifindex) {
		if (bpf_map_update_elem(m->fd[VMS_MAP_PORT_CFG], &idx, c,
					BPF_ANY))
			return map_fail(VMST_MAP_PORT_CFG, "write", idx);
		cfg_cached(m, idx, c);
		return 0;
	}

	if (bpf_map_update_elem(m->fd[VMS_MAP_TX], &idx, &c->ifindex,
				BPF_ANY)) {
		int err = -errno;

		return vms_err(err,
			       "port %s: cannot use ifindex %u as a "
			       "redirect target: %s",
			       c->name, c->ifindex, strerror(-err));
	}
	if (bpf_map_update_elem(m->fd[VMS_MAP_PORTS], &idx, port, BPF_ANY))
		return map_fail(VMST_MAP_PORTS, "write", idx);
	if (bpf_map_update_elem(m->fd[VMS_MAP_PORT_CFG], &idx, c, BPF_ANY))
		return map_fail(VMST_MAP_PORT_CFG, "write", idx);
	cfg_cached(m, idx, c);
	if (bpf_map_update_elem(m->fd[VMS_MAP_DEVS], &dk, &idx, BPF_ANY))
		return map_fail(VMST_MAP_DEVS, "write", idx);
	return 0;
}

/* Undo the non-FDB parts of a port: target, device entry, record. */
static void clear_port(const struct vms_maps *m, __u32 idx,
		       const struct vmst_port_cfg *c)
{
	struct vmst_dev_key dk = {c->ifindex, c->netns_ino};
	struct vmst_port_cfg empty = {};
	struct vmst_trunk no_vids = {};
	__u32 cur;

	bpf_map_delete_elem(m->fd[VMS_MAP_TX], &idx);
	/* A later port at this index must not inherit the queue steering,
	 * nor trunk VIDs. */
	vms_rss_clear(m, idx); /* releases its RSS key slot */
	if (m->fd[VMS_MAP_TRUNK] >= 0)
		bpf_map_update_elem(m->fd[VMS_MAP_TRUNK], &idx, &no_vids,
				    BPF_ANY);
	if (!bpf_map_lookup_elem(m->fd[VMS_MAP_DEVS], &dk, &cur) && cur == idx)
		bpf_map_delete_elem(m->fd[VMS_MAP_DEVS], &dk);
	if (!bpf_map_update_elem(m->fd[VMS_MAP_PORT_CFG], &idx, &empty,
				 BPF_ANY))
		cfg_cached(m, idx, &empty);
}

/*
 * A port whose MAC or VLAN changes moves to a free index, so that its
 * frames keep the fast path throughout. With the table full, port @idx
 * (record @oc, addresses @otx) changes at its own index instead: its old
 * FDB slot is cleared first, so for the moment of the change its frames
 * take the kernel's path (which still delivers them), and no FDB slot
 * ever names it under a key it no longer has; a change killed half-way
 * leaves a port that is in no FDB slot, which the next one completes.
 */
static int
upsert_in_place(const struct vms_maps *m, __u32 idx,
		const struct vmst_port_cfg *oc, const struct vmst_port *port,
		const struct vmst_port_cfg *rec, const struct vmst_trunk *vids,
		const struct vmst_port_tx *tx, const struct vmst_port_tx *otx)
{
	__u32 slot = 0, oslot = 0;
	struct vmst_trunk ovids;
	struct vmst_port oport;
	bool cleared = false;
	int err;

	if (bpf_map_lookup_elem(m->fd[VMS_MAP_PORTS], &idx, &oport))
		return map_fail(VMST_MAP_PORTS, "read", idx);
	err = vms_port_trunk_read(m, idx, &ovids);
	if (err)
		return err;
	/* A port going pending (no tap) gets no slot. */
	err = rec->ifindex ? fdb_slot(m, port->key, 0, &slot) : 0;
	/* Its own slot is free for it too when in the new key's window. */
	if (err == -ENOENT)
		err = fdb_slot(m, port->key, idx, &slot);
	if (err == -ENOENT)
		return fdb_full(rec->name);
	if (err)
		return err;
	err = lpm_begin(m, idx, otx, tx);
	if (err)
		return err;
	if (!fdb_slot(m, cfg_key(oc), idx, &oslot) &&
	    (!rec->ifindex || oslot != slot)) {
		err = fdb_set(m, oslot, 0);
		cleared = !err;
	}
	if (!err)
		err = write_port(m, idx, port, rec, vids);
	if (!err && rec->ifindex)
		err = fdb_set(m, slot, idx);
	if (err) { /* back to what it was */
		write_port(m, idx, &oport, oc, &ovids);
		if (cleared)
			fdb_set(m, oslot, idx);
		lpm_abort(m, idx, otx, tx);
		return err;
	}
	err = lpm_finish(m, idx, otx, tx);
	if (err)
		return err;
	if (oc->ifindex != rec->ifindex) {
		struct vmst_dev_key dk = {oc->ifindex, oc->netns_ino};

		bpf_map_delete_elem(m->fd[VMS_MAP_DEVS], &dk);
	}
	if (!rec->ifindex) /* pending: no redirect target */
		bpf_map_delete_elem(m->fd[VMS_MAP_TX], &idx);
	return 0;
}

/*
 * Port @idx rewritten at its index, its key unchanged: the new addresses
 * first (lpm_begin), then the port (the flags that enable checks), then
 * the addresses that went away; back to @otx when a write fails.
 */
static int rewrite_in_place(const struct vms_maps *m, __u32 idx,
			    const struct vmst_port *port,
			    const struct vmst_port_cfg *rec,
			    const struct vmst_trunk *vids,
			    const struct vmst_port_tx *otx,
			    const struct vmst_port_tx *tx)
{
	int err = lpm_begin(m, idx, otx, tx);

	if (!err)
		err = write_port(m, idx, port, rec, vids);
	if (err) {
		lpm_abort(m, idx, otx, tx);
		return err;
	}
	return lpm_finish(m, idx, otx, tx);
}

/*
 * No address of @s may overlap one of another port on the same VLAN
 * (ports @old and @retire are this one and the one it replaces).
 */
static int check_overlaps(const struct vms_maps *m,
			  const struct vmst_port_cfg *cfg,
			  const struct vms_port_spec *s, __u32 old,
			  __u32 retire)
{
	struct vmst_port_tx ptx;
	__u32 idx, i, j;
	int err;

	if (s->naddrs)
		port_tx_prefetch(m);
	for (idx = 1; idx < VMST_MAX_PORTS && s->naddrs; idx++) {
		if (idx == old || idx == retire ||
		    !vms_port_in_use(&cfg[idx]) || cfg[idx].vlan != s->vlan)
			continue;
		err = vms_port_tx_read(m, idx, &ptx);
		if (err)
			return err;
		for (i = 0; i < s->naddrs; i++)
			for (j = 0; j < ptx.naddrs; j++) {
				char a[VMS_ADDR_STRLEN], b[VMS_ADDR_STRLEN];

				if (!vms_addr_overlap(&s->addrs[i],
						      &ptx.addrs[j]))
					continue;
				vms_format_addr(&s->addrs[i], a);
				vms_format_addr(&ptx.addrs[j], b);
				if (s->vlan)
					return vms_err(-EEXIST,
						       "port %s: address %s "
						       "overlaps %s of port %s "
						       "on VLAN %u",
						       s->name, a, b,
						       cfg[idx].name, s->vlan);
				return vms_err(-EEXIST,
					       "port %s: address %s overlaps "
					       "%s of port %s (untagged)",
					       s->name, a, b, cfg[idx].name);
			}
	}
	return 0;
}

/*
 * One upsert, planned from the port table before its first write and then
 * carried out by one of the steps below. The records of the ports it
 * touches are copies: the table itself follows the writes.
 */
struct upsert {
	const struct vms_maps *m;
	const struct vms_port_spec *s;
	struct vmst_port port;	   /* the data-path entry to write */
	struct vmst_port_cfg rec;  /* the control record to write */
	__u32 old;		   /* the port's index now (0: a new port) */
	struct vmst_port_cfg orec; /* its record before the change */
	struct vmst_port_tx otx;   /* its addresses before the change */
	struct vmst_port_tx tx;	   /* the addresses to write */
	__u32 retire; /* a tapless port giving up its MAC (0: none) */
};

/*
 * The port's index (by name, or the tapless port of its MAC it replaces)
 * and the tapless port giving up its MAC, or the error for a MAC another
 * port owns.
 */
static int upsert_owner(struct upsert *u, const struct vmst_port_cfg *cfg)
{
	static __u32 owner[VMST_MAX_PORTS];
	const struct vms_port_spec *s = u->s;
	char mac[18];
	int i, n;
	__u32 idx;

	u->old = find_in(u->m, cfg, u->rec.name, u->rec.netns_ino);
	n = find_key(u->m, cfg, u->port.key, owner);
	for (i = 0; i < n; i++) {
		idx = owner[i];
		if (idx == u->old)
			continue;
		/* The MAC of a port whose tap is gone moves to this one (a VM
		 * restarted on a new tap): an update, not a conflict. */
		if (cfg[idx].netns_ino == u->rec.netns_ino &&
		    tap_vanished(&cfg[idx])) {
			if (!u->old)
				u->old = idx; /* takes its place: renamed */
			else
				u->retire = idx;
			continue;
		}
		vms_format_mac(s->mac, mac);
		if (s->vlan)
			return vms_err(-EEXIST,
				       "port %s: MAC %s is already owned by "
				       "port %s on VLAN %u",
				       s->name, mac, cfg[idx].name, s->vlan);
		return vms_err(-EEXIST,
			       "port %s: MAC %s is already owned by port %s "
			       "(untagged)",
			       s->name, mac, cfg[idx].name);
	}
	if (u->old)
		u->orec = cfg[u->old];
	return 0;
}

/* The addresses and the record's pending time, carried over from the old
 * port where they stay; the port giving up its MAC made unreachable (it is
 * deleted once this port is written). The first write of an upsert. */
static int upsert_prepare(struct upsert *u)
{
	const struct vms_port_spec *s = u->s;
	__u32 oslot;
	int err;

	if (u->old) {
		err = vms_port_tx_read(u->m, u->old, &u->otx);
		if (err)
			return err;
		/* The qdisc flag belongs to the tap device it was made on. */
		if (u->orec.ifindex == u->rec.ifindex)
			u->tx.flags = u->otx.flags;
	}
	u->tx.naddrs = s->naddrs;
	memcpy(u->tx.addrs, s->addrs, s->naddrs * sizeof(s->addrs[0]));
	/* A port that stays pending keeps the time it became so. */
	if (u->old && !u->rec.ifindex && (u->orec.flags & VMST_CFG_F_PENDING))
		u->rec.pending_since = u->orec.pending_since;
	if (u->retire && !fdb_slot(u->m, u->port.key, u->retire, &oslot))
		return fdb_set(u->m, oslot, 0);
	return 0;
}

/* The end of every upsert: the tapless port that gave up its MAC deleted,
 * and the port's index @idx returned. */
static int upsert_done(const struct upsert *u, __u32 idx, __u32 *idx_out)
{
	if (u->retire)
		vms_port_delete(u->m, u->retire);
	if (idx_out)
		*idx_out = idx;
	return 0;
}

/*
 * The port keeps its MAC and VLAN but loses its tap: pending from now on.
 * Unreachable first (FDB slot), then no redirect target and device entry;
 * the record keeps the configuration.
 */
static int upsert_to_pending(struct upsert *u)
{
	const struct vms_maps *m = u->m;
	struct vmst_dev_key dk = {u->orec.ifindex, u->orec.netns_ino};
	__u32 old = u->old, slot, cur;
	int err;

	err = fdb_slot(m, u->port.key, old, &slot);
	if (!err)
		err = fdb_set(m, slot, 0);
	else if (err == -ENOENT)
		err = 0;
	if (err)
		return err;
	if (bpf_map_delete_elem(m->fd[VMS_MAP_TX], &old) && errno != ENOENT)
		return map_fail(VMST_MAP_TX, "delete", old);
	if (!bpf_map_lookup_elem(m->fd[VMS_MAP_DEVS], &dk, &cur) && cur == old)
		bpf_map_delete_elem(m->fd[VMS_MAP_DEVS], &dk);
	return rewrite_in_place(m, old, &u->port, &u->rec, &u->s->vids, &u->otx,
				&u->tx);
}

/*
 * Same MAC and VLAN: refresh in place, the key is unchanged. New addresses
 * first, then the flags that enable checks, then the addresses that went
 * away; then the FDB slot, should an interrupted change have left none.
 */
static int upsert_refresh(struct upsert *u)
{
	const struct vms_maps *m = u->m;
	__u32 old = u->old, slot;
	int err;

	err = rewrite_in_place(m, old, &u->port, &u->rec, &u->s->vids, &u->otx,
			       &u->tx);
	if (err)
		return err;
	if (u->orec.ifindex != u->rec.ifindex) {
		struct vmst_dev_key dk = {u->orec.ifindex, u->orec.netns_ino};

		bpf_map_delete_elem(m->fd[VMS_MAP_DEVS], &dk);
	}
	/* An add or delete killed before its FDB write left the port
	 * unreachable: this write completes it. */
	err = fdb_slot(m, u->port.key, old, &slot);
	if (err == -ENOENT) {
		err = fdb_slot(m, u->port.key, 0, &slot);
		if (err == -ENOENT)
			return fdb_full(u->s->name);
		if (!err)
			err = fdb_set(m, slot, old);
	}
	return err;
}

/* Take back what upsert_write_new wrote at @idx. */
static void upsert_unwrite_new(const struct upsert *u, __u32 idx,
			       const struct vmst_port_tx *left)
{
	const struct vms_maps *m = u->m;
	struct vmst_port_tx empty = {};

	clear_port(m, idx, &u->rec);
	lpm_remove(m, idx, &u->tx, NULL);
	lpm_remove(m, idx, left, NULL);
	vms_port_tx_write(m, idx, &empty);
	vms_zero_port_counters(m, idx);
	if (u->old) { /* the device entry had moved: give it back */
		struct vmst_dev_key dk = {u->orec.ifindex, u->orec.netns_ino};

		bpf_map_update_elem(m->fd[VMS_MAP_DEVS], &dk, &u->old, BPF_ANY);
	}
}

/*
 * The port written at free index @idx (FDB slot @slot when it has a tap):
 * counters, addresses, entries, then the slot that makes it reachable.
 */
static int upsert_write_new(const struct upsert *u, __u32 idx, __u32 slot)
{
	const struct vms_maps *m = u->m;
	struct vmst_port_tx left;
	int err;

	/* A fresh index starts without addresses: a change killed half-way
	 * may have left some there, which its record lists (lpm_begin). */
	err = vms_port_tx_read(m, idx, &left);
	if (err)
		return err;
	/* Counters follow a port that moves; a new port starts at zero. */
	err = u->old ? vms_copy_port_counters(m, u->old, idx)
		     : vms_zero_port_counters(m, idx);
	if (!err)
		err = lpm_begin(m, idx, &left, &u->tx);
	if (!err)
		err = write_port(m, idx, &u->port, &u->rec, &u->s->vids);
	if (!err && u->rec.ifindex)
		err = fdb_set(m, slot, idx);
	if (!err)
		err = lpm_finish(m, idx, &left, &u->tx);
	if (err)
		upsert_unwrite_new(u, idx, &left);
	return err;
}

/* The old index of a port that moved, retired: the device entry already
 * names the new one. */
static void upsert_retire_old(const struct upsert *u)
{
	const struct vms_maps *m = u->m;
	struct vmst_port_tx empty = {};
	__u32 oslot;

	if (!fdb_slot(m, cfg_key(&u->orec), u->old, &oslot))
		fdb_set(m, oslot, 0);
	clear_port(m, u->old, &u->orec);
	lpm_remove(m, u->old, &u->otx, NULL);
	vms_port_tx_write(m, u->old, &empty);
	vms_zero_port_counters(m, u->old);
}

/*
 * A new port, or one whose MAC or VLAN changes: written at the next free
 * index, then the rotating cursor moved past it and the old index
 * retired. With the table full a changing port changes at its own index
 * (upsert_in_place). *@idx is where the port is now.
 */
static int upsert_move(struct upsert *u, const struct vmst_port_cfg *cfg,
		       __u32 *idx)
{
	const struct vms_maps *m = u->m;
	struct vmst_config conf;
	__u32 slot = 0, zero = 0;
	int err;

	*idx = alloc_index(m, cfg, &conf);
	if (!*idx && u->old) {
		*idx = u->old;
		return upsert_in_place(m, u->old, &u->orec, &u->port, &u->rec,
				       &u->s->vids, &u->tx, &u->otx);
	}
	if (!*idx)
		return vms_err(-ENOSPC, "port %s: port table full (%u ports)",
			       u->s->name, VMST_MAX_PORTS - 1);
	err = u->rec.ifindex ? fdb_slot(m, u->port.key, 0, &slot) : 0;
	if (err == -ENOENT)
		return fdb_full(u->s->name);
	if (!err)
		err = upsert_write_new(u, *idx, slot);
	if (err)
		return err;
	conf.next_port = *idx + 1 >= VMST_MAX_PORTS ? 1 : *idx + 1;
	bpf_map_update_elem(m->fd[VMS_MAP_CONFIG], &zero, &conf, BPF_ANY);
	if (u->old)
		upsert_retire_old(u);
	return 0;
}

int vms_port_upsert(const struct vms_maps *m, const struct vms_port_spec *s,
		    __u32 *idx_out)
{
	struct upsert u = {.m = m, .s = s};
	const struct vmst_port_cfg *cfg;
	bool same_key;
	__u32 idx;
	int err;

	err = vms_port_spec_check(s);
	if (!err)
		err = vms_port_table(m, &cfg);
	if (err)
		return err;
	spec_to_entries(s, &u.port, &u.rec);
	/* Validate everything before the first write. */
	err = upsert_owner(&u, cfg);
	if (!err)
		err = check_overlaps(m, cfg, s, u.old, u.retire);
	if (!err)
		err = upsert_prepare(&u);
	if (err)
		return err;
	same_key = u.old && cfg_key(&u.orec) == u.port.key;
	if (same_key && !u.rec.ifindex)
		err = upsert_to_pending(&u);
	else if (same_key)
		err = upsert_refresh(&u);
	if (same_key)
		return err ? err : upsert_done(&u, u.old, idx_out);
	err = upsert_move(&u, cfg, &idx);
	return err ? err : upsert_done(&u, idx, idx_out);
}

int vms_port_delete(const struct vms_maps *m, __u32 idx)
{
	struct vmst_port_tx tx, empty = {};
	struct vmst_port_cfg c;
	__u32 slot;
	int err;

	if (!idx || idx >= VMST_MAX_PORTS)
		return vms_err(-EINVAL, "port index %u out of range", idx);
	if (bpf_map_lookup_elem(m->fd[VMS_MAP_PORT_CFG], &idx, &c))
		return map_fail(VMST_MAP_PORT_CFG, "read", idx);
	if (!vms_port_in_use(&c))
		return vms_err(-ENOENT, "port index %u is not in use", idx);

	err = fdb_slot(m, cfg_key(&c), idx, &slot);
	if (!err)
		err = fdb_set(m, slot, 0);
	else if (err == -ENOENT)
		err = 0; /* already unreachable (interrupted delete) */
	if (err)
		return err;
	clear_port(m, idx, &c);
	if (!vms_port_tx_read(m, idx, &tx)) {
		lpm_remove(m, idx, &tx, NULL);
		vms_port_tx_write(m, idx, &empty);
	}
	return vms_zero_port_counters(m, idx);
}

int vms_port_set_xdp_steer(const struct vms_maps *m, __u32 idx, bool on)
{
	struct vmst_port port;
	__u16 flags;

	if (bpf_map_lookup_elem(m->fd[VMS_MAP_PORTS], &idx, &port))
		return map_fail(VMST_MAP_PORTS, "read", idx);
	flags = on ? port.flags | VMST_PORT_F_XDP_STEER
		   : port.flags & ~VMST_PORT_F_XDP_STEER;
	if (flags == port.flags)
		return 0;
	/* The key is unchanged: only the flag word differs. */
	port.flags = flags;
	if (bpf_map_update_elem(m->fd[VMS_MAP_PORTS], &idx, &port, BPF_ANY))
		return map_fail(VMST_MAP_PORTS, "write", idx);
	return 0;
}

/* One LPM trie key as a port index and address. */
static void lpm_key_addr(bool v4, const void *key, __u32 *idx,
			 struct vmst_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (v4) {
		const struct vmst_lpm4_key *k = key;

		*idx = k->port;
		a->family = VMST_AF_INET;
		a->prefix_len = k->prefixlen - 32;
		memcpy(a->addr, k->addr, 4);
	} else {
		const struct vmst_lpm6_key *k = key;

		*idx = k->port;
		a->family = VMST_AF_INET6;
		a->prefix_len = k->prefixlen - 32;
		memcpy(a->addr, k->addr, 16);
	}
}

int vms_addr_sweep(const struct vms_maps *m, __u32 only, bool fix,
		   vms_check_fn report, void *ctx)
{
	static struct vmst_lpm6_key stale[VMST_LPM_ENTRIES];
	const struct vmst_port_cfg *cfg;
	struct vmst_lpm6_key cur, next;
	struct vmst_port_tx tx;
	int fam, n = 0, nstale, i, err;

	err = vms_port_table(m, &cfg);
	if (err)
		return err;
	for (fam = 0; fam < 2; fam++) {
		bool v4 = fam == 0;
		int fd = m->fd[v4 ? VMS_MAP_ADDR4 : VMS_MAP_ADDR6];
		bool have = false;

		if (fd < 0)
			continue;
		nstale = 0;
		memset(&cur, 0, sizeof(cur));
		memset(&next, 0, sizeof(next));
		while (nstale < VMST_LPM_ENTRIES &&
		       !bpf_map_get_next_key(fd, have ? &cur : NULL, &next)) {
			struct vmst_addr a;
			__u32 idx;

			cur = next;
			have = true;
			lpm_key_addr(v4, &next, &idx, &a);
			if (only && idx != only)
				continue;
			if (idx && idx < VMST_MAX_PORTS &&
			    vms_port_in_use(&cfg[idx])) {
				err = vms_port_tx_read(m, idx, &tx);
				if (err)
					return err;
				if (has_addr(&tx, &a))
					continue;
			}
			stale[nstale++] = next;
		}
		for (i = 0; i < nstale; i++) {
			char msg[160], as[VMS_ADDR_STRLEN];
			struct vmst_addr a;
			__u32 idx;

			lpm_key_addr(v4, &stale[i], &idx, &a);
			if (report) {
				vms_format_addr(&a, as);
				snprintf(msg, sizeof(msg),
					 "address %s of %s port index %u left "
					 "in %s: an interrupted change",
					 as,
					 idx < VMST_MAX_PORTS &&
							 vms_port_in_use(
								 &cfg[idx])
						 ? "in-use"
						 : "free",
					 idx,
					 v4 ? VMST_MAP_ADDR4 : VMST_MAP_ADDR6);
				report(ctx, VMS_CHECK_REPAIR, msg);
			}
			n++;
			if (fix && bpf_map_delete_elem(fd, &stale[i]) &&
			    errno != ENOENT)
				return map_fail(v4 ? VMST_MAP_ADDR4
						   : VMST_MAP_ADDR6,
						"delete", idx);
		}
	}
	return n;
}
