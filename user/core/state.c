// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pinned state: every map vmsteer shares, pinned by name under the pin
 * path, stamped with the layout version. The CLI keeps nothing else, so any
 * command can run at any time and the data path outlives every CLI process.
 * Writers serialise on an flock() of the pin directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/state.h"
#include "core/ports.h"
#include "load/load.h"
#include "load/probe.h"
#include "load/rsskeys.h"
#include "util/log.h"
#include "uplink.skel.h"

const struct vms_map_info vms_map_table[VMS_MAP_N] = {
#define VMS_X_INFO(id, name, optional) [VMS_MAP_##id] = {name, optional},
	VMS_MAPS(VMS_X_INFO)
#undef VMS_X_INFO
};

const char *vms_pin_path(const char *override)
{
	const char *env = getenv("VMSTEER_PIN_PATH");

	if (override && *override)
		return override;
	if (env && *env)
		return env;
	return VMSTEER_PIN_PATH_DEFAULT;
}

int vms_pin_join(char *out, size_t len, const char *pin_path, const char *name)
{
	int n = snprintf(out, len, "%s/%s", pin_path, name);

	if (n < 0 || (size_t)n >= len)
		return vms_err(-ENAMETOOLONG, "pin path %s: too long",
			       pin_path);
	return 0;
}

bool vms_state_exists(const char *pin_path)
{
	char p[PATH_MAX];

	if (vms_pin_join(p, sizeof(p), pin_path, VMST_MAP_CONFIG))
		return false;
	/* Unreadable is not absent: let the open report the permission. */
	return access(p, F_OK) == 0 || errno == EACCES || errno == EPERM;
}

void vms_maps_reset(struct vms_maps *m)
{
	int i;

	for (i = 0; i < VMS_MAP_N; i++)
		m->fd[i] = -1;
	m->cache = NULL;
	m->rss_keys = NULL;
}

static const char *perm_hint(int err)
{
	return err == -EPERM || err == -EACCES
		       ? " (vmsteer needs root: CAP_BPF, CAP_NET_ADMIN)"
		       : "";
}

/* mkdir -p @path, each component 0700 when created. */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs fs;

	return !statfs(path, &fs) && fs.f_type == BPF_FS_MAGIC;
}

/* 1 when directory @path has no entry but . and .., 0 when it has, or -errno. */
static int dir_empty(const char *path)
{
	struct dirent *d;
	int empty = 1;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -errno;
	while (empty && (d = readdir(dir)))
		empty = !strcmp(d->d_name, ".") || !strcmp(d->d_name, "..");
	closedir(dir);
	return empty;
}

int vms_pin_path_check(const char *pin_path)
{
	struct stat st;
	int empty;

	if (pin_path[0] != '/')
		return vms_err(-EINVAL, "pin path %s: not an absolute path",
			       pin_path);
	if (stat(pin_path, &st))
		return errno == ENOENT
			       ? 0
			       : vms_err(-errno, "pin path %s: %s%s", pin_path,
					 strerror(errno), perm_hint(-errno));
	if (!S_ISDIR(st.st_mode))
		return vms_err(-ENOTDIR, "pin path %s: not a directory",
			       pin_path);
	if (on_bpffs(pin_path))
		return 0;
	empty = dir_empty(pin_path);
	if (empty < 0)
		return vms_err(empty, "pin path %s: %s", pin_path,
			       strerror(-empty));
	if (!empty)
		return vms_err(-EINVAL,
			       "pin path %s: not on a BPF filesystem and not "
			       "empty (vmsteer mounts a bpffs only on an empty "
			       "directory, never over files)",
			       pin_path);
	return 0;
}

static int mount_bpffs(const char *path)
{
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		return vms_err(-errno, "%s: cannot mount a BPF filesystem: %s",
			       path, strerror(errno));
	pr_debug("mounted a BPF filesystem on %s", path);
	return 0;
}

