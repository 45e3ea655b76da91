/* SPDX-License-Identifier: ISC */
/*
 * outbox-outcome.c: what became of a message, written back to its rows
 * with an audit event each: sent, retried (backoff from outbox-decide.c),
 * failed (then the person's next step is brought forward, or they are
 * unreachable), and later a provider's delivery report.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "clock.h"
#include "conf.h"
#include "durable.h"
#include "hmac.h"
#include "jsonw.h"
#include "log.h"
#include "outbox.h"
#include "outbox-private.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The audit detail last written for a row of the message being settled:
 * the rows of one digest mostly share it, and building it with jansson
 * for each of them was a good part of what a page cost the loop.
 */
struct outbox_memo {
	const struct store_note *n;
	const char *kind;
	const char *error;
	char *detail;
};

/* Can the detail written for m->n stand for n too? */
static int
outbox_memo_fits(const struct outbox_memo *m, const struct store_note *n,
    const char *kind, const char *error)
{
	const struct store_note *o = m->n;

	return o != NULL && m->detail != NULL && strcmp(m->kind, kind) == 0 &&
	    (m->error == error || (m->error != NULL && error != NULL &&
	    strcmp(m->error, error) == 0)) &&
	    strcmp(o->person, n->person) == 0 &&
	    strcmp(o->channel, n->channel) == 0 &&
	    strcmp(o->address, n->address) == 0 &&
	    o->attempt == n->attempt && o->step == n->step &&
	    (o->provider_id == n->provider_id || (o->provider_id != NULL &&
	    n->provider_id != NULL &&
	    strcmp(o->provider_id, n->provider_id) == 0));
}

/*
 * The detail of row n's audit event, {"person":...,"channel":...,
 * "address":...,"attempt":1,"step":0} then "error" and "provider_id"
 * when there are, as json_pack and json_dumps wrote it (jansson cost
 * about 14,000 instructions a message), or NULL ({}) if a string of the
 * first five is not UTF-8; one of the last two that is not is left out,
 * as json_object_set_new left it.  The caller frees it.
 */
static char *
outbox_audit_detail(const struct store_note *n, const char *error)
{
	struct jsonw w = { NULL, 0, 0 };
	size_t len;

	jsonw_raw(&w, "{", 1);
	jsonw_key(&w, "person", 1);
	if (n->person == NULL || jsonw_str(&w, n->person) != 0)
		goto bad;
	jsonw_key(&w, "channel", 0);
	if (n->channel == NULL || jsonw_str(&w, n->channel) != 0)
		goto bad;
	jsonw_key(&w, "address", 0);
	if (n->address == NULL || jsonw_str(&w, n->address) != 0)
		goto bad;
	jsonw_key(&w, "attempt", 0);
	jsonw_int(&w, n->attempt);
	jsonw_key(&w, "step", 0);
	jsonw_int(&w, n->step);
	if (error != NULL) {
		len = w.len;
		jsonw_key(&w, "error", 0);
		if (jsonw_str(&w, error) != 0)
			w.p[w.len = len] = '\0';
	}
	if (n->provider_id != NULL) {
		len = w.len;
		jsonw_key(&w, "provider_id", 0);
		if (jsonw_str(&w, n->provider_id) != 0)
			w.p[w.len = len] = '\0';
	}
	jsonw_raw(&w, "}", 1);
	return w.p;
bad:
	jsonw_free(&w);
	return NULL;
}

