/* SPDX-License-Identifier: ISC */
/*
 * engine.c: the escalation engine on the event loop.  Every open alert
 * has an entry here with its escalation state and one evtimer armed at
 * the next instant esc.c has something to do; 100,000 quiet alerts cost
 * memory and nothing else.
 *
 * Work is done in batches, like intake: timers that fire in one turn of
 * the loop queue their alerts, and a low-priority event then runs the
 * decisions of all of them in one transaction.  Each decision is
 * written (state, audit events) before anyone is paged: a crash between
 * the two means a page may go out twice after the restart, never that
 * one is lost.  Decisions work on a copy of the state, which replaces
 * the live one only after COMMIT.
 *
 * This file is the loop and the state; engine-act.c carries out what
 * esc.c decides (audit events, breaches), engine-tell.c pages and
 * notifies the people it concerns.
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "breach.h"
#include "clock.h"
#include "conf.h"
#include "durable.h"
#include "engine-private.h"
#include "esc.h"
#include "log.h"
#include "outbox.h"
#include "policy.h"
#include "rota.h"
#include "store.h"
#include "xmalloc.h"

#define ENGINE_PRIORITY 2 /* the lowest of main.c's three */

static void engine_timer_cb(evutil_socket_t, short, void *);
static void engine_unreachable_cb(int64_t, const char *, void *);
static void engine_flush_cb(evutil_socket_t, short, void *);
static int engine_save_as(struct engine *, struct engine_alert *,
    const struct policy *, const struct esc_state *, const struct alert *,
    const struct store_alert_start *, int64_t, char **);

/* Alerts by id: a chained hash table that doubles when full. */
static size_t
engine_hash(const struct engine *e, int64_t id)
{
	uint64_t h = (uint64_t)id * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 32) & (e->tsize - 1);
}

struct engine_alert *
engine_find(const struct engine *e, int64_t id)
{
	struct engine_alert *a;

	for (a = e->table[engine_hash(e, id)]; a != NULL; a = a->hnext)
		if (a->id == id)
			return a;
	return NULL;
}

static void
engine_insert(struct engine *e, struct engine_alert *a)
{
	struct engine_alert **old = e->table, *n, *next;
	size_t oldsize = e->tsize, i, h;

	if (e->count + 1 > e->tsize) {
		e->tsize *= 2;
		e->table = xcalloc(e->tsize, sizeof *e->table);
		for (i = 0; i < oldsize; i++) {
			for (n = old[i]; n != NULL; n = next) {
				next = n->hnext;
				h = engine_hash(e, n->id);
				n->hnext = e->table[h];
				e->table[h] = n;
			}
		}
		free(old);
	}
	h = engine_hash(e, a->id);
	a->hnext = e->table[h];
	e->table[h] = a;
	e->count++;
}

static void
engine_remove(struct engine *e, struct engine_alert *a)
{
	struct engine_alert **p;

	for (p = &e->table[engine_hash(e, a->id)]; *p != NULL;
	    p = &(*p)->hnext) {
		if (*p == a) {
			*p = a->hnext;
			e->count--;
			return;
		}
	}
}

struct engine_alert *
engine_alert_new(struct engine *e, int64_t id, const char *service)
{
	struct engine_alert *a = xcalloc(1, sizeof *a);

	a->e = e;
	a->id = id;
	a->service = xstrdup(service);
	a->next_due = ESC_NEVER;
	a->timer = evtimer_new(e->base, engine_timer_cb, a);
	if (a->timer == NULL)
		fatalx("engine: evtimer_new failed");
	event_priority_set(a->timer, 1);
	return a;
}

void
engine_alert_free(struct engine *e, struct engine_alert *a)
{
	if (a->queued)
		TAILQ_REMOVE(&e->queue, a, qentry);
	event_free(a->timer);
	free(a->service);
	free(a->policy);
	free(a);
}

struct engine *
engine_new(struct event_base *base, struct store *store,
    const struct conf *c)
{
	struct engine *e = xcalloc(1, sizeof *e);

	e->base = base;
	e->store = store;
	e->conf = c;
	e->tsize = 1024;
	e->table = xcalloc(e->tsize, sizeof *e->table);
	TAILQ_INIT(&e->queue);
	e->flush_ev = event_new(base, -1, 0, engine_flush_cb, e);
	if (e->flush_ev == NULL)
		fatalx("engine: event_new failed");
	if (event_base_get_npriorities(base) > ENGINE_PRIORITY)
		event_priority_set(e->flush_ev, ENGINE_PRIORITY);
	engine_silences_init(e);
	e->leading = 1;
	return e;
}

