/* SPDX-License-Identifier: ISC */
/*
 * test-check.c: the table of "pagerd -t" and the timeline of "pagerctl
 * rota show", with a fixed "now": a weekly handoff, a DST change, an
 * override that leaves a gap, and backup duty.  The timeline is also
 * drawn from a hand-made list of shifts, as the daemon sends them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "check.h"
#include "iso8601.h"
#include "rota.h"
#include "tz.h"

static const char ops_text[] =
    "name = \"ops\"; timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"weekly\"; start = \"2026-01-05 09:00\";\n"
    "  shift = \"1w\"; members = [ \"alice\", \"bob\" ]; } );\n"
    "overrides = ( { kind = \"off\"; who = \"alice\";\n"
    "  from = \"2026-03-31 12:00\"; to = \"2026-04-01 00:00\";\n"
    "  reason = \"dentist\"; } );\n";

static const char dba_text[] =
    "name = \"dba\"; timezone = \"Asia/Kolkata\";\n"
    "layers = ( { name = \"hours\"; start = \"2026-01-05 09:00\";\n"
    "  shift = \"1d\"; members = [ \"carol\", \"dave\" ];\n"
    "  when = \"Mon-Fri 09:00-18:00\"; } );\n"
    "backup = \"mgr\";\n";

static const char mgr_text[] =
    "name = \"mgr\"; timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"duty\"; start = \"2026-01-05 00:00\";\n"
    "  shift = \"1w\"; members = [ \"mia\" ]; } );\n";

static int64_t
at(const char *s)
{
	char *cause = NULL;
	int64_t t;

	if (iso8601_parse(s, &t, &cause) != 0)
		fail_msg("%s", cause);
	return t;
}

static struct rota *
parse(const char *text, const char *file)
{
	char *cause = NULL;
	struct rota *r;

	if ((r = rota_parse(text, file, &cause)) == NULL)
		fail_msg("%s", cause);
	return r;
}

static void
test_table_dst_and_gap(void **state)
{
	struct rota *r = parse(ops_text, "ops.conf");
	char *t;

	t = check_table(r, at("2026-03-28T12:00:00Z"), 5);
	assert_string_equal(t,
	    "ops (Europe/Berlin), 2026-03-28 to 2026-04-01 (5 days):\n"
	    "  Sat 2026-03-28  bob\n"
	    "  Sun 2026-03-29  bob\n"
	    "  Mon 2026-03-30  bob 00:00-09:00, alice 09:00-24:00\n"
	    "  Tue 2026-03-31  alice 00:00-12:00, NOBODY 12:00-24:00\n"
	    "  Wed 2026-04-01  alice\n");
	free(t);
	rota_free(r);
}

/* The day is the rota's local day, whatever the hour of "now" in UTC. */
static void
test_table_local_day(void **state)
{
	struct rota *r = parse(ops_text, "ops.conf");
	char *t;

	/* 23:30 UTC on the 29th is already the 30th in Berlin (CEST). */
	t = check_table(r, at("2026-03-29T23:30:00Z"), 1);
	assert_string_equal(t,
	    "ops (Europe/Berlin), 2026-03-30 (1 day):\n"
	    "  Mon 2026-03-30  bob 00:00-09:00, alice 09:00-24:00\n");
	free(t);
	rota_free(r);
}

static void
test_table_backup(void **state)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	char *cause = NULL, *t;

	assert_int_equal(rota_set_add(set, parse(dba_text, "dba.conf"),
	    &cause), 0);
	assert_int_equal(rota_set_add(set, parse(mgr_text, "mgr.conf"),
	    &cause), 0);
	assert_int_equal(rota_set_link(set, &f), 0);
	t = check_table(rota_set_find(set, "dba"), at("2026-01-09T00:00Z"),
	    2);
	assert_string_equal(t,
	    "dba (Asia/Kolkata), 2026-01-09 to 2026-01-10 (2 days):\n"
	    "  Fri 2026-01-09  mia (backup) 00:00-09:00, carol 09:00-18:00,"
	    " mia (backup) 18:00-24:00\n"
	    "  Sat 2026-01-10  mia (backup)\n");
	free(t);
	rota_findings_free(&f);
	rota_set_free(set);
}

static void
test_timeline(void **state)
{
	struct rota *r = parse(ops_text, "ops.conf");
	char *t;

	t = check_timeline(r, at("2026-03-29T12:00:00Z"), 3);
	assert_string_equal(t,
	    "ops (Europe/Berlin), 2026-03-29 to 2026-03-31 (3 days):\n"
	    "                  0     6     12    18    24\n"
	    "Sun 2026-03-29\n"
	    /* 02:00-03:00 does not exist on this day */
	    "  bob            |## #####################| 00:00-24:00\n"
	    "Mon 2026-03-30\n"
	    "  bob            |#########...............| 00:00-09:00\n"
	    "  alice          |.........###############| 09:00-24:00\n"
	    "Tue 2026-03-31\n"
	    "  alice          |############............| 00:00-12:00\n"
	    "  NOBODY         |............############| 12:00-24:00\n"
	    "(* from the backup rota; # on call the whole hour,"
	    " + part of it)\n");
	free(t);
	rota_free(r);
}

static struct tz *
zone(const char *name)
{
	char *cause = NULL;
	struct tz *tz;

	if ((tz = tz_load(name, &cause)) == NULL)
		fail_msg("%s", cause);
	return tz;
}

