/* SPDX-License-Identifier: ISC */
/*
 * api.c: the HTTP API handlers.  POST /api/v1/alerts validates the body,
 * hands the alert to the group-commit queue and answers 202 only once
 * it is committed; the GET handlers read the store.  Bad input is
 * answered with a 4xx naming the problem and changes nothing.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "api.h"
#include "breach.h"
#include "clock.h"
#include "command.h"
#include "conf.h"
#include "duration.h"
#include "durable.h"
#include "engine.h"
#include "http.h"
#include "intake.h"
#include "log.h"
#include "number.h"
#include "policy.h"
#include "store.h"
#include "text.h"
#include "xmalloc.h"

/* The 202 of a posted alert: a dedup_key escaped at worst 6 bytes a byte. */
#define API_ACCEPTED_MAX (ALERT_KEY_MAX * 6 + 128)

#define API_LIST_DEFAULT 50
#define API_LIST_MAX 500
/* An alert shows the changes of its service in the day before it. */
#define API_CHANGES_WINDOW_MS (24 * 3600 * (int64_t)1000)
#define API_CHANGES_MAX 10
/* The bounds of a snooze. */
#define API_SNOOZE_MIN DURATION_MINUTE
#define API_SNOOZE_MAX (7 * DURATION_DAY)

static void api_healthz(struct evhttp_request *, const struct http_match *,
    void *);
static void api_readyz(struct evhttp_request *, const struct http_match *,
    void *);
static void api_alerts_post(struct evhttp_request *, const struct http_match *,
    void *);
static void api_alerts_list(struct evhttp_request *, const struct http_match *,
    void *);
static void api_alert_get(struct evhttp_request *, const struct http_match *,
    void *);
static void api_alert_ack(struct evhttp_request *, const struct http_match *,
    void *);
static void api_alert_resolve(struct evhttp_request *,
    const struct http_match *, void *);
static void api_alert_note(struct evhttp_request *, const struct http_match *,
    void *);
static void api_alert_escalate(struct evhttp_request *,
    const struct http_match *, void *);
static void api_alert_snooze(struct evhttp_request *,
    const struct http_match *, void *);

static const struct http_route api_routes[] = {
	{ HTTP_GET, "/healthz", 0, api_healthz },
	{ HTTP_GET, "/readyz", 0, api_readyz },
	{ HTTP_POST, "/api/v1/alerts", CONF_ROLE_INTEGRATION, api_alerts_post },
	{ HTTP_GET, "/api/v1/alerts", CONF_ROLE_VIEWER, api_alerts_list },
	{ HTTP_GET, "/api/v1/alerts/{}", CONF_ROLE_VIEWER, api_alert_get },
	{ HTTP_POST, "/api/v1/alerts/{}/ack", CONF_ROLE_RESPONDER,
	    api_alert_ack },
	{ HTTP_POST, "/api/v1/alerts/{}/resolve", CONF_ROLE_RESPONDER,
	    api_alert_resolve },
	{ HTTP_POST, "/api/v1/alerts/{}/notes", CONF_ROLE_RESPONDER,
	    api_alert_note },
	{ HTTP_POST, "/api/v1/alerts/{}/escalate", CONF_ROLE_RESPONDER,
	    api_alert_escalate },
	{ HTTP_POST, "/api/v1/alerts/{}/snooze", CONF_ROLE_RESPONDER,
	    api_alert_snooze },
};

void
api_init(struct api *api, struct http *h)
{
	http_add_routes(h, api_routes, nitems(api_routes), api);
}

/*
 * Answer an engine change that did not happen (res is not ENGINE_OK):
 * 404 for no such alert or silence, 409 when its state does not allow
 * it, else 503 (the store failed); cause says why, when there is one.
 */
void
api_engine_refused(struct evhttp_request *req, int res, const char *cause)
{
	switch (res) {
	case ENGINE_NOT_FOUND:
		http_error(req, HTTP_NOTFOUND, "%s", cause);
		break;
	case ENGINE_CONFLICT:
		http_error(req, HTTP_CONFLICT, "%s", cause);
		break;
	default:
		http_error(req, HTTP_UNAVAILABLE, "%s", cause != NULL ? cause :
		    "the alert store failed");
		break;
	}
}

/*
 * The body of a request that raises alerts: 0 with it in *buf and *len;
 * else -1, answered (503 while starting or stopping; the body's error).
 */
