/* SPDX-License-Identifier: ISC */
/*
 * test-lease.c: the leader's lease (lease.c, lease-time.c, the payloads
 * of lease-work.c) and the fence
 * of the leader's transactions (store-lease.c).  The arithmetic of the
 * lease's clock always; with PAGERD_TEST_PG (store-pg.test starts a
 * throwaway cluster), several nodes in one process, each a struct lease
 * (and a struct store for two of them) on one event loop: one leads,
 * renewals keep it, a NOTIFY of work reaches it (a command's, and a
 * standby's transaction's with the range of its alerts); a fenced transaction
 * in flight holds off the next leader until it commits, and once the
 * epoch moved on the old leader's next transaction fails and it is told
 * to stand down; a renewal refused, or a loop stopped past the lease
 * (as SIGSTOP does), makes the leader stand down; a lease let go is
 * taken at once by a standby.
 */
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
#include <time.h>
#include <unistd.h>

#include "lease.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define L_MS	2000	/* the lease of these tests */

static void
test_time(void **state)
{
	assert_int_equal(lease_tick_ms(3000), 1000);
	assert_int_equal(lease_tick_ms(1000), 333);
	/* a renewal sent at t holds until t + L - L/3 */
	assert_int_equal(lease_valid_until(10000, 3000), 12000);
	assert_int_equal(lease_valid_until(0, 60000), 40000);
	assert_false(lease_overdue(11999, 12000));
	assert_true(lease_overdue(12000, 12000));
	assert_true(lease_overdue(50000, 12000));
}

/* The payloads of NOTIFY pagerd_work, merged. */
static void
test_work(void **state)
{
	struct lease_work w;

	memset(&w, 0, sizeof w);
	assert_int_equal(lease_work_add(&w, "a 10 20"), 0);
	assert_int_equal(w.lo, 10);
	assert_int_equal(w.hi, 20);
	assert_int_equal(lease_work_add(&w, "a 5 7"), 0);
	assert_int_equal(lease_work_add(&w, "a 15 30"), 0);
	assert_int_equal(w.lo, 5);
	assert_int_equal(w.hi, 30);
	assert_false(w.commands);
	assert_false(w.all);
	assert_int_equal(lease_work_add(&w, LEASE_WORK_COMMANDS), 0);
	assert_true(w.commands);
	assert_false(w.all);

	/* what it does not know (an older node's ""): everything */
	memset(&w, 0, sizeof w);
	assert_int_equal(lease_work_add(&w, ""), -1);
	assert_true(w.all);
	memset(&w, 0, sizeof w);
	assert_int_equal(lease_work_add(&w, NULL), -1);
	assert_true(w.all);
	memset(&w, 0, sizeof w);
	assert_int_equal(lease_work_add(&w, "a 20 10"), -1);
	assert_int_equal(lease_work_add(&w, "a 0 10"), -1);
	assert_int_equal(lease_work_add(&w, "a 1 2 3"), -1);
	assert_int_equal(lease_work_add(&w, "a 1"), -1);
	assert_true(w.all);
	assert_int_equal(w.hi, 0);
}

struct node {
	const char *name;
	struct lease *l;
	int leader;
	int64_t epoch;
	int ups, downs, work;
	struct lease_work w;	/* the last work asked */
};

static void
node_role(void *arg, int leader, int64_t epoch)
{
	struct node *n = arg;

	n->leader = leader;
	n->epoch = epoch;
	if (leader)
		n->ups++;
	else
		n->downs++;
}

static void
node_work(void *arg, const struct lease_work *w)
{
	struct node *n = arg;

	n->work++;
	n->w = *w;
}

static struct event_base *base;
static const char *uri;

static void
node_start(struct node *n, const char *name)
{
	struct lease_hooks h = { node_role, node_work, n };

	memset(n, 0, sizeof *n);
	n->name = name;
	n->l = lease_new(base, uri, L_MS, name, &h);
}

static int64_t
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until *v >= want, or ms passed; is *v >= want? */
static int
run_until(int *v, int want, int64_t ms)
{
	int64_t deadline = mono() + ms;
	struct timeval tv = { 0, 10000 };

	while ((v == NULL || *v < want) && mono() < deadline) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return v != NULL && *v >= want;
}

