/* SPDX-License-Identifier: ISC */
/*
 * test-command.c: commands, what a standby node writes for the leader to
 * carry out (command.c, command-wait.c, store-command.c), on a real
 * store and engine with the fake clock (fixture.c).  A command written
 * by command_send() is committed and waits; command_run() carries out
 * each one once, in order, through the engine, as if it had come to the
 * leader, and records the result: done, no such alert, or a conflict,
 * with why.  A standby waiting with command_submit() gets the result
 * once the leader did it, or, if it did not within the wait, nothing
 * (and answers "accepted").  Done commands are forgotten after a day.
 * A silence made or expired at a standby is made or expired by the
 * leader's engine, its id kept for the standby's answer; a delivery
 * report waits for a leader with an outbox.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "command.h"
#include "duration.h"
#include "engine.h"
#include "fake-clock.h"
#include "fixture.h"
#include "silence.h"
#include "store.h"
#include "xmalloc.h"

#define T0 INT64_C(1795357599000) /* 2026-11-22T14:26:39Z */

static const char conf_text[] =
    "state_dir = \"state\";\n"
    "people = \"people.conf\";\n"
    "rota_dir = \"rota.d\";\n"
    "policies = ( { name = \"default\"; stages = (\n"
    " { targets = [ \"person:alice\" ]; ack_within = \"5m\"; },\n"
    " { targets = [ \"person:bob\" ]; ack_within = \"10m\"; }\n"
    "); } );\n";

static const char people_text[] =
    "people = (\n"
    " { id = \"alice\"; name = \"Alice\"; email = \"alice@example.org\"; },\n"
    " { id = \"bob\"; name = \"Bob\"; email = \"bob@example.org\"; }\n"
    ");\n";

static const struct fixture_spec spec = {
	.name = "test-command",
	.conf = conf_text,
	.people = people_text,
	.flags = FIXTURE_ENGINE
};

struct ctx {
	struct fixture *f;
	struct command_waits *w;
};

static int
setup(void **state)
{
	struct ctx *x = xcalloc(1, sizeof *x);

	x->f = fixture_new(&spec, T0);
	x->w = command_waits_new(x->f->base, x->f->store);
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *x = *state;

	command_waits_free(x->w);
	fixture_free(x->f);
	free(x);
	return 0;
}

/* A command of kind on alert id, from a standby's API key, now. */
static void
fill_cmd(struct store_command *c, enum store_command_kind kind, int64_t id,
    const char *text, int64_t ms)
{
	memset(c, 0, sizeof *c);
	c->alert_id = id;
	c->kind = kind;
	c->actor = (char *)"desk-key";
	c->for_whom = (char *)"alice";
	c->via = kind == STORE_CMD_ACK || kind == STORE_CMD_RESOLVE ?
	    (char *)"api" : NULL;
	c->text = (char *)text;
	c->ms = ms;
	c->created_ms = fake_clock_now();
}

/* Write a command of kind on alert id, as a standby does: its id. */
static int64_t
send_cmd(struct ctx *x, enum store_command_kind kind, int64_t id,
    const char *text, int64_t ms)
{
	struct store_command c;
	char *cause = NULL;
	int64_t cid = 0;

	fill_cmd(&c, kind, id, text, ms);
	assert_int_equal(command_send(x->w, &c, &cid, &cause), 0);
	assert_null(cause);
	assert_true(cid > 0);
	return cid;
}

/* Command cid as the store has it (caller clears). */
static void
get_cmd(struct ctx *x, int64_t cid, struct store_command *c)
{
	assert_int_equal(store_command_get(x->f->store, cid, c), 0);
}

static enum alert_status
status_of(struct ctx *x, int64_t id)
{
	struct alert *a = store_alert_get(x->f->store, id);
	enum alert_status st;

	assert_non_null(a);
	st = a->status;
	alert_free(a);
	return st;
}

/* An ack written on a standby is carried out once, and its result kept. */
static void
test_ack_carried_out_once(void **state)
{
	struct ctx *x = *state;
	struct store_command c;
	struct store_command *v;
	size_t n;
	int64_t id, cid;

	id = fixture_raise(x->f, "disk full", 3);
	cid = send_cmd(x, STORE_CMD_ACK, id, NULL, 0);
	/* written, not done: nothing changed yet */
	get_cmd(x, cid, &c);
	assert_int_equal(c.done_ms, 0);
	assert_int_equal(c.kind, STORE_CMD_ACK);
	assert_string_equal(c.actor, "desk-key");
	assert_string_equal(c.for_whom, "alice");
	store_command_clear(&c);
	assert_int_equal(status_of(x, id), ALERT_TRIGGERED);

	fake_clock_advance_to(T0 + 1000);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store,
	    T0 + 1000), 1);
	assert_int_equal(status_of(x, id), ALERT_ACKNOWLEDGED);
	get_cmd(x, cid, &c);
	assert_int_equal(c.done_ms, T0 + 1000);
	assert_int_equal(c.result, ENGINE_OK);
	assert_null(c.cause);
	store_command_clear(&c);
	/* done: not carried out again */
	assert_int_equal(store_command_pending(x->f->store, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	store_commands_free(v, n);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store,
	    T0 + 2000), 0);
	/* acknowledged: stage 2 never pages */
	fake_clock_advance_to(T0 + 20 * DURATION_MINUTE);
	assert_int_equal(fixture_sent_count("bob", ""), 0);
}

