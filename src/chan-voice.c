/* SPDX-License-Identifier: ISC */
/*
 * chan-voice.c: the voice channel: a Twilio-compatible Calls.json with
 * inline TwiML that reads the alert and gathers one keypress (posted to
 * the page's gather_url).  Taking the call request only means "queued":
 * whether a human answered comes later through the status callback
 * (outbox_status()), and a machine answering is not a delivery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "xfer.h"
#include "xmalloc.h"

/* Twilio refuses inline TwiML longer than this. */
#define CHAN_VOICE_TWIML_MAX 4000

static int chan_voice_check(const struct conf_chan *, char **);
static int chan_voice_send(const struct conf_chan *, const struct chan_page *,
    chan_done_cb, void *, char **);

const struct chan_driver chan_twilio_voice_driver = {
	"twilio-voice", CHAN_VOICE, chan_voice_check, chan_voice_send
};

static int
chan_voice_check(const struct conf_chan *cc, char **cause)
{
	return chan_twilio_check(cc, 1, cause);
}

static int
chan_voice_send(const struct conf_chan *cc, const struct chan_page *pg,
    chan_done_cb done, void *arg, char **cause)
{
	char *twiml, *form = NULL, num[16];
	size_t len = 0;
	int rc;

	if (pg->to == NULL || *pg->to == '\0') {
		*cause = xstrdup("no number to call");
		return -1;
	}
	twiml = chan_msg_twiml(cc, pg);
	if (strlen(twiml) > CHAN_VOICE_TWIML_MAX) {
		xasprintf(cause, "TwiML is %zu bytes, over Twilio's %d",
		    strlen(twiml), CHAN_VOICE_TWIML_MAX);
		free(twiml);
		return -1;
	}
	xfer_form_add(&form, &len, "To", pg->to);
	xfer_form_add(&form, &len, "From", cc->from);
	xfer_form_add(&form, &len, "Twiml", twiml);
	if (pg->status_url != NULL)
		xfer_form_add(&form, &len, "StatusCallback", pg->status_url);
	if (cc->ring_timeout > 0) {
		snprintf(num, sizeof num, "%d", cc->ring_timeout);
		xfer_form_add(&form, &len, "Timeout", num);
	}
	if (cc->machine_detection)
		xfer_form_add(&form, &len, "MachineDetection", "Enable");
	rc = chan_twilio_post(cc, "Calls.json", form, done, arg);
	free(twiml);
	return rc;
}
