// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit test runner: runs every TEST() in the binary, or those whose name
 * (or "test/subtest" name) contains argv[1]. One line per case, see test.h;
 * exits 1 when any case failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "test.h"

/* Bounds of the registry section, provided by the linker. */
extern const struct test_def *const __start_vmst_unit_tests[];
extern const struct test_def *const __stop_vmst_unit_tests[];

/* The case being run. */
static struct {
	const struct test_def *test;
	const char *filter;
	bool whole_test;  /* the filter matches the test's own name */
	bool in_subtest;  /* a subtest is open */
	int subtests_run; /* subtests started (not filtered out) */
	char name[256];	  /* full name of the open case */
	bool failed, skipped;
	int extra_failures; /* failures after the first, in this case */
	char why[1024];
} cur;

static int n_ok, n_fail, n_skip;

void test__diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void case_reset(void)
{
	cur.failed = cur.skipped = false;
	cur.extra_failures = 0;
	cur.why[0] = '\0';
}

/* Print the line of the open case. */
static void case_report(void)
{
	if (cur.failed) {
		if (cur.extra_failures)
			printf("FAIL %s: %s (and %d more, see above)\n",
			       cur.name, cur.why, cur.extra_failures);
		else
			printf("FAIL %s: %s\n", cur.name, cur.why);
		n_fail++;
	} else if (cur.skipped) {
		printf("skip %s: %s\n", cur.name, cur.why);
		n_skip++;
	} else {
		printf("ok %s\n", cur.name);
		n_ok++;
	}
	fflush(stdout);
}

static void subtest_end(void)
{
	if (!cur.in_subtest)
		return;
	case_report();
	cur.in_subtest = false;
	snprintf(cur.name, sizeof(cur.name), "%s", cur.test->name);
	case_reset();
}

bool test__start_subtest(const char *fmt, ...)
{
	char sub[200];
	va_list ap;

	subtest_end();
	va_start(ap, fmt);
	vsnprintf(sub, sizeof(sub), fmt, ap);
	va_end(ap);
	snprintf(cur.name, sizeof(cur.name), "%s/%s", cur.test->name, sub);
	if (!cur.whole_test && !strstr(cur.name, cur.filter)) {
		snprintf(cur.name, sizeof(cur.name), "%s", cur.test->name);
		return false;
	}
	/* Failures outside subtests so far are reported on their own. */
	if (cur.failed) {
		char keep[256];

		snprintf(keep, sizeof(keep), "%s", cur.name);
		snprintf(cur.name, sizeof(cur.name), "%s", cur.test->name);
		case_report();
		snprintf(cur.name, sizeof(cur.name), "%s", keep);
	}
	case_reset();
	cur.in_subtest = true;
	cur.subtests_run++;
	return true;
}

void test__fail(const char *file, int line, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!cur.failed) {
		cur.failed = true;
		snprintf(cur.why, sizeof(cur.why), "%s:%d: %s", file, line,
			 msg);
	} else {
		cur.extra_failures++;
		test__diag("%s: %s:%d: %s", cur.name, file, line, msg);
	}
}

void test__skip(const char *fmt, ...)
{
	va_list ap;

	if (cur.failed || cur.skipped)
		return;
	cur.skipped = true;
	va_start(ap, fmt);
	vsnprintf(cur.why, sizeof(cur.why), fmt, ap);
	va_end(ap);
}

bool test__failed(void)
{
	return cur.failed;
}

bool test__memeq(const char *file, int line, const void *actual,
		 size_t actual_len, const void *expected, size_t expected_len,
		 const char *name)
{
	const unsigned char *a = actual, *e = expected;
	size_t i, n = actual_len < expected_len ? actual_len : expected_len;

	for (i = 0; i < n; i++)
		if (a[i] != e[i])
			break;
	if (i == n && actual_len == expected_len)
		return true;
	if (i < n)
		test__fail(file, line,
			   "%s: differs at byte %zu: got 0x%02x, want 0x%02x "
			   "(lengths %zu, %zu)",
			   name, i, a[i], e[i], actual_len, expected_len);
	else
		test__fail(file, line, "%s: length %zu, want %zu", name,
			   actual_len, expected_len);
	return false;
}

static void run_test(const struct test_def *t, const char *filter)
{
	memset(&cur, 0, sizeof(cur));
	cur.test = t;
	cur.filter = filter;
	cur.whole_test = strstr(t->name, filter) != NULL;
	snprintf(cur.name, sizeof(cur.name), "%s", t->name);

	vms_clear_error();
	t->fn();
	subtest_end();
	/* The test's own line: when it has no subtests, or failed outside. */
	if (cur.failed || (cur.whole_test && !cur.subtests_run))
		case_report();
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : "";
	const struct test_def *const *t;

	if (argc > 2 || (argc > 1 && !strcmp(argv[1], "--help"))) {
		fprintf(stderr, "usage: %s [FILTER]\n", argv[0]);
		return 2;
	}
	/* Keep libbpf quiet unless something needs a closer look. */
	vms_libbpf_logging(getenv("VMSTEER_UNIT_VERBOSE") != NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (t = __start_vmst_unit_tests; t < __stop_vmst_unit_tests; t++)
		run_test(*t, filter);

	/* A filter meant for other test programs selects nothing here. */
	if (!n_ok && !n_fail && !n_skip)
		test__diag("no unit test matches \"%s\"", filter);
	test__diag("%d ok, %d failed, %d skipped", n_ok, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
