// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue steering (RSS) into multi-queue taps: parsing and checking a
 * port's RSS settings, looking at a tap's queues and steering program, and
 * installing or removing vmsteer's steering program (bpf/steer.bpf.c).
 *
 * Getting a queue fd. TUNSETSTEERINGEBPF is an ioctl on a tun queue file;
 * the VM (QEMU, vhost-net) holds the tap's queues. A short-lived CLI opens
 * /dev/net/tun and attaches to the tap with TUNSETIFF (IFF_MULTI_QUEUE),
 * which adds a queue at the end of the tap's queue array, and detaches it
 * again at once with TUNSETQUEUE IFF_DETACH_QUEUE (drivers/net/tun.c:
 * tun_attach, tun_set_queue, __tun_detach). The VM's queues keep their
 * numbers: a queue is always added and removed at the end. A detached
 * queue still names its device, so the steering ioctls work on it, and
 * closing it removes it for good. The steering program belongs to the
 * device, not to the file: it stays after the fd is closed.
 * For the two ioctls' duration the tap has one queue more. A frame the
 * kernel's own flow hash (no steering program yet) or the XDP path (CPU
 * mod queues, on hosts with more CPUs than the tap has queues) puts on it
 * in that window is dropped when it is detached; with vmsteer's program
 * installed no skb goes there, as it only returns queues the VM has.
 *
 * Seeing the steering program. The kernel has no ioctl that reads it back
 * and neither netlink nor /proc shows it. vmsteer runs a BPF task_file
 * iterator (bpf/tunq.bpf.c) that reads, for every open tun file, its
 * device's steering program id and queue counts straight from the
 * driver's structures (CO-RE). Our own detached queue is one such file,
 * so the answer is exact even when no VM holds the tap. A program is
 * vmsteer's when it is named vmst_steer and uses this state's vmst_rss
 * map; anything else (QEMU's RSS program, another vmsteer state's) is
 * foreign and is never replaced or removed without --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <json-c/json.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/rss.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/info.h"
#include "load/load.h"
#include "load/progs.h"
#include "load/rsskeys.h"
#include "load/toeplitz.h"
#include "util/log.h"
#include "util/netdev.h"
#include "tunq.skel.h"
#include "cpumap.skel.h"

/* ---- parsing and checking ---------------------------------------------- */

static const struct {
	const char *name;
	__u32 bit;
} rss_types[] = {
	{"ipv4", VMST_RSS_IPV4},   {"tcpv4", VMST_RSS_TCPV4},
	{"udpv4", VMST_RSS_UDPV4}, {"ipv6", VMST_RSS_IPV6},
	{"tcpv6", VMST_RSS_TCPV6}, {"udpv6", VMST_RSS_UDPV6},
};

#define N_TYPES (sizeof(rss_types) / sizeof(rss_types[0]))

int vms_rss_parse_key(const char *what, const char *s,
		      __u8 key[VMST_RSS_KEY_LEN])
{
	__u8 buf[VMST_RSS_KEY_LEN];
	ssize_t n = vms_unhex(s, buf, sizeof(buf));

	if (n == -E2BIG)
		return vms_err(-EINVAL,
			       "%s: key longer than %d bytes (expected %d "
			       "bytes of hex)",
			       what, VMST_RSS_KEY_LEN, VMST_RSS_KEY_LEN);
	if (n < 0)
		return vms_err(-EINVAL,
			       "%s: not hex (expected %d bytes, e.g. "
			       "6d:5a:56:...)",
			       what, VMST_RSS_KEY_LEN);
	if (n != VMST_RSS_KEY_LEN)
		return vms_err(-EINVAL, "%s: %zd bytes, a key is %d bytes",
			       what, n, VMST_RSS_KEY_LEN);
	memcpy(key, buf, VMST_RSS_KEY_LEN);
	return 0;
}

int vms_rss_type_bit(const char *name)
{
	size_t i;

	for (i = 0; i < N_TYPES; i++)
		if (!strcmp(name, rss_types[i].name))
			return rss_types[i].bit;
	return 0;
}

