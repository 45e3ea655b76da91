/* SPDX-License-Identifier: ISC */
/*
 * ack.h: the ways a technician answers a page: the short codes of an
 * SMS reply ("12a" acknowledge alert 12, "12r" resolve, "12e" escalate,
 * "a" the only open page, "aa" all open pages), signed single-use
 * tokens for links and voice keypresses (ack-token.c).  The HTTP side
 * of all three is api-ack*.c (api.h).
 */
#ifndef ACK_H
#define ACK_H

#include <stddef.h>
#include <stdint.h>

enum ack_action {
	ACK_ACK,
	ACK_RESOLVE,
	ACK_ESCALATE,
};

enum ack_scope {
	ACK_ONE,  /* the alert named by id */
	ACK_ONLY, /* the sender's only open page */
	ACK_ALL,  /* every open page of the sender */
};

struct ack_reply {
	enum ack_scope scope;
	enum ack_action action;
	int64_t alert_id; /* ACK_ONE only */
};

/* What a token allows: bit (1 << enum ack_action) per action. */
#define ACK_MASK(a) (1u << (a))
#define ACK_MASK_ALL (ACK_MASK(ACK_ACK) | ACK_MASK(ACK_RESOLVE) | \
	ACK_MASK(ACK_ESCALATE))

#define ACK_PERSON_MAX 64 /* PEOPLE_MAX_ID */
#define ACK_NONCE_LEN 12  /* random bytes; 16 characters of base64url */
#define ACK_TOKEN_MAX 256

/* A verified token: whom it was issued to, for what, until when. */
struct ack_token {
	int64_t alert_id;
	unsigned actions;   /* ACK_MASK() bits */
	int64_t expires_ms; /* UTC; signed with second precision */
	char nonce[2 * ACK_NONCE_LEN]; /* base64url: the single-use key */
	char person[ACK_PERSON_MAX + 1];
};

enum ack_verdict {
	ACK_TOKEN_OK,
	ACK_TOKEN_FORGED,  /* malformed, or the MAC does not match */
	ACK_TOKEN_EXPIRED, /* genuine, but too old */
};

/* ack-token.c */
char *ack_token_sign(const void *, size_t, int64_t, const char *, unsigned,
    int64_t);
enum ack_verdict ack_token_verify(const void *, size_t, const char *,
    int64_t, struct ack_token *);
const char *ack_verdict_name(enum ack_verdict);

/* ack-sms.c */
int ack_sms_parse(const char *, struct ack_reply *);
const char *ack_action_name(enum ack_action);
char *ack_hook_key(const char *, const char *, const char *);

#endif
