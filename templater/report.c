/* SPDX-License-Identifier: MIT */
/*
 * Failure reports as Sentry events.  render.c and out.c hand every
 * failure (a template that does not execute, a destination that cannot be
 * written, a check that refuses the candidate, a reload command that
 * fails, a rollback that fails) to the report hook after logging it;
 * templater.c passes it here, and the event built from it goes to the
 * Sentry transport.  An event carries the template, destination, command,
 * exit status, the tail of the command's output and a short diff of what
 * the new content changed, and is grouped by {template, failure kind}.
 * Everything here is pure: the transport is templater.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "sentry.h"
#include "xmalloc.h"

#include "templater.h"

const char *
report_kind_name(enum report_kind kind)
{
	switch (kind) {
	case REPORT_RENDER:
		return "render";
	case REPORT_WRITE:
		return "write";
	case REPORT_CHECK:
		return "check";
	case REPORT_COMMAND:
		return "command";
	case REPORT_ROLLBACK:
		return "rollback";
	case REPORT_HELD:
		return "held";
	}
	return "unknown";
}

/* Line starts of text: lines[i] .. lines[i + 1] (the last ends at len). */
struct report_lines {
	const char *text;
	size_t len;
	size_t *start;
	size_t n;
};

static void
report_lines_split(struct report_lines *l, const char *text, size_t len)
{
	size_t i, cap = 16;

	l->text = text != NULL ? text : "";
	l->len = text != NULL ? len : 0;
	l->start = xcalloc(cap, sizeof(*l->start));
	l->n = 0;
	for (i = 0; i < l->len; i++) {
		if (i != 0 && l->text[i - 1] != '\n')
			continue;
		if (l->n == cap) {
			cap *= 2;
			l->start
			    = xreallocarray(l->start, cap, sizeof(*l->start));
		}
		l->start[l->n++] = i;
	}
}

/* Line i without its newline. */
static size_t
report_line(const struct report_lines *l, size_t i, const char **p)
{
	size_t end = i + 1 < l->n ? l->start[i + 1] : l->len;

	*p = l->text + l->start[i];
	if (end > l->start[i] && l->text[end - 1] == '\n')
		end--;
	return end - l->start[i];
}

static bool
report_line_eq(const struct report_lines *a, size_t i,
    const struct report_lines *b, size_t j)
{
	const char *pa, *pb;
	size_t na = report_line(a, i, &pa), nb = report_line(b, j, &pb);

	return na == nb && memcmp(pa, pb, na) == 0;
}

int
report_diff(const char *a, size_t alen, const char *b, size_t blen,
    size_t max_lines, struct buf *out)
{
	struct report_lines la, lb;
	size_t pre = 0, suf = 0, i, shown = 0, total;
	int ret = -1;

	report_lines_split(&la, a, alen);
	report_lines_split(&lb, b, blen);
	while (pre < la.n && pre < lb.n && report_line_eq(&la, pre, &lb, pre))
		pre++;
	while (suf < la.n - pre && suf < lb.n - pre
	    && report_line_eq(&la, la.n - 1 - suf, &lb, lb.n - 1 - suf))
		suf++;
	total = (la.n - pre - suf) + (lb.n - pre - suf);
	if (total == 0) {
		ret = buf_addstr(out, "(no change)\n");
		goto out;
	}
	if (buf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", pre + 1,
		la.n - pre - suf, pre + 1, lb.n - pre - suf)
	    == -1)
		goto out;
	for (i = pre; i < la.n - suf && shown < max_lines; i++, shown++) {
		const char *p;
		size_t n = report_line(&la, i, &p);

		if (buf_addf(out, "-%.*s\n", (int)n, p) == -1)
			goto out;
	}
	for (i = pre; i < lb.n - suf && shown < max_lines; i++, shown++) {
		const char *p;
		size_t n = report_line(&lb, i, &p);

		if (buf_addf(out, "+%.*s\n", (int)n, p) == -1)
			goto out;
	}
	if (shown < total
	    && buf_addf(out, "[... %zu more changed lines]\n", total - shown)
		== -1)
		goto out;
	ret = 0;
out:
	free(la.start);
	free(lb.start);
	return ret;
}

struct sentry_event *
report_event(const struct report *r, const char *host)
{
	struct sentry_event *ev;
	struct buf diff = BUF_INITIALIZER(REPORT_DIFF_MAX);
	const char *kind = report_kind_name(r->kind);
	char msg[1024], num[16], err[SENTRY_ERR_MAX];
	cJSON *ctx;
	char *tail;

	/* A hold is not a failure: the other dependencies were written. */
	(void)snprintf(msg, sizeof(msg),
	    r->kind == REPORT_HELD ? "template %s: %s: %s"
				   : "template %s: %s failed: %s",
	    r->template, kind, r->message != NULL ? r->message : "");
	ev = sentry_event_new(SENTRY_LEVEL_ERROR, "templater", msg);
	sentry_event_set_exception(ev, "TemplateFailure", msg, kind, true);
	if (host != NULL && host[0] != '\0') {
		sentry_event_set_server_name(ev, host);
		(void)sentry_event_set_tag(ev, "host", host);
	}
	sentry_event_add_fingerprint(ev, "templater");
	sentry_event_add_fingerprint(ev, r->template);
	sentry_event_add_fingerprint(ev, kind);
	(void)sentry_event_set_tag(ev, "template", r->template);
	(void)sentry_event_set_tag(ev, "kind", kind);
	if (r->exit_status != -1) {
		(void)snprintf(num, sizeof(num), "%d", r->exit_status);
		(void)sentry_event_set_tag(ev, "exit_status", num);
	}

	ctx = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx, "name", r->template);
	if (r->destination != NULL)
		cJSON_AddStringToObject(ctx, "destination", r->destination);
	if (r->command != NULL)
		cJSON_AddStringToObject(ctx, "command", r->command);
	if (r->exit_status != -1)
		cJSON_AddNumberToObject(ctx, "exit_status", r->exit_status);
	cJSON_AddBoolToObject(ctx, "timed_out", r->timed_out);
	if (r->message != NULL)
		cJSON_AddStringToObject(ctx, "message", r->message);
	/* A context or extra that cannot fit is dropped: the rest is sent. */
	(void)sentry_event_set_context(ev, "template", ctx, err, sizeof(err));
	if (r->output != NULL && r->output[0] != '\0') {
		tail = sentry_truncate_tail(r->output, REPORT_OUTPUT_MAX);
		(void)sentry_event_set_extra(ev, "output",
		    cJSON_CreateString(tail), err, sizeof(err));
		free(tail);
	}
	if (r->candidate != NULL) {
		/* Past the cap, the diff keeps its first lines. */
		(void)report_diff(r->previous, r->previous_len, r->candidate,
		    r->candidate_len, REPORT_DIFF_LINES, &diff);
		(void)sentry_event_set_extra(ev, "diff",
		    cJSON_CreateString(buf_str(&diff)), err, sizeof(err));
	}
	buf_clear(&diff);
	return ev;
}
