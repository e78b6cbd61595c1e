// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc programs: the tap program every tap of a namespace shares
 * (bpf/tap.bpf.c, pinned: see progs.c) and the uplink skb path
 * (bpf/uplink_tc.bpf.c, held by its filter), attached with libbpf's
 * bpf_tc_* API (netlink cls_bpf, direct action) at clsact ingress, always
 * at handle VMST_TC_HANDLE and priority VMST_TC_PRIORITY: a second attach
 * replaces the filter in place (BPF_TC_F_REPLACE), so filters never stack.
 * A filter at that handle and priority whose program is not vmsteer's is
 * refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/tc.h"
#include "core/addr.h"
#include "core/state.h"
#include "load/info.h"
#include "load/load.h"
#include "load/progs.h"
#include "load/tapxdp.h"
#include "util/log.h"
#include "util/netdev.h"
#include "util/nl.h"
#include "uplink_tc.skel.h"

#define TAP_PROG    "vmst_tap"
#define UPLINK_PROG "vmst_uplink_tc"

static void hook_init(struct bpf_tc_hook *h, __u32 ifindex)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = BPF_TC_INGRESS;
}

static void opts_init(struct bpf_tc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->handle = VMST_TC_HANDLE;
	o->priority = VMST_TC_PRIORITY;
}

/*
 * The eBPF filter at vmsteer's handle and priority on @ifindex: 0 and its
 * program id, or an error (none there, no qdisc, or a filter without a
 * program id, e.g. classic BPF: libbpf tells these apart only as -EINVAL).
 */
static int tc_query(__u32 ifindex, __u32 *prog_id)
{
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	int err;

	hook_init(&h, ifindex);
	opts_init(&o);
	*prog_id = 0;
	err = bpf_tc_query(&h, &o);
	pr_debug("ifindex %u: tc query: %d, program %u", ifindex, err,
		 o.prog_id);
	if (err)
		return err;
	*prog_id = o.prog_id;
	return 0;
}

__u32 vms_tc_prog_id(__u32 ifindex)
{
	__u32 id;

	return tc_query(ifindex, &id) ? 0 : id;
}

/* Requests sent together in vms_tc_prog_ids (their replies fit the
 * socket's receive buffer). */
#define TCQ_BATCH 64

/* The program id in a TCA_OPTIONS attribute of a bpf filter. */
static int tcq_opt(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == TCA_BPF_ID &&
	    !mnl_attr_validate(a, MNL_TYPE_U32))
		*(__u32 *)data = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int tcq_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == TCA_OPTIONS)
		mnl_attr_parse_nested(a, tcq_opt, data);
	return MNL_CB_OK;
}

/* One batch of gets (@ifindex[0..@n)) on @nl; replies' ids into @ids. */
static int tcq_batch(struct mnl_socket *nl, const __u32 *ifindex, int n,
		     __u32 *ids)
{
	static char buf[VMS_NL_BUF];
	unsigned int seq = time(NULL) ^ (unsigned int)rand();
	unsigned int portid = mnl_socket_get_portid(nl);
	size_t len = 0;
	int i, acks = 0;

	for (i = 0; i < n; i++) {
		struct nlmsghdr *nh = mnl_nlmsg_put_header(buf + len);
		struct tcmsg *t = mnl_nlmsg_put_extra_header(nh, sizeof(*t));

		nh->nlmsg_type = RTM_GETTFILTER;
		nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ECHO | NLM_F_ACK;
		nh->nlmsg_seq = seq + i;
		t->tcm_family = AF_UNSPEC;
		t->tcm_ifindex = ifindex[i];
		t->tcm_handle = VMST_TC_HANDLE;
		t->tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
		t->tcm_info =
			TC_H_MAKE(VMST_TC_PRIORITY << 16, htons(ETH_P_ALL));
		mnl_attr_put_strz(nh, TCA_KIND, "bpf");
		len += nh->nlmsg_len;
		ids[i] = 0;
	}
	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -errno;
	while (acks < n) {
		int got = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (; mnl_nlmsg_ok(nh, got); nh = mnl_nlmsg_next(nh, &got)) {
			unsigned int k = nh->nlmsg_seq - seq;

			if (nh->nlmsg_pid != portid || k >= (unsigned int)n)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR)
				acks++; /* the ack, or the error (no filter) */
			else if (nh->nlmsg_type == RTM_NEWTFILTER)
				mnl_attr_parse(nh, sizeof(struct tcmsg),
					       tcq_attr, &ids[k]);
		}
	}
	return 0;
}

