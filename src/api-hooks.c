/* SPDX-License-Identifier: ISC */
/*
 * api-hooks.c: provider webhooks under /hooks/: Twilio's delivery status
 * callbacks for SMS and calls, and the signed form reading that the
 * inbound SMS and keypress hooks (api-ack-sms.c, api-ack-voice.c)
 * share.  Each request must carry a valid X-Twilio-Signature under
 * the auth token of one of the configured Twilio channels of that kind
 * (403 otherwise), computed over the public URL (http.public_url +
 * path), since a proxy may sit in front.
 *
 * A delivery report that reaches a standby node is written as a
 * command for the leader (command.c) and answered 204 once committed:
 * a failed delivery may fail the page over to the next channel, which
 * only the leader's outbox may decide and send, so the standby does
 * not write the outbox row itself.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "clock.h"
#include "command.h"
#include "conf.h"
#include "durable.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "store.h"
#include "twilio.h"
#include "xmalloc.h"

#define HOOKS_PARAMS_MAX 128

static void api_hooks_status(struct evhttp_request *,
    const struct http_match *, void *);

static const struct http_route api_hooks_routes[] = {
	{ HTTP_POST, "/hooks/sms/twilio/status", 0, api_hooks_status },
	{ HTTP_POST, "/hooks/voice/twilio/status", 0, api_hooks_status },
};

void
api_hooks_init(struct api_hooks *th, struct http *h)
{
	http_add_routes(h, api_hooks_routes, nitems(api_hooks_routes), th);
}

/* 0 if the signature matches a Twilio channel of kind under url. */
static int
api_hooks_check(const struct conf *c, enum chan_kind kind, const char *url,
    const struct twilio_param *p, size_t n, const char *sig)
{
	const struct conf_chan *cc;
	size_t i;

	for (i = 0; i < c->nchans; i++) {
		cc = &c->chans[i];
		if (cc->driver->kind != kind || cc->secret == NULL ||
		    (cc->driver != &chan_twilio_sms_driver &&
		    cc->driver != &chan_twilio_voice_driver))
			continue;
		if (twilio_verify(cc->secret, cc->secret_len, url, p, n,
		    sig) == 0)
			return 0;
	}
	return -1;
}

/*
 * Read the form of a Twilio webhook into f and check its signature
 * under the Twilio channels of one kind (voice: calls, else SMS), over
 * http.public_url + the request URI.  0, or -1 when the request was
 * already answered (413, 400, 403, or 429 when its address sent too
 * many bad signatures: see http_refuse); nothing must change then.
 */
int
api_hooks_form_read(struct evhttp_request *req, const struct conf *c, int voice,
    struct throttle *throttle, struct twilio_form *f)
{
	const char *body, *sig, *uri, *base;
	char *url, *what, logbuf[256];
	size_t len, blen;
	int rc;

	memset(f, 0, sizeof *f);
	if (http_body(req, c, &body, &len) != 0)
		return -1;
	if ((base = c->http_public_url) == NULL) {
		http_error(req, HTTP_FORBIDDEN, "http.public_url is not set:"
		    " cannot check signatures");
		return -1;
	}
	if (api_hooks_form_parse(body, len, f) != 0) {
		http_error(req, HTTP_BADREQUEST, "bad form body");
		return -1;
	}
	uri = evhttp_request_get_uri(req);
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	xasprintf(&url, "%.*s%s", (int)blen, base, uri);
	sig = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Twilio-Signature");
	rc = f->truncated || api_hooks_check(c, voice ? CHAN_VOICE : CHAN_SMS,
	    url, f->p, f->n, sig);
	free(url);
	if (rc != 0) {
		api_hooks_form_free(f);
		xasprintf(&what, "hooks: %s: bad or missing X-Twilio-Signature",
		    http_redact_uri(evhttp_uri_get_path(
		    evhttp_request_get_evhttp_uri(req)), logbuf, sizeof logbuf));
		rc = http_refuse(req, throttle, 1, "signature", what);
		free(what);
		if (rc == 0)
			http_error(req, HTTP_FORBIDDEN, "bad signature");
		return -1;
	}
	return 0;
}

/*
 * Parse a form body (application/x-www-form-urlencoded) into f, its
 * first HOOKS_PARAMS_MAX parameters (f->truncated if there were more:
 * such a form is not checked, since its signature would be over a part).
 * 0, or -1 if it is not a form (f is then empty).  No network: the
 * fuzzers call it.
 */
