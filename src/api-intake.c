/* SPDX-License-Identifier: ISC */
/*
 * api-intake.c: drop-in intake for tools that already page someone:
 * POST /v2/enqueue speaks PagerDuty's Events API v2 (trigger,
 * acknowledge, resolve by dedup_key; the routing key is an integration
 * key), POST /v2/change/enqueue takes its change events (kept for the
 * key's service, shown beside that service's alerts), and POST
 * /api/v1/intake/alertmanager takes Prometheus
 * Alertmanager's webhook.  Both answer only after what they change is
 * committed, and both honour the integration's rate limit with 429 and
 * Retry-After instead of dropping anything.
 */
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "conf.h"
#include "engine.h"
#include "heartbeat.h"
#include "http.h"
#include "intake.h"
#include "log.h"
#include "ratelimit.h"
#include "store.h"
#include "xmalloc.h"

#define HTTP_TOO_MANY 429

/* Rate-limit buckets, one per integration name. */
struct api_bucket {
	char *name;
	struct ratelimit rl;
};
static struct api_bucket *api_buckets;
static size_t api_nbuckets;

/* What several queued alerts of one request wait on. */
struct api_batch {
	struct evhttp_request *req;
	size_t pending;
	int failed;
	json_t *results; /* Alertmanager: one entry per firing alert */
};

static void api_enqueue(struct evhttp_request *, const struct http_match *,
    void *);
static void api_change_enqueue(struct evhttp_request *,
    const struct http_match *, void *);
static void api_alertmanager(struct evhttp_request *,
    const struct http_match *, void *);
static void api_mapped(struct evhttp_request *, const struct http_match *,
    void *);
static void api_heartbeat(struct evhttp_request *, const struct http_match *,
    void *);

static const struct http_route api_intake_routes[] = {
	{ HTTP_POST, "/v2/enqueue", 0, api_enqueue },
	{ HTTP_POST, "/v2/change/enqueue", 0, api_change_enqueue },
	{ HTTP_POST, "/api/v1/intake/alertmanager", CONF_ROLE_INTEGRATION,
	    api_alertmanager },
	{ HTTP_POST, "/api/v1/intake/mapped", CONF_ROLE_INTEGRATION,
	    api_mapped },
	{ HTTP_POST, "/api/v1/heartbeat/{}", CONF_ROLE_INTEGRATION,
	    api_heartbeat },
};

void
api_intake_init(struct api *api, struct http *h)
{
	http_add_routes(h, api_intake_routes, nitems(api_intake_routes), api);
}

/*
 * 0 if key may post now; else answer 429 with Retry-After (in whole
 * seconds, rounded up) and return -1.
 */
static int
api_rate_check(struct evhttp_request *req, const struct conf_key *k,
    int pagerduty)
{
	struct api_bucket *b = NULL;
	int64_t retry;
	char secs[32];
	size_t i;

	if (k->rate_limit <= 0)
		return 0;
	for (i = 0; i < api_nbuckets; i++)
		if (strcmp(api_buckets[i].name, k->name) == 0)
			b = &api_buckets[i];
	if (b == NULL) {
		api_buckets = xreallocarray(api_buckets, api_nbuckets + 1,
		    sizeof *api_buckets);
		b = &api_buckets[api_nbuckets++];
		memset(b, 0, sizeof *b);
		b->name = xstrdup(k->name);
	}
	if (ratelimit_take(&b->rl, k->rate_limit, k->rate_burst,
	    clock_now_ms(), &retry) == 0)
		return 0;
	snprintf(secs, sizeof secs, "%lld", (long long)(retry + 999) / 1000);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", secs);
	if (pagerduty)
		http_reply_json(req, HTTP_TOO_MANY, json_pack("{s:s,s:s}",
		    "status", "throttle event", "message", "Requests for this"
		    " integration are arriving too quickly. Please retry"
		    " later."));
	else
		http_error(req, HTTP_TOO_MANY, "integration \"%s\" is over its"
		    " rate limit of %d a minute; retry in %s s", k->name,
		    k->rate_limit, secs);
	log_info("intake: integration %s rate limited", k->name);
	return -1;
}

static void
api_defaults(const struct api *api, const struct conf_key *k,
    struct intake_defaults *def, struct intake_map *map)
{
	def->priority = api->conf->intake_default_priority;
	def->service = k->service != NULL ? k->service :
	    api->conf->intake_default_service;
	memcpy(map->severity, api->conf->intake_severity,
	    sizeof map->severity);
	map->priority_label = api->conf->intake_priority_label;
	map->service_label = api->conf->intake_service_label;
}