void
engine_free(struct engine *e)
{
	struct engine_alert *a, *next;
	size_t i;

	if (e == NULL)
		return;
	/* decisions of a COMMIT whose answer never came (a stop while
	 * PostgreSQL was away): dropped, as a failed one's would be */
	engine_settle(e, 0);
	for (i = 0; i < e->tsize; i++) {
		for (a = e->table[i]; a != NULL; a = next) {
			next = a->hnext;
			engine_alert_free(e, a);
		}
	}
	free(e->table);
	event_free(e->flush_ev);
	free(e->staged);
	free(e->msgs);
	free(e->policy_name);
	free(e->policy_detail);
	jsonw_free(&e->page_detail);
	engine_silences_free(e);
	free(e);
}

void
engine_configure(struct engine *e, const struct conf *c)
{
	e->conf = c;
	engine_silences_configured(e);
}

void
engine_set_rotas(struct engine *e, const struct rota_set *rotas,
    const struct people *people)
{
	e->rotas = rotas;
	e->people = people;
}

/*
 * Pages to people carry the link cb(alert id, person id, arg) returns
 * (an acknowledgement link; NULL for none; freed after use).
 */
void
engine_set_link(struct engine *e, engine_link_cb cb, void *arg)
{
	e->link = cb;
	e->link_arg = arg;
}

/* Page through the outbox from now on; an unreachable person escalates. */
void
engine_set_outbox(struct engine *e, struct outbox *ob)
{
	e->outbox = ob;
	if (ob != NULL)
		outbox_set_unreachable_cb(ob, engine_unreachable_cb, e);
}

size_t
engine_open_count(const struct engine *e)
{
	return e->count;
}

/* The policy of an alert: by its recorded name, else by its service. */
const struct policy *
engine_policy(const struct engine *e, const char *name, const char *service)
{
	size_t i;

	if (name != NULL)
		for (i = 0; i < e->conf->npolicies; i++)
			if (strcmp(e->conf->policies[i].name, name) == 0)
				return &e->conf->policies[i];
	return policy_for_service(e->conf->policies, e->conf->npolicies,
	    service);
}

/* Arm (or disarm) the alert's timer for its next due instant. */
static void
engine_arm(struct engine_alert *a, int64_t now)
{
	struct timeval tv;
	int64_t wait;

	evtimer_del(a->timer);
	if (a->next_due == ESC_NEVER)
		return;
	wait = a->next_due > now ? a->next_due - now : 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(a->timer, &tv);
}

static void
engine_enqueue(struct engine *e, struct engine_alert *a)
{
	if (a->queued)
		return;
	a->queued = 1;
	TAILQ_INSERT_TAIL(&e->queue, a, qentry);
	event_active(e->flush_ev, EV_TIMEOUT, 0);
}

static void
engine_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine_alert *a = arg;

	engine_enqueue(a->e, a);
}


/* Stage a decision for alert a (state st) to apply after COMMIT. */
void
engine_stage(struct engine *e, struct engine_alert *a, int is_new,
    const struct esc_state *st, const char *policy, int64_t next_due)
{
	struct engine_staged *s;

	e->staged = xreallocarray(e->staged, e->nstaged + 1,
	    sizeof *e->staged);
	s = &e->staged[e->nstaged++];
	s->a = a;
	s->is_new = is_new;
	s->st = *st;
	s->policy = xstrdup(policy);
	s->next_due = next_due;
}

/*
 * Save alert a's working state st under policy pol at now, inside the
 * open transaction, and stage it to apply after COMMIT.  stored is the
 * alert's row as stored in this transaction, if the caller has it (its
 * priority and status then need not be written again), else NULL.
 */
static int
engine_save(struct engine *e, struct engine_alert *a, const struct policy *pol,
    const struct esc_state *st, const struct alert *stored, int64_t now,
    char **cause)
{
	return engine_save_as(e, a, pol, st, stored, NULL, now, cause);
}

/*
 * The same, where written is the state the alert's row was inserted with
 * in this transaction (or NULL): a state equal to it is not written again.
 */
static int
engine_save_as(struct engine *e, struct engine_alert *a,
    const struct policy *pol, const struct esc_state *st,
    const struct alert *stored, const struct store_alert_start *written,
    int64_t now, char **cause)
{
	struct store_engine_save save;

	memset(&save, 0, sizeof save);
	save.id = a->id;
	save.policy = pol->name;
	save.st = st;
	save.next_due = st->status == ALERT_RESOLVED ? ESC_NEVER :
	    esc_next_due(st, pol, e->conf->sla);
	save.now = now;
	save.key_stored = stored != NULL &&
	    st->priority == stored->priority && st->status == stored->status;
	if ((written == NULL || written->policy == NULL ||
	    strcmp(written->policy, pol->name) != 0 ||
	    written->next_due != save.next_due ||
	    !esc_state_equal(&written->st, st)) &&
	    store_engine_save(e->store, &save, cause) != 0)
		return -1;
	engine_stage(e, a, 0, st, pol->name, save.next_due);
	return 0;
}

/*
 * After COMMIT (ok) or ROLLBACK (!ok): apply or drop staged decisions.
 * After a stand-down that dropped the decisions of a COMMIT still on its
 * way (engine_stop), the first outcome heard once leading again takes
 * what that COMMIT may have stored after engine_resume() read the store:
 * its alerts (engine_adopt skips those held) and its pages.
 */
