// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Table-driven BPF_PROG_TEST_RUN tests of the transmit path: the tap tc
 * program (anti-spoofing, VLAN rules, east-west and northbound redirect)
 * and the uplink tc program (skb path). The programs share the maps of an
 * unpinned uplink fixture; ports are configured through the library
 * (vms_port_upsert with addresses and --trusted). Each row names the
 * sending port, describes the frame, and expects a verdict and exactly one
 * counter to move by one frame: a reason of the sender, or the sender's
 * from_vm_local / from_vm_uplink counter (and the receiver's to_vm_tc for
 * a local delivery). Every other counter of every port must stay still.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "frames.h"
#include "refmodel.h"
#include "refmodel_tx.h"
#include "test.h"
#include "tap.skel.h"
#include "uplink_tc.skel.h"
#include "core/addr.h"
#include "core/check.h"
#include "core/counters.h"
#include "core/ports.h"
#include "core/state.h"
#include "core/trunk.h"
#include "util/log.h"
#include "util/netdev.h"

/* Rows start from defaults (IP4(), IP6()) that some fields override. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT 7

/* The ports of every row. */
enum {
	P1, /* untagged, 10.0.0.1 and 2001:db8:1::/64 */
	P2, /* untagged, no addresses: MAC checks only */
	P3, /* access VLAN 10, 10.0.0.3 and 2001:db8:3::3, trusted */
	P4, /* access VLAN 20, 10.0.0.4 */
	P5, /* access VLAN 10, no addresses */
	P6, /* untagged, deleted after set-up: its program has no port */
	P7, /* trunk of VIDs 10, 30-31; 10.0.0.7, 2001:db8:7::7, fe80::7 */
	NPORTS,
};

static const struct {
	const char *name;
	__u8 mac[6];
	__u16 vlan;
	bool trusted;
	const char *ips[3];
	const char *trunk;
} ports[NPORTS] = {
	[P1] = {"tx1",
		{2, 0, 0, 0, 0, 1},
		0,
		false,
		{"10.0.0.1", "2001:db8:1::/64"}},
	[P2] = {"tx2", {2, 0, 0, 0, 0, 2}, 0, false, {NULL}},
	[P3] = {"tx3",
		{2, 0, 0, 0, 0, 3},
		10,
		true,
		{"10.0.0.3", "2001:db8:3::3"}},
	[P4] = {"tx4", {2, 0, 0, 0, 0, 4}, 20, false, {"10.0.0.4"}},
	[P5] = {"tx5", {2, 0, 0, 0, 0, 5}, 10, false, {NULL}},
	[P6] = {"tx6", {2, 0, 0, 0, 0, 6}, 0, false, {NULL}},
	[P7] = {"tx7",
		{2, 0, 0, 0, 0, 7},
		0,
		false,
		{"10.0.0.7", "2001:db8:7::7", "fe80::7"},
		"10,30-31"},
};

/* The EUI-64 link-local addresses of the ports' MACs. */
#define LL1 "fe80::ff:fe00:1"
#define LL2 "fe80::ff:fe00:2"
#define LL3 "fe80::ff:fe00:3"

/* What follows the Ethernet header (and the tag). */
enum l3 {
	K_IP4_UDP,
	K_IP6_UDP,
	K_IP6_ICMP, /* type @icmp; NA: target @na */
	K_ARP,
	K_OTHER,   /* EtherType 0x88b5, 46 bytes */
	K_ARP_CUT, /* ARP header cut after 10 bytes */
	K_IP4_CUT, /* IPv4 with IHL 15, UDP ports past the end */
};

/* A frame of @len bytes (K_OTHER only), for the MTU rows. */
#define MTU_FRAME 1514

struct tx_frame {
	const __u8 *dst; /* NULL: a remote unicast MAC */
	const __u8 *src; /* NULL: the sender's MAC */
	__u16 tag;	 /* VID, 0: untagged (unless @tagged) */
	bool tagged;	 /* a tag even with VID 0 (a priority tag) */
	__u16 tpid;	 /* tag protocol, 0: 802.1Q */
	__u16 tag2;	 /* a second 802.1Q tag inside the first, its VID */
	enum l3 l3;
	const char *saddr; /* IPv4 or IPv6 source, ARP sender IP */
	__u16 sport, dport;
	__u8 icmp;	/* ICMPv6 type */
	const char *na; /* NA target */
	int hbh;	/* IPv6 hop-by-hop headers before the upper layer */
	/* IPv6 extension headers, in order (after @hbh of them): H
	 * hop-by-hop, D destination options, R routing, A AH (12 bytes), F
	 * first fragment, f later fragment, L destination options of 64. */
	const char *ext;
	int cut;     /* IPv6 payload length, IPv4 total length: @cut shorter */
	int trailer; /* bytes after the IP packet (an Ethernet trailer) */
	__u8 first;  /* UDP: first payload byte (BOOTP op, DHCPv6 type) */
	__u8 opt;    /* ICMPv6 ND: an option of this type... */
	__u8 optlen; /* ...and length (0: 1, 8 bytes) */
	const __u8 *optmac; /* ...carrying this MAC (NULL: the sender's) */
	size_t len;	    /* K_OTHER: frame length (0: 60) */
	const __u8 *sha;    /* ARP sender MAC, NULL: the sender's MAC */
	bool frag;	    /* IPv4: a later fragment */
};

enum expect_kind { E_REASON, E_LOCAL, E_NORTH };

struct tx_case {
	const char *name;
	int from;
	struct tx_frame fr;
	int verdict;
	enum expect_kind kind;
	int reason; /* E_REASON */
	int to;	    /* E_LOCAL: receiving port */
	bool no_north;
};

static const __u8 MAC_REMOTE_U[6] = {2, 0, 0, 0, 0xee, 0xee};
static const __u8 MAC_OTHER[6] = {2, 0, 0, 0, 0, 0x99};
/* In vmst_local for this netns (a bridge's address, say). */
static const __u8 MAC_HOST[6] = {2, 0, 0, 0, 0x0b, 0x0b};
/* In vmst_local for another netns only: not local here. */
static const __u8 MAC_HOST_ELSEWHERE[6] = {2, 0, 0, 0, 0x0c, 0x0c};
static const __u8 BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const __u8 MCAST6[6] = {0x33, 0x33, 0, 0, 0, 1};

#define R(v, r)	 .verdict = TC_ACT_##v, .kind = E_REASON, .reason = VMST_R_##r
#define DROP(r)	 R(SHOT, DROP_##r)
#define NORTH	 .verdict = TC_ACT_REDIRECT, .kind = E_NORTH
#define LOCAL(p) .verdict = TC_ACT_REDIRECT, .kind = E_LOCAL, .to = (p)
#define FLOOD	 R(OK, PASS_VM_MULTICAST)
#define IP4(a, ...)                                                          \
	{                                                                    \
		.l3 = K_IP4_UDP, .saddr = (a), .sport = 1000, .dport = 2000, \
		__VA_ARGS__                                                  \
	}
#define IP6(a, ...)                                                          \
	{                                                                    \
		.l3 = K_IP6_UDP, .saddr = (a), .sport = 1000, .dport = 2000, \
		__VA_ARGS__                                                  \
	}
#define ICMP6(a, t, ...)                                                 \
	{                                                                \
		.l3 = K_IP6_ICMP, .saddr = (a), .icmp = (t), __VA_ARGS__ \
	}
#define ARP(a, ...)                                                  \
	{                                                            \
		.l3 = K_ARP, .dst = BCAST, .saddr = (a), __VA_ARGS__ \
	}

