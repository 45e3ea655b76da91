/* SPDX-License-Identifier: ISC */
/*
 * lease.c: the leader's lease on PostgreSQL, on a connection of its
 * own, driven without blocking on the event loop.  The lease is the row
 * 'leader' of the table lease: an epoch, its holder and when it expires
 * by the database's clock (only now() on the server judges expiry).
 *
 * A standby tries for it every L/3 (ha.lease = L): in one statement it
 * locks the row FOR UPDATE, which waits for every fenced transaction of
 * the old leader to end (store-lease.c), then takes it with epoch + 1
 * if it expired.  The leader renews it every L/3; a renewal that
 * changes no row, fails, or has no answer within L/3 makes it stand
 * down, and so does its own clock: a renewal sent at t holds until
 * t + L - L/3 on the monotonic clock (lease-time.c), checked every
 * 100 ms by a timer that runs before any other event of the turn, so a
 * process stopped (SIGSTOP) past its lease stands down when it wakes,
 * before its escalation or outbox timers act.  On a clean stop the
 * leader lets the lease go at once and says so (NOTIFY pagerd_lease),
 * so that a standby takes it without waiting for it to expire.
 *
 * The same connection listens for pagerd_work: a standby's transaction
 * that writes alerts unstarted notifies their range of ids before its
 * COMMIT (store-lease.c), one that writes a command notifies after it
 * (lease_notify_work()), and the leader starts the alerts of that range
 * (engine_adopt_range()) or carries out the commands; the notifications
 * of one read are merged (lease-work.c) and the hook runs once for them.
 */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "lease.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define LEASE_WATCH_MS		100	/* how often the clock is looked at */
#define LEASE_BACKOFF_MIN	100
#define LEASE_BACKOFF_MAX	5000
#define LEASE_RELEASE_MS	1000	/* at a clean stop, at most */

enum lease_query {
	LEASE_Q_NONE,
	LEASE_Q_SETUP,
	LEASE_Q_ACQUIRE,
	LEASE_Q_RENEW,
	LEASE_Q_NOTIFY,
};

struct lease {
	struct event_base *base;
	char *conninfo;		/* as configured: never logged */
	char *holder;		/* host:pid:random, as stored */
	char *holder_sql;	/* the same, a literal for the connection */
	int64_t ms;		/* ha.lease */
	struct lease_hooks h;

	PGconn *conn;		/* NULL: none, next try at next_connect */
	int connected;		/* conn is made (else being made) */
	int64_t conn_deadline;
	int64_t next_connect;
	int64_t backoff;
	int said_down;		/* "cannot reach" logged since the last up */
	struct event *io_ev;
	short io_what;
	struct event *watch_ev;
	struct event *down_ev;	/* lease_lost(): stand down next */

	enum lease_query q;	/* in flight */
	int64_t q_sent, q_deadline;
	int q_failed;
	int q_rows;
	int64_t q_value;
	char *q_err;

	int leader;
	int64_t epoch;
	int64_t valid_until;	/* monotonic ms */
	int64_t next_tick;
	int want_notify;
};

static void lease_io_cb(evutil_socket_t, short, void *);
static void lease_next(struct lease *, int64_t);

static int64_t
lease_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Watch the connection's socket for what (EV_READ, EV_WRITE). */
static void
lease_io(struct lease *l, short what)
{
	if (l->io_ev != NULL && l->io_what == what)
		return;
	if (l->io_ev != NULL) {
		event_free(l->io_ev);
		l->io_ev = NULL;
	}
	l->io_what = what;
	if (what == 0)
		return;
	if ((l->io_ev = event_new(l->base, PQsocket(l->conn),
	    what | EV_PERSIST, lease_io_cb, l)) == NULL ||
	    event_add(l->io_ev, NULL) != 0)
		fatalx("lease: cannot watch its PostgreSQL connection");
}