/* Refusals are results too: no such alert, and a second ack. */
static void
test_refusals_recorded(void **state)
{
	struct ctx *x = *state;
	struct store_command c;
	int64_t id, c1, c2, c3;

	id = fixture_raise(x->f, "disk full", 3);
	c1 = send_cmd(x, STORE_CMD_ACK, id, NULL, 0);
	c2 = send_cmd(x, STORE_CMD_ACK, id, NULL, 0);
	c3 = send_cmd(x, STORE_CMD_RESOLVE, 999999, NULL, 0);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), 3);
	get_cmd(x, c1, &c);
	assert_int_equal(c.result, ENGINE_OK);
	store_command_clear(&c);
	get_cmd(x, c2, &c);
	assert_int_equal(c.result, ENGINE_CONFLICT);
	assert_non_null(c.cause);
	store_command_clear(&c);
	get_cmd(x, c3, &c);
	assert_int_equal(c.result, ENGINE_NOT_FOUND);
	assert_non_null(strstr(c.cause, "999999"));
	store_command_clear(&c);
}

/* A note, an escalation, a snooze and a resolve, in the order written. */
static void
test_every_kind_in_order(void **state)
{
	struct ctx *x = *state;
	struct store_event *ev;
	size_t n, i;
	int64_t id;
	int notes = 0;

	id = fixture_raise(x->f, "disk full", 3);
	send_cmd(x, STORE_CMD_NOTE, id, "looking", 0);
	send_cmd(x, STORE_CMD_ESCALATE, id, NULL, 0);
	send_cmd(x, STORE_CMD_ACK, id, NULL, 0);
	send_cmd(x, STORE_CMD_SNOOZE, id, "30m", 30 * DURATION_MINUTE);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), 4);
	/* the escalation paged bob at once */
	assert_int_equal(fixture_sent_count("bob", "stage 2"), 1);
	assert_int_equal(status_of(x, id), ALERT_ACKNOWLEDGED);
	assert_int_equal(engine_snoozed_until(x->f->engine, id),
	    T0 + 30 * DURATION_MINUTE);
	send_cmd(x, STORE_CMD_RESOLVE, id, NULL, 0);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), 1);
	assert_int_equal(status_of(x, id), ALERT_RESOLVED);
	assert_int_equal(store_events(x->f->store, id, &ev, &n), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(ev[i].kind, "note") == 0) {
			notes++;
			assert_string_equal(ev[i].actor, "desk-key");
			assert_non_null(strstr(ev[i].detail, "looking"));
		}
	}
	store_events_free(ev, n);
	assert_int_equal(notes, 1);
}

struct waited {
	int calls;
	int done;
	int result;
};

static void
waited_cb(void *arg, const struct store_command *c)
{
	struct waited *w = arg;

	w->calls++;
	w->done = c != NULL;
	w->result = c != NULL ? c->result : -1;
}

/* Write a command of kind on alert id and wait for it into *got. */
static int64_t
submit_cmd(struct ctx *x, enum store_command_kind kind, int64_t id,
    struct waited *got)
{
	struct store_command c;
	char *cause = NULL;
	int64_t cid = 0;

	fill_cmd(&c, kind, id, NULL, 0);
	assert_int_equal(command_submit(x->w, &c, &cid, waited_cb, got,
	    &cause), 0);
	assert_null(cause);
	assert_true(cid > 0);
	return cid;
}

/* A standby waiting gets the result once the leader carried it out. */
static void
test_submit_gets_result(void **state)
{
	struct ctx *x = *state;
	struct waited got = { 0, 0, 0 };
	int64_t id, t = T0;

	id = fixture_raise(x->f, "disk full", 3);
	submit_cmd(x, STORE_CMD_ACK, id, &got);
	/* looked at, not done yet */
	t += 3 * COMMAND_POLL_MS;
	fake_clock_advance_to(t);
	assert_int_equal(got.calls, 0);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, t), 1);
	t += COMMAND_POLL_MS;
	fake_clock_advance_to(t);
	assert_int_equal(got.calls, 1);
	assert_true(got.done);
	assert_int_equal(got.result, ENGINE_OK);
	/* once */
	fake_clock_advance_to(t + COMMAND_WAIT_MS);
	assert_int_equal(got.calls, 1);
}

/* Not carried out within the wait: answered without a result, once. */
static void
test_submit_times_out(void **state)
{
	struct ctx *x = *state;
	struct waited got = { 0, 0, 0 };
	int64_t id;

	id = fixture_raise(x->f, "disk full", 3);
	submit_cmd(x, STORE_CMD_RESOLVE, id, &got);
	fake_clock_advance_to(T0 + COMMAND_WAIT_MS - 2 * COMMAND_POLL_MS);
	assert_int_equal(got.calls, 0);
	fake_clock_advance_to(T0 + COMMAND_WAIT_MS + COMMAND_POLL_MS);
	assert_int_equal(got.calls, 1);
	assert_false(got.done);
	/* still written: the leader carries it out later */
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), 1);
	assert_int_equal(status_of(x, id), ALERT_RESOLVED);
	assert_int_equal(got.calls, 1);
}

