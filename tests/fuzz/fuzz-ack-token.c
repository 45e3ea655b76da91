/* SPDX-License-Identifier: ISC */
/*
 * fuzz-ack-token.c: libFuzzer target for what a phone sends back: the
 * SMS reply codes (ack_sms_parse) and the signed tokens of ack links
 * (ack_token_verify), under a fixed test secret.  A mutated token never
 * has a good MAC, so each input is also verified once more re-signed,
 * to reach the parsing of the fields behind the MAC.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "hmac.h"
#include "xmalloc.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* As in ack-token.c; LLVMFuzzerInitialize checks that they agree. */
#define FUZZ_CONTEXT "pagerd-ack-v1:"

static const char fuzz_key[] = "fuzz-ack-secret-0123456789abcdef";
static const int64_t fuzz_now = INT64_C(1774744200000);

/* body, a dot, and the MAC ack-token.c would put after it. */
static char *
fuzz_sign(const char *body, size_t len)
{
	uint8_t mac[HMAC_SHA256_LEN];
	char *msg, *b64, *tok;
	int n;

	n = xasprintf(&msg, "%s%.*s", FUZZ_CONTEXT, (int)len, body);
	hmac_sha256(fuzz_key, sizeof fuzz_key - 1, msg, n, mac);
	b64 = hmac_base64url(mac, sizeof mac);
	xasprintf(&tok, "%.*s.%s", (int)len, body, b64);
	free(b64);
	free(msg);
	return tok;
}

static void
fuzz_sms(const char *s)
{
	struct ack_reply r;

	if (ack_sms_parse(s, &r) != 0)
		return;
	if ((r.scope != ACK_ONE && r.scope != ACK_ONLY && r.scope != ACK_ALL) ||
	    (r.action != ACK_ACK && r.action != ACK_RESOLVE &&
	    r.action != ACK_ESCALATE) ||
	    (r.scope == ACK_ONE && r.alert_id <= 0))
		abort();
}

/*
 * A token that verified must hold sane fields, and signing those fields
 * again must give a token that verifies to the same.
 */
static void
fuzz_token_ok(const struct ack_token *t)
{
	struct ack_token u;
	enum ack_verdict v;
	char *tok;

	if (t->alert_id <= 0 || t->actions == 0 ||
	    (t->actions & ~ACK_MASK_ALL) != 0 ||
	    t->expires_ms % 1000 != 0 ||
	    memchr(t->nonce, '\0', sizeof t->nonce) == NULL ||
	    t->nonce[0] == '\0' ||
	    memchr(t->person, '\0', sizeof t->person) == NULL ||
	    t->person[0] == '\0')
		abort();
	tok = ack_token_sign(fuzz_key, sizeof fuzz_key - 1, t->alert_id,
	    t->person, t->actions, t->expires_ms);
	v = ack_token_verify(fuzz_key, sizeof fuzz_key - 1, tok, fuzz_now,
	    &u);
	if (v == ACK_TOKEN_FORGED || u.alert_id != t->alert_id ||
	    u.actions != t->actions || u.expires_ms != t->expires_ms ||
	    strcmp(u.person, t->person) != 0)
		abort();
	free(tok);
}

static void
fuzz_token(const char *tok)
{
	struct ack_token t;

	if (ack_token_verify(fuzz_key, sizeof fuzz_key - 1, tok, fuzz_now,
	    &t) != ACK_TOKEN_FORGED)
		fuzz_token_ok(&t);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *tok, *again;

	tok = ack_token_sign(fuzz_key, sizeof fuzz_key - 1, 12, "alice",
	    ACK_MASK_ALL, fuzz_now + 3600000);
	again = fuzz_sign(tok, strrchr(tok, '.') - tok);
	if (strcmp(tok, again) != 0) {
		fprintf(stderr, "fuzz-ack-token: tokens are no longer signed"
		    " as FUZZ_CONTEXT says: update it from ack-token.c\n");
		exit(1);
	}
	free(again);
	free(tok);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dot;
	char *s, *tok;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	fuzz_sms(s);
	fuzz_token(s);
	/* the same, with a good MAC in place of whatever followed the dot */
	dot = strrchr(s, '.');
	tok = fuzz_sign(s, dot != NULL ? (size_t)(dot - s) : strlen(s));
	fuzz_token(tok);
	free(tok);

	free(s);
	return 0;
}