/*
 * Make @path a directory on a BPF filesystem. The system's bpffs is
 * mounted on /sys/fs/bpf when it is not yet (as systemd does at boot);
 * a directory elsewhere gets a bpffs of its own.
 */
static int ensure_bpffs(const char *path)
{
	static const char sys_bpf[] = "/sys/fs/bpf";
	struct stat st;
	int err;

	err = vms_pin_path_check(path);
	if (err)
		return err;
	if (!strncmp(path, sys_bpf, strlen(sys_bpf)) &&
	    (path[strlen(sys_bpf)] == '/' || !path[strlen(sys_bpf)]) &&
	    !on_bpffs(sys_bpf) && !stat(sys_bpf, &st) && S_ISDIR(st.st_mode)) {
		err = mount_bpffs(sys_bpf);
		if (err)
			return vms_err(err, "pin path %s: %s", path,
				       vms_last_error());
	}
	err = mkdir_p(path);
	if (err)
		return vms_err(err, "pin path %s: cannot create: %s%s", path,
			       strerror(-err), perm_hint(err));
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return vms_err(-ENOTDIR, "pin path %s: not a directory", path);
	if (on_bpffs(path))
		return 0;
	err = mount_bpffs(path);
	if (err)
		return vms_err(err,
			       "pin path %s: not on a BPF filesystem, and "
			       "mounting one there failed",
			       path);
	return 0;
}

/* Flags the kernel adds on its own at creation (devmaps: read-only). */
#define KERNEL_ADDED_FLAGS BPF_F_RDONLY_PROG

/*
 * Use the pinned map at @path for @map. The pinned map must have the
 * object's definition; flags the kernel adds itself are not compared
 * (libbpf's own pin reuse does, and so refuses every pinned devmap).
 */
static int reuse_pinned(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return vms_err(-errno, "pinned map %s: %s", path,
			       strerror(errno));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = vms_err(-errno, "pinned map %s: %s", path,
			      strerror(errno));
	} else if (info.type != bpf_map__type(map) ||
		   info.key_size != bpf_map__key_size(map) ||
		   info.value_size != bpf_map__value_size(map) ||
		   info.max_entries != bpf_map__max_entries(map) ||
		   (info.map_flags & ~KERNEL_ADDED_FLAGS) !=
			   (bpf_map__map_flags(map) & ~KERNEL_ADDED_FLAGS)) {
		err = vms_err(-EPROTO,
			      "pinned map %s does not match this vmsteer's "
			      "layout %d (type %u key %u value %u entries %u)",
			      path, VMSTEER_LAYOUT_VERSION, info.type,
			      info.key_size, info.value_size, info.max_entries);
	} else {
		err = bpf_map__reuse_fd(map, fd);
		if (err)
			err = vms_err(err, "pinned map %s: %s", path,
				      strerror(-err));
	}
	close(fd);
	return err;
}

/* Size @map for this host: one CPUMAP entry per possible CPU. */
static int size_map(struct bpf_map *map)
{
	const char *name = bpf_map__name(map);
	int err;

	if (strcmp(name, VMST_MAP_CPUMAP))
		return 0;
	err = bpf_map__set_max_entries(map, libbpf_num_possible_cpus());
	return err ? vms_err(err, "map %s: %s", name, strerror(-err)) : 0;
}

int vms_object_private_maps(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj)
	{
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return vms_err(err, "map %s: %s", bpf_map__name(map),
				       strerror(-err));
		err = size_map(map);
		if (err)
			return err;
	}
	return 0;
}

