// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fixture every other test stands on: private maps (nothing pinned),
 * every shared map found by the library, the config stamped.
 */
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "uplink.skel.h"
#include "fixture.h"
#include "test.h"
#include "core/ports.h"
#include "core/state.h"

/* No map of the fixture is pinned, or would be. */
static void maps_unpinned(struct fixture *f)
{
	struct bpf_map *map;
	int n = 0;

	bpf_object__for_each_map(map, f->skel->obj)
	{
		ASSERT_FALSE(bpf_map__is_pinned(map), bpf_map__name(map));
		ASSERT_TRUE(bpf_map__pin_path(map) == NULL, bpf_map__name(map));
		n++;
	}
	ASSERT_GE(n, VMS_MAP_N, "maps in the object");
}

/* The library found every shared map and stamped the config. */
static void config_stamped(struct fixture *f)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	struct vmst_config cfg;
	int i;

	for (i = 0; i < VMS_MAP_N; i++)
		ASSERT_GE(f->maps.fd[i], 0, vms_map_table[i].name);
	if (!ASSERT_OK(bpf_map_lookup_elem(f->maps.fd[VMS_MAP_CONFIG], &zero,
					   &cfg),
		       "read vmst_config") ||
	    !ASSERT_OK(
		    bpf_obj_get_info_by_fd(f->maps.fd[VMS_MAP_TX], &info, &len),
		    "vmst_tx info"))
		return;
	ASSERT_EQ(cfg.layout_version, VMSTEER_LAYOUT_VERSION, "layout_version");
	ASSERT_EQ(cfg.devmap_id, info.id, "devmap_id");
	ASSERT_EQ(vms_fdb_count(&f->maps), 0, "vms_fdb_count of a new FDB");
}

TEST(fixture)
{
	struct fixture f;

	if (!fixture_setup(&f))
		return;
	if (test__start_subtest("maps_unpinned"))
		maps_unpinned(&f);
	if (test__start_subtest("config_stamped"))
		config_stamped(&f);
	fixture_teardown(&f);
}
