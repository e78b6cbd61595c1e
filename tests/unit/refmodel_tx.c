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
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_UDP_	 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAG_	 44
#define IPPROTO_ICMPV6_	 58
#define IPPROTO_DSTOPTS_ 60
#define ICMPV6_RA	 134
#define ICMPV6_NA	 136
#define DHCP4_SERVER	 67
#define DHCP4_CLIENT	 68
#define DHCP6_SERVER	 547
#define IPV6_EXT_MAX	 4

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

static bool ipv6_link_local(const __u8 *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* The anti-spoofing checks: a reason to drop, or -1. */
static int check_arp(const struct view *v, const struct ref_tx_port *port)
{
	const __u8 *a = v->p + ETH_HDR;

	/* Ethernet/IPv4 ARP: the sender's MAC and IP are where we look. */
	if (!have(v, ETH_HDR, 28))
		return VMST_R_DROP_VM_MALFORMED;
	if (be16(v, ETH_HDR) != 1 || be16(v, ETH_HDR + 2) != ETHERTYPE_IPV4 ||
	    a[4] != 6 || a[5] != 4)
		return VMST_R_DROP_VM_MALFORMED;
	if (memcmp(a + 8, port->mac, 6))
		return VMST_R_DROP_SPOOF_ARP;
	if (port->naddrs && !zero(a + 14, 4) &&
	    !port_has_addr(port, VMST_AF_INET, a + 14))
		return VMST_R_DROP_SPOOF_ARP;
	return -1;
}

static int check_ipv4(const struct view *v, const struct ref_tx_port *port)
{
	const __u8 *ip = v->p + ETH_HDR;
	unsigned int sport = 0, dport = 0;
	bool udp_ports = false;
	size_t hlen;

	if (!have(v, ETH_HDR, 20) || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5)
		return VMST_R_DROP_VM_MALFORMED;
	hlen = (ip[0] & 0xf) * 4;
	/* UDP ports: in an unfragmented packet or the first fragment. */
	if (ip[9] == IPPROTO_UDP_ && !(be16(v, ETH_HDR + 6) & 0x1fff)) {
		if (!have(v, ETH_HDR + hlen, 4))
			return VMST_R_DROP_VM_MALFORMED;
		udp_ports = true;
		sport = be16(v, ETH_HDR + hlen);
		dport = be16(v, ETH_HDR + hlen + 2);
	}
	if (port->naddrs && !port_has_addr(port, VMST_AF_INET, ip + 12)) {
		bool dhcp_client = zero(ip + 12, 4) && udp_ports &&
				   sport == DHCP4_CLIENT &&
				   dport == DHCP4_SERVER;

		if (!dhcp_client)
			return VMST_R_DROP_SPOOF_IPV4;
	}
	if (udp_ports && sport == DHCP4_SERVER && !port->trusted)
		return VMST_R_DROP_ROGUE_DHCP4;
	return -1;
}

static bool ipv6_ext(unsigned int nh)
{
	return nh == IPPROTO_HOPOPTS_ || nh == IPPROTO_ROUTING_ ||
	       nh == IPPROTO_DSTOPTS_ || nh == IPPROTO_FRAG_;
}

static int check_ipv6(const struct view *v, const struct ref_tx_port *port)
{
	const __u8 *ip = v->p + ETH_HDR, *src = ip + 8;
	size_t off = ETH_HDR + 40;
	unsigned int nh, hdrs = 0;
	bool upper = true; /* the upper-layer header is in this packet */

	if (!have(v, ETH_HDR, 40) || ip[0] >> 4 != 6)
		return VMST_R_DROP_VM_MALFORMED;
	nh = ip[6];
	while (ipv6_ext(nh)) {
		if (hdrs++ == IPV6_EXT_MAX)
			return VMST_R_DROP_VM_MALFORMED;
		/* Next header, length (fragment offset): the first 4 bytes. */
		if (!have(v, off, 4))
			return VMST_R_DROP_VM_MALFORMED;
		if (nh == IPPROTO_FRAG_) {
			if (be16(v, off + 2) & 0xfff8) {
				upper = false; /* a later fragment */
				break;
			}
			nh = v->p[off];
			off += 8;
		} else {
			nh = v->p[off];
			off += (v->p[off + 1] + 1) * 8;
		}
	}
	if (port->naddrs && !ipv6_link_local(src) &&
	    !port_has_addr(port, VMST_AF_INET6, src)) {
		bool dad_mld =
			zero(src, 16) && ((upper && nh == IPPROTO_ICMPV6_) ||
					  ip[6] == IPPROTO_HOPOPTS_);

		if (!dad_mld)
			return VMST_R_DROP_SPOOF_IPV6;
	}
	if (!upper)
		return -1;
	if (nh == IPPROTO_ICMPV6_) {
		if (!have(v, off, 1))
			return VMST_R_DROP_VM_MALFORMED;
		if (v->p[off] == ICMPV6_RA && !port->trusted)
			return VMST_R_DROP_ROGUE_RA;
		if (v->p[off] == ICMPV6_NA && port->naddrs) {
			const __u8 *target = v->p + off + 8;

			if (!have(v, off + 8, 16))
				return VMST_R_DROP_VM_MALFORMED;
			if (!ipv6_link_local(target) &&
			    !port_has_addr(port, VMST_AF_INET6, target))
				return VMST_R_DROP_SPOOF_NA;
		}
	} else if (nh == IPPROTO_UDP_) {
		if (!have(v, off, 2))
			return VMST_R_DROP_VM_MALFORMED;
		if (be16(v, off) == DHCP6_SERVER && !port->trusted)
			return VMST_R_DROP_ROGUE_DHCP6;
	}
	return -1;
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
	unsigned int type;
	size_t i;
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

	/* 2. Tags are the bridge's business, and no access port's. */
	type = be16(&v, 12);
	if (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD)
		return verdict(res, port->vlan ? REF_TX_DROP : REF_TX_PASS,
			       port->vlan ? VMST_R_DROP_VM_TAGGED
					  : VMST_R_PASS_VM_TAGGED);

	/* 3. Anti-spoofing. */
	r = type == ETHERTYPE_ARP    ? check_arp(&v, port)
	    : type == ETHERTYPE_IPV4 ? check_ipv4(&v, port)
	    : type == ETHERTYPE_IPV6 ? check_ipv6(&v, port)
				     : -1;
	if (r >= 0)
		return verdict(res, REF_TX_DROP, r);

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
	res->ifindex = w->north_ifindex;
	res->tag_tci = port->vlan;
	return verdict(res, REF_TX_REDIRECT, -1);
}

void ref_tx_decide(const struct ref_tx_world *w, size_t from, const __u8 *frame,
		   size_t len, struct ref_tx_result *res)
{
	decide(w, from, frame, len, res);
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
