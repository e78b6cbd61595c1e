/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Errors and logging (log.c). */
#ifndef VMS_UTIL_LOG_H
#define VMS_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vmsteer.h"

/*
 * Record an error message for the current command and return @err
 * (a negative errno). The CLI prints the last recorded message once.
 */
int vms_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last recorded message, or NULL. */
const char *vms_last_error(void);
void vms_clear_error(void);

extern int vms_verbose;
/*
 * Write @s to @f with control characters escaped (\n, \t, \xNN), so
 * that a message naming hostile input stays one line.
 */
void vms_fputs_printable(const char *s, FILE *f);
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Route libbpf's messages to stderr when verbose, else drop them. */
void vms_libbpf_logging(int verbose);

#endif /* VMS_UTIL_LOG_H */
