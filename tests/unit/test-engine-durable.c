/* SPDX-License-Identifier: ISC */
/*
 * test-engine-durable.c: an acknowledgement never syncs on the loop.
 * The engine on a real store with its sync workers running and
 * fdatasync wrapped (--wrap=fdatasync) so that one sync can be held:
 * an ack made while the sync it needs is held returns at once, the
 * loop's view takes it at COMMIT, and its answer (durable_then) comes
 * from a later sync that covers it, while the held one still runs; a
 * commit of intake's kind completes meanwhile.  No fdatasync ever runs
 * on the loop's thread.  A sync that fails answers "not on disk".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "durable.h"
#include "engine.h"
#include "fake-clock.h"
#include "fixture.h"
#include "store.h"

#define T0 INT64_C(1795357599000) /* 2026-11-22T14:26:39Z */

int __wrap_fdatasync(int);
int __real_fdatasync(int);

/* Set by the test, read by the sync workers: under sync_mu. */
static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_cv = PTHREAD_COND_INITIALIZER;
static pthread_t loop_thread;
static int fail_sync;	  /* the next fdatasync fails with EIO */
static int hold_sync;	  /* the next fdatasync waits until released */
static int held;	  /* one is waiting: set it to 0 to release it */
static int on_loop;	  /* fdatasync calls on the loop's thread */

int
__wrap_fdatasync(int fd)
{
	pthread_mutex_lock(&sync_mu);
	if (pthread_equal(pthread_self(), loop_thread)) {
		/* the loop syncs: counted, never held (it would hang) */
		on_loop++;
		pthread_mutex_unlock(&sync_mu);
		return __real_fdatasync(fd);
	}
	if (fail_sync) {
		fail_sync = 0;
		pthread_mutex_unlock(&sync_mu);
		errno = EIO;
		return -1;
	}
	if (hold_sync) {
		hold_sync = 0;
		held = 1;
		pthread_cond_broadcast(&sync_cv);
		while (held)
			pthread_cond_wait(&sync_cv, &sync_mu);
	}
	pthread_mutex_unlock(&sync_mu);
	return __real_fdatasync(fd);
}

static const char conf_text[] =
    "state_dir = \"state\";\n"
    "people = \"people.conf\";\n"
    "rota_dir = \"rota.d\";\n"
    "policies = ( { name = \"default\"; stages = (\n"
    " { targets = [ \"person:alice\" ]; ack_within = \"5m\"; },\n"
    " { targets = [ \"person:bob\" ]; }\n"
    "); } );\n";

static const char people_text[] =
    "people = (\n"
    " { id = \"alice\"; name = \"Alice\"; email = \"alice@example.org\"; },\n"
    " { id = \"bob\"; name = \"Bob\"; email = \"bob@example.org\"; }\n"
    ");\n";

static const struct fixture_spec spec = {
	.name = "test-engine-durable",
	.conf = conf_text,
	.people = people_text,
	.flags = FIXTURE_ENGINE
};

/* What the durable callbacks heard, in order. */
static struct {
	int n;
	int ok[8];
	int tag[8];
} heard;

static void
heard_cb(void *arg, int ok)
{
	if (heard.n < 8) {
		heard.ok[heard.n] = ok;
		heard.tag[heard.n] = (int)(intptr_t)arg;
	}
	heard.n++;
}

static int
setup(void **state)
{
	loop_thread = pthread_self();
	memset(&heard, 0, sizeof heard);
	on_loop = fail_sync = hold_sync = held = 0;
	*state = fixture_new(&spec, T0);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	pthread_mutex_lock(&sync_mu);
	held = 0;
	pthread_cond_broadcast(&sync_cv);
	pthread_mutex_unlock(&sync_mu);
	store_sync_wait(f->store);
	fixture_free(f);
	return 0;
}

/* Turn the loop until heard.n reaches n, for 10 s at most. */
static void
loop_until(struct fixture *f, int n)
{
	int i;

	for (i = 0; i < 10000 && heard.n < n; i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		if (heard.n < n)
			usleep(1000);
	}
}

/* Wait until a worker holds its sync, for 10 s at most: 1 if one does. */
static int
wait_held(void)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&sync_mu);
	while (!held && rc == 0)
		rc = pthread_cond_timedwait(&sync_cv, &sync_mu, &ts);
	rc = held;
	pthread_mutex_unlock(&sync_mu);
	return rc;
}

static int
release_held(void)
{
	int was;

	pthread_mutex_lock(&sync_mu);
	was = held;
	held = 0;
	pthread_cond_broadcast(&sync_cv);
	pthread_mutex_unlock(&sync_mu);
	return was;
}

/*
 * The ack's sync is held: the ack returned anyway, the engine already
 * sees it, an intake-like commit is answered, and so is the ack (by a
 * later sync) while the held sync has not ended.
 */
static void
test_ack_not_synced_on_loop(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;
	int still;

	id = fixture_raise(f, "disk full", 3);
	store_sync_start(f->store, f->base);
	pthread_mutex_lock(&sync_mu);
	on_loop = 0;
	hold_sync = 1;
	pthread_mutex_unlock(&sync_mu);

	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	assert_int_equal(on_loop, 0); /* the ack did not sync on the loop */
	/* the ack's commit, synced by a worker, held */
	assert_int_equal(wait_held(), 1);
	/* the loop's view took it at COMMIT: a second ack conflicts */
	assert_int_equal(engine_ack(f->engine, id, "bob", NULL, "api",
	    &cause), ENGINE_CONFLICT);
	free(cause);
	cause = NULL;
	durable_then(f->store, heard_cb, (void *)1);
	/* a commit of intake's kind, made while the ack's sync is held */
	assert_int_equal(store_begin(f->store, &cause), 0);
	assert_int_equal(store_commit_async(f->store, heard_cb, (void *)2,
	    &cause), 0);
	loop_until(f, 2);
	still = release_held();
	assert_int_equal(still, 1); /* the held sync had not ended */
	assert_int_equal(heard.n, 2);
	assert_int_equal(heard.tag[0], 1);
	assert_int_equal(heard.ok[0], STORE_DURABLE);
	assert_int_equal(heard.tag[1], 2);
	assert_int_equal(heard.ok[1], STORE_DURABLE);
	store_sync_wait(f->store);
	assert_int_equal(on_loop, 0);
}

/* A sync that fails: the ack's answer hears that it is not on disk. */
static void
test_ack_sync_fails(void **state)
{
	struct fixture *f = *state;
	char *cause = NULL;
	int64_t id;

	id = fixture_raise(f, "disk full", 3);
	store_sync_start(f->store, f->base);
	pthread_mutex_lock(&sync_mu);
	on_loop = 0;
	fail_sync = 1;
	pthread_mutex_unlock(&sync_mu);
	assert_int_equal(engine_ack(f->engine, id, "alice", NULL, "api",
	    &cause), ENGINE_OK);
	durable_then(f->store, heard_cb, (void *)1);
	loop_until(f, 1);
	assert_int_equal(heard.n, 1);
	assert_int_not_equal(heard.ok[0], STORE_DURABLE);
	/* the store takes nothing more: a later answer is refused too */
	durable_then(f->store, heard_cb, (void *)2);
	loop_until(f, 2);
	assert_int_equal(heard.n, 2);
	assert_int_not_equal(heard.ok[1], STORE_DURABLE);
	assert_int_equal(on_loop, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ack_not_synced_on_loop,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_sync_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
