// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer tap program (tc clsact ingress, direct action). One instance per
 * state and network namespace is attached to every tap of that namespace;
 * it finds the port from the tap the frame is on (lib/devport.h). It sees
 * every frame the VM sends.
 *
 *  1. Anti-spoofing (lib/antispoof.h): the source MAC must be the port's,
 *     then the VLAN rule (tagged frames dropped unless a trunk port carries
 *     the tag), then ARP, IPv4 and IPv6 checks on the frame inside any
 *     tag; every drop counted under its reason.
 *  2. A trunk port's tagged frame that passed: TC_ACT_OK, the bridge
 *     forwards it on its VLAN (vm_tagged_trunk).
 *  3. Forwarding on the port's VLAN (0 for an untagged or trunk port):
 *     - broadcast and multicast: TC_ACT_OK, the bridge floods as before;
 *     - (VLAN, destination MAC) of another local port: bpf_redirect into
 *       that tap (skb path: GSO and checksum offload survive);
 *     - unicast to a MAC local to the host (vmst_local: a device's own
 *       address, or a MAC a bridge has on a port that is not an uplink):
 *       TC_ACT_OK, the bridge delivers it on this host;
 *     - any other unicast: bpf_redirect to the northbound uplink
 *       (vmst_north), with the port's VLAN tag pushed for an access port;
 *       with no uplink in the port's network namespace, TC_ACT_OK.
 *     A redirected frame longer than the target device's MTU (a GSO frame:
 *     its segments) is dropped as vm_too_big, as the bridge would.
 *     A lookup is only ever made on the sender's VLAN, so no frame is
 *     delivered to a port of another VLAN.
 */
#define VMST_CTX_SKB
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/fdb.h"
#include "lib/stats.h"
#include "lib/verdict.h"
#include "lib/antispoof.h"
#include "lib/devport.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int vmst_tap(struct __sk_buff *skb)
{
	struct vmst_port_cfg *cfg, *tcfg;
	struct vmst_port *port, *tport = NULL;
	__u32 idx, tidx, zero = 0, reason, len = skb->len;
	struct vmst_local_key lk = {};
	struct vmst_north *north;
	struct vmst_tx_frame f;
	struct vmst_l2 *l2 = &f.l2;
	__u64 key;
	__u16 vlan;

#ifdef VMST_TEST_VARIANT
	/* Tests only (upgrade): another tag, the same behaviour. */
	asm volatile("r0 = %[v]" ::[v] "i"(VMST_TEST_VARIANT) : "r0");
#endif
	reason = vmst_tx_check(skb, &f);
	if (reason != VMST_OK)
		return vmst_verdict(skb, f.idx, reason, TC_ACT_SHOT);
	idx = f.idx;
	port = f.port;
	cfg = f.cfg;
	vlan = (port->key >> 48) & VMST_VLAN_MASK;
	if (l2->tags)
		return vmst_verdict(skb, idx, VMST_R_PASS_VM_TAGGED, TC_ACT_OK);

	if (l2->eth->h_dest[0] & 1)
		return vmst_verdict(skb, idx, VMST_R_PASS_VM_MULTICAST,
				    TC_ACT_OK);

	key = vmst_fdb_key(vlan, vmst_mac48(l2->eth->h_dest));
	tidx = vmst_fdb_lookup(key, &tport);
	if (tidx && tidx != idx && tport) {
		tcfg = vmst_port_cfg_of(tidx);
		if (!tcfg || tcfg->netns_ino != cfg->netns_ino)
			return vmst_verdict(skb, idx, VMST_R_PASS_VM_UNKNOWN,
					    TC_ACT_OK);
		if (vmst_tx_too_big(skb, tcfg->ifindex))
			return vmst_verdict(skb, idx, VMST_R_DROP_VM_TOO_BIG,
					    TC_ACT_SHOT);
		vmst_count_port(idx, from_vm_local, len);
		vmst_count_port(tidx, to_vm_tc, len);
		return bpf_redirect(tcfg->ifindex, 0);
	}
	if (tidx == idx)
		return vmst_verdict(skb, idx, VMST_R_PASS_VM_UNKNOWN,
				    TC_ACT_OK);

	north = bpf_map_lookup_elem(&vmst_north, &zero);
	if (!north || !north->ifindex || north->netns_ino != cfg->netns_ino)
		return vmst_verdict(skb, idx, VMST_R_PASS_VM_UNKNOWN,
				    TC_ACT_OK);
	/* For this host (its bridge, a device, a VM vmsteer does not
	 * manage): the bridge delivers it, never the wire.
	 */
	lk.mac48 = key & 0xffffffffffffULL;
	lk.netns_ino = cfg->netns_ino;
	if (bpf_map_lookup_elem(&vmst_local, &lk))
		return vmst_verdict(skb, idx, VMST_R_PASS_VM_HOST, TC_ACT_OK);
	/* Judged without the tag pushed below: the bridge allows a tag on
	 * top of the MTU (is_skb_forwardable()). */
	if (vmst_tx_too_big(skb, north->ifindex))
		return vmst_verdict(skb, idx, VMST_R_DROP_VM_TOO_BIG,
				    TC_ACT_SHOT);
	if ((port->flags & VMST_PORT_F_ACCESS) &&
	    bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), vlan))
		return vmst_verdict(skb, idx, VMST_R_DROP_VM_MALFORMED,
				    TC_ACT_SHOT);
	vmst_count_port(idx, from_vm_uplink, len);
	return bpf_redirect(north->ifindex, 0);
}
