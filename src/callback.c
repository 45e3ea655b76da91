/* SPDX-License-Identifier: ISC */
/*
 * callback.c: sending the rows of the callbacks table (store-callback.c)
 * to their integration's callback URL, on a loop timer of its own.
 *
 * A pass first waits for every commit before it to be on disk (rows are
 * queued by commits that the group commit syncs later), then reads the
 * first pending row of each alert; each one due whose alert has nothing
 * in flight is posted (at most CALLBACK_FLIGHTS at once, over all
 * integrations, and CALLBACK_FLIGHTS_ONE to one), signed as Standard
 * Webhooks with the row's id as webhook-id.  A 2xx marks the row
 * delivered and lets the alert's next row go; anything else is retried
 * after a backoff.  The body is built at the first attempt and kept, so
 * every attempt posts the same bytes.  Nothing is marked "in flight" in
 * the store: rows cut short by a stop or a crash are pending, and go
 * again at the next start (at least once; the receiver drops repeats by
 * webhook-id).
 *
 * The audit log of the alert says when a callback was delivered; of
 * failures it says only the first of an integration's run of them and
 * its recovery, so that a dead receiver does not flood it.
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "callback.h"
#include "clock.h"
#include "conf.h"
#include "duration.h"
#include "hmac.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "xfer.h"
#include "xmalloc.h"

#define CALLBACK_FLIGHTS 8     /* posts in flight at once, at most */
#define CALLBACK_FLIGHTS_ONE 4 /* to one integration, leaving room */
#define CALLBACK_HEADS 256     /* alerts looked at per pass */

struct callback_flight {
	struct callback_queue *q;
	int64_t id;
	int64_t alert_id;
	int attempts; /* before this one */
	int64_t created_ms; /* when the change was queued */
	char *integration;
	LIST_ENTRY(callback_flight) entry;
};

struct callback_queue {
	struct event_base *base;
	struct store *store;
	const struct conf *conf;
	struct event *timer;
	LIST_HEAD(, callback_flight) flights;
	size_t nflights;
	char **names;    /* integrations with a callback */
	size_t nnames;
	char **failing;  /* integrations whose last attempt failed */
	size_t nfailing;
	int syncing;     /* a pass waits for its barrier to be on disk */
	int again;       /* and another was asked for meanwhile */
	int closing;
};

/* The callback of integration name, or NULL if it has none now. */
static const struct conf_callback *
callback_find(const struct callback_queue *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->conf->nkeys; i++)
		if (q->conf->keys[i].callback != NULL &&
		    strcmp(q->conf->keys[i].name, name) == 0)
			return q->conf->keys[i].callback;
	return NULL;
}

/* Whether integration name is in a run of failures; set or clear it. */
static int
callback_failing(struct callback_queue *q, const char *name, int set)
{
	size_t i;

	for (i = 0; i < q->nfailing; i++)
		if (strcmp(q->failing[i], name) == 0)
			break;
	if (i < q->nfailing) {
		if (set == 0) {
			free(q->failing[i]);
			q->failing[i] = q->failing[--q->nfailing];
		}
		return 1;
	}
	if (set == 1) {
		q->failing = xreallocarray(q->failing, q->nfailing + 1,
		    sizeof *q->failing);
		q->failing[q->nfailing++] = xstrdup(name);
	}
	return 0;
}

/* An audit event about alert id (written at once, no transaction). */
static void
callback_audit(struct callback_queue *q, int64_t id, const char *kind,
    json_t *detail)
{
	struct store_event_new ev;
	char *text = json_dumps(detail, JSON_COMPACT), *cause = NULL;

	json_decref(detail);
	memset(&ev, 0, sizeof ev);
	ev.alert_id = id;
	ev.at_ms = clock_now_ms();
	ev.actor = "callback";
	ev.kind = kind;
	ev.detail = text;
	if (store_event_add(q->store, &ev, &cause) != 0) {
		log_warnx("callback: alert %lld: audit: %s", (long long)id,
		    cause);
		free(cause);
	}
	free(text);
}

/* Drop row c for good: what it would tell can no longer be built. */
static void
callback_drop(struct callback_queue *q, const struct store_callback *c,
    const char *why)
{
	char *cause = NULL;

	log_warnx("callback: alert %lld: dropped callback %lld: %s",
	    (long long)c->alert_id, (long long)c->id, why);
	if (store_callback_done(q->store, c->id, "dropped", clock_now_ms(),
	    why, &cause) != 0) {
		log_warnx("callback: %s", cause);
		free(cause);
		return;
	}
	callback_audit(q, c->alert_id, "callback_dropped", json_pack(
	    "{s:s,s:s}", "integration", c->integration, "reason", why));
}