static const struct tx_case cases[] = {
	/* Source MAC. */
	{"mac_spoof", P1, {.l3 = K_OTHER, .src = MAC_OTHER}, DROP(SPOOF_MAC)},
	{"mac_spoof_mac_only_port",
	 P2,
	 {.l3 = K_OTHER, .src = MAC_OTHER},
	 DROP(SPOOF_MAC)},
	{"mac_of_another_port",
	 P1,
	 {.l3 = K_OTHER, .src = ports[P2].mac},
	 DROP(SPOOF_MAC)},
	{"own_mac_other_ethertype", P1, {.l3 = K_OTHER}, NORTH},

	/* IPv4 source. */
	{"ipv4_own_source", P1, IP4("10.0.0.1"), NORTH},
	{"ipv4_spoofed_source", P1, IP4("10.0.0.2"), DROP(SPOOF_IPV4)},
	{"ipv4_other_ports_source", P1, IP4("10.0.0.4"), DROP(SPOOF_IPV4)},
	{"ipv4_dhcp_discover_from_zero", P1,
	 IP4("0.0.0.0", .dst = BCAST, .sport = 68, .dport = 67, .first = 1),
	 FLOOD},
	{"ipv4_zero_source_not_dhcp", P1, IP4("0.0.0.0", .sport = 68),
	 DROP(SPOOF_IPV4)},
	{"ipv4_later_fragment_own_source", P1,
	 IP4("10.0.0.1", .frag = true, .sport = 67), NORTH},
	{"ipv4_udp_ports_past_the_end",
	 P1,
	 {.l3 = K_IP4_CUT},
	 DROP(VM_MALFORMED)},
	{"arp_cut_header",
	 P1,
	 {.l3 = K_ARP_CUT, .dst = BCAST},
	 DROP(VM_MALFORMED)},
	{"ipv4_any_source_without_addresses", P2, IP4("192.0.2.77"), NORTH},

	/* DHCPv4 server messages. */
	{"dhcpv4_server_untrusted", P1,
	 IP4("10.0.0.1", .dst = BCAST, .sport = 67, .dport = 68),
	 DROP(ROGUE_DHCP4)},
	{"dhcpv4_server_untrusted_without_addresses", P2,
	 IP4("10.0.0.2", .dst = BCAST, .sport = 67, .dport = 68),
	 DROP(ROGUE_DHCP4)},
	{"dhcpv4_server_trusted", P3,
	 IP4("10.0.0.3", .dst = BCAST, .sport = 67, .dport = 68), FLOOD},
	{"dhcpv4_client_request", P1,
	 IP4("10.0.0.1", .dst = BCAST, .sport = 68, .dport = 67, .first = 1),
	 FLOOD},
	/* Issue 9, escape 3: a server message is not known by its source
	 * port alone. */
	{"dhcpv4_offer_from_port_68", P1,
	 IP4("10.0.0.1", .dst = BCAST, .sport = 68, .dport = 68, .first = 2),
	 DROP(ROGUE_DHCP4)},
	{"dhcpv4_offer_from_port_1234", P1,
	 IP4("10.0.0.1", .dst = BCAST, .sport = 1234, .dport = 68, .first = 2),
	 DROP(ROGUE_DHCP4)},
	{"dhcpv4_bootreply_to_server_port", P1,
	 IP4("10.0.0.1", .dst = BCAST, .sport = 68, .dport = 67, .first = 2),
	 DROP(ROGUE_DHCP4)},
	{"dhcpv4_to_client_port_without_addresses", P2,
	 IP4("10.0.0.2", .dst = BCAST, .sport = 5000, .dport = 68),
	 DROP(ROGUE_DHCP4)},
	{"dhcpv4_to_server_port_op_in_a_later_fragment", P1,
	 IP4("10.0.0.1", .dst = BCAST, .sport = 68, .dport = 67, .first = 1,
	     .cut = 18),
	 DROP(ROGUE_DHCP4)},
	{"dhcpv4_trusted_offer_from_port_68", P3,
	 IP4("10.0.0.3", .dst = BCAST, .sport = 68, .dport = 68, .first = 2),
	 FLOOD},

	/* IPv6 source. */
	{"ipv6_source_in_prefix", P1, IP6("2001:db8:1::42"), NORTH},
	{"ipv6_source_outside_prefix", P1, IP6("2001:db8:2::1"),
	 DROP(SPOOF_IPV6)},
	{"ipv6_other_ports_source", P1, IP6("2001:db8:3::3"), DROP(SPOOF_IPV6)},
	/* Issue 9, escape 2: link-local sources. */
	{"ipv6_link_local_eui64_source", P1, IP6(LL1), NORTH},
	{"ipv6_link_local_other_source", P1, IP6("fe80::1234"),
	 DROP(SPOOF_IPV6)},
	{"ipv6_link_local_routers_source", P1, IP6("fe80::1"),
	 DROP(SPOOF_IPV6)},
	{"ipv6_link_local_fe81_source", P1, IP6("fe81::5"), DROP(SPOOF_IPV6)},
	{"ipv6_link_local_febf_source", P1, IP6("febf::ff:fe00:1"),
	 DROP(SPOOF_IPV6)},
	{"ipv6_link_local_of_another_mac", P1, IP6(LL2), DROP(SPOOF_IPV6)},
	{"ipv6_link_local_listed", P7, IP6("fe80::7"), NORTH},
	{"ipv6_link_local_any_without_addresses", P2, IP6("fe80::1"), NORTH},
	{"ipv6_dad_of_link_local_from_unspecified", P1,
	 ICMP6("::", 135, .na = LL1, .dst = MCAST6), FLOOD},
	{"ipv6_mldv1_from_unspecified", P1,
	 ICMP6("::", 131, .dst = MCAST6, .hbh = 1), FLOOD},
	{"ipv6_udp_from_unspecified_behind_hop_by_hop", P1,
	 IP6("::", .hbh = 1, .dst = MCAST6), DROP(SPOOF_IPV6)},
	{"ipv6_echo_from_unspecified", P1, ICMP6("::", 128), DROP(SPOOF_IPV6)},
	/* RFC 4861 4.1: an RS from :: is allowed, without a source
	 * link-layer option (not even the port's own MAC). */
	{"ipv6_rs_from_unspecified", P1, ICMP6("::", 133, .dst = MCAST6),
	 FLOOD},
	{"ipv6_rs_from_unspecified_with_sll", P1,
	 ICMP6("::", 133, .dst = MCAST6, .opt = 1), DROP(SPOOF_LLADDR)},
	{"ipv6_dad_from_unspecified", P1, ICMP6("::", 135, .dst = MCAST6),
	 FLOOD},
	{"ipv6_mld_from_unspecified", P1,
	 ICMP6("::", 143, .dst = MCAST6, .hbh = 1), FLOOD},
	{"ipv6_udp_from_unspecified", P1, IP6("::"), DROP(SPOOF_IPV6)},
	{"ipv6_any_source_without_addresses", P2, IP6("2001:db8:9::9"), NORTH},
	{"ipv6_header_chain_too_long", P1, IP6("2001:db8:1::1", .hbh = 7),
	 DROP(VM_EXT_HDR)},
	{"ipv6_header_chain_of_six", P1, IP6("2001:db8:1::1", .ext = "HDRDFA"),
	 NORTH},

	/* Issue 9, escape 4: the header chain within the packet. */
	{"ra_behind_ah", P1, ICMP6(LL1, 134, .dst = MCAST6, .ext = "A"),
	 DROP(ROGUE_RA)},
	{"ra_behind_dstopts_and_ah", P1,
	 ICMP6(LL1, 134, .dst = MCAST6, .ext = "DA"), DROP(ROGUE_RA)},
	{"dhcpv6_reply_behind_ah", P1,
	 IP6(LL1, .sport = 547, .dport = 546, .dst = MCAST6, .ext = "A"),
	 DROP(ROGUE_DHCP6)},
	{"first_fragment_cut_in_dstopts_with_trailer", P1,
	 ICMP6(LL1, 134, .dst = MCAST6, .ext = "FL", .cut = 24 + 40,
	       .trailer = 24),
	 DROP(VM_EXT_HDR)},
	{"first_fragment_cut_in_dstopts", P1,
	 IP6(LL1, .dst = MCAST6, .ext = "FL", .cut = 24 + 40),
	 DROP(VM_EXT_HDR)},
	{"first_fragment_with_upper_layer", P1,
	 IP6("2001:db8:1::1", .ext = "F"), NORTH},
	{"later_fragment", P1, IP6("2001:db8:1::1", .ext = "f"), NORTH},
	{"later_fragment_spoofed", P1, IP6("2001:db8:2::1", .ext = "f"),
	 DROP(SPOOF_IPV6)},
	{"udp_header_in_trailer", P1,
	 IP6(LL1, .dst = MCAST6, .ext = "D", .cut = 24, .trailer = 24),
	 DROP(VM_EXT_HDR)},
	{"udp_with_trailer", P1,
	 IP6("2001:db8:1::1", .ext = "D", .trailer = 24), NORTH},
	{"payload_length_past_the_frame", P1, IP6("2001:db8:1::1", .cut = -200),
	 DROP(VM_MALFORMED)},
	{"header_chain_without_addresses", P2,
	 IP6("2001:db8:1::1", .ext = "FL", .cut = 24 + 40), DROP(VM_EXT_HDR)},

	/* Router Advertisements. */
	{"ra_untrusted", P1, ICMP6(LL1, 134, .dst = MCAST6), DROP(ROGUE_RA)},
	{"ra_untrusted_behind_hop_by_hop", P1,
	 ICMP6(LL1, 134, .dst = MCAST6, .hbh = 2), DROP(ROGUE_RA)},
	{"ra_untrusted_without_addresses", P2,
	 ICMP6("fe80::2", 134, .dst = MCAST6), DROP(ROGUE_RA)},
	{"ra_trusted", P3, ICMP6(LL3, 134, .dst = MCAST6), FLOOD},
	{"ra_trusted_own_source_ll_option", P3,
	 ICMP6(LL3, 134, .dst = MCAST6, .opt = 1), FLOOD},
	{"ra_trusted_other_source_ll_option", P3,
	 ICMP6(LL3, 134, .dst = MCAST6, .opt = 1, .optmac = MAC_OTHER),
	 DROP(SPOOF_LLADDR)},
	{"router_solicitation", P1, ICMP6(LL1, 133, .dst = MCAST6), FLOOD},
	{"router_solicitation_own_ll_option", P1,
	 ICMP6(LL1, 133, .dst = MCAST6, .opt = 1), FLOOD},
	{"router_solicitation_other_ll_option", P1,
	 ICMP6(LL1, 133, .dst = MCAST6, .opt = 1, .optmac = MAC_OTHER),
	 DROP(SPOOF_LLADDR)},

	/* Redirects. */
	{"redirect_untrusted", P1, ICMP6(LL1, 137), DROP(ROGUE_REDIRECT)},
	{"redirect_untrusted_from_routers_address", P1, ICMP6("fe80::1", 137),
	 DROP(SPOOF_IPV6)},
	{"redirect_untrusted_without_addresses", P2, ICMP6("fe80::1", 137),
	 DROP(ROGUE_REDIRECT)},
	{"redirect_trusted", P3, ICMP6(LL3, 137), NORTH},

	/* Neighbor Solicitations. */
	{"ns_own_source_ll_option", P1,
	 ICMP6(LL1, 135, .na = "2001:db8:1::9", .dst = MCAST6, .opt = 1),
	 FLOOD},
	{"ns_other_source_ll_option", P1,
	 ICMP6(LL1, 135, .na = "2001:db8:1::9", .dst = MCAST6, .opt = 1,
	       .optmac = MAC_OTHER),
	 DROP(SPOOF_LLADDR)},
	{"ns_other_source_ll_option_without_addresses", P2,
	 ICMP6(LL2, 135, .na = "2001:db8:1::9", .dst = MCAST6, .opt = 1,
	       .optmac = MAC_OTHER),
	 DROP(SPOOF_LLADDR)},
	{"ns_from_routers_link_local", P1,
	 ICMP6("fe80::1", 135, .na = "fe80::9", .dst = MCAST6, .opt = 1),
	 DROP(SPOOF_IPV6)},
	{"ns_long_source_ll_option", P1,
	 ICMP6(LL1, 135, .na = "fe80::9", .dst = MCAST6, .opt = 1, .optlen = 2),
	 DROP(SPOOF_LLADDR)},
	{"ns_option_of_length_zero", P1,
	 ICMP6(LL1, 135, .na = "fe80::9", .dst = MCAST6, .opt = 1,
	       .optlen = 0xff),
	 DROP(VM_MALFORMED)},
	{"ns_other_option_type", P1,
	 ICMP6(LL1, 135, .na = "fe80::9", .dst = MCAST6, .opt = 14,
	       .optmac = MAC_OTHER),
	 FLOOD},

	/* Neighbor Advertisements. */
	{"na_own_address", P1,
	 ICMP6("2001:db8:1::7", 136, .na = "2001:db8:1::7", .dst = MCAST6),
	 FLOOD},
	{"na_own_link_local_target", P1,
	 ICMP6(LL1, 136, .na = LL1, .dst = MCAST6), FLOOD},
	{"na_routers_link_local_target", P1,
	 ICMP6(LL1, 136, .na = "fe80::1", .dst = MCAST6), DROP(SPOOF_NA)},
	{"na_routers_link_local_target_unicast", P1,
	 ICMP6(LL1, 136, .na = "fe80::1", .dst = ports[P2].mac),
	 DROP(SPOOF_NA)},
	{"na_listed_link_local_target", P7,
	 ICMP6("fe80::7", 136, .na = "fe80::7", .dst = MCAST6), FLOOD},
	{"na_other_ports_address", P1,
	 ICMP6(LL1, 136, .na = "2001:db8:3::3", .dst = MCAST6), DROP(SPOOF_NA)},
	{"na_own_target_ll_option", P1,
	 ICMP6(LL1, 136, .na = "2001:db8:1::5", .dst = MCAST6, .opt = 2),
	 FLOOD},
	{"na_other_target_ll_option", P1,
	 ICMP6(LL1, 136, .na = "2001:db8:1::5", .dst = MCAST6, .opt = 2,
	       .optmac = MAC_OTHER),
	 DROP(SPOOF_LLADDR)},
	{"na_other_target_ll_option_without_addresses", P2,
	 ICMP6("fe80::2", 136, .na = "2001:db8:5::1", .dst = MCAST6, .opt = 2,
	       .optmac = MAC_OTHER),
	 DROP(SPOOF_LLADDR)},
	{"na_foreign_address", P1,
	 ICMP6("2001:db8:1::7", 136, .na = "2001:db8:5::1", .dst = MCAST6),
	 DROP(SPOOF_NA)},
	{"na_any_target_without_addresses", P2,
	 ICMP6("fe80::2", 136, .na = "2001:db8:5::1", .dst = MCAST6), FLOOD},

	/* DHCPv6 server messages. */
	{"dhcpv6_server_untrusted", P1, IP6(LL1, .sport = 547, .dport = 546),
	 DROP(ROGUE_DHCP6)},
	{"dhcpv6_server_trusted", P3,
	 IP6(LL3, .sport = 547, .dport = 546, .dst = MCAST6, .first = 7),
	 FLOOD},
	{"dhcpv6_client_solicit", P1,
	 IP6(LL1, .sport = 546, .dport = 547, .dst = MCAST6, .first = 1),
	 FLOOD},
	{"dhcpv6_client_renew", P1,
	 IP6(LL1, .sport = 546, .dport = 547, .dst = MCAST6, .first = 5),
	 FLOOD},
	{"dhcpv6_advertise_from_port_5470", P1,
	 IP6(LL1, .sport = 5470, .dport = 546, .dst = MCAST6, .first = 2),
	 DROP(ROGUE_DHCP6)},
	{"dhcpv6_reply_from_port_546", P1,
	 IP6(LL1, .sport = 546, .dport = 546, .dst = MCAST6, .first = 7),
	 DROP(ROGUE_DHCP6)},
	{"dhcpv6_reply_to_server_port", P1,
	 IP6(LL1, .sport = 546, .dport = 547, .dst = MCAST6, .first = 7),
	 DROP(ROGUE_DHCP6)},
	{"dhcpv6_relay_forward_untrusted", P1,
	 IP6(LL1, .sport = 546, .dport = 547, .dst = MCAST6, .first = 12),
	 DROP(ROGUE_DHCP6)},
	{"dhcpv6_to_server_port_type_in_a_later_fragment", P1,
	 IP6(LL1, .sport = 546, .dport = 547, .dst = MCAST6, .first = 1,
	     .ext = "F", .cut = 16),
	 DROP(ROGUE_DHCP6)},
	{"dhcpv6_reconfigure_untrusted", P1,
	 IP6(LL1, .sport = 546, .dport = 547, .dst = MCAST6, .first = 10),
	 DROP(ROGUE_DHCP6)},

	/* ARP. */
	{"arp_own_sender", P1, ARP("10.0.0.1"), FLOOD},
	{"arp_probe_zero_sender_ip", P1, ARP("0.0.0.0"), FLOOD},
	{"arp_spoofed_sender_ip", P1, ARP("10.0.0.9"), DROP(SPOOF_ARP)},
	{"arp_spoofed_sender_mac", P1, ARP("10.0.0.1", .sha = MAC_OTHER),
	 DROP(SPOOF_ARP)},
	{"arp_sender_mac_checked_without_addresses", P2,
	 ARP("10.0.0.2", .sha = MAC_OTHER), DROP(SPOOF_ARP)},
	{"arp_any_ip_without_addresses", P2, ARP("192.0.2.5"), FLOOD},

	/* VLAN tags from VMs. */
	{"tagged_on_access_port", P3, IP4("10.0.0.3", .tag = 10),
	 DROP(VM_TAGGED)},
	{"tagged_other_vlan_on_access_port", P3, IP4("10.0.0.3", .tag = 20),
	 DROP(VM_TAGGED)},
	/* Issue 9, escape 1: no tag from an untagged port. */
	{"tagged_on_untagged_port", P1, IP4("10.0.0.1", .tag = 10),
	 DROP(VM_TAGGED)},
	{"priority_tag_on_untagged_port", P1, IP4("10.0.0.1", .tagged = true),
	 DROP(VM_TAGGED)},
	{"rogue_ra_in_priority_tag", P1,
	 ICMP6(LL1, 134, .dst = MCAST6, .tagged = true), DROP(VM_TAGGED)},
	{"spoofed_source_in_priority_tag", P1, IP4("10.0.0.4", .tagged = true),
	 DROP(VM_TAGGED)},
	{"qinq_tag_on_untagged_port", P1,
	 IP4("10.0.0.1", .tag = 10, .tpid = 0x88a8), DROP(VM_TAGGED)},
	{"tag_9100_on_untagged_port", P1,
	 IP4("10.0.0.2", .tag = 10, .tpid = 0x9100), DROP(VM_TAGGED)},
	{"tag_9100_vid0_on_untagged_port", P1,
	 IP4("10.0.0.2", .tagged = true, .tpid = 0x9100), DROP(VM_TAGGED)},
	{"tag_9100_on_access_port", P3,
	 IP4("10.0.0.3", .tag = 10, .tpid = 0x9100), DROP(VM_TAGGED)},
	{"tagged_without_addresses",
	 P2,
	 {.l3 = K_OTHER, .tag = 7},
	 DROP(VM_TAGGED)},
	{"tag_cut_short",
	 P1,
	 {.l3 = K_OTHER, .tag = 7, .len = 16},
	 DROP(VM_MALFORMED)},

	/* Trunk ports. */
	{"trunk_listed_vid", P7, IP4("10.0.0.7", .tag = 10),
	 R(OK, PASS_VM_TAGGED)},
	{"trunk_listed_vid_in_range", P7, IP4("10.0.0.7", .tag = 31),
	 R(OK, PASS_VM_TAGGED)},
	{"trunk_listed_vid_priority_bits", P7,
	 IP4("10.0.0.7", .tag = 0xe000 | 30), R(OK, PASS_VM_TAGGED)},
	{"trunk_vid_not_listed", P7, IP4("10.0.0.7", .tag = 20),
	 DROP(VM_TAGGED)},
	{"trunk_priority_tag", P7, IP4("10.0.0.7", .tagged = true),
	 DROP(VM_TAGGED)},
	{"trunk_qinq_tag", P7, IP4("10.0.0.7", .tag = 10, .tpid = 0x88a8),
	 DROP(VM_TAGGED)},
	{"trunk_9100_tag", P7, IP4("10.0.0.7", .tag = 10, .tpid = 0x9100),
	 DROP(VM_TAGGED)},
	{"trunk_stacked_tags", P7, IP4("10.0.0.7", .tag = 10, .tag2 = 10),
	 DROP(VM_TAGGED)},
	{"trunk_spoofed_source_in_tag", P7, IP4("10.0.0.1", .tag = 10),
	 DROP(SPOOF_IPV4)},
	{"trunk_rogue_ra_in_tag", P7,
	 ICMP6("fe80::7", 134, .dst = MCAST6, .tag = 10), DROP(ROGUE_RA)},
	{"trunk_arp_in_tag", P7, ARP("10.0.0.7", .tag = 30),
	 R(OK, PASS_VM_TAGGED)},
	{"trunk_arp_spoofed_in_tag", P7, ARP("10.0.0.1", .tag = 30),
	 DROP(SPOOF_ARP)},
	{"trunk_untagged", P7, IP4("10.0.0.7"), NORTH},
	{"trunk_untagged_spoofed", P7, IP4("10.0.0.1"), DROP(SPOOF_IPV4)},

	/* Issue 9, escape 5: the MTU of where a frame is redirected. */
	{"north_fits_the_mtu", P1, {.l3 = K_OTHER, .len = MTU_FRAME}, NORTH},
	{"north_longer_than_the_mtu",
	 P1,
	 {.l3 = K_OTHER, .len = MTU_FRAME + 1},
	 DROP(VM_TOO_BIG)},
	{"north_access_port_fits_the_mtu",
	 P4,
	 {.l3 = K_OTHER, .len = MTU_FRAME},
	 NORTH},
	{"north_access_port_longer_than_the_mtu",
	 P4,
	 {.l3 = K_OTHER, .len = MTU_FRAME + 1},
	 DROP(VM_TOO_BIG)},
	{"east_west_fits_the_mtu",
	 P1,
	 {.l3 = K_OTHER, .dst = ports[P2].mac, .len = MTU_FRAME},
	 LOCAL(P2)},
	{"east_west_longer_than_the_mtu",
	 P1,
	 {.l3 = K_OTHER, .dst = ports[P2].mac, .len = 3000},
	 DROP(VM_TOO_BIG)},
	{"bridge_judges_a_long_broadcast",
	 P1,
	 {.l3 = K_OTHER, .dst = BCAST, .len = 3000},
	 FLOOD},

	/* Forwarding. */
	{"east_west_untagged", P1, IP4("10.0.0.1", .dst = ports[P2].mac),
	 LOCAL(P2)},
	{"east_west_untagged_reverse",
	 P2,
	 {.l3 = K_OTHER, .dst = ports[P1].mac},
	 LOCAL(P1)},
	{"east_west_same_vlan", P3, IP4("10.0.0.3", .dst = ports[P5].mac),
	 LOCAL(P5)},
	{"other_vlan_goes_north_not_local", P3,
	 IP4("10.0.0.3", .dst = ports[P4].mac), NORTH},
	{"untagged_to_access_mac_goes_north", P1,
	 IP4("10.0.0.1", .dst = ports[P3].mac), NORTH},
	{"access_to_untagged_mac_goes_north", P4,
	 IP4("10.0.0.4", .dst = ports[P1].mac), NORTH},
	{"to_own_mac_left_to_bridge", P1, IP4("10.0.0.1", .dst = ports[P1].mac),
	 R(OK, PASS_VM_UNKNOWN)},
	{"unicast_without_uplink", P1, IP4("10.0.0.1"), R(OK, PASS_VM_UNKNOWN),
	 .no_north = true},
	{"east_west_without_uplink", P1, IP4("10.0.0.1", .dst = ports[P2].mac),
	 LOCAL(P2), .no_north = true},
	{"to_host_mac_left_to_bridge", P1, IP4("10.0.0.1", .dst = MAC_HOST),
	 R(OK, PASS_VM_HOST)},
	{"to_host_mac_from_access_port_left_to_bridge", P3,
	 IP4("10.0.0.3", .dst = MAC_HOST), R(OK, PASS_VM_HOST)},
	{"arp_to_host_mac_left_to_bridge", P1, ARP("10.0.0.1", .dst = MAC_HOST),
	 R(OK, PASS_VM_HOST)},
	{"host_mac_of_other_netns_goes_north", P1,
	 IP4("10.0.0.1", .dst = MAC_HOST_ELSEWHERE), NORTH},
	{"host_mac_without_uplink", P1, IP4("10.0.0.1", .dst = MAC_HOST),
	 R(OK, PASS_VM_UNKNOWN), .no_north = true},
	{"broadcast", P1, {.l3 = K_OTHER, .dst = BCAST}, FLOOD},
	{"multicast", P4, IP4("10.0.0.4", .dst = MCAST6), FLOOD},
	{"port_gone", P6, {.l3 = K_OTHER}, DROP(VM_NO_PORT)},
};

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The longest frame a row builds. */
#define TX_FRAME_MAX 4096

