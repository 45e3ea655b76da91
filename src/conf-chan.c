/* SPDX-License-Identifier: ISC */
/*
 * conf-chan.c: the "channels" list of pagerd.conf: one group per
 * configured channel (name, driver, provider URL, credentials read from
 * files, timeouts, retries, rate limits, templates).  With no list, one
 * "console" channel exists, so a fresh install pages without an account.
 * Secrets are read here and never logged.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "conf.h"
#include "conf-private.h"
#include "duration.h"
#include "hmac.h"
#include "log.h"
#include "xmalloc.h"


enum conf_chan_type {
	CK_STRING,
	CK_PATH,
	CK_DURATION,
	CK_INT,
	CK_BOOL,
	CK_SPECIAL, /* parsed by its own code */
};

struct conf_chan_key {
	const char *name;
	enum conf_chan_type type;
	size_t off;
	int64_t min, max;
};

#define O(f) offsetof(struct conf_chan, f)
static const struct conf_chan_key conf_chan_keys[] = {
	{ "name", CK_SPECIAL, 0, 0, 0 },
	{ "driver", CK_SPECIAL, 0, 0, 0 },
	{ "url", CK_STRING, O(url), 0, 0 },
	{ "url_file", CK_SPECIAL, 0, 0, 0 },
	{ "api_url", CK_STRING, O(api_url), 0, 0 },
	{ "account_sid", CK_STRING, O(account_sid), 0, 0 },
	{ "api_key_sid", CK_STRING, O(username), 0, 0 },
	{ "username", CK_STRING, O(username), 0, 0 },
	{ "auth_token_file", CK_SPECIAL, 0, 0, 0 },
	{ "password_file", CK_SPECIAL, 0, 0, 0 },
	{ "secret_file", CK_SPECIAL, 0, 0, 0 },
	{ "from", CK_STRING, O(from), 0, 0 },
	{ "messaging_service_sid", CK_STRING, O(messaging_service_sid), 0, 0 },
	{ "status_callback", CK_STRING, O(status_callback), 0, 0 },
	{ "channel", CK_STRING, O(channel), 0, 0 },
	{ "helo", CK_STRING, O(helo), 0, 0 },
	{ "tls", CK_SPECIAL, 0, 0, 0 },
	{ "tls_verify", CK_BOOL, O(tls_verify), 0, 0 },
	{ "ca_file", CK_PATH, O(ca_file), 0, 0 },
	{ "headers", CK_SPECIAL, 0, 0, 0 },
	{ "signature", CK_SPECIAL, 0, 0, 0 },
	{ "signature_header", CK_STRING, O(signature_header), 0, 0 },
	{ "voice", CK_STRING, O(voice), 0, 0 },
	{ "language", CK_STRING, O(language), 0, 0 },
	{ "ring_timeout", CK_INT, O(ring_timeout), 5, 600 },
	{ "machine_detection", CK_BOOL, O(machine_detection), 0, 0 },
	{ "connect_timeout", CK_DURATION, O(connect_timeout_ms), 100,
	    DURATION_MINUTE },
	{ "timeout", CK_DURATION, O(timeout_ms), 100, 10 * DURATION_MINUTE },
	{ "max_attempts", CK_INT, O(max_attempts), 1, 20 },
	{ "backoff", CK_DURATION, O(backoff_ms), 100, DURATION_HOUR },
	{ "backoff_max", CK_DURATION, O(backoff_max_ms), 100, DURATION_DAY },
	{ "rate_limit", CK_INT, O(rate_limit), 0, 1000 },
	{ "rate_window", CK_DURATION, O(rate_window_ms), DURATION_SECOND,
	    DURATION_DAY },
	{ "bundle", CK_DURATION, O(bundle_ms), 0, 10 * DURATION_MINUTE },
	{ "subject", CK_STRING, O(tpl_subject), 0, 0 },
	{ "text", CK_STRING, O(tpl_text), 0, 0 },
	{ "body", CK_STRING, O(tpl_body), 0, 0 },
};
#undef O

/* The words of tls and signature. */
static const struct conf_word conf_chan_tls[] = {
	{ "starttls", CHAN_TLS_STARTTLS },
	{ "implicit", CHAN_TLS_IMPLICIT },
	{ "none", CHAN_TLS_NONE },
};
static const struct conf_word conf_chan_sig[] = {
	{ "standard", CHAN_SIG_STANDARD },
	{ "hex", CHAN_SIG_HEX },
	{ "none", CHAN_SIG_NONE },
};

/* Read the first line of a secret file into cc->secret. */
static int
conf_chan_secret(struct conf_chan *cc, const char *path, char **cause)
{
	char *secret;
	size_t len;

	if (conf_read_secret(path, "channel secret", 1, &secret, &len,
	    cause) != 0)
		return -1;
	if (cc->secret != NULL)
		explicit_bzero(cc->secret, cc->secret_len);
	free(cc->secret);
	cc->secret = secret;
	cc->secret_len = len;
	return 0;
}