/* The days of a view start and end at local midnights, 25 hours apart. */
static void
test_window_dst(void **state)
{
	struct tz *tz = zone("Europe/Berlin");
	int64_t start, end;

	check_window(tz, at("2026-10-25T12:00:00Z"), 1, &start, &end);
	assert_int_equal(start, at("2026-10-24T22:00:00Z"));
	assert_int_equal(end, at("2026-10-25T23:00:00Z"));
	check_window(tz, at("2026-10-24T22:30:00Z"), 3, &start, &end);
	assert_int_equal(start, at("2026-10-24T22:00:00Z"));
	assert_int_equal(end, at("2026-10-27T23:00:00Z"));
	tz_free(tz);
}

/*
 * Shifts as the daemon sends them, out of order: one that started
 * before the window, the 25-hour day of 25 October, a backup stretch,
 * two gaps, one person's two adjacent shifts (merged), a stretch that
 * ends within an hour, and a shift outside the days (ignored).
 */
static void
test_timeline_shifts(void **state)
{
	struct tz *tz = zone("Europe/Berlin");
	struct check_shift sh[] = {
		{ "bob", 0, 0, 0 },
		{ "ann", 0, 0, 0 },
		{ "mia", 0, 0, 1 },
		{ "ann", 0, 0, 0 },
		{ "ann", 0, 0, 0 },
		{ "bob", 0, 0, 0 },
		{ "carl", 0, 0, 0 },
	};
	char *t;

	sh[0].start = at("2026-10-25T08:00:00Z");
	sh[0].end = at("2026-10-26T11:00:00Z");
	sh[1].start = at("2026-10-23T07:00:00Z");
	sh[1].end = at("2026-10-25T08:00:00Z");
	sh[2].start = at("2026-10-26T11:00:00Z");
	sh[2].end = at("2026-10-26T13:30:00Z");
	sh[3].start = at("2026-10-26T16:15:00Z");
	sh[3].end = at("2026-10-26T17:00:00Z");
	sh[4].start = at("2026-10-26T15:00:00Z");
	sh[4].end = at("2026-10-26T16:15:00Z");
	sh[5].start = at("2026-10-26T19:00:00Z");
	sh[5].end = at("2026-10-27T08:00:00Z");
	sh[6].start = at("2026-10-20T00:00:00Z");
	sh[6].end = at("2026-10-21T00:00:00Z");
	t = check_timeline_shifts("ops", tz, sh, sizeof sh / sizeof sh[0],
	    at("2026-10-24T12:00:00Z"), 3);
	assert_string_equal(t,
	    "ops (Europe/Berlin), 2026-10-24 to 2026-10-26 (3 days):\n"
	    "                  0     6     12    18    24\n"
	    "Sat 2026-10-24\n"
	    "  ann            |########################| 00:00-24:00\n"
	    "Sun 2026-10-25\n"
	    /* 02:00-03:00 happens twice: still one cell */
	    "  ann            |#########...............| 00:00-09:00\n"
	    "  bob            |.........###############| 09:00-24:00\n"
	    "Mon 2026-10-26\n"
	    "  bob            |############........####| 00:00-12:00"
	    " 20:00-24:00\n"
	    "  mia*           |............##+.........| 12:00-14:30\n"
	    "  NOBODY         |..............+#..##....| 14:30-16:00"
	    " 18:00-20:00\n"
	    "  ann            |................##......| 16:00-18:00\n"
	    "(* from the backup rota; # on call the whole hour,"
	    " + part of it)\n");
	free(t);

	/* No shifts at all: nobody, all day. */
	t = check_timeline_shifts("ops", tz, NULL, 0,
	    at("2026-10-24T12:00:00Z"), 1);
	assert_string_equal(t,
	    "ops (Europe/Berlin), 2026-10-24 (1 day):\n"
	    "                  0     6     12    18    24\n"
	    "Sat 2026-10-24\n"
	    "  NOBODY         |########################| 00:00-24:00\n"
	    "(* from the backup rota; # on call the whole hour,"
	    " + part of it)\n");
	free(t);
	tz_free(tz);
}

/* A rota's timeline is its shifts' timeline. */
static void
test_timeline_same(void **state)
{
	struct rota *r = parse(ops_text, "ops.conf");
	struct rota_shifts rs = { NULL, 0, 0 };
	struct check_shift *sh;
	int64_t from = at("2026-03-28T12:00:00Z"), start, end;
	char *a, *b;
	size_t i;

	check_window(r->tz, from, 5, &start, &end);
	assert_int_equal(rota_schedule(r, start, end, NULL, &rs), 0);
	sh = calloc(rs.n, sizeof *sh);
	assert_non_null(sh);
	for (i = 0; i < rs.n; i++) {
		sh[i].person = rs.list[i].person;
		sh[i].start = rs.list[i].start;
		sh[i].end = rs.list[i].end;
		sh[i].backup = rs.list[i].backup;
	}
	a = check_timeline(r, from, 5);
	b = check_timeline_shifts("ops", r->tz, sh, rs.n, from, 5);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "  NOBODY         |............############|"
	    " 12:00-24:00\n"));
	free(a);
	free(b);
	free(sh);
	rota_shifts_free(&rs);
	rota_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_dst_and_gap),
		cmocka_unit_test(test_table_local_day),
		cmocka_unit_test(test_table_backup),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_window_dst),
		cmocka_unit_test(test_timeline_shifts),
		cmocka_unit_test(test_timeline_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