/* A node that stops answers every wait (without a result). */
static void
test_stop_answers_waits(void **state)
{
	struct ctx *x = *state;
	struct waited got = { 0, 0, 0 };

	submit_cmd(x, STORE_CMD_ACK, fixture_raise(x->f, "disk full", 3),
	    &got);
	command_waits_free(x->w);
	x->w = NULL;
	assert_int_equal(got.calls, 1);
	assert_false(got.done);
}

/* Done commands are forgotten a day after; pending ones are kept. */
static void
test_done_expire(void **state)
{
	struct ctx *x = *state;
	struct store_command c;
	int64_t id, done, pending;

	id = fixture_raise(x->f, "disk full", 3);
	done = send_cmd(x, STORE_CMD_NOTE, id, "first", 0);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), 1);
	pending = send_cmd(x, STORE_CMD_NOTE, id, "second", 0);
	assert_int_equal(store_begin(x->f->store, NULL), 0);
	assert_int_equal(store_command_expire(x->f->store,
	    T0 + COMMAND_KEEP_MS, NULL), 0);
	assert_int_equal(store_commit(x->f->store, NULL), 0);
	assert_int_equal(store_command_get(x->f->store, done, &c), 1);
	get_cmd(x, pending, &c);
	assert_int_equal(c.done_ms, 0);
	store_command_clear(&c);
}

/* A silence made, refused, expired and not found, by command. */
static void
test_silence_commands(void **state)
{
	static const char body[] = "{\"matchers\":{\"service\":\"db\"},"
	    "\"ends_at\":\"2026-11-22T16:00:00Z\",\"comment\":\"deploy\"}";
	struct ctx *x = *state;
	struct store_command c;
	struct silence s;
	int64_t add, again, expire, twice, none, sid;

	add = send_cmd(x, STORE_CMD_SILENCE_ADD, 0, body, 0);
	again = send_cmd(x, STORE_CMD_SILENCE_ADD, 0, body, 0);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), 2);
	get_cmd(x, add, &c);
	assert_int_equal(c.result, ENGINE_OK);
	sid = c.alert_id;
	assert_true(sid > 0);
	store_command_clear(&c);
	assert_int_equal(store_silence_get(x->f->store, sid, &s), 1);
	assert_string_equal(s.creator, "desk-key");
	assert_string_equal(s.comment, "deploy");
	assert_int_equal(s.created_ms, T0);
	silence_clear(&s);
	/* the same matchers over the same window: refused, as on the API */
	get_cmd(x, again, &c);
	assert_int_equal(c.result, ENGINE_CONFLICT);
	assert_int_equal(c.alert_id, 0);
	assert_non_null(strstr(c.cause, "same matchers"));
	store_command_clear(&c);
	/* the leader's engine holds it: an alert of db is held */
	assert_int_equal(engine_silence_overlap(x->f->engine, &(struct silence){
	    .service = (char *)"db", .starts_ms = T0, .ends_ms = T0 + 1000 }),
	    sid);

	expire = send_cmd(x, STORE_CMD_SILENCE_EXPIRE, sid, NULL, 0);
	twice = send_cmd(x, STORE_CMD_SILENCE_EXPIRE, sid, NULL, 0);
	none = send_cmd(x, STORE_CMD_SILENCE_EXPIRE, sid + 100, NULL, 0);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), 3);
	get_cmd(x, expire, &c);
	assert_int_equal(c.result, ENGINE_OK);
	assert_int_equal(c.alert_id, sid);
	store_command_clear(&c);
	get_cmd(x, twice, &c);
	assert_int_equal(c.result, ENGINE_CONFLICT);
	store_command_clear(&c);
	get_cmd(x, none, &c);
	assert_int_equal(c.result, ENGINE_NOT_FOUND);
	store_command_clear(&c);
	assert_int_equal(store_silence_get(x->f->store, sid, &s), 1);
	assert_true(s.expired_ms > 0);
	silence_clear(&s);
}

/* A report needs the leader's outbox: without one it stays to do. */
static void
test_report_waits_for_outbox(void **state)
{
	struct ctx *x = *state;
	struct store_command c;
	int64_t cid;

	cid = send_cmd(x, STORE_CMD_REPORT, 0, "SM0123", 0);
	assert_int_equal(command_run(x->f->engine, NULL, x->f->store, T0), -1);
	get_cmd(x, cid, &c);
	assert_int_equal(c.done_ms, 0);
	assert_int_equal(c.kind, STORE_CMD_REPORT);
	assert_string_equal(c.text, "SM0123");
	store_command_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ack_carried_out_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_recorded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_kind_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_gets_result,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_times_out,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_answers_waits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_done_expire,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_silence_commands,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_waits_for_outbox,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
