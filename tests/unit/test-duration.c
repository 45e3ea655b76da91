/* SPDX-License-Identifier: ISC */
/* test-duration.c: duration parsing and printing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

static int64_t
parse_ok(const char *s)
{
	char *cause = NULL;
	int64_t ms = -1;

	assert_int_equal(duration_parse(s, &ms, &cause), 0);
	assert_null(cause);
	return ms;
}

static void
parse_bad(const char *s, const char *want)
{
	char *cause = NULL;
	int64_t ms = 12345;

	assert_int_equal(duration_parse(s, &ms, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, want));
	assert_int_equal(ms, 12345);
	free(cause);
}

static void
test_units(void **state)
{
	assert_int_equal(parse_ok("500ms"), 500);
	assert_int_equal(parse_ok("30s"), 30000);
	assert_int_equal(parse_ok("5m"), 300000);
	assert_int_equal(parse_ok("4h"), 4 * 3600000);
	assert_int_equal(parse_ok("1d"), 86400000);
	assert_int_equal(parse_ok("1w"), 7 * 86400000LL);
	assert_int_equal(parse_ok("0s"), 0);
}

static void
test_compound(void **state)
{
	assert_int_equal(parse_ok("1h30m"), 5400000);
	assert_int_equal(parse_ok("1d12h"), 36 * 3600000LL);
	assert_int_equal(parse_ok("1m500ms"), 60500);
}

static void
test_errors(void **state)
{
	parse_bad("", "empty");
	parse_bad("5", "unit must be");
	parse_bad("5x", "unit must be");
	parse_bad("m5", "expected a number");
	parse_bad("-5m", "expected a number");
	parse_bad("5 m", "unit must be");
	parse_bad("5mm", "unit must be");
	parse_bad("1h30", "unit must be");
	parse_bad("99999999999999999999s", "too large");
	parse_bad("9223372036854775807w", "too large");
	/* A fraction: say that lengths are whole numbers, and what to
	 * write ("unit must be one of ..." was no help). */
	parse_bad("0.5d", "lengths are whole numbers: use a smaller unit"
	    " (\"12h\" for half a day");
	parse_bad("1,5h", "whole numbers");
}

static void
test_format(void **state)
{
	char buf[64];

	assert_string_equal(duration_format(0, buf, sizeof buf), "0s");
	assert_string_equal(duration_format(5400000, buf, sizeof buf),
	    "1h30m");
	assert_string_equal(duration_format(7 * 86400000LL + 1, buf,
	    sizeof buf), "1w1ms");
	assert_string_equal(duration_format(90061001, buf, sizeof buf),
	    "1d1h1m1s1ms");
	/* round trip */
	assert_int_equal(parse_ok(duration_format(123456789, buf,
	    sizeof buf)), 123456789);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_compound),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
