/* SPDX-License-Identifier: ISC */
/*
 * intake.h: turning posted bodies into validated alerts (one parser per
 * inbound format), and the group-commit queue that makes them durable
 * before anyone is told they were accepted.
 */
#ifndef INTAKE_H
#define INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "store.h"

struct event_base;
struct intake;

/* Defaults for fields a post leaves out. */
struct intake_defaults {
	int priority;
	const char *service;
};

/*
 * Called once per submitted alert after its batch committed (error is
 * NULL, r filled in) or failed (error says why; nothing was stored).
 * r and error are lent for the call only.
 */
typedef void (*intake_done_cb)(void *, const struct store_raise *,
    const char *);

/*
 * What runs with each batch: raised() inside the transaction, once per
 * alert, after the store recorded it (returning -1 fails the whole
 * batch); then committed() after COMMIT, or failed() after a rollback
 * or a COMMIT that failed (on PostgreSQL both are known only once the
 * server answered the COMMIT, from the loop: store_commit_group()).
 */
struct intake_hooks {
	store_start_cb start; /* how a new alert starts, in its row */
	int (*raised)(void *, const struct store_raise *,
	    const struct alert_new *, int64_t, char **);
	void (*committed)(void *);
	void (*failed)(void *);
	/*
	 * SQLite: work that joins the batch's transaction just before its
	 * COMMIT (the outbox's pass: outbox_join), -1 if the transaction
	 * can only be rolled back; then told whether it committed.
	 */
	int (*join)(void *, char **);
	void (*joined)(void *, int);
	void *arg;
};

/* intake.c */
struct intake *intake_new(struct event_base *, struct store *);
void intake_free(struct intake *);
void intake_set_hooks(struct intake *, const struct intake_hooks *);
void intake_submit(struct intake *, struct alert_new *, intake_done_cb,
    void *);
size_t intake_pending(const struct intake *);
void intake_flush(struct intake *);

/* A PagerDuty Events API v2 event. */
enum intake_event_action {
	INTAKE_TRIGGER,
	INTAKE_ACKNOWLEDGE,
	INTAKE_RESOLVE,
};

struct intake_event {
	enum intake_event_action action;
	char *routing_key;
	char *dedup_key;    /* NULL only for a trigger without one */
	struct alert_new an; /* trigger only */
};

/* A PagerDuty change event (POST /v2/change/enqueue). */
struct intake_change {
	char *routing_key;
	char *summary;
	char *source;     /* or NULL */
	int64_t at_ms;    /* payload.timestamp; 0: none given */
	char *details;    /* custom_details, JSON object text, or NULL */
	char *links;      /* JSON array text of {href, text?}, or NULL */
};

/* Limits on what an event may carry, so that none bloats the store. */
#define INTAKE_EVENTS_LINKS_MAX 20   /* links per event */
#define INTAKE_EVENTS_IMAGES_MAX 10  /* images per event */
#define INTAKE_EVENTS_URL_MAX 2048   /* bytes of a URL */
#define INTAKE_EVENTS_LABEL_MAX 255  /* characters of a link text, an
				      * image's alt, the client's name */
#define INTAKE_EVENTS_DETAILS_MAX 16384 /* bytes of a change's details */

/* One alert of an Alertmanager webhook. */
struct intake_am_alert {
	int firing; /* else resolved */
	struct alert_new an; /* dedup_key is the fingerprint */
};

struct intake_am {
	struct intake_am_alert *alerts;
	size_t n;
};

/* What the Events v2 and Alertmanager parsers need from the config. */
struct intake_map {
	int severity[4];             /* critical, error, warning, info */
	const char *priority_label;  /* Alertmanager */
	const char *service_label;
};

/* intake-events.c */
int intake_events_parse(const char *, size_t, const struct intake_defaults *,
    const struct intake_map *, struct intake_event *, char **);
void intake_event_clear(struct intake_event *);
int intake_change_parse(const char *, size_t, struct intake_change *,
    char **);
void intake_change_clear(struct intake_change *);

/* intake-alertmanager.c */
char *intake_clean_text(const char *, size_t);
int intake_am_parse(const char *, size_t, const struct intake_defaults *,
    const struct intake_map *, struct intake_am *, char **);
void intake_am_clear(struct intake_am *);

/*
 * A mapped intake: the fields of an alert taken from places (JSON
 * Pointers) in any JSON webhook, through small value maps, with
 * defaults (intake-mapped.c).  Built from pagerd.conf by conf.c.
 */
enum intake_mapped_field {
	INTAKE_MF_SUMMARY,
	INTAKE_MF_PRIORITY,
	INTAKE_MF_SERVICE,
	INTAKE_MF_DEDUP_KEY,
	INTAKE_MF_EXTERNAL_URL,
	INTAKE_MF_ACTION,
	INTAKE_MF_DETAILS, /* pointers only: no map, no default */
	INTAKE_MF_COUNT
};

struct intake_mapping;

/*
 * A mapped post: what to do, and the alert; for acknowledge and resolve
 * only its dedup_key and service are set (the alert they act on).
 */
struct intake_mapped {
	enum intake_event_action action;
	struct alert_new an;
};

/* intake-mapped.c */
struct intake_mapping *intake_mapping_new(void);
void intake_mapping_free(struct intake_mapping *);
int intake_mapping_field(const char *);
const char *intake_mapping_field_name(int);
int intake_mapping_set_pointer(struct intake_mapping *, int, const char *,
    char **);
int intake_mapping_set_template(struct intake_mapping *, int, const char *,
    char **);
int intake_mapping_add_value(struct intake_mapping *, int, const char *,
    const char *, char **);
int intake_mapping_set_default(struct intake_mapping *, int, const char *,
    char **);
int intake_mapping_add_detail(struct intake_mapping *, const char *,
    const char *, char **);
int intake_mapping_check(const struct intake_mapping *, char **);
int intake_mapped_parse(const char *, size_t, const struct intake_defaults *,
    const struct intake_mapping *, struct intake_mapped *, char **);
void intake_mapped_clear(struct intake_mapped *);

/* intake-native.c */
int intake_native_parse(const char *, size_t, const struct intake_defaults *,
    struct alert_new *, char **);

#endif
