/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Consistency (check.c). */
#ifndef VMS_CORE_CHECK_H
#define VMS_CORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

enum vms_check_kind {
	/* An FDB slot leads to a missing or mismatched port entry, record or
	 * redirect target: frames could be lost or misdelivered. */
	VMS_CHECK_BROKEN,
	/* Left by an interrupted command, harmless: `apply` repairs it. */
	VMS_CHECK_REPAIR,
};

typedef void (*vms_check_fn)(void *ctx, enum vms_check_kind kind,
			     const char *msg);

/*
 * Check the ports and the FDB against each other; call @report once per
 * finding. A port whose tap is gone from this namespace is not reported
 * here (status names it). Returns the number of findings or -errno.
 */
int vms_state_check(const struct vms_maps *m, vms_check_fn report, void *ctx);

#endif /* VMS_CORE_CHECK_H */