int vms_rss_parse_types(const char *what, const char *s, __u32 *types)
{
	char buf[256], *tok, *save = NULL;
	__u32 t = 0;

	if (strlen(s) >= sizeof(buf))
		return vms_err(-EINVAL, "%s: list too long", what);
	strcpy(buf, s);
	if (!strcmp(buf, "all")) {
		*types = VMST_RSS_TYPES_ALL;
		return 0;
	}
	if (!strcmp(buf, "none")) {
		*types = 0;
		return 0;
	}
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int bit = vms_rss_type_bit(tok);

		if (!bit)
			return vms_err(-EINVAL,
				       "%s: unknown hash type '%s' (known: "
				       "ipv4, tcpv4, udpv4, ipv6, tcpv6, "
				       "udpv6, all, none)",
				       what, tok);
		t |= bit;
	}
	if (!t)
		return vms_err(-EINVAL, "%s: empty list of hash types", what);
	*types = t;
	return 0;
}

static bool pow2_size(unsigned int n)
{
	return n && n <= VMST_RSS_TABLE_MAX && !(n & (n - 1));
}

int vms_rss_parse_table(const char *what, const char *s, struct vmst_rss *cfg)
{
	__u16 table[VMST_RSS_TABLE_MAX];
	unsigned int n = 0;
	const char *p = s;

	if (!*s)
		return vms_err(-EINVAL, "%s: empty table", what);
	for (;;) {
		unsigned long v;
		char *end;

		if (*p < '0' || *p > '9')
			return vms_err(-EINVAL,
				       "%s: '%s' is not a comma-separated list "
				       "of queue numbers",
				       what, s);
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v >= VMST_RSS_QUEUES_MAX)
			return vms_err(-EINVAL,
				       "%s: queue %.*s out of range (a tap has "
				       "at most %d queues)",
				       what, (int)(end - p), p,
				       VMST_RSS_QUEUES_MAX);
		if (n == VMST_RSS_TABLE_MAX)
			return vms_err(-EINVAL, "%s: more than %d entries",
				       what, VMST_RSS_TABLE_MAX);
		table[n++] = v;
		if (!*end)
			break;
		if (*end != ',')
			return vms_err(-EINVAL,
				       "%s: '%s' is not a comma-separated list "
				       "of queue numbers",
				       what, s);
		p = end + 1;
	}
	if (!pow2_size(n))
		return vms_err(-EINVAL,
			       "%s: %u entries; a table has a power of two "
			       "of entries, 1..%d",
			       what, n, VMST_RSS_TABLE_MAX);
	memset(cfg->table, 0, sizeof(cfg->table));
	memcpy(cfg->table, table, n * sizeof(table[0]));
	cfg->table_size = n;
	return 0;
}

int vms_rss_check(const char *what, const struct vmst_rss *cfg)
{
	unsigned int i;

	if (cfg->queues < 1 || cfg->queues > VMST_RSS_QUEUES_MAX)
		return vms_err(-EINVAL, "%s: %u queues, a tap has 1..%d", what,
			       cfg->queues, VMST_RSS_QUEUES_MAX);
	if (!pow2_size(cfg->table_size))
		return vms_err(-EINVAL,
			       "%s: table of %u entries; a power of two "
			       "1..%d is needed",
			       what, cfg->table_size, VMST_RSS_TABLE_MAX);
	for (i = 0; i < cfg->table_size; i++)
		if (cfg->table[i] >= cfg->queues)
			return vms_err(-EINVAL,
				       "%s: table entry %u names queue %u, "
				       "but the tap has queues 0..%u",
				       what, i, cfg->table[i], cfg->queues - 1);
	if (cfg->default_queue >= cfg->queues)
		return vms_err(-EINVAL,
			       "%s: default queue %u, but the tap has queues "
			       "0..%u",
			       what, cfg->default_queue, cfg->queues - 1);
	if (cfg->hash_types & ~VMST_RSS_TYPES_ALL)
		return vms_err(-EINVAL, "%s: unknown hash type bits %#x", what,
			       cfg->hash_types & ~VMST_RSS_TYPES_ALL);
	return 0;
}

void vms_rss_format_types(__u32 types, char *out, size_t len)
{
	size_t i, n = 0;

	out[0] = '\0';
	if (!types) {
		snprintf(out, len, "none");
		return;
	}
	for (i = 0; i < N_TYPES; i++)
		if (types & rss_types[i].bit)
			n += snprintf(out + n, n < len ? len - n : 0, "%s%s",
				      n ? "," : "", rss_types[i].name);
}

void vms_rss_format_key(const __u8 key[VMST_RSS_KEY_LEN], char *out)
{
	int i;

	for (i = 0; i < VMST_RSS_KEY_LEN; i++)
		sprintf(out + 3 * i, "%02x%s", key[i],
			i + 1 < VMST_RSS_KEY_LEN ? ":" : "");
}