void
engine_settle(struct engine *e, int ok)
{
	struct engine_staged *s;
	int64_t now = clock_now_ms();
	size_t i;
	int orphans = e->orphans && e->leading;

	for (i = 0; i < e->nstaged; i++) {
		s = &e->staged[i];
		if (!ok) {
			if (s->is_new)
				engine_alert_free(e, s->a);
			free(s->policy);
			continue;
		}
		s->a->st = s->st;
		free(s->a->policy);
		s->a->policy = s->policy;
		s->a->next_due = s->next_due;
		if (s->is_new)
			engine_insert(e, s->a);
		if (s->st.status == ALERT_RESOLVED) {
			engine_remove(e, s->a);
			engine_alert_free(e, s->a);
			continue;
		}
		engine_arm(s->a, now);
	}
	e->nstaged = 0;
	engine_msgs_clear(e, ok);
	if (ok && e->outbox != NULL)
		outbox_kick(e->outbox);
	if (orphans) {
		e->orphans = 0;
		engine_adopt(e);
		if (e->outbox != NULL)
			outbox_rebuild_soon(e->outbox);
	}
}

/*
 * Decide for alert a at now, inside the open transaction: start it if
 * it was never started, else fire what is due; then save the state.
 * st is the working copy (a->st is untouched until engine_settle()).
 * known is the alert as stored, if the caller has it (a new alert);
 * else it is read from the store.
 */
int
engine_decide(struct engine *e, struct engine_alert *a, struct esc_state *st,
    struct esc_actions *acts, int64_t now, const struct alert *known,
    const struct store_alert_start *written, char **cause)
{
	const struct policy *pol;
	struct alert *fetched = NULL;
	const struct alert *al = known;
	struct store_event_new ev;
	int rc = -1, held;

	if (al == NULL &&
	    (al = fetched = store_alert_get(e->store, a->id)) == NULL) {
		xasprintf(cause, "alert %" PRId64 " vanished", a->id);
		return -1;
	}
	if ((pol = engine_policy(e, a->policy, a->service)) == NULL) {
		xasprintf(cause, "no escalation policy");
		goto out;
	}
	if (st->stage > pol->nstages)
		st->stage = pol->nstages; /* the policy shrank on reload */
	/*
	 * Never started, found in the store (a standby took it in, or a
	 * commit's answer was lost): an active silence holds it, as at
	 * intake, and it pages nobody.
	 */
	if (st->stage == 0 && known == NULL && written == NULL &&
	    (held = engine_silence_hold(e, a, 0, st, al, now, cause)) != 0) {
		rc = held < 0 ? -1 : 0;
		goto out;
	}
	if (st->stage == 0) {
		esc_start(st, pol, e->conf->sla, now, acts);
		if (written != NULL && written->policy != NULL)
			goto run; /* the "triggered" event names it */
		memset(&ev, 0, sizeof ev);
		ev.alert_id = a->id;
		ev.at_ms = now;
		ev.actor = "engine";
		ev.kind = "policy";
		ev.detail = engine_policy_detail(e, pol);
		if (store_event_add(e->store, &ev, cause) != 0)
			goto out;
	}
run:
	esc_run(st, pol, e->conf->sla, now, acts);
	if (engine_act(e, al, pol, st, acts, now, cause) != 0)
		goto out;
	/* al is the row as stored in this transaction */
	if (engine_save_as(e, a, pol, st, al, written, now, cause) != 0)
		goto out;
	rc = 0;
out:
	alert_free(fetched);
	return rc;
}

/*
 * Decide the alerts of batch in one transaction: 0, or -1 (*cause set)
 * with nothing applied.
 */
static int
engine_decide_batch(struct engine *e, struct engine_queue *batch,
    int64_t now, char **cause)
{
	struct engine_alert *a;
	struct esc_actions acts = { NULL, 0, 0 };
	struct esc_state st;
	int64_t *ids;
	size_t n = 0;

	if (store_begin(e->store, cause) != 0)
		goto fail;
	/* PostgreSQL: each alert's row read in one statement, not one each */
	TAILQ_FOREACH(a, batch, qentry)
		n++;
	ids = xcalloc(n, sizeof *ids);
	n = 0;
	TAILQ_FOREACH(a, batch, qentry)
		ids[n++] = a->id;
	store_alerts_prefetch(e->store, ids, n);
	free(ids);
	TAILQ_FOREACH(a, batch, qentry) {
		st = a->st;
		acts.n = 0;
		if (engine_decide(e, a, &st, &acts, now, NULL, NULL, cause) != 0)
			goto fail;
	}
	/*
	 * The group commit: nobody waits for an answer, so the loop does
	 * not wait for the disk.  No page leaves before this is on disk:
	 * the outbox sends once its later "sending" commit is synced, and
	 * that sync covers this one.  A crash before it: decided again.
	 */
	if (store_commit_async(e->store, NULL, NULL, cause) != 0)
		goto fail;
	esc_actions_clear(&acts);
	engine_settle(e, 1);
	return 0;
fail:
	store_rollback(e->store);
	esc_actions_clear(&acts);
	engine_settle(e, 0);
	return -1;
}

