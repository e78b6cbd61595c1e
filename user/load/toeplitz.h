/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RSS reference (toeplitz.c). */
#ifndef VMS_LOAD_TOEPLITZ_H
#define VMS_LOAD_TOEPLITZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"

/*
 * The Toeplitz hash of Microsoft's RSS specification over @len bytes of
 * @in: for each set input bit b (most significant bit of in[0] first), XOR
 * in key bits b..b+31. Key bits past the 40-byte key count as zero, so any
 * length is defined; RSS inputs are at most VMST_RSS_INPUT_MAX bytes.
 */
__u32 vms_toeplitz(const __u8 key[VMST_RSS_KEY_LEN], const void *in,
		   size_t len);

/*
 * The lookup tables of @key that the BPF programs hash with (struct
 * vmst_rss_lut): each entry is vms_toeplitz() of one nibble at its place.
 */
void vms_rss_lut_build(const __u8 key[VMST_RSS_KEY_LEN],
		       struct vmst_rss_lut *lut);

/* Microsoft's default RSS key (VMST_RSS_KEY_MSFT). */
extern const __u8 vms_rss_key_msft[VMST_RSS_KEY_LEN];

/*
 * The RSS hash input of an IPv@family (4 or 6) flow, in the order the
 * specification gives: source address, destination address, then with
 * @ports source port, destination port, all in network order. Addresses
 * are in network order (struct in_addr / in6_addr bytes), ports in host
 * order. Writes @out and returns the input's length.
 */
size_t vms_rss_input(__u8 out[VMST_RSS_INPUT_MAX], int family,
		     const void *saddr, const void *daddr, bool ports,
		     __u16 sport, __u16 dport);

/* What the steering program sees of a frame. */
struct vms_rss_flow {
	int family;	/* 4, 6, or 0: not IP (or its header cut short) */
	__u8 saddr[16]; /* network order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
	int l4;	     /* IPPROTO_TCP or _UDP with ports, else 0 */
	__u16 sport; /* host order */
	__u16 dport;
};

/*
 * Hash of @f under the virtio-net hash types @types (enum
 * vmst_rss_hash_type): TCP or UDP types hash addresses and ports, IP types
 * addresses only. False when no enabled type covers the flow.
 */
bool vms_rss_flow_hash(const __u8 key[VMST_RSS_KEY_LEN], __u32 types,
		       const struct vms_rss_flow *f, __u32 *hash);
/* Queue @cfg gives @f, exactly as the BPF programs choose it. */
__u32 vms_rss_flow_queue(const struct vmst_rss *cfg,
			 const struct vms_rss_flow *f);
/*
 * The default configuration of a port with @queues queues (1..256): the
 * Microsoft key, every hash type, a round-robin table of 128 entries,
 * default queue 0.
 */
void vms_rss_default(struct vmst_rss *cfg, __u16 queues);

#endif /* VMS_LOAD_TOEPLITZ_H */
