/* SPDX-License-Identifier: ISC */
/*
 * outbox-later.c: the later rules of a page, kept as text on one of its
 * rows until they fall due.  A page writes rows at once only for its
 * first rule(s); what a later rule (SMS after a minute, a call after
 * three) would send is a line of the list, one per rule:
 *
 *	STEP AFTER_MS CHANNEL<TAB>ADDRESS<LF>
 *
 * (CHANNEL and ADDRESS with %, TAB and LF written %25, %09 and %0A),
 * AFTER_MS counted from when the page was written.  The outbox turns the
 * lines that fell due into rows, and the list shrinks; most pages of a
 * storm are acknowledged (the list dropped) before their later rules
 * fall due, and their rows were never written.  Pure.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "xmalloc.h"

/* Append s to *buf (of *len bytes), escaped. */
static void
outbox_later_put(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s), i, o = *len;

	*buf = xreallocarray(*buf, o + 3 * n + 1, 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '%' || s[i] == '\t' || s[i] == '\n') {
			(*buf)[o++] = '%';
			(*buf)[o++] = "0123456789ABCDEF"[(unsigned char)s[i] >> 4];
			(*buf)[o++] = "0123456789ABCDEF"[s[i] & 0xf];
		} else
			(*buf)[o++] = s[i];
	}
	(*buf)[o] = '\0';
	*len = o;
}

/* s[0..n) unescaped, a new string; NULL if malformed. */
static char *
outbox_later_get(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, o = 0;
	unsigned int c;

	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]) ||
		    sscanf(s + i + 1, "%2X", &c) != 1) {
			free(out);
			return NULL;
		}
		out[o++] = (char)c;
		i += 2;
	}
	out[o] = '\0';
	return out;
}

/*
 * Append a rule to list (NULL: an empty one): step, after_ms from the
 * page, channel and address.  Returns the new list (list is consumed).
 */
char *
outbox_later_add(char *list, int step, int64_t after_ms, const char *channel,
    const char *address)
{
	char head[64], *h = head + sizeof head;
	size_t len = list != NULL ? strlen(list) : 0, hlen;
	uint64_t u;

	/* "STEP AFTER_MS ", without printf: a rule is added to every page */
	*--h = ' ';
	u = after_ms < 0 ? 0 - (uint64_t)after_ms : (uint64_t)after_ms;
	do {
		*--h = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (after_ms < 0)
		*--h = '-';
	*--h = ' ';
	u = step < 0 ? 0 - (uint64_t)step : (uint64_t)step;
	do {
		*--h = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (step < 0)
		*--h = '-';
	hlen = head + sizeof head - h;
	list = xreallocarray(list, len + hlen + 1, 1);
	memcpy(list + len, h, hlen);
	len += hlen;
	list[len] = '\0';
	outbox_later_put(&list, &len, channel);
	list = xreallocarray(list, len + 2, 1);
	list[len++] = '\t';
	list[len] = '\0';
	outbox_later_put(&list, &len, address);
	list = xreallocarray(list, len + 2, 1);
	list[len++] = '\n';
	list[len] = '\0';
	return list;
}

/* The earliest after_ms of list, or -1 if it is empty or malformed. */
int64_t
outbox_later_first(const char *list)
{
	struct outbox_later *v;
	size_t n, i;
	int64_t first = -1;

	if (outbox_later_parse(list, &v, &n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (first == -1 || v[i].after_ms < first)
			first = v[i].after_ms;
	outbox_later_free(v, n);
	return first;
}

/*
 * The rules of list, in its order, in a new array *out of *n (free with
 * outbox_later_free).  -1 if it is malformed (then nothing).
 */
int
outbox_later_parse(const char *list, struct outbox_later **out, size_t *n)
{
	struct outbox_later *v = NULL, *r;
	const char *p = list, *eol, *tab, *sp;
	size_t nv = 0;
	char *end;
	long long step, after;

	*out = NULL;
	*n = 0;
	while (p != NULL && *p != '\0') {
		if ((eol = strchr(p, '\n')) == NULL)
			goto bad;
		step = strtoll(p, &end, 10);
		if (end == p || *end != ' ' || step < 0 || step > 1000)
			goto bad;
		sp = end + 1;
		after = strtoll(sp, &end, 10);
		if (end == sp || *end != ' ' || after < 0)
			goto bad;
		sp = end + 1;
		if ((tab = memchr(sp, '\t', eol - sp)) == NULL)
			goto bad;
		v = xreallocarray(v, nv + 1, sizeof *v);
		r = &v[nv];
		r->step = (int)step;
		r->after_ms = after;
		r->channel = outbox_later_get(sp, tab - sp);
		r->address = outbox_later_get(tab + 1, eol - tab - 1);
		nv++;
		if (r->channel == NULL || r->address == NULL)
			goto bad;
		p = eol + 1;
	}
	*out = v;
	*n = nv;
	return 0;
bad:
	outbox_later_free(v, nv);
	return -1;
}

void
outbox_later_free(struct outbox_later *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].channel);
		free(v[i].address);
	}
	free(v);
}

/*
 * Split list (written at instant created) at instant now: the rules due
 * (created + after_ms <= now; all of them if all) in a new array *due
 * of *ndue, and what is left in *rest (a new list, NULL if nothing is)
 * with the instant its first rule falls due in *next (0 if none).
 * -1 if list is malformed (then nothing).
 */
int
outbox_later_take(const char *list, int64_t created, int64_t now, int all,
    struct outbox_later **due, size_t *ndue, char **rest, int64_t *next)
{
	struct outbox_later *v;
	size_t n, i, k = 0;

	*due = NULL;
	*ndue = 0;
	*rest = NULL;
	*next = 0;
	if (outbox_later_parse(list, &v, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (all || created + v[i].after_ms <= now) {
			v[k++] = v[i];
			continue;
		}
		*rest = outbox_later_add(*rest, v[i].step, v[i].after_ms,
		    v[i].channel, v[i].address);
		if (*next == 0 || created + v[i].after_ms < *next)
			*next = created + v[i].after_ms;
		free(v[i].channel);
		free(v[i].address);
	}
	if (k == 0) {
		free(v);
		v = NULL;
	}
	*due = v;
	*ndue = k;
	return 0;
}
