/* SPDX-License-Identifier: ISC */
/*
 * conf.c: read pagerd.conf (libconfig syntax) into a struct conf.  One
 * table lists every scalar key with its type, bounds and default; keys
 * not in the table are errors, so a typo never silently does nothing.
 * All problems are collected as "file:line: message" lines.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "conf.h"
#include "conf-private.h"
#include "duration.h"
#include "hmac.h"
#include "intake.h"
#include "log.h"
#include "xmalloc.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

enum conf_type {
	CONF_STRING,
	CONF_PATH, /* string; made absolute against the config's folder */
	CONF_DURATION,
	CONF_INT,
	CONF_PRIORITY,
	CONF_BOOL,
	CONF_PERCENT,   /* "2%" or "0.5%", stored as a fraction (double) */
	CONF_COMPOSITE, /* parsed by its own code below */
	CONF_SECTION,   /* parsed, keys and all, by a conf-*.c file */
};

struct conf_entry {
	const char *path;
	enum conf_type type;
	size_t off;
	int64_t min, max;
	const char *def;
};

#define O(f) offsetof(struct conf, f)
static const struct conf_entry conf_table[] = {
	{ "state_dir", CONF_PATH, O(state_dir), 0, 0, LOCALSTATEDIR "/lib/pagerd" },
	{ "pidfile", CONF_PATH, O(pidfile), 0, 0, NULL },
	{ "user", CONF_STRING, O(user), 0, 0, NULL },
	{ "group", CONF_STRING, O(group), 0, 0, NULL },
	{ "people", CONF_PATH, O(people), 0, 0, NULL },
	{ "rota_dir", CONF_PATH, O(rota_dir), 0, 0, NULL },
	{ "calendar_secret_file", CONF_PATH, O(calendar_secret_file), 0, 0, NULL },
	{ "ack", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "ack.secret_file", CONF_PATH, O(ack_secret_file), 0, 0, NULL },
	{ "ack.ttl", CONF_DURATION, O(ack_ttl_ms), 60000, 30LL * 86400000, "24h" },
	{ "ack.sms_reply_limit", CONF_INT, O(ack_sms_reply_limit), 0, 1000, "5" },
	{ "ack.sms_reply_window", CONF_DURATION, O(ack_sms_reply_window_ms), 1000, 86400000, "15m" },
	{ "http", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "http.listen", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "http.max_body", CONF_INT, O(http_max_body), 1024, 64 << 20, "1048576" },
	{ "http.timeout", CONF_DURATION, O(http_timeout_ms), 1000, 3600000, "30s" },
	{ "http.max_connections", CONF_INT, O(http_max_connections), 16, 1000000, "512" },
	{ "http.public_url", CONF_STRING, O(http_public_url), 0, 0, NULL },
	{ "http.metrics_open", CONF_BOOL, O(http_metrics_open), 0, 0, "false" },
	{ "http.access_log", CONF_BOOL, O(http_access_log), 0, 0, "true" },
	{ "intake", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "intake.default_priority", CONF_PRIORITY, O(intake_default_priority), 0, 0, "P3" },
	{ "intake.default_service", CONF_STRING, O(intake_default_service), 0, 0, "default" },
	{ "intake.severity", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "intake.severity.critical", CONF_PRIORITY, O(intake_severity[0]), 0, 0, "P1" },
	{ "intake.severity.error", CONF_PRIORITY, O(intake_severity[1]), 0, 0, "P2" },
	{ "intake.severity.warning", CONF_PRIORITY, O(intake_severity[2]), 0, 0, "P3" },
	{ "intake.severity.info", CONF_PRIORITY, O(intake_severity[3]), 0, 0, "P4" },
	{ "intake.priority_label", CONF_STRING, O(intake_priority_label), 0, 0, "severity" },
	{ "intake.service_label", CONF_STRING, O(intake_service_label), 0, 0, "service" },
	{ "integrations", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "tokens", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "channels", CONF_SECTION, 0, 0, 0, NULL },
	{ "policies", CONF_SECTION, 0, 0, 0, NULL },
	{ "sla", CONF_SECTION, 0, 0, 0, NULL },
	{ "business_hours", CONF_SECTION, 0, 0, 0, NULL },
	{ "heartbeats", CONF_SECTION, 0, 0, 0, NULL },
	{ "maintenance", CONF_SECTION, 0, 0, 0, NULL },
	{ "store", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "store.database", CONF_STRING, O(store_database), 0, 0, NULL },
	{ "store.timeout", CONF_DURATION, O(store_timeout_ms), 100, 600000, "2s" },
	{ "store.synchronous", CONF_STRING, O(store_synchronous), 0, 0, "full" },
	{ "store.retention", CONF_DURATION, O(store_retention_ms), 0, 100LL * 366 * 86400000, "400d" },
	{ "ha", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "ha.lease", CONF_DURATION, O(ha_lease_ms), 1000, 60000, "3s" },
	{ "dashboard", CONF_COMPOSITE, 0, 0, 0, NULL },
	{ "dashboard.breach_target", CONF_PERCENT, O(dashboard_breach_target), 0, 100, "2%" },
};
#undef O

