/* SPDX-License-Identifier: ISC */
/*
 * api-ack.c: acknowledging from whatever is in a technician's hand.
 *
 *	GET  /ack/{token}			confirmation page, changes nothing
 *	POST /ack/{token}			acts (action=ack|resolve|escalate)
 *	POST /hooks/sms/twilio			an SMS reply ("12a", "a", "aa")
 *	POST /hooks/voice/twilio/gather/{token}	a keypress during a call
 *
 * Links and keypresses carry a signed, expiring token (ack-token.c)
 * that acts once: its nonce is recorded in the store.  A GET never acts,
 * because mail scanners and chat previews fetch every link they see.
 * Provider hooks must carry a valid X-Twilio-Signature (api-hooks.c),
 * and an SMS is taken from the person whose number sent it, or ignored.
 * A signed SMS or keypress delivered again (the same MessageSid, or the
 * same CallSid and digits, within ACK_HOOK_KEEP_MS) acts only once: the
 * store remembers each.  A refused token is counted in /metrics and
 * logged at most once a minute (http_refuse), and an address that keeps
 * sending bad tokens is answered 429 for a while; only an attempt to act
 * (a POST) with a token we really issued goes into that alert's audit,
 * since a forged token names nothing that may be believed.
 *
 * This file has the links, and what the provider hooks share (token
 * checks, actions, TwiML answers, replays); the SMS hook is in
 * api-ack-sms.c and the keypress hook in api-ack-voice.c.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "alert.h"
#include "api.h"
#include "api-ack-private.h"
#include "chan.h"
#include "clock.h"
#include "conf.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "oncall.h"
#include "people.h"
#include "store.h"
#include "twilio.h"
#include "xmalloc.h"

#define HTTP_GONE 410
#define ACK_HOOK_KEEP_MS (24 * 3600 * INT64_C(1000)) /* replays refused */

static void api_ack_get(struct evhttp_request *, const struct http_match *,
    void *);
static void api_ack_post(struct evhttp_request *, const struct http_match *,
    void *);

static const struct http_route api_ack_routes[] = {
	{ HTTP_GET, "/ack/{}", 0, api_ack_get },
	{ HTTP_POST, "/ack/{}", 0, api_ack_post },
	{ HTTP_POST, "/hooks/sms/twilio", 0, api_ack_sms },
	{ HTTP_POST, "/hooks/voice/twilio/gather/{}", 0, api_ack_gather },
};

struct api_ack *
api_ack_new(struct api *api)
{
	struct api_ack *k = xcalloc(1, sizeof *k);

	k->api = api;
	return k;
}

void
api_ack_free(struct api_ack *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->nrates; i++)
		free(k->rates[i].number);
	free(k->rates);
	free(k);
}

void
api_ack_http_init(struct api_ack *k, struct http *h)
{
	http_add_routes(h, api_ack_routes, nitems(api_ack_routes), k);
}

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

/*
 * engine_link_cb: the signed link of a page about alert id to person,
 * allowing all three actions until ack.ttl from now.  NULL without an
 * ack secret or a public URL.
 */
