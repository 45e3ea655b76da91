/* SPDX-License-Identifier: ISC */
/*
 * test-esc.c: escalation decisions with a fake clock: every transition
 * of the four-stage walk, acknowledgement, resolution, reminders,
 * breaches, catch-up after downtime, manual escalation, priority raise,
 * and SLA clocks on business hours across nights, weekends, a holiday
 * and a DST change; snooze: paged again when it ends, ended by an ack
 * or a resolve, caught up after downtime.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "esc.h"
#include "policy.h"
#include "tz.h"

#define M DURATION_MINUTE
#define H DURATION_HOUR

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) *
	    INT64_C(1000);
}

#define T0 utc(2026, 11, 23, 10, 0)

static struct policy pol;
static struct policy_target tgt[4];
static struct sla_target sla[4];

static int
setup(void **state)
{
	int i;

	memset(&pol, 0, sizeof pol);
	pol.name = (char *)"default";
	pol.nstages = 4;
	pol.repeats = 2;
	for (i = 0; i < 4; i++) {
		tgt[i].kind = TARGET_ROTA;
		pol.stages[i].targets = &tgt[i];
		pol.stages[i].ntargets = 1;
		pol.stages[i].resolve_within = 30 * M;
	}
	pol.stages[0].ack_within = 5 * M;
	pol.stages[0].resolve_within = 1 * H;
	memset(sla, 0, sizeof sla);
	for (i = 0; i < 4; i++) {
		sla[i].due[SLA_RESPONSE] = (i + 1) * 5 * M;
		sla[i].due[SLA_FIRST_RESPONSE] = (i + 1) * 15 * M;
		sla[i].due[SLA_RESOLUTION] = (i + 1) * 4 * H;
		sla[i].reminder = 1 * M;
	}
	return 0;
}

static void
start(struct esc_state *st, int prio, struct esc_actions *a)
{
	memset(st, 0, sizeof *st);
	st->priority = prio;
	st->status = ALERT_TRIGGERED;
	st->created_ms = T0;
	esc_start(st, &pol, sla, T0, a);
}

/* Assert action i is (kind, at, stage) and, for breaches, the clock. */
static void
expect(const struct esc_actions *a, size_t i, enum esc_action_kind kind,
    int64_t at, int stage)
{
	if (i >= a->n)
		fail_msg("want action %zu, have only %zu", i, a->n);
	if (a->v[i].kind != kind || a->v[i].at_ms != at ||
	    a->v[i].stage != stage)
		fail_msg("action %zu: want kind %d at T0%+lldms stage %d, got"
		    " kind %d at T0%+lldms stage %d", i, kind,
		    (long long)(at - T0), stage, a->v[i].kind,
		    (long long)(a->v[i].at_ms - T0), a->v[i].stage);
}

static void
test_start_pages_stage1(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	start(&st, 1, &a);
	assert_int_equal(a.n, 1);
	expect(&a, 0, ESC_PAGE, T0, 1);
	assert_int_equal(a.v[0].reason, ESC_R_TRIGGERED);
	assert_int_equal(st.stage_ack_due_ms, T0 + 5 * M);
	assert_int_equal(st.stage_resolve_due_ms, T0 + 1 * H);
	assert_int_equal(st.sla_due_ms[SLA_RESPONSE], T0 + 5 * M);
	assert_int_equal(st.sla_due_ms[SLA_FIRST_RESPONSE], T0 + 15 * M);
	assert_int_equal(st.sla_due_ms[SLA_RESOLUTION], T0 + 4 * H);
	/* first thing due: the response reminder, 1m before 5m */
	assert_int_equal(esc_next_due(&st, &pol, sla), T0 + 4 * M);
	esc_actions_clear(&a);
}

