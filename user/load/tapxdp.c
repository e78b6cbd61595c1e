// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tap XDP program (bpf/tap_xdp.bpf.c): the transmit fast path. Like
 * the tc program it is loaded once per state and network namespace,
 * pinned (progs.c), and put on every tap whose port keeps the default
 * `--tx-hook xdp`, in native mode, through netlink (no link: it stays
 * when the command exits, as the tc filter does). A second attach
 * replaces vmsteer's program in place with XDP_FLAGS_REPLACE, naming the
 * program it expects to find, so an upgrade swaps programs in one step
 * and a program put there by someone else is never overwritten.
 *
 * Frames for the uplink leave through entry 0 of vmst_tx, which names
 * the northbound uplink only while it can take XDP frames.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "util/nl.h"
#include "load/tapxdp.h"
#include "core/state.h"
#include "load/info.h"
#include "load/progs.h"
#include "util/log.h"
#include "util/netdev.h"

#define TAP_XDP_PROG "vmst_tap_xdp"

/* The native XDP program on @ifindex: its id (0 when none), and whether
 * it is vmsteer's tap program. */
static int xdp_current(__u32 ifindex, __u32 *id, bool *ours)
{
	struct bpf_prog_info info;
	int err;

	*id = 0;
	*ours = false;
	err = vms_xdp_drv_prog_id(ifindex, id);
	if (err)
		return err;
	if (!*id)
		return 0;
	err = vms_prog_info_by_id(*id, &info);
	if (!err)
		*ours = !strncmp(info.name, TAP_XDP_PROG, sizeof(info.name));
	return err;
}

int vms_tap_xdp_prog_ids(const __u32 *ifindex, int n, __u32 *ids)
{
	struct bpf_prog_info info;
	__u32 seen = 0;
	bool ours = false;
	int i, err;

	err = vms_xdp_drv_prog_ids(ifindex, n, ids);
	if (err)
		return err;
	/* Which programs are vmsteer's: each taps' shares one, so a
	 * lookup per program met, not per tap. */
	for (i = 0; i < n; i++) {
		if (ids[i] && ids[i] != seen) {
			seen = ids[i];
			ours = !vms_prog_info_by_id(seen, &info) &&
			       !strncmp(info.name, TAP_XDP_PROG,
					sizeof(info.name));
		}
		if (!ours)
			ids[i] = 0;
	}
	return 0;
}

int vms_tap_xdp_attach(struct vms_state *st, __u32 ifindex, const char *tap,
		       bool *changed)
{
	__u32 cur, want;
	int fd, old, err;
	bool ours;

	*changed = false;
	err = vms_shared_prog(st, VMS_PROG_TAP_XDP, &fd);
	if (err)
		return err;
	err = xdp_current(ifindex, &cur, &ours);
	if (err)
		return vms_err(err, "%s: cannot read its XDP program: %s", tap,
			       strerror(-err));
	want = vms_prog_id(fd);
	if (cur && cur == want)
		return 0;
	if (cur && !ours)
		return vms_err(-EEXIST,
			       "%s: XDP program %u is not vmsteer's; remove "
			       "it first, or add the port with --tx-hook tc",
			       tap, cur);
	old = cur ? bpf_prog_get_fd_by_id(cur) : -1;
	if (cur && old < 0)
		return vms_err(-errno, "%s: XDP program %u: %s", tap, cur,
			       strerror(errno));
	err = vms_nl_xdp_set(ifindex, fd, old,
			     XDP_FLAGS_DRV_MODE |
				     (cur ? XDP_FLAGS_REPLACE
					  : XDP_FLAGS_UPDATE_IF_NOEXIST));
	if (old >= 0)
		close(old);
	if (err)
		return vms_err(err,
			       "%s: cannot attach the tap XDP program: %s%s",
			       tap, strerror(-err),
			       err == -EEXIST || err == -EBUSY
				       ? " (another program took its place)"
				       : "");
	*changed = true;
	return 0;
}

int vms_tap_xdp_detach(__u32 ifindex, const char *tap)
{
	__u32 cur;
	bool ours;
	int old, err;

	if (xdp_current(ifindex, &cur, &ours) || !cur || !ours)
		return 0;
	old = bpf_prog_get_fd_by_id(cur);
	if (old < 0)
		return 0; /* gone meanwhile */
	err = vms_nl_xdp_set(ifindex, -1, old,
			     XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE);
	close(old);
	if (err && err != -EEXIST && err != -ENODEV)
		return vms_err(err, "%s: cannot remove the tap XDP program: %s",
			       tap, strerror(-err));
	return 0;
}

void vms_north_xdp_sync(struct vms_state *st, __u32 ifindex, __u32 netns_ino)
{
	int fd = st->maps.fd[VMS_MAP_TX];
	__u64 feat = 0;
	__u32 zero = 0;

	if (fd < 0)
		return;
	/* A devmap entry resolves its ifindex in the writer's namespace:
	 * only a command in the uplink's own namespace can write it (from
	 * any other, frames for the uplink take the tc path). */
	if (ifindex && netns_ino == vms_netns_ino() &&
	    !vms_xdp_features(ifindex, &feat) &&
	    (feat & NETDEV_XDP_ACT_NDO_XMIT) &&
	    !bpf_map_update_elem(fd, &zero, &ifindex, BPF_ANY)) {
		pr_debug("ifindex %u: the tap XDP program sends to it",
			 ifindex);
		return;
	}
	bpf_map_delete_elem(fd, &zero);
}