/* PagerDuty's answer to an event it refuses. */
/* An acknowledge or resolve event for open alert id, by key actor. */
static int
api_intake_act(struct api *api, enum store_command_kind kind, int64_t id,
    const char *actor, const char *via, char **cause)
{
	struct store_command c;

	memset(&c, 0, sizeof c);
	c.alert_id = id;
	c.kind = kind;
	c.actor = (char *)actor;
	c.via = (char *)via;
	c.created_ms = clock_now_ms();
	return api_act(api, &c, cause);
}

static void
api_enqueue_invalid(struct evhttp_request *req, const char *why)
{
	http_reply_json(req, HTTP_BADREQUEST, json_pack("{s:s,s:s,s:[s]}",
	    "status", "invalid event", "message", "Event object is invalid",
	    "errors", why));
}

/*
 * The integration key an Events v2 routing_key names, if it may post
 * now; else the PagerDuty-shaped answer (400, or 429) is sent and NULL
 * returned.
 */
static const struct conf_key *
api_routing_key(struct api *api, struct evhttp_request *req,
    const char *routing_key)
{
	const struct conf_key *k = conf_key_find(api->conf, routing_key);

	if (k == NULL || !(k->role & CONF_ROLE_INTEGRATION)) {
		api_enqueue_invalid(req, "routing_key is not a known"
		    " integration key");
		return NULL;
	}
	return api_rate_check(req, k, 1) == 0 ? k : NULL;
}

static void
api_enqueue_done(void *arg, const struct store_raise *r, const char *error)
{
	struct evhttp_request *req = arg;

	if (r == NULL) {
		http_error(req, HTTP_UNAVAILABLE, "%s", error);
		return;
	}
	http_reply_json(req, HTTP_ACCEPTED, json_pack("{s:s,s:s,s:s}",
	    "status", "success", "message", "Event processed", "dedup_key",
	    r->dedup_key));
}

/* POST /v2/enqueue */
static void
api_enqueue(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api *api = arg;
	const struct conf_key *k;
	struct intake_defaults def;
	struct intake_map map;
	struct intake_event ev;
	int res = ENGINE_OK;
	const char *buf;
	char *cause = NULL;
	int64_t id;
	size_t len;

	if (api_body(api, req, &buf, &len) != 0)
		return;
	/* the key's own defaults are not known yet: parse with the global */
	def.priority = api->conf->intake_default_priority;
	def.service = api->conf->intake_default_service;
	memcpy(map.severity, api->conf->intake_severity, sizeof map.severity);
	map.priority_label = map.service_label = NULL;
	if (intake_events_parse(buf, len, &def, &map, &ev, &cause) != 0) {
		api_enqueue_invalid(req, cause);
		free(cause);
		return;
	}
	if ((k = api_routing_key(api, req, ev.routing_key)) == NULL)
		goto out;
	api_defaults(api, k, &def, &map);
	if (ev.action == INTAKE_TRIGGER) {
		free(ev.an.service);
		ev.an.service = xstrdup(def.service);
		ev.an.integration = xstrdup(k->name);
		intake_submit(api->intake, &ev.an, api_enqueue_done, req);
		goto out;
	}
	/* earlier triggers of this key must be committed before we look */
	intake_flush(api->intake);
	id = store_alert_find_open(api->store, def.service, ev.dedup_key);
	if (id > 0 && ev.action == INTAKE_ACKNOWLEDGE)
		res = api_intake_act(api, STORE_CMD_ACK, id, k->name,
		    "events-v2", &cause);
	else if (id > 0)
		res = api_intake_act(api, STORE_CMD_RESOLVE, id, k->name,
		    "events-v2", &cause);
	if (res == ENGINE_ERROR)
		http_error(req, HTTP_UNAVAILABLE, "%s", cause);
	else
		/* PagerDuty drops an ack/resolve of no open alert, and so
		 * do we, with the same answer; once on disk */
		api_reply_durable(api, req, HTTP_ACCEPTED, json_pack(
		    "{s:s,s:s,s:s}", "status", "success", "message",
		    "Event processed", "dedup_key", ev.dedup_key));
	free(cause);
out:
	intake_event_clear(&ev);
}

/* The change event's transaction is on disk (ok 0), or not. */
static void
api_change_done(void *arg, int ok)
{
	struct evhttp_request *req = arg;

	if (ok != 0) {
		http_error(req, HTTP_UNAVAILABLE, "the store cannot write to"
		    " disk");
		return;
	}
	http_reply_json(req, HTTP_ACCEPTED, json_pack("{s:s,s:s}", "status",
	    "success", "message", "Change event processed"));
}

/*
 * POST /v2/change/enqueue: a PagerDuty change event, stored for the
 * service of its integration key and answered 202 as PagerDuty does,
 * once it is on disk.  No alert, no page.
 */
