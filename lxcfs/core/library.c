/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Generations of liblxcfs.so: load from a memfd copy, switch, unload when unused. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "library.h"
#include "log.h"

#define LIB_SIZE_MAX (64u << 20)
/* memfd copies are moved to fd numbers from here up, one higher per load, so that the
 * "/proc/self/fd/N" name given to dlopen() is never one it has seen (dlopen() returns an
 * object already loaded under the same name instead of loading the new file) */
#define LIB_FD_BASE 64

static pthread_mutex_t gens_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lib_gen *gens;		/* every loaded generation; protected by gens_lock */
static struct lib_gen *current;		/* protected by gens_lock */
static unsigned next_serial = 1;	/* protected by gens_lock */
static char *lib_path;			/* set by the first load, read by reloads */
static const struct lxcfs_core *lib_core;
static int reload_efd = -EBADF;
static pthread_t reloader;
static bool reloader_started;
static atomic_bool shutting_down;

int core_library_path(const char *libdir, char **ret)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *p = NULL;

	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash && asprintf(&p, "%.*s/" LXCFS_LIB_NAME, (int) (slash - exe), exe) < 0)
			return -ENOMEM;
		if (p && access(p, F_OK) == 0) {
			*ret = p;
			return 0;
		}
		free(p);
	}
	if (asprintf(&p, "%s/lxcfs/" LXCFS_LIB_NAME, libdir) < 0)
		return -ENOMEM;
	*ret = p;
	return 0;
}

/* Copies @path into a sealed-size memfd placed at a never-used fd number. Returns the fd or
 * -errno. */
