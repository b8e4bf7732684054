/* SPDX-License-Identifier: MIT */
/*
 * Logging, after OpenBSD's log.c.  Lines go to stderr, either plain
 * ("2026-11-23T16:10:00.123Z warn registrator: message") or as one JSON
 * object per line.  Every message is escaped before it is written, so a
 * hostile container name or label cannot forge a log line, and every
 * registered secret is replaced by "[redacted]" wherever it appears.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_TRACE,
};

enum log_format {
	LOG_FORMAT_PLAIN,
	LOG_FORMAT_JSON,
};

#define LOG_LINE_MAX 8192 /* longer messages are cut */
#define LOG_SECRETS_MAX 8

/* progname is borrowed and must outlive the process. */
void log_init(const char *progname, enum log_level level,
    enum log_format format);
void log_set_level(enum log_level level);
int log_level_parse(const char *s, enum log_level *out);
int log_format_parse(const char *s, enum log_format *out);
/*
 * Registers a secret (copied) that must never appear in a log line.
 * Secrets shorter than 4 bytes are ignored: redacting them would mangle
 * ordinary words.  log_forget_secrets() wipes the copies.
 */
void log_add_secret(const char *secret);
void log_forget_secrets(void);

/* log_warn and fatal append strerror(errno); the x forms do not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