void vms_rss_format_table(const struct vmst_rss *cfg, char *out, size_t len)
{
	size_t n = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < cfg->table_size && i < VMST_RSS_TABLE_MAX; i++)
		n += snprintf(out + n, n < len ? len - n : 0, "%s%u",
			      i ? "," : "", cfg->table[i]);
}

struct json_object *vms_rss_json(const struct vmst_rss *cfg)
{
	struct json_object *o = json_object_new_object();
	struct json_object *types = json_object_new_array();
	struct json_object *table = json_object_new_array();
	char key[3 * VMST_RSS_KEY_LEN];
	unsigned int i;

	vms_rss_format_key(cfg->key, key);
	json_object_object_add(o, "key", json_object_new_string(key));
	for (i = 0; i < N_TYPES; i++)
		if (cfg->hash_types & rss_types[i].bit)
			json_object_array_add(
				types,
				json_object_new_string(rss_types[i].name));
	json_object_object_add(o, "types", types);
	for (i = 0; i < cfg->table_size && i < VMST_RSS_TABLE_MAX; i++)
		json_object_array_add(table,
				      json_object_new_int(cfg->table[i]));
	json_object_object_add(o, "table", table);
	json_object_object_add(o, "default_queue",
			       json_object_new_int(cfg->default_queue));
	return o;
}

int vms_rss_read(const struct vms_maps *m, __u32 idx, struct vmst_rss *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	if (m->fd[VMS_MAP_RSS] < 0)
		return 0; /* a state from before RSS: no port has it */
	if (bpf_map_lookup_elem(m->fd[VMS_MAP_RSS], &idx, cfg))
		return vms_err(-errno, "map %s: cannot read entry %u: %s",
			       VMST_MAP_RSS, idx, strerror(errno));
	return 0;
}

bool vms_rss_tables_ok(const struct vms_maps *m, const struct vmst_rss *cfg)
{
	struct vmst_rss_lut lut;
	__u32 slot = cfg->key_slot;

	if (!cfg->table_size)
		return true; /* nothing is hashed: no tables needed */
	if (m->fd[VMS_MAP_RSS_LUT] < 0 ||
	    bpf_map_lookup_elem(m->fd[VMS_MAP_RSS_LUT], &slot, &lut))
		return false;
	return !memcmp(lut.key, cfg->key, sizeof(lut.key));
}

int vms_rss_read_all(const struct vms_maps *m, struct vmst_rss *cfg)
{
	return vms_ports_read_all(m, VMS_MAP_RSS, cfg, sizeof(*cfg));
}

/*
 * Port @idx's entry becomes @cfg, naming the slot of its key's tables
 * (rsskeys.c): a slot that holds the key already, else a free one whose
 * tables are written first. @k: the counts kept for the command (NULL:
 * counted from the maps now). The array map copies the entry in place,
 * so a frame being steered at that instant may read some old and some new
 * bytes. Every table entry and the default queue are checked to name an
 * existing queue before the write, so such a frame still lands on a queue
 * of the tap (at worst neither its old nor its new one, once); a key_slot
 * and a key that do not belong together send it to the default queue.
 * Frames are never dropped by an update.
 */
static int rss_write(struct vms_rss_keys *k, int rss_fd, int lut_fd, __u32 idx,
		     const struct vmst_rss *cfg)
{
	static struct vms_rss_keys counted;
	struct vmst_rss rec = *cfg;
	struct vmst_rss_lut lut;
	bool fresh = false;
	int slot = 0, err;

	if (!k || !k->valid) {
		k = k ? k : &counted;
		err = vms_rss_keys_load(k, rss_fd, lut_fd);
		if (err)
			return err;
	}
	/* Only a table is hashed: an entry without one needs no slot. */
	if (rec.table_size)
		slot = vms_rss_keys_pick(k, idx, rec.key, &fresh);
	if (slot < 0)
		return vms_err(slot,
			       "port index %u: no free RSS key slot (%u "
			       "distinct keys in use; a state holds %d)",
			       idx, vms_rss_keys_distinct(k), VMST_RSS_KEYS);
	if (fresh) {
		vms_rss_lut_build(rec.key, &lut);
		if (bpf_map_update_elem(lut_fd, &slot, &lut, BPF_ANY))
			return vms_err(-errno,
				       "map %s: cannot write slot %d: %s",
				       VMST_MAP_RSS_LUT, slot, strerror(errno));
	}
	rec.key_slot = slot;
	rec.reserved = 0;
	if (bpf_map_update_elem(rss_fd, &idx, &rec, BPF_ANY))
		return vms_err(-errno, "map %s: cannot write entry %u: %s",
			       VMST_MAP_RSS, idx, strerror(errno));
	vms_rss_keys_set(k, idx, slot, rec.key);
	return 0;
}

