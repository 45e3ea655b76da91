/* SPDX-License-Identifier: ISC */
/*
 * http.c: the HTTP server on evhttp.  It binds the configured listeners,
 * bounds what a client may send (header and body sizes, read and write
 * timeouts so a slow client cannot hold a connection forever), routes
 * each request to an api.c handler, checks its bearer key against the
 * configured SHA-256 hashes, and answers every error as JSON.  It also
 * keeps the number of client connections under http.max_connections,
 * and stops accepting for a moment when the system has no descriptor
 * left, so that a flood of connections cannot starve the rest of the
 * daemon (outbound sends, the store) or spin the loop on accept().
 * With http.access_log, each request is logged once it is answered (or
 * its client went away), with its status and how long it took.  The
 * connections (deadlines, the cap, pauses, the access log) are
 * http-conn.c's; this file is the server, its routes and its replies.
 */
#include <sys/types.h>

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "conf.h"
#include "hmac.h"
#include "http.h"
#include "http-private.h"
#include "log.h"
#include "metrics.h"
#include "throttle.h"
#include "xmalloc.h"

#define HTTP_MAX_HEADERS 16384
#define HTTP_CHECK_HEADERS 64 /* headers looked at for framing */

static void http_dispatch_cb(struct evhttp_request *, void *);

/* Bind every configured listener; fails if any cannot be bound. */
struct http *
http_new(struct event_base *base, const struct conf *c, char **cause)
{
	struct http *h = xcalloc(1, sizeof *h);
	struct evhttp_bound_socket *bound;
	struct evconnlistener *lev;
	size_t i;

	TAILQ_INIT(&h->lru);
	h->next_server = http_servers;
	http_servers = h;
	if ((h->evh = evhttp_new(base)) == NULL)
		fatalx("evhttp_new failed");
	if ((h->resume = evtimer_new(base, http_resume_cb, h)) == NULL)
		fatalx("evtimer_new failed");
	h->listeners = xcalloc(c->nlisten, sizeof *h->listeners);
	for (i = 0; i < c->nlisten; i++) {
		if ((bound = evhttp_bind_socket_with_handle(h->evh,
		    c->listen[i].host, c->listen[i].port)) == NULL) {
			xasprintf(cause, "cannot listen on %s port %d",
			    c->listen[i].host, c->listen[i].port);
			http_free(h);
			return NULL;
		}
		lev = evhttp_bound_socket_get_listener(bound);
		evconnlistener_set_error_cb(lev, http_accept_error_cb);
		h->listeners[h->nlisteners++] = lev;
		log_info("listening on %s port %d", c->listen[i].host,
		    c->listen[i].port);
	}
	evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_default_content_type(h->evh, "application/json");
	evhttp_set_max_headers_size(h->evh, HTTP_MAX_HEADERS);
	evhttp_set_gencb(h->evh, http_dispatch_cb, h);
	evhttp_set_bevcb(h->evh, http_bev_cb, h);
	if ((h->sweep = event_new(base, -1, EV_PERSIST, http_sweep_cb,
	    h)) == NULL)
		fatalx("event_new failed");
	http_configure(h, c);
	{
		struct timeval tv = { 1, 0 };

		evtimer_add(h->sweep, &tv);
	}
	return h;
}

void
http_free(struct http *h)
{
	struct http_conn *c, *next;
	struct http **p;
	size_t b;

	if (h == NULL)
		return;
	for (p = &http_servers; *p != NULL; p = &(*p)->next_server) {
		if (*p == h) {
			*p = h->next_server;
			break;
		}
	}
	if (h->evh != NULL)
		evhttp_free(h->evh);
	if (h->sweep != NULL)
		event_free(h->sweep);
	if (h->resume != NULL)
		event_free(h->resume);
	free(h->listeners);
	for (b = 0; b < HTTP_CONN_BUCKETS; b++) {
		for (c = h->conns[b]; c != NULL; c = next) {
			next = c->next;
			evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
			    c->input_cb);
			bufferevent_decref(c->bev);
			free(c->auth);
			free(c);
		}
	}
	free(h->tables);
	free(h);
}

