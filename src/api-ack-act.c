/* SPDX-License-Identifier: ISC */
/*
 * api-ack-act.c: what every way of acknowledging shares, links and
 * provider hooks alike: checking a token (refusals counted, logged and
 * throttled), doing the action through the engine, marking the token
 * used, answering a provider with TwiML, and refusing a provider
 * callback delivered again.  It calls nothing in the other api-ack*.c.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "api.h"
#include "api-ack-private.h"
#include "clock.h"
#include "conf.h"
#include "durable.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "oncall.h"
#include "people.h"
#include "store.h"
#include "xmalloc.h"

#define HTTP_GONE 410
#define ACK_HOOK_KEEP_MS (24 * 3600 * INT64_C(1000)) /* replays refused */

/* http.public_url without its trailing slashes: "%.*s". */
int
api_ack_base(const struct conf *c, const char **base)
{
	size_t n;

	if ((*base = c->http_public_url) == NULL)
		return -1;
	n = strlen(*base);
	while (n > 0 && (*base)[n - 1] == '/')
		n--;
	return (int)n;
}

static const char *
api_ack_action_word(enum ack_action a)
{
	switch (a) {
	case ACK_ACK:
		return "ack";
	case ACK_RESOLVE:
		return "resolve";
	default:
		return "escalate";
	}
}

const char *
api_ack_action_done(enum ack_action a)
{
	switch (a) {
	case ACK_ACK:
		return "Acknowledged";
	case ACK_RESOLVE:
		return "Resolved";
	default:
		return "Escalated";
	}
}

/*
 * Do action on alert id as person (a person id) who came by via (on a
 * standby: passed to the leader, ENGINE_OK once that is committed).
 */
enum engine_result
api_ack_do(struct api_ack *k, enum ack_action a, int64_t id, const char *person,
    const char *via, char **cause)
{
	struct store_command c;

	memset(&c, 0, sizeof c);
	c.alert_id = id;
	c.kind = a == ACK_ACK ? STORE_CMD_ACK : a == ACK_RESOLVE ?
	    STORE_CMD_RESOLVE : STORE_CMD_ESCALATE;
	c.actor = (char *)person;
	c.via = a == ACK_ESCALATE ? NULL : (char *)via;
	c.created_ms = clock_now_ms();
	return (enum engine_result)api_act(k->api, &c, cause);
}

/*
 * A token was refused for reason ("forged", "expired", "used", "unknown
 * person", "action not allowed"); t is what it said, NULL if forged.
 * Counted and logged by http_refuse, which also answers 429 (and we
 * return -1) when the address has sent too many bad ones, unless the
 * request was signed by the provider (signed_req).  A refused attempt to
 * act (a POST) with a token we issued is audited on its alert.
 */
int
api_ack_refuse(struct api_ack *k, struct evhttp_request *req, int signed_req,
    const struct ack_token *t, const char *via, const char *reason)
{
	struct store_event_new ev;
	char *text, *cause = NULL, *what, metric[32];
	size_t i;
	json_t *d;

	snprintf(metric, sizeof metric, "%s", reason);
	for (i = 0; metric[i] != '\0'; i++)
		if (metric[i] == ' ')
			metric[i] = '_';
	xasprintf(&what, "ack: %s token refused (%s%s%s)", via, reason,
	    t != NULL ? ", " : "", t != NULL ? t->person : "");
	if (http_refuse(req, k->api->throttle, !signed_req, metric,
	    what) != 0) {
		free(what);
		return -1;
	}
	free(what);
	if (t == NULL || evhttp_request_get_command(req) != EVHTTP_REQ_POST)
		return 0;
	d = json_pack("{s:s,s:s,s:s}", "via", via, "reason", reason, "peer",
	    http_peer(req));
	text = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	memset(&ev, 0, sizeof ev);
	ev.alert_id = t->alert_id;
	ev.at_ms = clock_now_ms();
	ev.actor = t->person;
	ev.kind = "ack_refused";
	ev.detail = text;
	if (store_event_add(k->api->store, &ev, &cause) != 0) {
		log_warnx("ack: cannot record a refused token: %s", cause);
		free(cause);
	}
	free(text);
	return 0;
}

/*
 * Check the token of a link or keypress: 0 with *t filled in; -1 when
 * it is refused (*code and *why say how to answer); -2 when the request
 * was already answered (429).  signed_req: the request itself carried
 * a valid provider signature, so its address is never throttled.
 */
int
api_ack_check(struct api_ack *k, struct evhttp_request *req, const char *tok,
    const char *via, int signed_req, struct ack_token *t, int *code,
    const char **why)
{
	const struct conf *c = k->api->conf;
	enum ack_verdict v;
	int used;

	if (c->ack_secret == NULL) {
		*code = HTTP_NOTFOUND;
		*why = "Acknowledgement links are not enabled here.";
		return -1;
	}
	v = ack_token_verify(c->ack_secret, c->ack_secret_len, tok,
	    clock_now_ms(), t);
	if (v == ACK_TOKEN_FORGED) {
		if (api_ack_refuse(k, req, signed_req, NULL, via,
		    "forged") != 0)
			return -2;
		*code = HTTP_FORBIDDEN;
		*why = "This link is not valid: it was altered, or it was not"
		    " issued by this pager.";
		return -1;
	}
	if (v == ACK_TOKEN_EXPIRED) {
		if (api_ack_refuse(k, req, signed_req, t, via, "expired") != 0)
			return -2;
		*code = HTTP_GONE;
		*why = "This link has expired. Use the pager's dashboard or"
		    " a newer page.";
		return -1;
	}
	if ((used = store_ack_used(k->api->store, t->nonce)) != 0) {
		if (used < 0) {
			*code = HTTP_UNAVAILABLE;
			*why = "The pager cannot check this link now; try"
			    " again.";
			return -1;
		}
		if (api_ack_refuse(k, req, signed_req, t, via, "used") != 0)
			return -2;
		*code = HTTP_GONE;
		*why = "This link was already used. Each link acts once.";
		return -1;
	}
	if (people_find(oncall_people(k->api->oncall), t->person) == NULL) {
		if (api_ack_refuse(k, req, signed_req, t, via,
		    "unknown person") != 0)
			return -2;
		*code = HTTP_FORBIDDEN;
		*why = "This link belongs to someone who is no longer in the"
		    " people file.";
		return -1;
	}
	return 0;
}

