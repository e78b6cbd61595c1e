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
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>

#include "vms.h"

#define TAP_XDP_PROG "vmst_tap_xdp"

/* The "netdev" generic netlink family (include/uapi/linux/netdev.h, 6.3+;
 * not in every build host's headers). */
#define VMS_NETDEV_CMD_DEV_GET	      1
#define VMS_NETDEV_A_DEV_IFINDEX      1
#define VMS_NETDEV_A_DEV_XDP_FEATURES 3
#define VMS_NETDEV_XDP_ACT_NDO_XMIT   (1U << 2)

struct genl_reply {
	__u16 family; /* CTRL_ATTR_FAMILY_ID */
	__u64 xdp_features;
};

static int genl_attr(const struct nlattr *a, void *data)
{
	struct genl_reply *r = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    !mnl_attr_validate(a, MNL_TYPE_U16) && !r->family)
		r->family = mnl_attr_get_u16(a);
	else if (mnl_attr_get_type(a) == VMS_NETDEV_A_DEV_XDP_FEATURES &&
		 !mnl_attr_validate(a, MNL_TYPE_U64))
		r->xdp_features = mnl_attr_get_u64(a);
	return MNL_CB_OK;
}

static int genl_msg(const struct nlmsghdr *nh, void *data)
{
	return mnl_attr_parse(nh, sizeof(struct genlmsghdr), genl_attr, data);
}

/* One generic netlink request on @nl; the reply's attributes into @r. */
static int genl_ask(struct mnl_socket *nl, __u16 type, __u8 cmd, __u16 attr,
		    const void *val, size_t len, struct genl_reply *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int seq = time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	int n;

	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	mnl_attr_put(nh, attr, len, val);
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		n = mnl_cb_run(buf, n, seq, portid, genl_msg, r);
	} while (n > 0);
	return n < 0 ? -errno : 0;
}

/*
 * The XDP features device @ifindex's driver announces (0 when the kernel
 * has no "netdev" family: before 6.3). A veth announces
 * NETDEV_XDP_ACT_NDO_XMIT only while its peer can take the frames (an XDP
 * program or GRO on it): without it, XDP frames sent to it are lost.
 */
static __u64 xdp_features(__u32 ifindex)
{
	struct genl_reply r = {};
	struct mnl_socket *nl;
	__u16 family;

	nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl)
		return 0;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ||
	    genl_ask(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
		     CTRL_ATTR_FAMILY_NAME, "netdev", sizeof("netdev"), &r) ||
	    !r.family)
		goto out;
	family = r.family;
	if (genl_ask(nl, family, VMS_NETDEV_CMD_DEV_GET,
		     VMS_NETDEV_A_DEV_IFINDEX, &ifindex, sizeof(ifindex), &r))
		r.xdp_features = 0;
out:
	mnl_socket_close(nl);
	return r.xdp_features;
}

/* The native XDP program on @ifindex: its id (0 when none), and whether
 * it is vmsteer's tap program. */
static int xdp_current(__u32 ifindex, __u32 *id, bool *ours)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, err;

	*id = 0;
	*ours = false;
	err = bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, id);
	if (err)
		return err;
	if (!*id)
		return 0;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	if (!err)
		*ours = !strncmp(info.name, TAP_XDP_PROG, sizeof(info.name));
	return err;
}

__u32 vms_tap_xdp_prog_id(__u32 ifindex)
{
	bool ours;
	__u32 id;

	return !xdp_current(ifindex, &id, &ours) && ours ? id : 0;
}

int vms_tap_xdp_attach(struct vms_state *st, __u32 ifindex, const char *tap,
		       bool *changed)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
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
	o.old_prog_fd = old;
	err = bpf_xdp_attach(
		ifindex, fd,
		XDP_FLAGS_DRV_MODE |
			(cur ? XDP_FLAGS_REPLACE : XDP_FLAGS_UPDATE_IF_NOEXIST),
		&o);
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
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	__u32 cur;
	bool ours;
	int old, err;

	if (xdp_current(ifindex, &cur, &ours) || !cur || !ours)
		return 0;
	old = bpf_prog_get_fd_by_id(cur);
	if (old < 0)
		return 0; /* gone meanwhile */
	o.old_prog_fd = old;
	err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE,
			     &o);
	close(old);
	if (err && err != -EEXIST && err != -ENODEV)
		return vms_err(err, "%s: cannot remove the tap XDP program: %s",
			       tap, strerror(-err));
	return 0;
}

void vms_north_xdp_sync(struct vms_state *st, __u32 ifindex, __u32 netns_ino)
{
	int fd = st->maps.fd[VMS_MAP_TX];
	__u32 zero = 0;

	if (fd < 0)
		return;
	/* A devmap entry resolves its ifindex in the writer's namespace:
	 * only a command in the uplink's own namespace can write it (from
	 * any other, frames for the uplink take the tc path). */
	if (ifindex && netns_ino == vms_netns_ino() &&
	    (xdp_features(ifindex) & VMS_NETDEV_XDP_ACT_NDO_XMIT) &&
	    !bpf_map_update_elem(fd, &zero, &ifindex, BPF_ANY)) {
		pr_debug("ifindex %u: the tap XDP program sends to it",
			 ifindex);
		return;
	}
	bpf_map_delete_elem(fd, &zero);
}
