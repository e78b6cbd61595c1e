/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Output: JSON through json-c, plain text as aligned tables. */
#ifndef VMS_OUTPUT_H
#define VMS_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

/* Global output mode, set from -j/--json and -p/--pretty. */
extern bool vms_json;
extern bool vms_pretty;

/* Print @o as one JSON document on stdout and release it. A command's
 * short result ends "if (vms_json) an object of its fields, else a line
 * of text": alike in shape from command to command, not in content. */
void vms_json_print(struct json_object *o);

/*
 * One JSON object whose first member is an array too long to hold as a
 * tree (thousands of ports): printed an element at a time, the same text
 * vms_json_print() prints of the whole tree.
 *   vms_json_stream_begin(&js, "ports");       {"ports":[
 *   vms_json_stream_add(&js, port);            each element (released)
 *   vms_json_stream_end(&js, rest);            ], rest's members (released,
 *                                              may be NULL)}
 */
struct vms_json_stream {
	int n; /* elements printed */
};

void vms_json_stream_begin(struct vms_json_stream *js, const char *key);
void vms_json_stream_add(struct vms_json_stream *js, struct json_object *o);
void vms_json_stream_end(struct vms_json_stream *js, struct json_object *rest);

/*
 * A plain-text table: columns sized to their widest cell. A header that
 * starts with '>' is right-aligned (numbers); the '>' is not printed.
 */
struct vms_table {
	int ncols;
	int nrows;
	int cap;
	const char **hdr;
	char **cells;
};

void vms_table_init(struct vms_table *t, int ncols, const char **hdr);
/* Add a row of ncols cells (copied). */
void vms_table_add(struct vms_table *t, const char **cells);
void vms_table_print(struct vms_table *t, FILE *f);
void vms_table_free(struct vms_table *t);

/* Shorthands for building JSON objects. */
void vms_json_str(struct json_object *o, const char *k, const char *v);
void vms_json_u64(struct json_object *o, const char *k, unsigned long long v);
void vms_json_bool(struct json_object *o, const char *k, bool v);

#endif /* VMS_OUTPUT_H */
