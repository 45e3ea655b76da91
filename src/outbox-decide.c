/* SPDX-License-Identifier: ISC */
/*
 * outbox-decide.c: the outbox's decisions as pure functions of their
 * inputs (time and randomness are parameters), so unit tests drive them
 * with a fake clock: backoff with jitter, what an outcome leads to, rate
 * limits, bundling, routing a rule to a channel and address, and the
 * meaning of a provider's delivery report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "conf.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

static int
outbox_cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Delay before retry number attempt (1 = the first retry): backoff
 * doubled each time, capped at backoff_max, with "equal jitter" (half
 * fixed, half random from rnd) so a provider outage does not end in a
 * thundering herd.  A Retry-After from the provider is a floor; one past
 * backoff_max means giving up on this channel (-1): a page that waits an
 * hour is worse than the next channel now.
 */
int64_t
outbox_backoff(const struct conf_chan *cc, int attempt, int64_t retry_after,
    uint32_t rnd)
{
	int64_t d = cc->backoff_ms, half;
	int i;

	if (retry_after > cc->backoff_max_ms)
		return -1;
	for (i = 1; i < attempt && d < cc->backoff_max_ms; i++)
		d *= 2;
	if (d > cc->backoff_max_ms)
		d = cc->backoff_max_ms;
	half = d / 2;
	d = half + (half > 0 ? (int64_t)(rnd % (uint64_t)(half + 1)) : 0);
	if (retry_after > d)
		d = retry_after;
	return d;
}

/*
 * After a send that was attempt number attempts (1-based) on this
 * channel, with outcome r: done, retry after *delay, or fail over.
 */
enum outbox_next
outbox_decide(const struct conf_chan *cc, int attempts,
    const struct chan_result *r, uint32_t rnd, int64_t *delay)
{
	*delay = 0;
	if (r->status == CHAN_SENT)
		return OUTBOX_DONE;
	if (r->status == CHAN_FAIL || attempts >= cc->max_attempts)
		return OUTBOX_FAILOVER;
	*delay = outbox_backoff(cc, attempts, r->retry_after_ms, rnd);
	return *delay < 0 ? OUTBOX_FAILOVER : OUTBOX_RETRY;
}

/*
 * The earliest instant a new send may go to an address that was sent
 * to at the n instants in sent (any order) under limit sends per window:
 * now if fewer than limit fall in (now - window, now], else when the
 * oldest of the last limit ones leaves the window.  limit 0: no limit.
 */
int64_t
outbox_rate_next(const int64_t *sent, size_t n, int limit, int64_t window,
    int64_t now)
{
	int64_t *in, next;
	size_t i, k = 0;

	if (limit <= 0 || n == 0)
		return now;
	in = xcalloc(n, sizeof *in);
	for (i = 0; i < n; i++)
		if (sent[i] > now - window && sent[i] <= now)
			in[k++] = sent[i];
	if (k < (size_t)limit) {
		free(in);
		return now;
	}
	/* The limit-th most recent send leaving the window frees a slot. */
	qsort(in, k, sizeof *in, outbox_cmp_desc);
	next = in[limit - 1] + window;
	free(in);
	return next;
}

/*
 * Where rule r sends for a person with contacts ct: the configured
 * channel named r->channel, or else the first of that kind; the address
 * is the contact for the channel's kind (chat: the handle, or "" for
 * the webhook's own room; console: the person).  -1 if the channel does
 * not exist or the person has no contact for it.
 */
int
outbox_route(const struct conf *c, const struct outbox_rule *r,
    const struct outbox_contact *ct, const char *person,
    struct outbox_route *out)
{
	const struct conf_chan *cc;
	int kind;
	size_t i;

	memset(out, 0, sizeof *out);
	if ((cc = conf_chan_find(c, r->channel)) == NULL) {
		if ((kind = chan_kind_find(r->channel)) == -1)
			return -1;
		for (i = 0; i < c->nchans; i++)
			if ((int)c->chans[i].driver->kind == kind)
				break;
		if (i == c->nchans)
			return -1;
		cc = &c->chans[i];
	}
	out->chan = cc;
	switch (cc->driver->kind) {
	case CHAN_EMAIL:
		out->address = ct->email;
		break;
	case CHAN_SMS:
		out->address = ct->sms;
		break;
	case CHAN_VOICE:
		out->address = ct->voice;
		break;
	case CHAN_CHAT:
		out->address = ct->chat != NULL ? ct->chat : "";
		break;
	case CHAN_CONSOLE:
		out->address = person;
		break;
	}
	return out->address != NULL && (*out->address != '\0' ||
	    cc->driver->kind == CHAN_CHAT) ? 0 : -1;
}

/*
 * How many rows from start (rows come grouped by channel and address)
 * go out together as one message: those with the same channel and
 * address, at most max.  A note (alert 0) goes alone, and is not
 * bundled into a page either.
 */
size_t
outbox_bundle(const struct store_note *rows, size_t n, size_t start,
    size_t max)
{
	size_t i;

	if (rows[start].alert_id == 0)
		return 1;
	for (i = start + 1; i < n && i - start < max; i++)
		if (strcmp(rows[i].channel, rows[start].channel) != 0 ||
		    strcmp(rows[i].address, rows[start].address) != 0 ||
		    rows[i].alert_id == 0)
			break;
	return i - start;
}

/*
 * A provider's delivery report for a voice call (voice 1) or an SMS:
 * a call counts as delivered only when completed and answered by a
 * human (or AMD was off); a machine, busy, no answer or a failure is a
 * failed step.  SMS: delivered or read; failed or undelivered.
 */
enum outbox_report
outbox_report_map(int voice, const char *status, const char *answered_by,
    const char *error_code)
{
	if (status == NULL)
		return OUTBOX_REPORT_NONE;
	if (voice) {
		if (strcmp(status, "completed") == 0 ||
		    strcmp(status, "in-progress") == 0) {
			if (answered_by != NULL &&
			    (strncmp(answered_by, "machine", 7) == 0 ||
			    strcmp(answered_by, "fax") == 0))
				return OUTBOX_REPORT_FAILED;
			return strcmp(status, "completed") == 0 ?
			    OUTBOX_REPORT_DELIVERED : OUTBOX_REPORT_NONE;
		}
		if (strcmp(status, "busy") == 0 ||
		    strcmp(status, "no-answer") == 0 ||
		    strcmp(status, "failed") == 0 ||
		    strcmp(status, "canceled") == 0)
			return OUTBOX_REPORT_FAILED;
		return OUTBOX_REPORT_NONE;
	}
	if (strcmp(status, "delivered") == 0 || strcmp(status, "read") == 0)
		return OUTBOX_REPORT_DELIVERED;
	if (strcmp(status, "failed") == 0 ||
	    strcmp(status, "undelivered") == 0 ||
	    strcmp(status, "canceled") == 0)
		return OUTBOX_REPORT_FAILED;
	return OUTBOX_REPORT_NONE;
}