static const struct conf_entry *
conf_entry_find(const char *path)
{
	size_t i;

	for (i = 0; i < nitems(conf_table); i++)
		if (strcmp(conf_table[i].path, path) == 0)
			return &conf_table[i];
	return NULL;
}

/* Report every key in group g (named prefix) that the table lacks. */
static void
conf_check_unknown(const char *path, const config_setting_t *g,
    const char *prefix, struct conf_errors *e)
{
	const config_setting_t *s;
	const struct conf_entry *ce;
	char *full;
	int i;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		if (prefix == NULL)
			full = xstrdup(config_setting_name(s));
		else
			xasprintf(&full, "%s.%s", prefix, config_setting_name(s));
		ce = conf_entry_find(full);
		if (ce == NULL)
			conf_error(e, conf_file(s, path), conf_line(s),
			    "unknown key \"%s\"", full);
		else if (ce->type == CONF_COMPOSITE &&
		    config_setting_type(s) == CONFIG_TYPE_GROUP)
			conf_check_unknown(path, s, full, e);
		free(full);
	}
}

/* Set one scalar from its text (the default) or from setting s. */
static void
conf_set_scalar(struct conf *c, const struct conf_entry *ce,
    const config_setting_t *s, struct conf_errors *e)
{
	struct conf_where w = { e, NULL, 0, ce->path };
	const char *str = ce->def;
	void *field = (char *)c + ce->off;

	w.file = s != NULL ? conf_file(s, c->path) : c->path;
	w.line = s != NULL ? conf_line(s) : 0;
	if (s != NULL && ce->type == CONF_BOOL) {
		conf_read_bool(&w, s, field);
		return;
	}
	if (s != NULL && ce->type != CONF_INT &&
	    (str = conf_read_string(&w, s)) == NULL)
		return;
	switch (ce->type) {
	case CONF_STRING:
		*(char **)field = str != NULL ? xstrdup(str) : NULL;
		break;
	case CONF_PATH:
		if (str != NULL && *str == '\0') {
			conf_error(e, w.file, w.line, "%s is empty", ce->path);
			break;
		}
		*(char **)field = str != NULL ? conf_abspath(c->dir, str) : NULL;
		break;
	case CONF_DURATION:
		conf_read_duration(&w, str, ce->min, ce->max, field);
		break;
	case CONF_INT:
		/* The table's defaults are within their bounds. */
		if (s == NULL)
			*(int64_t *)field = strtoll(ce->def, NULL, 10);
		else
			conf_read_int(&w, s, 1, ce->min, ce->max, field);
		break;
	case CONF_PRIORITY:
		if ((*(int *)field = alert_priority_parse(str)) == -1)
			conf_error(e, w.file, w.line,
			    "%s must be one of P1..P4", ce->path);
		break;
	case CONF_BOOL:
		*(int *)field = strcmp(str, "true") == 0;
		break;
	case CONF_PERCENT: {
		char *end;
		double d;

		errno = 0;
		d = strtod(str, &end);
		if (end == str || strcmp(end, "%") != 0 || errno != 0 ||
		    !(d >= ce->min && d <= ce->max)) {
			conf_error(e, w.file, w.line, "%s must be a percentage"
			    " between %lld%% and %lld%%, such as \"2%%\"",
			    ce->path, (long long)ce->min, (long long)ce->max);
			break;
		}
		*(double *)field = d / 100;
		break;
	}
	case CONF_COMPOSITE:
	case CONF_SECTION:
		break;
	}
}

