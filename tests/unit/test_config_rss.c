// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue steering in the declarative configuration (user/config/config.c) and the
 * RSS parsers (user/load/rss.c): a document with RSS parses to the entry the
 * data path reads, with the documented defaults; dump's document parses
 * back to the same; every bad value is refused with its JSON path.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "test.h"
#include "load/rss.h"
#include "load/toeplitz.h"
#include "util/log.h"

static struct vms_config cfg, back;

static int parse(const char *doc)
{
	vms_clear_error();
	return vms_config_parse(doc, strlen(doc), NULL, VMS_CFG_NO_DEVICES,
				&cfg);
}

#define DOC(ports)  "{\"uplinks\": [], \"ports\": [" ports "]}"
#define PORT(extra) "{\"tap\": \"t1\", \"mac\": \"02:00:00:00:00:01\"" extra "}"

static const struct {
	const char *doc;
	const char *path; /* the error must name it */
} bad[] = {
	{DOC(PORT(", \"queues\": 0")), "ports[0].queues"},
	{DOC(PORT(", \"queues\": 257")), "ports[0].queues"},
	{DOC(PORT(", \"queues\": \"4\"")), "ports[0].queues"},
	{DOC(PORT(", \"rss\": {}")), "ports[0].rss"},
	{DOC(PORT(", \"xdp_steer\": \"none\"")), "ports[0].xdp_steer"},
	{DOC(PORT(", \"queues\": 2, \"xdp_steer\": \"fast\"")),
	 "ports[0].xdp_steer"},
	{DOC(PORT(", \"queues\": 2, \"rss\": {\"key\": \"00\"}")),
	 "ports[0].rss.key"},
	{DOC(PORT(", \"queues\": 2, \"rss\": {\"types\": [\"ipv4\", "
		  "\"sctp\"]}")),
	 "ports[0].rss.types[1]"},
	{DOC(PORT(", \"queues\": 2, \"rss\": {\"types\": \"ipv4\"}")),
	 "ports[0].rss.types"},
	{DOC(PORT(", \"queues\": 2, \"rss\": {\"table\": [0, 1, 1]}")),
	 "ports[0].rss.table"},
	{DOC(PORT(", \"queues\": 2, \"rss\": {\"table\": [0, 1, 2, 1]}")),
	 "ports[0].rss.table[2]"},
	{DOC(PORT(", \"rss\": {\"table\": [0, 1, 2, 1]}, \"queues\": 2")),
	 "ports[0].rss.table[2]"},
	{DOC(PORT(", \"queues\": 2, \"rss\": {\"default_queue\": 2}")),
	 "ports[0].rss.default_queue"},
	{DOC(PORT(", \"queues\": 2, \"rss\": {\"hash\": 1}")),
	 "ports[0].rss.hash"},
};

