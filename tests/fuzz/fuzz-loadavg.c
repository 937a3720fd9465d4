/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the load average store's saved text, restored after a live upgrade
 * (lxcfs/state/loadavg.c loadavg_store_restore()), and the proc/loadavg renderer over the
 * restored states. Round trip: restore, save, restore the saved text, save again: the entries
 * are the same (a restore pushes each entry at the head of its bucket, so the order within a
 * bucket flips with every restore; two restores give back the first save byte for byte). */
#include "fuzz.h"
#include "render/loadavg.h"
#include "state/loadavg.h"

static int sample_none(void *userdata, const char *key, const atomic_bool *cancel,
		       struct tasks_count *ret)
{
	return -ENOENT;
}

static void check_render(const struct loadavg_state *st)
{
	struct strbuf sb = STRBUF_INIT(FUZZ_OUTPUT_MAX);

	FUZZ_ASSERT(loadavg_render(st, &sb) == 0);
	fuzz_check_strbuf(&sb);
	FUZZ_ASSERT(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	FUZZ_ASSERT(strspn(sb.buf, "0123456789. /-\n") == sb.len);
	strbuf_done(&sb);
}

static int restore_save(const char *text, struct loadavg_store **ret_s, struct strbuf *out)
{
	struct loadavg_store *s = loadavg_store_new(sample_none, NULL);
	int r;

	if (!s)
		abort();
	r = loadavg_store_restore(s, text);
	FUZZ_ASSERT(r >= 0 || r == -EINVAL || r == -ENOMEM);
	FUZZ_ASSERT(loadavg_store_save(s, out) == 0);
	fuzz_check_strbuf(out);
	*ret_s = s;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf s1 = STRBUF_INIT(FUZZ_OUTPUT_MAX), s2 = STRBUF_INIT(FUZZ_OUTPUT_MAX),
		      s3 = STRBUF_INIT(FUZZ_OUTPUT_MAX);
	struct loadavg_store *a, *b, *c;
	char *text;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	r = restore_save(text, &a, &s1);
	FUZZ_ASSERT(r < 0 || loadavg_store_size(a) <= (size_t) r);
	FUZZ_ASSERT(restore_save(s1.buf ? s1.buf : "", &b, &s2) == (int) loadavg_store_size(a));
	FUZZ_ASSERT(loadavg_store_size(b) == loadavg_store_size(a));
	FUZZ_ASSERT(restore_save(s2.buf ? s2.buf : "", &c, &s3) == (int) loadavg_store_size(a));
	FUZZ_ASSERT(s1.len == s2.len && s1.len == s3.len);
	FUZZ_ASSERT(s1.len == 0 || memcmp(s1.buf, s3.buf, s1.len) == 0);

	/* render the state of the first restored key, if any: "loadavg ... KEYLEN KEY\n" */
	if (s1.len) {
		const char *p = s1.buf + strlen("loadavg ");
		char *end;
		size_t len;

		for (int i = 0; i < 7; i++) {
			len = strtoull(p, &end, 10);
			p = end + 1;
		}
		{
			char *key = strndup(p, len);
			struct loadavg_state st;

			if (!key)
				abort();
			FUZZ_ASSERT(loadavg_store_get(a, key, 1, &st) == 0);
			check_render(&st);
			free(key);
		}
	}
	loadavg_store_free(a);
	loadavg_store_free(b);
	loadavg_store_free(c);
	strbuf_done(&s1);
	strbuf_done(&s2);
	strbuf_done(&s3);
	free(text);
	return 0;
}
