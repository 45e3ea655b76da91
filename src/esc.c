/* SPDX-License-Identifier: ISC */
/*
 * esc.c: escalation decisions.  An alert walks the stages of its policy:
 * a stage that is not acknowledged within its ack_within, or not
 * resolved within its resolve_within, hands over to the next one; the
 * last stage pages again up to the policy's repeats.  Beside the stages
 * run three SLA clocks (response, first response, resolution) whose
 * deadlines are fixed when the alert is raised, on business hours if
 * the priority has a calendar; before each deadline a reminder pages
 * the current stage, and a missed deadline is a breach.
 *
 * An acknowledged alert may be snoozed: when the snooze ends and it is
 * still open, it is triggered again and its current stage paged again,
 * its acknowledgement timer armed anew; acknowledging it again or
 * resolving it ends the snooze.
 *
 * esc_run() fires every due event in time order, so deadlines that
 * passed while the daemon was down fire at once, in the order they
 * would have fired, and nothing fires twice: the state records each.
 */
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "xmalloc.h"

/* More due events than this in one call means a bug, not a backlog. */
#define ESC_MAX_STEPS 10000

static const char *esc_reason_names[] = {
	[ESC_R_TRIGGERED] = "triggered",
	[ESC_R_NO_ACK] = "not acknowledged in time",
	[ESC_R_NO_RESOLVE] = "not resolved in time",
	[ESC_R_MANUAL] = "escalated by hand",
	[ESC_R_UNREACHABLE] = "nobody reachable",
	[ESC_R_REPEAT] = "repeat",
	[ESC_R_PRIORITY] = "priority raised",
	[ESC_R_SLA] = "sla",
	[ESC_R_SNOOZE] = "snooze ended",
};

const char *
esc_reason_name(enum esc_reason r)
{
	if ((unsigned)r >= nitems(esc_reason_names))
		return "unknown";
	return esc_reason_names[r];
}

static void
esc_add(struct esc_actions *out, enum esc_action_kind kind, int64_t at,
    int stage, int from, enum esc_reason reason, enum sla_clock clock,
    int64_t late)
{
	struct esc_action *a;

	if (out->n == out->size) {
		out->size = out->size == 0 ? 8 : out->size * 2;
		out->v = xreallocarray(out->v, out->size, sizeof *out->v);
	}
	a = &out->v[out->n++];
	a->kind = kind;
	a->at_ms = at;
	a->stage = stage;
	a->from_stage = from;
	a->reason = reason;
	a->clock = clock;
	a->late_ms = late;
}

void
esc_actions_clear(struct esc_actions *out)
{
	free(out->v);
	memset(out, 0, sizeof *out);
}

/*
 * When SLA clock c stopped, that is when its goal was met: the response
 * clock by the acknowledgement, the first-response clock by the first
 * note, and any clock still running by the resolution; 0 if not yet.
 */
int64_t
esc_clock_stopped(const struct esc_state *st, enum sla_clock c)
{
	int64_t t;

	switch (c) {
	case SLA_RESPONSE:
		t = st->acknowledged_ms;
		break;
	case SLA_FIRST_RESPONSE:
		t = st->first_response_ms;
		break;
	default:
		t = 0;
		break;
	}
	/* resolving meets every clock that was still running */
	if (t == 0 || (st->resolved_ms != 0 && st->resolved_ms < t))
		t = st->resolved_ms;
	return t;
}

/* Arm the timers of the current stage, counted from at. */
static void
esc_arm_stage(struct esc_state *st, const struct policy *p, int64_t at)
{
	const struct policy_stage *s = &p->stages[st->stage - 1];

	st->stage_started_ms = at;
	st->stage_ack_due_ms = s->ack_within > 0 &&
	    st->status == ALERT_TRIGGERED ?
	    at + s->ack_within : 0;
	st->stage_resolve_due_ms = s->resolve_within > 0 ?
	    at + s->resolve_within : 0;
}

/* SLA deadlines from created_ms for the current priority. */
static void
esc_set_deadlines(struct esc_state *st, const struct sla_target *sla)
{
	const struct sla_target *t = &sla[st->priority - 1];
	int c;

	for (c = 0; c < SLA_NCLOCKS; c++)
		st->sla_due_ms[c] = t->due[c] > 0 ?
		    bizhours_add(t->calendar, st->created_ms, t->due[c]) : 0;
}

/*
 * Start a new alert at now: fix its SLA deadlines, enter stage 1 and
 * page it.  created_ms and priority must be set.
 */
void
esc_start(struct esc_state *st, const struct policy *p,
    const struct sla_target *sla, int64_t now, struct esc_actions *out)
{
	st->stage = 1;
	st->repeats_done = 0;
	st->reminded = st->breached = 0;
	esc_set_deadlines(st, sla);
	esc_arm_stage(st, p, now);
	esc_add(out, ESC_PAGE, now, 1, 0, ESC_R_TRIGGERED, 0, 0);
}