int
api_body(struct api *api, struct evhttp_request *req, const char **buf,
    size_t *len)
{
	if (!api->ready) {
		http_error(req, HTTP_UNAVAILABLE, "shutting down");
		return -1;
	}
	return http_body(req, api->conf, buf, len);
}

/*
 * GET /healthz: the process is alive and its loop turns; "store" says
 * whether its database can be reached (as last seen: no I/O here),
 * "role" whether this node leads or stands by (lease.c).
 */
static void
api_healthz(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;

	http_reply_json(req, HTTP_OK, json_pack("{s:s,s:s,s:s}", "status",
	    "ok", "store", api->store == NULL || store_up(api->store) ? "ok" :
	    "unreachable", "role", api->standby ? "standby" : "leader"));
}

/* GET /readyz: started, not stopping, and the store answers. */
static void
api_readyz(struct evhttp_request *req, const struct http_match *m, void *arg)
{
	struct api *api = arg;

	if (!api->ready)
		http_error(req, HTTP_UNAVAILABLE, "not ready");
	else if (store_ping(api->store) != 0)
		http_error(req, HTTP_UNAVAILABLE, "the alert store does not"
		    " answer");
	else
		http_reply_json(req, HTTP_OK, json_pack("{s:s}", "status",
		    "ready"));
}

/*
 * Append s to buf at *len as a JSON string, if it needs no escape
 * (printable ASCII but '"' and '\\'), as jansson would write it: 0, or
 * -1 if it needs one (or does not fit), for jansson to write.
 */
static int
api_json_plain(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s), i;

	if (*len + n + 2 > size)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			return -1;
	buf[(*len)++] = '"';
	memcpy(buf + *len, s, n);
	*len += n;
	buf[(*len)++] = '"';
	return 0;
}

/* Append s (it fits, the caller checked) to buf at *len. */
static void
api_put(char *buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf + *len, s, n);
	*len += n;
}

/* Called by intake once the alert's batch is committed (or failed). */
static void
api_alerts_post_done(void *arg, const struct store_raise *r,
    const char *error)
{
	struct evhttp_request *req = arg;
	char buf[API_ACCEPTED_MAX], num[24];
	json_t *key;
	size_t n, len = 0, i = sizeof num;
	uint64_t id;

	if (r == NULL) {
		http_error(req, HTTP_UNAVAILABLE, "%s", error);
		return;
	}
	/*
	 * Written here rather than packed and dumped, and without printf:
	 * it is the reply to every alert of a storm.  jansson still
	 * escapes the one string a sender chose (dedup_key) when it needs
	 * escapes; status is one of three words.
	 */
	id = (uint64_t)r->id;
	do
		num[--i] = '0' + id % 10;
	while ((id /= 10) != 0 && i > 0);
	api_put(buf, &len, "{\"id\":");
	memcpy(buf + len, num + i, sizeof num - i);
	len += sizeof num - i;
	api_put(buf, &len, ",\"dedup_key\":");
	if (api_json_plain(buf, sizeof buf - 64, &len, r->dedup_key) != 0) {
		key = json_string(r->dedup_key);
		n = key != NULL ? json_dumpb(key, buf + len,
		    sizeof buf - 64 - len, JSON_ENCODE_ANY) : 0;
		json_decref(key);
		if (n == 0 || len + n > sizeof buf - 64) {
			/* not expected (the key's length is limited) */
			http_reply_json(req, HTTP_ACCEPTED, json_pack(
			    "{s:I,s:s,s:s,s:b}", "id", (json_int_t)r->id,
			    "dedup_key", r->dedup_key, "status",
			    alert_status_name(r->status), "duplicate",
			    r->duplicate));
			return;
		}
		len += n;
	}
	/* at most 48 bytes: the 64 kept aside */
	api_put(buf, &len, ",\"status\":\"");
	api_put(buf, &len, alert_status_name(r->status));
	api_put(buf, &len, r->duplicate ? "\",\"duplicate\":true}\n" :
	    "\",\"duplicate\":false}\n");
	http_reply_json_text(req, HTTP_ACCEPTED, buf, len);
}

