/* SPDX-License-Identifier: ISC */
/*
 * jsonw.c: compact JSON written directly, byte for byte as jansson's
 * json_dumps(JSON_COMPACT) writes it: strings with ", \ and the control
 * characters escaped (\b \f \n \r \t, else \u00XX, upper-case hex), the
 * rest, valid UTF-8, as it is.  A string that is not valid UTF-8 is
 * refused (jansson would not hold it either), so that the caller can
 * do what its jansson code did then.  Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "xmalloc.h"

/* Room for n more bytes and a NUL. */
static void
jsonw_room(struct jsonw *w, size_t n)
{
	size_t cap;

	if (w->len + n + 1 <= w->cap)
		return;
	cap = w->cap > 0 ? w->cap : 128;
	while (cap < w->len + n + 1)
		cap *= 2;
	w->p = xreallocarray(w->p, cap, 1);
	w->cap = cap;
}

/* Empty again, the buffer kept for the next. */
void
jsonw_reset(struct jsonw *w)
{
	w->len = 0;
	if (w->p != NULL)
		w->p[0] = '\0';
}

void
jsonw_free(struct jsonw *w)
{
	free(w->p);
	memset(w, 0, sizeof *w);
}

/* n bytes of s as they are. */
void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	jsonw_room(w, n);
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

/*
 * The length of the UTF-8 sequence at p (1 to 4) if it is valid and
 * shortest (no surrogate, nothing past U+10FFFF), else 0.
 */
static size_t
jsonw_utf8(const unsigned char *p)
{
	unsigned long cp;
	size_t n, i;

	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 2;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 3;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		n = 4;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string, quoted (null if s is NULL).  0, or -1 if s is not
 * valid UTF-8: then nothing is written.
 */
int
jsonw_str(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n;
	char *o;

	if (s == NULL) {
		jsonw_raw(w, "null", 4);
		return 0;
	}
	jsonw_room(w, 6 * strlen(s) + 2);
	o = w->p + w->len;
	*o++ = '"';
	for (p = (const unsigned char *)s; *p != '\0'; ) {
		if (*p >= 0x80) {
			if ((n = jsonw_utf8(p)) == 0) {
				w->p[w->len] = '\0';
				return -1;
			}
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (*p >= 0x20 && *p != '"' && *p != '\\') {
			*o++ = (char)*p++;
			continue;
		}
		*o++ = '\\';
		switch (*p) {
		case '"':
		case '\\':
			*o++ = (char)*p;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
			break;
		}
		p++;
	}
	*o++ = '"';
	*o = '\0';
	w->len = o - w->p;
	return 0;
}

/* An integer, as jansson writes one. */
void
jsonw_int(struct jsonw *w, long long v)
{
	char num[24], *p = num + sizeof num;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jsonw_raw(w, p, num + sizeof num - p);
}

/*
 * A member's key (a plain one: nothing in it to escape) and its colon,
 * after a comma unless it is the first.
 */
void
jsonw_key(struct jsonw *w, const char *key, int first)
{
	size_t n = strlen(key);

	jsonw_room(w, n + 4);
	if (!first)
		w->p[w->len++] = ',';
	w->p[w->len++] = '"';
	memcpy(w->p + w->len, key, n);
	w->len += n;
	w->p[w->len++] = '"';
	w->p[w->len++] = ':';
	w->p[w->len] = '\0';
}
