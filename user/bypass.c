// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What vmsteer's fast path would bypass on a tap, where it can be seen
 * from here: a root qdisc that shapes (libvirt's <bandwidth>), a libvirt
 * nwfilter binding. `port add` refuses such a tap without --force;
 * `doctor` reports it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "bypass.h"
#include "nl.h"
#include "vms.h"

/* Root qdisc kinds a tap has without anyone shaping it. */
static bool default_qdisc(const char *kind)
{
	static const char *const kinds[] = {"noqueue", "pfifo_fast", "fq_codel",
					    "fq",      "mq",	     "pfifo",
					    "noop"};
	unsigned int i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

struct qdisc_find {
	int ifindex;
	char kind[32];
};

static int qdisc_attr_cb(const struct nlattr *a, void *data)
{
	struct qdisc_find *q = data;

	if (mnl_attr_get_type(a) == TCA_KIND &&
	    !mnl_attr_validate(a, MNL_TYPE_STRING))
		snprintf(q->kind, sizeof(q->kind), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int qdisc_cb(const struct nlmsghdr *nh, void *data)
{
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nh);
	struct qdisc_find *q = data;

	if (tc->tcm_ifindex == q->ifindex && tc->tcm_parent == TC_H_ROOT)
		return mnl_attr_parse(nh, sizeof(*tc), qdisc_attr_cb, q);
	return MNL_CB_OK;
}

/* The root qdisc of @ifindex into @q: one get, not a dump of every
 * device's qdiscs (O(1) at any number of taps). */
static void root_qdisc(struct qdisc_find *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tc;

	nh->nlmsg_type = RTM_GETQDISC;
	tc = mnl_nlmsg_put_extra_header(nh, sizeof(*tc));
	tc->tcm_family = AF_UNSPEC;
	tc->tcm_ifindex = q->ifindex;
	tc->tcm_parent = TC_H_ROOT;
	if (vms_nl_get(nh, qdisc_cb, q))
		q->kind[0] = '\0'; /* none, or unreadable: nothing seen */
}

int vms_tap_bypass(const char *tap, __u32 ifindex, char *why, size_t len)
{
	struct qdisc_find q = {.ifindex = ifindex};
	char path[128];

	*why = '\0';
	root_qdisc(&q);
	if (*q.kind && !default_qdisc(q.kind))
		snprintf(why, len,
			 "root qdisc %s (traffic shaping, libvirt's "
			 "<bandwidth>) would be bypassed",
			 q.kind);
	snprintf(path, sizeof(path), "%s/%s.xml", VMS_NWFILTER_BINDINGS, tap);
	if (!access(path, F_OK))
		snprintf(why + strlen(why), len - strlen(why),
			 "%slibvirt nwfilter binding %s would be bypassed",
			 *why ? "; " : "", path);
	return *why ? 1 : 0;
}