static void
test_ack_in_time(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };
	int64_t next;

	start(&st, 1, &a);
	esc_actions_clear(&a);
	next = esc_run(&st, &pol, sla, T0 + 4 * M, &a);
	assert_int_equal(a.n, 1);
	expect(&a, 0, ESC_REMIND, T0 + 4 * M, 1);
	assert_int_equal(a.v[0].clock, SLA_RESPONSE);
	assert_int_equal(next, T0 + 5 * M);
	esc_actions_clear(&a);

	assert_int_equal(esc_ack(&st, T0 + 4 * M + 30000), 0);
	assert_int_equal(esc_ack(&st, T0 + 4 * M + 40000), -1);
	assert_int_equal(st.stage_ack_due_ms, 0);
	/* no escalation at 5m; next is the first-response reminder */
	next = esc_run(&st, &pol, sla, T0 + 5 * M, &a);
	assert_int_equal(a.n, 0);
	assert_int_equal(next, T0 + 14 * M);
	assert_int_equal(st.stage, 1);
	assert_int_equal(st.breached, 0);

	assert_int_equal(esc_note(&st, T0 + 10 * M), 0);
	next = esc_run(&st, &pol, sla, T0 + 20 * M, &a);
	assert_int_equal(a.n, 0);
	/* acknowledged but unresolved: stage 1's resolve_within still runs */
	assert_int_equal(next, T0 + 1 * H);
	esc_actions_clear(&a);
}

static void
test_no_ack_walks_all_stages(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };
	int64_t next;

	start(&st, 1, &a);
	esc_actions_clear(&a);
	esc_run(&st, &pol, sla, T0 + 4 * M, &a);
	esc_actions_clear(&a);

	next = esc_run(&st, &pol, sla, T0 + 5 * M, &a);
	/* the response breach comes before the stage change at the same instant */
	assert_int_equal(a.n, 3);
	expect(&a, 0, ESC_BREACH, T0 + 5 * M, 1);
	assert_int_equal(a.v[0].clock, SLA_RESPONSE);
	assert_int_equal(a.v[0].late_ms, 0);
	expect(&a, 1, ESC_STAGE, T0 + 5 * M, 2);
	assert_int_equal(a.v[1].from_stage, 1);
	assert_int_equal(a.v[1].reason, ESC_R_NO_ACK);
	expect(&a, 2, ESC_PAGE, T0 + 5 * M, 2);
	assert_int_equal(st.stage, 2);
	assert_int_equal(st.stage_ack_due_ms, 0);
	assert_int_equal(st.stage_resolve_due_ms, T0 + 35 * M);
	assert_int_equal(next, T0 + 14 * M);
	esc_actions_clear(&a);

	esc_run(&st, &pol, sla, T0 + 15 * M, &a); /* remind + breach */
	assert_int_equal(a.n, 2);
	expect(&a, 0, ESC_REMIND, T0 + 14 * M, 2);
	expect(&a, 1, ESC_BREACH, T0 + 15 * M, 2);
	assert_int_equal(a.v[1].clock, SLA_FIRST_RESPONSE);
	esc_actions_clear(&a);

	next = esc_run(&st, &pol, sla, T0 + 35 * M, &a);
	assert_int_equal(a.n, 2);
	expect(&a, 0, ESC_STAGE, T0 + 35 * M, 3);
	assert_int_equal(a.v[0].reason, ESC_R_NO_RESOLVE);
	expect(&a, 1, ESC_PAGE, T0 + 35 * M, 3);
	assert_int_equal(next, T0 + 65 * M);
	esc_actions_clear(&a);

	esc_run(&st, &pol, sla, T0 + 65 * M, &a);
	expect(&a, 0, ESC_STAGE, T0 + 65 * M, 4);
	expect(&a, 1, ESC_PAGE, T0 + 65 * M, 4);
	esc_actions_clear(&a);

	/* stage 4 repeats twice, then stays */
	esc_run(&st, &pol, sla, T0 + 95 * M, &a);
	assert_int_equal(a.n, 1);
	expect(&a, 0, ESC_PAGE, T0 + 95 * M, 4);
	assert_int_equal(a.v[0].reason, ESC_R_REPEAT);
	esc_actions_clear(&a);
	next = esc_run(&st, &pol, sla, T0 + 125 * M, &a);
	assert_int_equal(a.n, 1);
	expect(&a, 0, ESC_PAGE, T0 + 125 * M, 4);
	assert_int_equal(st.repeats_done, 2);
	assert_int_equal(next, T0 + 155 * M);
	esc_actions_clear(&a);
	next = esc_run(&st, &pol, sla, T0 + 155 * M, &a);
	assert_int_equal(a.n, 0);
	assert_int_equal(st.stage, 4);
	/* only the resolution clock is left */
	assert_int_equal(next, T0 + 4 * H - 1 * M);
	esc_actions_clear(&a);
}

