// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reference model of the transmit path's decision: see refmodel_tx.h. */
#include <string.h>

#include "refmodel_tx.h"

#define ETH_HDR 14

/* Protocol numbers. */
#define ETHERTYPE_IPV4	 0x0800
#define ETHERTYPE_ARP	 0x0806
#define ETHERTYPE_IPV6	 0x86dd
#define ETHERTYPE_8021Q	 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_9100	 0x9100
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_UDP_	 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAG_	 44
#define IPPROTO_AH_	 51
#define IPPROTO_ICMPV6_	 58
#define IPPROTO_DSTOPTS_ 60
#define ICMPV6_MLD1_REP	 131
#define ICMPV6_RS	 133
#define ICMPV6_RA	 134
#define ICMPV6_NS	 135
#define ICMPV6_NA	 136
#define ICMPV6_REDIRECT	 137
#define ICMPV6_MLD2_REP	 143
#define DHCP4_SERVER	 67
#define DHCP4_CLIENT	 68
#define DHCP6_CLIENT	 546
#define DHCP6_SERVER	 547
#define IPV6_EXT_MAX	 6
#define ND_OPT_MAX	 16

/* The frame, with the bytes a check needs asked for by (offset, length). */
struct view {
	const __u8 *p;
	size_t len;
};

static bool have(const struct view *v, size_t off, size_t n)
{
	return off <= v->len && n <= v->len - off;
}

static unsigned int be16(const struct view *v, size_t off)
{
	return (v->p[off] << 8) | v->p[off + 1];
}

/* @a (4 or 16 bytes of @family) inside one of the port's prefixes. */
static bool port_has_addr(const struct ref_tx_port *port, int family,
			  const __u8 *a)
{
	__u32 i, bits, b;

	for (i = 0; i < port->naddrs; i++) {
		const struct vmst_addr *pa = &port->addrs[i];

		if (pa->family != family)
			continue;
		bits = pa->prefix_len;
		for (b = 0; b < bits; b++)
			if (((a[b / 8] ^ pa->addr[b / 8]) >> (7 - b % 8)) & 1)
				break;
		if (b == bits)
			return true;
	}
	return false;
}

static bool zero(const __u8 *a, size_t n)
{
	while (n--)
		if (*a++)
			return false;
	return true;
}

/* An IPv6 address the port may send from (or advertise): listed, or the
 * link-local address fe80::/64 + modified EUI-64 of its MAC. */
