/* SPDX-License-Identifier: ISC */
/*
 * main.c: pagerd's start: options, configuration, the event loop, signal
 * handling (SIGHUP reload, SIGTERM/SIGINT clean exit) and the wiring of
 * store, intake, HTTP API and channels.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ack.h"
#include "alert.h"
#include "api.h"
#include "callback.h"
#include "chan.h"
#include "conf.h"
#include "check.h"
#include "clock.h"
#include "command.h"
#include "engine.h"
#include "handoff.h"
#include "heartbeat.h"
#include "http.h"
#include "intake.h"
#include "lease.h"
#include "log.h"
#include "metrics.h"
#include "oncall.h"
#include "outbox.h"
#include "rota.h"
#include "retention.h"
#include "store.h"
#include "throttle.h"
#include "twilio.h"
#include "xfer.h"
#include "xmalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define MAIN_CONF SYSCONFDIR "/pagerd/pagerd.conf"
#define MAIN_PRIORITIES 3 /* see intake.c: its flush runs last */

static struct {
	const char *conf_path;
	struct conf *conf;
	struct oncall *oncall;
	struct engine *engine;
	struct handoff *handoff;
	struct outbox *outbox;
	struct callback_queue *callbacks;
	struct api_hooks twilio;
	struct api_ack *ack;
	struct heartbeats *heartbeats;
	struct event_base *base;
	struct store *store;
	struct intake *intake;
	struct http *http;
	struct api api;
	struct throttle *throttle;
	struct retention *retention;
	struct lease *lease;	/* PostgreSQL: NULL on SQLite, always leader */
	struct event *adopt_ev;	/* the leader looks for unstarted alerts */
	int leading;
	int lock_fd;
	int pid_fd;
} main_state = { .lock_fd = -1, .pid_fd = -1 };

static __dead void
usage(void)
{
	fprintf(stderr, "usage: pagerd [-ftv] [-c file]\n");
	exit(1);
}

/* Print each "file:line: message" line of cause to stderr. */
static void
main_print_cause(const char *cause)
{
	fprintf(stderr, "%s\n", cause);
}

/* libevent's own messages go to our debug log. */
static void
main_event_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* Load people and rotas for conf c; NULL (logged) if that fails. */
static struct oncall *
main_load_oncall(const struct conf *c)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct oncall *o;
	char *cause;

	o = oncall_load(c, &f, &cause);
	oncall_log_findings(&f);
	rota_findings_free(&f);
	if (o == NULL) {
		log_warnx("%s", cause);
		free(cause);
	}
	return o;
}

/*
 * Take an exclusive lock on a file, so that two daemons never share a
 * state folder (or a pidfile).  Returns the open fd.  The pidfile is
 * opened as root, often in a folder others can write to: a symbolic
 * link (or anything but a plain file) there is refused, never followed,
 * so nobody can make pagerd truncate a file of their choosing.
 */
static int
main_lock(const char *path, char **cause)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK, 0644)) == -1) {
		xasprintf(cause, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link: refusing to follow it" :
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		xasprintf(cause, "%s: %s", path, errno == EWOULDBLOCK ?
		    "locked: is another pagerd running?" : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
main_write_pidfile(const char *path)
{
	char *cause, buf[32];
	int n;

	if ((main_state.pid_fd = main_lock(path, &cause)) == -1)
		fatalx("pidfile %s", cause);
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(main_state.pid_fd, 0) != 0 ||
	    write(main_state.pid_fd, buf, n) != n)
		fatal("pidfile %s", path);
}

/*
 * Raise the soft limit on open files to the hard limit.  Every HTTP
 * client, every outbound send and the store hold a descriptor, and the
 * usual soft limit (1024) is soon reached by a flood of connections;
 * http.max_connections then keeps clients to a part of what is allowed.
 */
static void
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return;
	}
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("setrlimit(RLIMIT_NOFILE)");
}

/*
 * Who pagerd will run as, decided before anything is opened: the
 * account named by "user" (and "group"), or whoever started it.  Root
 * is refused unless the configuration says user = "root": a daemon that
 * takes requests from the network should not hold every privilege by
 * accident.  Returns 1 if privileges are to be dropped, with *uid and
 * *gid set; 0 if pagerd keeps running as it is.
 */
