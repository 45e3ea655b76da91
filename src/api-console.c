/* SPDX-License-Identifier: ISC */
/*
 * api-console.c: the responder's console, GET /console with its script
 * and stylesheet (src/web/console.{html,js,css}, embedded by make as
 * console-web.c), and GET /api/v1/whoami, which tells the console the
 * name and role of its key.  The files hold no data and need no key:
 * the script calls the JSON API with the key the user signs in with,
 * kept in the tab's sessionStorage and sent as "Authorization: Bearer",
 * never in a cookie or a URL.  Their Content-Security-Policy allows
 * script and style from this origin only (no inline code at all) and
 * requests to this origin.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "metrics.h"

/* Nothing but our own files, and fetches to this origin. */
#define API_CONSOLE_CSP "default-src 'none'; script-src 'self';" \
	" style-src 'self'; connect-src 'self'; img-src 'self';" \
	" base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static void api_console_page(struct evhttp_request *,
    const struct http_match *, void *);
static void api_console_script(struct evhttp_request *,
    const struct http_match *, void *);
static void api_console_style(struct evhttp_request *,
    const struct http_match *, void *);
static void api_whoami(struct evhttp_request *, const struct http_match *,
    void *);

static const struct http_route api_console_routes[] = {
	{ HTTP_GET, "/console", 0, api_console_page },
	{ HTTP_GET, "/console.js", 0, api_console_script },
	{ HTTP_GET, "/console.css", 0, api_console_style },
	{ HTTP_GET, "/api/v1/whoami", CONF_ROLE_VIEWER, api_whoami },
};

/* Register the console's routes. */
void
api_console_init(struct api *api, struct http *h)
{
	http_add_routes(h, api_console_routes, nitems(api_console_routes),
	    api);
}

/* Send one embedded file with its type and the console's headers. */
static void
api_console_send(struct evhttp_request *req, const unsigned char *body,
    size_t len, const char *type)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evbuffer_add(out, body, len);
	metrics_http_reply(req, HTTP_OK);
	evhttp_add_header(hdr, "Content-Type", type);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "Content-Security-Policy", API_CONSOLE_CSP);
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(hdr, "X-Frame-Options", "DENY");
	evhttp_add_header(hdr, "Referrer-Policy", "no-referrer");
	evhttp_send_reply(req, HTTP_OK, NULL, NULL);
}

/* GET /console */
static void
api_console_page(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_console_send(req, api_console_html, api_console_html_len,
	    "text/html; charset=utf-8");
}

/* GET /console.js */
static void
api_console_script(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_console_send(req, api_console_js, api_console_js_len,
	    "text/javascript; charset=utf-8");
}

/* GET /console.css */
static void
api_console_style(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	api_console_send(req, api_console_css, api_console_css_len,
	    "text/css; charset=utf-8");
}

/* GET /api/v1/whoami: the name and role of the key that asks. */
static void
api_whoami(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	int role = m->key->role;

	http_reply_json(req, HTTP_OK, json_pack("{s:s,s:s}", "name",
	    m->key->name, "role", (role & CONF_ROLE_RESPONDER) ==
	    CONF_ROLE_RESPONDER ? "responder" : "viewer"));
}
