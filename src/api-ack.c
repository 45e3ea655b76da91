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
 * This file has the links; what links and provider hooks share (token
 * checks, the action, TwiML answers, replays) is api-ack-act.c, the SMS
 * hook api-ack-sms.c and the keypress hook api-ack-voice.c.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
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
#include "durable.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "oncall.h"
#include "people.h"
#include "store.h"
#include "xmalloc.h"

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

/* A link's page waiting for the change it tells of to be on disk. */
struct api_ack_page {
	struct evhttp_request *req;
	char *title;
	char *text;
};

static void
api_ack_page_cb(void *arg, int ok)
{
	struct api_ack_page *p = arg;

	if (ok == STORE_DURABLE)
		api_ack_html_text(p->req, HTTP_OK, p->title, p->text);
	else
		api_ack_html_text(p->req, HTTP_UNAVAILABLE, p->title,
		    "The pager could not record this; try again.");
	free(p->title);
	free(p->text);
	free(p);
}

/* GET /ack/{token}: show what the link is about; never act. */
/*
 * The token of a link: 0 with *t filled in; else -1, and the page that
 * says why is the answer.
 */
static int
api_ack_link_token(struct api_ack *k, struct evhttp_request *req,
    const char *tok, struct ack_token *t)
{
	const char *why;
	int code, rc;

	if ((rc = api_ack_check(k, req, tok, "link", 0, t, &code, &why)) == 0)
		return 0;
	if (rc == -1)
		api_ack_html_text(req, code, code == HTTP_UNAVAILABLE ?
		    "Try again" : "Link refused", why);
	return -1;
}

static void
api_ack_get(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api_ack *k = arg;
	struct ack_token t;
	struct alert *a;
	const struct person *p;
	char *sum, *svc, *name, *b, buttons[512];
	size_t len = 0;

	if (api_ack_link_token(k, req, m->param, &t) != 0)
		return;
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

/* POST /ack/{token}: the button on the confirmation page. */
static void
api_ack_post(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api_ack *k = arg;
	struct api_ack_page *p;
	struct ack_token t;
	const char *body;
	char *cause = NULL, *title, *text;
	size_t len;
	int a;

	if (http_body(req, k->api->conf, &body, &len) != 0)
		return;
	if (api_ack_link_token(k, req, m->param, &t) != 0)
		return;
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
		log_info("alert %" PRId64 ": %s by %s via link", t.alert_id,
		    ack_action_name(a), t.person);
		p = xcalloc(1, sizeof *p);
		p->req = req;
		p->title = title;
		xasprintf(&p->text, "%s alert #%" PRId64 ". Everyone else who"
		    " was paged has been told.", api_ack_action_done(a),
		    t.alert_id);
		free(cause);
		/* answered once on disk; last: req may be gone after it */
		durable_then(k->api->store, api_ack_page_cb, p);
		return;
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