static void
api_change_enqueue(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	const struct conf_key *k;
	struct intake_defaults def;
	struct intake_map map;
	struct intake_change ch;
	struct store_change sc;
	const char *buf;
	char *cause = NULL;
	size_t len;

	if (!api->ready) {
		http_error(req, HTTP_UNAVAILABLE, "shutting down");
		return;
	}
	if (http_body(req, api->conf, &buf, &len) != 0)
		return;
	if (intake_change_parse(buf, len, &ch, &cause) != 0) {
		api_enqueue_invalid(req, cause);
		free(cause);
		return;
	}
	if ((k = api_routing_key(api, req, ch.routing_key)) == NULL)
		goto out;
	api_defaults(api, k, &def, &map);
	memset(&sc, 0, sizeof sc);
	sc.service = xstrdup(def.service);
	sc.at_ms = ch.at_ms;
	sc.summary = ch.summary;
	sc.source = ch.source;
	sc.details = ch.details;
	sc.links = ch.links;
	sc.integration = xstrdup(k->name);
	if (store_begin(api->store, &cause) != 0 ||
	    store_change_add(api->store, &sc, clock_now_ms(), &cause) != 0 ||
	    store_commit_async(api->store, api_change_done, req,
	    &cause) != 0) {
		store_rollback(api->store);
		log_warnx("intake: change event not stored: %s", cause);
		http_error(req, HTTP_UNAVAILABLE, "the store is unavailable");
		free(cause);
	} else
		log_debug("intake: change event for %s from %s", sc.service,
		    k->name);
	free(sc.service);
	free(sc.integration);
out:
	intake_change_clear(&ch);
}

static void
api_am_done(void *arg, const struct store_raise *r, const char *error)
{
	struct api_batch *b = arg;

	if (r == NULL)
		b->failed = 1;
	else
		json_array_append_new(b->results, json_pack("{s:s,s:I,s:s,s:b}",
		    "fingerprint", r->dedup_key, "id", (json_int_t)r->id,
		    "status", alert_status_name(r->status), "duplicate",
		    r->duplicate));
	if (--b->pending > 0)
		return;
	if (b->failed) {
		json_decref(b->results);
		http_error(b->req, HTTP_UNAVAILABLE, "the alert store is"
		    " unavailable");
	} else
		http_reply_json(b->req, HTTP_OK, json_pack("{s:s,s:o}",
		    "status", "success", "alerts", b->results));
	free(b);
}

/* POST /api/v1/intake/alertmanager */
static void
api_alertmanager(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct intake_defaults def;
	struct intake_map map;
	struct intake_am am;
	struct api_batch *b;
	const char *buf;
	char *cause = NULL;
	size_t len, i, nfiring = 0;
	int64_t id;

	if (api_body(api, req, &buf, &len) != 0 ||
	    api_rate_check(req, m->key, 0) != 0)
		return;
	api_defaults(api, m->key, &def, &map);
	if (intake_am_parse(buf, len, &def, &map, &am, &cause) != 0) {
		http_error(req, HTTP_BADREQUEST, "%s", cause);
		free(cause);
		return;
	}
	/* resolved alerts first, against what is committed */
	intake_flush(api->intake);
	for (i = 0; i < am.n; i++) {
		if (am.alerts[i].firing) {
			nfiring++;
			continue;
		}
		id = store_alert_find_open(api->store, am.alerts[i].an.service,
		    am.alerts[i].an.dedup_key);
		if (id > 0 && api_intake_act(api, STORE_CMD_RESOLVE, id,
		    m->key->name, "alertmanager", &cause) == ENGINE_ERROR) {
			/* Alertmanager retries a 5xx: nothing is lost */
			http_error(req, HTTP_UNAVAILABLE, "%s", cause);
			free(cause);
			goto out;
		}
		free(cause);
		cause = NULL;
	}
	if (nfiring == 0) {
		http_reply_json(req, HTTP_OK, json_pack("{s:s,s:[]}", "status",
		    "success", "alerts"));
		goto out;
	}
	b = xcalloc(1, sizeof *b);
	b->req = req;
	b->pending = nfiring;
	b->results = json_array();
	for (i = 0; i < am.n; i++) {
		if (!am.alerts[i].firing)
			continue;
		am.alerts[i].an.integration = xstrdup(m->key->name);
		intake_submit(api->intake, &am.alerts[i].an, api_am_done, b);
	}
out:
	intake_am_clear(&am);
}

static void
api_mapped_done(void *arg, const struct store_raise *r, const char *error)
{
	struct evhttp_request *req = arg;

	if (r == NULL) {
		http_error(req, HTTP_UNAVAILABLE, "%s", error);
		return;
	}
	http_reply_json(req, HTTP_ACCEPTED, json_pack("{s:s,s:I,s:s,s:s,s:b}",
	    "action", "trigger", "id", (json_int_t)r->id, "dedup_key",
	    r->dedup_key, "status", alert_status_name(r->status), "duplicate",
	    r->duplicate));
}

