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
#define VMST_CTX_SKB
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/fdb.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "lib/verdict.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Network namespace of the uplink: redirect targets must live in it. */
const volatile __u32 netns_ino = 0;

SEC("tc")
int vmst_uplink_tc(struct __sk_buff *skb)
{
	struct vmst_port *port = NULL;
	struct vmst_cursor cur = {};
	struct vmst_port_cfg *cfg;
	__u32 idx, len = skb->len;
	struct vmst_l2 l2;

	VMST_TEST_MARK();
	if (vmst_parse_ethhdr(skb, &cur, &l2) || (l2.eth->h_dest[0] & 1))
		return TC_ACT_OK;
	/* One 802.1Q tag, in the skb's metadata or in the data, or none. */
	vmst_parse_vlan_accel(skb, &l2);
	if (vmst_parse_vlans(skb, &cur, &l2, 1, VMST_TPID_STD) || l2.deeper)
		return TC_ACT_OK;
	if (l2.tags && (l2.tpid != bpf_htons(ETH_P_8021Q) || l2.vid == 0 ||
			l2.vid == VLAN_VID_RSVD))
		return TC_ACT_OK;

	idx = vmst_fdb_lookup(vmst_fdb_key(l2.vid, vmst_eth_dst48(l2.eth)),
			      &port);
	if (!idx || !port)
		return TC_ACT_OK;
	cfg = vmst_port_cfg_of(idx);
	if (!cfg || cfg->netns_ino != netns_ino)
		return TC_ACT_OK;
	/* A tag in the data is not the VM's; one in the metadata never
	 * counted in skb->len. */
	len -= cur.off - ETH_HLEN;
	if (!skb->gso_size && len > port->max_frame)
		return TC_ACT_OK;
	if (l2.tags && bpf_skb_vlan_pop(skb))
		/* Maybe half-modified: never let it reach the bridge. */
		return vmst_verdict(skb, idx, VMST_R_DROP_NO_TARGET,
				    TC_ACT_SHOT);
	vmst_count_port(idx, to_vm_tc, len);
	return bpf_redirect(cfg->ifindex, 0);
}
