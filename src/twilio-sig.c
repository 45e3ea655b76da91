/* SPDX-License-Identifier: ISC */
/*
 * twilio-sig.c: X-Twilio-Signature, exactly as Twilio computes it: the
 * full URL as requested (query string untouched), then for a form POST
 * every parameter name in byte order followed by each of its distinct
 * values in byte order, no separators; HMAC-SHA1 under the auth token;
 * base64.  Twilio signs sometimes with and sometimes without an explicit
 * port, so both forms of the URL are accepted, as the official SDKs do.
 */
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "twilio.h"
#include "xmalloc.h"

static int
twilio_cmp(const void *a, const void *b)
{
	const struct twilio_param *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

/* The base64 signature of url + params under token (caller frees). */
char *
twilio_signature(const char *token, size_t tlen, const char *url,
    const struct twilio_param *params, size_t n)
{
	struct twilio_param *p = NULL;
	uint8_t mac[HMAC_SHA1_LEN];
	size_t len, i, off;
	char *msg;

	len = strlen(url);
	if (n > 0) {
		p = xcalloc(n, sizeof *p);
		memcpy(p, params, n * sizeof *p);
		qsort(p, n, sizeof *p, twilio_cmp);
	}
	for (i = 0; i < n; i++)
		len += strlen(p[i].name) + strlen(p[i].value);
	msg = xmalloc(len + 1);
	off = strlen(url);
	memcpy(msg, url, off);
	for (i = 0; i < n; i++) {
		/* Distinct values only: skip an exact repeat. */
		if (i > 0 && twilio_cmp(&p[i - 1], &p[i]) == 0)
			continue;
		memcpy(msg + off, p[i].name, strlen(p[i].name));
		off += strlen(p[i].name);
		memcpy(msg + off, p[i].value, strlen(p[i].value));
		off += strlen(p[i].value);
	}
	hmac_sha1(token, tlen, msg, off, mac);
	free(msg);
	free(p);
	return hmac_base64(mac, sizeof mac);
}

/*
 * The other form of url: without its ":port" if it has one, else with
 * the scheme's default port added.  NULL if url is not http(s).
 */
static char *
twilio_other_url(const char *url)
{
	const char *host, *end, *colon;
	char *out;
	int https;

	if (strncmp(url, "https://", 8) == 0)
		https = 1;
	else if (strncmp(url, "http://", 7) == 0)
		https = 0;
	else
		return NULL;
	host = url + (https ? 8 : 7);
	end = host + strcspn(host, "/?#");
	colon = memchr(host, ':', end - host);
	if (colon != NULL)
		xasprintf(&out, "%.*s%s", (int)(colon - url), url, end);
	else
		xasprintf(&out, "%.*s:%d%s", (int)(end - url), url,
		    https ? 443 : 80, end);
	return out;
}

/* 0 if sig is a valid signature of url + params under token, else -1. */
int
twilio_verify(const char *token, size_t tlen, const char *url,
    const struct twilio_param *params, size_t n, const char *sig)
{
	char *mine, *other;
	int ok;

	if (sig == NULL || strlen(sig) != 28)
		return -1;
	mine = twilio_signature(token, tlen, url, params, n);
	ok = hmac_equal(mine, sig, 28);
	free(mine);
	if (!ok && (other = twilio_other_url(url)) != NULL) {
		mine = twilio_signature(token, tlen, other, params, n);
		ok = hmac_equal(mine, sig, 28);
		free(mine);
		free(other);
	}
	return ok ? 0 : -1;
}
