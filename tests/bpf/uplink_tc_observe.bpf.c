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

#define vmst_uplink_tc OBSERVED_ENTRY
#define OBSERVED_SRC   "uplink_tc.bpf.c"
#define OBSERVED_NAME  vmst_uplink_tc_observed
#include "observe.h"
