// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host-local MACs (vmst_local): the destinations a VM's unicast must not
 * be sent to the uplink for, because the bridge delivers them on this
 * host. Read from the system of the calling network namespace:
 *  - the own address of every device that has an Ethernet address
 *    (bridges, the uplinks, taps, veths, VLAN and macvlan devices...);
 *  - every unicast entry of a bridge's FDB (RTM_GETNEIGH, AF_BRIDGE) on a
 *    port that is not an attached uplink: VMs on taps vmsteer does not
 *    manage, containers behind veths, the bridge's own entries.
 * The MACs of vmsteer's own ports are left out: the FDB decides those,
 * per VLAN, before this map is looked at.
 *
 * The map holds a snapshot: attach, detach, port del, port prune, sync
 * and apply rewrite this namespace's entries (new ones first, then the
 * ones gone); `vmsteer agent` rewrites them on every link and bridge FDB
 * change. `port add` changes only what the port itself changes: its MAC
 * leaves the set, its tap's own address joins it (vms_local_port_added:
 * a snapshot reads every device of the namespace, which at thousands of
 * taps costs more than the whole rest of a port add).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <libmnl/libmnl.h>

#include "util/nl.h"
#include "core/local.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/uplink.h"
#include "util/log.h"
#include "util/netdev.h"

/* Slots of a local_set's index: a power of two, twice its entries. */
#define LOCAL_SLOTS (2 * VMST_LOCAL_MAX)

struct local_set {
	struct vmst_local_key key[VMST_LOCAL_MAX];
	struct vmst_local val[VMST_LOCAL_MAX];
	int n;
	/* the index of the entries by key: entry + 1 in the slot of its
	 * hash or the next free one after it, 0 in a free slot */
	__u32 slot[LOCAL_SLOTS];
};

static __u32 key_hash(const struct vmst_local_key *k)
{
	__u64 h = (k->mac48 ^ ((__u64)k->netns_ino << 48)) *
		  0x9e3779b97f4a7c15ULL;

	return h >> 32 & (LOCAL_SLOTS - 1);
}

/* The slot of @k in @s's index: its entry's, or the free one to put it. */
static __u32 *set_slot(struct local_set *s, const struct vmst_local_key *k)
{
	__u32 h = key_hash(k), *e;

	for (;; h = (h + 1) & (LOCAL_SLOTS - 1)) {
		e = &s->slot[h];
		if (!*e || (s->key[*e - 1].mac48 == k->mac48 &&
			    s->key[*e - 1].netns_ino == k->netns_ino))
			return e;
	}
}

/* Keep the first @n entries of @s. */
static void set_truncate(struct local_set *s, int n)
{
	int i;

	memset(s->slot, 0, sizeof(s->slot));
	s->n = n;
	for (i = 0; i < n; i++)
		*set_slot(s, &s->key[i]) = i + 1;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Add @mac unless it is unusable, a port's (@skip: sorted), or already
 * there. */
static void set_add(struct local_set *s, const __u8 mac[6], __u32 netns,
		    __u32 ifindex, __u32 flag, const __u64 *skip, int nskip)
{
	struct vmst_local_key k = {.mac48 = vms_mac48(mac), .netns_ino = netns};
	__u32 *e;

	if ((mac[0] & 1) || !k.mac48)
		return; /* multicast, broadcast or all zero */
	if (bsearch(&k.mac48, skip, nskip, sizeof(*skip), cmp_u64))
		return;
	e = set_slot(s, &k);
	if (*e) {
		s->val[*e - 1].flags |= flag;
		return;
	}
	if (s->n >= VMST_LOCAL_MAX)
		return;
	s->key[s->n] = k;
	s->val[s->n].ifindex = ifindex;
	s->val[s->n].flags = flag;
	*e = ++s->n;
}

/* What the device dump adds to. */
struct dev_ctx {
	struct local_set *s;
	__u32 netns;
	const __u64 *skip;
	int nskip;
};

/* One RTM_NEWLINK of the device dump: its own Ethernet address. */
static int dev_entry(const struct nlmsghdr *nh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	const struct nlattr *tb[IFLA_MAX + 1];
	struct dev_ctx *c = data;

	if (nh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nh) < sizeof(*ifi))
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*ifi), tb, IFLA_MAX);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		set_add(c->s, mnl_attr_get_payload(tb[IFLA_ADDRESS]), c->netns,
			ifi->ifi_index, VMST_LOCAL_F_DEVICE, c->skip, c->nskip);
	return MNL_CB_OK;
}

/* An interrupted device dump is done again: from an empty set. */
static void dev_reset(void *data)
{
	set_truncate(((struct dev_ctx *)data)->s, 0);
}

/* Every device's own Ethernet address: one RTM_GETLINK dump, without
 * the devices' statistics (most of what the kernel would fill). */
