/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main() for a fuzz target built without libFuzzer: replays every file of each directory
 * given (in name order) and every file given, through LLVMFuzzerTestOneInput(). A crash or a
 * failed invariant aborts the process, so `meson test --suite fuzz` fails on it.
 * Usage: fuzz-TARGET [DIR|FILE]... */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "re");
	uint8_t *data = NULL;
	size_t size = 0, alloc = 0;

	if (!f) {
		fprintf(stderr, "Failed to open '%s': %m\n", path);
		return -errno;
	}
	for (;;) {
		size_t n;

		if (alloc - size < 4096) {
			uint8_t *p;

			alloc = alloc ? alloc * 2 : 8192;
			p = realloc(data, alloc);
			if (!p) {
				free(data);
				fclose(f);
				return -ENOMEM;
			}
			data = p;
		}
		n = fread(data + size, 1, alloc - size, f);
		size += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "Failed to read '%s'\n", path);
		free(data);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	/* a private copy of exactly @size bytes, so ASan sees reads past the input */
	{
		uint8_t *exact = malloc(size ? size : 1);

		if (!exact) {
			free(data);
			return -ENOMEM;
		}
		if (size)
			memcpy(exact, data, size);
		free(data);
		LLVMFuzzerTestOneInput(exact, size);
		free(exact);
	}
	return 0;
}

static int filter_regular(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(int argc, char *argv[])
{
	unsigned n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "Failed to stat '%s': %m\n", argv[i]);
			return EXIT_FAILURE;
		}
		if (S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int m = scandir(argv[i], &names, filter_regular, alphasort);

			if (m < 0) {
				fprintf(stderr, "Failed to list '%s': %m\n", argv[i]);
				return EXIT_FAILURE;
			}
			for (int j = 0; j < m; j++) {
				char *path;

				if (asprintf(&path, "%s/%s", argv[i], names[j]->d_name) < 0)
					return EXIT_FAILURE;
				if (replay_file(path) < 0)
					return EXIT_FAILURE;
				free(path);
				free(names[j]);
				n++;
			}
			free(names);
		} else {
			if (replay_file(argv[i]) < 0)
				return EXIT_FAILURE;
			n++;
		}
	}
	printf("%s: replayed %u inputs\n", argv[0], n);
	return EXIT_SUCCESS;
}