/* POST /api/v1/alerts */
static void
api_alerts_post(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct intake_defaults def;
	struct alert_new an;
	const char *buf;
	char *cause = NULL;
	size_t len;

	if (api_body(api, req, &buf, &len) != 0)
		return;
	def.priority = api->conf->intake_default_priority;
	def.service = m->key->service != NULL ? m->key->service :
	    api->conf->intake_default_service;
	if (intake_native_parse(buf, len, &def, &an, &cause) != 0) {
		http_error(req, HTTP_BADREQUEST, "%s", cause);
		free(cause);
		return;
	}
	an.integration = xstrdup(m->key->name);
	intake_submit(api->intake, &an, api_alerts_post_done, req);
}

/* Parse stored JSON text back into a value (null if absent or broken). */
static json_t *
api_stored_json(const char *text)
{
	json_t *v;

	if (text == NULL || (v = json_loads(text, 0, NULL)) == NULL)
		return json_null();
	return v;
}

/*
 * Each SLA clock of a: its deadline, whether its goal was met in time,
 * and whether it was breached (recorded by the engine, or met late).
 * The goal of each clock is met, as in stats.c, by its own event or by
 * an earlier resolution.
 */
static json_t *
api_alert_sla_json(const struct alert *a)
{
	json_t *o = json_object();
	int64_t done, due;
	int c, late;

	for (c = 0; c < ALERT_SLA_CLOCKS; c++) {
		if ((due = a->sla_due_ms[c]) == 0) {
			json_object_set_new(o, sla_clock_name(c), json_null());
			continue;
		}
		done = c == SLA_RESPONSE ? a->acknowledged_ms :
		    c == SLA_FIRST_RESPONSE ? a->first_response_ms : 0;
		if (done == 0 || (a->resolved_ms != 0 && a->resolved_ms < done))
			done = a->resolved_ms;
		late = (a->sla_breached & (1u << c)) != 0 ||
		    (done != 0 && done > due);
		json_object_set_new(o, sla_clock_name(c), json_pack(
		    "{s:o,s:b,s:b}", "due_at", api_time(due, API_TIME_SET),
		    "met", done != 0 && !late, "breached", late));
	}
	return o;
}

/*
 * The breaches of a, earliest deadline first: for each, the clock, its
 * deadline, when the breach was recorded, when the clock stopped (null
 * while it runs) and how late the response is at now, final once the
 * clock stopped.  Only alerts flagged breached have rows to read.
 */
static json_t *
api_alert_breaches_json(struct api *api, const struct alert *a, int64_t now)
{
	struct breach *b;
	json_t *arr = json_array();
	size_t n, i;

	if (a->sla_breached == 0 || store_breaches(api->store, a->id, &b,
	    &n) != 0)
		return arr;
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:o,s:o,s:o,s:I,"
		    "s:b}", "clock", sla_clock_name(b[i].clock), "due_at",
		    api_time(b[i].due_ms, API_TIME_SET), "breached_at",
		    api_time(b[i].breached_ms, API_TIME_SET), "stopped_at",
		    api_time(b[i].stopped_ms, API_TIME_SET), "late_ms",
		    (json_int_t)breach_late_ms(&b[i], now), "final",
		    breach_is_final(&b[i])));
	free(b);
	return arr;
}

/*
 * The changes of a's service in the API_CHANGES_WINDOW_MS before a was
 * raised, newest first, at most API_CHANGES_MAX: "what changed?" is a
 * responder's first question.
 */
static json_t *
api_alert_changes_json(struct api *api, const struct alert *a)
{
	struct store_change *c;
	json_t *arr = json_array();
	size_t n, i;

	if (store_changes(api->store, a->service, a->created_ms -
	    API_CHANGES_WINDOW_MS, a->created_ms, API_CHANGES_MAX, &c,
	    &n) != 0)
		return arr;
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I,s:o,s:o,s:s,s:s?,"
		    "s:o,s:o,s:s?}", "id", (json_int_t)c[i].id,
		    "at", api_time(c[i].at_ms, API_TIME_SET),
		    "received_at", api_time(c[i].received_ms, API_TIME_SET),
		    "summary", c[i].summary, "source", c[i].source,
		    "details", api_stored_json(c[i].details),
		    "links", c[i].links != NULL ?
		    api_stored_json(c[i].links) : json_array(),
		    "integration", c[i].integration));
	store_changes_free(c, n);
	return arr;
}

/*
 * What the trigger attached: images, client, client_url, external_url
 * (else null).
 */
