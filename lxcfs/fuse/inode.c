/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inode table; t->lock is a leaf lock (nothing else is taken while it is held). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inode.h"

struct inode_node {
	uint64_t ino;
	char *path;
	enum vfs_kind kind;
	uint64_t nlookup;
	struct inode_node *next_path, *next_ino;
};

static size_t hash_path(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 1099511628211ull;
	return (size_t) (h % INODE_BUCKETS);
}

static size_t hash_ino(uint64_t ino)
{
	return (size_t) (ino % INODE_BUCKETS);
}

int inode_table_init(struct inode_table *t)
{
	struct inode_node *root = calloc(1, sizeof(*root));

	*t = (struct inode_table) { .next_ino = 2 };
	pthread_mutex_init(&t->lock, NULL);
	if (!root)
		return -ENOMEM;
	root->path = strdup("");
	if (!root->path) {
		free(root);
		return -ENOMEM;
	}
	root->ino = 1;
	root->kind = VFS_DIR_ROOT;
	root->nlookup = 1;
	t->by_path[hash_path("")] = root;
	t->by_ino[hash_ino(1)] = root;
	t->count = 1;
	return 0;
}

void inode_table_done(struct inode_table *t)
{
	for (size_t i = 0; i < INODE_BUCKETS; i++) {
		struct inode_node *n = t->by_ino[i];

		while (n) {
			struct inode_node *next = n->next_ino;

			free(n->path);
			free(n);
			n = next;
		}
		t->by_ino[i] = t->by_path[i] = NULL;
	}
	pthread_mutex_destroy(&t->lock);
}

static struct inode_node *find_ino_locked(struct inode_table *t, uint64_t ino)
{
	struct inode_node *n;

	for (n = t->by_ino[hash_ino(ino)]; n; n = n->next_ino)
		if (n->ino == ino)
			return n;
	return NULL;
}

int inode_get(struct inode_table *t, uint64_t ino, char **ret_path, enum vfs_kind *ret_kind)
{
	struct inode_node *n;
	char *p = NULL;
	int r = -ESTALE;

	pthread_mutex_lock(&t->lock);
	n = find_ino_locked(t, ino);
	if (n) {
		p = strdup(n->path);
		r = p ? 0 : -ENOMEM;
		*ret_kind = n->kind;
	}
	pthread_mutex_unlock(&t->lock);
	if (r == 0)
		*ret_path = p;
	return r;
}

int inode_ref(struct inode_table *t, const char *path, enum vfs_kind kind, uint64_t *ret_ino)
{
	size_t hp = hash_path(path);
	struct inode_node *n, *nn;

	pthread_mutex_lock(&t->lock);
	for (n = t->by_path[hp]; n; n = n->next_path)
		if (strcmp(n->path, path) == 0) {
			n->nlookup++;
			*ret_ino = n->ino;
			pthread_mutex_unlock(&t->lock);
			return 0;
		}
	pthread_mutex_unlock(&t->lock);

	/* allocate outside the lock, then insert (another thread may have won the race) */
	nn = calloc(1, sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	nn->path = strdup(path);
	if (!nn->path) {
		free(nn);
		return -ENOMEM;
	}
	nn->kind = kind;
	nn->nlookup = 1;

	pthread_mutex_lock(&t->lock);
	for (n = t->by_path[hp]; n; n = n->next_path)
		if (strcmp(n->path, path) == 0) {
			n->nlookup++;
			*ret_ino = n->ino;
			pthread_mutex_unlock(&t->lock);
			free(nn->path);
			free(nn);
			return 0;
		}
	nn->ino = t->next_ino++;
	nn->next_path = t->by_path[hp];
	t->by_path[hp] = nn;
	nn->next_ino = t->by_ino[hash_ino(nn->ino)];
	t->by_ino[hash_ino(nn->ino)] = nn;
	t->count++;
	*ret_ino = nn->ino;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void inode_forget(struct inode_table *t, uint64_t ino, uint64_t n)
{
	struct inode_node *node, **pp;

	if (ino == 1)
		return;
	pthread_mutex_lock(&t->lock);
	node = find_ino_locked(t, ino);
	if (!node || (node->nlookup = node->nlookup > n ? node->nlookup - n : 0) > 0) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	for (pp = &t->by_ino[hash_ino(ino)]; *pp != node; pp = &(*pp)->next_ino)
		;
	*pp = node->next_ino;
	for (pp = &t->by_path[hash_path(node->path)]; *pp != node; pp = &(*pp)->next_path)
		;
	*pp = node->next_path;
	t->count--;
	pthread_mutex_unlock(&t->lock);
	free(node->path);
	free(node);
}
