/* SPDX-License-Identifier: ISC */
/*
 * http-conn.c: the HTTP server's client connections.  Each is tracked
 * from accept to close: a deadline for the whole request (a slow client
 * cannot hold one forever), a cap on how many are open (the quietest
 * go first), a pause in accepting when descriptors run out, and the
 * access log line of each request, answered or abandoned.
 */
#include <sys/types.h>

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "clock.h"
#include "conf.h"
#include "http.h"
#include "http-private.h"
#include "log.h"
#include "xmalloc.h"

static void http_input_cb(struct evbuffer *, const struct evbuffer_cb_info *,
    void *);
static void http_conn_abandoned(struct http_conn *);

/* Every server (see http-private.h). */
struct http *http_servers;

static size_t
http_conn_hash(const struct bufferevent *bev)
{
	return ((uintptr_t)bev >> 4) % HTTP_CONN_BUCKETS;
}

/* 1 if it is time to log again; else count the event as missed. */
static int
http_ratelog_due(struct http_ratelog *r, int64_t now, uint64_t *missed)
{
	if (r->last != 0 && now - r->last < HTTP_WARN_INTERVAL_MS) {
		r->missed++;
		return 0;
	}
	*missed = r->missed;
	r->missed = 0;
	r->last = now;
	return 1;
}

/*
 * Stop accepting on every listener for HTTP_PAUSE_MS: connections wait
 * in the kernel's backlog meanwhile.  http_resume_cb() decides when to
 * take them again.
 */
static void
http_pause(struct http *h)
{
	struct timeval tv = { 0, HTTP_PAUSE_MS * 1000 };
	size_t i;

	if (!h->paused) {
		for (i = 0; i < h->nlisteners; i++)
			evconnlistener_disable(h->listeners[i]);
		h->paused = 1;
	}
	evtimer_add(h->resume, &tv);
}

/*
 * Shut down the least recently used connections until at most 7/8 of
 * http.max_connections are left, so that new clients (a /healthz probe,
 * an alert) get in even while idle connections hold every place.
 * evhttp sees each end and frees it; http_reap() then closes its fd.
 */
static void
http_make_room(struct http *h)
{
	struct http_conn *c;
	size_t target = h->max_conns - h->max_conns / 8, n = 0;
	evutil_socket_t s;

	while (h->nconns - h->nevicted > target &&
	    (c = TAILQ_FIRST(&h->lru)) != NULL) {
		TAILQ_REMOVE(&h->lru, c, lru);
		c->evicted = 1;
		h->nevicted++;
		if ((s = bufferevent_getfd(c->bev)) != -1)
			shutdown(s, SHUT_RDWR);
		n++;
	}
	if (n > 0)
		log_debug("http: closed the %zu least recently used"
		    " connection(s)", n);
}

/* Forget connections evhttp has freed, closing their descriptors. */
static void
http_reap(struct http *h)
{
	struct http_conn **p, *c;
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	void *cbarg;
	size_t b;

	for (b = 0; b < HTTP_CONN_BUCKETS; b++) {
		for (p = &h->conns[b]; (c = *p) != NULL;) {
			bufferevent_getcb(c->bev, &rd, &wr, &ev, &cbarg);
			if (rd != NULL || wr != NULL || ev != NULL) {
				p = &c->next;
				continue;
			}
			*p = c->next;
			if (c->evicted)
				h->nevicted--;
			else
				TAILQ_REMOVE(&h->lru, c, lru);
			h->nconns--;
			http_conn_abandoned(c);
			evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
			    c->input_cb);
			bufferevent_decref(c->bev);
			free(c->auth);
			free(c);
		}
	}
}

