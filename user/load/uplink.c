// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Uplinks: the XDP program attached through a BPF link pinned under
 * <pin path>/links, so it keeps forwarding after the CLI exits; and the
 * tracepoint programs that count what taps refuse, attached once for all
 * uplinks of a state.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/uplink.h"
#include "core/ports.h"
#include "core/state.h"
#include "load/info.h"
#include "load/load.h"
#include "load/progs.h"
#include "load/rss.h"
#include "load/tapxdp.h"
#include "load/tc.h"
#include "util/log.h"
#include "util/netdev.h"
#include "uplink.skel.h"
#include "trace.skel.h"

#define LINKS_DIR	"links"
#define XDP_LINK_PREFIX "xdp_"
/* Tracepoint links, one per program of trace.bpf.c. */
static const char *const trace_links[] = {
	"trace_devmap_xmit", "trace_redirect_err", "trace_kfree_skb"};
#define NTRACE (sizeof(trace_links) / sizeof(trace_links[0]))

const char *vms_mode_name(__u32 mode)
{
	switch (mode) {
	case VMST_MODE_NATIVE:
		return "native";
	case VMST_MODE_GENERIC:
		return "generic";
	default:
		return "unknown";
	}
}

static int links_path(char *out, size_t len, const char *pin_path,
		      const char *name)
{
	int n = snprintf(out, len, "%s/" LINKS_DIR "%s%s", pin_path,
			 name ? "/" : "", name ? name : "");

	if (n < 0 || (size_t)n >= len)
		return vms_err(-ENAMETOOLONG, "pin path %s: too long",
			       pin_path);
	return 0;
}

/* The pinned link of uplink @ifindex of netns @netns_ino. */
static int xdp_link_path(char *out, size_t len, const char *pin_path,
			 __u32 ifindex, __u32 netns_ino)
{
	char name[64];

	snprintf(name, sizeof(name), XDP_LINK_PREFIX "%u_%u", netns_ino,
		 ifindex);
	return links_path(out, len, pin_path, name);
}

static int ensure_links_dir(const char *pin_path)
{
	char p[PATH_MAX];
	int err = links_path(p, sizeof(p), pin_path, NULL);

	if (err)
		return err;
	if (mkdir(p, 0700) && errno != EEXIST)
		return vms_err(-errno, "%s: cannot create: %s", p,
			       strerror(errno));
	return 0;
}

bool vms_tracing_attached(const char *pin_path)
{
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < NTRACE; i++)
		if (links_path(p, sizeof(p), pin_path, trace_links[i]) ||
		    access(p, F_OK))
			return false;
	return true;
}

static void remove_tracing(const char *pin_path)
{
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < NTRACE; i++)
		if (!links_path(p, sizeof(p), pin_path, trace_links[i]))
			unlink(p);
}

/* Does the program of the link pinned at @path have @fd's tag? */
static bool pinned_runs(const char *path, int fd)
{
	struct bpf_link_info info;
	bool same;

	return !vms_pinned_link_info(path, &info) &&
	       !vms_prog_same_tag(info.prog_id, fd, &same) && same;
}

/*
 * Tracing program @prog (@name) attached and its link (*@link) pinned at
 * @p. With @upgrade the link pinned there is replaced: the new one is
 * pinned beside it, the old one detached, then the new pin renamed over
 * the old.
 */