/* ICMPv6 message body before the ND options, by type. */
static size_t icmp6_body(__u8 type)
{
	switch (type) {
	case 133: /* RS */
		return 8;
	case 134: /* RA */
		return 16;
	case 137: /* Redirect */
		return 40;
	}
	return 24; /* NS, NA (target at 8), and the rest */
}

/* Build @fr as sent by port @from into @b; returns the length. */
static size_t build(const struct tx_frame *fr, int from, __u8 *b)
{
	__u8 a6[16] = {0}, t6[16] = {0};
	size_t off = 14, l3, i, nhp, len;
	const char *e;

	memset(b, 0, TX_FRAME_MAX);
	memcpy(b, fr->dst ? fr->dst : MAC_REMOTE_U, 6);
	memcpy(b + 6, fr->src ? fr->src : ports[from].mac, 6);
	if (fr->tag || fr->tagged) {
		put16(b + 12, fr->tpid ? fr->tpid : 0x8100);
		put16(b + 14, fr->tag);
		off += 4;
	}
	if (fr->tag2) {
		put16(b + off - 2, 0x8100);
		put16(b + off, fr->tag2);
		off += 4;
	}
	l3 = off;
	switch (fr->l3) {
	case K_OTHER:
		put16(b + off - 2, 0x88b5);
		return fr->len ? fr->len : off + 46;
	case K_ARP_CUT:
		put16(b + off - 2, 0x0806);
		put16(b + l3, 1);
		return off + 10;
	case K_IP4_CUT:
		put16(b + off - 2, 0x0800);
		b[l3] = 0x4f;
		put16(b + l3 + 2, 46);
		b[l3 + 9] = 17;
		inet_pton(AF_INET, "10.0.0.1", b + l3 + 12);
		return off + 46;
	case K_ARP:
		put16(b + off - 2, 0x0806);
		put16(b + l3, 1);
		put16(b + l3 + 2, 0x0800);
		b[l3 + 4] = 6;
		b[l3 + 5] = 4;
		put16(b + l3 + 6, 1);
		memcpy(b + l3 + 8, fr->sha ? fr->sha : ports[from].mac, 6);
		inet_pton(AF_INET, fr->saddr, b + l3 + 14);
		inet_pton(AF_INET, "10.0.0.254", b + l3 + 24);
		return off + 28 + 18;
	case K_IP4_UDP:
		put16(b + off - 2, 0x0800);
		b[l3] = 0x45;
		put16(b + l3 + 2, 20 + 8 + 18 - fr->cut);
		if (fr->frag)
			put16(b + l3 + 6, 100); /* offset 800 bytes */
		b[l3 + 8] = 64;
		b[l3 + 9] = 17;
		inet_pton(AF_INET, fr->saddr, b + l3 + 12);
		inet_pton(AF_INET, "10.0.0.254", b + l3 + 16);
		put16(b + l3 + 20, fr->sport);
		put16(b + l3 + 22, fr->dport);
		put16(b + l3 + 24, 8 + 18);
		b[l3 + 28] = fr->first;
		return l3 + 20 + 8 + 18 + fr->trailer;
	case K_IP6_UDP:
	case K_IP6_ICMP:
		put16(b + off - 2, 0x86dd);
		b[l3] = 0x60;
		b[l3 + 7] = 255;
		inet_pton(AF_INET6, fr->saddr, a6);
		memcpy(b + l3 + 8, a6, 16);
		inet_pton(AF_INET6, "ff02::1", b + l3 + 24);
		off = l3 + 40;
		nhp = l3 + 6; /* where the next header number goes */
		for (i = 0; i < (size_t)fr->hbh; i++) {
			b[nhp] = 0;
			nhp = off;
			b[off + 2] = 1; /* PadN */
			b[off + 3] = 4;
			off += 8;
		}
		for (e = fr->ext ? fr->ext : ""; *e; e++) {
			size_t hl = 8;

			switch (*e) {
			case 'H':
				b[nhp] = 0;
				break;
			case 'D':
				b[nhp] = 60;
				break;
			case 'L':
				b[nhp] = 60;
				hl = 64;
				break;
			case 'R':
				b[nhp] = 43;
				break;
			case 'A':
				b[nhp] = 51;
				hl = 12;
				break;
			case 'F':
			case 'f':
				b[nhp] = 44;
				break;
			}
			nhp = off;
			if (*e == 'A') {
				b[off + 1] = 1; /* (1 + 2) * 4 bytes */
			} else if (*e == 'F' || *e == 'f') {
				put16(b + off + 2, *e == 'f' ? 100 << 3 : 1);
			} else {
				b[off + 1] = hl / 8 - 1;
				b[off + 2] = 1; /* PadN over the rest */
				b[off + 3] = hl - 4;
			}
			off += hl;
		}
		b[nhp] = fr->l3 == K_IP6_UDP ? 17 : 58;
		if (fr->l3 == K_IP6_UDP) {
			put16(b + off, fr->sport);
			put16(b + off + 2, fr->dport);
			put16(b + off + 4, 8 + 16);
			b[off + 8] = fr->first;
			off += 8 + 16;
		} else {
			b[off] = fr->icmp;
			if (fr->na)
				inet_pton(AF_INET6, fr->na, t6);
			memcpy(b + off + 8, t6, 16);
			off += icmp6_body(fr->icmp);
			if (fr->opt) {
				__u8 ol = fr->optlen ? fr->optlen : 1;

				b[off] = fr->opt;
				b[off + 1] = fr->optlen == 0xff ? 0 : ol;
				memcpy(b + off + 2,
				       fr->optmac ? fr->optmac
						  : ports[from].mac,
				       6);
				off += fr->optlen == 0xff ? 8 : ol * 8;
			}
		}
		put16(b + l3 + 4, off - l3 - 40 - fr->cut);
		/* A trailer that reads like a harmless UDP header. */
		for (i = 0; i < (size_t)fr->trailer; i++)
			b[off + i] = i == 1 ? 53 : 0x11;
		len = off + fr->trailer;
		return len < 60 ? 60 : len;
	}
	return 0;
}

