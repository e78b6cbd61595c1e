/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Anti-spoofing of the frames a VM sends (tc program on its tap).
 *
 * The MAC check (source MAC = the port's) happens before these. Then, per
 * EtherType:
 *  - ARP: the sender MAC must be the port's; with addresses, the sender IP
 *    must be one of them (0.0.0.0 allowed: RFC 5227 probes).
 *  - IPv4: with addresses, the source must be one of them; 0.0.0.0 only for
 *    DHCP client messages (UDP 68 -> 67). UDP from port 67 (a DHCP server)
 *    is dropped unless the port is trusted.
 *  - IPv6: with addresses, the source must be one of them, link-local
 *    (fe80::/10), or :: for ICMPv6 and hop-by-hop packets (DAD neighbor
 *    solicitations, MLD reports). Router Advertisements and UDP from port
 *    547 (DHCPv6 server or relay) are dropped unless the port is trusted;
 *    a Neighbor Advertisement's target must be one of the port's addresses
 *    or link-local. Up to VMST_IPV6_EXT_MAX extension headers are walked
 *    to find the upper layer; a longer chain is dropped as unverifiable.
 * A port without addresses gets the MAC checks and the trust checks only.
 * Each check returns the reason of a drop, or VMST_R_MAX to let it go on.
 */
#ifndef VMST_BPF_ANTISPOOF_H
#define VMST_BPF_ANTISPOOF_H

#include "common.h"
#include "maps.h"
#include "skb.h"

#define ETH_P_ARP 0x0806

/* IP protocol and IPv6 next-header numbers (macros in the uapi). */
#define VMST_NH_HOPOPTS	 0
#define VMST_NH_UDP	 17
#define VMST_NH_ROUTING	 43
#define VMST_NH_FRAGMENT 44
#define VMST_NH_ICMPV6	 58
#define VMST_NH_DSTOPTS	 60
/* Pseudo next header: a non-first fragment, upper layer not present. */
#define VMST_NH_LATER_FRAG 0xffff

#define ICMPV6_ROUTER_ADVERT	134
#define ICMPV6_NEIGHBOUR_ADVERT 136

#define DHCP4_SERVER_PORT 67
#define DHCP4_CLIENT_PORT 68
#define DHCP6_SERVER_PORT 547

/* IPv6 extension headers walked at most before the upper layer. */
#define VMST_IPV6_EXT_MAX 4

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

static __always_inline bool vmst_ipv6_link_local(const __u8 a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static __always_inline bool vmst_ipv6_unspec(const __u8 a[16])
{
	const __u64 *w = (const __u64 *)a;

	return !(w[0] | w[1]);
}

/* ARP at @off: Ethernet/IPv4 ARP only. */
static __always_inline __u32 vmst_check_arp(struct __sk_buff *skb, __u32 off,
					    __u32 port, __u16 flags,
					    __u64 mac48)
{
	__u8 a[28]; /* arphdr, sender MAC and IP, target MAC and IP */

	if (vmst_load(skb, off, a, sizeof(a)))
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
static __always_inline __u32 vmst_check_ipv4(struct __sk_buff *skb, __u32 off,
					     __u32 port, __u16 flags)
{
	__u16 sport = 0, dport = 0;
	bool udp = false;
	__u8 ip[20];
	__be16 p[2];
	__u32 ihl;

	if (vmst_load(skb, off, ip, sizeof(ip)))
		return VMST_R_DROP_VM_MALFORMED;
	ihl = ip[0] & 0xf;
	if ((ip[0] >> 4) != 4 || ihl < 5)
		return VMST_R_DROP_VM_MALFORMED;
	/* UDP, first fragment or unfragmented: its ports are here. */
	if (ip[9] == VMST_NH_UDP && !(((ip[6] & 0x1f) << 8) | ip[7])) {
		if (vmst_load(skb, off + ihl * 4, p, sizeof(p)))
			return VMST_R_DROP_VM_MALFORMED;
		udp = true;
		sport = bpf_ntohs(p[0]);
		dport = bpf_ntohs(p[1]);
	}
	if ((flags & VMST_PORT_F_IPCHECK) && !vmst_addr4_ok(port, ip + 12)) {
		bool unspec = !(ip[12] | ip[13] | ip[14] | ip[15]);

		if (!(unspec && udp && sport == DHCP4_CLIENT_PORT &&
		      dport == DHCP4_SERVER_PORT))
			return VMST_R_DROP_SPOOF_IPV4;
	}
	if (udp && sport == DHCP4_SERVER_PORT && !(flags & VMST_PORT_F_TRUSTED))
		return VMST_R_DROP_ROGUE_DHCP4;
	return VMST_OK;
}

/* IPv6 at @off. */
static __always_inline __u32 vmst_check_ipv6(struct __sk_buff *skb, __u32 off,
					     __u32 port, __u16 flags)
{
	__u8 ip[40], first;
	__u32 nh;
	int i;

	if (vmst_load(skb, off, ip, sizeof(ip)))
		return VMST_R_DROP_VM_MALFORMED;
	if ((ip[0] >> 4) != 6)
		return VMST_R_DROP_VM_MALFORMED;
	first = nh = ip[6];
	off += sizeof(ip);

#pragma unroll
	for (i = 0; i < VMST_IPV6_EXT_MAX; i++) {
		__u8 e[4];

		if (nh != VMST_NH_HOPOPTS && nh != VMST_NH_ROUTING &&
		    nh != VMST_NH_DSTOPTS && nh != VMST_NH_FRAGMENT)
			break;
		if (vmst_load(skb, off, e, sizeof(e)))
			return VMST_R_DROP_VM_MALFORMED;
		if (nh == VMST_NH_FRAGMENT) {
			/* A later fragment has no upper-layer header. */
			if (((e[2] << 8) | e[3]) & 0xfff8) {
				nh = VMST_NH_LATER_FRAG;
				break;
			}
			off += 8;
		} else {
			off += (e[1] + 1) * 8;
		}
		nh = e[0];
	}
	if (nh == VMST_NH_HOPOPTS || nh == VMST_NH_ROUTING ||
	    nh == VMST_NH_DSTOPTS || nh == VMST_NH_FRAGMENT)
		return VMST_R_DROP_VM_MALFORMED; /* chain too long */

	if ((flags & VMST_PORT_F_IPCHECK) && !vmst_ipv6_link_local(ip + 8) &&
	    !vmst_addr6_ok(port, ip + 8)) {
		bool dad = vmst_ipv6_unspec(ip + 8) &&
			   (nh == VMST_NH_ICMPV6 || first == VMST_NH_HOPOPTS);

		if (!dad)
			return VMST_R_DROP_SPOOF_IPV6;
	}
	if (nh == VMST_NH_ICMPV6) {
		__u8 type;

		if (vmst_load(skb, off, &type, 1))
			return VMST_R_DROP_VM_MALFORMED;
		if (type == ICMPV6_ROUTER_ADVERT &&
		    !(flags & VMST_PORT_F_TRUSTED))
			return VMST_R_DROP_ROGUE_RA;
		if (type == ICMPV6_NEIGHBOUR_ADVERT &&
		    (flags & VMST_PORT_F_IPCHECK)) {
			__u8 target[16];

			if (vmst_load(skb, off + 8, target, sizeof(target)))
				return VMST_R_DROP_VM_MALFORMED;
			if (!vmst_ipv6_link_local(target) &&
			    !vmst_addr6_ok(port, target))
				return VMST_R_DROP_SPOOF_NA;
		}
	} else if (nh == VMST_NH_UDP) {
		__be16 sport;

		if (vmst_load(skb, off, &sport, sizeof(sport)))
			return VMST_R_DROP_VM_MALFORMED;
		if (sport == bpf_htons(DHCP6_SERVER_PORT) &&
		    !(flags & VMST_PORT_F_TRUSTED))
			return VMST_R_DROP_ROGUE_DHCP6;
	}
	return VMST_OK;
}

/*
 * The checks after the MAC one, for an untagged frame of EtherType @proto
 * from port @port (flags @flags, MAC @mac48).
 */
static __always_inline __u32 vmst_antispoof(struct __sk_buff *skb, __be16 proto,
					    __u32 port, __u16 flags,
					    __u64 mac48)
{
	if (proto == bpf_htons(ETH_P_ARP))
		return vmst_check_arp(skb, ETH_HLEN, port, flags, mac48);
	if (proto == bpf_htons(ETH_P_IP))
		return vmst_check_ipv4(skb, ETH_HLEN, port, flags);
	if (proto == bpf_htons(ETH_P_IPV6))
		return vmst_check_ipv6(skb, ETH_HLEN, port, flags);
	return VMST_OK;
}

#endif /* VMST_BPF_ANTISPOOF_H */
