// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON and table output. */
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"

bool vms_json;
bool vms_pretty;

/* json-c's flags for -j and -p. */
static int json_flags(void)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (vms_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			   : JSON_C_TO_STRING_PLAIN);
}

void vms_json_print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, json_flags()));
	fflush(stdout);
	json_object_put(o);
}

/*
 * @o's text as json-c writes it at nesting depth @depth: json-c breaks
 * lines only between tokens (a newline in a string is escaped), two
 * spaces of indent a level, so the text of @o alone with every line after
 * the first indented by 2 * @depth is the same.
 */
static void json_put_at(struct json_object *o, int depth)
{
	const char *s = json_object_to_json_string_ext(o, json_flags()), *nl;

	while ((nl = strchr(s, '\n'))) {
		fwrite(s, 1, nl + 1 - s, stdout);
		printf("%*s", 2 * depth, "");
		s = nl + 1;
	}
	fputs(s, stdout);
}

void vms_json_stream_begin(struct vms_json_stream *js, const char *key)
{
	js->n = 0;
	printf(vms_pretty ? "{\n  \"%s\": [" : "{\"%s\":[", key);
}

void vms_json_stream_add(struct vms_json_stream *js, struct json_object *o)
{
	if (js->n++)
		putchar(',');
	if (vms_pretty)
		fputs("\n    ", stdout);
	json_put_at(o, 2);
	json_object_put(o);
}

void vms_json_stream_end(struct vms_json_stream *js, struct json_object *rest)
{
	(void)js;
	if (vms_pretty) /* as json-c: even after no element */
		fputs("\n  ", stdout);
	putchar(']');
	if (rest && json_object_object_length(rest)) {
		/* rest's members after the array: its text without "{" */
		putchar(',');
		puts(json_object_to_json_string_ext(rest, json_flags()) + 1);
	} else {
		puts(vms_pretty ? "\n}" : "}");
	}
	fflush(stdout);
	json_object_put(rest);
}

void vms_json_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

void vms_json_u64(struct json_object *o, const char *k, unsigned long long v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

void vms_json_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

void vms_table_init(struct vms_table *t, int ncols, const char **hdr)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->hdr = hdr;
}

void vms_table_add(struct vms_table *t, const char **cells)
{
	int i;

	if (t->nrows == t->cap) {
		int cap = t->cap ? 2 * t->cap : 16;
		char **c = realloc(t->cells, sizeof(*c) * cap * t->ncols);

		if (!c)
			return;
		t->cells = c;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] =
			strdup(cells[i] ? cells[i] : "-");
	t->nrows++;
}

static const char *hdr_text(const char *h)
{
	return h[0] == '>' ? h + 1 : h;
}

void vms_table_print(struct vms_table *t, FILE *f)
{
	int *w = calloc(t->ncols, sizeof(*w));
	int r, c;

	if (!w)
		return;
	for (c = 0; c < t->ncols; c++)
		w[c] = strlen(hdr_text(t->hdr[c]));
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			int l = strlen(t->cells[r * t->ncols + c] ?: "");

			if (l > w[c])
				w[c] = l;
		}
	for (r = -1; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = r < 0 ? hdr_text(t->hdr[c])
					      : t->cells[r * t->ncols + c];
			bool right = t->hdr[c][0] == '>';
			bool last = c == t->ncols - 1;

			if (right)
				fprintf(f, "%*s", w[c], s ?: "");
			else
				fprintf(f, "%-*s", last ? 0 : w[c], s ?: "");
			fputs(last ? "\n" : "  ", f);
		}
	}
	free(w);
}

void vms_table_free(struct vms_table *t)
{
	int i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
