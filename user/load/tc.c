// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tc programs: the tap program every tap of a namespace shares
 * (bpf/tap.bpf.c, pinned: see progs.c) and the uplink skb path
 * (bpf/uplink_tc.bpf.c, held by its filter), attached as netlink cls_bpf
 * filters (direct action) at clsact ingress, always at handle
 * VMST_TC_HANDLE and priority VMST_TC_PRIORITY: a second attach replaces
 * the filter in place (NLM_F_REPLACE), so filters never stack. A filter
 * at that handle and priority whose program is not vmsteer's is refused.
 *
 * Taps share tc blocks: a tap vmsteer gives a clsact qdisc is bound to
 * the state's two shared blocks (ingress vms_tc_block(), egress the next
 * index), and one filter in the ingress block serves every tap of the
 * state in this netns. The kernel keeps every bound block of the host in
 * one list it searches on each bind: a private block per tap made tap
 * attachment O(N) each, O(N^2) for an apply. An upgrade replaces that one
 * filter in place, for every tap at once. A tap whose clsact qdisc was
 * there before (the operator's filters) keeps it, and gets vmsteer's
 * filter on it, as the uplinks do.
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

/*
 * Where a vmsteer filter is: a device's clsact ingress, or a shared tc
 * block (every tap bound to it runs its filters).
 */
struct tc_at {
	__u32 ifindex; /* the device, when block is 0 */
	__u32 block;   /* the shared block's index, else 0 */
};

/* A request about vmsteer's filter at @at (handle and priority set). */
static void filter_req(struct nlmsghdr *nh, __u16 type, const struct tc_at *at)
{
	struct tcmsg *t = vms_nl_tcmsg(
		nh, type, at->block ? TCM_IFINDEX_MAGIC_BLOCK : at->ifindex);

	if (at->block)
		t->tcm_block_index = at->block;
	else
		t->tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
	t->tcm_handle = VMST_TC_HANDLE;
	t->tcm_info = TC_H_MAKE(VMST_TC_PRIORITY << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(nh, TCA_KIND, "bpf");
}

/* A request about @ifindex's clsact qdisc, bound to shared blocks @block
 * (ingress) and @block + 1 (egress) when @block is not 0. A get names
 * whatever qdisc is at the ingress place. */
static void qdisc_req(struct nlmsghdr *nh, __u16 type, __u32 ifindex,
		      __u32 block)
{
	struct tcmsg *t = vms_nl_tcmsg(nh, type, ifindex);

	t->tcm_parent = TC_H_CLSACT;
	if (type == RTM_GETQDISC)
		return;
	t->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	mnl_attr_put_strz(nh, TCA_KIND, "clsact");
	if (block) {
		mnl_attr_put_u32(nh, TCA_INGRESS_BLOCK, block);
		mnl_attr_put_u32(nh, TCA_EGRESS_BLOCK, block + 1);
	}
}

/* The ingress qdisc of a device, as a get answers. */
struct qdisc_info {
	char kind[VMS_TC_KIND_LEN];
	__u32 block; /* its shared ingress block, 0 when its own */
	bool have;
};

static int qdisc_cb(const struct nlmsghdr *nh, void *data)
{
	const struct nlattr *tb[TCA_MAX + 1];
	struct qdisc_info *q = data;

	if (nh->nlmsg_type != RTM_NEWQDISC)
		return MNL_CB_OK;
	q->have = true;
	vms_nl_attrs(nh, sizeof(struct tcmsg), tb, TCA_MAX);
	vms_nl_str(tb[TCA_KIND], q->kind, sizeof(q->kind));
	vms_nl_u32(tb[TCA_INGRESS_BLOCK], &q->block);
	return MNL_CB_OK;
}

/* 0 with @q (q->have false: none there), or -errno. */
static int qdisc_get(__u32 ifindex, struct qdisc_info *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	int err;

	memset(q, 0, sizeof(*q));
	qdisc_req(nh, RTM_GETQDISC, ifindex, 0);
	err = vms_nl_get(nh, qdisc_cb, q);
	if (err == -ENOENT || err == -EINVAL)
		err = 0; /* no ingress qdisc */
	if (q->have && strcmp(q->kind, "clsact") && strcmp(q->kind, "ingress"))
		q->have = false; /* the placeholder (noop) */
	return err;
}

static int qdisc_change(__u16 type, __u32 ifindex, __u32 block)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);

	qdisc_req(nh, type, ifindex, block);
	return vms_nl_change(
		nh, type == RTM_NEWQDISC ? NLM_F_CREATE | NLM_F_EXCL : 0);
}