int vms_object_pin_maps(struct bpf_object *obj, const char *pin_path)
{
	char p[PATH_MAX];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj)
	{
		const char *name = bpf_map__name(map);

		if (strncmp(name, "vmst_", 5))
			continue; /* .rodata and friends stay private */
		err = size_map(map);
		if (err)
			return err;
		err = vms_pin_join(p, sizeof(p), pin_path, name);
		if (err)
			return err;
		if (!access(p, F_OK)) {
			err = reuse_pinned(map, p);
			if (err)
				return err;
			/* Reused by fd: libbpf must not pin it at its default
			 * root (/sys/fs/bpf/NAME) nor look for it there.
			 */
			err = bpf_map__set_pin_path(map, NULL);
			if (err)
				return vms_err(err, "map %s: %s", name,
					       strerror(-err));
			continue;
		}
		/* Not pinned yet: libbpf creates and pins it at load. */
		err = bpf_map__set_pin_path(map, p);
		if (err)
			return vms_err(err, "map %s: cannot pin at %s: %s",
				       name, p, strerror(-err));
	}
	return 0;
}

int vms_maps_from_object(struct vms_maps *m, struct bpf_object *obj)
{
	int i;

	vms_maps_reset(m);
	for (i = 0; i < VMS_MAP_N; i++) {
		struct bpf_map *map;

		map = bpf_object__find_map_by_name(obj, vms_map_table[i].name);
		if (!map || bpf_map__fd(map) < 0)
			return vms_err(-ENOENT, "map %s missing from object",
				       vms_map_table[i].name);
		m->fd[i] = bpf_map__fd(map);
	}
	return 0;
}

int vms_maps_init_config(const struct vms_maps *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	struct vmst_config cfg;
	int err;

	err = bpf_map_lookup_elem(m->fd[VMS_MAP_CONFIG], &zero, &cfg);
	if (err)
		return vms_err(-errno, "map %s: %s", VMST_MAP_CONFIG,
			       strerror(errno));
	err = bpf_obj_get_info_by_fd(m->fd[VMS_MAP_TX], &info, &len);
	if (err)
		return vms_err(-errno, "map %s: %s", VMST_MAP_TX,
			       strerror(errno));
	if (cfg.layout_version && cfg.devmap_id == info.id)
		return 0;
	if (!cfg.layout_version) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.layout_version = VMSTEER_LAYOUT_VERSION;
		cfg.next_port = 1;
	}
	cfg.devmap_id = info.id;
	if (bpf_map_update_elem(m->fd[VMS_MAP_CONFIG], &zero, &cfg, 0))
		return vms_err(-errno, "map %s: %s", VMST_MAP_CONFIG,
			       strerror(errno));
	return 0;
}

/* Refuse a pinned state that another layout version created. */
static int check_layout(const char *pin_path)
{
	struct vmst_config cfg = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	int fd, err;

	err = vms_pin_join(p, sizeof(p), pin_path, VMST_MAP_CONFIG);
	if (err)
		return err;
	fd = bpf_obj_get(p);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		return vms_err(err, "pinned map %s: %s%s", p, strerror(-err),
			       perm_hint(err));
	}
	err = bpf_map_lookup_elem(fd, &zero, &cfg) ? -errno : 0;
	close(fd);
	if (err)
		return vms_err(err, "pinned map %s: %s", p, strerror(-err));
	if (cfg.layout_version && cfg.layout_version != VMSTEER_LAYOUT_VERSION)
		return vms_err(
			-EPROTO,
			"pinned state %s has layout version %u; this "
			"vmsteer uses layout %u and will not reinterpret "
			"it (detach all uplinks and remove the directory, "
			"or use the matching vmsteer)",
			pin_path, cfg.layout_version, VMSTEER_LAYOUT_VERSION);
	return 0;
}

/* Create any missing map by loading the uplink object with pinning. */
static int create_maps(const char *pin_path)
{
	struct uplink_bpf *skel;
	int err;

	err = vms_probe_kernel();
	if (err)
		return err;
	skel = uplink_bpf__open();
	if (!skel)
		return vms_err(-errno, "cannot open the BPF object: %s",
			       strerror(errno));
	err = vms_object_pin_maps(skel->obj, pin_path);
	if (!err) {
		char what[4200];

		snprintf(what, sizeof(what), "creating the maps under %s",
			 pin_path);
		vms_load_begin();
		err = vms_load_end(uplink_bpf__load(skel), what);
	}
	uplink_bpf__destroy(skel);
	return err;
}

