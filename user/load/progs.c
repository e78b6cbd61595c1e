// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Programs every tap of a network namespace shares: the tap tc program
 * (bpf/tap.bpf.c) and the tun steering program (bpf/steer.bpf.c). Each is
 * loaded once per state and namespace, pinned at
 * <pin path>/progs/<kind>_<netns inode>, and attached to every tap; it
 * finds the port from the frame's device (bpf/lib/devport.h). Commands
 * reuse the pinned program, so adding a port loads and verifies nothing.
 *
 * A build upgrade goes through `attach` (vms_shared_prog_upgrade): it
 * loads this build's program, and when its kernel tag differs from the
 * pinned one, pins it in the old one's place (rename: one atomic step)
 * for the caller to put on every tap in place.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "load/progs.h"
#include "core/state.h"
#include "load/info.h"
#include "load/load.h"
#include "util/log.h"
#include "util/netdev.h"
#include "steer.skel.h"
#include "tap.skel.h"
#include "tap_xdp.skel.h"

struct prog_kind {
	const char *pin;      /* file name prefix under progs/ */
	const char *prog;     /* program name in the object */
	const char *test_obj; /* vms_obj_override(): another build's, tests */
	const void *(*elf)(size_t *sz);
};

static const struct prog_kind kinds[VMS_PROG_N] = {
	[VMS_PROG_TAP] = {"tap", "vmst_tap", "TAP", tap_bpf__elf_bytes},
	[VMS_PROG_STEER] = {"steer", "vmst_steer", "STEER",
			    steer_bpf__elf_bytes},
	[VMS_PROG_TAP_XDP] = {"tap_xdp", "vmst_tap_xdp", "TAP_XDP",
			      tap_xdp_bpf__elf_bytes},
};

static int pin_file(const struct vms_state *st, enum vms_prog kind,
		    const char *suffix, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/progs/%s_%u%s", st->pin_path,
			 kinds[kind].pin, vms_netns_ino(), suffix);

	if (n < 0 || (size_t)n >= len)
		return vms_err(-ENAMETOOLONG, "pin path %s: too long",
			       st->pin_path);
	return 0;
}

int vms_rodata_set_u32(struct bpf_object *obj, const char *var, __u32 val)
{
	const struct btf_var_secinfo *vs;
	struct bpf_map *map;
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *sec;
	size_t sz;
	int id, i;
	char *buf;

	map = bpf_object__find_map_by_name(obj, ".rodata");
	if (!map) { /* named after the object: "<obj>.rodata" */
		bpf_object__for_each_map(
			map,
			obj) if (strstr(bpf_map__name(map), ".rodata")) break;
	}
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)
		 : -ENOENT;
	if (!map || id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		const void *data = bpf_map__initial_value(map, &sz);
		int err;

		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		if (!data || vs->offset + sizeof(val) > sz ||
		    vs->size != sizeof(val))
			return -EINVAL;
		buf = malloc(sz);
		if (!buf)
			return -ENOMEM;
		memcpy(buf, data, sz);
		memcpy(buf + vs->offset, &val, sizeof(val));
		err = bpf_map__set_initial_value(map, buf, sz);
		free(buf);
		return err;
	}
	return -ENOENT;
}

/*
 * Load a @kind program for this namespace over the state's maps (another
 * build's object when the test build names one); *@fd its program.
 */
static int load(struct vms_state *st, enum vms_prog kind, int *fd)
{
	const struct prog_kind *k = &kinds[kind];
	struct bpf_object *obj;
	char what[64];
	int err, prog_fd;

	*fd = -1;
	snprintf(what, sizeof(what), "the %s program", k->prog);
	err = vms_object_open(k->elf, k->pin, k->test_obj, what, &obj);
	if (err)
		return err;
	err = vms_rodata_set_u32(obj, "netns_ino", vms_netns_ino());
	if (err) {
		err = vms_err(err, "%s: no netns_ino variable", k->prog);
		goto out;
	}
	err = vms_object_load_pinned(obj, st->pin_path, k->prog, k->prog,
				     &prog_fd);
	if (err)
		goto out;
	*fd = dup(prog_fd);
	if (*fd < 0)
		err = vms_err(-errno, "%s: %s", k->prog, strerror(errno));
out:
	bpf_object__close(obj); /* the pin or the fd holds the program */
	return err;
}

