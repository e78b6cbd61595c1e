// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Netlink through libmnl: one exchange (vms_nl_talk) for rtnetlink dumps
 * (the host-local MACs of local.c, the agent's view of the links), single
 * gets and changes (a tap's qdiscs, tc filters), generic netlink (XDP
 * features) and nfnetlink (bypass.c), plus batches of gets; replies read
 * as attribute tables. Every reply must carry the request's sequence
 * number and come from the kernel; a dump the kernel marks
 * interrupted (NLM_F_DUMP_INTR: the table changed while it was read) is
 * thrown away and done again, a few times, before it is an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "util/nl.h"
#include "util/log.h"

#define DUMP_TRIES 8

struct dump_ctx {
	vms_nl_cb cb;
	void *data;
	bool intr;
};

static int dump_msg(const struct nlmsghdr *nh, void *data)
{
	struct dump_ctx *c = data;

	if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	return c->cb(nh, c->data);
}

/* One attempt: 0, -EINTR (interrupted, redo) or -errno. */
static int dump_once(struct mnl_socket *nl, struct nlmsghdr *nh,
		     const char *what, struct dump_ctx *c, vms_nl_reset reset)
{
	int err;

	if (reset)
		reset(c->data);
	c->intr = false;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	err = vms_nl_talk(nl, nh, dump_msg, c);
	if (err == -EOPNOTSUPP)
		return 0; /* no such table here: empty */
	if (err == -EINTR || (!err && c->intr))
		return -EINTR;
	if (err)
		return vms_err(err, "%s dump: %s", what, strerror(-err));
	return 0;
}

struct mnl_socket *vms_nl_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		nl = NULL;
		errno = e;
	}
	return nl;
}

int vms_nl_talk(struct mnl_socket *nl, struct nlmsghdr *nh, vms_nl_cb cb,
		void *data)
{
	char buf[VMS_NL_BUF];
	unsigned int seq = time(NULL) ^ (unsigned int)rand();
	int n, ret = MNL_CB_OK;

	nh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		/* Checks the sequence number and port id of every message. */
		ret = n < 0 ? MNL_CB_ERROR
			    : mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl),
					 cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

/*
 * The process's rtnetlink socket for gets and changes, opened at first
 * use and kept (a tap attach makes several requests: a socket each would
 * be three more system calls apiece). Every exchange reads its replies
 * to the end (the ack), so none is left for the next one.
 */
static struct mnl_socket *rt_sock(void)
{
	static struct mnl_socket *nl;

	if (!nl)
		nl = vms_nl_open(NETLINK_ROUTE);
	return nl;
}

/* Send @nh with @flags (and an ack asked for); @cb for the replies. */
static int talk(struct nlmsghdr *nh, __u16 flags, vms_nl_cb cb, void *data)
{
	struct mnl_socket *nl = rt_sock();

	if (!nl)
		return -errno;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return vms_nl_talk(nl, nh, cb, data);
}

int vms_nl_get(struct nlmsghdr *nh, vms_nl_cb cb, void *data)
{
	/* Some gets (qdiscs) answer only with NLM_F_ECHO; the ack ends the
	 * exchange either way. */
	return talk(nh, NLM_F_ECHO, cb, data);
}

int vms_nl_change(struct nlmsghdr *nh, __u16 flags)
{
	return talk(nh, flags, NULL, NULL);
}

int vms_nl_xdp_set(__u32 ifindex, int fd, int old_fd, __u32 flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *xdp;

	/* What libbpf's bpf_xdp_attach() sends, over the process's socket
	 * (libbpf opens one a call: eight system calls a tap at apply). */
	nh->nlmsg_type = RTM_SETLINK;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	xdp = mnl_attr_nest_start(nh, IFLA_XDP);
	mnl_attr_put_u32(nh, IFLA_XDP_FD, fd);
	if (flags)
		mnl_attr_put_u32(nh, IFLA_XDP_FLAGS, flags);
	if (flags & XDP_FLAGS_REPLACE)
		mnl_attr_put_u32(nh, IFLA_XDP_EXPECTED_FD, old_fd);
	mnl_attr_nest_end(nh, xdp);
	return talk(nh, 0, NULL, NULL);
}

