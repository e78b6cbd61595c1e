// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only: the uplink tc program (bpf/uplink_tc.bpf.c, its source
 * unchanged) compiled inside a wrapper that records what
 * BPF_PROG_TEST_RUN does not show: the device bpf_redirect chose (kept in
 * the run's redirect info) and any tag left in the skb's metadata. The
 * fuzzer (tests/fuzz/fuzz_tap.c) runs every frame through the production
 * object and this one; both are held to the reference model. See
 * tap_observe.bpf.c.
 * (An fexit program on the production object would need BPF trampolines,
 * which this test machine's kernel refuses: EPERM.)
 */
#define VMST_CTX_SKB
#include "lib/common.h"
#include "lib/ctx.h"
/* Everything uplink_tc.bpf.c includes, first: its maps keep their
 * section. */
#include "lib/maps.h"
#include "lib/fdb.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "lib/verdict.h"

#include "observe.h"

/*
 * The uplink tc program's entry becomes an inlined function of this one (its
 * headers are included already: only its entry and licence lose their
 * section).
 */
#pragma push_macro("SEC")
#undef SEC
#define SEC(name)
#define LICENSE vmst_uplink_tc_license
#define vmst_uplink_tc \
	__attribute__((always_inline)) static vmst_uplink_tc_entry
#define bpf_redirect vmst_observed_redirect
#include "uplink_tc.bpf.c"
#undef bpf_redirect
#undef vmst_uplink_tc
#undef LICENSE
#pragma pop_macro("SEC")

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int vmst_uplink_tc_observed(struct __sk_buff *skb)
{
	int ret;

	vmst_observe_begin();
	ret = vmst_uplink_tc_entry(skb);
	vmst_observe_end(skb);
	return ret;
}
