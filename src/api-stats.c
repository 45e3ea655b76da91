/* SPDX-License-Identifier: ISC */
/*
 * api-stats.c: GET /api/v1/stats, the service-level report of a window:
 * MTTA and MTTR (mean and median), SLA attainment per priority and
 * target, breach, closure and escalation rates, how late the breached
 * responses were, first-stage resolution, volume by integration,
 * delivery by channel and the top recurring problems.  The window
 * defaults to the last 7 days.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "api.h"
#include "breach.h"
#include "clock.h"
#include "conf.h"
#include "duration.h"
#include "http.h"
#include "engine.h"
#include "iso8601.h"
#include "metrics.h"
#include "stats.h"
#include "store.h"
#include "log.h"
#include "xmalloc.h"

#define API_STATS_TOP 5

static void api_stats(struct evhttp_request *, const struct http_match *,
    void *);

static void api_metrics(struct evhttp_request *, const struct http_match *,
    void *);

static const struct http_route api_stats_routes[] = {
	{ HTTP_GET, "/api/v1/stats", CONF_ROLE_VIEWER, api_stats },
	{ HTTP_GET, "/metrics", 0, api_metrics },
};

void
api_stats_init(struct api *api, struct http *h)
{
	http_add_routes(h, api_stats_routes, nitems(api_stats_routes), api);
}

static json_t *
api_stats_durations(const struct stats_durations *d)
{
	if (d->n == 0)
		return json_pack("{s:i,s:n,s:n}", "count", 0, "mean_seconds",
		    "median_seconds");
	return json_pack("{s:I,s:f,s:f}", "count", (json_int_t)d->n,
	    "mean_seconds", d->mean_ms / 1000.0, "median_seconds",
	    d->median_ms / 1000.0);
}

/* The breaches of one clock: how many, how many final, how late. */
static json_t *
api_stats_lateness(const struct stats_lateness *l)
{
	if (l->n == 0)
		return json_pack("{s:i,s:i,s:n,s:n,s:n}", "count", 0, "final",
		    0, "late_mean_seconds", "late_median_seconds",
		    "late_max_seconds");
	return json_pack("{s:I,s:I,s:f,s:f,s:f}", "count", (json_int_t)l->n,
	    "final", (json_int_t)l->final, "late_mean_seconds",
	    l->late.mean_ms / 1000.0, "late_median_seconds",
	    l->late.median_ms / 1000.0, "late_max_seconds", l->max_ms / 1000.0);
}

static json_t *
api_stats_rate(size_t a, size_t b)
{
	return b == 0 ? json_null() : json_real(stats_ratio(a, b));
}

/*
 * A channel's pages are the messages it was to send, less those
 * cancelled before they went (the alert was acknowledged meanwhile: not
 * a failure) which are counted apart; the success rate is delivered
 * over those that finished (neither waiting nor in flight).
 */
static void
api_stats_group_cb(const struct store_stats_group *g, void *arg)
{
	json_t *o = arg;
	int64_t pages = g->total - g->cancelled;

	if (strcmp(g->kind, "integration") == 0)
		json_array_append_new(json_object_get(o, "by_integration"),
		    json_pack("{s:s,s:I}", "integration", g->name, "alerts",
		    (json_int_t)g->total));
	else
		json_array_append_new(json_object_get(o, "by_channel"),
		    json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "channel",
		    g->name, "pages", (json_int_t)pages, "delivered",
		    (json_int_t)g->delivered, "failed", (json_int_t)(pages -
		    g->delivered - g->waiting), "waiting",
		    (json_int_t)g->waiting, "cancelled",
		    (json_int_t)g->cancelled, "success_rate",
		    api_stats_rate((size_t)g->delivered,
		    (size_t)(pages - g->waiting))));
}

static void
api_stats_top_cb(const char *service, const char *key, const char *summary,
    int64_t alerts, int64_t posts, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:I,s:I}",
	    "service", service, "dedup_key", key, "summary", summary,
	    "alerts", (json_int_t)alerts, "posts", (json_int_t)posts));
}

/*
 * GET /api/v1/stats?from=&to=&service=&priority=&silenced=: alerts a
 * silence held are counted ("silenced") and left out of SLA attainment
 * unless silenced=include.
 */
