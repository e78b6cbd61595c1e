// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer tap XDP program: the transmit fast path. Native XDP on every tap
 * whose port has `--tx-hook xdp` (the default), one instance per state and
 * network namespace like the tc program (bpf/tap.bpf.c), which stays on
 * the tap behind it. tun runs it on the frames the VM writes before any
 * skb exists (a non-blocking write() as QEMU does, vhost-net's batches).
 *
 * It applies the tc program's checks, written once for both hooks over the
 * context layer (lib/antispoof.h vmst_tx_check: the port, source MAC,
 * tags, trunk, every anti-spoofing rule, trust), and drops what they
 * refuse, counted under the same reasons (lib/verdict.h). Of
 * the frames that pass, it forwards without an skb:
 *  - unicast to another local port on the sender's VLAN: a redirect
 *    through vmst_tx (DEVMAP) into that port's tap;
 *  - any other unicast, not for this host: a redirect through vmst_tx's
 *    entry 0 (the northbound uplink, when it takes XDP frames), the
 *    port's tag pushed for an access port.
 * Every other frame goes on (XDP_PASS) to the tc program, which checks
 * it again and does all it did before:
 *  - broadcast and multicast (the bridge floods them), a trunk port's
 *    tagged frames (the bridge forwards them), unicast to this host;
 *  - frames longer than the target's MTU (tc drops them as vm_too_big,
 *    as the bridge would, or segments a GSO frame that fits);
 *  - TCP and UDP whose checksum is left to offload (the guest wrote it
 *    with VIRTIO_NET_HDR_F_NEEDS_CSUM, which tun's XDP path drops: only
 *    the skb path finishes the checksum), told by a checksum field that
 *    holds the pseudo-header sum; IPv6 with extension headers;
 *  - frames with no target (no uplink in the port's namespace, a target
 *    being reconfigured);
 *  - frames for a port with queue steering (RSS): tun queues a redirected
 *    XDP frame on queue (CPU mod queues), ignoring the tap's steering
 *    program, which the skb path runs.
 * tun runs the program natively only on frames it can take without an
 * skb; GSO frames (a virtio-net header with a gso_type), frames over a
 * page and blocking writes get an skb first and meet the program as
 * generic XDP (there is no telling the two apart from inside: 6.1 marks
 * metadata unsupported on the native path, later kernels do not). The
 * rules above hold there too: a GSO frame is longer than the MTU and
 * goes to tc, and one that fits it (a small MSS) keeps its skb, offload
 * state included, through generic XDP's redirect.
 */
#define VMST_CTX_XDP
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

#define VMST_NH_TCP 6

/*
 * The one's complement sum of the @n bytes at @p (@n a multiple of 4),
 * in the frame's byte order: 32-bit loads as they are, no swapping. The
 * sum does not depend on byte order (RFC 1071 2(B)): a sum of the
 * swapped words is the swapped sum, so it is compared with the checksum
 * field as loaded.
 */
static __always_inline __u64 vmst_csum_add(__u64 sum, const __u8 *p, int n)
{
	int i;

#pragma unroll
	for (i = 0; i < n; i += 4)
		sum += *(const __u32 *)(p + i);
	return sum;
}

/* @sum folded to 16 bits with the end-around carries (2^16 and 2^32 are
 * 1 in one's complement), 0 only when it was 0. */
static __always_inline __u16 vmst_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * Whether the TCP or UDP checksum of the frame may be left to offload,
 * or the frame is one the fast path does not read (IPv6 extension
 * headers): then it goes to the skb path. A checksum left to offload
 * holds the pseudo-header's sum (what the device adds the rest to); a
 * finished one equals it only by a 1-in-65,536 chance, and then it
 * merely takes the slower path. @l3: offset of the IP header, @proto its
 * EtherType.
 */