int vms_tc_prog_ids(const __u32 *ifindex, int n, __u32 *ids)
{
	struct mnl_socket *nl;
	int i, err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return vms_err(-errno, "netlink: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		err = vms_err(-errno, "netlink: %s", strerror(errno));
	for (i = 0; !err && i < n; i += TCQ_BATCH) {
		err = tcq_batch(nl, ifindex + i,
				n - i < TCQ_BATCH ? n - i : TCQ_BATCH, ids + i);
		if (err)
			err = vms_err(err, "tc filter query: %s",
				      strerror(-err));
	}
	mnl_socket_close(nl);
	return err;
}

bool vms_tap_prog_ours(__u32 ifindex)
{
	struct bpf_prog_info info;
	__u32 id = vms_tc_prog_id(ifindex);

	return id && !vms_prog_info_by_id(id, &info) &&
	       !strncmp(info.name, TAP_PROG, sizeof(info.name));
}

/*
 * Put @prog_fd (program @name) at vmsteer's place on @ifindex's ingress.
 * A filter already running that very program is left as it is; with
 * @upgrade_only, so is one running this build's program (same tag), and
 * none is added where there is none. *@created: vmsteer made the clsact
 * qdisc. *@changed: the filter is new or was replaced.
 */
static int tc_attach(__u32 ifindex, const char *dev, int prog_fd,
		     const char *name, bool upgrade_only, bool *created,
		     bool *changed)
{
	struct bpf_prog_info have, want;
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	__u32 cur;
	int err;

	*created = *changed = false;
	if (!upgrade_only) {
		/* A fresh tap (the common case at scale): the qdisc and an
		 * exclusive attach, two netlink requests. A filter already at
		 * vmsteer's place makes the attach fail: then it is looked at
		 * below, and replaced only when it is vmsteer's. */
		hook_init(&h, ifindex);
		err = bpf_tc_hook_create(&h);
		if (!err)
			*created = true;
		else if (err != -EEXIST)
			return vms_err(err,
				       "%s: cannot create a clsact qdisc: %s",
				       dev, strerror(-err));
		opts_init(&o);
		o.prog_fd = prog_fd;
		err = bpf_tc_attach(&h, &o);
		if (!err) {
			*changed = true;
			return 0;
		}
		if (err != -EEXIST) {
			if (*created) {
				h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
				bpf_tc_hook_destroy(&h);
				*created = false;
			}
			return vms_err(err,
				       "%s: cannot attach the tc program: %s",
				       dev, strerror(-err));
		}
	}
	if (tc_query(ifindex, &cur))
		cur = 0;
	if (cur) {
		err = vms_prog_info_by_id(cur, &have);
		if (err)
			return vms_err(err, "%s: cannot read tc program %u: %s",
				       dev, cur, strerror(-err));
		if (strncmp(have.name, name, sizeof(have.name)))
			return vms_err(-EEXIST,
				       "%s: tc ingress filter handle 0x%x "
				       "priority 0x%x holds program %u (%s), "
				       "not vmsteer's; remove it first",
				       dev, VMST_TC_HANDLE, VMST_TC_PRIORITY,
				       cur, have.name);
		err = vms_prog_info(prog_fd, &want);
		if (err)
			return vms_err(err, "%s: %s", dev, strerror(-err));
		if (have.id == want.id)
			return 0; /* this very program */
		if (upgrade_only &&
		    !memcmp(have.tag, want.tag, sizeof(have.tag)))
			return 0; /* this build's program */
	} else if (upgrade_only) {
		return 0;
	}

	hook_init(&h, ifindex);
	err = bpf_tc_hook_create(&h);
	if (!err)
		*created = true;
	else if (err != -EEXIST)
		return vms_err(err, "%s: cannot create a clsact qdisc: %s", dev,
			       strerror(-err));
	opts_init(&o);
	o.prog_fd = prog_fd;
	/* Replace only a filter known to be vmsteer's; else exclusive, so
	 * that anything else at this handle and priority makes it fail.
	 */
	o.flags = cur ? BPF_TC_F_REPLACE : 0;
	err = bpf_tc_attach(&h, &o);
	if (err == -EEXIST) {
		if (*created) {
			h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&h);
			*created = false;
		}
		return vms_err(err,
			       "%s: tc ingress filter handle 0x%x priority "
			       "0x%x is taken by a filter that is not "
			       "vmsteer's; remove it first",
			       dev, VMST_TC_HANDLE, VMST_TC_PRIORITY);
	}
	if (err) {
		if (*created) {
			h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&h);
			*created = false;
		}
		return vms_err(err, "%s: cannot attach the tc program: %s", dev,
			       strerror(-err));
	}
	*changed = true;
	return 0;
}