const struct vms_rss_keys *vms_rss_keys_of(const struct vms_maps *m)
{
	static struct vms_rss_keys counted;
	struct vms_rss_keys *k = m->rss_keys ? m->rss_keys : &counted;

	if (m->fd[VMS_MAP_RSS] < 0 || m->fd[VMS_MAP_RSS_LUT] < 0) {
		memset(k, 0, sizeof(*k)); /* no port steers */
		return k;
	}
	if (k == &counted || !k->valid)
		if (vms_rss_keys_load(k, m->fd[VMS_MAP_RSS],
				      m->fd[VMS_MAP_RSS_LUT]))
			return NULL;
	return k;
}

int vms_rss_write_fds(int rss_fd, int lut_fd, __u32 idx,
		      const struct vmst_rss *cfg)
{
	return rss_write(NULL, rss_fd, lut_fd, idx, cfg);
}

int vms_rss_write(const struct vms_maps *m, __u32 idx,
		  const struct vmst_rss *cfg)
{
	if (m->fd[VMS_MAP_RSS] < 0 || m->fd[VMS_MAP_RSS_LUT] < 0)
		return vms_err(-ENOENT, "map %s missing from the state",
			       m->fd[VMS_MAP_RSS] < 0 ? VMST_MAP_RSS
						      : VMST_MAP_RSS_LUT);
	return rss_write(m->rss_keys, m->fd[VMS_MAP_RSS],
			 m->fd[VMS_MAP_RSS_LUT], idx, cfg);
}

int vms_rss_clear(const struct vms_maps *m, __u32 idx)
{
	static const struct vmst_rss none;

	if (m->fd[VMS_MAP_RSS] < 0)
		return 0;
	if (bpf_map_update_elem(m->fd[VMS_MAP_RSS], &idx, &none, BPF_ANY))
		return vms_err(-errno, "map %s: cannot write entry %u: %s",
			       VMST_MAP_RSS, idx, strerror(errno));
	if (m->rss_keys && m->rss_keys->valid)
		vms_rss_keys_set(m->rss_keys, idx, 0, none.key);
	return 0;
}

/* ---- taps: queues and steering program --------------------------------- */

/* The tap inspection program, loaded once per process: loading it reads
 * the kernel's BTF, which costs far more than a pass of the iterator. */
static int tunq_skel(struct tunq_bpf **out)
{
	static struct tunq_bpf *skel;
	int err;

	if (!skel) {
		skel = tunq_bpf__open();
		if (!skel)
			return vms_err(-errno,
				       "cannot open the tap inspection "
				       "program: %s",
				       strerror(errno));
		vms_load_begin();
		err = vms_load_end(tunq_bpf__load(skel),
				   "the tap inspection program");
		if (err) {
			tunq_bpf__destroy(skel);
			skel = NULL;
			return err;
		}
	}
	*out = skel;
	return 0;
}

