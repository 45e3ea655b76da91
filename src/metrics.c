/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: in-memory counters for the Prometheus exposition: HTTP
 * answers (intake and the rest) by status code, store commit latency as
 * a histogram (to durable, and on the loop), the store's checkpoints,
 * and the event loop's lag.  Counters start at zero when
 * the daemon starts, as Prometheus counters may.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "compat.h"
#include "metrics.h"

#define METRICS_CODES 600

static const double metrics_buckets[] = { 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

/* A latency histogram in seconds, over metrics_buckets. */
struct metrics_hist {
	uint64_t count;
	double sum;
	uint64_t bucket[nitems(metrics_buckets)];
};

/* Why an ack token or provider callback was refused (metrics_refused). */
static const char *metrics_reasons[] = { "forged", "expired", "used",
	"unknown_person", "action_not_allowed", "signature", "other" };

/* Replayed provider callbacks, by kind (metrics_replayed). */
static const char *metrics_replay_kinds[] = { "sms", "voice" };

static struct {
	uint64_t refused[nitems(metrics_reasons)];
	uint64_t throttled;
	uint64_t replayed[nitems(metrics_replay_kinds)];
	uint64_t intake[METRICS_CODES];
	uint64_t other[METRICS_CODES];
	struct metrics_hist commit;
	int64_t lag_ms;
	int64_t lag_max_ms;
	uint64_t cb_sent;      /* integration callbacks delivered */
	uint64_t cb_failed;    /* their failed attempts */
	int64_t cb_pending;    /* rows waiting, as last counted */
	int store_down;        /* the database cannot be reached */
	uint64_t store_errors; /* connections to it lost or refused */
	int standby;           /* another node leads (lease.c) */
	struct metrics_hist loop_commit; /* COMMIT statements on the loop */
	int64_t loop_commit_max_us;
	int64_t wal_frames;    /* in the SQLite WAL after the last commit */
	/* Written by the checkpointing thread: atomics. */
	uint64_t ckpt[2];      /* passive, truncate */
	uint64_t ckpt_us;      /* time they took */
	uint64_t lease_changes; /* times this node led or stood down */
} metrics;

/* Is this request one of the intake paths? */
static int
metrics_is_intake(struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req);

	if (uri == NULL || evhttp_request_get_command(req) != EVHTTP_REQ_POST)
		return 0;
	if (strncmp(uri, "/api/v1/alerts", 14) == 0)
		return uri[14] == '\0' || uri[14] == '?';
	return strncmp(uri, "/v2/enqueue", 11) == 0 ||
	    strncmp(uri, "/api/v1/intake/", 15) == 0 ||
	    strncmp(uri, "/api/v1/heartbeat/", 18) == 0;
}

void
metrics_http_reply(struct evhttp_request *req, int code)
{
	if (code < 0 || code >= METRICS_CODES)
		return;
	if (metrics_is_intake(req))
		metrics.intake[code]++;
	else
		metrics.other[code]++;
}

/* The store's database became reachable (up) or not. */
void
metrics_store_up(int up)
{
	metrics.store_down = !up;
}

/* This node leads (1) or stands by (0); a change is counted. */
void
metrics_role(int leader, int change)
{
	metrics.standby = !leader;
	if (change)
		metrics.lease_changes++;
}

/* A connection to the store's database was lost or refused. */
void
metrics_store_error(void)
{
	metrics.store_errors++;
}

/* Count one observation of us microseconds in h. */
static void
metrics_hist_add(struct metrics_hist *h, int64_t us)
{
	double s = us / 1e6;
	size_t i;

	h->count++;
	h->sum += s;
	for (i = 0; i < nitems(metrics_buckets); i++)
		if (s <= metrics_buckets[i])
			h->bucket[i]++;
}

