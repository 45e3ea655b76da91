/* SPDX-License-Identifier: ISC */
/*
 * policy.c: lookups on escalation policies and the business-hours
 * clock.  Pure: time comes in as an argument.
 */
#include <stdint.h>
#include <string.h>

#include "policy.h"
#include "tz.h"

/* How many days bizhours_add() looks ahead before it gives up. */
#define BIZHOURS_HORIZON 3700

static const char *sla_clock_names[SLA_NCLOCKS] = {
	[SLA_RESPONSE] = "response",
	[SLA_FIRST_RESPONSE] = "first_response",
	[SLA_RESOLUTION] = "resolution",
};

const char *
sla_clock_name(enum sla_clock c)
{
	return (unsigned)c < SLA_NCLOCKS ? sla_clock_names[c] : "unknown";
}

/*
 * The policy for service: the first that lists it, else the one named
 * "default", else the first one.  NULL only if there are none.
 */
const struct policy *
policy_for_service(const struct policy *p, size_t n, const char *service)
{
	const struct policy *def = NULL;
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < p[i].nservices; j++)
			if (strcmp(p[i].services[j], service) == 0)
				return &p[i];
		if (def == NULL && strcmp(p[i].name, "default") == 0)
			def = &p[i];
	}
	if (def == NULL && n > 0)
		def = &p[0];
	return def;
}

static int
bizhours_holiday(const struct bizhours *b, int64_t day)
{
	size_t lo = 0, hi = b->nholidays, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (b->holidays[mid] == day)
			return 1;
		if (b->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The UTC instant of minute min (0..1440) of local day number day. */
static int64_t
bizhours_instant(const struct bizhours *b, int64_t day, int min)
{
	struct tz_local l;

	memset(&l, 0, sizeof l);
	if (min >= 1440) {
		day++;
		min -= 1440;
	}
	tz_civil_from_days(day, &l.year, &l.month, &l.day);
	l.hour = min / 60;
	l.minute = min % 60;
	return tz_from_local(b->tz, &l);
}

/* The window [*open, *close) of local day number day; 0 if closed. */
static int
bizhours_window(const struct bizhours *b, int64_t day, int64_t *open,
    int64_t *close)
{
	if ((b->days & (1u << tz_weekday(day))) == 0 ||
	    bizhours_holiday(b, day))
		return 0;
	*open = bizhours_instant(b, day, b->open_min);
	*close = bizhours_instant(b, day, b->close_min);
	return *open < *close;
}

/*
 * The instant at which dur of business time has passed since start.
 * Without a calendar that is start + dur.  Outside business hours the
 * clock stands still: an alert raised on Friday night with 1h to go is
 * due at 10:00 on Monday if the week opens at 09:00.
 */
int64_t
bizhours_add(const struct bizhours *b, int64_t start, int64_t dur)
{
	struct tz_local l;
	int64_t day, open, close, s, remaining = dur;
	int i;

	if (b == NULL)
		return start + dur;
	tz_to_local(b->tz, start, &l);
	day = tz_days_from_civil(l.year, l.month, l.day);
	for (i = 0; i < BIZHOURS_HORIZON; i++, day++) {
		if (!bizhours_window(b, day, &open, &close))
			continue;
		s = start > open ? start : open;
		if (s >= close)
			continue;
		if (remaining <= close - s)
			return s + remaining;
		remaining -= close - s;
	}
	return INT64_MAX; /* no business hours for ten years */
}

/* 1 if t falls inside business hours (always, without a calendar). */
int
bizhours_is_open(const struct bizhours *b, int64_t t)
{
	struct tz_local l;
	int64_t day, open, close;

	if (b == NULL)
		return 1;
	tz_to_local(b->tz, t, &l);
	day = tz_days_from_civil(l.year, l.month, l.day);
	/* a window may start on the previous local day only if it crosses
	 * midnight, which configuration forbids, so one day is enough */
	return bizhours_window(b, day, &open, &close) && t >= open &&
	    t < close;
}
