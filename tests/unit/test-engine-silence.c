/* SPDX-License-Identifier: ISC */
/*
 * test-engine-silence.c: silences in the engine, on a real loop and
 * store with the fake clock: a silenced alert is stored and audited but
 * nobody is paged; when the silence ends it pages then (page_on_expiry)
 * or stays quiet; an early expiry lets go at once; a held alert can be
 * acknowledged and is then not paged; and a restart with a silence in
 * force starts none of the alerts it holds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "engine.h"
#include "fake-clock.h"
#include "fixture.h"
#include "silence.h"
#include "store.h"
#include "xmalloc.h"

#define M DURATION_MINUTE
#define H DURATION_HOUR
#define T0 INT64_C(1795357599000) /* 2026-11-22T14:26:39Z */

/*
 * Policy: stage 1 pages alice (5 minutes to ack), stage 2 bob (10
 * minutes), stage 3 carol.  SLA clocks are far away, so that only
 * stages page.
 */
static const char conf_text[] =
    "state_dir = \"state\";\n"
    "people = \"people.conf\";\n"
    "rota_dir = \"rota.d\";\n"
    "sla = {\n"
    " P1 = { response = \"1d\"; first_response = \"2d\";"
    " resolution = \"7d\"; };\n"
    " P2 = { response = \"1d\"; first_response = \"2d\";"
    " resolution = \"7d\"; };\n"
    " P3 = { response = \"1d\"; first_response = \"2d\";"
    " resolution = \"7d\"; };\n"
    " P4 = { response = \"1d\"; first_response = \"2d\";"
    " resolution = \"7d\"; };\n"
    "};\n"
    "policies = ( { name = \"default\"; stages = (\n"
    " { targets = [ \"person:alice\" ]; ack_within = \"5m\";"
    " resolve_within = \"12h\"; },\n"
    " { targets = [ \"person:bob\" ]; ack_within = \"10m\";"
    " resolve_within = \"12h\"; },\n"
    " { targets = [ \"person:carol\" ]; resolve_within = \"12h\"; }\n"
    "); } );\n";

static const char people_text[] =
    "people = (\n"
    " { id = \"alice\"; name = \"Alice\"; email = \"alice@example.org\"; },\n"
    " { id = \"bob\"; name = \"Bob\"; email = \"bob@example.org\"; },\n"
    " { id = \"carol\"; name = \"Carol\"; email = \"carol@example.org\"; }\n"
    ");\n";

static const struct fixture_spec spec = {
	.name = "test-engine-silence",
	.conf = conf_text,
	.people = people_text,
	.flags = FIXTURE_ENGINE
};

/* The same, with a window on Sundays 15:00-16:00 UTC for "disk *". */
static char maint_conf_text[sizeof conf_text + 256];
static struct fixture_spec maint_spec = {
	.name = "test-engine-maint",
	.conf = maint_conf_text,
	.people = people_text,
	.flags = FIXTURE_ENGINE
};

static int
setup(void **state)
{
	*state = fixture_new(&spec, T0);
	return 0;
}