/* This node no longer leads: say so, once. */
static void
lease_stand_down(struct lease *l, const char *why)
{
	if (!l->leader)
		return;
	l->leader = 0;
	log_warnx("lease: standing down (epoch %lld): %s",
	    (long long)l->epoch, why);
	metrics_role(0, 1);
	if (l->h.role != NULL)
		l->h.role(l->h.arg, 0, l->epoch);
}

/* The connection failed (why): drop it, stand down, try again later. */
static void
lease_drop(struct lease *l, const char *why)
{
	char *msg = xstrdup(why != NULL ? why : PQerrorMessage(l->conn));
	int64_t now = lease_mono();

	msg[strcspn(msg, "\n")] = '\0';
	lease_io(l, 0);
	PQfinish(l->conn);
	l->conn = NULL;
	l->connected = 0;
	l->q = LEASE_Q_NONE;
	free(l->holder_sql);
	l->holder_sql = NULL;
	if (!l->said_down || l->leader)
		log_warnx("lease: PostgreSQL connection: %s; next try in"
		    " %lld ms", msg, (long long)l->backoff);
	l->said_down = 1;
	l->next_connect = now + l->backoff;
	l->backoff *= 2;
	if (l->backoff > LEASE_BACKOFF_MAX)
		l->backoff = LEASE_BACKOFF_MAX;
	lease_stand_down(l, msg);
	free(msg);
}

/* Send sql as query q, its answer due within deadline_ms. */
static void
lease_send(struct lease *l, enum lease_query q, const char *sql,
    int64_t deadline_ms)
{
	int64_t now = lease_mono();

	if (!PQsendQuery(l->conn, sql)) {
		lease_drop(l, NULL);
		return;
	}
	l->q = q;
	l->q_sent = now;
	l->q_deadline = now + deadline_ms;
	l->q_failed = 0;
	l->q_rows = 0;
	l->q_value = 0;
	free(l->q_err);
	l->q_err = NULL;
	switch (PQflush(l->conn)) {
	case 0:
		lease_io(l, EV_READ);
		break;
	case 1:
		lease_io(l, EV_READ | EV_WRITE);
		break;
	default:
		lease_drop(l, NULL);
		break;
	}
}

static void
lease_send_setup(struct lease *l)
{
	char *sql, *lit;
	int64_t t = lease_tick_ms(l->ms);

	if ((lit = PQescapeLiteral(l->conn, l->holder,
	    strlen(l->holder))) == NULL) {
		lease_drop(l, NULL);
		return;
	}
	free(l->holder_sql);
	l->holder_sql = xstrdup(lit);
	PQfreemem(lit);
	xasprintf(&sql, "SET statement_timeout = %lld;"
	    " SET lock_timeout = %lld;"
	    " SET idle_in_transaction_session_timeout = %lld;"
	    " LISTEN pagerd_work; LISTEN pagerd_lease",
	    (long long)t, (long long)t, (long long)l->ms);
	lease_send(l, LEASE_Q_SETUP, sql, t > 2000 ? t : 2000);
	free(sql);
}

/*
 * Take the lease if it expired (or is this node's own): the row lock
 * waits for the old leader's fenced transactions; epoch + 1 makes any
 * later one of them fail.
 */
static void
lease_send_acquire(struct lease *l)
{
	char *sql;

	xasprintf(&sql, "WITH cur AS (SELECT epoch FROM lease"
	    " WHERE name = 'leader' FOR UPDATE)"
	    " UPDATE lease SET epoch = lease.epoch + 1, holder = %s,"
	    " expires_at = now() + interval '1 millisecond' * %lld"
	    " FROM cur WHERE lease.name = 'leader'"
	    " AND (lease.expires_at < now() OR lease.holder = %s)"
	    " RETURNING lease.epoch", l->holder_sql, (long long)l->ms,
	    l->holder_sql);
	lease_send(l, LEASE_Q_ACQUIRE, sql, lease_tick_ms(l->ms));
	free(sql);
}

