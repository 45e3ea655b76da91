/* SPDX-License-Identifier: ISC */
/*
 * api-silence.c: silences over HTTP.
 *
 *	POST /api/v1/silences		a new silence (responder): 201
 *	GET /api/v1/silences		those in force, to come, and ended
 *					in the last API_SILENCE_RECENT
 *	GET /api/v1/silences/{id}	one silence
 *	DELETE /api/v1/silences/{id}	expire it now (responder)
 *
 * The body is validated by silence.c; the creator is the name of the
 * key that posted it.  Bad input is answered 400 with the cause and
 * changes nothing; so is a silence with the same matchers as one whose
 * window it meets.
 *
 * On a standby node the new silence, or the expiry, is written as a
 * command for the leader (command.c), whose engine holds the silences
 * that the alerts it starts are matched against; the answer waits for
 * the leader's result (201, 200, 400, 404, 409), or is 202 with the
 * command's id after COMMAND_WAIT_MS.
 */
#include <event2/http.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "command.h"
#include "conf.h"
#include "durable.h"
#include "engine.h"
#include "http.h"
#include "number.h"
#include "silence.h"
#include "store.h"
#include "xmalloc.h"

/* Ended silences are listed for a week. */
#define API_SILENCE_RECENT (7 * 24 * 3600 * (int64_t)1000)

static void api_silence_post(struct evhttp_request *,
    const struct http_match *, void *);
static void api_silence_list(struct evhttp_request *,
    const struct http_match *, void *);
static void api_silence_one(struct evhttp_request *,
    const struct http_match *, void *);
static void api_silence_delete(struct evhttp_request *,
    const struct http_match *, void *);

static const struct http_route api_silence_routes[] = {
	{ HTTP_POST, "/api/v1/silences", CONF_ROLE_RESPONDER,
	    api_silence_post },
	{ HTTP_GET, "/api/v1/silences", CONF_ROLE_VIEWER, api_silence_list },
	{ HTTP_GET, "/api/v1/silences/{}", CONF_ROLE_VIEWER,
	    api_silence_one },
	{ HTTP_DELETE, "/api/v1/silences/{}", CONF_ROLE_RESPONDER,
	    api_silence_delete },
};

void
api_silence_init(struct api *api, struct http *h)
{
	http_add_routes(h, api_silence_routes, nitems(api_silence_routes),
	    api);
}

static void api_silence_reply(struct evhttp_request *, struct api *,
    int64_t, int);

/*
 * A silence command the leader carried out (c): the silence (201 for a
 * new one), or why not (400 for an overlap, as the leader answers).
 */
static void
api_silence_answer(struct evhttp_request *req, struct api *api,
    const struct store_command *c)
{
	int add = c->kind == STORE_CMD_SILENCE_ADD;

	if (add && c->result == ENGINE_CONFLICT)
		http_error(req, HTTP_BADREQUEST, "%s", c->cause != NULL ?
		    c->cause : "refused");
	else if (c->result != ENGINE_OK)
		api_engine_refused(req, c->result, c->cause);
	else
		api_silence_reply(req, api, c->alert_id, add ? HTTP_CREATED :
		    HTTP_OK);
}

/* POST /api/v1/silences */
static void
api_silence_post(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct store_command c;
	struct silence s;
	json_t *json;
	const char *buf;
	char *cause = NULL, *text;
	int64_t now = clock_now_ms(), other;
	size_t len;

	if (api_body(api, req, &buf, &len) != 0)
		return;
	if (silence_parse(buf, len, now, &s, &cause) != 0) {
		http_error(req, HTTP_BADREQUEST, "%s", cause);
		free(cause);
		return;
	}
	if (api->standby) {
		/* parsed: the body is JSON, with no NUL byte */
		silence_clear(&s);
		text = xstrndup(buf, len);
		memset(&c, 0, sizeof c);
		c.kind = STORE_CMD_SILENCE_ADD;
		c.actor = (char *)m->key->name;
		c.text = text;
		c.created_ms = now;
		api_command(req, api, &c, api_silence_answer);
		free(text);
		return;
	}
	if ((other = engine_silence_overlap(api->engine, &s)) != 0) {
		http_error(req, HTTP_BADREQUEST, "silence %" PRId64 " has the"
		    " same matchers and a window that meets this one: extend"
		    " or expire it instead", other);
		silence_clear(&s);
		return;
	}
	s.creator = xstrdup(m->key->name);
	if (engine_silence_add(api->engine, &s, &cause) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "%s", cause);
		free(cause);
		silence_clear(&s);
		return;
	}
	json = silence_json(&s, now);
	silence_clear(&s);
	/* in force now; answered once on disk */
	api_reply_durable(api, req, HTTP_CREATED, json);
}