/* A bpf filter's program id (TCA_OPTIONS' TCA_BPF_ID) into @data. */
static int filter_cb(const struct nlmsghdr *nh, void *data)
{
	const struct nlattr *tb[TCA_MAX + 1], *opt[TCA_BPF_MAX + 1];

	if (nh->nlmsg_type != RTM_NEWTFILTER)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(struct tcmsg), tb, TCA_MAX);
	vms_nl_nested(tb[TCA_OPTIONS], opt, TCA_BPF_MAX);
	vms_nl_u32(opt[TCA_BPF_ID], data);
	return MNL_CB_OK;
}

/*
 * The program of the eBPF filter at vmsteer's handle and priority at @at:
 * 0 and its id, or an error (none there, no qdisc), or 0 with id 0 (a
 * filter without a program id, e.g. classic BPF).
 */
static int filter_get(const struct tc_at *at, __u32 *prog_id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	int err;

	*prog_id = 0;
	filter_req(nh, RTM_GETTFILTER, at);
	err = vms_nl_get(nh, filter_cb, prog_id);
	pr_debug("tc query (ifindex %u, block %u): %d, program %u", at->ifindex,
		 at->block, err, *prog_id);
	return err;
}

/* Put program @prog_fd (@name) at vmsteer's place at @at: an exclusive
 * add, or a replace in place (@replace). -errno of the kernel. */
static int filter_put(const struct tc_at *at, int prog_fd, const char *name,
		      bool replace)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], label[64];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct nlattr *opt;

	filter_req(nh, RTM_NEWTFILTER, at);
	snprintf(label, sizeof(label), "%s:[%u]", name, vms_prog_id(prog_fd));
	opt = mnl_attr_nest_start(nh, TCA_OPTIONS);
	mnl_attr_put_u32(nh, TCA_BPF_FD, prog_fd);
	mnl_attr_put_strz(nh, TCA_BPF_NAME, label);
	mnl_attr_put_u32(nh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nh, opt);
	return vms_nl_change(
		nh, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
}

static int filter_del(const struct tc_at *at)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);

	filter_req(nh, RTM_DELTFILTER, at);
	return vms_nl_change(nh, 0);
}

__u32 vms_tc_prog_id(__u32 ifindex)
{
	struct tc_at at = {.ifindex = ifindex};
	struct qdisc_info q;
	__u32 id;

	if (qdisc_get(ifindex, &q) || !q.have)
		return 0;
	at.block = q.block;
	return filter_get(&at, &id) ? 0 : id;
}

/* vms_tc_prog_ids: each device's ingress block, then each distinct
 * place's filter. */
struct tcq {
	const __u32 *ifx;
	struct qdisc_info *q; /* per device */
	struct tc_at *at;     /* places asked about */
	__u32 *id;	      /* per place */
};

static void tcq_put_qdisc(int i, struct nlmsghdr *nh, void *data)
{
	const struct tcq *c = data;

	qdisc_req(nh, RTM_GETQDISC, c->ifx[i], 0);
	nh->nlmsg_flags = NLM_F_ECHO; /* qdiscs answer a get only so */
}

static void tcq_each_qdisc(int i, const struct nlmsghdr *nh, void *data)
{
	const struct tcq *c = data;

	qdisc_cb(nh, &c->q[i]);
}

static void tcq_put_filter(int i, struct nlmsghdr *nh, void *data)
{
	const struct tcq *c = data;

	filter_req(nh, RTM_GETTFILTER, &c->at[i]);
	nh->nlmsg_flags = NLM_F_ECHO;
}

static void tcq_each_filter(int i, const struct nlmsghdr *nh, void *data)
{
	const struct tcq *c = data;

	filter_cb(nh, &c->id[i]);
}

/* Distinct blocks looked for among the places already listed. */
#define TCQ_BLOCKS 8

