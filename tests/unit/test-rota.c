/* SPDX-License-Identifier: ISC */
/*
 * test-rota.c: the rota engine with a fake clock (plain instants): the
 * common rota shapes, DST handoffs of 2026-2028 in four zones, overrides,
 * backup, checks, calendar output, hostile files, and the index that
 * answers who is on call (against a scan, instant by instant).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "people.h"
#include "rota-private.h"
#include "rota.h"

#define MIN (60 * INT64_C(1000))
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

/* A UTC instant, via timegm so the code under test is not involved. */
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

static struct rota *
parse(const char *text)
{
	char *cause = NULL;
	struct rota *r = rota_parse(text, "t.conf", &cause);

	if (r == NULL)
		fail_msg("%s", cause);
	return r;
}

static void
parse_bad(const char *text, const char *want)
{
	char *cause = NULL;

	assert_null(rota_parse(text, "t.conf", &cause));
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want);
	free(cause);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Who is on call at t, sorted and joined with commas; "-" for nobody. */
static const char *
who(const struct rota *r, int64_t t)
{
	static char buf[256];
	struct rota_shifts sh = { NULL, 0, 0 };
	const char *names[16];
	size_t i, n = 0, len;

	rota_oncall(r, t, &sh);
	for (i = 0; i < sh.n && n < 16; i++) {
		assert_true(sh.list[i].start <= t);
		assert_true(t < sh.list[i].end);
		names[n++] = sh.list[i].person;
	}
	qsort(names, n, sizeof *names, cmp_str);
	snprintf(buf, sizeof buf, "%s", n == 0 ? "-" : "");
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		snprintf(buf + len, sizeof buf - len, "%s%s", i > 0 ? "," : "",
		    names[i]);
	}
	rota_shifts_free(&sh);
	return buf;
}

/* The on-call entry for person at t (copied). */
static struct rota_shift
entry(const struct rota *r, int64_t t, const char *person)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	struct rota_shift s;
	size_t i;

	rota_oncall(r, t, &sh);
	for (i = 0; i < sh.n; i++) {
		if (strcmp(sh.list[i].person, person) == 0)
			break;
	}
	if (i == sh.n)
		fail_msg("%s is not on call", person);
	s = sh.list[i];
	rota_shifts_free(&sh);
	return s;
}

/* Does some finding of that severity contain want? */
static int
has_finding(const struct rota_findings *f, enum rota_severity sev,
    const char *want)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (f->list[i].severity == sev &&
		    strstr(f->list[i].message, want) != NULL)
			return f->list[i].line;
	}
	return 0;
}

static void
dump_findings(const struct rota_findings *f)
{
	size_t i;
	char *s;

	for (i = 0; i < f->n; i++) {
		s = rota_finding_format(&f->list[i]);
		print_message("  %s\n", s);
		free(s);
	}
}

static const char weekly[] =
    "name = \"ops\";\n"
    "timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"weekly\"; start = \"2026-01-05 09:00\";\n"
    "  shift = \"1w\"; members = [ \"alice\", \"bob\", \"carol\" ]; } );\n";

/* 7x24 weekly rotation; Monday 09:00 handoffs stay at 09:00 in summer. */
static void
test_rota_weekly(void **state)
{
	char why[ROTA_WHY_LEN];
	struct rota *r = parse(weekly);
	struct rota_shifts sh = { NULL, 0, 0 };
	struct rota_shift s;

	assert_string_equal(who(r, utc(2026, 1, 5, 7, 59)), "-");
	assert_string_equal(who(r, utc(2026, 1, 5, 8, 0)), "alice");
	assert_string_equal(who(r, utc(2026, 1, 12, 7, 59)), "alice");
	assert_string_equal(who(r, utc(2026, 1, 12, 8, 0)), "bob");
	assert_string_equal(who(r, utc(2026, 1, 19, 8, 0)), "carol");
	assert_string_equal(who(r, utc(2026, 1, 26, 8, 0)), "alice");
	/* Week 11 is carol's; it ends at 09:00 CEST = 07:00 UTC. */
	assert_string_equal(who(r, utc(2026, 3, 30, 6, 59)), "carol");
	assert_string_equal(who(r, utc(2026, 3, 30, 7, 0)), "alice");
	s = entry(r, utc(2026, 3, 25, 12, 0), "carol");
	assert_int_equal(s.start, utc(2026, 3, 23, 8, 0));
	assert_int_equal(s.end, utc(2026, 3, 30, 7, 0));
	assert_string_equal(rota_shift_why(&s, why, sizeof why),
	    "layer \"weekly\"");
	assert_ptr_equal(s.layer, &r->layers[0]);
	assert_null(s.override);
	assert_int_equal(s.backup, 0);
	/* Instants beyond the year 9000 are refused, not overflowed. */
	assert_int_equal(rota_oncall(r, INT64_MAX - 1, &sh), -1);
	assert_int_equal(sh.n, 0);
	assert_int_equal(rota_next_handoff(r, INT64_MAX), ROTA_NONE);
	assert_int_equal(rota_schedule(r, -DAY, DAY, NULL, &sh), -1);
	/* Back to 09:00 CET after October. */
	assert_int_equal(rota_next_handoff(r, utc(2026, 10, 28, 0, 0)),
	    utc(2026, 11, 2, 8, 0));
	rota_free(r);
}

/* The handoff of a daily rota on every DST change day of 2026-2028. */
static const struct dst_case {
	const char *zone;
	const char *at; /* the daily handoff time */
	int y, mo, d, h, mi; /* expected UTC handoff on the change day */
	int next; /* minutes to the following day's handoff */
} dst_cases[] = {
	/* Berlin: 02:30 is skipped in March (-> 03:00 CEST) and repeated
	 * in October (first one, CEST). */
	{ "Europe/Berlin", "02:30", 2026, 3, 29, 1, 0, 23 * 60 + 30 },
	{ "Europe/Berlin", "02:30", 2026, 10, 25, 0, 30, 25 * 60 },
	{ "Europe/Berlin", "02:30", 2027, 3, 28, 1, 0, 23 * 60 + 30 },
	{ "Europe/Berlin", "02:30", 2027, 10, 31, 0, 30, 25 * 60 },
	{ "Europe/Berlin", "02:30", 2028, 3, 26, 1, 0, 23 * 60 + 30 },
	{ "Europe/Berlin", "02:30", 2028, 10, 29, 0, 30, 25 * 60 },
	/* New York: 02:30 skipped in March (-> 03:00 EDT = 07:00Z). */
	{ "America/New_York", "02:30", 2026, 3, 8, 7, 0, 23 * 60 + 30 },
	{ "America/New_York", "02:30", 2027, 3, 14, 7, 0, 23 * 60 + 30 },
	{ "America/New_York", "02:30", 2028, 3, 12, 7, 0, 23 * 60 + 30 },
	/* 01:30 repeated in November: first one is EDT (05:30Z). */
	{ "America/New_York", "01:30", 2026, 11, 1, 5, 30, 25 * 60 },
	{ "America/New_York", "01:30", 2027, 11, 7, 5, 30, 25 * 60 },
	{ "America/New_York", "01:30", 2028, 11, 5, 5, 30, 25 * 60 },
	/* Sydney: 02:30 repeated in April (AEDT, 15:30Z the day before),
	 * skipped in October (-> 03:00 AEDT = 16:00Z the day before). */
	{ "Australia/Sydney", "02:30", 2026, 4, 4, 15, 30, 25 * 60 },
	{ "Australia/Sydney", "02:30", 2026, 10, 3, 16, 0, 23 * 60 + 30 },
	{ "Australia/Sydney", "02:30", 2027, 4, 3, 15, 30, 25 * 60 },
	{ "Australia/Sydney", "02:30", 2027, 10, 2, 16, 0, 23 * 60 + 30 },
	{ "Australia/Sydney", "02:30", 2028, 4, 1, 15, 30, 25 * 60 },
	{ "Australia/Sydney", "02:30", 2028, 9, 30, 16, 0, 23 * 60 + 30 },
	/* Adelaide: the same rules with a half-hour offset. */
	{ "Australia/Adelaide", "02:30", 2026, 4, 4, 16, 0, 25 * 60 },
	{ "Australia/Adelaide", "02:30", 2026, 10, 3, 16, 30, 23 * 60 + 30 },
	{ "Australia/Adelaide", "02:30", 2027, 4, 3, 16, 0, 25 * 60 },
	{ "Australia/Adelaide", "02:30", 2027, 10, 2, 16, 30, 23 * 60 + 30 },
	{ "Australia/Adelaide", "02:30", 2028, 4, 1, 16, 0, 25 * 60 },
	{ "Australia/Adelaide", "02:30", 2028, 9, 30, 16, 30, 23 * 60 + 30 },
};

static void
test_rota_dst_handoffs(void **state)
{
	const struct dst_case *c;
	struct rota *r;
	char text[512];
	int64_t e;
	size_t i;

	for (i = 0; i < sizeof dst_cases / sizeof dst_cases[0]; i++) {
		c = &dst_cases[i];
		snprintf(text, sizeof text, "name = \"d\"; timezone = \"%s\";\n"
		    "layers = ( { start = \"2026-01-01 %s\"; shift = \"1d\";\n"
		    "  members = [ \"a\", \"b\" ]; } );\n", c->zone, c->at);
		r = parse(text);
		e = utc(c->y, c->mo, c->d, c->h, c->mi);
		if (rota_next_handoff(r, e - 12 * HOUR) != e)
			fail_msg("%s %s on %d-%02d-%02d", c->zone, c->at, c->y,
			    c->mo, c->d);
		assert_int_equal(rota_next_handoff(r, e), e + c->next * MIN);
		/* And the day before is a plain 24 hours. */
		assert_int_equal(rota_next_handoff(r, e - 36 * HOUR),
		    e - (c->next > 24 * 60 ? 24 * 60 : 23 * 60 + 30) * MIN);
		rota_free(r);
	}
}