/* evhttp asks for each accepted connection's bufferevent: track it. */
struct bufferevent *
http_bev_cb(struct event_base *base, void *arg)
{
	struct http *h = arg;
	struct http_conn *c;
	struct bufferevent *bev;
	uint64_t missed;
	size_t b;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	bufferevent_incref(bev);
	c = xcalloc(1, sizeof *c);
	c->bev = bev;
	c->h = h;
	if ((c->input_cb = evbuffer_add_cb(bufferevent_get_input(bev),
	    http_input_cb, c)) == NULL)
		fatalx("evbuffer_add_cb failed");
	c->deadline = clock_mono_ms() + h->conf->http_timeout_ms;
	b = http_conn_hash(bev);
	c->next = h->conns[b];
	h->conns[b] = c;
	TAILQ_INSERT_TAIL(&h->lru, c, lru);
	h->nconns++;
	if (h->nconns >= h->max_conns) {
		/* the listener stops taking connections at once: libevent
		 * checks after each one whether it was disabled */
		if (http_ratelog_due(&h->full_log, clock_mono_ms(), &missed))
			log_warnx("http: %zu connections, as many as"
			    " http.max_connections allows: closing the least"
			    " recently used (%llu more time(s) since the last"
			    " message)", h->nconns, (unsigned long long)missed);
		http_make_room(h);
		http_pause(h);
	}
	return bev;
}

/*
 * A request of bev came in whole: its connection gets a new deadline.
 * Returns the connection, or NULL if it is not tracked.
 */
struct http_conn *
http_conn_progress(struct http *h, struct bufferevent *bev)
{
	struct http_conn *c;

	for (c = h->conns[http_conn_hash(bev)]; c != NULL; c = c->next) {
		if (c->bev != bev)
			continue;
		c->deadline = clock_mono_ms() + h->conf->http_timeout_ms;
		if (!c->evicted) {
			TAILQ_REMOVE(&h->lru, c, lru);
			TAILQ_INSERT_TAIL(&h->lru, c, lru);
		}
		return c;
	}
	return NULL;
}

/*
 * The client's address, for a request that never reaches a handler
 * (evhttp has it only in the connection it frees): looked up once per
 * connection, when its first bytes come.
 */
static void
http_conn_addr(struct http_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	evutil_socket_t s;

	snprintf(c->addr, sizeof c->addr, "unknown");
	if ((s = bufferevent_getfd(c->bev)) == -1 ||
	    getpeername(s, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    c->addr, sizeof c->addr);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    c->addr, sizeof c->addr);
}

/* Bytes came in on a connection: the first starts a request's clock. */
static void
http_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_conn *c = arg;

	if (info->n_added == 0 || c->req_start != 0)
		return;
	c->req_start = clock_mono_ms();
	if (c->addr[0] == '\0')
		http_conn_addr(c);
}

static const char *
http_method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "OTHER";
	}
}

/* Append s to the line at *p, cut short at end (which stays a NUL). */
static void
http_line_add(char **p, char *end, const char *s)
{
	size_t len = strlen(s);

	if (len > (size_t)(end - *p))
		len = end - *p;
	memcpy(*p, s, len);
	*p += len;
}

/* Append n, in decimal, to the line at *p. */
static void
http_line_add_num(char **p, char *end, long long n)
{
	char digits[24], *d = digits + sizeof digits;
	unsigned long long u = n < 0 ? -(unsigned long long)n :
	    (unsigned long long)n;

	*--d = '\0';
	do
		*--d = '0' + u % 10;
	while ((u /= 10) != 0);
	if (n < 0)
		*--d = '-';
	http_line_add(p, end, d);
}

/*
 * The access log line of req, from peer, started at start (monotonic
 * ms): status is the code answered, or -1 when the client went away
 * first.  The path is redacted into a buffer on the stack and the line
 * put together without printf: this runs for every alert taken.
 */
