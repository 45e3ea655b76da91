/* SPDX-License-Identifier: ISC */
/*
 * null202.c: the ceiling of the HTTP layer for tests/bench/ingest: an
 * evhttp server that reads each request and answers 202 with a small
 * JSON body, storing nothing.  usage: null202 port
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>

static void
null202_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	evbuffer_add_printf(out, "{\"id\":1,\"status\":\"triggered\"}\n");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 202, "Accepted", out);
	evbuffer_free(out);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;

	if (argc != 2) {
		fprintf(stderr, "usage: null202 port\n");
		return 1;
	}
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_gencb(http, null202_cb, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1", atoi(argv[1])) != 0) {
		fprintf(stderr, "null202: cannot bind port %s\n", argv[1]);
		return 1;
	}
	event_base_dispatch(base);
	return 0;
}
