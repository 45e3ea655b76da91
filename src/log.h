/* SPDX-License-Identifier: ISC */
/*
 * log.h: the daemon logger (OpenSMTPD's API): stderr in the foreground,
 * syslog otherwise.  Stands alone so fuzzers and tools can use it.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#include "compat.h"

void log_init(int, int);
void log_defer(void (*)(void *), void *);
void log_flush(void);
void log_setverbose(int);
int log_getverbose(void);
void log_warn(const char *, ...) printflike(1, 2);
void log_warnx(const char *, ...) printflike(1, 2);
void log_info(const char *, ...) printflike(1, 2);
void log_debug(const char *, ...) printflike(1, 2);
void logit(int, const char *, ...) printflike(2, 3);
void log_line(int, const char *, size_t);
void vlog(int, const char *, va_list) printflike(2, 0);
__dead void fatal(const char *, ...) printflike(1, 2);
__dead void fatalx(const char *, ...) printflike(1, 2);

#endif
