/* SPDX-License-Identifier: ISC */
/*
 * test-tz.c: time zone conversions against DST transitions written out
 * by hand (every one of 2026-2028 in Berlin, New York, Sydney and
 * Adelaide), a half-hour zone, the POSIX footer and hostile names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tz.h"

#define MIN (60 * INT64_C(1000))
#define HOUR (60 * MIN)

/* A UTC instant in ms, via timegm so the code under test is not used. */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000;
}

static struct tz *
load(const char *name)
{
	char *cause = NULL;
	struct tz *tz = tz_load(name, &cause);

	if (tz == NULL)
		fail_msg("%s: %s", name, cause);
	return tz;
}

/* Local wall-clock time of a UTC ms instant shifted by off seconds. */
static struct tz_local
wall(int64_t t, int off)
{
	struct tz_local lt;
	struct tm tm;
	time_t s = (time_t)(t / 1000) + off;

	gmtime_r(&s, &tm);
	memset(&lt, 0, sizeof lt);
	lt.year = tm.tm_year + 1900;
	lt.month = tm.tm_mon + 1;
	lt.day = tm.tm_mday;
	lt.hour = tm.tm_hour;
	lt.minute = tm.tm_min;
	return lt;
}

static const struct transition {
	const char *zone;
	int y, mo, d, h, mi; /* the UTC instant of the change */
	int before, after; /* offsets, seconds east */
} transitions[] = {
	/* EU: last Sunday of March and October, 01:00 UTC. */
	{ "Europe/Berlin", 2026, 3, 29, 1, 0, 3600, 7200 },
	{ "Europe/Berlin", 2026, 10, 25, 1, 0, 7200, 3600 },
	{ "Europe/Berlin", 2027, 3, 28, 1, 0, 3600, 7200 },
	{ "Europe/Berlin", 2027, 10, 31, 1, 0, 7200, 3600 },
	{ "Europe/Berlin", 2028, 3, 26, 1, 0, 3600, 7200 },
	{ "Europe/Berlin", 2028, 10, 29, 1, 0, 7200, 3600 },
	/* US: second Sunday of March, first of November, 02:00 local. */
	{ "America/New_York", 2026, 3, 8, 7, 0, -18000, -14400 },
	{ "America/New_York", 2026, 11, 1, 6, 0, -14400, -18000 },
	{ "America/New_York", 2027, 3, 14, 7, 0, -18000, -14400 },
	{ "America/New_York", 2027, 11, 7, 6, 0, -14400, -18000 },
	{ "America/New_York", 2028, 3, 12, 7, 0, -18000, -14400 },
	{ "America/New_York", 2028, 11, 5, 6, 0, -14400, -18000 },
	/* NSW: first Sunday of April 03:00, first of October 02:00. */
	{ "Australia/Sydney", 2026, 4, 4, 16, 0, 39600, 36000 },
	{ "Australia/Sydney", 2026, 10, 3, 16, 0, 36000, 39600 },
	{ "Australia/Sydney", 2027, 4, 3, 16, 0, 39600, 36000 },
	{ "Australia/Sydney", 2027, 10, 2, 16, 0, 36000, 39600 },
	{ "Australia/Sydney", 2028, 4, 1, 16, 0, 39600, 36000 },
	{ "Australia/Sydney", 2028, 9, 30, 16, 0, 36000, 39600 },
	/* South Australia: the same days, half-hour offsets. */
	{ "Australia/Adelaide", 2026, 4, 4, 16, 30, 37800, 34200 },
	{ "Australia/Adelaide", 2026, 10, 3, 16, 30, 34200, 37800 },
	{ "Australia/Adelaide", 2027, 4, 3, 16, 30, 37800, 34200 },
	{ "Australia/Adelaide", 2027, 10, 2, 16, 30, 34200, 37800 },
	{ "Australia/Adelaide", 2028, 4, 1, 16, 30, 37800, 34200 },
	{ "Australia/Adelaide", 2028, 9, 30, 16, 30, 34200, 37800 },
};

/* Offsets on both sides of every transition. */
static void
test_tz_offsets(void **state)
{
	const struct transition *x;
	struct tz *tz;
	int64_t t;
	size_t i;

	for (i = 0; i < sizeof transitions / sizeof transitions[0]; i++) {
		x = &transitions[i];
		tz = load(x->zone);
		t = utc(x->y, x->mo, x->d, x->h, x->mi);
		assert_int_equal(tz_offset_at(tz, t - 1), x->before);
		assert_int_equal(tz_offset_at(tz, t), x->after);
		assert_int_equal(tz_offset_at(tz, t + 30 * 24 * HOUR),
		    x->after);
		tz_free(tz);
	}
}

