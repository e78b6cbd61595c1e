// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The unit tests over another compiler's BPF objects without building them
 * again: with VMSTEER_TEST_BPF_DIR=DIR every skeleton the unit tests (and
 * the library they link) open loads DIR/bpf/NAME.bpf.o or
 * DIR/tests/bpf/NAME.bpf.o instead of the object embedded at build time.
 * tests/compilers.sh sets it, after checking that the skeleton bpftool
 * makes of DIR's objects is this build's but for the embedded bytes (same
 * maps, programs and global variables at the same offsets), so that the
 * skeleton's pointers still mean what they say.
 *
 * Only build/tests/unit_tests has it: it is linked with
 * -Wl,--wrap=bpf_object__open_skeleton. A file that is missing or cannot
 * be read fails the open; nothing falls back to the embedded object.
 * Each substitution is reported once on standard error
 * ("objdir: NAME from FILE"), which tests/compilers.sh counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

int __real_bpf_object__open_skeleton(struct bpf_object_skeleton *s,
				     const struct bpf_object_open_opts *opts);
int __wrap_bpf_object__open_skeleton(struct bpf_object_skeleton *s,
				     const struct bpf_object_open_opts *opts);

#define MAX_OBJS 32

/* Objects read so far: libbpf keeps pointing into the buffer, which
 * therefore lives as long as the process.
 */
static struct {
	char name[64];
	void *data;
	size_t len;
} objs[MAX_OBJS];
static int n_objs;

static int read_obj(const char *dir, const char *name, void **data, size_t *len)
{
	static const char *const where[] = {"bpf", "tests/bpf"};
	char path[4096];
	unsigned int i;
	long size;
	FILE *f = NULL;

	for (i = 0; i < sizeof(where) / sizeof(where[0]) && !f; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s.bpf.o", dir, where[i],
			 name);
		f = fopen(path, "rb");
	}
	if (!f) {
		fprintf(stderr,
			"objdir: %s: no %s.bpf.o under %s/bpf or %s/tests/bpf\n",
			name, name, dir, dir);
		return -ENOENT;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) || !(*data = malloc(size)) ||
	    fread(*data, 1, size, f) != (size_t)size) {
		fprintf(stderr, "objdir: %s: cannot read %s\n", name, path);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*len = size;
	fprintf(stderr, "objdir: %s from %s\n", name, path);
	return 0;
}

int __wrap_bpf_object__open_skeleton(struct bpf_object_skeleton *s,
				     const struct bpf_object_open_opts *opts)
{
	const char *dir = getenv("VMSTEER_TEST_BPF_DIR");
	char name[64];
	size_t n;
	int i, err;

	if (!dir || !*dir)
		return __real_bpf_object__open_skeleton(s, opts);
	/* The skeleton of NAME.bpf.o is called NAME_bpf (Makefile). */
	n = strlen(s->name);
	if (n < 5 || n >= sizeof(name) || strcmp(s->name + n - 4, "_bpf"))
		return -EINVAL;
	memcpy(name, s->name, n - 4);
	name[n - 4] = '\0';
	for (i = 0; i < n_objs && strcmp(objs[i].name, name); i++)
		;
	if (i == n_objs) {
		if (n_objs == MAX_OBJS)
			return -E2BIG;
		err = read_obj(dir, name, &objs[i].data, &objs[i].len);
		if (err)
			return err;
		strcpy(objs[i].name, name);
		n_objs++;
	}
	s->data = objs[i].data;
	s->data_sz = objs[i].len;
	return __real_bpf_object__open_skeleton(s, opts);
}
