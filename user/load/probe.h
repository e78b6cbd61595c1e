/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel feature probes (probe.c). */
#ifndef VMS_LOAD_PROBE_H
#define VMS_LOAD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"

enum vms_probe_kind {
	VMS_PROBE_END,
	VMS_PROBE_BTF,	    /* the kernel's own BTF is there */
	VMS_PROBE_BTF_TYPE, /* a type @name of BTF kind @type */
	VMS_PROBE_BTF_ENUM, /* an enumerator @name */
	VMS_PROBE_PROG,	    /* program type @type */
	VMS_PROBE_MAP,	    /* map type @type */
	VMS_PROBE_HELPER,   /* helper @helper in program type @type */
};

/* A kernel feature vmsteer uses, and how to tell that it is there. */
struct vms_feature {
	enum vms_probe_kind kind;
	__u32 type;
	__u32 helper;
	const char *name;
	const char *since; /* the Linux version that brought it */
	const char *what;  /* the feature and what vmsteer uses it for */
};

/* Rows of a feature table, one a kind of probe. */
#define VMS_FEATURE_PROG(type, since, what)                      \
	{                                                        \
		VMS_PROBE_PROG, (type), 0, NULL, (since), (what) \
	}
#define VMS_FEATURE_MAP(type, since, what)                      \
	{                                                       \
		VMS_PROBE_MAP, (type), 0, NULL, (since), (what) \
	}
#define VMS_FEATURE_HELPER(prog_type, helper, since, what)                     \
	{                                                                      \
		VMS_PROBE_HELPER, (prog_type), (helper), NULL, (since), (what) \
	}
#define VMS_FEATURE_BTF_TYPE(btf_kind, name, since, what)                  \
	{                                                                  \
		VMS_PROBE_BTF_TYPE, (btf_kind), 0, (name), (since), (what) \
	}
#define VMS_FEATURE_BTF_ENUM(name, since, what)                   \
	{                                                         \
		VMS_PROBE_BTF_ENUM, 0, 0, (name), (since), (what) \
	}

/* Every feature vmsteer needs (the last entry VMS_PROBE_END). */
extern const struct vms_feature vms_features[];
/*
 * Probe @features in order; on the first one missing, an error naming it
 * and the Linux version that brought it (or that the kernel has no BTF,
 * or that probing needs root).
 */
int vms_probe_features(const struct vms_feature *features);
/* vms_probe_features(vms_features). */
int vms_probe_kernel(void);

#endif /* VMS_LOAD_PROBE_H */
