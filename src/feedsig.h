/* SPDX-License-Identifier: ISC */
/*
 * feedsig.h: signatures for calendar feed URLs.  Calendar clients cannot
 * send an Authorization header, so a feed URL carries ?sig=HEX, the
 * HMAC-SHA256 of the feed's path under the calendar secret.
 */
#ifndef FEEDSIG_H
#define FEEDSIG_H

#include <stddef.h>

#include "hmac.h"

#define FEEDSIG_HEX_LEN (2 * HMAC_SHA256_LEN)

/* feedsig.c */
void feedsig_sign(const void *, size_t, const char *,
    char[FEEDSIG_HEX_LEN + 1]);
int feedsig_verify(const void *, size_t, const char *, const char *);

#endif
