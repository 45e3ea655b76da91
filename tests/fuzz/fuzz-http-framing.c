/* SPDX-License-Identifier: ISC */
/*
 * fuzz-http-framing.c: libFuzzer target for the checks on what a client
 * sends before any handler sees it (http-check.c): the framing of a
 * request, over the header lines of the input ("Name: value", one a
 * line), and the redaction of a request URI (the input's first line)
 * before it is logged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_HEADERS 64

/* Accepted framing: at most one length, all digits, never with chunks. */
static void
fuzz_framing(const struct http_header *h, size_t n)
{
	const char *why = NULL, *v;
	size_t i, ncl = 0, nte = 0;

	if (http_framing_check(h, n, &why) != 0) {
		if (why == NULL)
			abort();
		return;
	}
	for (i = 0; i < n; i++) {
		if (strcasecmp(h[i].name, "Transfer-Encoding") == 0)
			nte++;
		if (strcasecmp(h[i].name, "Content-Length") != 0)
			continue;
		ncl++;
		v = h[i].value;
		if (*v == '\0' || strspn(v, "0123456789") != strlen(v) ||
		    strlen(v) > 18)
			abort();
	}
	if (ncl > 1 || (ncl > 0 && nte > 0))
		abort();
}

/* A redacted URI fits its buffer and never holds a whole /ack/ token. */
static void
fuzz_redact(const char *uri)
{
	char small[16], big[256];
	size_t seg;

	http_redact_uri(uri, small, sizeof small);
	if (memchr(small, '\0', sizeof small) == NULL)
		abort();
	http_redact_uri(uri, big, sizeof big);
	if (memchr(big, '\0', sizeof big) == NULL)
		abort();
	if (strncmp(uri, "/ack/", 5) != 0 || strlen(uri) >= sizeof big - 8)
		return;
	seg = strcspn(uri + 5, "/?#");
	if (seg <= 6)
		return;
	/* the first 6 characters of the token, then "..." */
	if (strncmp(big, uri, 11) != 0 || strncmp(big + 11, "...", 3) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header h[FUZZ_HEADERS];
	char *s, *line, *next, *colon, *end;
	size_t n = 0;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	next = strchr(s, '\n');
	if (next != NULL)
		*next++ = '\0';
	if ((end = strchr(s, '\r')) != NULL)
		*end = '\0';
	fuzz_redact(s);
	for (line = next; line != NULL && n < FUZZ_HEADERS; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((end = strchr(line, '\r')) != NULL)
			*end = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		while (*colon == ' ' || *colon == '\t')
			colon++;
		h[n].name = line;
		h[n++].value = colon;
	}
	fuzz_framing(h, n);
	free(s);
	return 0;
}
