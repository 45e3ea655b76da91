/* SPDX-License-Identifier: ISC */
/*
 * xfer.c: libcurl's multi interface driven by the daemon's libevent loop
 * (curl_multi_socket_action).  curl tells us which sockets to watch and
 * when to wake it; we never call curl from inside its own callbacks, and
 * nothing here blocks (AsynchDNS resolver, CURLOPT_NOSIGNAL).  Each
 * transfer's callback runs from the loop once it is over.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	TAILQ_ENTRY(xfer) entry;
};

struct xfer_sock {
	struct event ev;
};

static struct event_base *xfer_base;
static CURLM *xfer_multi;
static struct event xfer_timer;
static int64_t xfer_due; /* when xfer_timer fires (clock_mono_ms) */
static TAILQ_HEAD(, xfer) xfer_list = TAILQ_HEAD_INITIALIZER(xfer_list);
static size_t xfer_n;
static CURL *xfer_esc; /* only for curl_easy_escape */

static void xfer_reap(void);
static void xfer_free(struct xfer *);

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
	event_assign(&s->ev, xfer_base, fd, ev, xfer_fd_cb, NULL);
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

/* Set up the multi handle on base.  Call once, before any transfer. */
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
	xfer_base = base;
	evtimer_assign(&xfer_timer, base, xfer_timer_cb, NULL);
	curl_multi_setopt(xfer_multi, CURLMOPT_SOCKETFUNCTION, xfer_sock_cb);
	curl_multi_setopt(xfer_multi, CURLMOPT_TIMERFUNCTION, xfer_timeout_cb);
	return 0;
}

/* Stop every transfer (each callback hears "shutting down"); clean up. */
void
xfer_shutdown(void)
{
	struct xfer *x;
	struct xfer_result r;

	if (xfer_multi == NULL)
		return;
	/* Owners hear "shutting down" so they can free what they lent. */
	while ((x = TAILQ_FIRST(&xfer_list)) != NULL) {
		curl_multi_remove_handle(xfer_multi, x->h);
		TAILQ_REMOVE(&xfer_list, x, entry);
		xfer_n--;
		memset(&r, 0, sizeof r);
		r.error = "shutting down";
		r.body = "";
		x->done(x->arg, &r);
		xfer_free(x);
	}
	/* The socket callback may still fire: the base must be alive. */
	curl_multi_cleanup(xfer_multi);
	xfer_multi = NULL;
	evtimer_del(&xfer_timer);
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

static struct xfer *
xfer_start(struct xfer *x)
{
	if (curl_multi_add_handle(xfer_multi, x->h) != CURLM_OK)
		fatalx("curl_multi_add_handle failed");
	TAILQ_INSERT_TAIL(&xfer_list, x, entry);
	xfer_n++;
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

/* Stop a transfer that has not finished; its callback is not called. */
void
xfer_cancel(struct xfer *x)
{
	curl_multi_remove_handle(xfer_multi, x->h);
	TAILQ_REMOVE(&xfer_list, x, entry);
	xfer_n--;
	xfer_free(x);
}

/*
 * Collect finished transfers: copy what curl says before removing the
 * handle, then call the owner, then free.
 */
static void
xfer_reap(void)
{
	struct xfer_result r;
	struct xfer *x;
	CURLMsg *msg;
	CURLcode rc;
	char *priv;
	long code;
	int left;

	while ((msg = curl_multi_info_read(xfer_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct xfer *)priv;
		code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		curl_multi_remove_handle(xfer_multi, x->h);
		TAILQ_REMOVE(&xfer_list, x, entry);
		xfer_n--;

		memset(&r, 0, sizeof r);
		r.status = code;
		r.body = x->body != NULL ? x->body : "";
		r.bodylen = x->bodylen;
		r.retry_after = x->retry_after;
		if (rc != CURLE_OK) {
			r.error = x->errbuf[0] != '\0' ? x->errbuf :
			    curl_easy_strerror(rc);
			r.timeout = rc == CURLE_OPERATION_TIMEDOUT;
		}
		x->done(x->arg, &r);
		xfer_free(x);
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
