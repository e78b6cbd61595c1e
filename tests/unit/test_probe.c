// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kernel feature probes (user/load/probe.c): every feature vmsteer needs is
 * found on the kernel the tests run on (the kernel matrix runs them on
 * Debian 12's 6.1 too), and a feature the kernel lacks is named in a
 * one-line error with the version that brought it.
 */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/btf.h>

#include "test.h"
#include "load/probe.h"
#include "util/log.h"

TEST(probe)
{
	if (test__start_subtest("all_present")) {
		int err = vms_probe_kernel();

		ASSERT_OK(err, vms_last_error() ? vms_last_error() : "probe");
	}

	/* Each kind of probe answers "absent" for what no kernel has. */
	if (test__start_subtest("missing_named")) {
		static const struct {
			struct vms_feature f;
			const char *want;
		} rows[] = {
			{VMS_FEATURE_MAP(0x7ff0, "99.1", "map kind X"),
			 "lacks map kind X (Linux 99.1+)"},
			{VMS_FEATURE_PROG(0x7ff0, "99.2", "prog kind Y"),
			 "lacks prog kind Y (Linux 99.2+)"},
			{VMS_FEATURE_HELPER(BPF_PROG_TYPE_XDP, 0x7ff0, "99.3",
					    "helper Z"),
			 "lacks helper Z (Linux 99.3+)"},
			{VMS_FEATURE_BTF_TYPE(BTF_KIND_STRUCT,
					      "vmst_no_such_struct", "99.4",
					      "struct W"),
			 "lacks struct W (Linux 99.4+)"},
			{VMS_FEATURE_BTF_ENUM("VMST_NO_SUCH_ENUMERATOR", "99.5",
					      "enumerator V"),
			 "lacks enumerator V (Linux 99.5+)"},
		};
		size_t i;

		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			/* The real table first: the missing one is named. */
			struct vms_feature table[3] = {
				vms_features[0], rows[i].f, {VMS_PROBE_END}};
			int err;

			vms_clear_error();
			err = vms_probe_features(table);
			ASSERT_EQ(err, -EOPNOTSUPP, rows[i].want);
			ASSERT_TRUE(vms_last_error() &&
					    strstr(vms_last_error(),
						   rows[i].want) &&
					    strstr(vms_last_error(),
						   "Linux 5.18 or later") &&
					    !strchr(vms_last_error(), '\n'),
				    vms_last_error() ? vms_last_error()
						     : "no error");
		}
	}
}
