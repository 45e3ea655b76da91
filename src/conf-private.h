/* SPDX-License-Identifier: ISC */
/*
 * conf-private.h: shared between the files of the configuration module
 * (conf.c and the conf-*.c files that each parse one section of
 * pagerd.conf).  Nothing outside the module includes it.
 */
#ifndef CONF_PRIVATE_H
#define CONF_PRIVATE_H

#include <libconfig.h>
#include <stddef.h>

#include "compat.h"

struct conf;

/* Problems found while loading; joined into the cause at the end. */
struct conf_errors {
	char *buf;
	size_t len;
	int n;
};

/* conf.c */
void conf_error(struct conf_errors *, const char *, int, const char *, ...)
    printflike(4, 5);
const char *conf_file(const config_setting_t *, const char *);
int conf_line(const config_setting_t *);
char *conf_abspath(const char *, const char *);
int conf_read_secret(const char *, const char *, size_t, char **, size_t *,
    char **);

/* conf-chan.c: the "channels" section */
void conf_chan_load(struct conf *, const config_t *, struct conf_errors *);
void conf_chan_free(struct conf *);

/* conf-policy.c: the "policies", "sla" and "business_hours" sections */
void conf_policy_load(struct conf *, const config_t *, struct conf_errors *);
void conf_policy_free(struct conf *);

#endif
