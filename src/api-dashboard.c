/* SPDX-License-Identifier: ISC */
/*
 * api-dashboard.c: GET /, the dashboard page.  The page itself
 * (src/web/dashboard.html, embedded by make as dashboard-html.c) holds
 * no data and needs no key: its script fetches the JSON API with the
 * viewer key the user gives it.  We fill in the breach target and send
 * it with a Content-Security-Policy that allows only its own inline
 * script and style (by hash) and requests to this origin.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conf.h"
#include "hmac.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define API_DASHBOARD_MARK "@BREACH_TARGET@"

static void api_dashboard(struct evhttp_request *, const struct http_match *,
    void *);

static const struct http_route api_dashboard_routes[] = {
	{ HTTP_GET, "/", 0, api_dashboard },
};

/* The Content-Security-Policy of the page, built once. */
static char *api_dashboard_csp;

/*
 * "'sha256-...'" of the text between the first open and close tag,
 * as CSP wants it for an inline element; NULL if the page lacks it.
 */
static char *
api_dashboard_hash(const char *page, size_t len, const char *open,
    const char *close)
{
	const char *start, *end;
	uint8_t md[HMAC_SHA256_LEN];
	char *b64, *out;

	if ((start = memmem(page, len, open, strlen(open))) == NULL)
		return NULL;
	start += strlen(open);
	if ((end = memmem(start, len - (start - page), close,
	    strlen(close))) == NULL)
		return NULL;
	hmac_digest_sha256(start, end - start, md);
	b64 = hmac_base64(md, sizeof md);
	xasprintf(&out, "'sha256-%s'", b64);
	free(b64);
	return out;
}

/* Register GET /. */
void
api_dashboard_init(struct api *api, struct http *h)
{
	const char *page = (const char *)api_dashboard_html;
	char *script, *style;

	script = api_dashboard_hash(page, api_dashboard_html_len, "<script>",
	    "</script>");
	style = api_dashboard_hash(page, api_dashboard_html_len, "<style>",
	    "</style>");
	if (script == NULL || style == NULL)
		fatalx("dashboard: the embedded page lacks its script or style");
	free(api_dashboard_csp);
	/* nothing but our own inline code, and fetches to this origin */
	xasprintf(&api_dashboard_csp, "default-src 'none'; script-src %s;"
	    " style-src %s; connect-src 'self'; img-src 'self';"
	    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	    script, style);
	free(script);
	free(style);
	http_add_routes(h, api_dashboard_routes, nitems(api_dashboard_routes),
	    api);
}

/* GET /: the page, with the configured breach target filled in. */
static void
api_dashboard(struct evhttp_request *req, const struct http_match *m,
    void *arg)
{
	struct api *api = arg;
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	const char *page = (const char *)api_dashboard_html, *mark;
	size_t len = api_dashboard_html_len, off;
	struct evbuffer *out;

	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	mark = memmem(page, len, API_DASHBOARD_MARK,
	    strlen(API_DASHBOARD_MARK));
	if (mark != NULL) {
		off = mark - page;
		evbuffer_add(out, page, off);
		evbuffer_add_printf(out, "%g",
		    api->conf->dashboard_breach_target * 100);
		off += strlen(API_DASHBOARD_MARK);
		evbuffer_add(out, page + off, len - off);
	} else
		evbuffer_add(out, page, len);
	metrics_http_reply(req, HTTP_OK);
	evhttp_add_header(hdr, "Content-Type", "text/html; charset=utf-8");
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "Content-Security-Policy", api_dashboard_csp);
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(hdr, "X-Frame-Options", "DENY");
	evhttp_add_header(hdr, "Referrer-Policy", "no-referrer");
	evhttp_send_reply(req, HTTP_OK, NULL, out);
	evbuffer_free(out);
}
