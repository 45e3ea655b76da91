/* SPDX-License-Identifier: ISC */
/*
 * replay.c: a main() for the fuzz targets when they are not built with
 * libFuzzer.  It runs LLVMFuzzerTestOneInput once on each file named,
 * and on each file of each folder named, so make check can replay the
 * corpus and past crashers with any compiler.  usage: fuzz-X path ...
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static int replay_path(const char *);

static size_t replay_count;

/* Read all of path and hand it to the target, in a buffer of its size. */
static int
replay_file(const char *path)
{
	uint8_t *buf = NULL, *p;
	size_t len = 0, size = 0, n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == size) {
			size = size == 0 ? 4096 : size * 2;
			if ((p = realloc(buf, size)) == NULL) {
				fprintf(stderr, "replay: out of memory\n");
				exit(1);
			}
			buf = p;
		}
		if ((n = fread(buf + len, 1, size - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);

	/* an exact copy, so ASan sees any read past the end of the input */
	if ((p = malloc(len == 0 ? 1 : len)) == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(1);
	}
	memcpy(p, buf, len);
	free(buf);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(p, len);
	free(p);
	replay_count++;
	return 0;
}

/* Every regular file in a folder, in name order; dot files are skipped. */
static int
replay_dir(const char *path)
{
	struct dirent **names;
	char *sub;
	int i, n, rc = 0;

	if ((n = scandir(path, &names, NULL, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (asprintf(&sub, "%s/%s", path,
			    names[i]->d_name) == -1) {
				fprintf(stderr, "replay: out of memory\n");
				exit(1);
			}
			if (replay_path(sub) != 0)
				rc = -1;
			free(sub);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);
	return replay_file(path);
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file-or-folder ...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (replay_path(argv[i]) != 0)
			rc = 1;
	}
	fprintf(stderr, "replay: %zu inputs run%s\n", replay_count,
	    rc != 0 ? ", but some paths could not be read" : "");
	return rc;
}
