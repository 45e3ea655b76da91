/* SPDX-License-Identifier: ISC */
/*
 * api-rota.c: the rota side of the HTTP API.  Who is on call at an
 * instant and why, the shifts of a window, the status of every rota
 * file, and iCalendar feeds of a rota or a person.  The feeds are
 * readable with a viewer key or with a signed link (?sig=, see
 * feedsig.c), since calendar clients cannot send an Authorization
 * header.  Instants in queries are ISO 8601 with an offset.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "clock.h"
#include "conf.h"
#include "duration.h"
#include "feedsig.h"
#include "handoff.h"
#include "http.h"
#include "iso8601.h"
#include "log.h"
#include "metrics.h"
#include "oncall.h"
#include "people.h"
#include "rota.h"
#include "xmalloc.h"

#define API_ROTA_SCHEDULE_DEFAULT (7 * DURATION_DAY)
#define API_ROTA_SCHEDULE_MAX (186 * DURATION_DAY)
#define API_ROTA_FEED_DAYS 180

static void api_rota_oncall(struct evhttp_request *,
    const struct http_match *, void *);
static void api_rota_schedule(struct evhttp_request *,
    const struct http_match *, void *);
static void api_rota_list(struct evhttp_request *, const struct http_match *,
    void *);
static void api_rota_feed(struct evhttp_request *, const struct http_match *,
    void *);
static void api_rota_person_feed(struct evhttp_request *,
    const struct http_match *, void *);
static void api_rota_feeds(struct evhttp_request *, const struct http_match *,
    void *);

static const struct http_route api_rota_routes[] = {
	{ HTTP_GET, "/api/v1/oncall", CONF_ROLE_VIEWER, api_rota_oncall },
	{ HTTP_GET, "/api/v1/oncall/schedule", CONF_ROLE_VIEWER,
	    api_rota_schedule },
	{ HTTP_GET, "/api/v1/rotas", CONF_ROLE_VIEWER, api_rota_list },
	{ HTTP_GET, "/api/v1/feeds", CONF_ROLE_VIEWER, api_rota_feeds },
	/* Authenticated in the handler: a viewer key or a signed link. */
	{ HTTP_GET, "/api/v1/rotas/{}", 0, api_rota_feed },
	{ HTTP_GET, "/api/v1/people/{}", 0, api_rota_person_feed },
};

/* Register the rota routes; api->oncall must be set. */
void
api_rota_init(struct api *api, struct http *h)
{
	http_add_routes(h, api_rota_routes, nitems(api_rota_routes), api);
}

static json_t *
api_rota_local(const struct rota *r, int64_t ms)
{
	char buf[64];

	if (ms == ROTA_NONE)
		return json_null();
	return json_string(rota_format_local(r, ms, buf, sizeof buf));
}

/*
 * Parse the query string into q, allowing only the names in allowed
 * (NULL-terminated).  Answers 400 and returns -1 on error.
 */
static int
api_rota_query(struct evhttp_request *req, struct evkeyvalq *q,
    const char *const *allowed)
{
	const char *query;
	struct evkeyval *kv;
	size_t i;

	TAILQ_INIT(q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL && evhttp_parse_query_str(query, q) != 0) {
		http_error(req, HTTP_BADREQUEST, "malformed query string");
		return -1;
	}
	TAILQ_FOREACH(kv, q, next) {
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(kv->key, allowed[i]) == 0)
				break;
		}
		if (allowed[i] == NULL) {
			http_error(req, HTTP_BADREQUEST, "unknown parameter"
			    " \"%.64s\"", kv->key);
			evhttp_clear_headers(q);
			return -1;
		}
	}
	return 0;
}

/*
 * The instant in parameter name of q, or def if absent.  A "+" of an
 * offset that was not percent-encoded arrives as a space: take it back.
 * Answers 400 naming the parameter and returns -1 if it is bad.
 */
