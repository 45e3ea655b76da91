/* SPDX-License-Identifier: ISC */
/*
 * hmac.c: wrappers around OpenSSL.  Secrets are compared with
 * CRYPTO_memcmp so the time taken does not tell an attacker how many
 * leading bytes of a guess were right.
 */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "hmac.h"
#include "log.h"
#include "xmalloc.h"

/* SHA-256 of data into out. */
void
hmac_digest_sha256(const void *data, size_t len, uint8_t out[HMAC_SHA256_LEN])
{
	unsigned int n = HMAC_SHA256_LEN;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	/*
	 * Fetched once: EVP_sha256() makes every digest look its
	 * implementation up again, a good part of the cost of checking an
	 * API key on each request.  The loop is the only thread hashing.
	 */
	static EVP_MD *md;

	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("EVP_MD_fetch SHA256 failed");
#else
	const EVP_MD *md = EVP_sha256();
#endif
	if (EVP_Digest(data, len, out, &n, md, NULL) != 1)
		fatalx("EVP_Digest failed");
}

/* HMAC-SHA256 of msg under key into out. */
void
hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
    uint8_t out[HMAC_SHA256_LEN])
{
	unsigned int n = HMAC_SHA256_LEN;

	if (HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &n) == NULL)
		fatalx("HMAC failed");
}

/* 1 if the len bytes at a and b are equal, in time independent of content. */
int
hmac_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/* Fill buf with cryptographically strong random bytes. */
void
hmac_random(void *buf, size_t len)
{
	if (RAND_bytes(buf, (int)len) != 1)
		fatalx("RAND_bytes failed");
}

/* Lowercase hex of len bytes into out, which holds 2 * len + 1 bytes. */
void
hmac_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hmac_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly 2 * len hex digits into out; -1 on any other input. */
int
hmac_hex_decode(const char *hex, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		hi = hmac_hexval(hex[2 * i]);
		lo = hmac_hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* HMAC-SHA1 of msg under key into out (Twilio's X-Twilio-Signature). */
void
hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen,
    uint8_t out[HMAC_SHA1_LEN])
{
	unsigned int n = HMAC_SHA1_LEN;

	if (HMAC(EVP_sha1(), key, (int)klen, msg, mlen, out, &n) == NULL)
		fatalx("HMAC failed");
}

/* Standard base64 with padding, on one line; the caller frees it. */
char *
hmac_base64(const void *in, size_t len)
{
	char *out;

	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		fatalx("hmac_base64: too long");
	out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/*
 * Decode standard base64 (RFC 4648 section 4, padding optional, no
 * white space) into a new buffer; -1 if in is not base64.
 */
int
hmac_base64_decode(const char *in, uint8_t **out, size_t *outlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(in), pad = 0, n, i;
	char *padded;
	uint8_t *buf;
	int got;

	while (len > 0 && in[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (len == 0 || len % 4 == 1 || len > (size_t)INT_MAX / 2)
		return -1;
	for (i = 0; i < len; i++)
		if (strchr(alphabet, in[i]) == NULL || in[i] == '\0')
			return -1;
	if (pad > 0 && (len + pad) % 4 != 0)
		return -1;
	/* EVP_DecodeBlock wants whole quanta; it counts padding as zeros. */
	n = (len + 3) / 4 * 4;
	padded = xmalloc(n + 1);
	memcpy(padded, in, len);
	memset(padded + len, '=', n - len);
	padded[n] = '\0';
	buf = xmalloc(n / 4 * 3 + 1);
	got = EVP_DecodeBlock(buf, (unsigned char *)padded, (int)n);
	free(padded);
	if (got < 0) {
		free(buf);
		return -1;
	}
	*outlen = (size_t)got - (n - len);
	buf[*outlen] = '\0'; /* for callers that print it; it may hold NULs */
	*out = buf;
	return 0;
}

/* base64url (RFC 4648 section 5) without padding; the caller frees it. */
char *
hmac_base64url(const void *in, size_t len)
{
	char *out = hmac_base64(in, len), *p;

	for (p = out; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=') {
			*p = '\0';
			break;
		}
	}
	return out;
}