/*
 * Spring forward: every local time in the gap maps to the end of the gap.
 * Fall back: a repeated local time maps to its first occurrence.
 */
static void
test_tz_handoff_rules(void **state)
{
	const struct transition *x;
	struct tz_local lt;
	struct tz *tz;
	int64_t t, step;
	size_t i;

	for (i = 0; i < sizeof transitions / sizeof transitions[0]; i++) {
		x = &transitions[i];
		tz = load(x->zone);
		t = utc(x->y, x->mo, x->d, x->h, x->mi);
		step = (int64_t)(x->after - x->before) * 1000;
		if (step > 0) {
			/* Gap is local [t + before, t + after). */
			lt = wall(t, x->before);
			assert_int_equal(tz_from_local(tz, &lt), t);
			lt.minute += 30;
			assert_int_equal(tz_from_local(tz, &lt), t);
			lt.minute += 29;
			assert_int_equal(tz_from_local(tz, &lt), t);
			lt = wall(t - MIN, x->before);
			assert_int_equal(tz_from_local(tz, &lt), t - MIN);
			lt = wall(t, x->after);
			assert_int_equal(tz_from_local(tz, &lt), t);
		} else {
			/* Repeated local [t + after, t + before). */
			lt = wall(t, x->after);
			assert_int_equal(tz_from_local(tz, &lt), t + step);
			lt.minute += 30;
			assert_int_equal(tz_from_local(tz, &lt),
			    t + step + 30 * MIN);
			/* The end of the repeat happens once, after it. */
			lt = wall(t, x->before);
			assert_int_equal(tz_from_local(tz, &lt), t - step);
		}
		tz_free(tz);
	}
}

