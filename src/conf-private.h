/* SPDX-License-Identifier: ISC */
/*
 * conf-private.h: shared between the files of the configuration module
 * (conf.c and the conf-*.c files that each parse one section of
 * pagerd.conf).  Nothing outside the module includes it.  Each file
 * reads values with conf-read.c, and conf.c calls each section's load;
 * no conf-*.c file calls back into conf.c.
 */
#ifndef CONF_PRIVATE_H
#define CONF_PRIVATE_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

struct conf;
struct intake_mapping;

/* Problems found while loading; joined into the cause at the end. */
struct conf_errors {
	char *buf;
	size_t len;
	int n;
};

/* A section being read: the conf it fills and where problems go. */
struct conf_ctx {
	struct conf *c;
	struct conf_errors *e;
	const char *file;
};

/* One problem at setting s of the section being read. */
#define CERR(x, s, ...) \
	conf_error((x)->e, conf_file((s), (x)->c->path), conf_line(s), \
	    __VA_ARGS__)

/* Where a typed setter reads, and how its messages name the key. */
struct conf_where {
	struct conf_errors *e;
	const char *file;
	int line;
	const char *what; /* "ack.ttl", "channel sms: timeout" */
};

/* One word a setting may be, and the value it stands for. */
struct conf_word {
	const char *word;
	int value;
};

/* conf-read.c: used by every conf*.c file; it uses none of them */
void conf_error(struct conf_errors *, const char *, int, const char *, ...)
    printflike(4, 5);
const char *conf_file(const config_setting_t *, const char *);
int conf_line(const config_setting_t *);
char *conf_abspath(const char *, const char *);
int conf_read_secret(const char *, const char *, size_t, char **, size_t *,
    char **);
void conf_read_known(struct conf_ctx *, const config_setting_t *,
    const char *, const char **);
int conf_read_member_duration(struct conf_ctx *, const config_setting_t *,
    const char *, int64_t *);
int conf_read_bool(const struct conf_where *, const config_setting_t *,
    int *);
int conf_read_int(const struct conf_where *, const config_setting_t *, int,
    int64_t, int64_t, int64_t *);
const char *conf_read_string(const struct conf_where *,
    const config_setting_t *);
int conf_read_duration(const struct conf_where *, const char *, int64_t,
    int64_t, int64_t *);
int conf_read_word(const struct conf_where *, const char *,
    const struct conf_word *, size_t, int *);

/* conf-chan.c: the "channels" section */
void conf_chan_load(struct conf *, const config_t *, struct conf_errors *);
void conf_chan_free(struct conf *);

/* conf-policy.c: the "business_hours", "sla" and "policies" sections */
void conf_policy_load_sla(struct conf *, const config_t *,
    struct conf_errors *);
void conf_policy_load(struct conf *, const config_t *, struct conf_errors *);
void conf_policy_free(struct conf *);
int conf_days_parse(const char *, unsigned *);
int conf_hhmm(const char *, int *);

/* conf-maint.c: the "maintenance" section */
void conf_maint_load(struct conf *, const config_t *, struct conf_errors *);
void conf_maint_free(struct conf *);

/* conf-mapping.c: an integration's format and mapping */
void conf_mapping_load(struct conf_ctx *, const config_setting_t *,
    const char *, struct intake_mapping **);

/* conf-callback.c: an integration's callback */
struct conf_callback;
void conf_callback_load(struct conf_ctx *, const config_setting_t *,
    const char *, struct conf_callback **);
void conf_callback_free(struct conf_callback *);

/* conf-heartbeat.c: the "heartbeats" section */
void conf_heartbeat_load(struct conf *, const config_t *,
    struct conf_errors *);
void conf_heartbeat_free(struct conf *);

#endif
