// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rtnetlink dumps through libmnl, for the host-local MACs (local.c) and
 * the agent's view of the links, single gets and changes (a tap's
 * qdiscs, tc filters) and batches of gets. Every reply must carry the request's
 * sequence number and come from the kernel; a dump the kernel marks
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
	static char buf[VMS_NL_BUF];
	unsigned int portid = mnl_socket_get_portid(nl), seq;
	int n, ret;

	seq = time(NULL) ^ (unsigned int)rand();
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nh->nlmsg_seq = seq;
	if (reset)
		reset(c->data);
	c->intr = false;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return vms_err(-errno, "%s dump: %s", what, strerror(errno));
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vms_err(-errno, "%s dump: %s", what,
				       strerror(errno));
		}
		/* Checks the sequence number and port id of every message. */
		ret = mnl_cb_run(buf, n, seq, portid, dump_msg, c);
		if (ret == MNL_CB_STOP)
			break;
		if (ret < 0) {
			if (errno == EOPNOTSUPP)
				return 0; /* no such table here: empty */
			if (errno == EINTR)
				return -EINTR;
			return vms_err(-errno, "%s dump: %s", what,
				       strerror(errno));
		}
	}
	return c->intr ? -EINTR : 0;
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

	if (nl)
		return nl;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		nl = NULL;
		errno = e;
	}
	return nl;
}

/* Send @nh with @flags (and an ack asked for); @cb for the replies. */
static int talk(struct nlmsghdr *nh, __u16 flags, vms_nl_cb cb, void *data)
{
	static char buf[VMS_NL_BUF];
	struct mnl_socket *nl = rt_sock();
	unsigned int seq;
	int n, ret = MNL_CB_OK;

	if (!nl)
		return -errno;
	seq = time(NULL) ^ (unsigned int)rand();
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		ret = n < 0 ? MNL_CB_ERROR
			    : mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl),
					 cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
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
	int tries, err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return vms_err(-errno, "netlink: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = vms_err(-errno, "netlink: %s", strerror(errno));
		goto out;
	}
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		err = dump_once(nl, nh, what, &c, reset);
		if (err != -EINTR)
			goto out;
		pr_debug("%s dump interrupted by a change: again", what);
	}
	err = vms_err(-EAGAIN, "%s dump: interrupted %d times in a row", what,
		      DUMP_TRIES);
out:
	mnl_socket_close(nl);
	return err;
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

struct genl_reply {
	__u16 family;
	__u64 features;
	bool have;
};

static int family_attr_cb(const struct nlattr *a, void *data)
{
	struct genl_reply *g = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    !mnl_attr_validate(a, MNL_TYPE_U16))
		g->family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int feat_attr_cb(const struct nlattr *a, void *data)
{
	struct genl_reply *g = data;

	if (mnl_attr_get_type(a) == NETDEV_A_DEV_XDP_FEATURES &&
	    !mnl_attr_validate(a, MNL_TYPE_U64)) {
		g->features = mnl_attr_get_u64(a);
		g->have = true;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nh, void *data)
{
	return mnl_attr_parse(nh, sizeof(struct genlmsghdr), family_attr_cb,
			      data);
}

static int feat_cb(const struct nlmsghdr *nh, void *data)
{
	return mnl_attr_parse(nh, sizeof(struct genlmsghdr), feat_attr_cb,
			      data);
}

/* One generic netlink request and its reply. */
static int genl_call(struct mnl_socket *nl, __u16 type, __u8 cmd,
		     void (*put)(struct nlmsghdr *, const void *),
		     const void *arg, mnl_cb_t cb, void *data)
{
	char buf[VMS_NL_BUF];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;
	unsigned int seq = time(NULL), port = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = seq;
	gh = mnl_nlmsg_put_extra_header(nh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = 1;
	put(nh, arg);
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, seq, port, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
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
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	int err;

	if (!nl)
		return -errno;
	err = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ? -errno : 0;
	if (!err)
		err = genl_call(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
				put_family, NETDEV_FAMILY, family_cb, &g);
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

static int xdp_attr_cb(const struct nlattr *a, void *data)
{
	struct xdp_find *f = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_XDP_ATTACHED:
		if (!mnl_attr_validate(a, MNL_TYPE_U8))
			f->attached = mnl_attr_get_u8(a);
		break;
	case IFLA_XDP_PROG_ID:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			f->prog_id = mnl_attr_get_u32(a);
		break;
	case IFLA_XDP_DRV_PROG_ID:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			f->drv_id = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int link_xdp_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_XDP)
		mnl_attr_parse_nested(a, xdp_attr_cb, data);
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nh, void *data)
{
	return mnl_attr_parse(nh, sizeof(struct ifinfomsg), link_xdp_cb, data);
}

int vms_nl_tc_kind(const struct nlattr *a, void *kind)
{
	if (mnl_attr_get_type(a) == TCA_KIND &&
	    !mnl_attr_validate(a, MNL_TYPE_STRING))
		snprintf(kind, VMS_TC_KIND_LEN, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

int vms_nl_link_get(__u32 ifindex, vms_nl_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return vms_nl_get(nh, cb, data);
}

int vms_xdp_drv_prog_id(__u32 ifindex, __u32 *id)
{
	struct xdp_find f = {};
	int err;

	/* One get of this device (libbpf's bpf_xdp_query() dumps every
	 * device of the namespace: O(N) per tap, O(N^2) per apply). */
	err = vms_nl_link_get(ifindex, link_cb, &f);
	*id = 0;
	if (err)
		return err;
	if (f.attached == XDP_ATTACHED_DRV)
		*id = f.prog_id;
	else if (f.attached == XDP_ATTACHED_MULTI)
		*id = f.drv_id;
	return 0;
}
