/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Drop monitor: sampled events for frames the uplink passes to the kernel
 * or drops, written to the vmst_mon_ring ring buffer for `vmsteer monitor`.
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

#include "maps.h"

/* Frames of a reason skipped on a CPU after it saw an ended lease. */
#define VMST_MON_STALE_SKIP 1024

static __noinline int vmst_monitor_emit(struct xdp_md *ctx,
					struct vmst_mon_ctl *ctl, __u32 port,
					__u32 reason)
{
	struct vmst_mon_event *e;
	struct vmst_mon_pcpu *pc;
	__u32 zero = 0, n, len;
	__u64 now;
	__u64 cap; /* 64 bits: the register checked is the one passed */

	if (reason >= VMST_REASON_SLOTS)
		return 0;
	n = ctl->sample[reason];
	if (!n)
		return 0;
	if (ctl->port != VMST_MON_PORT_ANY && ctl->port != port)
		return 0;
	pc = bpf_map_lookup_elem(&vmst_mon_pcpu, &zero);
	if (!pc)
		return 0;
	if (pc->skip[reason]) {
		pc->skip[reason]--;
		return 0;
	}
	pc->skip[reason] = n - 1;
	/* A monitor that died without cleaning up: its lease has ended. The
	 * clock is read for sampled frames only, and once per
	 * VMST_MON_STALE_SKIP frames after that (the next monitor resets the
	 * countdowns).
	 */
	now = bpf_ktime_get_ns();
	if (now > ctl->lease_until) {
		pc->skip[reason] = VMST_MON_STALE_SKIP;
		return 0;
	}

	e = bpf_ringbuf_reserve(&vmst_mon_ring, sizeof(*e), 0);
	if (!e) {
		pc->lost++;
		return 0;
	}
	len = bpf_xdp_get_buff_len(ctx);
	cap = len < VMST_MON_SNAP ? len : VMST_MON_SNAP;
	/* Bound the register the helper gets, not a copy clang prefers. */
	barrier_var(cap);
	if (cap < 1 || cap > VMST_MON_SNAP ||
	    bpf_xdp_load_bytes(ctx, 0, e->data, cap))
		cap = 0;
	e->ts_ns = now;
	e->len = len;
	e->caplen = cap;
	e->port = port;
	e->reason = reason;
	e->cpu = bpf_get_smp_processor_id();
	e->ifindex = ctx->ingress_ifindex;
	bpf_ringbuf_submit(e, 0);
	pc->emitted++;
	return 0;
}

/* A frame passed or dropped under (@port, @reason): maybe an event. */
static __always_inline void vmst_monitor(struct xdp_md *ctx, __u32 port,
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
