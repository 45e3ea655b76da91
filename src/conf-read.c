/* SPDX-License-Identifier: ISC */
/*
 * conf-read.c: what every file of the configuration module reads values
 * with: problems collected as "file:line: message" lines, paths made
 * absolute, secret files, and the typed setters that read one setting
 * as a boolean, an integer, a string or a duration and check its bounds.
 * It calls nothing in the other conf*.c files; they all call it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf-private.h"
#include "duration.h"
#include "log.h"
#include "xmalloc.h"

#define CONF_KEY_FILE_MAX 4096

/* Add one "file:line: message" problem to e. */
void
conf_error(struct conf_errors *e, const char *file, int line, const char *fmt,
    ...)
{
	char *msg, *l;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	n = xasprintf(&l, "%s:%d: %s\n", file, line, msg);
	e->buf = xreallocarray(e->buf, e->len + n + 1, 1);
	memcpy(e->buf + e->len, l, n + 1);
	e->len += n;
	e->n++;
	free(l);
	free(msg);
}

const char *
conf_file(const config_setting_t *s, const char *path)
{
	const char *f = config_setting_source_file(s);

	return f != NULL ? f : path;
}

int
conf_line(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

/* Make p absolute against dir, unless it is already. */
char *
conf_abspath(const char *dir, const char *p)
{
	char *out;

	if (*p == '/')
		return xstrdup(p);
	xasprintf(&out, "%s/%s", dir, p);
	return out;
}

/*
 * Read a secret: the first line of the file at path, at least min and
 * at most CONF_KEY_FILE_MAX characters, into *out (caller frees, and
 * should explicit_bzero) and *len.  what names it in messages ("key",
 * "calendar secret").  Never logs the secret.  A file that group or
 * others may read or write is refused: a secret that leaked to every
 * local account is no secret, and a warning in a log nobody reads
 * would not stop that.
 */
int
conf_read_secret(const char *path, const char *what, size_t min, char **out,
    size_t *len, char **cause)
{
	char buf[CONF_KEY_FILE_MAX + 2];
	struct stat st;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		xasprintf(cause, "%s: %s file is open to group or others"
		    " (mode %04o): chmod 600 it", path, what,
		    (unsigned)(st.st_mode & 07777));
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) > CONF_KEY_FILE_MAX)
		xasprintf(cause, "%s: %s is longer than %d characters", path,
		    what, CONF_KEY_FILE_MAX);
	else if (strlen(buf) < min && min <= 1)
		xasprintf(cause, "%s: %s is empty", path, what);
	else if (strlen(buf) < min)
		xasprintf(cause, "%s: %s is shorter than %zu characters", path,
		    what, min);
	else {
		*out = xstrdup(buf);
		*len = strlen(buf);
		explicit_bzero(buf, sizeof buf);
		return 0;
	}
	explicit_bzero(buf, sizeof buf);
	return -1;
}

/* Reject members of group g not in the NULL-terminated list known. */
void
conf_read_known(struct conf_ctx *x, const config_setting_t *g,
    const char *what, const char **known)
{
	const config_setting_t *s;
	int i, j;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		for (j = 0; known[j] != NULL; j++)
			if (strcmp(config_setting_name(s), known[j]) == 0)
				break;
		if (known[j] == NULL)
			CERR(x, s, "unknown key \"%s\" in %s",
			    config_setting_name(s), what);
	}
}

/* An optional duration member of g into *out; 0 if absent. */
int
conf_read_member_duration(struct conf_ctx *x, const config_setting_t *g,
    const char *name, int64_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char *cause;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		CERR(x, s, "%s must be a duration such as \"5m\"", name);
		return -1;
	}
	if (duration_parse(config_setting_get_string(s), out, &cause) != 0) {
		CERR(x, s, "%s: %s", name, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Setting s as a boolean into *out; -1 (and a problem) if it is not one. */
int
conf_read_bool(const struct conf_where *w, const config_setting_t *s,
    int *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_error(w->e, w->file, w->line, "%s must be true or false",
		    w->what);
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 0;
}

/*
 * Setting s as an integer from min to max into *out.  A 64-bit integer
 * (libconfig's "5L", or one too large for an int) is taken only if wide.
 */
int
conf_read_int(const struct conf_where *w, const config_setting_t *s,
    int wide, int64_t min, int64_t max, int64_t *out)
{
	int64_t v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    (!wide || config_setting_type(s) != CONFIG_TYPE_INT64)) {
		conf_error(w->e, w->file, w->line, "%s must be an integer",
		    w->what);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		conf_error(w->e, w->file, w->line,
		    "%s must be between %lld and %lld", w->what,
		    (long long)min, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Setting s as a string (lent by libconfig), or NULL and a problem. */
const char *
conf_read_string(const struct conf_where *w, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_error(w->e, w->file, w->line, "%s must be a string",
		    w->what);
		return NULL;
	}
	return config_setting_get_string(s);
}

/* The duration str ("30s") from min to max into *out, or -1. */
int
conf_read_duration(const struct conf_where *w, const char *str, int64_t min,
    int64_t max, int64_t *out)
{
	char lo[32], hi[32], *cause;
	int64_t v;

	if (duration_parse(str, &v, &cause) != 0) {
		conf_error(w->e, w->file, w->line, "%s: %s", w->what, cause);
		free(cause);
		return -1;
	}
	if (v < min || v > max) {
		conf_error(w->e, w->file, w->line,
		    "%s must be between %s and %s", w->what,
		    duration_format(min, lo, sizeof lo),
		    duration_format(max, hi, sizeof hi));
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * str as one of the n words of list into *out (its value), or -1 and
 * a problem that names them: "tls must be starttls, implicit or none".
 */
int
conf_read_word(const struct conf_where *w, const char *str,
    const struct conf_word *list, size_t n, int *out)
{
	char *all, *next;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(str, list[i].word) == 0) {
			*out = list[i].value;
			return 0;
		}
	}
	all = xstrdup(list[0].word);
	for (i = 1; i < n; i++) {
		xasprintf(&next, "%s%s%s", all, i + 1 < n ? ", " : " or ",
		    list[i].word);
		free(all);
		all = next;
	}
	conf_error(w->e, w->file, w->line, "%s must be %s", w->what, all);
	free(all);
	return -1;
}
