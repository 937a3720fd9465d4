/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scope-bound resource cleanup; destructors are NULL- and -EBADF-safe. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **) p);
}

/* Never retried on EINTR: Linux has released the fd already. */
static inline void closep(int *fd)
{
	if (*fd >= 0)
		(void) close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		(void) fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		(void) closedir(*d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -EBADF; _fd; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define MAX(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