int vms_tc_prog_ids(const __u32 *ifindex, int n, __u32 *ids)
{
	struct tcq c = {.ifx = ifindex};
	int i, j, m = 0, *slot = calloc(n + 1, sizeof(*slot)), err;

	c.q = calloc(n + 1, sizeof(*c.q));
	c.at = calloc(n + 1, sizeof(*c.at));
	c.id = calloc(n + 1, sizeof(*c.id));
	err = slot && c.q && c.at && c.id ? 0 : -ENOMEM;
	if (!err)
		err = vms_nl_batch(n, tcq_put_qdisc, tcq_each_qdisc, &c);
	/* One query per shared block (every tap of a state in this netns
	 * shares one), one per device with a qdisc of its own. */
	for (i = 0; !err && i < n; i++) {
		slot[i] = -1;
		if (!c.q[i].have || (strcmp(c.q[i].kind, "clsact") &&
				     strcmp(c.q[i].kind, "ingress")))
			continue;
		for (j = m - 1; c.q[i].block && j >= 0 && j >= m - TCQ_BLOCKS;
		     j--)
			if (c.at[j].block == c.q[i].block)
				break;
		if (c.q[i].block && j >= 0 && j >= m - TCQ_BLOCKS) {
			slot[i] = j;
			continue;
		}
		c.at[m].ifindex = ifindex[i];
		c.at[m].block = c.q[i].block;
		slot[i] = m++;
	}
	if (!err)
		err = vms_nl_batch(m, tcq_put_filter, tcq_each_filter, &c);
	for (i = 0; !err && i < n; i++)
		ids[i] = slot[i] < 0 ? 0 : c.id[slot[i]];
	if (err)
		err = vms_err(err, "tc filter query: %s", strerror(-err));
	free(slot);
	free(c.q);
	free(c.at);
	free(c.id);
	return err;
}

int vms_taps_have_prog(const __u32 *ifindex, int n, __u32 tap_id, bool *have)
{
	__u32 *ids = calloc(n + 1, sizeof(*ids)), known = 0;
	struct bpf_prog_info info;
	int i, err = ids ? vms_tc_prog_ids(ifindex, n, ids) : -ENOMEM;

	for (i = 0; !err && i < n; i++) {
		have[i] = ids[i] && (ids[i] == tap_id || ids[i] == known);
		if (have[i] || !ids[i])
			continue;
		/* Another program: its name, looked at once (the taps of a
		 * namespace share their program). */
		have[i] = !vms_prog_info_by_id(ids[i], &info) &&
			  !strncmp(info.name, TAP_PROG, sizeof(info.name));
		if (have[i])
			known = ids[i];
	}
	free(ids);
	return err;
}

/*
 * vmsteer's filter at @at (@what in messages: a device, a block) runs
 * @prog_fd (program @name) after this. None there: added (exclusive, so
 * that anything else at that handle and priority makes it fail). One
 * running that very program is left as it is; with @upgrade_only, so is
 * one running this build's program (same tag), and none is added where
 * there is none. A filter running another vmsteer program (another
 * build's) is replaced in place; one that is not vmsteer's is refused.
 * *@changed: the filter is new or was replaced.
 */
static int filter_ensure(const struct tc_at *at, const char *what, int prog_fd,
			 const char *name, bool upgrade_only, bool *changed)
{
	struct bpf_prog_info have, want;
	__u32 cur;
	int err;

	*changed = false;
	if (!upgrade_only) {
		/* The common case at scale (nothing there): one request. */
		err = filter_put(at, prog_fd, name, false);
		if (!err) {
			*changed = true;
			return 0;
		}
		if (err != -EEXIST)
			return vms_err(err,
				       "%s: cannot attach the tc program: %s",
				       what, strerror(-err));
	}
	if (filter_get(at, &cur))
		cur = 0;
	if (!cur && upgrade_only)
		return 0;
	if (!cur)
		return vms_err(-EEXIST,
			       "%s: tc ingress filter handle 0x%x priority "
			       "0x%x is taken by a filter that is not "
			       "vmsteer's; remove it first",
			       what, VMST_TC_HANDLE, VMST_TC_PRIORITY);
	err = vms_prog_info_by_id(cur, &have);
	if (err)
		return vms_err(err, "%s: cannot read tc program %u: %s", what,
			       cur, strerror(-err));
	if (strncmp(have.name, name, sizeof(have.name)))
		return vms_err(
			-EEXIST,
			"%s: tc ingress filter handle 0x%x priority 0x%x "
			"holds program %u (%s), not vmsteer's; remove it "
			"first",
			what, VMST_TC_HANDLE, VMST_TC_PRIORITY, cur, have.name);
	err = vms_prog_info(prog_fd, &want);
	if (err)
		return vms_err(err, "%s: %s", what, strerror(-err));
	if (have.id == want.id)
		return 0; /* this very program */
	if (upgrade_only && !memcmp(have.tag, want.tag, sizeof(have.tag)))
		return 0; /* this build's program */
	err = filter_put(at, prog_fd, name, true);
	if (err)
		return vms_err(err, "%s: cannot replace the tc program: %s",
			       what, strerror(-err));
	*changed = true;
	return 0;
}