struct tx_fixture {
	struct fixture f;
	__u32 idx[NPORTS];
	struct tap_bpf *tap[NPORTS];
	struct uplink_tc_bpf *up;
};

/* Reuse the fixture's maps in a tc object, then load it. */
static int share_maps(struct fixture *f, struct bpf_object *obj)
{
	struct bpf_map *map;
	int i, err;

	bpf_object__for_each_map(map, obj)
	{
		const char *name = bpf_map__name(map);

		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
		for (i = 0; i < VMS_MAP_N; i++)
			if (!strcmp(name, vms_map_table[i].name))
				break;
		if (i == VMS_MAP_N)
			continue;
		err = bpf_map__reuse_fd(map, f->maps.fd[i]);
		if (err)
			return err;
	}
	return bpf_object__load(obj);
}

static int add_port(struct tx_fixture *t, int p)
{
	struct vms_port_spec s = {
		.ifindex = TEST_TARGET_IFINDEX,
		.netns_ino = vms_netns_ino(),
		.vlan = ports[p].vlan,
		.mtu = 1500,
		.trusted = ports[p].trusted,
	};
	int i, err;

	snprintf(s.name, sizeof(s.name), "%s", ports[p].name);
	memcpy(s.mac, ports[p].mac, 6);
	if (ports[p].trunk) {
		err = vms_parse_vids("trunk", ports[p].trunk, &s.vids);
		if (err)
			return err;
		s.trunk = true;
	}
	for (i = 0; i < 3 && ports[p].ips[i]; i++) {
		err = vms_parse_addr(ports[p].ips[i], &s.addrs[i]);
		if (err)
			return err;
		s.naddrs++;
	}
	return vms_port_upsert(&t->f.maps, &s, &t->idx[p]);
}

