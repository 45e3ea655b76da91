/* SPDX-License-Identifier: ISC */
/*
 * engine-private.h: what the files of the engine share (engine.c, the
 * loop and the state; engine-act.c, carrying out esc.c's actions;
 * engine-tell.c, who is told and how).  No one else includes it.
 */
#ifndef ENGINE_PRIVATE_H
#define ENGINE_PRIVATE_H

#include <sys/queue.h>

#include <jansson.h>
#include <stdint.h>

#include "engine.h"
#include "esc.h"
#include "jsonw.h"
#include "notify.h"
#include "throttle.h"

struct alert;
struct alert_new;
struct policy;
struct store_alert_start;

struct engine_alert {
	struct engine *e;
	int64_t id;
	char *service;
	char *policy; /* name of the policy in force for it */
	struct esc_state st;
	int64_t next_due;
	struct event *timer;
	int queued;
	struct engine_alert *hnext;
	TAILQ_ENTRY(engine_alert) qentry;
};
TAILQ_HEAD(engine_queue, engine_alert);

/* A decision made inside the open transaction, applied after COMMIT. */
struct engine_staged {
	struct engine_alert *a;
	int is_new; /* a is not in the table yet */
	struct esc_state st;
	char *policy;
	int64_t next_due;
};

/* A message to send once the transaction that decided it commits. */
struct engine_msg {
	int64_t alert_id;
	char *to;
	char *subject;
};

struct engine {
	struct event_base *base;
	struct store *store;
	const struct conf *conf;
	const struct rota_set *rotas;
	const struct people *people;
	struct outbox *outbox; /* NULL: console lines only */
	engine_link_cb link;   /* makes a person's ack link, or NULL */
	void *link_arg;

	struct engine_alert **table;
	size_t tsize;
	size_t count;

	struct engine_queue queue;
	struct event *flush_ev;

	struct engine_staged *staged;
	size_t nstaged;
	struct engine_msg *msgs;
	size_t nmsgs;

	struct throttle_log unpaged_log; /* "has nobody to page" lines */
	char *policy_name;	/* the last "policy" audit detail written: */
	char *policy_detail;	/* in a storm, the same for every alert */
	struct jsonw page_detail; /* the "page" detail being written */

	/* silences in force or to come, and those ended with alerts held */
	struct silence *silences;
	size_t nsilences;
	struct event *silence_timer; /* at the earliest end among them */
	int64_t *quiet;	/* at resume: alerts not to start, sorted */
	size_t nquiet;
	int leading;	/* 0: a standby's, which holds no alert (lease.c) */
	int orphans;	/* stood by with a COMMIT's outcome to come */
};

/* One resolved recipient of a page. */
struct engine_who {
	const char *person; /* person or contact id, or NULL for chat */
	const char *chat;   /* chat channel name, or NULL */
	char target[128];   /* "rota:ops" */
	char why[300];
};

/* engine.c */
const struct policy *engine_policy(const struct engine *, const char *,
    const char *);
struct engine_alert *engine_find(const struct engine *, int64_t);
struct engine_alert *engine_alert_new(struct engine *, int64_t,
    const char *);
void engine_alert_free(struct engine *, struct engine_alert *);
void engine_stage(struct engine *, struct engine_alert *, int,
    const struct esc_state *, const char *, int64_t);
void engine_settle(struct engine *, int);
int engine_decide(struct engine *, struct engine_alert *, struct esc_state *,
    struct esc_actions *, int64_t, const struct alert *,
    const struct store_alert_start *, char **);

/* engine-silence.c */
void engine_silences_init(struct engine *);
void engine_silences_free(struct engine *);
int engine_silences_resume(struct engine *, int64_t, char **);
void engine_silences_resumed(struct engine *);
void engine_silences_configured(struct engine *);
int engine_silence_quiet(const struct engine *, int64_t);
int engine_silence_matches_new(const struct engine *,
    const struct alert_new *, int64_t);
int engine_silence_hold(struct engine *, struct engine_alert *, int,
    const struct esc_state *, const struct alert *, int64_t, char **);

/* engine-act.c */
int engine_audit(struct engine *, int64_t, int64_t, const char *,
    const char *, json_t *, char **);
const char *engine_policy_detail(struct engine *, const struct policy *);
int engine_act(struct engine *, const struct alert *, const struct policy *,
    struct esc_state *, struct esc_actions *, int64_t, char **);
int engine_breaches_stop(struct engine *, int64_t, const struct esc_state *,
    const struct esc_state *, char **);

/* engine-tell.c */
int engine_page_stage(struct engine *, const struct alert *,
    const struct policy *, struct esc_state *, const struct esc_action *,
    const char *, char **);
int engine_notice(struct engine *, const struct alert *,
    const struct policy *, const struct esc_state *, int64_t,
    enum notify_event, const char *, char **);
int engine_notify_paged(struct engine *, const struct alert *,
    const struct esc_state *, enum notify_event, const char *, char **);
void engine_msgs_clear(struct engine *, int);

#endif
