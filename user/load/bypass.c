// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What vmsteer's fast path would bypass on a tap, where it can be seen
 * from here: a root qdisc that shapes (libvirt's <bandwidth>), a libvirt
 * nwfilter binding, nftables rules naming the tap (libnftables' JSON:
 * ebtables-nft and iptables-nft rules are nftables rules), an Open
 * vSwitch port, a bridge that filters VLANs. `port add` refuses the
 * first four without --force; `doctor` reports all.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <nftables/libnftables.h>

#include "load/bypass.h"
#include "util/nl.h"
#include "core/trunk.h"
#include "util/log.h"

/* Root qdisc kinds a tap has without anyone shaping it. */
static bool default_qdisc(const char *kind)
{
	/* noop: a tap that is down (a dump does not show it). */
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
	char kind[VMS_TC_KIND_LEN];
};

static int qdisc_cb(const struct nlmsghdr *nh, void *data)
{
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nh);
	struct qdisc_find *q = data;

	const struct nlattr *tb[TCA_KIND + 1];

	if (tc->tcm_ifindex != q->ifindex || tc->tcm_parent != TC_H_ROOT)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*tc), tb, TCA_KIND);
	vms_nl_str(tb[TCA_KIND], q->kind, sizeof(q->kind));
	return MNL_CB_OK;
}

int vms_tap_shaping(__u32 ifindex, char *why, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct qdisc_find q = {.ifindex = ifindex};
	int err;

	/* The device's root qdisc: one get, not a dump of every device's
	 * qdiscs (O(1) at any number of taps). */
	*why = '\0';
	vms_nl_tcmsg(nh, RTM_GETQDISC, ifindex)->tcm_parent = TC_H_ROOT;
	err = vms_nl_get(nh, qdisc_cb, &q);
	if (err == -ENOENT)
		return 0; /* no root qdisc */
	if (err) {
		snprintf(why, len, "root qdisc of ifindex %u: %s", ifindex,
			 strerror(-err));
		return err;
	}
	if (!*q.kind || default_qdisc(q.kind))
		return 0;
	snprintf(why, len,
		 "root qdisc %s (traffic shaping, libvirt's <bandwidth>) "
		 "would be bypassed",
		 q.kind);
	return 1;
}

int vms_tap_nwfilter(const char *tap, char *why, size_t len)
{
	char path[128];

	*why = '\0';
	snprintf(path, sizeof(path), "%s/%s.xml", VMS_NWFILTER_BINDINGS, tap);
	if (access(path, F_OK))
		return 0;
	snprintf(why, len, "libvirt nwfilter binding %s would be bypassed",
		 path);
	return 1;
}

/* ---- nftables, through libnftables' JSON ------------------------------ */

/* libnftables, loaded on first use: the CLI does not link it. */
static struct {
	void *so;
	typeof(&nft_ctx_new) ctx_new;
	typeof(&nft_ctx_free) ctx_free;
	typeof(&nft_ctx_output_set_flags) set_flags;
	typeof(&nft_ctx_buffer_output) buffer_output;
	typeof(&nft_ctx_buffer_error) buffer_error;
	typeof(&nft_ctx_get_output_buffer) output;
	typeof(&nft_ctx_get_error_buffer) error;
	typeof(&nft_run_cmd_from_buffer) run;
} nft;

static int nft_load(void)
{
	if (nft.so)
		return 0;
	nft.so = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!nft.so)
		return -ENOENT;
#define NFT_SYM(f, s)                                \
	do {                                         \
		*(void **)&nft.f = dlsym(nft.so, s); \
		if (!nft.f)                          \
			goto bad;                    \
	} while (0)
	NFT_SYM(ctx_new, "nft_ctx_new");
	NFT_SYM(ctx_free, "nft_ctx_free");
	NFT_SYM(set_flags, "nft_ctx_output_set_flags");
	NFT_SYM(buffer_output, "nft_ctx_buffer_output");
	NFT_SYM(buffer_error, "nft_ctx_buffer_error");
	NFT_SYM(output, "nft_ctx_get_output_buffer");
	NFT_SYM(error, "nft_ctx_get_error_buffer");
	NFT_SYM(run, "nft_run_cmd_from_buffer");
#undef NFT_SYM
	return 0;
bad:
	dlclose(nft.so);
	nft.so = NULL;
	return -ENOENT;
}

/* Does name pattern @pat (nft's: a trailing '*' matches any rest) name
 * @tap? */