/*
 * Apply limits from a (new) conf.  The body limit handed to evhttp is
 * twice the configured one: evhttp itself refuses larger bodies with a
 * plain 413 before reading them, and bodies between the two limits get
 * our JSON 413 from http_body().
 */
void
http_configure(struct http *h, const struct conf *c)
{
	struct timeval tv;

	h->conf = c;
	h->conf_gen++;
	h->max_conns = c->http_max_connections;
	http_check_limit(c);
	evhttp_set_max_body_size(h->evh, (ev_ssize_t)c->http_max_body * 2);
	tv.tv_sec = c->http_timeout_ms / 1000;
	tv.tv_usec = (c->http_timeout_ms % 1000) * 1000;
	evhttp_set_timeout_tv(h->evh, &tv);
}

/* Add a table of routes; arg is handed to its handlers. */
void
http_add_routes(struct http *h, const struct http_route *routes, size_t n,
    void *arg)
{
	h->tables = xreallocarray(h->tables, h->ntables + 1, sizeof *h->tables);
	h->tables[h->ntables].routes = routes;
	h->tables[h->ntables].n = n;
	h->tables[h->ntables++].arg = arg;
}

int64_t
http_request_count(const struct http *h)
{
	return h->requests;
}

/*
 * jansson's writer: it hands over a few bytes at a time, and each
 * evbuffer_add() runs the buffer's callbacks, so pieces are gathered
 * here and added a few KiB at once.
 */
struct http_json_out {
	struct evbuffer *out;
	size_t len;
	char buf[4096 + 1];	/* and the final newline */
};

static int
http_json_add(const char *buf, size_t size, void *data)
{
	struct http_json_out *j = data;

	if (j->len + size > sizeof j->buf - 1) {
		if (evbuffer_add(j->out, j->buf, j->len) != 0)
			return -1;
		j->len = 0;
		if (size > sizeof j->buf - 1)
			return evbuffer_add(j->out, buf, size);
	}
	memcpy(j->buf + j->len, buf, size);
	j->len += size;
	return 0;
}

/*
 * The Date header evhttp would write, made once a second rather than
 * for every reply (gmtime and a printf for each took a tenth of the
 * work of answering an alert).
 */
static const char *
http_date(void)
{
	static char date[64];
	static time_t made = -1;
	time_t now = time(NULL);
	struct tm tm;

	if (now != made) {
		if (gmtime_r(&now, &tm) == NULL ||
		    evutil_date_rfc1123(date, sizeof date, &tm) == 0)
			return NULL;
		made = now;
	}
	return date;
}

/* Send the JSON body in req's output buffer with status code. */
static void
http_reply_json_send(struct evhttp_request *req, int code)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	const char *date;

	metrics_http_reply(req, code);
	evhttp_remove_header(hdr, "Content-Type");
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if ((date = http_date()) != NULL)
		evhttp_add_header(hdr, "Date", date);
	evhttp_send_reply(req, code, NULL, NULL);
}

/* Send o (reference stolen) as the JSON body with status code. */
void
http_reply_json(struct evhttp_request *req, int code, json_t *o)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct http_json_out j;

	j.out = out;
	j.len = 0;
	/* a value json_pack() could not build (bad UTF-8 in a name from a
	 * config file, say) must not take the daemon down */
	if (o == NULL || json_dump_callback(o, http_json_add, &j,
	    JSON_COMPACT) != 0 || (j.buf[j.len] = '\n',
	    evbuffer_add(out, j.buf, j.len + 1)) != 0) {
		char logbuf[256];

		log_warnx("http: cannot encode the reply to %s",
		    http_redact_uri(evhttp_request_get_uri(req), logbuf,
		    sizeof logbuf));
		code = HTTP_INTERNAL;
		evbuffer_drain(out, evbuffer_get_length(out));
		evbuffer_add_printf(out, "{\"error\":\"internal error: the"
		    " reply could not be encoded\"}\n");
	}
	json_decref(o);
	http_reply_json_send(req, code);
}

