/* SPDX-License-Identifier: ISC */
/*
 * xfer.c: libcurl's multi interface, run by a worker thread on an event
 * loop of its own (curl_multi_socket_action), so that talking to
 * providers (connections, TLS, reading their answers) takes nothing
 * from the daemon's loop, which takes alerts.
 *
 * The loop builds each transfer's easy handle (xfer_post, xfer_smtp)
 * and queues it; the worker adds it to the multi handle, drives it, and
 * queues it back once it is over; the loop then runs its callback and
 * frees it.  A transfer is only ever touched by one thread at a time:
 * by the loop until it is queued, by the worker until it is queued
 * back.  The two queues are under one mutex; each side wakes the
 * other with an eventfd.  curl is never
 * called from inside its own callbacks, and nothing blocks (AsynchDNS
 * resolver, CURLOPT_NOSIGNAL).
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "xfer.h"
#include "xmalloc.h"

/* Responses bigger than this are cut: we only need ids and errors. */
#define XFER_BODY_MAX (64 * 1024)

struct xfer {
	CURL *h;
	struct curl_slist *headers;
	struct curl_slist *rcpt;
	char *post;
	size_t postlen;
	size_t postoff; /* SMTP upload position */
	char *body;
	size_t bodylen;
	char *retry_after;
	char errbuf[CURL_ERROR_SIZE];
	int smtp;
	xfer_done_cb done;
	void *arg;

	/* Set by the worker before it queues the transfer back. */
	CURLcode rc;
	long code;
	int finished;  /* it ran to its end (else: abandoned) */

	TAILQ_ENTRY(xfer) entry; /* a queue, or the worker's running list */
};
TAILQ_HEAD(xfer_list, xfer);

struct xfer_sock {
	struct event ev;
};

/* Shared by both threads, under xfer_mu. */
static pthread_mutex_t xfer_mu = PTHREAD_MUTEX_INITIALIZER;
static struct xfer_list xfer_inbox = TAILQ_HEAD_INITIALIZER(xfer_inbox);
static struct xfer_list xfer_outbox = TAILQ_HEAD_INITIALIZER(xfer_outbox);
static int xfer_stopping;

/* The loop's side. */
static struct event_base *xfer_base;
static struct event *xfer_back_ev;
static int xfer_back_fd = -1;     /* worker -> loop */
static size_t xfer_n;             /* started, callback not yet run */
static CURL *xfer_esc;            /* only for curl_easy_escape */
static pthread_t xfer_thread;
static int xfer_started;

/* The worker's side (and the loop's once the worker has stopped). */
static struct event_base *xfer_wbase;
static struct event *xfer_wake_ev;
static int xfer_wake_fd = -1;     /* loop -> worker */
static CURLM *xfer_multi;
static struct event xfer_timer;
static int64_t xfer_due; /* when xfer_timer fires (clock_mono_ms) */
static struct xfer_list xfer_running_list =
    TAILQ_HEAD_INITIALIZER(xfer_running_list);

static void xfer_reap(void);
static void xfer_free(struct xfer *);

/* Wake the thread that reads fd. */
static void
xfer_kick(int fd)
{
	uint64_t one = 1;

	while (write(fd, &one, sizeof one) == -1 && errno == EINTR)
		;
}

/* Read an eventfd's count (it only says "look"). */
static void
xfer_drain(int fd)
{
	uint64_t n;

	while (read(fd, &n, sizeof n) == -1 && errno == EINTR)
		;
}

/* Worker: give x back to the loop (x has left the multi handle). */
static void
xfer_hand_back(struct xfer *x)
{
	pthread_mutex_lock(&xfer_mu);
	TAILQ_INSERT_TAIL(&xfer_outbox, x, entry);
	pthread_mutex_unlock(&xfer_mu);
	xfer_kick(xfer_back_fd);
}

