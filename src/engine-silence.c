/* SPDX-License-Identifier: ISC */
/*
 * engine-silence.c: silences on the loop.  The engine keeps every
 * silence in force or still to come (and any that ended with alerts
 * still held) and one timer at the earliest end among them.
 *
 * A new alert that an active silence matches is stored and deduplicated
 * as any other, audited "silenced", and entered here at stage 0: never
 * started, so nobody is paged, no SLA clock runs, and it can still be
 * acknowledged, noted and resolved.  When its silence ends (at ends_at,
 * or when it is expired early), each alert it still holds that is open
 * is first matched against the other active silences (one that matches
 * takes it over); else, if the silence says page_on_expiry and the
 * alert is still unacknowledged, its escalation starts then, its SLA
 * clocks counted from that instant; otherwise it stays open and quiet.
 * Either way the release is audited ("unsilenced").  Which alerts are
 * held, or were let go quietly, is in the store, so that a restart
 * starts none of them.
 *
 * The maintenance windows of pagerd.conf (maint.c) become silences the
 * same way: when an occurrence begins (or at start, or on a reload,
 * if one is in force and was not made yet) it is stored as a silence
 * of the window's matchers, created by "pagerd.conf"; the same timer
 * wakes at the next occurrence's start.
 */
#include <event2/event.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "clock.h"
#include "conf.h"
#include "durable.h"
#include "engine-private.h"
#include "log.h"
#include "maint.h"
#include "policy.h"
#include "silence.h"
#include "store.h"
#include "xmalloc.h"

static void engine_silence_timer_cb(evutil_socket_t, short, void *);
static void engine_maint_check(struct engine *, int64_t);

void
engine_silences_init(struct engine *e)
{
	e->silence_timer = evtimer_new(e->base, engine_silence_timer_cb, e);
	if (e->silence_timer == NULL)
		fatalx("engine: evtimer_new failed");
	event_priority_set(e->silence_timer, 1);
}

void
engine_silences_free(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->nsilences; i++)
		silence_clear(&e->silences[i]);
	free(e->silences);
	free(e->quiet);
	if (e->silence_timer != NULL)
		event_free(e->silence_timer);
}

/* The start of the next occurrence of a window after now, or INT64_MAX. */
static int64_t
engine_maint_next(const struct engine *e, int64_t now)
{
	const struct maint_window *w;
	int64_t due = INT64_MAX, s, end;
	size_t i;

	for (i = 0; i < e->conf->nmaint; i++) {
		w = &e->conf->maint[i];
		if (maint_occurrence(w, now, &s, &end) != 0)
			continue;
		if (s <= now && maint_occurrence(w, end, &s, &end) != 0)
			continue;
		if (s > now && s < due)
			due = s;
	}
	return due;
}

/* Arm the timer at the earliest end of the silences kept. */
static void
engine_silence_arm(struct engine *e, int64_t now)
{
	struct timeval tv;
	int64_t due, t;
	size_t i;

	evtimer_del(e->silence_timer);
	due = engine_maint_next(e, now);
	for (i = 0; i < e->nsilences; i++)
		if ((t = silence_end(&e->silences[i])) < due)
			due = t;
	if (due == INT64_MAX)
		return;
	t = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(t / 1000);
	tv.tv_usec = (suseconds_t)(t % 1000) * 1000;
	evtimer_add(e->silence_timer, &tv);
}

static struct silence *
engine_silence_get(struct engine *e, int64_t id)
{
	size_t i;

	for (i = 0; i < e->nsilences; i++)
		if (e->silences[i].id == id)
			return &e->silences[i];
	return NULL;
}

static void
engine_silence_drop(struct engine *e, int64_t id)
{
	size_t i;

	for (i = 0; i < e->nsilences; i++) {
		if (e->silences[i].id == id) {
			silence_clear(&e->silences[i]);
			e->silences[i] = e->silences[--e->nsilences];
			return;
		}
	}
}