int vms_tap_view(__u32 ifindex, __u32 netns_ino, struct vms_tap_view *v)
{
	static struct vmst_tun_file recs[256];
	struct bpf_link *link = NULL;
	struct tunq_bpf *skel = NULL;
	__u32 self = getpid();
	int fd = -1, err = 0;
	ssize_t n;
	size_t i;

	memset(v, 0, sizeof(*v));
	err = tunq_skel(&skel);
	if (err)
		return err;
	link = bpf_program__attach_iter(skel->progs.vmst_tunq, NULL);
	if (!link) {
		err = vms_err(-errno,
			      "cannot attach the tap inspection iterator: %s",
			      strerror(errno));
		goto out;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = vms_err(-errno, "cannot run the tap inspection: %s",
			      strerror(errno));
		goto out;
	}
	/* Whole records only: the program writes one per bpf_seq_write. */
	while ((n = read(fd, recs, sizeof(recs))) > 0) {
		for (i = 0; i < (size_t)n / sizeof(recs[0]); i++) {
			const struct vmst_tun_file *rec = &recs[i];

			if (rec->ifindex != ifindex ||
			    rec->netns_ino != netns_ino)
				continue;
			v->found = true;
			v->steer_prog_id = rec->steer_prog_id;
			v->numqueues = rec->numqueues;
			v->numdisabled = rec->numdisabled;
			v->tun_flags = rec->tun_flags;
			if (rec->pid == self) {
				v->own++;
			} else if (!v->holder_pid) {
				v->holder_pid = rec->pid;
				memcpy(v->holder_comm, rec->comm,
				       sizeof(rec->comm));
				v->holder_comm[sizeof(v->holder_comm) - 1] =
					'\0';
			}
		}
	}
	if (n < 0)
		err = vms_err(-errno, "tap inspection failed: %s",
			      strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return err;
}

int vms_tap_queue_open(const char *tap, bool *multi_queue)
{
	struct ifreq ifr = {};
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vms_err(-errno, "%s: cannot open /dev/net/tun: %s", tap,
			       strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
	*multi_queue = true;
	if (!ioctl(fd, TUNSETIFF, &ifr))
		goto attached;
	if (errno == EINVAL) {
		/* A single-queue tap refuses IFF_MULTI_QUEUE; its one queue
		 * cannot be detached, so it is held until the fd closes.
		 */
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		*multi_queue = false;
		if (!ioctl(fd, TUNSETIFF, &ifr))
			return fd;
	}
	err = -errno;
	close(fd);
	if (err == -EBUSY)
		return vms_err(err,
			       "%s: single-queue tap in use by the VM: no "
			       "queue of it can be opened",
			       tap);
	return vms_err(err, "%s: cannot open a queue of the tap: %s", tap,
		       strerror(-err));
attached:
	/* Out of the tap's queue array at once: see the top of the file. */
	ifr.ifr_flags = IFF_DETACH_QUEUE;
	if (ioctl(fd, TUNSETQUEUE, &ifr)) {
		err = -errno;
		close(fd);
		return vms_err(err, "%s: cannot detach the queue opened: %s",
			       tap, strerror(-err));
	}
	return fd;
}

/* A switch, as vms_monitor_state_name: -Wswitch names an owner added
 * without its name. */
const char *vms_steer_owner_name(enum vms_steer_owner o)
{
	switch (o) {
	case VMS_STEER_NONE:
		return "none";
	case VMS_STEER_OURS:
		return "vmsteer";
	case VMS_STEER_FOREIGN:
		return "foreign";
	}
	return "?";
}

int vms_steer_owner(const struct vms_maps *m, __u32 prog_id,
		    enum vms_steer_owner *owner, char *name, size_t len)
{
	struct bpf_map_info minfo = {};
	struct bpf_prog_info info = {};
	__u32 ids[16], mlen = sizeof(minfo), ilen = sizeof(info), i;
	int fd, err = 0;

	*owner = VMS_STEER_NONE;
	if (name && len)
		name[0] = '\0';
	if (!prog_id)
		return 0;
	*owner = VMS_STEER_FOREIGN;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0) {
		if (errno == ENOENT) { /* freed since: replaced or removed */
			*owner = VMS_STEER_NONE;
			return 0;
		}
		return vms_err(-errno, "BPF program %u: %s", prog_id,
			       strerror(errno));
	}
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		err = vms_err(-errno, "BPF program %u: %s", prog_id,
			      strerror(errno));
		goto out;
	}
	if (name && len)
		snprintf(name, len, "%s", info.name);
	if (strcmp(info.name, "vmst_steer") || !m || m->fd[VMS_MAP_RSS] < 0 ||
	    bpf_obj_get_info_by_fd(m->fd[VMS_MAP_RSS], &minfo, &mlen))
		goto out;
	for (i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]);
	     i++)
		if (ids[i] == minfo.id)
			*owner = VMS_STEER_OURS;
out:
	close(fd);
	return err;
}

void vms_steer_close(struct vms_steer_ctx *c)
{
	if (c->qfd >= 0)
		close(c->qfd);
	c->qfd = -1;
}