/* Shifts shorter than a day are elapsed time: 12h drifts across DST. */
static void
test_rota_elapsed(void **state)
{
	struct rota *r = parse("name = \"e\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-03-28 08:00\"; shift = \"12h\";\n"
	    "  members = [ \"a\", \"b\" ]; } );\n");

	assert_string_equal(who(r, utc(2026, 3, 28, 7, 0)), "a");
	assert_string_equal(who(r, utc(2026, 3, 28, 19, 0)), "b");
	assert_int_equal(rota_next_handoff(r, utc(2026, 3, 28, 19, 0)),
	    utc(2026, 3, 29, 7, 0)); /* 09:00 CEST: 12 hours later */
	assert_string_equal(who(r, utc(2026, 3, 29, 7, 0)), "a");
	rota_free(r);
}

/* One-week turns split into 12-hour day and night blocks (New York). */
static const char daynight[] =
    "name = \"noc\"; timezone = \"America/New_York\";\n"
    "layers = (\n"
    "  { name = \"day\"; start = \"2026-01-05 08:00\"; shift = \"1w\";\n"
    "    members = [ \"dave\", \"erin\" ]; when = \"08:00-20:00\"; },\n"
    "  { name = \"night\"; start = \"2026-01-05 20:00\"; shift = \"1w\";\n"
    "    members = [ \"grace\", \"heidi\" ]; when = \"20:00-08:00\"; } );\n";

static void
test_rota_day_night(void **state)
{
	struct rota *r = parse(daynight);
	struct rota_shift s;

	assert_string_equal(who(r, utc(2026, 1, 5, 17, 0)), "dave");
	assert_string_equal(who(r, utc(2026, 1, 6, 4, 0)), "grace");
	assert_string_equal(who(r, utc(2026, 1, 6, 12, 59)), "grace");
	assert_string_equal(who(r, utc(2026, 1, 6, 13, 0)), "dave");
	/* Monday 07:00 of week two: still week one's night. */
	assert_string_equal(who(r, utc(2026, 1, 12, 12, 0)), "grace");
	assert_string_equal(who(r, utc(2026, 1, 12, 13, 0)), "erin");
	assert_string_equal(who(r, utc(2026, 1, 13, 1, 0)), "heidi");
	/* Day shift is 08:00-20:00 EST before and EDT after 8 March. */
	s = entry(r, utc(2026, 3, 6, 15, 0), "dave");
	assert_int_equal(s.start, utc(2026, 3, 6, 13, 0));
	assert_int_equal(s.end, utc(2026, 3, 7, 1, 0));
	s = entry(r, utc(2026, 3, 9, 15, 0), "erin");
	assert_int_equal(s.start, utc(2026, 3, 9, 12, 0));
	assert_int_equal(s.end, utc(2026, 3, 10, 0, 0));
	/* The night across the change is 11 hours long. */
	s = entry(r, utc(2026, 3, 8, 3, 0), "grace");
	assert_int_equal(s.start, utc(2026, 3, 8, 1, 0));
	assert_int_equal(s.end, utc(2026, 3, 8, 12, 0));
	rota_free(r);
}

static const char biz[] =
    "name = \"biz\"; timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"hours\"; start = \"2026-01-05 00:00\";\n"
    "  shift = \"1w\"; members = [ \"alice\" ];\n"
    "  when = \"Mon-Fri 09:00-17:00\"; } );\n"
    "backup = \"mgr\";\n";
static const char mgr[] =
    "name = \"mgr\"; timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"duty\"; start = \"2026-01-05 00:00\";\n"
    "  shift = \"1w\"; members = [ \"mia\" ]; } );\n";

/* A weekday business-hours layer, and its backup rota. */
static void
test_rota_business_hours_backup(void **state)
{
	char why[ROTA_WHY_LEN];
	struct rota_set *set = rota_set_new();
	struct rota_findings f = { NULL, 0, 0 };
	struct rota *r = parse(biz), *b = parse(mgr);
	struct rota_shift s;
	char *cause = NULL;

	assert_int_equal(rota_set_add(set, r, &cause), 0);
	/* Not linked yet: nobody outside hours. */
	assert_string_equal(who(r, utc(2026, 1, 10, 12, 0)), "-");
	assert_int_equal(rota_set_link(set, &f), 1);
	assert_true(has_finding(&f, ROTA_ERROR, "backup rota \"mgr\" not"
	    " found") == 5);
	rota_findings_free(&f);
	assert_int_equal(rota_set_add(set, b, &cause), 0);
	assert_int_equal(rota_set_link(set, &f), 0);
	assert_int_equal(f.n, 0);

	assert_string_equal(who(r, utc(2026, 1, 5, 7, 59)), "mia");
	assert_string_equal(who(r, utc(2026, 1, 5, 8, 0)), "alice");
	assert_string_equal(who(r, utc(2026, 1, 9, 15, 59)), "alice");
	assert_string_equal(who(r, utc(2026, 1, 9, 16, 0)), "mia");
	assert_string_equal(who(r, utc(2026, 1, 10, 12, 0)), "mia");
	s = entry(r, utc(2026, 1, 9, 12, 0), "alice");
	assert_int_equal(s.end, utc(2026, 1, 9, 16, 0));
	s = entry(r, utc(2026, 1, 10, 12, 0), "mia");
	assert_int_equal(s.backup, 1);
	assert_ptr_equal(s.rota, b);
	assert_string_equal(rota_shift_why(&s, why, sizeof why),
	    "backup rota \"mgr\": layer \"duty\"");
	assert_int_equal(s.start, utc(2026, 1, 9, 16, 0));
	assert_int_equal(s.end, utc(2026, 1, 12, 8, 0));
	/* Removing the backup cuts the link. */
	assert_ptr_equal(rota_set_remove(set, "mgr"), b);
	assert_string_equal(who(r, utc(2026, 1, 10, 12, 0)), "-");
	rota_free(b);
	rota_set_free(set);
}

static void
test_rota_windows(void **state)
{
	struct rota *r = parse("name = \"w\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-01-05 00:00\"; shift = \"1w\";\n"
	    "  members = [ \"n\" ]; when = \"Mon-Fri 20:00-08:00\"; },\n"
	    " { start = \"2026-01-05 00:00\"; shift = \"1w\";\n"
	    "  members = [ \"w\" ]; when = [ \"Fri 18:00-Mon 08:00\" ]; } );\n");
	struct rota_span sp;
	char *cause = NULL;
	size_t i;
	static const char *bad[] = { "Mon-Fri 25:00-08:00", "Mox 08:00-09:00",
		"08:00-08:00", "Mon-Fri 08:00-Tue 09:00", "08:00",
		"Mon 08:00-Mon 08:00", "09:60-10:00", "Mon-Fri09:00-17:00",
		"24:00-08:00", "", "Mon-Fri 9:00-17:00 extra" };

	/* Times are CET (UTC+1). */
	assert_string_equal(who(r, utc(2026, 1, 5, 20, 0)), "n");
	assert_string_equal(who(r, utc(2026, 1, 6, 6, 59)), "n");
	assert_string_equal(who(r, utc(2026, 1, 6, 7, 0)), "-");
	assert_string_equal(who(r, utc(2026, 1, 9, 16, 59)), "-");
	assert_string_equal(who(r, utc(2026, 1, 9, 17, 0)), "w");
	assert_string_equal(who(r, utc(2026, 1, 9, 22, 0)), "n,w");
	assert_string_equal(who(r, utc(2026, 1, 10, 6, 0)), "n,w");
	assert_string_equal(who(r, utc(2026, 1, 10, 20, 0)), "w");
	assert_string_equal(who(r, utc(2026, 1, 12, 6, 59)), "w");
	assert_string_equal(who(r, utc(2026, 1, 12, 7, 0)), "-");
	rota_free(r);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (rota_span_parse(bad[i], &sp, &cause) == 0)
			fail_msg("\"%s\" parsed", bad[i]);
		assert_non_null(strstr(cause, "window"));
		free(cause);
		cause = NULL;
	}
	assert_int_equal(rota_span_parse("sat,Sunday 00:00-24:00", &sp,
	    &cause), 0);
	assert_int_equal(sp.days, 0x41);
	assert_int_equal(sp.end, 1440);
	assert_int_equal(rota_span_parse("Fri-Mon 22:00-06:00", &sp, &cause),
	    0);
	assert_int_equal(sp.days, 0x63); /* Fri Sat Sun Mon */
	assert_int_equal(sp.ndays, 1);
}