/* The body of row c, built and kept at its first attempt; NULL: dropped. */
static char *
callback_row_body(struct callback_queue *q, const struct store_callback *c,
    const struct conf_callback *cb)
{
	struct store_alert_context ctx;
	struct store_event ev;
	struct callback_msg m;
	struct alert *al;
	char *body, *cause = NULL;

	if (c->body != NULL)
		return xstrdup(c->body);
	if ((al = store_alert_get(q->store, c->alert_id)) == NULL) {
		callback_drop(q, c, "the alert is gone");
		return NULL;
	}
	if (store_callback_event(q->store, c->event_id, &ev) != 0) {
		alert_free(al);
		callback_drop(q, c, "the audit event is gone");
		return NULL;
	}
	store_alert_context_get(q->store, c->alert_id, &ctx);
	m.alert = al;
	m.external_url = ctx.external_url;
	m.ev = &ev;
	body = callback_body(&m, cb->body);
	if (store_callback_set_body(q->store, c->id, body, &cause) != 0) {
		log_warnx("callback: %s", cause);
		free(cause);
	}
	store_alert_context_clear(&ctx);
	free(ev.actor);
	free(ev.kind);
	free(ev.detail);
	alert_free(al);
	return body;
}

static void callback_done(void *, const struct xfer_result *);

/* Post row c now. */
static void
callback_start(struct callback_queue *q, const struct store_callback *c)
{
	const struct conf_callback *cb;
	struct callback_flight *f;
	struct xfer_http req;
	const char **hdr;
	char *body, *own[4], *sig, id[80];
	size_t n = 0, i, nown = 0;
	int64_t ts = clock_now_ms() / 1000;
	int typed = 0;

	if ((cb = callback_find(q, c->integration)) == NULL) {
		callback_drop(q, c, "the integration has no callback now");
		return;
	}
	if ((body = callback_row_body(q, c, cb)) == NULL)
		return;
	for (i = 0; cb->headers != NULL && cb->headers[i] != NULL; i++)
		if (strncasecmp(cb->headers[i], "Content-Type:", 13) == 0)
			typed = 1;
	hdr = xcalloc(i + 5, sizeof *hdr);
	/*
	 * The row's id, and when it was queued: ids start again at 1 in a
	 * new state folder, and a receiver that keeps the ids it saw must
	 * not take a new change for a repeat.
	 */
	snprintf(id, sizeof id, "pagerd-callback-%lld-%lld",
	    (long long)c->created_ms, (long long)c->id);
	xasprintf(&own[nown++], "webhook-id: %s", id);
	xasprintf(&own[nown++], "webhook-timestamp: %lld", (long long)ts);
	if (cb->key != NULL) {
		sig = callback_sign(cb->key, cb->key_len, id, ts, body);
		xasprintf(&own[nown++], "webhook-signature: %s", sig);
		free(sig);
	}
	if (!typed)
		hdr[n++] = "Content-Type: application/json";
	for (i = 0; i < nown; i++)
		hdr[n++] = own[i];
	for (i = 0; cb->headers != NULL && cb->headers[i] != NULL; i++)
		hdr[n++] = cb->headers[i];
	hdr[n] = NULL;

	f = xcalloc(1, sizeof *f);
	f->q = q;
	f->id = c->id;
	f->alert_id = c->alert_id;
	f->attempts = c->attempts;
	f->created_ms = c->created_ms;
	f->integration = xstrdup(c->integration);
	LIST_INSERT_HEAD(&q->flights, f, entry);
	q->nflights++;

	memset(&req, 0, sizeof req);
	req.url = cb->url;
	req.headers = hdr;
	req.body = body;
	req.bodylen = strlen(body);
	req.connect_timeout_ms = cb->connect_timeout_ms;
	req.timeout_ms = cb->timeout_ms;
	req.insecure = !cb->tls_verify;
	req.cafile = cb->ca_file;
	xfer_post(&req, callback_done, f);
	for (i = 0; i < nown; i++)
		free(own[i]);
	free(hdr);
	free(body);
}

/* Whether a post about alert id is in flight. */
static int
callback_flying(const struct callback_queue *q, int64_t id)
{
	const struct callback_flight *f;

	LIST_FOREACH(f, &q->flights, entry)
		if (f->alert_id == id)
			return 1;
	return 0;
}

/* How many posts to integration name are in flight. */
static size_t
callback_flying_to(const struct callback_queue *q, const char *name)
{
	const struct callback_flight *f;
	size_t n = 0;

	LIST_FOREACH(f, &q->flights, entry)
		if (strcmp(f->integration, name) == 0)
			n++;
	return n;
}

