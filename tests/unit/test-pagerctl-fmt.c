/* SPDX-License-Identifier: ISC */
/*
 * test-pagerctl-fmt.c: pagerctl's formatting helpers: durations, local
 * times, percentages, cleaning of control characters, UTF-8 widths and
 * tables cut to a width.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pagerctl-fmt.h"

static void
test_duration(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(pagerctl_fmt_duration(0, buf, sizeof buf), "0s");
	assert_string_equal(pagerctl_fmt_duration(499, buf, sizeof buf), "0s");
	assert_string_equal(pagerctl_fmt_duration(500, buf, sizeof buf), "1s");
	assert_string_equal(pagerctl_fmt_duration(59499, buf, sizeof buf),
	    "59s");
	assert_string_equal(pagerctl_fmt_duration(59500, buf, sizeof buf),
	    "1m00s");
	assert_string_equal(pagerctl_fmt_duration(725000, buf, sizeof buf),
	    "12m05s");
	assert_string_equal(pagerctl_fmt_duration(3599000, buf, sizeof buf),
	    "59m59s");
	assert_string_equal(pagerctl_fmt_duration(3600000, buf, sizeof buf),
	    "1h00m");
	/* seconds under an hour's unit are dropped, not rounded */
	assert_string_equal(pagerctl_fmt_duration(11159000, buf, sizeof buf),
	    "3h05m");
	assert_string_equal(pagerctl_fmt_duration(86399000, buf, sizeof buf),
	    "23h59m");
	assert_string_equal(pagerctl_fmt_duration(86400000, buf, sizeof buf),
	    "1d00h");
	assert_string_equal(pagerctl_fmt_duration(183600000, buf, sizeof buf),
	    "2d03h");
	assert_string_equal(pagerctl_fmt_duration(-90000, buf, sizeof buf),
	    "-1m30s");
	assert_string_equal(pagerctl_fmt_duration(INT64_MIN, buf, sizeof buf),
	    "-106751991167d07h");
	/* a short buffer is cut, never overrun */
	assert_string_equal(pagerctl_fmt_duration(725000, buf, 4), "12m");
}

static void
test_time(void **state)
{
	char buf[PAGERCTL_FMT_TIME_LEN];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(pagerctl_fmt_time(1798761600000, buf, sizeof buf),
	    "2027-01-01 00:00:00");
	assert_string_equal(pagerctl_fmt_time(0, buf, sizeof buf), "-");
	/* local time: India is 5:30 ahead, with no daylight saving */
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	assert_string_equal(pagerctl_fmt_time(1798761600999, buf, sizeof buf),
	    "2027-01-01 05:30:00");
	/* Berlin on the night summer time starts: 01:59:59 then 03:00:00 */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_string_equal(pagerctl_fmt_time(1774745999000, buf, sizeof buf),
	    "2026-03-29 01:59:59");
	assert_string_equal(pagerctl_fmt_time(1774746000000, buf, sizeof buf),
	    "2026-03-29 03:00:00");
}

static void
test_percent(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(pagerctl_fmt_percent(0, buf, sizeof buf), "0.0%");
	assert_string_equal(pagerctl_fmt_percent(1, buf, sizeof buf),
	    "100.0%");
	assert_string_equal(pagerctl_fmt_percent(0.975, buf, sizeof buf),
	    "97.5%");
	assert_string_equal(pagerctl_fmt_percent(2.0 / 3, buf, sizeof buf),
	    "66.7%");
}

static void
test_clean_width(void **state)
{
	char *s;

	(void)state;
	s = pagerctl_fmt_clean("a\tb\nc\r\x1b[31mred\x7f");
	assert_string_equal(s, "a b c ?[31mred?");
	free(s);
	/* C1 controls in UTF-8 (U+009B is a CSI) go; other text stays */
	s = pagerctl_fmt_clean("x\xc2\x9b" "2J \xc3\xa9t\xc3\xa9 \xe2\x82\xac");
	assert_string_equal(s, "x?2J \xc3\xa9t\xc3\xa9 \xe2\x82\xac");
	free(s);
	assert_int_equal(pagerctl_fmt_width(""), 0);
	assert_int_equal(pagerctl_fmt_width("abc"), 3);
	assert_int_equal(pagerctl_fmt_width("\xc3\xa9t\xc3\xa9"), 3);
	/* display width: an emoji, CJK and full-width forms take two
	 * columns, a combining accent none */
	assert_int_equal(pagerctl_fmt_width("\xe2\x82\xac\xf0\x9f\x94\xa5"), 3);
	assert_int_equal(pagerctl_fmt_width("\xe5\xb1\xb1\xe7\x94\xb0"), 4);
	assert_int_equal(pagerctl_fmt_width("Zoe\xcc\x88"), 3);
}