static const char overrides[] =
    "name = \"ops\";\n"
    "timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"weekly\"; start = \"2026-01-05 09:00\";\n"
    "  shift = \"1w\"; members = [ \"alice\", \"bob\", \"carol\" ]; } );\n"
    "overrides = (\n"
    "  { kind = \"add\"; who = \"erin\"; from = \"2026-01-06\";\n"	/* 6 */
    "    to = \"2026-01-07\"; },\n"
    "  { kind = \"off\"; who = \"bob\"; from = \"2026-01-14\";\n"	/* 8 */
    "    to = \"2026-01-15\"; reason = \"dentist\"; },\n"
    "  { kind = \"replace\"; who = \"carol\"; with = \"dave\";\n"	/* 10 */
    "    from = \"2026-01-22\"; to = \"2026-01-24\"; reason = \"sick\"; },\n"
    "  { kind = \"off\"; who = \"alice\"; from = \"2026-01-27\";\n"	/* 12 */
    "    to = \"2026-01-28\"; reason = \"training\"; },\n"
    "  { kind = \"replace\"; who = \"alice\"; with = \"dave\";\n"	/* 14 */
    "    from = \"2026-01-28\"; to = \"2026-01-29\"; },\n"
    "  { kind = \"replace\"; who = \"carol\"; with = \"erin\";\n"	/* 16 */
    "    from = \"2026-02-15\"; to = \"2026-02-17\"; },\n"
    "  { kind = \"add\"; who = \"frank\"; from = \"2026-02-20\";\n"	/* 18 */
    "    to = \"2026-02-24\"; reason = \"shadowing\"; }\n"
    ");\n";

static void
test_rota_overrides(void **state)
{
	char why[ROTA_WHY_LEN];
	struct rota *r = parse(overrides);
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_shift s;

	/* add */
	assert_string_equal(who(r, utc(2026, 1, 5, 22, 59)), "alice");
	assert_string_equal(who(r, utc(2026, 1, 5, 23, 0)), "alice,erin");
	s = entry(r, utc(2026, 1, 6, 12, 0), "erin");
	assert_string_equal(rota_shift_why(&s, why, sizeof why),
	    "override line 6: added");
	assert_int_equal(s.end, utc(2026, 1, 6, 23, 0));
	/* off, nobody left and no backup */
	assert_string_equal(who(r, utc(2026, 1, 14, 12, 0)), "-");
	assert_string_equal(who(r, utc(2026, 1, 14, 23, 0)), "bob");
	/* replace */
	s = entry(r, utc(2026, 1, 22, 12, 0), "dave");
	assert_string_equal(rota_shift_why(&s, why, sizeof why),
	    "override line 10: replaces carol in"
	    " layer \"weekly\" (sick)");
	assert_int_equal(s.start, utc(2026, 1, 21, 23, 0));
	assert_int_equal(s.end, utc(2026, 1, 23, 23, 0));
	/* adjacent off and replace */
	assert_string_equal(who(r, utc(2026, 1, 27, 22, 59)), "-");
	assert_string_equal(who(r, utc(2026, 1, 27, 23, 0)), "dave");
	assert_string_equal(who(r, utc(2026, 1, 28, 23, 0)), "alice");
	/* a replace spanning a handoff covers only the replaced person */
	assert_string_equal(who(r, utc(2026, 2, 16, 7, 59)), "erin");
	s = entry(r, utc(2026, 2, 15, 12, 0), "erin");
	assert_int_equal(s.start, utc(2026, 2, 14, 23, 0));
	assert_int_equal(s.end, utc(2026, 2, 16, 8, 0));
	assert_string_equal(who(r, utc(2026, 2, 16, 8, 0)), "alice");
	/* an add spanning a handoff */
	assert_string_equal(who(r, utc(2026, 2, 23, 7, 59)), "alice,frank");
	assert_string_equal(who(r, utc(2026, 2, 23, 8, 0)), "bob,frank");
	s = entry(r, utc(2026, 2, 23, 8, 0), "frank");
	assert_string_equal(rota_shift_why(&s, why, sizeof why),
	    "override line 18: added (shadowing)");
	assert_int_equal(s.start, utc(2026, 2, 19, 23, 0));
	assert_int_equal(s.end, utc(2026, 2, 23, 23, 0));
	/* none of these contradict each other */
	rota_check(r, NULL, utc(2026, 1, 5, 8, 0), utc(2026, 1, 6, 0, 0), &f);
	if (f.n != 0)
		dump_findings(&f);
	assert_int_equal(f.n, 0);
	rota_free(r);
}

static void
test_rota_contradictions(void **state)
{
	struct rota *r = parse("name = \"c\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-01-05 09:00\"; shift = \"1w\";\n"
	    "  members = [ \"bob\" ]; } );\n"
	    "overrides = (\n"
	    " { kind = \"add\"; who = \"erin\"; from = \"2026-01-06\";"
	    " to = \"2026-01-08\"; },\n"
	    " { kind = \"off\"; who = \"erin\"; from = \"2026-01-07\";"
	    " to = \"2026-01-09\"; reason = \"ill\"; },\n"
	    " { kind = \"replace\"; who = \"bob\"; with = \"dave\";"
	    " from = \"2026-02-01\"; to = \"2026-02-03\"; },\n"
	    " { kind = \"replace\"; who = \"bob\"; with = \"erin\";"
	    " from = \"2026-02-02\"; to = \"2026-02-04\"; },\n"
	    " { kind = \"off\"; who = \"dave\"; from = \"2026-02-02\";"
	    " to = \"2026-02-03\"; reason = \"away\"; },\n"
	    " { kind = \"off\"; who = \"bob\"; from = \"2026-03-01\";"
	    " to = \"2026-03-03\"; reason = \"away\"; },\n"
	    " { kind = \"off\"; who = \"bob\"; from = \"2026-03-02\";"
	    " to = \"2026-03-04\"; reason = \"away\"; },\n"
	    " { kind = \"off\"; who = \"bob\"; from = \"2026-03-04\";"
	    " to = \"2026-03-05\"; reason = \"adjacent\"; }\n"
	    ");\n");
	struct rota_findings f = { NULL, 0, 0 };

	rota_check(r, NULL, utc(2026, 1, 5, 8, 0), utc(2026, 1, 6, 0, 0), &f);
	if (f.n != 4)
		dump_findings(&f);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "override at line 5 puts"
	    " erin on call while line 6 takes erin off"), 6);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "override replaces bob"
	    " with erin but line 7 replaces bob with dave"), 8);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "override at line 7 puts"
	    " dave on call while line 9 takes dave off"), 9);
	assert_int_equal(has_finding(&f, ROTA_WARNING, "repeats the one at"
	    " line 10"), 11);
	assert_int_equal(f.nerrors, 3);
	assert_int_equal(f.n, 4);
	/* The off wins while they overlap. */
	assert_string_equal(who(r, utc(2026, 1, 7, 12, 0)), "bob");
	assert_string_equal(who(r, utc(2026, 1, 6, 12, 0)), "bob,erin");
	rota_findings_free(&f);
	rota_free(r);
}

/* Shifts of a window keep their true start and end. */
static void
test_rota_schedule(void **state)
{
	struct rota *r = parse(weekly);
	struct rota_shifts sh = { NULL, 0, 0 };

	rota_schedule(r, utc(2026, 1, 8, 0, 0), utc(2026, 1, 20, 0, 0), NULL,
	    &sh);
	assert_int_equal(sh.n, 3);
	assert_string_equal(sh.list[0].person, "alice");
	assert_int_equal(sh.list[0].start, utc(2026, 1, 5, 8, 0));
	assert_int_equal(sh.list[0].end, utc(2026, 1, 12, 8, 0));
	assert_string_equal(sh.list[1].person, "bob");
	assert_int_equal(sh.list[1].start, utc(2026, 1, 12, 8, 0));
	assert_string_equal(sh.list[2].person, "carol");
	assert_int_equal(sh.list[2].end, utc(2026, 1, 26, 8, 0));
	rota_shifts_free(&sh);
	rota_schedule(r, utc(2026, 1, 1, 0, 0), utc(2026, 3, 1, 0, 0), "bob",
	    &sh);
	assert_int_equal(sh.n, 3);
	assert_int_equal(sh.list[2].start, utc(2026, 2, 23, 8, 0));
	rota_shifts_free(&sh);
	rota_schedule(r, utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0), NULL,
	    &sh);
	assert_int_equal(sh.n, 0);
	rota_free(r);
}

static void
test_rota_coverage(void **state)
{
	struct rota *r = parse(biz), *b = parse(mgr);
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	char *cause = NULL;

	/* Business hours only, backup not linked: nights are gaps. */
	rota_check(r, NULL, utc(2026, 1, 4, 23, 0), utc(2026, 1, 6, 23, 0),
	    &f);
	if (f.nerrors != 3)
		dump_findings(&f);
	assert_int_equal(f.nerrors, 3);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "coverage gap from"
	    " 2026-01-05 00:00 +01:00 to 2026-01-05 09:00 +01:00: 0 of 1 on"
	    " call"), 2);
	assert_true(has_finding(&f, ROTA_ERROR, "coverage gap from"
	    " 2026-01-05 17:00 +01:00 to 2026-01-06 09:00 +01:00"));
	assert_true(has_finding(&f, ROTA_ERROR, "coverage gap from"
	    " 2026-01-06 17:00 +01:00 to 2026-01-07 00:00 +01:00"));
	rota_findings_free(&f);
	/* With the backup the same pieces are only warnings. */
	rota_set_add(set, r, &cause);
	rota_set_add(set, b, &cause);
	rota_set_link(set, &f);
	rota_check(r, NULL, utc(2026, 1, 4, 23, 0), utc(2026, 1, 6, 23, 0),
	    &f);
	assert_int_equal(f.nerrors, 0);
	assert_int_equal(f.n, 3);
	assert_true(has_finding(&f, ROTA_WARNING, "only through backup rota"
	    " \"mgr\" (0 of 1 on call)"));
	rota_findings_free(&f);
	rota_set_free(set);

	/* Two needed in business hours, one person 7x24. */
	r = parse("name = \"two\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-01-05 09:00\"; shift = \"1w\";\n"
	    "  members = [ \"a\", \"b\" ]; } );\n"
	    "coverage = { minimum = 1;\n"
	    "  windows = ( { when = \"Mon-Fri 09:00-17:00\"; minimum = 2; } );"
	    " };\n");
	rota_check(r, NULL, utc(2026, 1, 5, 8, 0), utc(2026, 1, 7, 8, 0), &f);
	assert_int_equal(f.nerrors, 2);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "coverage gap from"
	    " 2026-01-05 09:00 +01:00 to 2026-01-05 17:00 +01:00: 1 of 2 on"
	    " call"), 5);
	rota_findings_free(&f);
	rota_free(r);
}