/* Pass again in ms milliseconds (or sooner, if it is set sooner). */
static void
callback_wake(struct callback_queue *q, int64_t ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(q->timer, &tv);
}

/* Start what is due, and wake up when the next one is. */
static void
callback_send_due(struct callback_queue *q)
{
	struct store_callback *v;
	int64_t now = clock_now_ms(), next = -1;
	size_t n, i;

	if (store_callback_heads(q->store, CALLBACK_HEADS, &v, &n) != 0) {
		log_warnx("callback: cannot read the queue");
		next = now + 1000;
		n = 0;
		v = NULL;
	}
	for (i = 0; i < n; i++) {
		if (callback_flying(q, v[i].alert_id))
			continue; /* its done callback passes again */
		if (v[i].due_ms > now) {
			if (next == -1 || v[i].due_ms < next)
				next = v[i].due_ms;
			continue;
		}
		if (q->nflights >= CALLBACK_FLIGHTS ||
		    callback_flying_to(q, v[i].integration) >=
		    CALLBACK_FLIGHTS_ONE)
			continue; /* a finished flight passes again */
		callback_start(q, &v[i]);
	}
	store_callbacks_free(v, n);
	metrics_callback_pending(store_callback_pending(q->store));
	if (next != -1)
		callback_wake(q, next > now ? next - now : 0);
}

/*
 * Everything committed before the barrier of callback_pass is on disk
 * (rc 0): rows queued by escalations and breaches, whose commits are
 * synced by the group commit, are sent only once durable.
 */
static void
callback_durable(void *arg, int rc)
{
	struct callback_queue *q = arg;

	q->syncing = 0;
	if (q->closing)
		return;
	if (rc != 0) {
		log_warnx("callback: the store could not be synced; trying"
		    " again in 1s");
		callback_wake(q, 1000);
		return;
	}
	callback_send_due(q);
	if (q->again) {
		q->again = 0;
		callback_kick(q);
	}
}

/*
 * One pass: an empty commit whose sync covers every commit before it
 * (store_commit_async), then the sends.
 */
static void
callback_pass(evutil_socket_t fd, short what, void *arg)
{
	struct callback_queue *q = arg;
	char *cause = NULL;

	(void)fd;
	(void)what;
	if (q->closing)
		return;
	if (q->syncing) {
		q->again = 1;
		return;
	}
	if (store_begin(q->store, &cause) != 0 ||
	    (q->syncing = 1, store_commit_async(q->store, callback_durable, q,
	    &cause)) != 0) {
		q->syncing = 0;
		store_rollback(q->store);
		log_warnx("callback: %s; trying again in 1s", cause);
		free(cause);
		callback_wake(q, 1000);
	}
}

/*
 * Flight f failed, and its change was queued longer ago than its
 * callback's give_up: drop it for good, so that the alert's next
 * changes go (a receiver that refuses one request forever must not
 * hold the rest back forever).
 */
static void
callback_give_up(struct callback_queue *q, const struct callback_flight *f,
    const struct conf_callback *cb, const char *error)
{
	char *cause = NULL, *why, age[32];

	duration_format(cb->give_up_ms, age, sizeof age);
	xasprintf(&why, "not delivered after %d attempts in %s: %s",
	    f->attempts + 1, age, error);
	log_warnx("callback: %s: alert %lld: dropped callback %lld: %s",
	    f->integration, (long long)f->alert_id, (long long)f->id, why);
	if (store_callback_done(q->store, f->id, "dropped", clock_now_ms(),
	    why, &cause) != 0) {
		log_warnx("callback: %s", cause);
		free(cause);
	} else
		callback_audit(q, f->alert_id, "callback_dropped", json_pack(
		    "{s:s,s:s,s:i}", "integration", f->integration, "reason",
		    why, "attempts", f->attempts + 1));
	free(why);
}

