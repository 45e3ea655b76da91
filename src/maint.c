/* SPDX-License-Identifier: ISC */
/*
 * maint.c: the occurrences of a recurring maintenance window.  Each end
 * is a local wall time on a local date, turned into an instant by the
 * window's zone, so "Sunday 02:00-04:00 Europe/London" is 02:00 to
 * 04:00 on the clocks of London whether the day is in GMT or BST, and
 * lasts two hours on the days the clocks change too (the change is at
 * 01:00 UTC, before it).  A time in a gap is taken as the gap's end, a
 * time that occurs twice as its first occurrence (tz_from_local()).
 */
#include <stdlib.h>
#include <string.h>

#include "maint.h"
#include "tz.h"
#include "xmalloc.h"

/* The instant of minute min after local midnight of day (since 1970). */
static int64_t
maint_at(const struct maint_window *w, int64_t day, int min)
{
	struct tz_local lt;

	memset(&lt, 0, sizeof lt);
	tz_civil_from_days(day, &lt.year, &lt.month, &lt.day);
	lt.hour = min / 60;
	lt.minute = min % 60;
	return tz_from_local(w->tz, &lt);
}

/*
 * The occurrence of w in force at t, else the next one: into *start
 * and *end ([start, end)).  0, or -1 if w has no day.
 */
int
maint_occurrence(const struct maint_window *w, int64_t t, int64_t *start,
    int64_t *end)
{
	struct tz_local lt;
	int64_t today, day, s, e;

	if ((w->days & 0x7f) == 0)
		return -1;
	tz_to_local(w->tz, t, &lt);
	today = tz_days_from_civil(lt.year, lt.month, lt.day);
	/* from yesterday: an occurrence that started then may still run */
	for (day = today - 1; day <= today + 8; day++) {
		if (!(w->days & (1u << tz_weekday(day))))
			continue;
		s = maint_at(w, day, w->start_min);
		e = maint_at(w, w->end_min <= w->start_min ? day + 1 : day,
		    w->end_min);
		if (e <= s || e <= t)
			continue;
		*start = s;
		*end = e;
		return 0;
	}
	return -1;
}

void
maint_window_clear(struct maint_window *w)
{
	free(w->name);
	tz_free(w->tz);
	silence_clear(&w->s);
	memset(w, 0, sizeof *w);
}