static void
http_access_log(struct evhttp_request *req, const char *peer, int64_t start,
    int status)
{
	char path[256], line[512], *p = line, *end = line + sizeof line - 1;
	long long ms = start != 0 ? (long long)(clock_mono_ms() - start) : 0;

	http_redact_uri(evhttp_request_get_uri(req), path, sizeof path);
	/* http: PEER "METHOD PATH" STATUS MSms (or aborted MSms) */
	http_line_add(&p, end, "http: ");
	http_line_add(&p, end, peer);
	http_line_add(&p, end, " \"");
	http_line_add(&p, end,
	    http_method_name(evhttp_request_get_command(req)));
	http_line_add(&p, end, " ");
	http_line_add(&p, end, path);
	http_line_add(&p, end, "\" ");
	if (status == -1)
		http_line_add(&p, end, "aborted");
	else
		http_line_add_num(&p, end, status);
	http_line_add(&p, end, " ");
	http_line_add_num(&p, end, ms);
	http_line_add(&p, end, "ms");
	*p = '\0';
	log_line(LOG_INFO, line, p - line);
}

/*
 * While a request waits for its answer (an alert for its group commit),
 * evhttp stops reading its connection and starts again once answered:
 * two changes to the epoll set, two epoll_ctl() calls for every alert,
 * as the answer comes a turn of the loop or more later.  Instead the
 * connection is left reading, into its input buffer only: evhttp's own
 * callbacks are set aside (they would take bytes read now for the next
 * request while this one is unanswered) and put back by evhttp itself
 * when it answers (evhttp_send_reply sets them all).  What arrives
 * meanwhile (the next pipelined request) waits in the buffer, at most
 * HTTP_HOLD_INPUT bytes of it (then the bufferevent stops reading), and
 * evhttp parses it once it has answered, as it does with bytes it had
 * read ahead.  An end of file, an error or a timeout meanwhile stops
 * the reading (the bufferevent does that) and is otherwise left for
 * evhttp to see once it reads again after answering, as before.
 */
static void
http_hold_event_cb(struct bufferevent *bev, short what, void *arg)
{
	/* the bufferevent stopped reading; evhttp sees it after answering */
}

void
http_conn_hold(struct http_conn *c, struct evhttp_request *req)
{
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	void *cbarg;

	/* answered already (written, or being written by evhttp) */
	if (c->req != req)
		return;
	bufferevent_getcb(c->bev, &rd, &wr, &ev, &cbarg);
	if (rd == NULL)
		return;
	bufferevent_setcb(c->bev, NULL, NULL, http_hold_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, HTTP_HOLD_INPUT);
	bufferevent_enable(c->bev, EV_READ);
	c->held = 1;
}

/*
 * The answer of a dispatched request was written: log it, and start the
 * clock of the next request if its bytes are already waiting (a
 * pipelined request adds nothing to the input buffer later).
 */
void
http_complete_cb(struct evhttp_request *req, void *arg)
{
	struct http_conn *c = arg;

	if (c->h->conf->http_access_log)
		http_access_log(req, http_peer(req), c->req_start,
		    evhttp_request_get_response_code(req));
	c->req = NULL;
	c->req_start = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 ?
	    clock_mono_ms() : 0;
	if (c->held) {
		bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
		c->held = 0;
	}
}

/*
 * A connection is going away.  If it had a request dispatched and not
 * answered (the client gave up while the store was committing, or the
 * answer could not be written), that request is still alive here: log
 * it as aborted; so too the bytes of a request it never dispatched.
 */
void
http_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn *c = arg;
	char *addr = NULL;
	ev_uint16_t port;

	if (c->req == NULL) {
		http_conn_abandoned(c); /* bytes of a request not dispatched */
		return;
	}
	if (c->h->conf->http_access_log) {
		evhttp_connection_get_peer(evcon, &addr, &port);
		http_access_log(c->req, addr != NULL ? addr : "unknown",
		    c->req_start, -1);
	}
	evhttp_request_set_on_complete_cb(c->req, NULL, NULL);
	c->req = NULL;
	c->req_start = 0;
}