static void
api_alert_context_json(struct api *api, const struct alert *a, json_t *o)
{
	struct store_alert_context c;

	store_alert_context_get(api->store, a->id, &c);
	json_object_set_new(o, "images", c.images != NULL ?
	    api_stored_json(c.images) : json_array());
	json_object_set_new(o, "client", c.client != NULL ?
	    json_string(c.client) : json_null());
	json_object_set_new(o, "client_url", c.client_url != NULL ?
	    json_string(c.client_url) : json_null());
	json_object_set_new(o, "external_url", c.external_url != NULL ?
	    json_string(c.external_url) : json_null());
	store_alert_context_clear(&c);
	json_object_set_new(o, "recent_changes",
	    api_alert_changes_json(api, a));
}

/* The silence that held alert a, and what became of it, into o. */
static void
api_alert_silence_json(struct api *api, const struct alert *a, json_t *o)
{
	int64_t id;
	int released, paged;

	id = store_silence_of(api->store, a->id, &released, &paged);
	json_object_set_new(o, "silence", id <= 0 ? json_null() :
	    json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
	    !released ? "held" : paged ? "paged" : "quiet"));
}

static json_t *
api_alert_json(struct api *api, const struct alert *a, int64_t now)
{
	json_t *o;

	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:o,s:o,s:s?,s:s,s:i,"
	    "s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "id", (json_int_t)a->id,
	    "dedup_key", a->dedup_key,
	    "service", a->service,
	    "priority", alert_priority_name(a->priority),
	    "summary", a->summary,
	    "source", a->source,
	    "details", api_stored_json(a->details),
	    "links", a->links != NULL ? api_stored_json(a->links) :
	    json_array(),
	    "integration", a->integration,
	    "status", alert_status_name(a->status),
	    "stage", a->stage,
	    "count", (json_int_t)a->count,
	    "created_at", api_time(a->created_ms, API_TIME_SET),
	    "updated_at", api_time(a->updated_ms, API_TIME_SET),
	    "acknowledged_at", api_time(a->acknowledged_ms, API_TIME_SET),
	    "first_response_at", api_time(a->first_response_ms, API_TIME_SET),
	    "resolved_at", api_time(a->resolved_ms, API_TIME_SET),
	    "sla", api_alert_sla_json(a),
	    "breaches", api_alert_breaches_json(api, a, now));
	if (o != NULL) {
		api_alert_context_json(api, a, o);
		api_alert_silence_json(api, a, o);
		/* the engine's state of an open alert: no query */
		json_object_set_new(o, "snoozed_until", api_time(api->engine !=
		    NULL ? engine_snoozed_until(api->engine, a->id) : 0,
		    API_TIME_SET));
	}
	return o;
}

/*
 * GET /api/v1/alerts?status=&service=&priority=&paged=&limit=&before=
 * (paged: a person id the alert paged)
 */
static void
api_alerts_list(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *query = evhttp_uri_get_query(uri);
	struct store_filter f = { -1, NULL, 0, 0, API_LIST_DEFAULT, NULL };
	struct evkeyvalq params;
	struct evkeyval *kv;
	struct alert **list;
	enum alert_status st;
	json_t *arr;
	size_t n, i;
	int64_t v, now = clock_now_ms();

	TAILQ_INIT(&params);
	if (query != NULL && evhttp_parse_query_str(query, &params) != 0) {
		http_error(req, HTTP_BADREQUEST, "malformed query string");
		return;
	}
	TAILQ_FOREACH(kv, &params, next) {
		if (strcmp(kv->key, "status") == 0) {
			if (alert_status_parse(kv->value, &st) != 0) {
				http_error(req, HTTP_BADREQUEST, "status must be"
				    " triggered, acknowledged or resolved");
				goto out;
			}
			f.status = st;
		} else if (strcmp(kv->key, "service") == 0)
			f.service = kv->value;
		else if (strcmp(kv->key, "paged") == 0)
			f.paged = kv->value;
		else if (strcmp(kv->key, "priority") == 0) {
			if ((f.priority = alert_priority_parse(kv->value)) < 0) {
				http_error(req, HTTP_BADREQUEST, "priority must"
				    " be one of P1..P4");
				goto out;
			}
		} else if (strcmp(kv->key, "limit") == 0) {
			v = number_positive(kv->value);
			if (v < 1 || v > API_LIST_MAX) {
				http_error(req, HTTP_BADREQUEST, "limit must be"
				    " from 1 to %d", API_LIST_MAX);
				goto out;
			}
			f.limit = (int)v;
		} else if (strcmp(kv->key, "before") == 0) {
			if ((f.before_id = number_positive(kv->value)) < 0) {
				http_error(req, HTTP_BADREQUEST, "before must be"
				    " an alert id");
				goto out;
			}
		} else {
			http_error(req, HTTP_BADREQUEST, "unknown parameter"
			    " \"%.64s\"", kv->key);
			goto out;
		}
	}
	if (store_alert_list(api->store, &f, &list, &n) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
		goto out;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, api_alert_json(api, list[i],
		    now));
	http_reply_json(req, HTTP_OK, json_pack("{s:o,s:o}", "alerts", arr,
	    "next_before", n == (size_t)f.limit && n > 0 ?
	    json_integer(list[n - 1]->id) : json_null()));
	for (i = 0; i < n; i++)
		alert_free(list[i]);
	free(list);
out:
	evhttp_clear_headers(&params);
}

