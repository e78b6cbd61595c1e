// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer uplink skb path (tc clsact ingress on each uplink, direct
 * action). It runs after the uplink XDP program, on what that program
 * passed to the kernel: among those, frames a port owns that XDP could not
 * carry (multi-buffer frames larger than a page, GSO and checksum-partial
 * skbs of generic mode, frames longer than the tap's MTU) are redirected
 * into the tap here, on the skb path, which keeps their offloads. The same
 * (VLAN, MAC) lookup as in XDP; a frame longer than the tap's MTU that is
 * not GSO is left to the bridge, which drops it as it always did.
 * Everything else continues untouched (TC_ACT_OK).
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/fdb.h"
#include "lib/stats.h"
#include "lib/skb.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Network namespace of the uplink: redirect targets must live in it. */
const volatile __u32 netns_ino = 0;

SEC("tc")
int vmst_uplink_tc(struct __sk_buff *skb)
{
	struct vmst_port *port = NULL;
	struct vmst_port_cfg *cfg;
	__u32 idx, len = skb->len, tags = 0, in_data = 0;
	/* Ethernet header, then a tag's TCI and the EtherType after it. */
	__u8 eth[ETH_HLEN + VLAN_HLEN];
	__u16 vid = 0;
	__be16 proto;

#ifdef VMST_TEST_VARIANT
	asm volatile("r0 = %[v]" ::[v] "i"(VMST_TEST_VARIANT) : "r0");
#endif
	if (vmst_load(skb, 0, eth, ETH_HLEN) || (eth[0] & 1))
		return TC_ACT_OK;
	proto = *(__be16 *)(eth + 12);
	if (skb->vlan_present) {
		if (skb->vlan_proto != bpf_htons(ETH_P_8021Q))
			return TC_ACT_OK;
		vid = skb->vlan_tci & VMST_VLAN_MASK;
		tags = 1;
	}
	if (vmst_is_vlan_proto(proto)) {
		/* A tag left in the data: the only one, and 802.1Q. */
		if (tags || proto != bpf_htons(ETH_P_8021Q) ||
		    vmst_load(skb, 0, eth, sizeof(eth)))
			return TC_ACT_OK;
		if (vmst_is_vlan_proto(*(__be16 *)(eth + 16)))
			return TC_ACT_OK;
		vid = bpf_ntohs(*(__be16 *)(eth + 14)) & VMST_VLAN_MASK;
		tags = in_data = 1;
	}
	if (tags && (vid == 0 || vid == VLAN_VID_RSVD))
		return TC_ACT_OK;

	idx = vmst_fdb_lookup(vmst_fdb_key(vid, vmst_mac48(eth)), &port);
	if (!idx || !port)
		return TC_ACT_OK;
	cfg = vmst_port_cfg_of(idx);
	if (!cfg || cfg->netns_ino != netns_ino)
		return TC_ACT_OK;
	len -= in_data * VLAN_HLEN;
	if (!skb->gso_size && len > port->max_frame)
		return TC_ACT_OK;
	if (tags && bpf_skb_vlan_pop(skb))
		/* Maybe half-modified: never let it reach the bridge. */
		return vmst_skb_verdict(skb, idx, VMST_R_DROP_NO_TARGET,
					TC_ACT_SHOT);
	vmst_count_pc(idx, VMST_PC_TO_VM_TC_FRAMES, len);
	return bpf_redirect(cfg->ifindex, 0);
}
