// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vms_json_stream prints the same text as vms_json_print of the whole
 * tree (stats --json at thousands of ports streams its "ports"), plain
 * and pretty, for no element, one and several, with and without members
 * after the array, and elements holding nested arrays, empty objects and
 * strings with newlines and quotes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/output.h"
#include "test.h"

/* Element @i: an object with nested values. */
static struct json_object *element(int i)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();
	struct json_object *in = json_object_new_object();

	vms_json_str(o, "port", i % 2 ? "t\"1\n\tx/y" : "t0");
	vms_json_u64(o, "index", i);
	json_object_array_add(a, json_object_new_uint64(i));
	json_object_array_add(a, json_object_new_array());
	json_object_object_add(o, "queues", i % 3 ? a : NULL);
	if (!(i % 3))
		json_object_put(a);
	json_object_object_add(in, "empty", json_object_new_object());
	vms_json_bool(in, "b", i % 2);
	json_object_object_add(o, "reasons", in);
	return o;
}

/* What @fn prints on stdout, in @buf. */
static void capture(void (*fn)(int n, bool rest), int n, bool rest, char *buf,
		    size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(1);
	size_t got;

	fflush(stdout);
	dup2(fileno(f), 1);
	fn(n, rest);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	got = fread(buf, 1, len - 1, f);
	buf[got] = '\0';
	fclose(f);
}

static void tree(int n, bool rest)
{
	struct json_object *top = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	int i;

	json_object_object_add(top, "ports", arr);
	for (i = 0; i < n; i++)
		json_object_array_add(arr, element(i));
	if (rest) {
		json_object_object_add(top, "uplink_reasons", element(7));
		vms_json_u64(top, "more", 3);
	}
	vms_json_print(top);
}

static void stream(int n, bool rest)
{
	struct json_object *r = NULL;
	struct vms_json_stream js;
	int i;

	vms_json_stream_begin(&js, "ports");
	for (i = 0; i < n; i++)
		vms_json_stream_add(&js, element(i));
	if (rest) {
		r = json_object_new_object();
		json_object_object_add(r, "uplink_reasons", element(7));
		vms_json_u64(r, "more", 3);
	}
	vms_json_stream_end(&js, r);
}

TEST(json_stream)
{
	static char want[1 << 16], got[1 << 16];
	static const int ns[] = {0, 1, 4};
	bool saved = vms_pretty;
	int p, i, rest;

	for (p = 0; p < 2; p++)
		for (i = 0; i < 3; i++)
			for (rest = 0; rest < 2; rest++) {
				if (!test__start_subtest(
					    "%s_%d%s", p ? "pretty" : "plain",
					    ns[i], rest ? "_rest" : ""))
					continue;
				vms_pretty = p;
				capture(tree, ns[i], rest, want, sizeof(want));
				capture(stream, ns[i], rest, got, sizeof(got));
				vms_pretty = saved;
				ASSERT_TRUE(strlen(want) > 10, "tree printed");
				ASSERT_STREQ(got, want, "streamed text");
			}
}