static int
api_rota_instant(struct evhttp_request *req, struct evkeyvalq *q,
    const char *name, int64_t def, int64_t *out)
{
	const char *v = evhttp_find_header(q, name);
	char *copy, *sp, *cause = NULL;
	int rc;

	*out = def;
	if (v == NULL)
		return 0;
	copy = xstrdup(v);
	if ((sp = strrchr(copy, ' ')) != NULL && sp - copy > 10)
		*sp = '+';
	rc = iso8601_parse(copy, out, &cause);
	free(copy);
	if (rc == 0 && (*out < 0 || *out >= 7000LL * 366 * DURATION_DAY)) {
		rc = -1;
		cause = xstrdup("out of range");
	}
	if (rc != 0) {
		http_error(req, HTTP_BADREQUEST, "%s: %s", name, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* The rota named by parameter rota, or NULL after answering 404. */
static const struct rota *
api_rota_find(struct evhttp_request *req, struct api *api, const char *name)
{
	const struct rota *r;

	r = rota_set_find(oncall_rotas(api->oncall), name);
	if (r == NULL)
		http_error(req, HTTP_NOTFOUND, "no rota \"%.64s\"", name);
	return r;
}

static json_t *
api_rota_shift_json(const struct api *api, const struct rota *asked,
    const struct rota_shift *s)
{
	const struct person *p = people_find(oncall_people(api->oncall),
	    s->person);
	char why[ROTA_WHY_LEN];
	json_t *o;

	o = json_pack("{s:s,s:s?,s:o,s:o,s:o,s:o,s:s}",
	    "person", s->person,
	    "name", p != NULL ? p->name : NULL,
	    "start", api_time(s->start, API_TIME_ROTA),
	    "end", api_time(s->end, API_TIME_ROTA),
	    "start_local", api_rota_local(asked, s->start),
	    "end_local", api_rota_local(asked, s->end),
	    "why", rota_shift_why(s, why, sizeof why));
	json_object_set_new(o, "layer", s->layer != NULL ?
	    json_string(s->layer->name) : json_null());
	json_object_set_new(o, "override", s->override != NULL ?
	    json_pack("{s:s,s:i,s:s?}", "kind",
	    s->override->kind == ROTA_REPLACE ? "replace" :
	    s->override->kind == ROTA_ADD ? "add" : "off",
	    "line", s->override->line, "reason", s->override->reason) :
	    json_null());
	json_object_set_new(o, "backup", s->backup ?
	    json_string(s->rota->name) : json_null());
	return o;
}

/* One rota's people on call at t. */
static json_t *
api_rota_oncall_json(const struct api *api, const struct rota *r, int64_t t)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	json_t *arr = json_array();
	size_t i;

	rota_oncall(r, t, &sh);
	for (i = 0; i < sh.n; i++)
		json_array_append_new(arr, api_rota_shift_json(api, r,
		    &sh.list[i]));
	rota_shifts_free(&sh);
	return json_pack("{s:s,s:s,s:o,s:o}", "rota", r->name, "timezone",
	    r->tzname, "at_local", api_rota_local(r, t), "oncall", arr);
}

/* GET /api/v1/oncall?rota=&at= */
static void
api_rota_oncall(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	static const char *const allowed[] = { "rota", "at", NULL };
	struct api *api = arg;
	const struct rota_set *set = oncall_rotas(api->oncall);
	const struct rota *r;
	struct evkeyvalq q;
	const char *name;
	json_t *arr;
	int64_t t;
	size_t i;

	if (api_rota_query(req, &q, allowed) != 0)
		return;
	if (api_rota_instant(req, &q, "at", clock_now_ms(), &t) != 0)
		goto out;
	arr = json_array();
	if ((name = evhttp_find_header(&q, "rota")) != NULL) {
		if ((r = api_rota_find(req, api, name)) == NULL) {
			json_decref(arr);
			goto out;
		}
		json_array_append_new(arr, api_rota_oncall_json(api, r, t));
	} else {
		for (i = 0; i < set->n; i++)
			json_array_append_new(arr, api_rota_oncall_json(api,
			    set->list[i], t));
	}
	http_reply_json(req, HTTP_OK, json_pack("{s:o,s:o}", "at",
	    api_time(t, API_TIME_ROTA), "rotas", arr));
out:
	evhttp_clear_headers(&q);
}

/* GET /api/v1/oncall/schedule?rota=&from=&to=&person= */
static void
api_rota_schedule(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	static const char *const allowed[] = { "rota", "from", "to", "person",
	    NULL };
	struct api *api = arg;
	struct rota_shifts sh = { NULL, 0, 0 };
	const struct rota *r;
	struct evkeyvalq q;
	const char *name, *person;
	json_t *arr;
	int64_t from, to;
	size_t i;

	if (api_rota_query(req, &q, allowed) != 0)
		return;
	if ((name = evhttp_find_header(&q, "rota")) == NULL) {
		http_error(req, HTTP_BADREQUEST, "rota: missing");
		goto out;
	}
	if (api_rota_instant(req, &q, "from", clock_now_ms(), &from) != 0 ||
	    api_rota_instant(req, &q, "to", from + API_ROTA_SCHEDULE_DEFAULT,
	    &to) != 0)
		goto out;
	if (to <= from) {
		http_error(req, HTTP_BADREQUEST, "to: must be after from");
		goto out;
	}
	if (to - from > API_ROTA_SCHEDULE_MAX) {
		http_error(req, HTTP_BADREQUEST, "to: the window may be at most"
		    " %lld days", (long long)(API_ROTA_SCHEDULE_MAX /
		    DURATION_DAY));
		goto out;
	}
	if ((r = api_rota_find(req, api, name)) == NULL)
		goto out;
	person = evhttp_find_header(&q, "person");
	if (rota_schedule(r, from, to, person, &sh) != 0) {
		http_error(req, HTTP_BADREQUEST, "from: outside the years"
		    " 1970-9000");
		goto out;
	}
	arr = json_array();
	for (i = 0; i < sh.n; i++)
		json_array_append_new(arr, api_rota_shift_json(api, r,
		    &sh.list[i]));
	rota_shifts_free(&sh);
	http_reply_json(req, HTTP_OK, json_pack("{s:s,s:s,s:o,s:o,s:o}",
	    "rota", r->name, "timezone", r->tzname, "from",
	    api_time(from, API_TIME_ROTA), "to", api_time(to, API_TIME_ROTA),
	    "shifts", arr));
out:
	evhttp_clear_headers(&q);
}

/* The signed link of a feed path, or NULL if no secret is set. */
static json_t *
api_rota_signed(const struct api *api, const char *path)
{
	const struct conf *c = api->conf;
	char sig[FEEDSIG_HEX_LEN + 1], *url;
	json_t *o;

	if (c->calendar_secret == NULL)
		return json_null();
	feedsig_sign(c->calendar_secret, c->calendar_secret_len, path, sig);
	xasprintf(&url, "%s%s?sig=%s", c->http_public_url != NULL ?
	    c->http_public_url : "", path, sig);
	o = json_string(url);
	free(url);
	return o;
}

static const char *api_rota_states[] = { "ok", "stale", "failed" };

/* GET /api/v1/rotas */
static void
api_rota_list(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	const struct oncall_status *st;
	struct rota_shifts sh = { NULL, 0, 0 };
	const struct rota *r;
	const char *last;
	json_t *arr, *o, *w, *e, *on, *layers;
	int64_t now = clock_now_ms(), at;
	char *path;
	size_t i, j;

	arr = json_array();
	for (i = 0; i < oncall_nstatus(api->oncall); i++) {
		st = oncall_status(api->oncall, i);
		w = json_array();
		for (j = 0; j < st->nwarnings; j++)
			json_array_append_new(w, json_string(st->warnings[j]));
		e = json_array();
		for (j = 0; j < st->nerrors; j++)
			json_array_append_new(e, json_string(st->errors[j]));
		o = json_pack("{s:s,s:s?,s:s,s:o,s:o,s:s?,s:o,s:o}",
		    "file", st->file, "name", st->name,
		    "status", api_rota_states[st->state],
		    "loaded_at", st->loaded_ms > 0 ?
		    api_time(st->loaded_ms, API_TIME_ROTA) : json_null(),
		    "checked_at", api_time(st->checked_ms, API_TIME_ROTA),
		    "error", st->error, "errors", e, "warnings", w);
		r = st->name != NULL ?
		    rota_set_find(oncall_rotas(api->oncall), st->name) : NULL;
		if (r != NULL) {
			layers = json_array();
			for (j = 0; j < r->nlayers; j++)
				json_array_append_new(layers,
				    json_string(r->layers[j].name));
			on = json_array();
			rota_oncall(r, now, &sh);
			for (j = 0; j < sh.n; j++)
				json_array_append_new(on,
				    json_string(sh.list[j].person));
			rota_shifts_free(&sh);
			xasprintf(&path, "/api/v1/rotas/%s.ics", r->name);
			json_object_set_new(o, "timezone",
			    json_string(r->tzname));
			json_object_set_new(o, "layers", layers);
			json_object_set_new(o, "overrides",
			    json_integer((json_int_t)r->noverrides));
			json_object_set_new(o, "backup", r->backup != NULL ?
			    json_string(r->backup) : json_null());
			json_object_set_new(o, "oncall", on);
			json_object_set_new(o, "next_handoff",
			    api_time(rota_next_handoff(r, now), API_TIME_ROTA));
			json_object_set_new(o, "ics_url",
			    api_rota_signed(api, path));
			free(path);
			last = api->handoff != NULL ?
			    handoff_last(api->handoff, r->name, &at) : NULL;
			json_object_set_new(o, "last_handoff", last != NULL ?
			    json_pack("{s:o,s:o}",
			    "at", api_time(at, API_TIME_ROTA),
			    "detail", json_loads(last, 0, NULL)) :
			    json_null());
		}
		json_array_append_new(arr, o);
	}
	http_reply_json(req, HTTP_OK, json_pack("{s:s?,s:o}", "rota_dir",
	    oncall_rota_dir(api->oncall), "rotas", arr));
}

/* GET /api/v1/feeds: the signed links of every feed. */
static void
api_rota_feeds(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	const struct rota_set *set = oncall_rotas(api->oncall);
	const struct people *pp = oncall_people(api->oncall);
	json_t *rotas, *people;
	char *path;
	size_t i;

	if (api->conf->calendar_secret == NULL) {
		http_error(req, HTTP_NOTFOUND, "signed feed links need"
		    " calendar_secret_file in the configuration");
		return;
	}
	rotas = json_array();
	for (i = 0; i < set->n; i++) {
		xasprintf(&path, "/api/v1/rotas/%s.ics", set->list[i]->name);
		json_array_append_new(rotas, json_pack("{s:s,s:o}", "name",
		    set->list[i]->name, "url", api_rota_signed(api, path)));
		free(path);
	}
	people = json_array();
	for (i = 0; pp != NULL && i < pp->n; i++) {
		xasprintf(&path, "/api/v1/people/%s.ics", pp->list[i].id);
		json_array_append_new(people, json_pack("{s:s,s:o}", "id",
		    pp->list[i].id, "url", api_rota_signed(api, path)));
		free(path);
	}
	http_reply_json(req, HTTP_OK, json_pack("{s:o,s:o}", "rotas", rotas,
	    "people", people));
}

/*
 * May this request read the feed at path?  Either ?sig= is its
 * signature, or it carries a viewer key.  Answers 401/403 and returns
 * -1 if not.
 */
static int
api_rota_feed_auth(struct evhttp_request *req, const struct api *api,
    const char *path)
{
	const struct conf *c = api->conf;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq q;
	const char *query, *sig, *auth;
	const struct conf_key *k;
	int ok = 0;

	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		http_error(req, HTTP_BADREQUEST, "malformed query string");
		return -1;
	}
	if ((sig = evhttp_find_header(&q, "sig")) != NULL) {
		if (c->calendar_secret == NULL)
			http_error(req, HTTP_FORBIDDEN, "signed links are not"
			    " enabled");
		else if (!feedsig_verify(c->calendar_secret,
		    c->calendar_secret_len, path, sig))
			http_error(req, HTTP_FORBIDDEN, "bad signature");
		else
			ok = 1;
		evhttp_clear_headers(&q);
		return ok ? 0 : -1;
	}
	evhttp_clear_headers(&q);
	auth = evhttp_find_header(in, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 ||
	    (k = conf_key_find(c, auth + 7)) == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"pagerd\"");
		http_error(req, HTTP_UNAUTHORIZED, "a viewer key or a signed"
		    " link (?sig=) is needed");
		return -1;
	}
	if ((k->role & CONF_ROLE_VIEWER) != CONF_ROLE_VIEWER) {
		http_error(req, HTTP_FORBIDDEN, "key \"%s\" may not do this",
		    k->name);
		return -1;
	}
	return 0;
}

