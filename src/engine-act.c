/* SPDX-License-Identifier: ISC */
/*
 * engine-act.c: carrying out, inside the open transaction, what esc.c
 * decided for an alert: its audit events, the rows of the SLA clocks it
 * breached (and their stopping), and the pages of its stages (through
 * engine-tell.c).
 */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "breach.h"
#include "duration.h"
#include "engine-private.h"
#include "esc.h"
#include "policy.h"
#include "store.h"
#include "xmalloc.h"

/* Record an audit event; detail is a JSON object (reference stolen). */
int
engine_audit(struct engine *e, int64_t id, int64_t at, const char *actor,
    const char *kind, json_t *detail, char **cause)
{
	struct store_event_new ev;
	char *text = NULL;
	int rc;

	if (detail != NULL) {
		text = json_dumps(detail, JSON_COMPACT);
		json_decref(detail);
	}
	memset(&ev, 0, sizeof ev);
	ev.alert_id = id;
	ev.at_ms = at;
	ev.actor = actor;
	ev.kind = kind;
	ev.detail = text;
	rc = store_event_add(e->store, &ev, cause);
	free(text);
	return rc;
}

/* The "policy" audit detail of pol, kept while the same policy comes. */
const char *
engine_policy_detail(struct engine *e, const struct policy *pol)
{
	json_t *d;

	if (e->policy_name != NULL && strcmp(e->policy_name, pol->name) == 0)
		return e->policy_detail;
	free(e->policy_name);
	free(e->policy_detail);
	d = json_pack("{s:s}", "policy", pol->name);
	e->policy_detail = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	e->policy_name = e->policy_detail != NULL ? xstrdup(pol->name) : NULL;
	return e->policy_detail; /* NULL: {} */
}

/*
 * The breach esc.c decided in action a, recorded at now: its row in the
 * breaches table, closed at once if its clock already stopped (the ack
 * that stops it may be the change that fired the overdue breach).
 */
static int
engine_breach(struct engine *e, int64_t id, const struct esc_state *st,
    const struct esc_action *a, int64_t now, char **cause)
{
	struct breach b;

	memset(&b, 0, sizeof b);
	b.alert_id = id;
	b.clock = a->clock;
	b.due_ms = a->at_ms;
	b.breached_ms = now;
	b.stopped_ms = esc_clock_stopped(st, a->clock);
	return store_breach_add(e->store, &b, cause);
}

/*
 * The breaches of alert id whose clocks a change (from was to st, at
 * the same instant) has stopped: their lateness is final from now on.
 */
int
engine_breaches_stop(struct engine *e, int64_t id,
    const struct esc_state *was, const struct esc_state *st, char **cause)
{
	struct breach b;
	unsigned bits = esc_breaches_stopped(was, st);
	int c;

	for (c = 0; c < SLA_NCLOCKS; c++) {
		if (!(bits & (1u << c)))
			continue;
		memset(&b, 0, sizeof b);
		b.alert_id = id;
		b.clock = c;
		b.stopped_ms = esc_clock_stopped(st, c);
		if (store_breach_stop(e->store, &b, cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * Carry out the actions esc.c decided for one alert at now: audit
 * events, breach records and pages.  A stage whose targets reach nobody
 * escalates at once.
 */
int
engine_act(struct engine *e, const struct alert *al, const struct policy *pol,
    struct esc_state *st, struct esc_actions *acts, int64_t now, char **cause)
{
	struct esc_action *a;
	char *subject, late[32];
	const char *what;
	json_t *d;
	size_t i;
	int rc;

	for (i = 0; i < acts->n; i++) {
		a = &acts->v[i];
		switch (a->kind) {
		case ESC_STAGE:
			d = json_pack("{s:i,s:i,s:s}", "from", a->from_stage,
			    "to", a->stage, "reason",
			    esc_reason_name(a->reason));
			if (engine_audit(e, al->id, a->at_ms, "engine", "stage",
			    d, cause) != 0)
				return -1;
			break;
		case ESC_PAGE:
			what = a->reason == ESC_R_REPEAT ? "repeat page" :
			    a->reason == ESC_R_PRIORITY ? "priority raised" :
			    a->reason == ESC_R_SNOOZE ? "snooze ended" :
			    "page";
			/* acknowledged no more: say so once, before the
			 * pages, for the log and the integration's callback */
			if (a->reason == ESC_R_SNOOZE && engine_audit(e, al->id,
			    a->at_ms, "engine", "retrigger", json_pack("{s:s}",
			    "reason", "snooze ended"), cause) != 0)
				return -1;
			rc = engine_page_stage(e, al, pol, st, a, what, cause);
			if (rc < 0)
				return -1;
			/* nobody to page: the next stage, now (this may
			 * append to acts, which the loop then carries out) */
			if (rc == 1 && a->stage == st->stage)
				esc_escalate(st, pol, a->at_ms,
				    ESC_R_UNREACHABLE, acts);
			break;
		case ESC_REMIND:
		case ESC_BREACH:
			if (a->kind == ESC_BREACH)
				d = json_pack("{s:s,s:I,s:s}", "clock",
				    sla_clock_name(a->clock), "late_ms",
				    (json_int_t)a->late_ms, "late",
				    duration_format(a->late_ms, late,
				    sizeof late));
			else
				d = json_pack("{s:s,s:I}", "clock",
				    sla_clock_name(a->clock), "due_ms",
				    (json_int_t)st->sla_due_ms[a->clock]);
			if (engine_audit(e, al->id, a->at_ms, "engine",
			    a->kind == ESC_BREACH ? "breach" : "reminder", d,
			    cause) != 0)
				return -1;
			if (a->kind == ESC_BREACH &&
			    engine_breach(e, al->id, st, a, now, cause) != 0)
				return -1;
			if (a->kind == ESC_BREACH)
				xasprintf(&subject, "SLA breach (%s, late by"
				    " %s)", sla_clock_name(a->clock), late);
			else
				xasprintf(&subject, "reminder (%s due soon)",
				    sla_clock_name(a->clock));
			rc = engine_notice(e, al, pol, st, a->at_ms,
			    a->kind == ESC_BREACH ? NOTIFY_BREACH :
			    NOTIFY_REMINDER, subject,
			    cause);
			free(subject);
			if (rc != 0)
				return -1;
			break;
		}
	}
	return 0;
}