/*
 * Put @prog_fd (program @name) at vmsteer's place on @ifindex's own
 * clsact ingress (the uplinks; a tap whose qdisc was there before
 * vmsteer). *@created: vmsteer made the clsact qdisc. *@changed as for
 * filter_ensure.
 */
static int dev_attach(__u32 ifindex, const char *dev, int prog_fd,
		      const char *name, bool upgrade_only, bool *created,
		      bool *changed)
{
	struct tc_at at = {.ifindex = ifindex};
	int err;

	*created = *changed = false;
	if (!upgrade_only) {
		err = qdisc_change(RTM_NEWQDISC, ifindex, 0);
		if (!err)
			*created = true;
		else if (err != -EEXIST)
			return vms_err(err,
				       "%s: cannot create a clsact qdisc: %s",
				       dev, strerror(-err));
	}
	err = filter_ensure(&at, dev, prog_fd, name, upgrade_only, changed);
	if (err && *created) {
		qdisc_change(RTM_DELQDISC, ifindex, 0);
		*created = false;
	}
	return err;
}

/* Take vmsteer's filter (program @name) off @ifindex's own clsact
 * ingress, and the qdisc when vmsteer created it (@qdisc_ours). */
static int dev_detach(__u32 ifindex, const char *dev, const char *name,
		      bool qdisc_ours)
{
	struct tc_at at = {.ifindex = ifindex};
	struct bpf_prog_info info;
	__u32 cur;
	int err;

	if (!filter_get(&at, &cur) && cur && !vms_prog_info_by_id(cur, &info) &&
	    !strncmp(info.name, name, sizeof(info.name))) {
		err = filter_del(&at);
		if (err && err != -ENOENT)
			return vms_err(err,
				       "%s: cannot remove the tc filter: %s",
				       dev, strerror(-err));
	}
	if (qdisc_ours) {
		err = qdisc_change(RTM_DELQDISC, ifindex, 0);
		if (err && err != -ENOENT && err != -EINVAL)
			return vms_err(err,
				       "%s: cannot remove the clsact qdisc: %s",
				       dev, strerror(-err));
	}
	return 0;
}

__u32 vms_tc_block(struct vms_state *st)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!st->tc_block &&
	    !bpf_obj_get_info_by_fd(st->maps.fd[VMS_MAP_CONFIG], &info, &len))
		st->tc_block = VMST_TC_BLOCK_BASE + 2 * info.id;
	return st->tc_block;
}

/* Filters of a block that are not vmsteer's (block_foreign). */
struct block_scan {
	__u32 prio, handle; /* the first one found */
	char kind[VMS_TC_KIND_LEN];
	bool found;
};

static int scan_cb(const struct nlmsghdr *nh, void *data)
{
	const struct tcmsg *t = mnl_nlmsg_get_payload(nh);
	const struct nlattr *tb[TCA_KIND + 1];
	struct block_scan *b = data, f = {};

	if (b->found || nh->nlmsg_type != RTM_NEWTFILTER)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*t), tb, TCA_KIND);
	vms_nl_str(tb[TCA_KIND], f.kind, sizeof(f.kind));
	if (TC_H_MAJ(t->tcm_info) >> 16 == VMST_TC_PRIORITY &&
	    !strcmp(f.kind, "bpf") &&
	    (!t->tcm_handle || t->tcm_handle == VMST_TC_HANDLE))
		return MNL_CB_OK; /* vmsteer's place (or its empty head) */
	*b = f;
	b->prio = TC_H_MAJ(t->tcm_info) >> 16;
	b->handle = t->tcm_handle;
	b->found = true;
	return MNL_CB_OK;
}