static int
main_whoami(const struct conf *c, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	struct group *gr;

	if (c->user == NULL) {
		if (geteuid() == 0)
			fatalx("refusing to run as root: %s names no user;"
			    " set user = \"NAME\" to the account pagerd should"
			    " run as, or user = \"root\" to run as root on"
			    " purpose (see pagerd.conf(5))", c->path);
		return 0;
	}
	if ((pw = getpwnam(c->user)) == NULL)
		fatalx("user \"%s\": no such user", c->user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (c->group != NULL) {
		if ((gr = getgrnam(c->group)) == NULL)
			fatalx("group \"%s\": no such group", c->group);
		*gid = gr->gr_gid;
	}
	if (*uid == geteuid() && (c->group == NULL || *gid == getegid()))
		return 0;
	if (geteuid() != 0)
		fatalx("cannot run as user \"%s\"%s%s: pagerd was not started"
		    " as root", c->user, c->group != NULL ? " group " : "",
		    c->group != NULL ? c->group : "");
	return 1;
}

/*
 * The store's database is back (PostgreSQL): the engine takes what a
 * commit cut short may have stored, the outbox reads its queue again.
 */
static void
main_store_up(void *arg, int up)
{
	if (!up)
		return;
	if (main_state.engine != NULL)
		engine_adopt(main_state.engine);
	if (main_state.outbox != NULL)
		outbox_rebuild_soon(main_state.outbox);
}

/*
 * A standby's intake: alerts are written unstarted (no hook starts
 * them), and the transaction that writes them tells the leader to start
 * them (their ids, store_work_note(): a NOTIFY before its COMMIT).
 */
static int
main_standby_raised(void *arg, const struct store_raise *r,
    const struct alert_new *an, int64_t now, char **cause)
{
	if (!r->duplicate)
		store_work_note(main_state.store, r->id);
	return 0;
}

static void
main_intake_hooks(int leader)
{
	struct intake_hooks hooks;

	memset(&hooks, 0, sizeof hooks);
	if (leader)
		engine_intake_hooks(main_state.engine, &hooks);
	else
		hooks.raised = main_standby_raised;
	intake_set_hooks(main_state.intake, &hooks);
}

/* A batch of intake will commit this turn of the loop (outbox_join). */
static int
main_intake_pending(void *arg)
{
	return main_state.intake != NULL &&
	    intake_pending(main_state.intake) > 0;
}

/* A fenced transaction found the lease moved on. */
static void
main_fence_lost(void *arg)
{
	if (main_state.lease != NULL)
		lease_lost(main_state.lease);
}

/*
 * The leader: start the alerts another node took in, then carry out
 * what was asked of alerts at another node (command.c), in that order,
 * so that an ack of an alert a standby just took in finds it started.
 */
static void
main_take_work(void)
{
	if (!main_state.leading)
		return;
	engine_adopt_unstarted(main_state.engine);
	if (command_run(main_state.engine, main_state.outbox, main_state.store,
	    clock_now_ms()) < 0)
		log_warnx("commands: the store failed; trying again in 1s");
}

/* The leader, every second: work another node wrote (no NOTIFY). */
static void
main_adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	main_take_work();
}

static void main_stand_by(void);

/*
 * This node leads (at epoch, on PostgreSQL; always on SQLite): build
 * the outbox index and the escalation timers from the store, as at a
 * start, and run handoffs, heartbeat deadlines and retention.  What was
 * "sending" is sent again: at least once, as after kill -9.
 */
static int
main_lead(int64_t epoch, char **cause)
{
	struct timeval tv = { 1, 0 };

	main_state.leading = 1;
	if (main_state.lease != NULL)
		store_fence(main_state.store, epoch, main_fence_lost, NULL);
	engine_set_rotas(main_state.engine, oncall_rotas(main_state.oncall),
	    oncall_people(main_state.oncall));
	/* pending sends resume before the engine adds any */
	main_state.outbox = outbox_new(main_state.base, main_state.store,
	    main_state.conf);
	engine_set_outbox(main_state.engine, main_state.outbox);
	/* SQLite: the outbox's passes join intake's group commits */
	if (!main_state.conf->store_pg)
		outbox_set_join(main_state.outbox, main_intake_pending, NULL);
	main_state.twilio.outbox = main_state.outbox;
	if (outbox_resume(main_state.outbox, cause) != 0)
		return -1;
	callback_lead(main_state.callbacks, 1);
	if (engine_resume(main_state.engine, cause) != 0)
		return -1;
	main_state.handoff = handoff_new(main_state.base, main_state.store,
	    main_state.engine, main_state.oncall);
	handoff_set_outbox(main_state.handoff, main_state.outbox);
	main_state.api.handoff = main_state.handoff;
	if (main_state.heartbeats != NULL)
		heartbeats_lead(main_state.heartbeats, 1);
	main_state.retention = retention_new(main_state.base,
	    main_state.store, main_state.conf->store_retention_ms);
	if (main_state.intake != NULL)
		main_intake_hooks(1);
	main_state.api.standby = 0;
	if (main_state.lease != NULL) {
		evtimer_add(main_state.adopt_ev, &tv);
		main_take_work();
	}
	return 0;
}

