// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus text format: label value escaping, the HELP and TYPE lines of
 * a family, and what a scrape shows without a state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "test.h"

/* Run @fn on a memory stream; the text it wrote (free it). */
#define CAPTURE(out, call)                                 \
	do {                                               \
		size_t ___len = 0;                         \
		FILE *f = open_memstream(&(out), &___len); \
		if (!ASSERT_OK_PTR(f, "open_memstream"))   \
			break;                             \
		call;                                      \
		fclose(f);                                 \
	} while (0)

TEST(metrics_escape)
{
	/* Each of the three specials, plain text, and all together. */
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"vnet0", "vnet0"},
		{"a\\b", "a\\\\b"},
		{"say \"hi\"", "say \\\"hi\\\""},
		{"two\nlines", "two\\nlines"},
		{"\\\"\n", "\\\\\\\"\\n"},
		{"", ""},
		{"tab\tand unicode é", "tab\tand unicode é"},
	};
	char buf[64], *s = NULL;
	size_t i;

	if (test__start_subtest("table")) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			size_t n =
				vms_prom_escape(buf, sizeof(buf), cases[i].in);

			ASSERT_STREQ(buf, cases[i].out, cases[i].in);
			ASSERT_EQ(n, strlen(cases[i].out), "returned length");
		}
	}
	if (test__start_subtest("stream")) {
		CAPTURE(s, vms_prom_write_label_value(f, "x\\\"\ny"));
		ASSERT_STREQ(s, "x\\\\\\\"\\ny", "streamed escape");
		free(s);
	}
	/* Truncation never splits an escape and always terminates. */
	if (test__start_subtest("truncate")) {
		char small[4];
		size_t n;

		memset(small, 'Z', sizeof(small));
		n = vms_prom_escape(small, sizeof(small), "ab\"c");
		ASSERT_STREQ(small, "ab", "cut before the escape");
		ASSERT_EQ(n, 5, "needed length");
		n = vms_prom_escape(small, 0, "abc");
		ASSERT_EQ(n, 3, "length with no buffer");
		ASSERT_EQ(small[0], 'a', "zero-length buffer untouched");
	}
}

TEST(metrics_family)
{
	char *s = NULL;

	if (test__start_subtest("help_type")) {
		CAPTURE(s, vms_prom_family(f, "vmsteer_x_total", "counter",
					   "Frames.\nSecond \\ line \"q\"."));
		ASSERT_STREQ(s,
			     "# HELP vmsteer_x_total Frames.\\nSecond \\\\ "
			     "line \"q\".\n"
			     "# TYPE vmsteer_x_total counter\n",
			     "family header");
		free(s);
	}
	/*
	 * Without a state a scrape is still well-formed: every family has
	 * HELP then TYPE before its samples, and vmsteer_up is 0.
	 */
	if (test__start_subtest("no_state")) {
		char *line, *save = NULL, fam[128] = "";
		int err = 0, helps = 0, types = 0;
		bool seen_up = false;

		CAPTURE(s, {
			err = vms_metrics_render(
				f, "/sys/fs/bpf/vmsteer-unit-no-such-state");
			vms_metrics_render_self(f, 0.5, 3);
		});
		if (!ASSERT_OK_PTR(s, "output"))
			return;
		ASSERT_EQ(err, -ENOENT, "render without state");
		for (line = strtok_r(s, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char name[128];

			if (sscanf(line, "# HELP %127s", name) == 1) {
				snprintf(fam, sizeof(fam), "%s", name);
				helps++;
			} else if (sscanf(line, "# TYPE %127s", name) == 1) {
				ASSERT_STREQ(name, fam, "TYPE follows HELP");
				types++;
			} else {
				ASSERT_TRUE(!strncmp(line, fam, strlen(fam)),
					    line);
				if (!strcmp(line, "vmsteer_up 0"))
					seen_up = true;
			}
		}
		ASSERT_EQ(helps, types, "one TYPE per HELP");
		ASSERT_GE(helps, 4, "families");
		ASSERT_TRUE(seen_up, "vmsteer_up 0");
		free(s);
	}
	if (test__start_subtest("self")) {
		CAPTURE(s, vms_metrics_render_self(f, 0.25, 7));
		ASSERT_TRUE(s && strstr(s, "\nvmsteer_exporter_scrape_duration_"
					   "seconds 0.250000\n"),
			    "duration sample");
		ASSERT_TRUE(s && strstr(s, "# TYPE "
					   "vmsteer_exporter_scrape_errors_"
					   "total counter\n"
					   "vmsteer_exporter_scrape_errors_"
					   "total 7\n"),
			    "errors sample");
		free(s);
	}
}
