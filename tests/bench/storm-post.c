/* SPDX-License-Identifier: ISC */
/*
 * storm-post.c: the alert poster of tests/bench/storm.  Posts N alerts
 * to pagerd's POST /api/v1/alerts at a steady RATE a second, spread over
 * CONNS keep-alive connections (each request goes to an idle one, or
 * waits on the least busy), and writes one line per alert to OUT once
 * all are answered (or after the deadline):
 *
 *	<i> <service> <sent, us> <answered, us> <status> <alert id>
 *
 * times CLOCK_REALTIME microseconds (the receivers use the same clock),
 * answered 0 and status 0 if no answer came.  Alert i has dedup_key
 * PREFIX-i and service "storm" (NSERVICES 1) or "svcNN", NN = i mod
 * NSERVICES.  Built by the script with cc; needs only libevent.
 *
 * usage: storm-post PORT KEY N RATE CONNS NSERVICES PREFIX OUT
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct post {
	int i;
	char service[16];
	long long sent_us;
	long long done_us;
	int status;
	long long id;
	int conn;
};

static struct event_base *base;
static struct evhttp_connection **conns;
static int *busy;
static struct post *posts;
static struct event *tick;
static char auth[512];
static const char *prefix;
static int nconns, nposts, nservices, issued, answered;
static double rate;
static long long t0_us;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	struct post *p = arg;
	struct evbuffer *in;
	char buf[256], *s;
	size_t len;

	p->done_us = now_us();
	busy[p->conn]--;
	answered++;
	if (req != NULL) {
		p->status = evhttp_request_get_response_code(req);
		in = evhttp_request_get_input_buffer(req);
		len = evbuffer_copyout(in, buf, sizeof buf - 1);
		buf[len] = '\0';
		if ((s = strstr(buf, "\"id\":")) != NULL)
			p->id = strtoll(s + 5, NULL, 10);
	}
	if (answered == nposts)
		event_base_loopexit(base, NULL);
}

static void
issue(struct post *p)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;
	char body[256];
	int c, best = 0;

	for (c = 0; c < nconns; c++)
		if (busy[c] < busy[best])
			best = c;
	p->conn = best;
	if (nservices <= 1)
		snprintf(p->service, sizeof p->service, "storm");
	else
		snprintf(p->service, sizeof p->service, "svc%02d",
		    p->i % nservices);
	snprintf(body, sizeof body, "{\"summary\":\"storm alert %d\","
	    "\"service\":\"%s\",\"dedup_key\":\"%s-%d\",\"priority\":\"P3\"}",
	    p->i, p->service, prefix, p->i);
	req = evhttp_request_new(done_cb, p);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", "127.0.0.1");
	evhttp_add_header(h, "Authorization", auth);
	evhttp_add_header(h, "Content-Type", "application/json");
	evbuffer_add(evhttp_request_get_output_buffer(req), body,
	    strlen(body));
	busy[best]++;
	p->sent_us = now_us();
	if (evhttp_make_request(conns[best], req, EVHTTP_REQ_POST,
	    "/api/v1/alerts") != 0) {
		busy[best]--;
		answered++;
	}
}

/* Every millisecond: post every alert whose turn has come. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	long long now = now_us();

	(void)fd;
	(void)what;
	(void)arg;
	while (issued < nposts &&
	    t0_us + (long long)(issued * 1e6 / rate) <= now)
		issue(&posts[issued++]);
	if (issued == nposts)
		event_del(tick);
}

int
main(int argc, char **argv)
{
	struct timeval ms = { 0, 1000 }, deadline;
	FILE *out;
	int i;

	if (argc != 9) {
		fprintf(stderr, "usage: storm-post port key n rate conns"
		    " nservices prefix out\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(auth, sizeof auth, "Bearer %s", argv[2]);
	nposts = atoi(argv[3]);
	rate = atof(argv[4]);
	nconns = atoi(argv[5]);
	nservices = atoi(argv[6]);
	prefix = argv[7];
	if (nposts <= 0 || rate <= 0 || nconns <= 0) {
		fprintf(stderr, "storm-post: bad arguments\n");
		return 2;
	}
	base = event_base_new();
	conns = calloc(nconns, sizeof *conns);
	busy = calloc(nconns, sizeof *busy);
	posts = calloc(nposts, sizeof *posts);
	if (base == NULL || conns == NULL || busy == NULL || posts == NULL)
		return 1;
	for (i = 0; i < nconns; i++) {
		conns[i] = evhttp_connection_base_new(base, NULL, "127.0.0.1",
		    (unsigned short)atoi(argv[1]));
		if (conns[i] == NULL)
			return 1;
		evhttp_connection_set_timeout(conns[i], 30);
	}
	for (i = 0; i < nposts; i++)
		posts[i].i = i;
	tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	event_add(tick, &ms);
	/* Bounded: the posting time and a minute for the last answers. */
	deadline.tv_sec = (long)(nposts / rate) + 60;
	deadline.tv_usec = 0;
	event_base_loopexit(base, &deadline);
	t0_us = now_us();
	tick_cb(-1, 0, NULL);
	event_base_dispatch(base);

	if ((out = fopen(argv[8], "w")) == NULL) {
		perror(argv[8]);
		return 1;
	}
	for (i = 0; i < nposts; i++)
		fprintf(out, "%d %s %lld %lld %d %lld\n", i,
		    posts[i].service[0] != '\0' ? posts[i].service : "-",
		    posts[i].sent_us, posts[i].done_us, posts[i].status,
		    posts[i].id);
	fclose(out);
	return answered == nposts ? 0 : 1;
}
