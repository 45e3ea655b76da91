/* SPDX-License-Identifier: ISC */
/*
 * ack-token.c: the signed tokens in acknowledgement links and voice
 * gather URLs.  A token is
 *
 *	ALERT.ACTIONS.EXPIRES.NONCE.PERSON.MAC
 *
 * ALERT the alert id, ACTIONS the ACK_MASK() bits it allows, EXPIRES
 * the UTC second it dies, NONCE 12 random bytes (base64url) that the
 * store records when the token is used (single use), PERSON the id of
 * whom it was sent to (letters, digits, "._-": it may hold dots, so it
 * comes last but one), and MAC the base64url HMAC-SHA256 under the ack
 * secret of "pagerd-ack-v1:" and everything before the last dot.  All
 * of it is URL-safe, so it goes into a path as is.  Pure but for the
 * random nonce.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "hmac.h"
#include "xmalloc.h"

/* Domain separation: the same secret must never sign anything else. */
#define ACK_TOKEN_CONTEXT "pagerd-ack-v1:"
#define ACK_MAC_B64 43 /* base64url of 32 bytes, unpadded */

/* base64url of the MAC of the first len bytes of s (caller frees). */
static char *
ack_token_mac(const void *key, size_t keylen, const char *s, size_t len)
{
	uint8_t mac[HMAC_SHA256_LEN];
	char *msg, *out;
	size_t n;

	n = xasprintf(&msg, "%s%.*s", ACK_TOKEN_CONTEXT, (int)len, s);
	hmac_sha256(key, keylen, msg, n, mac);
	free(msg);
	out = hmac_base64url(mac, sizeof mac);
	explicit_bzero(mac, sizeof mac);
	return out;
}

/*
 * A token for person about alert id allowing actions, valid until
 * expires_ms (UTC).  The caller frees it.
 */
char *
ack_token_sign(const void *key, size_t keylen, int64_t id,
    const char *person, unsigned actions, int64_t expires_ms)
{
	uint8_t raw[ACK_NONCE_LEN];
	char *nonce, *body, *mac, *tok;
	size_t n;

	hmac_random(raw, sizeof raw);
	nonce = hmac_base64url(raw, sizeof raw);
	n = xasprintf(&body, "%" PRId64 ".%u.%" PRId64 ".%s.%s", id, actions,
	    expires_ms / 1000, nonce, person);
	mac = ack_token_mac(key, keylen, body, n);
	xasprintf(&tok, "%s.%s", body, mac);
	free(body);
	free(mac);
	free(nonce);
	return tok;
}

/* A decimal number of 1 to 18 digits, no sign, no leading zero. */
static int
ack_token_number(const char *s, size_t len, int64_t *out)
{
	size_t i;

	if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
		return -1;
	*out = 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/*
 * Check tok at now_ms.  The MAC is checked first, over the whole token,
 * so nothing from a forged token is believed; then its fields are read
 * into t, then the expiry.  Used or not is the store's business.
 */
enum ack_verdict
ack_token_verify(const void *key, size_t keylen, const char *tok,
    int64_t now_ms, struct ack_token *t)
{
	const char *f[6], *dot, *p;
	size_t len, flen[6], i;
	int64_t v;
	char *mac;
	int ok;

	memset(t, 0, sizeof *t);
	len = strlen(tok);
	if (len == 0 || len > ACK_TOKEN_MAX ||
	    (dot = strrchr(tok, '.')) == NULL)
		return ACK_TOKEN_FORGED;
	mac = ack_token_mac(key, keylen, tok, dot - tok);
	ok = strlen(dot + 1) == ACK_MAC_B64 &&
	    hmac_equal(mac, dot + 1, ACK_MAC_B64);
	free(mac);
	if (!ok)
		return ACK_TOKEN_FORGED;

	/* four fields, then the person up to the MAC */
	p = tok;
	for (i = 0; i < 4; i++) {
		f[i] = p;
		if ((p = strchr(p, '.')) == NULL || p >= dot)
			return ACK_TOKEN_FORGED;
		flen[i] = p - f[i];
		p++;
	}
	f[4] = p;
	flen[4] = dot - p;
	if (ack_token_number(f[0], flen[0], &t->alert_id) != 0 ||
	    t->alert_id == 0 || ack_token_number(f[1], flen[1], &v) != 0 ||
	    v == 0 || (v & ~(int64_t)ACK_MASK_ALL) != 0 ||
	    ack_token_number(f[2], flen[2], &t->expires_ms) != 0 ||
	    t->expires_ms > INT64_MAX / 1000 || flen[3] == 0 || flen[3] >= sizeof t->nonce ||
	    flen[4] == 0 || flen[4] > ACK_PERSON_MAX)
		return ACK_TOKEN_FORGED;
	t->actions = (unsigned)v;
	t->expires_ms *= 1000;
	memcpy(t->nonce, f[3], flen[3]);
	memcpy(t->person, f[4], flen[4]);
	if (now_ms >= t->expires_ms)
		return ACK_TOKEN_EXPIRED;
	return ACK_TOKEN_OK;
}

const char *
ack_verdict_name(enum ack_verdict v)
{
	switch (v) {
	case ACK_TOKEN_OK:
		return "ok";
	case ACK_TOKEN_FORGED:
		return "forged";
	default:
		return "expired";
	}
}
