/* SPDX-License-Identifier: ISC */
/*
 * chan.c: the channel driver registry and what the HTTP drivers share:
 * one POST through xfer, and the reading of its outcome (2xx sent; 408,
 * 429 and 5xx or a network error retried, honouring Retry-After; any
 * other answer permanent).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "clock.h"
#include "hmac.h"
#include "log.h"
#include "xfer.h"
#include "xmalloc.h"

static const struct chan_driver *chan_drivers[] = {
	&chan_console_driver,
	&chan_smtp_driver,
	&chan_twilio_sms_driver,
	&chan_webhook_sms_driver,
	&chan_slack_driver,
	&chan_mattermost_driver,
	&chan_teams_driver,
	&chan_webhook_chat_driver,
	&chan_twilio_voice_driver,
};

static const char *chan_kinds[] = {
	[CHAN_EMAIL] = "email",
	[CHAN_SMS] = "sms",
	[CHAN_CHAT] = "chat",
	[CHAN_VOICE] = "voice",
	[CHAN_CONSOLE] = "console",
};

/* In-flight HTTP send. */
struct chan_http {
	chan_done_cb done;
	void *arg;
	int twilio;
};

/*
 * A channel name (or kind) as pagerd.conf and the people file write it:
 * 1 to 64 lowercase letters, digits, '-' or '_'.
 */
int
chan_name_is_valid(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-' && *s != '_')
			return 0;
	return 1;
}

const struct chan_driver *
chan_driver_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(chan_drivers); i++)
		if (strcmp(chan_drivers[i]->name, name) == 0)
			return chan_drivers[i];
	return NULL;
}

const char *
chan_kind_name(enum chan_kind k)
{
	return chan_kinds[k];
}

/* The kind named s, or -1. */
int
chan_kind_find(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(chan_kinds); i++)
		if (strcmp(chan_kinds[i], s) == 0)
			return (int)i;
	return -1;
}

/*
 * Read an HTTP outcome into r: error is the network error (NULL if an
 * answer came), retry_after the header (or NULL), now_ms the clock.
 */
void
chan_classify_http(long status, const char *error, const char *retry_after,
    int64_t now_ms, struct chan_result *r)
{
	r->code = status;
	r->retry_after_ms = -1;
	r->error = NULL;
	if (error != NULL) {
		r->status = CHAN_RETRY;
		r->error = error;
		return;
	}
	if (status >= 200 && status < 300) {
		r->status = CHAN_SENT;
		return;
	}
	if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
		r->status = CHAN_RETRY;
		r->retry_after_ms = xfer_retry_after_ms(retry_after, now_ms);
	} else
		r->status = CHAN_FAIL;
}

static void
chan_http_done(void *arg, const struct xfer_result *xr)
{
	struct chan_http *ch = arg;
	struct chan_result r;
	json_t *j = NULL, *v;
	char *err = NULL, *sid = NULL, *snip;

	chan_classify_http(xr->status, xr->error, xr->retry_after,
	    clock_now_ms(), &r);
	if (ch->twilio && xr->error == NULL)
		j = json_loadb(xr->body, xr->bodylen, 0, NULL);
	if (r.status == CHAN_SENT && j != NULL &&
	    json_is_string(v = json_object_get(j, "sid")))
		sid = xstrdup(json_string_value(v));
	if (r.status != CHAN_SENT && xr->error == NULL) {
		if (j != NULL && json_is_integer(json_object_get(j, "code")))
			xasprintf(&err, "HTTP %ld: code %lld: %s", xr->status,
			    (long long)json_integer_value(json_object_get(j,
			    "code")), json_string_value(json_object_get(j,
			    "message")) != NULL ? json_string_value(
			    json_object_get(j, "message")) : "");
		else {
			snip = xstrndup(xr->body, 200);
			snip[strcspn(snip, "\r\n")] = '\0';
			xasprintf(&err, "HTTP %ld%s%s", xr->status,
			    *snip != '\0' ? ": " : "", snip);
			free(snip);
		}
		r.error = err;
	}
	r.provider_id = sid;
	json_decref(j);
	ch->done(ch->arg, &r);
	free(err);
	free(sid);
	free(ch);
}

/*
 * POST body to url with cc's timeouts, the given headers and (when user
 * is not NULL) Basic auth.  twilio: read "sid" and error codes from the
 * JSON answer.
 */
