/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vmsteer benchmark: definitions shared by the bench's own BPF programs
 * (tests/bpf/bench_xdp.bpf.c, bench_gen.bpf.c) and the bench binary
 * (tests/bench/).
 */
#ifndef VMST_BENCH_H
#define VMST_BENCH_H

/*
 * Counters of the bench's uplink programs and transmit tracepoint
 * (bench_cnt, per CPU, indexed by this enum).
 */
enum bench_counter {
	BENCH_C_DROP,	       /* frames the ceiling program dropped */
	BENCH_C_DEVMAP_REDIR,  /* frames the bare devmap program redirected */
	BENCH_C_TAP_SENT,      /* XDP frames the bench tap's ring accepted */
	BENCH_C_TAP_RING_FULL, /* XDP frames refused by a full tap ring */
	BENCH_C_TAP_XMIT_ERR,  /* XDP frames refused for another reason */
	BENCH_C_MAX
};

/* Frame the generator and the program-cost runs send, in bytes. */
#define BENCH_FRAME_LEN 64
/* Frame lengths the transmit bench writes (Ethernet, no FCS): the
 * smallest frame and a full 1500-byte-MTU frame. */
#define BENCH_FRAME_MIN 60
#define BENCH_FRAME_MAX 1514
/* UDP source port of flow 0; flow N uses BENCH_UDP_SPORT + N. */
#define BENCH_UDP_SPORT 10000
/* Offset of the UDP source port in the frame (Ethernet + IPv4, no options). */
#define BENCH_UDP_SPORT_OFF (14 + 20)

#endif /* VMST_BENCH_H */
