/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the OCI hook's JSON parsers (hooks/oci/oci-state.c, json-glib): the runtime
 * state on stdin and the bundle's config.json root.path. */
#include "fuzz.h"
#include "oci-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_state st = {};
	char *text, *err = NULL, *path = NULL;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return 0;
	text = fuzz_text(data, size);
	r = oci_state_parse(text, size, &st, &err);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r == 0) {
		size_t n = 0;

		FUZZ_ASSERT(st.pid > 0 && st.id && st.id[0] && st.bundle && st.bundle[0] == '/');
		FUZZ_ASSERT(st.annotations);
		while (st.annotations[n])
			n++;
		FUZZ_ASSERT(n % 2 == 0);
		for (size_t i = 0; i < n; i += 2)
			FUZZ_ASSERT(oci_state_annotation(&st, st.annotations[i]));
		(void) oci_state_annotation(&st, "io.lxkit.lxcfs");
		FUZZ_ASSERT(!err);
	} else if (r == -EINVAL) {
		FUZZ_ASSERT(err && err[0]);
	}
	free(err);
	err = NULL;
	oci_state_done(&st);
	oci_state_done(&st);

	r = oci_config_root_path(text, size, &path, &err);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r == 0)
		FUZZ_ASSERT(path && path[0]);
	else if (r == -EINVAL)
		FUZZ_ASSERT(err && err[0]);
	free(path);
	free(err);
	free(text);
	return 0;
}