TEST(config_rss)
{
	__u8 key[VMST_RSS_KEY_LEN];
	struct vmst_rss r, want;
	size_t i;
	char *text;

	if (test__start_subtest("defaults")) {
		if (ASSERT_OK(parse(DOC(PORT(", \"queues\": 3"))), "parse")) {
			vms_rss_default(&want, 3);
			want.flags = VMST_RSS_F_ENABLED;
			ASSERT_MEMEQ(&cfg.ports[0].rss, sizeof(want), &want,
				     sizeof(want),
				     "Microsoft key, all types, "
				     "round robin of 128");
		}
		if (ASSERT_OK(parse(DOC(PORT(", \"queues\": null"))), "null"))
			ASSERT_EQ(cfg.ports[0].rss.flags, 0, "no RSS");
	}
	if (test__start_subtest("given")) {
		const char *doc = DOC(PORT(
			", \"rss\": {\"key\": "
			"\"000102030405060708090a0b0c0d0e0f101112131415161718"
			"191a1b1c1d1e1f2021222324252627\", \"types\": "
			"[\"tcpv6\", \"ipv4\"], \"table\": [3, 0], "
			"\"default_queue\": 2}, \"queues\": 4, \"xdp_steer\": "
			"\"none\""));

		if (ASSERT_OK(parse(doc), "parse")) {
			const struct vmst_rss *p = &cfg.ports[0].rss;

			for (i = 0; i < sizeof(key); i++)
				key[i] = i;
			ASSERT_MEMEQ(p->key, sizeof(key), key, sizeof(key),
				     "key");
			ASSERT_EQ(p->hash_types, VMST_RSS_TCPV6 | VMST_RSS_IPV4,
				  "types");
			ASSERT_EQ(p->table_size, 2, "table size");
			ASSERT_EQ(p->table[0], 3, "table[0]");
			ASSERT_EQ(p->table[1], 0, "table[1]");
			ASSERT_EQ(p->default_queue, 2, "default queue");
			ASSERT_EQ(p->queues, 4, "queues");
		}
	}
	if (test__start_subtest("round_trip")) {
		const char *doc = DOC(PORT(
			", \"queues\": 4, \"rss\": {\"types\": "
			"[\"udpv4\"], \"table\": [1, 2, 3, 0, 0, 0, 0, 1]}") ", "
									     "{\"tap\": \"t2\", \"mac\": \"02:00:00:00:00:02\"}");

		if (ASSERT_OK(parse(doc), "parse")) {
			struct json_object *o = vms_config_to_json(&cfg);

			text = strdup(json_object_to_json_string(o));
			json_object_put(o);
			back = cfg;
			ASSERT_OK(vms_config_parse(text, strlen(text), NULL,
						   VMS_CFG_NO_DEVICES, &cfg),
				  "dump parses");
			ASSERT_TRUE(vms_config_equal(&cfg, &back),
				    "dump parses back to the same");
			back.ports[0].rss.table[7] = 3;
			ASSERT_FALSE(vms_config_equal(&cfg, &back),
				     "a table change is a difference");
			free(text);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!test__start_subtest("bad_%zu", i))
			continue;
		if (ASSERT_ERR(parse(bad[i].doc), bad[i].doc))
			ASSERT_TRUE(vms_last_error() && strstr(vms_last_error(),
							       bad[i].path),
				    bad[i].path);
	}
	if (test__start_subtest("cli_parsers")) {
		memset(&r, 0, sizeof(r));
		ASSERT_OK(vms_rss_parse_table("t", "0,1,2,3", &r), "4 entries");
		ASSERT_EQ(r.table_size, 4, "size");
		ASSERT_ERR(vms_rss_parse_table("t", "0,1,2", &r), "3 entries");
		ASSERT_ERR(vms_rss_parse_table("t", "0,,1", &r), "empty entry");
		ASSERT_ERR(vms_rss_parse_table("t", "0,256", &r), "queue 256");
		ASSERT_ERR(vms_rss_parse_table("t", "", &r), "empty");
		ASSERT_ERR(vms_rss_parse_table("t", "-1,0", &r), "negative");
		ASSERT_OK(vms_rss_parse_types("t", "ipv6,udpv4", &r.hash_types),
			  "types");
		ASSERT_EQ(r.hash_types, VMST_RSS_IPV6 | VMST_RSS_UDPV4,
			  "type bits");
		ASSERT_ERR(vms_rss_parse_types("t", "ipv4,udp", &r.hash_types),
			   "unknown type");
		ASSERT_ERR(vms_rss_parse_types("t", "", &r.hash_types),
			   "no type");
		ASSERT_OK(vms_rss_parse_key("k",
					    "6d:5a:56:da:25:5b:0e:c2:41:67:25:"
					    "3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:"
					    "30:b4:77:cb:2d:a3:80:30:f2:0c:6a:"
					    "42:b7:3b:be:ac:01:fa",
					    key),
			  "Microsoft key");
		ASSERT_MEMEQ(key, sizeof(key), vms_rss_key_msft, sizeof(key),
			     "key bytes");
		ASSERT_ERR(vms_rss_parse_key("k", "6d5a", key), "short key");
		vms_rss_default(&r, 4);
		r.table[5] = 4;
		ASSERT_ERR(vms_rss_check("t", &r), "queue outside the tap");
		r.table[5] = 3;
		r.default_queue = 4;
		ASSERT_ERR(vms_rss_check("t", &r), "default queue outside");
	}
}