static int open_maps(struct vms_state *st)
{
	char p[PATH_MAX];
	int i, err;

	for (i = 0; i < VMS_MAP_N; i++) {
		err = vms_pin_join(p, sizeof(p), st->pin_path,
				   vms_map_table[i].name);
		if (err)
			return err;
		st->maps.fd[i] = bpf_obj_get(p);
		/* An optional map an older state lacks (see VMS_MAPS). */
		if (st->maps.fd[i] < 0 && errno == ENOENT &&
		    vms_map_table[i].optional)
			continue;
		if (st->maps.fd[i] < 0) {
			err = -errno;
			return vms_err(err, "pinned map %s: %s%s", p,
				       strerror(-err), perm_hint(err));
		}
	}
	return 0;
}

int vms_state_open(struct vms_state *st, const char *pin_path,
		   unsigned int flags)
{
	bool missing = false;
	char p[PATH_MAX];
	int i, err;

	memset(st, 0, sizeof(*st));
	vms_maps_reset(&st->maps);
	st->lock_fd = -1;
	for (i = 0; i < VMS_PROG_N; i++)
		st->prog_fd[i] = -1;
	if (strlen(pin_path) >= sizeof(st->pin_path))
		return vms_err(-ENAMETOOLONG, "pin path %s: too long",
			       pin_path);
	strcpy(st->pin_path, pin_path);

	if (flags & VMS_OPEN_CREATE) {
		err = ensure_bpffs(pin_path);
		if (err)
			return err;
	} else if (!vms_state_exists(pin_path)) {
		return vms_err(-ENOENT,
			       "no vmsteer state at %s (it is created by "
			       "'vmsteer attach' or 'vmsteer port add')",
			       pin_path);
	}

	if (flags & (VMS_OPEN_CREATE | VMS_OPEN_WRITE)) {
		st->lock_fd =
			open(pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (st->lock_fd < 0 || flock(st->lock_fd, LOCK_EX)) {
			err = -errno;
			vms_state_close(st);
			return vms_err(err, "pin path %s: cannot lock: %s%s",
				       pin_path, strerror(-err),
				       perm_hint(err));
		}
	}

	err = check_layout(pin_path);
	if (err)
		goto fail;

	for (i = 0; i < VMS_MAP_N && !missing; i++) {
		err = vms_pin_join(p, sizeof(p), pin_path,
				   vms_map_table[i].name);
		if (err)
			goto fail;
		missing = access(p, F_OK) != 0;
	}
	if (missing && (flags & VMS_OPEN_CREATE)) {
		err = create_maps(pin_path);
		if (err)
			goto fail;
	}
	err = open_maps(st);
	if (err)
		goto fail;
	if (flags & (VMS_OPEN_CREATE | VMS_OPEN_WRITE)) {
		err = vms_maps_init_config(&st->maps);
		if (err)
			goto fail;
		/* Under the lock nobody else writes: the records can be
		 * kept in memory for the command's duration. */
		st->maps.cache = vms_port_cache_new();
		st->maps.rss_keys = calloc(1, sizeof(*st->maps.rss_keys));
	}
	return 0;
fail:
	vms_state_close(st);
	return err;
}

void vms_state_close(struct vms_state *st)
{
	int i;

	for (i = 0; i < VMS_MAP_N; i++) {
		if (st->maps.fd[i] >= 0)
			close(st->maps.fd[i]);
		st->maps.fd[i] = -1;
	}
	vms_port_cache_free(st->maps.cache);
	st->maps.cache = NULL;
	free(st->maps.rss_keys);
	st->maps.rss_keys = NULL;
	for (i = 0; i < VMS_PROG_N; i++) {
		if (st->prog_fd[i] >= 0)
			close(st->prog_fd[i]);
		st->prog_fd[i] = -1;
	}
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* drops the flock */
	st->lock_fd = -1;
}