/* "host:port" or "[v6]:port" into l. */
static int
conf_parse_listen(const char *s, struct conf_listen *l, char **cause)
{
	const char *colon;
	char *end;
	long port;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		l->host = xstrndup(s + 1, close - s - 1);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || colon == s)
			goto bad;
		l->host = xstrndup(s, colon - s);
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 1 ||
	    port > 65535) {
		free(l->host);
		l->host = NULL;
		goto bad;
	}
	l->port = (int)port;
	return 0;
bad:
	xasprintf(cause, "bad listen address \"%s\": want host:port or"
	    " [v6addr]:port with a port from 1 to 65535", s);
	return -1;
}

static void
conf_load_listen(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
	const config_setting_t *s, *v;
	const char *str;
	char *cause;
	int i, n;

	s = config_lookup(cfg, "http.listen");
	if (s == NULL) {
		c->listen = xcalloc(1, sizeof *c->listen);
		c->listen[0].host = xstrdup("127.0.0.1");
		c->listen[0].port = 8080;
		c->nlisten = 1;
		return;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		n = 1;
	else if (config_setting_is_array(s) || config_setting_is_list(s))
		n = config_setting_length(s);
	else {
		conf_error(e, conf_file(s, c->path), conf_line(s),
		    "http.listen must be a string or a list of strings");
		return;
	}
	if (n == 0) {
		conf_error(e, conf_file(s, c->path), conf_line(s),
		    "http.listen is empty");
		return;
	}
	c->listen = xcalloc(n, sizeof *c->listen);
	for (i = 0; i < n; i++) {
		v = config_setting_type(s) == CONFIG_TYPE_STRING ? s :
		    config_setting_get_elem(s, i);
		if ((str = config_setting_get_string(v)) == NULL) {
			conf_error(e, conf_file(s, c->path), conf_line(s),
			    "http.listen must hold strings");
			continue;
		}
		if (conf_parse_listen(str, &c->listen[c->nlisten], &cause)) {
			conf_error(e, conf_file(s, c->path), conf_line(s), "%s",
			    cause);
			free(cause);
			continue;
		}
		c->nlisten++;
	}
}

/*
 * user and group must name an account and a group of this system, so
 * that "pagerd -t" finds a typo before a start does.  group alone is an
 * error: it would still leave pagerd running as root.
 */
static void
conf_check_user(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
	const config_setting_t *s;

	if (c->user != NULL) {
		s = config_lookup(cfg, "user");
		if (*c->user == '\0')
			conf_error(e, conf_file(s, c->path), conf_line(s),
			    "user is empty");
		else if (getpwnam(c->user) == NULL)
			conf_error(e, conf_file(s, c->path), conf_line(s),
			    "user \"%s\": no such user", c->user);
	}
	if (c->group != NULL) {
		s = config_lookup(cfg, "group");
		if (c->user == NULL)
			conf_error(e, conf_file(s, c->path), conf_line(s),
			    "group needs user: name the user to run as too");
		else if (*c->group == '\0')
			conf_error(e, conf_file(s, c->path), conf_line(s),
			    "group is empty");
		else if (getgrnam(c->group) == NULL)
			conf_error(e, conf_file(s, c->path), conf_line(s),
			    "group \"%s\": no such group", c->group);
	}
}

/* Read a key file and keep only its SHA-256.  Never logs the key. */
static int
conf_read_key_file(const char *path, uint8_t hash[HMAC_SHA256_LEN],
    char **cause)
{
	char *key;
	size_t len;

	if (conf_read_secret(path, "key", 16, &key, &len, cause) != 0)
		return -1;
	hmac_digest_sha256(key, len, hash);
	explicit_bzero(key, len);
	free(key);
	return 0;
}

/*
 * One list of keys: "integrations" (role fixed) or "tokens" (each with a
 * role).  A key is given as key_sha256 (hex of its SHA-256) or key_file.
 */
static void
conf_load_keys(struct conf *c, const config_t *cfg, const char *list,
    struct conf_errors *e)
{
	const config_setting_t *l, *g, *s;
	const char *name, *str, *file;
	char *cause, *path;
	struct conf_key *k;
	int i, n, line;
	size_t j;

	if ((l = config_lookup(cfg, list)) == NULL)
		return;
	file = conf_file(l, c->path);
	if (!config_setting_is_list(l) && !config_setting_is_array(l)) {
		conf_error(e, file, conf_line(l), "%s must be a list ( ... )",
		    list);
		return;
	}
	n = config_setting_length(l);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(l, i);
		line = conf_line(g);
		if (!config_setting_is_group(g)) {
			conf_error(e, file, line, "%s entries must be groups"
			    " { ... }", list);
			continue;
		}
		for (j = 0; (s = config_setting_get_elem(g, j)) != NULL; j++) {
			static const char *known[] = { "name", "role",
				"key_sha256", "key_file", "service",
				"rate_limit", "rate_burst", "format",
				"mapping", "callback" };
			size_t m;

			for (m = 0; m < nitems(known); m++)
				if (strcmp(config_setting_name(s), known[m]) == 0)
					break;
			if (m == nitems(known) || (*list == 'i' && m == 1) ||
			    (*list == 't' && m >= 4))
				conf_error(e, file, conf_line(s),
				    "unknown key \"%s\" in %s",
				    config_setting_name(s), list);
		}
		if (!config_setting_lookup_string(g, "name", &name) ||
		    *name == '\0') {
			conf_error(e, file, line, "%s entry needs a name", list);
			continue;
		}
		c->keys = xreallocarray(c->keys, c->nkeys + 1, sizeof *c->keys);
		k = &c->keys[c->nkeys];
		memset(k, 0, sizeof *k);
		k->name = xstrdup(name);
		k->line = line;
		c->nkeys++;

		if (*list == 'i')
			k->role = CONF_ROLE_INTEGRATION;
		else if (!config_setting_lookup_string(g, "role", &str))
			conf_error(e, file, line, "token \"%s\" needs a role"
			    " (viewer or responder)", name);
		else if (strcmp(str, "viewer") == 0)
			k->role = CONF_ROLE_VIEWER;
		else if (strcmp(str, "responder") == 0)
			k->role = CONF_ROLE_RESPONDER;
		else
			conf_error(e, file, line, "token \"%s\": role must be"
			    " viewer or responder", name);
		if (config_setting_lookup_string(g, "service", &str))
			k->service = xstrdup(str);
		if (config_setting_lookup_int(g, "rate_limit", &k->rate_limit) &&
		    (k->rate_limit < 0 || k->rate_limit > 1000000))
			conf_error(e, file, line, "%s \"%s\": rate_limit must be"
			    " from 0 to 1000000 a minute", list, name);
		if (!config_setting_lookup_int(g, "rate_burst", &k->rate_burst))
			k->rate_burst = k->rate_limit / 6 > 0 ?
			    k->rate_limit / 6 : 1;
		else if (k->rate_burst < 1 || k->rate_burst > 1000000)
			conf_error(e, file, line, "%s \"%s\": rate_burst must be"
			    " from 1 to 1000000", list, name);

		if (*list == 'i') {
			struct conf_ctx x = { c, e, c->path };

			conf_mapping_load(&x, g, name, &k->mapping);
			conf_callback_load(&x, g, name, &k->callback);
		}

		if (config_setting_lookup_string(g, "key_sha256", &str)) {
			if (config_setting_get_member(g, "key_file") != NULL)
				conf_error(e, file, line, "%s \"%s\": give"
				    " key_sha256 or key_file, not both", list,
				    name);
			else if (hmac_hex_decode(str, k->hash,
			    sizeof k->hash) != 0)
				conf_error(e, file, line, "%s \"%s\": key_sha256"
				    " must be 64 hex digits", list, name);
		} else if (config_setting_lookup_string(g, "key_file", &str)) {
			path = conf_abspath(c->dir, str);
			if (conf_read_key_file(path, k->hash, &cause) != 0) {
				conf_error(e, file, line, "%s \"%s\": %s", list,
				    name, cause);
				free(cause);
			}
			free(path);
		} else
			conf_error(e, file, line, "%s \"%s\" needs key_sha256"
			    " or key_file", list, name);
	}
}