/* Move to the next stage at instant at; the last stage repeats instead. */
static void
esc_advance(struct esc_state *st, const struct policy *p, int64_t at,
    enum esc_reason reason, struct esc_actions *out)
{
	int from = st->stage;

	if (st->stage < p->nstages) {
		st->stage++;
		esc_arm_stage(st, p, at);
		esc_add(out, ESC_STAGE, at, st->stage, from, reason, 0, 0);
		esc_add(out, ESC_PAGE, at, st->stage, from, reason, 0, 0);
		return;
	}
	if (st->repeats_done < p->repeats) {
		st->repeats_done++;
		esc_arm_stage(st, p, at);
		esc_add(out, ESC_PAGE, at, st->stage, from, ESC_R_REPEAT, 0, 0);
		return;
	}
	/* nowhere left to go: the last stage keeps the alert */
	st->stage_ack_due_ms = st->stage_resolve_due_ms = 0;
}

enum esc_due_kind {
	DUE_REMIND, /* ordered: at equal instants reminders come first */
	DUE_BREACH,
	DUE_NO_ACK,
	DUE_NO_RESOLVE,
	DUE_SNOOZE,
	DUE_NONE
};

/* The earliest pending event: its kind, instant and clock. */
static enum esc_due_kind
esc_earliest(const struct esc_state *st, const struct sla_target *sla,
    int64_t *when, enum sla_clock *clock)
{
	enum esc_due_kind kind = DUE_NONE;
	int64_t t, met, best = ESC_NEVER, lead = sla[st->priority - 1].reminder;
	int c;

#define CONSIDER(k, at, cl) do {					\
	t = (at);							\
	if (t < best || (t == best && (k) < kind)) {			\
		best = t;						\
		kind = (k);						\
		*clock = (cl);						\
	}								\
} while (0)

	for (c = 0; c < SLA_NCLOCKS; c++) {
		met = esc_clock_stopped(st, c);
		/* met in time, or already breached: nothing more to do */
		if (st->sla_due_ms[c] == 0 || (st->breached & (1u << c)) ||
		    (met != 0 && met <= st->sla_due_ms[c]))
			continue;
		if (met == 0 && lead > 0 && !(st->reminded & (1u << c)) &&
		    st->sla_due_ms[c] - lead > st->created_ms)
			CONSIDER(DUE_REMIND, st->sla_due_ms[c] - lead, c);
		CONSIDER(DUE_BREACH, st->sla_due_ms[c], c);
	}
	if (st->stage_ack_due_ms != 0 && st->status == ALERT_TRIGGERED)
		CONSIDER(DUE_NO_ACK, st->stage_ack_due_ms, 0);
	if (st->stage_resolve_due_ms != 0)
		CONSIDER(DUE_NO_RESOLVE, st->stage_resolve_due_ms, 0);
	if (st->snooze_until_ms != 0 && st->status == ALERT_ACKNOWLEDGED)
		CONSIDER(DUE_SNOOZE, st->snooze_until_ms, 0);
#undef CONSIDER
	*when = best;
	return kind;
}

/* Whether two states are the same, field by field. */
int
esc_state_equal(const struct esc_state *a, const struct esc_state *b)
{
	int c;

	if (a->priority != b->priority || a->status != b->status ||
	    a->created_ms != b->created_ms ||
	    a->acknowledged_ms != b->acknowledged_ms ||
	    a->first_response_ms != b->first_response_ms ||
	    a->resolved_ms != b->resolved_ms || a->stage != b->stage ||
	    a->stage_started_ms != b->stage_started_ms ||
	    a->stage_ack_due_ms != b->stage_ack_due_ms ||
	    a->stage_resolve_due_ms != b->stage_resolve_due_ms ||
	    a->repeats_done != b->repeats_done ||
	    a->reminded != b->reminded || a->breached != b->breached ||
	    a->snooze_until_ms != b->snooze_until_ms)
		return 0;
	for (c = 0; c < SLA_NCLOCKS; c++)
		if (a->sla_due_ms[c] != b->sla_due_ms[c])
			return 0;
	return 1;
}

/* When esc_run() next has something to do; ESC_NEVER if never. */
int64_t
esc_next_due(const struct esc_state *st, const struct policy *p,
    const struct sla_target *sla)
{
	enum sla_clock clock;
	int64_t when;

	if (esc_earliest(st, sla, &when, &clock) == DUE_NONE)
		return ESC_NEVER;
	return when;
}

/*
 * Fire, in time order, every event due at or before now.  Returns the
 * instant of the next one (ESC_NEVER if none).
 */