/* An alert whose decision could not be stored: again in a second. */
static void
engine_retry(struct engine_alert *a, int64_t now, const char *cause)
{
	log_warnx("engine: alert %" PRId64 ": decision not stored, retrying"
	    " in 1s: %s", a->id, cause);
	a->next_due = now + 1000;
	engine_arm(a, now);
}

/*
 * Run the queued alerts' decisions in one transaction.  If that fails,
 * each alert is decided in a transaction of its own: one alert that
 * cannot be decided (its row gone, a value the store refuses) must not
 * hold up the escalations of every alert that came due with it.
 */
static void
engine_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;
	struct engine_queue batch, one;
	struct engine_alert *a;
	char *cause = NULL;
	int64_t now = clock_now_ms();
	size_t n = 0;

	if (TAILQ_EMPTY(&e->queue))
		return;
	/* PostgreSQL: intake's COMMIT in flight settles its alerts first */
	store_commit_settle(e->store);
	TAILQ_INIT(&batch);
	TAILQ_CONCAT(&batch, &e->queue, qentry);
	TAILQ_FOREACH(a, &batch, qentry) {
		a->queued = 0;
		n++;
	}
	if (engine_decide_batch(e, &batch, now, &cause) == 0) {
		log_debug("engine: %zu alert(s) decided", n);
		return;
	}
	if (n > 1)
		log_warnx("engine: %zu decisions not stored together (%s):"
		    " deciding each alone", n, cause);
	while ((a = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, a, qentry);
		TAILQ_INIT(&one);
		TAILQ_INSERT_TAIL(&one, a, qentry);
		if (n > 1) {
			free(cause);
			cause = NULL;
			if (engine_decide_batch(e, &one, now, &cause) == 0)
				continue;
		}
		engine_retry(a, now, cause);
	}
	free(cause);
}

/*
 * The state of alert an, new at now, before its escalation starts: the
 * same for engine_start() and engine_raised(), or the row written with
 * the first's result would be saved again by the second.
 */
static void
engine_state_new(struct esc_state *st, const struct alert_new *an,
    int64_t now)
{
	memset(st, 0, sizeof *st);
	st->priority = an->priority;
	st->status = ALERT_TRIGGERED;
	st->created_ms = now;
}

/*
 * Intake, before a new alert's row is written: the state its first
 * decision will give it, so that the row is written once.  What that
 * decision does (audit, pages) is done in engine_raised(); it saves
 * the state again only if doing it changed the state (a stage that
 * reaches nobody escalates at once).
 */
static int
engine_start(void *arg, const struct alert_new *an, int64_t now,
    struct store_alert_start *out)
{
	struct engine *e = arg;
	struct esc_actions acts = { NULL, 0, 0 };
	const struct policy *pol;
	struct esc_state *st = &out->st;

	if ((pol = engine_policy(e, NULL, an->service)) == NULL)
		return 0;
	/* silenced: written unstarted, held by engine_raised() */
	if (engine_silence_matches_new(e, an, now))
		return 0;
	engine_state_new(st, an, now);
	esc_start(st, pol, e->conf->sla, now, &acts);
	esc_run(st, pol, e->conf->sla, now, &acts);
	esc_actions_clear(&acts);
	out->policy = pol->name;
	out->policy_detail = engine_policy_detail(e, pol);
	out->next_due = esc_next_due(st, pol, e->conf->sla);
	return 1;
}