static int trace_attach_one(struct bpf_program *prog, const char *name,
			    const char *p, bool upgrade, struct bpf_link **link)
{
	char tmp[PATH_MAX + 8]; /* bpffs names: no dots */
	int old, err;

	*link = bpf_program__attach(prog);
	if (!*link)
		return vms_err(-errno, "cannot attach %s to its tracepoint: %s",
			       name, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s_new", p);
	unlink(tmp); /* left by a crash */
	if (bpf_link__pin(*link, upgrade ? tmp : p))
		return vms_err(-errno, "cannot pin %s: %s", upgrade ? tmp : p,
			       strerror(errno));
	if (!upgrade)
		return 0;
	/* The old link would go only once the kernel frees its pin (RCU, a
	 * work queue: milliseconds, during which both count): detach it
	 * now, then replace its pin. */
	old = bpf_obj_get(p);
	if (old >= 0) {
		bpf_link_detach(old);
		close(old);
	}
	if (!rename(tmp, p))
		return 0;
	err = vms_err(-errno, "cannot rename %s to %s: %s", tmp, p,
		      strerror(errno));
	unlink(tmp);
	return err;
}

/*
 * Attach and pin the tracepoint programs unless this build's are there.
 * Pinned ones of another build are replaced (*@replaced): tracing links
 * cannot be updated in place, so each new program is attached first, then
 * the old link detached and the new pin renamed over the old one. Between
 * the attach and the detach (microseconds) both run: a devmap flush then
 * may be counted twice in tap_sent/tap_ring_full, but none is missed.
 */
static int ensure_tracing(struct vms_state *st, bool *replaced)
{
	static const char *const prog_names[NTRACE] = {
		"vmst_devmap_xmit", "vmst_redirect_err", "vmst_kfree_skb"};
	struct bpf_link *links[NTRACE] = {};
	struct bpf_program *progs[NTRACE];
	struct bpf_object *obj;
	bool upgrade = false;
	char p[PATH_MAX];
	size_t i;
	int err;

	*replaced = false;
	err = vms_object_open(trace_bpf__elf_bytes, "trace_bpf", "TRACE",
			      "the tracing object", &obj);
	if (err)
		return err;
	err = vms_object_load_pinned(obj, st->pin_path, "the tracing programs",
				     NULL, NULL);
	if (err)
		goto out;
	for (i = 0; i < NTRACE; i++) {
		progs[i] = bpf_object__find_program_by_name(obj, prog_names[i]);
		if (!progs[i]) {
			err = vms_err(-ENOENT, "no program %s in the object",
				      prog_names[i]);
			goto out;
		}
	}
	if (vms_tracing_attached(st->pin_path)) {
		for (i = 0; i < NTRACE; i++) {
			err = links_path(p, sizeof(p), st->pin_path,
					 trace_links[i]);
			if (err)
				goto out;
			if (!pinned_runs(p, bpf_program__fd(progs[i])))
				upgrade = true;
		}
		if (!upgrade)
			goto out; /* this build's programs: nothing to do */
	} else {
		remove_tracing(st->pin_path); /* a partial set from a crash */
	}
	/* One at a time, so that each overlap lasts one pin and rename. */
	for (i = 0; !err && i < NTRACE; i++) {
		err = links_path(p, sizeof(p), st->pin_path, trace_links[i]);
		if (!err)
			err = trace_attach_one(progs[i], prog_names[i], p,
					       upgrade, &links[i]);
	}
	if (err) {
		/* A fresh set is removed; an upgrade keeps what it has: each
		 * pin holds a working program, old or new.
		 */
		if (!upgrade)
			remove_tracing(st->pin_path);
		goto out;
	}
	*replaced = upgrade;
out:
	for (i = 0; i < NTRACE; i++)
		bpf_link__destroy(links[i]); /* pinned links stay attached */
	bpf_object__close(obj);
	return err;
}

/*
 * The uplink tc program (skb path) on @ifindex: attached when missing
 * (the qdisc flag recorded in @dk's vmst_uplinks entry), else upgraded
 * when it runs another build's program. *@changed when it was replaced.
 */
static int ensure_uplink_tc(struct vms_state *st, __u32 ifindex,
			    const char *name, const struct vmst_dev_key *dk,
			    bool *changed)
{
	bool created, upgrade = vms_tc_prog_id(ifindex) != 0;
	struct vmst_uplink up = {};
	int err;

	*changed = false;
	err = vms_uplink_tc_attach(st, ifindex, name, upgrade, &created,
				   changed);
	if (err || !created)
		return err;
	if (!bpf_map_lookup_elem(st->maps.fd[VMS_MAP_UPLINKS], dk, &up)) {
		up.flags |= VMST_UPLINK_F_QDISC_OURS;
		bpf_map_update_elem(st->maps.fd[VMS_MAP_UPLINKS], dk, &up,
				    BPF_ANY);
	}
	if (upgrade)
		return 0;
	*changed = false; /* a new filter beside a new link: not an upgrade */
	return 0;
}

/* Bring the programs this netns's taps share to this build: pin this
 * build's tap and steering programs where another build's are, and put
 * them on every port's tap (a port of an older state without a tap
 * program gets one); *@changed when any changed. */
static int upgrade_taps(struct vms_state *st, bool *changed)
{
	const struct vmst_port_cfg *cfg;
	__u32 netns = vms_netns_ino(), idx;
	bool ch, steer_new;
	char name[IF_NAMESIZE];
	int err;

	*changed = false;
	err = vms_shared_prog_upgrade(st, VMS_PROG_TAP, changed);
	if (!err)
		err = vms_shared_prog_upgrade(st, VMS_PROG_TAP_XDP, &ch);
	*changed |= !err && ch;
	if (!err)
		err = vms_shared_prog_upgrade(st, VMS_PROG_STEER, &steer_new);
	if (!err)
		err = vms_port_table(&st->maps, &cfg);
	if (err)
		return err;
	*changed |= steer_new;
	for (idx = 1; idx < VMST_MAX_PORTS; idx++) {
		const struct vmst_port_cfg *c = &cfg[idx];

		if (!vms_port_in_use(c) || c->netns_ino != netns ||
		    !vms_port_tap_there(c, name))
			continue;
		err = vms_tap_attach(st, idx, c->ifindex, name, &ch);
		if (!err && steer_new)
			err = vms_steer_upgrade(st, name, idx);
		if (err)
			return err;
		*changed |= ch;
	}
	return 0;
}

/*
 * The northbound uplink (vmst_north): keep one that is still attached,
 * else the attached uplink with the lowest ifindex (@prefer first, when
 * given and attached), else none.
 */
static void update_north(struct vms_state *st,
			 const struct vmst_dev_key *prefer)
{
	int fd = st->maps.fd[VMS_MAP_UPLINKS];
	struct vmst_dev_key k, next, best = {};
	struct vmst_north n = {};
	struct vmst_uplink up;
	__u32 zero = 0;
	void *prev = NULL;

	if (st->maps.fd[VMS_MAP_NORTH] < 0)
		return;
	if (!bpf_map_lookup_elem(st->maps.fd[VMS_MAP_NORTH], &zero, &n) &&
	    n.ifindex) {
		k.ifindex = n.ifindex;
		k.netns_ino = n.netns_ino;
		if (!bpf_map_lookup_elem(fd, &k, &up)) {
			/* Still attached: frames keep their way out (whether
			 * XDP may take it too is looked at again). */
			vms_north_xdp_sync(st, n.ifindex, n.netns_ino);
			return;
		}
	}
	if (prefer && !bpf_map_lookup_elem(fd, prefer, &up)) {
		best = *prefer;
	} else {
		while (!bpf_map_get_next_key(fd, prev, &next)) {
			if (!best.ifindex || next.ifindex < best.ifindex)
				best = next;
			k = next;
			prev = &k;
		}
	}
	n.ifindex = best.ifindex;
	n.netns_ino = best.netns_ino;
	/* The XDP way out follows (none while the tc one is being moved). */
	vms_north_xdp_sync(st, 0, 0);
	bpf_map_update_elem(st->maps.fd[VMS_MAP_NORTH], &zero, &n, BPF_ANY);
	vms_north_xdp_sync(st, n.ifindex, n.netns_ino);
}

static int fill_info(struct vms_state *st, const char *path,
		     struct vms_uplink_info *out)
{
	struct vmst_dev_key dk = {out->ifindex, out->netns_ino};
	struct vmst_uplink up = {};
	struct bpf_link_info info;
	int err;

	err = vms_pinned_link_info(path, &info);
	if (err)
		return err;
	out->prog_id = info.prog_id;
	out->link_id = info.id;
	out->defunct = info.xdp.ifindex == 0;
	if (!bpf_map_lookup_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk, &up))
		out->mode = up.mode;
	out->name[0] = '\0';
	if (out->netns_ino == vms_netns_ino() && !out->defunct) {
		char name[IF_NAMESIZE];

		if (if_indextoname(out->ifindex, name))
			snprintf(out->name, sizeof(out->name), "%s", name);
	}
	return 0;
}