/* Acknowledged, never resolved: the forgotten ack escalates. */
static void
test_forgotten_ack(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	start(&st, 1, &a);
	esc_actions_clear(&a);
	esc_ack(&st, T0 + 2 * M);
	esc_note(&st, T0 + 3 * M);
	esc_run(&st, &pol, sla, T0 + 1 * H, &a);
	assert_int_equal(a.n, 2);
	expect(&a, 0, ESC_STAGE, T0 + 1 * H, 2);
	assert_int_equal(a.v[0].reason, ESC_R_NO_RESOLVE);
	expect(&a, 1, ESC_PAGE, T0 + 1 * H, 2);
	assert_int_equal(st.stage_ack_due_ms, 0);
	assert_int_equal(st.stage_resolve_due_ms, T0 + 90 * M);
	assert_int_equal(st.status, ALERT_ACKNOWLEDGED);
	esc_actions_clear(&a);
}

static void
test_resolve_at_each_stage(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };
	int64_t at[] = { T0 + 1 * M, T0 + 6 * M, T0 + 40 * M, T0 + 70 * M };
	int i;

	for (i = 0; i < 4; i++) {
		start(&st, 1, &a);
		esc_run(&st, &pol, sla, at[i] - 1, &a);
		assert_int_equal(st.stage, i + 1);
		esc_actions_clear(&a);
		assert_int_equal(esc_resolve(&st, at[i]), 0);
		assert_int_equal(esc_resolve(&st, at[i]), -1);
		assert_int_equal(esc_ack(&st, at[i]), -1);
		assert_int_equal(esc_run(&st, &pol, sla, at[i] + 10 * H, &a),
		    ESC_NEVER);
		/* a resolve at 1m meets every clock; later ones were breached
		 * before they resolved, and nothing new is added */
		assert_int_equal(a.n, 0);
		assert_int_equal(st.stage, i + 1);
		assert_int_equal(esc_escalate(&st, &pol, at[i], ESC_R_MANUAL,
		    &a), -1);
	}
}

/* A late ack that beats the timer still counts as a breach. */
static void
test_late_ack_is_breach(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	start(&st, 1, &a);
	esc_actions_clear(&a);
	esc_ack(&st, T0 + 6 * M);
	esc_run(&st, &pol, sla, T0 + 7 * M, &a);
	/* no stale reminder after the ack, but the breach is recorded */
	assert_int_equal(a.n, 1);
	expect(&a, 0, ESC_BREACH, T0 + 5 * M, 1);
	assert_int_equal(a.v[0].late_ms, 1 * M);
	/* the stage did not move: the ack came before the timer ran */
	assert_int_equal(st.stage, 1);
	esc_actions_clear(&a);
}

/* After downtime everything overdue fires at once, in order, once. */
static void
test_catch_up(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };
	size_t i;
	int pages = 0;

	start(&st, 1, &a);
	esc_actions_clear(&a);
	esc_run(&st, &pol, sla, T0 + 5 * H, &a);
	for (i = 1; i < a.n; i++)
		assert_true(a.v[i - 1].at_ms <= a.v[i].at_ms);
	for (i = 0; i < a.n; i++)
		if (a.v[i].kind == ESC_PAGE)
			pages++;
	assert_int_equal(pages, 3 + 2); /* stages 2, 3, 4 and two repeats */
	assert_int_equal(st.breached, 7);
	assert_int_equal(a.v[a.n - 1].kind, ESC_BREACH);
	assert_int_equal(a.v[a.n - 1].clock, SLA_RESOLUTION);
	assert_int_equal(a.v[a.n - 1].late_ms, 1 * H);
	esc_actions_clear(&a);
	assert_int_equal(esc_run(&st, &pol, sla, T0 + 6 * H, &a), ESC_NEVER);
	assert_int_equal(a.n, 0);
}

static void
test_manual_escalate(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	start(&st, 2, &a);
	esc_actions_clear(&a);
	assert_int_equal(esc_escalate(&st, &pol, T0 + 1 * M, ESC_R_MANUAL, &a),
	    0);
	expect(&a, 0, ESC_STAGE, T0 + 1 * M, 2);
	assert_int_equal(a.v[0].reason, ESC_R_MANUAL);
	expect(&a, 1, ESC_PAGE, T0 + 1 * M, 2);
	assert_int_equal(st.stage_resolve_due_ms, T0 + 31 * M);
	esc_escalate(&st, &pol, T0 + 2 * M, ESC_R_MANUAL, &a);
	esc_escalate(&st, &pol, T0 + 3 * M, ESC_R_MANUAL, &a);
	assert_int_equal(st.stage, 4);
	assert_int_equal(esc_escalate(&st, &pol, T0 + 4 * M, ESC_R_MANUAL, &a),
	    -1);
	esc_actions_clear(&a);
}

