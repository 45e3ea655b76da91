/* SPDX-License-Identifier: ISC */
/*
 * sink.c: the page receiver of tests/bench/pages and
 * tests/bench/vs-alertmanager: an evhttp server on 127.0.0.1 that
 * answers every request 200 at once and writes one line per request to
 * LOG, flushed at once so a driver can follow it:
 *
 *	<arrival, CLOCK_REALTIME microseconds> <path> <body on one line>
 *
 * (newlines in the body become spaces).  A request to /slow/MS/...
 * is logged on arrival too but answered MS milliseconds later (a slow
 * provider).  The port it listens on (0: any free one) is written to
 * PORTFILE.  The benchmark scripts build it with cc into their temporary
 * folder; it needs only libevent.
 *
 * usage: sink PORT PORTFILE LOG
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static FILE *sink_log;
static struct event_base *sink_base;

/* A reply held back (/slow/): dropped if the client goes first. */
struct sink_slow {
	struct event *ev;
	struct evhttp_request *req;
};

static void
sink_reply(struct evhttp_request *req)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evbuffer_add(out, "{\"ok\":true}\n", 12);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
sink_slow_free(struct sink_slow *sl)
{
	event_free(sl->ev);
	free(sl);
}

static void
sink_slow_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	sink_slow_free(arg);
}

static void
sink_slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sink_slow *sl = arg;

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(evhttp_request_get_connection(sl->req),
	    NULL, NULL);
	sink_reply(sl->req);
	sink_slow_free(sl);
}

static void
sink_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const char *uri = evhttp_request_get_uri(req);
	struct sink_slow *sl;
	struct timeval tv;
	struct timespec ts;
	size_t len, i;
	unsigned char *body;
	long ms;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	len = evbuffer_get_length(in);
	body = evbuffer_pullup(in, -1);
	fprintf(sink_log, "%lld %s ", (long long)ts.tv_sec * 1000000 +
	    ts.tv_nsec / 1000, uri);
	for (i = 0; i < len; i++)
		putc(body[i] == '\n' || body[i] == '\r' ? ' ' : body[i],
		    sink_log);
	putc('\n', sink_log);
	fflush(sink_log);
	if (strncmp(uri, "/slow/", 6) == 0 && (ms = atol(uri + 6)) > 0 &&
	    (sl = calloc(1, sizeof *sl)) != NULL) {
		sl->req = req;
		sl->ev = evtimer_new(sink_base, sink_slow_cb, sl);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(sl->ev, &tv);
		evhttp_connection_set_closecb(evcon, sink_slow_close, sl);
		return;
	}
	sink_reply(req);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;
	FILE *pf;
	int fd, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: sink port portfile log\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sink_log = fopen(argv[3], "w")) == NULL) {
		perror(argv[3]);
		return 1;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Our own socket, for a long listen queue: a sender may open
	 * thousands of connections at once. */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 65535) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0 ||
	    evutil_make_socket_nonblocking(fd) != 0) {
		perror("sink: socket");
		return 1;
	}
	sink_base = base = event_base_new();
	http = evhttp_new(base);
	if (base == NULL || http == NULL ||
	    evhttp_accept_socket_with_handle(http, fd) == NULL) {
		fprintf(stderr, "sink: cannot set up evhttp\n");
		return 1;
	}
	evhttp_set_max_body_size(http, 256 * 1024 * 1024);
	evhttp_set_gencb(http, sink_cb, NULL);
	if ((pf = fopen(argv[2], "w")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	fprintf(pf, "%d\n", ntohs(sin.sin_port));
	fclose(pf);
	event_base_dispatch(base);
	return 0;
}
