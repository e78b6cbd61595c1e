/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared programs (progs.c). */
#ifndef VMS_LOAD_PROGS_H
#define VMS_LOAD_PROGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"
#include "core/state.h"

/*
 * The state's @kind program of this network namespace, pinned under
 * <pin path>/progs/: opened from the pin, or loaded and pinned when there
 * is none yet. *@fd stays owned by @st.
 */
int vms_shared_prog(struct vms_state *st, enum vms_prog kind, int *fd);
/*
 * Load this build's @kind program; when the pinned one is another build's
 * (another kernel tag), pin it in its place (*@replaced). Either way it
 * becomes @st's program of that kind. Nothing pinned: nothing to upgrade
 * (the first tap that needs one loads this build's).
 */
int vms_shared_prog_upgrade(struct vms_state *st, enum vms_prog kind,
			    bool *replaced);
/* Id of the pinned @kind program of this namespace, 0 when none (nothing
 * is loaded). */
__u32 vms_shared_prog_id(const struct vms_state *st, enum vms_prog kind);
/* Set the 4-byte .rodata variable @var of an opened object. */
int vms_rodata_set_u32(struct bpf_object *obj, const char *var, __u32 val);

#endif /* VMS_LOAD_PROGS_H */
