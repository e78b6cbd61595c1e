// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The test build of the CLI (build/tests/vmsteer-hooks) loads the BPF
 * object named by $VMSTEER_TEST_<WHAT>_OBJ instead of its skeleton
 * <what> (see vms_test_obj_file in user/core/state.h): test_upgrade.sh and
 * test_tx_tc.sh upgrade between variants of the programs with it. The
 * installed vmsteer has no such hook.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/state.h"

const char *vms_test_obj_file(const char *what)
{
	char name[64];
	const char *file;

	snprintf(name, sizeof(name), "VMSTEER_TEST_%s_OBJ", what);
	file = getenv(name);
	return file && *file ? file : NULL;
}