int vms_nl_batch(int n, vms_nl_put put, vms_nl_each each, void *data)
{
	static char buf[VMS_NL_BUF];
	struct mnl_socket *nl = rt_sock();
	unsigned int seq, portid;
	int i, k, m, acks;

	if (!nl)
		return -errno;
	portid = mnl_socket_get_portid(nl);
	for (i = 0; i < n; i += m) {
		size_t len = 0;

		m = n - i < VMS_NL_BATCH ? n - i : VMS_NL_BATCH;
		seq = time(NULL) ^ (unsigned int)rand();
		for (k = 0; k < m; k++) {
			struct nlmsghdr *nh = mnl_nlmsg_put_header(buf + len);

			put(i + k, nh, data);
			nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
			nh->nlmsg_seq = seq + k;
			len += nh->nlmsg_len;
		}
		if (mnl_socket_sendto(nl, buf, len) < 0)
			return -errno;
		for (acks = 0; acks < m;) {
			int got = mnl_socket_recvfrom(nl, buf, sizeof(buf));
			const struct nlmsghdr *nh =
				(const struct nlmsghdr *)buf;

			if (got < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			for (; mnl_nlmsg_ok(nh, got);
			     nh = mnl_nlmsg_next(nh, &got)) {
				unsigned int j = nh->nlmsg_seq - seq;

				if (nh->nlmsg_pid != portid ||
				    j >= (unsigned int)m)
					continue;
				if (nh->nlmsg_type == NLMSG_ERROR)
					acks++; /* the ack, or the error */
				each(i + j, nh, data);
			}
		}
	}
	return 0;
}

int vms_nl_dump_req(struct nlmsghdr *nh, const char *what, vms_nl_cb cb,
		    vms_nl_reset reset, void *data)
{
	struct dump_ctx c = {cb, data, false};
	struct mnl_socket *nl;
	int tries, err;

	/* A socket an attempt: an interrupted dump leaves the rest of its
	 * replies queued, which the next attempt's sequence check would
	 * refuse. */
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		nl = vms_nl_open(NETLINK_ROUTE);
		if (!nl)
			return vms_err(-errno, "netlink: %s", strerror(errno));
		err = dump_once(nl, nh, what, &c, reset);
		mnl_socket_close(nl);
		if (err != -EINTR)
			return err;
		pr_debug("%s dump interrupted by a change: again", what);
	}
	return vms_err(-EAGAIN, "%s dump: interrupted %d times in a row", what,
		       DUMP_TRIES);
}

int vms_nl_dump(__u16 type, __u8 family, const char *what, vms_nl_cb cb,
		vms_nl_reset reset, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nh->nlmsg_type = type;
	g = mnl_nlmsg_put_extra_header(
		nh, type == RTM_GETLINK	   ? sizeof(struct ifinfomsg)
		    : type == RTM_GETQDISC ? sizeof(struct tcmsg)
					   : sizeof(struct ndmsg));
	g->rtgen_family = family;
	/* Bridge ports with their VLANs (bypass.c). */
	if (type == RTM_GETLINK && family == AF_BRIDGE)
		mnl_attr_put_u32(nh, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
	return vms_nl_dump_req(nh, what, cb, reset, data);
}

void vms_nl_attrs(const struct nlmsghdr *nh, size_t hdrlen,
		  const struct nlattr **tb, unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each(a, nh, hdrlen) if (mnl_attr_get_type(a) <= max)
		tb[mnl_attr_get_type(a)] = a;
}

void vms_nl_nested(const struct nlattr *nest, const struct nlattr **tb,
		   unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nest)
		mnl_attr_for_each_nested(a,
					 nest) if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
}

#define NL_GET(name, ctype, mnl_type, get)                   \
	bool vms_nl_##name(const struct nlattr *a, ctype *v) \
	{                                                    \
		if (!a || mnl_attr_validate(a, mnl_type))    \
			return false;                        \
		*v = get(a);                                 \
		return true;                                 \
	}
NL_GET(u8, __u8, MNL_TYPE_U8, mnl_attr_get_u8)
NL_GET(u16, __u16, MNL_TYPE_U16, mnl_attr_get_u16)
NL_GET(u32, __u32, MNL_TYPE_U32, mnl_attr_get_u32)
NL_GET(u64, __u64, MNL_TYPE_U64, mnl_attr_get_u64)
#undef NL_GET

bool vms_nl_str(const struct nlattr *a, char *v, size_t len)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_STRING))
		return false;
	snprintf(v, len, "%s", mnl_attr_get_str(a));
	return true;
}

struct genl_reply {
	__u16 family;
	__u64 features;
	bool have;
};

/* The control family's answer: the netdev family's id. */
static int family_cb(const struct nlmsghdr *nh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_FAMILY_ID + 1];
	struct genl_reply *g = data;

	vms_nl_attrs(nh, sizeof(struct genlmsghdr), tb, CTRL_ATTR_FAMILY_ID);
	vms_nl_u16(tb[CTRL_ATTR_FAMILY_ID], &g->family);
	return MNL_CB_OK;
}