/* A socket is readable or writable: tell curl, then collect results. */
static void
xfer_fd_cb(evutil_socket_t fd, short what, void *arg)
{
	int flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (curl_multi_socket_action(xfer_multi, fd, flags, &running) !=
	    CURLM_OK)
		log_warnx("xfer: curl_multi_socket_action failed");
	xfer_reap();
}

/* curl's timeout expired (or it asked to be called at once). */
static void
xfer_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	int running;

	if (curl_multi_socket_action(xfer_multi, CURL_SOCKET_TIMEOUT, 0,
	    &running) != CURLM_OK)
		log_warnx("xfer: curl_multi_socket_action failed");
	xfer_reap();
}

/* CURLMOPT_SOCKETFUNCTION: curl says which fds to watch, and how. */
static int
xfer_sock_cb(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct xfer_sock *s = sockp;
	short ev = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		/* Sockets we never saw (resolver, cleanup) are ignored. */
		if (s != NULL) {
			event_del(&s->ev);
			curl_multi_assign(xfer_multi, fd, NULL);
			free(s);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		curl_multi_assign(xfer_multi, fd, s);
	} else
		event_del(&s->ev);
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	event_assign(&s->ev, xfer_wbase, fd, ev, xfer_fd_cb, NULL);
	event_add(&s->ev, NULL);
	return 0;
}

/*
 * CURLMOPT_TIMERFUNCTION: only (re)arm our timer; calling curl from here
 * would recurse, so even a 0 ms timeout goes through the loop.  A timer
 * already due sooner is left alone: curl only checks its timeouts when
 * called, so early is harmless, while pushing the timer back at every
 * new transfer (each asks for 0 ms) could keep it from ever firing
 * while a caller keeps adding transfers from 0 ms timers of its own.
 */
static int
xfer_timeout_cb(CURLM *m, long ms, void *arg)
{
	struct timeval tv;
	int64_t due;

	if (ms < 0) {
		evtimer_del(&xfer_timer);
		return 0;
	}
	due = clock_mono_ms() + ms;
	if (evtimer_pending(&xfer_timer, NULL) && xfer_due <= due)
		return 0;
	evtimer_del(&xfer_timer);
	xfer_due = due;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&xfer_timer, &tv);
	return 0;
}

/* Worker, woken by the loop: start what was queued, or stop. */
static void
xfer_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xfer_list in = TAILQ_HEAD_INITIALIZER(in);
	struct xfer *x;
	int stopping;

	xfer_drain(fd);
	pthread_mutex_lock(&xfer_mu);
	TAILQ_CONCAT(&in, &xfer_inbox, entry);
	stopping = xfer_stopping;
	pthread_mutex_unlock(&xfer_mu);

	if (stopping) {
		event_base_loopbreak(xfer_wbase);
		TAILQ_CONCAT(&xfer_running_list, &in, entry);
		return; /* xfer_shutdown takes everything over */
	}
	while ((x = TAILQ_FIRST(&in)) != NULL) {
		TAILQ_REMOVE(&in, x, entry);
		if (curl_multi_add_handle(xfer_multi, x->h) != CURLM_OK)
			fatalx("curl_multi_add_handle failed");
		TAILQ_INSERT_TAIL(&xfer_running_list, x, entry);
	}
}

static void *
xfer_main(void *arg)
{
	event_base_dispatch(xfer_wbase);
	return NULL;
}

/* Loop: run the callbacks of what the worker gave back, and free it. */
static void
xfer_back_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xfer_list back = TAILQ_HEAD_INITIALIZER(back);
	struct xfer_result r;
	struct xfer *x;

	xfer_drain(fd);
	pthread_mutex_lock(&xfer_mu);
	TAILQ_CONCAT(&back, &xfer_outbox, entry);
	pthread_mutex_unlock(&xfer_mu);
	while ((x = TAILQ_FIRST(&back)) != NULL) {
		TAILQ_REMOVE(&back, x, entry);
		xfer_n--;
		memset(&r, 0, sizeof r);
		r.status = x->code;
		r.body = x->body != NULL ? x->body : "";
		r.bodylen = x->bodylen;
		r.retry_after = x->retry_after;
		if (!x->finished)
			r.error = "shutting down";
		else if (x->rc != CURLE_OK) {
			r.error = x->errbuf[0] != '\0' ? x->errbuf :
			    curl_easy_strerror(x->rc);
			r.timeout = x->rc == CURLE_OPERATION_TIMEDOUT;
		}
		x->done(x->arg, &r);
		xfer_free(x);
	}
}