static int try_attach(int prog_fd, __u32 ifindex, const char *name,
		      __u32 xdp_flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = xdp_flags);
	int fd;

	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd >= 0)
		return fd;
	fd = -errno;
	if (fd == -EBUSY || fd == -EEXIST) {
		__u32 id = 0;

		bpf_xdp_query_id(ifindex, 0, &id);
		return vms_err(fd,
			       "%s: already has an XDP program (id %u) that "
			       "vmsteer did not attach; remove it first",
			       name, id);
	}
	return vms_err(fd, "%s: cannot attach in %s mode: %s", name,
		       xdp_flags & XDP_FLAGS_SKB_MODE ? "generic" : "native",
		       strerror(-fd));
}

/*
 * The uplink object: this build's skeleton or, for tests only, the object
 * file the test build names (vms_obj_override; tests/netns/test_upgrade.sh
 * upgrades between variants of bpf/uplink.bpf.c built with
 * -DVMST_TEST_VARIANT=N). Loaded with the state's pinned maps.
 */
struct uplink_obj {
	struct bpf_object *obj;
	int prog_fd;
};

static void uplink_obj_close(struct uplink_obj *u)
{
	bpf_object__close(u->obj);
	u->obj = NULL;
	u->prog_fd = -1;
}

static int uplink_obj_load(struct vms_state *st, struct uplink_obj *u)
{
	int err;

	u->prog_fd = -1;
	err = vms_object_open(uplink_bpf__elf_bytes, "uplink_bpf", "UPLINK",
			      "the uplink object", &u->obj);
	if (err)
		return err;
	err = vms_object_load_pinned(u->obj, st->pin_path, "the uplink program",
				     "vmst_uplink", &u->prog_fd);
	if (err)
		uplink_obj_close(u);
	return err;
}