/*
 * Write out at once the reply evhttp has just queued on bev, and if the
 * socket took it whole, tell evhttp it is written, as its write
 * callback would have been told at the next turn of the loop.  Left as
 * it was, each reply costs two changes to the epoll set (wait for the
 * socket to be writable, then stop waiting) and a turn of the loop;
 * this way evhttp stops reading and starts again within one turn, so
 * the epoll set is changed not at all for the reply.  A reply the
 * socket does not take whole (or an error) is left to the bufferevent,
 * as before.  The request may be freed before this returns.
 */
static void
http_reply_flush(struct bufferevent *bev)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	evutil_socket_t fd = bufferevent_getfd(bev);
	bufferevent_data_cb rd, wr;

	if (fd == -1)
		return;
	bufferevent_getcb(bev, &rd, &wr, NULL, NULL);
	if (wr == NULL)
		return;
	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, fd) <= 0)
			return;
	bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
}

/*
 * The head of a reply (status line and headers) and its body, put
 * together on the stack and added to out a few KiB at once: evhttp
 * writes each line with evbuffer_add_printf(), a printf and a run of
 * the buffer's callbacks per header, about a tenth of the work of
 * taking an alert.
 */
struct http_head_out {
	struct evbuffer *out;
	size_t len;
	char buf[2048];
};

