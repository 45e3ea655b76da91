/* SPDX-License-Identifier: ISC */
/*
 * http-check.c: pure checks on what a client sent, kept apart from
 * evhttp so that tests and fuzzers reach them without a socket: the
 * framing of a request (its Content-Length and Transfer-Encoding
 * headers) and the form of a request path that is safe to log.
 */
#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_TOKEN_SHOWN 6 /* characters of a secret a log may show */

/*
 * Is the framing of a request with these headers unambiguous?  evhttp
 * takes the first Content-Length and parses it with strtoll, so "+30",
 * " 30" or two different lengths would each be read one way here and
 * maybe another by a proxy in front: request smuggling.  Refused: more
 * than one Content-Length, one that is not all digits (or is longer than
 * 18 of them), and a Content-Length beside a Transfer-Encoding.  0 if
 * the request may go on; -1 with *why (a constant) if not.
 */
int
http_framing_check(const struct http_header *h, size_t n, const char **why)
{
	size_t i, ncl = 0, nte = 0, len;
	const char *v;

	for (i = 0; i < n; i++) {
		if (h[i].name == NULL)
			continue;
		if (strcasecmp(h[i].name, "Transfer-Encoding") == 0) {
			nte++;
			continue;
		}
		if (strcasecmp(h[i].name, "Content-Length") != 0)
			continue;
		if (++ncl > 1) {
			*why = "more than one Content-Length header";
			return -1;
		}
		v = h[i].value != NULL ? h[i].value : "";
		len = strlen(v);
		if (len == 0 || len > 18 || strspn(v, "0123456789") != len) {
			*why = "Content-Length must be only digits";
			return -1;
		}
	}
	if (ncl > 0 && nte > 0) {
		*why = "Content-Length and Transfer-Encoding together";
		return -1;
	}
	return 0;
}

/* Copy at most n bytes of s to the end of buf (size len, used *off). */
static void
http_redact_add(char *buf, size_t len, size_t *off, const char *s, size_t n)
{
	if (*off >= len)
		return;
	if (n > len - 1 - *off)
		n = len - 1 - *off;
	memcpy(buf + *off, s, n);
	*off += n;
	buf[*off] = '\0';
}

/*
 * The path of a request (with its query, if any) as it may be logged:
 * the secret of a path that is one, the token of /ack/{token} and of
 * /hooks/voice/twilio/gather/{token}, and the value of a "sig"
 * parameter (a calendar feed's signature), each cut to its first few
 * characters and "...".  Whatever else the URI holds is kept, the
 * scheme and host of an absolute-form request too.  Writes a
 * NUL-terminated string of at most len - 1 bytes into buf and returns
 * buf.
 */
char *
http_redact_uri(const char *uri, char *buf, size_t len)
{
	static const char *secret_prefix[] = {
		"/ack/",
		"/hooks/voice/twilio/gather/",
	};
	const char *p = uri, *q, *end;
	size_t off = 0, i, plen, seg;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (uri == NULL)
		return buf;
	/* an absolute-form request ("http://host/ack/..."): keep the host */
	if ((q = strstr(p, "://")) != NULL && q < p + strcspn(p, "/?")) {
		q += 3;
		q += strcspn(q, "/?");
		http_redact_add(buf, len, &off, p, q - p);
		p = q;
	}
	for (i = 0; i < nitems(secret_prefix); i++) {
		plen = strlen(secret_prefix[i]);
		if (strncmp(p, secret_prefix[i], plen) != 0)
			continue;
		http_redact_add(buf, len, &off, p, plen);
		p += plen;
		seg = strcspn(p, "/?#");
		http_redact_add(buf, len, &off, p, seg < HTTP_TOKEN_SHOWN ?
		    seg : HTTP_TOKEN_SHOWN);
		if (seg > HTTP_TOKEN_SHOWN)
			http_redact_add(buf, len, &off, "...", 3);
		p += seg;
		break;
	}
	/* the rest, with each sig= value of the query cut short */
	if ((q = strchr(p, '?')) == NULL) {
		http_redact_add(buf, len, &off, p, strlen(p));
		return buf;
	}
	http_redact_add(buf, len, &off, p, q + 1 - p);
	for (p = q + 1; *p != '\0'; p = end) {
		end = p + strcspn(p, "&");
		if (strncmp(p, "sig=", 4) == 0 && end - p > 4 +
		    HTTP_TOKEN_SHOWN) {
			http_redact_add(buf, len, &off, p, 4 +
			    HTTP_TOKEN_SHOWN);
			http_redact_add(buf, len, &off, "...", 3);
		} else
			http_redact_add(buf, len, &off, p, end - p);
		if (*end == '&')
			http_redact_add(buf, len, &off, end++, 1);
	}
	return buf;
}
