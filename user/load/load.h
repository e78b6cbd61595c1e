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
/*
 * Open a BPF object to load: this build's, @elf (a skeleton's
 * <name>__elf_bytes) under the object name @name (the skeleton's, so that
 * its internal maps are named as the skeleton would), or, in the test
 * build only, the file it names for @test_obj (vms_obj_override: another
 * build's object, for the upgrade tests). Fails with a message naming
 * @what or the file.
 */
int vms_object_open(const void *(*elf)(size_t *sz), const char *name,
		    const char *test_obj, const char *what,
		    struct bpf_object **obj);
/*
 * Load @obj over the maps pinned under @pin_path (vms_object_pin_maps,
 * then vms_object_load(@obj, @what)); with @prog, *@fd is that program's
 * fd, owned by @obj.
 */
int vms_object_load_pinned(struct bpf_object *obj, const char *pin_path,
			   const char *what, const char *prog, int *fd);

#endif /* VMS_LOAD_LOAD_H */