static void
test_priority_raised(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	start(&st, 3, &a);
	esc_actions_clear(&a);
	assert_int_equal(st.sla_due_ms[SLA_RESPONSE], T0 + 15 * M);
	esc_raise_priority(&st, 4, sla, T0 + 1 * M, &a); /* lower: nothing */
	assert_int_equal(a.n, 0);
	esc_raise_priority(&st, 1, sla, T0 + 1 * M, &a);
	assert_int_equal(st.priority, 1);
	assert_int_equal(a.n, 1);
	expect(&a, 0, ESC_PAGE, T0 + 1 * M, 1);
	assert_int_equal(a.v[0].reason, ESC_R_PRIORITY);
	assert_int_equal(st.sla_due_ms[SLA_RESPONSE], T0 + 5 * M);
	assert_int_equal(st.sla_due_ms[SLA_RESOLUTION], T0 + 4 * H);
	assert_int_equal(esc_next_due(&st, &pol, sla), T0 + 4 * M);
	esc_actions_clear(&a);
}

/* A one-stage policy with no timers just waits. */
static void
test_single_stage(void **state)
{
	struct policy p1 = pol;
	struct esc_state st;
	struct esc_actions a = { 0 };

	p1.nstages = 1;
	p1.repeats = 0;
	memset(&st, 0, sizeof st);
	st.priority = 4;
	st.created_ms = T0;
	esc_start(&st, &p1, sla, T0, &a);
	esc_actions_clear(&a);
	esc_run(&st, &p1, sla, T0 + 5 * M, &a); /* ack_within passes */
	assert_int_equal(a.n, 0);
	assert_int_equal(st.stage, 1);
	assert_int_equal(st.stage_ack_due_ms, 0);
	esc_actions_clear(&a);
}

static struct bizhours cal;
static int64_t holidays[1];

static void
cal_setup(void)
{
	char *cause = NULL;

	memset(&cal, 0, sizeof cal);
	cal.name = (char *)"office";
	cal.tz = tz_load("Europe/Berlin", &cause);
	assert_non_null(cal.tz);
	cal.days = 0x3e; /* Mon-Fri */
	cal.open_min = 9 * 60;
	cal.close_min = 17 * 60;
	holidays[0] = tz_days_from_civil(2026, 12, 25);
	cal.holidays = holidays;
	cal.nholidays = 1;
}

static void
test_business_hours(void **state)
{
	cal_setup();
	/* across a night: Tue 16:30 CET + 1h = Wed 09:30 CET */
	assert_int_equal(bizhours_add(&cal, utc(2026, 11, 24, 15, 30), 1 * H),
	    utc(2026, 11, 25, 8, 30));
	/* raised at night: the clock starts at 09:00 */
	assert_int_equal(bizhours_add(&cal, utc(2026, 11, 24, 2, 0), 30 * M),
	    utc(2026, 11, 24, 8, 30));
	/* across a weekend: Fri 16:00 + 2h = Mon 10:00 */
	assert_int_equal(bizhours_add(&cal, utc(2026, 11, 27, 15, 0), 2 * H),
	    utc(2026, 11, 30, 9, 0));
	/* a holiday: Thu 24 Dec 16:00 + 8h: 1h Thu, Fri 25 off, Mon 7h */
	assert_int_equal(bizhours_add(&cal, utc(2026, 12, 24, 15, 0), 8 * H),
	    utc(2026, 12, 28, 15, 0));
	/* across the spring-forward weekend: Fri 16:00 CET + 2h =
	 * Mon 10:00 CEST = 08:00Z */
	assert_int_equal(bizhours_add(&cal, utc(2027, 3, 26, 15, 0), 2 * H),
	    utc(2027, 3, 29, 8, 0));
	/* exactly at closing with nothing left: stays */
	assert_int_equal(bizhours_add(&cal, utc(2026, 11, 24, 8, 0), 8 * H),
	    utc(2026, 11, 24, 16, 0));
	assert_true(bizhours_is_open(&cal, utc(2026, 11, 24, 8, 0)));
	assert_false(bizhours_is_open(&cal, utc(2026, 11, 24, 16, 0)));
	assert_false(bizhours_is_open(&cal, utc(2026, 12, 25, 10, 0)));
	assert_false(bizhours_is_open(&cal, utc(2026, 11, 28, 10, 0)));
	assert_int_equal(bizhours_add(NULL, T0, 5 * M), T0 + 5 * M);
	tz_free(cal.tz);
}