static void
api_stats(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api *api = arg;
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	struct store_stats_query q;
	struct evkeyvalq params;
	struct evkeyval *kv;
	struct stats_row *rows = NULL;
	struct breach *breaches = NULL;
	struct stats s;
	json_t *o, *sla, *per, *top, *late;
	char *cause = NULL;
	int64_t now = clock_now_ms();
	size_t n = 0;
	int p, c, have_from = 0, with_silenced = 0;

	memset(&q, 0, sizeof q);
	q.to_ms = now;
	TAILQ_INIT(&params);
	if (query != NULL && evhttp_parse_query_str(query, &params) != 0) {
		http_error(req, HTTP_BADREQUEST, "malformed query string");
		return;
	}
	TAILQ_FOREACH(kv, &params, next) {
		if (strcmp(kv->key, "from") == 0 || strcmp(kv->key, "to") == 0) {
			if (iso8601_parse(kv->value, kv->key[0] == 'f' ?
			    &q.from_ms : &q.to_ms, &cause) != 0) {
				http_error(req, HTTP_BADREQUEST, "%s: %s",
				    kv->key, cause);
				free(cause);
				goto out;
			}
			have_from |= kv->key[0] == 'f';
		} else if (strcmp(kv->key, "service") == 0)
			q.service = kv->value;
		else if (strcmp(kv->key, "priority") == 0) {
			if ((q.priority = alert_priority_parse(kv->value)) < 0) {
				http_error(req, HTTP_BADREQUEST, "priority must"
				    " be one of P1..P4");
				goto out;
			}
		} else if (strcmp(kv->key, "silenced") == 0) {
			if (strcmp(kv->value, "include") == 0)
				with_silenced = 1;
			else if (strcmp(kv->value, "exclude") != 0) {
				http_error(req, HTTP_BADREQUEST, "silenced must"
				    " be include or exclude");
				goto out;
			}
		} else {
			http_error(req, HTTP_BADREQUEST, "unknown parameter"
			    " \"%.64s\"", kv->key);
			goto out;
		}
	}
	if (!have_from)
		q.from_ms = q.to_ms - 7 * DURATION_DAY;
	if (q.from_ms >= q.to_ms) {
		http_error(req, HTTP_BADREQUEST, "from must be before to");
		goto out;
	}
	if (store_stats_rows(api->store, &q, &rows, &n) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
		goto out;
	}
	stats_compute(rows, n, now, with_silenced, &s);
	free(rows);
	if (store_stats_breaches(api->store, &q, &breaches, &n) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
		goto out;
	}
	stats_breaches(breaches, n, now, &s);
	free(breaches);
	late = json_object();
	for (c = 0; c < SLA_NCLOCKS; c++)
		json_object_set_new(late, sla_clock_name(c),
		    api_stats_lateness(&s.lateness[c]));

	sla = json_object();
	for (p = 0; p < 4; p++) {
		per = json_object();
		for (c = 0; c < SLA_NCLOCKS; c++)
			json_object_set_new(per, sla_clock_name(c), json_pack(
			    "{s:I,s:I,s:I,s:o}", "met",
			    (json_int_t)s.sla[p][c].met, "missed",
			    (json_int_t)s.sla[p][c].missed, "open",
			    (json_int_t)s.sla[p][c].open, "attainment",
			    api_stats_rate(s.sla[p][c].met, s.sla[p][c].met +
			    s.sla[p][c].missed)));
		json_object_set_new(sla, alert_priority_name(p + 1), per);
	}
	o = json_pack("{s:o,s:o,s:s?,s:s?,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,"
	    "s:o,s:{s:o,s:o,s:o},s:o,s:[],s:[]}",
	    "from", api_time(q.from_ms, API_TIME_ANY),
	    "to", api_time(q.to_ms, API_TIME_ANY),
	    "service", q.service,
	    "priority", q.priority > 0 ? alert_priority_name(q.priority) : NULL,
	    "alerts", (json_int_t)s.total,
	    "acknowledged", (json_int_t)s.acknowledged,
	    "resolved", (json_int_t)s.resolved,
	    "mtta", api_stats_durations(&s.mtta),
	    "mttr", api_stats_durations(&s.mttr),
	    "sla", sla,
	    "breach_rate", api_stats_rate(s.breached, s.total),
	    "breaches", late,
	    "closure_rate", api_stats_rate(s.resolved, s.total),
	    "escalation",
	    "stage2", api_stats_rate(s.reached_stage[2], s.total),
	    "stage3", api_stats_rate(s.reached_stage[3], s.total),
	    "stage4", api_stats_rate(s.reached_stage[4], s.total),
	    "first_stage_resolution_rate", api_stats_rate(s.resolved_in_stage1,
	    s.resolved),
	    "by_integration", "by_channel");
	top = json_array();
	if (o == NULL || store_stats_groups(api->store, &q, api_stats_group_cb,
	    o) != 0 || store_stats_top(api->store, &q, API_STATS_TOP,
	    api_stats_top_cb, top) != 0) {
		json_decref(o);
		json_decref(top);
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
		goto out;
	}
	json_object_set_new(o, "top_problems", top);
	json_object_set_new(o, "silenced", json_integer((json_int_t)
	    s.silenced));
	json_object_set_new(o, "sla_includes_silenced",
	    json_boolean(with_silenced));
	http_reply_json(req, HTTP_OK, o);
out:
	evhttp_clear_headers(&params);
}

