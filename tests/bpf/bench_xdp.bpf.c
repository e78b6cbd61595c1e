// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's own uplink programs, the paths vmsteer is compared with:
 *   bench_pass    XDP_PASS, so the veth uplink runs NAPI for the bridge path
 *   bench_drop    XDP_DROP and count: the harness ceiling
 *   bench_devmap  redirect every frame to devmap slot 0 (the tap) with no
 *                 lookup: the floor cost of any XDP path into the tap
 * and a tracepoint program that counts, exactly, what the bench tap's ring
 * accepted and refused of the XDP frames sent to it (by any program).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "../bench/bench.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The tap under test: ifindex and network namespace inode. */
const volatile __u32 tap_ifindex;
const volatile __u32 tap_netns_ino;

/* Counters, indexed by enum bench_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} bench_cnt SEC(".maps");

/* Slot 0: the tap under test. A DEVMAP_HASH, like vmsteer's vmst_tx. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_tx SEC(".maps");

static __always_inline void bench_add(__u32 counter, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&bench_cnt, &counter);

	if (c)
		*c += n;
}

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	bench_add(BENCH_C_DROP, 1);
	return XDP_DROP;
}

SEC("xdp")
int bench_devmap(struct xdp_md *ctx)
{
	__u32 slot = 0;
	int ret;

	ret = bpf_redirect_map(&bench_tx, slot, XDP_PASS);
	if (ret == XDP_REDIRECT)
		bench_add(BENCH_C_DEVMAP_REDIR, 1);
	return ret;
}

/*
 * One event per devmap bulk flush into @to_dev. Attached only while a path
 * that counts with it runs. Plain loads through the trusted tracepoint
 * arguments: no bpf_probe_read_kernel() calls on the data path.
 */
SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(bench_devmap_xmit, const struct net_device *from_dev,
	     const struct net_device *to_dev, int sent, int drops, int err)
{
	if ((__u32)to_dev->ifindex != tap_ifindex ||
	    to_dev->nd_net.net->ns.inum != tap_netns_ino)
		return 0;
	if (sent > 0)
		bench_add(BENCH_C_TAP_SENT, sent);
	if (drops > 0)
		bench_add(err ? BENCH_C_TAP_XMIT_ERR : BENCH_C_TAP_RING_FULL,
			  drops);
	return 0;
}