int64_t
esc_run(struct esc_state *st, const struct policy *p,
    const struct sla_target *sla, int64_t now, struct esc_actions *out)
{
	enum esc_due_kind kind;
	enum sla_clock clock = 0;
	int64_t when, met;
	int steps;

	if (st->stage == 0)
		return ESC_NEVER;
	for (steps = 0; steps < ESC_MAX_STEPS; steps++) {
		kind = esc_earliest(st, sla, &when, &clock);
		if (kind == DUE_NONE || when > now)
			return kind == DUE_NONE ? ESC_NEVER : when;
		switch (kind) {
		case DUE_REMIND:
			st->reminded |= 1u << clock;
			esc_add(out, ESC_REMIND, when, st->stage, st->stage,
			    ESC_R_SLA, clock, 0);
			break;
		case DUE_BREACH:
			/* late by the time it took, or is still taking */
			met = esc_clock_stopped(st, clock);
			st->breached |= 1u << clock;
			esc_add(out, ESC_BREACH, when, st->stage, st->stage,
			    ESC_R_SLA, clock, (met != 0 ? met : now) - when);
			break;
		case DUE_NO_ACK:
			esc_advance(st, p, when, ESC_R_NO_ACK, out);
			break;
		case DUE_NO_RESOLVE:
			esc_advance(st, p, when, ESC_R_NO_RESOLVE, out);
			break;
		case DUE_SNOOZE:
			/* triggered again: the stage pages and waits anew */
			st->snooze_until_ms = 0;
			st->status = ALERT_TRIGGERED;
			esc_arm_stage(st, p, when);
			esc_add(out, ESC_PAGE, when, st->stage, st->stage,
			    ESC_R_SNOOZE, 0, 0);
			break;
		case DUE_NONE:
			break;
		}
	}
	return now; /* runaway: come back at once rather than never */
}

/*
 * Acknowledged at now: the stage stops waiting for an ack.  An alert
 * acknowledged and snoozed may be acknowledged again, which ends the
 * snooze.  The first acknowledgement is the one that met the response
 * clock: one after a snooze ended does not move it.  -1 if not open.
 */
int
esc_ack(struct esc_state *st, int64_t now)
{
	if (st->status == ALERT_ACKNOWLEDGED && st->snooze_until_ms != 0) {
		st->snooze_until_ms = 0;
		return 0;
	}
	if (st->status != ALERT_TRIGGERED)
		return -1;
	st->status = ALERT_ACKNOWLEDGED;
	if (st->acknowledged_ms == 0)
		st->acknowledged_ms = now;
	st->stage_ack_due_ms = 0;
	return 0;
}

/*
 * Snoozed at now until until (after now): an acknowledged alert pages
 * again then if still open.  A new snooze replaces the one running.
 * -1 unless acknowledged.
 */
int
esc_snooze(struct esc_state *st, int64_t now, int64_t until)
{
	if (st->status != ALERT_ACKNOWLEDGED || until <= now)
		return -1;
	st->snooze_until_ms = until;
	return 0;
}

/* A human note at now: the first one meets the first-response clock. */
int
esc_note(struct esc_state *st, int64_t now)
{
	if (st->status == ALERT_RESOLVED)
		return -1;
	if (st->first_response_ms == 0)
		st->first_response_ms = now;
	return 0;
}

/* Resolved at now: every clock and timer stops.  -1 if already resolved. */
int
esc_resolve(struct esc_state *st, int64_t now)
{
	if (st->status == ALERT_RESOLVED)
		return -1;
	st->status = ALERT_RESOLVED;
	st->resolved_ms = now;
	st->stage_ack_due_ms = st->stage_resolve_due_ms = 0;
	st->snooze_until_ms = 0;
	return 0;
}

/*
 * The breached clocks that were running in was and are stopped in st,
 * one bit per enum sla_clock: the breaches whose lateness a change (an
 * ack, a note, a resolve) has just made final.
 */
unsigned
esc_breaches_stopped(const struct esc_state *was, const struct esc_state *st)
{
	unsigned bits = 0;
	int c;

	for (c = 0; c < SLA_NCLOCKS; c++)
		if ((st->breached & (1u << c)) &&
		    esc_clock_stopped(st, c) != 0 &&
		    esc_clock_stopped(was, c) == 0)
			bits |= 1u << c;
	return bits;
}

/* Go to the next stage now.  -1 if resolved or already at the last. */
int
esc_escalate(struct esc_state *st, const struct policy *p, int64_t now,
    enum esc_reason reason, struct esc_actions *out)
{
	if (st->status == ALERT_RESOLVED || st->stage >= p->nstages)
		return -1;
	esc_advance(st, p, now, reason, out);
	return 0;
}

/*
 * A duplicate raised the priority: the SLA deadlines are those of the
 * new priority, still counted from when the alert was raised, and the
 * current stage is paged again.
 */
void
esc_raise_priority(struct esc_state *st, int priority,
    const struct sla_target *sla, int64_t now, struct esc_actions *out)
{
	if (priority >= st->priority || st->status == ALERT_RESOLVED)
		return;
	st->priority = priority;
	esc_set_deadlines(st, sla);
	st->reminded &= st->breached;
	esc_add(out, ESC_PAGE, now, st->stage, st->stage, ESC_R_PRIORITY, 0,
	    0);
}