/*
 * A connection evhttp has freed had bytes of a request it never
 * dispatched (cut off mid-request, shut down for being too slow, or
 * refused by evhttp itself before our handlers saw it): log that, with
 * no method or path to tell, timed until now.
 */
static void
http_conn_abandoned(struct http_conn *c)
{
	if (c->req_start == 0 || !c->h->conf->http_access_log)
		return;
	log_info("http: %s \"-\" aborted %lldms", c->addr,
	    (long long)(clock_mono_ms() - c->req_start));
	c->req_start = 0;
}

/*
 * The pause is over: accept again once the connections shut down have
 * gone and there is room; else make room and wait a little more.
 */
void
http_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	size_t i;

	http_reap(h);
	if (h->nconns >= h->max_conns) {
		http_make_room(h);
		http_pause(h);
		return;
	}
	for (i = 0; i < h->nlisteners; i++)
		evconnlistener_enable(h->listeners[i]);
	h->paused = 0;
}

/*
 * accept() failed.  Out of descriptors (EMFILE, ENFILE) or of kernel
 * memory, the listening socket stays readable and libevent would call
 * accept() again at once, for ever, logging each time: instead stop
 * accepting for a moment, lower the cap below what fit, close the least
 * recently used connections, and say so once an interval.  The errno is still accept()'s here.
 */
void
http_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct http *h;
	uint64_t missed;
	size_t cap;

	for (h = http_servers; h != NULL && h->evh != arg; h = h->next_server)
		continue;
	if (h == NULL) {
		log_warnx("http: accept: %s", strerror(err));
		return;
	}
	if (http_ratelog_due(&h->accept_log, clock_mono_ms(), &missed))
		log_warnx("http: accept: %s: not accepting for %dms"
		    " (%llu more time(s) since the last message)",
		    strerror(err), HTTP_PAUSE_MS, (unsigned long long)missed);
	if (err == EMFILE || err == ENFILE) {
		/*
		 * What fit, less an eighth, is the cap from now on (until a
		 * reload sets http.max_connections again): the descriptors
		 * left stay free for the store, the outbox's transfers and
		 * a reload's files, and a flood that goes on cannot take
		 * the last of them again a moment after the pause.
		 */
		cap = h->nconns - h->nconns / 8;
		if (cap < 16)
			cap = 16;
		if (cap < h->max_conns) {
			h->max_conns = cap;
			log_warnx("http: out of descriptors with %zu"
			    " connections: at most %zu from now on", h->nconns,
			    cap);
		}
		http_make_room(h);
	}
	http_pause(h);
}

/*
 * Once a second: forget connections evhttp has freed (their callbacks
 * are gone), and shut down those past their deadline; evhttp then sees
 * the connection end and frees it as usual.
 */
void
http_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	struct http_conn *c;
	int64_t now = clock_mono_ms();
	evutil_socket_t s;
	size_t b;

	http_reap(h);
	for (b = 0; b < HTTP_CONN_BUCKETS; b++) {
		for (c = h->conns[b]; c != NULL; c = c->next) {
			if (now > c->deadline &&
			    (s = bufferevent_getfd(c->bev)) != -1) {
				log_debug("http: connection %d took longer than"
				    " http.timeout: closing it", (int)s);
				shutdown(s, SHUT_RDWR);
				c->deadline = now + h->conf->http_timeout_ms;
			}
		}
	}
}

/*
 * http.max_connections against the limit on open files: warn when it
 * leaves less than half of them for outbound sends, the store and the
 * rest, where accept() would fail (EMFILE) before the cap is reached.
 */
void
http_check_limit(const struct conf *c)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	if ((rlim_t)c->http_max_connections > rl.rlim_cur / 2)
		log_warnx("http.max_connections is %lld, more than half of"
		    " the %llu files pagerd may open: outbound sends and the"
		    " store may run short", (long long)c->http_max_connections,
		    (unsigned long long)rl.rlim_cur);
}