static bool nft_name_matches(const char *pat, const char *tap)
{
	size_t n = strlen(pat);

	if (n && pat[n - 1] == '*' && (n < 2 || pat[n - 2] != '\\'))
		return !strncmp(pat, tap, n - 1);
	return !strcmp(pat, tap);
}

struct nft_scan {
	struct json_object *items; /* the "nftables" array */
	const char *tap;
	const char *family, *table; /* of the rule being read */
};

/* Does named set @name of the rule's table hold a name matching tap? */
static bool nft_set_names(const struct nft_scan *s, const char *name);

/* Does the right side of a match (a name, a set of them, @set) name the
 * tap? */
static bool nft_value_names(const struct nft_scan *s, struct json_object *v)
{
	struct json_object *set;
	size_t i;

	switch (json_object_get_type(v)) {
	case json_type_string: {
		const char *str = json_object_get_string(v);

		return *str == '@' ? nft_set_names(s, str + 1)
				   : nft_name_matches(str, s->tap);
	}
	case json_type_array:
		for (i = 0; i < json_object_array_length(v); i++)
			if (nft_value_names(s, json_object_array_get_idx(v, i)))
				return true;
		return false;
	case json_type_object:
		return json_object_object_get_ex(v, "set", &set) &&
		       nft_value_names(s, set);
	default:
		return false;
	}
}

static bool nft_set_names(const struct nft_scan *s, const char *name)
{
	struct json_object *it, *set, *v;
	size_t i;

	for (i = 0; i < json_object_array_length(s->items); i++) {
		it = json_object_array_get_idx(s->items, i);
		if (!json_object_object_get_ex(it, "set", &set))
			continue;
		if (!json_object_object_get_ex(set, "name", &v) ||
		    strcmp(json_object_get_string(v), name) ||
		    !json_object_object_get_ex(set, "table", &v) ||
		    strcmp(json_object_get_string(v), s->table) ||
		    !json_object_object_get_ex(set, "family", &v) ||
		    strcmp(json_object_get_string(v), s->family))
			continue;
		return json_object_object_get_ex(set, "elem", &v) &&
		       nft_value_names(s, v);
	}
	return false;
}

/* Is @o (part of a rule's expressions) or anything in it a positive match
 * of an interface key against the tap? */
static bool nft_expr_names(const struct nft_scan *s, struct json_object *o)
{
	static const char *const keys[] = {"iifname", "oifname", "iif", "oif"};
	struct json_object *m, *left, *meta, *key, *op, *right;
	size_t i;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			if (nft_expr_names(s, json_object_array_get_idx(o, i)))
				return true;
		return false;
	}
	if (!json_object_is_type(o, json_type_object))
		return false;
	if (json_object_object_get_ex(o, "match", &m) &&
	    json_object_object_get_ex(m, "left", &left) &&
	    json_object_object_get_ex(left, "meta", &meta) &&
	    json_object_object_get_ex(meta, "key", &key) &&
	    json_object_object_get_ex(m, "right", &right)) {
		const char *k = json_object_get_string(key);
		const char *opstr = json_object_object_get_ex(m, "op", &op)
					    ? json_object_get_string(op)
					    : "==";

		if (strcmp(opstr, "==") && strcmp(opstr, "in"))
			return false;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(k, keys[i]))
				return nft_value_names(s, right);
		return false;
	}
	json_object_object_foreach(o, k, v)
	{
		(void)k;
		if (nft_expr_names(s, v))
			return true;
	}
	return false;
}

static const char *jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v)
						     : "?";
}

/* The nftables ruleset of this network namespace as JSON, or NULL with
 * the reason in @why. */
static struct json_object *nft_ruleset(char *why, size_t len, int *err)
{
	struct json_object *o = NULL;
	struct nft_ctx *ctx;

	*err = nft_load();
	if (*err) {
		snprintf(why, len,
			 "libnftables.so.1 is not installed: nftables rules "
			 "naming the tap cannot be seen (apt install "
			 "libnftables1)");
		return NULL;
	}
	ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		*err = -ENOMEM;
		snprintf(why, len, "libnftables: cannot make a context");
		return NULL;
	}
	nft.set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	nft.buffer_output(ctx);
	nft.buffer_error(ctx);
	if (nft.run(ctx, "list ruleset")) {
		*err = -EIO;
		snprintf(why, len, "nft list ruleset: %.*s", 200,
			 nft.error(ctx));
		why[strcspn(why, "\n")] = '\0';
	} else if (!(o = json_tokener_parse(nft.output(ctx)))) {
		*err = -EIO;
		snprintf(why, len, "nft list ruleset: unreadable JSON");
	}
	nft.ctx_free(ctx);
	return o;
}

