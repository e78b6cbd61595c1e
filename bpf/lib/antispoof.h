/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Anti-spoofing of the frames a VM sends (the programs on its tap),
 * written over the context layer (lib/ctx.h) and the decoder
 * (lib/parse.h), so it compiles for tc and for XDP. Every check takes the
 * port (index, flags, MAC) as arguments and returns the reason of a drop,
 * or VMST_OK to let the frame go on.
 *
 * The MAC check (source MAC = the port's) happens before these. Then:
 *  - VLAN tags (vmst_tx_vlan): from an untagged or access port every
 *    tagged frame is dropped, whatever its tag protocol (802.1Q, 802.1ad,
 *    0x9100) and VID (a priority tag, VID 0, too). From a trunk port one
 *    802.1Q tag with a VID of its list is allowed, and the frame inside it
 *    gets the checks below; any other tag is dropped.
 *  - ARP: the sender MAC must be the port's; with addresses, the sender IP
 *    must be one of them (0.0.0.0 allowed: RFC 5227 probes).
 *  - IPv4: with addresses, the source must be one of them; 0.0.0.0 only for
 *    DHCP client messages (UDP 68 -> 67).
 *  - IPv6: the extension headers (hop-by-hop, routing, destination
 *    options, fragment, AH) are walked within the payload length, at most
 *    VMST_IPV6_EXT_MAX of them; a packet whose upper-layer header is not
 *    within them (a first fragment cut inside the chain, a longer chain)
 *    is dropped (RFC 7113). With addresses, the source must be one of them
 *    or the EUI-64 link-local address of the port's MAC; :: only for DAD
 *    Neighbor Solicitations, MLD reports and Router Solicitations, which
 *    then carry no source link-layer option (RFC 4861 4.1). A Neighbor Advertisement's
 *    target follows the source rule; the source link-layer option of
 *    NS/RS/RA and the target link-layer option of an NA must be the
 *    port's MAC (every port).
 *  - From a port that is not trusted: Router Advertisements, ICMPv6
 *    Redirects and DHCP server or relay messages are dropped. DHCP is
 *    judged by the message, not the source port alone (RFC 2131 4.1,
 *    RFC 8415 7.2, 7.3): clients listen on UDP 68 and 546, servers and
 *    relays on 67 and 547. Dropped: UDP to 68 or 546 (only servers and
 *    relays send there), from 67 or 547, to 67 anything but a BOOTREQUEST
 *    (op 1), and to 547 a DHCPv6 message type a client does not send
 *    (Advertise, Reply, Reconfigure, Relay-Forward, Relay-Reply...); a
 *    message to 67 or 547 whose first byte is not in the packet (empty, or
 *    left to a later fragment) is dropped too.
 * A port without addresses gets the MAC, tag, trust, link-layer option
 * and header-chain checks only.
 *
 * The fixed headers (Ethernet, tag, IPv4, IPv6, ARP, the UDP header over
 * IPv4) are read with ctx_hdr(): in place on XDP, no helper call. They lie
 * in a frame's first 128 bytes, which are in the linear part of any frame
 * the tap XDP program meets (it runs without xdp.frags: tun hands it one
 * buffer, generic XDP a linearized skb). What follows a variable chain
 * (IPv6 extension headers, ND options, DHCP messages) is copied with
 * ctx_load_bytes(): a direct read at an offset the verifier cannot bound
 * tightly multiplies the states it walks (the ND option loop alone passed
 * its 1,000,000-instruction limit).
 */
#ifndef VMST_BPF_ANTISPOOF_H
#define VMST_BPF_ANTISPOOF_H

#include "common.h"
#include "ctx.h"
#include "maps.h"
#include "parse.h"
#include "fdb.h"
#include "devport.h"

#define ETH_P_ARP 0x0806

/* IP protocol and IPv6 next-header numbers (macros in the uapi). */
#define VMST_NH_HOPOPTS	 0
#define VMST_NH_UDP	 17
#define VMST_NH_ROUTING	 43
#define VMST_NH_FRAGMENT 44
#define VMST_NH_AH	 51
#define VMST_NH_ICMPV6	 58
#define VMST_NH_DSTOPTS	 60

#define ICMPV6_MLD1_REPORT	 131
#define ICMPV6_ROUTER_SOLICIT	 133
#define ICMPV6_ROUTER_ADVERT	 134
#define ICMPV6_NEIGHBOUR_SOLICIT 135
#define ICMPV6_NEIGHBOUR_ADVERT	 136
#define ICMPV6_REDIRECT		 137
#define ICMPV6_MLD2_REPORT	 143

/* Neighbor Discovery options (RFC 4861 4.6.1). */
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2

#define DHCP4_SERVER_PORT 67
#define DHCP4_CLIENT_PORT 68
#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547
#define DHCP4_BOOTREQUEST 1

/* IPv6 extension headers walked at most before the upper layer. */
#define VMST_IPV6_EXT_MAX 6
/* Neighbor Discovery options walked at most; more are dropped. */
#define VMST_ND_OPT_MAX 16

/* The verdict "no objection". */
#define VMST_OK VMST_R_MAX

static __always_inline bool vmst_addr4_ok(__u32 port, const __u8 a[4])
{
	struct vmst_lpm4_key k = {.prefixlen = 32 + 32, .port = port};

	__builtin_memcpy(k.addr, a, 4);
	return bpf_map_lookup_elem(&vmst_addr4, &k) != NULL;
}

static __always_inline bool vmst_addr6_ok(__u32 port, const __u8 a[16])
{
	struct vmst_lpm6_key k = {.prefixlen = 32 + 128, .port = port};

	__builtin_memcpy(k.addr, a, 16);
	return bpf_map_lookup_elem(&vmst_addr6, &k) != NULL;
}

static __always_inline bool vmst_ipv6_unspec(const __u8 a[16])
{
	const __u64 *w = (const __u64 *)a;

	return !(w[0] | w[1]);
}

/* @a is fe80::/64 with the modified EUI-64 interface id of @mac48
 * (RFC 4291 2.5.1, appendix A). */
static __always_inline bool vmst_ipv6_eui64_ll(const __u8 a[16], __u64 mac48)
{
	return a[0] == 0xfe && a[1] == 0x80 &&
	       !(a[2] | a[3] | a[4] | a[5] | a[6] | a[7]) &&
	       a[8] == (((mac48 >> 40) & 0xff) ^ 0x02) &&
	       a[9] == ((mac48 >> 32) & 0xff) &&
	       a[10] == ((mac48 >> 24) & 0xff) && a[11] == 0xff &&
	       a[12] == 0xfe && a[13] == ((mac48 >> 16) & 0xff) &&
	       a[14] == ((mac48 >> 8) & 0xff) && a[15] == (mac48 & 0xff);
}

/* An IPv6 source (or NA target) port @port may use. */
static __always_inline bool vmst_src6_ok(__u32 port, __u64 mac48,
					 const __u8 a[16])
{
	return vmst_ipv6_eui64_ll(a, mac48) || vmst_addr6_ok(port, a);
}

/* VID @vid is in trunk port @port's list. */
static __always_inline bool vmst_trunk_has(__u32 port, __u16 vid)
{
	struct vmst_trunk *t = bpf_map_lookup_elem(&vmst_trunk, &port);
	__u32 word = vid >> 6;

	if (!t || vid == 0 || vid >= VLAN_VID_RSVD)
		return false;
	/* The mask is the word's bound for the verifier: a compiler that
	 * knows vid < 4096 would drop it, and the verifier may not know
	 * (vid comes back from the stack as any 16-bit value). */
	barrier_var(word);
	return (t->vids[word & 63] >> (vid & 63)) & 1;
}

/*
 * The VLAN rule for a frame from port @port (@flags) whose Ethernet header
 * was parsed into @l2 (vmst_parse_ethhdr). A tag tc took into the skb's
 * metadata counts as one in the data; else at most one tag at @cur is
 * walked, of any protocol a VM could put in front of a frame (802.1Q,
 * 802.1ad, 0x9100). VMST_OK: @cur is at what follows the tag (or the Ethernet
 * header), l2->proto its EtherType, l2->tags whether there was a (trunk's)
 * tag; else the reason of a drop.
 */
static __always_inline __u32 vmst_tx_vlan(struct vmst_ctx *ctx,
					  struct vmst_cursor *cur,
					  struct vmst_l2 *l2, __u32 port,
					  __u16 flags)
{
	vmst_parse_vlan_accel(ctx, l2);
	if (vmst_parse_vlans(ctx, cur, l2, 1, VMST_TPID_QINQ1))
		return VMST_R_DROP_VM_MALFORMED;
	if (!l2->tags)
		return VMST_OK;
	if (!(flags & VMST_PORT_F_TRUNK) ||
	    l2->tpid != bpf_htons(ETH_P_8021Q) || l2->deeper ||
	    !vmst_trunk_has(port, l2->vid))
		return VMST_R_DROP_VM_TAGGED;
	return VMST_OK;
}

/* ARP at @off: Ethernet/IPv4 ARP only. */
static __always_inline __u32 vmst_check_arp(struct vmst_ctx *ctx, __u32 off,
					    __u32 port, __u16 flags,
					    __u64 mac48)
{
	__u8 buf[28], *a; /* arphdr, sender MAC and IP, target MAC and IP */

	if (!ctx_hdr(ctx, off, sizeof(buf), buf, (void **)&a))
		return VMST_R_DROP_VM_MALFORMED;
	/* hardware 1 (Ethernet), protocol IPv4, lengths 6 and 4 */
	if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 ||
	    a[4] != 6 || a[5] != 4)
		return VMST_R_DROP_VM_MALFORMED;
	if (vmst_mac48(a + 8) != mac48)
		return VMST_R_DROP_SPOOF_ARP;
	if ((flags & VMST_PORT_F_IPCHECK) && (a[14] | a[15] | a[16] | a[17]) &&
	    !vmst_addr4_ok(port, a + 14))
		return VMST_R_DROP_SPOOF_ARP;
	return VMST_OK;
}

