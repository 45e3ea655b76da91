/* SPDX-License-Identifier: ISC */
/*
 * test-conf.c: pagerd.conf loading: a good file with defaults and
 * relative paths, and each kind of error reported with its line.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "heartbeat.h"
#include "hmac.h"
#include "xmalloc.h"

#define KEYHASH "1bb79f551c2c07b407c3fcef43ab1c7516aa2f68ec06f487abe20a94b155d6e5"

static char tmpdir[] = "/tmp/test-conf.XXXXXX";

static int
setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	xasprintf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

static char *
write_file(const char *name, const char *text)
{
	char *path;
	FILE *f;

	xasprintf(&path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/*
 * Load text; expect failure with a cause that has a line starting
 * "name:line: " and containing want.
 */
static void
expect_error(const char *text, int line, const char *want)
{
	char *path = write_file("bad.conf", text), *cause = NULL, *prefix;
	char *l, *save = NULL;
	int found = 0;

	assert_null(conf_load(path, &cause));
	assert_non_null(cause);
	xasprintf(&prefix, "%s:%d: ", path, line);
	for (l = strtok_r(cause, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, prefix, strlen(prefix)) == 0 &&
		    strstr(l, want) != NULL)
			found = 1;
	if (!found)
		fail_msg("want \"%s...%s\"", prefix, want);
	free(prefix);
	free(cause);
	free(path);
}