static int count_msg(const struct nlmsghdr *nh, void *data)
{
	(void)nh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* Has this network namespace nftables tables? One table dump on
 * nfnetlink: cheaper than libnftables' whole ruleset, which port add
 * then needs only where there are rules. No nf_tables: none. */
static bool nft_has_tables(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = vms_nl_open(NETLINK_NETFILTER);
	struct nlmsghdr *nh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	int n = 0;

	if (!nl)
		return false;
	nh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	vms_nl_talk(nl, nh, count_msg, &n);
	mnl_socket_close(nl);
	return n > 0;
}

int vms_tap_nft(const char *tap, char *why, size_t len)
{
	struct nft_scan s = {.tap = tap};
	struct json_object *root, *it, *r, *dev;
	char first[200] = "";
	int n = 0, err;
	size_t i;

	*why = '\0';
	if (!nft_has_tables())
		return 0;
	root = nft_ruleset(why, len, &err);
	if (!root)
		return err;
	if (!json_object_object_get_ex(root, "nftables", &s.items) ||
	    !json_object_is_type(s.items, json_type_array)) {
		json_object_put(root);
		return 0;
	}
	for (i = 0; i < json_object_array_length(s.items); i++) {
		it = json_object_array_get_idx(s.items, i);
		if (json_object_object_get_ex(it, "rule", &r)) {
			s.family = jget(r, "family");
			s.table = jget(r, "table");
			if (!json_object_object_get_ex(r, "expr", &dev) ||
			    !nft_expr_names(&s, dev))
				continue;
			if (!n++)
				snprintf(first, sizeof(first),
					 "rule %s %s %s handle %s", s.family,
					 s.table, jget(r, "chain"),
					 jget(r, "handle"));
		} else if (json_object_object_get_ex(it, "chain", &r) &&
			   json_object_object_get_ex(r, "dev", &dev)) {
			s.family = jget(r, "family");
			s.table = jget(r, "table");
			if (!nft_value_names(&s, dev))
				continue;
			if (!n++)
				snprintf(first, sizeof(first),
					 "chain %s %s %s on the device",
					 s.family, s.table, jget(r, "name"));
		}
	}
	json_object_put(root);
	if (!n)
		return 0;
	snprintf(why, len,
		 "%d nftables rule%s name%s %s (%s%s) would be bypassed", n,
		 n == 1 ? "" : "s", n == 1 ? "s" : "", tap,
		 n == 1 ? "" : "first: ", first);
	return 1;
}

/* ---- the tap's master: a bridge (VLAN filtering), Open vSwitch -------- */

struct master_find {
	__u32 tap, master;
	struct vms_tap_master *m;
};

/* The tap's link: its master. */
static int tap_link_cb(const struct nlmsghdr *nh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	const struct nlattr *tb[IFLA_MAX + 1];
	struct master_find *f = data;

	if ((__u32)ifi->ifi_index != f->tap)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*ifi), tb, IFLA_MAX);
	vms_nl_u32(tb[IFLA_MASTER], &f->master);
	return MNL_CB_OK;
}

/* The master's link: its name, kind and (a bridge) VLAN filtering. */
static int master_link_cb(const struct nlmsghdr *nh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	const struct nlattr *br[IFLA_BR_MAX + 1];
	struct master_find *f = data;
	struct vms_tap_master *m = f->m;
	__u8 filtering;

	if ((__u32)ifi->ifi_index != f->master)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*ifi), tb, IFLA_MAX);
	vms_nl_str(tb[IFLA_IFNAME], m->name, sizeof(m->name));
	vms_nl_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
	vms_nl_str(info[IFLA_INFO_KIND], m->kind, sizeof(m->kind));
	vms_nl_nested(info[IFLA_INFO_DATA], br, IFLA_BR_MAX);
	if (vms_nl_u8(br[IFLA_BR_VLAN_FILTERING], &filtering))
		m->vlan_filtering = filtering;
	return MNL_CB_OK;
}

