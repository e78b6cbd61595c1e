// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rtnetlink dumps through libmnl, for the host-local MACs (local.c) and
 * the agent's view of the links, and single gets (a tap's root qdisc). Every reply must carry the request's
 * sequence number and come from the kernel; a dump the kernel marks
 * interrupted (NLM_F_DUMP_INTR: the table changed while it was read) is
 * thrown away and done again, a few times, before it is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <sys/socket.h>
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
static int dump_once(struct mnl_socket *nl, __u16 type, __u8 family,
		     const char *what, struct dump_ctx *c, vms_nl_reset reset)
{
	static char buf[VMS_NL_BUF];
	unsigned int portid = mnl_socket_get_portid(nl), seq;
	struct nlmsghdr *nh;
	struct rtgenmsg *g;
	int n, ret;

	seq = time(NULL) ^ (unsigned int)rand();
	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(
		nh, type == RTM_GETLINK	   ? sizeof(struct ifinfomsg)
		    : type == RTM_GETQDISC ? sizeof(struct tcmsg)
					   : sizeof(struct ndmsg));
	g->rtgen_family = family;
	/* Bridge ports with their VLANs (bypass.c). */
	if (type == RTM_GETLINK && family == AF_BRIDGE)
		mnl_attr_put_u32(nh, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
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

int vms_nl_get(struct nlmsghdr *nh, vms_nl_cb cb, void *data)
{
	static char buf[VMS_NL_BUF];
	struct mnl_socket *nl;
	unsigned int seq;
	int n, ret = MNL_CB_OK, err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	seq = time(NULL) ^ (unsigned int)rand();
	/* Some gets (qdiscs) answer only with NLM_F_ECHO; the ack ends the
	 * exchange either way. */
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ECHO | NLM_F_ACK;
	nh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nh, nh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		ret = n < 0 ? MNL_CB_ERROR
			    : mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl),
					 cb, data);
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		err = -errno;
out:
	mnl_socket_close(nl);
	return err;
}

int vms_nl_dump(__u16 type, __u8 family, const char *what, vms_nl_cb cb,
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
		err = dump_once(nl, type, family, what, &c, reset);
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