static void
engine_silence_keep(struct engine *e, const struct silence *s)
{
	e->silences = xreallocarray(e->silences, e->nsilences + 1,
	    sizeof *e->silences);
	silence_copy(&e->silences[e->nsilences++], s);
}

static int
engine_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * At start, before the open alerts are loaded: the silences not ended
 * at now, those that ended with alerts still held (released at once,
 * by the timer), and the alerts not to start.
 */
int
engine_silences_resume(struct engine *e, int64_t now, char **cause)
{
	struct silence *v, one;
	int64_t sid;
	size_t n, i;
	int released, paged;

	if (store_silences(e->store, now, &v, &n) != 0) {
		xasprintf(cause, "cannot load silences");
		return -1;
	}
	for (i = 0; i < n; i++) {
		e->silences = xreallocarray(e->silences, e->nsilences + 1,
		    sizeof *e->silences);
		e->silences[e->nsilences++] = v[i];
	}
	free(v);
	if (store_silence_quiet(e->store, &e->quiet, &e->nquiet) != 0) {
		xasprintf(cause, "cannot load the alerts silences hold");
		return -1;
	}
	/* the silences of alerts still held, ended while pagerd was down */
	for (i = 0; i < e->nquiet; i++) {
		sid = store_silence_of(e->store, e->quiet[i], &released,
		    &paged);
		if (sid <= 0 || released || engine_silence_get(e, sid) != NULL)
			continue;
		if (store_silence_get(e->store, sid, &one) == 1) {
			e->silences = xreallocarray(e->silences,
			    e->nsilences + 1, sizeof *e->silences);
			e->silences[e->nsilences++] = one;
		}
	}
	if (e->nquiet > 1) /* qsort(NULL, 0) is undefined */
		qsort(e->quiet, e->nquiet, sizeof *e->quiet, engine_id_cmp);
	log_info("engine: %zu silence(s), %zu alert(s) held or let go"
	    " quietly", e->nsilences, e->nquiet);
	return 0;
}

/* After the open alerts are loaded: arm the timer, forget the list. */
void
engine_silences_resumed(struct engine *e)
{
	int64_t now = clock_now_ms();

	free(e->quiet);
	e->quiet = NULL;
	e->nquiet = 0;
	engine_maint_check(e, now);
	engine_silence_arm(e, now);
}

/* A new configuration: its windows may be in force, or start sooner. */
void
engine_silences_configured(struct engine *e)
{
	int64_t now = clock_now_ms();

	if (!e->leading)
		return; /* a standby: the leader stores and arms them */
	engine_maint_check(e, now);
	engine_silence_arm(e, now);
}

/*
 * Store each occurrence of a window that is in force at now as a
 * silence, once: one already stored (even if expired since) is not
 * made again.  A failure is logged and tried again at the next check.
 */
static void
engine_maint_check(struct engine *e, int64_t now)
{
	const struct maint_window *w;
	struct silence s;
	int64_t start, end;
	char *cause = NULL;
	size_t i;
	int rc;

	for (i = 0; i < e->conf->nmaint; i++) {
		w = &e->conf->maint[i];
		if (maint_occurrence(w, now, &start, &end) != 0 ||
		    start > now)
			continue;
		if ((rc = store_silence_window(e->store, w->name,
		    start)) != 0) {
			if (rc < 0)
				log_warnx("maintenance %s: the store failed",
				    w->name);
			continue;
		}
		silence_copy(&s, &w->s);
		s.id = 0;
		s.starts_ms = start;
		s.ends_ms = end;
		s.created_ms = now;
		if (engine_silence_add(e, &s, &cause) != 0) {
			log_warnx("maintenance %s: not stored: %s", w->name,
			    cause);
			free(cause);
			cause = NULL;
		} else
			log_info("maintenance %s: silence %" PRId64 " until"
			    " its end", w->name, s.id);
		silence_clear(&s);
	}
}

/* At resume: is alert id one not to start by itself? */
int
engine_silence_quiet(const struct engine *e, int64_t id)
{
	return e->nquiet > 0 && bsearch(&id, e->quiet, e->nquiet,
	    sizeof *e->quiet, engine_id_cmp) != NULL;
}

