/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reference model of the transmit path's decision (the tap program), from
 * README.md "The transmit path", the reasons' help texts and issue 3, not
 * from the BPF code: given a frame a VM wrote into its tap and the ports,
 * what should happen.
 *
 *  0. The tap's port is gone (deleted, or moving to a new index): DROP
 *     vm_no_port.
 *  1. Source MAC other than the port's: DROP spoof_mac.
 *  2. A VLAN tag (EtherType 802.1Q or 802.1ad): DROP vm_tagged on an
 *     access port, PASS vm_tagged_trunk on an untagged port.
 *  3. Anti-spoofing, by EtherType; a header a check needs that is cut
 *     short, or that is not what its EtherType says (IP version, ARP other
 *     than Ethernet/IPv4), is DROP vm_malformed:
 *     - ARP: sender MAC the port's, else spoof_arp; with addresses, the
 *       sender IP among them or 0.0.0.0, else spoof_arp.
 *     - IPv4: with addresses, the source among them, or 0.0.0.0 in a DHCP
 *       client message (UDP 68 -> 67), else spoof_ipv4. Then UDP from
 *       port 67 (a DHCP server) from an untrusted port: rogue_dhcpv4. The
 *       UDP ports are those of an unfragmented packet or first fragment.
 *     - IPv6: up to 4 extension headers (hop-by-hop, routing, destination
 *       options, fragment; the first 4 bytes of each must be there) lead
 *       to the upper layer, a later fragment has none; a fifth is
 *       vm_malformed. With addresses, the source among
 *       them, link-local (fe80::/10), or :: in ICMPv6 or behind a
 *       hop-by-hop header (DAD, MLD), else spoof_ipv6. Then ICMPv6 Router
 *       Advertisement from an untrusted port: rogue_ra; Neighbor
 *       Advertisement (with addresses) whose target is neither among them
 *       nor link-local: spoof_na; UDP from port 547 from an untrusted port:
 *       rogue_dhcpv6.
 *  4. Forwarding on the port's own VLAN (0 for an untagged port):
 *     - group destination: PASS vm_multicast;
 *     - the port's own (VLAN, MAC): PASS vm_unknown_dst;
 *     - another port's (VLAN, MAC) in the same network namespace: REDIRECT
 *       into its tap, counted from_vm_local (sender) and to_vm_tc
 *       (receiver);
 *     - otherwise, with a northbound uplink in the port's network
 *       namespace: a MAC local to the host in that namespace: PASS
 *       vm_host_dst (the bridge delivers it); any other: REDIRECT to it, the port's VLAN tag pushed (802.1Q,
 *       priority 0) for an access port, counted from_vm_uplink; with none,
 *       PASS vm_unknown_dst.
 * Frame bytes are never changed (a pushed tag is skb metadata). Reasons and
 * forwarding counters count the frame's length as the VM sent it.
 */
#ifndef VMST_UNIT_REFMODEL_TX_H
#define VMST_UNIT_REFMODEL_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "vmsteer.h"

struct ref_tx_port {
	__u32 idx;	 /* port index its counters are kept under */
	bool present;	 /* the port exists (false: deleted) */
	__u8 mac[6];	 /* the VM's MAC */
	__u16 vlan;	 /* access VLAN, 0: untagged port */
	bool trusted;	 /* --trusted */
	__u32 ifindex;	 /* its tap */
	__u32 netns_ino; /* network namespace of the tap */
	__u32 mtu;	 /* of its tap (the uplink skb path's size rule) */
	__u32 naddrs;	 /* 0: MAC checks only */
	struct vmst_addr addrs[VMST_MAX_ADDRS];
};

/* A MAC of this host (a bridge's, a device's, an unmanaged VM's). */
struct ref_tx_local {
	__u8 mac[6];
	__u32 netns_ino; /* the network namespace it is local to */
};

struct ref_tx_world {
	const struct ref_tx_port *ports;
	size_t nports;
	__u32 north_ifindex; /* 0: no uplink */
	__u32 north_netns_ino;
	const struct ref_tx_local *locals; /* host-local MACs */
	size_t nlocals;
};

enum ref_tx_verdict {
	REF_TX_PASS,	 /* TC_ACT_OK: the bridge decides */
	REF_TX_DROP,	 /* TC_ACT_SHOT */
	REF_TX_REDIRECT, /* TC_ACT_REDIRECT to @ifindex */
};

struct ref_tx_result {
	enum ref_tx_verdict verdict;
	int reason;    /* enum vmst_reason for PASS and DROP, else -1 */
	bool local;    /* REDIRECT: into another port's tap */
	size_t to;     /* local: index in the world's ports of the receiver */
	__u32 ifindex; /* REDIRECT: target device */
	__u16 tag_tci; /* REDIRECT north: tag pushed (0x8100), 0: none */
	__u64 bytes;   /* bytes counted */
};

/* Decide for @frame of @len bytes written by ports[@from]'s VM. */
void ref_tx_decide(const struct ref_tx_world *w, size_t from, const __u8 *frame,
		   size_t len, struct ref_tx_result *res);

/*
 * The uplink tc program (skb path, README "Uplink skb path" and "VLANs"),
 * on a frame arriving on an uplink of network namespace @uplink_netns
 * (the XDP program passed it up):
 *  - group destination: PASS;
 *  - untagged, or one 802.1Q tag (and the EtherType after it) with VID
 *    1..4094; anything else (802.1ad, two tags, VID 0 or 4095) PASS;
 *  - (VID, destination MAC) owned by a port of @uplink_netns, else PASS;
 *  - the frame without its tag longer than the port's MTU + 14 and not
 *    GSO (@gso): PASS, the bridge drops it as it always did;
 *  - else REDIRECT into the port's tap, tag removed, counted to_vm_tc
 *    with the length without the tag.
 * Nothing is counted for PASS (the XDP program counted it). @out gets the
 * frame as it leaves (@out_len bytes).
 */
void ref_uplink_tc_decide(const struct ref_tx_world *w, __u32 uplink_netns,
			  const __u8 *frame, size_t len, bool gso,
			  struct ref_tx_result *res, __u8 *out,
			  size_t *out_len);

#endif /* VMST_UNIT_REFMODEL_TX_H */
