/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Includes and small definitions every vmsteer BPF program starts from. */
#ifndef VMST_BPF_COMMON_H
#define VMST_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "vmsteer.h"

/* Ethernet and 802.1Q constants (vmlinux.h carries types, not macros). */
#define ETH_ALEN      6
#define ETH_HLEN      14
#define VLAN_HLEN     4
#define ETH_P_8021Q   0x8100
#define ETH_P_8021AD  0x88a8
#define ETH_P_IP      0x0800
#define ETH_P_IPV6    0x86dd
#define VLAN_VID_RSVD 0x0fff /* VID 4095: reserved, never forwarded */

/* 6 bytes of MAC address as an integer, first octet most significant. */
static __always_inline __u64 vmst_mac48(const __u8 *m)
{
	return ((__u64)m[0] << 40) | ((__u64)m[1] << 32) | ((__u64)m[2] << 24) |
	       ((__u64)m[3] << 16) | ((__u64)m[4] << 8) | m[5];
}

/*
 * Tests only (test_upgrade.sh, test_tx_tc.sh... build programs again with
 * -DVMST_TEST_VARIANT=N): one dead instruction at the top of a program
 * gives it another kernel tag and the same behaviour, to upgrade to.
 * Nothing in a real build.
 */
#ifdef VMST_TEST_VARIANT
#define VMST_TEST_MARK() \
	asm volatile("r0 = %[v]" ::[v] "i"(VMST_TEST_VARIANT) : "r0")
#else
#define VMST_TEST_MARK() ((void)0)
#endif

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* VMST_BPF_COMMON_H */
