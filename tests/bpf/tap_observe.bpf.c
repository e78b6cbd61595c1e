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

#define vmst_tap      OBSERVED_ENTRY
#define OBSERVED_SRC  "tap.bpf.c"
#define OBSERVED_NAME vmst_tap_observed
#include "observe.h"
