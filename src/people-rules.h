/* SPDX-License-Identifier: ISC */
/*
 * people-rules.h: a person's notification rules from the people file:
 * which channel, after what delay while the alert stays unacknowledged
 * (chat at 0m, sms at 1m, voice at 3m).  The outbox takes them as plain
 * structs (struct outbox_rule).
 */
#ifndef PEOPLE_RULES_H
#define PEOPLE_RULES_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

/* One rule: a channel name (or kind: email, sms, chat, voice, console). */
struct people_rule {
	char *channel;
	int64_t after_ms;
};

struct people_rules {
	struct people_rule *list; /* ordered by after_ms, stable */
	size_t n;
};

/* people-rules.c */
int people_rules_parse(const config_setting_t *, const char *,
    struct people_rules *, char **);
void people_rules_default(struct people_rules *, int, int, int, int);
void people_rules_clear(struct people_rules *);

#endif
