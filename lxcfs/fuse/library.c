/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* liblxcfs.so's entry point (lxcfs/lib-api.h): set up and tear down one loaded copy. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "lib-api.h"
#include "loadavg.h"
#include "log.h"
#include "strbuf.h"
#include "ops.h"

#ifndef LXCFS_LIB_VARIANT
#define LXCFS_LIB_VARIANT ""	/* tests build a second copy with another value */
#endif

#define STATE_HEADER "lxcfs-state 1\n"

struct lxcfs_session lxcfs_lib_session;

static char build_id_hex[2 * 64 + 1] = "unknown";

/* The PT_NOTE segments of the object that holds this function: NT_GNU_BUILD_ID, as hex */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t self = (uintptr_t) data;
	bool mine = false;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && self >= start && self < start + ph->p_memsz)
			mine = true;
	}
	if (!mine)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *p = (const uint8_t *) (info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *) p;
			const uint8_t *name = p + sizeof(*nh);
			const uint8_t *desc = name + ((nh->n_namesz + 3) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && nh->n_descsz <= 64) {
				for (size_t k = 0; k < nh->n_descsz; k++)
					snprintf(build_id_hex + 2 * k, 3, "%02x", desc[k]);
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1;
}

static const char *lib_build_id(void)
{
	return build_id_hex;
}

static int lib_init(const struct lxcfs_core *core, const char *state)
{
	struct lxcfs_session *s = &lxcfs_lib_session;
	int r;

	if (core->abi != LXCFS_LIB_ABI)
		return -EPROTO;
	log_set_max_level(core->log_level);
	(void) dl_iterate_phdr(find_build_id, (void *) (uintptr_t) lib_build_id);

	*s = (struct lxcfs_session) { .core = core };
	r = vfs_fs_init(&s->fs);
	if (r < 0) {
		log_error_errno(r, "Failed to set up the views: %m");
		vfs_fs_done(&s->fs);
		return r;
	}
	s->fs.virtualize = core->virtualize;
	s->fs.swap_disabled = core->swap_disabled;
	s->fs.cfs = core->cfs;
	s->fs.loadavg = core->loadavg;
	s->fs.cgroup = !core->cgroup_disabled;
	r = vfs_cache_start(&s->fs);
	if (r < 0)
		log_warning_errno(r, "Failed to start the cache janitor, idle cached files stay open: %m");
	for (size_t i = 0; i < s->fs.layout.n; i++)
		log_info("hierarchy %zu: %s (%s)", i, s->fs.layout.h[i].mountpoint,
			 s->fs.layout.h[i].version == CG_V2 ? "cgroup2" : s->fs.layout.h[i].controllers);
	if (core->loadavg) {
		r = vfs_loadavg_start(&s->fs);
		if (r < 0) {
			log_error_errno(r, "Failed to start the load average sampler: %m");
			vfs_fs_done(&s->fs);
			return r;
		}
	}
	if (state && s->fs.loadavg_store) {
		if (strncmp(state, STATE_HEADER, strlen(STATE_HEADER)) != 0)
			log_warning("Ignoring the state of the library replaced: unknown format");
		else {
			r = loadavg_store_restore(s->fs.loadavg_store, state + strlen(STATE_HEADER));
			if (r < 0)
				log_warning_errno(r, "Took over part of the load averages only: %m");
			else
				log_info("Took over the load averages of %d cgroups", r);
		}
	}
	(void) lxcfs_ops_start(s);
	log_info("Loaded " LXCFS_LIB_NAME " (build id %s%s%s)", build_id_hex,
		 LXCFS_LIB_VARIANT[0] ? ", " : "", LXCFS_LIB_VARIANT);
	return 0;
}

static void lib_fini(void)
{
	struct lxcfs_session *s = &lxcfs_lib_session;

	lxcfs_ops_stop(s);
	vfs_loadavg_stop(&s->fs);
	log_info("Unloading " LXCFS_LIB_NAME " (build id %s; %" PRIuFAST64
		 " views served as the host's file)", build_id_hex, atomic_load(&s->fs.fallbacks));
	vfs_fs_done(&s->fs);
}

static char *lib_save_state(void)
{
	struct strbuf sb = STRBUF_INIT(LOADAVG_ENTRIES_MAX * (LOADAVG_KEY_MAX + 64));
	struct lxcfs_session *s = &lxcfs_lib_session;

	if (!s->fs.loadavg_store)
		return NULL;
	if (strbuf_appends(&sb, STATE_HEADER) < 0 || loadavg_store_save(s->fs.loadavg_store, &sb) < 0) {
		strbuf_done(&sb);
		return NULL;
	}
	return strbuf_steal(&sb, NULL);
}

static const struct lxcfs_library library = {
	.abi = LXCFS_LIB_ABI,
	.init = lib_init,
	.fini = lib_fini,
	.save_state = lib_save_state,
	.build_id = lib_build_id,
	.ops = &lxcfs_ops,
};

/* The one symbol the core looks up (LXCFS_LIB_ENTRY). */
__attribute__((visibility("default"))) const struct lxcfs_library *lxcfs_library_entry(void)
{
	return &library;
}