/* A P4 with "1 business day" resolution, raised Friday evening. */
static void
test_sla_on_business_hours(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	cal_setup();
	sla[3].calendar = &cal;
	sla[3].due[SLA_RESOLUTION] = 8 * H;
	memset(&st, 0, sizeof st);
	st.priority = 4;
	st.created_ms = utc(2026, 11, 27, 18, 0); /* Fri 19:00 CET */
	esc_start(&st, &pol, sla, st.created_ms, &a);
	/* response 20m: Mon 09:20 CET */
	assert_int_equal(st.sla_due_ms[SLA_RESPONSE], utc(2026, 11, 30, 8, 20));
	assert_int_equal(st.sla_due_ms[SLA_RESOLUTION],
	    utc(2026, 11, 30, 16, 0));
	esc_actions_clear(&a);
	/* nothing breaches over the weekend */
	esc_run(&st, &pol, sla, utc(2026, 11, 29, 23, 0), &a);
	for (size_t i = 0; i < a.n; i++)
		assert_int_not_equal(a.v[i].kind, ESC_BREACH);
	esc_actions_clear(&a);
	sla[3].calendar = NULL;
	tz_free(cal.tz);
}

/*
 * Which clock stops when: the response clock at the ack, the first
 * response at the first note, and every clock still running at the
 * resolution; each breach becomes final in the change that stops its
 * clock, and only then.
 */
static void
test_breaches_stop(void **state)
{
	struct esc_state st, was;
	struct esc_actions a = { 0 };

	start(&st, 1, &a);
	esc_actions_clear(&a);
	esc_run(&st, &pol, sla, T0 + 6 * M, &a); /* response breached */
	esc_actions_clear(&a);
	assert_int_equal(st.breached, 1u << SLA_RESPONSE);
	assert_int_equal(esc_clock_stopped(&st, SLA_RESPONSE), 0);

	/* a note first: it stops the first-response clock, in time */
	was = st;
	assert_int_equal(esc_note(&st, T0 + 8 * M), 0);
	assert_int_equal(esc_clock_stopped(&st, SLA_FIRST_RESPONSE),
	    T0 + 8 * M);
	assert_int_equal(esc_clock_stopped(&st, SLA_RESPONSE), 0);
	assert_int_equal(esc_breaches_stopped(&was, &st), 0);

	/* the ack 4m after the deadline stops the response breach */
	was = st;
	assert_int_equal(esc_ack(&st, T0 + 9 * M), 0);
	assert_int_equal(esc_clock_stopped(&st, SLA_RESPONSE), T0 + 9 * M);
	assert_int_equal(esc_breaches_stopped(&was, &st),
	    1u << SLA_RESPONSE);
	/* a later change stops nothing more: that breach stays final */
	was = st;
	assert_int_equal(esc_note(&st, T0 + 10 * M), 0);
	assert_int_equal(esc_breaches_stopped(&was, &st), 0);
	assert_int_equal(esc_clock_stopped(&st, SLA_RESPONSE), T0 + 9 * M);

	/* resolution breached at 4h; resolving at 5h stops it */
	esc_run(&st, &pol, sla, T0 + 4 * H + 1, &a);
	esc_actions_clear(&a);
	assert_true(st.breached & (1u << SLA_RESOLUTION));
	assert_int_equal(esc_clock_stopped(&st, SLA_RESOLUTION), 0);
	was = st;
	assert_int_equal(esc_resolve(&st, T0 + 5 * H), 0);
	assert_int_equal(esc_breaches_stopped(&was, &st),
	    1u << SLA_RESOLUTION);
	assert_int_equal(esc_clock_stopped(&st, SLA_RESOLUTION), T0 + 5 * H);
	assert_int_equal(esc_clock_stopped(&st, SLA_RESPONSE), T0 + 9 * M);

	/* unacknowledged and unnoted: resolving stops both running clocks */
	start(&st, 1, &a);
	esc_run(&st, &pol, sla, T0 + 20 * M, &a);
	esc_actions_clear(&a);
	was = st;
	assert_int_equal(esc_resolve(&st, T0 + 30 * M), 0);
	assert_int_equal(esc_breaches_stopped(&was, &st),
	    (1u << SLA_RESPONSE) | (1u << SLA_FIRST_RESPONSE));
	assert_int_equal(esc_clock_stopped(&st, SLA_RESPONSE), T0 + 30 * M);
	assert_int_equal(esc_clock_stopped(&st, SLA_FIRST_RESPONSE),
	    T0 + 30 * M);
}

