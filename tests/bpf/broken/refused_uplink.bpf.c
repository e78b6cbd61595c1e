// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test-only, and refused on purpose: an uplink program (vmst_uplink, the
 * real maps) that reads the frame without a bounds check, so that every
 * kernel's verifier refuses it. tests/netns/test_load_errors.sh loads it
 * through the test build's hook (VMSTEER_TEST_UPLINK_OBJ) to see how a
 * verifier refusal is reported. Kept out of the tests/bpf objects, whose
 * objects every compiler of the matrix must build and load.
 */
#include "lib/common.h"
#include "lib/maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp.frags")
int vmst_uplink(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;

	/* No check against data_end: "invalid access to packet". */
	return data[12] == 0x81 ? XDP_DROP : XDP_PASS;
}