/* Write h as the Prometheus histogram name, after its HELP and TYPE. */
static void
metrics_hist_write(struct evbuffer *out, const char *name,
    const struct metrics_hist *h)
{
	size_t i;

	for (i = 0; i < nitems(metrics_buckets); i++)
		evbuffer_add_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name,
		    metrics_buckets[i], (unsigned long long)h->bucket[i]);
	evbuffer_add_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n"
	    "%s_count %llu\n", name, (unsigned long long)h->count, name, h->sum,
	    name, (unsigned long long)h->count);
}

/* One COMMIT took us microseconds. */
void
metrics_commit(int64_t us)
{
	metrics_hist_add(&metrics.commit, us);
}

/*
 * One COMMIT statement took us microseconds on the event loop (the
 * write of its frames, not the sync that makes it durable).
 */
void
metrics_commit_loop(int64_t us)
{
	metrics_hist_add(&metrics.loop_commit, us);
	if (us > metrics.loop_commit_max_us)
		metrics.loop_commit_max_us = us;
}

/* The last commit left frames frames in the store's WAL (SQLite). */
void
metrics_wal_frames(int64_t frames)
{
	metrics.wal_frames = frames;
}

/*
 * A checkpoint of the store's WAL (truncate: the TRUNCATE that bounds
 * it) took us microseconds.  From any thread.
 */
void
metrics_checkpoint(int truncate, int64_t us)
{
	__atomic_add_fetch(&metrics.ckpt[truncate != 0], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&metrics.ckpt_us, (uint64_t)us, __ATOMIC_RELAXED);
}

/* A timer that should have fired now fired ms late. */
void
metrics_loop_lag(int64_t ms)
{
	metrics.lag_ms = ms;
	if (ms > metrics.lag_max_ms)
		metrics.lag_max_ms = ms;
}

/*
 * A bad ack token or provider callback was refused, for reason (one of
 * metrics_reasons[]; anything else counts as "other").
 */
void
metrics_refused(const char *reason)
{
	size_t i;

	for (i = 0; i < nitems(metrics_reasons) - 1; i++)
		if (strcmp(reason, metrics_reasons[i]) == 0)
			break;
	metrics.refused[i]++;
}

/* A request was answered 429: its address sent too many bad ones. */
void
metrics_throttled(void)
{
	metrics.throttled++;
}

/* A provider callback of kind ("sms", "voice") came again: no effect. */
void
metrics_replayed(const char *kind)
{
	size_t i;

	for (i = 0; i < nitems(metrics_replay_kinds); i++)
		if (strcmp(kind, metrics_replay_kinds[i]) == 0)
			metrics.replayed[i]++;
}

/* An integration callback delivered (ok) or an attempt failed. */
void
metrics_callback(int ok)
{
	if (ok)
		metrics.cb_sent++;
	else
		metrics.cb_failed++;
}

/* How many integration callbacks wait, as the sender last counted. */
void
metrics_callback_pending(int64_t n)
{
	metrics.cb_pending = n;
}

#define METRICS_PROBE_MS 1000

static struct event *metrics_probe;
static int64_t metrics_probe_due;

static void
metrics_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { METRICS_PROBE_MS / 1000, 0 };
	int64_t now = clock_mono_ms();

	metrics_loop_lag(now > metrics_probe_due ? now - metrics_probe_due : 0);
	metrics_probe_due = now + METRICS_PROBE_MS;
	evtimer_add(metrics_probe, &tv);
}

/*
 * Start the event-loop probe: a timer due every second whose lateness
 * is the loop's lag (how long a ready event waits behind others).
 */
void
metrics_init(struct event_base *base)
{
	struct timeval tv = { METRICS_PROBE_MS / 1000, 0 };

	if ((metrics_probe = evtimer_new(base, metrics_probe_cb, NULL)) == NULL)
		return;
	metrics_probe_due = clock_mono_ms() + METRICS_PROBE_MS;
	evtimer_add(metrics_probe, &tv);
}

