/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for pid lists and the per-thread state letter used by proc/loadavg. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tasks.h"

int tasks_parse_pid(const char *s, size_t len, pid_t *ret_pid)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)	/* INT32_MAX has 10 digits */
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t) (s[i] - '0');
	}
	if (v == 0 || v > INT32_MAX)
		return -EINVAL;
	*ret_pid = (pid_t) v;
	return 0;
}

int tasks_next_pid(const char **pos, pid_t *ret_pid)
{
	const char *p = *pos;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t) (nl - p) : strlen(p);
		pid_t pid;

		if (len == 0) {
			if (!nl)
				return 0;
			p = nl + 1;	/* empty line */
			continue;
		}
		if (tasks_parse_pid(p, len, &pid) < 0)
			return -EBADMSG;
		*pos = nl ? nl + 1 : p + len;
		*ret_pid = pid;
		return 1;
	}
}

int tasks_stat_state(const char *text, char *ret_state)
{
	const char *p = strrchr(text, ')');

	/* "PID (COMM) S ...": the state is one letter between two spaces (or at the end) */
	if (!p || p[1] != ' ')
		return -EBADMSG;
	p += 2;
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) ||
	    (p[1] != ' ' && p[1] != '\n' && p[1] != 0))
		return -EBADMSG;
	*ret_state = *p;
	return 0;
}

bool tasks_state_is_active(char state)
{
	return state == 'R' || state == 'D';
}

int tasks_count_add(struct tasks_count *c, pid_t tid, const char *stat_text)
{
	char state;
	int r;

	r = tasks_stat_state(stat_text, &state);
	if (r < 0)
		return r;
	c->total++;
	if (tasks_state_is_active(state))
		c->running++;
	if (tid > c->last_pid)
		c->last_pid = tid;
	return 0;
}
