/* SPDX-License-Identifier: ISC */
/*
 * handoff.c: handoff notes.  Each rota has a timer armed at its next
 * handoff (rota_next_handoff); when it fires, the people now on call are
 * compared with those seen last time, the change is recorded as an
 * audit event (alert id 0, kind "handoff") and each incoming person gets
 * a note listing the open alerts whose current stage pages that rota.
 * handoff also owns oncall's change callback: a reload first hands the
 * new rotas to the engine, then re-arms every timer, and a reload that
 * changes who is on call now is a handoff too.
 *
 * Who was on call is kept in the store (store-handoff.c): a shift that
 * changed while pagerd was stopped is handed off, note and all, at the
 * next start; a restart with nobody changed sends nothing.
 *
 * Timers are armed from absolute instants but never for more than an
 * hour, so a wall clock that jumps (NTP, suspend) is noticed soon; a
 * timer that fires early finds nothing changed and re-arms.
 */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "chan.h"
#include "clock.h"
#include "durable.h"
#include "duration.h"
#include "engine.h"
#include "handoff.h"
#include "log.h"
#include "oncall.h"
#include "outbox.h"
#include "people.h"
#include "rota.h"
#include "store.h"
#include "xmalloc.h"

#define HANDOFF_MAX_WAIT DURATION_HOUR
#define HANDOFF_MAX_ALERTS 50 /* listed in one note */

struct handoff_rota {
	struct handoff *h;
	char *name;
	char **people; /* on call when last looked at, sorted */
	size_t npeople;
	int64_t at; /* timer armed for */
	struct event ev;
	int64_t last_ms; /* last handoff, 0: none yet */
	char *last_detail; /* its JSON */
	int seen; /* still in the set (handoff_rearm) */
};

struct handoff {
	struct event_base *base;
	struct store *store;
	struct engine *engine;
	struct oncall *oncall;
	struct outbox *outbox; /* NULL: console notes only */
	struct handoff_rota **list;
	size_t n;
};

static void handoff_timer_cb(evutil_socket_t, short, void *);

static int
handoff_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct people on call in r at now, sorted; caller frees. */
static char **
handoff_people(const struct rota *r, int64_t now, size_t *np)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	char **list = NULL;
	size_t n = 0, i, j;

	rota_oncall(r, now, &sh);
	for (i = 0; i < sh.n; i++) {
		for (j = 0; j < n; j++) {
			if (strcmp(list[j], sh.list[i].person) == 0)
				break;
		}
		if (j < n)
			continue;
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = xstrdup(sh.list[i].person);
	}
	rota_shifts_free(&sh);
	if (n > 1)
		qsort(list, n, sizeof *list, handoff_cmp);
	*np = n;
	return list;
}

/* The people of list as one text, one per line (caller frees). */
static char *
handoff_join(char **list, size_t n)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		xasprintf(&t, "%s%s%s", s, i > 0 ? "\n" : "", list[i]);
		free(s);
		s = t;
	}
	return s;
}

/* The people of a text of handoff_join(), in its (sorted) order. */
static char **
handoff_split(const char *s, size_t *np)
{
	char **list = NULL, *copy, *p, *line;
	size_t n = 0;

	copy = p = xstrdup(s);
	while ((line = strsep(&p, "\n")) != NULL) {
		if (*line == '\0')
			continue;
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = xstrdup(line);
	}
	free(copy);
	*np = n;
	return list;
}

static int
handoff_has(char **list, size_t n, const char *p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i], p) == 0)
			return 1;
	}
	return 0;
}

static void
handoff_alert_cb(int64_t id, void *arg)
{
	json_t *ids = arg;

	json_array_append_new(ids, json_integer(id));
}