/*
 * The link pinned at @path runs another build's program: replace it in
 * place. The device never runs without a program and the maps stay, so no
 * frame is lost and the counters go on.
 */
static int upgrade_xdp(struct vms_state *st, const char *path, const char *name,
		       const struct bpf_link_info *info,
		       struct vms_uplink_info *out, bool *changed)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE);
	int link_fd = -1, old_fd = -1, err;
	struct uplink_obj u;
	bool same;

	err = uplink_obj_load(st, &u);
	if (err)
		return err;
	err = vms_prog_same_tag(info->prog_id, u.prog_fd, &same);
	if (err) {
		err = vms_err(err, "%s: cannot read the program tags: %s", name,
			      strerror(-err));
		goto out;
	}
	if (same)
		goto out; /* this build's program: nothing to do */

	link_fd = bpf_obj_get(path);
	old_fd = bpf_prog_get_fd_by_id(info->prog_id);
	if (link_fd < 0 || old_fd < 0) {
		err = vms_err(-errno, "%s: cannot open its link %s: %s", name,
			      path, strerror(errno));
		goto out;
	}
	/* Only if it still runs the program compared (BPF_F_REPLACE). */
	opts.old_prog_fd = old_fd;
	if (bpf_link_update(link_fd, u.prog_fd, &opts)) {
		err = vms_err(-errno, "%s: cannot replace program %u: %s", name,
			      info->prog_id, strerror(errno));
		goto out;
	}
	pr_debug("%s: program %u replaced in link %u", name, info->prog_id,
		 info->id);
	out->upgraded = true;
	*changed = true;