/*
 * A signing secret: the first line of file (set by key), at least 16
 * characters: the calendar secret signs feed URLs (see feedsig.c), the
 * ack secret signs acknowledgement tokens (ack-token.c).  Kept in
 * memory as is, since it is a MAC key, not a credential to compare.
 */
static void
conf_load_secret(struct conf *c, const config_t *cfg, const char *key,
    const char *file, const char *what, char **secret, size_t *len,
    struct conf_errors *e)
{
	const config_setting_t *s;
	char *cause;

	if (file == NULL)
		return;
	s = config_lookup(cfg, key);
	if (conf_read_secret(file, what, 16, secret, len, &cause) != 0) {
		conf_error(e, conf_file(s, c->path), conf_line(s), "%s",
		    cause);
		free(cause);
	}
}

/* No two keys with one name or one secret; path is the file as named. */
static void
conf_check_keys(struct conf *c, const char *path, struct conf_errors *e)
{
	size_t i, j;

	for (i = 0; i < c->nkeys; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(c->keys[i].name, c->keys[j].name) == 0)
				conf_error(e, path, c->keys[i].line,
				    "key name \"%s\" is used twice (first at"
				    " line %d)", c->keys[i].name,
				    c->keys[j].line);
			else if (memcmp(c->keys[i].hash, c->keys[j].hash,
			    HMAC_SHA256_LEN) == 0)
				conf_error(e, path, c->keys[i].line,
				    "keys \"%s\" and \"%s\" are the same key",
				    c->keys[j].name, c->keys[i].name);
		}
	}
}

