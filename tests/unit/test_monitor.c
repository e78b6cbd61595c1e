// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Drop monitor in the uplink program: with vmst_mon_ctl enabled, a passed
 * or dropped frame writes exactly one vmst_mon_ring event with its reason,
 * port, length and first bytes; disabled, an expired lease, a filtered
 * reason or port, and forwarded frames write none; sampling 1 in N writes
 * the 1st, N+1st... frame of a reason. The test thread is pinned to one
 * CPU so that the per-CPU sampling countdown is the only one in play.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "frames.h"
#include "test.h"

#define MON_MAX_EVENTS 64

struct mon_events {
	int n;
	struct vmst_mon_event ev[MON_MAX_EVENTS];
};

static int collect(void *ctx, void *data, size_t size)
{
	struct mon_events *m = ctx;

	if (size != sizeof(struct vmst_mon_event) || m->n >= MON_MAX_EVENTS)
		return -E2BIG;
	memcpy(&m->ev[m->n++], data, size);
	return 0;
}

/* Everything the ring holds now, into @m (emptied first). */
static bool drain(const struct fixture *f, struct mon_events *m)
{
	struct ring_buffer *rb;
	int n;

	m->n = 0;
	rb = ring_buffer__new(f->maps.fd[VMS_MAP_MON_RING], collect, m, NULL);
	if (!ASSERT_OK_PTR(rb, "ring_buffer__new"))
		return false;
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return ASSERT_GE(n, 0, "ring_buffer__consume");
}

/* The per-CPU countdowns back to 0, as a starting monitor does. */
static bool mon_reset(const struct fixture *f)
{
	struct vmst_mon_pcpu pc[f->ncpus];
	__u32 zero = 0;

	memset(pc, 0, sizeof(pc));
	return ASSERT_OK(
		bpf_map_update_elem(f->maps.fd[VMS_MAP_MON_PCPU], &zero, pc, 0),
		"reset vmst_mon_pcpu");
}

/*
 * Enable the monitor: 1 in @sample for the reasons in @mask, @port; the
 * countdowns reset as by a starting monitor.
 */
static bool mon_set(const struct fixture *f, __u32 enabled, __u32 sample,
		    __u32 mask, __u32 port, __u64 lease_until)
{
	struct vmst_mon_ctl ctl = {
		.enabled = enabled,
		.port = port,
		.lease_until = lease_until,
		.owner_pid = 1,
	};
	__u32 zero = 0, i;

	for (i = 0; i < VMST_R_MAX; i++)
		if (mask & (1U << i))
			ctl.sample[i] = sample;
	return ASSERT_OK(bpf_map_update_elem(f->maps.fd[VMS_MAP_MON_CTL], &zero,
					     &ctl, 0),
			 "write vmst_mon_ctl") &&
	       mon_reset(f);
}

#define ALL_REASONS  ((1U << VMST_R_MAX) - 1)
#define NO_LEASE_END (~0ULL)

/* Run @len bytes of @in; the verdict must be @verdict. */
static bool run(const struct fixture *f, const __u8 *in, size_t len,
		__u32 verdict)
{
	static __u8 out[FRAME_MAX];
	struct xdp_run r = fixture_run(f, in, len, out);

	return ASSERT_OK(r.err, "test run") &&
	       ASSERT_EQ(r.verdict, verdict, "verdict");
}

/* Pin this thread to the CPU it is on; returns that CPU. */
static int pin_cpu(cpu_set_t *old)
{
	int cpu = sched_getcpu();
	cpu_set_t one;

	sched_getaffinity(0, sizeof(*old), old);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return -1;
	return cpu;
}