/*
 * Set up the transfers' worker, reporting to the loop of base.  Call
 * once, before any transfer.
 */
int
xfer_init(struct event_base *base, char **cause)
{
	if (xfer_multi != NULL)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xstrdup("curl_global_init failed");
		return -1;
	}
	if ((xfer_multi = curl_multi_init()) == NULL) {
		*cause = xstrdup("curl_multi_init failed");
		return -1;
	}
	if ((xfer_wbase = event_base_new()) == NULL ||
	    (xfer_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    (xfer_back_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    (xfer_wake_ev = event_new(xfer_wbase, xfer_wake_fd,
	    EV_READ | EV_PERSIST, xfer_wake_cb, NULL)) == NULL ||
	    (xfer_back_ev = event_new(base, xfer_back_fd,
	    EV_READ | EV_PERSIST, xfer_back_cb, NULL)) == NULL ||
	    event_add(xfer_wake_ev, NULL) != 0 ||
	    event_add(xfer_back_ev, NULL) != 0)
		fatalx("xfer: cannot set up the transfer thread's events");
	xfer_base = base;
	xfer_stopping = 0;
	evtimer_assign(&xfer_timer, xfer_wbase, xfer_timer_cb, NULL);
	curl_multi_setopt(xfer_multi, CURLMOPT_SOCKETFUNCTION, xfer_sock_cb);
	curl_multi_setopt(xfer_multi, CURLMOPT_TIMERFUNCTION, xfer_timeout_cb);
	if ((errno = pthread_create(&xfer_thread, NULL, xfer_main, NULL)) != 0)
		fatal("xfer: pthread_create");
	xfer_started = 1;
	return 0;
}

/*
 * Stop the worker and every transfer; clean up.  What had finished gets
 * its callback with its result; every other callback hears "shutting
 * down", so that owners can free what they lent.
 */
void
xfer_shutdown(void)
{
	struct xfer *x;

	if (xfer_multi == NULL)
		return;
	pthread_mutex_lock(&xfer_mu);
	xfer_stopping = 1;
	pthread_mutex_unlock(&xfer_mu);
	xfer_kick(xfer_wake_fd);
	if (xfer_started)
		pthread_join(xfer_thread, NULL);
	xfer_started = 0;
	/* The worker is gone: its list is ours. */
	pthread_mutex_lock(&xfer_mu);
	TAILQ_CONCAT(&xfer_running_list, &xfer_inbox, entry);
	pthread_mutex_unlock(&xfer_mu);
	while ((x = TAILQ_FIRST(&xfer_running_list)) != NULL) {
		curl_multi_remove_handle(xfer_multi, x->h);
		TAILQ_REMOVE(&xfer_running_list, x, entry);
		x->finished = 0;
		pthread_mutex_lock(&xfer_mu);
		TAILQ_INSERT_TAIL(&xfer_outbox, x, entry);
		pthread_mutex_unlock(&xfer_mu);
	}
	/* Callbacks may start transfers: those are given back at once. */
	for (;;) {
		pthread_mutex_lock(&xfer_mu);
		x = TAILQ_FIRST(&xfer_outbox);
		pthread_mutex_unlock(&xfer_mu);
		if (x == NULL)
			break;
		xfer_back_cb(xfer_back_fd, EV_READ, NULL);
	}
	/* The socket callback may still fire: the base must be alive. */
	curl_multi_cleanup(xfer_multi);
	xfer_multi = NULL;
	evtimer_del(&xfer_timer);
	event_free(xfer_wake_ev);
	event_free(xfer_back_ev);
	event_base_free(xfer_wbase);
	xfer_wake_ev = xfer_back_ev = NULL;
	xfer_wbase = NULL;
	close(xfer_wake_fd);
	close(xfer_back_fd);
	xfer_wake_fd = xfer_back_fd = -1;
	if (xfer_esc != NULL)
		curl_easy_cleanup(xfer_esc);
	xfer_esc = NULL;
	curl_global_cleanup();
}

size_t
xfer_running(void)
{
	return xfer_n;
}

static size_t
xfer_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n, keep = len;

	if (x->bodylen + keep > XFER_BODY_MAX)
		keep = XFER_BODY_MAX - x->bodylen;
	if (keep > 0) {
		x->body = xreallocarray(x->body, x->bodylen + keep + 1, 1);
		memcpy(x->body + x->bodylen, data, keep);
		x->bodylen += keep;
		x->body[x->bodylen] = '\0';
	}
	return len;
}