static void
http_head_add(struct http_head_out *o, const char *s, size_t n)
{
	if (o->len + n > sizeof o->buf) {
		evbuffer_add(o->out, o->buf, o->len);
		o->len = 0;
		if (n > sizeof o->buf) {
			evbuffer_add(o->out, s, n);
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
http_head_adds(struct http_head_out *o, const char *s)
{
	http_head_add(o, s, strlen(s));
}

/* Append n in decimal. */
static void
http_head_num(struct http_head_out *o, unsigned long long n)
{
	char digits[24], *d = digits + sizeof digits;

	do
		*--d = '0' + n % 10;
	while ((n /= 10) != 0);
	http_head_add(o, d, digits + sizeof digits - d);
}

/*
 * Answer req with code and the len bytes of JSON at text as evhttp
 * would, writing the bytes ourselves: 1 if done, 0 if the request is
 * not one this knows how to answer exactly (it is then untouched).
 *
 * evhttp_send_reply() still runs, so that evhttp does all it does for
 * a reply: the status code, the Connection header it adds or removes
 * for the request's Connection header, the keep-alive or close after
 * the reply is written, freeing the request, reading the next one.
 * Only its writing is left out: the end of the connection's output
 * buffer is frozen meanwhile, so that its evbuffer_add_printf() of the
 * status line and of each header (and its add of the body, which is
 * not given to it) add nothing.  Then the reply is written as it would
 * have been: "HTTP/major.minor code phrase", each output header in
 * order as "name: value", a blank line, the body.  The headers evhttp
 * adds on its own (Date, Content-Length, Content-Type) are given to it
 * first, so it has nothing to format.
 *
 * Taken only for a POST of HTTP/1.1 or later answered with a body
 * (where evhttp always sends Content-Length) and no framing header set
 * yet; anything else goes the ordinary way.
 */
static int
http_reply_fast(struct evhttp_request *req, int code, const char *text,
    size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evkeyval *kv;
	struct bufferevent *bev;
	struct evbuffer *out;
	struct http_head_out o;
	const char *date, *phrase;
	char clen[24], *d = clen + sizeof clen;
	size_t n = len;

	if (evcon == NULL || req->major != 1 || req->minor < 1 ||
	    evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
	    code < 200 || code == HTTP_NOCONTENT || code == HTTP_NOTMODIFIED ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return 0;
	TAILQ_FOREACH(kv, hdr, next)
		if (strcasecmp(kv->key, "Content-Length") == 0 ||
		    strcasecmp(kv->key, "Transfer-Encoding") == 0 ||
		    strcasecmp(kv->key, "Content-Type") == 0 ||
		    strcasecmp(kv->key, "Date") == 0)
			return 0;
	*--d = '\0';
	do
		*--d = '0' + n % 10;
	while ((n /= 10) != 0);
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if ((date = http_date()) != NULL)
		evhttp_add_header(hdr, "Date", date);
	evhttp_add_header(hdr, "Content-Length", d);
	metrics_http_reply(req, code);

	out = bufferevent_get_output(bev);
	evbuffer_freeze(out, 0);
	evhttp_send_reply(req, code, NULL, NULL);
	evbuffer_unfreeze(out, 0);

	o.out = out;
	o.len = 0;
	http_head_add(&o, "HTTP/1.", 7);
	http_head_num(&o, (unsigned char)req->minor);
	http_head_add(&o, " ", 1);
	http_head_num(&o, (unsigned)evhttp_request_get_response_code(req));
	http_head_add(&o, " ", 1);
	if ((phrase = evhttp_request_get_response_code_line(req)) != NULL)
		http_head_adds(&o, phrase);
	http_head_add(&o, "\r\n", 2);
	TAILQ_FOREACH(kv, hdr, next) {
		http_head_adds(&o, kv->key);
		http_head_add(&o, ": ", 2);
		http_head_adds(&o, kv->value);
		http_head_add(&o, "\r\n", 2);
	}
	http_head_add(&o, "\r\n", 2);
	http_head_add(&o, text, len);
	evbuffer_add(out, o.buf, o.len);
	http_reply_flush(bev);
	return 1;
}

/*
 * Send text, len bytes of JSON written by the caller, with status code;
 * the reply is written out at once (http_reply_flush): req may be gone
 * when this returns.
 */
void
http_reply_json_text(struct evhttp_request *req, int code, const char *text,
    size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;

	if (http_reply_fast(req, code, text, len))
		return;
	if (evbuffer_add(evhttp_request_get_output_buffer(req), text, len) !=
	    0) {
		http_reply_json(req, code, NULL); /* answers 500 */
		return;
	}
	bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	http_reply_json_send(req, code);
	if (bev != NULL)
		http_reply_flush(bev);
}

/* Answer {"error": "..."} with status code. */
void
http_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	log_debug("http: %d %s", code, msg);
	/* unavailable for now (the store unreachable, a restart): retry */
	if (code == HTTP_UNAVAILABLE && evhttp_find_header(
	    evhttp_request_get_output_headers(req), "Retry-After") == NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
	http_reply_json(req, code, json_pack("{s:s}", "error", msg));
	free(msg);
}

/*
 * The request body, flattened; answers 413 and returns -1 if it is over
 * the configured limit.
 */
int
http_body(struct evhttp_request *req, const struct conf *c, const char **buf,
    size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);

	*len = evbuffer_get_length(in);
	if ((int64_t)*len > c->http_max_body) {
		http_error(req, HTTP_TOOLARGE, "body is larger than %lld bytes",
		    (long long)c->http_max_body);
		return -1;
	}
	*buf = *len == 0 ? "" : (const char *)evbuffer_pullup(in, -1);
	return 0;
}

/* Does path match pattern?  "{}" matches one non-empty segment. */
static int
http_match_path(const char *pattern, const char *path, const char **param,
    size_t *plen)
{
	const char *brace = strstr(pattern, "{}");
	size_t pre, seg;

	if (brace == NULL)
		return strcmp(pattern, path) == 0;
	pre = brace - pattern;
	if (strncmp(pattern, path, pre) != 0)
		return 0;
	seg = strcspn(path + pre, "/");
	if (seg == 0 || strcmp(brace + 2, path + pre + seg) != 0)
		return 0;
	*param = path + pre;
	*plen = seg;
	return 1;
}

static int
http_method_bit(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		return HTTP_GET;
	case EVHTTP_REQ_POST:
		return HTTP_POST;
	case EVHTTP_REQ_DELETE:
		return HTTP_DELETE;
	default:
		return 0;
	}
}

/*
 * The key of conf c whose hash matches the bearer key presented
 * (conf_key_find).  A connection remembers the last one that matched:
 * a sender posting alert after alert on one keep-alive connection has
 * its key hashed once, not for each (SHA-256 was about 4% of the work
 * of taking an alert).  The remembered key is compared in constant
 * time, like the hashes (a proxy may carry several clients' requests
 * on one connection), and forgotten when the configuration changes.
 */
static const struct conf_key *
http_key_find(struct http *h, struct http_conn *conn, const struct conf *c,
    const char *presented)
{
	const struct conf_key *k;
	size_t len;

	if (conn == NULL || c != h->conf)
		return conf_key_find(c, presented);
	len = strlen(presented);
	if (conn->auth != NULL && conn->auth_gen == h->conf_gen &&
	    conn->auth_len == len && hmac_equal(conn->auth, presented, len))
		return conn->auth_key;
	if ((k = conf_key_find(c, presented)) != NULL) {
		free(conn->auth);
		conn->auth = xstrdup(presented);
		conn->auth_len = len;
		conn->auth_key = k;
		conn->auth_gen = h->conf_gen;
	}
	return k;
}

/*
 * http_require(), with the key cache of connection conn (NULL: none)
 * of server h.
 */
static int
http_require_conn(struct http *h, struct http_conn *conn,
    struct evhttp_request *req, const struct conf *c, int role,
    const struct conf_key **key)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *auth = evhttp_find_header(in, "Authorization");
	const struct conf_key *k;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 ||
	    auth[7] == '\0') {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"pagerd\"");
		http_error(req, HTTP_UNAUTHORIZED,
		    "missing Authorization: Bearer key");
		return -1;
	}
	if ((k = h != NULL ? http_key_find(h, conn, c, auth + 7) :
	    conf_key_find(c, auth + 7)) == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"pagerd\","
		    " error=\"invalid_token\"");
		http_error(req, HTTP_UNAUTHORIZED, "unknown key");
		return -1;
	}
	if ((k->role & role) != role) {
		http_error(req, HTTP_FORBIDDEN, "key \"%s\" may not do this",
		    k->name);
		return -1;
	}
	if (key != NULL)
		*key = k;
	return 0;
}

