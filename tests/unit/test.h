/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tiny unit-test harness in the style of the kernel's BPF selftests
 * (tools/testing/selftests/bpf/test_progs.h).
 *
 * A test is a function registered with TEST(name); main() runs them in link
 * order. A test may split itself into cases with test__start_subtest():
 *
 *	TEST(example)
 *	{
 *		if (!ASSERT_OK(setup(), "setup"))
 *			return;
 *		if (test__start_subtest("one"))
 *			ASSERT_EQ(f(1), 2, "f(1)");
 *	}
 *
 * Every case prints exactly one line: "ok NAME", "FAIL NAME: WHY" or
 * "skip NAME: WHY", where NAME is "test" or "test/subtest". The ASSERT_*
 * macros evaluate to true when the check holds; a failed check marks the
 * running case failed and keeps the first message as its WHY (later ones go
 * to "#" diagnostic lines). A failure outside any subtest is reported under
 * the test's own name.
 */
#ifndef VMST_UNIT_TEST_H
#define VMST_UNIT_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct test_def {
	const char *name;
	void (*fn)(void);
};

/*
 * Define and register test_<name>(). The registry is a linker section of
 * pointers: every test file that uses TEST() adds to it.
 */
#define TEST(name)                                                           \
	static void test_##name(void);                                       \
	static const struct test_def test_def_##name = {#name, test_##name}; \
	static const struct test_def *const test_reg_##name                  \
		__attribute__((used, section("vmst_unit_tests"),             \
			       aligned(sizeof(void *)))) = &test_def_##name; \
	static void test_##name(void)

/*
 * Start a case of the running test; ends the previous one. False when the
 * command-line filter excludes it: skip the case's body then.
 */
bool test__start_subtest(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Mark the running case failed, with a message. */
void test__fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the running case skipped (unless it failed), with a message. */
void test__skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True when the running case has failed so far. */
bool test__failed(void);
/* Print a "# ..." diagnostic line (not a case line). */
void test__diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define FAIL(fmt, ...) test__fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define ASSERT_TRUE(cond, name)                                 \
	({                                                      \
		bool ___ok = (cond);                            \
		if (!___ok)                                     \
			FAIL("%s: unexpectedly false", (name)); \
		___ok;                                          \
	})

#define ASSERT_FALSE(cond, name)                               \
	({                                                     \
		bool ___ok = !(cond);                          \
		if (!___ok)                                    \
			FAIL("%s: unexpectedly true", (name)); \
		___ok;                                         \
	})

/* Integer equality; both sides compared as 64-bit patterns. */
#define ASSERT_EQ(actual, expected, name)                                 \
	({                                                                \
		unsigned long long ___a = (unsigned long long)(actual);   \
		unsigned long long ___e = (unsigned long long)(expected); \
		bool ___ok = ___a == ___e;                                \
		if (!___ok)                                               \
			FAIL("%s: got %lld, want %lld", (name),           \
			     (long long)___a, (long long)___e);           \
		___ok;                                                    \
	})

#define ASSERT_NEQ(actual, unexpected, name)                                \
	({                                                                  \
		unsigned long long ___a = (unsigned long long)(actual);     \
		unsigned long long ___u = (unsigned long long)(unexpected); \
		bool ___ok = ___a != ___u;                                  \
		if (!___ok)                                                 \
			FAIL("%s: got %lld, want anything else", (name),    \
			     (long long)___a);                              \
		___ok;                                                      \
	})

/* Signed comparisons. */
#define ASSERT_LT(actual, bound, name)                                         \
	({                                                                     \
		long long ___a = (long long)(actual);                          \
		long long ___b = (long long)(bound);                           \
		bool ___ok = ___a < ___b;                                      \
		if (!___ok)                                                    \
			FAIL("%s: got %lld, want < %lld", (name), ___a, ___b); \
		___ok;                                                         \
	})

#define ASSERT_GE(actual, bound, name)                                   \
	({                                                               \
		long long ___a = (long long)(actual);                    \
		long long ___b = (long long)(bound);                     \
		bool ___ok = ___a >= ___b;                               \
		if (!___ok)                                              \
			FAIL("%s: got %lld, want >= %lld", (name), ___a, \
			     ___b);                                      \
		___ok;                                                   \
	})

/* A 0-or-negative-errno (or -1 with errno) result must be 0. */
#define ASSERT_OK(res, name)                                           \
	({                                                             \
		long long ___r = (long long)(res);                     \
		int ___e = errno;                                      \
		bool ___ok = ___r == 0;                                \
		if (!___ok)                                            \
			FAIL("%s: returned %lld (%s)", (name), ___r,   \
			     strerror(___r < -1 ? (int)-___r : ___e)); \
		___ok;                                                 \
	})

/* A result must be an error: negative. */
#define ASSERT_ERR(res, name)                                            \
	({                                                               \
		long long ___r = (long long)(res);                       \
		bool ___ok = ___r < 0;                                   \
		if (!___ok)                                              \
			FAIL("%s: returned %lld, want an error", (name), \
			     ___r);                                      \
		___ok;                                                   \
	})

#define ASSERT_OK_PTR(ptr, name)                                       \
	({                                                             \
		const void *___p = (ptr);                              \
		int ___e = errno;                                      \
		bool ___ok = ___p != NULL;                             \
		if (!___ok)                                            \
			FAIL("%s: NULL (%s)", (name), strerror(___e)); \
		___ok;                                                 \
	})

#define ASSERT_STREQ(actual, expected, name)                                  \
	({                                                                    \
		const char *___a = (actual), *___e = (expected);              \
		bool ___ok = ___a && ___e && !strcmp(___a, ___e);             \
		if (!___ok)                                                   \
			FAIL("%s: got \"%s\", want \"%s\"", (name),           \
			     ___a ? ___a : "(null)", ___e ? ___e : "(null)"); \
		___ok;                                                        \
	})

/* Byte-exact buffers: reports the lengths or the first differing offset. */
bool test__memeq(const char *file, int line, const void *actual,
		 size_t actual_len, const void *expected, size_t expected_len,
		 const char *name);
#define ASSERT_MEMEQ(actual, alen, expected, elen, name)                      \
	test__memeq(__FILE__, __LINE__, (actual), (alen), (expected), (elen), \
		    (name))

#endif /* VMST_UNIT_TEST_H */