/* Two states are equal only if every field is: each one is compared. */
static void
test_state_equal(void **state)
{
	struct esc_state a, b;
	int c;

	(void)state;
	memset(&a, 0, sizeof a);
	a.priority = 2;
	a.status = ALERT_TRIGGERED;
	a.stage = 1;
	a.stage_ack_due_ms = 5;
	b = a;
	assert_true(esc_state_equal(&a, &b));
#define DIFFERS(field, v) do {				\
	b = a;						\
	b.field = (v);					\
	assert_false(esc_state_equal(&a, &b));		\
} while (0)
	DIFFERS(priority, 1);
	DIFFERS(status, ALERT_ACKNOWLEDGED);
	DIFFERS(created_ms, 1);
	DIFFERS(acknowledged_ms, 1);
	DIFFERS(first_response_ms, 1);
	DIFFERS(resolved_ms, 1);
	DIFFERS(stage, 2);
	DIFFERS(stage_started_ms, 1);
	DIFFERS(stage_ack_due_ms, 6);
	DIFFERS(stage_resolve_due_ms, 1);
	DIFFERS(repeats_done, 1);
	DIFFERS(reminded, 1);
	DIFFERS(breached, 1);
	DIFFERS(snooze_until_ms, 1);
	for (c = 0; c < SLA_NCLOCKS; c++)
		DIFFERS(sla_due_ms[c], 1);
#undef DIFFERS
}

/*
 * A P4 (response 20m, first response 1h) acknowledged at T0+2m and
 * snoozed until T0+32m: nothing until then; then triggered again, stage
 * 1 paged again with its ack timer anew, the first ack kept; not acked
 * again, it escalates 5m later.
 */
static void
test_snooze_pages_again(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };
	int64_t next;

	start(&st, 4, &a);
	esc_actions_clear(&a);
	assert_int_equal(esc_ack(&st, T0 + 2 * M), 0);
	assert_int_equal(esc_snooze(&st, T0 + 2 * M, T0 + 32 * M), 0);
	assert_int_equal(st.snooze_until_ms, T0 + 32 * M);
	assert_int_equal(esc_next_due(&st, &pol, sla), T0 + 32 * M);
	next = esc_run(&st, &pol, sla, T0 + 32 * M - 1, &a);
	assert_int_equal(a.n, 0);
	assert_int_equal(next, T0 + 32 * M);
	next = esc_run(&st, &pol, sla, T0 + 32 * M, &a);
	assert_int_equal(a.n, 1);
	expect(&a, 0, ESC_PAGE, T0 + 32 * M, 1);
	assert_int_equal(a.v[0].reason, ESC_R_SNOOZE);
	assert_string_equal(esc_reason_name(ESC_R_SNOOZE), "snooze ended");
	assert_int_equal(st.status, ALERT_TRIGGERED);
	assert_int_equal(st.snooze_until_ms, 0);
	assert_int_equal(st.acknowledged_ms, T0 + 2 * M);
	assert_int_equal(st.stage_ack_due_ms, T0 + 37 * M);
	assert_int_equal(next, T0 + 37 * M);
	/* the response clock was met by the first ack: no breach */
	assert_int_equal(st.breached, 0);
	a.n = 0;
	esc_run(&st, &pol, sla, T0 + 37 * M, &a);
	assert_int_equal(a.n, 2);
	expect(&a, 0, ESC_STAGE, T0 + 37 * M, 2);
	expect(&a, 1, ESC_PAGE, T0 + 37 * M, 2);
	assert_int_equal(a.v[0].reason, ESC_R_NO_ACK);
	esc_actions_clear(&a);
}