int vms_steer_prepare(const struct vms_maps *m, const char *tap, __u32 queues,
		      bool force, struct vms_steer_ctx *c)
{
	__u32 vm_queues;
	int ifindex, err;

	memset(c, 0, sizeof(*c));
	c->qfd = -1;
	ifindex = vms_ifindex(tap);
	if (ifindex < 0)
		return ifindex;
	c->qfd = vms_tap_queue_open(tap, &c->multi_queue);
	if (c->qfd < 0)
		return c->qfd;
	err = vms_tap_view(ifindex, vms_netns_ino(), &c->view);
	if (!err && !c->view.own)
		err = vms_err(-EIO,
			      "%s: the queue just opened is not seen "
			      "by the tap inspection",
			      tap);
	if (!err)
		err = vms_steer_owner(m, c->view.steer_prog_id, &c->owner,
				      c->prog_name, sizeof(c->prog_name));
	if (err)
		goto fail;
	/* The VM's queues: attached plus detached (a guest that uses fewer
	 * queues than it has detaches the rest), ours left out.
	 */
	vm_queues = c->view.numqueues + c->view.numdisabled - c->view.own;
	c->vm_queues = vm_queues;
	if (queues > 1 && !c->multi_queue) {
		err = vms_err(-EINVAL,
			      "%s: not a multi-queue tap (one queue), so "
			      "--queues %u cannot be honoured",
			      tap, queues);
		goto fail;
	}
	if (queues && vm_queues && vm_queues != queues) {
		err = vms_err(-EINVAL,
			      "%s: the VM (pid %u, %s) has %u queues open, "
			      "not %u",
			      tap, c->view.holder_pid, c->view.holder_comm,
			      vm_queues, queues);
		goto fail;
	}
	if (queues && c->owner == VMS_STEER_FOREIGN && !force) {
		err = vms_err(-EBUSY,
			      "%s: has a steering program vmsteer did not "
			      "install (id %u, '%s'; QEMU installs one when "
			      "the guest enables RSS): not replaced "
			      "(--force replaces it)",
			      tap, c->view.steer_prog_id, c->prog_name);
		goto fail;
	}
	return 0;
fail:
	vms_steer_close(c);
	return err;
}

static int set_steering(int qfd, int prog_fd, const char *tap)
{
	if (ioctl(qfd, TUNSETSTEERINGEBPF, &prog_fd))
		return vms_err(-errno, "%s: TUNSETSTEERINGEBPF failed: %s", tap,
			       strerror(errno));
	return 0;
}

int vms_steer_install(struct vms_state *st, struct vms_steer_ctx *c,
		      const char *tap, __u32 idx, __u32 *prog_id)
{
	int fd, err;

	(void)idx; /* the program finds the port from the tap */
	err = vms_shared_prog(st, VMS_PROG_STEER, &fd);
	if (!err)
		err = set_steering(c->qfd, fd, tap);
	if (err)
		return err;
	if (prog_id)
		*prog_id = vms_prog_id(fd);
	return 0;
}

int vms_steer_upgrade(struct vms_state *st, const char *tap, __u32 idx)
{
	struct vms_steer_ctx c;
	struct vmst_rss cfg;
	int fd, err;

	err = vms_rss_read(&st->maps, idx, &cfg);
	if (err || !(cfg.flags & VMST_RSS_F_ENABLED))
		return err;
	err = vms_shared_prog(st, VMS_PROG_STEER, &fd);
	if (!err)
		err = vms_steer_prepare(&st->maps, tap, 0, false, &c);
	if (err)
		return err;
	/* Only vmsteer's own program is replaced, never QEMU's. */
	if (c.owner == VMS_STEER_OURS &&
	    c.view.steer_prog_id != vms_prog_id(fd))
		err = set_steering(c.qfd, fd, tap);
	vms_steer_close(&c);
	return err;
}

/* True when CPU @cpu is online (/sys/devices/system/cpu/online ranges). */
static bool cpu_online(unsigned int cpu)
{
	char buf[256], *p = buf;
	bool on = false;
	FILE *f;

	f = fopen("/sys/devices/system/cpu/online", "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	while (*p && !on) {
		unsigned long a, b;
		char *end;

		a = b = strtoul(p, &end, 10);
		if (end == p)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		on = cpu >= a && cpu <= b;
		p = *end == ',' ? end + 1 : end + strlen(end);
	}
	return on;
}

