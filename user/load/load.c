// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading BPF objects with errors that say what went wrong. libbpf's
 * messages during a load are captured (and shown as well with -v); when
 * the load fails they tell a verifier refusal (the program's name, the
 * verifier's last lines, the full log saved to a file) from a map the
 * kernel would not create, and only a genuine lack of privilege gets the
 * "needs root" hint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "load/load.h"
#include "core/state.h"
#include "util/log.h"

/* Verifier lines quoted in the error. */
#define LAST_LINES 3
/* Capture at most this much of libbpf's output (a log is at most 16 MiB). */
#define CAPTURE_MAX (32u << 20)

static struct {
	char *buf;
	size_t len, size;
	libbpf_print_fn_t prev;
	int depth;
} cap;

static int capture_print(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n > 0 && cap.len + n + 1 <= CAPTURE_MAX) {
		if (cap.len + n + 1 > cap.size) {
			size_t size = cap.size ? cap.size : 65536;
			char *p;

			while (size < cap.len + n + 1)
				size *= 2;
			p = realloc(cap.buf, size);
			if (p) {
				cap.buf = p;
				cap.size = size;
			}
		}
		if (cap.len + n + 1 <= cap.size) {
			va_copy(copy, ap);
			vsnprintf(cap.buf + cap.len, n + 1, fmt, copy);
			va_end(copy);
			cap.len += n;
		}
	}
	/* -v: libbpf's own output as before. */
	return cap.prev ? cap.prev(level, fmt, ap) : 0;
}

void vms_load_begin(void)
{
	if (cap.depth++)
		return;
	cap.len = 0;
	if (cap.buf)
		cap.buf[0] = '\0';
	cap.prev = libbpf_set_print(capture_print);
}

/* Save @len bytes of @log to a new file; its path in @path. */
static int save_log(const char *prog, const char *log, size_t len, char *path,
		    size_t size)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/vmsteer-verifier-%s-XXXXXX.log",
		 dir && *dir ? dir : "/tmp", prog);
	fd = mkstemps(path, 4);
	if (fd < 0)
		return -errno;
	if (write(fd, log, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* The last LAST_LINES non-empty lines of @log..@end, each indented. */
static void last_lines(const char *log, const char *end, char *out, size_t size)
{
	const char *p = end, *starts[LAST_LINES];
	int n = 0, i;
	size_t used = 0;

	while (p > log && n < LAST_LINES) {
		const char *e = p;

		while (e > log && e[-1] == '\n')
			e--;
		p = e;
		while (p > log && p[-1] != '\n')
			p--;
		if (p == e)
			break;
		starts[n++] = p;
	}
	out[0] = '\0';
	for (i = n - 1; i >= 0; i--) {
		const char *e = strchr(starts[i], '\n');
		int l = e && e < end ? (int)(e - starts[i])
				     : (int)(end - starts[i]);

		used += snprintf(out + used, used < size ? size - used : 0,
				 "\n    %.*s", l, starts[i]);
	}
}

/*
 * A program's load log in the captured output: libbpf prints it between
 * "prog 'NAME': -- BEGIN PROG LOAD LOG --" and "-- END PROG LOAD LOG --".
 */
static bool find_prog_log(const char *out, char *prog, size_t psize,
			  const char **log, const char **end)
{
	static const char begin[] = "': -- BEGIN PROG LOAD LOG --\n";
	const char *b = NULL, *p = out, *q, *name;

	while ((q = strstr(p, begin))) {
		b = q;
		p = q + 1;
	}
	if (!b)
		return false;
	for (name = b; name > out && strncmp(name, "prog '", 6); name--)
		;
	if (strncmp(name, "prog '", 6))
		return false;
	snprintf(prog, psize, "%.*s", (int)(b - name - 6), name + 6);
	*log = b + sizeof(begin) - 1;
	*end = strstr(*log, "-- END PROG LOAD LOG --");
	if (!*end)
		*end = *log + strlen(*log);
	return true;
}

/* The name in the last "KIND 'NAME': ...failed..." line of @out. */
static bool find_failed(const char *out, const char *kind, char *name,
			size_t size, const char **line)
{
	const char *p = out, *hit = NULL, *q, *e;
	size_t klen = strlen(kind);

	while ((q = strstr(p, kind))) {
		e = strchr(q, '\n');
		if (!e)
			e = q + strlen(q);
		if (q[klen] == '\'' && memmem(q, e - q, "fail", 4))
			hit = q;
		p = q + klen;
	}
	if (!hit)
		return false;
	q = hit + klen + 1;
	e = strchr(q, '\'');
	if (!e)
		return false;
	snprintf(name, size, "%.*s", (int)(e - q), q);
	*line = hit;
	return true;
}

int vms_load_end(int err, const char *what)
{
	char prog[128], lines[600], path[4096], name[128];
	const char *out, *log, *end, *line;

	if (--cap.depth)
		return err;
	libbpf_set_print(cap.prev);
	if (!err)
		return 0;
	out = cap.buf ? cap.buf : "";
	if (find_prog_log(out, prog, sizeof(prog), &log, &end)) {
		last_lines(log, end, lines, sizeof(lines));
		if (save_log(prog, log, end - log, path, sizeof(path)))
			snprintf(path, sizeof(path), "not saved");
		return vms_err(err,
			       "%s: the kernel's verifier refused program %s; "
			       "its last lines:%s\n"
			       "  full verifier log: %s (-v prints it)",
			       what, prog, lines, path);
	}
	if (find_failed(out, "prog ", prog, sizeof(prog), &line))
		return vms_err(err, "%s: the kernel refused program %s: %s%s",
			       what, prog, strerror(-err),
			       err == -EPERM && geteuid()
				       ? " (vmsteer needs root: CAP_BPF, "
					 "CAP_NET_ADMIN)"
				       : "");
	if (find_failed(out, "map ", name, sizeof(name), &line))
		return vms_err(err,
			       "%s: the kernel would not create map %s: %s%s",
			       what, name, strerror(-err),
			       (err == -EPERM || err == -EACCES) && geteuid()
				       ? " (vmsteer needs root: CAP_BPF, "
					 "CAP_NET_ADMIN)"
				       : "");
	return vms_err(err, "%s: cannot load: %s", what, strerror(-err));
}

int vms_object_load(struct bpf_object *obj, const char *what)
{
	vms_load_begin();
	return vms_load_end(bpf_object__load(obj), what);
}

int vms_object_open(const void *(*elf)(size_t *sz), const char *name,
		    const char *test_obj, const char *what,
		    struct bpf_object **obj)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = name);
	const char *file = vms_obj_override(test_obj);
	const void *data;
	size_t sz;

	if (file) {
		*obj = bpf_object__open_file(file, NULL);
		if (!*obj)
			return vms_err(-errno, "cannot open %s: %s", file,
				       strerror(errno));
		return 0;
	}
	data = elf(&sz);
	*obj = bpf_object__open_mem(data, sz, &oo);
	if (!*obj)
		return vms_err(-errno, "cannot open %s: %s", what,
			       strerror(errno));
	return 0;
}

int vms_object_load_pinned(struct bpf_object *obj, const char *pin_path,
			   const char *what, const char *prog, int *fd)
{
	struct bpf_program *p;
	int err;

	err = vms_object_pin_maps(obj, pin_path);
	if (!err)
		err = vms_object_load(obj, what);
	if (err || !prog)
		return err;
	p = bpf_object__find_program_by_name(obj, prog);
	*fd = p ? bpf_program__fd(p) : -1;
	if (*fd < 0)
		return vms_err(-ENOENT, "no program %s in the object", prog);
	return 0;
}