static bool ipv6_own(const struct ref_tx_port *port, const __u8 *a)
{
	__u8 ll[16] = {0xfe, 0x80};

	ll[8] = port->mac[0] ^ 2;
	ll[9] = port->mac[1];
	ll[10] = port->mac[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	memcpy(ll + 13, port->mac + 3, 3);
	return !memcmp(a, ll, 16) || port_has_addr(port, VMST_AF_INET6, a);
}

/* The anti-spoofing checks on the frame at @l3: a reason to drop, or -1. */
static int check_arp(const struct view *v, size_t l3,
		     const struct ref_tx_port *port)
{
	const __u8 *a = v->p + l3;

	/* Ethernet/IPv4 ARP: the sender's MAC and IP are where we look. */
	if (!have(v, l3, 28))
		return VMST_R_DROP_VM_MALFORMED;
	if (be16(v, l3) != 1 || be16(v, l3 + 2) != ETHERTYPE_IPV4 ||
	    a[4] != 6 || a[5] != 4)
		return VMST_R_DROP_VM_MALFORMED;
	if (memcmp(a + 8, port->mac, 6))
		return VMST_R_DROP_SPOOF_ARP;
	if (port->naddrs && !zero(a + 14, 4) &&
	    !port_has_addr(port, VMST_AF_INET, a + 14))
		return VMST_R_DROP_SPOOF_ARP;
	return -1;
}

static int check_ipv4(const struct view *v, size_t l3,
		      const struct ref_tx_port *port)
{
	const __u8 *ip = v->p + l3;
	unsigned int sport = 0, dport = 0;
	bool udp_ports = false;
	size_t hlen, total;

	if (!have(v, l3, 20) || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5)
		return VMST_R_DROP_VM_MALFORMED;
	hlen = (ip[0] & 0xf) * 4;
	total = be16(v, l3 + 2);
	if (total < hlen)
		return VMST_R_DROP_VM_MALFORMED;
	/* UDP header: in an unfragmented packet or the first fragment, and
	 * within the total length. */
	if (ip[9] == IPPROTO_UDP_ && !(be16(v, l3 + 6) & 0x1fff)) {
		if (total < hlen + 8 || !have(v, l3 + hlen, 8))
			return VMST_R_DROP_VM_MALFORMED;
		udp_ports = true;
		sport = be16(v, l3 + hlen);
		dport = be16(v, l3 + hlen + 2);
	}
	if (port->naddrs && !port_has_addr(port, VMST_AF_INET, ip + 12)) {
		bool dhcp_client = zero(ip + 12, 4) && udp_ports &&
				   sport == DHCP4_CLIENT &&
				   dport == DHCP4_SERVER;

		if (!dhcp_client)
			return VMST_R_DROP_SPOOF_IPV4;
	}
	if (!udp_ports || port->trusted)
		return -1;
	/* RFC 2131 4.1: servers and relays send from 67, and to 68. */
	if (sport == DHCP4_SERVER || dport == DHCP4_CLIENT)
		return VMST_R_DROP_ROGUE_DHCP4;
	/* To 67 a client sends BOOTREQUESTs (op 1) only, the op in this
	 * packet. */
	if (dport == DHCP4_SERVER) {
		if (total < hlen + 9)
			return VMST_R_DROP_ROGUE_DHCP4;
		if (!have(v, l3 + hlen + 8, 1))
			return VMST_R_DROP_VM_MALFORMED;
		if (v->p[l3 + hlen + 8] != 1)
			return VMST_R_DROP_ROGUE_DHCP4;
	}
	return -1;
}

static bool ipv6_ext(unsigned int nh)
{
	return nh == IPPROTO_HOPOPTS_ || nh == IPPROTO_ROUTING_ ||
	       nh == IPPROTO_DSTOPTS_ || nh == IPPROTO_FRAG_ ||
	       nh == IPPROTO_AH_;
}

/* ND options in [@off, @end): each of type @want carries the port's MAC. */
/* @none: an option of type @want is not allowed at all. */
static int check_nd_options(const struct view *v, size_t off, size_t end,
			    unsigned int want, bool none,
			    const struct ref_tx_port *port)
{
	int n;

	for (n = 0; off < end; n++) {
		if (n == ND_OPT_MAX || end - off < 8 || v->p[off + 1] == 0)
			return VMST_R_DROP_VM_MALFORMED;
		if (v->p[off] == want && (none || v->p[off + 1] != 1 ||
					  memcmp(v->p + off + 2, port->mac, 6)))
			return VMST_R_DROP_SPOOF_LLADDR;
		off += v->p[off + 1] * 8;
	}
	return -1;
}

static int check_ipv6(const struct view *v, size_t l3,
		      const struct ref_tx_port *port)
{
	const __u8 *ip = v->p + l3, *src = ip + 8;
	size_t off = l3 + 40, end;
	unsigned int nh, hdrs = 0, type = 0;
	bool upper = true; /* the upper-layer header is in this packet */

	if (!have(v, l3, 40) || ip[0] >> 4 != 6)
		return VMST_R_DROP_VM_MALFORMED;
	/* The packet is what its payload length says; a trailer is not. */
	end = l3 + 40 + be16(v, l3 + 4);
	if (end > v->len)
		return VMST_R_DROP_VM_MALFORMED;
	nh = ip[6];
	while (ipv6_ext(nh)) {
		if (hdrs++ == IPV6_EXT_MAX || off + 8 > end)
			return VMST_R_DROP_VM_EXT_HDR;
		if (nh == IPPROTO_FRAG_) {
			if (be16(v, off + 2) & 0xfff8) {
				upper = false; /* a later fragment */
				break;
			}
			nh = v->p[off];
			off += 8;
		} else if (nh == IPPROTO_AH_) {
			nh = v->p[off];
			off += (v->p[off + 1] + 2) * 4;
		} else {
			nh = v->p[off];
			off += (v->p[off + 1] + 1) * 8;
		}
	}
	if (upper) {
		/* RFC 7113: the whole chain, and the upper-layer header the
		 * checks read, are in the (first fragment of the) packet. */
		if (off > end)
			return VMST_R_DROP_VM_EXT_HDR;
		if (nh == IPPROTO_ICMPV6_ && end - off < 4)
			return VMST_R_DROP_VM_EXT_HDR;
		if (nh == IPPROTO_UDP_ && end - off < 8)
			return VMST_R_DROP_VM_EXT_HDR;
		if (nh == IPPROTO_ICMPV6_)
			type = v->p[off];
	}
	if (port->naddrs && !ipv6_own(port, src)) {
		bool dad_mld = zero(src, 16) && upper &&
			       nh == IPPROTO_ICMPV6_ &&
			       (type == ICMPV6_NS || type == ICMPV6_MLD1_REP ||
				type == ICMPV6_MLD2_REP || type == ICMPV6_RS);

		if (!dad_mld)
			return VMST_R_DROP_SPOOF_IPV6;
	}
	if (!upper)
		return -1;
	if (nh == IPPROTO_ICMPV6_) {
		if (type == ICMPV6_RA && !port->trusted)
			return VMST_R_DROP_ROGUE_RA;
		if (type == ICMPV6_REDIRECT && !port->trusted)
			return VMST_R_DROP_ROGUE_REDIRECT;
		if (type == ICMPV6_RS)
			return check_nd_options(v, off + 8, end, 1,
						zero(src, 16), port);
		if (type == ICMPV6_RA)
			return check_nd_options(v, off + 16, end, 1, false,
						port);
		if (type == ICMPV6_NS || type == ICMPV6_NA) {
			if (end - off < 24)
				return VMST_R_DROP_VM_MALFORMED;
			if (type == ICMPV6_NA && port->naddrs &&
			    !ipv6_own(port, v->p + off + 8))
				return VMST_R_DROP_SPOOF_NA;
			return check_nd_options(v, off + 24, end,
						type == ICMPV6_NS ? 1 : 2,
						false, port);
		}
	} else if (nh == IPPROTO_UDP_ && !port->trusted) {
		unsigned int sport = be16(v, off), dport = be16(v, off + 2);

		/* RFC 8415 7.2: clients listen on 546, servers and relays on
		 * 547; 7.3: what a client sends. */
		if (sport == DHCP6_SERVER || dport == DHCP6_CLIENT)
			return VMST_R_DROP_ROGUE_DHCP6;
		if (dport == DHCP6_SERVER) {
			unsigned int t;

			if (end - off < 9)
				return VMST_R_DROP_ROGUE_DHCP6;
			t = v->p[off + 8];

			if (!(t == 1 || t == 3 || t == 4 || t == 5 || t == 6 ||
			      t == 8 || t == 9 || t == 11))
				return VMST_R_DROP_ROGUE_DHCP6;
		}
	}
	return -1;
}

static bool tag_type(unsigned int t)
{
	return t == ETHERTYPE_8021Q || t == ETHERTYPE_8021AD ||
	       t == ETHERTYPE_9100;
}

/* The frame fits device MTU @mtu (0: no such device, not judged). */
static bool fits(size_t len, __u32 mtu)
{
	return !mtu || len <= mtu + ETH_HDR;
}

static int verdict(struct ref_tx_result *res, enum ref_tx_verdict vd,
		   int reason)
{
	res->verdict = vd;
	res->reason = reason;
	return 0;
}

static int decide(const struct ref_tx_world *w, size_t from, const __u8 *frame,
		  size_t len, struct ref_tx_result *res)
{
	const struct ref_tx_port *port = &w->ports[from];
	struct view v = {frame, len};
	size_t i, l3 = ETH_HDR;
	bool tagged = false;
	unsigned int type;
	int r;

	memset(res, 0, sizeof(*res));
	res->bytes = len;

	/* 0, 1. The port, and its MAC as the source. */
	if (!port->present)
		return verdict(res, REF_TX_DROP, VMST_R_DROP_VM_NO_PORT);
	if (!have(&v, 0, ETH_HDR))
		return verdict(res, REF_TX_DROP, VMST_R_DROP_VM_MALFORMED);
	if (memcmp(frame + 6, port->mac, 6))
		return verdict(res, REF_TX_DROP, VMST_R_DROP_SPOOF_MAC);

	/* 2. Tags: none from an untagged or access port, whatever the tag
	 * protocol and VID; one 802.1Q tag with a listed VID from a trunk. */
	type = be16(&v, 12);
	if (tag_type(type)) {
		unsigned int vid;

		if (!have(&v, ETH_HDR, 4))
			return verdict(res, REF_TX_DROP,
				       VMST_R_DROP_VM_MALFORMED);
		vid = be16(&v, ETH_HDR) & 0xfff;
		if (!port->trunk || type != ETHERTYPE_8021Q ||
		    tag_type(be16(&v, ETH_HDR + 2)) || vid == 0 ||
		    vid == 0xfff ||
		    !((port->vids.vids[vid / 64] >> (vid % 64)) & 1))
			return verdict(res, REF_TX_DROP, VMST_R_DROP_VM_TAGGED);
		tagged = true;
		type = be16(&v, ETH_HDR + 2);
		l3 = ETH_HDR + 4;
	}

	/* 3. Anti-spoofing, on the frame inside the tag. */
	r = type == ETHERTYPE_ARP    ? check_arp(&v, l3, port)
	    : type == ETHERTYPE_IPV4 ? check_ipv4(&v, l3, port)
	    : type == ETHERTYPE_IPV6 ? check_ipv6(&v, l3, port)
				     : -1;
	if (r >= 0)
		return verdict(res, REF_TX_DROP, r);
	if (tagged)
		return verdict(res, REF_TX_PASS, VMST_R_PASS_VM_TAGGED);

	/* 4. Forwarding, on the port's VLAN only. */
	if (frame[0] & 1)
		return verdict(res, REF_TX_PASS, VMST_R_PASS_VM_MULTICAST);
	for (i = 0; i < w->nports; i++) {
		const struct ref_tx_port *p = &w->ports[i];

		if (!p->present || p->vlan != port->vlan ||
		    memcmp(p->mac, frame, 6))
			continue;
		if (i == from || p->netns_ino != port->netns_ino)
			return verdict(res, REF_TX_PASS,
				       VMST_R_PASS_VM_UNKNOWN);
		if (!fits(len, p->mtu))
			return verdict(res, REF_TX_DROP,
				       VMST_R_DROP_VM_TOO_BIG);
		res->local = true;
		res->to = i;
		res->ifindex = p->ifindex;
		return verdict(res, REF_TX_REDIRECT, -1);
	}
	if (!w->north_ifindex || w->north_netns_ino != port->netns_ino)
		return verdict(res, REF_TX_PASS, VMST_R_PASS_VM_UNKNOWN);
	for (i = 0; i < w->nlocals; i++)
		if (w->locals[i].netns_ino == port->netns_ino &&
		    !memcmp(w->locals[i].mac, frame, 6))
			return verdict(res, REF_TX_PASS, VMST_R_PASS_VM_HOST);
	if (!fits(len, w->north_mtu))
		return verdict(res, REF_TX_DROP, VMST_R_DROP_VM_TOO_BIG);
	res->ifindex = w->north_ifindex;
	res->tag_tci = port->vlan;
	return verdict(res, REF_TX_REDIRECT, -1);
}

void ref_tx_decide(const struct ref_tx_world *w, size_t from, const __u8 *frame,
		   size_t len, struct ref_tx_result *res)
{
	decide(w, from, frame, len, res);
}

/* The one's complement sum of the 16-bit words at @off..@off+@n. */
static __u32 sum16(const struct view *v, size_t off, size_t n, __u32 sum)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		sum += be16(v, off + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

bool ref_tx_xdp_leaves_to_tc(const __u8 *frame, size_t len)
{
	const struct view v = {frame, len};
	size_t l3 = 14, l4, at;
	unsigned int type, nh, l4len, sum, c;

	if (!have(&v, 12, 2))
		return true;
	type = be16(&v, 12);
	if (type == ETHERTYPE_IPV4) {
		if (!have(&v, l3, 20))
			return true;
		nh = frame[l3 + 9];
		if ((nh != 6 && nh != 17) || (be16(&v, l3 + 6) & 0x3fff))
			return false;
		l4 = l3 + (frame[l3] & 15) * 4;
		l4len = be16(&v, l3 + 2) - (frame[l3] & 15) * 4;
		sum = sum16(&v, l3 + 12, 8, 0);
	} else if (type == ETHERTYPE_IPV6) {
		if (!have(&v, l3, 40))
			return true;
		nh = frame[l3 + 6];
		if (nh != 6 && nh != 17)
			return ipv6_ext(nh);
		l4 = l3 + 40;
		l4len = be16(&v, l3 + 4);
		sum = sum16(&v, l3 + 8, 32, 0);
	} else {
		return false;
	}
	at = l4 + (nh == 6 ? 16 : 6);
	if (!have(&v, at, 2))
		return true;
	c = be16(&v, at);
	if (type == ETHERTYPE_IPV4 && nh == 17 && c == 0)
		return false; /* no UDP checksum */
	sum += nh + l4len;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return c == sum || (sum == 0xffff && c == 0);
}

void ref_tx_xdp_decide(const struct ref_tx_world *w, size_t from,
		       const __u8 *frame, size_t len, bool north_xdp,
		       struct ref_tx_result *res)
{
	decide(w, from, frame, len, res);
	if (res->verdict == REF_TX_DROP &&
	    res->reason != VMST_R_DROP_VM_TOO_BIG)
		return;
	if (res->verdict == REF_TX_REDIRECT &&
	    (res->local ? !w->ports[res->to].rss : north_xdp) &&
	    !ref_tx_xdp_leaves_to_tc(frame, len))
		return;
	res->verdict = REF_TX_PASS;
	res->reason = -1; /* nothing counted: the tc program decides */
}

void ref_uplink_tc_decide(const struct ref_tx_world *w, __u32 uplink_netns,
			  const __u8 *frame, size_t len, bool gso,
			  struct ref_tx_result *res, __u8 *out, size_t *out_len)
{
	struct view v = {frame, len};
	unsigned int type, vid = 0, tags = 0;
	size_t i, vm_len;

	memset(res, 0, sizeof(*res));
	res->verdict = REF_TX_PASS;
	res->reason = -1;
	memcpy(out, frame, len);
	*out_len = len;
	if (!have(&v, 0, ETH_HDR) || (frame[0] & 1))
		return;
	type = be16(&v, 12);
	if (type == ETHERTYPE_8021AD)
		return;
	if (type == ETHERTYPE_8021Q) {
		if (!have(&v, 14, 4))
			return;
		vid = be16(&v, 14) & 0x0fff;
		type = be16(&v, 16);
		if (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
		    vid == 0 || vid == 0x0fff)
			return;
		tags = 1;
	}
	vm_len = len - 4 * tags;
	for (i = 0; i < w->nports; i++) {
		const struct ref_tx_port *p = &w->ports[i];

		if (!p->present || p->vlan != vid || memcmp(p->mac, frame, 6))
			continue;
		if (p->netns_ino != uplink_netns)
			return;
		if (!gso && vm_len > p->mtu + ETH_HDR)
			return;
		res->verdict = REF_TX_REDIRECT;
		res->local = true;
		res->to = i;
		res->ifindex = p->ifindex;
		res->bytes = vm_len;
		memcpy(out, frame, 12);
		memcpy(out + 12, frame + 12 + 4 * tags, len - 12 - 4 * tags);
		*out_len = vm_len;
		return;
	}
}
