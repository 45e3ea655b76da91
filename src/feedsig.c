/* SPDX-License-Identifier: ISC */
/*
 * feedsig.c: sign and check calendar feed URLs.  The signature covers
 * the path only ("/api/v1/rotas/ops.ics"), so one link per feed stays
 * valid until the secret changes; rotating the secret revokes every
 * link at once.  The check decodes the hex and compares the raw MACs in
 * constant time, so a forger learns nothing from response timing.
 */
#include <string.h>

#include "feedsig.h"
#include "hmac.h"

/* The signature of path under key, as lowercase hex, into out. */
void
feedsig_sign(const void *key, size_t keylen, const char *path,
    char out[FEEDSIG_HEX_LEN + 1])
{
	uint8_t mac[HMAC_SHA256_LEN];

	hmac_sha256(key, keylen, path, strlen(path), mac);
	hmac_hex_encode(mac, sizeof mac, out);
}

/* 1 if sig (hex, either case) is the signature of path, else 0. */
int
feedsig_verify(const void *key, size_t keylen, const char *path,
    const char *sig)
{
	uint8_t mac[HMAC_SHA256_LEN], got[HMAC_SHA256_LEN];

	if (key == NULL || keylen == 0 || sig == NULL ||
	    strlen(sig) != FEEDSIG_HEX_LEN ||
	    hmac_hex_decode(sig, got, sizeof got) != 0)
		return 0;
	hmac_sha256(key, keylen, path, strlen(path), mac);
	return hmac_equal(mac, got, sizeof mac);
}
