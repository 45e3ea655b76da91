/* SPDX-License-Identifier: ISC */
/*
 * rota-ical.c: shifts as an RFC 5545 calendar, for one rota or for one
 * person across a set.  Times are UTC, events are transparent (they do
 * not block the calendar) and UIDs depend only on rota, person and start
 * so clients update events instead of duplicating them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "rota.h"
#include "tz.h"
#include "xmalloc.h"

#define ICAL_FOLD 75 /* octets per line, CRLF excluded */

struct ical_buf {
	char *s;
	size_t len;
	size_t size;
};

static void ical_line(struct ical_buf *, const char *, ...) printflike(2, 3);

static void
ical_put(struct ical_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		while (b->len + n + 1 > b->size)
			b->size = b->size == 0 ? 4096 : b->size * 2;
		b->s = xreallocarray(b->s, b->size, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/*
 * One content line, folded so no line is longer than 75 octets; a fold
 * never splits a UTF-8 sequence.
 */
static void
ical_line(struct ical_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *line;
	size_t len, off = 0, n, max = ICAL_FOLD;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		line = NULL;
	va_end(ap);
	if (line == NULL)
		return;
	len = strlen(line);
	while (len - off > max) {
		n = max;
		while (n > 1 && ((unsigned char)line[off + n] & 0xc0) == 0x80)
			n--;
		ical_put(b, line + off, n);
		ical_put(b, "\r\n ", 3);
		off += n;
		max = ICAL_FOLD - 1;
	}
	ical_put(b, line + off, len - off);
	ical_put(b, "\r\n", 2);
	free(line);
}

/* Escape TEXT values (RFC 5545 3.3.11); caller frees. */
static char *
ical_text(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *p = out;

	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			*p++ = '\\';
			*p++ = *s;
		} else if (*s == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			*p++ = *s;
	}
	*p = '\0';
	return out;
}

/* UTC DATE-TIME form: 20260105T080000Z. */
static char *
ical_time(int64_t t, char *buf, size_t len)
{
	int64_t days = t / 86400000 - (t % 86400000 < 0);
	int64_t secs = (t - days * 86400000) / 1000;
	int y, m, d;

	tz_civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04d%02d%02dT%02d%02d%02dZ", y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}

static void
ical_begin(struct ical_buf *b, const char *title)
{
	char *name = ical_text(title);

	ical_line(b, "BEGIN:VCALENDAR");
	ical_line(b, "VERSION:2.0");
	ical_line(b, "PRODID:-//pagerd//rota//EN");
	ical_line(b, "CALSCALE:GREGORIAN");
	ical_line(b, "METHOD:PUBLISH");
	ical_line(b, "X-WR-CALNAME:%s", name);
	free(name);
}

static void
ical_event(struct ical_buf *b, const struct rota *asked,
    const struct rota_shift *s, const struct people *pp, int64_t now)
{
	const struct person *p = people_find(pp, s->person);
	char start[32], end[32], stamp[32], *who, *why, *rname, *summary;
	char whybuf[ROTA_WHY_LEN];

	ical_time(s->start, start, sizeof start);
	ical_time(s->end, end, sizeof end);
	ical_time(now, stamp, sizeof stamp);
	ical_line(b, "BEGIN:VEVENT");
	if (s->backup)
		ical_line(b, "UID:%s-%s-%s-%s@pagerd", asked->name,
		    s->rota->name, s->person, start);
	else
		ical_line(b, "UID:%s-%s-%s@pagerd", asked->name, s->person,
		    start);
	ical_line(b, "DTSTAMP:%s", stamp);
	ical_line(b, "DTSTART:%s", start);
	ical_line(b, "DTEND:%s", end);
	xasprintf(&summary, "On call: %s (%s)", p != NULL ? p->name :
	    s->person, asked->name);
	who = ical_text(summary);
	why = ical_text(rota_shift_why(s, whybuf, sizeof whybuf));
	rname = ical_text(asked->name);
	ical_line(b, "SUMMARY:%s", who);
	ical_line(b, "DESCRIPTION:%s", why);
	ical_line(b, "CATEGORIES:%s", rname);
	ical_line(b, "TRANSP:TRANSPARENT");
	ical_line(b, "END:VEVENT");
	free(summary);
	free(who);
	free(why);
	free(rname);
}

/*
 * The calendar of r's shifts overlapping [from, to), backup shifts
 * included; now is the DTSTAMP.  people (may be NULL) gives names.
 * Returns text with CRLF line ends; caller frees.
 */
char *
rota_ical(const struct rota *r, const struct people *pp, int64_t from,
    int64_t to, int64_t now)
{
	struct ical_buf b = { NULL, 0, 0 };
	struct rota_shifts sh = { NULL, 0, 0 };
	char *title;
	size_t i;

	xasprintf(&title, "On call: %s", r->name);
	ical_begin(&b, title);
	free(title);
	rota_schedule(r, from, to, NULL, &sh);
	for (i = 0; i < sh.n; i++)
		ical_event(&b, r, &sh.list[i], pp, now);
	ical_line(&b, "END:VCALENDAR");
	rota_shifts_free(&sh);
	return b.s;
}

static int
ical_cmp_start(const void *a, const void *b)
{
	const struct rota_shift *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * One person's shifts in every rota of the set, without backup duty
 * (that shows in the backup rota itself).  Caller frees.
 */
char *
rota_ical_person(const struct rota_set *set, const struct people *pp,
    const char *person, int64_t from, int64_t to, int64_t now)
{
	struct ical_buf b = { NULL, 0, 0 };
	struct rota_shifts sh = { NULL, 0, 0 };
	const struct person *p = people_find(pp, person);
	char *title;
	size_t i, j;

	xasprintf(&title, "On call: %s", p != NULL ? p->name : person);
	ical_begin(&b, title);
	free(title);
	for (i = 0; i < set->n; i++)
		rota_schedule(set->list[i], from, to, person, &sh);
	for (i = j = 0; i < sh.n; i++) {
		if (!sh.list[i].backup)
			sh.list[j++] = sh.list[i];
	}
	sh.n = j;
	if (sh.n > 1)
		qsort(sh.list, sh.n, sizeof *sh.list, ical_cmp_start);
	for (i = 0; i < sh.n; i++)
		ical_event(&b, sh.list[i].rota, &sh.list[i], pp, now);
	ical_line(&b, "END:VCALENDAR");
	rota_shifts_free(&sh);
	return b.s;
}
