/* SPDX-License-Identifier: ISC */
/* test-iso8601.c: ISO 8601 instants with offsets, and what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "iso8601.h"

static int64_t
ok(const char *s)
{
	char *cause = NULL;
	int64_t ms = -1;

	if (iso8601_parse(s, &ms, &cause) != 0)
		fail_msg("%s: %s", s, cause);
	assert_null(cause);
	return ms;
}

static void
bad(const char *s, const char *why)
{
	char *cause = NULL;
	int64_t ms = 42;

	if (iso8601_parse(s, &ms, &cause) == 0)
		fail_msg("\"%s\" was accepted (%s)", s, why);
	assert_non_null(cause);
	assert_int_equal(ms, 42); /* untouched on error */
	free(cause);
}

static void
test_utc(void **state)
{
	assert_int_equal(ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(ok("2026-03-29T01:30:00Z"), 1774747800000LL);
	assert_int_equal(ok("2026-03-29T01:30Z"), 1774747800000LL);
	assert_int_equal(ok("2026-03-29t01:30:00z"), 1774747800000LL);
	assert_int_equal(ok("2026-03-29 01:30:00Z"), 1774747800000LL);
	assert_int_equal(ok("2026-03-29T01:30:00.250Z"), 1774747800250LL);
	assert_int_equal(ok("2026-03-29T01:30:00.2Z"), 1774747800200LL);
	assert_int_equal(ok("2026-03-29T01:30:00,123456Z"), 1774747800123LL);
	/* A bare date is its midnight UTC. */
	assert_int_equal(ok("2026-03-29"), 1774742400000LL);
	/* Leap day. */
	assert_int_equal(ok("2028-02-29T00:00:00Z"), 1835395200000LL);
}

static void
test_offsets(void **state)
{
	int64_t t = ok("2026-03-29T01:30:00Z");

	assert_int_equal(ok("2026-03-29T03:30:00+02:00"), t);
	assert_int_equal(ok("2026-03-29T03:30+0200"), t);
	assert_int_equal(ok("2026-03-28T21:30:00-04:00"), t);
	assert_int_equal(ok("2026-03-29T07:00:00+05:30"), t);
	assert_int_equal(ok("2026-03-29T15:15:00+13:45"), t);
	assert_int_equal(ok("2026-03-29T01:30:00+00:00"), t);
	assert_int_equal(ok("2026-03-29T01:30:00-00:00"), t);
	/* An offset moves the date across midnight and the year. */
	assert_int_equal(ok("2027-01-01T00:30:00+01:00"),
	    ok("2026-12-31T23:30:00Z"));
}

static void
test_refused(void **state)
{
	bad("", "empty");
	bad("2026-03-29T01:30:00", "no offset");
	bad("2026-03-29T01:30", "no offset");
	bad("2026-02-29T00:00Z", "not a leap year");
	bad("2026-02-30", "no such date");
	bad("2026-13-01", "month 13");
	bad("2026-00-10", "month 0");
	bad("2026-04-31", "April 31");
	bad("2026-03-29T24:00Z", "hour 24");
	bad("2026-03-29T12:60Z", "minute 60");
	bad("2026-03-29T12:00:60Z", "second 60");
	bad("2026-03-29T12:00+24:00", "offset 24h");
	bad("2026-03-29T12:00+05:60", "offset minute 60");
	bad("2026-03-29T12:00+5:30", "short offset");
	bad("2026-3-29T12:00Z", "short month");
	bad("26-03-29T12:00Z", "short year");
	bad("2026-03-29T12Z", "no minutes");
	bad("2026-03-29T12:00:00.Z", "empty fraction");
	bad("2026-03-29T12:00ZZ", "trailing junk");
	bad("2026-03-29T12:00Z ", "trailing space");
	bad(" 2026-03-29T12:00Z", "leading space");
	bad("1969-12-31T23:00Z", "before 1970");
	bad("9999-01-01T00:00Z", "after 8999");
	bad("now", "words");
	bad("1774747800", "epoch seconds");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
