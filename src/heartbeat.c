/* SPDX-License-Identifier: ISC */
/*
 * heartbeat.c: heartbeat monitors.  Each configured monitor has one
 * timer, due one interval after its last ping (or after the daemon
 * started watching it).  When the timer fires with no ping since, an
 * alert is raised through the normal intake (dedup key
 * "heartbeat:NAME", so a monitor that stays silent makes one alert, not
 * one a period); a ping records itself durably (at any node) and its
 * caller resolves that alert.
 */
#include <event2/event.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "clock.h"
#include "conf.h"
#include "duration.h"
#include "engine.h"
#include "heartbeat.h"
#include "intake.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct heartbeat {
	struct heartbeats *hbs;
	char *name;
	int64_t last_ping;  /* 0: never */
	int64_t watched_ms; /* when watching began */
	struct event *timer;
};

struct heartbeats {
	struct event_base *base;
	struct store *store;
	struct intake *intake;
	struct engine *engine;
	const struct conf *conf;
	struct heartbeat *list;
	size_t n;
	int standby;	/* another node leads: no deadline (lease.c) */
};

static void heartbeat_timer_cb(evutil_socket_t, short, void *);

/* When a monitor is next due: an interval after its last sign of life. */
int64_t
heartbeat_next_due(int64_t last_ping, int64_t watched, int64_t interval)
{
	return (last_ping > watched ? last_ping : watched) + interval;
}

static const struct heartbeat_conf *
heartbeat_conf_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nheartbeats; i++)
		if (strcmp(c->heartbeats[i].name, name) == 0)
			return &c->heartbeats[i];
	return NULL;
}

static void
heartbeat_arm(struct heartbeat *h, int64_t now)
{
	const struct heartbeat_conf *hc = heartbeat_conf_find(h->hbs->conf,
	    h->name);
	struct timeval tv;
	int64_t wait;

	evtimer_del(h->timer);
	if (hc == NULL || h->hbs->standby)
		return;
	wait = heartbeat_next_due(h->last_ping, h->watched_ms,
	    hc->interval_ms) - now;
	if (wait < 0)
		wait = 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(h->timer, &tv);
}

static void
heartbeat_raised_cb(void *arg, const struct store_raise *r,
    const char *error)
{
	char *name = arg;

	if (r == NULL)
		log_warnx("heartbeat %s: cannot raise its alert: %s", name,
		    error);
	else if (!r->duplicate)
		log_info("heartbeat %s missed: alert %" PRId64, name, r->id);
	free(name);
}

/* The timer: no ping for an interval means the monitored job is silent. */
static void
heartbeat_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct heartbeat *h = arg;
	const struct heartbeat_conf *hc;
	struct alert_new an;
	int64_t now = clock_now_ms(), due;
	char ago[32];

	if ((hc = heartbeat_conf_find(h->hbs->conf, h->name)) == NULL)
		return;
	due = heartbeat_next_due(h->last_ping, h->watched_ms, hc->interval_ms);
	if (now < due) {
		heartbeat_arm(h, now); /* pinged meanwhile */
		return;
	}
	memset(&an, 0, sizeof an);
	xasprintf(&an.dedup_key, "heartbeat:%s", h->name);
	an.service = xstrdup(hc->service);
	an.priority = hc->priority;
	if (hc->summary != NULL)
		an.summary = xstrdup(hc->summary);
	else
		xasprintf(&an.summary, "heartbeat %s missed: no ping for %s",
		    h->name, duration_format(now - (h->last_ping > 0 ?
		    h->last_ping : h->watched_ms), ago, sizeof ago));
	an.source = xstrdup("heartbeat");
	an.integration = xstrdup("heartbeat");
	intake_submit(h->hbs->intake, &an, heartbeat_raised_cb,
	    xstrdup(h->name));
	/* look again an interval from now: a silent job stays one alert */
	h->watched_ms = now;
	h->last_ping = 0;
	heartbeat_arm(h, now);
}

struct heartbeats *
heartbeats_new(struct event_base *base, struct store *store,
    struct intake *intake, struct engine *engine, const struct conf *c)
{
	struct heartbeats *hbs = xcalloc(1, sizeof *hbs);

