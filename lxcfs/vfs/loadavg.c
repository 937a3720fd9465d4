/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proc/loadavg glue (-l): the reader's cpu cgroup is the key into the load average store;
 * the store's sampler calls back here to count a cgroup's tasks. No arithmetic here. */
#include <errno.h>
#include <stdlib.h>

#include "../render/loadavg.h"
#include "../state/loadavg.h"
#include "cgroup-tasks.h"
#include "cleanup.h"
#include "fill.h"
#include "parse-util.h"

/* The sampler's callback: all the I/O of one sample (runs without any lock). */
static int loadavg_sample(void *userdata, const char *key, const atomic_bool *cancel,
			  struct tasks_count *ret)
{
	const struct vfs_fs *fs = userdata;
	const struct cg_hierarchy *h = cg_layout_find(&fs->layout, "cpu");

	if (!h)
		return -ENOENT;
	return load_cgroup_tasks(h->fd, fs->env.proc_fd, key, cancel, ret);
}

int fill_loadavg(struct vfs_fs *fs, struct reader *rd, struct strbuf *out)
{
	_cleanup_free_ char *path = NULL;
	const struct cg_hierarchy *h;
	struct loadavg_state st;
	int r;

	if (!fs->loadavg_store)
		return -ENOENT;
	r = reader_cgroup(&fs->env, rd, "cpu", &h, &path);
	if (r < 0)
		return r;	/* no cpu hierarchy, or the reader vanished: the host's file */
	if (streq(path, "/"))
		return -ENOENT;	/* the root cgroup is the whole machine: the kernel's own file */
	r = loadavg_store_get(fs->loadavg_store, path, rd->ref, &st);
	if (r < 0)
		return r;
	return loadavg_render(&st, out);
}

int vfs_loadavg_start(struct vfs_fs *fs)
{
	struct loadavg_store *s;
	int r;

	if (fs->loadavg_store)
		return -EALREADY;
	s = loadavg_store_new(loadavg_sample, fs);
	if (!s)
		return -ENOMEM;
	r = loadavg_store_start(s, LOADAVG_INTERVAL_MS);
	if (r < 0) {
		loadavg_store_free(s);
		return r;
	}
	fs->loadavg_store = s;
	return 0;
}

void vfs_loadavg_stop(struct vfs_fs *fs)
{
	loadavg_store_free(fs->loadavg_store);	/* stops and joins the sampler first */
	fs->loadavg_store = NULL;
}