/*
 * This node stands by: no escalation timer, no send, no handoff note,
 * no heartbeat deadline, no retention; intake writes alerts unstarted.
 * Sends in flight are left to end, not cancelled (the provider may
 * already have taken one: cancelling would not make it unsent), and
 * nothing of their outcome is written: outbox_close() writes the
 * outcomes already in while the fence (still set) lets it, which fails
 * if the lease moved on; outbox_free() detaches the transfers, whose
 * outcomes are then dropped (outbox_done_cb).  Their rows stay as
 * they were while in flight: the next leader sends them again (at
 * least once).
 */
static void
main_stand_by(void)
{
	if (main_state.intake != NULL)
		main_intake_hooks(0);
	main_state.api.standby = 1;
	if (main_state.adopt_ev != NULL)
		evtimer_del(main_state.adopt_ev);
	retention_free(main_state.retention);
	main_state.retention = NULL;
	if (main_state.heartbeats != NULL)
		heartbeats_lead(main_state.heartbeats, 0);
	main_state.api.handoff = NULL;
	handoff_free(main_state.handoff);
	main_state.handoff = NULL;
	callback_lead(main_state.callbacks, 0);
	if (main_state.outbox != NULL) {
		outbox_close(main_state.outbox);
		engine_set_outbox(main_state.engine, NULL);
		main_state.twilio.outbox = NULL;
		outbox_free(main_state.outbox);
		main_state.outbox = NULL;
	}
	engine_stop(main_state.engine);
	store_fence(main_state.store, 0, NULL, NULL);
	main_state.leading = 0;
}

/* The lease (lease.c): this node leads at epoch, or stands by. */
static void
main_role_cb(void *arg, int leader, int64_t epoch)
{
	char *cause = NULL;

	if (!leader) {
		if (main_state.leading)
			main_stand_by();
		return;
	}
	if (main_state.leading)
		main_stand_by();
	log_info("leading at epoch %lld: escalations and sends start",
	    (long long)epoch);
	if (main_lead(epoch, &cause) != 0) {
		log_warnx("cannot lead: %s", cause);
		free(cause);
		main_stand_by();
		lease_lost(main_state.lease);
	}
}

/*
 * Another node took in alerts, or wrote commands (w says which): start
 * those alerts, then carry out the commands, in that order, as
 * main_take_work() does; each read only when there is something to.
 */
static void
main_work_cb(void *arg, const struct lease_work *w)
{
	if (!main_state.leading)
		return;
	if (w->all) {
		main_take_work();
		return;
	}
	if (w->hi > 0)
		engine_adopt_range(main_state.engine, w->lo, w->hi);
	if (w->commands && command_run(main_state.engine, main_state.outbox,
	    main_state.store, clock_now_ms()) < 0)
		log_warnx("commands: the store failed; trying again in 1s");
}

/* This node, standing by, wrote a command: tell the leader. */
static void
main_command_added(void *arg)
{
	if (main_state.lease != NULL)
		lease_notify_work(main_state.lease);
}

/*
 * Drop root for uid:gid for good, once the listeners are bound and the
 * pidfile and secrets are open (OpenSMTPD's order: supplementary groups,
 * then the group, then the user, all three ids each).
 */
static void
main_privdrop(const struct conf *c, uid_t uid, gid_t gid)
{
	char *cause;

	if (store_prepare(c->state_dir, uid, gid, &cause) != 0)
		fatalx("%s", cause);
	if (!c->store_pg && strcmp(c->store_db, c->state_dir) != 0 &&
	    store_prepare(c->store_db, uid, gid, &cause) != 0)
		fatalx("%s", cause);
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		fatal("cannot drop privileges to user %s", c->user);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid)
		fatalx("privileges were not dropped");
	log_info("running as user %s (uid %lu, gid %lu)", c->user,
	    (unsigned long)uid, (unsigned long)gid);
}