static void
test_rota_fatigue(void **state)
{
	static const char consecutive[] =
	    "name = \"f\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { name = \"daily\"; start = \"2026-01-05 09:00\";"
	    " shift = \"1d\";\n"
	    "  members = [ \"alice\", \"alice\", \"alice\", \"bob\" ]; } );\n"
	    "fatigue = {\n"
	    "  max_consecutive_shifts = 2;\n"
	    "  strict = %s; };\n";
	struct rota_findings f = { NULL, 0, 0 };
	struct rota *r;
	char text[512];

	snprintf(text, sizeof text, consecutive, "false");
	r = parse(text);
	rota_check(r, NULL, utc(2026, 1, 5, 8, 0), utc(2026, 1, 13, 8, 0), &f);
	assert_int_equal(f.nerrors, 0);
	assert_int_equal(has_finding(&f, ROTA_WARNING, "layer \"daily\": alice"
	    " has more than 2 shifts in a row from 2026-01-05 09:00 +01:00"),
	    5);
	assert_true(has_finding(&f, ROTA_WARNING, "from 2026-01-09 09:00"));
	assert_int_equal(f.n, 2);
	rota_findings_free(&f);
	rota_free(r);
	snprintf(text, sizeof text, consecutive, "true");
	r = parse(text);
	rota_check(r, NULL, utc(2026, 1, 5, 8, 0), utc(2026, 1, 9, 8, 0), &f);
	assert_int_equal(f.nerrors, 1);
	assert_true(has_finding(&f, ROTA_ERROR, "alice has more than 2"));
	rota_findings_free(&f);
	rota_free(r);

	/* Handing over on Saturday noon splits every weekend in two. */
	r = parse("name = \"we\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-01-10 12:00\"; shift = \"1w\";\n"
	    "  members = [ \"alice\", \"bob\" ]; } );\n"
	    "fatigue = { weekend_rotation = true; };\n");
	rota_check(r, NULL, utc(2026, 1, 10, 11, 0), utc(2026, 1, 26, 0, 0),
	    &f);
	if (f.n != 3)
		dump_findings(&f);
	assert_int_equal(has_finding(&f, ROTA_WARNING, "alice is on call two"
	    " weekends in a row (the weekend from 2026-01-17 00:00 +01:00"),
	    4);
	assert_true(has_finding(&f, ROTA_WARNING, "bob is on call two"
	    " weekends in a row (the weekend from 2026-01-24"));
	assert_true(has_finding(&f, ROTA_WARNING, "alice is on call two"
	    " weekends in a row (the weekend from 2026-01-24"));
	assert_int_equal(f.n, 3);
	rota_findings_free(&f);
	rota_free(r);
	/* Handing over on Monday does not. */
	r = parse("name = \"we\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-01-05 09:00\"; shift = \"1w\";\n"
	    "  members = [ \"alice\", \"bob\" ]; } );\n"
	    "fatigue = { weekend_rotation = true; };\n");
	rota_check(r, NULL, utc(2026, 1, 5, 8, 0), utc(2026, 3, 1, 0, 0), &f);
	assert_int_equal(f.n, 0);
	rota_free(r);

	/* Days 08:00-20:00 and nights from 22:00 for the same person. */
	r = parse("name = \"rest\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-01-05 00:00\"; shift = \"1w\";\n"
	    "  members = [ \"alice\" ]; when = \"Mon 08:00-20:00\"; },\n"
	    " { start = \"2026-01-05 00:00\"; shift = \"1w\";\n"
	    "  members = [ \"alice\" ]; when = \"Mon 22:00-23:00\"; } );\n"
	    "coverage = { minimum = 0; };\n"
	    "fatigue = {\n min_rest = \"8h\"; };\n");
	rota_check(r, NULL, utc(2026, 1, 5, 0, 0), utc(2026, 1, 7, 0, 0), &f);
	assert_int_equal(has_finding(&f, ROTA_WARNING, "alice rests only 2h"
	    " between shifts (2026-01-05 20:00 +01:00 to 2026-01-05 22:00"
	    " +01:00)"), 8);
	assert_int_equal(f.n, 1);
	rota_findings_free(&f);
	rota_free(r);
}

static void
test_rota_unknown_people(void **state)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct people *pp;
	struct rota *r;
	char *cause = NULL;

	pp = people_parse("people = ( { id = \"alice\"; }, { id = \"bob\"; }"
	    " );", "people.conf", &cause);
	assert_non_null(pp);
	r = parse("name = \"u\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-01-05 09:00\"; shift = \"1w\";\n"
	    "  members = [ \"alice\", \"zed\" ]; } );\n"
	    "overrides = (\n { kind = \"replace\"; who = \"alice\";"
	    " with = \"yan\"; from = \"2026-02-01\"; to = \"2026-02-02\"; } );\n");
	rota_check(r, pp, utc(2026, 1, 5, 8, 0), utc(2026, 1, 6, 0, 0), &f);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "unknown person"
	    " \"zed\""), 3);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "unknown person"
	    " \"yan\""), 5);
	assert_int_equal(f.nerrors, 2);
	rota_findings_free(&f);
	rota_free(r);
	people_free(pp);
}

#define HEAD "name = \"x\"; timezone = \"Europe/Berlin\";\n"
#define LAYER(start, shift) \
	"layers = ( { start = \"" start "\"; shift = \"" shift "\";" \
	" members = [ \"a\" ]; } );\n"

/*
 * A rota of 1-minute shifts checked over 90 days took 80 ms and more (a
 * reload stalls the daemon's loop that long): the check stops after
 * 20,000 turns, here 13 days 21 hours, and says so.  Daily shifts are
 * checked over the whole span.
 */
static void
test_rota_check_bounded(void **state)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota *r;
	size_t i;
	int found = 0;

	r = parse("name = \"tick\"; timezone = \"UTC\";\n"
	    "layers = ( { name = \"t\"; start = \"2026-01-05 00:00\";"
	    " shift = \"1m\";\n  members = [ \"a\", \"b\" ]; } );\n");
	rota_check(r, NULL, utc(2026, 1, 5, 0, 0), utc(2026, 1, 5, 0, 0) +
	    90 * DAY, &f);
	for (i = 0; i < f.n; i++)
		if (strstr(f.list[i].message, "layer \"t\": with shifts of 1m,"
		    " coverage and fatigue are checked over the next 1w6d21h"
		    " only, not 12w6d") != NULL && f.list[i].line == 2 &&
		    f.list[i].severity == ROTA_WARNING)
			found = 1;
	if (!found)
		fail_msg("no warning that the check was cut short (%zu"
		    " findings)", f.n);
	rota_findings_free(&f);
	rota_free(r);

	memset(&f, 0, sizeof f);
	r = parse("name = \"day\"; timezone = \"UTC\";\n"
	    "layers = ( { start = \"2026-01-05 00:00\"; shift = \"1d\";\n"
	    "  members = [ \"a\", \"b\" ]; } );\n");
	rota_check(r, NULL, utc(2026, 1, 5, 0, 0), utc(2026, 1, 5, 0, 0) +
	    90 * DAY, &f);
	assert_int_equal(f.n, 0);
	rota_findings_free(&f);
	rota_free(r);

	/* A gap a day over 90 days: 20 findings, then how many more. */
	memset(&f, 0, sizeof f);
	r = parse("name = \"day\"; timezone = \"UTC\";\n"
	    "layers = ( { start = \"2026-01-05 00:00\"; shift = \"1d\";\n"
	    "  members = [ \"a\" ]; } );\n"
	    "coverage = { minimum = 1;\n"
	    "  windows = ( { when = \"09:00-17:00\"; minimum = 2; } ); };\n");
	rota_check(r, NULL, utc(2026, 1, 5, 0, 0), utc(2026, 1, 5, 0, 0) +
	    90 * DAY, &f);
	assert_int_equal(f.n, 21);
	assert_string_equal(f.list[20].message, "70 more coverage findings");
	rota_findings_free(&f);
	rota_free(r);
}

