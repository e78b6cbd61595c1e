/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics of a pinned state, in the text exposition format
 * 0.0.4. `vmsteer exporter` serves them; the tests call them directly.
 */
#ifndef VMS_METRICS_H
#define VMS_METRICS_H

#include <stddef.h>
#include <stdio.h>

/* Where `vmsteer exporter` listens unless told otherwise. */
#define VMS_EXPORTER_ADDR "127.0.0.1"
#define VMS_EXPORTER_PORT 9477

/* Content-Type of the text exposition format. */
#define VMS_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Escape a label value: backslash, double quote and newline become \\, \"
 * and \n. Writes at most @len bytes including the NUL (truncating, never
 * in the middle of an escape) and returns the length the whole escaped
 * value needs, without the NUL, like snprintf.
 */
size_t vms_prom_escape(char *out, size_t len, const char *s);

/* Write @s to @f escaped as a label value (see vms_prom_escape). */
void vms_prom_write_label_value(FILE *f, const char *s);

/*
 * Start a metric family: its "# HELP" line (@help with backslash and
 * newline escaped) and its "# TYPE" line (@type: "counter", "gauge"...).
 */
void vms_prom_family(FILE *f, const char *name, const char *type,
		     const char *help);

/*
 * Write every vmsteer_ metric of the pinned state at @pin_path to @f. The
 * state is opened read-only for the call and closed again. All of it is
 * read before anything is written, so a scrape never shows half a state:
 * when it cannot be read, only vmsteer_up 0 (and the build info) is
 * written and the result is the negative errno (-ENOENT: no state yet,
 * not an error of the exporter); else 0 and vmsteer_up 1.
 */
int vms_metrics_render(FILE *f, const char *pin_path);

/* The exporter's own metrics, after those of vms_metrics_render(). */
void vms_metrics_render_self(FILE *f, double scrape_seconds,
			     unsigned long long scrape_errors);

#endif /* VMS_METRICS_H */