static void
engine_silence_subject(struct silence_subject *sub, const struct alert *al)
{
	memset(sub, 0, sizeof *sub);
	sub->service = al->service;
	sub->priority = al->priority;
	sub->dedup_key = al->dedup_key;
	sub->summary = al->summary;
	sub->source = al->source;
	sub->details = al->details;
}

/* The first silence active at now that matches al, but skip; or NULL. */
static const struct silence *
engine_silence_match(const struct engine *e, const struct alert *al,
    int64_t now, int64_t skip)
{
	struct silence_subject sub;
	size_t i;

	engine_silence_subject(&sub, al);
	for (i = 0; i < e->nsilences; i++)
		if (e->silences[i].id != skip &&
		    silence_active(&e->silences[i], now) &&
		    silence_match(&e->silences[i], &sub))
			return &e->silences[i];
	return NULL;
}

/*
 * Intake, before a new alert's row is written: does an active silence
 * match it (its dedup_key as posted, NULL if the store makes one)?
 */
int
engine_silence_matches_new(const struct engine *e, const struct alert_new *an,
    int64_t now)
{
	struct silence_subject sub;
	size_t i;

	if (e->nsilences == 0)
		return 0;
	memset(&sub, 0, sizeof sub);
	sub.service = an->service;
	sub.priority = an->priority;
	sub.dedup_key = an->dedup_key;
	sub.summary = an->summary;
	sub.source = an->source;
	sub.details = an->details;
	for (i = 0; i < e->nsilences; i++)
		if (silence_active(&e->silences[i], now) &&
		    silence_match(&e->silences[i], &sub))
			return 1;
	return 0;
}

static json_t *
engine_silence_detail(const struct silence *s)
{
	char buf[32];

	return json_pack("{s:I,s:s,s:s,s:b}", "silence", (json_int_t)s->id,
	    "comment", s->comment, "ends_at", clock_format_iso(s->ends_ms,
	    buf, sizeof buf), "page_on_expiry", s->page_on_expiry);
}

/*
 * Inside the open transaction, for an alert al not started (state st,
 * entry a; is_new: a not yet in the table, as at intake): if an active silence matches, hold it
 * (stored, audited, staged at stage 0 with no timer) and return 1; 0
 * if none does; -1 (*cause) if the store failed.
 */
int
engine_silence_hold(struct engine *e, struct engine_alert *a, int is_new,
    const struct esc_state *st, const struct alert *al, int64_t now,
    char **cause)
{
	const struct silence *s;
	const struct policy *pol;

	if (e->nsilences == 0 ||
	    (s = engine_silence_match(e, al, now, 0)) == NULL)
		return 0;
	if ((pol = engine_policy(e, NULL, al->service)) == NULL) {
		xasprintf(cause, "no escalation policy");
		return -1;
	}
	if (store_silence_hold(e->store, al->id, s->id, now, cause) != 0 ||
	    engine_audit(e, al->id, now, "engine", "silenced",
	    engine_silence_detail(s), cause) != 0)
		return -1;
	engine_stage(e, a, is_new, st, pol->name, ESC_NEVER);
	log_info("alert %" PRId64 ": silenced by silence %" PRId64, al->id,
	    s->id);
	return 1;
}

/*
 * Silence s ended at now (inside the open transaction): let each open
 * alert it holds go, to another silence, to its escalation, or quietly.
 */
