// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The transmit-path fields of the declarative configuration: "addresses",
 * "trusted" and "trunk" on ports. Accepted documents round trip through what
 * `vmsteer dump` prints; refused ones name the JSON path at fault.
 * Devices are not checked (VMS_CFG_NO_DEVICES).
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "test.h"
#include "core/trunk.h"
#include "util/log.h"

static const struct {
	const char *name;
	const char *doc;
	const char *path; /* NULL: accepted; else the path the error names */
} cases[] = {
	{"addresses_and_trusted",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[\"10.0.0.1\",\"2001:db8::/64\"],\"trusted\":true}]}",
	 NULL},
	{"empty_addresses",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[],\"trusted\":false}]}",
	 NULL},
	{"same_address_other_vlans",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[\"10.0.0.1\"]},{\"tap\":\"t2\",\"mac\":"
	 "\"02:00:00:00:00:02\",\"vlan\":7,\"addresses\":[\"10.0.0.1\"]}]}",
	 NULL},
	{"bad_address",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[\"10.0.0.1\",\"10.0.0.300\"]}]}",
	 "ports[0].addresses[1]"},
	{"host_bits_set",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[\"10.0.0.1/24\"]}]}",
	 "ports[0].addresses[0]"},
	{"address_not_a_string",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[17]}]}",
	 "ports[0].addresses[0]"},
	{"addresses_not_an_array",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":\"10.0.0.1\"}]}",
	 "ports[0].addresses"},
	{"duplicate_in_port",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[\"10.0.0.1\",\"10.0.0.1\"]}]}",
	 "ports[0].addresses[1]"},
	{"overlap_across_ports_same_vlan",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[\"2001:db8::/64\"]},{\"tap\":\"t2\",\"mac\":"
	 "\"02:00:00:00:00:02\",\"addresses\":[\"10.0.0.2\","
	 "\"2001:db8::9\"]}]}",
	 "ports[1].addresses[1]"},
	{"too_many",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"addresses\":[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\",\"10.0.0.4\","
	 "\"10.0.0.5\",\"10.0.0.6\",\"10.0.0.7\",\"10.0.0.8\",\"10.0.0.9\","
	 "\"10.0.0.10\",\"10.0.0.11\",\"10.0.0.12\",\"10.0.0.13\","
	 "\"10.0.0.14\",\"10.0.0.15\",\"10.0.0.16\",\"10.0.0.17\"]}]}",
	 "ports[0].addresses"},
	{"trunk",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trunk\":\"10,30-31,4094\"}]}",
	 NULL},
	{"trunk_null",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trunk\":null}]}",
	 NULL},
	{"trunk_and_vlan",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"vlan\":5,\"trunk\":\"10\"}]}",
	 "ports[0]"},
	{"trunk_vid_0",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trunk\":\"0-10\"}]}",
	 "ports[0].trunk"},
	{"trunk_vid_4095",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trunk\":\"4095\"}]}",
	 "ports[0].trunk"},
	{"trunk_reversed_range",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trunk\":\"20-10\"}]}",
	 "ports[0].trunk"},
	{"trunk_bad_syntax",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trunk\":\"10,,20\"}]}",
	 "ports[0].trunk"},
	{"trunk_not_a_string",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trunk\":10}]}",
	 "ports[0].trunk"},
	{"trusted_not_boolean",
	 "{\"uplinks\":[],\"ports\":[{\"tap\":\"t1\",\"mac\":\"02:00:00:00:00:01\","
	 "\"trusted\":1}]}",
	 "ports[0].trusted"},
};

TEST(config_tx)
{
	static struct vms_config a, b;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc;
		const char *text;
		int err;

		if (!test__start_subtest("%s", cases[i].name))
			continue;
		vms_clear_error();
		err = vms_config_parse(cases[i].doc, strlen(cases[i].doc), "t",
				       VMS_CFG_NO_DEVICES, &a);
		if (cases[i].path) {
			char want[96];

			snprintf(want, sizeof(want), "t: %s:", cases[i].path);
			if (ASSERT_ERR(err, "parse"))
				ASSERT_TRUE(vms_last_error() &&
						    !strncmp(vms_last_error(),
							     want,
							     strlen(want)),
					    want);
			if (vms_last_error())
				test__diag("%s", vms_last_error());
			continue;
		}
		if (!ASSERT_OK(err, "parse"))
			continue;
		doc = vms_config_to_json(&a);
		text = json_object_to_json_string(doc);
		err = vms_config_parse(text, strlen(text), "dump",
				       VMS_CFG_NO_DEVICES, &b);
		if (ASSERT_OK(err, "parse the dump"))
			ASSERT_TRUE(vms_config_equal(&a, &b), "round trip");
		json_object_put(doc);
	}
	if (test__start_subtest("trusted_and_addresses_parsed")) {
		const char *d = cases[0].doc;

		if (ASSERT_OK(vms_config_parse(d, strlen(d), "t",
					       VMS_CFG_NO_DEVICES, &a),
			      "parse")) {
			ASSERT_TRUE(a.ports[0].trusted, "trusted");
			ASSERT_EQ(a.ports[0].naddrs, 2, "naddrs");
			ASSERT_EQ(a.ports[0].addrs[1].prefix_len, 64, "prefix");
			b = a;
			b.ports[0].trusted = false;
			ASSERT_FALSE(vms_config_equal(&a, &b), "trust differs");
			b = a;
			b.ports[0].addrs[1].prefix_len = 48;
			ASSERT_FALSE(vms_config_equal(&a, &b),
				     "addresses differ");
		}
	}
	if (test__start_subtest("trunk_parsed") &&
	    ASSERT_STREQ(cases[10].name, "trunk", "the trunk row")) {
		const char *d = cases[10].doc;
		static char vids[VMS_VIDS_STRLEN];

		if (ASSERT_OK(vms_config_parse(d, strlen(d), "t",
					       VMS_CFG_NO_DEVICES, &a),
			      "parse")) {
			ASSERT_TRUE(a.ports[0].trunk, "trunk");
			vms_format_vids(&a.ports[0].vids, vids, sizeof(vids));
			ASSERT_STREQ(vids, "10,30-31,4094", "VIDs");
			b = a;
			b.ports[0].vids.vids[0] |= 1ULL << 11;
			ASSERT_FALSE(vms_config_equal(&a, &b), "VIDs differ");
		}
	}
}

/* The CLI's VID lists. */
TEST(trunk_vids)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} rows[] = {
		{"1", "1"},
		{"4094", "4094"},
		{"1-4094", "1-4094"},
		{"5,3,4", "3-5"},
		{"10,20-22,21", "10,20-22"},
		{"0", NULL},
		{"4095", NULL},
		{"", NULL},
		{" 10", NULL},
		{"10 ", NULL},
		{"+10", NULL},
		{"-10", NULL},
		{"10-", NULL},
		{"10,", NULL},
		{",10", NULL},
		{"9-8", NULL},
		{"99999", NULL},
		{"0x10", NULL},
	};
	static char out[VMS_VIDS_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vmst_trunk t = {};
		int err;

		if (!test__start_subtest("vids_%zu", i))
			continue;
		err = vms_parse_vids("--trunk", rows[i].in, &t);
		if (!rows[i].out) {
			if (ASSERT_ERR(err, rows[i].in))
				ASSERT_TRUE(!strncmp(vms_last_error(),
						     "--trunk: ", 9),
					    "message names the option");
			continue;
		}
		if (!ASSERT_OK(err, rows[i].in))
			continue;
		vms_format_vids(&t, out, sizeof(out));
		ASSERT_STREQ(out, rows[i].out, rows[i].in);
	}
}