/* IPv4 at @off. */
static __always_inline __u32 vmst_check_ipv4(struct vmst_ctx *ctx, __u32 off,
					     __u32 port, __u16 flags)
{
	struct vmst_cursor cur = {.off = off};
	__u16 sport = 0, dport = 0;
	struct iphdr buf, *iph;
	__u8 ubuf[8], *u, op[9];
	__u32 ihl, tot;
	bool udp = false;

	if (!vmst_parse_iphdr(ctx, &cur, &buf, &iph))
		return VMST_R_DROP_VM_MALFORMED;
	ihl = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	if (tot < ihl)
		return VMST_R_DROP_VM_MALFORMED;
	/* UDP, first fragment or unfragmented: its header is here, within
	 * the total length (a first fragment carries at least 8 bytes). */
	if (iph->protocol == VMST_NH_UDP &&
	    !(iph->frag_off & bpf_htons(VMST_IPV4_OFFSET_MASK))) {
		if (tot < ihl + 8 ||
		    !ctx_hdr(ctx, cur.off, sizeof(ubuf), ubuf, (void **)&u))
			return VMST_R_DROP_VM_MALFORMED;
		udp = true;
		sport = (u[0] << 8) | u[1];
		dport = (u[2] << 8) | u[3];
	}
	if ((flags & VMST_PORT_F_IPCHECK) &&
	    !vmst_addr4_ok(port, (const __u8 *)&iph->saddr)) {
		if (!(!iph->saddr && udp && sport == DHCP4_CLIENT_PORT &&
		      dport == DHCP4_SERVER_PORT))
			return VMST_R_DROP_SPOOF_IPV4;
	}
	if (!udp || (flags & VMST_PORT_F_TRUSTED))
		return VMST_OK;
	if (sport == DHCP4_SERVER_PORT || dport == DHCP4_CLIENT_PORT)
		return VMST_R_DROP_ROGUE_DHCP4;
	/* To a server or relay: only a BOOTREQUEST (op 1), whose op is in
	 * this packet (not left to a later fragment). */
	if (dport == DHCP4_SERVER_PORT) {
		if (tot < ihl + 9)
			return VMST_R_DROP_ROGUE_DHCP4;
		if (ctx_load_bytes(ctx, cur.off, op, sizeof(op)))
			return VMST_R_DROP_VM_MALFORMED;
		if (op[8] != DHCP4_BOOTREQUEST)
			return VMST_R_DROP_ROGUE_DHCP4;
	}
	return VMST_OK;
}

