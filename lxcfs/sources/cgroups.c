/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup hierarchy discovery and confined cgroup file reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups.h"
#include "cleanup.h"
#include "fdcache.h"
#include "fileio.h"
#include "parse-util.h"
#include "proc.h"

static bool list_contains(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		const char *e = strpbrk(p, ", \n");
		size_t len = e ? (size_t) (e - p) : strlen(p);

		if (len == n && strncmp(p, item, n) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

void cg_layout_done(struct cg_layout *l)
{
	for (size_t i = 0; l->h && i < l->n; i++) {
		free(l->h[i].mountpoint);
		free(l->h[i].controllers);
		if (l->h[i].fd >= 0)
			(void) close(l->h[i].fd);
	}
	free(l->h);
	*l = (struct cg_layout) {};
}

int cg_layout_discover(const char *mountinfo, struct cg_layout *ret)
{
	_cleanup_(cg_layout_done) struct cg_layout l = {};
	struct cgroup_mount *m = NULL;
	bool have_unified = false;
	size_t n = 0;
	int r;

	r = mountinfo_parse_cgroups(mountinfo, &m, &n);
	if (r < 0)
		return r;
	l.h = calloc(n ? n : 1, sizeof(*l.h));
	if (!l.h) {
		cgroup_mounts_free(m, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct cg_hierarchy *h = &l.h[l.n];
		bool dup = false;

		if (m[i].unified ? have_unified : false)
			continue;
		for (size_t j = 0; !m[i].unified && j < l.n; j++)
			if (l.h[j].version == CG_V1 && streq(l.h[j].controllers, m[i].controllers))
				dup = true;
		if (dup)
			continue;
		h->fd = open(m[i].mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (h->fd < 0)
			continue;
		h->mountpoint = TAKE_PTR(m[i].mountpoint);
		h->version = m[i].unified ? CG_V2 : CG_V1;
		if (m[i].unified) {
			char *text = NULL;

			have_unified = true;
			if (read_full_beneath(h->fd, "cgroup.controllers", CG_FILE_MAX, &text, NULL) < 0)
				text = strdup("");
			h->controllers = text;
			if (streq(h->mountpoint, "/sys/fs/cgroup"))
				l.pure_v2 = true;
		} else
			h->controllers = TAKE_PTR(m[i].controllers);
		l.n++;
		if (!h->controllers)
			return -ENOMEM;
	}
	cgroup_mounts_free(m, n);
	if (l.n == 0)
		return -ENOENT;
	*ret = l;
	l = (struct cg_layout) {};
	return 0;
}

const struct cg_hierarchy *cg_layout_find(const struct cg_layout *l, const char *controller)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].version == CG_V1 && list_contains(l->h[i].controllers, controller))
			return &l->h[i];
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].version == CG_V2 && list_contains(l->h[i].controllers, controller))
			return &l->h[i];
	return NULL;
}

int cg_read(const struct cg_hierarchy *h, const char *path, const char *name, char **ret_text)
{
	return cg_read_aged(h, path, name, 0, ret_text);
}

int cg_read_aged(const struct cg_hierarchy *h, const char *path, const char *name,
		 uint64_t max_age_ns, char **ret_text)
{
	size_t lp, ln;
	char buf[4096];

	while (*path == '/')
		path++;
	/* "path/name" (or "name" at the root), built without printf: this runs on every read */
	lp = strlen(path);
	ln = strlen(name);
	if (lp + 1 + ln + 1 > sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, lp);
	if (lp)
		buf[lp++] = '/';
	memcpy(buf + lp, name, ln + 1);
	return fdcache_read_aged(h->fdcache, h->fd, buf, true, FDCACHE_SINGLE_RECORD, CG_FILE_MAX,
				 max_age_ns, ret_text, NULL);
}

bool cg_path_parent(char *path)
{
	char *s = strrchr(path, '/');

	if (!s || (s == path && path[1] == 0))
		return false;
	if (s == path)
		s[1] = 0;
	else
		*s = 0;
	return true;
}

int cg_read_limit_min(const struct cg_hierarchy *h, const char *path, const char *name,
		      uint64_t *ret)
{
	_cleanup_free_ char *p = strdup(path);
	uint64_t min = CG_LIMIT_MAX;
	bool first = true;

	if (!p)
		return -ENOMEM;
	for (int depth = 0; depth < 1000; depth++, first = false) {
		_cleanup_free_ char *text = NULL;
		bool root = streq(p, "/");
		uint64_t v;
		int r;

		if (root && h->version == CG_V2 && !first)
			break;	/* cgroup2 has no limit files at the root */
		r = cg_read(h, p, name, &text);
		if (r == -ENOENT && !first)
			r = 0, text = NULL;
		if (r < 0)
			return r;
		if (text) {
			r = cg_parse_limit(text, &v);
			if (r == -ENODATA)
				v = CG_LIMIT_MAX;
			else if (r < 0)
				return r;
			if (v < min)
				min = v;
		}
		if (min == 0 || !cg_path_parent(p))
			break;
	}
	*ret = min;
	return 0;
}