out:
	if (link_fd >= 0)
		close(link_fd);
	if (old_fd >= 0)
		close(old_fd);
	uplink_obj_close(&u);
	return err;
}

/*
 * Uplink @dk, attached by link @path (@info): its tracing, XDP, tc and tap
 * programs brought up to this build (*@changed when any was replaced).
 */
static int uplink_refresh(struct vms_state *st, const char *path,
			  const char *name, const struct bpf_link_info *info,
			  const struct vmst_dev_key *dk,
			  struct vms_uplink_info *out, bool *changed)
{
	bool tracing_replaced, tc_changed, taps_changed;
	int err;

	err = ensure_tracing(st, &tracing_replaced);
	if (!err)
		err = upgrade_xdp(st, path, name, info, out, changed);
	if (!err)
		err = ensure_uplink_tc(st, dk->ifindex, name, dk, &tc_changed);
	if (!err)
		err = upgrade_taps(st, &taps_changed);
	if (err)
		return err;
	update_north(st, dk);
	if (tracing_replaced || tc_changed || taps_changed) {
		out->upgraded = true;
		*changed = true;
	}
	return fill_info(st, path, out);
}

/* Room for one more uplink in the state. */
static int uplink_room(struct vms_state *st, const char *name)
{
	struct vms_uplink_info all[VMST_MAX_UPLINKS];

	if (vms_uplink_list(st, all, VMST_MAX_UPLINKS) < VMST_MAX_UPLINKS)
		return 0;
	return vms_err(-ENOSPC,
		       "%s: cannot attach: %d uplinks are attached, the most "
		       "one state holds (detach one first)",
		       name, VMST_MAX_UPLINKS);
}

/*
 * Program @prog_fd attached to @ifindex in the mode @want asks for (auto:
 * native, else generic with a warning); the link's fd and *@mode, or
 * -errno.
 */
static int xdp_attach_mode(int prog_fd, __u32 ifindex, const char *name,
			   enum vms_attach_mode want, __u32 *mode)
{
	int link_fd = -1;

	if (want != VMS_ATTACH_GENERIC) {
		link_fd =
			try_attach(prog_fd, ifindex, name, XDP_FLAGS_DRV_MODE);
		*mode = VMST_MODE_NATIVE;
	}
	if (link_fd < 0 && link_fd != -EBUSY && link_fd != -EEXIST &&
	    want != VMS_ATTACH_NATIVE) {
		if (want == VMS_ATTACH_AUTO)
			pr_warn("%s: native XDP unavailable (%s); using "
				"generic mode, which is much slower",
				name, vms_last_error());
		vms_clear_error();
		link_fd =
			try_attach(prog_fd, ifindex, name, XDP_FLAGS_SKB_MODE);
		*mode = VMST_MODE_GENERIC;
	}
	return link_fd;
}

/* The new link @link_fd pinned at @path and uplink @dk (@up) recorded;
 * neither when one fails. */
static int uplink_record(struct vms_state *st, int link_fd, const char *path,
			 const struct vmst_dev_key *dk,
			 const struct vmst_uplink *up)
{
	int err;

	if (bpf_obj_pin(link_fd, path))
		return vms_err(-errno, "cannot pin %s: %s", path,
			       strerror(errno));
	if (bpf_map_update_elem(st->maps.fd[VMS_MAP_UPLINKS], dk, up,
				BPF_ANY)) {
		err = vms_err(-errno, "map %s: %s", VMST_MAP_UPLINKS,
			      strerror(errno));
		unlink(path);
		return err;
	}
	return 0;
}

