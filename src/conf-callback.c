/* SPDX-License-Identifier: ISC */
/*
 * conf-callback.c: the "callback" group of an integration: where the
 * state changes of its alerts are posted back (callback.c), with what
 * headers, body template, signing secret and retry delays.  Every
 * problem is reported at its own line, naming the key.
 */
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "conf.h"
#include "conf-private.h"
#include "duration.h"
#include "hmac.h"
#include "xmalloc.h"

/* headers = ( [ "Name", "value" ], ... ); */
static void
conf_callback_headers(struct conf_ctx *x, const config_setting_t *l,
    const char *name, struct conf_callback *cb)
{
	const config_setting_t *p;
	const char *hn, *hv;
	char *cause;
	int i, j = 0, n;

	if (!config_setting_is_list(l) && !config_setting_is_array(l)) {
		CERR(x, l, "integrations \"%s\": callback.headers must be a"
		    " list of [\"Name\", \"value\"] pairs", name);
		return;
	}
	n = config_setting_length(l);
	cb->headers = xcalloc(n + 1, sizeof *cb->headers);
	for (i = 0; (p = config_setting_get_elem(l, i)) != NULL; i++) {
		if (!config_setting_is_array(p) ||
		    config_setting_length(p) != 2 ||
		    (hn = config_setting_get_string_elem(p, 0)) == NULL ||
		    (hv = config_setting_get_string_elem(p, 1)) == NULL) {
			CERR(x, p, "integrations \"%s\": callback.headers: each"
			    " entry must be [\"Name\", \"value\"], two strings",
			    name);
			continue;
		}
		if (callback_header_check(hn, hv, &cause) != 0) {
			CERR(x, p, "integrations \"%s\": callback.headers: %s",
			    name, cause);
			free(cause);
			continue;
		}
		/* packed: the list ends at the first NULL, and so does
		 * its free(), so a refused entry must leave no hole */
		xasprintf(&cb->headers[j++], "%s: %s", hn, hv);
	}
}

/*
 * The signing secret: the first line of a file; a Standard Webhooks
 * secret ("whsec_" and base64) is used decoded, anything else as it is.
 */
static void
conf_callback_secret(struct conf_ctx *x, const config_setting_t *s,
    const char *name, struct conf_callback *cb)
{
	char *path, *secret, *cause;
	uint8_t *key;
	size_t len;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		CERR(x, s, "integrations \"%s\": callback.secret_file must be"
		    " a path", name);
		return;
	}
	path = conf_abspath(x->c->dir, config_setting_get_string(s));
	if (conf_read_secret(path, "callback secret", 16, &secret, &len,
	    &cause) != 0) {
		CERR(x, s, "integrations \"%s\": callback.secret_file: %s",
		    name, cause);
		free(cause);
		free(path);
		return;
	}
	free(path);
	if (strncmp(secret, "whsec_", 6) == 0) {
		if (hmac_base64_decode(secret + 6, &key, &len) != 0 ||
		    len == 0) {
			CERR(x, s, "integrations \"%s\": callback.secret_file:"
			    " a whsec_ secret must be base64 after the prefix",
			    name);
			explicit_bzero(secret, strlen(secret));
			free(secret);
			return;
		}
		explicit_bzero(secret, strlen(secret));
		free(secret);
		cb->key = key;
	} else
		cb->key = (uint8_t *)secret;
	cb->key_len = len;
}

/* A duration member of g from min to max into *out, if there. */
static void
conf_callback_duration(struct conf_ctx *x, const config_setting_t *g,
    const char *name, const char *key, int64_t min, int64_t max,
    int64_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	struct conf_where w;
	char *what;

	if (s == NULL)
		return;
	xasprintf(&what, "integrations \"%s\": callback.%s", name, key);
	w.e = x->e;
	w.file = conf_file(s, x->c->path);
	w.line = conf_line(s);
	w.what = what;
	if (conf_read_string(&w, s) != NULL)
		conf_read_duration(&w, config_setting_get_string(s), min, max,
		    out);
	free(what);
}

/*
 * The callback group of integration g (named name) into *out, or NULL
 * if it has none.
 */