/* Keep the Retry-After header of the final response. */
static size_t
xfer_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n, k = sizeof "Retry-After:" - 1;
	char *v, *end;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue or a redirect). */
		free(x->retry_after);
		x->retry_after = NULL;
		return len;
	}
	if (len > k && strncasecmp(data, "Retry-After:", k) == 0) {
		v = xstrndup(data + k, len - k);
		end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			*--end = '\0';
		free(x->retry_after);
		x->retry_after = xstrdup(v + strspn(v, " \t"));
		free(v);
	}
	return len;
}

static size_t
xfer_read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (len > x->postlen - x->postoff)
		len = x->postlen - x->postoff;
	memcpy(buf, x->post + x->postoff, len);
	x->postoff += len;
	return len;
}

static struct xfer *
xfer_new(xfer_done_cb done, void *arg)
{
	struct xfer *x;

	x = xcalloc(1, sizeof *x);
	if ((x->h = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, xfer_write_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, "pagerd/" PACKAGE_VERSION);
	return x;
}

static void
xfer_common(struct xfer *x, int64_t connect_ms, int64_t total_ms,
    int insecure, const char *cafile, const char *user, const char *pass)
{
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(connect_ms > 0 ? connect_ms : 10000));
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS,
	    (long)(total_ms > 0 ? total_ms : 30000));
	if (insecure) {
		curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cafile != NULL)
		curl_easy_setopt(x->h, CURLOPT_CAINFO, cafile);
	if (user != NULL) {
		curl_easy_setopt(x->h, CURLOPT_USERNAME, user);
		curl_easy_setopt(x->h, CURLOPT_PASSWORD,
		    pass != NULL ? pass : "");
	}
}

/* Loop: hand x to the worker (or straight back, if it is stopping). */
static struct xfer *
xfer_start(struct xfer *x)
{
	int stopping;

	xfer_n++;
	pthread_mutex_lock(&xfer_mu);
	stopping = xfer_stopping;
	TAILQ_INSERT_TAIL(stopping ? &xfer_outbox : &xfer_inbox, x, entry);
	pthread_mutex_unlock(&xfer_mu);
	xfer_kick(stopping ? xfer_back_fd : xfer_wake_fd);
	return x;
}

/* Start an HTTP POST; done runs on the loop when it is over. */
struct xfer *
xfer_post(const struct xfer_http *req, xfer_done_cb done, void *arg)
{
	struct xfer *x;
	size_t i;

	if (xfer_multi == NULL)
		fatalx("xfer_post before xfer_init");
	x = xfer_new(done, arg);
	curl_easy_setopt(x->h, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP |
	    CURLPROTO_HTTPS));