/* Only an acknowledged alert snoozes, and only into the future. */
static void
test_snooze_needs_ack(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	start(&st, 4, &a);
	assert_int_equal(esc_snooze(&st, T0, T0 + 30 * M), -1);
	assert_int_equal(st.snooze_until_ms, 0);
	assert_int_equal(esc_ack(&st, T0 + M), 0);
	assert_int_equal(esc_snooze(&st, T0 + M, T0 + M), -1);
	assert_int_equal(esc_snooze(&st, T0 + M, T0 + 10 * M), 0);
	/* a new snooze replaces the one running */
	assert_int_equal(esc_snooze(&st, T0 + 2 * M, T0 + 20 * M), 0);
	assert_int_equal(esc_next_due(&st, &pol, sla), T0 + 20 * M);
	assert_int_equal(esc_resolve(&st, T0 + 3 * M), 0);
	assert_int_equal(esc_snooze(&st, T0 + 3 * M, T0 + 30 * M), -1);
	esc_actions_clear(&a);
}

/*
 * Acknowledging again ends the snooze (an ack without a snooze is still
 * refused), and so does resolving: nothing pages at its end.
 */
static void
test_snooze_ended(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };
	size_t i;

	start(&st, 4, &a);
	esc_actions_clear(&a);
	assert_int_equal(esc_ack(&st, T0 + 2 * M), 0);
	assert_int_equal(esc_snooze(&st, T0 + 2 * M, T0 + 32 * M), 0);
	assert_int_equal(esc_ack(&st, T0 + 10 * M), 0);
	assert_int_equal(st.snooze_until_ms, 0);
	assert_int_equal(st.status, ALERT_ACKNOWLEDGED);
	assert_int_equal(st.acknowledged_ms, T0 + 2 * M);
	assert_int_equal(esc_ack(&st, T0 + 11 * M), -1);
	esc_run(&st, &pol, sla, T0 + 50 * M, &a);
	for (i = 0; i < a.n; i++)
		assert_int_not_equal(a.v[i].reason, ESC_R_SNOOZE);
	assert_int_equal(st.status, ALERT_ACKNOWLEDGED);

	a.n = 0;
	assert_int_equal(esc_snooze(&st, T0 + 50 * M, T0 + 55 * M), 0);
	assert_int_equal(esc_resolve(&st, T0 + 51 * M), 0);
	assert_int_equal(st.snooze_until_ms, 0);
	assert_int_equal(esc_next_due(&st, &pol, sla), ESC_NEVER);
	esc_actions_clear(&a);
}

/*
 * The daemon was down when the snooze ended: the page comes at once,
 * dated when it was due, then the missed ack timer, in order.
 */
static void
test_snooze_catch_up(void **state)
{
	struct esc_state st;
	struct esc_actions a = { 0 };

	start(&st, 4, &a);
	esc_actions_clear(&a);
	assert_int_equal(esc_ack(&st, T0 + 2 * M), 0);
	assert_int_equal(esc_snooze(&st, T0 + 2 * M, T0 + 32 * M), 0);
	esc_run(&st, &pol, sla, T0 + 40 * M, &a);
	assert_true(a.n >= 3);
	expect(&a, 0, ESC_PAGE, T0 + 32 * M, 1);
	assert_int_equal(a.v[0].reason, ESC_R_SNOOZE);
	expect(&a, 1, ESC_STAGE, T0 + 37 * M, 2);
	expect(&a, 2, ESC_PAGE, T0 + 37 * M, 2);
	esc_actions_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_start_pages_stage1, setup),
		cmocka_unit_test_setup(test_ack_in_time, setup),
		cmocka_unit_test_setup(test_no_ack_walks_all_stages, setup),
		cmocka_unit_test_setup(test_forgotten_ack, setup),
		cmocka_unit_test_setup(test_resolve_at_each_stage, setup),
		cmocka_unit_test_setup(test_late_ack_is_breach, setup),
		cmocka_unit_test_setup(test_catch_up, setup),
		cmocka_unit_test_setup(test_manual_escalate, setup),
		cmocka_unit_test_setup(test_priority_raised, setup),
		cmocka_unit_test_setup(test_single_stage, setup),
		cmocka_unit_test_setup(test_business_hours, setup),
		cmocka_unit_test_setup(test_sla_on_business_hours, setup),
		cmocka_unit_test_setup(test_breaches_stop, setup),
		cmocka_unit_test(test_state_equal),
		cmocka_unit_test_setup(test_snooze_pages_again, setup),
		cmocka_unit_test_setup(test_snooze_needs_ack, setup),
		cmocka_unit_test_setup(test_snooze_ended, setup),
		cmocka_unit_test_setup(test_snooze_catch_up, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
