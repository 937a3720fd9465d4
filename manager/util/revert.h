/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Undo stack for multi-step changes (STYLE §3.11): each completed step pushes its undo; an
 * early return runs the pending undos newest first; revert_disarm() keeps the work. */
#pragma once

#include <assert.h>
#include <stddef.h>

#define REVERT_MAX 16

struct revert_entry {
	void (*undo)(void *data);	/* must not fail the caller: it logs what it cannot undo */
	void *data;
	void (*free_data)(void *data);	/* may be NULL; runs whether or not undo ran */
};

struct revert_stack {
	struct revert_entry e[REVERT_MAX];
	size_t n;
};

/* Pushes an undo. Fixed capacity: exceeding REVERT_MAX is a programming error (asserts). */
static inline void revert_push_full(struct revert_stack *rs, void (*undo)(void *), void *data,
				    void (*free_data)(void *))
{
	assert(rs->n < REVERT_MAX);
	rs->e[rs->n++] = (struct revert_entry) { undo, data, free_data };
}

static inline void revert_push(struct revert_stack *rs, void (*undo)(void *), void *data)
{
	revert_push_full(rs, undo, data, NULL);
}

/* Runs the pending undos, newest first, then frees their data. */
void revert_run(struct revert_stack *rs);
/* Keeps the work: frees the data of every entry without running the undos. */
void revert_disarm(struct revert_stack *rs);

#define _cleanup_revert_ __attribute__((cleanup(revert_run)))