void
conf_callback_load(struct conf_ctx *x, const config_setting_t *g,
    const char *name, struct conf_callback **out)
{
	static const char *known[] = { "url", "headers", "body",
		"secret_file", "tls_verify", "ca_file", "connect_timeout",
		"timeout", "backoff", "backoff_max", "give_up", NULL };
	const config_setting_t *cs, *s;
	struct conf_callback *cb;
	char *cause, what[160];
	const char *str;

	*out = NULL;
	if ((cs = config_setting_get_member(g, "callback")) == NULL)
		return;
	if (!config_setting_is_group(cs)) {
		CERR(x, cs, "integrations \"%s\": callback must be a group"
		    " { url = ...; }", name);
		return;
	}
	snprintf(what, sizeof what, "integrations \"%s\": callback", name);
	conf_read_known(x, cs, what, known);
	cb = xcalloc(1, sizeof *cb);
	cb->tls_verify = 1;
	cb->connect_timeout_ms = 10 * DURATION_SECOND;
	cb->timeout_ms = 30 * DURATION_SECOND;
	cb->backoff_ms = 10 * DURATION_SECOND;
	cb->backoff_max_ms = 10 * DURATION_MINUTE;
	cb->give_up_ms = DURATION_DAY;

	s = config_setting_get_member(cs, "url");
	if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING ||
	    ((strncmp(str = config_setting_get_string(s), "http://", 7) != 0 ||
	    str[7] == '\0') && (strncmp(str, "https://", 8) != 0 ||
	    str[8] == '\0')) || strpbrk(str, " \t\r\n") != NULL)
		CERR(x, s != NULL ? s : cs, "integrations \"%s\": callback.url"
		    " must be an http:// or https:// URL", name);
	else
		cb->url = xstrdup(str);
	if ((s = config_setting_get_member(cs, "headers")) != NULL)
		conf_callback_headers(x, s, name, cb);
	if ((s = config_setting_get_member(cs, "body")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			CERR(x, s, "integrations \"%s\": callback.body must be"
			    " a template (a string)", name);
		else if (callback_template_check(config_setting_get_string(s),
		    &cause) != 0) {
			CERR(x, s, "integrations \"%s\": callback.body: %s",
			    name, cause);
			free(cause);
		} else
			cb->body = xstrdup(config_setting_get_string(s));
	}
	if ((s = config_setting_get_member(cs, "secret_file")) != NULL)
		conf_callback_secret(x, s, name, cb);
	if ((s = config_setting_get_member(cs, "tls_verify")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			CERR(x, s, "integrations \"%s\": callback.tls_verify"
			    " must be true or false", name);
		else
			cb->tls_verify = config_setting_get_bool(s);
	}
	if ((s = config_setting_get_member(cs, "ca_file")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			CERR(x, s, "integrations \"%s\": callback.ca_file must"
			    " be a path", name);
		else
			cb->ca_file = conf_abspath(x->c->dir,
			    config_setting_get_string(s));
	}
	conf_callback_duration(x, cs, name, "connect_timeout", 100,
	    DURATION_MINUTE, &cb->connect_timeout_ms);
	conf_callback_duration(x, cs, name, "timeout", 100,
	    10 * DURATION_MINUTE, &cb->timeout_ms);
	conf_callback_duration(x, cs, name, "backoff", 100, DURATION_HOUR,
	    &cb->backoff_ms);
	conf_callback_duration(x, cs, name, "backoff_max", 100, DURATION_DAY,
	    &cb->backoff_max_ms);
	conf_callback_duration(x, cs, name, "give_up", DURATION_SECOND,
	    4 * DURATION_WEEK, &cb->give_up_ms);
	if (cb->backoff_max_ms < cb->backoff_ms)
		CERR(x, cs, "integrations \"%s\": callback.backoff_max is"
		    " shorter than callback.backoff", name);
	*out = cb;
}

void
conf_callback_free(struct conf_callback *cb)
{
	char **h;

	if (cb == NULL)
		return;
	free(cb->url);
	for (h = cb->headers; h != NULL && *h != NULL; h++)
		free(*h);
	free(cb->headers);
	free(cb->body);
	if (cb->key != NULL) {
		explicit_bzero(cb->key, cb->key_len);
		free(cb->key);
	}
	free(cb->ca_file);
	free(cb);
}
