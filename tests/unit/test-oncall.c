/* SPDX-License-Identifier: ISC */
/*
 * test-oncall.c: the rotas in force, loaded by oncall from a people file
 * and a rota folder, at a fake "now" (fake-clock.c; coverage is judged
 * over the 90 days after it).  Who is on call agrees with expectations
 * worked out by hand (and checked with Python's zoneinfo) at handoffs
 * either side of the changes of daylight saving time in Berlin and New
 * York, inside and at the edges of a replacement, and over a vacation
 * that hands the rota to its backup; a broken edit, or one that brings
 * a coverage gap, keeps the previous version in force, and a good edit
 * replaces it and tells the owner.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fake-clock.h"
#include "fixture.h"
#include "oncall.h"
#include "rota.h"
#include "tz.h"

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) *
	    INT64_C(1000);
}

#define T0 utc(2026, 3, 2, 12, 0)

/* How many times oncall said the rotas in force changed. */
static int changes;

static const char conf_text[] =
    "state_dir = \"state\";\n"
    "people = \"people.conf\";\n"
    "rota_dir = \"rota.d\";\n";

static const char people_text[] =
    "people = (\n"
    " { id = \"alice\"; name = \"Alice\"; email = \"alice@example.org\"; },\n"
    " { id = \"bob\"; name = \"Bob\"; email = \"bob@example.org\"; },\n"
    " { id = \"carol\"; name = \"Carol\"; email = \"carol@example.org\"; },\n"
    " { id = \"dave\"; name = \"Dave\"; email = \"dave@example.org\"; },\n"
    " { id = \"erin\"; name = \"Erin\"; email = \"erin@example.org\"; },\n"
    " { id = \"frank\"; name = \"Frank\"; email = \"frank@example.org\"; },\n"
    " { id = \"mia\"; name = \"Mia\"; email = \"mia@example.org\"; },\n"
    " { id = \"max\"; name = \"Max\"; email = \"max@example.org\"; }\n"
    ");\n";

/*
 * Weekly turns from Monday 2026-01-05 09:00 Berlin time: week k is
 * alice, bob, carol for k mod 3 (the week of 2026-03-23 is week 11:
 * carol; 2026-03-30 week 12: alice; 2026-12-21 week 50: carol).
 */
static const char ops_text[] =
    "name = \"ops\";\n"
    "timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"weekly\"; start = \"2026-01-05 09:00\";"
    " shift = \"1w\"; members = [ \"alice\", \"bob\", \"carol\" ]; } );\n"
    "overrides = (\n"
    " { kind = \"replace\"; who = \"carol\"; with = \"dave\";"
    " from = \"2026-03-24 00:00\"; to = \"2026-03-26 00:00\";"
    " reason = \"sick\"; },\n"
    " { kind = \"off\"; who = \"carol\"; from = \"2026-12-24 00:00\";"
    " to = \"2026-12-27 00:00\"; reason = \"vacation\"; }\n"
    ");\n"
    "backup = \"managers\";\n";

/* Daily from 2026-01-05 09:00 Berlin: mia on even days, max on odd. */
static const char managers_text[] =
    "name = \"managers\";\n"
    "timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"duty\"; start = \"2026-01-05 09:00\";"
    " shift = \"1d\"; members = [ \"mia\", \"max\" ]; } );\n";

/* Daily from 2026-01-05 08:00 New York: erin on even days, frank odd. */
static const char noc_text[] =
    "name = \"noc\";\n"
    "timezone = \"America/New_York\";\n"
    "layers = ( { name = \"day\"; start = \"2026-01-05 08:00\";"
    " shift = \"1d\"; members = [ \"erin\", \"frank\" ]; } );\n";

static void
changed_cb(struct oncall *o, void *arg)
{
	changes++;
}

static const struct fixture_file rotas[] = {
	{ "ops.conf", ops_text },
	{ "managers.conf", managers_text },
	{ "noc.conf", noc_text },
	{ NULL, NULL }
};

