/* SPDX-License-Identifier: ISC */
/*
 * test-handoff.c: handoff notes on a real loop and store with a fake
 * clock (fake-clock.c).  A daily rota in Europe/Berlin hands over at
 * 09:00 local time, which is 08:00 UTC before the change to summer time
 * of 2026-03-29 and 07:00 UTC from that day: the incoming person (and
 * nobody else) gets one note at that instant, listing the open alerts
 * routed to the rota, and the handoff is in the audit log.  Nobody gets
 * a note at start, so a restart after a handoff does not send it again.
 * Without an outbox the notes go to the console, which this test
 * catches (--wrap=chan_console_send), as it does the audit events
 * (--wrap=store_event_add).
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "chan.h"
#include "conf.h"
#include "duration.h"
#include "engine.h"
#include "fake-clock.h"
#include "handoff.h"
#include "intake.h"
#include "oncall.h"
#include "rota.h"
#include "store.h"
#include "tz.h"
#include "xmalloc.h"

#define M DURATION_MINUTE
#define H DURATION_HOUR

int __wrap_chan_console_send(const struct chan_msg *);
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

/* A console line (a note, or a page), and the fake instant it went. */
struct sent {
	int64_t alert_id;
	char *to;
	char *subject;
	char *body;
	int64_t at;
};

static struct sent sent[64];
static size_t nsent;

int
__wrap_chan_console_send(const struct chan_msg *m)
{
	assert_true(nsent < sizeof sent / sizeof sent[0]);
	sent[nsent].alert_id = m->alert_id;
	sent[nsent].to = xstrdup(m->to);
	sent[nsent].subject = xstrdup(m->subject);
	sent[nsent].body = m->body != NULL ? xstrdup(m->body) : NULL;
	sent[nsent].at = fake_clock_now();
	nsent++;
	return 0;
}

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
sent_clear(void)
{
	size_t i;

	for (i = 0; i < nhandoffs; i++)
		free(handoffs[i].detail);
	nhandoffs = 0;

	for (i = 0; i < nsent; i++) {
		free(sent[i].to);
		free(sent[i].subject);
		free(sent[i].body);
	}
	nsent = 0;
}

/* The handoff notes sent so far (lines about no alert). */
static size_t
notes(void)
{
	size_t i, n = 0;

	for (i = 0; i < nsent; i++)
		if (sent[i].alert_id == 0 &&
		    strncmp(sent[i].subject, "handoff: ", 9) == 0)
			n++;
	return n;
}

/* The i-th handoff note. */
static const struct sent *
note(size_t k)
{
	size_t i;

	for (i = 0; i < nsent; i++)
		if (sent[i].alert_id == 0 &&
		    strncmp(sent[i].subject, "handoff: ", 9) == 0 && k-- == 0)
			return &sent[i];
	fail_msg("no note %zu", k);
	return NULL;
}

struct fixture {
	char dir[64];
	struct conf *conf;
	struct oncall *oncall;
	struct store *store;
	struct event_base *base;
	struct engine *engine;
	struct handoff *handoff;
};

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	xasprintf(&path, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	free(path);
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

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct rota_findings rf = { NULL, 0, 0 };
	char *cause = NULL, *path;

	snprintf(f->dir, sizeof f->dir, "/tmp/test-handoff.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	write_file(f->dir, "pagerd.conf", conf_text);
	write_file(f->dir, "people.conf", people_text);
	xasprintf(&path, "%s/rota.d", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	write_file(f->dir, "rota.d/ops.conf", ops_text);
	xasprintf(&path, "%s/state", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	xasprintf(&path, "%s/pagerd.conf", f->dir);
	f->conf = conf_load(path, &cause);
	free(path);
	if (f->conf == NULL)
		fail_msg("%s", cause);

	assert_non_null(f->base = event_base_new());
	assert_int_equal(event_base_priority_init(f->base, 3), 0);
	fake_clock_init(f->base, T0);
	if ((f->oncall = oncall_load(f->conf, &rf, &cause)) == NULL)
		fail_msg("%s", cause);
	rota_findings_free(&rf);
	assert_non_null(rota_set_find(oncall_rotas(f->oncall), "ops"));
	if ((f->store = store_open(f->conf->state_dir, &cause)) == NULL)
		fail_msg("%s", cause);
	f->engine = engine_new(f->base, f->store, f->conf);
	engine_set_rotas(f->engine, oncall_rotas(f->oncall),
	    oncall_people(f->oncall));
	assert_int_equal(engine_resume(f->engine, &cause), 0);
	f->handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
	fake_clock_run();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	handoff_free(f->handoff);
	engine_free(f->engine);
	store_close(f->store);
	oncall_free(f->oncall);
	conf_free(f->conf);
	event_base_free(f->base);
	sent_clear();
	xasprintf(&cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

/* Raise an alert now, as intake does: the hooks inside its commit. */
static int64_t
raise_alert(struct fixture *f, const char *summary)
{
	struct intake_hooks h;
	struct alert_new an;
	struct store_raise r;
	char *cause = NULL;
	int64_t now = fake_clock_now();

	memset(&h, 0, sizeof h);
	engine_intake_hooks(f->engine, &h);
	memset(&an, 0, sizeof an);
	an.service = (char *)"web";
	an.priority = 2;
	an.summary = (char *)summary;
	an.source = (char *)"test";
	memset(&r, 0, sizeof r);
	assert_int_equal(store_begin(f->store, &cause), 0);
	if (store_alert_raise(f->store, &an, now, &r, &cause) != 0)
		fail_msg("%s", cause);
	if (h.raised(h.arg, &r, &an, now, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(f->store, &cause), 0);
	h.committed(h.arg);
	free(r.dedup_key);
	fake_clock_run();
	return r.id;
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
	struct fixture *f = *state;
	int64_t at;

	assert_int_equal(notes(), 0);
	assert_int_equal(handoff_events(NULL, NULL), 0);
	assert_null(handoff_last(f->handoff, "ops", &at));
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
	const struct sent *s;
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
	assert_non_null(last = handoff_last(f->handoff, "ops", &at));
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
	char *cause = NULL;

	fake_clock_advance_to(HANDOFF1);
	assert_int_equal(notes(), 1);
	fake_clock_advance_to(HANDOFF1 + 10 * M);
	handoff_free(f->handoff);
	engine_free(f->engine);
	assert_int_equal(fake_clock_ntimers(), 0);
	f->engine = engine_new(f->base, f->store, f->conf);
	engine_set_rotas(f->engine, oncall_rotas(f->oncall),
	    oncall_people(f->oncall));
	assert_int_equal(engine_resume(f->engine, &cause), 0);
	f->handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
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
	char *cause = NULL;

	fake_clock_advance_to(HANDOFF1 - 10 * M);
	assert_int_equal(notes(), 0);
	handoff_free(f->handoff);
	engine_free(f->engine);
	/* stopped across the handoff */
	fake_clock_advance_to(HANDOFF1 + 30 * M);
	f->engine = engine_new(f->base, f->store, f->conf);
	engine_set_rotas(f->engine, oncall_rotas(f->oncall),
	    oncall_people(f->oncall));
	assert_int_equal(engine_resume(f->engine, &cause), 0);
	f->handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
	fake_clock_run();
	assert_int_equal(notes(), 1);
	assert_string_equal(note(0)->to, "alice");
	assert_int_equal(note(0)->at, HANDOFF1 + 30 * M);
	assert_int_equal(handoff_events(NULL, NULL), 1);
	/* and not again at the restart after */
	handoff_free(f->handoff);
	f->handoff = handoff_new(f->base, f->store, f->engine, f->oncall);
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