/* A DHCPv6 message type a client sends (RFC 8415 7.3): Solicit, Request,
 * Confirm, Renew, Rebind, Release, Decline, Information-request. */
static __always_inline bool vmst_dhcp6_client_msg(__u8 t)
{
	return (t >= 1 && t <= 6 && t != 2) || t == 8 || t == 9 || t == 11;
}

/*
 * The Neighbor Discovery options from @off to @end: every option of type
 * @want (source or target link-layer address) must carry @mac48; with
 * @none there must be none (a Router Solicitation from ::, RFC 4861 4.1).
 */
static __always_inline __u32 vmst_check_nd_opts(struct vmst_ctx *ctx, __u32 off,
						__u32 end, __u8 want, bool none,
						__u64 mac48)
{
	int i;

#pragma unroll
	for (i = 0; i < VMST_ND_OPT_MAX; i++) {
		__u8 o[8];

		if (off >= end)
			return VMST_OK;
		/* Options are whole multiples of 8 bytes, never 0. */
		if (off + 8 > end || ctx_load_bytes(ctx, off, o, sizeof(o)) ||
		    o[1] == 0)
			return VMST_R_DROP_VM_MALFORMED;
		if (o[0] == want &&
		    (none || o[1] != 1 || vmst_mac48(o + 2) != mac48))
			return VMST_R_DROP_SPOOF_LLADDR;
		off += o[1] * 8;
	}
	return off >= end ? VMST_OK : VMST_R_DROP_VM_MALFORMED;
}