/*
 * 0 if the request carries a key of conf c with role; else answer
 * 401 or 403 and return -1.  *key (if not NULL) is who it is.
 */
int
http_require(struct evhttp_request *req, const struct conf *c, int role,
    const struct conf_key **key)
{
	return http_require_conn(NULL, NULL, req, c, role, key);
}

/*
 * Check the framing of a request before anything else looks at it
 * (http_framing_check): 0, or -1 when it was answered 400, with the
 * connection closed after the answer since whatever followed the body
 * cannot be trusted to be the next request.
 */
static int
http_framing(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct http_header hs[HTTP_CHECK_HEADERS];
	struct evkeyval *kv;
	const char *why;
	size_t n = 0;

	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Content-Length") != 0 &&
		    strcasecmp(kv->key, "Transfer-Encoding") != 0)
			continue;
		if (n == nitems(hs)) {
			why = "too many Content-Length or Transfer-Encoding"
			    " headers";
			goto bad;
		}
		hs[n].name = kv->key;
		hs[n++].value = kv->value;
	}
	if (http_framing_check(hs, n, &why) == 0)
		return 0;
bad:
	log_info("http: %s: framing refused: %s", http_peer(req), why);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Connection", "close");
	http_error(req, HTTP_BADREQUEST, "%s", why);
	return -1;
}

/* The address of the client of req, for logs and throttling. */
const char *
http_peer(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port;

	if (conn != NULL)
		evhttp_connection_get_peer(conn, &addr, &port);
	return addr != NULL ? addr : "unknown";
}

/*
 * A bad ack token or provider signature came from the client of req:
 * count it in /metrics under reason and log it (at most one line a
 * minute, with how many it stands for; what says what was refused).
 * Unless strike is 0 (the request was itself signed by the provider,
 * and only its token was stale), its address takes a strike in t; an
 * address that is blocked is answered 429 with Retry-After here, and -1
 * returned.  0: the caller answers the refusal as it would have.
 * Requests that are valid never come here, so they are never throttled.
 */
