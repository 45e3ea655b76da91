/* SPDX-License-Identifier: ISC */
/*
 * iso8601.c: parse an instant such as "2026-03-29T01:30:00Z",
 * "2026-03-29T03:30+02:00" or "2026-03-29T01:30:00.250-0400".  The
 * offset is required: a local time without one is ambiguous, and the
 * API does not guess.  A bare date "2026-03-29" means its 00:00 UTC.
 * Every field is range-checked (no 2026-02-30, no 24:00, no 60th
 * second), so a typo is an error rather than a silently shifted time.
 */
#include <stdio.h>
#include <string.h>

#include "iso8601.h"
#include "tz.h"
#include "xmalloc.h"

#define ISO8601_MIN_YEAR 1970
#define ISO8601_MAX_YEAR 8999

/* Read exactly n digits at *pp into *v; advance *pp. */
static int
iso8601_digits(const char **pp, int n, int *v)
{
	const char *p = *pp;
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	return 0;
}

/*
 * Parse s into *ms (UTC milliseconds).  Returns 0, or -1 with *cause
 * (caller frees) saying what is wrong.
 */
int
iso8601_parse(const char *s, int64_t *ms, char **cause)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, oh = 0, om = 0;
	int sign = 1, ndig;
	int64_t t;

	if (s == NULL || *s == '\0') {
		xasprintf(cause, "empty time");
		return -1;
	}
	if (iso8601_digits(&p, 4, &y) != 0 || *p++ != '-' ||
	    iso8601_digits(&p, 2, &mo) != 0 || *p++ != '-' ||
	    iso8601_digits(&p, 2, &d) != 0)
		goto syntax;
	if (y < ISO8601_MIN_YEAR || y > ISO8601_MAX_YEAR) {
		xasprintf(cause, "year %d is outside %d-%d", y,
		    ISO8601_MIN_YEAR, ISO8601_MAX_YEAR);
		return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > tz_days_in_month(y, mo)) {
		xasprintf(cause, "no such date: %.10s", s);
		return -1;
	}
	if (*p == '\0')
		goto done;
	if (*p != 'T' && *p != 't' && *p != ' ')
		goto syntax;
	p++;
	if (iso8601_digits(&p, 2, &h) != 0 || *p++ != ':' ||
	    iso8601_digits(&p, 2, &mi) != 0)
		goto syntax;
	if (*p == ':') {
		p++;
		if (iso8601_digits(&p, 2, &sec) != 0)
			goto syntax;
		if (*p == '.' || *p == ',') {
			p++;
			/* Milliseconds; further digits are dropped. */
			for (ndig = 0; *p >= '0' && *p <= '9'; p++, ndig++) {
				if (ndig < 3)
					frac = frac * 10 + (*p - '0');
			}
			if (ndig == 0)
				goto syntax;
			for (; ndig < 3; ndig++)
				frac *= 10;
		}
	}
	if (h > 23 || mi > 59 || sec > 59) {
		xasprintf(cause, "no such time of day in \"%s\"", s);
		return -1;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (iso8601_digits(&p, 2, &oh) != 0)
			goto syntax;
		if (*p == ':')
			p++;
		if (iso8601_digits(&p, 2, &om) != 0)
			goto syntax;
		if (oh > 23 || om > 59) {
			xasprintf(cause, "bad offset in \"%s\"", s);
			return -1;
		}
	} else if (*p == '\0') {
		xasprintf(cause, "\"%s\" has no offset: add Z for UTC or"
		    " +hh:mm", s);
		return -1;
	} else
		goto syntax;
	if (*p != '\0')
		goto syntax;
done:
	t = tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*ms = t * 1000 + frac;
	return 0;
syntax:
	xasprintf(cause, "\"%.64s\" is not an ISO 8601 time such as"
	    " 2026-03-29T09:00:00Z or 2026-03-29T11:00+02:00", s);
	return -1;
}