/* The ICMPv6 message of type @type at @off..@end, from :: when
 * @unspec. */
static __always_inline __u32 vmst_check_icmpv6(struct vmst_ctx *ctx, __u32 off,
					       __u32 end, __u8 type, __u32 port,
					       __u16 flags, __u64 mac48,
					       bool unspec)
{
	bool trusted = flags & VMST_PORT_F_TRUSTED;
	__u8 target[16], want = ND_OPT_SOURCE_LL;
	__u32 opts;

	if (type == ICMPV6_ROUTER_ADVERT && !trusted)
		return VMST_R_DROP_ROGUE_RA;
	if (type == ICMPV6_REDIRECT && !trusted)
		return VMST_R_DROP_ROGUE_REDIRECT;
	/* Where the options start: after RS 8, RA 16, NS and NA 24. */
	if (type == ICMPV6_ROUTER_SOLICIT) {
		opts = off + 8;
	} else if (type == ICMPV6_ROUTER_ADVERT) {
		opts = off + 16;
	} else if (type == ICMPV6_NEIGHBOUR_SOLICIT ||
		   type == ICMPV6_NEIGHBOUR_ADVERT) {
		/* type, code, checksum, flags, target, options */
		if (off + 24 > end ||
		    ctx_load_bytes(ctx, off + 8, target, sizeof(target)))
			return VMST_R_DROP_VM_MALFORMED;
		if (type == ICMPV6_NEIGHBOUR_ADVERT) {
			if ((flags & VMST_PORT_F_IPCHECK) &&
			    !vmst_src6_ok(port, mac48, target))
				return VMST_R_DROP_SPOOF_NA;
			want = ND_OPT_TARGET_LL;
		}
		opts = off + 24;
	} else {
		return VMST_OK;
	}
	return vmst_check_nd_opts(ctx, opts, end, want,
				  unspec && type == ICMPV6_ROUTER_SOLICIT,
				  mac48);
}