static __always_inline bool vmst_csum_unfinished(struct xdp_md *ctx,
						 __be16 proto, __u32 l3)
{
	struct ipv6hdr buf6, *ip6;
	struct iphdr buf, *iph;
	__u32 l4, l4len, ihl;
	__u16 *c, csum;
	__u64 sum;
	__u8 nh;

	if (proto == bpf_htons(ETH_P_IP)) {
		if (!ctx_hdr(ctx, l3, sizeof(buf), &buf, (void **)&iph))
			return true;
		nh = iph->protocol;
		/* Fragments: no offload (and no L4 header in later ones). */
		if ((nh != VMST_NH_TCP && nh != VMST_NH_UDP) ||
		    vmst_ipv4_is_fragment(iph))
			return false;
		ihl = iph->ihl * 4;
		l4len = bpf_ntohs(iph->tot_len) - ihl;
		l4 = l3 + ihl;
		sum = vmst_csum_add(0, (const __u8 *)&iph->saddr, 8);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (!ctx_hdr(ctx, l3, sizeof(buf6), &buf6, (void **)&ip6))
			return true;
		nh = ip6->nexthdr;
		if (nh != VMST_NH_TCP && nh != VMST_NH_UDP)
			return vmst_ipv6_ext(nh);
		l4len = bpf_ntohs(ip6->payload_len);
		l4 = l3 + sizeof(*ip6);
		sum = vmst_csum_add(0, (const __u8 *)&ip6->saddr, 32);
	} else {
		return false;
	}
	if (!ctx_hdr(ctx, l4 + (nh == VMST_NH_TCP ? 16 : 6), sizeof(csum),
		     &csum, (void **)&c))
		return true;
	/* UDP over IPv4 without a checksum: nothing to finish. */
	if (proto == bpf_htons(ETH_P_IP) && nh == VMST_NH_UDP && !*c)
		return false;
	/* The rest of the pseudo-header, as 16-bit words in frame order. */
	sum += bpf_htons(nh) + bpf_htons(l4len & 0xffff) +
	       bpf_htons(l4len >> 16);
	sum = vmst_csum_fold(sum);
	return *c == sum || (sum == 0xffff && !*c);
}

/* Push the 802.1Q tag @vid after the MAC addresses; 0 or an error. */
static __always_inline int vmst_xdp_vlan_push(struct xdp_md *ctx, __u16 vid)
{
	void *data, *data_end;
	__u32 *w;

	if (bpf_xdp_adjust_head(ctx, -VLAN_HLEN))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + ETH_HLEN + VLAN_HLEN > data_end) {
		bpf_xdp_adjust_head(ctx, VLAN_HLEN);
		return -1;
	}
	w = data;
	w[0] = w[1];
	w[1] = w[2];
	w[2] = w[3];
	((__be16 *)data)[6] = bpf_htons(ETH_P_8021Q);
	((__be16 *)data)[7] = bpf_htons(vid);
	return 0;
}

SEC("xdp")
int vmst_tap_xdp(struct xdp_md *ctx)
{
	__u32 reason, len, mtu = 0;
	struct vmst_tx_frame f;
	struct vmst_tx_dest d;
	struct vmst_rss *rss;

	VMST_TEST_MARK();
	len = ctx_len(ctx);
	reason = vmst_tx_check(ctx, &f);
	if (reason != VMST_OK)
		return vmst_verdict(ctx, f.idx, reason, XDP_DROP);
	/* What the tc program passes on, it gets from here and judges again. */
	if (vmst_tx_route(&f, &d) != VMST_OK)
		return XDP_PASS;
	if (d.tidx) {
		rss = bpf_map_lookup_elem(&vmst_rss, &d.tidx);
		if (len > d.max_frame ||
		    (rss && (rss->flags & VMST_RSS_F_ENABLED)) ||
		    vmst_csum_unfinished(ctx, f.l2.proto, f.cur.off))
			return XDP_PASS;
		if (bpf_redirect_map(&vmst_tx, d.tidx, XDP_PASS) !=
		    XDP_REDIRECT)
			return XDP_PASS;
		vmst_count_port(f.idx, from_vm_local_xdp, len);
		vmst_count_port(d.tidx, to_vm_xdp, len);
		return XDP_REDIRECT;
	}
	/* Judged without the tag pushed below, as on the tc path. */
	if (bpf_check_mtu(ctx, d.ifindex, &mtu, 0, 0) ||
	    vmst_csum_unfinished(ctx, f.l2.proto, f.cur.off))
		return XDP_PASS;
	/* Entry 0 of vmst_tx: the northbound uplink, present only while it
	 * takes XDP frames (user/load/tapxdp.c). */
	if (bpf_redirect_map(&vmst_tx, 0, XDP_PASS) != XDP_REDIRECT)
		return XDP_PASS;
	if ((f.port->flags & VMST_PORT_F_ACCESS) &&
	    vmst_xdp_vlan_push(ctx, d.vlan))
		return XDP_PASS;
	vmst_count_port(f.idx, from_vm_uplink_xdp, len);
	return XDP_REDIRECT;
}
