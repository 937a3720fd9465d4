/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "revert.h"

void revert_run(struct revert_stack *rs)
{
	while (rs->n > 0) {
		struct revert_entry *e = &rs->e[--rs->n];

		if (e->undo)
			e->undo(e->data);
		if (e->free_data)
			e->free_data(e->data);
	}
}

void revert_disarm(struct revert_stack *rs)
{
	while (rs->n > 0) {
		struct revert_entry *e = &rs->e[--rs->n];

		if (e->free_data)
			e->free_data(e->data);
	}
}