/* Pin @fd as the @kind program of this namespace, replacing any. */
static int pin(struct vms_state *st, enum vms_prog kind, int fd)
{
	char p[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	int err;

	err = pin_file(st, kind, "", p, sizeof(p));
	if (!err)
		err = pin_file(st, kind, "_new", tmp, sizeof(tmp));
	if (err)
		return err;
	err = vms_pin_join(dir, sizeof(dir), st->pin_path, "progs");
	if (err)
		return err;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return vms_err(-errno, "%s: cannot create: %s", dir,
			       strerror(errno));
	unlink(tmp); /* left by a crash */
	if (bpf_obj_pin(fd, tmp))
		return vms_err(-errno, "cannot pin %s at %s: %s",
			       kinds[kind].prog, tmp, strerror(errno));
	if (rename(tmp, p)) {
		err = vms_err(-errno, "cannot pin %s at %s: %s",
			      kinds[kind].prog, p, strerror(errno));
		unlink(tmp);
		return err;
	}
	return 0;
}

int vms_shared_prog(struct vms_state *st, enum vms_prog kind, int *fd)
{
	char p[PATH_MAX];
	int err;

	if (st->prog_fd[kind] >= 0) {
		*fd = st->prog_fd[kind];
		return 0;
	}
	err = pin_file(st, kind, "", p, sizeof(p));
	if (err)
		return err;
	st->prog_fd[kind] = bpf_obj_get(p);
	if (st->prog_fd[kind] < 0) {
		if (errno != ENOENT)
			return vms_err(-errno, "pinned program %s: %s", p,
				       strerror(errno));
		err = load(st, kind, &st->prog_fd[kind]);
		if (!err)
			err = pin(st, kind, st->prog_fd[kind]);
		if (err) {
			if (st->prog_fd[kind] >= 0)
				close(st->prog_fd[kind]);
			st->prog_fd[kind] = -1;
			return err;
		}
	}
	*fd = st->prog_fd[kind];
	return 0;
}

int vms_shared_prog_upgrade(struct vms_state *st, enum vms_prog kind,
			    bool *replaced)
{
	char p[PATH_MAX];
	int fd, cur, err;
	bool same;

	*replaced = false;
	err = pin_file(st, kind, "", p, sizeof(p));
	if (err)
		return err;
	cur = bpf_obj_get(p);
	if (cur < 0)
		return 0; /* none yet: the first tap that needs one loads it */
	err = load(st, kind, &fd);
	if (err) {
		close(cur);
		return err;
	}
	if (!vms_prog_same_tag(vms_prog_id(cur), fd, &same) && same) {
		/* This build's program is pinned already: keep that one. */
		close(fd);
		fd = cur;
	} else {
		close(cur);
		err = pin(st, kind, fd);
		if (err)
			goto fail;
		*replaced = true;
	}
	if (st->prog_fd[kind] >= 0)
		close(st->prog_fd[kind]);
	st->prog_fd[kind] = fd;
	return 0;
fail:
	close(fd);
	return err;
}

__u32 vms_shared_prog_id(const struct vms_state *st, enum vms_prog kind)
{
	char p[PATH_MAX];
	__u32 id;
	int fd;

	if (st->prog_fd[kind] >= 0)
		return vms_prog_id(st->prog_fd[kind]);
	if (pin_file(st, kind, "", p, sizeof(p)))
		return 0;
	fd = bpf_obj_get(p);
	if (fd < 0)
		return 0;
	id = vms_prog_id(fd);
	close(fd);
	return id;
}