/* UDP over IPv6 at @off..@end: DHCPv6 server and relay messages. */
static __always_inline __u32 vmst_check_udp6(struct vmst_ctx *ctx, __u32 off,
					     __u32 end, __u16 flags)
{
	__u16 sport, dport;
	__u8 u[9];

	if (ctx_load_bytes(ctx, off, u, 8))
		return VMST_R_DROP_VM_MALFORMED;
	if (flags & VMST_PORT_F_TRUSTED)
		return VMST_OK;
	sport = (u[0] << 8) | u[1];
	dport = (u[2] << 8) | u[3];
	if (sport == DHCP6_SERVER_PORT || dport == DHCP6_CLIENT_PORT)
		return VMST_R_DROP_ROGUE_DHCP6;
	/* To a server or relay: a client's message type, in this packet. */
	if (dport == DHCP6_SERVER_PORT) {
		if (off + 9 > end)
			return VMST_R_DROP_ROGUE_DHCP6;
		if (ctx_load_bytes(ctx, off, u, 9))
			return VMST_R_DROP_VM_MALFORMED;
		if (!vmst_dhcp6_client_msg(u[8]))
			return VMST_R_DROP_ROGUE_DHCP6;
	}
	return VMST_OK;
}

static __always_inline bool vmst_ipv6_ext(__u32 nh)
{
	return nh == VMST_NH_HOPOPTS || nh == VMST_NH_ROUTING ||
	       nh == VMST_NH_DSTOPTS || nh == VMST_NH_FRAGMENT ||
	       nh == VMST_NH_AH;
}

/* IPv6 at @off. */
static __always_inline __u32 vmst_check_ipv6(struct vmst_ctx *ctx, __u32 off,
					     __u32 port, __u16 flags,
					     __u64 mac48)
{
	struct vmst_cursor cur = {.off = off};
	struct ipv6hdr buf __attribute__((aligned(8))), *ip6;
	bool upper = true; /* the upper-layer header is in this packet */
	__u32 nh, end, hl;
	const __u8 *src;
	__u8 type = 0;
	int i;

	if (!vmst_parse_ip6hdr(ctx, &cur, &buf, &ip6))
		return VMST_R_DROP_VM_MALFORMED;
	/* Nothing past the payload length counts (a trailer is not part
	 * of the packet); a payload longer than the frame is malformed. */
	off = cur.off;
	end = off + bpf_ntohs(ip6->payload_len);
	if (end > ctx_len(ctx))
		return VMST_R_DROP_VM_MALFORMED;
	nh = ip6->nexthdr;
	src = (const __u8 *)&ip6->saddr;

#pragma unroll
	for (i = 0; i < VMST_IPV6_EXT_MAX; i++) {
		__u8 e[4];

		if (!vmst_ipv6_ext(nh))
			break;
		/* Every extension header has at least 8 bytes. */
		if (off + 8 > end || ctx_load_bytes(ctx, off, e, sizeof(e)))
			return VMST_R_DROP_VM_EXT_HDR;
		if (nh == VMST_NH_FRAGMENT) {
			/* A later fragment has no upper-layer header. */
			if (((e[2] << 8) | e[3]) & 0xfff8) {
				upper = false;
				break;
			}
			hl = 8;
		} else if (nh == VMST_NH_AH) {
			hl = (e[1] + 2) * 4; /* RFC 4302 2.2 */
		} else {
			hl = (e[1] + 1) * 8;
		}
		nh = e[0];
		off += hl;
	}
	if (upper) {
		/* The chain ends within the first fragment (RFC 7113 3), and
		 * so do the headers of the upper layers checked below. */
		if (vmst_ipv6_ext(nh) || off > end)
			return VMST_R_DROP_VM_EXT_HDR;
		if (nh == VMST_NH_ICMPV6 &&
		    (off + 4 > end || ctx_load_bytes(ctx, off, &type, 1)))
			return VMST_R_DROP_VM_EXT_HDR;
		if (nh == VMST_NH_UDP && off + 8 > end)
			return VMST_R_DROP_VM_EXT_HDR;
	}

	if ((flags & VMST_PORT_F_IPCHECK) && !vmst_src6_ok(port, mac48, src)) {
		/* :: only for DAD (RFC 4862 5.4.2), MLD reports (RFC
		 * 3810 5.2.13, RFC 3590) and Router Solicitations without
		 * a source link-layer option (RFC 4861 4.1, 6.3.7). */
		bool dad_mld = vmst_ipv6_unspec(src) && upper &&
			       nh == VMST_NH_ICMPV6 &&
			       (type == ICMPV6_ROUTER_SOLICIT ||
				type == ICMPV6_NEIGHBOUR_SOLICIT ||
				type == ICMPV6_MLD1_REPORT ||
				type == ICMPV6_MLD2_REPORT);

		if (!dad_mld)
			return VMST_R_DROP_SPOOF_IPV6;
	}
	if (!upper)
		return VMST_OK;
	if (nh == VMST_NH_ICMPV6)
		return vmst_check_icmpv6(ctx, off, end, type, port, flags,
					 mac48, vmst_ipv6_unspec(src));
	if (nh == VMST_NH_UDP)
		return vmst_check_udp6(ctx, off, end, flags);
	return VMST_OK;
}

