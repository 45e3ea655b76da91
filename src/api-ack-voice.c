/* SPDX-License-Identifier: ISC */
/*
 * api-ack-voice.c: POST /hooks/voice/twilio/gather/{token}, the key a
 * technician pressed during a call (1 acknowledge, 2 escalate,
 * 3 resolve), answered with what the call says next.
 */
#include <event2/http.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "api.h"
#include "api-ack-private.h"
#include "chan.h"
#include "conf.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "store.h"
#include "twilio.h"
#include "xmalloc.h"

/* <Say> with the voice and language of the first voice channel. */
static char *
api_ack_say(const struct conf *c, const char *text)
{
	const char *voice = "alice", *lang = "en-US";
	char *v, *l, *t, *s;
	size_t i;

	for (i = 0; i < c->nchans; i++) {
		if (c->chans[i].driver == &chan_twilio_voice_driver) {
			if (c->chans[i].voice != NULL)
				voice = c->chans[i].voice;
			if (c->chans[i].language != NULL)
				lang = c->chans[i].language;
			break;
		}
	}
	v = chan_msg_xml_escape(voice);
	l = chan_msg_xml_escape(lang);
	t = chan_msg_xml_escape(text);
	xasprintf(&s, "<Say voice=\"%s\" language=\"%s\">%s</Say>", v, l, t);
	free(v);
	free(l);
	free(t);
	return s;
}

/* The TwiML of saying text, then hanging up. */
static char *
api_ack_gather_inner(const struct conf *c, const char *text)
{
	char *say, *inner;

	say = api_ack_say(c, text);
	xasprintf(&inner, "%s<Hangup/>", say);
	free(say);
	return inner;
}

/* Answer a keypress by voice, then hang up. */
static void
api_ack_gather_say(struct evhttp_request *req, const struct conf *c, int code,
    const char *text)
{
	char *inner = api_ack_gather_inner(c, text);

	api_ack_twiml(req, code, inner);
	free(inner);
}

/*
 * POST /hooks/voice/twilio/gather/{token}: the key pressed during a
 * call: 1 acknowledge, 2 escalate, 3 resolve.  "?all=1" (a call about
 * several alerts) makes 1 acknowledge all the person's open pages.
 */
void
api_ack_gather(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api_ack *k = arg;
	const struct conf *c = k->api->conf;
	struct twilio_form f;
	struct ack_token t;
	const char *digits, *why, *query, *base;
	char *cause = NULL, *text = NULL, *say, *u, *x, *inner, *key = NULL;
	char *fail;
	int64_t *ids = NULL;
	size_t n = 0, i, nok = 0;
	int code, a, all, blen, rc;

	if (api_hooks_form_read(req, c, 1, k->api->throttle, &f) != 0)
		return;
	digits = api_hooks_form_get(&f, "Digits");
	a = digits == NULL || strlen(digits) != 1 ? -1 :
	    digits[0] == '1' ? ACK_ACK : digits[0] == '2' ? ACK_ESCALATE :
	    digits[0] == '3' ? ACK_RESOLVE : -1;
	/* a key that acts, delivered again in the same call: no effect */
	if (a >= 0 && (key = ack_hook_key("voice", api_hooks_form_get(&f,
	    "CallSid"), digits)) != NULL && api_ack_replayed(k, req, key,
	    "voice"))
		goto out;
	if ((rc = api_ack_check(k, req, m->param, "voice", 1, &t, &code,
	    &why)) != 0) {
		if (rc == -1)
			api_ack_gather_say(req, c,
			    code == HTTP_FORBIDDEN ? code : HTTP_OK, why);
		goto out;
	}
	if (a < 0 || (t.actions & ACK_MASK(a)) == 0) {
		/* ask again, posting back here */
		blen = api_ack_base(c, &base);
		xasprintf(&u, "%.*s%s", blen, base,
		    evhttp_request_get_uri(req));
		x = chan_msg_xml_escape(u);
		say = api_ack_say(c, "Press 1 to acknowledge, 2 to escalate,"
		    " 3 to resolve.");
		xasprintf(&inner, "<Gather input=\"dtmf\" numDigits=\"1\""
		    " timeout=\"10\" method=\"POST\" action=\"%s\">%s</Gather>"
		    "<Hangup/>", x, say);
		api_ack_twiml(req, HTTP_OK, inner);
		free(inner);
		free(say);
		free(x);
		free(u);
		goto out;
	}
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	all = a == ACK_ACK && query != NULL && strcmp(query, "all=1") == 0;
	if (all) {
		if (store_ack_pages(k->api->store, t.person, 1, &ids, &n) != 0)
			n = 0;
		for (i = 0; i < n; i++) {
			if (api_ack_do(k, a, ids[i], t.person, "voice",
			    &cause) == ENGINE_OK)
				nok++;
			free(cause);
			cause = NULL;
		}
		api_ack_remember(k, key, n > 0 ? ids[0] : 0, t.person);
		free(ids);
		api_ack_consume(k, &t, a);
		xasprintf(&text, "%zu alert%s acknowledged. Goodbye.", nok,
		    nok == 1 ? "" : "s");
		goto later;
	}
	rc = api_ack_do(k, a, t.alert_id, t.person, "voice", &cause);
	api_ack_remember(k, key, t.alert_id, t.person);
	switch (rc) {
	case ENGINE_OK:
		api_ack_consume(k, &t, a);
		xasprintf(&text, "Alert %" PRId64 " %s. Goodbye.", t.alert_id,
		    a == ACK_ACK ? "acknowledged" : a == ACK_RESOLVE ?
		    "resolved" : "escalated");
		log_info("alert %" PRId64 ": %s by %s via voice", t.alert_id,
		    ack_action_name(a), t.person);
		break;
	case ENGINE_NOT_FOUND:
		xasprintf(&text, "Alert %" PRId64 " no longer exists.",
		    t.alert_id);
		break;
	case ENGINE_CONFLICT:
		xasprintf(&text, "Nothing was changed: %s.", cause);
		break;
	default:
		log_warnx("alert %" PRId64 ": %s by voice failed: %s",
		    t.alert_id, ack_action_name(a), cause);
		xasprintf(&text, "Sorry, that failed. Please try again.");
	}
later:
	/* once what it did is on disk; last: req may be gone after it */
	inner = api_ack_gather_inner(c, text);
	fail = api_ack_gather_inner(c, "Sorry, that failed. Please try"
	    " again.");
	free(key);
	free(text);
	free(cause);
	api_hooks_form_free(&f);
	api_ack_twiml_durable(k, req, inner, fail);
	return;
out:
	free(key);
	free(text);
	free(cause);
	api_hooks_form_free(&f);
}