/*
 * Columns line up with names that are not ASCII: printf's "%-10s"
 * counts bytes, so "Zoë" and "山田" shifted the columns after them.
 */
static void
test_pad(void **state)
{
	char *s;

	(void)state;
	s = pagerctl_fmt_pad("ann", 6);
	assert_string_equal(s, "ann   ");
	free(s);
	s = pagerctl_fmt_pad("Zo\xc3\xab", 6);
	assert_string_equal(s, "Zo\xc3\xab   ");
	assert_int_equal(pagerctl_fmt_width(s), 6);
	free(s);
	s = pagerctl_fmt_pad("\xe5\xb1\xb1\xe7\x94\xb0", 6);
	assert_string_equal(s, "\xe5\xb1\xb1\xe7\x94\xb0  ");
	free(s);
	s = pagerctl_fmt_pad("longer than six", 6);
	assert_string_equal(s, "longer than six");
	free(s);
	/* a cut counts columns and never splits a wide character */
	s = pagerctl_fmt_truncate("\xe5\xb1\xb1\xe7\x94\xb0\xe5\xb1\xb1\xe7"
	    "\x94\xb0", 5);
	assert_string_equal(s, "\xe5\xb1\xb1...");
	free(s);
	s = pagerctl_fmt_truncate("\xe5\xb1\xb1\xe7\x94\xb0\xe5\xb1\xb1\xe7"
	    "\x94\xb0", 3);
	assert_string_equal(s, "\xe5\xb1\xb1");
	free(s);
}

static void
test_truncate(void **state)
{
	char *s;

	(void)state;
	s = pagerctl_fmt_truncate("disk full", 9);
	assert_string_equal(s, "disk full");
	free(s);
	s = pagerctl_fmt_truncate("disk full", 8);
	assert_string_equal(s, "disk ...");
	free(s);
	s = pagerctl_fmt_truncate("disk full", 3);
	assert_string_equal(s, "dis");
	free(s);
	s = pagerctl_fmt_truncate("disk full", 0);
	assert_string_equal(s, "");
	free(s);
	/* a cut never splits a UTF-8 character */
	s = pagerctl_fmt_truncate("\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9", 6);
	assert_string_equal(s, "\xc3\xa9t\xc3\xa9...");
	free(s);
}

static void
test_table(void **state)
{
	struct pagerctl_table *t;
	char *s;

	(void)state;
	t = pagerctl_table_new(4, "rllr", "ID", "PRI", "SUMMARY", "N");
	pagerctl_table_add(t, "7", "P1", "db down", "12");
	pagerctl_table_add(t, "123", NULL, "caf\xc3\xa9 menu\tbroken", "1");
	assert_int_equal(pagerctl_table_rows(t), 2);
	s = pagerctl_table_render(t, 0);
	assert_string_equal(s,
	    " ID  PRI  SUMMARY            N\n"
	    "  7  P1   db down           12\n"
	    "123  -    caf\xc3\xa9 menu broken   1\n");
	free(s);
	/* no flexible column: the width is not enforced */
	s = pagerctl_table_render(t, 10);
	assert_string_equal(s,
	    " ID  PRI  SUMMARY            N\n"
	    "  7  P1   db down           12\n"
	    "123  -    caf\xc3\xa9 menu broken   1\n");
	free(s);
	pagerctl_table_flex(t, 2);
	s = pagerctl_table_render(t, 26);
	assert_string_equal(s,
	    " ID  PRI  SUMMARY        N\n"
	    "  7  P1   db down       12\n"
	    "123  -    caf\xc3\xa9 menu...   1\n");
	free(s);
	/* never below 8 columns, however narrow */
	s = pagerctl_table_render(t, 5);
	assert_string_equal(s,
	    " ID  PRI  SUMMARY    N\n"
	    "  7  P1   db down   12\n"
	    "123  -    caf\xc3\xa9 ...   1\n");
	free(s);
	/* wide enough: nothing is cut */
	s = pagerctl_table_render(t, 30);
	assert_string_equal(s,
	    " ID  PRI  SUMMARY            N\n"
	    "  7  P1   db down           12\n"
	    "123  -    caf\xc3\xa9 menu broken   1\n");
	free(s);
	pagerctl_table_free(t);

	/* the last column is flexible and left-aligned: no trailing blanks */
	t = pagerctl_table_new(2, "ll", "A", "SUMMARY");
	pagerctl_table_flex(t, 1);
	pagerctl_table_add(t, "x", "a long summary line");
	pagerctl_table_add(t, "yy", "short");
	pagerctl_table_add(t, "zzz", "");
	s = pagerctl_table_render(t, 15);
	assert_string_equal(s,
	    "A    SUMMARY\n"
	    "x    a long ...\n"
	    "yy   short\n"
	    "zzz\n");
	free(s);
	pagerctl_table_free(t);
	pagerctl_table_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_clean_width),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