/* GET /api/v1/silences */
static void
api_silence_list(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct silence *v;
	json_t *a;
	int64_t now = clock_now_ms();
	size_t n, i;

	if (store_silences(api->store, now - API_SILENCE_RECENT, &v,
	    &n) != 0) {
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(a, silence_json(&v[i], now));
		silence_clear(&v[i]);
	}
	free(v);
	http_reply_json(req, HTTP_OK, json_pack("{s:o}", "silences", a));
}

/* The id of the path, or -1 (answered 400). */
static int64_t
api_silence_id(struct evhttp_request *req, const struct http_match *m)
{
	int64_t id;

	if ((id = number_positive(m->param)) < 0)
		http_error(req, HTTP_BADREQUEST, "silence id must be a"
		    " positive integer");
	return id;
}

/* Answer silence id as it is now: code (200, 201), 404 or 503. */
static void
api_silence_reply(struct evhttp_request *req, struct api *api, int64_t id,
    int code)
{
	struct silence s;
	int rc;

	if ((rc = store_silence_get(api->store, id, &s)) < 0)
		http_error(req, HTTP_UNAVAILABLE, "the alert store failed");
	else if (rc == 0)
		http_error(req, HTTP_NOTFOUND, "no silence %" PRId64, id);
	else {
		http_reply_json(req, code, silence_json(&s, clock_now_ms()));
		silence_clear(&s);
	}
}

/* A silence expired, waiting for that to be on disk to be answered. */
struct api_silence_req {
	struct api *api;
	struct evhttp_request *req;
	int64_t id;
};

static void
api_silence_durable(void *arg, int ok)
{
	struct api_silence_req *r = arg;

	if (ok != STORE_DURABLE)
		http_error(r->req, HTTP_UNAVAILABLE, "the alert store cannot"
		    " write to disk");
	else
		api_silence_reply(r->req, r->api, r->id, HTTP_OK);
	free(r);
}

/* Answer silence id (200) once its change is on disk: call it last. */
static void
api_silence_later(struct evhttp_request *req, struct api *api, int64_t id)
{
	struct api_silence_req *r = xcalloc(1, sizeof *r);

	r->api = api;
	r->req = req;
	r->id = id;
	durable_then(api->store, api_silence_durable, r);
}

/* GET /api/v1/silences/{id} */
static void
api_silence_one(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	int64_t id;

	if ((id = api_silence_id(req, m)) >= 0)
		api_silence_reply(req, arg, id, HTTP_OK);
}

/* DELETE /api/v1/silences/{id}: expire it now. */
static void
api_silence_delete(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct store_command c;
	enum engine_result res;
	char *cause = NULL;
	int64_t id;

	if ((id = api_silence_id(req, m)) < 0)
		return;
	if (!api->ready) {
		http_error(req, HTTP_UNAVAILABLE, "shutting down");
		return;
	}
	if (api->standby) {
		memset(&c, 0, sizeof c);
		c.kind = STORE_CMD_SILENCE_EXPIRE;
		c.alert_id = id;
		c.actor = (char *)m->key->name;
		c.created_ms = clock_now_ms();
		api_command(req, api, &c, api_silence_answer);
		return;
	}
	res = engine_silence_expire(api->engine, id, m->key->name, &cause);
	if (res == ENGINE_OK)
		api_silence_later(req, api, id);
	else
		api_engine_refused(req, res, cause);
	free(cause);
}
