/* SPDX-License-Identifier: ISC */
/*
 * http-private.h: what the files of the HTTP server share (http.c, the
 * server, its routes and replies; http-conn.c, its client connections).
 * No one else includes it.
 */
#ifndef HTTP_PRIVATE_H
#define HTTP_PRIVATE_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct conf;

/* One table of routes, registered by one API module. */
struct http_table {
	const struct http_route *routes;
	size_t n;
	void *arg;
};

/*
 * A client connection, watched for the whole-request deadline.  evhttp's
 * own timeout only fires after a pause, so a client sending one byte a
 * second could hold a connection forever; each connection must instead
 * finish a request within http.timeout of accepting it or of its last
 * request, or it is shut down.  We hold a reference on the bufferevent
 * so its memory stays ours to look at after evhttp frees it (its
 * descriptor is closed when we drop that reference, in http_reap()).
 *
 * Connections are also kept in least-recently-used order (accepted, or
 * a request came in whole): when there are too many, the ones that
 * have been quiet longest are shut down first.
 *
 * For the access log, evhttp keeps no start time and tells nothing of a
 * request its client abandoned: the first byte of each request is
 * noticed by a callback on the input buffer (req_start), the answer by
 * the request's on_complete callback, and a request dispatched but
 * never answered by the close callback of its connection (req is the
 * request in flight, alive until then).  A request cut off before it
 * was read whole is logged when its connection is reaped.
 */
struct http_conn {
	struct bufferevent *bev;
	struct evbuffer_cb_entry *input_cb;
	struct http *h;
	int64_t deadline;
	int64_t req_start; /* first byte of the current request, or 0 */
	struct evhttp_request *req; /* dispatched, not yet answered */
	char addr[INET6_ADDRSTRLEN]; /* the client, once it sent a byte */
	int closecb_set;
	int evicted; /* shut down to make room; out of the LRU list */
	int held; /* reading on while its request waits (http_conn_hold) */
	/* the last bearer key that matched on this connection (http.c) */
	char *auth;
	size_t auth_len;
	const struct conf_key *auth_key;
	uint64_t auth_gen; /* of http's conf_gen */
	struct http_conn *next;
	TAILQ_ENTRY(http_conn) lru;
};
TAILQ_HEAD(http_lru, http_conn);

#define HTTP_CONN_BUCKETS 1024
/* What a connection may read ahead while its request waits. */
#define HTTP_HOLD_INPUT 65536
/* Out of descriptors or at the cap: how long to stop accepting. */
#define HTTP_PAUSE_MS 100
/* Say so at most once in this long; count what was not said. */
#define HTTP_WARN_INTERVAL_MS 10000

/* A warning repeated on every accept would flood the log: say it once
 * an interval, with how many times it happened meanwhile. */
struct http_ratelog {
	int64_t last;     /* when last logged, monotonic ms; 0: never */
	uint64_t missed;  /* times since, not logged */
};

struct http {
	struct evhttp *evh;
	struct event *sweep;
	struct event *resume; /* ends a pause in accepting */
	struct http_conn *conns[HTTP_CONN_BUCKETS];
	struct http_lru lru;
	size_t nconns;   /* tracked: each holds a descriptor */
	size_t nevicted; /* of those, shut down and not yet freed */
	size_t max_conns;
	struct evconnlistener **listeners;
	size_t nlisteners;
	int paused;
	struct http_ratelog full_log, accept_log;
	const struct conf *conf;
	uint64_t conf_gen; /* moves on with each conf: key caches expire */
	struct http_table *tables;
	size_t ntables;
	int64_t requests;
	struct http *next_server;
};

/* Every server, so a listener's error callback (which evhttp gives its
 * own argument) can find the one it belongs to (http-conn.c). */
extern struct http *http_servers;

/* http-conn.c */
struct bufferevent *http_bev_cb(struct event_base *, void *);
void http_sweep_cb(evutil_socket_t, short, void *);
void http_resume_cb(evutil_socket_t, short, void *);
void http_accept_error_cb(struct evconnlistener *, void *);
struct http_conn *http_conn_progress(struct http *, struct bufferevent *);
void http_conn_hold(struct http_conn *, struct evhttp_request *);
void http_complete_cb(struct evhttp_request *, void *);
void http_close_cb(struct evhttp_connection *, void *);
void http_check_limit(const struct conf *);

#endif