/* Intake, inside its transaction: start new alerts, raise priorities. */
static int
engine_raised(void *arg, const struct store_raise *r,
    const struct alert_new *an, int64_t now, char **cause)
{
	struct engine *e = arg;
	struct engine_alert *a;
	struct esc_actions acts = { NULL, 0, 0 };
	struct esc_state st;
	const struct policy *pol;
	struct alert *al, known;
	int rc = -1;
	size_t i;

	if (!r->duplicate) {
		a = engine_alert_new(e, r->id, an->service);
		engine_state_new(&st, an, now);
		/* the row store_alert_raise() just wrote: no need to read it */
		memset(&known, 0, sizeof known);
		known.id = r->id;
		known.dedup_key = r->dedup_key;
		known.service = an->service;
		known.priority = an->priority;
		known.summary = an->summary;
		known.source = an->source;
		known.details = an->details;
		known.links = an->links;
		known.integration = an->integration;
		known.status = ALERT_TRIGGERED;
		known.stage = 1;
		known.count = 1;
		known.created_ms = known.updated_ms = now;
		/*
		 * An active silence holds it: stored, audited, not paged.
		 * Written started, engine_start() found no silence for it.
		 */
		if (!r->started && (rc = engine_silence_hold(e, a, 1, &st,
		    &known, now, cause)) != 0) {
			if (rc < 0)
				engine_alert_free(e, a);
			rc = rc < 0 ? -1 : 0;
			goto out;
		}
		if (engine_decide(e, a, &st, &acts, now, &known,
		    r->started ? &r->start : NULL, cause) != 0) {
			engine_alert_free(e, a);
			goto out;
		}
		e->staged[e->nstaged - 1].is_new = 1;
		rc = 0;
		goto out;
	}
	if (!r->priority_raised)
		return 0;
	/* the same alert may already be staged by this batch */
	for (i = e->nstaged; i-- > 0;)
		if (e->staged[i].a->id == r->id)
			break;
	if (i != (size_t)-1) {
		a = e->staged[i].a;
		st = e->staged[i].st;
	} else if ((a = engine_find(e, r->id)) != NULL)
		st = a->st;
	else
		return 0; /* not ours (resolved meanwhile): nothing to do */
	if (st.stage == 0) {
		/* held by a silence: started, if ever, at the new priority */
		st.priority = an->priority;
		engine_stage(e, a, 0, &st, a->policy, ESC_NEVER);
		return 0;
	}
	if ((pol = engine_policy(e, a->policy, a->service)) == NULL ||
	    (al = store_alert_get(e->store, r->id)) == NULL)
		return 0;
	esc_raise_priority(&st, an->priority, e->conf->sla, now, &acts);
	rc = engine_act(e, al, pol, &st, &acts, now, cause);
	alert_free(al);
	if (rc == 0)
		rc = engine_save(e, a, pol, &st, NULL, now, cause);
out:
	esc_actions_clear(&acts);
	return rc;
}

static void
engine_committed(void *arg)
{
	engine_settle(arg, 1);
}

static void
engine_failed(void *arg)
{
	engine_settle(arg, 0);
}

/* The outbox's pass joins each batch's transaction (outbox_join). */
static int
engine_join(void *arg, char **cause)
{
	struct engine *e = arg;

	if (e->outbox == NULL || !e->leading)
		return 0;
	return outbox_join(e->outbox, cause);
}

static void
engine_joined(void *arg, int ok)
{
	struct engine *e = arg;

	if (e->outbox != NULL)
		outbox_join_end(e->outbox, ok);
}

/*
 * The hooks intake calls with each batch.  On PostgreSQL the outbox
 * keeps passes of its own: intake's COMMIT is not waited for there.
 */
void
engine_intake_hooks(struct engine *e, struct intake_hooks *h)
{
	h->start = engine_start;
	h->raised = engine_raised;
	h->committed = engine_committed;
	h->failed = engine_failed;
	if (!store_is_remote(e->store)) {
		h->join = engine_join;
		h->joined = engine_joined;
	}
	h->arg = e;
}

struct engine_resume_ctx {
	struct engine *e;
	int64_t now;
	size_t queued;
	int adopt;		/* only those the engine does not hold */
	size_t adopted;
};

static void
engine_resume_cb(const struct store_engine_row *r, void *arg)
{
	struct engine_resume_ctx *x = arg;
	struct engine *e = x->e;
	const struct policy *pol;
	struct engine_alert *a;

	if (x->adopt) {
		if (engine_find(e, r->id) != NULL)
			return;
		x->adopted++;
	}
	a = engine_alert_new(e, r->id, r->service);
	a->policy = r->policy != NULL ? xstrdup(r->policy) : NULL;
	a->st = r->st;
	engine_insert(e, a);
	pol = engine_policy(e, a->policy, a->service);
	a->next_due = r->started && pol != NULL ? esc_next_due(&a->st, pol,
	    e->conf->sla) : x->now;
	/* held by a silence, or let go quietly: never started by itself */
	if (!r->started && engine_silence_quiet(e, r->id))
		a->next_due = ESC_NEVER;
	if (a->next_due <= x->now) {
		engine_enqueue(e, a);
		x->queued++;
	} else
		engine_arm(a, x->now);
}

/*
 * At start: load every open alert and arm its timer from the stored
 * deadlines.  What fell due while the daemon was down is queued and
 * runs at once, in order.
 */
int
engine_resume(struct engine *e, char **cause)
{
	struct engine_resume_ctx x = { e, clock_now_ms(), 0, 0, 0 };
	int64_t n;

	e->leading = 1;
	if (engine_silences_resume(e, x.now, cause) != 0)
		return -1;
	if ((n = store_engine_open(e->store, engine_resume_cb, &x)) < 0) {
		xasprintf(cause, "cannot load open alerts");
		return -1;
	}
	log_info("engine: %" PRId64 " open alert(s), %zu overdue", n,
	    x.queued);
	engine_silences_resumed(e);
	return 0;
}