static void
lease_send_renew(struct lease *l)
{
	char *sql;

	xasprintf(&sql, "UPDATE lease SET expires_at = now() +"
	    " interval '1 millisecond' * %lld WHERE name = 'leader'"
	    " AND epoch = %lld AND holder = %s AND expires_at > now()"
	    " RETURNING epoch", (long long)l->ms, (long long)l->epoch,
	    l->holder_sql);
	lease_send(l, LEASE_Q_RENEW, sql, lease_tick_ms(l->ms));
	free(sql);
}

/* The query in flight has all its results: act on them. */
static void
lease_done(struct lease *l)
{
	enum lease_query q = l->q;
	int64_t now = lease_mono();
	char *why;

	l->q = LEASE_Q_NONE;
	switch (q) {
	case LEASE_Q_SETUP:
		if (l->q_failed) {
			lease_drop(l, l->q_err);
			return;
		}
		l->backoff = LEASE_BACKOFF_MIN;
		if (l->said_down)
			log_info("lease: PostgreSQL is reachable again");
		l->said_down = 0;
		l->next_tick = now;
		break;
	case LEASE_Q_ACQUIRE:
		if (l->q_failed) {
			log_debug("lease: trying for it: %s", l->q_err);
			break;
		}
		if (l->q_rows != 1 || l->leader)
			break;
		l->leader = 1;
		l->epoch = l->q_value;
		l->valid_until = lease_valid_until(l->q_sent, l->ms);
		log_info("lease: leading at epoch %lld (%s)",
		    (long long)l->epoch, l->holder);
		metrics_role(1, 1);
		if (l->h.role != NULL)
			l->h.role(l->h.arg, 1, l->epoch);
		break;
	case LEASE_Q_RENEW:
		if (!l->leader)
			break;
		if (l->q_failed || l->q_rows != 1) {
			xasprintf(&why, "renewal %s", l->q_failed ? l->q_err :
			    "refused: the lease moved on or expired");
			lease_stand_down(l, why);
			free(why);
			break;
		}
		l->valid_until = lease_valid_until(l->q_sent, l->ms);
		break;
	default:
		break;
	}
	lease_next(l, now);
}

/* Read what came: notifications, results of the query in flight. */
static void
lease_read(struct lease *l)
{
	struct lease_work w;
	PGnotify *n;
	PGresult *r;
	ExecStatusType st;
	int work = 0;

	if (!PQconsumeInput(l->conn)) {
		lease_drop(l, NULL);
		return;
	}
	memset(&w, 0, sizeof w);
	while ((n = PQnotifies(l->conn)) != NULL) {
		if (strcmp(n->relname, "pagerd_work") == 0 && l->leader) {
			lease_work_add(&w, n->extra);
			work = 1;
		} else if (strcmp(n->relname, "pagerd_lease") == 0 &&
		    !l->leader)
			l->next_tick = 0; /* let go: try for it now */
		PQfreemem(n);
	}
	if (work && l->h.work != NULL)
		l->h.work(l->h.arg, &w);
	while (l->conn != NULL && l->q != LEASE_Q_NONE &&
	    !PQisBusy(l->conn)) {
		if ((r = PQgetResult(l->conn)) == NULL) {
			lease_done(l);
			return;
		}
		st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK) {
			l->q_rows = PQntuples(r);
			if (l->q_rows > 0)
				l->q_value = strtoll(PQgetvalue(r, 0, 0), NULL,
				    10);
		} else if (st != PGRES_COMMAND_OK && !l->q_failed) {
			l->q_failed = 1;
			l->q_err = xstrdup(PQresultErrorMessage(r));
			l->q_err[strcspn(l->q_err, "\n")] = '\0';
		}
		PQclear(r);
	}
	if (l->conn != NULL && l->q == LEASE_Q_NONE)
		lease_next(l, lease_mono());
}

