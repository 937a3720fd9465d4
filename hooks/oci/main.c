/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcfs-oci-hook: an OCI runtime hook (prestart) that binds lxkit's lxcfs views into a container.
 * Reads the OCI state from stdin, the rootfs from the bundle's config.json, then hands over to
 * oci_bind_views(). See hooks/oci/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bind.h"
#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "oci-state.h"
#include "parse-util.h"

/* the state and config.json are small; Kubernetes caps all annotations at 256 KiB */
#define OCI_JSON_MAX (16u << 20)
/* annotation that turns the hook off for one container (values in annotation_off[]) */
#define OCI_ANNOTATION "io.lxkit.lxcfs"

static const char *arg_lxcfs_dir;
static bool arg_verbose;

static void help(void)
{
	printf("Usage: %s [--lxcfs DIR] [-v]\n"
	       "\n"
	       "OCI runtime hook (prestart): reads the container state JSON on stdin and binds the\n"
	       "lxcfs views (proc files, CPU sysfs directory) into the container's mount namespace.\n"
	       "\n"
	       "Options:\n"
	       "  --lxcfs DIR    lxcfs mountpoint (default: $LXCFS_MOUNT, else %s)\n"
	       "  -v, --verbose  log every bind on stderr\n"
	       "  -h, --help     this text\n"
	       "  --version      print the version\n"
	       "\n"
	       "The annotation %s=false (or 0, no, off) skips the container.\n",
	       program_invocation_short_name, LXCFS_DEFAULT_MOUNTPOINT, OCI_ANNOTATION);
}

static int parse_argv(int argc, char *argv[])
{
	enum { ARG_LXCFS = 0x100, ARG_VERSION };
	static const struct option options[] = {
		{ "lxcfs",   required_argument, NULL, ARG_LXCFS },
		{ "verbose", no_argument,       NULL, 'v' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, ARG_VERSION },
		{}
	};
	const char *env;
	int c;

	while ((c = getopt_long(argc, argv, "vh", options, NULL)) >= 0) {
		switch (c) {
		case ARG_LXCFS:
			arg_lxcfs_dir = optarg;
			break;
		case 'v':
			arg_verbose = true;
			break;
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("%s %s\n", program_invocation_short_name, PACKAGE_VERSION);
			return 0;
		default:
			return -EINVAL;	/* getopt printed why */
		}
	}
	if (optind < argc) {
		log_error("Unexpected argument '%s' (the state is read from stdin)", argv[optind]);
		return -EINVAL;
	}
	if (!arg_lxcfs_dir) {
		env = getenv("LXCFS_MOUNT");
		arg_lxcfs_dir = env && *env ? env : LXCFS_DEFAULT_MOUNTPOINT;
	}
	if (arg_lxcfs_dir[0] != '/') {
		log_error("The lxcfs mountpoint '%s' is not an absolute path", arg_lxcfs_dir);
		return -EINVAL;
	}
	return 1;
}

static bool annotation_off(const char *v)
{
	static const char *const off[] = { "false", "0", "no", "off" };

	for (size_t i = 0; i < ELEMENTSOF(off); i++)
		if (strcasecmp(v, off[i]) == 0)
			return true;
	return false;
}

/* The rootfs from @bundle/config.json, made absolute. Logs its errors. */
static int bundle_rootfs(const char *bundle, char **ret)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL, *path = NULL, *error = NULL, *abs = NULL;
	size_t len;
	int r;

	fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "Cannot open the bundle '%s': %m", bundle);
	/* the bundle comes from the runtime, not from the container: plain open */
	r = read_full_at(fd, "config.json", OCI_JSON_MAX, &text, &len);
	if (r < 0)
		return log_error_errno(r, "Cannot read '%s/config.json': %m", bundle);
	r = oci_config_root_path(text, len, &path, &error);
	if (r == -EINVAL)
		return log_error_errno(r, "Invalid '%s/config.json': %s", bundle, error);
	if (r < 0)
		return log_error_errno(r, "Cannot parse '%s/config.json': %m", bundle);
	if (path[0] == '/') {
		*ret = TAKE_PTR(path);
		return 0;
	}
	if (asprintf(&abs, "%s/%s", bundle, path) < 0)
		return log_error_errno(-ENOMEM, "Out of memory");
	*ret = TAKE_PTR(abs);
	return 0;
}

int main(int argc, char *argv[])
{
	_cleanup_(oci_state_done) struct oci_state state = {};
	_cleanup_free_ char *text = NULL, *error = NULL, *rootfs = NULL;
	const char *ann;
	size_t len;
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	r = read_full_fd(STDIN_FILENO, OCI_JSON_MAX, &text, &len);
	if (r == -EBADMSG) {
		log_error("Invalid OCI state on stdin: it contains a NUL byte");
		return EXIT_FAILURE;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot read the OCI state from stdin: %m");
		return EXIT_FAILURE;
	}
	r = oci_state_parse(text, len, &state, &error);
	if (r == -EINVAL) {
		log_error("Invalid OCI state on stdin: %s", error);
		return EXIT_FAILURE;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot parse the OCI state: %m");
		return EXIT_FAILURE;
	}

	ann = oci_state_annotation(&state, OCI_ANNOTATION);
	if (ann && annotation_off(ann)) {
		log_debug("Container '%s' has %s=%s, nothing to do", state.id, OCI_ANNOTATION, ann);
		return EXIT_SUCCESS;
	}

	r = bundle_rootfs(state.bundle, &rootfs);
	if (r < 0)
		return EXIT_FAILURE;

	r = oci_bind_views(&(struct oci_bind_opts) {
		.lxcfs_dir = arg_lxcfs_dir,
		.rootfs = rootfs,
		.pid = state.pid,
		.verbose = arg_verbose,
	});
	if (r < 0) {
		log_error("Container '%s' (pid %d): lxcfs views not bound", state.id, state.pid);
		return EXIT_FAILURE;
	}
	if (arg_verbose)
		log_info("Container '%s' (pid %d): %d lxcfs views bound", state.id, state.pid, r);
	return EXIT_SUCCESS;
}