/* A filter in shared block @block other than vmsteer's: refused (the
 * block is someone else's, whose index happens to be vmsteer's). */
static int block_foreign(__u32 block)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct block_scan b = {};
	int err;

	vms_nl_tcmsg(nh, RTM_GETTFILTER, TCM_IFINDEX_MAGIC_BLOCK)
		->tcm_block_index = block;
	err = vms_nl_dump_req(nh, "tc block filter", scan_cb, NULL, &b);
	if (err)
		return err;
	if (b.found)
		return vms_err(-EBUSY,
			       "tc block %u, vmsteer's for this state's taps, "
			       "holds a filter that is not vmsteer's (%s, "
			       "priority %u, handle 0x%x): the block is "
			       "someone else's; remove it, or its filters",
			       block, b.kind, b.prio, b.handle);
	return 0;
}

/*
 * Shared block @block (a tap of this netns was just bound to it, so it
 * exists) runs the state's tap program @prog_fd: checked once a netns
 * per state open (the state lock keeps other vmsteer commands out; a
 * block only goes with the last tap's qdisc, which tap_detach notes).
 *
 * In a batch (vms_tc_batch_begin) a block with no vmsteer filter yet
 * gets it at the batch's end, once its taps are bound: each bind to a
 * block that has a filter waits for an RCU grace period (the kernel
 * swaps the qdisc's filter list), a bind to an empty block does not, and
 * the filter added last swaps them all after one. Until then frames from
 * those taps take the normal path, as before vmsteer.
 */
static int block_ready(struct vms_state *st, __u32 block, __u32 ifindex,
		       int prog_fd, bool *changed)
{
	__u32 ns = vms_netns_ino(), prog = vms_prog_id(prog_fd), cur;
	struct tc_at at = {.block = block};
	char what[40];
	int err;

	*changed = false;
	if (prog && ((st->tc_ready_ns == ns && st->tc_ready_prog == prog) ||
		     (st->tc_owed_ns == ns && st->tc_owed_prog == prog))) {
		st->tc_owed_ifindex = ifindex;
		return 0;
	}
	err = block_foreign(block);
	if (err)
		return err;
	if (st->tc_batch && prog && !st->tc_owed_ns &&
	    (filter_get(&at, &cur) || !cur)) {
		st->tc_owed_ns = ns;
		st->tc_owed_prog = prog;
		st->tc_owed_ifindex = ifindex;
		return 0;
	}
	snprintf(what, sizeof(what), "tc block %u", block);
	err = filter_ensure(&at, what, prog_fd, TAP_PROG, false, changed);
	if (err)
		return err;
	st->tc_ready_ns = ns;
	st->tc_ready_prog = prog;
	return 0;
}

void vms_tc_batch_begin(struct vms_state *st)
{
	st->tc_batch = true;
}

int vms_tc_batch_end(struct vms_state *st)
{
	__u32 block = vms_tc_block(st), ifindex = st->tc_owed_ifindex;
	struct qdisc_info q;
	bool changed;
	int fd, err;

	st->tc_batch = false;
	if (!st->tc_owed_ns)
		return 0;
	st->tc_owed_ns = 0;
	err = vms_shared_prog(st, VMS_PROG_TAP, &fd);
	if (!err)
		err = block_ready(st, block, ifindex, fd, &changed);
	/* No block: every tap bound in the batch left it again. */
	if (err == -EINVAL && !qdisc_get(ifindex, &q) && q.block != block) {
		vms_clear_error();
		err = 0;
	}
	return err;
}

/*
 * The tap program @prog_fd on tap @ifindex. A tap without a clsact qdisc
 * gets one bound to the state's shared blocks, whose one filter serves
 * every tap bound to them; a tap with a qdisc of its own (the operator's,
 * or one an older vmsteer made) gets vmsteer's filter on that qdisc, as
 * the uplinks do. A tap bound to another block is refused. *@created:
 * vmsteer made the qdisc; *@shared: it is bound to the state's blocks.
 */