static int add_devices(struct local_set *s, __u32 netns, const __u64 *skip,
		       int nskip)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct dev_ctx c = {s, netns, skip, nskip};

	nh->nlmsg_type = RTM_GETLINK;
	mnl_nlmsg_put_extra_header(nh, sizeof(struct ifinfomsg));
	mnl_attr_put_u32(nh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return vms_nl_dump_req(nh, "network devices", dev_entry, dev_reset, &c);
}

static bool is_uplink(__u32 ifindex, const __u32 *up, int nup)
{
	int i;

	for (i = 0; i < nup; i++)
		if (up[i] == ifindex)
			return true;
	return false;
}

/* What the bridge FDB dump adds to. */
struct fdb_ctx {
	struct local_set *s;
	int n0; /* entries before the dump (devices) */
	__u32 netns;
	const __u32 *up;
	int nup;
	const __u64 *skip;
	int nskip;
};

/* One RTM_NEWNEIGH of the bridge FDB dump. */
static int fdb_entry(const struct nlmsghdr *nh, void *data)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nh);
	struct fdb_ctx *c = data;

	if (nh->nlmsg_type != RTM_NEWNEIGH ||
	    mnl_nlmsg_get_payload_len(nh) < sizeof(*nd) ||
	    nd->ndm_family != AF_BRIDGE)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*nd), tb, NDA_MAX);
	/* Only a bridge's own FDB (not a device's "self" entries), and not
	 * what it learned behind an uplink: those are the wire's.
	 */
	if (!tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6 ||
	    !tb[NDA_MASTER] || is_uplink(nd->ndm_ifindex, c->up, c->nup))
		return MNL_CB_OK;
	set_add(c->s, mnl_attr_get_payload(tb[NDA_LLADDR]), c->netns,
		nd->ndm_ifindex, VMST_LOCAL_F_BRIDGE, c->skip, c->nskip);
	return MNL_CB_OK;
}

/* An interrupted dump is done again: forget what it added. */
static void fdb_reset(void *data)
{
	struct fdb_ctx *c = data;
	int i;

	set_truncate(c->s, c->n0);
	for (i = 0; i < c->n0; i++)
		c->s->val[i].flags &= ~VMST_LOCAL_F_BRIDGE;
}

/* Every unicast MAC a bridge of this namespace has on a non-uplink port. */
static int add_bridge_fdb(struct local_set *s, __u32 netns, const __u32 *up,
			  int nup, const __u64 *skip, int nskip)
{
	struct fdb_ctx c = {s, s->n, netns, up, nup, skip, nskip};

	return vms_nl_dump(RTM_GETNEIGH, AF_BRIDGE, "bridge FDB", fdb_entry,
			   fdb_reset, &c);
}

int vms_local_read(struct vms_state *st, struct vmst_local_key *keys,
		   struct vmst_local *vals, int max)
{
	static struct local_set set;
	const struct vmst_port_cfg *cfg;
	struct vms_uplink_info ups[VMST_MAX_UPLINKS];
	__u32 netns = vms_netns_ino(), up[VMST_MAX_UPLINKS];
	__u64 skip[VMST_MAX_PORTS];
	int nup = 0, nskip = 0, i, n, err;

	set_truncate(&set, 0);
	err = vms_port_table(&st->maps, &cfg);
	if (err)
		return err;
	for (i = 1; i < VMST_MAX_PORTS; i++)
		if (vms_port_in_use(&cfg[i]) && cfg[i].netns_ino == netns)
			skip[nskip++] = vms_mac48(cfg[i].mac);
	qsort(skip, nskip, sizeof(skip[0]), cmp_u64);
	n = vms_uplink_list(st, ups, VMST_MAX_UPLINKS);
	for (i = 0; i < n; i++)
		if (ups[i].netns_ino == netns)
			up[nup++] = ups[i].ifindex;
	err = add_devices(&set, netns, skip, nskip);
	if (!err)
		err = add_bridge_fdb(&set, netns, up, nup, skip, nskip);
	if (err)
		return err;
	if (set.n >= VMST_LOCAL_MAX)
		pr_warn("more than %d host-local MACs: the rest are not known, "
			"VMs' frames to them go to the uplink",
			VMST_LOCAL_MAX);
	n = set.n < max ? set.n : max;
	memcpy(keys, set.key, n * sizeof(keys[0]));
	memcpy(vals, set.val, n * sizeof(vals[0]));
	return n;
}

/* Every entry of the hash map @fd into @s, in batch lookups. */
static int local_dump(int fd, struct local_set *s)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 in = 0, out = 0, count;
	bool first = true;
	int err = 0;

	s->n = 0;
	while (s->n < VMST_LOCAL_MAX) {
		count = VMST_LOCAL_MAX - s->n;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out,
					   &s->key[s->n], &s->val[s->n], &count,
					   &o);
		if (err)
			err = -errno;
		s->n += count;
		if (err == -ENOENT) /* the end */
			return 0;
		if (err)
			return err;
		in = out;
		first = false;
	}
	return 0;
}