static const struct fixture_spec spec = {
	.name = "test-oncall",
	.conf = conf_text,
	.people = people_text,
	.rotas = rotas
};

static int
setup(void **state)
{
	struct fixture *f;

	*state = f = fixture_new(&spec, T0);
	changes = 0;
	oncall_set_change_cb(f->oncall, changed_cb, NULL);
	return 0;
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/*
 * Who rota name (in force) has on call at t, one person expected: its
 * id, and whether it came by an override or from the backup.
 */
static void
expect_oncall(struct fixture *f, const char *name, int64_t t,
    const char *who, int override, int backup)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	const struct rota *r;
	char at[32];

	assert_non_null(r = rota_set_find(oncall_rotas(f->oncall), name));
	assert_int_equal(rota_oncall(r, t, &sh), 0);
	if (sh.n != 1 || strcmp(sh.list[0].person, who) != 0)
		fail_msg("rota %s at %s: %zu on call (%s), want %s", name,
		    clock_format_iso(t, at, sizeof at), sh.n, sh.n > 0 ?
		    sh.list[0].person : "nobody", who);
	assert_int_equal(sh.list[0].override != NULL, override);
	assert_int_equal(sh.list[0].backup, backup);
	rota_shifts_free(&sh);
}

static void
test_loaded(void **state)
{
	struct fixture *f = *state;
	const struct oncall_status *st;

	assert_int_equal(oncall_nstatus(f->oncall), 3);
	assert_int_equal(oncall_rotas(f->oncall)->n, 3);
	assert_non_null(st = oncall_status_find(f->oncall, "ops"));
	assert_int_equal(st->state, ONCALL_OK);
	assert_int_equal(st->loaded_ms, T0);
	assert_int_equal(st->nerrors, 0);
}

/* Monday 09:00 Berlin: 08:00 UTC in winter, 07:00 UTC in summer. */
static void
test_weekly_across_dst(void **state)
{
	struct fixture *f = *state;

	expect_oncall(f, "ops", utc(2026, 3, 23, 8, 0) - 1, "bob", 0, 0);
	expect_oncall(f, "ops", utc(2026, 3, 23, 8, 0), "carol", 0, 0);
	expect_oncall(f, "ops", utc(2026, 3, 30, 7, 0) - 1, "carol", 0, 0);
	expect_oncall(f, "ops", utc(2026, 3, 30, 7, 0), "alice", 0, 0);
	/* and back in October (summer time ends on the 25th) */
	expect_oncall(f, "ops", utc(2026, 10, 26, 8, 0) - 1, "carol", 0, 0);
	expect_oncall(f, "ops", utc(2026, 10, 26, 8, 0), "alice", 0, 0);
}

/* A daily rota in New York: summer time starts there on March 8. */
static void
test_daily_new_york(void **state)
{
	struct fixture *f = *state;

	expect_oncall(f, "noc", utc(2026, 3, 6, 13, 0) - 1, "frank", 0, 0);
	expect_oncall(f, "noc", utc(2026, 3, 6, 13, 0), "erin", 0, 0);
	expect_oncall(f, "noc", utc(2026, 3, 9, 12, 0) - 1, "erin", 0, 0);
	expect_oncall(f, "noc", utc(2026, 3, 9, 12, 0), "frank", 0, 0);
	expect_oncall(f, "noc", utc(2026, 3, 9, 13, 0), "frank", 0, 0);
}

/* Dave stands in for carol from Tuesday 00:00 to Thursday 00:00 CET. */
static void
test_replacement(void **state)
{
	struct fixture *f = *state;

	expect_oncall(f, "ops", utc(2026, 3, 23, 23, 0) - 1, "carol", 0, 0);
	expect_oncall(f, "ops", utc(2026, 3, 23, 23, 0), "dave", 1, 0);
	expect_oncall(f, "ops", utc(2026, 3, 24, 12, 0), "dave", 1, 0);
	expect_oncall(f, "ops", utc(2026, 3, 25, 23, 0) - 1, "dave", 1, 0);
	expect_oncall(f, "ops", utc(2026, 3, 25, 23, 0), "carol", 0, 0);
}

