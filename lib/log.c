/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr, plain or JSON lines.  Messages are formatted into a
 * fixed buffer, secrets and URL userinfo are redacted, then control characters
 * are escaped (tmux's log.c does the same with stravis) so that one message is
 * always exactly one line whatever a container put in its name or labels.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "str.h"

static const char *log_progname = "-";
static enum log_level log_level = LOG_LEVEL_INFO;
static enum log_format log_format = LOG_FORMAT_PLAIN;
static char *log_secrets[LOG_SECRETS_MAX];

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_TRACE] = "trace",
};

void
log_init(const char *progname, enum log_level level, enum log_format format)
{
	log_progname = progname;
	log_level = level;
	log_format = format;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]);
	     i++) {
		if (strcasecmp(s, log_level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	/* consul-template spells them err and warning too. */
	if (strcasecmp(s, "err") == 0) {
		*out = LOG_LEVEL_ERROR;
		return 0;
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_LEVEL_WARN;
		return 0;
	}
	return -1;
}

int
log_format_parse(const char *s, enum log_format *out)
{
	if (strcmp(s, "plain") == 0)
		*out = LOG_FORMAT_PLAIN;
	else if (strcmp(s, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

void
log_add_secret(const char *secret)
{
	size_t i;

	if (secret == NULL || strlen(secret) < 4)
		return;
	for (i = 0; i < LOG_SECRETS_MAX; i++) {
		if (log_secrets[i] != NULL
		    && strcmp(log_secrets[i], secret) == 0)
			return;
		if (log_secrets[i] == NULL) {
			/* strdup, not xstrdup: xmalloc logs, and this is log.c.
			 */
			log_secrets[i] = strdup(secret);
			return;
		}
	}
}

void
log_forget_secrets(void)
{
	size_t i;

	for (i = 0; i < LOG_SECRETS_MAX; i++) {
		if (log_secrets[i] != NULL) {
			explicit_bzero(log_secrets[i], strlen(log_secrets[i]));
			free(log_secrets[i]);
			log_secrets[i] = NULL;
		}
	}
}

/*
 * Copies msg with every registered secret replaced by a mask.  The scan
 * never revisits what it wrote, so a secret that is part of the mask
 * cannot loop.
 */
static void
log_redact(const char *msg, char *out, size_t size)
{
	static const char mask[] = "[redacted]";
	size_t o = 0, i, n;

	while (*msg != '\0' && o + 1 < size) {
		for (i = 0; i < LOG_SECRETS_MAX; i++) {
			if (log_secrets[i] == NULL)
				continue;
			n = strlen(log_secrets[i]);
			if (strncmp(msg, log_secrets[i], n) == 0)
				break;
		}
		if (i < LOG_SECRETS_MAX) {
			o += str_copy(out + o, mask, size - o);
			if (o >= size)
				o = size - 1;
			msg += n;
		} else
			out[o++] = *msg++;
	}
	out[o] = '\0';
}

/*
 * Writes s escaped: plain lines use C-like escapes, JSON lines JSON's.
 * Either way no byte below 0x20 reaches the output.
 */
static void
log_put_escaped(FILE *f, const char *s, int json)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (json && c == '"')
			fputs("\\\"", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, json ? "\\u%04x" : "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void log_vwrite(enum log_level, const char *, va_list, int)
    __attribute__((format(printf, 2, 0)));

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, int errnum)
{
	char raw[LOG_LINE_MAX], redacted[LOG_LINE_MAX], msg[LOG_LINE_MAX];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	size_t len;

	if (level > log_level)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	if (errnum != 0) {
		len = strlen(raw);
		snprintf(raw + len, sizeof(raw) - len, ": %s",
		    strerror(errnum));
	}
	log_redact(raw, redacted, sizeof(redacted));
	/* A URL's password is a secret nobody registered (issue 16). */
	(void)str_mask_userinfo(redacted, msg, sizeof(msg));

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + len, sizeof(stamp) - len, ".%03ldZ",
	    ts.tv_nsec / 1000000);

	flockfile(stderr);
	if (log_format == LOG_FORMAT_JSON) {
		fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"prog\":\"",
		    stamp, log_level_names[level]);
		log_put_escaped(stderr, log_progname, 1);
		fputs("\",\"msg\":\"", stderr);
		log_put_escaped(stderr, msg, 1);
		fputs("\"}\n", stderr);
	} else {
		fprintf(stderr, "%s %s %s: ", stamp, log_level_names[level],
		    log_progname);
		log_put_escaped(stderr, msg, 0);
		fputc('\n', stderr);
	}
	fflush(stderr);
	funlockfile(stderr);
}

#define LOG_FN(name, level, with_errno)                             \
	void name(const char *fmt, ...)                             \
	{                                                           \
		va_list ap;                                         \
		int saved = errno;                                  \
                                                                    \
		va_start(ap, fmt);                                  \
		log_vwrite(level, fmt, ap, with_errno ? saved : 0); \
		va_end(ap);                                         \
		errno = saved;                                      \
	}

LOG_FN(log_warn, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARN, 0)
LOG_FN(log_error, LOG_LEVEL_ERROR, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)
LOG_FN(log_trace, LOG_LEVEL_TRACE, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