/* The note's body: one line per open alert of the rota. */
static char *
handoff_body(struct handoff *h, const char *rota, json_t *ids)
{
	struct alert *a;
	char *body = NULL, *next, *note;
	size_t i, n = json_array_size(ids);

	if (n == 0)
		return xstrdup("no open alerts");
	xasprintf(&body, "%zu open alert%s routed to %s:", n, n == 1 ? "" :
	    "s", rota);
	for (i = 0; i < n && i < HANDOFF_MAX_ALERTS; i++) {
		a = store_alert_get(h->store,
		    json_integer_value(json_array_get(ids, i)));
		if (a == NULL)
			continue;
		note = store_alert_note_last(h->store, a->id);
		xasprintf(&next, "%s\n#%lld %s %s (%s, stage %d)%s%s", body,
		    (long long)a->id, alert_priority_name(a->priority),
		    a->summary, alert_status_name(a->status), a->stage,
		    note != NULL ? "; last note: " : "",
		    note != NULL ? note : "");
		free(note);
		free(body);
		body = next;
		alert_free(a);
	}
	if (n > HANDOFF_MAX_ALERTS) {
		xasprintf(&next, "%s\n... and %zu more", body,
		    n - HANDOFF_MAX_ALERTS);
		free(body);
		body = next;
	}
	return body;
}

/* Without an outbox (or a person file entry): the note on the console. */
static void
handoff_console(const char *to, const char *subject, const char *body)
{
	struct chan_msg msg;

	memset(&msg, 0, sizeof msg);
	msg.alert_id = 0;
	msg.to = to;
	msg.subject = subject;
	msg.body = body;
	if (chan_console_send(&msg) != 0)
		log_warnx("handoff: cannot send the note to %s", to);
}

/* Send handoff notes through the outbox (NULL: on the console only). */
void
handoff_set_outbox(struct handoff *h, struct outbox *ob)
{
	h->outbox = ob;
}

/*
 * The incoming person p hears of the handoff through their own
 * channels: one note (an outbox row about no alert) on the first of
 * their notification rules that can reach them, whether or not alerts
 * are open.  Durable before it is sent, like a page.
 */
static void
handoff_note(struct handoff *h, const char *who, const struct person *p,
    const char *subject, const char *body, int64_t now)
{
	struct outbox_page pg;
	struct outbox_rule *rules = NULL;
	char *cause = NULL;

	if (h->outbox == NULL || p == NULL) {
		handoff_console(who, subject, body);
		return;
	}
	/* A note goes by the first rule that reaches p, at once (the
	 * outbox ignores a note's rule delays). */
	memset(&pg, 0, sizeof pg);
	outbox_page_person(&pg, p, &rules);
	pg.event = NOTIFY_NOTE;
	pg.reason = subject;
	pg.note = body;
	if (store_begin(h->store, &cause) != 0)
		goto fail;
	/* the note goes once the outbox's later "sending" commit is synced,
	 * which covers this one: nobody waits for this sync */
	if (outbox_page(h->outbox, &pg, now, &cause) != 0 ||
	    store_commit_async(h->store, durable_ignore, NULL, &cause) != 0) {
		store_rollback(h->store);
		goto fail;
	}
	free(rules);
	outbox_kick(h->outbox);
	return;
fail:
	free(rules);
	log_warnx("handoff: note to %s not queued: %s", p->id, cause);
	free(cause);
	handoff_console(who, subject, body);
}