char *
api_ack_link(int64_t id, const char *person, void *arg)
{
	struct api_ack *k = arg;
	const struct conf *c = k->api->conf;
	const char *base;
	char *tok, *url;
	int n;

	if (c->ack_secret == NULL || (n = api_ack_base(c, &base)) < 0 ||
	    strlen(person) > ACK_PERSON_MAX)
		return NULL;
	tok = ack_token_sign(c->ack_secret, c->ack_secret_len, id, person,
	    ACK_MASK_ALL, clock_now_ms() + c->ack_ttl_ms);
	xasprintf(&url, "%.*s/ack/%s", n, base, tok);
	free(tok);
	return url;
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

/* Do action on alert id as person (a person id) who came by via. */
enum engine_result
api_ack_do(struct api_ack *k, enum ack_action a, int64_t id, const char *person,
    const char *via, char **cause)
{
	switch (a) {
	case ACK_ACK:
		return engine_ack(k->api->engine, id, person, NULL, via,
		    cause);
	case ACK_RESOLVE:
		return engine_resolve(k->api->engine, id, person, NULL, via,
		    cause);
	default:
		return engine_escalate(k->api->engine, id, person, NULL,
		    cause);
	}
}

/*
 * A token was refused for reason ("forged", "expired", "used", "unknown
 * person", "action not allowed"); t is what it said, NULL if forged.
 * Counted and logged by http_refuse, which also answers 429 (and we
 * return -1) when the address has sent too many bad ones, unless the
 * request was signed by the provider (signed_req).  A refused attempt to
 * act (a POST) with a token we issued is audited on its alert.
 */
static int
api_ack_refuse(struct api_ack *k, struct evhttp_request *req, int signed_req,
    const struct ack_token *t, const char *via, const char *reason)
{
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
	if (store_event_add(k->api->store, t->alert_id, clock_now_ms(),
	    t->person, "ack_refused", text, &cause) != 0) {
		log_warnx("ack: cannot record a refused token: %s", cause);
		free(cause);
	}
	free(text);
	return 0;
}

/* Answer with a small HTML page: no scripts, no framing, not cached. */
static void
api_ack_html(struct evhttp_request *req, int code, const char *title,
    const char *body)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *out;
	char *t = chan_msg_xml_escape(title);

	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evbuffer_add_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\""
	    "width=device-width, initial-scale=1\"><meta name=\"robots\""
	    " content=\"noindex, nofollow\"><title>%s - pagerd</title><style>"
	    "body{font:16px/1.5 system-ui,sans-serif;margin:2em auto;"
	    "max-width:32em;padding:0 1em}button{font-size:1.1em;margin:"
	    ".3em .5em .3em 0;padding:.6em 1.2em}dt{font-weight:bold}"
	    "</style></head><body><main><h1>%s</h1>\n%s\n</main></body>"
	    "</html>\n", t, t, body);
	free(t);
	evhttp_add_header(hdr, "Content-Type", "text/html; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "Content-Security-Policy", "default-src 'none';"
	    " style-src 'unsafe-inline'; form-action 'self';"
	    " frame-ancestors 'none'; base-uri 'none'");
	evhttp_add_header(hdr, "X-Frame-Options", "DENY");
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(hdr, "Referrer-Policy", "no-referrer");
	evhttp_add_header(hdr, "X-Robots-Tag", "noindex, nofollow");
	metrics_http_reply(req, code);
	evhttp_send_reply(req, code, NULL, out);
	evbuffer_free(out);
}

/* A page of one escaped paragraph. */
static void
api_ack_html_text(struct evhttp_request *req, int code, const char *title,
    const char *text)
{
	char *e = chan_msg_xml_escape(text), *b;

	xasprintf(&b, "<p>%s</p>", e);
	api_ack_html(req, code, title, b);
	free(b);
	free(e);
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

/* GET /ack/{token}: show what the link is about; never act. */
static void
api_ack_get(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api_ack *k = arg;
	struct ack_token t;
	struct alert *a;
	const struct person *p;
	const char *why;
	char *sum, *svc, *name, *b, buttons[512];
	int code, rc;
	size_t len = 0;

	if ((rc = api_ack_check(k, req, m->param, "link", 0, &t, &code,
	    &why)) != 0) {
		if (rc == -1)
			api_ack_html_text(req, code, code == HTTP_UNAVAILABLE ?
			    "Try again" : "Link refused", why);
		return;
	}
	if ((a = store_alert_get(k->api->store, t.alert_id)) == NULL) {
		api_ack_html_text(req, HTTP_NOTFOUND, "No such alert",
		    "This alert no longer exists.");
		return;
	}
	p = people_find(oncall_people(k->api->oncall), t.person);
	buttons[0] = '\0';
	if (a->status == ALERT_TRIGGERED && (t.actions & ACK_MASK(ACK_ACK)))
		len += snprintf(buttons + len, sizeof buttons - len,
		    "<button name=\"action\" value=\"ack\">Acknowledge"
		    "</button>");
	if (a->status != ALERT_RESOLVED &&
	    (t.actions & ACK_MASK(ACK_RESOLVE)))
		len += snprintf(buttons + len, sizeof buttons - len,
		    "<button name=\"action\" value=\"resolve\">Resolve"
		    "</button>");
	if (a->status != ALERT_RESOLVED &&
	    (t.actions & ACK_MASK(ACK_ESCALATE)))
		len += snprintf(buttons + len, sizeof buttons - len,
		    "<button name=\"action\" value=\"escalate\">Escalate"
		    "</button>");
	sum = chan_msg_xml_escape(a->summary);
	svc = chan_msg_xml_escape(a->service);
	name = chan_msg_xml_escape(p != NULL && p->name != NULL ? p->name :
	    t.person);
	xasprintf(&b, "<dl><dt>Summary</dt><dd>%s</dd><dt>Priority</dt>"
	    "<dd>%s</dd><dt>Service</dt><dd>%s</dd><dt>Status</dt><dd>%s, stage"
	    " %d</dd><dt>For</dt><dd>%s</dd></dl>\n%s", sum,
	    alert_priority_name(a->priority), svc,
	    alert_status_name(a->status), a->stage, name, len > 0 ?
	    "<form method=\"post\">" : "<p>Nothing is left to do here.</p>");
	if (len > 0) {
		char *all;

		xasprintf(&all, "%s%s</form>\n<p>Each button acts once; the"
		    " others who were paged are told.</p>", b, buttons);
		free(b);
		b = all;
	}
	free(sum);
	free(svc);
	free(name);
	xasprintf(&sum, "Alert #%" PRId64, a->id);
	api_ack_html(req, HTTP_OK, sum, b);
	free(sum);
	free(b);
	alert_free(a);
}

/* The action a form body names ("action=ack"), or -1. */
static int
api_ack_form_action(const char *body, size_t len)
{
	struct evkeyvalq q;
	const char *v;
	char *copy = xstrndup(body, len);
	int a = -1;

	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(copy, &q) == 0 &&
	    (v = evhttp_find_header(&q, "action")) != NULL) {
		if (strcmp(v, "ack") == 0)
			a = ACK_ACK;
		else if (strcmp(v, "resolve") == 0)
			a = ACK_RESOLVE;
		else if (strcmp(v, "escalate") == 0)
			a = ACK_ESCALATE;
	}
	evhttp_clear_headers(&q);
	free(copy);
	return a;
}

