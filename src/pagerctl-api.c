/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-api.c: pagerctl's HTTP client to the daemon: the bearer
 * token, one request at a time (libcurl's easy interface), the reply
 * parsed as JSON, and the daemon's errors turned into exit statuses.
 * The only file of pagerctl that includes libcurl.
 */
#include <errno.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pagerctl.h"
#include "xmalloc.h"

#define PAGERCTL_TIMEOUT 30L      /* seconds per request */
#define PAGERCTL_MAX_REPLY (16 << 20)

/* Once, before any request: libcurl's global state. */
void
pagerctl_api_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
}

/* Once, at exit: libcurl's end; the token is wiped before it is freed. */
void
pagerctl_api_done(struct pagerctl *ctl)
{
	curl_global_cleanup();
	if (ctl->token != NULL) {
		explicit_bzero(ctl->token, strlen(ctl->token));
		free(ctl->token);
		ctl->token = NULL;
	}
}

/* The token: --token-file's first line, else $PAGERD_TOKEN. */
int
pagerctl_api_token(struct pagerctl *ctl)
{
	char buf[4097];
	const char *env;
	size_t n;
	FILE *f;

	if (ctl->token != NULL)
		return 0;
	if (ctl->token_file != NULL) {
		if ((f = fopen(ctl->token_file, "r")) == NULL) {
			fprintf(stderr, "pagerctl: %s: %s\n", ctl->token_file,
			    strerror(errno));
			return -1;
		}
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		ctl->token = xstrdup(buf);
	} else if ((env = getenv("PAGERD_TOKEN")) != NULL)
		ctl->token = xstrdup(env);
	if (ctl->token == NULL || *ctl->token == '\0') {
		fprintf(stderr, "pagerctl: no token: set PAGERD_TOKEN or give"
		    " --token-file\n");
		return -1;
	}
	return 0;
}

struct pagerctl_api_buf {
	char *data;
	size_t len;
};

static size_t
pagerctl_api_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct pagerctl_api_buf *b = arg;
	size_t len = size * n;

	if (b->len + len > PAGERCTL_MAX_REPLY)
		return 0;
	b->data = xreallocarray(b->data, b->len + len + 1, 1);
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/*
 * One request to the daemon: GET path (with its query), or POST body
 * (JSON text) to path when body is not NULL.  On success *out gets the
 * parsed reply and *raw (if not NULL) its text, as the daemon sent it.
 * Failures are printed (the daemon's error text, never the token) and
 * give the exit status: 3 for 404, 4 for 409, 1 for the rest.
 */
int
pagerctl_api_request(struct pagerctl *ctl, const char *path, const char *body,
    json_t **out, char **raw)
{
	return pagerctl_api_method(ctl, NULL, path, body, out, raw);
}

/* The same with method ("DELETE"; NULL: GET, or POST with a body). */
int
pagerctl_api_method(struct pagerctl *ctl, const char *method,
    const char *path, const char *body, json_t **out, char **raw)
{
	struct pagerctl_api_buf b = { NULL, 0 };
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", *url, *auth;
	const char *msg;
	json_error_t jerr;
	json_t *j = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c;
	int status = PAGERCTL_FAIL;

	ctl->unreachable = 0;
	if (pagerctl_api_token(ctl) != 0)
		return PAGERCTL_FAIL;
	if ((c = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	xasprintf(&url, "%s%s", ctl->url, path);
	xasprintf(&auth, "Authorization: Bearer %s", ctl->token);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	if (method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, pagerctl_api_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, PAGERCTL_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP |
	    CURLPROTO_HTTPS);
#endif
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (rc != CURLE_OK) {
		fprintf(stderr, "pagerctl: %s: %s\n", url, *errbuf != '\0' ?
		    errbuf : curl_easy_strerror(rc));
		ctl->unreachable = 1;
		goto fail;
	}
	if (b.data == NULL ||
	    (j = json_loadb(b.data, b.len, 0, &jerr)) == NULL) {
		fprintf(stderr, "pagerctl: %s: status %ld, not JSON\n", url,
		    code);
		goto fail;
	}
	if (code < 200 || code > 299) {
		if (json_unpack(j, "{s:s}", "error", &msg) != 0)
			msg = "(no error message)";
		fprintf(stderr, "pagerctl: %s: %ld: %s%s\n", path, code, msg,
		    code != 403 || (body == NULL && method == NULL) ? "" :
		    strncmp(path, "/api/v1/alerts/", 15) == 0 ? " (ack,"
		    " resolve, escalate and note need a responder key)" :
		    " (this needs a responder key)");
		json_decref(j);
		if (code == 404)
			status = PAGERCTL_NOTFOUND;
		else if (code == 409)
			status = PAGERCTL_CONFLICT;
		goto fail;
	}
	free(url);
	if (raw != NULL)
		*raw = b.data;
	else
		free(b.data);
	*out = j;
	return PAGERCTL_OK;
fail:
	free(url);
	free(b.data);
	return status;
}

/*
 * A command's request: GET path, or POST body to it when body is not
 * NULL; path is freed.  Under --json the reply is printed as the daemon
 * sent it and *out is NULL: the command has nothing left to print.
 * Otherwise *out is the parsed reply, for the caller to print and free.
 * Returns the exit status, as pagerctl_api_request().
 */
int
pagerctl_api_call(struct pagerctl *ctl, char *path, const char *body,
    json_t **out)
{
	char *raw = NULL;
	json_t *j;
	int rc;

	*out = NULL;
	rc = pagerctl_api_request(ctl, path, body, &j, &raw);
	free(path);
	if (rc != PAGERCTL_OK)
		return rc;
	if (ctl->json) {
		pagerctl_print_raw(raw);
		json_decref(j);
	} else
		*out = j;
	free(raw);
	return PAGERCTL_OK;
}

/* Append "&name=value" (escaped) to *q; the first one starts with "?". */
void
pagerctl_api_query(char **q, const char *name, const char *value)
{
	char *esc, *next;

	if ((esc = curl_easy_escape(NULL, value, 0)) == NULL)
		fatalx("curl_easy_escape failed");
	xasprintf(&next, "%s%c%s=%s", *q, strchr(*q, '?') != NULL ? '&' :
	    '?', name, esc);
	curl_free(esc);
	free(*q);
	*q = next;
}
