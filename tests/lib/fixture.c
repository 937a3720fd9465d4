/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "fixture.h"

static int fixture_path(const char *dir, const char *name, char **ret)
{
	if (asprintf(ret, "%s/%s/%s", FIXTURE_DIR, dir, name) < 0)
		return -ENOMEM;
	return 0;
}

int fixture_read(const char *dir, const char *name, char **ret)
{
	_cleanup_free_ char *path = NULL;
	int r = fixture_path(dir, name, &path);

	if (r < 0)
		return r;
	return read_full_at(AT_FDCWD, path, 16u << 20, ret, NULL);
}

int fixture_golden(const char *dir, const char *name, const char *got)
{
	_cleanup_free_ char *path = NULL, *want = NULL;
	const char *u = getenv("UPDATE_GOLDEN");
	int r = fixture_path(dir, name, &path);

	if (r < 0)
		return r;
	if (u && strcmp(u, "1") == 0) {
		_cleanup_fclose_ FILE *f = fopen(path, "we");

		if (!f || fputs(got, f) < 0)
			return -errno;
		return 0;
	}
	r = read_full_at(AT_FDCWD, path, 16u << 20, &want, NULL);
	if (r < 0)
		return r;
	if (strcmp(want, got) == 0)
		return 0;
	fprintf(stderr, "# golden mismatch in %s\n# --- want\n%s# --- got\n%s", path, want, got);
	return 1;
}
