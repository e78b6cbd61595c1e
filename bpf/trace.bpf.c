// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmsteer transmit accounting (tp_btf, attached once per pinned state).
 *
 * A frame the uplink program redirected can still be refused later: by a
 * full tap ring, a tap with no queue open, or a tap that is down. The XDP
 * program never learns of it and the tap's own "TX dropped" under-counts
 * it, so these tracepoint programs count it exactly, per port; and the
 * frames a full tap ring refused on the skb path (tc redirects).
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/stats.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Port index of a tap device, or 0 when the device is not a vmsteer port. */
static __always_inline __u32 vmst_dev_port(const struct net_device *dev)
{
	/* tp_btf arguments are BTF pointers: plain loads, no probe reads. */
	struct vmst_dev_key key = {
		.ifindex = dev->ifindex,
		.netns_ino = dev->nd_net.net->ns.inum,
	};
	__u32 *idx = bpf_map_lookup_elem(&vmst_devs, &key);

	return idx ? *idx : 0;
}

/* One event per devmap bulk flush: @sent went into the tap, @drops not. */
SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(vmst_devmap_xmit, const struct net_device *from_dev,
	     const struct net_device *to_dev, int sent, int drops, int err)
{
	struct vmst_port_stats *st;
	__u32 idx;

	VMST_TEST_MARK();
	idx = vmst_dev_port(to_dev);
	if (!idx)
		return 0;
	st = vmst_port_stats(idx);
	if (!st)
		return 0;
	if (sent > 0)
		st->tap_sent += sent;
	if (drops > 0)
		*(err ? &st->tap_xmit_err : &st->tap_ring_full) += drops;
	return 0;
}

/*
 * A frame tun dropped because the tap's ring was full, on the skb path
 * (tun_net_xmit: a tc program's bpf_redirect into the tap, or the
 * bridge's delivery): counted per port as tap_ring_full_tc. The XDP
 * path's drops never free an skb (they are tap_ring_full, above). The
 * tracepoint fires for dropped skbs only, anywhere on the host: one
 * compare for every drop that is not a full ring, no cost on forwarded
 * frames.
 */
SEC("tp_btf/kfree_skb")
int BPF_PROG(vmst_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	struct vmst_port_stats *st;
	struct net_device *dev;
	__u32 idx;

	if (!bpf_core_enum_value_exists(enum skb_drop_reason,
					SKB_DROP_REASON_FULL_RING) ||
	    reason != bpf_core_enum_value(enum skb_drop_reason,
					  SKB_DROP_REASON_FULL_RING))
		return 0;
	dev = skb->dev;
	if (!dev)
		return 0;
	idx = vmst_dev_port(dev);
	st = idx ? vmst_port_stats(idx) : NULL;
	if (st)
		st->tap_ring_full_tc++;
	return 0;
}

/* A redirect through vmst_tx that failed before reaching the tap. */
SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(vmst_redirect_err, const struct net_device *dev,
	     const struct bpf_prog *xdp, const void *tgt, int err,
	     enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	struct vmst_port_stats *st;
	struct vmst_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&vmst_config, &zero);
	if (!cfg || !map_id || map_id != cfg->devmap_id)
		return 0;
	st = vmst_port_stats(index);
	if (st)
		st->redirect_err++;
	return 0;
}