/*
 * The node stands by (lease.c): forget every alert, silence and timer,
 * as if it had never started; engine_resume() builds them again from
 * the store when it leads once more.  Decisions staged for a COMMIT
 * whose outcome is still to come are dropped (they point at alerts
 * freed here, and the store, not they, says what that COMMIT did); if
 * that outcome comes once this node leads again, engine_settle() takes
 * what the COMMIT stored, so nothing is held twice nor missed.
 */
void
engine_stop(struct engine *e)
{
	struct engine_alert *a, *next;
	size_t i;
	int orphans = e->nstaged > 0;

	e->leading = 0;
	engine_settle(e, 0);
	e->orphans = e->orphans || orphans;
	for (i = 0; i < e->tsize; i++) {
		for (a = e->table[i]; a != NULL; a = next) {
			next = a->hnext;
			engine_alert_free(e, a);
		}
		e->table[i] = NULL;
	}
	e->count = 0;
	TAILQ_INIT(&e->queue);
	event_del(e->flush_ev);
	engine_silences_free(e);
	e->silences = NULL;
	e->nsilences = 0;
	e->quiet = NULL;
	e->nquiet = 0;
	engine_silences_init(e);
	e->leading = 0;
}

/* Is it the leader's engine, holding the open alerts? */
int
engine_leading(const struct engine *e)
{
	return e->leading;
}

/*
 * The leader: start the alerts a standby took in (written unstarted),
 * as engine_resume() does; an active silence holds them instead.
 */
void
engine_adopt_unstarted(struct engine *e)
{
	struct engine_resume_ctx x = { e, clock_now_ms(), 0, 1, 0 };

	if (!e->leading)
		return;
	if (store_engine_unstarted(e->store, engine_resume_cb, &x) < 0) {
		log_warnx("engine: cannot read the alerts not started");
		return;
	}
	if (x.adopted > 0)
		log_info("engine: %zu alert(s) taken in by another node",
		    x.adopted);
}

/*
 * The leader: the same for the alerts among ids lo..hi, those a
 * standby's batch wrote (its NOTIFY said which, lease-work.c): one
 * read of that range, not of every alert never started.
 */
void
engine_adopt_range(struct engine *e, int64_t lo, int64_t hi)
{
	struct engine_resume_ctx x = { e, clock_now_ms(), 0, 1, 0 };

	if (!e->leading)
		return;
	if (store_engine_unstarted_range(e->store, lo, hi, engine_resume_cb,
	    &x) < 0) {
		log_warnx("engine: cannot read the alerts not started");
		return;
	}
	if (x.adopted > 0)
		log_debug("engine: %zu alert(s) taken in by another node",
		    x.adopted);
}

/*
 * The store is back after its database was lost (PostgreSQL): a COMMIT
 * whose answer was lost with the connection may have stored alerts
 * whose hooks were told it failed.  Take every open alert the engine
 * does not hold, as at start.
 */
void
engine_adopt(struct engine *e)
{
	struct engine_resume_ctx x = { e, clock_now_ms(), 0, 1, 0 };

	if (!e->leading)
		return;
	if (store_engine_open(e->store, engine_resume_cb, &x) < 0) {
		log_warnx("engine: cannot read the open alerts again");
		return;
	}
	if (x.adopted > 0)
		log_info("engine: %zu open alert(s) found again in the store",
		    x.adopted);
}

/*
 * Run one lifecycle change on alert id in its own transaction: change()
 * edits a copy of the state; then what fell due is fired, everything is
 * saved, and notices go out after COMMIT.  ENGINE_OK once committed, not
 * yet synced: answer whoever asked from durable_then().
 */
