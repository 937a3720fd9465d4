/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure load average step and formatting; see loadavg.h. */
#include <inttypes.h>

#include "loadavg.h"

static const uint64_t loadavg_exp[3] = { LOADAVG_EXP_1, LOADAVG_EXP_5, LOADAVG_EXP_15 };

uint64_t loadavg_calc_load(uint64_t load, uint64_t exp, uint64_t active)
{
	uint64_t newload = load * exp + active * (LOADAVG_FIXED_1 - exp);

	if (active >= load)
		newload += LOADAVG_FIXED_1 - 1;	/* round up while rising, so 0 -> n reaches n */
	return newload / LOADAVG_FIXED_1;
}

void loadavg_state_init(pid_t ref, struct loadavg_state *ret)
{
	*ret = (struct loadavg_state) { .total = 1, .last_pid = ref };
}

void loadavg_step(const struct loadavg_state *prev, const struct tasks_count *sample,
		  struct loadavg_state *ret_next)
{
	uint64_t running = sample->running < LOADAVG_RUNNING_MAX ? sample->running : LOADAVG_RUNNING_MAX;
	uint64_t active = running * LOADAVG_FIXED_1;
	struct loadavg_state next;

	for (int i = 0; i < 3; i++)
		next.avenrun[i] = loadavg_calc_load(prev->avenrun[i], loadavg_exp[i], active);
	next.running = sample->running;
	next.total = sample->total;
	next.last_pid = sample->last_pid;
	*ret_next = next;
}

/* fs/proc/loadavg.c: LOAD_INT(x) = x >> FSHIFT, LOAD_FRAC(x) = LOAD_INT((x & (FIXED_1-1)) * 100) */
static uint64_t load_int(uint64_t x)
{
	return x >> LOADAVG_FSHIFT;
}

static uint64_t load_frac(uint64_t x)
{
	return load_int((x & (LOADAVG_FIXED_1 - 1)) * 100);
}

int loadavg_render(const struct loadavg_state *s, struct strbuf *out)
{
	uint64_t a[3];

	for (int i = 0; i < 3; i++)
		a[i] = s->avenrun[i] + LOADAVG_FIXED_1 / 200;
	return strbuf_appendf(out,
			      "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64
			      " %" PRIu64 "/%" PRIu64 " %d\n",
			      load_int(a[0]), load_frac(a[0]), load_int(a[1]), load_frac(a[1]),
			      load_int(a[2]), load_frac(a[2]), s->running, s->total, (int) s->last_pid);
}