static void
test_good(void **state)
{
	char *path, *cause = NULL, *want;
	struct conf *c;

	path = write_file("key", "quickstart-integration-key\n");
	chmod(path, 0600);
	free(path);
	path = write_file("good.conf",
	    "state_dir = \"state\";\n"
	    "http = { listen = [ \"127.0.0.1:9000\", \"[::1]:9001\" ];"
	    " timeout = \"5s\"; max_body = 4096; };\n"
	    "intake = { default_priority = \"high\"; };\n"
	    "integrations = ( { name = \"a\"; key_file = \"key\";"
	    " service = \"db\"; } );\n"
	    "tokens = ( { name = \"v\"; role = \"viewer\"; key_sha256 ="
	    " \"6a3f86ed87140262bf5e9853a8a72fca34a3b203f54cd6014fbc73f6b3e68e18\"; } );\n");
	c = conf_load(path, &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	xasprintf(&want, "%s/state", tmpdir);
	assert_string_equal(c->state_dir, want);
	free(want);
	assert_null(c->pidfile);
	assert_int_equal(c->nlisten, 2);
	assert_string_equal(c->listen[0].host, "127.0.0.1");
	assert_int_equal(c->listen[0].port, 9000);
	assert_string_equal(c->listen[1].host, "::1");
	assert_int_equal(c->listen[1].port, 9001);
	assert_int_equal(c->http_timeout_ms, 5000);
	assert_int_equal(c->http_max_body, 4096);
	assert_int_equal(c->intake_default_priority, 2);
	assert_string_equal(c->intake_default_service, "default");
	assert_int_equal(c->nkeys, 2);
	assert_ptr_equal(conf_key_find(c, "quickstart-integration-key"),
	    &c->keys[0]);
	assert_int_equal(c->keys[0].role, CONF_ROLE_INTEGRATION);
	assert_string_equal(c->keys[0].service, "db");
	assert_ptr_equal(conf_key_find(c, "quickstart-viewer-token"),
	    &c->keys[1]);
	assert_int_equal(c->keys[1].role, CONF_ROLE_VIEWER);
	assert_null(conf_key_find(c, "quickstart-viewer-tokeN"));
	assert_null(conf_key_find(c, ""));
	conf_free(c);
	free(path);
}

static void
test_defaults(void **state)
{
	char *path = write_file("empty.conf", "# nothing\n"), *cause = NULL;
	struct conf *c = conf_load(path, &cause);

	assert_non_null(c);
	assert_string_equal(c->state_dir, LOCALSTATEDIR "/lib/pagerd");
	assert_int_equal(c->nlisten, 1);
	assert_string_equal(c->listen[0].host, "127.0.0.1");
	assert_int_equal(c->listen[0].port, 8080);
	assert_int_equal(c->http_timeout_ms, 30000);
	assert_int_equal(c->http_max_body, 1048576);
	assert_int_equal(c->intake_default_priority, 3);
	assert_int_equal(c->nkeys, 0);
	assert_int_equal(c->store_full_sync, 1);
	conf_free(c);
	free(path);
	path = write_file("normal.conf", "store = { synchronous = \"normal\";"
	    " };\n");
	assert_non_null(c = conf_load(path, &cause));
	assert_int_equal(c->store_full_sync, 0);
	conf_free(c);
	free(path);
}

/* store.database: a folder (SQLite) or a postgresql:// URI, kept. */
static void
test_store_database(void **state)
{
	char *path, *cause = NULL, *want;
	struct conf *c;

	path = write_file("s1.conf", "state_dir = \"/var/x\";\n");
	assert_non_null(c = conf_load(path, &cause));
	assert_string_equal(c->store_db, "/var/x");
	assert_int_equal(c->store_pg, 0);
	assert_int_equal(c->store_timeout_ms, 2000);
	conf_free(c);
	free(path);
	path = write_file("s2.conf", "store = { database = \"db\";"
	    " timeout = \"500ms\"; };\n");
	assert_non_null(c = conf_load(path, &cause));
	xasprintf(&want, "%s/db", tmpdir);
	assert_string_equal(c->store_db, want);
	assert_int_equal(c->store_pg, 0);
	assert_int_equal(c->store_timeout_ms, 500);
	free(want);
	conf_free(c);
	free(path);
	path = write_file("s3.conf", "store = \"postgresql://pagerd@db/p"
	    "?passfile=/etc/pagerd/pgpass\";\n");
	assert_non_null(c = conf_load(path, &cause));
	assert_string_equal(c->store_db,
	    "postgresql://pagerd@db/p?passfile=/etc/pagerd/pgpass");
	assert_int_equal(c->store_pg, 1);
	assert_int_equal(c->store_full_sync, 1);
	assert_int_equal(c->ha_lease_ms, 3000);
	conf_free(c);
	free(path);
	path = write_file("s4.conf", "ha = { lease = \"10s\"; };\n");
	assert_non_null(c = conf_load(path, &cause));
	assert_int_equal(c->ha_lease_ms, 10000);
	conf_free(c);
	free(path);
	assert_int_equal(conf_store_is_pg("postgres://h/d"), 1);
	assert_int_equal(conf_store_is_pg("/var/lib/pagerd"), 0);
}

static void
test_errors(void **state)
{
	expect_error("state_dir = \"x\"\nhttp = {", 2, "syntax error");
	expect_error("\n\nstat_dir = \"x\";\n", 3, "unknown key \"stat_dir\"");
	expect_error("http = {\n  listen = \"127.0.0.1:80\";\n  tmeout = \"5s\";"
	    "\n};\n", 3, "unknown key \"http.tmeout\"");
	expect_error("http = {\n timeout = \"5 minutes\"; };\n", 2,
	    "http.timeout: bad duration \"5 minutes\"");
	expect_error("http = { timeout = \"2h\"; };\n", 1,
	    "http.timeout must be between 1s and 1h");
	expect_error("ha = { lease = \"500ms\"; };\n", 1,
	    "ha.lease must be between 1s and 1m");
	expect_error("ha = {\n lease = \"61s\"; };\n", 2,
	    "ha.lease must be between 1s and 1m");
	expect_error("ha = { leese = \"2s\"; };\n", 1,
	    "unknown key \"ha.leese\"");
	expect_error("\nhttp = { max_body = \"big\"; };\n", 2,
	    "http.max_body must be an integer");
	expect_error("http = { max_body = 10; };\n", 1,
	    "http.max_body must be between 1024 and");
	expect_error("intake = {\n default_priority = \"P5\"; };\n", 2,
	    "intake.default_priority must be one of P1..P4");
	expect_error("http = {\n listen = \"localhost\"; };\n", 2,
	    "bad listen address \"localhost\"");
	expect_error("http = {\n listen = [\"127.0.0.1:0\"]; };\n", 2,
	    "bad listen address");
	expect_error("http = {\n listen = \"[::1]80\"; };\n", 2,
	    "bad listen address");
	expect_error("state_dir = 5;\n", 1, "state_dir must be a string");
	expect_error("\nstore = 5;\n", 2, "store must be a group");
	expect_error("\nstore = { database = \"\"; };\n", 2,
	    "store.database is empty");
	expect_error("\nstore = { timeout = \"10ms\"; };\n", 2,
	    "store.timeout");
	expect_error("\nstore = { synchronous = \"off\"; };\n", 2,
	    "store.synchronous must be \"full\" or \"normal\"");
	expect_error("\nintegrations = (\n { name = \"a\"; key_file ="
	    " \"missing.key\"; } );\n", 3,
	    "integrations \"a\": ");
	expect_error("integrations = (\n { name = \"a\"; key_sha256 ="
	    " \"abc\"; } );\n", 2, "key_sha256 must be 64 hex digits");
	expect_error("integrations = (\n { name = \"a\"; } );\n", 2,
	    "integrations \"a\" needs key_sha256 or key_file");
	expect_error("integrations = (\n { key_sha256 = \"" KEYHASH "\"; } );\n",
	    2, "integrations entry needs a name");
	expect_error("tokens = (\n { name = \"t\"; key_sha256 = \"" KEYHASH
	    "\"; } );\n", 2, "token \"t\" needs a role");
	expect_error("tokens = (\n { name = \"t\"; role = \"admin\";"
	    " key_sha256 = \"" KEYHASH "\"; } );\n", 2,
	    "role must be viewer or responder");
	expect_error("tokens = (\n { name = \"t\"; role = \"viewer\";"
	    " service = \"x\"; key_sha256 = \"" KEYHASH "\"; } );\n", 2,
	    "unknown key \"service\" in tokens");
	expect_error("integrations = ( { name = \"a\"; key_sha256 = \"" KEYHASH
	    "\"; },\n { name = \"a\"; key_sha256 = \"" KEYHASH "\"; } );\n",
	    2, "key name \"a\" is used twice (first at line 1)");
	expect_error("integrations = ( { name = \"a\"; key_sha256 = \"" KEYHASH
	    "\"; },\n { name = \"b\"; key_sha256 = \"" KEYHASH "\"; } );\n",
	    2, "keys \"a\" and \"b\" are the same key");
}

/* Every problem is reported, not just the first. */
static void
test_all_errors(void **state)
{
	char *path = write_file("multi.conf", "foo = 1;\nbar = 2;\n"
	    "http = { timeout = \"x\"; };\n"), *cause = NULL;

	assert_null(conf_load(path, &cause));
	assert_non_null(strstr(cause, ":1: unknown key \"foo\""));
	assert_non_null(strstr(cause, ":2: unknown key \"bar\""));
	assert_non_null(strstr(cause, ":3: http.timeout"));
	free(cause);
	free(path);
}

static void
test_missing_file(void **state)
{
	char *cause = NULL;

	assert_null(conf_load("/nonexistent/pagerd.conf", &cause));
	assert_non_null(strstr(cause, "/nonexistent/pagerd.conf:0: cannot"
	    " read file"));
	free(cause);
}

static void
test_short_key_file(void **state)
{
	char *path = write_file("short.key", "tooshort\n");

	chmod(path, 0600);
	free(path);
	expect_error("integrations = (\n { name = \"a\"; key_file ="
	    " \"short.key\"; } );\n", 2, "key is shorter than 16 characters");
}

/* A secret file group or others may read is refused, not warned about. */
static void
test_secret_file_mode(void **state)
{
	char *path = write_file("open.key", "quickstart-integration-key\n");

	chmod(path, 0644);
	free(path);
	expect_error("integrations = (\n { name = \"a\"; key_file ="
	    " \"open.key\"; } );\n", 2, "open.key: key file is open to group"
	    " or others (mode 0644): chmod 600 it");
	path = write_file("open.key", "quickstart-integration-key\n");
	chmod(path, 0640);
	free(path);
	expect_error("integrations = (\n { name = \"a\"; key_file ="
	    " \"open.key\"; } );\n", 2, "(mode 0640)");
}

static void
test_policies(void **state)
{
	char *path, *cause = NULL;
	struct conf *c;
	const struct policy *p;

	path = write_file("pol.conf",
	    "sla = { reminder = \"1m\"; P1 = { response = \"2m\";"
	    " first_response = \"10m\"; resolution = \"1h\"; };\n"
	    " P4 = { resolution = \"8h\"; calendar = \"office\"; }; };\n"
	    "business_hours = ( { name = \"office\"; timezone ="
	    " \"Europe/Berlin\"; days = \"Mon-Fri\"; hours = \"09:00-17:00\";"
	    " holidays = [ \"2026-12-25\", \"2026-12-24\" ]; } );\n"
	    "policies = ( { name = \"db\"; services = [ \"db\", \"pg\" ];"
	    " cc = \"supportcc\"; repeats = 2; stages = (\n"
	    " { targets = [ \"rota:dba\", \"chat:dba\" ]; ack_within = \"5m\";"
	    " resolve_within = \"1h\"; },\n"
	    " { targets = [ \"person:mia\" ]; resolve_within = \"2h\"; },\n"
	    " { targets = [ \"contact:vendor\" ]; } ); },\n"
	    " { name = \"default\"; stages = ( { targets = [ \"rota:ops\" ]; } ); } );\n");
	c = conf_load(path, &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_int_equal(c->sla[0].due[SLA_RESPONSE], 2 * 60000);
	assert_int_equal(c->sla[0].due[SLA_RESOLUTION], 3600000);
	assert_int_equal(c->sla[0].reminder, 60000);
	/* defaults for what is not given */
	assert_int_equal(c->sla[1].due[SLA_RESPONSE], 15 * 60000);
	assert_int_equal(c->sla[2].due[SLA_RESOLUTION], 3 * 86400000LL);
	assert_int_equal(c->sla[3].due[SLA_RESPONSE], 4 * 3600000);
	assert_int_equal(c->sla[3].due[SLA_RESOLUTION], 8 * 3600000);
	assert_ptr_equal(c->sla[3].calendar, &c->calendars[0]);
	assert_null(c->sla[2].calendar);
	assert_int_equal(c->calendars[0].days, 0x3e);
	assert_int_equal(c->calendars[0].open_min, 540);
	assert_int_equal(c->calendars[0].close_min, 1020);
	assert_int_equal(c->calendars[0].nholidays, 2);
	assert_true(c->calendars[0].holidays[0] < c->calendars[0].holidays[1]);
	assert_int_equal(c->npolicies, 2);
	p = policy_for_service(c->policies, c->npolicies, "pg");
	assert_string_equal(p->name, "db");
	assert_int_equal(p->nstages, 3);
	assert_int_equal(p->repeats, 2);
	assert_string_equal(p->cc, "supportcc");
	assert_int_equal(p->stages[0].ntargets, 2);
	assert_int_equal(p->stages[0].targets[0].kind, TARGET_ROTA);
	assert_string_equal(p->stages[0].targets[0].name, "dba");
	assert_int_equal(p->stages[0].targets[1].kind, TARGET_CHAT);
	assert_int_equal(p->stages[0].ack_within, 5 * 60000);
	assert_int_equal(p->stages[2].targets[0].kind, TARGET_CONTACT);
	assert_int_equal(p->stages[2].resolve_within, 0);
	p = policy_for_service(c->policies, c->npolicies, "web");
	assert_string_equal(p->name, "default");
	conf_free(c);
	free(path);

	/* no policies: one that pages the console */
	path = write_file("nopol.conf", "\n");
	c = conf_load(path, &cause);
	assert_int_equal(c->npolicies, 1);
	assert_int_equal(c->policies[0].stages[0].targets[0].kind, TARGET_CHAT);
	assert_string_equal(c->policies[0].stages[0].targets[0].name,
	    "console");
	conf_free(c);
	free(path);
}

static void
test_policy_errors(void **state)
{
	expect_error("sla = {\n P5 = { response = \"1m\"; }; };\n", 2,
	    "unknown key \"P5\" in sla");
	expect_error("sla = {\n P1 = { response = \"soon\"; }; };\n", 2,
	    "response: bad duration");
	expect_error("sla = { reminder = \"10m\";\n P1 = { response = \"5m\"; }; };\n",
	    1, "sla reminder of P1 must be shorter than its response target");
	expect_error("sla = {\n P4 = { calendar = \"nope\"; }; };\n", 2,
	    "no business_hours named \"nope\"");
	expect_error("business_hours = (\n { name = \"o\"; timezone ="
	    " \"Mars/Olympus\"; hours = \"09:00-17:00\"; } );\n", 2,
	    "business_hours \"o\": ");
	expect_error("business_hours = (\n { name = \"o\"; timezone ="
	    " \"UTC\"; hours = \"17:00-09:00\"; } );\n", 2,
	    "opening before the closing");
	expect_error("business_hours = (\n { name = \"o\"; timezone ="
	    " \"UTC\"; days = \"Mon-Fry\"; hours = \"09:00-17:00\"; } );\n",
	    2, "days must look like");
	expect_error("business_hours = ( { name = \"o\"; timezone = \"UTC\";"
	    " hours = \"09:00-17:00\";\n holidays = [ \"2026-02-30\" ]; } );\n",
	    2, "holidays must be dates");
	expect_error("policies = (\n { name = \"p\"; } );\n", 2,
	    "policy \"p\" needs stages");
	expect_error("policies = ( { name = \"p\"; stages = (\n"
	    " { targets = [ \"team:x\" ]; ack_within = \"5m\"; } ); } );\n",
	    2, "target 1 must be rota:NAME");
	expect_error("policies = ( { name = \"p\"; stages = (\n"
	    " { targets = [ ]; } ); } );\n", 2, "needs targets");
	expect_error("policies = (\n { name = \"p\"; stages = ("
	    " { targets = [ \"rota:a\" ]; }, { targets = [ \"rota:b\" ]; } );"
	    " } );\n", 2, "stage 1 needs ack_within or resolve_within");
	expect_error("policies = ( { name = \"p\"; stages = ( { targets ="
	    " [ \"rota:a\" ];\n ack_within = \"1m\"; wait = 3; } ); } );\n",
	    2, "unknown key \"wait\" in a stage");
	expect_error("policies = ( { name = \"p\"; stages = ( { targets ="
	    " [ \"rota:a\" ]; } ); },\n { name = \"p\"; stages = ( {"
	    " targets = [ \"rota:a\" ]; } ); } );\n", 2,
	    "policy \"p\" is defined twice");
	expect_error("policies = (\n { name = \"p\"; repeats = -1; stages = ("
	    " { targets = [ \"rota:a\" ]; } ); } );\n", 2,
	    "repeats must be from 0 to 100");
}

static void
test_heartbeats(void **state)
{
	char *path, *cause = NULL;
	struct conf *c;

	path = write_file("hb.conf", "heartbeats = (\n"
	    " { name = \"backup\"; interval = \"1d\"; priority = \"P1\";"
	    " service = \"ops\"; summary = \"no backup\"; },\n"
	    " { name = \"cron.x\"; interval = \"5m\"; } );\n");
	c = conf_load(path, &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_int_equal(c->nheartbeats, 2);
	assert_string_equal(c->heartbeats[0].name, "backup");
	assert_int_equal(c->heartbeats[0].interval_ms, 86400000);
	assert_int_equal(c->heartbeats[0].priority, 1);
	assert_string_equal(c->heartbeats[0].service, "ops");
	assert_string_equal(c->heartbeats[0].summary, "no backup");
	assert_int_equal(c->heartbeats[1].priority, 2);
	assert_string_equal(c->heartbeats[1].service, "default");
	assert_null(c->heartbeats[1].summary);
	conf_free(c);
	free(path);
	/* the next check: an interval after the last sign of life */
	assert_int_equal(heartbeat_next_due(0, 1000, 500), 1500);
	assert_int_equal(heartbeat_next_due(2000, 1000, 500), 2500);
	assert_int_equal(heartbeat_next_due(900, 1000, 500), 1500);

	expect_error("heartbeats = (\n { interval = \"1m\"; } );\n", 2,
	    "heartbeat needs a name");
	expect_error("heartbeats = (\n { name = \"a b\"; interval = \"1m\"; } );\n",
	    2, "heartbeat needs a name");
	expect_error("heartbeats = (\n { name = \"a\"; } );\n", 2,
	    "heartbeat \"a\" needs an interval");
	expect_error("heartbeats = (\n { name = \"a\"; interval = \"500ms\"; } );\n",
	    2, "interval must be from 1s to 31d");
	expect_error("heartbeats = (\n { name = \"a\"; interval = \"1m\";"
	    " priority = \"urgent\"; } );\n", 2, "priority must be one of");
	expect_error("heartbeats = ( { name = \"a\"; interval = \"1m\"; },\n"
	    " { name = \"a\"; interval = \"2m\"; } );\n", 2,
	    "heartbeat \"a\" is defined twice");
	expect_error("heartbeats = (\n { name = \"a\"; interval = \"1m\";"
	    " every = 3; } );\n", 2, "unknown key \"every\" in a heartbeat");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_store_database),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_short_key_file),
		cmocka_unit_test(test_secret_file_mode),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_heartbeats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
