// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Duplicate keys in an apply document: refused at any depth, naming the
 * JSON path of the second occurrence, even where both values are equal;
 * equal keys in different objects and equal values are fine. (json-c
 * alone keeps the last of two keys: a trailing "ports": [] would delete
 * every port.) Devices are not checked (VMS_CFG_NO_DEVICES).
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "test.h"
#include "util/log.h"

#define PORT(tap, mac) "{\"tap\":\"" tap "\",\"mac\":\"" mac "\"}"

static const struct {
	const char *name;
	const char *doc;
	const char *path; /* NULL: accepted; else the path the error names */
} cases[] = {
	{"top_level_last_wins_would_empty",
	 "{\"uplinks\":[],\"ports\":[" PORT(
		 "t1", "02:00:00:00:00:01") "],\"ports\":[]}",
	 "ports"},
	{"top_level_first", "{\"ports\":[],\"uplinks\":[],\"ports\":[]}",
	 "ports"},
	{"in_a_port",
	 "{\"uplinks\":[],\"ports\":[" PORT(
		 "t1",
		 "02:00:00:00:00:01") ","
				      "{\"tap\":\"t2\",\"mac\":\"02:00:00:00:00:02\",\"vlan\":5,"
				      "\"vlan\":5}]}",
	 "ports[1].vlan"},
	{"in_an_uplink",
	 "{\"uplinks\":[{\"device\":\"u0\",\"mode\":\"auto\",\"device\":"
	 "\"u1\"}],\"ports\":[]}",
	 "uplinks[0].device"},
	{"nested_rss",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":"
	 "\"02:00:00:00:00:01\",\"queues\":2,\"rss\":{\"default_queue\":0,"
	 "\"default_queue\":1}}]}",
	 "ports[0].rss.default_queue"},
	{"odd_key_quoted", "{\"uplinks\":[],\"ports\":[],\"a b\":1,\"a b\":2}",
	 "[\"a b\"]"},
	{"in_nested_arrays",
	 "{\"uplinks\":[],\"ports\":[],\"x\":[[1,{\"y\":1}],[{},{\"z\":1,"
	 "\"z\":2}]]}",
	 "x[1][1].z"},
	{"same_key_in_sibling_objects",
	 "{\"uplinks\":[],\"ports\":[" PORT("t1", "02:00:00:00:00:01") "," PORT(
		 "t2", "02:00:00:00:00:02") "]}",
	 NULL},
	{"key_equal_to_a_value",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"mac\",\"mac\":"
	 "\"02:00:00:00:00:01\"}]}",
	 NULL},
};

TEST(config_dupkeys)
{
	static struct vms_config cfg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[96];
		int err;

		if (!test__start_subtest("%s", cases[i].name))
			continue;
		vms_clear_error();
		err = vms_config_parse(cases[i].doc, strlen(cases[i].doc), "t",
				       VMS_CFG_NO_DEVICES, &cfg);
		if (!cases[i].path) {
			ASSERT_OK(err, vms_last_error() ?: "parse");
			continue;
		}
		/* An unknown key is refused too: the duplicate must be
		 * found first, by its own message. */
		snprintf(want, sizeof(want), "t: %s: duplicate key",
			 cases[i].path);
		if (ASSERT_ERR(err, "parse"))
			ASSERT_TRUE(vms_last_error() &&
					    !strncmp(vms_last_error(), want,
						     strlen(want)),
				    want);
		if (vms_last_error())
			test__diag("%s", vms_last_error());
	}
}
