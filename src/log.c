/* SPDX-License-Identifier: ISC */
/*
 * log.c: logging to stderr (foreground) or syslog (daemon), after
 * OpenSMTPD's log.c.  log_debug only speaks with -v.
 *
 * On stderr each line is written whole, with one write(2).  Once the
 * event loop runs (log_defer), the lines the loop's own thread logs wait
 * in a buffer that is written when that turn of the loop ends (or when
 * it fills, or before a fatal exit): under an incident the request log
 * says a line per alert taken, and one write a turn instead of one a
 * line keeps the loop's time for the alerts.  Lines of other threads,
 * and every line to syslog, are written at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_debug_mode; /* 1: stderr; 0: syslog */
static int log_verbose;

/* Lines of the loop's thread, waiting for the end of its turn. */
static struct {
	int on;
	pthread_t loop;
	void (*kick)(void *);
	void *arg;
	size_t len;	/* 0: nothing held; the turn's end is not asked for */
	char buf[32768];
} log_held;

/* Write all of buf to stderr; a log that cannot be written is dropped. */
static void
log_write(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(STDERR_FILENO, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= n;
	}
}

/* Start logging: to stderr if debug is set, else to syslog. */
void
log_init(int debug, int facility)
{
	log_debug_mode = debug;
	if (!debug)
		openlog("pagerd", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/*
 * From now on, hold the loop thread's stderr lines until log_flush();
 * kick(arg) is called (on that thread) when the first line of a turn is
 * held, and must see that log_flush() runs before the turn ends.  A
 * NULL kick writes what is held and stops holding.
 */
void
log_defer(void (*kick)(void *), void *arg)
{
	static int registered;

	if (kick == NULL) { /* stop holding lines */
		log_flush();
		log_held.on = 0;
		return;
	}
	if (!registered++)
		atexit(log_flush);
	log_held.loop = pthread_self();
	log_held.kick = kick;
	log_held.arg = arg;
	log_held.on = 1;
}

/* Write the held lines. */
void
log_flush(void)
{
	if (!log_held.on || !pthread_equal(pthread_self(), log_held.loop))
		return;
	log_write(log_held.buf, log_held.len);
	log_held.len = 0;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/*
 * Keep (or write) line, n bytes ending in '\n', as vlog() does once it
 * has put a line together.
 */
static void
log_out(const char *p, size_t n)
{
	if (log_held.on && pthread_equal(pthread_self(), log_held.loop)) {
		if (log_held.len + n > sizeof log_held.buf)
			log_flush();
		if (n > sizeof log_held.buf)
			log_write(p, n);
		else {
			if (log_held.len == 0)
				log_held.kick(log_held.arg);
			memcpy(log_held.buf + log_held.len, p, n);
			log_held.len += n;
		}
	} else
		log_write(p, n);
}

/*
 * Log line, len bytes already put together (no format, no newline),
 * with priority pri: the same as logit(pri, "%s", line) without the
 * printf, for a line logged for every request (the access log).
 */
void
log_line(int pri, const char *line, size_t len)
{
	int saved_errno = errno;
	char buf[1024];

	if (!log_debug_mode || len >= sizeof buf) {
		logit(pri, "%.*s", (int)len, line);
		errno = saved_errno;
		return;
	}
	memcpy(buf, line, len);
	buf[len++] = '\n';
	log_out(buf, len);
	errno = saved_errno;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	int saved_errno = errno, n;
	char line[1024], *big = NULL, *p = line;
	va_list ap2;

	if (!log_debug_mode) {
		vsyslog(pri, fmt, ap);
		errno = saved_errno;
		return;
	}
	va_copy(ap2, ap);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	if (n < 0)
		n = 0;
	else if ((size_t)n >= sizeof line - 1) {
		/* the whole line, with room for '\n' where its NUL is */
		if (vasprintf(&big, fmt, ap2) == -1) {
			big = NULL;
			n = sizeof line - 2;
		} else
			p = big;
	}
	va_end(ap2);
	p[n++] = '\n';
	log_out(p, n);
	free(big);
	errno = saved_errno;
}

/* Log with ": strerror(errno)" appended. */
void
log_warn(const char *emsg, ...)
{
	char buf[1024];
	va_list ap;
	int saved_errno = errno;

	va_start(ap, emsg);
	vsnprintf(buf, sizeof buf, emsg, ap);
	va_end(ap);
	logit(LOG_ERR, "%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warnx(const char *emsg, ...)
{
	va_list ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, emsg);
	vlog(LOG_DEBUG, emsg, ap);
	va_end(ap);
}

static __dead void vfatalc(int, const char *, va_list) printflike(2, 0);

static __dead void
vfatalc(int code, const char *emsg, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof buf, emsg, ap);
	if (code)
		logit(LOG_CRIT, "fatal: %s: %s", buf, strerror(code));
	else
		logit(LOG_CRIT, "fatal: %s", buf);
	exit(1);
}

/* Log, with strerror(errno), and exit: startup errors and broken invariants only. */
void
fatal(const char *emsg, ...)
{
	va_list ap;

	va_start(ap, emsg);
	vfatalc(errno, emsg, ap);
}

void
fatalx(const char *emsg, ...)
{
	va_list ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
}
