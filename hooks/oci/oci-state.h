/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsers for the two JSON documents an OCI hook sees: the runtime state on stdin and the
 * bundle's config.json. Pure: they take text, never a path or a stream. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct oci_state {
	pid_t pid;		/* > 0: the container's init process, in the runtime's pid namespace */
	char *id;		/* container id, non-empty */
	char *bundle;		/* absolute path of the bundle directory */
	char **annotations;	/* NULL-terminated "key", "value", "key", "value", ...; never NULL */
};

/* Parses the OCI runtime state (runtime-spec "State": ociVersion, id, status, pid, bundle,
 * annotations) in @text (@len bytes, NUL-terminated). Unknown fields are ignored.
 * On success fills *ret_state (release with oci_state_done()) and returns 0. On failure returns
 * -EINVAL (not JSON, not an object, a field missing or of the wrong type) or -ENOMEM, leaves
 * *ret_state untouched and, for -EINVAL, stores a one-line reason in *ret_error (caller frees;
 * it names the field, e.g. "field 'pid' is missing"). Not thread-safe only in the sense that
 * glib's type system is set up on first use. */
int oci_state_parse(const char *text, size_t len, struct oci_state *ret_state, char **ret_error);

/* Frees what oci_state_parse() allocated; safe on a zeroed struct and twice in a row. */
void oci_state_done(struct oci_state *state);

/* The value of annotation @key in @state, or NULL when it is absent. Borrowed pointer. */
const char *oci_state_annotation(const struct oci_state *state, const char *key);

/* Parses the bundle's config.json in @text (@len bytes) and returns its "root.path" in
 * *ret_path (caller frees; relative paths are returned as written, relative to the bundle).
 * Returns 0, -EINVAL with a reason in *ret_error (caller frees) when the text is not JSON or
 * root.path is missing, empty or not a string, or -ENOMEM. Outputs untouched on error. */
int oci_config_root_path(const char *text, size_t len, char **ret_path, char **ret_error);