	hbs->base = base;
	hbs->store = store;
	hbs->intake = intake;
	hbs->engine = engine;
	heartbeats_configure(hbs, c);
	return hbs;
}

static void
heartbeats_clear(struct heartbeat *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		event_free(list[i].timer);
		free(list[i].name);
	}
	free(list);
}

void
heartbeats_free(struct heartbeats *hbs)
{
	if (hbs == NULL)
		return;
	heartbeats_clear(hbs->list, hbs->n);
	free(hbs);
}

/*
 * (Re)build the monitors of conf c.  A monitor keeps its state across a
 * reload; a new one starts from its last stored ping, or from now.
 */
void
heartbeats_configure(struct heartbeats *hbs, const struct conf *c)
{
	struct heartbeat *old = hbs->list, *h;
	size_t nold = hbs->n, i, j;
	int64_t now = clock_now_ms();

	hbs->conf = c;
	hbs->list = c->nheartbeats > 0 ? xcalloc(c->nheartbeats,
	    sizeof *hbs->list) : NULL;
	hbs->n = c->nheartbeats;
	for (i = 0; i < hbs->n; i++) {
		h = &hbs->list[i];
		h->hbs = hbs;
		h->name = xstrdup(c->heartbeats[i].name);
		h->watched_ms = now;
		for (j = 0; j < nold; j++)
			if (strcmp(old[j].name, h->name) == 0)
				break;
		if (j < nold) {
			h->last_ping = old[j].last_ping;
			h->watched_ms = old[j].watched_ms;
		} else
			h->last_ping = store_heartbeat_get(hbs->store, h->name);
		if ((h->timer = evtimer_new(hbs->base, heartbeat_timer_cb,
		    h)) == NULL)
			fatalx("heartbeat: evtimer_new failed");
		heartbeat_arm(h, now);
	}
	heartbeats_clear(old, nold);
}

/*
 * The node leads (on) or stands by (lease.c): only the leader raises
 * an alert for a missed ping.  The leader reads every monitor's last
 * ping again, which any node may have taken.
 */
void
heartbeats_lead(struct heartbeats *hbs, int on)
{
	int64_t now = clock_now_ms(), last;
	size_t i;

	hbs->standby = !on;
	for (i = 0; i < hbs->n; i++) {
		if (on && (last = store_heartbeat_get(hbs->store,
		    hbs->list[i].name)) > hbs->list[i].last_ping)
			hbs->list[i].last_ping = last;
		heartbeat_arm(&hbs->list[i], now);
	}
}

/*
 * A ping of monitor name: recorded before it is answered.  *next_due
 * is when the next ping is due, *open the monitor's open alert (0 if
 * none), which the caller resolves (api_act: at once on the leader, as
 * a command for it on a standby).  Returns -1 with *cause NULL for an
 * unknown name, -1 with *cause set if the store failed.
 */
int
heartbeats_ping(struct heartbeats *hbs, const char *name, int64_t *next_due,
    int64_t *open, char **cause)
{
	const struct heartbeat_conf *hc;
	struct heartbeat *h = NULL;
	int64_t now = clock_now_ms(), id;
	char key[300];
	size_t i;

	*cause = NULL;
	*open = 0;
	for (i = 0; i < hbs->n; i++)
		if (strcmp(hbs->list[i].name, name) == 0)
			h = &hbs->list[i];
	if (h == NULL || (hc = heartbeat_conf_find(hbs->conf, name)) == NULL)
		return -1;
	if (store_heartbeat_ping(hbs->store, name, now, cause) != 0)
		return -1;
	h->last_ping = now;
	heartbeat_arm(h, now);
	*next_due = heartbeat_next_due(h->last_ping, h->watched_ms,
	    hc->interval_ms);
	/* a missed alert queued this turn must be committed to be found */
	intake_flush(hbs->intake);
	snprintf(key, sizeof key, "heartbeat:%s", name);
	if ((id = store_alert_find_open(hbs->store, hc->service, key)) > 0)
		*open = id;
	return 0;
}
