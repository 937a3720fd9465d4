/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inode table: FUSE inode numbers <-> node paths, with the kernel's lookup counts
 * (libfuse fuse_lowlevel.h: every reply_entry adds one lookup, FORGET drops n). */
#pragma once

#include <pthread.h>
#include <stdint.h>

#include "vfs.h"

#define INODE_BUCKETS 4096

struct inode_node;

struct inode_table {
	pthread_mutex_t lock;
	struct inode_node *by_path[INODE_BUCKETS];	/* protected by ->lock */
	struct inode_node *by_ino[INODE_BUCKETS];	/* protected by ->lock */
	uint64_t next_ino;				/* protected by ->lock */
	uint64_t count;					/* protected by ->lock */
};

/* Creates the table with the root (inode 1, path "") pinned. Returns 0 or -ENOMEM. */
int inode_table_init(struct inode_table *t);
void inode_table_done(struct inode_table *t);

/* Copies the path and kind of @ino. Returns 0, -ESTALE for an unknown inode, -ENOMEM. */
int inode_get(struct inode_table *t, uint64_t ino, char **ret_path, enum vfs_kind *ret_kind);

/* Finds or creates the node for @path and adds one lookup. Returns 0 and *ret_ino, -ENOMEM. */
int inode_ref(struct inode_table *t, const char *path, enum vfs_kind kind, uint64_t *ret_ino);

/* Drops @n lookups of @ino; frees the node at zero (the root is never freed). */
void inode_forget(struct inode_table *t, uint64_t ino, uint64_t n);
