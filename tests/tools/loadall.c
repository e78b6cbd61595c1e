// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * loadall: load every program of BPF object files into the running kernel,
 * unpinned, and report what the verifier said of each. The compiler matrix
 * (tests/compilers.sh) runs it on the objects each clang built; the kernel
 * matrix runs it inside the guest.
 *
 *   loadall [-t TAG] OBJECT...
 *
 * One line per program, in the test runner's format:
 *   ok load/TAG/OBJECT/PROGRAM: N insns processed (of 1000000)
 *   FAIL load/TAG/OBJECT/PROGRAM: ...the verifier's last lines...
 * Maps are created unpinned (a pinning attribute would reuse a pinned
 * state's maps); programs keep their default read-only data.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "load/load.h"
#include "util/log.h"

/* Verifier statistics (log level 4) of each program: a few lines. */
#define STATS_LOG 4096

struct prog_log {
	struct bpf_program *prog;
	char buf[STATS_LOG];
};

static int load_object(const char *path, const char *tag)
{
	char objname[256], *dot;
	struct prog_log *logs = NULL;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int n = 0, i, err, failed = 0;

	snprintf(objname, sizeof(objname), "%s", path);
	snprintf(objname, sizeof(objname), "%s", basename(objname));
	dot = strstr(objname, ".bpf.o");
	if (dot)
		*dot = '\0';
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		printf("FAIL load/%s/%s: cannot open %s: %s\n", tag, objname,
		       path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_map(map, obj) bpf_map__set_pin_path(map, NULL);
	bpf_object__for_each_program(prog, obj) n++;
	logs = calloc(n ? n : 1, sizeof(*logs));
	if (!logs) {
		bpf_object__close(obj);
		return 1;
	}
	i = 0;
	bpf_object__for_each_program(prog, obj)
	{
		logs[i].prog = prog;
		bpf_program__set_log_level(prog, 4);
		bpf_program__set_log_buf(prog, logs[i].buf,
					 sizeof(logs[i].buf));
		i++;
	}
	err = vms_object_load(obj, objname);
	for (i = 0; i < n; i++) {
		const char *name = bpf_program__name(logs[i].prog);
		const char *p = strstr(logs[i].buf, "processed ");
		unsigned long insns = 0;

		if (!err) {
			if (p)
				insns = strtoul(p + 10, NULL, 10);
			printf("ok load/%s/%s/%s: %lu insns processed "
			       "(of 1000000)\n",
			       tag, objname, name, insns);
		} else if (bpf_program__fd(logs[i].prog) < 0 &&
			   strstr(vms_last_error(), name)) {
			printf("FAIL load/%s/%s/%s: %s\n", tag, objname, name,
			       vms_last_error());
			failed = 1;
		}
	}
	if (err && !failed) {
		printf("FAIL load/%s/%s: %s\n", tag, objname, vms_last_error());
		failed = 1;
	}
	vms_clear_error();
	bpf_object__close(obj);
	free(logs);
	return failed;
}

int main(int argc, char **argv)
{
	const char *tag = "default";
	int opt, i, failed = 0;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't') {
			fprintf(stderr, "usage: loadall [-t TAG] OBJECT...\n");
			return 2;
		}
		tag = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: loadall [-t TAG] OBJECT...\n");
		return 2;
	}
	for (i = optind; i < argc; i++)
		failed |= load_object(argv[i], tag);
	return failed;
}