static void
test_rota_parse_errors(void **state)
{
	parse_bad("name = \"x\";\ntimezone = \"Mars/Olympus\";\n"
	    LAYER("2026-01-05 09:00", "1w"),
	    "t.conf:2: unknown time zone \"Mars/Olympus\"");
	parse_bad("name = \"x\";\ntimezone = \"../../etc/passwd\";\n"
	    LAYER("2026-01-05 09:00", "1w"), "t.conf:2: bad time zone name");
	parse_bad(HEAD LAYER("2026-02-30 09:00", "1w"),
	    "t.conf:2: layer \"1\": \"2026-02-30 09:00\" is not a valid date");
	parse_bad(HEAD LAYER("2026-01-05 25:00", "1w"), "is not a valid date");
	parse_bad(HEAD LAYER("05/01/2026 09:00", "1w"), "bad date");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1d12h"), "mixes days");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "30s"), "between 1m and 52w");
	/* A zero-length turn in days divided by zero (SIGFPE). */
	parse_bad(HEAD LAYER("2026-01-05 09:00", "0d"),
	    "t.conf:2: layer \"1\": shift \"0d\" is zero");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "0w"), "shift \"0w\" is zero");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "0h"), "between 1m and 52w");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "week"), "shift: bad"
	    " duration");
	parse_bad(HEAD "layers = ( { start = \"2026-01-05 09:00\"; shift ="
	    " \"1w\";\n members = [ ]; } );", "t.conf:3: layer \"1\": members"
	    " is empty");
	parse_bad(HEAD "layers = ( { start = \"2026-01-05 09:00\"; shift ="
	    " \"1w\"; members = [ \"a\" ];\n when = \"Mon-Fry 09:00-17:00\"; }"
	    " );", "t.conf:3: layer \"1\": bad window \"Mon-Fry 09:00-17:00\":"
	    " unknown day");
	parse_bad(HEAD "layers = ( { start = \"2026-01-05 09:00\"; shift ="
	    " \"1w\"; members = [ \"a\" ];\n end = \"2026-01-01 00:00\"; } );",
	    "t.conf:3: layer \"1\": end is not after start");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "overrides = ( { kind = \"off\"; who = \"a\"; reason = \"x\";\n"
	    " from = \"2026-03-02\"; to = \"2026-03-01\"; } );",
	    "t.conf:4: override 1: to is not after from");
	/* Wholly inside the hour skipped on 29 March 2026 in Berlin: it
	 * used to say "to is not after from". */
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "overrides = ( { kind = \"off\"; who = \"a\"; reason = \"x\";\n"
	    " from = \"2026-03-29 02:10\"; to = \"2026-03-29 02:50\"; } );",
	    "t.conf:4: override 1: 2026-03-29 02:10 to 02:50 falls in the"
	    " hour skipped when daylight saving time begins in Europe/Berlin"
	    " on that date");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "overrides = ( { kind = \"off\"; who = \"a\";"
	    " from = \"2026-03-01\"; to = \"2026-03-02\"; } );",
	    "override 1: missing reason");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "overrides = ( { kind = \"swap\"; who = \"a\";"
	    " from = \"2026-03-01\"; to = \"2026-03-02\"; } );",
	    "kind must be \"replace\", \"add\" or \"off\"");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "overrides = ( { kind = \"replace\"; who = \"a\";"
	    " from = \"2026-03-01\"; to = \"2026-03-02\"; } );",
	    "override 1: missing with");
	parse_bad("name = \"x\";\n" LAYER("2026-01-05 09:00", "1w"),
	    "rota: missing timezone");
	parse_bad(HEAD "layers = ();", "t.conf:2: rota: layers must be a list");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w") "colour = \"red\";",
	    "t.conf:3: unknown key \"colour\" in rota");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w") "backup = \"x\";",
	    "rota x is its own backup");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "coverage = { minimum = -1; };", "between 0 and 1000");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "coverage = { windows = ( { when = \"Mon 09:00-17:00\"; } ); };",
	    "coverage window: missing minimum");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w")
	    "fatigue = { min_rest = \"8 hours\"; strict = 1; };",
	    "strict must be true or false");
	parse_bad(HEAD LAYER("2026-01-05 09:00", "1w") "backup =\n;\n",
	    "t.conf:4: syntax error");
	parse_bad("name = \"a b\"; timezone = \"UTC\";\n"
	    LAYER("2026-01-05 09:00", "1w"), "bad rota name \"a b\"");
	/* All problems at once, one a line. */
	parse_bad("name = \"x\";\ntimezone = \"Europe/Berlin\";\n"
	    "layers = ( { start = \"2026-13-01 00:00\"; shift = \"2x\";"
	    " members = []; } );\n", "t.conf:3: layer \"1\": \"2026-13-01 00:00\""
	    " is not a valid date and time\nt.conf:3: layer \"1\": shift: bad"
	    " duration \"2x\"");
}

/* Undo RFC 5545 folding: drop every CRLF followed by a space. */
static char *
xunfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *p = out;

	assert_non_null(out);
	while (*s != '\0') {
		if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ') {
			s += 3;
			continue;
		}
		*p++ = *s++;
	}
	*p = '\0';
	return out;
}

static int
contains(const char *s, const char *want)
{
	return strstr(s, want) != NULL;
}

static void
test_rota_ical(void **state)
{
	struct rota *r = parse("name = \"ops\"; timezone = \"Europe/Berlin\";\n"
	    "layers = ( { name = \"weekly\"; start = \"2026-01-05 09:00\";\n"
	    " shift = \"1w\"; members = [ \"alice\", \"bob\" ]; } );\n"
	    "overrides = ( { kind = \"replace\"; who = \"bob\"; with = \"carol\";"
	    " from = \"2026-01-13\"; to = \"2026-01-14\"; reason = \"ill, at"
	    " home; back tomorrow \\\\ maybe, or the day after that; we will"
	    " see\"; } );\n");
	struct people *pp;
	struct rota_set *set = rota_set_new();
	char *cal, *cal2, *p, *line, *unfolded, *q, *cause = NULL;
	size_t events = 0, transp = 0, len;

	pp = people_parse("people = ( { id = \"alice\"; name = \"Alice, A.\";"
	    " } );", "p", &cause);
	assert_non_null(pp);
	cal = rota_ical(r, pp, utc(2026, 1, 6, 0, 0), utc(2026, 1, 20, 0, 0),
	    utc(2026, 1, 1, 12, 0));
	assert_true(strncmp(cal, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) ==
	    0);
	len = strlen(cal);
	assert_string_equal(cal + len - 15, "END:VCALENDAR\r\n");
	/* CRLF everywhere, no line over 75 octets. */
	for (p = cal; *p != '\0'; p = q + 1) {
		q = strchr(p, '\n');
		assert_non_null(q);
		assert_true(q > p && q[-1] == '\r');
		assert_true(q - p - 1 <= 75);
		if (strncmp(p, "BEGIN:VEVENT", 12) == 0)
			events++;
		if (strncmp(p, "TRANSP:TRANSPARENT", 18) == 0)
			transp++;
	}
	/* alice 5-12, bob 12-13, carol 13-14 (override), bob 14-19,
	 * alice 19-26 */
	assert_int_equal(events, 5);
	assert_int_equal(transp, 5);
	assert_true(contains(cal, "UID:ops-alice-20260105T080000Z@pagerd\r\n"));
	assert_true(contains(cal, "DTSTART:20260105T080000Z\r\n"
	    "DTEND:20260112T080000Z\r\n"));
	assert_true(contains(cal, "DTSTAMP:20260101T120000Z\r\n"));
	assert_true(contains(cal, "SUMMARY:On call: Alice\\, A. (ops)\r\n"));
	assert_true(contains(cal, "SUMMARY:On call: bob (ops)\r\n"));
	/* Unfold, then the escaped description is whole. */
	unfolded = xunfold(cal);
	line = strstr(unfolded, "DESCRIPTION:override line 4: replaces bob");
	assert_non_null(line);
	assert_true(strncmp(line, "DESCRIPTION:override line 4: replaces bob"
	    " in layer \"weekly\" (ill\\, at home\\; back tomorrow \\\\ maybe\\,"
	    " or the day after that\\; we will see)\r\n", 130) == 0);
	free(unfolded);
	/* The same shift has the same UID in another window. */
	cal2 = rota_ical(r, NULL, utc(2026, 1, 10, 0, 0),
	    utc(2026, 1, 11, 0, 0), utc(2026, 1, 2, 0, 0));
	assert_true(contains(cal2, "UID:ops-alice-20260105T080000Z@pagerd"));
	assert_false(contains(cal2, "UID:ops-bob"));
	free(cal2);
	free(cal);

	/* One person's feed across the set. */
	rota_set_add(set, r, &cause);
	rota_set_add(set, parse(biz), &cause);
	cal = rota_ical_person(set, pp, "alice", utc(2026, 1, 5, 0, 0),
	    utc(2026, 1, 6, 0, 0), utc(2026, 1, 1, 0, 0));
	assert_true(contains(cal, "X-WR-CALNAME:On call: Alice\\, A.\r\n"));
	assert_true(contains(cal, "UID:ops-alice-20260105T080000Z@pagerd"));
	assert_true(contains(cal, "UID:biz-alice-20260105T080000Z@pagerd"));
	assert_false(contains(cal, "bob"));
	free(cal);
	rota_set_free(set);
	people_free(pp);
}

