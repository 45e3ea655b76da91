/* SPDX-License-Identifier: ISC */
/*
 * chan-sms.c: the SMS channels.  twilio-sms posts a form to a
 * Twilio-compatible Messages.json (Basic auth, StatusCallback for
 * delivery reports); webhook-sms posts JSON (a fixed shape or a body
 * template) to any gateway, signed with HMAC-SHA256 when a secret is
 * set.  The text is kept to one segment where possible (chan-msg-sms.c).
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "log.h"
#include "xfer.h"
#include "xmalloc.h"

static int chan_twilio_sms_check(const struct conf_chan *, char **);
static int chan_twilio_sms_send(const struct conf_chan *,
    const struct chan_page *, chan_done_cb, void *, char **);
static int chan_webhook_sms_check(const struct conf_chan *, char **);
static int chan_webhook_sms_send(const struct conf_chan *,
    const struct chan_page *, chan_done_cb, void *, char **);

const struct chan_driver chan_twilio_sms_driver = {
	"twilio-sms", CHAN_SMS, chan_twilio_sms_check, chan_twilio_sms_send
};

const struct chan_driver chan_webhook_sms_driver = {
	"webhook-sms", CHAN_SMS, chan_webhook_sms_check, chan_webhook_sms_send
};

/* What every Twilio-compatible channel needs (SMS and voice). */
int
chan_twilio_check(const struct conf_chan *cc, int voice, char **cause)
{
	if (cc->api_url == NULL)
		*cause = xstrdup("api_url is missing (https://api.twilio.com)");
	else if (cc->account_sid == NULL)
		*cause = xstrdup("account_sid is missing");
	else if (cc->secret == NULL)
		*cause = xstrdup("auth_token_file is missing");
	else if (cc->from == NULL && (voice ||
	    cc->messaging_service_sid == NULL))
		*cause = xstrdup(voice ? "from is missing" :
		    "from or messaging_service_sid is missing");
	else
		return 0;
	return -1;
}

/* api_url + "/2010-04-01/Accounts/<sid>/<what>" */
static char *
chan_twilio_url(const struct conf_chan *cc, const char *what)
{
	char *url;
	size_t n = strlen(cc->api_url);

	while (n > 0 && cc->api_url[n - 1] == '/')
		n--;
	xasprintf(&url, "%.*s/2010-04-01/Accounts/%s/%s", (int)n, cc->api_url,
	    cc->account_sid, what);
	return url;
}

/*
 * POST form (freed) to what ("Messages.json", "Calls.json") under cc's
 * Twilio account, authenticated as it: the transfer's outcome goes to
 * done.
 */
int
chan_twilio_post(const struct conf_chan *cc, const char *what, char *form,
    chan_done_cb done, void *arg)
{
	static const char *hdr[] = { "Accept: application/json", NULL };
	char *url;
	int rc;

	url = chan_twilio_url(cc, what);
	rc = chan_http_post(cc, url, hdr, form, cc->username != NULL ?
	    cc->username : cc->account_sid, 1, done, arg);
	free(url);
	free(form);
	return rc;
}

static int
chan_twilio_sms_check(const struct conf_chan *cc, char **cause)
{
	return chan_twilio_check(cc, 0, cause);
}

static int
chan_twilio_sms_send(const struct conf_chan *cc, const struct chan_page *pg,
    chan_done_cb done, void *arg, char **cause)
{
	char *text, *form = NULL;
	size_t len = 0;
	int rc;

	if (pg->to == NULL || *pg->to == '\0') {
		*cause = xstrdup("no number to send to");
		return -1;
	}
	text = chan_msg_sms(cc, pg);
	xfer_form_add(&form, &len, "To", pg->to);
	if (cc->messaging_service_sid != NULL)
		xfer_form_add(&form, &len, "MessagingServiceSid",
		    cc->messaging_service_sid);
	else
		xfer_form_add(&form, &len, "From", cc->from);
	xfer_form_add(&form, &len, "Body", text);
	if (pg->status_url != NULL)
		xfer_form_add(&form, &len, "StatusCallback", pg->status_url);
	rc = chan_twilio_post(cc, "Messages.json", form, done, arg);
	free(text);
	return rc;
}

static int
chan_webhook_sms_check(const struct conf_chan *cc, char **cause)
{
	if (cc->url == NULL || (strncmp(cc->url, "http://", 7) != 0 &&
	    strncmp(cc->url, "https://", 8) != 0)) {
		*cause = xstrdup("url (or url_file) must be an http(s) URL");
		return -1;
	}
	return 0;
}

static int
chan_webhook_sms_send(const struct conf_chan *cc, const struct chan_page *pg,
    chan_done_cb done, void *arg, char **cause)
{
	char *body;
	int rc;

	body = chan_msg_webhook(cc, pg);
	rc = chan_json_post(cc, pg, body, done, arg);
	free(body);
	return rc;
}