/* Are a and b (either may be NULL) the same string? */
static int
main_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* SIGHUP: load the file again; if it is bad, keep running on the old. */
static void
main_reload(void)
{
	struct conf *c, *old = main_state.conf;
	char *cause;
	size_t i;

	log_info("reloading %s", main_state.conf_path);
	if ((c = conf_load(main_state.conf_path, &cause)) == NULL) {
		log_warnx("reload rejected, keeping the running configuration:"
		    "\n%s", cause);
		free(cause);
		return;
	}
	/* Rotas are replaced file by file; the change callback (handoff.c)
	 * hands them to the engine. */
	if (oncall_reload(main_state.oncall, c, &cause) != 0) {
		log_warnx("reload rejected, keeping the running configuration:"
		    "\n%s", cause);
		free(cause);
		conf_free(c);
		return;
	}
	if (strcmp(c->state_dir, old->state_dir) != 0)
		log_warnx("reload: state_dir changes only at restart");
	if (c->store_full_sync != old->store_full_sync)
		log_warnx("reload: store.synchronous changes only at restart");
	if (strcmp(c->store_db, old->store_db) != 0 ||
	    c->store_timeout_ms != old->store_timeout_ms)
		log_warnx("reload: store.database and store.timeout change"
		    " only at restart");
	if (!main_same_str(c->user, old->user) ||
	    !main_same_str(c->group, old->group))
		log_warnx("reload: user and group change only at restart");
	if (c->nlisten != old->nlisten)
		log_warnx("reload: http.listen changes only at restart");
	for (i = 0; i < c->nlisten && i < old->nlisten; i++)
		if (strcmp(c->listen[i].host, old->listen[i].host) != 0 ||
		    c->listen[i].port != old->listen[i].port)
			log_warnx("reload: http.listen changes only at restart");
	main_state.conf = c;
	main_state.api.conf = c;
	http_configure(main_state.http, c);
	if (c->ha_lease_ms != old->ha_lease_ms)
		log_warnx("reload: ha.lease changes only at restart");
	engine_configure(main_state.engine, c);
	if (main_state.outbox != NULL)
		outbox_reconfigure(main_state.outbox, c);
	callback_configure(main_state.callbacks, c);
	if (!main_state.leading)
		callback_lead(main_state.callbacks, 0);
	heartbeats_configure(main_state.heartbeats, c);
	if (!main_state.leading)
		heartbeats_lead(main_state.heartbeats, 0);
	if (main_state.retention != NULL)
		retention_configure(main_state.retention,
		    c->store_retention_ms);
	main_state.twilio.conf = c;
	conf_free(old);
	log_info("reloaded %s: %zu key(s)", c->path, c->nkeys);
}

/* The loop's log lines are written once a turn: the last event of it. */
static void
main_log_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	log_flush();
}

static void
main_log_kick(void *arg)
{
	event_active(arg, EV_TIMEOUT, 0);
}

static void
main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct timeval tv = { 0, 200000 };

	switch (sig) {
	case SIGHUP:
		main_reload();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping", strsignal(sig));
		main_state.api.ready = 0;
		intake_flush(main_state.intake);
		/* waiting for the leader: answered "accepted" */
		command_waits_free(main_state.api.commands);
		main_state.api.commands = NULL;
		main_state.twilio.commands = NULL;
		/* let the last replies drain */
		event_base_loopexit(main_state.base, &tv);
		break;
	}
}