static int
engine_silence_release(struct engine *e, const struct silence *s,
    int64_t now, char **cause)
{
	struct esc_actions acts = { NULL, 0, 0 };
	const struct silence *other;
	struct engine_alert *a;
	struct esc_state st;
	struct alert *al;
	int64_t *ids;
	size_t n, i;
	int rc = -1, page;
	const char *why;

	if (store_silence_held(e->store, s->id, &ids, &n) != 0) {
		xasprintf(cause, "cannot read the alerts silence %" PRId64
		    " holds", s->id);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((a = engine_find(e, ids[i])) == NULL ||
		    (al = store_alert_get(e->store, ids[i])) == NULL)
			continue;
		if ((other = engine_silence_match(e, al, now, s->id)) != NULL) {
			alert_free(al);
			if (store_silence_move(e->store, ids[i], other->id,
			    cause) != 0 || engine_audit(e, ids[i], now,
			    "engine", "silenced", engine_silence_detail(other),
			    cause) != 0)
				goto out;
			continue;
		}
		page = s->page_on_expiry && a->st.status == ALERT_TRIGGERED &&
		    a->st.stage == 0;
		why = !s->page_on_expiry ? "page_on_expiry is false" :
		    a->st.status != ALERT_TRIGGERED ? "acknowledged" :
		    a->st.stage != 0 ? "already escalating" : "paged";
		/* the store's "paged": its escalation began, now or before */
		if (engine_audit(e, ids[i], now, "engine", "unsilenced",
		    json_pack("{s:I,s:b,s:s}", "silence", (json_int_t)s->id,
		    "paged", page, "why", why), cause) != 0 ||
		    store_silence_release(e->store, ids[i], now, page ||
		    a->st.stage != 0, cause) != 0) {
			alert_free(al);
			goto out;
		}
		if (page) {
			/* its SLA clocks count from now, not its arrival */
			st = a->st;
			st.created_ms = now;
			acts.n = 0;
			if (engine_decide(e, a, &st, &acts, now, al, NULL,
			    cause) != 0) {
				alert_free(al);
				goto out;
			}
		}
		alert_free(al);
	}
	rc = 0;
out:
	esc_actions_clear(&acts);
	free(ids);
	return rc;
}

/*
 * For the metrics at now: how many silences are in force, and how many
 * open alerts a silence keeps from escalating (held, or let go quietly).
 */
void
engine_silence_counts(const struct engine *e, int64_t now, size_t *active,
    size_t *quiet)
{
	const struct engine_alert *a;
	size_t i;

	*active = *quiet = 0;
	for (i = 0; i < e->nsilences; i++)
		if (silence_active(&e->silences[i], now))
			(*active)++;
	for (i = 0; i < e->tsize; i++)
		for (a = e->table[i]; a != NULL; a = a->hnext)
			if (a->st.stage == 0)
				(*quiet)++;
}

/* The silence kept that s overlaps (silence_overlaps), or 0. */
int64_t
engine_silence_overlap(const struct engine *e, const struct silence *s)
{
	size_t i;

	for (i = 0; i < e->nsilences; i++)
		if (silence_overlaps(&e->silences[i], s))
			return e->silences[i].id;
	return 0;
}

/*
 * Store silence s (its creator set) and audit it: it silences from its
 * start.  0 with s->id set (the engine keeps a copy; s stays the
 * caller's), or -1 (*cause) if the store failed: nothing changed.
 */
int
engine_silence_add(struct engine *e, struct silence *s, char **cause)
{
	json_t *d;
	char buf[2][32];

	/* the leader's engine holds silences in force */
	if (!e->leading) {
		xasprintf(cause, "this node stands by: send it to the leader");
		return -1;
	}
	if (store_begin(e->store, cause) != 0)
		return -1;
	if (store_silence_add(e->store, s, cause) != 0)
		goto fail;
	d = json_pack("{s:I,s:o,s:s,s:s,s:s,s:b}", "silence",
	    (json_int_t)s->id, "matchers", silence_matchers_json(s),
	    "starts_at", clock_format_iso(s->starts_ms, buf[0], sizeof buf[0]),
	    "ends_at", clock_format_iso(s->ends_ms, buf[1], sizeof buf[1]),
	    "comment", s->comment, "page_on_expiry", s->page_on_expiry);
	if (engine_audit(e, 0, s->created_ms, s->creator, "silence_add", d,
	    cause) != 0)
		goto fail;
	/* answered once on disk: durable_then() */
	if (store_commit_async(e->store, durable_ignore, NULL, cause) != 0)
		goto fail;
	engine_silence_keep(e, s);
	engine_silence_arm(e, clock_now_ms());
	log_info("silence %" PRId64 " added by %s", s->id, s->creator);
	return 0;
fail:
	store_rollback(e->store);
	return -1;
}

