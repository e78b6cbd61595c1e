/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The context layer: what the shared code (lib/parse.h, lib/monitor.h,
 * lib/verdict.h, lib/antispoof.h) needs from the frame, for XDP
 * (struct xdp_md) and for tc (struct __sk_buff) from one source. An entry
 * program names its hook before its first include:
 *
 *	#define VMST_CTX_XDP		XDP (uplink, CPUMAP, tap XDP)
 *	#define VMST_CTX_SKB		tc clsact (tap, uplink skb path)
 *	#define VMST_CTX_SOCKET		socket filter (tun steering): as
 *					VMST_CTX_SKB, offsets from the MAC
 *					header (skb->data may not sit there)
 *
 * and writes `struct vmst_ctx *ctx`. The code over it then reads:
 *  - ctx_hdr(ctx, off, n, buf, &hdr): @n bytes at @off to read fields
 *    from in *hdr, or false when the frame ends before. XDP: *hdr points
 *    into the frame's linear part (direct access: no helper call, no
 *    copy; the uplink's hit path, the headers the tap checks read); skb:
 *    a copy in @buf by bpf_skb_load_bytes(), which reads non-linear skbs
 *    (GSO frames from a VM) too.
 *  - ctx_load_bytes / ctx_store_bytes: copies anywhere in the frame (XDP:
 *    fragments too).
 *  - ctx_len: the whole frame's length; ctx_ifindex: the device it is on;
 *    ctx_vlan_accel: a tag the device took out of the data (skb only).
 *  - CTX_PASS / CTX_DROP: the hook's verdicts; CTX_MTU_CHK_FLAGS: how
 *    bpf_check_mtu() judges a frame of the hook.
 */
#ifndef VMST_BPF_CTX_H
#define VMST_BPF_CTX_H

#include "common.h"

#if defined(VMST_CTX_XDP) + defined(VMST_CTX_SKB) + \
		defined(VMST_CTX_SOCKET) !=         \
	1
#error "define one of VMST_CTX_XDP, VMST_CTX_SKB, VMST_CTX_SOCKET before including lib/ctx.h"
#endif

#ifdef VMST_CTX_SOCKET
#define VMST_CTX_SKB
#endif

/* tc verdicts (include/uapi/linux/pkt_cls.h: macros, not in vmlinux.h). */
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT 7

#ifdef VMST_CTX_XDP

#define vmst_ctx xdp_md
#define CTX_PASS XDP_PASS
#define CTX_DROP XDP_DROP
/* bpf_check_mtu() flags: XDP has no segments to check. */
#define CTX_MTU_CHK_FLAGS 0

static __always_inline void *ctx_data(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_end;
}

/* All buffers of a multi-buffer frame. */
static __always_inline __u32 ctx_len(struct xdp_md *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

static __always_inline __u32 ctx_ifindex(const struct xdp_md *ctx)
{
	return ctx->ingress_ifindex;
}

static __always_inline int ctx_load_bytes(struct xdp_md *ctx, __u32 off,
					  void *to, __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, to, len);
}

static __always_inline int ctx_store_bytes(struct xdp_md *ctx, __u32 off,
					   const void *from, __u32 len)
{
	return bpf_xdp_store_bytes(ctx, off, (void *)from, len);
}

/* Offsets ctx_hdr() reads at: the verifier bounds a packet pointer's
 * variable offset by 0xffff, and the linear part is at most a page. */
#define VMST_CTX_HDR_MAX 0x3fff

/* @len bytes at @off of the linear part, in place; @buf is not used. */
static __always_inline bool ctx_hdr(struct xdp_md *ctx, __u32 off, __u32 len,
				    void *buf, void **hdr)
{
	void *p;

	if (off > VMST_CTX_HDR_MAX)
		return false;
	/* The bound, for the verifier, whatever form the compiler gave
	 * the comparison. A constant @off (the Ethernet header at 0 on the
	 * uplink's hit path) needs none: the barrier would stop the
	 * compiler folding it, and cost the hit path a reload of data. */
	if (!__builtin_constant_p(off))
		barrier_var(off);
	p = ctx_data(ctx) + (off & VMST_CTX_HDR_MAX);
	if (p + len > ctx_data_end(ctx))
		return false;
	*hdr = p;
	return true;
}

/* XDP frames carry their tags in the data. */
static __always_inline bool ctx_vlan_accel(const struct xdp_md *ctx,
					   __be16 *tpid, __u16 *tci)
{
	return false;
}

#else /* VMST_CTX_SKB */

#define vmst_ctx	  __sk_buff
#define CTX_PASS	  TC_ACT_OK
#define CTX_DROP	  TC_ACT_SHOT
/* bpf_check_mtu() flags: a GSO skb is judged by its segments. */
#define CTX_MTU_CHK_FLAGS BPF_MTU_CHK_SEGS

static __always_inline void *ctx_data(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data_end;
}

static __always_inline __u32 ctx_len(const struct __sk_buff *ctx)
{
	return ctx->len;
}

static __always_inline __u32 ctx_ifindex(const struct __sk_buff *ctx)
{
	return ctx->ifindex;
}

static __always_inline int ctx_load_bytes(const struct __sk_buff *ctx,
					  __u32 off, void *to, __u32 len)
{
#ifdef VMST_CTX_SOCKET
	return bpf_skb_load_bytes_relative(ctx, off, to, len,
					   BPF_HDR_START_MAC);
#else
	return bpf_skb_load_bytes(ctx, off, to, len);
#endif
}

#ifndef VMST_CTX_SOCKET
static __always_inline int ctx_store_bytes(struct __sk_buff *ctx, __u32 off,
					   const void *from, __u32 len)
{
	return bpf_skb_store_bytes(ctx, off, from, len, 0);
}
#endif

/* @len bytes at @off, copied into @buf. */
static __always_inline bool ctx_hdr(const struct __sk_buff *ctx, __u32 off,
				    __u32 len, void *buf, void **hdr)
{
	if (ctx_load_bytes(ctx, off, buf, len))
		return false;
	*hdr = buf;
	return true;
}

/* The tag tc took into the skb's metadata (802.1Q, 802.1ad), if any. */
static __always_inline bool ctx_vlan_accel(const struct __sk_buff *ctx,
					   __be16 *tpid, __u16 *tci)
{
	if (!ctx->vlan_present)
		return false;
	*tpid = ctx->vlan_proto;
	*tci = ctx->vlan_tci;
	return true;
}

#endif /* VMST_CTX_XDP */

#endif /* VMST_BPF_CTX_H */