/* Send text as an iCalendar body. */
static void
api_rota_send_ical(struct evhttp_request *req, char *text)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *out;

	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evbuffer_add(out, text, strlen(text));
	free(text);
	evhttp_remove_header(hdr, "Content-Type");
	evhttp_add_header(hdr, "Content-Type", "text/calendar; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "private, max-age=300");
	metrics_http_reply(req, HTTP_OK);
	evhttp_send_reply(req, HTTP_OK, NULL, out);
	evbuffer_free(out);
}

/* The NAME of "NAME.ics" as a new string, or NULL. */
static char *
api_rota_ics_name(const char *param)
{
	size_t len = strlen(param);

	if (len <= 4 || strcmp(param + len - 4, ".ics") != 0)
		return NULL;
	return xstrndup(param, len - 4);
}

/* GET /api/v1/rotas/NAME.ics */
static void
api_rota_feed(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	const struct rota *r;
	char *name, *path;
	int64_t now = clock_now_ms();

	if ((name = api_rota_ics_name(m->param)) == NULL) {
		http_error(req, HTTP_NOTFOUND, "no such path: %.200s",
		    m->path);
		return;
	}
	xasprintf(&path, "/api/v1/rotas/%s.ics", name);
	if (api_rota_feed_auth(req, api, path) == 0 &&
	    (r = api_rota_find(req, api, name)) != NULL)
		api_rota_send_ical(req, rota_ical(r, oncall_people(api->oncall),
		    now, now + API_ROTA_FEED_DAYS * DURATION_DAY, now));
	free(path);
	free(name);
}

/* GET /api/v1/people/ID.ics: one person's shifts in every rota. */
static void
api_rota_person_feed(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	const struct people *pp = oncall_people(api->oncall);
	char *id, *path;
	int64_t now = clock_now_ms();

	if ((id = api_rota_ics_name(m->param)) == NULL) {
		http_error(req, HTTP_NOTFOUND, "no such path: %.200s",
		    m->path);
		return;
	}
	xasprintf(&path, "/api/v1/people/%s.ics", id);
	if (api_rota_feed_auth(req, api, path) == 0) {
		if (people_find(pp, id) == NULL)
			http_error(req, HTTP_NOTFOUND, "no person \"%.64s\"",
			    id);
		else
			api_rota_send_ical(req, rota_ical_person(
			    oncall_rotas(api->oncall), pp, id, now,
			    now + API_ROTA_FEED_DAYS * DURATION_DAY, now));
	}
	free(path);
	free(id);
}