static void tx_teardown(struct tx_fixture *t)
{
	int p;

	for (p = 0; p < NPORTS; p++)
		tap_bpf__destroy(t->tap[p]);
	uplink_tc_bpf__destroy(t->up);
	fixture_teardown(&t->f);
}

static bool set_north(struct tx_fixture *t, bool on)
{
	struct vmst_north n = {on ? TEST_TARGET_IFINDEX : 0,
			       on ? vms_netns_ino() : 0};
	__u32 zero = 0;

	return ASSERT_OK(bpf_map_update_elem(t->f.maps.fd[VMS_MAP_NORTH], &zero,
					     &n, BPF_ANY),
			 "north");
}

/* @mac is host-local in network namespace @netns. */
static bool set_local(struct tx_fixture *t, const __u8 mac[6], __u32 netns)
{
	struct vmst_local_key k = {.mac48 = vms_mac48(mac), .netns_ino = netns};
	struct vmst_local v = {TEST_TARGET_IFINDEX, VMST_LOCAL_F_DEVICE};

	return ASSERT_OK(bpf_map_update_elem(t->f.maps.fd[VMS_MAP_LOCAL], &k,
					     &v, BPF_ANY),
			 "local MAC");
}

static bool tx_setup(struct tx_fixture *t)
{
	int p;

	memset(t, 0, sizeof(*t));
	/* Every redirect target is the loopback device: the MTU rows need
	 * it at TEST_TARGET_MTU (only in a network namespace of our own). */
	if (!ASSERT_OK(fixture_target_mtu(TEST_TARGET_MTU), "target MTU"))
		return false;
	if (!fixture_setup(&t->f))
		return false;
	for (p = 0; p < NPORTS; p++) {
		if (!ASSERT_OK(add_port(t, p), ports[p].name))
			goto fail;
		t->tap[p] = tap_bpf__open();
		if (!ASSERT_OK_PTR(t->tap[p], "tap_bpf__open"))
			goto fail;
		t->tap[p]->rodata->port_index = t->idx[p];
		if (!ASSERT_OK(share_maps(&t->f, t->tap[p]->obj),
			       "load the tap program"))
			goto fail;
	}
	t->up = uplink_tc_bpf__open();
	if (!ASSERT_OK_PTR(t->up, "uplink_tc_bpf__open"))
		goto fail;
	t->up->rodata->netns_ino = vms_netns_ino();
	if (!ASSERT_OK(share_maps(&t->f, t->up->obj),
		       "load the uplink tc program"))
		goto fail;
	if (!ASSERT_OK(vms_port_delete(&t->f.maps, t->idx[P6]), "delete P6"))
		goto fail;
	if (!set_north(t, true))
		goto fail;
	if (!set_local(t, MAC_HOST, vms_netns_ino()) ||
	    !set_local(t, MAC_HOST_ELSEWHERE, vms_netns_ino() + 1))
		goto fail;
	return true;
fail:
	tx_teardown(t);
	return false;
}

struct tc_run {
	int err;
	__u32 retval;
	__u8 out[FRAME_MAX];
	__u32 out_len;
};

static void run_tc(int fd, const void *in, size_t len, __u32 gso_size,
		   struct tc_run *r)
{
	struct __sk_buff ctx = {.gso_size = gso_size, .gso_segs = !!gso_size};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out),
		    .repeat = 1);

	if (gso_size) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	r->err = bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
	r->retval = opts.retval;
	r->out_len = opts.data_size_out;
}

