/* SPDX-License-Identifier: ISC */
/*
 * policy.h: escalation policies, SLA targets per priority and business
 * hours calendars, as read from pagerd.conf by conf-policy.c.  Plain
 * data: the escalation engine (esc.c) decides with it.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <stdint.h>

struct tz;

#define POLICY_STAGES 4

enum policy_target_kind {
	TARGET_ROTA,    /* rota:NAME, whoever is on call */
	TARGET_PERSON,  /* person:ID */
	TARGET_CONTACT, /* contact:ID, an outside address with no rota */
	TARGET_CHAT,    /* chat:NAME, a chat channel */
};

struct policy_target {
	enum policy_target_kind kind;
	char *name;
};

struct policy_stage {
	struct policy_target *targets;
	size_t ntargets;
	int64_t ack_within;     /* 0: this stage does not wait for an ack */
	int64_t resolve_within; /* 0: no resolution timer */
};

struct policy {
	char *name;
	char **services; /* services it handles; "default" handles the rest */
	size_t nservices;
	char *cc;        /* chat channel that sees every event, or NULL */
	int repeats;     /* how often the last stage pages again */
	struct policy_stage stages[POLICY_STAGES];
	int nstages;
	int line;
};

/* Business hours: the SLA clock runs only inside them. */
struct bizhours {
	char *name;
	struct tz *tz;
	unsigned days; /* bit n: weekday n (0 Sunday) is a working day */
	int open_min;  /* minutes after local midnight */
	int close_min;
	int64_t *holidays; /* days since 1970-01-01, local dates, sorted */
	size_t nholidays;
};

enum sla_clock {
	SLA_RESPONSE,       /* acknowledgement */
	SLA_FIRST_RESPONSE, /* first human note */
	SLA_RESOLUTION,
	SLA_NCLOCKS
};

struct sla_target {
	int64_t due[SLA_NCLOCKS]; /* duration of each target */
	int64_t reminder;         /* lead time before each deadline; 0: none */
	const struct bizhours *calendar; /* NULL: around the clock */
};

/* policy.c */
const char *sla_clock_name(enum sla_clock);
const struct policy *policy_for_service(const struct policy *, size_t,
    const char *);
int64_t bizhours_add(const struct bizhours *, int64_t, int64_t);
int bizhours_is_open(const struct bizhours *, int64_t);

#endif
