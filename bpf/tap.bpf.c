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
#include "lib/txroute.h"
#include "lib/devport.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int vmst_tap(struct __sk_buff *skb)
{
	__u32 reason, len = skb->len;
	struct vmst_tx_frame f;
	struct vmst_tx_dest d;

	VMST_TEST_MARK();
	reason = vmst_tx_check(skb, &f);
	if (reason != VMST_OK)
		return vmst_verdict(skb, f.idx, reason, TC_ACT_SHOT);
	reason = vmst_tx_route(&f, &d);
	if (reason != VMST_OK)
		return vmst_verdict(skb, f.idx, reason, TC_ACT_OK);
	/* Longer than the target's MTU: dropped, as the bridge would; judged
	 * without the tag pushed below, which the bridge allows on top of the
	 * MTU (is_skb_forwardable()). */
	if (vmst_tx_too_big(skb, d.ifindex))
		return vmst_verdict(skb, f.idx, VMST_R_DROP_VM_TOO_BIG,
				    TC_ACT_SHOT);
	if (d.tidx) {
		vmst_count_port(f.idx, from_vm_local, len);
		vmst_count_port(d.tidx, to_vm_tc, len);
		return bpf_redirect(d.ifindex, 0);
	}
	if ((f.port->flags & VMST_PORT_F_ACCESS) &&
	    bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), d.vlan))
		return vmst_verdict(skb, f.idx, VMST_R_DROP_VM_MALFORMED,
				    TC_ACT_SHOT);
	vmst_count_port(f.idx, from_vm_uplink, len);
	return bpf_redirect(d.ifindex, 0);
}