/* Every counter of every port, and every reason of every port. */
struct counts {
	struct vmst_port_stats ps[NPORTS];
	/* The whole row: the tc program counts nothing in an XDP slot. */
	struct vmst_counter rs[NPORTS][VMST_RSTATS_ROW];
};

static bool read_counts(struct tx_fixture *t, struct counts *c)
{
	int p, r;

	for (p = 0; p < NPORTS; p++) {
		if (fixture_pstats(&t->f, t->idx[p], &c->ps[p]))
			return false;
		for (r = 0; r < VMST_RSTATS_ROW; r++)
			if (fixture_reason(&t->f, t->idx[p], r, &c->rs[p][r]))
				return false;
	}
	return true;
}

/*
 * Exactly the expected counters moved: each (port, counter) of @want_pc
 * by one frame and @bytes, each (port, reason) of @want_r by one frame;
 * nothing else.
 */
static void check_counts(const struct counts *a, const struct counts *b,
			 int want_pc[2][2], int want_r[2], __u64 bytes)
{
	int p, i, r;

	for (p = 0; p < NPORTS; p++) {
		for (i = 0; i < VMST_PC_MAX; i++) {
			__u64 d = b->ps[p].c[i] - a->ps[p].c[i], w = 0;
			int k;

			for (k = 0; k < 2; k++)
				if (want_pc[k][0] == p &&
				    (want_pc[k][1] == i ||
				     want_pc[k][1] + 1 == i))
					w = want_pc[k][1] == i ? 1 : bytes;
			if (d != w)
				FAIL("port %s counter %s moved by %llu, want "
				     "%llu",
				     ports[p].name, vms_pc_labels[i],
				     (unsigned long long)d,
				     (unsigned long long)w);
		}
		for (r = 0; r < VMST_RSTATS_ROW; r++) {
			__u64 d = b->rs[p][r].frames - a->rs[p][r].frames;
			__u64 w = want_r[0] == p && want_r[1] == r;

			if (d != w)
				FAIL("port %s slot %s moved by %llu, want "
				     "%llu",
				     ports[p].name, ref_slot_str(r),
				     (unsigned long long)d,
				     (unsigned long long)w);
		}
	}
}

static const char *tc_verdict(__u32 v)
{
	switch (v) {
	case TC_ACT_OK:
		return "TC_ACT_OK";
	case TC_ACT_SHOT:
		return "TC_ACT_SHOT";
	case TC_ACT_REDIRECT:
		return "TC_ACT_REDIRECT";
	}
	return "TC_ACT_?";
}

/* The reference model's view of the fixture's ports (fuzz_tap's model). */
static void model_world(const struct tx_fixture *t, struct ref_tx_port *rp,
			struct ref_tx_world *w, bool north)
{
	static struct ref_tx_local locals[2];
	int p, i;

	memset(rp, 0, NPORTS * sizeof(*rp));
	for (p = 0; p < NPORTS; p++) {
		rp[p].idx = t->idx[p];
		rp[p].present = p != P6;
		memcpy(rp[p].mac, ports[p].mac, 6);
		rp[p].vlan = ports[p].vlan;
		rp[p].trusted = ports[p].trusted;
		if (ports[p].trunk) {
			rp[p].trunk = true;
			vms_parse_vids("trunk", ports[p].trunk, &rp[p].vids);
		}
		rp[p].ifindex = TEST_TARGET_IFINDEX;
		rp[p].netns_ino = vms_netns_ino();
		rp[p].mtu = 1500;
		for (i = 0; i < 3 && ports[p].ips[i]; i++)
			if (!vms_parse_addr(ports[p].ips[i],
					    &rp[p].addrs[rp[p].naddrs]))
				rp[p].naddrs++;
	}
	/* The host-local MACs tx_setup() writes into vmst_local. */
	memcpy(locals[0].mac, MAC_HOST, 6);
	locals[0].netns_ino = vms_netns_ino();
	memcpy(locals[1].mac, MAC_HOST_ELSEWHERE, 6);
	locals[1].netns_ino = vms_netns_ino() + 1;
	*w = (struct ref_tx_world){rp,
				   NPORTS,
				   north ? TEST_TARGET_IFINDEX : 0,
				   north ? vms_netns_ino() : 0,
				   locals,
				   2,
				   north ? TEST_TARGET_MTU : 0};
}

/* The model agrees with a row: the row's expectation is the oracle. */
static void check_model(const struct tx_fixture *t, const struct tx_case *c,
			const __u8 *frame, size_t len)
{
	struct ref_tx_port rp[NPORTS];
	struct ref_tx_result res;
	struct ref_tx_world w;
	int v;

	model_world(t, rp, &w, !c->no_north);
	ref_tx_decide(&w, c->from, frame, len, &res);
	v = res.verdict == REF_TX_PASS	 ? TC_ACT_OK
	    : res.verdict == REF_TX_DROP ? TC_ACT_SHOT
					 : TC_ACT_REDIRECT;
	if (v != c->verdict)
		FAIL("model: verdict %s, want %s", tc_verdict(v),
		     tc_verdict(c->verdict));
	else if (c->kind == E_REASON && res.reason != c->reason)
		FAIL("model: reason %s, want %s",
		     res.reason >= 0 ? vms_reason_labels[res.reason] : "none",
		     vms_reason_labels[c->reason]);
	else if (c->kind != E_REASON && res.local != (c->kind == E_LOCAL))
		FAIL("model: %s, want %s", res.local ? "local" : "north",
		     c->kind == E_LOCAL ? "local" : "north");
	else if (c->kind == E_LOCAL && res.to != (size_t)c->to)
		FAIL("model: to %s, want %s", ports[res.to].name,
		     ports[c->to].name);
	else if (c->kind == E_NORTH && res.tag_tci != ports[c->from].vlan)
		FAIL("model: tag %u pushed, want %u", res.tag_tci,
		     ports[c->from].vlan);
}

TEST(tap)
{
	static struct tx_fixture t;
	static struct counts before, after;
	static struct tc_run run;
	static __u8 frame[TX_FRAME_MAX];
	size_t i, len;

	if (!tx_setup(&t))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tx_case *c = &cases[i];
		int want_pc[2][2] = {{-1, -1}, {-1, -1}}, want_r[2] = {-1, -1};

		if (!test__start_subtest("%s", c->name))
			continue;
		if (c->no_north && !set_north(&t, false))
			continue;
		len = build(&c->fr, c->from, frame);
		check_model(&t, c, frame, len);
		if (!ASSERT_OK(read_counts(&t, &before) ? 0 : -1, "counters"))
			continue;
		run_tc(bpf_program__fd(t.tap[c->from]->progs.vmst_tap), frame,
		       len, 0, &run);
		if (c->no_north)
			set_north(&t, true);
		if (!ASSERT_OK(run.err, "BPF_PROG_TEST_RUN"))
			continue;
		if (run.retval != (__u32)c->verdict)
			FAIL("verdict %s, want %s", tc_verdict(run.retval),
			     tc_verdict(c->verdict));
		/* The reason table (VMST_REASONS) agrees with the program. */
		if (c->kind == E_REASON) {
			ASSERT_TRUE(vms_reason_from_vm(c->reason),
				    "reason's direction is VM");
			ASSERT_EQ(vms_reason_drops(c->reason),
				  run.retval == TC_ACT_SHOT,
				  "reason's kind is the verdict");
		}
		/* The VM's frame leaves unmodified (a tag is pushed as
		 * skb metadata, not in the data). */
		ASSERT_MEMEQ(run.out, run.out_len, frame, len, "frame out");
		if (!ASSERT_OK(read_counts(&t, &after) ? 0 : -1, "counters"))
			continue;
		if (c->kind == E_REASON) {
			want_r[0] = c->from;
			want_r[1] = c->reason;
		} else if (c->kind == E_LOCAL) {
			want_pc[0][0] = c->from;
			want_pc[0][1] = VMST_PC_FROM_VM_LOCAL_FRAMES;
			want_pc[1][0] = c->to;
			want_pc[1][1] = VMST_PC_TO_VM_TC_FRAMES;
		} else {
			want_pc[0][0] = c->from;
			want_pc[0][1] = VMST_PC_FROM_VM_UPLINK_FRAMES;
		}
		check_counts(&before, &after, want_pc, want_r, len);
		/* Reasons count bytes too: the frame's length. */
		if (c->kind == E_REASON)
			ASSERT_EQ(after.rs[c->from][c->reason].bytes -
					  before.rs[c->from][c->reason].bytes,
				  len, "reason bytes");
	}
	tx_teardown(&t);
}

/* The uplink skb path: (VLAN, MAC) lookup, tag removed, size rules. */
struct up_case {
	const char *name;
	const __u8 *dst;
	__u16 tag, tag2; /* 802.1Q VIDs in the data, 0: none */
	size_t len;	 /* as built, tags included */
	__u32 gso_size;
	int verdict;
	int to; /* receiving port, -1: none */
};