int
chan_http_post(const struct conf_chan *cc, const char *url,
    const char *const *headers, const char *body, const char *user,
    int twilio, chan_done_cb done, void *arg)
{
	struct xfer_http req;
	struct chan_http *ch;

	memset(&req, 0, sizeof req);
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.bodylen = strlen(body);
	req.user = user;
	req.password = user != NULL ? cc->secret : NULL;
	req.connect_timeout_ms = cc->connect_timeout_ms;
	req.timeout_ms = cc->timeout_ms;
	req.insecure = !cc->tls_verify;
	req.cafile = cc->ca_file;
	ch = xcalloc(1, sizeof *ch);
	ch->done = done;
	ch->arg = arg;
	ch->twilio = twilio;
	xfer_post(&req, chan_http_done, ch);
	return 0;
}

/*
 * POST a JSON body to cc's url with cc's extra headers and, when a
 * secret is set, a signature: Standard Webhooks (webhook-id,
 * webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>") or a hex HMAC-SHA256 of the body.
 */
int
chan_json_post(const struct conf_chan *cc, const struct chan_page *pg,
    const char *body, chan_done_cb done, void *arg)
{
	const char **hdr;
	char *own[4], *msg, *b64, hex[2 * HMAC_SHA256_LEN + 1];
	uint8_t mac[HMAC_SHA256_LEN];
	size_t n = 0, i, nown = 0;
	long long ts = (long long)(pg->now_ms / 1000);
	int rc;

	for (i = 0; cc->headers != NULL && cc->headers[i] != NULL; i++)
		n++;
	hdr = xcalloc(n + 5, sizeof *hdr);
	n = 0;
	hdr[n++] = "Content-Type: application/json";
	if (cc->secret != NULL && cc->signature == CHAN_SIG_STANDARD) {
		xasprintf(&msg, "%s.%lld.%s", pg->id, ts, body);
		hmac_sha256(cc->secret, cc->secret_len, msg, strlen(msg), mac);
		free(msg);
		b64 = hmac_base64(mac, sizeof mac);
		xasprintf(&own[nown++], "webhook-id: %s", pg->id);
		xasprintf(&own[nown++], "webhook-timestamp: %lld", ts);
		xasprintf(&own[nown++], "%s: v1,%s", cc->signature_header !=
		    NULL ? cc->signature_header : "webhook-signature", b64);
		free(b64);
	} else if (cc->secret != NULL && cc->signature == CHAN_SIG_HEX) {
		hmac_sha256(cc->secret, cc->secret_len, body, strlen(body), mac);
		hmac_hex_encode(mac, sizeof mac, hex);
		xasprintf(&own[nown++], "%s: sha256=%s", cc->signature_header !=
		    NULL ? cc->signature_header : "X-Pagerd-Signature", hex);
	}
	for (i = 0; i < nown; i++)
		hdr[n++] = own[i];
	for (i = 0; cc->headers != NULL && cc->headers[i] != NULL; i++)
		hdr[n++] = cc->headers[i];
	hdr[n] = NULL;
	rc = chan_http_post(cc, cc->url, hdr, body, NULL, 0, done, arg);
	for (i = 0; i < nown; i++)
		free(own[i]);
	free(hdr);
	return rc;
}

/* Hand pg to cc's driver; done runs later unless -1 is returned. */
int
chan_send(const struct conf_chan *cc, const struct chan_page *pg,
    chan_done_cb done, void *arg, char **cause)
{
	if (pg->nalerts == 0 && pg->note == NULL) {
		*cause = xstrdup("nothing to send");
		return -1;
	}
	return cc->driver->send(cc, pg, done, arg, cause);
}

/* Free what cc owns; the struct itself is the caller's. */
void
chan_conf_clear(struct conf_chan *cc)
{
	char **h;

	free(cc->name);
	free(cc->file);
	free(cc->url);
	free(cc->api_url);
	free(cc->account_sid);
	free(cc->username);
	if (cc->secret != NULL) {
		explicit_bzero(cc->secret, cc->secret_len);
		free(cc->secret);
	}
	free(cc->from);
	free(cc->messaging_service_sid);
	free(cc->status_callback);
	free(cc->channel);
	free(cc->helo);
	free(cc->ca_file);
	for (h = cc->headers; h != NULL && *h != NULL; h++)
		free(*h);
	free(cc->headers);
	free(cc->signature_header);
	free(cc->voice);
	free(cc->language);
	free(cc->tpl_subject);
	free(cc->tpl_text);
	free(cc->tpl_body);
	memset(cc, 0, sizeof *cc);
}
