/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Drop monitor: sampled events for frames the uplink passes to the kernel
 * or drops, and for frames the tc programs (the tap program: what VMs
 * send; the uplink skb path) pass on or drop, written to the vmst_mon_ring
 * ring buffer for `vmsteer monitor`.
 *
 * Called on the pass and drop paths only; the redirect path never is. With
 * no monitor running the cost is one inlined array lookup and one load of
 * the enabled word. Everything else lives in a separate subprogram that
 * runs only while a monitor is enabled: its filters (reason, port), 1-in-N
 * sampling per reason with a per-CPU countdown, the monitor's lease, then
 * one ring-buffer record with the first VMST_MON_SNAP bytes of the frame.
 */
#ifndef VMST_BPF_MONITOR_H
#define VMST_BPF_MONITOR_H

#include "ctx.h"
#include "maps.h"

/* Frames of a reason skipped on a CPU after it saw an ended lease. */
#define VMST_MON_STALE_SKIP 1024

/*
 * Whether the frame passed or dropped under (@port, @reason) is the one in
 * N to report: the monitor's filters, the per-CPU countdown, the lease.
 * The per-CPU state when it is (*@now: the time), else NULL.
 */
static __always_inline struct vmst_mon_pcpu *
vmst_monitor_sample(struct vmst_mon_ctl *ctl, __u32 port, __u32 reason,
		    __u64 *now)
{
	struct vmst_mon_pcpu *pc;
	__u32 zero = 0, n;

	if (reason >= VMST_REASON_SLOTS)
		return NULL;
	n = ctl->sample[reason];
	if (!n)
		return NULL;
	if (ctl->port != VMST_MON_PORT_ANY && ctl->port != port)
		return NULL;
	pc = bpf_map_lookup_elem(&vmst_mon_pcpu, &zero);
	if (!pc)
		return NULL;
	if (pc->skip[reason]) {
		pc->skip[reason]--;
		return NULL;
	}
	pc->skip[reason] = n - 1;
	/* A monitor that died without cleaning up: its lease has ended. The
	 * clock is read for sampled frames only, and once per
	 * VMST_MON_STALE_SKIP frames after that (the next monitor resets the
	 * countdowns).
	 */
	*now = bpf_ktime_get_ns();
	if (*now > ctl->lease_until) {
		pc->skip[reason] = VMST_MON_STALE_SKIP;
		return NULL;
	}
	return pc;
}

/*
 * Bytes of a @len-byte frame to copy: min(@len, VMST_MON_SNAP), 0 for an
 * empty frame. The length handed to the load helpers has its range
 * [1, VMST_MON_SNAP] by construction (a mask and an add on the register
 * passed), not from comparisons the verifier may not carry over to it
 * (6.1 learns no lower bound from `cap != 0`).
 */
static __always_inline __u64 vmst_monitor_caplen(__u32 len)
{
	__u64 n;

	if (!len)
		return 0;
	n = (len < VMST_MON_SNAP ? len : VMST_MON_SNAP) - 1;
	barrier_var(n);
	return (n & (VMST_MON_SNAP - 1)) + 1;
}

/* Fill the fields of @e other than the frame's bytes, and submit it. */
static __always_inline void vmst_monitor_submit(struct vmst_mon_event *e,
						struct vmst_mon_pcpu *pc,
						__u64 now, __u32 len, __u32 cap,
						__u32 port, __u32 reason,
						__u32 ifindex)
{
#ifdef VMST_CTX_XDP
	e->hook = VMST_HOOK_XDP;
#else
	e->hook = VMST_HOOK_TC;
#endif
	e->ts_ns = now;
	e->len = len;
	e->caplen = cap;
	e->port = port;
	e->reason = reason;
	e->cpu = bpf_get_smp_processor_id();
	e->ifindex = ifindex;
	bpf_ringbuf_submit(e, 0);
	pc->emitted++;
}

/*
 * The event of either hook (XDP: the uplink, ifindex the uplink, and the
 * tap XDP program, frames a VM sent, ifindex the tap; tc: the tap program,
 * ifindex the tap, and the uplink tc program, ifindex the uplink), which
 * the event names (hook).
 */
static __noinline int vmst_monitor_emit(struct vmst_ctx *ctx,
					struct vmst_mon_ctl *ctl, __u32 port,
					__u32 reason)
{
	struct vmst_mon_event *e;
	struct vmst_mon_pcpu *pc;
	__u64 now = 0;
	__u64 cap;
	__u32 len;

	pc = vmst_monitor_sample(ctl, port, reason, &now);
	if (!pc)
		return 0;
	e = bpf_ringbuf_reserve(&vmst_mon_ring, sizeof(*e), 0);
	if (!e) {
		pc->lost++;
		return 0;
	}
	len = ctx_len(ctx);
	cap = vmst_monitor_caplen(len);
	if (cap && ctx_load_bytes(ctx, 0, e->data, cap))
		cap = 0;
	vmst_monitor_submit(e, pc, now, len, cap, port, reason,
			    ctx_ifindex(ctx));
	return 0;
}

/* A frame passed or dropped under (@port, @reason): maybe an event. */
static __always_inline void vmst_monitor(struct vmst_ctx *ctx, __u32 port,
					 __u32 reason)
{
	struct vmst_mon_ctl *ctl;
	__u32 zero = 0;

	ctl = bpf_map_lookup_elem(&vmst_mon_ctl, &zero);
	if (likely(!ctl || !ctl->enabled))
		return;
	vmst_monitor_emit(ctx, ctl, port, reason);
}

#endif /* VMST_BPF_MONITOR_H */