/*
 * Standard Webhooks secrets are written "whsec_<base64>", and the key is
 * the decoded part (that is what receivers verify with); any other
 * secret is used as it is.
 */
static void
conf_chan_whsec(struct conf_chan *cc, const char *file, int line,
    struct conf_errors *e)
{
	uint8_t *key;
	size_t len;

	if (cc->secret == NULL || cc->signature != CHAN_SIG_STANDARD ||
	    cc->secret_len < 6 || strncmp(cc->secret, "whsec_", 6) != 0)
		return;
	if (hmac_base64_decode(cc->secret + 6, &key, &len) != 0 || len == 0) {
		conf_error(e, file, line, "channel %s: secret_file: a whsec_"
		    " secret must be base64 after the prefix", cc->name);
		return;
	}
	explicit_bzero(cc->secret, cc->secret_len);
	free(cc->secret);
	cc->secret = (char *)key;
	cc->secret_len = len;
}

/* One key of one channel. */
static void
conf_chan_key(struct conf *c, struct conf_chan *cc,
    const struct conf_chan_key *k, const config_setting_t *s,
    struct conf_errors *e)
{
	const char *file = conf_file(s, c->path), *str = NULL;
	int line = conf_line(s), i, n;
	void *field = (char *)cc + k->off;
	char *cause = NULL, *path, *what;
	struct conf_where w = { e, file, line, NULL };
	int64_t v;
	int word;

	xasprintf(&what, "channel %s: %s", cc->name, k->name);
	w.what = what;
	if (k->type == CK_BOOL) {
		conf_read_bool(&w, s, field);
		goto out;
	}
	if (k->type == CK_INT) {
		if (conf_read_int(&w, s, 0, k->min, k->max, &v) == 0)
			*(int *)field = (int)v;
		goto out;
	}
	if (strcmp(k->name, "headers") == 0) {
		if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
			conf_error(e, file, line, "channel %s: headers must be"
			    " a list of \"Name: value\" strings", cc->name);
			goto out;
		}
		n = config_setting_length(s);
		cc->headers = xcalloc(n + 1, sizeof *cc->headers);
		for (i = 0; i < n; i++) {
			str = config_setting_get_string_elem(s, i);
			if (str == NULL || strchr(str, ':') == NULL ||
			    strpbrk(str, "\r\n") != NULL) {
				conf_error(e, file, line, "channel %s: headers"
				    " must be \"Name: value\" strings",
				    cc->name);
				break;
			}
			cc->headers[i] = xstrdup(str);
		}
		goto out;
	}
	if ((str = conf_read_string(&w, s)) == NULL)
		goto out;
	switch (k->type) {
	case CK_STRING:
		*(char **)field = xstrdup(str);
		break;
	case CK_PATH:
		*(char **)field = conf_abspath(c->dir, str);
		break;
	case CK_DURATION:
		conf_read_duration(&w, str, k->min, k->max, field);
		break;
	case CK_SPECIAL:
		if (strcmp(k->name, "tls") == 0) {
			if (conf_read_word(&w, str, conf_chan_tls,
			    nitems(conf_chan_tls), &word) == 0)
				cc->tls = word;
		} else if (strcmp(k->name, "signature") == 0) {
			if (conf_read_word(&w, str, conf_chan_sig,
			    nitems(conf_chan_sig), &word) == 0)
				cc->signature = word;
		} else {
			/* auth_token_file, password_file, secret_file, url_file */
			path = conf_abspath(c->dir, str);
			if (strcmp(k->name, "url_file") == 0) {
				struct conf_chan tmp;

				memset(&tmp, 0, sizeof tmp);
				if (conf_chan_secret(&tmp, path, &cause) == 0) {
					free(cc->url);
					cc->url = tmp.secret;
				}
			} else if (cc->secret != NULL)
				xasprintf(&cause, "only one of auth_token_file,"
				    " password_file and secret_file");
			else
				conf_chan_secret(cc, path, &cause);
			if (cause != NULL) {
				conf_error(e, file, line, "channel %s: %s",
				    cc->name, cause);
				free(cause);
			}
			free(path);
		}
		break;
	default:
		break;
	}
out:
	free(what);
}