static int copy_to_memfd(const char *path, unsigned serial)
{
	_cleanup_close_ int src = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_close_ int mfd = -EBADF;
	struct rlimit rl;
	struct stat st;
	char buf[65536];
	int fd, min = LIB_FD_BASE;

	if (src < 0)
		return -errno;
	if (fstat(src, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t) st.st_size > LIB_SIZE_MAX)
		return -EFBIG;
	mfd = memfd_create(LXCFS_LIB_NAME, MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(src, buf, sizeof(buf)), done = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		while (done < n) {
			ssize_t w = write(mfd, buf + done, (size_t) (n - done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			done += w;
		}
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur > LIB_FD_BASE * 2)
		min = LIB_FD_BASE + (int) (serial % (rl.rlim_cur - LIB_FD_BASE * 2));
	fd = fcntl(mfd, F_DUPFD_CLOEXEC, min);
	if (fd < 0)
		return TAKE_FD(mfd);	/* any number: only a name clash could follow */
	return fd;
}

/* Loads one copy of @path and runs its init(). Returns 0 and *ret, or -errno (logged). */
static int gen_load(const char *path, unsigned serial, const char *state, struct lib_gen **ret)
{
	_cleanup_free_ struct lib_gen *g = calloc(1, sizeof(*g));
	lxcfs_library_entry_fn entry;
	char name[64];
	int r;

	if (!g)
		return log_error_errno(-ENOMEM, "Failed to load '%s': %m", path);
	g->memfd = copy_to_memfd(path, serial);
	if (g->memfd < 0)
		return log_error_errno(g->memfd, "Failed to read library '%s': %m", path);
	(void) snprintf(name, sizeof(name), "/proc/self/fd/%d", g->memfd);
	g->dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!g->dl) {
		log_error("Failed to load library '%s': %s", path, dlerror());
		(void) close(g->memfd);
		return -ENOEXEC;
	}
	entry = (lxcfs_library_entry_fn) dlsym(g->dl, LXCFS_LIB_ENTRY);
	g->lib = entry ? entry() : NULL;
	if (!g->lib) {
		log_error("Library '%s' has no " LXCFS_LIB_ENTRY "()", path);
		r = -ENOEXEC;
		goto fail;
	}
	if (g->lib->abi != LXCFS_LIB_ABI) {
		log_error("Library '%s' has ABI %u, this lxcfs needs %u", path, g->lib->abi, LXCFS_LIB_ABI);
		r = -EPROTO;
		goto fail;
	}
	pthread_mutex_lock(&gens_lock);
	r = 0;
	for (struct lib_gen *o = gens; o; o = o->next)
		if (o->dl == g->dl)
			r = -EEXIST;
	pthread_mutex_unlock(&gens_lock);
	if (r < 0) {
		log_error("Library '%s': dlopen() returned a copy already loaded", path);
		goto fail;	/* dlclose() drops the reference this dlopen() added */
	}
	r = g->lib->init(lib_core, state);
	if (r < 0) {
		log_error_errno(r, "Library '%s' failed to initialize: %m", path);
		goto fail;
	}
	g->serial = serial;
	atomic_init(&g->refs, 1);	/* the current slot's */
	*ret = TAKE_PTR(g);
	return 0;
fail:
	(void) dlclose(g->dl);
	(void) close(g->memfd);
	return r;
}

static void gen_unload(struct lib_gen *g)
{
	if (!g->finished)
		g->lib->fini();
	g->finished = true;
	(void) dlclose(g->dl);
	(void) close(g->memfd);
	free(g);
}

void core_gen_ref(struct lib_gen *g)
{
	atomic_fetch_add(&g->refs, 1);
}

void core_gen_put(struct lib_gen *g)
{
	if (atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	/* the last reference: nobody can find g any more but through the list */
	pthread_mutex_lock(&gens_lock);
	for (struct lib_gen **p = &gens; *p; p = &(*p)->next)
		if (*p == g) {
			*p = g->next;
			break;
		}
	pthread_mutex_unlock(&gens_lock);
	if (atomic_load(&shutting_down)) {
		/* core_library_shutdown() ran its fini() already; the code stays mapped until the
		 * process exits, only the bookkeeping (unlinked above) goes */
		free(g);
		return;
	}
	log_info("Unloading library generation %u", g->serial);	/* fini() logs its build id */
	gen_unload(g);
}

struct lib_gen *core_gen_get(void)
{
	struct lib_gen *g;

	pthread_mutex_lock(&gens_lock);
	g = current;
	if (g)
		atomic_fetch_add(&g->refs, 1);
	pthread_mutex_unlock(&gens_lock);
	return g;
}

/* Makes @g current; drops the old current's slot reference. */
static void gen_switch(struct lib_gen *g)
{
	struct lib_gen *old;

	pthread_mutex_lock(&gens_lock);
	g->next = gens;
	gens = g;
	old = current;
	current = g;
	pthread_mutex_unlock(&gens_lock);
	if (old)
		core_gen_put(old);
}

int core_library_load_first(const char *path, const struct lxcfs_core *core)
{
	struct lib_gen *g;
	int r;

	lib_path = strdup(path);
	if (!lib_path)
		return -ENOMEM;
	lib_core = core;
	r = gen_load(lib_path, next_serial, NULL, &g);
	if (r < 0)
		return r;
	next_serial++;
	gen_switch(g);
	return 0;
}

int core_library_reload(void)
{
	struct lib_gen *g;
	unsigned serial;
	int r;

	_cleanup_free_ char *state = NULL;
	struct lib_gen *old = core_gen_get();

	pthread_mutex_lock(&gens_lock);
	serial = next_serial++;
	pthread_mutex_unlock(&gens_lock);
	if (old) {
		state = old->lib->save_state();	/* measured data the new copy carries on */
		core_gen_put(old);
	}
	r = gen_load(lib_path, serial, state, &g);
	if (r < 0) {
		log_error_errno(r, "Reload failed, still serving with the library loaded before: %m");
		return r;
	}
	gen_switch(g);
	log_info("Reloaded LXCFS (library generation %u, build id %s)", serial, g->lib->build_id());
	return 0;
}

static void *reloader_main(void *arg)
{
	for (;;) {
		uint64_t v;
		ssize_t n = read(reload_efd, &v, sizeof(v));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t) sizeof(v) || atomic_load(&shutting_down))
			return NULL;
		(void) core_library_reload();
	}
}

int core_library_start_reloader(void)
{
	sigset_t all, old;
	int r;

	reload_efd = eventfd(0, EFD_CLOEXEC);
	if (reload_efd < 0)
		return -errno;
	sigfillset(&all);	/* signals stay with the session's threads */
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&reloader, NULL, reloader_main, NULL);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	reloader_started = true;
	return 0;
}

void core_library_request_reload(void)
{
	uint64_t one = 1;

	if (reload_efd >= 0)
		(void) !write(reload_efd, &one, sizeof(one));
}

void core_library_shutdown(void)
{
	struct lib_gen *old;

	atomic_store(&shutting_down, true);
	if (reloader_started) {
		core_library_request_reload();	/* wakes it; it sees shutting_down */
		(void) pthread_join(reloader, NULL);
		reloader_started = false;
	}
	pthread_mutex_lock(&gens_lock);
	old = current;
	current = NULL;
	/* no request runs any more: stop every generation's threads now, handles or not */
	for (struct lib_gen *g = gens; g; g = g->next) {
		if (!g->finished)
			g->lib->fini();
		g->finished = true;
	}
	pthread_mutex_unlock(&gens_lock);
	if (old)
		core_gen_put(old);
	if (reload_efd >= 0)
		(void) close(reload_efd);
	reload_efd = -EBADF;
}