/* Mark a token used after it acted; a failure here is only logged. */
void
api_ack_consume(struct api_ack *k, const struct ack_token *t, enum ack_action a)
{
	struct store_ack_new used;
	char *cause = NULL;

	memset(&used, 0, sizeof used);
	used.nonce = t->nonce;
	used.alert_id = t->alert_id;
	used.person = t->person;
	used.action = api_ack_action_word(a);
	used.used_ms = clock_now_ms();
	if (store_ack_use(k->api->store, &used, &cause) < 0) {
		log_warnx("ack: cannot record a used token: %s", cause);
		free(cause);
	}
}

/* Answer a Twilio hook with TwiML: <Response> inner </Response>. */
void
api_ack_twiml(struct evhttp_request *req, int code, const char *inner)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *out;

	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	if (inner == NULL || *inner == '\0')
		evbuffer_add_printf(out, "<?xml version=\"1.0\" encoding="
		    "\"UTF-8\"?><Response/>");
	else
		evbuffer_add_printf(out, "<?xml version=\"1.0\" encoding="
		    "\"UTF-8\"?><Response>%s</Response>", inner);
	evhttp_add_header(hdr, "Content-Type", "text/xml; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	metrics_http_reply(req, code);
	evhttp_send_reply(req, code, NULL, out);
	evbuffer_free(out);
}

/* A TwiML answer waiting for the change it tells of to be on disk. */
struct api_ack_later {
	struct evhttp_request *req;
	char *inner;
	char *failed;
};

static void
api_ack_later_cb(void *arg, int ok)
{
	struct api_ack_later *l = arg;

	if (ok == STORE_DURABLE)
		api_ack_twiml(l->req, HTTP_OK, l->inner);
	else {
		log_warnx("ack: a change was committed but is not on disk");
		api_ack_twiml(l->req, HTTP_UNAVAILABLE, l->failed);
	}
	free(l->inner);
	free(l->failed);
	free(l);
}

/*
 * Answer a provider hook with TwiML inner (200) once every change made
 * so far is on disk, or with failed (503) if that cannot be said; both
 * are stolen (NULL: an empty <Response/>).  req may be answered, and
 * gone, before this returns: call it last.
 */
void
api_ack_twiml_durable(struct api_ack *k, struct evhttp_request *req,
    char *inner, char *failed)
{
	struct api_ack_later *l = xcalloc(1, sizeof *l);

	l->req = req;
	l->inner = inner;
	l->failed = failed;
	durable_then(k->api->store, api_ack_later_cb, l);
}

/*
 * Was the provider callback key taken before (within ACK_HOOK_KEEP_MS)?
 * 0 if not.  If it was, or the store cannot tell, the request has been
 * answered (200 with no effect; 503) and 1 is returned: a replay gets
 * one audit event, on the alert the first delivery acted on.
 */
int
api_ack_replayed(struct api_ack *k, struct evhttp_request *req, const char *key,
    const char *via)
{
	struct store_event_new ev;
	struct store_hook seen;
	char *cause = NULL, *text, when[32];
	int64_t now = clock_now_ms();
	json_t *d;
	int rc;

	if ((rc = store_hook_seen(k->api->store, key, now, ACK_HOOK_KEEP_MS,
	    &seen)) < 0) {
		log_warnx("ack: cannot check %s for a replay", key);
		http_error(req, HTTP_UNAVAILABLE, "the store cannot tell"
		    " whether this was taken before");
		return 1;
	}
	if (rc == 0)
		return 0;
	metrics_replayed(via);
	d = json_pack("{s:s,s:s,s:s}", "via", via, "callback", key,
	    "first_at", clock_format_iso(seen.seen_ms, when, sizeof when));
	text = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	memset(&ev, 0, sizeof ev);
	ev.alert_id = seen.alert_id;
	ev.at_ms = now;
	ev.actor = seen.actor;
	ev.kind = "callback_replayed";
	ev.detail = text;
	if (store_event_add(k->api->store, &ev, &cause) != 0) {
		log_warnx("ack: cannot record a replayed callback: %s", cause);
		free(cause);
	}
	free(text);
	log_info("ack: %s delivered again: answered without effect", key);
	free(seen.actor);
	if (strcmp(via, "sms") == 0)
		api_ack_twiml(req, HTTP_OK, NULL);
	else
		api_ack_twiml(req, HTTP_OK, "<Hangup/>");
	return 1;
}

/* Remember that the provider callback key was taken, by actor. */
void
api_ack_remember(struct api_ack *k, const char *key, int64_t alert_id,
    const char *actor)
{
	struct store_hook_new h;
	char *cause = NULL;

	if (key == NULL)
		return;
	memset(&h, 0, sizeof h);
	h.key = key;
	h.alert_id = alert_id;
	h.actor = actor;
	h.seen_ms = clock_now_ms();
	if (store_hook_add(k->api->store, &h, ACK_HOOK_KEEP_MS, &cause) != 0) {
		log_warnx("ack: cannot record callback %s: %s", key, cause);
		free(cause);
	}
}
