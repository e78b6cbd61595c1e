// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer tap steering program (socket filter, for TUNSETSTEERINGEBPF).
 *
 * The tun driver runs it for every skb it transmits and queues the frame on
 * queue (return value mod queues). It hashes the flow as virtio-net RSS
 * does (Toeplitz over addresses and ports, per the enabled hash types),
 * looks the hash up in the port's indirection table and returns that
 * queue; frames it cannot hash go to the port's default queue. One
 * instance per state and network namespace serves every tap of it: the
 * port comes from the tap the frame is queued on (lib/devport.h).
 */
#define VMST_CTX_SOCKET
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/rss.h"
#include "lib/devport.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("socket")
int vmst_steer(struct __sk_buff *skb)
{
	struct vmst_rss_flow flow = {};
	struct vmst_queue_stats *qs;
	__u32 port = vmst_dev_port(skb->ifindex), q;
	struct vmst_rss *cfg;

	cfg = bpf_map_lookup_elem(&vmst_rss, &port);
	if (!cfg)
		return 0;
	vmst_rss_parse(skb, &flow);
	q = vmst_rss_queue(cfg, &vmst_rss_lut, &flow);
	/* tun calls the program once per frame it queues: count it there. */
	qs = bpf_map_lookup_elem(&vmst_qstats, &port);
	if (qs)
		__sync_fetch_and_add(&qs->frames[q & (VMST_RSS_QUEUES_MAX - 1)],
				     1);
	return q;
}