/* Prometheus label values: escape backslash, quote and newline. */
static void
api_metrics_label(struct evbuffer *out, const char *v)
{
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(out, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

struct api_metrics_ctx {
	struct evbuffer *out;
	char kind[16]; /* the family whose HELP was written last */
};

static void
api_metrics_cb(const char *kind, const char *a, const char *b, int64_t n,
    void *arg)
{
	struct api_metrics_ctx *x = arg;
	struct evbuffer *out = x->out;

	/* kind is lent for this call only: keep a copy */
	if (strcmp(x->kind, kind) != 0) {
		snprintf(x->kind, sizeof x->kind, "%s", kind);
		if (strcmp(kind, "alerts") == 0)
			evbuffer_add_printf(out, "# HELP pagerd_alerts Alerts in"
			    " the store by status and priority.\n"
			    "# TYPE pagerd_alerts gauge\n");
		else if (strcmp(kind, "pages") == 0)
			evbuffer_add_printf(out, "# HELP pagerd_pages_total"
			    " Notifications by channel and state.\n"
			    "# TYPE pagerd_pages_total counter\n");
		else
			evbuffer_add_printf(out, "# HELP pagerd_sla_breaches_total"
			    " SLA deadlines missed, by target.\n"
			    "# TYPE pagerd_sla_breaches_total counter\n");
	}
	if (strcmp(kind, "alerts") == 0) {
		evbuffer_add_printf(out, "pagerd_alerts{status=\"");
		api_metrics_label(out, a);
		evbuffer_add_printf(out, "\",priority=\"P%s\"} %lld\n", b,
		    (long long)n);
	} else if (strcmp(kind, "pages") == 0) {
		evbuffer_add_printf(out, "pagerd_pages_total{channel=\"");
		api_metrics_label(out, a);
		evbuffer_add_printf(out, "\",state=\"");
		api_metrics_label(out, b);
		evbuffer_add_printf(out, "\"} %lld\n", (long long)n);
	} else {
		evbuffer_add_printf(out, "pagerd_sla_breaches_total{target=\"");
		api_metrics_label(out, a);
		evbuffer_add_printf(out, "\"} %lld\n", (long long)n);
	}
}

/* GET /metrics: Prometheus text exposition (viewer key unless open). */
static void
api_metrics(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api *api = arg;
	struct api_metrics_ctx x;
	struct evbuffer *out;
	size_t nsil, nquiet;

	if (!api->conf->http_metrics_open &&
	    http_require(req, api->conf, CONF_ROLE_VIEWER, NULL) != 0)
		return;
	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	x.out = out;
	x.kind[0] = '\0';
	/* the store unreachable: the rest, with pagerd_store_up 0 */
	if (store_up(api->store) &&
	    store_metrics(api->store, api_metrics_cb, &x) != 0) {
		evbuffer_free(out);
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
		return;
	}
	evbuffer_add_printf(out, "# HELP pagerd_open_alerts Alerts the"
	    " escalation engine holds.\n# TYPE pagerd_open_alerts gauge\n"
	    "pagerd_open_alerts %zu\n", engine_open_count(api->engine));
	engine_silence_counts(api->engine, clock_now_ms(), &nsil, &nquiet);
	evbuffer_add_printf(out, "# HELP pagerd_silences_active Silences in"
	    " force.\n# TYPE pagerd_silences_active gauge\n"
	    "pagerd_silences_active %zu\n# HELP pagerd_silenced_alerts Open"
	    " alerts a silence keeps from escalating.\n"
	    "# TYPE pagerd_silenced_alerts gauge\npagerd_silenced_alerts %zu\n",
	    nsil, nquiet);
	metrics_http_reply(req, HTTP_OK);
	metrics_write(out);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, NULL, out);
	evbuffer_free(out);
}
