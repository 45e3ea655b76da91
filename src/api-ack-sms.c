/* SPDX-License-Identifier: ISC */
/*
 * api-ack-sms.c: POST /hooks/sms/twilio, an SMS reply ("12a", "a",
 * "aa") that acts on the pages of the person whose number sent it.  The
 * answer texted back is capped per number and window (ack.sms_reply_*),
 * so a loop with another automaton cannot run up a bill.
 */
#include <event2/http.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "api.h"
#include "api-ack-private.h"
#include "chan.h"
#include "clock.h"
#include "conf.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "oncall.h"
#include "people.h"
#include "store.h"
#include "twilio.h"
#include "xmalloc.h"

#define ACK_RATES_MAX 1024 /* numbers remembered for the reply cap */

static const char api_ack_sms_help[] = "Reply 12a to acknowledge alert 12,"
    " 12r to resolve, 12e to escalate; a for your only open page, aa for"
    " all of them.";

/*
 * May an automatic answer go to number now?  At most ack.sms_reply_limit
 * per ack.sms_reply_window, so that an auto-responder on the other side
 * and our answers cannot ping-pong forever.
 */
static int
api_ack_rate_take(struct api_ack *k, const char *number, int64_t now)
{
	const struct conf *c = k->api->conf;
	struct api_ack_rate *r = NULL;
	size_t i;

	for (i = 0; i < k->nrates; i++) {
		if (strcmp(k->rates[i].number, number) == 0) {
			r = &k->rates[i];
			continue;
		}
		/* forget numbers whose window is over */
		if (now - k->rates[i].start_ms >= c->ack_sms_reply_window_ms) {
			free(k->rates[i].number);
			k->rates[i] = k->rates[--k->nrates];
			i--;
		}
	}
	for (i = 0; r == NULL && i < k->nrates; i++)
		if (strcmp(k->rates[i].number, number) == 0)
			r = &k->rates[i];
	if (r == NULL) {
		if (k->nrates == ACK_RATES_MAX)
			return -1; /* a flood from many numbers: stay quiet */
		k->rates = xreallocarray(k->rates, k->nrates + 1,
		    sizeof *k->rates);
		r = &k->rates[k->nrates++];
		r->number = xstrdup(number);
		r->start_ms = now;
		r->count = 0;
	}
	if (now - r->start_ms >= c->ack_sms_reply_window_ms) {
		r->start_ms = now;
		r->count = 0;
	}
	if (r->count >= c->ack_sms_reply_limit)
		return -1;
	r->count++;
	return 0;
}

/* The person whose SMS or voice number is number, or NULL. */
static const struct person *
api_ack_person_by_number(struct api_ack *k, const char *number)
{
	const struct people *pp = oncall_people(k->api->oncall);
	size_t i;

	if (pp == NULL || number == NULL || *number == '\0')
		return NULL;
	for (i = 0; i < pp->n; i++)
		if ((pp->list[i].sms != NULL &&
		    strcmp(pp->list[i].sms, number) == 0) ||
		    (pp->list[i].voice != NULL &&
		    strcmp(pp->list[i].voice, number) == 0))
			return &pp->list[i];
	return NULL;
}

/* Append to the SMS answer in *msg. */
static void
api_ack_msg_add(char **msg, const char *fmt, ...) printflike(2, 3);

static void
api_ack_msg_add(char **msg, const char *fmt, ...)
{
	va_list ap;
	char *s, *all;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	if (*msg == NULL)
		*msg = s;
	else {
		xasprintf(&all, "%s; %s", *msg, s);
		free(*msg);
		free(s);
		*msg = all;
	}
}

/* Act on one alert for an SMS; the outcome goes into *msg. */
static int
api_ack_sms_one(struct api_ack *k, enum ack_action a, int64_t id,
    const struct person *p, char **msg, int64_t *first)
{
	char *cause = NULL;
	int rc = -1;

	if (*first == 0)
		*first = id;
	switch (api_ack_do(k, a, id, p->id, "sms", &cause)) {
	case ENGINE_OK:
		api_ack_msg_add(msg, "%s #%" PRId64 " by %s",
		    api_ack_action_done(a), id,
		    p->name != NULL ? p->name : p->id);
		log_info("alert %" PRId64 ": %s by %s via SMS", id,
		    ack_action_name(a), p->id);
		rc = 0;
		break;
	case ENGINE_NOT_FOUND:
		api_ack_msg_add(msg, "No alert #%" PRId64, id);
		break;
	case ENGINE_CONFLICT:
		api_ack_msg_add(msg, "#%" PRId64 " not changed: %s", id, cause);
		break;
	default:
		log_warnx("alert %" PRId64 ": %s by SMS failed: %s", id,
		    ack_action_name(a), cause);
		api_ack_msg_add(msg, "#%" PRId64 " failed, try again", id);
	}
	free(cause);
	return rc;
}

