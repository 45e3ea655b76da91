/* SPDX-License-Identifier: ISC */
/*
 * test-handoff.c: handoff notes on a real loop and store with a fake
 * clock (fake-clock.c).  A daily rota in Europe/Berlin hands over at
 * 09:00 local time, which is 08:00 UTC before the change to summer time
 * of 2026-03-29 and 07:00 UTC from that day: the incoming person (and
 * nobody else) gets one note at that instant, listing the open alerts
 * routed to the rota, and the handoff is in the audit log.  Nobody gets
 * a note at start, so a restart after a handoff does not send it again.
 * Without an outbox the notes go to the console, which the fixture
 * catches (fixture.c, --wrap=chan_console_send); this test catches the
 * audit events (--wrap=store_event_add).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "engine.h"
#include "fake-clock.h"
#include "fixture.h"
#include "handoff.h"
#include "oncall.h"
#include "rota.h"
#include "store.h"
#include "tz.h"
#include "xmalloc.h"

#define M DURATION_MINUTE
#define H DURATION_HOUR

int __real_store_event_add(struct store *, const struct store_event_new *,
    char **);
int __wrap_store_event_add(struct store *, const struct store_event_new *,
    char **);

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) *
	    INT64_C(1000);
}

#define T0 utc(2026, 3, 27, 12, 0)    /* Fri 13:00 CET: bob's day */
#define HANDOFF1 utc(2026, 3, 28, 8, 0) /* Sat 09:00 CET: alice */
#define HANDOFF2 utc(2026, 3, 29, 7, 0) /* Sun 09:00 CEST: bob */
#define HANDOFF3 utc(2026, 3, 30, 7, 0) /* Mon 09:00 CEST: alice */

/* An audit event about no alert, kind "handoff". */
struct handoff_event {
	int64_t at;
	char *detail;
};

static struct handoff_event handoffs[16];
static size_t nhandoffs;

int
__wrap_store_event_add(struct store *s, const struct store_event_new *ev,
    char **cause)
{
	if (ev->alert_id == 0 && strcmp(ev->kind, "handoff") == 0) {
		assert_true(nhandoffs < sizeof handoffs / sizeof handoffs[0]);
		handoffs[nhandoffs].at = ev->at_ms;
		handoffs[nhandoffs].detail = xstrdup(ev->detail);
		nhandoffs++;
	}
	return __real_store_event_add(s, ev, cause);
}

static void
handoffs_clear(void)
{
	size_t i;

	for (i = 0; i < nhandoffs; i++)
		free(handoffs[i].detail);
	nhandoffs = 0;
}

/* Whether a console line is a handoff note (a line about no alert). */
static int
is_note(const struct fixture_sent *s)
{
	return s->alert_id == 0 && strncmp(s->subject, "handoff: ", 9) == 0;
}

/* The handoff notes sent so far. */
static size_t
notes(void)
{
	size_t i, n = 0;

	for (i = 0; i < fixture_nsent(); i++)
		if (is_note(fixture_sent(i)))
			n++;
	return n;
}

/* The i-th handoff note. */
static const struct fixture_sent *
note(size_t k)
{
	size_t i;

	for (i = 0; i < fixture_nsent(); i++)
		if (is_note(fixture_sent(i)) && k-- == 0)
			return fixture_sent(i);
	fail_msg("no note %zu", k);
	return NULL;
}

static const char conf_text[] =
    "state_dir = \"state\";\n"
    "people = \"people.conf\";\n"
    "rota_dir = \"rota.d\";\n"
    "policies = ( { name = \"default\"; stages = (\n"
    " { targets = [ \"rota:ops\" ]; ack_within = \"5m\";"
    " resolve_within = \"7d\"; },\n"
    " { targets = [ \"person:carol\" ]; resolve_within = \"7d\"; }\n"
    "); } );\n";

static const char people_text[] =
    "people = (\n"
    " { id = \"alice\"; name = \"Alice Archer\";"
    " email = \"alice@example.org\"; },\n"
    " { id = \"bob\"; name = \"Bob Baker\"; email = \"bob@example.org\"; },\n"
    " { id = \"carol\"; name = \"Carol Chen\";"
    " email = \"carol@example.org\"; }\n"
    ");\n";

/* One person a day, handing over at 09:00 Berlin time. */
static const char ops_text[] =
    "name = \"ops\";\n"
    "timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"daily\"; start = \"2026-01-05 09:00\";"
    " shift = \"1d\"; members = [ \"alice\", \"bob\" ]; } );\n";

static const struct fixture_file rotas[] = {
	{ "ops.conf", ops_text },
	{ NULL, NULL }
};

static const struct fixture_spec spec = {
	.name = "test-handoff",
	.conf = conf_text,
	.people = people_text,
	.rotas = rotas,
	.flags = FIXTURE_ENGINE
};

/* The handoff of the fixture's engine and oncall. */
static struct handoff *handoff;

static int
setup(void **state)
{
	struct fixture *f;

	*state = f = fixture_new(&spec, T0);
	assert_non_null(rota_set_find(oncall_rotas(f->oncall), "ops"));
	handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
	fake_clock_run();
	return 0;
}

static int
teardown(void **state)
{
	handoff_free(handoff);
	handoff = NULL;
	fixture_free(*state);
	handoffs_clear();
	return 0;
}

/* Raise an alert now, at priority 2. */
static int64_t
raise_alert(struct fixture *f, const char *summary)
{
	return fixture_raise(f, summary, 2);
}

/*
 * The audit events "handoff" recorded so far (the store keeps them
 * with no alert, which store_events() cannot list, so they are caught
 * on their way in); the last one's instant and detail.
 */