/* A new connection is being made: one step of it. */
static void
lease_connecting(struct lease *l)
{
	switch (PQconnectPoll(l->conn)) {
	case PGRES_POLLING_READING:
		lease_io(l, EV_READ);
		return;
	case PGRES_POLLING_WRITING:
		lease_io(l, EV_WRITE);
		return;
	case PGRES_POLLING_OK:
		l->connected = 1;
		if (PQsetnonblocking(l->conn, 1) != 0) {
			lease_drop(l, NULL);
			return;
		}
		lease_io(l, EV_READ);
		lease_send_setup(l);
		return;
	default:
		lease_drop(l, NULL);
		return;
	}
}

static void
lease_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lease *l = arg;

	if (l->conn == NULL)
		return;
	if (!l->connected) {
		lease_connecting(l);
		return;
	}
	if (what & EV_WRITE) {
		switch (PQflush(l->conn)) {
		case 0:
			lease_io(l, EV_READ);
			break;
		case 1:
			break;
		default:
			lease_drop(l, NULL);
			return;
		}
	}
	if (what & EV_READ)
		lease_read(l);
}

static void
lease_connect(struct lease *l, int64_t now)
{
	l->conn = PQconnectStart(l->conninfo);
	if (l->conn == NULL) {
		fatalx("lease: out of memory");
	}
	l->connected = 0;
	l->conn_deadline = now + (l->ms > 2000 ? l->ms : 2000);
	if (PQstatus(l->conn) == CONNECTION_BAD) {
		lease_drop(l, NULL);
		return;
	}
	lease_io(l, EV_WRITE);
}

/* Idle and connected: send what is due. */
static void
lease_next(struct lease *l, int64_t now)
{
	if (l->conn == NULL || !l->connected || l->q != LEASE_Q_NONE)
		return;
	if (l->want_notify) {
		l->want_notify = 0;
		lease_send(l, LEASE_Q_NOTIFY, "NOTIFY pagerd_work, '"
		    LEASE_WORK_COMMANDS "'",
		    lease_tick_ms(l->ms));
		return;
	}
	if (now < l->next_tick)
		return;
	l->next_tick = now + lease_tick_ms(l->ms);
	if (l->leader)
		lease_send_renew(l);
	else
		lease_send_acquire(l);
}

/*
 * Every LEASE_WATCH_MS, before any other event of the loop's turn: the
 * lease's own clock, the deadlines of what is in flight, what is due.
 */
static void
lease_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lease *l = arg;
	int64_t now = lease_mono();

	if (l->leader && lease_overdue(now, l->valid_until))
		lease_stand_down(l, "not renewed in time (the process was"
		    " stopped, or PostgreSQL is slow)");
	if (l->conn == NULL) {
		if (now >= l->next_connect)
			lease_connect(l, now);
		return;
	}
	if (!l->connected) {
		if (now > l->conn_deadline)
			lease_drop(l, "no answer while connecting");
		return;
	}
	if (l->q != LEASE_Q_NONE) {
		if (now > l->q_deadline)
			lease_drop(l, "no answer within a third of ha.lease");
		return;
	}
	lease_next(l, now);
}

static void
lease_down_cb(evutil_socket_t fd, short what, void *arg)
{
	lease_stand_down(arg, "a transaction found the lease moved on");
}

/*
 * Try for the lease of the database conninfo, lease_ms long, as holder
 * (NULL: host:pid:random); hooks hear of changes.  This node stands by
 * until it holds the lease.
 */