void
metrics_free(void)
{
	if (metrics_probe != NULL)
		event_free(metrics_probe);
	metrics_probe = NULL;
}

/* A counter with one label: a line per value of the label, n of them. */
static void
metrics_labelled(struct evbuffer *out, const char *name, const char *label,
    const char **values, const uint64_t *counts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		evbuffer_add_printf(out, "%s{%s=\"%s\"} %llu\n", name, label,
		    values[i], (unsigned long long)counts[i]);
}

/* Append the in-memory metrics in Prometheus text format. */
void
metrics_write(struct evbuffer *out)
{
	int c;

	evbuffer_add_printf(out, "# HELP pagerd_http_requests_total HTTP"
	    " requests answered, by kind (intake or api) and status.\n"
	    "# TYPE pagerd_http_requests_total counter\n");
	for (c = 0; c < METRICS_CODES; c++) {
		if (metrics.intake[c] != 0)
			evbuffer_add_printf(out, "pagerd_http_requests_total"
			    "{kind=\"intake\",code=\"%d\"} %llu\n", c,
			    (unsigned long long)metrics.intake[c]);
		if (metrics.other[c] != 0)
			evbuffer_add_printf(out, "pagerd_http_requests_total"
			    "{kind=\"api\",code=\"%d\"} %llu\n", c,
			    (unsigned long long)metrics.other[c]);
	}
	evbuffer_add_printf(out, "# HELP pagerd_callbacks_refused_total Ack"
	    " tokens and provider callbacks refused, by reason.\n"
	    "# TYPE pagerd_callbacks_refused_total counter\n");
	metrics_labelled(out, "pagerd_callbacks_refused_total", "reason",
	    metrics_reasons, metrics.refused, nitems(metrics_reasons));
	evbuffer_add_printf(out, "# HELP pagerd_callbacks_throttled_total"
	    " Requests answered 429 because their address sent too many bad"
	    " tokens or signatures.\n"
	    "# TYPE pagerd_callbacks_throttled_total counter\n"
	    "pagerd_callbacks_throttled_total %llu\n",
	    (unsigned long long)metrics.throttled);
	evbuffer_add_printf(out, "# HELP pagerd_callbacks_replayed_total"
	    " Signed provider callbacks delivered again, answered without"
	    " effect.\n"
	    "# TYPE pagerd_callbacks_replayed_total counter\n");
	metrics_labelled(out, "pagerd_callbacks_replayed_total", "kind",
	    metrics_replay_kinds, metrics.replayed,
	    nitems(metrics_replay_kinds));
	evbuffer_add_printf(out, "# HELP"
	    " pagerd_integration_callbacks_sent_total State changes of alerts delivered to their integration's"
	    " callback.\n"
	    "# TYPE pagerd_integration_callbacks_sent_total counter\n"
	    "pagerd_integration_callbacks_sent_total %llu\n"
	    "# HELP pagerd_integration_callbacks_failed_total Attempts to"
	    " post to an integration's callback that failed (and are"
	    " retried).\n"
	    "# TYPE pagerd_integration_callbacks_failed_total counter\n"
	    "pagerd_integration_callbacks_failed_total %llu\n"
	    "# HELP pagerd_integration_callbacks_pending State changes"
	    " waiting to be delivered to integrations' callbacks.\n"
	    "# TYPE pagerd_integration_callbacks_pending gauge\n"
	    "pagerd_integration_callbacks_pending %lld\n",
	    (unsigned long long)metrics.cb_sent,
	    (unsigned long long)metrics.cb_failed,
	    (long long)metrics.cb_pending);
	evbuffer_add_printf(out, "# HELP pagerd_store_up Whether the store's"
	    " database can be reached (1) or not (0).\n"
	    "# TYPE pagerd_store_up gauge\n"
	    "pagerd_store_up %d\n"
	    "# HELP pagerd_store_errors_total Connections to the store's"
	    " database lost or refused.\n"
	    "# TYPE pagerd_store_errors_total counter\n"
	    "pagerd_store_errors_total %llu\n", !metrics.store_down,
	    (unsigned long long)metrics.store_errors);
	evbuffer_add_printf(out, "# HELP pagerd_leader Whether this node"
	    " leads (1: it runs escalations and sends) or stands by (0).\n"
	    "# TYPE pagerd_leader gauge\n"
	    "pagerd_leader %d\n"
	    "# HELP pagerd_lease_changes_total Times this node took the"
	    " leader's lease or stood down.\n"
	    "# TYPE pagerd_lease_changes_total counter\n"
	    "pagerd_lease_changes_total %llu\n", !metrics.standby,
	    (unsigned long long)metrics.lease_changes);
	evbuffer_add_printf(out, "# HELP pagerd_store_commit_seconds Time"
	    " each store transaction took to commit.\n"
	    "# TYPE pagerd_store_commit_seconds histogram\n");
	metrics_hist_write(out, "pagerd_store_commit_seconds", &metrics.commit);
	evbuffer_add_printf(out, "# HELP pagerd_store_commit_loop_seconds"
	    " Time the event loop spent in each COMMIT statement (its sync"
	    " is not counted: see pagerd_store_commit_seconds).\n"
	    "# TYPE pagerd_store_commit_loop_seconds histogram\n");
	metrics_hist_write(out, "pagerd_store_commit_loop_seconds",
	    &metrics.loop_commit);
	evbuffer_add_printf(out, "# HELP pagerd_store_commit_loop_max_seconds"
	    " The longest COMMIT statement on the event loop.\n"
	    "# TYPE pagerd_store_commit_loop_max_seconds gauge\n"
	    "pagerd_store_commit_loop_max_seconds %.6f\n",
	    metrics.loop_commit_max_us / 1e6);
	evbuffer_add_printf(out, "# HELP pagerd_store_checkpoints_total"
	    " Checkpoints of the SQLite store's WAL into its database file,"
	    " by kind (truncate: the WAL had grown past its bound).\n"
	    "# TYPE pagerd_store_checkpoints_total counter\n"
	    "pagerd_store_checkpoints_total{kind=\"passive\"} %llu\n"
	    "pagerd_store_checkpoints_total{kind=\"truncate\"} %llu\n"
	    "# HELP pagerd_store_checkpoint_seconds_total Time spent"
	    " checkpointing (off the event loop once it runs).\n"
	    "# TYPE pagerd_store_checkpoint_seconds_total counter\n"
	    "pagerd_store_checkpoint_seconds_total %.6f\n"
	    "# HELP pagerd_store_wal_frames Frames (pages) in the SQLite"
	    " store's WAL after the last commit; it starts again from 0"
	    " once a checkpoint copied them all.\n"
	    "# TYPE pagerd_store_wal_frames gauge\n"
	    "pagerd_store_wal_frames %lld\n",
	    (unsigned long long)__atomic_load_n(&metrics.ckpt[0],
	    __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&metrics.ckpt[1],
	    __ATOMIC_RELAXED),
	    __atomic_load_n(&metrics.ckpt_us, __ATOMIC_RELAXED) / 1e6,
	    (long long)metrics.wal_frames);
	evbuffer_add_printf(out, "# HELP pagerd_event_loop_lag_seconds How late"
	    " the last event-loop probe timer fired.\n"
	    "# TYPE pagerd_event_loop_lag_seconds gauge\n"
	    "pagerd_event_loop_lag_seconds %.3f\n"
	    "# HELP pagerd_event_loop_lag_max_seconds The largest lag seen.\n"
	    "# TYPE pagerd_event_loop_lag_max_seconds gauge\n"
	    "pagerd_event_loop_lag_max_seconds %.3f\n",
	    metrics.lag_ms / 1000.0, metrics.lag_max_ms / 1000.0);
}
