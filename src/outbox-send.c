/* SPDX-License-Identifier: ISC */
/*
 * outbox-send.c: one message built from its rows and handed to the
 * channel's driver: one entry per alert and event, the ack link of the
 * first page, and the provider callback URLs (status, keypress) under
 * http.public_url.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "conf.h"
#include "log.h"
#include "outbox.h"
#include "outbox-private.h"
#include "store.h"
#include "xmalloc.h"

/* The public callback URLs, from http.public_url; NULL without one. */
static char *
outbox_url(const struct outbox *ob, const char *path)
{
	const char *base = ob->conf->http_public_url;
	char *u;
	size_t n;

	if (base == NULL)
		return NULL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	xasprintf(&u, "%.*s%s", (int)n, base, path);
	return u;
}

/* Hand message s (its rows on disk) to the driver of channel cc. */
void
outbox_send_start(struct outbox *ob, const struct conf_chan *cc,
    struct outbox_send *s, int64_t now)
{
	struct chan_alert *alerts, *first = NULL;
	struct store_note *r0;
	struct chan_page pg;
	struct chan_result r;
	char id[64], *cause = NULL, *status = NULL, *gather = NULL, *q;
	char *more;
	const char *tok, *reason;
	size_t i, j, n = s->n, na = 0, npage = 0;

	/*
	 * One entry per alert and event, even if two rows tell the same
	 * (two rules of the person on one channel); each keeps its own
	 * event, stage and reason.  An ack link only where the event asks
	 * to act.  A note (alert 0) always goes alone (outbox_bundle).
	 */
	alerts = xcalloc(n, sizeof *alerts);
	for (i = 0; i < n && s->rows[0].alert_id != 0; i++) {
		r0 = &s->rows[i];
		for (j = 0; j < na; j++)
			if (alerts[j].id == r0->alert_id &&
			    alerts[j].event == r0->event &&
			    alerts[j].stage == r0->stage)
				break;
		if (j < na)
			continue;
		alerts[na].id = r0->alert_id;
		alerts[na].priority = r0->priority;
		alerts[na].service = r0->service;
		alerts[na].summary = r0->summary;
		alerts[na].created_ms = r0->alert_created_ms;
		alerts[na].links = r0->links;
		alerts[na].client = r0->client;
		alerts[na].client_url = r0->client_url;
		alerts[na].external_url = r0->external_url;
		alerts[na].event = r0->event;
		alerts[na].stage = r0->stage;
		alerts[na].reason = r0->reason;
		if (notify_event_is_page(r0->event)) {
			alerts[na].ack_url = r0->ack_url;
			if (r0->ack_url != NULL && first == NULL)
				first = &alerts[na];
			npage++;
		}
		na++;
	}
	/* The message's reason: its entries' own, when they share one. */
	reason = s->rows[0].reason;
	for (j = 1; j < na && reason != NULL; j++)
		if (alerts[j].reason == NULL ||
		    strcmp(alerts[j].reason, reason) != 0)
			reason = NULL;
	if (cc->driver->kind == CHAN_SMS || cc->driver->kind == CHAN_VOICE) {
		if (cc->status_callback != NULL)
			status = xstrdup(cc->status_callback);
		else
			status = outbox_url(ob, cc->driver->kind == CHAN_SMS ?
			    "/hooks/sms/twilio/status" :
			    "/hooks/voice/twilio/status");
	}
	/* The keypress goes back under the signed token of the first page
	 * (the last segment of its ack link): no link, no keypress.  A
	 * call about several alerts acts on all the person's open pages. */
	if (cc->driver->kind == CHAN_VOICE && first != NULL &&
	    (tok = strrchr(first->ack_url, '/')) != NULL && tok[1] != '\0') {
		xasprintf(&q, "/hooks/voice/twilio/gather/%s%s", tok + 1,
		    npage > 1 ? "?all=1" : "");
		gather = outbox_url(ob, q);
		free(q);
	}
	snprintf(id, sizeof id, "pagerd-n%" PRId64 "-%d", s->rows[0].id,
	    s->rows[0].attempt + 1);
	memset(&pg, 0, sizeof pg);
	pg.id = id;
	pg.to = s->address;
	pg.person = s->rows[0].person;
	pg.reason = na == 0 ? s->rows[0].reason : reason;
	pg.alerts = alerts;
	pg.nalerts = na;
	pg.note = na == 0 ? s->rows[0].body : NULL;
	pg.more_url = more = outbox_url(ob, "/");
	pg.gather_url = gather;
	pg.status_url = status;
	pg.now_ms = now;

	s->started = now;
	if (na == 0)
		log_debug("outbox: sending a note to %s by %s",
		    s->rows[0].person, s->channel);
	else
		log_debug("outbox: sending %zu alert%s to %s by %s", na,
		    na == 1 ? "" : "s", s->rows[0].person, s->channel);
	/* From here s belongs to the driver: done may even run at once. */
	if (chan_send(cc, &pg, outbox_done_cb, s, &cause) != 0) {
		memset(&r, 0, sizeof r);
		r.status = CHAN_FAIL;
		r.error = cause;
		r.retry_after_ms = -1;
		outbox_done_cb(s, &r);
		free(cause);
	}
	free(alerts);
	free(status);
	free(gather);
	free(more);
}
