// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the config parser and validator (user/config/config.c):
 * any input is refused cleanly or accepted, never crashes or leaks; and an
 * accepted document written back out (what `vmsteer dump` prints) parses
 * again to the same configuration. Devices are not checked: no system
 * call, no state.
 *
 *	make fuzz                        # FUZZ_SECS (60) seconds
 *	build/tests/fuzz_config -runs=N DIR tests/fuzz/corpus
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vms_config a, b;
	struct json_object *doc;
	const char *text;
	int err;

	vms_clear_error();
	err = vms_config_parse((const char *)data, size, "fuzz",
			       VMS_CFG_NO_DEVICES, &a);
	if (err) {
		/* Every refusal says why, naming a place in the document. */
		if (!vms_last_error() || strncmp(vms_last_error(), "fuzz: ", 6))
			abort();
		return 0;
	}
	doc = vms_config_to_json(&a);
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	err = vms_config_parse(text, strlen(text), "dump", VMS_CFG_NO_DEVICES,
			       &b);
	if (err || !vms_config_equal(&a, &b)) {
		fprintf(stderr, "round trip failed: %s\n%s\n",
			err ? vms_last_error() : "different configuration",
			text);
		abort();
	}
	json_object_put(doc);
	return 0;
}