static enum engine_result
engine_change(struct engine *e, int64_t id, const char *actor,
    const char *kind, json_t *detail, int (*change)(struct esc_state *,
    const struct policy *, int64_t, struct esc_actions *, void *), void *carg,
    const char *notice, char **cause)
{
	struct engine_alert *a;
	struct esc_actions acts = { NULL, 0, 0 };
	struct esc_state st;
	const struct policy *pol;
	struct alert *al = NULL;
	struct store_alert_note an;
	char *subject, *via = NULL, *for_whom = NULL, *note = NULL;
	const char *v;
	int64_t now = clock_now_ms();
	enum engine_result res = ENGINE_ERROR;
	int rc;

	/*
	 * PostgreSQL: intake's COMMIT in flight settles first, so that the
	 * state copied below is the one it left
	 */
	store_commit_settle(e->store);
	/* the path it came by, for the notice: "acknowledged by X via sms" */
	if ((v = json_string_value(json_object_get(detail, "via"))) != NULL)
		via = xstrdup(v);
	/* "acknowledged by KEY for bob via API": the key is who acted */
	if ((v = json_string_value(json_object_get(detail,
	    "on_behalf_of"))) != NULL)
		for_whom = xstrdup(v);
	/* a note's text is also kept typed, for the handoff notes */
	if (strcmp(kind, "note") == 0 && (v = json_string_value(
	    json_object_get(detail, "text"))) != NULL)
		note = xstrdup(v);
	/* the leader holds the open alerts (a standby writes commands) */
	if (!e->leading) {
		xasprintf(cause, "this node stands by: send it to the leader");
		goto out;
	}
	if ((a = engine_find(e, id)) == NULL) {
		if ((al = store_alert_get(e->store, id)) == NULL) {
			xasprintf(cause, "no alert %" PRId64, id);
			res = ENGINE_NOT_FOUND;
		} else {
			xasprintf(cause, "alert %" PRId64 " is %s", id,
			    alert_status_name(al->status));
			res = ENGINE_CONFLICT;
		}
		goto out;
	}
	if ((pol = engine_policy(e, a->policy, a->service)) == NULL) {
		xasprintf(cause, "no escalation policy");
		goto out;
	}
	st = a->st;
	if (change(&st, pol, now, &acts, carg) != 0) {
		xasprintf(cause, "alert %" PRId64 " is %s at stage %d", id,
		    alert_status_name(st.status), st.stage);
		res = ENGINE_CONFLICT;
		goto out;
	}
	if (store_begin(e->store, cause) != 0)
		goto out;
	if ((al = store_alert_get(e->store, id)) == NULL)
		goto fail;
	if (engine_audit(e, id, now, actor, kind, detail, cause) != 0) {
		detail = NULL;
		goto fail;
	}
	detail = NULL;
	memset(&an, 0, sizeof an);
	an.alert_id = id;
	an.at_ms = now;
	an.actor = actor;
	an.text = note;
	if (note != NULL && store_alert_note_add(e->store, &an, cause) != 0)
		goto fail;
	esc_run(&st, pol, e->conf->sla, now, &acts);
	if (engine_act(e, al, pol, &st, &acts, now, cause) != 0)
		goto fail;
	if (engine_breaches_stop(e, id, &a->st, &st, cause) != 0)
		goto fail;
	/* an ack or a resolve stops the pages still waiting to go out */
	if (notice != NULL && e->outbox != NULL &&
	    outbox_cancel(e->outbox, id, NULL, cause) != 0)
		goto fail;
	if (notice != NULL) {
		xasprintf(&subject, "%s by %s%s%s%s%s", notice, actor,
		    for_whom != NULL ? " for " : "", for_whom != NULL ?
		    for_whom : "", via != NULL ? " via " : "", via == NULL ? "" :
		    strcmp(via, "sms") == 0 ? "SMS" :
		    strcmp(via, "api") == 0 ? "API" : via);
		rc = engine_notify_paged(e, al, &st, strcmp(notice,
		    "resolved") == 0 ? NOTIFY_RESOLVED : NOTIFY_ACKNOWLEDGED,
		    subject, cause);
		free(subject);
		if (rc != 0)
			goto fail;
	}
	if (engine_save(e, a, pol, &st, NULL, now, cause) != 0)
		goto fail;
	/*
	 * Not synced on the loop: whoever asked is answered once it is
	 * on disk (durable_then); the loop's view takes it now, and the
	 * notices go once the outbox's later commit is synced.
	 */
	if (store_commit_async(e->store, durable_ignore, NULL, cause) != 0)
		goto fail;
	engine_settle(e, 1);
	res = ENGINE_OK;
	goto out;
fail:
	store_rollback(e->store);
	engine_settle(e, 0);
out:
	json_decref(detail);
	alert_free(al);
	esc_actions_clear(&acts);
	free(via);
	free(for_whom);
	free(note);
	return res;
}

static int
engine_do_ack(struct esc_state *st, const struct policy *p, int64_t now,
    struct esc_actions *acts, void *arg)
{
	return esc_ack(st, now);
}

static int
engine_do_resolve(struct esc_state *st, const struct policy *p, int64_t now,
    struct esc_actions *acts, void *arg)
{
	return esc_resolve(st, now);
}

static int
engine_do_note(struct esc_state *st, const struct policy *p, int64_t now,
    struct esc_actions *acts, void *arg)
{
	return esc_note(st, now);
}

static int
engine_do_escalate(struct esc_state *st, const struct policy *p, int64_t now,
    struct esc_actions *acts, void *arg)
{
	const struct sla_target *sla = arg;

	/* held by a silence: by hand, it starts now, its clocks with it */
	if (st->stage == 0 && st->status != ALERT_RESOLVED) {
		st->created_ms = now;
		esc_start(st, p, sla, now, acts);
		return 0;
	}
	return esc_escalate(st, p, now, ESC_R_MANUAL, acts);
}

static int
engine_do_snooze(struct esc_state *st, const struct policy *p, int64_t now,
    struct esc_actions *acts, void *arg)
{
	return esc_snooze(st, now, *(const int64_t *)arg);
}

/* Escalate because someone could not be reached; only while unacked. */
static int
engine_do_unreachable(struct esc_state *st, const struct policy *p,
    int64_t now, struct esc_actions *acts, void *arg)
{
	if (st->status != ALERT_TRIGGERED)
		return -1;
	return esc_escalate(st, p, now, ESC_R_UNREACHABLE, acts);
}