/* The on-call set of hr changed from old to now: record and notify. */
static void
handoff_do(struct handoff_rota *hr, const struct rota *r, char **now_on,
    size_t nnow, int64_t now, const char *reason)
{
	struct handoff *h = hr->h;
	json_t *in, *out, *ids, *detail;
	struct rota_shifts sh = { NULL, 0, 0 };
	struct store_event_new ev;
	const struct person *p;
	char *text, *body, *subject, until[64];
	int64_t end;
	size_t i, j;
	char *cause = NULL;

	in = json_array();
	out = json_array();
	for (i = 0; i < nnow; i++) {
		if (!handoff_has(hr->people, hr->npeople, now_on[i]))
			json_array_append_new(in, json_string(now_on[i]));
	}
	for (i = 0; i < hr->npeople; i++) {
		if (!handoff_has(now_on, nnow, hr->people[i]))
			json_array_append_new(out, json_string(hr->people[i]));
	}
	ids = json_array();
	engine_rota_alerts(h->engine, hr->name, handoff_alert_cb, ids);
	detail = json_pack("{s:s,s:O,s:O,s:O,s:s}", "rota", hr->name,
	    "incoming", in, "outgoing", out, "alerts", ids, "reason", reason);
	text = json_dumps(detail, JSON_COMPACT);
	json_decref(detail);
	if (text == NULL)
		fatalx("%s: json_dumps", __func__);

	/* The audit event first: a note without a record is worse. */
	memset(&ev, 0, sizeof ev);
	ev.at_ms = now;
	ev.actor = "pagerd";
	ev.kind = "handoff";
	ev.detail = text;
	if (store_event_add(h->store, &ev, &cause) != 0) {
		log_warnx("handoff: rota %s: cannot record: %s", hr->name,
		    cause);
		free(cause);
	}
	log_info("handoff: rota %s: %s", hr->name, text);
	free(hr->last_detail);
	hr->last_detail = text;
	hr->last_ms = now;

	body = handoff_body(h, hr->name, ids);
	rota_oncall(r, now, &sh);
	for (i = 0; i < json_array_size(in); i++) {
		const char *who = json_string_value(json_array_get(in, i));

		end = ROTA_NONE;
		for (j = 0; j < sh.n; j++) {
			if (strcmp(sh.list[j].person, who) == 0)
				end = sh.list[j].end;
		}
		if (end != ROTA_NONE)
			rota_format_local(r, end, until, sizeof until);
		else
			snprintf(until, sizeof until, "further notice");
		p = people_find(oncall_people(h->oncall), who);
		xasprintf(&subject, "handoff: %s, you are on call for %s until"
		    " %s", p != NULL ? p->name : who, hr->name, until);
		handoff_note(h, who, p, subject, body, now);
		free(subject);
	}
	rota_shifts_free(&sh);
	free(body);
	json_decref(in);
	json_decref(out);
	json_decref(ids);
}

/* Look at r now: hand off if its set changed, then arm the timer. */
static void
handoff_check(struct handoff_rota *hr, const struct rota *r, int first,
    const char *reason)
{
	struct timeval tv;
	int64_t now = clock_now_ms(), next, wait, seen_at;
	char **on, *seen = NULL, *joined, *cause = NULL;
	size_t n, i;
	int same, rc;

	on = handoff_people(r, now, &n);
	if (first) {
		/* who was on call when pagerd last looked: a shift that
		 * changed while it was stopped is handed off now */
		rc = store_oncall_seen(hr->h->store, hr->name, &seen,
		    &seen_at);
		if (rc == 1) {
			xfree_strings(hr->people, hr->npeople);
			hr->people = handoff_split(seen, &hr->npeople);
			first = 0;
			reason = "shift while pagerd was stopped";
		}
		free(seen);
	}
	same = n == hr->npeople;
	for (i = 0; same && i < n; i++)
		same = strcmp(on[i], hr->people[i]) == 0;
	if (!first && !same)
		handoff_do(hr, r, on, n, now, reason);
	if (first || !same) {
		joined = handoff_join(on, n);
		if (store_oncall_seen_set(hr->h->store, hr->name, joined, now,
		    &cause) != 0) {
			log_warnx("handoff: rota %s: cannot record who is on"
			    " call: %s", hr->name, cause);
			free(cause);
		}
		free(joined);
	}
	xfree_strings(hr->people, hr->npeople);
	hr->people = on;
	hr->npeople = n;

	next = rota_next_handoff(r, now);
	wait = next == ROTA_NONE ? HANDOFF_MAX_WAIT : next - now;
	if (wait > HANDOFF_MAX_WAIT)
		wait = HANDOFF_MAX_WAIT;
	if (wait < 1)
		wait = 1;
	hr->at = now + wait;
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(&hr->ev, &tv);
	log_debug("handoff: rota %s: next look in %lld ms", hr->name,
	    (long long)wait);
}

