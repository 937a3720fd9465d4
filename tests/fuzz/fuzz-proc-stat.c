/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: /proc/PID/stat and /proc/PID/task/TID/stat: starttime (lxcfs/parse/proc.c) and
 * the state letter and task counting of the load average (lxcfs/parse/tasks.c). */
#include "fuzz.h"
#include "proc.h"
#include "tasks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tasks_count c = { .total = 3, .running = 1, .last_pid = 50 }, before;
	uint64_t ticks;
	char state, *text;
	int r, rs;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	r = proc_stat_starttime(text, &ticks);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG);

	rs = tasks_stat_state(text, &state);
	FUZZ_ASSERT(rs == 0 || rs == -EBADMSG);
	before = c;
	r = tasks_count_add(&c, 100, text);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG);
	FUZZ_ASSERT((r == 0) == (rs == 0));
	if (r == 0) {
		FUZZ_ASSERT(c.total == before.total + 1);
		FUZZ_ASSERT(c.running == before.running + (tasks_state_is_active(state) ? 1 : 0));
		FUZZ_ASSERT(c.last_pid == 100);
	} else {
		FUZZ_ASSERT(memcmp(&c, &before, sizeof(c)) == 0);
	}
	free(text);
	return 0;
}