/* Mark a token used after it acted; a failure here is only logged. */
void
api_ack_consume(struct api_ack *k, const struct ack_token *t, enum ack_action a)
{
	char *cause = NULL;

	if (store_ack_use(k->api->store, t->nonce, t->alert_id, t->person,
	    api_ack_action_word(a), clock_now_ms(), &cause) < 0) {
		log_warnx("ack: cannot record a used token: %s", cause);
		free(cause);
	}
}

/* POST /ack/{token}: the button on the confirmation page. */
static void
api_ack_post(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api_ack *k = arg;
	struct ack_token t;
	const char *body, *why;
	char *cause = NULL, *title, *text;
	size_t len;
	int code, a, rc;

	if (http_body(req, k->api->conf, &body, &len) != 0)
		return;
	if ((rc = api_ack_check(k, req, m->param, "link", 0, &t, &code,
	    &why)) != 0) {
		if (rc == -1)
			api_ack_html_text(req, code, code == HTTP_UNAVAILABLE ?
			    "Try again" : "Link refused", why);
		return;
	}
	if ((a = api_ack_form_action(body, len)) < 0) {
		api_ack_html_text(req, HTTP_BADREQUEST, "Which action?",
		    "Use one of the buttons on the link's page.");
		return;
	}
	if ((t.actions & ACK_MASK(a)) == 0) {
		if (api_ack_refuse(k, req, 0, &t, "link",
		    "action not allowed") == 0)
			api_ack_html_text(req, HTTP_FORBIDDEN, "Link refused",
			    "This link does not allow that action.");
		return;
	}
	xasprintf(&title, "Alert #%" PRId64, t.alert_id);
	switch (api_ack_do(k, a, t.alert_id, t.person, "link", &cause)) {
	case ENGINE_OK:
		api_ack_consume(k, &t, a);
		xasprintf(&text, "%s alert #%" PRId64 ". Everyone else who"
		    " was paged has been told.", api_ack_action_done(a),
		    t.alert_id);
		api_ack_html_text(req, HTTP_OK, title, text);
		free(text);
		log_info("alert %" PRId64 ": %s by %s via link", t.alert_id,
		    ack_action_name(a), t.person);
		break;
	case ENGINE_NOT_FOUND:
		api_ack_html_text(req, HTTP_NOTFOUND, title,
		    "This alert no longer exists.");
		break;
	case ENGINE_CONFLICT:
		xasprintf(&text, "Nothing was changed: %s.", cause);
		api_ack_html_text(req, HTTP_CONFLICT, title, text);
		free(text);
		break;
	default:
		log_warnx("alert %" PRId64 ": %s by link failed: %s",
		    t.alert_id, ack_action_name(a), cause);
		api_ack_html_text(req, HTTP_UNAVAILABLE, title,
		    "The pager could not record this; try again.");
		break;
	}
	free(cause);
	free(title);
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
	if (store_event_add(k->api->store, seen.alert_id, now, seen.actor,
	    "callback_replayed", text, &cause) != 0) {
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
	char *cause = NULL;

	if (key == NULL)
		return;
	if (store_hook_add(k->api->store, key, alert_id, actor,
	    clock_now_ms(), ACK_HOOK_KEEP_MS, &cause) != 0) {
		log_warnx("ack: cannot record callback %s: %s", key, cause);
		free(cause);
	}
}
