/* SPDX-License-Identifier: ISC */
/*
 * test-engine.c: the escalation engine on a real loop and a real store
 * in a temporary folder, with a fake clock (fake-clock.c): a new alert
 * pages stage 1; stage 2 is paged when ack_within has passed, not a
 * millisecond before; an acknowledgement stops the escalation; and an
 * engine started again on the same store (engine_free, engine_new,
 * engine_resume) picks up each pending escalation at its due instant,
 * whether the daemon was down for less or more than the stage's wait.
 * A snoozed alert pages its stage again when the snooze ends, across a
 * restart, and not at all once resolved.
 * Without an outbox the engine prints its pages on the console, which
 * the fixture catches (fixture.c, --wrap=chan_console_send).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "duration.h"
#include "engine.h"
#include "fake-clock.h"
#include "fixture.h"
#include "intake.h"
#include "store.h"
#include "xmalloc.h"

#define M DURATION_MINUTE
#define H DURATION_HOUR
#define T0 INT64_C(1795357599000) /* 2026-11-22T14:26:39Z */

int __wrap_store_engine_save(struct store *, const struct store_engine_save *,
    char **);
int __real_store_engine_save(struct store *,
    const struct store_engine_save *, char **);

/* An alert whose decisions the store refuses (0: none). */
static int64_t poison_id;
/* How many times an escalation state was saved apart from its row. */
static int saves;

int
__wrap_store_engine_save(struct store *s, const struct store_engine_save *v,
    char **cause)
{
	if (poison_id != 0 && v->id == poison_id) {
		xasprintf(cause, "alert %lld refused by the test",
		    (long long)v->id);
		return -1;
	}
	saves++;
	return __real_store_engine_save(s, v, cause);
}

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

/* The same, but stage 1 targets someone who is no one. */
static const char conf_nobody_text[] =
    "state_dir = \"state\";\n"
    "people = \"people.conf\";\n"
    "rota_dir = \"rota.d\";\n"
    "policies = ( { name = \"first-is-nobody\"; stages = (\n"
    " { targets = [ \"person:nobody\" ]; ack_within = \"5m\"; },\n"
    " { targets = [ \"person:bob\" ]; ack_within = \"10m\"; }\n"
    "); } );\n";

static const char people_text[] =
    "people = (\n"
    " { id = \"alice\"; name = \"Alice\"; email = \"alice@example.org\"; },\n"
    " { id = \"bob\"; name = \"Bob\"; email = \"bob@example.org\"; },\n"
    " { id = \"carol\"; name = \"Carol\"; email = \"carol@example.org\"; }\n"
    ");\n";

static const struct fixture_spec spec = {
	.name = "test-engine",
	.conf = conf_text,
	.people = people_text,
	.flags = FIXTURE_ENGINE
};

static const struct fixture_spec spec_nobody = {
	.name = "test-engine",
	.conf = conf_nobody_text,
	.people = people_text,
	.flags = FIXTURE_ENGINE
};

static int
setup(void **state)
{
	*state = fixture_new(&spec, T0);
	saves = 0;
	return 0;
}

static int
setup_nobody(void **state)
{
	*state = fixture_new(&spec_nobody, T0);
	saves = 0;
	return 0;
}

/* The escalation state the store has for alert id (caller clears). */
static void
stored_state(struct fixture *f, int64_t id, struct store_engine_row *row)
{
	memset(row, 0, sizeof *row);
	assert_int_equal(store_engine_get(f->store, id, row), 0);
}

/* How many audit events of kind alert id has; *detail: the first's. */
static size_t
events_of(struct fixture *f, int64_t id, const char *kind, char **detail)
{
	struct store_event *ev;
	size_t n, i, count = 0;

	assert_int_equal(store_events(f->store, id, &ev, &n), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(ev[i].kind, kind) != 0)
			continue;
		if (count++ == 0 && detail != NULL)
			*detail = xstrdup(ev[i].detail != NULL ?
			    ev[i].detail : "");
	}
	store_events_free(ev, n);
	return count;
}

