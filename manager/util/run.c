/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "log.h"
#include "run.h"

int run_tool(const char *const *argv, char **ret_stdout, char **ret_err)
{
	g_autofree char *out = NULL, *err = NULL, *cmd = NULL;
	g_autoptr(GError) gerr = NULL;
	int status = 0;

	cmd = g_strjoinv(" ", (char **) argv);
	log_debug("Running %s", cmd);
	if (!g_spawn_sync(NULL, (char **) argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_CLOEXEC_PIPES, NULL, NULL,
			  &out, &err, &status, &gerr)) {
		if (ret_err)
			*ret_err = g_strdup_printf("cannot run '%s': %s", argv[0], gerr->message);
		return g_error_matches(gerr, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? -ENOENT : -EIO;
	}
	if (!g_spawn_check_wait_status(status, NULL)) {
		if (ret_err) {
			g_strstrip(err);
			for (char *p = err; *p; p++)
				if (*p == '\n')
					*p = ' ';
			*ret_err = g_strdup_printf("'%s' failed: %s", argv[0],
						   *err ? err : "(no output)");
		}
		return -EIO;
	}
	if (ret_stdout)
		*ret_stdout = g_steal_pointer(&out);
	return 0;
}

int run_tool_exists(const char *prog)
{
	g_autofree char *p = g_find_program_in_path(prog);

	return p != NULL;
}
