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
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vms.h"
#include "uplink.skel.h"
#include "trace.skel.h"

#define LINKS_DIR	"links"
#define XDP_LINK_PREFIX "xdp_"
/* Tracepoint links, one per program of trace.bpf.c. */
static const char *const trace_links[] = {"trace_devmap_xmit",
					  "trace_redirect_err"};
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

static int pinned_link_info(const char *path, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);
	int fd, err = 0;

	memset(info, 0, sizeof(*info));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
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

/* Attach and pin the tracepoint programs unless already there. */
static int ensure_tracing(struct vms_state *st)
{
	struct bpf_link *links[NTRACE];
	struct trace_bpf *skel;
	char p[PATH_MAX];
	size_t i;
	int err;

	if (vms_tracing_attached(st->pin_path))
		return 0;
	remove_tracing(st->pin_path); /* a partial set from a crash */
	skel = trace_bpf__open();
	if (!skel)
		return vms_err(-errno, "cannot open the tracing object: %s",
			       strerror(errno));
	err = vms_object_pin_maps(skel->obj, st->pin_path);
	if (err)
		goto out;
	err = trace_bpf__load(skel);
	if (err) {
		err = vms_err(err, "cannot load the tracing programs: %s",
			      strerror(-err));
		goto out;
	}
	err = trace_bpf__attach(skel);
	if (err) {
		err = vms_err(err,
			      "cannot attach to the xdp_devmap_xmit and "
			      "xdp_redirect_err tracepoints: %s",
			      strerror(-err));
		goto out;
	}
	links[0] = skel->links.vmst_devmap_xmit;
	links[1] = skel->links.vmst_redirect_err;
	for (i = 0; i < NTRACE; i++) {
		err = links_path(p, sizeof(p), st->pin_path, trace_links[i]);
		if (!err && bpf_link__pin(links[i], p))
			err = vms_err(-errno, "cannot pin %s: %s", p,
				      strerror(errno));
		if (err) {
			remove_tracing(st->pin_path);
			goto out;
		}
	}
out:
	trace_bpf__destroy(skel); /* pinned links stay attached */
	return err;
}

static int fill_info(struct vms_state *st, const char *path,
		     struct vms_uplink_info *out)
{
	struct vmst_dev_key dk = {out->ifindex, out->netns_ino};
	struct vmst_uplink up = {};
	struct bpf_link_info info;
	int err;

	err = pinned_link_info(path, &info);
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

int vms_uplink_attach(struct vms_state *st, __u32 ifindex, const char *name,
		      enum vms_attach_mode want, struct vms_uplink_info *out,
		      bool *changed)
{
	struct vmst_dev_key dk = {ifindex, vms_netns_ino()};
	struct vmst_uplink up = {};
	struct bpf_link_info info;
	struct uplink_bpf *skel;
	char path[PATH_MAX];
	int err, link_fd = -1;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	out->netns_ino = dk.netns_ino;
	*changed = false;
	err = xdp_link_path(path, sizeof(path), st->pin_path, ifindex,
			    dk.netns_ino);
	if (err)
		return err;
	if (!pinned_link_info(path, &info)) {
		if (info.xdp.ifindex == ifindex)
			return fill_info(st, path, out);
		/* The device this link was for is gone: forget it. */
		unlink(path);
		bpf_map_delete_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk);
	}

	err = ensure_links_dir(st->pin_path);
	if (err)
		return err;
	err = ensure_tracing(st);
	if (err)
		return err;

	skel = uplink_bpf__open();
	if (!skel)
		return vms_err(-errno, "cannot open the uplink object: %s",
			       strerror(errno));
	err = vms_object_pin_maps(skel->obj, st->pin_path);
	if (err)
		goto out;
	err = uplink_bpf__load(skel);
	if (err) {
		err = vms_err(err, "cannot load the uplink program: %s",
			      strerror(-err));
		goto out;
	}

	if (want != VMS_ATTACH_GENERIC) {
		link_fd = try_attach(bpf_program__fd(skel->progs.vmst_uplink),
				     ifindex, name, XDP_FLAGS_DRV_MODE);
		up.mode = VMST_MODE_NATIVE;
	}
	if (link_fd < 0 && link_fd != -EBUSY && link_fd != -EEXIST &&
	    want != VMS_ATTACH_NATIVE) {
		if (want == VMS_ATTACH_AUTO)
			pr_warn("%s: native XDP unavailable (%s); using "
				"generic mode, which is much slower",
				name, vms_last_error());
		vms_clear_error();
		link_fd = try_attach(bpf_program__fd(skel->progs.vmst_uplink),
				     ifindex, name, XDP_FLAGS_SKB_MODE);
		up.mode = VMST_MODE_GENERIC;
	}
	if (link_fd < 0) {
		err = link_fd;
		goto out;
	}
	if (bpf_obj_pin(link_fd, path)) {
		err = vms_err(-errno, "cannot pin %s: %s", path,
			      strerror(errno));
		goto out; /* closing the unpinned link detaches it */
	}
	if (bpf_map_update_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk, &up,
				BPF_ANY)) {
		err = vms_err(-errno, "map %s: %s", VMST_MAP_UPLINKS,
			      strerror(errno));
		unlink(path);
		goto out;
	}
	*changed = true;
	err = fill_info(st, path, out);
out:
	if (link_fd >= 0)
		close(link_fd);
	uplink_bpf__destroy(skel);
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
	if (unlink(path))
		return vms_err(-errno, "cannot remove %s: %s", path,
			       strerror(errno));
	bpf_map_delete_elem(st->maps.fd[VMS_MAP_UPLINKS], &dk);
	if (vms_uplink_list(st, left, VMST_MAX_UPLINKS) == 0)
		remove_tracing(st->pin_path);
	return 0;
}
