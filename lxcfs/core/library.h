/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading liblxcfs.so and replacing it while the filesystem stays mounted (live upgrade).
 *
 * Each load copies the file into a memfd and dlopen()s that copy, so a library overwritten in
 * place on disk (cp, install) never changes code that runs. Loaded copies are "generations":
 * the current one takes new requests; a request holds its generation for its duration and an
 * open file handle for the handle's life, so a replaced generation finishes what it started
 * and is unloaded (fini, dlclose) when its last reference goes. */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include "lib-api.h"

struct lib_gen {
	void *dl;			/* dlopen() handle */
	int memfd;			/* the copy it was loaded from; open while loaded */
	const struct lxcfs_library *lib;
	atomic_uint refs;		/* the current slot, requests in flight, open handles */
	unsigned serial;		/* 1 for the first load, +1 per reload */
	bool finished;			/* fini() ran (shutdown); protected by the list lock */
	struct lib_gen *next;		/* all loaded generations; protected by the list lock */
};

/* The library to load: LXCFS_LIB_NAME in the directory of the running binary when it exists
 * there (a build tree, a relocated install), else @libdir/lxcfs/LXCFS_LIB_NAME. Returns 0
 * and a malloc'd path in *ret, -ENOMEM. */
int core_library_path(const char *libdir, char **ret);

/* Loads @path for @core (which must outlive every generation) and makes it current. For the
 * first load only; later loads go through core_library_reload(). Returns 0, or -errno: -ENOENT
 * (no such file), -ENOEXEC (dlopen() failed or no LXCFS_LIB_ENTRY), -EPROTO (other ABI),
 * the library's init() error; each logged with the reason. */
int core_library_load_first(const char *path, const struct lxcfs_core *core);

/* Loads the library file again (it may have been replaced) and makes the new copy current;
 * the old one is unloaded when its last request and handle are done. On any failure the
 * current library stays and the reason is logged. Returns 0 or the -errno of the load. */
int core_library_reload(void);

/* Starts the thread that runs core_library_reload() after core_library_request_reload().
 * Returns 0 or -errno. */
int core_library_start_reloader(void);
/* Async-signal-safe (SIGUSR1 handler): asks the reloader thread for a reload. */
void core_library_request_reload(void);

/* Stops the reloader and runs fini() of every generation still loaded (also those that
 * still have open handles: the session is over). Call after the session loop returned. */
void core_library_shutdown(void);

/* The current generation with one more reference, NULL before the first load or after
 * shutdown. */
struct lib_gen *core_gen_get(void);
void core_gen_ref(struct lib_gen *g);
/* Drops a reference; the last one unloads the generation. */
void core_gen_put(struct lib_gen *g);

/* The libfuse operations table of the binary: forwards every request to a generation
 * (lxcfs/core/dispatch.c). Session userdata is unused. */
extern const struct fuse_lowlevel_ops core_dispatch_ops;

/* lxcfs_core.reply_open of the binary (lxcfs/lib-api.h). */
int core_reply_open(fuse_req_t req, const struct fuse_file_info *fi);
