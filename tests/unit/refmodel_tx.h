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
 *  2. A VLAN tag (EtherType 802.1Q, 802.1ad or 0x9100, whatever its VID,
 *     0 included): DROP vm_tagged, unless the port is a trunk, the tag is
 *     802.1Q, its VID (1..4094) is in the trunk's list and no second tag
 *     follows; then the frame inside the tag is what step 3 checks (cut
 *     short inside the tag: vm_malformed).
 *  3. Anti-spoofing, by EtherType; a header a check needs that is cut
 *     short, or that is not what its EtherType says (IP version, ARP other
 *     than Ethernet/IPv4), is DROP vm_malformed:
 *     - ARP: sender MAC the port's, else spoof_arp; with addresses, the
 *       sender IP among them or 0.0.0.0, else spoof_arp.
 *     - IPv4: total length at least the header's; with addresses, the
 *       source among them, or 0.0.0.0 in a DHCP client message (UDP 68 ->
 *       67), else spoof_ipv4. The UDP header is that of an unfragmented
 *       packet or first fragment, within the total length. From an
 *       untrusted port, UDP from 67 or to 68, or to 67 without a first byte
 *       (BOOTP op) of 1 in the packet, is rogue_dhcpv4 (RFC 2131 4.1).
 *     - IPv6: the packet ends where its payload length says (past the
 *       frame: vm_malformed). Up to 6 extension headers (hop-by-hop,
 *       routing, destination options: (len+1)*8 bytes; fragment: 8; AH:
 *       (len+2)*4) lead to the upper layer; a later fragment has none.
 *       A seventh, a header that does not fit in the packet, or (when
 *       the upper layer is here) an ICMPv6 header under 4 bytes or a UDP
 *       header under 8 is vm_ext_headers (RFC 7113). With addresses, the
 *       source must be among them or fe80::/64 with the modified EUI-64
 *       of the port's MAC; :: only in an ICMPv6 NS, RS or MLD report
 *       (135, 133, 131, 143) whose header is here; else spoof_ipv6. Then ICMPv6: from an
 *       untrusted port RA is rogue_ra, Redirect rogue_redirect; RS, RA
 *       (options after 8 and 16 bytes), NS and NA (after 24: shorter is
 *       vm_malformed) have Neighbor Discovery options up to the end, at
 *       most 16, none of length 0 or running past the end (else
 *       vm_malformed); every source link-layer option (RS, RA, NS) or
 *       target link-layer option (NA) must be one 8-byte option with
 *       the port's MAC, else spoof_nd_lladdr (an RS from :: may have
 *       none at all, RFC 4861 4.1); with addresses an NA's
 *       target follows the source rule (before the options), else
 *       spoof_na. UDP from an untrusted port: from 547 or to 546, or to
 *       547 without a client's message type (first byte) in the packet
 *       (1,3,4,5,6,8,9,11 are a client's), is rogue_dhcpv6
 *       (RFC 8415 7.2, 7.3).
 *     A trunk's frame that passed: PASS vm_tagged_trunk.
 *  4. Forwarding on the port's own VLAN (0 for an untagged port):
 *     - group destination: PASS vm_multicast;
 *     - the port's own (VLAN, MAC): PASS vm_unknown_dst;
 *     - another port's (VLAN, MAC) in the same network namespace: REDIRECT
 *       into its tap, counted from_vm_local (sender) and to_vm_tc
 *       (receiver); longer than that tap's MTU + 14: DROP vm_too_big;
 *     - otherwise, with a northbound uplink in the port's network
 *       namespace: a MAC local to the host in that namespace: PASS
 *       vm_host_dst (the bridge delivers it); longer than the uplink's
 *       MTU + 14 (a known one): DROP vm_too_big; any other: REDIRECT to
 *       it, the port's VLAN tag pushed (802.1Q,
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
	__u32 idx;    /* port index its counters are kept under */
	bool present; /* the port exists (false: deleted) */
	__u8 mac[6];  /* the VM's MAC */
	__u16 vlan;   /* access VLAN, 0: untagged port */
	bool trunk;   /* --trunk: the VIDs of @vids */
	struct vmst_trunk vids;
	bool trusted;	 /* --trusted */
	__u32 ifindex;	 /* its tap */
	__u32 netns_ino; /* network namespace of the tap */
	__u32 mtu;	 /* of its tap (the uplink skb path's size rule) */
	__u32 naddrs;	 /* 0: MAC checks only */
	struct vmst_addr addrs[VMST_MAX_ADDRS];
	bool rss; /* queue steering (VMST_RSS_F_ENABLED): frames to it
		   * take tc, whose redirect runs the tap's steering program */
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
	__u32 north_mtu; /* 0: not known (no such device), not judged */
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
 * The tap XDP program (README "Two hooks: XDP first, then tc"), on the
 * same frame: every drop of the tc program but vm_too_big is its own
 * (same reason, counted in the reason's XDP slot); it forwards what tc
 * would redirect, into another port's tap unless that port has queue
 * steering (@rss: an XDP redirect would queue the frame by CPU, not by
 * the tap's steering program), or to the uplink when the uplink takes
 * XDP frames (@north_xdp), unless ref_tx_xdp_leaves_to_tc(); everything
 * else goes on to the tc program: PASS with reason -1, nothing counted.
 * A tag for an access port is pushed into the frame's bytes (after the
 * MACs).
 */
void ref_tx_xdp_decide(const struct ref_tx_world *w, size_t from,
		       const __u8 *frame, size_t len, bool north_xdp,
		       struct ref_tx_result *res);
/*
 * Frames the tap XDP program leaves to tc even when it could forward
 * them: TCP or UDP (IPv4 not fragmented, IPv6 without extension headers)
 * whose checksum field holds the sum of the pseudo-header (addresses,
 * protocol, L4 length): left to offload; IPv6 with extension headers; IP
 * headers or checksum fields cut short. IPv4 UDP with checksum 0 has
 * none to finish.
 */
bool ref_tx_xdp_leaves_to_tc(const __u8 *frame, size_t len);

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