static const struct up_case up_cases[] = {
	{"untagged_to_untagged_port", ports[P1].mac, 0, 0, 60, 0,
	 TC_ACT_REDIRECT, P1},
	{"tagged_to_access_port_tag_removed", ports[P3].mac, 10, 0, 64, 0,
	 TC_ACT_REDIRECT, P3},
	{"access_mac_on_other_vlan", ports[P3].mac, 20, 0, 64, 0, TC_ACT_OK,
	 -1},
	{"access_mac_untagged", ports[P3].mac, 0, 0, 60, 0, TC_ACT_OK, -1},
	{"untagged_mac_tagged", ports[P1].mac, 10, 0, 64, 0, TC_ACT_OK, -1},
	{"double_tagged", ports[P3].mac, 10, 10, 68, 0, TC_ACT_OK, -1},
	{"unknown_unicast", MAC_REMOTE_U, 0, 0, 60, 0, TC_ACT_OK, -1},
	{"broadcast", BCAST, 0, 0, 60, 0, TC_ACT_OK, -1},
	{"max_frame", ports[P1].mac, 0, 0, 1514, 0, TC_ACT_REDIRECT, P1},
	{"longer_than_mtu_left_to_bridge", ports[P1].mac, 0, 0, 1515, 0,
	 TC_ACT_OK, -1},
	{"gso_longer_than_mtu", ports[P1].mac, 0, 0, 3000, 1448,
	 TC_ACT_REDIRECT, P1},
	{"tagged_max_frame", ports[P3].mac, 10, 0, 1518, 0, TC_ACT_REDIRECT,
	 P3},
	/* Found by fuzz_tap: the tag and the EtherType after it are enough. */
	{"tagged_shortest_frame", ports[P3].mac, 10, 0, 18, 0, TC_ACT_REDIRECT,
	 P3},
	{"deleted_port", ports[P6].mac, 0, 0, 60, 0, TC_ACT_OK, -1},
};

/* The uplink tc model agrees with a row. */
static void check_model_up(const struct tx_fixture *t, const struct up_case *c,
			   const __u8 *frame, const __u8 *want, size_t wlen)
{
	static __u8 mout[8192];
	struct ref_tx_port rp[NPORTS];
	struct ref_tx_result res;
	struct ref_tx_world w;
	size_t mlen;

	model_world(t, rp, &w, true);
	ref_uplink_tc_decide(&w, vms_netns_ino(), frame, c->len,
			     c->gso_size != 0, &res, mout, &mlen);
	if ((res.verdict == REF_TX_REDIRECT) != (c->verdict == TC_ACT_REDIRECT))
		FAIL("model: %s, want %s",
		     res.verdict == REF_TX_REDIRECT ? "redirect" : "pass",
		     tc_verdict(c->verdict));
	else if (c->verdict == TC_ACT_REDIRECT && res.to != (size_t)c->to)
		FAIL("model: to %s, want %s", ports[res.to].name,
		     ports[c->to].name);
	else
		ASSERT_MEMEQ(mout, mlen, want, wlen, "model's frame out");
}

TEST(uplink_tc)
{
	static struct tx_fixture t;
	static struct counts before, after;
	static struct tc_run run;
	static __u8 frame[8192], want[8192];
	size_t i;

	if (!tx_setup(&t))
		return;
	for (i = 0; i < sizeof(up_cases) / sizeof(up_cases[0]); i++) {
		const struct up_case *c = &up_cases[i];
		int want_pc[2][2] = {{c->to, VMST_PC_TO_VM_TC_FRAMES},
				     {-1, -1}},
		    want_r[2] = {-1, -1};
		size_t off = 12, ntags = !!c->tag + !!c->tag2, wlen;

		if (!test__start_subtest("%s", c->name))
			continue;
		memset(frame, 0, c->len);
		memcpy(frame, c->dst, 6);
		memcpy(frame + 6, MAC_REMOTE_U, 6);
		if (c->tag) {
			put16(frame + off, 0x8100);
			put16(frame + off + 2, c->tag);
			off += 4;
		}
		if (c->tag2) {
			put16(frame + off, 0x8100);
			put16(frame + off + 2, c->tag2);
			off += 4;
		}
		put16(frame + off, 0x88b5);
		frame[off + 2] = 0xab;
		frame[c->len - 1] = 0xcd;
		/* What the tap gets: the frame without its tag. */
		memcpy(want, frame, 12);
		memcpy(want + 12, frame + 12 + 4 * ntags,
		       c->len - 12 - 4 * ntags);
		wlen = c->verdict == TC_ACT_REDIRECT ? c->len - 4 * ntags
						     : c->len;
		if (c->verdict != TC_ACT_REDIRECT)
			memcpy(want, frame, c->len);
		check_model_up(&t, c, frame, want, wlen);
		if (!ASSERT_OK(read_counts(&t, &before) ? 0 : -1, "counters"))
			continue;
		run_tc(bpf_program__fd(t.up->progs.vmst_uplink_tc), frame,
		       c->len, c->gso_size, &run);
		if (!ASSERT_OK(run.err, "BPF_PROG_TEST_RUN"))
			continue;
		if (run.retval != (__u32)c->verdict)
			FAIL("verdict %s, want %s", tc_verdict(run.retval),
			     tc_verdict(c->verdict));
		ASSERT_MEMEQ(run.out, run.out_len, want, wlen, "frame out");
		if (!ASSERT_OK(read_counts(&t, &after) ? 0 : -1, "counters"))
			continue;
		check_counts(&before, &after, want_pc, want_r, wlen);
	}
	tx_teardown(&t);
}

/* `--ip` parsing: accepted as written, refused with a reason. */
static const struct {
	const char *in;
	int ok;		 /* 1: accepted */
	const char *out; /* vms_format_addr() of it */
} addr_cases[] = {
	{"10.0.0.1", 1, "10.0.0.1"},
	{"10.0.0.1/32", 1, "10.0.0.1"},
	{"10.1.0.0/16", 1, "10.1.0.0/16"},
	{"2001:db8::1", 1, "2001:db8::1"},
	{"2001:DB8:1::/64", 1, "2001:db8:1::/64"},
	{"fe80::1", 1, "fe80::1"},
	{"10.0.0.1/24", 0, NULL},    /* host bits set */
	{"2001:db8::1/64", 0, NULL}, /* host bits set */
	{"10.0.0.0/0", 0, NULL},
	{"10.0.0.1/33", 0, NULL},
	{"2001:db8::/129", 0, NULL},
	{"10.0.0.1/", 0, NULL},
	{"10.0.0.1/x", 0, NULL},
	{"0.0.0.0", 0, NULL},
	{"127.0.0.1", 0, NULL},
	{"224.0.0.1", 0, NULL},
	{"255.255.255.255", 0, NULL},
	{"::", 0, NULL},
	{"::1", 0, NULL},
	{"ff02::1", 0, NULL},
	{"10.0.0", 0, NULL},
	{"fe80::1%eth0", 0, NULL},
	{"", 0, NULL},
};

TEST(port_addr_parse)
{
	char buf[VMS_ADDR_STRLEN];
	struct vmst_addr a;
	size_t i;

	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		int err;

		if (!test__start_subtest("%s", addr_cases[i].in[0]
						       ? addr_cases[i].in
						       : "(empty)"))
			continue;
		err = vms_parse_addr(addr_cases[i].in, &a);
		if (!addr_cases[i].ok) {
			ASSERT_ERR(err, "vms_parse_addr");
			ASSERT_TRUE(vms_last_error() &&
					    strstr(vms_last_error(),
						   addr_cases[i].in),
				    "message names the address");
			continue;
		}
		if (!ASSERT_OK(err, "vms_parse_addr"))
			continue;
		vms_format_addr(&a, buf);
		ASSERT_STREQ(buf, addr_cases[i].out, "formatted");
	}
}