int vms_xdp_steer_check(const char *what, __u32 queues,
			const struct vms_steer_ctx *c)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 cpu;

	/* Queue q is reached from CPU q: more queues than the host has
	 * CPUs leave some queues unreachable. */
	if (ncpu > 0 && queues > (__u32)ncpu)
		return vms_err(-EINVAL,
			       "%s: --xdp-steer cpumap reaches at most %d "
			       "queues on this host (one CPU each: %d possible "
			       "CPUs), not %u",
			       what, ncpu, ncpu, queues);
	for (cpu = 0; cpu < queues; cpu++)
		if (!cpu_online(cpu))
			return vms_err(-EINVAL,
				       "%s: --xdp-steer cpumap needs CPUs "
				       "0..%u online (queue q is reached only "
				       "from CPUs c with c mod %u = q), CPU %u "
				       "is not",
				       what, queues - 1, queues, cpu);
	if (c && c->view.numqueues && c->view.numqueues != queues)
		return vms_err(-EINVAL,
			       "%s: --xdp-steer cpumap needs all %u queues "
			       "attached, the VM has %u attached (tun maps "
			       "CPUs onto attached queues)",
			       what, queues, c->view.numqueues);
	return 0;
}

int vms_cpumap_ensure(struct vms_state *st, __u32 queues)
{
	struct cpumap_bpf *skel = NULL;
	struct bpf_prog_info info = {};
	__u32 cpu;
	int fd = st->maps.fd[VMS_MAP_CPUMAP], err = 0;

	skel = cpumap_bpf__open();
	if (!skel)
		return vms_err(-errno, "cannot open the CPUMAP program: %s",
			       strerror(errno));
	err = vms_object_pin_maps(skel->obj, st->pin_path);
	if (!err) {
		vms_load_begin();
		err = vms_load_end(cpumap_bpf__load(skel),
				   "the CPUMAP program");
	}
	if (err)
		goto out;
	if (fd < 0)
		fd = st->maps.fd[VMS_MAP_CPUMAP] =
			dup(bpf_map__fd(skel->maps.vmst_cpumap));
	vms_prog_info(bpf_program__fd(skel->progs.vmst_cpu), &info);
	for (cpu = 0; cpu < queues; cpu++) {
		struct bpf_cpumap_val val = {};
		struct bpf_prog_info cur;

		/* An entry with a vmst_cpu program already serves. */
		if (!bpf_map_lookup_elem(fd, &cpu, &val) && val.bpf_prog.id &&
		    !vms_prog_info_by_id(val.bpf_prog.id, &cur) &&
		    !strcmp(cur.name, "vmst_cpu"))
			continue;
		memset(&val, 0, sizeof(val));
		val.qsize = VMST_CPUMAP_QSIZE;
		val.bpf_prog.fd = bpf_program__fd(skel->progs.vmst_cpu);
		if (bpf_map_update_elem(fd, &cpu, &val, BPF_ANY)) {
			err = vms_err(-errno, "map %s: cannot set CPU %u: %s",
				      VMST_MAP_CPUMAP, cpu, strerror(errno));
			goto out;
		}
	}
out:
	cpumap_bpf__destroy(skel); /* the CPUMAP entries hold the program */
	return err;
}

int vms_steer_remove(struct vms_steer_ctx *c, const char *tap)
{
	return set_steering(c->qfd, -1, tap);
}

int vms_rss_port_disable(struct vms_state *st, const char *tap, __u32 idx,
			 bool *removed)
{
	struct vms_steer_ctx c;
	struct vmst_rss cfg;
	int err;

	*removed = false;
	err = vms_rss_read(&st->maps, idx, &cfg);
	if (err)
		return err;
	if (!(cfg.flags & VMST_RSS_F_ENABLED))
		return 0;
	/* XDP frames stop hopping through the CPUMAP first. */
	err = vms_port_set_xdp_steer(&st->maps, idx, false);
	if (err)
		return err;
	/* The tap may be gone (its program with it), or not open-able. */
	if (vms_nametoindex(tap) && vms_is_tap(tap) == 1) {
		if (vms_steer_prepare(&st->maps, tap, 0, false, &c)) {
			pr_warn("%s", vms_last_error());
			vms_clear_error();
		} else {
			if (c.owner == VMS_STEER_OURS) {
				err = vms_steer_remove(&c, tap);
				*removed = !err;
			} else if (c.owner == VMS_STEER_FOREIGN) {
				pr_warn("%s: steering program %u ('%s') is "
					"not vmsteer's: left in place",
					tap, c.view.steer_prog_id, c.prog_name);
			}
			vms_steer_close(&c);
			if (err)
				return err;
		}
	}
	return vms_rss_clear(&st->maps, idx);
}