/* Order of entries (a key first in each): namespace, then MAC. */
static int cmp_key(const void *a, const void *b)
{
	const struct vmst_local_key *x = a, *y = b;

	if (x->netns_ino != y->netns_ino)
		return x->netns_ino < y->netns_ino ? -1 : 1;
	return x->mac48 < y->mac48 ? -1 : x->mac48 > y->mac48;
}

int vms_local_refresh(struct vms_state *st)
{
	static struct local_set want, have;
	static struct {
		struct vmst_local_key key; /* first: sorted by cmp_key */
		struct vmst_local val;
	} sorted[VMST_LOCAL_MAX];
	static struct vmst_local_key wanted[VMST_LOCAL_MAX];
	int fd = st->maps.fd[VMS_MAP_LOCAL], i, n, err;
	__u32 netns = vms_netns_ino();

	if (fd < 0)
		return 0; /* a state from before the map: nothing to keep */
	n = vms_local_read(st, want.key, want.val, VMST_LOCAL_MAX);
	if (n < 0)
		return n;
	want.n = n;
	/* What the map holds, read once: one dump, not a lookup a MAC. */
	err = local_dump(fd, &have);
	if (err)
		return vms_err(err, "map %s: cannot read: %s", VMST_MAP_LOCAL,
			       strerror(-err));
	for (i = 0; i < have.n; i++) {
		sorted[i].key = have.key[i];
		sorted[i].val = have.val[i];
	}
	qsort(sorted, have.n, sizeof(sorted[0]), cmp_key);
	/* New and changed entries first: a MAC is never briefly absent. */
	for (i = 0; i < want.n; i++) {
		const struct vmst_local *v = NULL;
		const void *hit = bsearch(&want.key[i], sorted, have.n,
					  sizeof(sorted[0]), cmp_key);

		if (hit)
			v = &sorted[((const char *)hit - (const char *)sorted) /
				    sizeof(sorted[0])]
				     .val;
		if (v && !memcmp(v, &want.val[i], sizeof(*v)))
			continue;
		if (bpf_map_update_elem(fd, &want.key[i], &want.val[i],
					BPF_ANY))
			return vms_err(-errno, "map %s: cannot write: %s",
				       VMST_MAP_LOCAL, strerror(errno));
	}
	/* Then this namespace's entries that are gone. */
	for (i = 0; i < want.n; i++)
		wanted[i] = want.key[i];
	qsort(wanted, want.n, sizeof(wanted[0]), cmp_key);
	for (i = 0; i < have.n; i++) {
		const struct vmst_local_key *k = &have.key[i];

		if (k->netns_ino != netns ||
		    bsearch(k, wanted, want.n, sizeof(wanted[0]), cmp_key))
			continue;
		if (bpf_map_delete_elem(fd, k) && errno != ENOENT)
			return vms_err(-errno, "map %s: cannot delete: %s",
				       VMST_MAP_LOCAL, strerror(errno));
	}
	return 0;
}

int vms_local_port_added(struct vms_state *st, const char *tap, __u32 ifindex,
			 const __u8 mac[6])
{
	int fd = st->maps.fd[VMS_MAP_LOCAL], sock, err = 0;
	__u32 netns = vms_netns_ino();
	struct vmst_local_key k = {.mac48 = vms_mac48(mac), .netns_ino = netns};
	struct vmst_local v = {};
	struct ifreq ifr = {};
	const __u8 *own;

	if (fd < 0)
		return 0;
	if (bpf_map_delete_elem(fd, &k) && errno != ENOENT)
		return vms_err(-errno, "map %s: cannot delete: %s",
			       VMST_MAP_LOCAL, strerror(errno));
	if (!ifindex)
		return 0; /* pending: no tap yet */
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return vms_err(-errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	if (ioctl(sock, SIOCGIFHWADDR, &ifr))
		err = vms_err(-errno, "%s: cannot read its address: %s", tap,
			      strerror(errno));
	close(sock);
	if (err)
		return err;
	own = (const __u8 *)ifr.ifr_hwaddr.sa_data;
	k.mac48 = vms_mac48(own);
	/* As the snapshot: unicast only, and not a port's MAC. */
	if ((own[0] & 1) || !k.mac48 ||
	    vms_port_mac_used(&st->maps, own, netns))
		return 0;
	if (!bpf_map_lookup_elem(fd, &k, &v) && v.ifindex == ifindex &&
	    (v.flags & VMST_LOCAL_F_DEVICE))
		return 0;
	v.ifindex = ifindex;
	v.flags |= VMST_LOCAL_F_DEVICE;
	if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
		return vms_err(-errno, "map %s: cannot write: %s",
			       VMST_MAP_LOCAL, strerror(errno));
	return 0;
}

void vms_local_refresh_warn(struct vms_state *st)
{
	int err = vms_local_refresh(st);

	if (err) {
		pr_warn("host-local MACs not refreshed: %s", vms_last_error());
		vms_clear_error();
	}
}