static void
handoff_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct handoff_rota *hr = arg;
	const struct rota *r;

	r = rota_set_find(oncall_rotas(hr->h->oncall), hr->name);
	if (r != NULL)
		handoff_check(hr, r, 0, "shift");
}

static void
handoff_rota_free(struct handoff_rota *hr)
{
	event_del(&hr->ev);
	xfree_strings(hr->people, hr->npeople);
	free(hr->name);
	free(hr->last_detail);
	free(hr);
}

/* oncall changed its rotas: tell the engine, then look at each rota. */
static void
handoff_changed_cb(struct oncall *o, void *arg)
{
	struct handoff *h = arg;

	engine_set_rotas(h->engine, oncall_rotas(o), oncall_people(o));
	handoff_rearm(h);
}

/*
 * Follow the rotas of oncall, on base.  Installs itself as oncall's
 * change callback.  Nobody gets a note at start: the people on call now
 * are only remembered.
 */
struct handoff *
handoff_new(struct event_base *base, struct store *store,
    struct engine *engine, struct oncall *oncall)
{
	struct handoff *h = xcalloc(1, sizeof *h);

	h->base = base;
	h->store = store;
	h->engine = engine;
	h->oncall = oncall;
	oncall_set_change_cb(oncall, handoff_changed_cb, h);
	handoff_rearm(h);
	return h;
}

void
handoff_free(struct handoff *h)
{
	size_t i;

	if (h == NULL)
		return;
	oncall_set_change_cb(h->oncall, NULL, NULL);
	for (i = 0; i < h->n; i++)
		handoff_rota_free(h->list[i]);
	free(h->list);
	free(h);
}

/*
 * The rotas changed (or at start): follow new rotas, drop gone ones,
 * and look at every rota again, since an edit may change who is on call
 * now or when the next handoff is.
 */
void
handoff_rearm(struct handoff *h)
{
	const struct rota_set *set = oncall_rotas(h->oncall);
	struct handoff_rota *hr;
	size_t i, j;

	for (j = 0; j < h->n; j++)
		h->list[j]->seen = 0;
	for (i = 0; i < set->n; i++) {
		for (j = 0; j < h->n; j++) {
			if (strcmp(h->list[j]->name, set->list[i]->name) == 0)
				break;
		}
		if (j < h->n) {
			hr = h->list[j];
			hr->seen = 1;
			handoff_check(hr, set->list[i], 0, "reload");
			continue;
		}
		hr = xcalloc(1, sizeof *hr);
		hr->h = h;
		hr->name = xstrdup(set->list[i]->name);
		hr->seen = 1;
		evtimer_assign(&hr->ev, h->base, handoff_timer_cb, hr);
		h->list = xreallocarray(h->list, h->n + 1, sizeof *h->list);
		h->list[h->n++] = hr;
		handoff_check(hr, set->list[i], 1, "start");
	}
	for (i = j = 0; i < h->n; i++) {
		if (h->list[i]->seen)
			h->list[j++] = h->list[i];
		else
			handoff_rota_free(h->list[i]);
	}
	h->n = j;
}

/*
 * The last handoff of the named rota since start: its JSON detail
 * (borrowed) with its time in *at, or NULL.
 */
const char *
handoff_last(const struct handoff *h, const char *name, int64_t *at)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		if (strcmp(h->list[i]->name, name) != 0)
			continue;
		*at = h->list[i]->last_ms;
		return h->list[i]->last_detail;
	}
	*at = 0;
	return NULL;
}
