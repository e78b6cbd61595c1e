/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test-only: the observing wrappers (*_observe.bpf.c) of a tc program,
 * and what they record of a run of it for tests/fuzz/fuzz_tap.c to read
 * from the object's .bss: what BPF_PROG_TEST_RUN does not show.
 *
 * A wrapper includes everything the program's source includes (so that
 * its maps keep their sections), #defines the program's entry function's
 * name to OBSERVED_ENTRY, OBSERVED_SRC to the source and OBSERVED_NAME
 * to the wrapping program's name, and includes this last. The source is
 * compiled unchanged, its entry an inlined function (only the entry and
 * the licence lose their section) whose bpf_redirect calls are recorded.
 */
#ifndef VMST_TEST_OBSERVE_H
#define VMST_TEST_OBSERVE_H

/* The last run. */
__u64 obs_runs;		    /* runs seen */
__u32 obs_len;		    /* skb->len when the program returned */
__u32 obs_vlan_proto;	    /* tag in the skb's metadata (0: none) */
__u32 obs_vlan_tci;	    /* its TCI */
__u32 obs_redirected;	    /* bpf_redirect was called */
__u32 obs_redirect_ifindex; /* with this device */
__u32 obs_redirect_flags;   /* and these flags */

/* The wrapped program's bpf_redirect (#define bpf_redirect to this). */
static __always_inline long vmst_observed_redirect(__u32 ifindex, __u64 flags)
{
	obs_redirected = 1;
	obs_redirect_ifindex = ifindex;
	obs_redirect_flags = flags;
	return bpf_redirect(ifindex, flags);
}

/* Before a run: nothing redirected yet. */
static __always_inline void vmst_observe_begin(void)
{
	obs_redirected = obs_redirect_ifindex = obs_redirect_flags = 0;
}

/* After it: what the skb holds. */
static __always_inline void vmst_observe_end(struct __sk_buff *skb)
{
	obs_runs++;
	obs_len = skb->len;
	obs_vlan_proto = skb->vlan_present ? bpf_ntohs(skb->vlan_proto) : 0;
	obs_vlan_tci = skb->vlan_present ? skb->vlan_tci : 0;
}

#pragma push_macro("SEC")
#undef SEC
#define SEC(name)
#define LICENSE	       vmst_observed_license
#define OBSERVED_ENTRY __attribute__((always_inline)) static vmst_observed_entry
#define bpf_redirect   vmst_observed_redirect
#include OBSERVED_SRC
#undef bpf_redirect
#undef LICENSE
#pragma pop_macro("SEC")

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int OBSERVED_NAME(struct __sk_buff *skb)
{
	int ret;

	vmst_observe_begin();
	ret = vmst_observed_entry(skb);
	vmst_observe_end(skb);
	return ret;
}

#endif /* VMST_TEST_OBSERVE_H */