/* Number of entries of an LPM trie (4 or 6). */
static int lpm_count(const struct fixture *f, int v)
{
	struct vmst_lpm6_key k, next;
	void *prev = NULL;
	int n = 0, fd = f->maps.fd[v == 4 ? VMS_MAP_ADDR4 : VMS_MAP_ADDR6];

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static int upsert_ips(struct fixture *f, const char *name, __u8 last,
		      __u16 vlan, const char *const *ips, int n, __u32 *idx)
{
	struct vms_port_spec s = {.ifindex = TEST_TARGET_IFINDEX,
				  .netns_ino = vms_netns_ino(),
				  .mac = {2, 0, 0, 0, 1, last},
				  .vlan = vlan,
				  .mtu = 1500};
	int i, err;

	snprintf(s.name, sizeof(s.name), "%s", name);
	for (i = 0; i < n; i++) {
		if (i >= VMST_MAX_ADDRS + 1)
			break;
		if (i < VMST_MAX_ADDRS) {
			err = vms_parse_addr(ips[i], &s.addrs[i]);
			if (err)
				return err;
		}
	}
	s.naddrs = n;
	return vms_port_upsert(&f->maps, &s, idx);
}

TEST(port_addr_rules)
{
	static const char *const a[] = {"10.0.0.1", "2001:db8::/64"};
	static const char *const overlap4[] = {"10.0.0.0/24"};
	static const char *const overlap6[] = {"2001:db8::42"};
	static const char *const dup_in_port[] = {"10.0.1.0/24", "10.0.1.9"};
	static const char *const other[] = {"10.0.2.1"};
	static const char *many[VMST_MAX_ADDRS + 1];
	static char many_buf[VMST_MAX_ADDRS + 1][24];
	struct maps_snapshot before = {};
	struct vmst_port_tx tx;
	struct fixture f;
	__u32 idx, idx2;
	int i;

	for (i = 0; i < VMST_MAX_ADDRS + 1; i++) {
		snprintf(many_buf[i], sizeof(many_buf[i]), "10.9.%d.1", i);
		many[i] = many_buf[i];
	}
	if (!fixture_setup(&f))
		return;
	if (!ASSERT_OK(upsert_ips(&f, "a1", 1, 10, a, 2, &idx), "port a1"))
		goto out;
	ASSERT_EQ(lpm_count(&f, 4), 1, "IPv4 entries");
	ASSERT_EQ(lpm_count(&f, 6), 1, "IPv6 entries");
	if (!ASSERT_OK(fixture_snapshot(&f, &before), "snapshot"))
		goto out;

	if (test__start_subtest("overlap_ipv4_same_vlan_refused")) {
		ASSERT_ERR(upsert_ips(&f, "a2", 2, 10, overlap4, 1, &idx2),
			   "upsert");
		ASSERT_TRUE(strstr(vms_last_error(), "overlaps") &&
				    strstr(vms_last_error(), "a1"),
			    "message names the other port");
		fixture_unchanged(&f, &before, "maps");
	}
	if (test__start_subtest("overlap_ipv6_same_vlan_refused")) {
		ASSERT_ERR(upsert_ips(&f, "a2", 2, 10, overlap6, 1, &idx2),
			   "upsert");
		fixture_unchanged(&f, &before, "maps");
	}
	if (test__start_subtest("duplicate_in_one_port_refused")) {
		ASSERT_ERR(upsert_ips(&f, "a2", 2, 10, dup_in_port, 2, &idx2),
			   "upsert");
		fixture_unchanged(&f, &before, "maps");
	}
	if (test__start_subtest("too_many_addresses_refused")) {
		ASSERT_ERR(upsert_ips(&f, "a2", 2, 10, many, VMST_MAX_ADDRS + 1,
				      &idx2),
			   "upsert");
		fixture_unchanged(&f, &before, "maps");
	}
	if (test__start_subtest("same_address_other_vlan_allowed")) {
		ASSERT_OK(upsert_ips(&f, "b1", 3, 20, a, 2, &idx2), "upsert");
		ASSERT_EQ(lpm_count(&f, 4), 2, "IPv4 entries");
		ASSERT_OK(vms_port_delete(&f.maps, idx2), "delete");
		ASSERT_EQ(lpm_count(&f, 4), 1, "IPv4 entries after delete");
		ASSERT_EQ(lpm_count(&f, 6), 1, "IPv6 entries after delete");
	}
	if (test__start_subtest("max_addresses_accepted")) {
		ASSERT_OK(upsert_ips(&f, "c1", 4, 30, many, VMST_MAX_ADDRS,
				     &idx2),
			  "upsert");
		ASSERT_EQ(lpm_count(&f, 4), 1 + VMST_MAX_ADDRS, "entries");
		ASSERT_OK(vms_port_delete(&f.maps, idx2), "delete");
	}
	if (test__start_subtest("update_in_place_replaces_addresses")) {
		ASSERT_OK(upsert_ips(&f, "a1", 1, 10, other, 1, &idx2),
			  "upsert");
		ASSERT_EQ(idx2, idx, "same index");
		ASSERT_EQ(lpm_count(&f, 4), 1, "IPv4 entries");
		ASSERT_EQ(lpm_count(&f, 6), 0, "IPv6 entries");
		ASSERT_OK(vms_port_tx_read(&f.maps, idx, &tx), "read");
		ASSERT_EQ(tx.naddrs, 1, "naddrs");
	}
	if (test__start_subtest("move_index_carries_addresses")) {
		/* A new MAC moves the port to a new index. */
		ASSERT_OK(upsert_ips(&f, "a1", 7, 10, a, 2, &idx2), "upsert");
		ASSERT_NEQ(idx2, idx, "new index");
		ASSERT_EQ(lpm_count(&f, 4), 1, "IPv4 entries");
		ASSERT_EQ(lpm_count(&f, 6), 1, "IPv6 entries");
		ASSERT_OK(vms_port_tx_read(&f.maps, idx, &tx), "old record");
		ASSERT_EQ(tx.naddrs, 0, "old record cleared");
		ASSERT_OK(vms_port_tx_read(&f.maps, idx2, &tx), "new record");
		ASSERT_EQ(tx.naddrs, 2, "new record");
	}
	snapshot_free(&before);
out:
	fixture_teardown(&f);
}

static void count_finding(void *ctx, enum vms_check_kind kind, const char *msg)
{
	(void)msg;
	if (kind == VMS_CHECK_REPAIR)
		(*(int *)ctx)++;
}

/* Put (@idx, @a/32) into the IPv4 trie, as a killed change would leave. */
static bool plant4(struct fixture *f, __u32 idx, __u8 last)
{
	struct vmst_lpm4_key k = {32 + 32, idx, {10, 77, 0, last}};
	__u32 one = 1;

	return ASSERT_OK(bpf_map_update_elem(f->maps.fd[VMS_MAP_ADDR4], &k,
					     &one, BPF_ANY),
			 "plant a stale address");
}

/* (@idx, 10.77.0.@last/32) in the trie and listed in @idx's record: what
 * a change killed after lpm_begin leaves (ports.c). */
static bool plant4_listed(struct fixture *f, __u32 idx, __u8 last)
{
	struct vmst_port_tx tx = {.naddrs = 1};

	tx.addrs[0].family = VMST_AF_INET;
	tx.addrs[0].prefix_len = 32;
	tx.addrs[0].addr[0] = 10;
	tx.addrs[0].addr[1] = 77;
	tx.addrs[0].addr[3] = last;
	return plant4(f, idx, last) &&
	       ASSERT_OK(vms_port_tx_write(&f->maps, idx, &tx),
			 "list the planted address");
}

/* Addresses no port's record holds: found by the checker, removed by the
 * sweep (apply). A port that takes an index where a killed change left
 * addresses (listed in the index's record) inherits none of them. */
TEST(port_addr_stale)
{
	static const char *const a[] = {"10.0.0.1", "2001:db8::/64"};
	static const char *const b[] = {"10.0.0.2"};
	struct vmst_config conf;
	__u32 idx, idx2, zero = 0, next;
	struct fixture f;
	int found = 0;

	if (!fixture_setup(&f))
		return;
	if (!ASSERT_OK(upsert_ips(&f, "a1", 1, 10, a, 2, &idx), "port a1"))
		goto out;
	/* One at a free index, one at a1's index that its record lacks. */
	if (!plant4(&f, idx + 5, 1) || !plant4(&f, idx, 2))
		goto out;
	ASSERT_EQ(vms_addr_sweep(&f.maps, 0, false, count_finding, &found), 2,
		  "stale addresses");
	ASSERT_EQ(found, 2, "reported as repairs");
	ASSERT_EQ(lpm_count(&f, 4), 3, "nothing removed without fix");
	ASSERT_EQ(vms_state_check(&f.maps, count_finding, &found) >= 2, 1,
		  "the checker reports them");
	ASSERT_EQ(vms_addr_sweep(&f.maps, 0, true, NULL, NULL), 2, "swept");
	ASSERT_EQ(lpm_count(&f, 4), 1, "a1's own address stays");
	ASSERT_EQ(lpm_count(&f, 6), 1, "a1's IPv6 prefix stays");
	ASSERT_EQ(vms_addr_sweep(&f.maps, 0, false, NULL, NULL), 0,
		  "nothing left");

	/* The index the next port will take, with an address planted. */
	if (!ASSERT_OK(bpf_map_lookup_elem(f.maps.fd[VMS_MAP_CONFIG], &zero,
					   &conf),
		       "config"))
		goto out;
	next = conf.next_port;
	if (!plant4_listed(&f, next, 3))
		goto out;
	if (!ASSERT_OK(upsert_ips(&f, "b1", 2, 10, b, 1, &idx2), "port b1"))
		goto out;
	ASSERT_EQ(idx2, next, "b1 took the planted index");
	ASSERT_EQ(lpm_count(&f, 4), 2, "b1 has its address only");
	ASSERT_EQ(vms_addr_sweep(&f.maps, 0, false, NULL, NULL), 0,
		  "b1 inherited nothing");
out:
	fixture_teardown(&f);
}
