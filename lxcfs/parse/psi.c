/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for PSI text: pressure files, triggers, CapEff. No I/O. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

#include "parse-util.h"
#include "psi.h"

static const char *const psi_line_names[PSI_LINE_MAX] = {
	[PSI_SOME] = "some",
	[PSI_FULL] = "full",
};

/* Decimal digits at *@p up to the byte @end (which must follow them); advances *@p past @end
 * (or to the terminating NUL when @end is 0). At most UINT32_MAX, as the kernel's %u. */
static int take_u32(const char **p, char end, uint32_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char) *s))
		return -EINVAL;
	for (; isdigit((unsigned char) *s); s++) {
		v = v * 10 + (uint64_t) (*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	if (*s != end)
		return -EINVAL;
	*p = end ? s + 1 : s;
	*ret = (uint32_t) v;
	return 0;
}

int psi_trigger_parse(const char *buf, size_t size, bool privileged, struct psi_trigger *ret)
{
	char text[PSI_TRIGGER_WRITE_MAX + 1];
	uint32_t threshold, window;
	const char *nul, *p = NULL;
	enum psi_line line = PSI_LINE_INVALID;
	size_t n;

	if (!buf || size == 0 || size > PSI_TRIGGER_WRITE_MAX)
		return -EINVAL;
	/* the kernel reads up to the first NUL; monitors commonly write strlen() + 1 bytes */
	nul = memchr(buf, 0, size);
	n = nul ? (size_t) (nul - buf) : size;
	if (n > 0 && buf[n - 1] == '\n')
		n--;	/* echo(1) */
	memcpy(text, buf, n);
	text[n] = 0;

	for (enum psi_line l = 0; l < PSI_LINE_MAX; l++) {
		const char *rest = startswith(text, psi_line_names[l]);

		if (rest && *rest == ' ') {
			line = l;
			p = rest + 1;
			break;
		}
	}
	if (line == PSI_LINE_INVALID)
		return -EINVAL;
	if (take_u32(&p, ' ', &threshold) < 0 || take_u32(&p, 0, &window) < 0)
		return -EINVAL;
	if (window < PSI_WINDOW_MIN_US || window > PSI_WINDOW_MAX_US)
		return -EINVAL;
	if (!privileged && window % PSI_WINDOW_UNPRIV_STEP_US != 0)
		return -EINVAL;
	if (threshold == 0 || threshold > window)
		return -EINVAL;
	*ret = (struct psi_trigger) { .line = line, .threshold_us = threshold, .window_us = window };
	return 0;
}

int psi_trigger_format(const struct psi_trigger *t, char *buf, size_t size)
{
	int n;

	if (t->line < 0 || t->line >= PSI_LINE_MAX)
		return -EINVAL;
	n = snprintf(buf, size, "%s %" PRIu32 " %" PRIu32, psi_line_names[t->line], t->threshold_us,
		     t->window_us);
	if (n < 0 || (size_t) n >= size)
		return -ENOBUFS;
	return n + 1;	/* with the NUL */
}

/* "12.34" (any number of integer digits, exactly two decimals) -> 1234 */
static int parse_centi(const char *s, size_t n, uint64_t *ret)
{
	const char *dot = memchr(s, '.', n);
	uint64_t v = 0;

	if (!dot || dot == s || (size_t) (s + n - dot) != 3)
		return -EBADMSG;
	for (const char *p = s; p < s + n; p++) {
		if (p == dot)
			continue;
		if (!isdigit((unsigned char) *p) || v > (UINT64_MAX - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t) (*p - '0');
	}
	*ret = v;
	return 0;
}

static int parse_u64_n(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0)
		return -EBADMSG;
	for (const char *p = s; p < s + n; p++) {
		unsigned d = (unsigned) (*p - '0');

		if (!isdigit((unsigned char) *p) || v > (UINT64_MAX - d) / 10)
			return -EBADMSG;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

enum {
	PSI_KEY_AVG10,
	PSI_KEY_AVG60,
	PSI_KEY_AVG300,
	PSI_KEY_TOTAL,
	PSI_KEY_MAX,
};

static const char *const psi_key_names[PSI_KEY_MAX] = {
	[PSI_KEY_AVG10] = "avg10",
	[PSI_KEY_AVG60] = "avg60",
	[PSI_KEY_AVG300] = "avg300",
	[PSI_KEY_TOTAL] = "total",
};

/* The fields of one line after its name: "avg10=0.00 avg60=0.00 avg300=0.00 total=0". */
static int parse_fields(const char *s, const char *end, struct psi_values *ret)
{
	struct psi_values v = {};
	unsigned seen = 0;

	while (s < end) {
		const char *sp = memchr(s, ' ', (size_t) (end - s));
		const char *tok_end = sp ? sp : end;
		const char *eq = memchr(s, '=', (size_t) (tok_end - s));
		size_t klen;
		int key = -1, r;

		if (!eq || eq == s)
			return -EBADMSG;	/* also catches an empty token (two spaces) */
		klen = (size_t) (eq - s);
		for (int k = 0; k < PSI_KEY_MAX; k++)
			if (strlen(psi_key_names[k]) == klen && memcmp(s, psi_key_names[k], klen) == 0)
				key = k;
		if (key >= 0) {
			const char *val = eq + 1;
			size_t vlen = (size_t) (tok_end - val);

			if (seen & (1u << key))
				return -EBADMSG;
			seen |= 1u << key;
			switch (key) {
			case PSI_KEY_AVG10: r = parse_centi(val, vlen, &v.avg10); break;
			case PSI_KEY_AVG60: r = parse_centi(val, vlen, &v.avg60); break;
			case PSI_KEY_AVG300: r = parse_centi(val, vlen, &v.avg300); break;
			default: r = parse_u64_n(val, vlen, &v.total_us); break;
			}
			if (r < 0)
				return r;
		}
		/* unknown keys: newer kernels may add fields */
		if (!sp)
			break;
		s = sp + 1;
		if (s == end)
			return -EBADMSG;	/* trailing space */
	}
	if (seen != (1u << PSI_KEY_MAX) - 1)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int psi_file_parse(const char *text, struct psi_file *ret)
{
	struct psi_file f = {};
	const char *l;

	for (l = text; isspace((unsigned char) *l); l++)
		;
	if (!*l)
		return -ENODATA;
	for (l = text; l && *l; l = next_line(l)) {
		const char *end = strchrnul(l, '\n');
		const char *sp = memchr(l, ' ', (size_t) (end - l));
		int line = -1, r;

		if (end == l)
			continue;	/* empty line */
		if (!sp)
			return -EBADMSG;
		for (int i = 0; i < PSI_LINE_MAX; i++)
			if (strlen(psi_line_names[i]) == (size_t) (sp - l) &&
			    memcmp(l, psi_line_names[i], (size_t) (sp - l)) == 0)
				line = i;
		if (line < 0)
			continue;	/* a line a newer kernel might add */
		if (f.present & (1u << line))
			return -EBADMSG;
		r = parse_fields(sp + 1, end, &f.line[line]);
		if (r < 0)
			return r;
		f.present |= 1u << line;
	}
	if (!(f.present & (1u << PSI_SOME)))
		return -EBADMSG;
	*ret = f;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int psi_status_privileged(const char *status, bool *ret_privileged)
{
	for (const char *l = status; l && *l; l = next_line(l)) {
		const char *p = startswith(l, "CapEff:");
		uint64_t caps = 0;
		int digits = 0, d;

		if (!p)
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		for (; (d = hex_digit(*p)) >= 0; p++) {
			if (++digits > 16)
				return -EBADMSG;
			caps = caps << 4 | (uint64_t) d;
		}
		if (digits == 0 || (*p && *p != '\n'))
			return -EBADMSG;
		*ret_privileged = caps & (UINT64_C(1) << CAP_SYS_RESOURCE);
		return 0;
	}
	return -ENOENT;
}