static int
teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* Raise an alert now, at priority 3. */
static int64_t
raise_alert(struct fixture *f, const char *summary)
{
	return fixture_raise(f, summary, 3);
}

/* The stage the store has for alert id. */
static int
stored_stage(struct fixture *f, int64_t id)
{
	struct store_engine_row row;
	int stage;

	memset(&row, 0, sizeof row);
	assert_int_equal(store_engine_get(f->store, id, &row), 0);
	stage = row.st.stage;
	store_engine_row_clear(&row);
	return stage;
}

/* The instant of the audit event "stage" to stage to, or -1. */
static int64_t
stage_event_at(struct fixture *f, int64_t id, int to)
{
	struct store_event *ev;
	size_t n, i;
	int64_t at = -1;
	char want[32];

	snprintf(want, sizeof want, "\"to\":%d", to);
	assert_int_equal(store_events(f->store, id, &ev, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(ev[i].kind, "stage") == 0 && ev[i].detail != NULL &&
		    strstr(ev[i].detail, want) != NULL)
			at = ev[i].at_ms;
	store_events_free(ev, n);
	return at;
}

/* A new alert pages stage 1 at once, and only stage 1. */
static void
test_new_alert_pages_stage1(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	id = raise_alert(f, "disk full");
	assert_int_equal(engine_open_count(f->engine), 1);
	assert_int_equal(fixture_sent_count("alice", "page, stage 1"), 1);
	assert_int_equal(fixture_sent(0)->alert_id, id);
	assert_non_null(strstr(fixture_sent(0)->subject, "disk full"));
	assert_int_equal(fixture_sent(0)->at, T0);
	assert_int_equal(fixture_sent_count("bob", ""), 0);
	assert_int_equal(stored_stage(f, id), 1);
	/* its one timer is armed for the end of ack_within */
	assert_int_equal(fake_clock_next_due(), T0 + 5 * M);
}

/* Stage 2 when ack_within passes, not before; stage 3 after its own. */
static void
test_escalates_on_time(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	id = raise_alert(f, "disk full");
	fake_clock_advance_to(T0 + 5 * M - 1);
	assert_int_equal(fixture_sent_count("bob", ""), 0);
	assert_int_equal(stored_stage(f, id), 1);

	fake_clock_advance_to(T0 + 5 * M);
	assert_int_equal(fixture_sent_count("bob", "escalated to stage 2"), 1);
	assert_int_equal(fixture_sent(fixture_nsent() - 1)->at, T0 + 5 * M);
	assert_int_equal(stored_stage(f, id), 2);
	assert_int_equal(stage_event_at(f, id, 2), T0 + 5 * M);
	/* alice is not paged again */
	assert_int_equal(fixture_sent_count("alice", ""), 1);

	fake_clock_advance_to(T0 + 15 * M - 1);
	assert_int_equal(fixture_sent_count("carol", ""), 0);
	fake_clock_advance_to(T0 + 15 * M);
	assert_int_equal(fixture_sent_count("carol", "escalated to stage 3"),
	    1);
	assert_int_equal(stage_event_at(f, id, 3), T0 + 15 * M);
	assert_int_equal(fixture_sent_count("bob", "escalated"), 1);
}

/*
 * One alert whose decision cannot be stored does not hold up the
 * others due with it: they escalate on time, it is tried again a second
 * later, and escalates once the store takes it.
 */
static void
test_one_failure_holds_up_no_one(void **state)
{
	struct fixture *f = *state;
	int64_t bad, good;

	bad = raise_alert(f, "bad disk");
	good = raise_alert(f, "good disk");
	poison_id = bad;
	fake_clock_advance_to(T0 + 5 * M);
	poison_id = 0;
	assert_int_equal(stored_stage(f, good), 2);
	assert_int_equal(stage_event_at(f, good, 2), T0 + 5 * M);
	assert_int_equal(stored_stage(f, bad), 1);
	assert_int_equal(fake_clock_next_due(), T0 + 5 * M + 1000);
	fake_clock_advance_to(T0 + 5 * M + 1000);
	assert_int_equal(stored_stage(f, bad), 2);
	assert_int_equal(fixture_sent_count("bob", "escalated to stage 2"), 2);
}

/* An ack stops escalation: nobody else is paged, the stage stays. */
static void
test_ack_stops_escalation(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;

	id = raise_alert(f, "disk full");
	fake_clock_advance_to(T0 + 2 * M);
	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	fake_clock_run();
	assert_int_equal(fixture_sent_count("alice",
	    "acknowledged by alice via API"), 1);
	/* a second ack is refused: nothing to acknowledge */
	assert_int_equal(engine_ack(f->engine, id, "bob", NULL, "api",
	    &cause), ENGINE_CONFLICT);
	free(cause);
	cause = NULL;
	fake_clock_advance_to(T0 + 6 * H);
	assert_int_equal(fixture_sent_count("bob", ""), 0);
	assert_int_equal(fixture_sent_count("carol", ""), 0);
	assert_int_equal(stored_stage(f, id), 1);
	assert_int_equal(stage_event_at(f, id, 2), -1);
	/* resolving it forgets it, and its timer */
	assert_int_equal(engine_resolve(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	fake_clock_run();
	assert_int_equal(engine_open_count(f->engine), 0);
	assert_int_equal(fake_clock_ntimers(), 0);
}

/* Stop the engine and start another one on the same store, at now. */
static void
restart(struct fixture *f)
{
	engine_free(f->engine);
	assert_int_equal(fake_clock_ntimers(), 0);
	fixture_engine_start(f);
	fake_clock_run();
}

/*
 * An open alert stored without the engine's hooks (a COMMIT whose
 * answer was lost with PostgreSQL's connection): engine_adopt() takes
 * it as a start would, once; those it holds stay as they are.
 */
static void
test_adopt(void **state)
{
	struct fixture *f = *state;
	struct alert_new an;
	struct store_raise r;
	char *cause = NULL;

	raise_alert(f, "disk full");
	memset(&an, 0, sizeof an);
	an.service = xstrdup("db");
	an.priority = 3;
	an.summary = xstrdup("stored behind the engine's back");
	assert_int_equal(store_begin(f->store, &cause), 0);
	assert_int_equal(store_alert_raise(f->store, &an, T0, &r, &cause), 0);
	assert_int_equal(store_commit(f->store, &cause), 0);
	free(r.dedup_key);
	alert_new_clear(&an);
	assert_int_equal(engine_open_count(f->engine), 1);
	engine_adopt(f->engine);
	fake_clock_run();
	assert_int_equal(engine_open_count(f->engine), 2);
	assert_int_equal(fixture_sent_count("alice", ""), 2);
	engine_adopt(f->engine);
	fake_clock_run();
	assert_int_equal(engine_open_count(f->engine), 2);
	assert_int_equal(fixture_sent_count("alice", ""), 2);
}

/*
 * The node stood by while a COMMIT of intake was on its way (PostgreSQL:
 * its outcome comes later) and led again, reading the store, before the
 * outcome came: the alert that COMMIT stored is held once, so each
 * later stage pages once (it was held twice, each copy with its timer,
 * and stage 2 paged twice).
 */
static void
test_stand_down_mid_commit(void **state)
{
	struct fixture *f = *state;
	struct intake_hooks h;
	char *cause = NULL;
	int64_t id;

	id = fixture_raise_committed(f, "disk full", 3, &h);
	/* stand down and lead again before committed() is heard */
	engine_stop(f->engine);
	assert_int_equal(engine_open_count(f->engine), 0);
	assert_int_equal(engine_resume(f->engine, &cause), 0);
	h.committed(h.arg);
	fake_clock_run();
	assert_int_equal(engine_open_count(f->engine), 1);
	fake_clock_advance_to(T0 + 5 * M);
	assert_int_equal(fixture_sent_count("bob", "escalated to stage 2"), 1);
	fake_clock_advance_to(T0 + 15 * M);
	assert_int_equal(fixture_sent_count("carol", "escalated to stage 3"),
	    1);
	assert_int_equal(stored_stage(f, id), 3);
}

/* Restarted before stage 2 was due: stage 2 still at T0 + 5m. */
static void
test_restart_resumes_on_time(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	id = raise_alert(f, "disk full");
	fake_clock_advance_to(T0 + 2 * M);
	restart(f);
	assert_int_equal(engine_open_count(f->engine), 1);
	assert_int_equal(fake_clock_next_due(), T0 + 5 * M);
	/* alice is not paged again */
	assert_int_equal(fixture_sent_count("alice", ""), 1);

	fake_clock_advance_to(T0 + 5 * M - 1);
	assert_int_equal(fixture_sent_count("bob", ""), 0);
	fake_clock_advance_to(T0 + 5 * M);
	assert_int_equal(fixture_sent_count("bob", "escalated to stage 2"), 1);
	assert_int_equal(stage_event_at(f, id, 2), T0 + 5 * M);

	/* and again, mid stage 2: stage 3 at T0 + 15m */
	fake_clock_advance_to(T0 + 9 * M);
	restart(f);
	assert_int_equal(fake_clock_next_due(), T0 + 15 * M);
	fake_clock_advance_to(T0 + 15 * M - 1);
	assert_int_equal(fixture_sent_count("carol", ""), 0);
	fake_clock_advance_to(T0 + 15 * M);
	assert_int_equal(fixture_sent_count("carol", "escalated to stage 3"),
	    1);
	assert_int_equal(fixture_sent_count("bob", ""), 1);
}

/* Down past the due instant: stage 2 at once on start, and only once. */
static void
test_restart_after_due(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	id = raise_alert(f, "disk full");
	fake_clock_advance_to(T0 + 1 * M);
	engine_free(f->engine);
	f->engine = NULL;
	fake_clock_advance_to(T0 + 7 * M); /* the daemon is down */
	restart(f);
	assert_int_equal(fixture_sent_count("bob", "escalated to stage 2"), 1);
	assert_int_equal(stage_event_at(f, id, 2), T0 + 5 * M);
	assert_int_equal(stored_stage(f, id), 2);
	/* stage 2's wait counts from when it was due, as if never down */
	assert_int_equal(fake_clock_next_due(), T0 + 15 * M);
	fake_clock_advance_to(T0 + 14 * M);
	assert_int_equal(fixture_sent_count("bob", ""), 1);
	assert_int_equal(fixture_sent_count("carol", ""), 0);
}

/* An acked alert stays acked across a restart: no escalation. */
static void
test_restart_keeps_ack(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;

	id = raise_alert(f, "disk full");
	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, NULL,
	    &cause), ENGINE_OK);
	fake_clock_run();
	restart(f);
	fake_clock_advance_to(T0 + 6 * H);
	assert_int_equal(fixture_sent_count("bob", ""), 0);
	assert_int_equal(stored_stage(f, id), 1);
}

/*
 * A new alert's row is written once, with the state its first decision
 * gives it (intake's hot path): no separate save, the policy named in
 * its "triggered" event, and the state the same as a save would write.
 */
static void
test_new_alert_written_once(void **state)
{
	struct fixture *f = *state;
	struct store_engine_row row;
	char *detail = NULL;
	int64_t id;

	id = raise_alert(f, "disk full");
	assert_int_equal(saves, 0);
	stored_state(f, id, &row);
	assert_non_null(row.policy);
	assert_string_equal(row.policy, "default");
	assert_int_equal(row.st.stage, 1);
	assert_int_equal(row.st.stage_started_ms, T0);
	assert_int_equal(row.st.stage_ack_due_ms, T0 + 5 * M);
	assert_int_equal(row.st.stage_resolve_due_ms, T0 + 12 * H);
	assert_int_equal(row.st.sla_due_ms[SLA_RESPONSE], T0 + 24 * H);
	store_engine_row_clear(&row);
	assert_int_equal(events_of(f, id, "triggered", &detail), 1);
	assert_non_null(strstr(detail, "\"policy\":\"default\""));
	assert_non_null(strstr(detail, "\"priority\":\"P3\""));
	free(detail);
	assert_int_equal(events_of(f, id, "policy", NULL), 0);
	/* and it escalates from that row as from any other */
	fake_clock_advance_to(T0 + 5 * M);
	assert_int_equal(fixture_sent_count("bob", "escalated to stage 2"), 1);
	assert_int_equal(stored_stage(f, id), 2);
	/* after a restart too */
	restart(f);
	fake_clock_advance_to(T0 + 15 * M);
	assert_int_equal(fixture_sent_count("carol", "escalated to stage 3"),
	    1);
}

/*
 * A first stage that reaches no one escalates at once: what the first
 * decision did differs from the row as written, so it is saved.
 */
static void
test_new_alert_unreachable_saved(void **state)
{
	struct fixture *f = *state;
	struct store_engine_row row;
	int64_t id;

	id = raise_alert(f, "disk full");
	assert_int_equal(saves, 1);
	stored_state(f, id, &row);
	assert_int_equal(row.st.stage, 2);
	assert_int_equal(row.st.stage_ack_due_ms, T0 + 10 * M);
	store_engine_row_clear(&row);
	assert_int_equal(fixture_sent_count("bob", "stage 2"), 1);
	assert_int_equal(events_of(f, id, "page_failed", NULL), 1);
	/* what the store has is what a restart resumes */
	restart(f);
	assert_int_equal(fixture_sent_count("bob", ""), 1);
}

/*
 * Acknowledged at T0+2m and snoozed for 30m, across a restart: alice is
 * paged again at T0+32m, not a millisecond before; the alert is
 * triggered again and, not acknowledged, goes to bob 5m later.
 */
static void
test_snooze_pages_again(void **state)
{
	struct fixture *f = *state;
	struct store_engine_row row;
	char *cause = NULL, *detail = NULL;
	int64_t id;

	id = raise_alert(f, "disk full");
	fake_clock_advance_to(T0 + 2 * M);
	assert_int_equal(engine_snooze(f->engine, id, "alice", NULL, "30m",
	    30 * M, &cause), ENGINE_CONFLICT); /* not acknowledged */
	free(cause);
	cause = NULL;
	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	assert_int_equal(engine_snooze(f->engine, id, "alice", "bob", "30m",
	    30 * M, &cause), ENGINE_OK);
	fake_clock_run();
	assert_int_equal(engine_snoozed_until(f->engine, id), T0 + 32 * M);
	assert_int_equal(events_of(f, id, "snooze", &detail), 1);
	assert_non_null(strstr(detail, "\"for\":\"30m\""));
	assert_non_null(strstr(detail, "\"on_behalf_of\":\"bob\""));
	free(detail);
	stored_state(f, id, &row);
	assert_int_equal(row.st.snooze_until_ms, T0 + 32 * M);
	store_engine_row_clear(&row);

	fake_clock_advance_to(T0 + 10 * M);
	restart(f);
	assert_int_equal(fake_clock_next_due(), T0 + 32 * M);
	fake_clock_advance_to(T0 + 32 * M - 1);
	assert_int_equal(fixture_sent_count("alice", "snooze ended"), 0);
	fake_clock_advance_to(T0 + 32 * M);
	assert_int_equal(fixture_sent_count("alice", "snooze ended"), 1);
	assert_int_equal(fixture_sent(fixture_nsent() - 1)->at, T0 + 32 * M);
	assert_int_equal(engine_snoozed_until(f->engine, id), 0);
	stored_state(f, id, &row);
	assert_int_equal(row.st.status, ALERT_TRIGGERED);
	assert_int_equal(row.st.snooze_until_ms, 0);
	assert_int_equal(row.st.acknowledged_ms, T0 + 2 * M);
	store_engine_row_clear(&row);
	fake_clock_advance_to(T0 + 37 * M);
	assert_int_equal(fixture_sent_count("bob", "escalated to stage 2"), 1);
}

/* Resolved while snoozed: nothing pages when the snooze would end. */
static void
test_snooze_resolved(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;
	size_t sent;

	id = raise_alert(f, "disk full");
	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	assert_int_equal(engine_snooze(f->engine, id, "alice", NULL, "1h",
	    H, &cause), ENGINE_OK);
	fake_clock_run();
	fake_clock_advance_to(T0 + 10 * M);
	assert_int_equal(engine_resolve(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	fake_clock_run();
	sent = fixture_nsent();
	fake_clock_advance_to(T0 + 2 * H);
	assert_int_equal(fixture_nsent(), sent);
	assert_int_equal(fixture_sent_count("alice", "snooze ended"), 0);
	assert_int_equal(fake_clock_ntimers(), 0);
}

/* What intake answered (done_cb): how many, how many stored, the id. */
static int intake_answers, intake_stored;
static int64_t intake_id;

static void
intake_answered(void *arg, const struct store_raise *r, const char *error)
{
	intake_answers++;
	if (error == NULL) {
		intake_stored++;
		intake_id = r->id;
	}
}

/* Post one alert through intake and run the loop until it is answered. */
static void
intake_post(struct fixture *f, struct intake *in, const char *summary)
{
	struct alert_new an;
	int before = intake_answers, i;

	memset(&an, 0, sizeof an);
	an.service = xstrdup("web");
	an.priority = 1;
	an.summary = xstrdup(summary);
	an.source = xstrdup("test");
	intake_submit(in, &an, intake_answered, NULL);
	/* real time: the answer comes from PostgreSQL's socket */
	for (i = 0; i < 1000 && intake_answers == before; i++)
		event_base_loop(f->base, EVLOOP_ONCE);
	assert_int_equal(intake_answers, before + 1);
}

/*
 * On PostgreSQL intake does not wait for COMMIT, and a COMMIT that
 * fails stored nothing (unlike SQLite, where COMMIT is done when the
 * sync fails): the sender is not told "stored" and the engine's hooks
 * hear failed(), so no page starts for the rolled-back alert.  A
 * deferred constraint trigger makes the COMMIT of a "doomed" alert
 * fail, with the connection intact; the next alert goes through.
 */
static void
test_pg_commit_fails(void **state)
{
	struct fixture *f = *state;
	const char *uri = getenv("PAGERD_TEST_PG");
	struct intake_hooks h;
	struct intake *in;
	PGconn *c;
	PGresult *res;

	if (uri == NULL)
		skip();
	c = PQconnectdb(uri);
	res = PQexec(c, "CREATE FUNCTION doom() RETURNS trigger"
	    " LANGUAGE plpgsql AS $$ BEGIN IF NEW.summary = 'doomed' THEN"
	    " RAISE EXCEPTION 'doomed by the test'; END IF; RETURN NULL;"
	    " END $$; CREATE CONSTRAINT TRIGGER doom AFTER INSERT ON alerts"
	    " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION"
	    " doom()");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s", PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);

	store_watch(f->store, f->base, NULL, NULL);
	in = intake_new(f->base, f->store);
	memset(&h, 0, sizeof h);
	engine_intake_hooks(f->engine, &h);
	intake_set_hooks(in, &h);
	intake_answers = intake_stored = 0;

	intake_post(f, in, "doomed");
	assert_int_equal(intake_stored, 0);
	assert_int_equal(store_alert_count(f->store), 0);
	assert_int_equal(engine_open_count(f->engine), 0);
	fake_clock_run();
	fake_clock_advance_to(T0 + 30 * M);
	assert_int_equal(fixture_nsent(), 0);

	intake_post(f, in, "fine");
	assert_int_equal(intake_stored, 1);
	assert_int_equal(store_alert_count(f->store), 1);
	assert_int_equal(engine_open_count(f->engine), 1);
	fake_clock_run();
	assert_int_equal(fixture_nsent(), 1);
	assert_int_equal(fixture_sent(0)->alert_id, intake_id);
	assert_string_equal(fixture_sent(0)->to, "alice");
	intake_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pg_commit_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_alert_pages_stage1,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalates_on_time, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_one_failure_holds_up_no_one,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_stops_escalation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_resumes_on_time,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stand_down_mid_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_after_due, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_ack, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_new_alert_written_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_alert_unreachable_saved,
		    setup_nobody, teardown),
		cmocka_unit_test_setup_teardown(test_snooze_pages_again, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_snooze_resolved, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