#endif
	x->postlen = req->bodylen;
	x->post = xmalloc(x->postlen + 1);
	memcpy(x->post, req->body, x->postlen);
	x->post[x->postlen] = '\0';
	curl_easy_setopt(x->h, CURLOPT_POST, 1L);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, x->post);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)x->postlen);
	/* No "Expect: 100-continue" round trip for our small bodies. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		x->headers = curl_slist_append(x->headers, req->headers[i]);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, xfer_header_cb);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	if (req->user != NULL)
		curl_easy_setopt(x->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	xfer_common(x, req->connect_timeout_ms, req->timeout_ms,
	    req->insecure, req->cafile, req->user, req->password);
	return xfer_start(x);
}

/* Start sending one mail over SMTP; done runs on the loop. */
struct xfer *
xfer_smtp(const struct xfer_mail *m, xfer_done_cb done, void *arg)
{
	struct xfer *x;
	size_t i;

	if (xfer_multi == NULL)
		fatalx("xfer_smtp before xfer_init");
	x = xfer_new(done, arg);
	x->smtp = 1;
	curl_easy_setopt(x->h, CURLOPT_URL, m->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP |
	    CURLPROTO_SMTPS));
#endif
	if (m->starttls)
		curl_easy_setopt(x->h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(x->h, CURLOPT_MAIL_FROM, m->from);
	for (i = 0; m->rcpt[i] != NULL; i++)
		x->rcpt = curl_slist_append(x->rcpt, m->rcpt[i]);
	curl_easy_setopt(x->h, CURLOPT_MAIL_RCPT, x->rcpt);
	x->postlen = m->msglen;
	x->post = xmalloc(x->postlen + 1);
	memcpy(x->post, m->msg, x->postlen);
	curl_easy_setopt(x->h, CURLOPT_READFUNCTION, xfer_read_cb);
	curl_easy_setopt(x->h, CURLOPT_READDATA, x);
	curl_easy_setopt(x->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)x->postlen);
	xfer_common(x, m->connect_timeout_ms, m->timeout_ms, m->insecure,
	    m->cafile, m->user, m->password);
	return xfer_start(x);
}

static void
xfer_free(struct xfer *x)
{
	curl_easy_cleanup(x->h);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	free(x->post);
	free(x->body);
	free(x->retry_after);
	free(x);
}

/*
 * Worker: collect finished transfers, keep what curl says of each, and
 * give them back to the loop.
 */
static void
xfer_reap(void)
{
	struct xfer *x;
	CURLMsg *msg;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(xfer_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct xfer *)priv;
		x->rc = msg->data.result;
		x->code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->code);
		x->finished = 1;
		curl_multi_remove_handle(xfer_multi, x->h);
		TAILQ_REMOVE(&xfer_running_list, x, entry);
		xfer_hand_back(x);
	}
}

/*
 * Append key=value to the form body *buf (length *len), both escaped
 * (so "+" becomes "%2B" as Twilio wants).
 */
void
xfer_form_add(char **buf, size_t *len, const char *key, const char *value)
{
	char *k, *v;
	size_t n;

	if (xfer_esc == NULL && (xfer_esc = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	k = curl_easy_escape(xfer_esc, key, 0);
	v = curl_easy_escape(xfer_esc, value, 0);
	if (k == NULL || v == NULL)
		fatalx("curl_easy_escape failed");
	n = strlen(k) + strlen(v) + 2;
	*buf = xreallocarray(*buf, *len + n + 1, 1);
	snprintf(*buf + *len, n + 1, "%s%s=%s", *len > 0 ? "&" : "", k, v);
	*len += strlen(*buf + *len);
	curl_free(k);
	curl_free(v);
}

/*
 * A Retry-After value (seconds, or an HTTP-date) as a delay in ms from
 * now_ms; -1 if absent or not understood.  Capped at a day.
 */
int64_t
xfer_retry_after_ms(const char *v, int64_t now_ms)
{
	const int64_t cap = 86400 * 1000LL;
	char *end;
	long long s;
	time_t t;
	int64_t d;

	if (v == NULL || *v == '\0')
		return -1;
	if (isdigit((unsigned char)*v)) {
		s = strtoll(v, &end, 10);
		if (*end != '\0' || s < 0)
			return -1;
		return s > cap / 1000 ? cap : s * 1000;
	}
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	d = (int64_t)t * 1000 - now_ms;
	if (d < 0)
		d = 0;
	return d > cap ? cap : d;
}