struct lease *
lease_new(struct event_base *base, const char *conninfo, int64_t lease_ms,
    const char *holder, const struct lease_hooks *hooks)
{
	struct lease *l = xcalloc(1, sizeof *l);
	struct timeval tv = { 0, LEASE_WATCH_MS * 1000 };
	char host[256];
	unsigned char rnd[4] = { 0, 0, 0, 0 };

	l->base = base;
	l->conninfo = xstrdup(conninfo);
	l->ms = lease_ms;
	l->h = *hooks;
	l->backoff = LEASE_BACKOFF_MIN;
	if (holder != NULL)
		l->holder = xstrdup(holder);
	else {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		if (getentropy(rnd, sizeof rnd) != 0)
			log_warn("lease: getentropy");
		xasprintf(&l->holder, "%s:%ld:%02x%02x%02x%02x", host,
		    (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
	}
	if ((l->watch_ev = event_new(base, -1, EV_PERSIST, lease_watch_cb,
	    l)) == NULL || (l->down_ev = event_new(base, -1, 0,
	    lease_down_cb, l)) == NULL)
		fatalx("lease: event_new failed");
	event_priority_set(l->watch_ev, 0);
	event_priority_set(l->down_ev, 0);
	if (event_add(l->watch_ev, &tv) != 0)
		fatalx("lease: event_add failed");
	metrics_role(0, 0);
	lease_connect(l, lease_mono());
	return l;
}

/* Free l; a lease still held expires by itself (lease_release() first). */
void
lease_free(struct lease *l)
{
	if (l == NULL)
		return;
	lease_io(l, 0);
	PQfinish(l->conn);
	event_free(l->watch_ev);
	event_free(l->down_ev);
	free(l->conninfo);
	free(l->holder);
	free(l->holder_sql);
	free(l->q_err);
	free(l);
}

/* Does this node lead, by its own clock too? */
int
lease_leader(const struct lease *l)
{
	return l->leader && !lease_overdue(lease_mono(), l->valid_until);
}

int64_t
lease_epoch(const struct lease *l)
{
	return l->epoch;
}

const char *
lease_holder(const struct lease *l)
{
	return l->holder;
}

/*
 * A fenced transaction found the lease moved on (store_fence()): stand
 * down once the caller is done.
 */
void
lease_lost(struct lease *l)
{
	if (l->leader)
		event_active(l->down_ev, EV_TIMEOUT, 0);
}

/* This node committed commands for the leader to carry out: NOTIFY it. */
void
lease_notify_work(struct lease *l)
{
	l->want_notify = 1;
	lease_next(l, lease_mono());
}

/* Wait (blocking, until deadline) for every result in flight. */
static int
lease_drain(struct lease *l, int64_t deadline)
{
	struct pollfd pfd;
	PGresult *r;
	int64_t left;
	int flushed;

	for (;;) {
		if ((flushed = PQflush(l->conn)) < 0)
			return -1;
		while (flushed == 0 && !PQisBusy(l->conn)) {
			if ((r = PQgetResult(l->conn)) == NULL)
				return 0;
			PQclear(r);
		}
		if ((left = deadline - lease_mono()) <= 0)
			return -1;
		pfd.fd = PQsocket(l->conn);
		pfd.events = POLLIN | (flushed ? POLLOUT : 0);
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
		if ((pfd.revents & POLLIN) && !PQconsumeInput(l->conn))
			return -1;
	}
}

/*
 * A clean stop, once nothing more is sent: let the lease go at once
 * (it expires now) and tell the standbys, waiting a second at most.
 */
void
lease_release(struct lease *l)
{
	int64_t deadline = lease_mono() + LEASE_RELEASE_MS;
	char *sql;

	if (!l->leader || l->conn == NULL || !l->connected)
		return;
	l->leader = 0;
	if (l->q != LEASE_Q_NONE && lease_drain(l, deadline) != 0)
		return;
	l->q = LEASE_Q_NONE;
	xasprintf(&sql, "UPDATE lease SET expires_at = '-infinity'"
	    " WHERE name = 'leader' AND epoch = %lld AND holder = %s;"
	    " NOTIFY pagerd_lease", (long long)l->epoch, l->holder_sql);
	if (!PQsendQuery(l->conn, sql) || lease_drain(l, deadline) != 0)
		log_warnx("lease: could not let it go: it expires by itself");
	else
		log_info("lease: let go (epoch %lld)", (long long)l->epoch);
	free(sql);
	metrics_role(0, 1);
}
