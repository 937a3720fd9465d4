/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole-file reads with a size cap; procfs/cgroupfs st_size means nothing, so read to EOF. */
#pragma once

#include <stddef.h>

/* Reads @fd to EOF into a new NUL-terminated buffer (*ret_text, caller frees; *ret_len bytes
 * without the NUL, may be NULL). Returns 0, -EFBIG above @max bytes, -EBADMSG when the data
 * holds a NUL byte, -ENOMEM, or the read(2) errno. Outputs untouched on error. */
int read_full_fd(int fd, size_t max, char **ret_text, size_t *ret_len);

/* openat(@dirfd, @path, O_RDONLY|O_CLOEXEC|O_NOFOLLOW) then read_full_fd(). Also -errno of
 * the open. */
int read_full_at(int dirfd, const char *path, size_t max, char **ret_text, size_t *ret_len);

/* Same as read_full_at() but the open is confined below @dirfd (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS): @path may come from an untrusted source.
 * Returns -EXDEV when @path would escape @dirfd. */
int read_full_beneath(int dirfd, const char *path, size_t max, char **ret_text, size_t *ret_len);

/* openat2() with the same confinement; returns an fd or -errno. Every open but O_PATH is
 * O_NONBLOCK, so a FIFO or device planted in the tree cannot block the caller (a write-only
 * open of a FIFO without a reader is -ENXIO, a read of one without data -EAGAIN or empty). */
int open_beneath(int dirfd, const char *path, int flags);