/*
 * One audit event as the API shows it; on whose behalf the actor acted
 * (detail.on_behalf_of) is also shown beside the actor, null if for
 * themselves.
 */
static void
api_event_append(json_t *arr, const struct store_event *ev)
{
	json_t *detail = api_stored_json(ev->detail), *w;

	w = json_object_get(detail, "on_behalf_of");
	json_array_append_new(arr, json_pack("{s:I,s:o,s:s,s:O,s:s,s:o}",
	    "id", (json_int_t)ev->id, "at", api_time(ev->at_ms, API_TIME_SET),
	    "actor", ev->actor, "on_behalf_of", json_is_string(w) ? w : json_null(),
	    "kind", ev->kind, "detail", detail));
}

/* GET /api/v1/alerts/{id}: the alert and its audit log. */
static void
api_alert_get(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct store_event *ev;
	struct alert *a;
	json_t *o, *arr;
	int64_t id;
	size_t n, i;

	if ((id = number_positive(m->param)) < 0) {
		http_error(req, HTTP_BADREQUEST, "alert id must be a positive"
		    " integer");
		return;
	}
	if ((a = store_alert_get(api->store, id)) == NULL) {
		http_error(req, HTTP_NOTFOUND, "no alert %" PRId64, id);
		return;
	}
	o = api_alert_json(api, a, clock_now_ms());
	alert_free(a);
	arr = json_array();
	if (store_events(api->store, id, &ev, &n) == 0) {
		for (i = 0; i < n; i++)
			api_event_append(arr, &ev[i]);
		store_events_free(ev, n);
	}
	json_object_set_new(o, "events", arr);
	http_reply_json(req, HTTP_OK, o);
}

enum api_action {
	API_ACK,
	API_RESOLVE,
	API_NOTE,
	API_ESCALATE,
	API_SNOOZE,
};

/* A request a standby passed to the leader, waiting for its result. */
struct api_command_req {
	struct api *api;
	struct evhttp_request *req;
	int64_t id; /* the command's */
	api_command_answer answer;
};

/*
 * The leader carried out the command (c): answer as the leader would
 * have; or not yet (NULL): 202 with the command's id.
 */
static void
api_command_done(void *arg, const struct store_command *c)
{
	struct api_command_req *r = arg;

	if (c == NULL)
		http_reply_json(r->req, HTTP_ACCEPTED, json_pack(
		    "{s:b,s:I,s:s}", "accepted", 1, "command",
		    (json_int_t)r->id, "message",
		    "this node stands by; the leader carries it out"));
	else
		r->answer(r->req, r->api, c);
	free(r);
}

/*
 * On a standby: write command c for the leader (committed before any
 * answer), and answer with answer() once it was carried out, or 202
 * after a moment (command_submit's wait).
 */
void
api_command(struct evhttp_request *req, struct api *api,
    const struct store_command *c, api_command_answer answer)
{
	struct api_command_req *r;
	char *cause = NULL;

	if (api->commands == NULL) {
		http_error(req, HTTP_UNAVAILABLE, "this node stands by");
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->api = api;
	r->req = req;
	r->answer = answer;
	if (command_submit(api->commands, c, &r->id, api_command_done, r,
	    &cause) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "%s", cause != NULL ? cause :
		    "the alert store failed");
		free(cause);
		free(r);
	}
}