int
main(int argc, char **argv)
{
	struct event *sighup, *sigterm, *sigint, *log_flush_ev;
	struct event_config *ecfg;
	struct lease_hooks lhooks;
	char *cause, *lockpath, *shown;
	uid_t uid = 0;
	gid_t gid = 0;
	int ch, foreground = 0, check = 0, verbose = 0, drop;

	main_state.conf_path = MAIN_CONF;
	while ((ch = getopt(argc, argv, "c:ftv")) != -1) {
		switch (ch) {
		case 'c':
			main_state.conf_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init(1, LOG_DAEMON);
	log_setverbose(verbose);
	if ((main_state.conf = conf_load(main_state.conf_path, &cause)) ==
	    NULL) {
		main_print_cause(cause);
		free(cause);
		return 1;
	}
	if (check) {
		ch = check_conf(main_state.conf, clock_now_ms());
		if (store_check(main_state.conf->store_db,
		    main_state.conf->store_timeout_ms, stdout, stderr) != 0)
			ch = 1;
		conf_free(main_state.conf);
		return ch;
	}

	drop = main_whoami(main_state.conf, &uid, &gid);
	main_raise_nofile();

	if (!foreground) {
		if (daemon(0, 0) != 0)
			fatal("daemon");
		log_init(0, LOG_DAEMON);
	}
	signal(SIGPIPE, SIG_IGN);
	event_set_log_callback(main_event_log_cb);
	if ((ecfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	/*
	 * epoll: batch the read/write interest changes of a loop turn into
	 * one epoll_ctl per socket at most (evhttp flips each connection's
	 * events several times per request).  Unsafe only for descriptors
	 * dup()ed into one epoll set, which pagerd never does.
	 */
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	if ((main_state.base = event_base_new_with_config(ecfg)) == NULL)
		fatalx("event_base_new failed");
	event_config_free(ecfg);
	if (event_base_priority_init(main_state.base, MAIN_PRIORITIES) != 0)
		fatalx("event_base_priority_init failed");
	/* log lines of a turn are written together when it ends */
	if ((log_flush_ev = event_new(main_state.base, -1, 0, main_log_flush_cb,
	    NULL)) == NULL ||
	    event_priority_set(log_flush_ev, MAIN_PRIORITIES - 1) != 0)
		fatalx("cannot set up the log");
	log_defer(main_log_kick, log_flush_ev);

	/* What needs root comes first: the listeners (a port below 1024),
	 * the pidfile (in /run); the secrets were read by conf_load(). */
	if ((main_state.http = http_new(main_state.base, main_state.conf,
	    &cause)) == NULL)
		fatalx("%s", cause);
	if (main_state.conf->pidfile != NULL)
		main_write_pidfile(main_state.conf->pidfile);
	if (drop)
		main_privdrop(main_state.conf, uid, gid);

	shown = store_redact(main_state.conf->store_db);
	if ((main_state.store = store_open_db(main_state.conf->store_db,
	    main_state.conf->store_timeout_ms, &cause)) == NULL)
		fatalx("store %s: %s", shown, cause);
	if (main_state.conf->store_pg) {
		log_info("store: PostgreSQL, %s", shown);
		if (store_mkdir(main_state.conf->state_dir, &cause) != 0)
			fatalx("%s", cause);
	}
	free(shown);
	store_set_synchronous(main_state.store,
	    main_state.conf->store_full_sync);
	/* commits are synced in a worker thread: the loop never waits */
	store_sync_start(main_state.store, main_state.base);
	/* PostgreSQL: a lost connection is made again on the loop */
	store_watch(main_state.store, main_state.base, main_store_up, NULL);
	xasprintf(&lockpath, "%s/pagerd.lock", main_state.conf->state_dir);
	if ((main_state.lock_fd = main_lock(lockpath, &cause)) == -1)
		fatalx("%s", cause);
	free(lockpath);

	if ((main_state.oncall = main_load_oncall(main_state.conf)) == NULL)
		fatalx("cannot load people and rotas");
	chan_console_init(stdout);
	main_state.engine = engine_new(main_state.base, main_state.store,
	    main_state.conf);
	if (xfer_init(main_state.base, &cause) != 0)
		fatalx("xfer: %s", cause);
	/* state changes told back to integrations: a queue of its own */
	main_state.callbacks = callback_new(main_state.base, main_state.store,
	    main_state.conf);
	oncall_watch(main_state.oncall, main_state.base);
	metrics_init(main_state.base);
	main_state.intake = intake_new(main_state.base, main_state.store);
	main_state.heartbeats = heartbeats_new(main_state.base,
	    main_state.store, main_state.intake, main_state.engine,
	    main_state.conf);
	if ((main_state.adopt_ev = event_new(main_state.base, -1, EV_PERSIST,
	    main_adopt_cb, NULL)) == NULL)
		fatalx("event_new failed");
	if (!main_state.conf->store_pg) {
		/* SQLite: the one node always leads */
		if (main_lead(0, &cause) != 0)
			fatalx("%s", cause);
		metrics_role(1, 0);
	} else {
		/* PostgreSQL: stand by until the lease is this node's */
		main_stand_by();
		lhooks.role = main_role_cb;
		lhooks.work = main_work_cb;
		lhooks.arg = NULL;
		main_state.lease = lease_new(main_state.base,
		    main_state.conf->store_db, main_state.conf->ha_lease_ms,
		    NULL, &lhooks);
		log_info("lease: standing by as %s (ha.lease %lld ms)",
		    lease_holder(main_state.lease),
		    (long long)main_state.conf->ha_lease_ms);
	}
	main_state.api.conf = main_state.conf;
	main_state.api.store = main_state.store;
	main_state.api.intake = main_state.intake;
	main_state.api.engine = main_state.engine;
	main_state.api.heartbeats = main_state.heartbeats;
	main_state.api.oncall = main_state.oncall;
	main_state.api.handoff = main_state.handoff;
	/* actions that reach this node while it stands by, for the leader */
	main_state.api.commands = command_waits_new(main_state.base,
	    main_state.store);
	command_waits_hook(main_state.api.commands, main_command_added, NULL);
	/* addresses that keep sending bad tokens or signatures: 429 */
	main_state.throttle = throttle_new(THROTTLE_BURST, THROTTLE_PER_MINUTE,
	    THROTTLE_BLOCK_MS, THROTTLE_ADDRS);
	main_state.api.throttle = main_state.throttle;
	api_init(&main_state.api, main_state.http);
	api_intake_init(&main_state.api, main_state.http);
	api_stats_init(&main_state.api, main_state.http);
	api_rota_init(&main_state.api, main_state.http);
	api_silence_init(&main_state.api, main_state.http);
	api_dashboard_init(&main_state.api, main_state.http);
	api_console_init(&main_state.api, main_state.http);
	main_state.twilio.conf = main_state.conf;
	main_state.twilio.store = main_state.store;
	main_state.twilio.outbox = main_state.outbox;
	main_state.twilio.commands = main_state.api.commands;
	main_state.twilio.throttle = main_state.throttle;
	api_hooks_init(&main_state.twilio, main_state.http);
	/* signed ack links in pages; links, SMS replies and keypresses */
	main_state.ack = api_ack_new(&main_state.api);
	engine_set_link(main_state.engine, api_ack_link, main_state.ack);
	api_ack_http_init(main_state.ack, main_state.http);

	sighup = evsignal_new(main_state.base, SIGHUP, main_signal_cb, NULL);
	sigterm = evsignal_new(main_state.base, SIGTERM, main_signal_cb, NULL);
	sigint = evsignal_new(main_state.base, SIGINT, main_signal_cb, NULL);
	if (sighup == NULL || sigterm == NULL || sigint == NULL ||
	    evsignal_add(sighup, NULL) != 0 || evsignal_add(sigterm, NULL) != 0 ||
	    evsignal_add(sigint, NULL) != 0)
		fatalx("cannot install signal events");

	main_state.api.ready = 1;
	log_info("pagerd started: %s, state in %s", main_state.conf->path,
	    main_state.conf->state_dir);
	event_base_dispatch(main_state.base);
	log_defer(NULL, NULL); /* each line at once again */
	event_free(log_flush_ev);

	heartbeats_free(main_state.heartbeats);
	retention_free(main_state.retention);
	intake_free(main_state.intake);
	/* in-flight sends end; what is unsent stays pending for next start */
	callback_close(main_state.callbacks);
	if (main_state.outbox != NULL)
		outbox_close(main_state.outbox);
	xfer_shutdown();
	/* nothing more is sent: a standby may take over at once */
	if (main_state.lease != NULL)
		lease_release(main_state.lease);
	lease_free(main_state.lease);
	event_free(main_state.adopt_ev);
	callback_free(main_state.callbacks);
	outbox_free(main_state.outbox);
	engine_set_outbox(main_state.engine, NULL);
	if (main_state.handoff != NULL)
		handoff_set_outbox(main_state.handoff, NULL);
	command_waits_free(main_state.api.commands);
	main_state.api.commands = NULL;
	main_state.twilio.commands = NULL;
	http_free(main_state.http);
	throttle_free(main_state.throttle);
	engine_set_link(main_state.engine, NULL, NULL);
	api_ack_free(main_state.ack);
	handoff_free(main_state.handoff);
	engine_free(main_state.engine);
	metrics_free();
	oncall_free(main_state.oncall);
	event_free(sighup);
	event_free(sigterm);
	event_free(sigint);
	store_close(main_state.store);
	if (main_state.conf->pidfile != NULL) {
		/* fails quietly once root is gone: the lock, not the file,
		 * says whether pagerd runs */
		unlink(main_state.conf->pidfile);
		close(main_state.pid_fd);
	}
	close(main_state.lock_fd);
	conf_free(main_state.conf);
	event_base_free(main_state.base);
	log_info("pagerd stopped");
	return 0;
}