/* How a post ended: delivered, retried later, or given up. */
static void
callback_done(void *arg, const struct xfer_result *r)
{
	struct callback_flight *f = arg;
	struct callback_queue *q = f->q;
	const struct conf_callback *cb;
	int64_t now = clock_now_ms(), delay;
	char *error = NULL, *cause = NULL, wait[32];
	uint32_t rnd;

	LIST_REMOVE(f, entry);
	q->nflights--;
	if (q->closing)
		goto out; /* still pending: sent again at the next start */
	if (r->error == NULL && r->status >= 200 && r->status <= 299) {
		metrics_callback(1);
		if (store_callback_done(q->store, f->id, "delivered", now, NULL,
		    &cause) != 0) {
			log_warnx("callback: %s", cause);
			free(cause);
		}
		callback_audit(q, f->alert_id, "callback_delivered", json_pack(
		    "{s:s,s:I,s:i}", "integration", f->integration, "status",
		    (json_int_t)r->status, "attempts", f->attempts + 1));
		if (callback_failing(q, f->integration, 0)) {
			log_info("callback: %s: delivering again",
			    f->integration);
			callback_audit(q, f->alert_id, "callback_recovered",
			    json_pack("{s:s}", "integration", f->integration));
		}
		goto out;
	}
	metrics_callback(0);
	if (r->error != NULL)
		error = xstrdup(r->error);
	else
		xasprintf(&error, "HTTP %ld", r->status);
	cb = callback_find(q, f->integration);
	if (cb != NULL && now - f->created_ms >= cb->give_up_ms) {
		callback_give_up(q, f, cb, error);
		goto out;
	}
	hmac_random(&rnd, sizeof rnd);
	delay = cb == NULL ? 0 : callback_backoff(f->attempts + 1,
	    cb->backoff_ms, cb->backoff_max_ms,
	    xfer_retry_after_ms(r->retry_after, now), rnd);
	if (store_callback_retry(q->store, f->id, f->attempts + 1,
	    now + delay, error, now, &cause) != 0) {
		log_warnx("callback: %s", cause);
		free(cause);
	}
	if (!callback_failing(q, f->integration, 1)) {
		log_warnx("callback: %s: alert %lld: %s; retried, with"
		    " backoff, for up to %s", f->integration,
		    (long long)f->alert_id, error, cb == NULL ? "-" :
		    duration_format(cb->give_up_ms, wait, sizeof wait));
		callback_audit(q, f->alert_id, "callback_failed", json_pack(
		    "{s:s,s:s,s:i,s:s}", "integration", f->integration,
		    "error", error, "attempts", f->attempts + 1, "retry_in",
		    duration_format(delay, wait, sizeof wait)));
	}
out:
	if (!q->closing)
		callback_kick(q);
	free(error);
	free(f->integration);
	free(f);
}

/* Called by the store when a row is queued: pass once back on the loop. */
static void
callback_store_kick(void *arg)
{
	callback_kick(arg);
}

/* Pass as soon as the loop is back (after the current transaction). */
void
callback_kick(struct callback_queue *q)
{
	struct timeval tv = { 0, 0 };

	if (!q->closing)
		evtimer_add(q->timer, &tv);
}

struct callback_queue *
callback_new(struct event_base *base, struct store *store,
    const struct conf *c)
{
	struct callback_queue *q;

	q = xcalloc(1, sizeof *q);
	q->base = base;
	q->store = store;
	LIST_INIT(&q->flights);
	if ((q->timer = evtimer_new(base, callback_pass, q)) == NULL)
		fatalx("callback: evtimer_new failed");
	callback_configure(q, c);
	return q;
}

static void
callback_names_free(struct callback_queue *q)
{
	size_t i;

	for (i = 0; i < q->nnames; i++)
		free(q->names[i]);
	free(q->names);
	q->names = NULL;
	q->nnames = 0;
}

/* Take conf c (kept until the next call): which integrations have one. */
void
callback_configure(struct callback_queue *q, const struct conf *c)
{
	size_t i;

	q->conf = c;
	callback_names_free(q);
	for (i = 0; i < c->nkeys; i++) {
		if (c->keys[i].callback == NULL)
			continue;
		q->names = xreallocarray(q->names, q->nnames + 1,
		    sizeof *q->names);
		q->names[q->nnames++] = xstrdup(c->keys[i].name);
	}
	store_callback_configure(q->store, (const char *const *)q->names,
	    q->nnames, callback_store_kick, q);
	callback_kick(q);
}

/*
 * The node leads (on: it sends, from the rows pending) or stands by
 * (lease.c: it sends nothing; rows are still queued by the store).
 */
void
callback_lead(struct callback_queue *q, int on)
{
	if (on) {
		q->closing = 0;
		callback_kick(q);
	} else
		callback_close(q);
}

/*
 * Stop sending (before xfer_shutdown): posts cut short stay pending.
 * Rows are still queued by the store until callback_free.
 */
void
callback_close(struct callback_queue *q)
{
	q->closing = 1;
	evtimer_del(q->timer);
}

void
callback_free(struct callback_queue *q)
{
	struct callback_flight *f;
	size_t i;

	if (q == NULL)
		return;
	store_callback_configure(q->store, (const char *const *)q->names,
	    q->nnames, NULL, NULL);
	while ((f = LIST_FIRST(&q->flights)) != NULL) {
		LIST_REMOVE(f, entry);
		free(f->integration);
		free(f);
	}
	event_free(q->timer);
	callback_names_free(q);
	for (i = 0; i < q->nfailing; i++)
		free(q->failing[i]);
	free(q->failing);
	free(q);
}