/* Every example in conf/ loads, links and checks clean. */
static void
test_rota_examples(void **state)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	const char *top = getenv("top_srcdir");
	struct people *pp;
	char path[1024], *cause = NULL;
	size_t i;

	snprintf(path, sizeof path, "%s/conf/people.conf",
	    top != NULL ? top : ".");
	if ((pp = people_load(path, &cause)) == NULL)
		fail_msg("%s", cause);
	snprintf(path, sizeof path, "%s/conf/rota.d", top != NULL ? top : ".");
	assert_int_equal(rota_set_load_dir(set, path, &f), 0);
	assert_int_equal(set->n, 4);
	for (i = 0; i < set->n; i++)
		rota_check(set->list[i], pp, utc(2026, 1, 6, 0, 0),
		    utc(2026, 4, 6, 0, 0), &f);
	if (f.nerrors != 0)
		dump_findings(&f);
	assert_int_equal(f.nerrors, 0);
	/* Kolkata business hours: 09:00 IST is 03:30 UTC. */
	assert_string_equal(who(rota_set_find(set, "dba"),
	    utc(2026, 1, 6, 3, 29)), "mia");
	assert_string_equal(who(rota_set_find(set, "dba"),
	    utc(2026, 1, 6, 3, 30)), "dave");
	assert_string_equal(who(rota_set_find(set, "dba"),
	    utc(2026, 1, 6, 5, 30)), "dave,erin");
	assert_string_equal(who(rota_set_find(set, "dba"),
	    utc(2026, 1, 6, 9, 30)), "dave");
	rota_findings_free(&f);
	rota_set_free(set);
	people_free(pp);
}

static void
test_rota_set_errors(void **state)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	struct rota *a, *b, *dup;
	char *cause = NULL;

	a = parse("name = \"a\"; timezone = \"UTC\";\n"
	    LAYER("2026-01-05 09:00", "1w") "backup = \"b\";\n");
	b = parse("name = \"b\"; timezone = \"UTC\";\n"
	    LAYER("2026-01-05 09:00", "1w") "backup = \"a\";\n");
	dup = parse("name = \"a\"; timezone = \"UTC\";\n"
	    LAYER("2026-01-05 09:00", "1w"));
	assert_int_equal(rota_set_add(set, a, &cause), 0);
	assert_int_equal(rota_set_add(set, b, &cause), 0);
	assert_int_equal(rota_set_add(set, dup, &cause), -1);
	assert_non_null(strstr(cause, "rota \"a\" is already defined"));
	free(cause);
	rota_free(dup);
	assert_int_equal(rota_set_link(set, &f), 2);
	assert_int_equal(has_finding(&f, ROTA_ERROR, "backup rotas of \"a\""
	    " form a loop"), 3);
	assert_null(a->backup_rota);
	assert_null(b->backup_rota);
	rota_findings_free(&f);
	assert_int_equal(rota_set_load_dir(set, "/nonexistent", &f), -1);
	rota_findings_free(&f);
	rota_set_free(set);
}

/*
 * A rota of one: the same person goes on and on, so the shift "ends" at
 * the next handoff instant, a fixed point, not at wherever the search
 * stopped (which moved with the query).
 */
static void
test_lone_member_end(void **state)
{
	struct rota *r = parse("name = \"solo\"; timezone = \"UTC\";\n"
	    "layers = ( { name = \"w\"; start = \"2026-01-05 09:00\";"
	    " shift = \"1w\"; members = [ \"ann\" ]; } );\n");
	int64_t t = utc(2026, 11, 24, 10, 0);
	struct rota_shift a = entry(r, t, "ann"), b = entry(r, t + 7 * MIN,
	    "ann");

	/* Mondays 09:00 UTC: the next one after Tue 24 Nov is 30 Nov */
	assert_int_equal(a.end, utc(2026, 11, 30, 9, 0));
	assert_int_equal(b.end, a.end);
	assert_int_equal(entry(r, utc(2026, 11, 30, 9, 0), "ann").end,
	    utc(2026, 12, 7, 9, 0));
	rota_free(r);
}

/* The findings of f, formatted and in order, are exactly want[]. */
static void
findings_are(const struct rota_findings *f, const char **want, size_t n)
{
	size_t i;
	char *s;

	if (f->n != n)
		dump_findings(f);
	assert_int_equal(f->n, n);
	for (i = 0; i < n; i++) {
		s = rota_finding_format(&f->list[i]);
		if (strcmp(s, want[i]) != 0) {
			dump_findings(f);
			fail_msg("finding %zu is \"%s\", not \"%s\"", i, s,
			    want[i]);
		}
		free(s);
	}
}

/*
 * Coverage of 10-minute shifts, worked out by hand (UTC, Monday 5 January
 * 2026; a has 08:00, 08:20, ... and b 08:10, 08:30, ...).  Pieces with the
 * same shortfall under the same rule run together into one finding, and
 * pieces with another count or rule do not; a shift that began before the
 * window counts.
 */
static const char shortshifts[] =
    "name = \"short\"; timezone = \"UTC\";\n"
    "layers = ( { name = \"tick\"; start = \"2026-01-05 00:00\";"
    " shift = \"10m\";\n"
    "  members = [ \"a\", \"b\" ]; } );\n"
    "overrides = (\n"
    " { kind = \"off\"; who = \"a\"; from = \"2026-01-05 08:20\";"
    " to = \"2026-01-05 09:10\"; reason = \"x\"; },\n"		/* 5 */
    " { kind = \"off\"; who = \"b\"; from = \"2026-01-05 08:50\";"
    " to = \"2026-01-05 09:00\"; reason = \"x\"; },\n"		/* 6 */
    " { kind = \"off\"; who = \"b\"; from = \"2026-01-05 09:30\";"
    " to = \"2026-01-05 09:40\"; reason = \"x\"; } );\n"	/* 7 */
    "coverage = { minimum = 1;\n"					/* 8 */
    "  windows = ( { when = \"Mon 09:00-10:00\"; minimum = 2; } ); };\n"
    "backup = \"bk\";\n";
static const char shortbackup[] =
    "name = \"bk\"; timezone = \"UTC\";\n"
    "layers = ( { name = \"tock\"; start = \"2026-01-05 00:00\";"
    " shift = \"5m\";\n"
    "  members = [ \"m\", \"n\" ]; } );\n";

static void
test_rota_coverage_sweep(void **state)
{
	static const char *alone[] = {
		"t.conf:8: coverage gap from 2026-01-05 08:20 +00:00 to"
		" 2026-01-05 08:30 +00:00: 0 of 1 on call",
		/* a's turn and b's, both off */
		"t.conf:8: coverage gap from 2026-01-05 08:40 +00:00 to"
		" 2026-01-05 09:00 +00:00: 0 of 1 on call",
		/* still nobody, but the window asks for two */
		"t.conf:9: coverage gap from 2026-01-05 09:00 +00:00 to"
		" 2026-01-05 09:10 +00:00: 0 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:10 +00:00 to"
		" 2026-01-05 09:30 +00:00: 1 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:30 +00:00 to"
		" 2026-01-05 09:40 +00:00: 0 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:40 +00:00 to"
		" 2026-01-05 10:00 +00:00: 1 of 2 on call",
	};
	/* bk's 5-minute shifts fill the holes but cannot make two. */
	static const char *backed[] = {
		"t.conf:8: warning: coverage from 2026-01-05 08:20 +00:00 to"
		" 2026-01-05 08:30 +00:00 only through backup rota \"bk\""
		" (0 of 1 on call)",
		"t.conf:8: warning: coverage from 2026-01-05 08:40 +00:00 to"
		" 2026-01-05 09:00 +00:00 only through backup rota \"bk\""
		" (0 of 1 on call)",
		"t.conf:9: coverage gap from 2026-01-05 09:00 +00:00 to"
		" 2026-01-05 09:10 +00:00: 0 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:10 +00:00 to"
		" 2026-01-05 09:30 +00:00: 1 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:30 +00:00 to"
		" 2026-01-05 09:40 +00:00: 0 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:40 +00:00 to"
		" 2026-01-05 10:00 +00:00: 1 of 2 on call",
	};
	/* Starting and ending inside holes. */
	static const char *cut[] = {
		"t.conf:8: warning: coverage from 2026-01-05 08:55 +00:00 to"
		" 2026-01-05 09:00 +00:00 only through backup rota \"bk\""
		" (0 of 1 on call)",
		"t.conf:9: coverage gap from 2026-01-05 09:00 +00:00 to"
		" 2026-01-05 09:10 +00:00: 0 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:10 +00:00 to"
		" 2026-01-05 09:30 +00:00: 1 of 2 on call",
		"t.conf:9: coverage gap from 2026-01-05 09:30 +00:00 to"
		" 2026-01-05 09:35 +00:00: 0 of 2 on call",
	};
	struct rota *r = parse(shortshifts), *b;
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	char *cause = NULL;

	/* Not linked: no backup at all. */
	rota_check(r, NULL, utc(2026, 1, 5, 8, 5), utc(2026, 1, 5, 10, 30),
	    &f);
	findings_are(&f, alone, sizeof alone / sizeof alone[0]);
	assert_int_equal(f.nerrors, 6);
	rota_findings_free(&f);

	assert_int_equal(rota_set_add(set, r, &cause), 0);
	assert_int_equal(rota_set_add(set, b = parse(shortbackup), &cause),
	    0);
	assert_int_equal(rota_set_link(set, &f), 0);
	assert_string_equal(who(r, utc(2026, 1, 5, 8, 27)), "n");
	rota_check(r, NULL, utc(2026, 1, 5, 8, 5), utc(2026, 1, 5, 10, 30),
	    &f);
	findings_are(&f, backed, sizeof backed / sizeof backed[0]);
	assert_int_equal(f.nerrors, 4);
	rota_findings_free(&f);

	rota_check(r, NULL, utc(2026, 1, 5, 8, 55), utc(2026, 1, 5, 9, 35),
	    &f);
	findings_are(&f, cut, sizeof cut / sizeof cut[0]);
	rota_findings_free(&f);
	/* Nothing short outside the window. */
	rota_check(r, NULL, utc(2026, 1, 5, 10, 0), utc(2026, 1, 5, 23, 0),
	    &f);
	findings_are(&f, NULL, 0);
	rota_set_free(set);
}