/*
 * End silence s in one transaction: audited as kind by actor (expired
 * early when expire), its alerts let go.  0, or -1 (*cause) with
 * nothing changed.
 */
static int
engine_silence_finish(struct engine *e, const struct silence *s,
    const char *actor, int expire, int64_t now, char **cause)
{
	int rc;

	if (store_begin(e->store, cause) != 0)
		return -1;
	if (expire) {
		if ((rc = store_silence_expire(e->store, s->id, now,
		    cause)) < 0)
			goto fail;
		if (rc == 0) {
			xasprintf(cause, "silence %" PRId64 " has already"
			    " ended", s->id);
			goto fail;
		}
	}
	if (engine_audit(e, 0, now, actor, expire ? "silence_expire" :
	    "silence_end", json_pack("{s:I}", "silence", (json_int_t)s->id),
	    cause) != 0)
		goto fail;
	if (engine_silence_release(e, s, now, cause) != 0)
		goto fail;
	/*
	 * Pages go once a later commit is synced (see engine.c); an expiry
	 * by hand is answered once on disk (durable_then)
	 */
	if (store_commit_async(e->store, expire ? durable_ignore : NULL, NULL,
	    cause) != 0)
		goto fail;
	engine_settle(e, 1);
	return 0;
fail:
	store_rollback(e->store);
	engine_settle(e, 0);
	return -1;
}

/*
 * Expire silence id now, on actor's word: its alerts are let go as at
 * its end.  ENGINE_NOT_FOUND, ENGINE_CONFLICT if it has already ended.
 */
enum engine_result
engine_silence_expire(struct engine *e, int64_t id, const char *actor,
    char **cause)
{
	struct silence *s, got;
	int64_t now = clock_now_ms();
	int rc;

	if (!e->leading) {
		xasprintf(cause, "this node stands by: send it to the leader");
		return ENGINE_ERROR;
	}
	if ((s = engine_silence_get(e, id)) == NULL) {
		rc = store_silence_get(e->store, id, &got);
		if (rc < 0) {
			xasprintf(cause, "the alert store failed");
			return ENGINE_ERROR;
		}
		if (rc == 0) {
			xasprintf(cause, "no silence %" PRId64, id);
			return ENGINE_NOT_FOUND;
		}
		silence_clear(&got);
		xasprintf(cause, "silence %" PRId64 " has already ended", id);
		return ENGINE_CONFLICT;
	}
	if (silence_end(s) <= now) {
		xasprintf(cause, "silence %" PRId64 " has already ended", id);
		return ENGINE_CONFLICT;
	}
	if (engine_silence_finish(e, s, actor, 1, now, cause) != 0)
		return ENGINE_ERROR;
	log_info("silence %" PRId64 " expired by %s", id, actor);
	engine_silence_drop(e, id);
	engine_silence_arm(e, now);
	return ENGINE_OK;
}

/* The earliest end came: end every silence whose end has passed. */
static void
engine_silence_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;
	int64_t now = clock_now_ms(), id;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < e->nsilences; i++) {
		if (silence_end(&e->silences[i]) > now)
			continue;
		id = e->silences[i].id;
		if (engine_silence_finish(e, &e->silences[i], "engine", 0, now,
		    &cause) != 0) {
			log_warnx("silence %" PRId64 ": end not stored,"
			    " retrying in 1s: %s", id, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		log_info("silence %" PRId64 " ended", id);
		engine_silence_drop(e, id);
		i--; /* the last one moved here */
	}
	engine_maint_check(e, now);
	engine_silence_arm(e, now);
	/* a failed end is retried in a second */
	for (i = 0; i < e->nsilences; i++) {
		if (silence_end(&e->silences[i]) <= now) {
			struct timeval tv = { 1, 0 };

			evtimer_add(e->silence_timer, &tv);
			break;
		}
	}
}