int
http_refuse(struct evhttp_request *req, struct throttle *t, int strike,
    const char *reason, const char *what)
{
	static struct throttle_log lines;
	const char *peer = http_peer(req);
	char retry[32];
	int64_t now = clock_mono_ms(), count, retry_ms;

	metrics_refused(reason);
	if (throttle_log_due(&lines, now, THROTTLE_LOG_MS, &count))
		log_info("%s from %s (%lld refused since the last such line)",
		    what, peer, (long long)count);
	if (!strike || t == NULL)
		return 0;
	if (throttle_blocked(t, peer, now, &retry_ms) == 0) {
		if (throttle_strike(t, peer, now) == 1)
			log_warnx("http: %s sends too many bad tokens or"
			    " signatures: answering it 429 for %llds", peer,
			    (long long)(THROTTLE_BLOCK_MS / 1000));
		return 0;
	}
	metrics_throttled();
	snprintf(retry, sizeof retry, "%lld",
	    (long long)((retry_ms + 999) / 1000));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", retry);
	http_error(req, HTTP_TOOMANY, "too many bad requests from this"
	    " address; try again later");
	return -1;
}

/* Find the route for a request: 404 for no path, 405 for no method. */
static void
http_dispatch_cb(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct http_route *r;
	struct http_conn *c;
	struct http_match m;
	const char *path, *param = NULL;
	char *copy = NULL, allow[32], logbuf[256];
	size_t i, t, plen = 0;
	int methods = 0, bit;

	h->requests++;
	if ((c = http_conn_progress(h,
	    evhttp_connection_get_bufferevent(evcon))) != NULL) {
		if (c->req_start == 0)
			c->req_start = clock_mono_ms();
		c->req = req;
		evhttp_request_set_on_complete_cb(req, http_complete_cb, c);
		if (!c->closecb_set) {
			evhttp_connection_set_closecb(evcon, http_close_cb, c);
			c->closecb_set = 1;
		}
	}
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	bit = http_method_bit(evhttp_request_get_command(req));
	if (log_getverbose())	/* the redaction is not free */
		log_debug("http: %s", http_redact_uri(
		    evhttp_request_get_uri(req), logbuf, sizeof logbuf));
	if (http_framing(req) != 0)
		return;
	for (t = 0; t < h->ntables; t++) {
		for (i = 0; i < h->tables[t].n; i++) {
			r = &h->tables[t].routes[i];
			if (!http_match_path(r->pattern, path, &param, &plen))
				continue;
			methods |= r->methods;
			if ((r->methods & bit) == 0)
				continue;
			memset(&m, 0, sizeof m);
			m.path = path;
			if (param != NULL)
				m.param = copy = xstrndup(param, plen);
			if (r->role == 0 || http_require_conn(h, c, req,
			    h->conf, r->role, &m.key) == 0)
				r->handler(req, &m, h->tables[t].arg);
			free(copy);
			if (c != NULL)	/* req may be gone: compared only */
				http_conn_hold(c, req);
			return;
		}
	}
	if (methods == 0) {
		/* redacted: under /ack/ the path may be a token */
		http_error(req, HTTP_NOTFOUND, "no such path: %.200s",
		    http_redact_uri(path, logbuf, sizeof logbuf));
		return;
	}
	snprintf(allow, sizeof allow, "%s%s%s%s%s", (methods & HTTP_GET) ?
	    "GET, HEAD" : "", (methods & HTTP_GET) && (methods & HTTP_POST) ?
	    ", " : "", (methods & HTTP_POST) ? "POST" : "",
	    (methods & HTTP_DELETE) && methods != HTTP_DELETE ? ", " : "",
	    (methods & HTTP_DELETE) ? "DELETE" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow);
	http_error(req, HTTP_BADMETHOD, "method not allowed; use %s", allow);
}
