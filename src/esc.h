/* SPDX-License-Identifier: ISC */
/*
 * esc.h: the escalation engine's decisions, as a pure function of
 * (alert state, policy, SLA targets, now).  It never reads the clock,
 * the store or the rotas: it changes the state it is given and says what
 * must happen (page a stage, remind, record a breach) as actions.  The
 * daemon side (engine.c) stores the state, carries out the actions and
 * arms one timer per alert at the instant esc_run() returns.
 */
#ifndef ESC_H
#define ESC_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "policy.h"

#define ESC_NEVER INT64_MAX

/* What the engine keeps per open alert; every instant is absolute UTC ms. */
struct esc_state {
	int priority;
	enum alert_status status;
	int64_t created_ms;
	int64_t acknowledged_ms;   /* 0: not yet */
	int64_t first_response_ms; /* 0: not yet */
	int64_t resolved_ms;       /* 0: not yet */

	int stage; /* 1..nstages; 0 before esc_start() */
	int64_t stage_started_ms;
	int64_t stage_ack_due_ms;     /* 0: no ack timer */
	int64_t stage_resolve_due_ms; /* 0: no resolution timer */
	int repeats_done;             /* pages repeated by the last stage */

	int64_t sla_due_ms[SLA_NCLOCKS];
	unsigned reminded; /* bit per enum sla_clock */
	unsigned breached; /* bit per enum sla_clock */
	int64_t snooze_until_ms; /* acknowledged, snoozed until; 0: not */
};

enum esc_action_kind {
	ESC_PAGE,   /* page the targets of stage (new stage, or repeat) */
	ESC_STAGE,  /* moved from from_stage to stage */
	ESC_REMIND, /* SLA deadline of clock is near: page current stage */
	ESC_BREACH, /* SLA deadline of clock missed by late_ms */
};

/* Why a stage changed or was paged. */
enum esc_reason {
	ESC_R_TRIGGERED,
	ESC_R_NO_ACK,        /* not acknowledged within ack_within */
	ESC_R_NO_RESOLVE,    /* not resolved within resolve_within */
	ESC_R_MANUAL,        /* someone asked to escalate */
	ESC_R_UNREACHABLE,   /* nobody of the stage could be reached */
	ESC_R_REPEAT,        /* the last stage pages again */
	ESC_R_PRIORITY,      /* a duplicate raised the priority */
	ESC_R_SLA,           /* reminder or breach */
	ESC_R_SNOOZE,        /* a snooze ended: paged again */
};

struct esc_action {
	enum esc_action_kind kind;
	int64_t at_ms; /* when it was due (for catch-up after a restart) */
	int stage;
	int from_stage;
	enum esc_reason reason;
	enum sla_clock clock;
	int64_t late_ms;
};

struct esc_actions {
	struct esc_action *v;
	size_t n;
	size_t size;
};

/* esc.c */
const char *esc_reason_name(enum esc_reason);
void esc_actions_clear(struct esc_actions *);
void esc_start(struct esc_state *, const struct policy *,
    const struct sla_target *, int64_t, struct esc_actions *);
int64_t esc_run(struct esc_state *, const struct policy *,
    const struct sla_target *, int64_t, struct esc_actions *);
int64_t esc_next_due(const struct esc_state *, const struct policy *,
    const struct sla_target *);
int esc_ack(struct esc_state *, int64_t);
int esc_note(struct esc_state *, int64_t);
int esc_resolve(struct esc_state *, int64_t);
int esc_snooze(struct esc_state *, int64_t, int64_t);
int esc_state_equal(const struct esc_state *, const struct esc_state *);
int64_t esc_clock_stopped(const struct esc_state *, enum sla_clock);
unsigned esc_breaches_stopped(const struct esc_state *,
    const struct esc_state *);
int esc_escalate(struct esc_state *, const struct policy *, int64_t,
    enum esc_reason, struct esc_actions *);
void esc_raise_priority(struct esc_state *, int, const struct sla_target *,
    int64_t, struct esc_actions *);

#endif