/* Carol's vacation: the managers rota (its backup) has the turn. */
static void
test_vacation_backup(void **state)
{
	struct fixture *f = *state;

	expect_oncall(f, "ops", utc(2026, 12, 23, 11, 0), "carol", 0, 0);
	expect_oncall(f, "ops", utc(2026, 12, 23, 23, 0) - 1, "carol", 0, 0);
	expect_oncall(f, "ops", utc(2026, 12, 23, 23, 0), "mia", 0, 1);
	expect_oncall(f, "ops", utc(2026, 12, 24, 8, 0) - 1, "mia", 0, 1);
	expect_oncall(f, "ops", utc(2026, 12, 24, 8, 0), "max", 0, 1);
	expect_oncall(f, "ops", utc(2026, 12, 25, 11, 0), "mia", 0, 1);
	expect_oncall(f, "ops", utc(2026, 12, 26, 23, 0), "carol", 0, 0);
}

/* A broken edit: reported, and the previous version stays in force. */
static void
test_broken_edit_kept(void **state)
{
	struct fixture *f = *state;
	const struct oncall_status *st;

	fake_clock_advance_to(T0 + INT64_C(3600000));
	fixture_write(f, "rota.d/ops.conf", "name = \"ops\";\nlayers = (");
	oncall_reload_rotas(f->oncall);
	assert_int_equal(changes, 1);
	assert_non_null(st = oncall_status_find(f->oncall, "ops"));
	assert_int_equal(st->state, ONCALL_STALE);
	assert_non_null(st->error);
	assert_int_equal(st->loaded_ms, T0);
	assert_int_equal(st->checked_ms, T0 + INT64_C(3600000));
	expect_oncall(f, "ops", utc(2026, 3, 24, 12, 0), "dave", 1, 0);
	expect_oncall(f, "ops", utc(2026, 3, 30, 7, 0), "alice", 0, 0);

	/* a good edit replaces it: bob and carol only, from the same start */
	fixture_write(f, "rota.d/ops.conf",
	    "name = \"ops\";\n"
	    "timezone = \"Europe/Berlin\";\n"
	    "layers = ( { name = \"weekly\"; start = \"2026-01-05 09:00\";"
	    " shift = \"1w\"; members = [ \"bob\", \"carol\" ]; } );\n");
	oncall_reload_rotas(f->oncall);
	assert_int_equal(changes, 2);
	assert_non_null(st = oncall_status_find(f->oncall, "ops"));
	assert_int_equal(st->state, ONCALL_OK);
	assert_int_equal(st->loaded_ms, T0 + INT64_C(3600000));
	/* week 12 is even: bob */
	expect_oncall(f, "ops", utc(2026, 3, 30, 7, 0), "bob", 0, 0);
}

/*
 * An edit that leaves nights uncovered (and drops the backup) is
 * refused: the first gap is judged from the fake now, the evening of
 * 2026-03-02; the previous version stays in force.
 */
static void
test_gap_edit_refused(void **state)
{
	struct fixture *f = *state;
	const struct oncall_status *st;

	fixture_write(f, "rota.d/ops.conf",
	    "name = \"ops\";\n"
	    "timezone = \"Europe/Berlin\";\n"
	    "layers = ( { name = \"weekly\"; start = \"2026-01-05 09:00\";"
	    " shift = \"1w\"; members = [ \"alice\", \"bob\", \"carol\" ];"
	    " when = \"09:00-17:00\"; } );\n");
	oncall_reload_rotas(f->oncall);
	assert_non_null(st = oncall_status_find(f->oncall, "ops"));
	assert_int_equal(st->state, ONCALL_STALE);
	assert_non_null(st->error);
	assert_non_null(strstr(st->error,
	    "coverage gap from 2026-03-02 17:00"));
	expect_oncall(f, "ops", utc(2026, 3, 24, 22, 0), "dave", 1, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weekly_across_dst, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_daily_new_york, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replacement, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vacation_backup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broken_edit_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gap_edit_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