/*
 * The checks after the MAC and VLAN ones, for the frame of EtherType
 * @proto at @off from port @port (flags @flags, MAC @mac48).
 */
static __always_inline __u32 vmst_antispoof(struct vmst_ctx *ctx, __be16 proto,
					    __u32 off, __u32 port, __u16 flags,
					    __u64 mac48)
{
	if (proto == bpf_htons(ETH_P_ARP))
		return vmst_check_arp(ctx, off, port, flags, mac48);
	if (proto == bpf_htons(ETH_P_IP))
		return vmst_check_ipv4(ctx, off, port, flags);
	if (proto == bpf_htons(ETH_P_IPV6))
		return vmst_check_ipv6(ctx, off, port, flags, mac48);
	return VMST_OK;
}

/*
 * A frame for device @ifindex longer than its MTU (its segments for a
 * GSO frame): what the bridge would not forward. A device the helper does
 * not find is left to the redirect.
 */
static __always_inline bool vmst_tx_too_big(struct vmst_ctx *ctx, __u32 ifindex)
{
	__u32 mtu = 0;

	return bpf_check_mtu(ctx, ifindex, &mtu, 0, CTX_MTU_CHK_FLAGS) > 0;
}

/* What the checks learned of a frame they let go on. */
struct vmst_tx_frame {
	struct vmst_cursor cur;	   /* past the Ethernet header and any tag */
	struct vmst_l2 l2;	   /* the tag (a trunk's) and the EtherType */
	struct vmst_port *port;	   /* the sender's port */
	struct vmst_port_cfg *cfg; /* and its control record */
	__u32 idx;		   /* its index (set for a drop too) */
};

/*
 * Every check of a frame a VM sent, the same for both hooks of its tap:
 * the port of the tap, the source MAC, the VLAN rule, anti-spoofing.
 * VMST_OK with *@f filled in, or the reason to drop it (under f->idx).
 */
static __always_inline __u32 vmst_tx_check(struct vmst_ctx *ctx,
					   struct vmst_tx_frame *f)
{
	__u64 mac48;
	__u32 reason;

	f->cur.off = 0;
	f->idx = vmst_dev_port(ctx_ifindex(ctx));
	f->port = bpf_map_lookup_elem(&vmst_ports, &f->idx);
	f->cfg = vmst_port_cfg_of(f->idx);
	if (!f->port || !f->cfg || !(f->port->key & VMST_KEY_VALID))
		return VMST_R_DROP_VM_NO_PORT;
	if (vmst_parse_ethhdr(ctx, &f->cur, &f->l2))
		return VMST_R_DROP_VM_MALFORMED;
	mac48 = f->port->key & 0xffffffffffffULL;
	if (vmst_mac48(f->l2.eth->h_source) != mac48)
		return VMST_R_DROP_SPOOF_MAC;
	reason = vmst_tx_vlan(ctx, &f->cur, &f->l2, f->idx, f->port->flags);
	if (reason == VMST_OK)
		reason = vmst_antispoof(ctx, f->l2.proto, f->cur.off, f->idx,
					f->port->flags, mac48);
	return reason;
}

#endif /* VMST_BPF_ANTISPOOF_H */
