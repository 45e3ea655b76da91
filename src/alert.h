/* SPDX-License-Identifier: ISC */
/*
 * alert.h: the alert model: priorities, the status life cycle and the
 * validated description of a new alert handed from intake to the store.
 */
#ifndef ALERT_H
#define ALERT_H

#include <stdint.h>

#define ALERT_PRIORITY_MIN 1 /* P1, critical */
#define ALERT_PRIORITY_MAX 4 /* P4, low */

#define ALERT_SUMMARY_MAX 1024
#define ALERT_KEY_MAX 255 /* dedup_key, service, source */

/* SLA clocks of an alert: response, first response, resolution. */
#define ALERT_SLA_CLOCKS 3 /* SLA_NCLOCKS of policy.h */

enum alert_status {
	ALERT_TRIGGERED,
	ALERT_ACKNOWLEDGED,
	ALERT_RESOLVED,
};

/* An alert as intake validated it; every string is owned by the struct. */
struct alert_new {
	char *dedup_key; /* NULL: the store makes one */
	char *service;
	int priority; /* 1..4 */
	char *summary;
	char *source;
	char *details; /* JSON object text, or NULL */
	char *links;   /* JSON array text, or NULL */
	char *integration; /* name of the key that posted it */
	/* Events v2 context, kept apart (store_alert_context_add) */
	char *images;     /* JSON array text of {src, href?, alt?}, or NULL */
	char *client;     /* the monitoring tool's name, or NULL */
	char *client_url; /* its http(s) URL, or NULL */
	char *external_url; /* the ticket's http(s) URL, or NULL */
};

/* An alert as stored. */
struct alert {
	int64_t id;
	char *dedup_key;
	char *service;
	int priority;
	char *summary;
	char *source;
	char *details;
	char *links;
	char *integration;
	enum alert_status status;
	int stage;
	int64_t count;
	int64_t created_ms;
	int64_t updated_ms;
	int64_t acknowledged_ms; /* 0: not yet */
	int64_t first_response_ms;
	int64_t resolved_ms;
	int64_t sla_due_ms[ALERT_SLA_CLOCKS]; /* by enum sla_clock; 0: none */
	unsigned sla_breached; /* bit per enum sla_clock */
};

/* alert.c */
int alert_priority_parse(const char *);
const char *alert_priority_name(int);
const char *alert_status_name(enum alert_status);
int alert_status_parse(const char *, enum alert_status *);
void alert_new_clear(struct alert_new *);
void alert_free(struct alert *);

#endif