/*
 * POST /api/v1/intake/mapped: a body in the integration's own shape,
 * read through its mapping (format = "mapped").  A trigger is queued
 * and answered once committed; acknowledge and resolve act on the open
 * alert of that service and dedup_key, and are answered 202 with its
 * id, or a null id if there is none (as PagerDuty drops them).
 */
static void
api_mapped(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	const struct conf_key *k = m->key;
	struct intake_defaults def;
	struct intake_map map;
	struct intake_mapped mp;
	int res = ENGINE_OK;
	const char *buf, *action;
	char *cause = NULL;
	int64_t id;
	size_t len;

	if (api_body(api, req, &buf, &len) != 0 ||
	    api_rate_check(req, k, 0) != 0)
		return;
	if (k->mapping == NULL) {
		http_error(req, HTTP_BADREQUEST, "integration \"%s\" has no"
		    " mapping: its pagerd.conf entry needs format = \"mapped\""
		    " and a mapping", k->name);
		return;
	}
	api_defaults(api, k, &def, &map);
	if (intake_mapped_parse(buf, len, &def, k->mapping, &mp,
	    &cause) != 0) {
		http_error(req, HTTP_BADREQUEST, "%s", cause);
		free(cause);
		return;
	}
	if (mp.action == INTAKE_TRIGGER) {
		mp.an.integration = xstrdup(k->name);
		intake_submit(api->intake, &mp.an, api_mapped_done, req);
		goto out;
	}
	/* earlier triggers must be committed before we look */
	intake_flush(api->intake);
	action = mp.action == INTAKE_ACKNOWLEDGE ? "acknowledge" : "resolve";
	id = store_alert_find_open(api->store, mp.an.service,
	    mp.an.dedup_key);
	if (id > 0 && mp.action == INTAKE_ACKNOWLEDGE)
		res = api_intake_act(api, STORE_CMD_ACK, id, k->name,
		    "mapped", &cause);
	else if (id > 0)
		res = api_intake_act(api, STORE_CMD_RESOLVE, id, k->name,
		    "mapped", &cause);
	if (res == ENGINE_ERROR)
		http_error(req, HTTP_UNAVAILABLE, "%s", cause);
	else
		http_reply_json(req, HTTP_ACCEPTED, json_pack("{s:s,s:o,s:s}",
		    "action", action, "id", id > 0 ? json_integer(id) :
		    json_null(), "dedup_key", mp.an.dedup_key));
	free(cause);
out:
	intake_mapped_clear(&mp);
}

/*
 * POST /api/v1/heartbeat/NAME: the monitored job is alive.  Recorded
 * before the answer; resolves the monitor's missed-ping alert if one is
 * open.  404 for a monitor that is not configured.
 */
static void
api_heartbeat(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct store_command c;
	char *cause = NULL, when[32];
	int64_t next, open;

	if (!api->ready || api->heartbeats == NULL) {
		http_error(req, HTTP_UNAVAILABLE, "not ready");
		return;
	}
	if (api_rate_check(req, m->key, 0) != 0)
		return;
	if (heartbeats_ping(api->heartbeats, m->param, &next, &open,
	    &cause) != 0) {
		if (cause == NULL)
			http_error(req, HTTP_NOTFOUND, "no heartbeat monitor"
			    " named \"%.64s\"", m->param);
		else
			http_error(req, HTTP_UNAVAILABLE, "%s", cause);
		free(cause);
		return;
	}
	/* resolve its missed-ping alert: by the leader, from a standby */
	if (open > 0) {
		memset(&c, 0, sizeof c);
		c.kind = STORE_CMD_RESOLVE;
		c.alert_id = open;
		c.actor = (char *)m->key->name;
		c.via = (char *)"heartbeat";
		c.created_ms = clock_now_ms();
		if (api_act(api, &c, &cause) == ENGINE_ERROR) {
			http_error(req, HTTP_UNAVAILABLE, "%s", cause != NULL ?
			    cause : "the alert store failed");
			free(cause);
			return;
		}
		free(cause);
		cause = NULL;
		/* answered once that resolve is on disk */
		api_reply_durable(api, req, HTTP_OK, json_pack("{s:s,s:s,s:s}",
		    "status", "ok", "name", m->param, "next_due",
		    clock_format_iso(next, when, sizeof when)));
		return;
	}
	http_reply_json(req, HTTP_OK, json_pack("{s:s,s:s,s:s}", "status",
	    "ok", "name", m->param, "next_due", clock_format_iso(next, when,
	    sizeof when)));
}
