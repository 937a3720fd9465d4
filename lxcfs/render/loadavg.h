/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure load average of one container: the kernel's fixed-point exponential averages
 * (kernel/sched/loadavg.c, include/linux/sched/loadavg.h) stepped once per sample, and the
 * /proc/loadavg line (fs/proc/loadavg.c). lxcfs-behaviour.md 4.8. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"
#include "tasks.h"

#define LOADAVG_FSHIFT 11				/* bits of precision */
#define LOADAVG_FIXED_1 (UINT64_C(1) << LOADAVG_FSHIFT)	/* 1.0 in fixed point */
#define LOADAVG_EXP_1 UINT64_C(1884)			/* 2048 / exp(5 s / 1 min) */
#define LOADAVG_EXP_5 UINT64_C(2014)			/* 2048 / exp(5 s / 5 min) */
#define LOADAVG_EXP_15 UINT64_C(2037)			/* 2048 / exp(5 s / 15 min) */
#define LOADAVG_RUNNING_MAX (UINT64_C(1) << 32)	/* active tasks beyond this are clamped */

/* One container's view: what proc/loadavg shows. */
struct loadavg_state {
	uint64_t avenrun[3];	/* 1, 5 and 15 minute averages, fixed point (LOADAVG_FIXED_1 = 1.0) */
	uint64_t running;	/* R/D threads in the last sample */
	uint64_t total;		/* threads in the last sample */
	pid_t last_pid;		/* highest thread id in the last sample (host numbering) */
};

/* The kernel's calc_load(): one decay step of fixed-point average @load towards @active (both
 * fixed point) with factor @exp (of LOADAVG_FIXED_1), rounding up while the load rises:
 * (load * exp + active * (FIXED_1 - exp) + (active >= load ? FIXED_1 - 1 : 0)) / FIXED_1.
 * @load and @active must be below 2^43 (they are when running <= LOADAVG_RUNNING_MAX). */
uint64_t loadavg_calc_load(uint64_t load, uint64_t exp, uint64_t active);

/* The state of a key read for the first time: averages 0, 0 running of 1 task, last pid @ref
 * (the reader's reference process), i.e. "0.00 0.00 0.00 0/1 <ref>". */
void loadavg_state_init(pid_t ref, struct loadavg_state *ret);

/* One 5 s step (the period the decay factors assume): every average decays towards @sample->running (clamped to
 * LOADAVG_RUNNING_MAX), and the counts become the sample's. @ret_next may alias @prev. */
void loadavg_step(const struct loadavg_state *prev, const struct tasks_count *sample,
		  struct loadavg_state *ret_next);

/* Appends "A.AA B.BB C.CC running/total last_pid\n" to @out: each average printed as the
 * kernel's LOAD_INT/LOAD_FRAC of (avenrun + FIXED_1/200), i.e. rounded to two decimals.
 * Returns 0 or a strbuf error (-ENOMEM, -EFBIG). */
int loadavg_render(const struct loadavg_state *s, struct strbuf *out);
