// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's rtnetlink listener (libmnl): link changes (RTMGRP_LINK: a
 * tap that appears, disappears, is renamed or gets another index) and
 * neighbour and bridge FDB changes (RTNLGRP_NEIGH: MACs that become local
 * or stop being so). Each asks for a convergence, which reads the links
 * and the bridge FDB afresh (the FDB dump checks sequence numbers and
 * redoes an interrupted dump: nl.c). The socket buffer is large; when the
 * kernel still drops notifications (ENOBUFS), nothing tells which: the
 * convergence that follows reads everything anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <libvirt/libvirt.h>

#include "agent.h"
#include "util/nl.h"
#include "util/log.h"

#define RCVBUF (4 << 20)

static int notification(const struct nlmsghdr *nh, void *data)
{
	struct vms_agent *a = data;
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	const struct ndmsg *nd;
	const char *name = "?";

	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ifi = mnl_nlmsg_get_payload(nh);
		if (mnl_nlmsg_get_payload_len(nh) < sizeof(*ifi))
			break;
		vms_nl_attrs(nh, sizeof(*ifi), tb, IFLA_MAX);
		if (tb[IFLA_IFNAME])
			name = mnl_attr_get_str(tb[IFLA_IFNAME]);
		pr_debug("link %s: %s (ifindex %d)", name,
			 nh->nlmsg_type == RTM_NEWLINK ? "new/changed" : "gone",
			 ifi->ifi_index);
		vms_agent_kick(a, "link");
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		/* A bridge FDB entry: the host-local MACs only. ARP and
		 * neighbour discovery entries change neither. */
		nd = mnl_nlmsg_get_payload(nh);
		if (mnl_nlmsg_get_payload_len(nh) >= sizeof(*nd) &&
		    nd->ndm_family == AF_BRIDGE)
			vms_agent_kick_local(a);
		break;
	}
	return MNL_CB_OK;
}

static void readable(int watch, int fd, int events, void *opaque)
{
	static char buf[VMS_NL_BUF];
	struct vms_agent *a = opaque;
	int n;

	(void)watch;
	(void)fd;
	(void)events;
	for (;;) {
		n = mnl_socket_recvfrom(a->nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Notifications were lost: read it all. */
				vms_agent_kick(a, "notifications lost");
				vms_agent_kick_local(a);
				continue;
			}
			return; /* EAGAIN: all read */
		}
		/* Notifications: sequence 0, from the kernel (port 0). */
		mnl_cb_run(buf, n, 0, 0, notification, a);
	}
}

int vms_agent_netlink_start(struct vms_agent *a)
{
	struct mnl_socket *nl;
	int fd, sz = RCVBUF;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nl)
		return vms_err(-errno, "netlink: %s", strerror(errno));
	fd = mnl_socket_get_fd(nl);
	/* A big buffer: a burst of taps must not overflow it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (mnl_socket_bind(nl, RTMGRP_LINK | RTMGRP_NEIGH,
			    MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl);
		return vms_err(err,
			       "netlink: cannot subscribe to link and "
			       "neighbour changes: %s",
			       strerror(-err));
	}
	a->nl = nl;
	a->nl_watch = virEventAddHandle(fd, VIR_EVENT_HANDLE_READABLE, readable,
					a, NULL);
	if (a->nl_watch < 0)
		return vms_err(-EIO, "netlink: cannot watch the socket");
	return 0;
}

void vms_agent_netlink_stop(struct vms_agent *a)
{
	if (!a->nl)
		return;
	virEventRemoveHandle(a->nl_watch);
	mnl_socket_close(a->nl);
	a->nl = NULL;
}
