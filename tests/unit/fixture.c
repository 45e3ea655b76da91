/* SPDX-License-Identifier: ISC */
/*
 * fixture.c: the fixture of fixture.h.  Each step that fails fails the
 * test at once (cmocka's fail_msg with the cause), so a test never runs
 * on a half-made fixture.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "chan.h"
#include "conf.h"
#include "engine.h"
#include "fake-clock.h"
#include "fixture.h"
#include "intake.h"
#include "oncall.h"
#include "rota.h"
#include "store.h"
#include "xmalloc.h"

int __wrap_chan_console_send(const struct chan_msg *);

static struct fixture_sent sent[64];
static size_t nsent;

int
__wrap_chan_console_send(const struct chan_msg *m)
{
	assert_true(nsent < sizeof sent / sizeof sent[0]);
	sent[nsent].alert_id = m->alert_id;
	sent[nsent].to = xstrdup(m->to);
	sent[nsent].subject = xstrdup(m->subject);
	sent[nsent].body = m->body != NULL ? xstrdup(m->body) : NULL;
	sent[nsent].at = fake_clock_now();
	nsent++;
	return 0;
}

size_t
fixture_nsent(void)
{
	return nsent;
}

const struct fixture_sent *
fixture_sent(size_t i)
{
	assert_true(i < nsent);
	return &sent[i];
}

size_t
fixture_sent_count(const char *to, const char *what)
{
	size_t i, n = 0;

	for (i = 0; i < nsent; i++)
		if (strcmp(sent[i].to, to) == 0 &&
		    strstr(sent[i].subject, what) != NULL)
			n++;
	return n;
}

void
fixture_sent_clear(void)
{
	size_t i;

	for (i = 0; i < nsent; i++) {
		free(sent[i].to);
		free(sent[i].subject);
		free(sent[i].body);
	}
	nsent = 0;
}

void
fixture_write(struct fixture *f, const char *name, const char *text)
{
	char *path;
	FILE *fp;

	xasprintf(&path, "%s/%s", f->dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	free(path);
}

static void
fixture_mkdir(struct fixture *f, const char *name)
{
	char *path;

	xasprintf(&path, "%s/%s", f->dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
}

/*
 * The engine's store: in the state folder, or with PAGERD_TEST_PG (a
 * postgresql:// URI, store-pg.test) on that database, emptied first.
 */
static struct store *
fixture_store_open(struct fixture *f)
{
	const char *uri = getenv("PAGERD_TEST_PG");
	struct store *s;
	char *cause = NULL;
	PGconn *c;
	PGresult *res;

	if (uri != NULL) {
		c = PQconnectdb(uri);
		res = PQexec(c, "SET client_min_messages = warning;"
		    " DROP SCHEMA public CASCADE; CREATE SCHEMA public");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			fail_msg("%s: %s", uri, PQerrorMessage(c));
		PQclear(res);
		PQfinish(c);
	}
	if ((s = store_open(uri != NULL ? uri : f->conf->state_dir,
	    &cause)) == NULL)
		fail_msg("%s", cause);
	return s;
}

struct fixture *
fixture_new(const struct fixture_spec *spec, int64_t now)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct rota_findings rf = { NULL, 0, 0 };
	const struct fixture_file *ff;
	char *cause = NULL, *path;

	snprintf(f->dir, sizeof f->dir, "/tmp/%s.XXXXXX", spec->name);
	assert_non_null(mkdtemp(f->dir));
	fixture_write(f, "pagerd.conf", spec->conf);
	fixture_write(f, "people.conf", spec->people);
	fixture_mkdir(f, "rota.d");
	for (ff = spec->rotas; ff != NULL && ff->name != NULL; ff++) {
		xasprintf(&path, "rota.d/%s", ff->name);
		fixture_write(f, path, ff->text);
		free(path);
	}
	if (spec->flags & FIXTURE_ENGINE)
		fixture_mkdir(f, "state");
	xasprintf(&path, "%s/pagerd.conf", f->dir);
	f->conf = conf_load(path, &cause);
	free(path);
	if (f->conf == NULL)
		fail_msg("%s", cause);

	assert_non_null(f->base = event_base_new());
	if (spec->flags & FIXTURE_ENGINE)
		assert_int_equal(event_base_priority_init(f->base, 3), 0);
	fake_clock_init(f->base, now);
	if ((f->oncall = oncall_load(f->conf, &rf, &cause)) == NULL)
		fail_msg("%s", cause);
	rota_findings_free(&rf);
	if (spec->flags & FIXTURE_ENGINE) {
		f->store = fixture_store_open(f);
		fixture_engine_start(f);
	}
	fixture_sent_clear();
	return f;
}

void
fixture_free(struct fixture *f)
{
	char *cmd;

	engine_free(f->engine);
	store_close(f->store);
	oncall_free(f->oncall);
	conf_free(f->conf);
	event_base_free(f->base);
	fixture_sent_clear();
	xasprintf(&cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
}

void
fixture_engine_start(struct fixture *f)
{
	char *cause = NULL;

	f->engine = engine_new(f->base, f->store, f->conf);
	engine_set_rotas(f->engine, oncall_rotas(f->oncall),
	    oncall_people(f->oncall));
	if (engine_resume(f->engine, &cause) != 0)
		fail_msg("%s", cause);
}

int64_t
fixture_raise_committed(struct fixture *f, const char *summary,
    int priority, struct intake_hooks *h)
{
	struct alert_new an;
	struct store_raise r;
	char *cause = NULL;
	int64_t now = fake_clock_now();

	memset(h, 0, sizeof *h);
	engine_intake_hooks(f->engine, h);
	memset(&an, 0, sizeof an);
	an.service = (char *)"web";
	an.priority = priority;
	an.summary = (char *)summary;
	an.source = (char *)"test";
	memset(&r, 0, sizeof r);
	assert_int_equal(store_begin(f->store, &cause), 0);
	/* as intake_flush() does it: the row written with its start */
	if (store_alert_raise_start(f->store, &an, now, h->start, h->arg, &r,
	    &cause) != 0)
		fail_msg("%s", cause);
	if (h->raised(h->arg, &r, &an, now, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(f->store, &cause), 0);
	free(r.dedup_key);
	return r.id;
}

int64_t
fixture_raise(struct fixture *f, const char *summary, int priority)
{
	struct intake_hooks h;
	int64_t id;

	id = fixture_raise_committed(f, summary, priority, &h);
	h.committed(h.arg);
	fake_clock_run();
	return id;
}