static const char minutes[] =
    "name = \"minute\"; timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"tick\"; start = \"2026-01-05 00:00\";"
    " shift = \"1m\";\n"
    "  members = [ \"a\", \"b\", \"c\" ]; } );\n"
    "coverage = { minimum = 1;\n"
    "  windows = ( { when = \"09:00-17:00\"; minimum = 2; } ); };\n";

/*
 * The shortest shifts there are: 1,440 a day, one person at a time, so
 * every day's 480 pieces from 09:00 to 17:00 make one finding.
 */
static void
test_rota_minute_shifts(void **state)
{
	char why[ROTA_WHY_LEN];
	static const char *dst[] = {
		"t.conf:5: coverage gap from 2026-03-28 09:00 +01:00 to"
		" 2026-03-28 17:00 +01:00: 1 of 2 on call",
		"t.conf:5: coverage gap from 2026-03-29 09:00 +02:00 to"
		" 2026-03-29 17:00 +02:00: 1 of 2 on call",
		"t.conf:5: coverage gap from 2026-03-30 09:00 +02:00 to"
		" 2026-03-30 17:00 +02:00: 1 of 2 on call",
	};
	struct rota *r = parse(minutes);
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_shifts sh = { NULL, 0, 0 };
	size_t i;

	/* 30 days asked: 20,000 turns are 13 days 21 hours, said first,
	 * then a finding a day. */
	rota_check(r, NULL, utc(2026, 1, 4, 23, 0), utc(2026, 2, 3, 23, 0),
	    &f);
	assert_int_equal(f.n, 15);
	assert_int_equal(f.nerrors, 14);
	assert_string_equal(f.list[0].message, "layer \"tick\": with shifts"
	    " of 1m, coverage and fatigue are checked over the next 1w6d21h"
	    " only, not 4w2d");
	assert_string_equal(f.list[1].message, "coverage gap from 2026-01-05"
	    " 09:00 +01:00 to 2026-01-05 17:00 +01:00: 1 of 2 on call");
	assert_string_equal(f.list[14].message, "coverage gap from"
	    " 2026-01-18 09:00 +01:00 to 2026-01-18 17:00 +01:00: 1 of 2 on"
	    " call");
	rota_findings_free(&f);

	/* Across the change to summer time: a day of 23 hours. */
	rota_check(r, NULL, utc(2026, 3, 27, 23, 0), utc(2026, 3, 30, 22, 0),
	    &f);
	findings_are(&f, dst, sizeof dst / sizeof dst[0]);
	rota_findings_free(&f);
	rota_schedule(r, utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0),
	    NULL, &sh);
	assert_int_equal(sh.n, 23 * 60);
	for (i = 0; i < sh.n; i++) {
		assert_int_equal(sh.list[i].start, utc(2026, 3, 28, 23, 0) +
		    (int64_t)i * MIN);
		assert_int_equal(sh.list[i].end, sh.list[i].start + MIN);
	}
	rota_shifts_free(&sh);
	/* One person's: every third minute. */
	rota_schedule(r, utc(2026, 1, 5, 8, 0), utc(2026, 1, 5, 9, 0), "b",
	    &sh);
	assert_int_equal(sh.n, 20);
	for (i = 0; i < sh.n; i++) {
		assert_string_equal(sh.list[i].person, "b");
		assert_int_equal(sh.list[i].start, utc(2026, 1, 5, 8, 0) +
		    (int64_t)(3 * i + 1) * MIN);
		assert_int_equal(sh.list[i].end, sh.list[i].start + MIN);
	}
	rota_shifts_free(&sh);
	rota_free(r);

	/* Two turns in a row are one shift of two minutes. */
	r = parse("name = \"m2\"; timezone = \"UTC\";\n"
	    "layers = ( { start = \"2026-01-05 00:00\"; shift = \"1m\";\n"
	    "  members = [ \"a\", \"a\", \"b\" ]; } );\n"
	    "overrides = ( { kind = \"add\"; who = \"c\";"
	    " from = \"2026-01-05 10:00\"; to = \"2026-01-05 10:30\"; } );\n");
	rota_schedule(r, utc(2026, 1, 5, 10, 0), utc(2026, 1, 5, 11, 0), NULL,
	    &sh);
	assert_int_equal(sh.n, 41);
	for (i = 0; i < sh.n; i++) {
		if (strcmp(sh.list[i].person, "c") == 0) {
			/* opened after a's first shift, in order of start */
			assert_int_equal(i, 1);
			assert_int_equal(sh.list[i].start,
			    utc(2026, 1, 5, 10, 0));
			assert_int_equal(sh.list[i].end,
			    utc(2026, 1, 5, 10, 30));
			assert_string_equal(rota_shift_why(&sh.list[i], why,
			    sizeof why),
			    "override line 4: added");
			continue;
		}
		assert_int_equal(sh.list[i].end - sh.list[i].start,
		    strcmp(sh.list[i].person, "a") == 0 ? 2 * MIN : MIN);
	}
	rota_shifts_free(&sh);
	rota_free(r);
}


/*
 * The index (rota-index.c) against the scan it stands in for.  Each rota
 * here has what makes an answer tricky: DST changes, windows, overrides of
 * every kind, a backup, shifts longer than ROTA_REACH (whose starts and
 * ends the scan cuts), a layer that ends and one that starts later, a
 * name listed twice (two strings: the scan's is the one it saw first).
 */
static const char idx_main[] =
    "name = \"main\"; timezone = \"Europe/Berlin\"; backup = \"bk\";\n"
    "layers = (\n"
    " { name = \"week\"; start = \"2026-01-05 09:00\"; shift = \"1w\";\n"
    "   members = [ \"a\", \"b\", \"c\" ]; when = \"Mon-Fri 09:00-17:00\"; },\n"
    " { name = \"night\"; start = \"2026-01-05 20:00\"; shift = \"12h\";\n"
    "   members = [ \"d\", \"e\" ]; when = \"Mon-Thu 20:00-23:00\"; },\n"
    " { name = \"wknd\"; start = \"2026-01-03 10:00\"; shift = \"1d\";\n"
    "   end = \"2026-12-01 00:00\"; members = [ \"f\", \"g\", \"h\" ];\n"
    "   when = \"Sat-Sun 01:30-18:00\"; },\n"
    " { name = \"late\"; start = \"2026-04-20 08:00\"; shift = \"1d\";\n"
    "   members = [ \"k\", \"l\" ]; when = \"Mon-Fri 08:00-10:00\"; } );\n"
    "overrides = (\n"
    " { kind = \"replace\"; who = \"a\"; with = \"x\";\n"
    "   from = \"2026-03-27 10:00\"; to = \"2026-04-02 12:00\"; },\n"
    " { kind = \"add\"; who = \"y\"; from = \"2026-03-25 00:00\";\n"
    "   to = \"2026-03-26 06:00\"; reason = \"shadow\"; },\n"
    " { kind = \"off\"; who = \"b\"; from = \"2026-03-30 00:00\";\n"
    "   to = \"2026-04-01 00:00\"; reason = \"off\"; },\n"
    " { kind = \"replace\"; who = \"d\"; with = \"a\";\n"
    "   from = \"2026-03-23 00:00\"; to = \"2026-03-25 00:00\"; },\n"
    " { kind = \"add\"; who = \"c\"; from = \"2026-10-24 22:00\";\n"
    "   to = \"2026-10-25 04:00\"; } );\n";
static const char idx_bk[] =
    "name = \"bk\"; timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"duty\"; start = \"2026-01-05 00:00\";"
    " shift = \"1w\";\n"
    "  members = [ \"m\", \"n\" ]; } );\n"
    "overrides = ( { kind = \"add\"; who = \"o\"; from = \"2026-03-28\";\n"
    "  to = \"2026-03-31\"; } );\n";
static const char idx_lone[] =
    "name = \"lone\"; timezone = \"America/New_York\";\n"
    "layers = (\n"
    " { name = \"solo\"; start = \"2026-01-05 09:00\"; shift = \"1w\";\n"
    "   members = [ \"z\", \"z\" ]; },\n"
    " { name = \"one\"; start = \"2026-01-07 12:00\"; shift = \"2w\";\n"
    "   members = [ \"v\" ]; },\n"
    " { name = \"rot\"; start = \"2026-01-05 09:00\"; shift = \"1d\";\n"
    "   members = [ \"p\", \"q\" ]; when = \"Mon-Fri 09:00-17:00\"; } );\n"
    "overrides = (\n"
    " { kind = \"replace\"; who = \"z\"; with = \"y\";\n"
    "   from = \"2026-02-01 00:00\"; to = \"2026-05-15 00:00\"; },\n"
    " { kind = \"add\"; who = \"w\"; from = \"2026-01-10 00:00\";\n"
    "   to = \"2026-06-30 00:00\"; reason = \"long\"; },\n"
    " { kind = \"off\"; who = \"z\"; from = \"2026-10-01 00:00\";\n"
    "   to = \"2026-10-02 00:00\"; reason = \"off\"; } );\n";

