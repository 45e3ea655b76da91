/* SPDX-License-Identifier: ISC */
/*
 * log.c: logging to stderr (foreground) or syslog (daemon), after
 * OpenSMTPD's log.c.  log_debug only speaks with -v.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int log_debug_mode; /* 1: stderr; 0: syslog */
static int log_verbose;

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

void
logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	int saved_errno = errno;

	if (log_debug_mode) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
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
