// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer uplink program (XDP, attached to each uplink).
 *
 * Looks up every unicast frame by (VLAN, destination MAC) and redirects it
 * into the owning VM's tap, removing the VLAN tag for access ports. Every
 * frame it does not own goes on to the kernel untouched (XDP_PASS), so the
 * existing bridge keeps doing its job for everything else.
 */
#define VMST_CTX_XDP
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/fdb.h"
#include "lib/stats.h"
#include "lib/vlan.h"
#include "lib/verdict.h"
#include "lib/rss.h"
#include "lib/rss_xdp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Hand a frame the fast path does not own to the kernel, counted with its
 * whole length (all buffers of a multi-buffer frame), less @strip bytes of
 * tags the port's view would not include.
 */
static __always_inline int vmst_pass(struct xdp_md *ctx, __u32 port,
				     __u32 reason, __u32 strip)
{
	return vmst_verdict_len(ctx, port, reason, ctx_len(ctx) - strip,
				XDP_PASS);
}

/*
 * Deliver a frame of @len bytes (without its @tags VLAN tags) to port
 * @idx: remove the tag, redirect into the tap, count.
 */
static __always_inline int vmst_deliver(struct xdp_md *ctx, __u32 idx,
					__u32 len, __u32 tags)
{
	int fallback, ret;

	fallback = XDP_PASS;
	if (tags) {
		if (vmst_xdp_vlan_pop(ctx))
			return XDP_ABORTED;
		/* Untagged now: never let it reach the kernel's path. */
		fallback = XDP_DROP;
	}

	ret = bpf_redirect_map(&vmst_tx, idx, fallback);
	if (ret != XDP_REDIRECT) {
		__u32 reason =
			tags ? VMST_R_DROP_NO_TARGET : VMST_R_PASS_NO_TARGET;

		return vmst_verdict_len(ctx, idx, reason, len, ret);
	}
	vmst_count_port(idx, to_vm_xdp, len);
	return XDP_REDIRECT;
}

/*
 * A port with --xdp-steer cpumap: hand the frame, tag and all, to the CPU
 * of its RSS queue, whose CPUMAP program removes the tag and redirects it
 * into the tap; when that cannot be done, deliver it straight.
 */
static __noinline int vmst_deliver_steered(struct xdp_md *ctx, __u32 idx,
					   __u32 len, __u32 tags)
{
	if (vmst_xdp_steer(ctx, idx) != XDP_REDIRECT)
		return vmst_deliver(ctx, idx, len, tags);
	vmst_count_port(idx, to_vm_xdp, len);
	return XDP_REDIRECT;
}

SEC("xdp.frags")
int vmst_uplink(struct xdp_md *ctx)
{
	__u32 linear = ctx_data_end(ctx) - ctx_data(ctx), len = linear;
	struct vmst_port *port = NULL;
	struct vmst_cursor cur = {};
	struct vmst_l2 l2;
	__u32 idx;

	VMST_TEST_MARK();
	if (vmst_parse_eth(ctx, &cur, &l2, VMST_VLAN_DEPTH, VMST_TPID_STD))
		return vmst_pass(ctx, 0, VMST_R_PASS_MALFORMED, 0);
	if (l2.eth->h_dest[0] & 1)
		return vmst_pass(ctx, 0, VMST_R_PASS_MULTICAST, 0);
	/* One 802.1Q tag with a real VID, or none. A priority tag (VID 0) is
	 * passed on: an untagged port takes untagged frames only, and the
	 * bridge delivers such a frame unchanged.
	 */
	if (l2.tags > 1 || l2.deeper || l2.tpid == bpf_htons(ETH_P_8021AD) ||
	    (l2.tags && (l2.vid == 0 || l2.vid == VLAN_VID_RSVD)))
		return vmst_pass(ctx, 0, VMST_R_PASS_VLAN, 0);

	idx = vmst_fdb_lookup(vmst_fdb_key(l2.vid, vmst_eth_dst48(l2.eth)),
			      &port);
	if (!idx || !port)
		return vmst_pass(ctx, 0, VMST_R_PASS_UNKNOWN, 0);

	/* A tag, when present, is removed: the VM sees its frames untagged. */
	len -= l2.tags * VLAN_HLEN;
	if (len > port->max_frame || bpf_xdp_get_buff_len(ctx) > linear)
		return vmst_pass(ctx, idx, VMST_R_PASS_TOO_BIG,
				 l2.tags * VLAN_HLEN);

	/* Queue steering: a call of its own, so that the hit path of the
	 * other ports keeps its code (a flag test more).
	 */
	if (unlikely(port->flags & VMST_PORT_F_XDP_STEER))
		return vmst_deliver_steered(ctx, idx, len, l2.tags);
	return vmst_deliver(ctx, idx, len, l2.tags);
}