/* An alert action the leader carried out (c): the alert, or why not. */
static void
api_alert_answer(struct evhttp_request *req, struct api *api,
    const struct store_command *c)
{
	struct alert *a;

	if (c->result != ENGINE_OK)
		api_engine_refused(req, c->result, c->cause);
	else if ((a = store_alert_get(api->store, c->alert_id)) == NULL)
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
	else {
		http_reply_json(req, HTTP_OK, api_alert_json(api, a,
		    clock_now_ms()));
		alert_free(a);
	}
}

/*
 * Carry out c, an action on an alert that came by any path: through the
 * engine on the leader; on a standby, written for the leader to carry
 * out (ENGINE_OK once it is committed: accepted, not yet done).  Either
 * way ENGINE_OK means committed, not yet on disk: answer from
 * durable_then().
 */
int
api_act(struct api *api, const struct store_command *c, char **cause)
{
	int64_t id;

	if (!api->standby)
		return command_apply(api->engine, NULL, c, NULL, cause);
	if (api->commands == NULL) {
		*cause = xstrdup("this node stands by");
		return ENGINE_ERROR;
	}
	return command_send(api->commands, c, &id, cause) == 0 ? ENGINE_OK :
	    ENGINE_ERROR;
}

/* A JSON answer waiting for what its request changed to be on disk. */
struct api_reply_later {
	struct evhttp_request *req;
	int code;
	json_t *body;
};

static void
api_reply_later_cb(void *arg, int ok)
{
	struct api_reply_later *l = arg;

	if (ok != STORE_DURABLE) {
		json_decref(l->body);
		http_error(l->req, HTTP_UNAVAILABLE, "the alert store cannot"
		    " write to disk");
	} else
		http_reply_json(l->req, l->code, l->body);
	free(l);
}

/*
 * Answer code with body (a reference stolen) once every change made so
 * far is on disk, or 503 if that cannot be said (durable_then).  req
 * may be answered, and gone, before this returns: call it last.
 */
void
api_reply_durable(struct api *api, struct evhttp_request *req, int code,
    json_t *body)
{
	struct api_reply_later *l = xcalloc(1, sizeof *l);

	l->req = req;
	l->code = code;
	l->body = body;
	durable_then(api->store, api_reply_later_cb, l);
}

/* An alert action, committed, waiting for its sync to be answered. */
struct api_action_req {
	struct api *api;
	struct evhttp_request *req;
	int64_t id;
};

/* The action is on disk (STORE_DURABLE), or not: answer. */
static void
api_action_durable(void *arg, int ok)
{
	struct api_action_req *r = arg;
	struct alert *a;

	if (ok != STORE_DURABLE)
		http_error(r->req, HTTP_UNAVAILABLE, "the alert store cannot"
		    " write to disk");
	else if ((a = store_alert_get(r->api->store, r->id)) == NULL)
		http_error(r->req, HTTP_UNAVAILABLE, "the alert store failed");
	else {
		http_reply_json(r->req, HTTP_OK, api_alert_json(r->api, a,
		    clock_now_ms()));
		alert_free(a);
	}
	free(r);
}

/*
 * POST /api/v1/alerts/{id}/ack, /resolve, /notes, /escalate, /snooze.
 * The body is optional JSON.  The actor is always the name of the key that
 * authenticated; "on_behalf_of" is free text saying for whom it acts
 * (the older "actor" field is taken as on_behalf_of), kept in the audit
 * detail and in the notices.  A note needs "text", a snooze "for" (a
 * duration from API_SNOOZE_MIN to API_SNOOZE_MAX).  None may hold
 * control characters.  The answer is the alert as it is afterwards, once
 * the change is on disk (the loop does not wait for it); 404 for no such
 * alert, 409 when the alert's state does not allow the action.
 */
static void
api_alert_action(struct evhttp_request *req, const struct http_match *m,
    struct api *api, enum api_action what)
{
	json_error_t jerr;
	json_t *body = NULL, *v;
	const char *buf, *actor = m->key->name, *text = NULL, *k;
	const char *for_whom = NULL, *snooze = NULL;
	static const enum store_command_kind kinds[] = {
		[API_ACK] = STORE_CMD_ACK,
		[API_RESOLVE] = STORE_CMD_RESOLVE,
		[API_NOTE] = STORE_CMD_NOTE,
		[API_ESCALATE] = STORE_CMD_ESCALATE,
		[API_SNOOZE] = STORE_CMD_SNOOZE,
	};
	struct store_command c;
	struct api_action_req *r;
	char *cause = NULL;
	int64_t id, ms = 0;
	size_t len, max;
	int res;