int
api_hooks_form_parse(const char *body, size_t len, struct twilio_form *f)
{
	struct evkeyval *kv;

	memset(f, 0, sizeof *f);
	f->copy = xstrndup(body, len);
	f->q = xcalloc(1, sizeof *f->q);
	TAILQ_INIT(f->q);
	if (evhttp_parse_query_str(f->copy, f->q) != 0) {
		api_hooks_form_free(f);
		return -1;
	}
	TAILQ_FOREACH(kv, f->q, next) {
		if (f->n == HOOKS_PARAMS_MAX) {
			f->truncated = 1;
			break;
		}
		f->p = xreallocarray(f->p, f->n + 1, sizeof *f->p);
		f->p[f->n].name = kv->key;
		f->p[f->n].value = kv->value;
		f->n++;
	}
	return 0;
}

/* The first value of parameter name, or NULL. */
const char *
api_hooks_form_get(const struct twilio_form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->p[i].name, name) == 0)
			return f->p[i].value;
	return NULL;
}

void
api_hooks_form_free(struct twilio_form *f)
{
	if (f->q != NULL) {
		evhttp_clear_headers(f->q);
		free(f->q);
	}
	free(f->p);
	free(f->copy);
	memset(f, 0, sizeof *f);
}

/*
 * On a standby: write the report of provider id (status, and who
 * answered if said) as a command for the leader.  0 once committed, or
 * -1 with *cause.
 */
static int
api_hooks_status_command(struct api_hooks *th, int voice, const char *id,
    const char *status, const char *answered_by, char **cause)
{
	struct store_command c;
	int64_t cid;

	if (th->commands == NULL) {
		*cause = xstrdup("this node stands by");
		return -1;
	}
	memset(&c, 0, sizeof c);
	c.kind = STORE_CMD_REPORT;
	c.actor = (char *)(answered_by != NULL ? answered_by : "");
	c.for_whom = (char *)status;
	c.via = (char *)(voice ? "voice" : "sms");
	c.text = (char *)id;
	c.created_ms = clock_now_ms();
	return command_send(th->commands, &c, &cid, cause);
}

/* The report is on disk (STORE_DURABLE), or not: answer the provider. */
static void
api_hooks_status_done(void *arg, int ok)
{
	struct evhttp_request *req = arg;

	if (ok != STORE_DURABLE) {
		/* the provider delivers it again later */
		http_error(req, HTTP_UNAVAILABLE, "the store cannot write to"
		    " disk");
		return;
	}
	metrics_http_reply(req, 204);
	evhttp_send_reply(req, 204, "No Content", NULL);
}

/*
 * POST /hooks/{sms,voice}/twilio/status: answered 204 once the report
 * is on disk, without the loop waiting for it (durable.c): a storm of
 * SMS pages brings one report per message.
 */
static void
api_hooks_status(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api_hooks *th = arg;
	struct twilio_form f;
	const char *id, *status;
	char *cause = NULL;
	int voice = strncmp(m->path, "/hooks/voice/", 13) == 0;

	if (api_hooks_form_read(req, th->conf, voice, th->throttle, &f) != 0)
		return;
	id = api_hooks_form_get(&f, voice ? "CallSid" : "MessageSid");
	status = api_hooks_form_get(&f, voice ? "CallStatus" : "MessageStatus");
	if (id == NULL || status == NULL) {
		http_error(req, HTTP_BADREQUEST, "%s is missing", id == NULL ?
		    (voice ? "CallSid" : "MessageSid") : "the status");
		goto out;
	}
	if (th->outbox == NULL) {
		/* a standby (lease.c): for the leader to carry out */
		if (api_hooks_status_command(th, voice, id, status,
		    api_hooks_form_get(&f, "AnsweredBy"), &cause) != 0) {
			http_error(req, HTTP_UNAVAILABLE, "%s", cause);
			free(cause);
			goto out;
		}
	} else if (outbox_report(th->outbox, voice ? "voice" : "sms", id,
	    status, api_hooks_form_get(&f, "AnsweredBy"), &cause) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "%s", cause);
		free(cause);
		goto out;
	}
	api_hooks_form_free(&f);
	/* last: req may be answered, and gone, before this returns */
	durable_then(th->store, api_hooks_status_done, req);
	return;
out:
	api_hooks_form_free(&f);
}