/* The netdev family's answer: the device's XDP features. */
static int feat_cb(const struct nlmsghdr *nh, void *data)
{
	const struct nlattr *tb[NETDEV_A_DEV_XDP_FEATURES + 1];
	struct genl_reply *g = data;

	vms_nl_attrs(nh, sizeof(struct genlmsghdr), tb,
		     NETDEV_A_DEV_XDP_FEATURES);
	if (vms_nl_u64(tb[NETDEV_A_DEV_XDP_FEATURES], &g->features))
		g->have = true;
	return MNL_CB_OK;
}

/* One generic netlink request and its reply. */
static int genl_call(struct mnl_socket *nl, __u16 type, __u8 cmd,
		     void (*put)(struct nlmsghdr *, const void *),
		     const void *arg, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;

	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	gh = mnl_nlmsg_put_extra_header(nh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = 1;
	put(nh, arg);
	return vms_nl_talk(nl, nh, cb, data);
}

static void put_family(struct nlmsghdr *nh, const void *arg)
{
	mnl_attr_put_strz(nh, CTRL_ATTR_FAMILY_NAME, arg);
}

static void put_ifindex(struct nlmsghdr *nh, const void *arg)
{
	mnl_attr_put_u32(nh, NETDEV_A_DEV_IFINDEX, *(const __u32 *)arg);
}

int vms_xdp_features(__u32 ifindex, __u64 *features)
{
	struct genl_reply g = {};
	struct mnl_socket *nl = vms_nl_open(NETLINK_GENERIC);
	int err;

	if (!nl)
		return -errno;
	err = genl_call(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, put_family,
			NETDEV_FAMILY, family_cb, &g);
	if (!err && !g.family)
		err = -ENOENT;
	if (!err)
		err = genl_call(nl, g.family, NETDEV_CMD_DEV_GET, put_ifindex,
				&ifindex, feat_cb, &g);
	mnl_socket_close(nl);
	if (!err && !g.have)
		err = -ENOENT;
	*features = g.features;
	return err;
}

struct xdp_find {
	__u8 attached;
	__u32 prog_id, drv_id;
};

static int link_cb(const struct nlmsghdr *nh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1], *xdp[IFLA_XDP_MAX + 1];
	struct xdp_find *f = data;

	vms_nl_attrs(nh, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	vms_nl_nested(tb[IFLA_XDP], xdp, IFLA_XDP_MAX);
	vms_nl_u8(xdp[IFLA_XDP_ATTACHED], &f->attached);
	vms_nl_u32(xdp[IFLA_XDP_PROG_ID], &f->prog_id);
	vms_nl_u32(xdp[IFLA_XDP_DRV_PROG_ID], &f->drv_id);
	return MNL_CB_OK;
}

struct tcmsg *vms_nl_tcmsg(struct nlmsghdr *nh, __u16 type, __u32 ifindex)
{
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nh, sizeof(*t));

	nh->nlmsg_type = type;
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	return t;
}

/* A get of device @ifindex, without its statistics, in @nh. */
static void link_get_req(struct nlmsghdr *nh, __u32 ifindex)
{
	struct ifinfomsg *ifi;

	nh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
}

int vms_nl_link_get(__u32 ifindex, vms_nl_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);

	link_get_req(nh, ifindex);
	return vms_nl_get(nh, cb, data);
}

/* The native program of what link_cb found. */
static __u32 xdp_drv_id(const struct xdp_find *f)
{
	if (f->attached == XDP_ATTACHED_DRV)
		return f->prog_id;
	if (f->attached == XDP_ATTACHED_MULTI)
		return f->drv_id;
	return 0;
}

int vms_xdp_drv_prog_id(__u32 ifindex, __u32 *id)
{
	struct xdp_find f = {};
	int err;

	/* One get of this device (libbpf's bpf_xdp_query() dumps every
	 * device of the namespace: O(N) per tap, O(N^2) per apply). */
	err = vms_nl_link_get(ifindex, link_cb, &f);
	*id = err ? 0 : xdp_drv_id(&f);
	return err;
}

/* vms_xdp_drv_prog_ids: the devices and their programs. */
struct xdp_ids {
	const __u32 *ifindex;
	__u32 *ids;
};

static void xdp_ids_put(int i, struct nlmsghdr *nh, void *data)
{
	link_get_req(nh, ((struct xdp_ids *)data)->ifindex[i]);
}

static void xdp_ids_each(int i, const struct nlmsghdr *nh, void *data)
{
	struct xdp_find f = {};

	if (nh->nlmsg_type != RTM_NEWLINK)
		return; /* the ack, or the device's error: no program */
	link_cb(nh, &f);
	((struct xdp_ids *)data)->ids[i] = xdp_drv_id(&f);
}

int vms_xdp_drv_prog_ids(const __u32 *ifindex, int n, __u32 *ids)
{
	struct xdp_ids x = {ifindex, ids};

	memset(ids, 0, n * sizeof(*ids));
	return vms_nl_batch(n, xdp_ids_put, xdp_ids_each, &x);
}