/*
 * The outbox could reach person on no channel: a page that cannot be
 * delivered must not wait for the stage timer, so the alert moves to
 * its next stage now (if nobody acknowledged it meanwhile).
 */
static void
engine_unreachable_cb(int64_t id, const char *person, void *arg)
{
	struct engine *e = arg;
	char *cause = NULL;

	if (engine_find(e, id) == NULL)
		return;
	switch (engine_change(e, id, "outbox", "unreachable_escalate",
	    json_pack("{s:s}", "person", person), engine_do_unreachable, NULL,
	    NULL, &cause)) {
	case ENGINE_OK:
		log_info("alert %" PRId64 ": %s unreachable, escalated", id,
		    person);
		break;
	case ENGINE_CONFLICT:
		break; /* acknowledged, resolved or at the last stage */
	default:
		log_warnx("alert %" PRId64 ": %s unreachable, escalation"
		    " failed: %s", id, person, cause);
	}
	free(cause);
}

/*
 * The audit detail of an action: via (the path it came by, or NULL) and
 * for whom the actor did it (NULL: for themselves), beside more (a
 * reference stolen; NULL for none).
 */
static json_t *
engine_detail(const char *via, const char *for_whom, json_t *more)
{
	json_t *d = more != NULL ? more : json_object();

	if (via != NULL)
		json_object_set_new(d, "via", json_string(via));
	if (for_whom != NULL)
		json_object_set_new(d, "on_behalf_of", json_string(for_whom));
	return d;
}

/*
 * Acknowledged by actor (for for_whom, if not NULL) via a path ("api",
 * "sms", "link", "voice").
 */
enum engine_result
engine_ack(struct engine *e, int64_t id, const char *actor,
    const char *for_whom, const char *via, char **cause)
{
	return engine_change(e, id, actor, "ack", engine_detail(via, for_whom,
	    NULL), engine_do_ack, NULL, "acknowledged", cause);
}

enum engine_result
engine_resolve(struct engine *e, int64_t id, const char *actor,
    const char *for_whom, const char *via, char **cause)
{
	return engine_change(e, id, actor, "resolve", engine_detail(via,
	    for_whom, NULL), engine_do_resolve, NULL, "resolved", cause);
}

/* A human note; the first one meets the first-response clock. */
enum engine_result
engine_note(struct engine *e, int64_t id, const char *actor,
    const char *for_whom, const char *text, char **cause)
{
	return engine_change(e, id, actor, "note", engine_detail(NULL,
	    for_whom, json_pack("{s:s}", "text", text)), engine_do_note, NULL,
	    NULL, cause);
}

enum engine_result
engine_escalate(struct engine *e, int64_t id, const char *actor,
    const char *for_whom, char **cause)
{
	return engine_change(e, id, actor, "escalate", for_whom != NULL ?
	    engine_detail(NULL, for_whom, NULL) : NULL, engine_do_escalate,
	    (void *)e->conf->sla, NULL, cause);
}

/*
 * An acknowledged alert snoozed by actor for ms: it pages again when the
 * snooze ends if still open.  The audit detail has "for" (as given) and
 * "until".
 */
enum engine_result
engine_snooze(struct engine *e, int64_t id, const char *actor,
    const char *for_whom, const char *given, int64_t ms, char **cause)
{
	int64_t until = clock_now_ms() + ms;
	char buf[32];

	return engine_change(e, id, actor, "snooze", engine_detail(NULL,
	    for_whom, json_pack("{s:s,s:s}", "for", given, "until",
	    clock_format_iso(until, buf, sizeof buf))), engine_do_snooze,
	    &until, NULL, cause);
}

/* Until when open alert id is snoozed; 0 if it is not. */
int64_t
engine_snoozed_until(const struct engine *e, int64_t id)
{
	const struct engine_alert *a;

	if ((a = engine_find(e, id)) == NULL ||
	    a->st.status != ALERT_ACKNOWLEDGED)
		return 0;
	return a->st.snooze_until_ms;
}

/*
 * Call cb(alert id, arg) for every open alert whose current stage pages
 * rota name: the alerts an incoming on-call person takes over.
 */
void
engine_rota_alerts(const struct engine *e, const char *name,
    void (*cb)(int64_t, void *), void *arg)
{
	const struct engine_alert *a;
	const struct policy *pol;
	const struct policy_stage *st;
	size_t i, t;

	for (i = 0; i < e->tsize; i++) {
		for (a = e->table[i]; a != NULL; a = a->hnext) {
			pol = engine_policy(e, a->policy, a->service);
			if (pol == NULL || a->st.stage < 1 ||
			    a->st.stage > pol->nstages)
				continue;
			st = &pol->stages[a->st.stage - 1];
			for (t = 0; t < st->ntargets; t++) {
				if (st->targets[t].kind == TARGET_ROTA &&
				    strcmp(st->targets[t].name, name) == 0) {
					cb(a->id, arg);
					break;
				}
			}
		}
	}
}