static void
sql(const char *q)
{
	PGconn *c = PQconnectdb(uri);
	PGresult *r = PQexec(c, q);

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static int lost;
static int durable;

static void
durable_cb(void *arg, int rc)
{
	assert_int_equal(rc, STORE_DURABLE);
	(*(int *)arg)++;
}

static void
fence_lost(void *arg)
{
	lost++;
}

static void
test_pg(void **state)
{
	struct node a, b, c;
	struct store *sa, *sb;
	char *cause = NULL;
	int64_t t0, epoch_a;

	sql("SET client_min_messages = warning;"
	    " DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	if ((sa = store_open(uri, &cause)) == NULL ||
	    (sb = store_open(uri, &cause)) == NULL)
		fail_msg("%s", cause);
	base = event_base_new();

	/* 1. The first node leads; a second stands by, renewals hold. */
	node_start(&a, "node-a");
	assert_true(run_until(&a.ups, 1, 10000));
	assert_true(lease_leader(a.l));
	assert_true(a.epoch >= 1);
	epoch_a = a.epoch;
	node_start(&b, "node-b");
	run_until(NULL, 0, 2 * L_MS);
	assert_int_equal(b.ups, 0);
	assert_int_equal(a.downs, 0);
	assert_true(lease_leader(a.l));
	assert_int_equal(lease_epoch(a.l), epoch_a);

	/* 2. A standby's NOTIFY reaches the leader. */
	lease_notify_work(b.l);
	assert_true(run_until(&a.work, 1, 5000));
	assert_int_equal(b.work, 0);
	assert_true(a.w.commands);
	assert_int_equal(a.w.hi, 0);
	assert_false(a.w.all);

	/*
	 * 2b. A standby's transaction that wrote alerts unstarted tells the
	 * leader their range, once committed; a rolled back one does not.
	 */
	assert_int_equal(store_begin(sb, &cause), 0);
	store_work_note(sb, 42);
	store_work_note(sb, 40);
	store_work_note(sb, 41);
	assert_int_equal(store_commit_group(sb, durable_cb, &durable,
	    &cause), 1);
	store_commit_settle(sb);
	assert_int_equal(durable, 1);
	assert_true(run_until(&a.work, 2, 5000));
	assert_int_equal(a.w.lo, 40);
	assert_int_equal(a.w.hi, 42);
	assert_false(a.w.commands);
	assert_false(a.w.all);
	assert_int_equal(b.work, 0);

	/* 3. Fenced: a transaction at the leader's epoch. */
	store_fence(sa, epoch_a, fence_lost, NULL);
	assert_int_equal(store_begin(sa, &cause), 0);
	assert_int_equal(store_commit(sa, &cause), 0);

	/*
	 * 4. The leader dies (its connection goes, its lease is left to
	 * expire) inside a fenced transaction: the standby cannot take
	 * the lease before that transaction ends, and what it wrote
	 * commits; then the epoch moves on and the old leader's next
	 * transaction fails.
	 */
	assert_int_equal(store_begin(sa, &cause), 0);
	lease_free(a.l);
	run_until(NULL, 0, L_MS + 500);
	assert_int_equal(b.ups, 0);
	assert_int_equal(store_commit(sa, &cause), 0);
	assert_true(run_until(&b.ups, 1, 3 * L_MS));
	assert_true(b.epoch > epoch_a);
	assert_int_equal(lost, 0);
	assert_int_not_equal(store_begin(sa, &cause), 0);
	assert_non_null(strstr(cause, "not the leader"));
	free(cause);
	cause = NULL;
	assert_int_equal(lost, 1);
	assert_int_equal(store_fence_epoch(sa), 0);
	/* the new leader's own transactions pass */
	store_fence(sb, b.epoch, fence_lost, NULL);
	assert_int_equal(store_begin(sb, &cause), 0);
	assert_int_equal(store_commit(sb, &cause), 0);

	/* 5. A renewal that changes no row: the leader stands down. */
	sql("UPDATE lease SET epoch = epoch + 1");
	assert_true(run_until(&b.downs, 1, 2 * L_MS));
	assert_false(lease_leader(b.l));
	/* and its fence is gone with the epoch */
	assert_int_not_equal(store_begin(sb, &cause), 0);
	free(cause);
	cause = NULL;

	/*
	 * 6. The loop stopped past the lease (SIGSTOP, then SIGCONT): the
	 * node no longer leads by its own clock at once, and stands down
	 * in the first turn of the loop, before any other timer.
	 */
	assert_true(run_until(&b.ups, 2, 3 * L_MS));
	assert_true(lease_leader(b.l));
	usleep((L_MS + 200) * 1000);
	assert_false(lease_leader(b.l));
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(b.downs, 2);
	assert_int_equal(b.leader, 0);

	/* 7. A lease let go is taken at once, long before it expires. */
	assert_true(run_until(&b.ups, 3, 3 * L_MS));
	node_start(&c, "node-c");
	run_until(NULL, 0, 500);
	assert_int_equal(c.ups, 0);
	t0 = mono();
	lease_release(b.l);
	assert_true(run_until(&c.ups, 1, L_MS / 2));
	fprintf(stderr, "lease let go: taken in %lld ms\n",
	    (long long)(mono() - t0));
	assert_true(c.epoch > b.epoch);

	lease_free(b.l);
	lease_free(c.l);
	store_close(sa);
	store_close(sb);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_work),
	};
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_work),
		cmocka_unit_test(test_pg),
	};

	log_init(1, 0);
	if ((uri = getenv("PAGERD_TEST_PG")) != NULL)
		return cmocka_run_group_tests_name("lease on PostgreSQL",
		    pg_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