static int tc_detach(__u32 ifindex, const char *dev, const char *name,
		     bool qdisc_ours)
{
	struct bpf_prog_info info;
	struct bpf_tc_hook h;
	struct bpf_tc_opts o;
	__u32 cur;
	int err;

	hook_init(&h, ifindex);
	cur = vms_tc_prog_id(ifindex);
	if (cur && !vms_prog_info_by_id(cur, &info) &&
	    !strncmp(info.name, name, sizeof(info.name))) {
		opts_init(&o);
		err = bpf_tc_detach(&h, &o);
		if (err && err != -ENOENT)
			return vms_err(err,
				       "%s: cannot remove the tc filter: %s",
				       dev, strerror(-err));
	}
	if (qdisc_ours) {
		h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err = bpf_tc_hook_destroy(&h);
		if (err && err != -ENOENT && err != -EINVAL)
			return vms_err(err,
				       "%s: cannot remove the clsact qdisc: %s",
				       dev, strerror(-err));
	}
	return 0;
}

/*
 * The tap XDP program on @ifindex as port @idx's record asks (after the
 * tc program, which takes what it passes; --tx-hook tc: none).
 */
static int tap_xdp_apply(struct vms_state *st, __u32 idx, __u32 ifindex,
			 const char *tap, bool *changed)
{
	struct vmst_port_cfg c;
	bool ch = false;
	int err;

	err = bpf_map_lookup_elem(st->maps.fd[VMS_MAP_PORT_CFG], &idx, &c)
		      ? -errno
		      : 0;
	if (err)
		return vms_err(err, "%s: port record %u: %s", tap, idx,
			       strerror(-err));
	if (c.flags & VMST_CFG_F_TX_TC)
		err = vms_tap_xdp_detach(ifindex, tap);
	else
		err = vms_tap_xdp_attach(st, ifindex, tap, &ch);
	*changed |= ch;
	return err;
}

int vms_tap_attach(struct vms_state *st, __u32 idx, __u32 ifindex,
		   const char *tap, bool *changed)
{
	struct vmst_port_tx tx;
	bool created = false;
	int prog_fd, err;

	*changed = false;
	err = vms_shared_prog(st, VMS_PROG_TAP, &prog_fd);
	if (err)
		return err;
	err = tc_attach(ifindex, tap, prog_fd, TAP_PROG, false, &created,
			changed);
	if (err)
		return err;
	err = tap_xdp_apply(st, idx, ifindex, tap, changed);
	if (err) {
		char msg[512];

		/* A refused XDP program refuses the port: a filter put
		 * on just now comes off again. */
		snprintf(msg, sizeof(msg), "%s", vms_last_error());
		if (*changed)
			tc_detach(ifindex, tap, TAP_PROG, created);
		return vms_err(err, "%s", msg);
	}
	if (!created || st->maps.fd[VMS_MAP_PORT_TX] < 0)
		return 0;
	/* Remember that the qdisc is ours, for port del. */
	err = vms_port_tx_read(&st->maps, idx, &tx);
	if (!err) {
		tx.flags |= VMST_TX_F_QDISC_OURS;
		err = vms_port_tx_write(&st->maps, idx, &tx);
	}
	return err;
}

int vms_tap_detach(__u32 ifindex, const char *tap, bool qdisc_ours)
{
	/* XDP first: while it is on, the tc program takes what it passes. */
	int err = vms_tap_xdp_detach(ifindex, tap);

	return err ? err : tc_detach(ifindex, tap, TAP_PROG, qdisc_ours);
}

int vms_uplink_tc_attach(struct vms_state *st, __u32 ifindex, const char *dev,
			 bool upgrade_only, bool *qdisc_created, bool *changed)
{
	struct bpf_object *obj;
	int prog_fd = -1;
	int err;

	*qdisc_created = *changed = false;
	err = vms_object_open(uplink_tc_bpf__elf_bytes, "uplink_tc_bpf",
			      "UPLINK_TC", "the uplink tc object", &obj);
	if (err)
		return err;
	err = vms_rodata_set_u32(obj, "netns_ino", vms_netns_ino());
	if (err) {
		err = vms_err(err, "uplink tc object: no netns_ino variable");
		goto out;
	}
	err = vms_object_load_pinned(obj, st->pin_path, UPLINK_PROG,
				     UPLINK_PROG, &prog_fd);
	if (!err)
		err = tc_attach(ifindex, dev, prog_fd, UPLINK_PROG,
				upgrade_only, qdisc_created, changed);
out:
	bpf_object__close(obj);
	return err;
}

int vms_uplink_tc_detach(__u32 ifindex, const char *dev, bool qdisc_ours)
{
	return tc_detach(ifindex, dev, UPLINK_PROG, qdisc_ours);
}