static size_t
handoff_events(int64_t *at, char **detail)
{
	if (nhandoffs > 0 && at != NULL)
		*at = handoffs[nhandoffs - 1].at;
	if (nhandoffs > 0 && detail != NULL)
		*detail = handoffs[nhandoffs - 1].detail;
	return nhandoffs;
}

/* Nothing at start: the people on call now are only remembered. */
static void
test_no_note_at_start(void **state)
{
	int64_t at;

	assert_int_equal(notes(), 0);
	assert_int_equal(handoff_events(NULL, NULL), 0);
	assert_null(handoff_last(handoff, "ops", &at));
	fake_clock_advance_to(HANDOFF1 - 1);
	assert_int_equal(notes(), 0);
	assert_int_equal(handoff_events(NULL, NULL), 0);
}

/*
 * At 09:00 Berlin time alice takes over from bob: one note, to alice,
 * at that instant, with the open alert of the rota; then bob at 09:00
 * summer time, an hour earlier in UTC.
 */
static void
test_shift_change_note(void **state)
{
	struct fixture *f = *state;
	const struct fixture_sent *s;
	const char *last;
	char *detail = NULL, want[64];
	int64_t id, at = 0;

	fake_clock_advance_to(T0 + 1 * H);
	id = raise_alert(f, "disk full on db1");
	assert_int_equal(engine_ack(f->engine, id, "bob", NULL, NULL, NULL),
	    ENGINE_OK);
	fake_clock_run();
	fake_clock_advance_to(HANDOFF1 - 1);
	assert_int_equal(notes(), 0);
	fake_clock_advance_to(HANDOFF1);
	assert_int_equal(notes(), 1);
	s = note(0);
	assert_string_equal(s->to, "alice");
	assert_int_equal(s->at, HANDOFF1);
	assert_non_null(strstr(s->subject, "Alice Archer"));
	assert_non_null(strstr(s->subject, "on call for ops until"
	    " 2026-03-29 09:00 +02:00"));
	assert_non_null(s->body);
	snprintf(want, sizeof want, "#%lld ", (long long)id);
	assert_non_null(strstr(s->body, want));
	assert_non_null(strstr(s->body, "disk full on db1"));
	assert_non_null(strstr(s->body, "acknowledged"));
	/* recorded, with who came and went */
	assert_int_equal(handoff_events(&at, &detail), 1);
	assert_int_equal(at, HANDOFF1);
	assert_non_null(strstr(detail, "\"incoming\":[\"alice\"]"));
	assert_non_null(strstr(detail, "\"outgoing\":[\"bob\"]"));
	assert_non_null(last = handoff_last(handoff, "ops", &at));
	assert_int_equal(at, HANDOFF1);

	/* the next day: summer time, 07:00 UTC, and not at 08:00 */
	fake_clock_advance_to(HANDOFF2 - 1);
	assert_int_equal(notes(), 1);
	fake_clock_advance_to(HANDOFF2);
	assert_int_equal(notes(), 2);
	s = note(1);
	assert_string_equal(s->to, "bob");
	assert_int_equal(s->at, HANDOFF2);
	fake_clock_advance_to(HANDOFF2 + 2 * H);
	assert_int_equal(notes(), 2);
	assert_int_equal(handoff_events(NULL, NULL), 2);
}

/* Stop and start again after a handoff: the note is not sent twice. */
static void
test_restart_no_second_note(void **state)
{
	struct fixture *f = *state;

	fake_clock_advance_to(HANDOFF1);
	assert_int_equal(notes(), 1);
	fake_clock_advance_to(HANDOFF1 + 10 * M);
	handoff_free(handoff);
	engine_free(f->engine);
	assert_int_equal(fake_clock_ntimers(), 0);
	fixture_engine_start(f);
	handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
	fake_clock_run();
	assert_int_equal(notes(), 1);
	fake_clock_advance_to(HANDOFF2 - 1);
	assert_int_equal(notes(), 1);
	assert_int_equal(handoff_events(NULL, NULL), 1);
	/* the next handoff after the restart still comes, once */
	fake_clock_advance_to(HANDOFF2);
	assert_int_equal(notes(), 2);
	assert_string_equal(note(1)->to, "bob");
	assert_int_equal(note(1)->at, HANDOFF2);
	fake_clock_advance_to(HANDOFF3 - 1);
	assert_int_equal(notes(), 2);
}

/*
 * A shift that changed while pagerd was stopped: the incoming person
 * gets the note at the next start, once, and the audit says why.
 */
static void
test_handoff_while_stopped(void **state)
{
	struct fixture *f = *state;

	fake_clock_advance_to(HANDOFF1 - 10 * M);
	assert_int_equal(notes(), 0);
	handoff_free(handoff);
	engine_free(f->engine);
	/* stopped across the handoff */
	fake_clock_advance_to(HANDOFF1 + 30 * M);
	fixture_engine_start(f);
	handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
	fake_clock_run();
	assert_int_equal(notes(), 1);
	assert_string_equal(note(0)->to, "alice");
	assert_int_equal(note(0)->at, HANDOFF1 + 30 * M);
	assert_int_equal(handoff_events(NULL, NULL), 1);
	/* and not again at the restart after */
	handoff_free(handoff);
	handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
	fake_clock_run();
	assert_int_equal(notes(), 1);
}

/* A reload that does not change who is on call sends nothing. */
static void
test_reload_same_people(void **state)
{
	struct fixture *f = *state;

	fake_clock_advance_to(HANDOFF1 - 2 * H);
	oncall_reload_rotas(f->oncall);
	fake_clock_run();
	assert_int_equal(notes(), 0);
	fake_clock_advance_to(HANDOFF1);
	assert_int_equal(notes(), 1);
	assert_string_equal(note(0)->to, "alice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_note_at_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_shift_change_note, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_no_second_note,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_while_stopped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_same_people, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
