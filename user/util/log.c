// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Error recording and logging. */
#define _GNU_SOURCE /* vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "util/log.h"

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

void vms_fputs_printable(const char *s, FILE *f)
{
	const unsigned char *c;

	for (c = (const unsigned char *)s; *c; c++) {
		if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\x%02x", *c);
		else
			fputc(*c, f);
	}
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL;

	fputs(prefix, stderr);
	if (vasprintf(&msg, fmt, ap) >= 0)
		vms_fputs_printable(msg, stderr);
	free(msg);
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