	if ((id = number_positive(m->param)) < 0) {
		http_error(req, HTTP_BADREQUEST, "alert id must be a positive"
		    " integer");
		return;
	}
	if (http_body(req, api->conf, &buf, &len) != 0)
		return;
	if (len > 0) {
		body = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
		if (body == NULL || !json_is_object(body)) {
			http_error(req, HTTP_BADREQUEST, "the body must be a"
			    " JSON object%s%s", body == NULL ? ": " : "",
			    body == NULL ? jerr.text : "");
			goto out;
		}
		json_object_foreach(body, k, v) {
			if (strcmp(k, "actor") != 0 &&
			    strcmp(k, "on_behalf_of") != 0 &&
			    (what != API_NOTE || strcmp(k, "text") != 0) &&
			    (what != API_SNOOZE || strcmp(k, "for") != 0)) {
				http_error(req, HTTP_BADREQUEST, "unknown field"
				    " \"%.64s\"", k);
				goto out;
			}
			max = strcmp(k, "text") == 0 ? 4096 : ALERT_KEY_MAX;
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) > max ||
			    strlen(json_string_value(v)) !=
			    json_string_length(v)) {
				http_error(req, HTTP_BADREQUEST, "%s must be a"
				    " non-empty string of at most %zu bytes", k,
				    max);
				goto out;
			}
			if (text_has_control(json_string_value(v), 0)) {
				http_error(req, HTTP_BADREQUEST, "%s must not"
				    " contain control characters", k);
				goto out;
			}
		}
		if (json_object_get(body, "actor") != NULL &&
		    json_object_get(body, "on_behalf_of") != NULL) {
			http_error(req, HTTP_BADREQUEST, "give on_behalf_of or"
			    " its older name actor, not both");
			goto out;
		}
		/* "actor" is what older clients send: the key acts for it */
		if ((v = json_object_get(body, "on_behalf_of")) != NULL ||
		    (v = json_object_get(body, "actor")) != NULL)
			for_whom = json_string_value(v);
		if ((v = json_object_get(body, "text")) != NULL)
			text = json_string_value(v);
		if ((v = json_object_get(body, "for")) != NULL)
			snooze = json_string_value(v);
	}
	if (what == API_NOTE && text == NULL) {
		http_error(req, HTTP_BADREQUEST, "text is required");
		goto out;
	}
	if (what == API_SNOOZE && (snooze == NULL || duration_parse(snooze,
	    &ms, &cause) != 0 || ms < API_SNOOZE_MIN || ms > API_SNOOZE_MAX)) {
		free(cause);
		http_error(req, HTTP_BADREQUEST, "for must be a duration from"
		    " 1m to 7d, such as \"30m\"");
		goto out;
	}
	memset(&c, 0, sizeof c);
	c.alert_id = id;
	c.kind = kinds[what];
	c.actor = (char *)actor;
	c.for_whom = (char *)for_whom;
	c.via = what == API_ACK || what == API_RESOLVE ? (char *)"api" : NULL;
	c.text = (char *)(what == API_NOTE ? text : what == API_SNOOZE ?
	    snooze : NULL);
	c.ms = ms;
	c.created_ms = clock_now_ms();
	if (api->standby) {
		api_command(req, api, &c, api_alert_answer);
		goto out;
	}
	res = command_apply(api->engine, NULL, &c, NULL, &cause);
	if (res != ENGINE_OK)
		api_engine_refused(req, res, cause);
	else {
		r = xcalloc(1, sizeof *r);
		r->api = api;
		r->req = req;
		r->id = id;
		/* may answer before it returns: req is not touched after */
		durable_then(api->store, api_action_durable, r);
	}
	free(cause);
out:
	json_decref(body);
}

static void
api_alert_ack(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_alert_action(req, m, arg, API_ACK);
}

static void
api_alert_resolve(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_alert_action(req, m, arg, API_RESOLVE);
}

static void
api_alert_note(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_alert_action(req, m, arg, API_NOTE);
}

static void
api_alert_escalate(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_alert_action(req, m, arg, API_ESCALATE);
}

static void
api_alert_snooze(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_alert_action(req, m, arg, API_SNOOZE);
}
