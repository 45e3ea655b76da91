/* SPDX-License-Identifier: ISC */
/*
 * api-hooks.c: provider webhooks under /hooks/: Twilio's delivery status
 * callbacks for SMS and calls.  Each request must carry a valid
 * X-Twilio-Signature under the auth token of one of the configured
 * Twilio channels of that kind (403 otherwise), computed over the
 * public URL (http.public_url + path), since a proxy may sit in front.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "outbox.h"
#include "twilio.h"
#include "xmalloc.h"

#define HOOKS_PARAMS_MAX 128

static void hooks_status(struct evhttp_request *, const struct http_match *,
    void *);

static const struct http_route hooks_routes[] = {
	{ HTTP_POST, "/hooks/sms/twilio/status", 0, hooks_status },
	{ HTTP_POST, "/hooks/voice/twilio/status", 0, hooks_status },
};

void
twilio_hooks_init(struct twilio_hooks *th, struct http *h)
{
	http_add_routes(h, hooks_routes, nitems(hooks_routes), th);
}

/* 0 if the signature matches a Twilio channel of kind under url. */
static int
hooks_check(const struct conf *c, enum chan_kind kind, const char *url,
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

static const char *
hooks_param(const struct twilio_param *p, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	return NULL;
}

/* POST /hooks/{sms,voice}/twilio/status */
static void
hooks_status(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct twilio_hooks *th = arg;
	struct evkeyvalq form;
	struct evkeyval *kv;
	struct twilio_param p[HOOKS_PARAMS_MAX];
	const char *body, *sig, *uri, *base, *id, *status;
	char *copy, *url, *cause = NULL;
	size_t len, n = 0, blen;
	int voice = strncmp(m->path, "/hooks/voice/", 13) == 0;

	if (http_body(req, th->conf, &body, &len) != 0)
		return;
	if ((base = th->conf->http_public_url) == NULL) {
		http_error(req, HTTP_FORBIDDEN, "http.public_url is not set:"
		    " cannot check signatures");
		return;
	}
	copy = xstrndup(body, len);
	TAILQ_INIT(&form);
	if (evhttp_parse_query_str(copy, &form) != 0) {
		free(copy);
		http_error(req, HTTP_BADREQUEST, "bad form body");
		return;
	}
	TAILQ_FOREACH(kv, &form, next) {
		if (n == HOOKS_PARAMS_MAX)
			break;
		p[n].name = kv->key;
		p[n].value = kv->value;
		n++;
	}
	uri = evhttp_request_get_uri(req);
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	xasprintf(&url, "%.*s%s", (int)blen, base, uri);
	sig = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Twilio-Signature");
	if (n == HOOKS_PARAMS_MAX || hooks_check(th->conf, voice ? CHAN_VOICE :
	    CHAN_SMS, url, p, n, sig) != 0) {
		log_warnx("hooks: %s: bad or missing X-Twilio-Signature",
		    m->path);
		http_error(req, HTTP_FORBIDDEN, "bad signature");
		goto out;
	}
	id = hooks_param(p, n, voice ? "CallSid" : "MessageSid");
	status = hooks_param(p, n, voice ? "CallStatus" : "MessageStatus");
	if (id == NULL || status == NULL) {
		http_error(req, HTTP_BADREQUEST, "%s is missing", id == NULL ?
		    (voice ? "CallSid" : "MessageSid") : "the status");
		goto out;
	}
	if (outbox_report(th->outbox, voice ? "voice" : "sms", id, status,
	    hooks_param(p, n, "AnsweredBy"), &cause) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "%s", cause);
		free(cause);
		goto out;
	}
	evhttp_send_reply(req, 204, "No Content", NULL);
out:
	evhttp_clear_headers(&form);
	free(url);
	free(copy);
}