/*
 * What an SMS from person p asks: the answer, to be sent or not; *first
 * is the first alert it acted on (0: none).
 */
static char *
api_ack_sms_act(struct api_ack *k, const struct person *p, const char *body,
    int64_t *first)
{
	struct ack_reply r;
	int64_t *ids = NULL;
	size_t n = 0, i;
	char *msg = NULL;

	if (ack_sms_parse(body, &r) != 0)
		return xstrdup(api_ack_sms_help);
	if (store_ack_pages(k->api->store, p->id, r.scope != ACK_ONE, &ids,
	    &n) != 0)
		return xstrdup("Sorry, the pager cannot answer now; try"
		    " again.");
	switch (r.scope) {
	case ACK_ONE:
		for (i = 0; i < n; i++)
			if (ids[i] == r.alert_id)
				break;
		if (i == n)
			api_ack_msg_add(&msg, "#%" PRId64 " is not an open"
			    " alert paged to you", r.alert_id);
		else
			api_ack_sms_one(k, r.action, r.alert_id, p, &msg,
			    first);
		break;
	case ACK_ONLY:
		if (n == 0)
			api_ack_msg_add(&msg,
			    "You have no unacknowledged page");
		else if (n == 1)
			api_ack_sms_one(k, r.action, ids[0], p, &msg, first);
		else {
			api_ack_msg_add(&msg, "You have %zu open pages, the"
			    " first #%" PRId64 ": reply %" PRId64 "a for one,"
			    " aa for all", n, ids[0], ids[0]);
		}
		break;
	case ACK_ALL:
		if (n == 0)
			api_ack_msg_add(&msg,
			    "You have no unacknowledged page");
		for (i = 0; i < n; i++)
			api_ack_sms_one(k, r.action, ids[i], p, &msg, first);
		break;
	}
	free(ids);
	return msg;
}

/* The SID of an inbound SMS: MessageSid, or one of its legacy copies. */
static const char *
api_ack_sms_sid(const struct twilio_form *f)
{
	const char *sid;

	if ((sid = api_hooks_form_get(f, "MessageSid")) == NULL &&
	    (sid = api_hooks_form_get(f, "SmsMessageSid")) == NULL)
		sid = api_hooks_form_get(f, "SmsSid");
	return sid;
}

/* POST /hooks/sms/twilio: an SMS someone sent to our number. */
void
api_ack_sms(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api_ack *k = arg;
	struct twilio_form f;
	const struct person *p;
	const char *from, *body;
	char *msg, *x, *key, *inner = NULL;
	int64_t first = 0;

	if (api_hooks_form_read(req, k->api->conf, 0, k->api->throttle,
	    &f) != 0)
		return;
	from = api_hooks_form_get(&f, "From");
	body = api_hooks_form_get(&f, "Body");
	/* without a SID there is nothing to know a replay by: act */
	if ((key = ack_hook_key("sms", api_ack_sms_sid(&f), NULL)) != NULL &&
	    api_ack_replayed(k, req, key, "sms"))
		goto out;
	if ((p = api_ack_person_by_number(k, from)) == NULL) {
		/* no answer: it would only invite more */
		log_info("ack: SMS from unknown number %s ignored",
		    from != NULL ? from : "(none)");
		api_ack_remember(k, key, 0, "unknown");
		api_ack_twiml(req, HTTP_OK, NULL);
		goto out;
	}
	msg = api_ack_sms_act(k, p, body != NULL ? body : "", &first);
	api_ack_remember(k, key, first, p->id);
	if (api_ack_rate_take(k, from, clock_now_ms()) == 0) {
		x = chan_msg_xml_escape(msg);
		xasprintf(&inner, "<Message>%s</Message>", x);
		free(x);
	} else
		log_info("ack: SMS answer to %s held back: over %lld per"
		    " window", from, (long long)k->api->conf->ack_sms_reply_limit);
	free(msg);
	free(key);
	api_hooks_form_free(&f);
	/* once what it did is on disk; last: req may be gone after it */
	api_ack_twiml_durable(k, req, inner, NULL);
	return;
out:
	free(key);
	api_hooks_form_free(&f);
}