/* Is where a PostgreSQL connection URI rather than a folder? */
int
conf_store_is_pg(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	    strncmp(where, "postgres://", 11) == 0;
}

/*
 * The store's database: store.database, or store itself given as a
 * string (store = "postgresql://..."), or state_dir.  A postgresql://
 * URI is kept as written (libpq reads it); anything else is the folder
 * of the SQLite store, made absolute.
 */
static void
conf_load_store(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
	const config_setting_t *s = config_lookup(cfg, "store");
	const char *str;
	char *db = c->store_database;

	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING) {
		str = config_setting_get_string(s);
		db = xstrdup(str);
	} else if (s != NULL && !config_setting_is_group(s)) {
		conf_error(e, conf_file(s, c->path), conf_line(s), "store must"
		    " be a group { ... } or a string (a folder or a"
		    " postgresql:// URI)");
		return;
	}
	c->store_database = NULL;
	if (db == NULL) {
		/* no state_dir: an error was reported */
		if (c->state_dir != NULL)
			c->store_db = xstrdup(c->state_dir);
	}
	else if (*db == '\0') {
		s = config_lookup(cfg, "store.database");
		if (s == NULL)
			s = config_lookup(cfg, "store");
		conf_error(e, conf_file(s, c->path), conf_line(s),
		    "store.database is empty");
	} else if (conf_store_is_pg(db)) {
		c->store_db = xstrdup(db);
		c->store_pg = 1;
	} else
		c->store_db = conf_abspath(c->dir, db);
	free(db);
}

/*
 * Load and validate path.  On success return the new conf; on failure
 * return NULL and set *cause to one "file:line: message" line per problem.
 */
