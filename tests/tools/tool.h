/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the test tools (sendframes, vmsim, pcaphex) share: arguments read
 * through libvmsteer's parsers (a bad one ends the tool with a message),
 * the monotonic clock, and files of hex frames. A header of static
 * functions: each tool is built from its one source (tests/tools/NAME.c).
 */
#ifndef VMS_TEST_TOOL_H
#define VMS_TEST_TOOL_H

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/types.h>

#include "util/netdev.h"

/* MAC address @s ("aa:bb:cc:dd:ee:ff") into @mac, or exit. */
static inline void tool_mac(const char *s, __u8 mac[6])
{
	if (vms_parse_mac(s, mac))
		errx(1, "bad MAC address '%s'", s);
}

/* Whole decimal number @s (@what in the message), or exit. */
static inline unsigned long long tool_num(const char *s, const char *what)
{
	unsigned long long v;

	if (vms_parse_uint(s, ULLONG_MAX, &v))
		errx(1, "bad %s '%s'", what, s);
	return v;
}

/* A number above 0 (a rate, seconds; may be fractional), or exit. */
static inline double tool_positive(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0))
		errx(1, "bad %s '%s'", what, s);
	return v;
}

/* The tool's @usage on standard output (-h, @code 0) or standard error
 * (a usage error, @code 2), and exit with @code. */
static inline void __attribute__((noreturn))
tool_usage(void (*usage)(FILE *f), int code)
{
	usage(code ? stderr : stdout);
	exit(code);
}

/* Seconds on the monotonic clock. */
static inline double tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Frame @s in hex (spaces, colons and dots ignored) into @out, @max
 * bytes at the most: its length, or exit. */
static inline size_t tool_unhex(const char *s, __u8 *out, size_t max)
{
	ssize_t n = vms_unhex(s, out, max);

	if (n == -E2BIG)
		errx(1, "hex frame longer than %zu bytes", max);
	if (n < 0)
		errx(1, "bad hex frame: %.40s", s);
	return n;
}

/*
 * Each frame of hex file @path ("-": standard input), one a line (lines
 * without hex digits and '#' comments skipped), decoded into @buf (@max
 * bytes) and given to @each; a bad line ends the tool.
 */
static inline void
tool_hex_frames(const char *path, __u8 *buf, size_t max,
		void (*each)(__u8 *f, size_t len, void *data), void *data)
{
	char *line = NULL, *p;
	size_t cap = 0, len;
	FILE *in;

	in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!in)
		errx(1, "%s: %s", path, strerror(errno));
	while (getline(&line, &cap, in) >= 0) {
		p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		len = tool_unhex(p, buf, max);
		if (len)
			each(buf, len, data);
	}
	free(line);
	if (in != stdin)
		fclose(in);
}

#endif /* VMS_TEST_TOOL_H */
