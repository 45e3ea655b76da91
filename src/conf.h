/* SPDX-License-Identifier: ISC */
/*
 * conf.h: pagerd.conf parsed into an immutable struct conf.  A reload
 * parses a new one, validates all of it, and only then swaps it in.
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <stdint.h>

#include "heartbeat.h"
#include "hmac.h"
#include "policy.h"

/* What a bearer key may do; a responder may also view. */
#define CONF_ROLE_INTEGRATION 0x1 /* post alerts */
#define CONF_ROLE_VIEWER 0x2      /* read alerts */
#define CONF_ROLE_RESPONDER 0x6   /* read and act on alerts */

enum chan_tls {
	CHAN_TLS_STARTTLS, /* smtp://, STARTTLS required */
	CHAN_TLS_IMPLICIT, /* smtps:// */
	CHAN_TLS_NONE,     /* plain smtp:// (tests, local relays) */
};

enum chan_sig {
	CHAN_SIG_NONE,
	CHAN_SIG_STANDARD, /* Standard Webhooks: webhook-id/-timestamp/-signature */
	CHAN_SIG_HEX,      /* <header>: sha256=<hex HMAC-SHA256 of the body> */
};

struct chan_driver;
struct intake_mapping;

/* One configured channel; every string is owned by it.  NULL: unset. */
struct conf_chan {
	char *name;
	const struct chan_driver *driver;
	char *file; /* where it was configured, for messages */
	int line;

	char *url;          /* webhook URL, SMTP server URL */
	char *api_url;      /* Twilio-compatible API base */
	char *account_sid;
	char *username;     /* Basic auth / SMTP login (default account_sid) */
	char *secret;       /* auth token, password or signing secret */
	size_t secret_len;  /* never logged */
	char *from;         /* sender: number, address, bot name */
	char *messaging_service_sid;
	char *status_callback; /* default: http.public_url + /hooks/... */
	char *channel;      /* Mattermost channel override */
	char *helo;         /* SMTP EHLO name */
	enum chan_tls tls;
	int tls_verify;
	char *ca_file;
	char **headers;     /* extra "Name: value" lines, NULL-terminated */
	enum chan_sig signature;
	char *signature_header;
	char *voice;        /* TwiML <Say> voice and language */
	char *language;
	int ring_timeout;   /* seconds */
	int machine_detection;

	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int max_attempts;       /* per address, before failing over */
	int64_t backoff_ms;     /* first retry delay; doubles */
	int64_t backoff_max_ms;
	int rate_limit;         /* sends per address per rate_window; 0: none */
	int64_t rate_window_ms;
	int64_t bundle_ms;      /* obsolete, read and ignored (a warning) */

	char *tpl_subject; /* templates; NULL: the driver's default */
	char *tpl_text;
	char *tpl_body;
};

struct conf_listen {
	char *host;
	int port;
};

/*
 * An integration's callback (conf-callback.c): the state changes of its
 * alerts posted back to it (callback.c).  Every string is owned.
 */
struct conf_callback {
	char *url;          /* http:// or https:// */
	char **headers;     /* extra "Name: value" lines, NULL-terminated */
	char *body;         /* template; NULL: the default JSON body */
	uint8_t *key;       /* signing key (a whsec_ secret decoded), or NULL */
	size_t key_len;     /* never logged */
	int tls_verify;
	char *ca_file;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
	int64_t backoff_ms;     /* first retry delay; doubles */
	int64_t backoff_max_ms; /* the longest delay between attempts */
	int64_t give_up_ms;     /* a change still failing this long after
				   it was queued is dropped */
};

struct conf_key {
	char *name;
	int role;
	uint8_t hash[HMAC_SHA256_LEN]; /* SHA-256 of the key */
	char *service;                 /* integrations: default service */
	int rate_limit;                /* integrations: events a minute */
	int rate_burst;
	struct intake_mapping *mapping; /* format = "mapped", else NULL */
	struct conf_callback *callback; /* integrations: or NULL */
	int line; /* where it is configured */
};

struct maint_window;

struct conf {
	char *path;
	char *dir; /* relative paths are taken from here */

	char *state_dir;
	char *store_synchronous; /* "full" or "normal" */
	int store_full_sync;     /* sync each commit: safe against power loss */
	int64_t store_retention_ms; /* resolved alerts older go; 0: never */
	char *store_database;	/* store.database as written, or NULL */
	char *store_db;		/* the store: a folder, or a URI */
	int store_pg;		/* store_db is PostgreSQL's */
	int64_t store_timeout_ms; /* PostgreSQL: a statement's deadline */
	int64_t ha_lease_ms;	/* PostgreSQL: the leader's lease (lease.c) */
	char *pidfile; /* NULL: none */
	char *user;    /* run as this user after binding; NULL: not set */
	char *group;   /* and this group; NULL: the user's own */
	char *people;   /* people file, or NULL */
	char *rota_dir; /* folder of rota files, or NULL */
	char *calendar_secret_file; /* signs calendar feed URLs, or NULL */
	char *calendar_secret;      /* its first line; never logged */
	size_t calendar_secret_len;
	char *ack_secret_file; /* signs ack tokens, or NULL: no links */
	char *ack_secret;      /* its first line; never logged */
	size_t ack_secret_len;
	int64_t ack_ttl_ms;    /* how long a link or keypress stays valid */
	int64_t ack_sms_reply_limit; /* answers to one number per window */
	int64_t ack_sms_reply_window_ms;

	struct conf_listen *listen;
	size_t nlisten;
	int64_t http_max_body;
	int64_t http_timeout_ms;
	int64_t http_max_connections; /* accepted at once, at most */
	char *http_public_url;
	int http_metrics_open; /* GET /metrics without a key */
	int http_access_log; /* one log line per finished request */
	double dashboard_breach_target; /* a fraction: 0.02 is 2% */

	int intake_default_priority;
	char *intake_default_service;
	int intake_severity[4]; /* critical, error, warning, info -> 1..4 */
	char *intake_priority_label; /* Alertmanager label for the priority */
	char *intake_service_label;  /* Alertmanager label for the service */

	struct conf_key *keys;
	size_t nkeys;
	struct conf_chan *chans; size_t nchans; /* conf-chan.c */

	/* conf-policy.c */
	struct policy *policies;
	size_t npolicies;
	struct sla_target sla[4]; /* P1..P4 */
	struct bizhours *calendars;
	size_t ncalendars;

	/* conf-heartbeat.c */
	struct heartbeat_conf *heartbeats;
	size_t nheartbeats;
	/* conf-maint.c */
	struct maint_window *maint;
	size_t nmaint;
};

/* conf.c */
struct conf *conf_load(const char *, char **);
void conf_free(struct conf *);
const struct conf_key *conf_key_find(const struct conf *, const char *);
int conf_store_is_pg(const char *);

/* conf-chan.c */
const struct conf_chan *conf_chan_find(const struct conf *, const char *);

#endif