int vms_uplink_attach(struct vms_state *st, __u32 ifindex, const char *name,
		      enum vms_attach_mode want, struct vms_uplink_info *out,
		      bool *changed)
{
	struct vmst_dev_key dk = {ifindex, vms_netns_ino()};
	struct vmst_uplink up = {};
	struct bpf_link_info info;
	struct uplink_obj u = {.prog_fd = -1};
	bool tracing_replaced, tc_changed;
	char path[PATH_MAX];
	int err, link_fd = -1;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	out->netns_ino = dk.netns_ino;
	*changed = false;
	err = xdp_link_path(path, sizeof(path), st->pin_path, ifindex,
			    dk.netns_ino);
	if (!err)
		err = ensure_links_dir(st->pin_path);
	if (err)
		return err;
	if (!vms_pinned_link_info(path, &info)) {
		/* Attached: bring its programs up to this build. */
		if (info.xdp.ifindex == ifindex)
			return uplink_refresh(st, path, name, &info, &dk, out,
					      changed);
		/* The device this link was for is gone: forget it. */
		unlink(path);
		bpf_map_delete_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk);
	}
	err = uplink_room(st, name);
	if (!err)
		err = ensure_tracing(st, &tracing_replaced);
	if (!err)
		err = uplink_obj_load(st, &u);
	if (err)
		return err;
	link_fd = xdp_attach_mode(u.prog_fd, ifindex, name, want, &up.mode);
	/* closing an unpinned link detaches it */
	err = link_fd < 0 ? link_fd
			  : uplink_record(st, link_fd, path, &dk, &up);
	if (err)
		goto out;
	err = ensure_uplink_tc(st, ifindex, name, &dk, &tc_changed);
	if (err) {
		/* No half-attached uplink: the XDP link goes too. */
		bpf_link_detach(link_fd);
		unlink(path);
		bpf_map_delete_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk);
		goto out;
	}
	update_north(st, &dk);
	*changed = true;
	err = fill_info(st, path, out);
out:
	if (link_fd >= 0)
		close(link_fd);
	uplink_obj_close(&u);
	return err;
}

int vms_uplink_list(struct vms_state *st, struct vms_uplink_info *out, int max)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (links_path(dir, sizeof(dir), st->pin_path, NULL))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		struct vms_uplink_info *u = &out[n];

		memset(u, 0, sizeof(*u));
		if (sscanf(de->d_name, XDP_LINK_PREFIX "%u_%u", &u->netns_ino,
			   &u->ifindex) != 2)
			continue;
		if (links_path(path, sizeof(path), st->pin_path, de->d_name))
			continue;
		if (fill_info(st, path, u))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

int vms_uplink_detach(struct vms_state *st, __u32 ifindex, const char *name)
{
	struct vmst_dev_key dk = {ifindex, vms_netns_ino()};
	struct vms_uplink_info left[VMST_MAX_UPLINKS];
	struct vmst_uplink up = {};
	char path[PATH_MAX];
	int fd, err;

	err = xdp_link_path(path, sizeof(path), st->pin_path, ifindex,
			    dk.netns_ino);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return vms_err(-ENOENT, "%s: vmsteer is not attached", name);
	/* Detach now, even if some other process holds the link open. */
	if (bpf_link_detach(fd) && errno != EINVAL) {
		err = -errno;
		close(fd);
		return vms_err(err, "%s: cannot detach: %s", name,
			       strerror(-err));
	}
	close(fd);
	bpf_map_lookup_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk, &up);
	err = vms_uplink_tc_detach(ifindex, name,
				   up.flags & VMST_UPLINK_F_QDISC_OURS);
	if (err)
		return err;
	if (unlink(path))
		return vms_err(-errno, "cannot remove %s: %s", path,
			       strerror(errno));
	bpf_map_delete_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk);
	update_north(st, NULL);
	if (vms_uplink_list(st, left, VMST_MAX_UPLINKS) == 0)
		remove_tracing(st->pin_path);
	return 0;
}