/* A bridge VLAN of the tap (IFLA_BRIDGE_VLAN_INFO). */
static void vlan_add(struct vms_tap_master *m, const struct nlattr *a)
{
	const struct bridge_vlan_info *v;

	if (mnl_attr_get_type(a) != IFLA_BRIDGE_VLAN_INFO ||
	    mnl_attr_get_payload_len(a) < sizeof(*v))
		return;
	v = mnl_attr_get_payload(a);
	if (v->flags & BRIDGE_VLAN_INFO_PVID) {
		m->pvid = v->vid;
		m->pvid_untagged = v->flags & BRIDGE_VLAN_INFO_UNTAGGED;
	} else if (v->vid < 4096 && !vms_trunk_has(&m->tagged, v->vid)) {
		m->tagged.vids[v->vid / 64] |= 1ULL << (v->vid % 64);
		m->ntagged++;
	}
}

/* The tap's bridge VLANs (AF_BRIDGE dump with RTEXT_FILTER_BRVLAN): the
 * IFLA_AF_SPEC nest holds one attribute per VLAN. */
static int brport_cb(const struct nlmsghdr *nh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nh);
	const struct nlattr *tb[IFLA_MAX + 1], *a;
	struct master_find *f = data;

	if ((__u32)ifi->ifi_index != f->tap)
		return MNL_CB_OK;
	vms_nl_attrs(nh, sizeof(*ifi), tb, IFLA_MAX);
	if (tb[IFLA_AF_SPEC])
		mnl_attr_for_each_nested(a, tb[IFLA_AF_SPEC]) vlan_add(f->m, a);
	return MNL_CB_OK;
}

static void master_reset(void *data)
{
	struct master_find *f = data;

	memset(f->m, 0, sizeof(*f->m));
}

int vms_tap_master(__u32 ifindex, struct vms_tap_master *m)
{
	struct master_find f = {.tap = ifindex, .m = m};
	int err;

	memset(m, 0, sizeof(*m));
	/* The tap and its master: a get each (a dump of every link was
	 * O(N) per port add). */
	err = vms_nl_link_get(ifindex, tap_link_cb, &f);
	if (err == -ENODEV)
		return 0;
	if (!err && f.master)
		err = vms_nl_link_get(f.master, master_link_cb, &f);
	if (err == -ENODEV)
		master_reset(&f);
	if (err && err != -ENODEV)
		return vms_err(err, "links: %s", strerror(-err));
	if (!f.master || strcmp(m->kind, "bridge") || !m->vlan_filtering)
		return 0;
	return vms_nl_dump(RTM_GETLINK, AF_BRIDGE, "bridge ports", brport_cb,
			   NULL, &f);
}

bool vms_tap_vlans_agree(const struct vms_tap_master *m, __u16 vlan,
			 const struct vmst_trunk *vids)
{
	static const struct vmst_trunk none;

	if (!m->pvid || !m->pvid_untagged)
		return false;
	if (vlan)
		return !m->ntagged && m->pvid == vlan;
	return !memcmp(vids ? vids : &none, &m->tagged, sizeof(none));
}

void vms_tap_vlans_fmt(const struct vms_tap_master *m, char *out, size_t len)
{
	size_t n;
	int vid, first = 1;

	n = snprintf(out, len, "pvid %u%s", m->pvid,
		     m->pvid_untagged ? " untagged" : " tagged");
	for (vid = 1; vid < 4096 && n < len; vid++)
		if (vms_trunk_has(&m->tagged, vid)) {
			n += snprintf(out + n, len - n, "%s%d",
				      first ? ", tagged " : ",", vid);
			first = 0;
		}
}

int vms_tap_bypass(const char *tap, __u32 ifindex, char *why, size_t len)
{
	struct vms_tap_master m;
	char one[400];

	*why = '\0';
#define BYPASS_ADD(found)                                                      \
	do {                                                                   \
		if ((found) > 0)                                               \
			snprintf(why + strlen(why), len - strlen(why), "%s%s", \
				 *why ? "; " : "", one);                       \
	} while (0)
	BYPASS_ADD(vms_tap_shaping(ifindex, one, sizeof(one)));
	BYPASS_ADD(vms_tap_nwfilter(tap, one, sizeof(one)));
	BYPASS_ADD(vms_tap_nft(tap, one, sizeof(one)));
	if (!vms_tap_master(ifindex, &m) && !strcmp(m.kind, "openvswitch")) {
		snprintf(one, sizeof(one),
			 "an Open vSwitch port (of %s): its flows would be "
			 "bypassed",
			 m.name);
		BYPASS_ADD(1);
	}
#undef BYPASS_ADD
	return *why ? 1 : 0;
}
