/* SPDX-License-Identifier: ISC */
/*
 * rota-span.c: the two kinds of time a rota file writes as text: a local
 * date and time ("2026-03-01 09:00") and a weekly window ("Mon-Fri
 * 09:00-17:00", "Fri 18:00-Mon 08:00").  Pure: no files, no clock.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rota.h"
#include "tz.h"
#include "xmalloc.h"

static const char *rota_day_names[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

/* Parse "YYYY-MM-DD HH:MM" (or with a T, or a date alone for 00:00). */
int
rota_local_parse(const char *s, struct tz_local *lt, char **cause)
{
	int n = -1, y, mo, d, h = 0, mi = 0;

	memset(lt, 0, sizeof *lt);
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 ||
	    !isdigit((unsigned char)s[0]) || s[4] != '-' || s[7] != '-' ||
	    !isdigit((unsigned char)s[5]) || !isdigit((unsigned char)s[8]))
		goto bad;
	if (s[10] != '\0') {
		if ((s[10] != ' ' && s[10] != 'T') || strlen(s) != 16 ||
		    !isdigit((unsigned char)s[11]) ||
		    !isdigit((unsigned char)s[12]) || s[13] != ':' ||
		    !isdigit((unsigned char)s[14]) ||
		    !isdigit((unsigned char)s[15]))
			goto bad;
		h = (s[11] - '0') * 10 + (s[12] - '0');
		mi = (s[14] - '0') * 10 + (s[15] - '0');
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > tz_days_in_month(y, mo) || h > 23 || mi > 59) {
		xasprintf(cause, "\"%s\" is not a valid date and time", s);
		return -1;
	}
	lt->year = y;
	lt->month = mo;
	lt->day = d;
	lt->hour = h;
	lt->minute = mi;
	return 0;
bad:
	xasprintf(cause, "bad date \"%s\": use \"YYYY-MM-DD HH:MM\"", s);
	return -1;
}

/* A weekday name or 3-letter abbreviation at *pp: 0 Sunday, -1 if none. */
static int
rota_day_parse(const char **pp)
{
	const char *p = *pp;
	size_t len = 0, i;

	while (isalpha((unsigned char)p[len]))
		len++;
	if (len < 3)
		return -1;
	for (i = 0; i < nitems(rota_day_names); i++) {
		if ((len == 3 || len == strlen(rota_day_names[i])) &&
		    strncasecmp(p, rota_day_names[i], len) == 0) {
			*pp = p + len;
			return (int)i;
		}
	}
	return -1;
}

/* "HH:MM" at *pp into minutes; 24:00 only if allow24. */
static int
rota_hhmm_parse(const char **pp, int allow24)
{
	const char *p = *pp;
	int h = 0, m, nd = 0;

	while (isdigit((unsigned char)*p) && nd < 3) {
		h = h * 10 + (*p++ - '0');
		nd++;
	}
	if (nd == 0 || nd > 2 || *p != ':' || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || isdigit((unsigned char)p[3]))
		return -1;
	m = (p[1] - '0') * 10 + (p[2] - '0');
	if (m > 59 || h > 24 || (h == 24 && (!allow24 || m != 0)))
		return -1;
	*pp = p + 3;
	return h * 60 + m;
}

/*
 * Parse a weekly window: "08:00-20:00" (every day), "Mon-Fri 09:00-17:00",
 * "Sat,Sun 20:00-08:00" (crossing midnight) or "Fri 18:00-Mon 08:00".
 */
int
rota_span_parse(const char *s, struct rota_span *sp, char **cause)
{
	const char *p = s;
	int d1, d2, single = -1, items = 0, endday, d;

	memset(sp, 0, sizeof *sp);
	while (*p == ' ')
		p++;
	if (isalpha((unsigned char)*p)) {
		for (;;) {
			if ((d1 = rota_day_parse(&p)) == -1)
				goto badday;
			items++;
			if (*p == '-') {
				p++;
				if ((d2 = rota_day_parse(&p)) == -1)
					goto badday;
				for (d = d1;; d = (d + 1) % 7) {
					sp->days |= 1 << d;
					if (d == d2)
						break;
				}
				items++;
			} else {
				sp->days |= 1 << d1;
				single = d1;
			}
			if (*p != ',')
				break;
			p++;
		}
		if (items != 1)
			single = -1;
		if (*p != ' ')
			goto bad;
		while (*p == ' ')
			p++;
	} else
		sp->days = 0x7f;
	if ((sp->start = rota_hhmm_parse(&p, 0)) == -1)
		goto badtime;
	while (*p == ' ')
		p++;
	if (*p++ != '-')
		goto bad;
	while (*p == ' ')
		p++;
	if (isalpha((unsigned char)*p)) {
		if ((endday = rota_day_parse(&p)) == -1)
			goto badday;
		if (single == -1) {
			xasprintf(cause, "bad window \"%s\": a window ending on"
			    " another day starts on one day, as in"
			    " \"Fri 18:00-Mon 08:00\"", s);
			return -1;
		}
		while (*p == ' ')
			p++;
		if ((sp->end = rota_hhmm_parse(&p, 1)) == -1)
			goto badtime;
		sp->ndays = (endday - single + 7) % 7;
		if (sp->ndays == 0 && sp->end <= sp->start)
			sp->ndays = 7;
		if (sp->ndays * 1440 + sp->end - sp->start >= 7 * 1440) {
			xasprintf(cause, "bad window \"%s\": a window must be"
			    " shorter than a week", s);
			return -1;
		}
	} else {
		if ((sp->end = rota_hhmm_parse(&p, 1)) == -1)
			goto badtime;
		if (sp->end == sp->start) {
			xasprintf(cause, "bad window \"%s\": it is empty", s);
			return -1;
		}
		sp->ndays = sp->end > sp->start ? 0 : 1;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		goto bad;
	return 0;
badday:
	xasprintf(cause, "bad window \"%s\": unknown day of the week", s);
	return -1;
badtime:
	xasprintf(cause, "bad window \"%s\": times are HH:MM from 00:00 to"
	    " 23:59 (24:00 as an end)", s);
	return -1;
bad:
	xasprintf(cause, "bad window \"%s\": use \"Mon-Fri 09:00-17:00\","
	    " \"20:00-08:00\" or \"Fri 18:00-Mon 08:00\"", s);
	return -1;
}
