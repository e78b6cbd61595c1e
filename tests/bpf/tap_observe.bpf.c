// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only: the tap program (bpf/tap.bpf.c, its source unchanged)
 * compiled inside a wrapper that records what BPF_PROG_TEST_RUN does not
 * show: the device bpf_redirect chose (kept in the run's redirect info)
 * and a tag bpf_skb_vlan_push put in the skb's metadata (not in the data).
 * The fuzzer (tests/fuzz/fuzz_tap.c) runs every frame through the
 * production object and this one; both are held to the reference model.
 * (An fexit program on the production object would need BPF trampolines,
 * which this test machine's kernel refuses: EPERM.)
 */
#define VMST_CTX_SKB
#include "lib/common.h"
#include "lib/ctx.h"
/* Everything tap.bpf.c includes, first: its maps keep their section. */
#include "lib/maps.h"
#include "lib/fdb.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "lib/verdict.h"
#include "lib/antispoof.h"
#include "lib/devport.h"

#include "observe.h"

/*
 * The tap program's entry becomes an inlined function of this one (its
 * headers are included already: only its entry and licence lose their
 * section).
 */
#pragma push_macro("SEC")
#undef SEC
#define SEC(name)
#define LICENSE	     vmst_tap_license
#define vmst_tap     __attribute__((always_inline)) static vmst_tap_entry
#define bpf_redirect vmst_observed_redirect
#include "tap.bpf.c"
#undef bpf_redirect
#undef vmst_tap
#undef LICENSE
#pragma pop_macro("SEC")

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int vmst_tap_observed(struct __sk_buff *skb)
{
	int ret;

	vmst_observe_begin();
	ret = vmst_tap_entry(skb);
	vmst_observe_end(skb);
	return ret;
}