struct conf *
conf_load(const char *path, char **cause)
{
	struct conf_errors e = { NULL, 0, 0 };
	const config_setting_t *s;
	struct conf *c;
	config_t cfg;
	char *slash, cwd[PATH_MAX];
	size_t i;

	c = xcalloc(1, sizeof *c);
	if (*path == '/')
		c->path = xstrdup(path);
	else {
		if (getcwd(cwd, sizeof cwd) == NULL)
			fatal("getcwd");
		xasprintf(&c->path, "%s/%s", cwd, path);
	}
	c->dir = xstrdup(c->path);
	if ((slash = strrchr(c->dir, '/')) != NULL)
		*(slash == c->dir ? slash + 1 : slash) = '\0';

	config_init(&cfg);
	config_set_include_dir(&cfg, c->dir);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			conf_error(&e, path, 0, "cannot read file: %s",
			    strerror(errno));
		else
			conf_error(&e, config_error_file(&cfg) != NULL ?
			    config_error_file(&cfg) : path,
			    config_error_line(&cfg), "%s",
			    config_error_text(&cfg));
		goto done;
	}
	conf_check_unknown(path, config_root_setting(&cfg), NULL, &e);
	for (i = 0; i < nitems(conf_table); i++) {
		if (conf_table[i].type == CONF_COMPOSITE ||
		    conf_table[i].type == CONF_SECTION)
			continue;
		s = config_lookup(&cfg, conf_table[i].path);
		conf_set_scalar(c, &conf_table[i], s, &e);
	}
	if ((s = config_lookup(&cfg, "http")) != NULL &&
	    !config_setting_is_group(s))
		conf_error(&e, conf_file(s, path), conf_line(s),
		    "http must be a group { ... }");
	if (c->store_synchronous == NULL ||
	    strcmp(c->store_synchronous, "full") == 0)
		c->store_full_sync = 1;
	else if (strcmp(c->store_synchronous, "normal") != 0) {
		s = config_lookup(&cfg, "store.synchronous");
		conf_error(&e, conf_file(s, path), conf_line(s),
		    "store.synchronous must be \"full\" or \"normal\"");
	}
	conf_load_store(c, &cfg, &e);
	conf_check_user(c, &cfg, &e);
	conf_load_listen(c, &cfg, &e);
	conf_load_keys(c, &cfg, "integrations", &e);
	conf_load_keys(c, &cfg, "tokens", &e);
	conf_check_keys(c, path, &e);
	conf_load_secret(c, &cfg, "calendar_secret_file",
	    c->calendar_secret_file, "calendar", &c->calendar_secret,
	    &c->calendar_secret_len, &e);
	conf_load_secret(c, &cfg, "ack.secret_file", c->ack_secret_file,
	    "ack", &c->ack_secret, &c->ack_secret_len, &e);
	conf_chan_load(c, &cfg, &e);
	conf_policy_load_sla(c, &cfg, &e);
	conf_heartbeat_load(c, &cfg, &e);
	conf_maint_load(c, &cfg, &e);
	conf_policy_load(c, &cfg, &e);
done:
	config_destroy(&cfg);
	if (e.n != 0) {
		e.buf[e.len - 1] = '\0'; /* drop the last newline */
		*cause = e.buf;
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nlisten; i++)
		free(c->listen[i].host);
	free(c->listen);
	for (i = 0; i < c->nkeys; i++) {
		free(c->keys[i].name);
		free(c->keys[i].service);
		intake_mapping_free(c->keys[i].mapping);
		conf_callback_free(c->keys[i].callback);
	}
	free(c->keys);
	conf_chan_free(c);
	conf_policy_free(c);
	conf_heartbeat_free(c);
	conf_maint_free(c);
	free(c->path);
	free(c->dir);
	free(c->state_dir);
	free(c->pidfile);
	free(c->user);
	free(c->group);
	free(c->people);
	free(c->rota_dir);
	free(c->calendar_secret_file);
	if (c->calendar_secret != NULL) {
		explicit_bzero(c->calendar_secret, c->calendar_secret_len);
		free(c->calendar_secret);
	}
	free(c->ack_secret_file);
	if (c->ack_secret != NULL) {
		explicit_bzero(c->ack_secret, c->ack_secret_len);
		free(c->ack_secret);
	}
	free(c->http_public_url);
	free(c->store_synchronous);
	free(c->store_database);
	free(c->store_db);
	free(c->intake_default_service);
	free(c->intake_priority_label);
	free(c->intake_service_label);
	free(c);
}

/*
 * Find the configured key whose SHA-256 matches that of the presented
 * bearer key.  Every entry is compared, in constant time, so the reply
 * time says nothing about which or how much matched.
 */
const struct conf_key *
conf_key_find(const struct conf *c, const char *presented)
{
	uint8_t h[HMAC_SHA256_LEN];
	const struct conf_key *found = NULL;
	size_t i;

	hmac_digest_sha256(presented, strlen(presented), h);
	for (i = 0; i < c->nkeys; i++)
		if (hmac_equal(h, c->keys[i].hash, sizeof h))
			found = &c->keys[i];
	return found;
}
