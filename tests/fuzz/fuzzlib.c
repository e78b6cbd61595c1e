// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the packet fuzzers share (see fuzzlib.h). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "fuzz/fuzzlib.h"
#include "core/counters.h"
#include "unit/corpus.h"
#include "util/log.h"
#include "uplink.skel.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int fuzz_seed_no;

void fuzz_die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", fuzz_name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

void fuzz_hexdump(const __u8 *f, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 256; i++)
		fprintf(stderr, "%02x%s", f[i], i % 32 == 31 ? "\n" : "");
	fprintf(stderr, "%s\n", len > 256 ? " ..." : "");
}

void fuzz_write_seed(const char *dir, const __u8 *sel, size_t nsel,
		     const __u8 *f, size_t len)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/seed-%05d", dir, fuzz_seed_no++);
	fp = fopen(path, "w");
	if (!fp || fwrite(sel, 1, nsel, fp) != nsel ||
	    (len && fwrite(f, 1, len, fp) != len) || fclose(fp))
		fuzz_die("cannot write %s", path);
}

void fuzz_corpus_seeds(const char *dir, void (*seed)(const char *dir, size_t i,
						     const __u8 *f, size_t len))
{
	const char *env = getenv("VMSTEER_CORPUS");
	char exe[PATH_MAX], path[PATH_MAX + 64], err[512];
	struct corpus c;
	ssize_t n;
	size_t i;

	if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		for (i = 0; i < 3 && strrchr(exe, '/'); i++)
			*strrchr(exe, '/') = '\0'; /* BUILD/tests/NAME */
		snprintf(path, sizeof(path),
			 "%s/../shared/corpus/tcpdump-ethernet.pcap", exe);
	}
	if (corpus_load(path, &c, err, sizeof(err))) {
		fprintf(stderr, "%s: no corpus seeds: %s\n", fuzz_name, err);
		return;
	}
	for (i = 0; i < c.n; i++)
		seed(dir, i, c.data[i], c.len[i]);
	fprintf(stderr, "%s: %zu corpus frames from %s\n", fuzz_name, c.n,
		path);
	corpus_free(&c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VMSTEER_FUZZ_SEEDS");

	(void)argc;
	(void)argv;
	if (dir && *dir) {
		fuzz_seeds(dir);
		fprintf(stderr, "%s: %d seeds in %s\n", fuzz_name, fuzz_seed_no,
			dir);
		exit(0);
	}
	if (!getenv("FUZZ_VERBOSE"))
		libbpf_set_print(NULL);
	fuzz_setup();
	return 0;
}

struct uplink_bpf *fuzz_uplink(struct vms_maps *maps)
{
	struct uplink_bpf *skel = uplink_bpf__open();

	if (!skel)
		fuzz_die("cannot open the uplink program%s", "");
	/* Private maps, sized as vmsteer sizes them (the CPUMAP: an entry
	 * per possible CPU; left at its 1, CPU 1 had none). */
	if (vms_object_private_maps(skel->obj))
		fuzz_die("cannot set up the maps: %s", vms_last_error());
	if (uplink_bpf__load(skel))
		fuzz_die("cannot load the uplink program (root? %s)",
			 "run in 'unshare -n'");
	if (vms_maps_from_object(maps, skel->obj) || vms_maps_init_config(maps))
		fuzz_die("cannot set up the maps: %s", vms_last_error());
	return skel;
}