static int
setup_maint(void **state)
{
	snprintf(maint_conf_text, sizeof maint_conf_text, "%s"
	    "maintenance = ( { name = \"disks\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"15:00-16:00\";"
	    " summary = \"disk *\"; } );\n", conf_text);
	*state = fixture_new(&maint_spec, T0);
	return 0;
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* Silence summaries matching glob from now for len; its id. */
static int64_t
silence(struct fixture *f, const char *glob, int64_t len, int page)
{
	struct silence s;
	char *cause = NULL;
	int64_t id;

	memset(&s, 0, sizeof s);
	s.summary = xstrdup(glob);
	s.service = xstrdup("web");
	s.starts_ms = s.created_ms = fake_clock_now();
	s.ends_ms = s.starts_ms + len;
	s.comment = xstrdup("maintenance");
	s.creator = xstrdup("ops");
	s.page_on_expiry = page;
	if (engine_silence_add(f->engine, &s, &cause) != 0)
		fail_msg("%s", cause);
	id = s.id;
	silence_clear(&s);
	return id;
}

/* How many audit events of kind are about no alert, read apart. */
static size_t
events_none(struct fixture *f, const char *kind)
{
	const char *uri = getenv("PAGERD_TEST_PG");
	const char *vals[1] = { kind };
	sqlite3 *db;
	sqlite3_stmt *q;
	char *path;
	size_t c;
	PGconn *pc;
	PGresult *res;

	if (uri != NULL) {
		/* fixture.c's store is on PostgreSQL (store-pg.test) */
		pc = PQconnectdb(uri);
		res = PQexecParams(pc, "SELECT count(*) FROM events WHERE"
		    " alert_id IS NULL AND kind = $1", 1, NULL, vals, NULL,
		    NULL, 0);
		assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
		c = (size_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		PQfinish(pc);
		return c;
	}
	xasprintf(&path, "%s/state/pagerd.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	free(path);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM events"
	    " WHERE alert_id IS NULL AND kind = ?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	c = (size_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return c;
}

/* How many audit events of kind alert id has, with has in the detail. */
static size_t
events(struct fixture *f, int64_t id, const char *kind, const char *has)
{
	struct store_event *ev;
	size_t n, i, c = 0;

	if (id == 0)
		return events_none(f, kind);
	assert_int_equal(store_events(f->store, id, &ev, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(ev[i].kind, kind) == 0 && (has == NULL ||
		    (ev[i].detail != NULL && strstr(ev[i].detail, has))))
			c++;
	store_events_free(ev, n);
	return c;
}

/* How many console lines, to anyone, have what in their subject. */
static size_t
sent_any(const char *what)
{
	size_t i, n = 0;

	for (i = 0; i < fixture_nsent(); i++)
		if (strstr(fixture_sent(i)->subject, what) != NULL)
			n++;
	return n;
}

static void
restart(struct fixture *f)
{
	engine_free(f->engine);
	assert_int_equal(fake_clock_ntimers(), 0);
	fixture_engine_start(f);
	fake_clock_run();
}

/* Held, not paged; paged when the silence ends; the rest unaffected. */
static void
test_silenced_then_paged(void **state)
{
	struct fixture *f = *state;
	int64_t id, other;

	silence(f, "disk *", 1 * H, 1);
	id = fixture_raise(f, "disk full", 3);
	other = fixture_raise(f, "cpu hot", 3);
	assert_int_equal(engine_open_count(f->engine), 2);
	assert_int_equal(events(f, id, "silenced", "\"silence\":1"), 1);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 0);
	assert_int_equal(fixture_sent_count("alice", "cpu hot"), 1);
	assert_int_equal(events(f, other, "silenced", NULL), 0);
	fake_clock_advance_to(T0 + 1 * H - 1);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 0);
	assert_int_equal(fixture_sent_count("bob", "disk full"), 0);
	fake_clock_advance_to(T0 + 1 * H);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
	assert_int_equal(fixture_sent(fixture_nsent() - 1)->at, T0 + 1 * H);
	assert_int_equal(events(f, id, "unsilenced", "\"paged\":true"), 1);
	assert_int_equal(events(f, 0, "silence_end", NULL), 1);
	/* its escalation runs from its release */
	fake_clock_advance_to(T0 + 1 * H + 5 * M);
	assert_int_equal(fixture_sent_count("bob", "disk full"), 1);
	/* a new alert after the end pages at once */
	fixture_raise(f, "disk gone", 3);
	assert_int_equal(fixture_sent_count("alice", "disk gone"), 1);
}

/* page_on_expiry false: quiet at the end, and after a restart too. */
static void
test_quiet_on_expiry(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;

	silence(f, "disk *", 1 * H, 0);
	id = fixture_raise(f, "disk full", 3);
	fake_clock_advance_to(T0 + 2 * H);
	assert_int_equal(events(f, id, "unsilenced", "\"paged\":false"), 1);
	restart(f);
	fake_clock_advance_to(T0 + 3 * H);
	assert_int_equal(sent_any("disk full"), 0);
	assert_int_equal(engine_open_count(f->engine), 1);
	/* still an open alert: it can be acknowledged and resolved */
	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	assert_int_equal(engine_resolve(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	fake_clock_run();
	assert_int_equal(engine_open_count(f->engine), 0);
}

/* Acknowledged while held: not paged when the silence ends. */
static void
test_acked_while_held(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;

	silence(f, "disk *", 1 * H, 1);
	id = fixture_raise(f, "disk full", 3);
	fake_clock_advance_to(T0 + 10 * M);
	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	fake_clock_advance_to(T0 + 2 * H);
	assert_int_equal(sent_any("disk full, stage"), 0);
	assert_int_equal(events(f, id, "unsilenced", "acknowledged"), 1);
}

/* Escalated by hand while held: it starts then, and only once. */
static void
test_escalated_while_held(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;
	int released, paged;

	silence(f, "disk *", 1 * H, 1);
	id = fixture_raise(f, "disk full", 3);
	fake_clock_advance_to(T0 + 10 * M);
	assert_int_equal(engine_escalate(f->engine, id, "ops", NULL,
	    &cause), ENGINE_OK);
	fake_clock_run();
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
	/* its stage timer counts from then: bob at +15m */
	fake_clock_advance_to(T0 + 15 * M);
	assert_int_equal(fixture_sent_count("bob", "disk full"), 1);
	fake_clock_advance_to(T0 + 1 * H);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
	assert_int_equal(events(f, id, "unsilenced", "already escalating"),
	    1);
	assert_true(store_silence_of(f->store, id, &released, &paged) > 0);
	assert_true(released && paged);
}

/* Expired early: released at once; expired twice or unknown refused. */
static void
test_expire(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t sid, id;

	sid = silence(f, "disk *", 1 * H, 1);
	id = fixture_raise(f, "disk full", 3);
	fake_clock_advance_to(T0 + 10 * M);
	assert_int_equal(engine_silence_expire(f->engine, sid, "ops",
	    &cause), ENGINE_OK);
	fake_clock_run();
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
	assert_int_equal(fixture_sent(fixture_nsent() - 1)->at, T0 + 10 * M);
	assert_int_equal(events(f, 0, "silence_expire", NULL), 1);
	assert_int_equal(events(f, id, "unsilenced", NULL), 1);
	assert_int_equal(engine_silence_expire(f->engine, sid, "ops",
	    &cause), ENGINE_CONFLICT);
	free(cause);
	cause = NULL;
	assert_int_equal(engine_silence_expire(f->engine, sid + 1, "ops",
	    &cause), ENGINE_NOT_FOUND);
	free(cause);
	/* the end comes and goes: nothing more */
	fake_clock_advance_to(T0 + 1 * H);
	assert_int_equal(events(f, id, "unsilenced", NULL), 1);
	assert_int_equal(events(f, 0, "silence_end", NULL), 0);
}

/* Restart with a silence in force: still held, still silencing. */
static void
test_restart_held(void **state)
{
	struct fixture *f = *state;
	int64_t id, id2;

	silence(f, "disk *", 1 * H, 1);
	id = fixture_raise(f, "disk full", 3);
	fake_clock_advance_to(T0 + 10 * M);
	restart(f);
	assert_int_equal(sent_any("disk full"), 0);
	id2 = fixture_raise(f, "disk slow", 3);
	assert_int_equal(events(f, id2, "silenced", NULL), 1);
	fake_clock_advance_to(T0 + 59 * M);
	assert_int_equal(sent_any("disk"), 0);
	fake_clock_advance_to(T0 + 1 * H);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
	assert_int_equal(fixture_sent_count("alice", "disk slow"), 1);
	assert_int_equal(events(f, id, "unsilenced", NULL), 1);
}

/* Down past the end: released at the next start. */
static void
test_restart_after_end(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	silence(f, "disk *", 1 * H, 1);
	id = fixture_raise(f, "disk full", 3);
	engine_free(f->engine);
	f->engine = NULL;
	fake_clock_advance_to(T0 + 2 * H);
	fixture_engine_start(f);
	fake_clock_advance_to(T0 + 2 * H);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
	assert_int_equal(events(f, id, "unsilenced", "\"paged\":true"), 1);
}

/* Two silences: the one still in force takes over what the first held. */
static void
test_overlap(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	silence(f, "disk *", 1 * H, 1);
	silence(f, "disk full", 2 * H, 1);
	id = fixture_raise(f, "disk full", 3);
	fake_clock_advance_to(T0 + 1 * H);
	assert_int_equal(sent_any("disk full"), 0);
	assert_int_equal(events(f, id, "silenced", NULL), 2);
	fake_clock_advance_to(T0 + 2 * H);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
}

/* A maintenance window: a silence from its start to its end, once. */
static void
test_window(void **state)
{
	struct fixture *f = *state;
	int64_t start = T0 + 33 * M + 21 * DURATION_SECOND; /* 15:00 */
	int64_t id, early;

	early = fixture_raise(f, "disk full", 3);
	assert_int_equal(fixture_sent_count("alice", "disk full"), 1);
	assert_int_equal(events(f, 0, "silence_add", NULL), 0);
	/* its one timer wakes at the window's start */
	assert_true(fake_clock_next_due() <= start);
	fake_clock_advance_to(start);
	assert_int_equal(events(f, 0, "silence_add", NULL), 1);
	id = fixture_raise(f, "disk slow", 3);
	assert_int_equal(events(f, id, "silenced", NULL), 1);
	assert_int_equal(events(f, early, "silenced", NULL), 0);
	/* a restart in the window makes no second silence */
	fake_clock_advance_to(start + 30 * M);
	restart(f);
	assert_int_equal(events(f, 0, "silence_add", NULL), 1);
	assert_int_equal(sent_any("disk slow"), 0);
	fake_clock_advance_to(start + 1 * H);
	assert_int_equal(fixture_sent_count("alice", "disk slow"), 1);
	/* and the next Sunday again */
	fake_clock_advance_to(start + 7 * 24 * H);
	assert_int_equal(events(f, 0, "silence_add", NULL), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_silenced_then_paged,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_on_expiry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_acked_while_held, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escalated_while_held,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_held, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_after_end, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overlap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_window, setup_maint,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
