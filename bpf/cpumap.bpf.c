// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer CPUMAP program (XDP, run by the CPUMAP kthread of the CPU the
 * uplink program chose for a steered frame).
 *
 * The uplink program hands over a frame for a port with --xdp-steer
 * cpumap as it arrived (tag and all). Here, on CPU q, the port is found
 * again (same FDB lookup), the tag removed for an access port, the frame
 * counted under the queue tun will put it on (this CPU mod the port's
 * queues) and redirected into the tap through the devmap, so the tap
 * queues it from CPU q. Nothing travels in metadata, so generic XDP
 * works too.
 */
#define VMST_CTX_XDP
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/fdb.h"
#include "lib/vlan.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* xdp.frags like the uplink program: the kernel refuses a CPUMAP entry
 * whose program differs in frags support from the programs using the map.
 */
SEC("xdp.frags/cpumap")
int vmst_cpu(struct xdp_md *ctx)
{
	struct vmst_port *port = NULL;
	struct vmst_cursor cur = {};
	struct vmst_queue_stats *qs;
	struct vmst_rss *cfg;
	struct vmst_l2 l2;
	__u32 idx, q = 0;

	if (vmst_parse_eth(ctx, &cur, &l2, VMST_VLAN_DEPTH, VMST_TPID_STD))
		return XDP_PASS;
	idx = vmst_fdb_lookup(vmst_fdb_key(l2.vid, vmst_eth_dst48(l2.eth)),
			      &port);
	/* The port went away during the hop: the kernel's path decides. */
	if (!idx || !port)
		return XDP_PASS;
	if (l2.tags && vmst_xdp_vlan_pop(ctx))
		return XDP_DROP;
	cfg = bpf_map_lookup_elem(&vmst_rss, &idx);
	if (cfg && cfg->queues)
		q = bpf_get_smp_processor_id() % cfg->queues;
	qs = bpf_map_lookup_elem(&vmst_qstats, &idx);
	if (qs)
		__sync_fetch_and_add(&qs->frames[q & (VMST_RSS_QUEUES_MAX - 1)],
				     1);
	return bpf_redirect_map(&vmst_tx, idx, l2.tags ? XDP_DROP : XDP_PASS);
}
