/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Loading BPF objects (load.c). */
#ifndef VMS_LOAD_LOAD_H
#define VMS_LOAD_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"

/*
 * Bracket a BPF object load (a skeleton's __load() or bpf_object__load()):
 * vms_load_end(err, what) returns @err and, when it is an error, records
 * one naming @what and what failed: a program the verifier refused (its
 * name, the verifier's last lines, the file holding its full log), a
 * program or a map the kernel refused, and why. Calls may nest.
 */
void vms_load_begin(void);
int vms_load_end(int err, const char *what);
/* bpf_object__load(@obj) so bracketed. */
struct bpf_object;
int vms_object_load(struct bpf_object *obj, const char *what);

#endif /* VMS_LOAD_LOAD_H */