/*
 * The shifts on call in r at t, from rota_oncall() (and so from the index
 * when it answers), are a scan's, field for field, in the same order and
 * with the same why.  Returns whether the index answered.
 */
static int
index_same(const struct rota *r, int64_t t)
{
	struct rota_shifts a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct rota_shifts c = { NULL, 0, 0 };
	char wa[ROTA_WHY_LEN], wb[ROTA_WHY_LEN], when[64];
	const struct rota_shift *x, *y;
	int served;
	size_t i;

	served = rota_index_oncall(r, t, &c) == 0;
	rota_shifts_free(&c);
	assert_int_equal(rota_oncall(r, t, &a), 0);
	assert_int_equal(rota_oncall_scan(r, t, &b), 0);
	rota_format_local(r, t, when, sizeof when);
	if (a.n != b.n)
		fail_msg("%s at %s (%lld): %zu on call, the scan says %zu",
		    r->name, when, (long long)t, a.n, b.n);
	for (i = 0; i < a.n; i++) {
		x = &a.list[i];
		y = &b.list[i];
		rota_shift_why(x, wa, sizeof wa);
		rota_shift_why(y, wb, sizeof wb);
		if (x->person != y->person || x->start != y->start ||
		    x->end != y->end || x->rota != y->rota ||
		    x->layer != y->layer || x->override != y->override ||
		    x->backup != y->backup || strcmp(wa, wb) != 0)
			fail_msg("%s at %s (%lld), shift %zu: %s %lld-%lld %s,"
			    " the scan says %s %lld-%lld %s", r->name, when,
			    (long long)t, i, x->person, (long long)x->start,
			    (long long)x->end, wa, y->person,
			    (long long)y->start, (long long)y->end, wb);
	}
	rota_shifts_free(&a);
	rota_shifts_free(&b);
	return served;
}

/*
 * Build r's index at now, then compare it with the scan at random
 * instants from two days before it to two days after, at the edges, and
 * next to each instant where who is on call may change (all of them, or
 * for a rota of many, the first 2,000 and those of its last 6 hours).
 */
static void
index_check(struct rota *r, int64_t now, uint64_t seed)
{
	struct rota_index_stats st;
	int64_t t, u, span, edges[5];
	uint64_t x = seed;
	size_t i;

	assert_int_equal(rota_index_build(r, now), 0);
	assert_int_equal(rota_index_stats(r, &st), 0);
	assert_true(st.from <= now && now < st.to);
	assert_true(st.nslots > 0 && st.bytes > 0);
	assert_true(st.bytes < 3 * 1024 * 1024);
	span = st.to - st.from;
	for (i = 0; i < 1500; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		t = st.from - 2 * DAY + (int64_t)((x >> 11) %
		    (uint64_t)(span + 4 * DAY));
		assert_int_equal(index_same(r, t), t >= st.from && t < st.to);
	}
	edges[0] = st.from - 1;
	edges[1] = st.from;
	edges[2] = st.to - 1;
	edges[3] = st.to;
	edges[4] = st.to + 1;
	for (i = 0; i < 5; i++)
		assert_int_equal(index_same(r, edges[i]),
		    edges[i] >= st.from && edges[i] < st.to);
	/*
	 * Next to each boundary u, and where u is just ROTA_REACH after t
	 * (how far the scan follows a shift going on at t).
	 */
	for (u = st.from, i = 0; (u = rota_next_boundary(r, u, 0)) <
	    st.to + ROTA_REACH + DAY; i++) {
		if (i >= 2000 && (u < st.to - 6 * HOUR || u > st.to + DAY) &&
		    (u < st.to + ROTA_REACH - 6 * HOUR))
			continue;
		for (t = u - 1; t <= u + 1 && u < st.to + DAY; t++)
			assert_int_equal(index_same(r, t), t < st.to);
		for (t = u - ROTA_REACH - 2; t <= u - ROTA_REACH; t++) {
			if (t >= st.from - DAY)
				assert_int_equal(index_same(r, t),
				    t >= st.from && t < st.to);
		}
	}
}

/* The index gives what a scan gives, at any instant, with any rota. */
static void
test_rota_index(void **state)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	struct rota_index_stats st;
	struct rota *r = parse(idx_main), *b = parse(idx_bk), *l, *m;
	char *cause = NULL;

	assert_int_equal(rota_set_add(set, r, &cause), 0);
	assert_int_equal(rota_set_add(set, b, &cause), 0);
	assert_int_equal(rota_set_link(set, &f), 0);
	/* spring and autumn DST, the weekend layer ending, the backup */
	index_check(r, utc(2026, 3, 20, 12, 0), 1);
	index_check(r, utc(2026, 10, 1, 0, 0), 2);
	index_check(r, utc(2026, 11, 25, 7, 30), 3);
	index_check(b, utc(2026, 3, 27, 0, 0), 4);
	/* shifts longer than ROTA_REACH, cut at both ends by the scan */
	l = parse(idx_lone);
	index_check(l, utc(2026, 3, 1, 0, 0), 5);
	index_check(l, utc(2026, 4, 20, 15, 0), 6);
	index_check(l, utc(2026, 9, 15, 0, 0), 7);
	/* 1-minute shifts: the index stops at its size limit */
	m = parse(minutes);
	index_check(m, utc(2026, 3, 25, 0, 0), 8);
	assert_int_equal(rota_index_stats(m, &st), 0);
	assert_true(st.to < utc(2026, 3, 25, 0, 0) + 30 * DAY);
	assert_true(st.to > utc(2026, 3, 25, 0, 0) + 10 * DAY);
	rota_free(m);
	rota_free(l);

	/* Linking backups again drops indexes, which follow the old links. */
	assert_non_null(r->index);
	assert_int_equal(rota_set_link(set, &f), 0);
	assert_null(r->index);
	assert_null(b->index);
	assert_int_equal(rota_set_index(set, utc(2026, 3, 20, 12, 0)), 2);
	assert_non_null(r->index);
	/* Taking the backup out of the set drops them too. */
	assert_ptr_equal(rota_set_remove(set, "bk"), b);
	assert_null(r->index);
	assert_null(b->index);
	assert_int_equal(rota_index_build(r, utc(2026, 3, 20, 12, 0)), 0);
	assert_false(index_same(r, utc(2026, 3, 20, 12, 0) - 2 * HOUR));
	assert_true(index_same(r, utc(2026, 3, 21, 12, 0)));
	rota_free(b);
	/* No index for instants the scan refuses. */
	assert_int_equal(rota_index_build(r, -DAY), -1);
	assert_null(r->index);
	assert_int_equal(rota_index_stats(r, &st), -1);
	rota_set_free(set);
}

/*
 * A daemon keeps the index ahead of the clock (oncall.c, every hour):
 * each lookup as time goes by is answered by the index, with a rebuild
 * about each month.
 */
static void
test_rota_index_refresh(void **state)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_set *set = rota_set_new();
	struct rota *r = parse(idx_main), *b = parse(idx_bk);
	int64_t t0 = utc(2026, 2, 1, 0, 0), t;
	char *cause = NULL;
	int built = 0;

	assert_int_equal(rota_set_add(set, r, &cause), 0);
	assert_int_equal(rota_set_add(set, b, &cause), 0);
	assert_int_equal(rota_set_link(set, &f), 0);
	assert_true(rota_index_due(r, t0));
	assert_int_equal(rota_set_index(set, t0), 2);
	assert_false(rota_index_due(r, t0 + HOUR));
	assert_int_equal(rota_set_index(set, t0 + HOUR), 0);
	assert_true(rota_index_due(r, t0 - 2 * HOUR)); /* clock went back */
	for (t = t0; t < t0 + 300 * DAY; t += 7 * HOUR + 13 * MIN) {
		if (rota_index_due(r, t))
			built++;
		rota_set_index(set, t);
		assert_true(index_same(r, t));
		assert_true(index_same(r, t + 20 * DAY));
	}
	assert_true(built >= 9 && built <= 11);
	rota_set_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lone_member_end),
		cmocka_unit_test(test_rota_weekly),
		cmocka_unit_test(test_rota_dst_handoffs),
		cmocka_unit_test(test_rota_elapsed),
		cmocka_unit_test(test_rota_day_night),
		cmocka_unit_test(test_rota_business_hours_backup),
		cmocka_unit_test(test_rota_windows),
		cmocka_unit_test(test_rota_overrides),
		cmocka_unit_test(test_rota_contradictions),
		cmocka_unit_test(test_rota_schedule),
		cmocka_unit_test(test_rota_coverage),
		cmocka_unit_test(test_rota_coverage_sweep),
		cmocka_unit_test(test_rota_minute_shifts),
		cmocka_unit_test(test_rota_fatigue),
		cmocka_unit_test(test_rota_unknown_people),
		cmocka_unit_test(test_rota_parse_errors),
		cmocka_unit_test(test_rota_check_bounded),
		cmocka_unit_test(test_rota_ical),
		cmocka_unit_test(test_rota_examples),
		cmocka_unit_test(test_rota_set_errors),
		cmocka_unit_test(test_rota_index),
		cmocka_unit_test(test_rota_index_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
