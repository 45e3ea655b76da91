/* SPDX-License-Identifier: ISC */
/*
 * fuzz-conf.c: libFuzzer target for the pagerd.conf parser.  conf_load()
 * only reads a path, so each input is written to pagerd.conf in a
 * private temporary folder (relative key_file and the like resolve
 * there) and loaded from it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char *__lsan_default_suppressions(void);
FILE *__real_fopen(const char *, const char *);
FILE *__wrap_fopen(const char *, const char *);

static char fuzz_dir[] = "/tmp/pagerd-fuzz-conf.XXXXXX";
static char fuzz_path[sizeof fuzz_dir + sizeof "/pagerd.conf"];

/* libconfig 1.5 leaks a little on some syntax errors (tests/lsan.supp). */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

/*
 * Linked with -Wl,--wrap=fopen: the secret files a config names (key_file,
 * password_file, ...) are opened only if they are regular files, so an
 * input naming /dev/tty or a FIFO cannot block the fuzzer.
 */
FILE *
__wrap_fopen(const char *path, const char *mode)
{
	struct stat st;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		errno = EACCES;
		return NULL;
	}
	return __real_fopen(path, mode);
}

static void
fuzz_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	log_init(1, LOG_DAEMON); /* warnings to stderr, not syslog */
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(fuzz_path, sizeof fuzz_path, "%s/pagerd.conf", fuzz_dir);
	atexit(fuzz_cleanup);
	/* a config may name /dev/stdin as a secret file */
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c;
	char *cause = NULL;
	FILE *f;

	/* @include reads any file (/dev/zero for ever): not the parser's */
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	if ((f = fopen(fuzz_path, "w")) == NULL ||
	    fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror(fuzz_path);
		abort();
	}
	if ((c = conf_load(fuzz_path, &cause)) == NULL) {
		if (cause == NULL)
			abort(); /* a failure must say why */
		free(cause);
		return 0;
	}
	conf_key_find(c, "quickstart-integration-key");
	conf_free(c);
	return 0;
}
