/* SPDX-License-Identifier: ISC */
/*
 * chan-smtp.c: the e-mail channel.  Builds an RFC 5322 message
 * (chan-msg-mail.c) and hands it to libcurl's SMTP client through xfer:
 * STARTTLS (required) or implicit TLS, optional login.  A 5xx reply is
 * permanent; anything else that fails (4xx, network) is retried.
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "hmac.h"
#include "clock.h"
#include "log.h"
#include "xfer.h"
#include "xmalloc.h"

struct chan_smtp_req {
	chan_done_cb done;
	void *arg;
};

static int chan_smtp_check(const struct conf_chan *, char **);
static int chan_smtp_send(const struct conf_chan *, const struct chan_page *,
    chan_done_cb, void *, char **);

const struct chan_driver chan_smtp_driver = {
	"smtp", CHAN_EMAIL, chan_smtp_check, chan_smtp_send
};

static int
chan_smtp_check(const struct conf_chan *cc, char **cause)
{
	if (cc->url == NULL || (strncmp(cc->url, "smtp://", 7) != 0 &&
	    strncmp(cc->url, "smtps://", 8) != 0)) {
		*cause = xstrdup("url must be smtp://host[:port] or"
		    " smtps://host[:port]");
		return -1;
	}
	if (cc->from == NULL || strchr(cc->from, '@') == NULL) {
		*cause = xstrdup("from must be an e-mail address");
		return -1;
	}
	if (cc->tls == CHAN_TLS_IMPLICIT && strncmp(cc->url, "smtps://", 8))
		*cause = xstrdup("tls \"implicit\" needs an smtps:// url");
	else if (cc->tls != CHAN_TLS_IMPLICIT && !strncmp(cc->url, "smtps", 5))
		*cause = xstrdup("an smtps:// url needs tls \"implicit\"");
	else
		return 0;
	return -1;
}

/* The bare address in "Name <a@b>" (or a@b), for the envelope. */
static char *
chan_smtp_addr(const char *s)
{
	const char *lt = strchr(s, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return xstrndup(lt + 1, gt - lt - 1);
	return xstrdup(s);
}

static void
chan_smtp_done(void *arg, const struct xfer_result *xr)
{
	struct chan_smtp_req *req = arg;
	struct chan_result r;
	char *err = NULL;

	memset(&r, 0, sizeof r);
	r.retry_after_ms = -1;
	r.code = xr->status;
	if (xr->error == NULL)
		r.status = CHAN_SENT;
	else {
		/* 5xx is the server's final no; 4xx and no answer: retry. */
		r.status = xr->status >= 500 && xr->status < 600 ? CHAN_FAIL :
		    CHAN_RETRY;
		if (xr->status != 0)
			xasprintf(&err, "SMTP %ld: %s", xr->status, xr->error);
		else
			err = xstrdup(xr->error);
		r.error = err;
	}
	req->done(req->arg, &r);
	free(err);
	free(req);
}

static int
chan_smtp_send(const struct conf_chan *cc, const struct chan_page *pg,
    chan_done_cb done, void *arg, char **cause)
{
	struct chan_smtp_req *req;
	struct xfer_mail m;
	const char *rcpt[2];
	char *from, *to, *msg, *url, *domain, *at, nonce[17];
	unsigned char rnd[8];
	struct chan_page p;
	size_t n;

	if (pg->to == NULL || strchr(pg->to, '@') == NULL) {
		xasprintf(cause, "\"%s\" is not an e-mail address",
		    pg->to != NULL ? pg->to : "");
		return -1;
	}
	from = chan_smtp_addr(cc->from);
	to = chan_smtp_addr(pg->to);
	at = strchr(from, '@');
	domain = xstrdup(at != NULL ? at + 1 : "pagerd.invalid");
	/* A Message-ID unique anywhere: 64 random bits beside the row. */
	hmac_random(rnd, sizeof rnd);
	for (n = 0; n < sizeof rnd; n++)
		snprintf(nonce + 2 * n, 3, "%02x", rnd[n]);
	p = *pg;
	p.nonce = nonce;
	msg = chan_msg_email(cc, &p, domain);

	/* The URL's path is the EHLO name: always set it. */
	n = strlen(cc->url);
	while (n > 0 && cc->url[n - 1] == '/')
		n--;
	if (strchr(strstr(cc->url, "://") + 3, '/') != NULL &&
	    cc->url[strlen(cc->url) - 1] != '/')
		url = xstrdup(cc->url);
	else
		xasprintf(&url, "%.*s/%s", (int)n, cc->url, cc->helo != NULL ?
		    cc->helo : domain);

	memset(&m, 0, sizeof m);
	rcpt[0] = to;
	rcpt[1] = NULL;
	m.url = url;
	m.starttls = cc->tls == CHAN_TLS_STARTTLS;
	m.insecure = !cc->tls_verify;
	m.cafile = cc->ca_file;
	m.user = cc->username;
	m.password = cc->username != NULL ? cc->secret : NULL;
	m.from = from;
	m.rcpt = rcpt;
	m.msg = msg;
	m.msglen = strlen(msg);
	m.connect_timeout_ms = cc->connect_timeout_ms;
	m.timeout_ms = cc->timeout_ms;
	req = xcalloc(1, sizeof *req);
	req->done = done;
	req->arg = arg;
	xfer_smtp(&m, chan_smtp_done, req);
	free(url);
	free(msg);
	free(domain);
	free(to);
	free(from);
	return 0;
}
