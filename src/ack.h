/* SPDX-License-Identifier: ISC */
/*
 * ack.h: the ways a technician answers a page.  For now: the short
 * codes of an SMS reply ("12a" acknowledge alert 12, "12r" resolve,
 * "12e" escalate, "a" the only open page, "aa" all open pages).
 */
#ifndef ACK_H
#define ACK_H

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

/* ack-sms.c */
int ack_sms_parse(const char *, struct ack_reply *);
const char *ack_action_name(enum ack_action);

#endif