/* Defaults that depend on the driver, for what the entry left unset. */
static void
conf_chan_defaults(struct conf_chan *cc)
{
	enum chan_kind kind = cc->driver->kind;

	if (cc->connect_timeout_ms == 0)
		cc->connect_timeout_ms = 10 * DURATION_SECOND;
	if (cc->timeout_ms == 0)
		cc->timeout_ms = 30 * DURATION_SECOND;
	if (cc->max_attempts == 0)
		cc->max_attempts = kind == CHAN_VOICE ? 2 : 3;
	if (cc->backoff_ms == 0)
		cc->backoff_ms = 10 * DURATION_SECOND;
	if (cc->backoff_max_ms == 0)
		cc->backoff_max_ms = 10 * DURATION_MINUTE;
	if (cc->rate_limit == -1)
		cc->rate_limit = kind == CHAN_SMS || kind == CHAN_VOICE ? 3 : 0;
	if (cc->rate_window_ms == 0)
		cc->rate_window_ms = 15 * DURATION_MINUTE;
	/* Obsolete: messages gather while one is in flight (outbox.c). */
	if (cc->bundle_ms != -1)
		log_warnx("%s:%d: channel \"%s\": bundle is obsolete and"
		    " ignored: the first page to an idle address leaves at"
		    " once, and what comes meanwhile goes out together next",
		    cc->file, cc->line, cc->name);
	cc->bundle_ms = 0;
	if (cc->api_url == NULL && (cc->driver == &chan_twilio_sms_driver ||
	    cc->driver == &chan_twilio_voice_driver))
		cc->api_url = xstrdup("https://api.twilio.com");
	if (cc->signature_header == NULL && cc->signature == CHAN_SIG_HEX)
		cc->signature_header = xstrdup("X-Pagerd-Signature");
}

static void
conf_chan_one(struct conf *c, const config_setting_t *g, struct conf_chan *cc,
    struct conf_errors *e)
{
	const config_setting_t *s;
	const char *file = conf_file(g, c->path), *str;
	char *cause = NULL;
	size_t j;
	int i;

	cc->file = xstrdup(file);
	cc->line = conf_line(g);
	cc->tls_verify = 1;
	cc->rate_limit = -1;
	cc->bundle_ms = -1;
	cc->signature = CHAN_SIG_STANDARD;
	if (!config_setting_lookup_string(g, "name", &str) ||
	    !chan_name_is_valid(str)) {
		conf_error(e, file, conf_line(g), "a channel needs a name of"
		    " lowercase letters, digits, '-' and '_'");
		cc->name = xstrdup("?");
	} else
		cc->name = xstrdup(str);
	if (!config_setting_lookup_string(g, "driver", &str) ||
	    (cc->driver = chan_driver_find(str)) == NULL) {
		conf_error(e, file, conf_line(g), "channel %s: driver must be"
		    " one of smtp, twilio-sms, webhook-sms, slack, mattermost,"
		    " teams, webhook-chat, twilio-voice, console", cc->name);
		cc->driver = &chan_console_driver;
	}
	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		for (j = 0; j < nitems(conf_chan_keys); j++)
			if (strcmp(conf_chan_keys[j].name,
			    config_setting_name(s)) == 0)
				break;
		if (j == nitems(conf_chan_keys)) {
			conf_error(e, conf_file(s, c->path), conf_line(s),
			    "channel %s: unknown key \"%s\"", cc->name,
			    config_setting_name(s));
			continue;
		}
		if (strcmp(conf_chan_keys[j].name, "name") != 0 &&
		    strcmp(conf_chan_keys[j].name, "driver") != 0)
			conf_chan_key(c, cc, &conf_chan_keys[j], s, e);
	}
	conf_chan_defaults(cc);
	if (config_setting_get_member(g, "secret_file") != NULL)
		conf_chan_whsec(cc, file, conf_line(g), e);
	if (cc->driver->check(cc, &cause) != 0) {
		conf_error(e, file, conf_line(g), "channel %s: %s", cc->name,
		    cause);
		free(cause);
	}
}

void
conf_chan_load(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
	const config_setting_t *list, *g;
	int i, n;
	size_t j;

	list = config_lookup(cfg, "channels");
	if (list == NULL) {
		c->chans = xcalloc(1, sizeof *c->chans);
		c->chans[0].name = xstrdup("console");
		c->chans[0].file = xstrdup(c->path);
		c->chans[0].driver = &chan_console_driver;
		c->chans[0].rate_limit = -1;
		c->chans[0].bundle_ms = -1;
		conf_chan_defaults(&c->chans[0]);
		c->nchans = 1;
		return;
	}
	if (!config_setting_is_list(list)) {
		conf_error(e, conf_file(list, c->path), conf_line(list),
		    "channels must be a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(list);
	c->chans = xcalloc(n > 0 ? n : 1, sizeof *c->chans);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, i);
		if (!config_setting_is_group(g)) {
			conf_error(e, conf_file(g, c->path), conf_line(g),
			    "channels must hold groups { ... }");
			continue;
		}
		conf_chan_one(c, g, &c->chans[c->nchans], e);
		for (j = 0; j < c->nchans; j++)
			if (strcmp(c->chans[j].name,
			    c->chans[c->nchans].name) == 0)
				conf_error(e, conf_file(g, c->path),
				    conf_line(g), "channel %s: defined twice"
				    " (also at line %d)", c->chans[j].name,
				    c->chans[j].line);
		c->nchans++;
	}
}

void
conf_chan_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nchans; i++)
		chan_conf_clear(&c->chans[i]);
	free(c->chans);
	c->chans = NULL;
	c->nchans = 0;
}

/* The channel called name, or NULL. */
const struct conf_chan *
conf_chan_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nchans; i++)
		if (strcmp(c->chans[i].name, name) == 0)
			return &c->chans[i];
	return NULL;
}