static const __u8 MAC_PORT[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const __u8 MAC_UNKNOWN[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

TEST(monitor)
{
	static __u8 bcast[FRAME_MAX], unknown[FRAME_MAX], fwd[FRAME_MAX],
		big[FRAME_MAX];
	struct frame_spec s = {.l3 = L3_IPV4_TCP};
	size_t bcast_len, unknown_len, fwd_len, big_len;
	static struct mon_events m;
	struct fixture f;
	cpu_set_t old;
	__u32 idx = 0;
	int cpu, i;

	cpu = pin_cpu(&old);
	if (!ASSERT_GE(cpu, 0, "pin to one CPU"))
		return;
	if (!fixture_setup(&f))
		goto out_cpu;
	if (!ASSERT_OK(fixture_port(&f, "vm-u", MAC_PORT, 0, 1500, &idx),
		       "port add"))
		goto out;

	memcpy(s.src, MAC_REMOTE, 6);
	memcpy(s.dst, MAC_BCAST, 6);
	bcast_len = frame_build(&s, bcast);
	memcpy(s.dst, MAC_UNKNOWN, 6);
	unknown_len = frame_build(&s, unknown);
	memcpy(s.dst, MAC_PORT, 6);
	fwd_len = frame_build(&s, fwd);
	s.len = 1400; /* longer than the snap length */
	memcpy(s.dst, MAC_BCAST, 6);
	big_len = frame_build(&s, big);

	if (test__start_subtest("disabled_no_event")) {
		if (mon_set(&f, 0, 1, ALL_REASONS, VMST_MON_PORT_ANY,
			    NO_LEASE_END) &&
		    run(&f, bcast, bcast_len, XDP_PASS) &&
		    run(&f, unknown, unknown_len, XDP_PASS) && drain(&f, &m))
			ASSERT_EQ(m.n, 0, "events while disabled");
	}

	if (test__start_subtest("pass_one_event")) {
		if (mon_set(&f, 1, 1, ALL_REASONS, VMST_MON_PORT_ANY,
			    NO_LEASE_END) &&
		    run(&f, bcast, bcast_len, XDP_PASS) && drain(&f, &m) &&
		    ASSERT_EQ(m.n, 1, "events for one broadcast frame")) {
			const struct vmst_mon_event *e = &m.ev[0];

			ASSERT_EQ(e->reason, VMST_R_PASS_MULTICAST, "reason");
			ASSERT_EQ(e->port, 0, "port");
			ASSERT_EQ(e->cpu, cpu, "cpu");
			ASSERT_EQ(e->len, bcast_len, "len");
			ASSERT_EQ(e->caplen, bcast_len, "caplen");
			ASSERT_NEQ(e->ts_ns, 0, "timestamp");
			ASSERT_EQ(e->hook, VMST_HOOK_XDP, "hook");
			ASSERT_MEMEQ(e->data, e->caplen, bcast, bcast_len,
				     "event bytes");
		}
	}

	if (test__start_subtest("snap_length")) {
		if (mon_set(&f, 1, 1, ALL_REASONS, VMST_MON_PORT_ANY,
			    NO_LEASE_END) &&
		    run(&f, big, big_len, XDP_PASS) && drain(&f, &m) &&
		    ASSERT_EQ(m.n, 1, "events for one long frame")) {
			ASSERT_EQ(m.ev[0].len, big_len, "len");
			ASSERT_EQ(m.ev[0].caplen, VMST_MON_SNAP, "caplen");
			ASSERT_MEMEQ(m.ev[0].data, VMST_MON_SNAP, big,
				     VMST_MON_SNAP, "first bytes");
		}
	}

	if (test__start_subtest("forwarded_no_event")) {
		if (mon_set(&f, 1, 1, ALL_REASONS, VMST_MON_PORT_ANY,
			    NO_LEASE_END) &&
		    run(&f, fwd, fwd_len, XDP_REDIRECT) && drain(&f, &m))
			ASSERT_EQ(m.n, 0, "events for a forwarded frame");
	}

	if (test__start_subtest("reason_filter")) {
		if (mon_set(&f, 1, 1, 1U << VMST_R_PASS_UNKNOWN,
			    VMST_MON_PORT_ANY, NO_LEASE_END) &&
		    run(&f, bcast, bcast_len, XDP_PASS) &&
		    run(&f, unknown, unknown_len, XDP_PASS) &&
		    run(&f, bcast, bcast_len, XDP_PASS) && drain(&f, &m) &&
		    ASSERT_EQ(m.n, 1, "events of unknown_dst only")) {
			ASSERT_EQ(m.ev[0].reason, VMST_R_PASS_UNKNOWN,
				  "reason");
			ASSERT_MEMEQ(m.ev[0].data, m.ev[0].caplen, unknown,
				     unknown_len, "event bytes");
		}
	}

	if (test__start_subtest("port_filter")) {
		/* Only frames counted under the port: none of port 0's. */
		if (mon_set(&f, 1, 1, ALL_REASONS, idx, NO_LEASE_END) &&
		    run(&f, bcast, bcast_len, XDP_PASS) &&
		    run(&f, unknown, unknown_len, XDP_PASS) && drain(&f, &m))
			ASSERT_EQ(m.n, 0,
				  "events of port 0 with a port filter");
		if (mon_set(&f, 1, 1, ALL_REASONS, 0, NO_LEASE_END) &&
		    run(&f, unknown, unknown_len, XDP_PASS) && drain(&f, &m))
			ASSERT_EQ(m.n, 1, "events of port 0 with filter 0");
	}

	if (test__start_subtest("no_target_event")) {
		/* The port's target gone: passed as no_target, its port. */
		if (ASSERT_OK(bpf_map_delete_elem(f.maps.fd[VMS_MAP_TX], &idx),
			      "delete target") &&
		    mon_set(&f, 1, 1, ALL_REASONS, idx, NO_LEASE_END) &&
		    run(&f, fwd, fwd_len, XDP_PASS) && drain(&f, &m) &&
		    ASSERT_EQ(m.n, 1, "events for a frame with no target")) {
			ASSERT_EQ(m.ev[0].reason, VMST_R_PASS_NO_TARGET,
				  "reason");
			ASSERT_EQ(m.ev[0].port, idx, "port");
			ASSERT_MEMEQ(m.ev[0].data, m.ev[0].caplen, fwd, fwd_len,
				     "event bytes");
		}
	}

	if (test__start_subtest("lease_expired_no_event")) {
		if (mon_set(&f, 1, 1, ALL_REASONS, VMST_MON_PORT_ANY, 1) &&
		    run(&f, bcast, bcast_len, XDP_PASS) && drain(&f, &m))
			ASSERT_EQ(m.n, 0, "events after the lease ended");
	}

	if (test__start_subtest("lease_expired_backs_off")) {
		/* After an ended lease a CPU skips frames of that reason (no
		 * clock read) until a new monitor resets the countdowns.
		 */
		struct vmst_mon_ctl ctl = {.enabled = 1,
					   .port = VMST_MON_PORT_ANY,
					   .lease_until = NO_LEASE_END};
		__u32 zero = 0;

		for (i = 0; i < VMST_R_MAX; i++)
			ctl.sample[i] = 1;
		if (mon_set(&f, 1, 1, ALL_REASONS, VMST_MON_PORT_ANY, 1) &&
		    run(&f, bcast, bcast_len, XDP_PASS) &&
		    ASSERT_OK(bpf_map_update_elem(f.maps.fd[VMS_MAP_MON_CTL],
						  &zero, &ctl, 0),
			      "renew the lease") &&
		    run(&f, bcast, bcast_len, XDP_PASS) && drain(&f, &m) &&
		    ASSERT_EQ(m.n, 0, "events while backed off") &&
		    mon_reset(&f) && run(&f, bcast, bcast_len, XDP_PASS) &&
		    drain(&f, &m))
			ASSERT_EQ(m.n, 1, "events after a reset");
	}

	if (test__start_subtest("sample_1_in_4")) {
		if (mon_set(&f, 1, 4, ALL_REASONS, VMST_MON_PORT_ANY,
			    NO_LEASE_END)) {
			for (i = 0; i < 12; i++) {
				bcast[bcast_len - 1] = i; /* tell them apart */
				if (!run(&f, bcast, bcast_len, XDP_PASS))
					break;
			}
			if (drain(&f, &m) &&
			    ASSERT_EQ(m.n, 3, "events for 12 frames, 1 in 4"))
				for (i = 0; i < 3; i++)
					ASSERT_EQ(m.ev[i].data[bcast_len - 1],
						  4 * i, "frame sampled");
		}
	}
out:
	fixture_teardown(&f);
out_cpu:
	sched_setaffinity(0, sizeof(old), &old);
}