static int tap_tc_attach(struct vms_state *st, __u32 ifindex, const char *tap,
			 int prog_fd, bool *created, bool *shared,
			 bool *changed)
{
	__u32 block = vms_tc_block(st);
	struct tc_at at = {.ifindex = ifindex};
	struct qdisc_info q = {};
	int err;

	*created = *shared = *changed = false;
	err = qdisc_change(RTM_NEWQDISC, ifindex, block);
	if (!err) {
		*created = true;
	} else if (err != -EEXIST) {
		return vms_err(err, "%s: cannot create a clsact qdisc: %s", tap,
			       strerror(-err));
	} else {
		err = qdisc_get(ifindex, &q);
		if (err)
			return vms_err(err, "%s: cannot read its qdisc: %s",
				       tap, strerror(-err));
		if (q.block && q.block != block)
			return vms_err(-EBUSY,
				       "%s: its clsact qdisc is bound to tc "
				       "block %u, not this state's (%u): the "
				       "tap is another vmsteer state's port, "
				       "or someone else's block's; vmsteer "
				       "cannot put its filter on it",
				       tap, q.block, block);
	}
	*shared = block && (*created || q.block == block);
	if (*shared)
		err = block_ready(st, block, ifindex, prog_fd, changed);
	else
		err = filter_ensure(&at, tap, prog_fd, TAP_PROG, false,
				    changed);
	if (err && *created) {
		qdisc_change(RTM_DELQDISC, ifindex, 0);
		*created = false;
	}
	if (*created)
		*changed = true;
	return err;
}

/* Take the tap program off tap @ifindex: its qdisc, when bound to the
 * state's blocks (the other taps keep theirs), else vmsteer's filter
 * (and the qdisc when @qdisc_ours). */
static int tap_tc_detach(struct vms_state *st, __u32 ifindex, const char *tap,
			 bool qdisc_ours)
{
	__u32 block = vms_tc_block(st);
	struct qdisc_info q;
	int err;

	err = qdisc_get(ifindex, &q);
	if (err)
		return vms_err(err, "%s: cannot read its qdisc: %s", tap,
			       strerror(-err));
	if (!q.have)
		return 0;
	if (!block || q.block != block)
		return dev_detach(ifindex, tap, TAP_PROG, qdisc_ours);
	/* The block goes with the last tap bound to it. */
	st->tc_ready_ns = 0;
	err = qdisc_change(RTM_DELQDISC, ifindex, 0);
	if (err && err != -ENOENT && err != -EINVAL)
		return vms_err(err, "%s: cannot remove the clsact qdisc: %s",
			       tap, strerror(-err));
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
	bool created = false, shared = false;
	int prog_fd, err;

	*changed = false;
	err = vms_shared_prog(st, VMS_PROG_TAP, &prog_fd);
	if (err)
		return err;
	err = tap_tc_attach(st, ifindex, tap, prog_fd, &created, &shared,
			    changed);
	if (err)
		return err;
	err = tap_xdp_apply(st, idx, ifindex, tap, changed);
	if (err) {
		char msg[512];

		/* A refused XDP program refuses the port: a filter put
		 * on just now comes off again. */
		snprintf(msg, sizeof(msg), "%s", vms_last_error());
		if (created || (*changed && !shared))
			tap_tc_detach(st, ifindex, tap, created);
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

int vms_tap_detach(struct vms_state *st, __u32 ifindex, const char *tap,
		   bool qdisc_ours)
{
	/* XDP first: while it is on, the tc program takes what it passes. */
	int err = vms_tap_xdp_detach(ifindex, tap);

	return err ? err : tap_tc_detach(st, ifindex, tap, qdisc_ours);
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
		err = dev_attach(ifindex, dev, prog_fd, UPLINK_PROG,
				 upgrade_only, qdisc_created, changed);
out:
	bpf_object__close(obj);
	return err;
}

int vms_uplink_tc_detach(__u32 ifindex, const char *dev, bool qdisc_ours)
{
	return dev_detach(ifindex, dev, UPLINK_PROG, qdisc_ours);
}