/* Spot checks written as plain wall-clock times. */
static void
test_tz_named_instants(void **state)
{
	struct tz *tz = load("Europe/Berlin");
	struct tz_local lt = { 2026, 3, 29, 2, 30, 0, 0, 0, 0, 0 };

	/* 02:30 does not exist: 03:00 CEST = 01:00 UTC. */
	assert_int_equal(tz_from_local(tz, &lt), utc(2026, 3, 29, 1, 0));
	/* 02:30 on 25 October happens twice: first at 00:30 UTC. */
	lt = (struct tz_local){ 2026, 10, 25, 2, 30, 0, 0, 0, 0, 0 };
	assert_int_equal(tz_from_local(tz, &lt), utc(2026, 10, 25, 0, 30));
	tz_to_local(tz, utc(2026, 10, 25, 1, 30), &lt);
	assert_int_equal(lt.hour, 2);
	assert_int_equal(lt.minute, 30);
	assert_int_equal(lt.offset, 3600);
	assert_int_equal(lt.isdst, 0);
	assert_int_equal(lt.wday, 0);
	tz_to_local(tz, utc(2026, 10, 25, 0, 30), &lt);
	assert_int_equal(lt.hour, 2);
	assert_int_equal(lt.isdst, 1);
	/* Fields carry over: 24:00 on 31 December is New Year. */
	lt = (struct tz_local){ 2026, 12, 31, 24, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(tz_from_local(tz, &lt), utc(2026, 12, 31, 23, 0));
	tz_free(tz);

	tz = load("America/New_York");
	lt = (struct tz_local){ 2026, 11, 1, 1, 30, 0, 0, 0, 0, 0 };
	assert_int_equal(tz_from_local(tz, &lt), utc(2026, 11, 1, 5, 30));
	lt = (struct tz_local){ 2026, 3, 8, 2, 30, 0, 0, 0, 0, 0 };
	assert_int_equal(tz_from_local(tz, &lt), utc(2026, 3, 8, 7, 0));
	tz_free(tz);

	tz = load("Australia/Sydney");
	lt = (struct tz_local){ 2026, 10, 4, 2, 30, 0, 0, 0, 0, 0 };
	assert_int_equal(tz_from_local(tz, &lt), utc(2026, 10, 3, 16, 0));
	lt = (struct tz_local){ 2026, 4, 5, 2, 30, 0, 0, 0, 0, 0 };
	assert_int_equal(tz_from_local(tz, &lt), utc(2026, 4, 4, 15, 30));
	tz_free(tz);
}

/* India: +05:30 all year. */
static void
test_tz_half_hour(void **state)
{
	struct tz *tz = load("Asia/Kolkata");
	struct tz_local lt = { 2027, 7, 1, 9, 0, 0, 0, 0, 0, 0 };

	assert_int_equal(tz_from_local(tz, &lt), utc(2027, 7, 1, 3, 30));
	assert_int_equal(tz_offset_at(tz, utc(2026, 1, 1, 0, 0)), 19800);
	assert_int_equal(tz_offset_at(tz, utc(2028, 7, 1, 0, 0)), 19800);
	tz_to_local(tz, utc(2026, 12, 31, 18, 29), &lt);
	assert_int_equal(lt.year, 2026);
	assert_int_equal(lt.day, 31);
	assert_int_equal(lt.hour, 23);
	assert_int_equal(lt.minute, 59);
	tz_to_local(tz, utc(2026, 12, 31, 18, 30), &lt);
	assert_int_equal(lt.year, 2027);
	assert_int_equal(lt.month, 1);
	assert_int_equal(lt.hour, 0);
	tz_free(tz);
}

/* Past the last transition in the file the POSIX footer rules. */
static void
test_tz_footer(void **state)
{
	struct tz *tz = load("Europe/Berlin");

	assert_int_equal(tz_offset_at(tz, utc(2100, 7, 1, 0, 0)), 7200);
	assert_int_equal(tz_offset_at(tz, utc(2100, 1, 1, 0, 0)), 3600);
	/* 2100-03-28 is the last Sunday of March. */
	assert_int_equal(tz_offset_at(tz, utc(2100, 3, 28, 0, 59)), 3600);
	assert_int_equal(tz_offset_at(tz, utc(2100, 3, 28, 1, 0)), 7200);
	tz_free(tz);
	/* Negative DST: Irish winter time is the "daylight" one. */
	tz = load("Europe/Dublin");
	assert_int_equal(tz_offset_at(tz, utc(2090, 1, 15, 12, 0)), 0);
	assert_int_equal(tz_offset_at(tz, utc(2090, 7, 15, 12, 0)), 3600);
	tz_free(tz);
}

static void
test_tz_bad_names(void **state)
{
	static const char *bad[] = { "../../etc/passwd", "/etc/localtime",
		"Europe/../../etc/shadow", "", "Nowhere/Zone", "Europe",
		"Europe/Berlin\n" };
	char *cause;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_null(tz_load(bad[i], &cause));
		assert_non_null(cause);
		assert_non_null(strstr(cause, "time zone"));
		free(cause);
	}
	assert_int_equal(tz_name_is_valid("America/Argentina/Buenos_Aires"),
	    1);
	assert_int_equal(tz_name_is_valid("Etc/GMT+5"), 1);
}

/* Truncated or corrupt zone data is refused, never read past. */
static void
test_tz_bad_data(void **state)
{
	unsigned char buf[64];
	char *cause = NULL;
	size_t i;

	memset(buf, 0, sizeof buf);
	memcpy(buf, "TZif2", 5);
	assert_null(tz_parse("x", buf, sizeof buf, &cause));
	free(cause);
	for (i = 20; i < 44; i++)
		buf[i] = 0xff;
	cause = NULL;
	assert_null(tz_parse("x", buf, sizeof buf, &cause));
	assert_non_null(strstr(cause, "bad zone file"));
	free(cause);
	cause = NULL;
	assert_null(tz_parse("x", (const unsigned char *)"TZ", 2, &cause));
	free(cause);
}

static void
test_tz_calendar(void **state)
{
	int y, m, d;

	assert_int_equal(tz_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(tz_days_from_civil(2026, 1, 5), 20458);
	tz_civil_from_days(20458, &y, &m, &d);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 1);
	assert_int_equal(d, 5);
	assert_int_equal(tz_weekday(20458), 1); /* a Monday */
	assert_int_equal(tz_days_in_month(2028, 2), 29);
	assert_int_equal(tz_days_in_month(2100, 2), 28);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tz_offsets),
		cmocka_unit_test(test_tz_handoff_rules),
		cmocka_unit_test(test_tz_named_instants),
		cmocka_unit_test(test_tz_half_hour),
		cmocka_unit_test(test_tz_footer),
		cmocka_unit_test(test_tz_bad_names),
		cmocka_unit_test(test_tz_bad_data),
		cmocka_unit_test(test_tz_calendar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
