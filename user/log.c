// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Error recording and logging. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "vms.h"

int vms_verbose;
static char last_error[1024]; /* a verifier refusal quotes its log */

int vms_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *vms_last_error(void)
{
	return last_error[0] ? last_error : NULL;
}

void vms_clear_error(void)
{
	last_error[0] = '\0';
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("vmsteer: warning: ", fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("vmsteer: ", fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	if (!vms_verbose)
		return;
	va_start(ap, fmt);
	vlog("vmsteer: debug: ", fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && vms_verbose < 2)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_silent(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

void vms_libbpf_logging(int verbose)
{
	vms_verbose = verbose;
	libbpf_set_print(verbose ? libbpf_print : libbpf_silent);
}
