/* SPDX-License-Identifier: ISC */
/*
 * hmac.h: the only door to OpenSSL's libcrypto: digests, HMAC,
 * constant-time comparison, random bytes, hex and base64 coding.
 */
#ifndef HMAC_H
#define HMAC_H

#include <stddef.h>
#include <stdint.h>

#define HMAC_SHA256_LEN 32
#define HMAC_SHA1_LEN 20

/* hmac.c */
void hmac_digest_sha256(const void *, size_t, uint8_t[HMAC_SHA256_LEN]);
void hmac_sha256(const void *, size_t, const void *, size_t,
    uint8_t[HMAC_SHA256_LEN]);
int hmac_equal(const void *, const void *, size_t);
void hmac_random(void *, size_t);
void hmac_hex_encode(const uint8_t *, size_t, char *);
int hmac_hex_decode(const char *, uint8_t *, size_t);
void hmac_sha1(const void *, size_t, const void *, size_t,
    uint8_t[HMAC_SHA1_LEN]);
char *hmac_base64(const void *, size_t);
char *hmac_base64url(const void *, size_t);
int hmac_base64_decode(const char *, uint8_t **, size_t *);

#endif