/* Audit event kind for row n; memo (or NULL) carries its detail on. */
static void
outbox_audit(struct outbox *ob, const struct store_note *n, const char *kind,
    const char *error, int64_t now, struct outbox_memo *memo)
{
	struct store_event_new ev;
	char *detail = NULL, *cause = NULL;

	if (memo != NULL && outbox_memo_fits(memo, n, kind, error))
		detail = memo->detail;
	else {
		detail = outbox_audit_detail(n, error);
		if (memo != NULL) {
			free(memo->detail);
			memo->n = n;
			memo->kind = kind;
			memo->error = error;
			memo->detail = detail;
		}
	}
	memset(&ev, 0, sizeof ev);
	ev.alert_id = n->alert_id;
	ev.at_ms = now;
	ev.actor = "outbox";
	ev.kind = kind;
	ev.detail = detail;
	if (store_event_add(ob->store, &ev, &cause) != 0) {
		log_warnx("outbox: audit: %s", cause);
		free(cause);
	}
	if (memo == NULL)
		free(detail);
}

/*
 * A step has failed for good: bring the person's next step forward, or
 * if nothing can reach them any more, record and report it.  Inside the
 * caller's transaction.
 */
static void
outbox_failover(struct outbox *ob, const struct store_note *n, int64_t now)
{
	struct store_outbox_head h;
	int64_t next;
	char *cause = NULL;

	if (n->alert_id == 0 || !notify_event_is_page(n->event)) {
		/* A note or a notice has one step and escalates nothing. */
		log_warnx("outbox: %s to %s (%s) could not be delivered by"
		    " %s", notify_event_name(n->event), n->person,
		    n->reason != NULL ? n->reason : "note", n->channel);
		return;
	}
	/* its later rules, not rows yet: rows now, each at its due time */
	if (outbox_later_all(ob, n->alert_id, n->person, now, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
	}
	next = store_outbox_failover(ob->store, n, now, &h);
	if (next > 0) {
		outbox_touch(ob, h.channel, h.address);
		store_outbox_head_clear(&h);
		log_info("outbox: alert %" PRId64 ": %s: %s failed, failing"
		    " over to the next channel", n->alert_id, n->person,
		    n->channel);
		return;
	}
	if (next == 0 && store_outbox_live(ob->store, n->alert_id,
	    n->person) == 0) {
		log_warnx("outbox: alert %" PRId64 ": %s is unreachable on"
		    " every channel", n->alert_id, n->person);
		outbox_audit(ob, n, "unreachable", NULL, now, NULL);
		outbox_unreachable(ob, n->alert_id, n->person);
	}
}

/*
 * Message s went out: its rows "sent" in one statement (by the
 * message's range of rows), then an audit event each.
 */
static void
outbox_outcome_sent(struct outbox *ob, struct outbox_send *s, int64_t now)
{
	const struct chan_result *r = &s->res;
	struct outbox_memo memo = { NULL, NULL, NULL, NULL };
	struct store_outbox_msg msg;
	struct store_note *n;
	char *cause = NULL;
	int64_t changed;
	size_t i;

	msg.channel = s->channel;
	msg.address = s->address;
	msg.now = now;
	msg.last_due = s->rows[s->n - 1].due_ms;
	msg.last_id = s->rows[s->n - 1].id;
	msg.send_id = s->send_id;
	msg.whole = s->whole;
	msg.min_id = msg.max_id = s->rows[0].id;
	for (i = 1; i < s->n; i++) {
		if (s->rows[i].id < msg.min_id)
			msg.min_id = s->rows[i].id;
		if (s->rows[i].id > msg.max_id)
			msg.max_id = s->rows[i].id;
	}
	msg.n = s->n;
	changed = store_outbox_sent(ob->store, &msg, r->provider_id, &cause);
	if (changed < 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
	} else if ((size_t)changed != s->n)
		log_warnx("outbox: message %" PRId64 " to %s by %s: %" PRId64
		    " of its %zu rows were sending", s->send_id,
		    s->rows[0].person, s->channel, changed, s->n);
	for (i = 0; i < s->n; i++) {
		n = &s->rows[i];
		n->attempt++;
		if (r->provider_id != NULL) {
			free(n->provider_id);
			n->provider_id = xstrdup(r->provider_id);
		}
		outbox_audit(ob, n, "notify.sent", NULL, now, &memo);
	}
	free(memo.detail);
	if (s->n == 1)
		log_info("outbox: alert %" PRId64 ": sent to %s by %s%s%s",
		    s->rows[0].alert_id, s->rows[0].person, s->channel,
		    r->provider_id != NULL ? ", id " : "",
		    r->provider_id != NULL ? r->provider_id : "");
	else
		log_info("outbox: %zu alerts (a digest of %zu) sent to %s by"
		    " %s%s%s", s->n, s->n, s->rows[0].person, s->channel,
		    r->provider_id != NULL ? ", id " : "",
		    r->provider_id != NULL ? r->provider_id : "");
	outbox_touch(ob, s->channel, s->address);
}

/* Write the outcome of one send (inside the caller's transaction). */
void
outbox_outcome(struct outbox *ob, struct outbox_send *s, int64_t now)
{
	const struct chan_result *r = &s->res;
	const struct conf_chan *cc;
	struct store_outbox_change ch;
	struct store_outbox_msg msg;
	struct store_note *n;
	struct outbox_memo memo = { NULL, NULL, NULL, NULL };
	enum outbox_next next;
	int64_t delay;
	uint32_t rnd;
	char *cause = NULL;
	size_t i, nsent = 0;

	cc = conf_chan_find(ob->conf, s->channel);
	if (cc != NULL && r->status == CHAN_SENT) {
		outbox_outcome_sent(ob, s, now);
		return;
	}
	/* The message is no longer out: its rows are written one by one. */
	memset(&msg, 0, sizeof msg);
	msg.channel = s->channel;
	msg.address = s->address;
	msg.send_id = s->send_id;
	if (store_outbox_unmark(ob->store, &msg, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		cause = NULL;
	}
	/* One jitter per message, so its rows retry together as one; a
	 * message that went out needs none. */
	rnd = 0;
	if (s->res.status != CHAN_SENT)
		hmac_random(&rnd, sizeof rnd);
	for (i = 0; i < s->n; i++) {
		n = &s->rows[i];
		n->attempt++;
		if (cc == NULL)
			next = OUTBOX_FAILOVER;
		else
			next = outbox_decide(cc, n->attempt, r, rnd, &delay);
		if (r->provider_id != NULL) {
			free(n->provider_id);
			n->provider_id = xstrdup(r->provider_id);
		}
		memset(&ch, 0, sizeof ch);
		ch.id = n->id;
		ch.attempt = n->attempt;
		ch.due_ms = n->due_ms;
		switch (next) {
		case OUTBOX_DONE:
			/* A digest is logged once, below. */
			if (s->n == 1)
				log_info("outbox: alert %" PRId64 ": sent to %s"
				    " by %s%s%s", n->alert_id, n->person,
				    n->channel, r->provider_id != NULL ?
				    ", id " : "", r->provider_id != NULL ?
				    r->provider_id : "");
			nsent++;
			ch.state = NOTIFY_SENT;
			ch.provider_id = r->provider_id;
			store_outbox_set(ob->store, &ch, now, &cause);
			outbox_audit(ob, n, "notify.sent", NULL, now, &memo);
			break;
		case OUTBOX_RETRY:
			log_info("outbox: alert %" PRId64 ": %s to %s: %s;"
			    " retry in %" PRId64 " ms", n->alert_id, n->channel,
			    n->person, r->error != NULL ? r->error : "?",
			    delay);
			ch.state = NOTIFY_PENDING;
			ch.due_ms = now + delay;
			ch.error = r->error;
			store_outbox_set(ob->store, &ch, now, &cause);
			outbox_audit(ob, n, "notify.retry", r->error, now,
			    &memo);
			break;
		case OUTBOX_FAILOVER:
			log_warnx("outbox: alert %" PRId64 ": %s to %s failed"
			    " after %d attempt%s: %s", n->alert_id, n->channel,
			    n->person, n->attempt, n->attempt == 1 ? "" : "s",
			    cc == NULL ? "channel no longer configured" :
			    r->error != NULL ? r->error : "?");
			ch.state = NOTIFY_FAILED;
			ch.error = cc == NULL ? "channel no longer configured" :
			    r->error;
			store_outbox_set(ob->store, &ch, now, &cause);
			outbox_audit(ob, n, "notify.failed", r->error, now,
			    &memo);
			outbox_failover(ob, n, now);
			break;
		}
		if (cause != NULL) {
			log_warnx("outbox: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	free(memo.detail);
	if (s->n > 1 && nsent > 0)
		log_info("outbox: %zu alert%s (a digest of %zu) sent to %s by"
		    " %s%s%s", nsent, nsent == 1 ? "" : "s", s->n,
		    s->rows[0].person, s->channel, r->provider_id != NULL ?
		    ", id " : "", r->provider_id != NULL ? r->provider_id : "");
	/* A retry's row is pending again, and its address had been read
	 * before the row was: read the address again. */
	outbox_touch(ob, s->channel, s->address);
}

/*
 * A provider's delivery report (Twilio status callback) for message or
 * call pid: delivered, or failed (then fail over).  voice: a call, where
 * answered_by tells a machine from a human.  Unknown ids are ignored.
 */
int
outbox_report(struct outbox *ob, const char *kind, const char *pid,
    const char *status, const char *answered_by, char **cause)
{
	struct outbox_memo memo = { NULL, NULL, NULL, NULL };
	struct store_outbox_change ch;
	struct store_note *rows;
	enum outbox_report rep;
	size_t n, i;
	int64_t now = clock_now_ms();
	char err[128];

	rep = outbox_report_map(strcmp(kind, "voice") == 0, status,
	    answered_by, NULL);
	if (rep == OUTBOX_REPORT_NONE)
		return 0;
	if (store_outbox_by_provider(ob->store, pid, &rows, &n) != 0) {
		*cause = xstrdup("cannot read the outbox");
		return -1;
	}
	if (n == 0) {
		log_debug("outbox: report for unknown %s %s", kind, pid);
		free(rows);
		return 0;
	}
	if (store_begin(ob->store, cause) != 0) {
		store_notes_free(rows, n);
		return -1;
	}
	if (answered_by != NULL && rep == OUTBOX_REPORT_FAILED &&
	    strcmp(status, "completed") == 0)
		snprintf(err, sizeof err, "answered by %s", answered_by);
	else
		snprintf(err, sizeof err, "provider reports %s", status);
	for (i = 0; i < n; i++) {
		/* Only once, and only for what we think went out. */
		if (rows[i].state != NOTIFY_SENT)
			continue;
		memset(&ch, 0, sizeof ch);
		ch.id = rows[i].id;
		ch.attempt = rows[i].attempt;
		ch.due_ms = rows[i].due_ms;
		if (rep == OUTBOX_REPORT_DELIVERED) {
			ch.state = NOTIFY_DELIVERED;
			store_outbox_set(ob->store, &ch, now, NULL);
			outbox_audit(ob, &rows[i], "notify.delivered", NULL,
			    now, &memo);
		} else {
			ch.state = NOTIFY_FAILED;
			ch.error = err;
			store_outbox_set(ob->store, &ch, now, NULL);
			outbox_audit(ob, &rows[i], "notify.failed", err, now,
			    &memo);
			log_warnx("outbox: alert %" PRId64 ": %s to %s: %s",
			    rows[i].alert_id, rows[i].channel,
			    rows[i].person, err);
			outbox_failover(ob, &rows[i], now);
		}
	}
	free(memo.detail);
	store_notes_free(rows, n);
	/* the provider is answered once on disk (durable_then) */
	if (store_commit_async(ob->store, durable_ignore, NULL, cause) != 0) {
		store_rollback(ob->store);
		return -1;
	}
	outbox_kick(ob);
	return 0;
}
