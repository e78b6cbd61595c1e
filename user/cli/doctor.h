/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* vmsteer doctor: findings (cmd_doctor.c) and the checks of CPUs, queues,
 * offloads and drops (cmd_doctor_net.c). */
#ifndef VMS_DOCTOR_H
#define VMS_DOCTOR_H

#include <stdint.h>
#include <json-c/json.h>

enum doctor_level { L_OK, L_INFO, L_WARN, L_FAIL };

/* A check: its name and why it exists (man page and --json). */
struct check {
	const char *name;
	const char *reason;
};

struct report {
	struct json_object *arr; /* --json: the findings; else printed */
	int worst;
};

/* One finding of check @c on @object ("" for the host). */
void doctor_report(struct report *r, const struct check *c, enum doctor_level l,
		   const char *object, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A string or integer member of a JSON object ("" or 0 when absent). */
const char *doctor_jstr(struct json_object *o, const char *key);
int64_t doctor_jint(struct json_object *o, const char *key);

/* The uplink's receive CPUs, offloads, drops (cmd_doctor_net.c); @ports:
 * `port list --json`. */
void doctor_uplink_net(struct report *r, int fd, struct json_object *u,
		       struct json_object *ports);
/* A port's queues against the tap's, the VM's vCPUs and the uplink's
 * receive CPUs; its master (bridge VLANs, Open vSwitch). */
void doctor_port_net(struct report *r, struct json_object *p,
		     struct json_object *uplink);

#endif /* VMS_DOCTOR_H */
