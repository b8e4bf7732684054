/* SPDX-License-Identifier: MIT */
/*
 * The template lexer: splits source text into text runs and the tokens
 * of actions, following Go's text/template/parse lexer.  It applies the
 * trim markers ("{{- " and " -}}") itself by shortening or skipping the
 * neighbouring text, and drops comment actions, so the parser never
 * sees them.  It is pulled one token at a time by tmpl_parse.c.
 */
#include <ctype.h>
#include <string.h>

#include "tmpl_int.h"

void
tmpl_lex_init(struct tmpl_lexer *l, const char *src, size_t len,
    const char *ldelim, const char *rdelim)
{
	memset(l, 0, sizeof(*l));
	l->src = src;
	l->len = len;
	l->ldelim = ldelim;
	l->rdelim = rdelim;
	l->ldlen = strlen(ldelim);
	l->rdlen = strlen(rdelim);
}

void
tmpl_lex_position(const char *src, size_t pos, int *line, int *col)
{
	size_t i, start = 0;
	int n = 1;

	for (i = 0; i < pos; i++)
		if (src[i] == '\n') {
			n++;
			start = i + 1;
		}
	*line = n;
	*col = (int)(pos - start);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alnum(char c)
{
	return c == '_' || isalnum((unsigned char)c)
	    || (unsigned char)c >= 0x80;
}

static bool
at(const struct tmpl_lexer *l, size_t pos, const char *s, size_t n)
{
	return n > 0 && pos + n <= l->len && memcmp(l->src + pos, s, n) == 0;
}

/* Right trim marker: " -" followed by the right delimiter. */
static bool
at_right(const struct tmpl_lexer *l, size_t pos, bool *trim)
{
	if (pos + 2 <= l->len && is_space(l->src[pos]) && l->src[pos + 1] == '-'
	    && at(l, pos + 2, l->rdelim, l->rdlen)) {
		*trim = true;
		return true;
	}
	*trim = false;
	return at(l, pos, l->rdelim, l->rdlen);
}

static void
emit(struct tmpl_lexer *l, struct tmpl_token *t, int kind, size_t start,
    size_t end)
{
	t->kind = kind;
	t->s = l->src + start;
	t->len = end - start;
	t->pos = start;
}

static void
lex_error(struct tmpl_lexer *l, struct tmpl_token *t, const char *msg)
{
	l->errmsg = msg;
	emit(l, t, TK_ERROR, l->pos, l->pos);
	l->pos = l->len;
}

/*
 * Text up to the next action.  Comments are skipped here, together with
 * the text trimmed around them.
 */
static void
lex_text(struct tmpl_lexer *l, struct tmpl_token *t)
{
	size_t start, end, p, q;
	bool ltrim, rtrim;
	const char *d;

	for (;;) {
		start = l->pos;
		if (l->trim_next) {
			while (start < l->len && is_space(l->src[start]))
				start++;
			l->trim_next = false;
			l->pos = start;
		}
		if (start >= l->len) {
			emit(l, t, TK_EOF, l->len, l->len);
			return;
		}
		d = memmem(l->src + start, l->len - start, l->ldelim, l->ldlen);
		p = d != NULL ? (size_t)(d - l->src) : l->len;
		end = p;
		ltrim = d != NULL && p + l->ldlen + 1 < l->len
		    && l->src[p + l->ldlen] == '-'
		    && is_space(l->src[p + l->ldlen + 1]);
		if (ltrim)
			while (end > start && is_space(l->src[end - 1]))
				end--;
		if (end > start) {
			/* Emit the text; the action is lexed next time. */
			emit(l, t, TK_TEXT, start, end);
			l->pos = p;
			return;
		}
		if (d == NULL) {
			emit(l, t, TK_EOF, l->len, l->len);
			return;
		}
		/* At a left delimiter. */
		q = p + l->ldlen + (ltrim ? 2 : 0);
		if (at(l, q, "/*", 2)) {
			d = memmem(l->src + q + 2, l->len - q - 2, "*/", 2);
			if (d == NULL) {
				l->pos = q;
				lex_error(l, t, "unclosed comment");
				return;
			}
			q = (size_t)(d - l->src) + 2;
			if (!at_right(l, q, &rtrim)) {
				l->pos = q;
				lex_error(l, t,
				    "comment ends before closing delimiter");
				return;
			}
			l->pos = q + (rtrim ? 2 : 0) + l->rdlen;
			l->trim_next = rtrim;
			continue;
		}
		emit(l, t, TK_LEFT, p, q);
		l->pos = q;
		l->in_action = true;
		l->parens = 0;
		return;
	}
}

static void
lex_quote(struct tmpl_lexer *l, struct tmpl_token *t)
{
	size_t start = l->pos, p = l->pos + 1;

	for (;;) {
		if (p >= l->len || l->src[p] == '\n') {
			lex_error(l, t, "unterminated quoted string");
			return;
		}
		if (l->src[p] == '\\') {
			p += 2;
			continue;
		}
		if (l->src[p] == '"')
			break;
		p++;
	}
	emit(l, t, TK_STRING, start, p + 1);
	l->pos = p + 1;
}

static void
lex_number(struct tmpl_lexer *l, struct tmpl_token *t)
{
	size_t p = l->pos;

	if (l->src[p] == '+' || l->src[p] == '-')
		p++;
	while (p < l->len
	    && (is_alnum(l->src[p]) || l->src[p] == '.'
		|| ((l->src[p] == '+' || l->src[p] == '-')
		    && strchr("eEpP", l->src[p - 1]) != NULL
		    && !(l->src[p - 1] == 'e' && p >= 2
			&& (l->src[p - 2] == 'x' || l->src[p - 2] == 'X')))))
		p++;
	emit(l, t, TK_NUMBER, l->pos, p);
	l->pos = p;
}

void
tmpl_lex_next(struct tmpl_lexer *l, struct tmpl_token *t)
{
	size_t p, start;
	bool rtrim;
	char c;

	if (!l->in_action) {
		lex_text(l, t);
		return;
	}
	p = l->pos;
	if (at_right(l, p, &rtrim)) {
		if (l->parens > 0) {
			lex_error(l, t, "unclosed left paren");
			return;
		}
		start = p;
		p += (rtrim ? 2 : 0) + l->rdlen;
		emit(l, t, TK_RIGHT, start, p);
		l->pos = p;
		l->in_action = false;
		l->trim_next = rtrim;
		return;
	}
	if (p >= l->len) {
		lex_error(l, t, "unclosed action");
		return;
	}
	c = l->src[p];
	start = p;
	if (is_space(c)) {
		while (p < l->len && is_space(l->src[p])
		    && !at_right(l, p, &rtrim))
			p++;
		emit(l, t, TK_SPACE, start, p);
		l->pos = p;
		return;
	}
	switch (c) {
	case '=':
		emit(l, t, TK_ASSIGN, p, p + 1);
		l->pos = p + 1;
		return;
	case ':':
		if (p + 1 < l->len && l->src[p + 1] == '=') {
			emit(l, t, TK_DECLARE, p, p + 2);
			l->pos = p + 2;
			return;
		}
		lex_error(l, t, "expected :=");
		return;
	case '|':
		emit(l, t, TK_PIPE, p, p + 1);
		l->pos = p + 1;
		return;
	case ',':
		emit(l, t, TK_COMMA, p, p + 1);
		l->pos = p + 1;
		return;
	case '(':
		l->parens++;
		emit(l, t, TK_LPAREN, p, p + 1);
		l->pos = p + 1;
		return;
	case ')':
		if (--l->parens < 0) {
			lex_error(l, t, "unexpected right paren");
			return;
		}
		emit(l, t, TK_RPAREN, p, p + 1);
		l->pos = p + 1;
		return;
	case '"':
		lex_quote(l, t);
		return;
	case '`':
		p++;
		while (p < l->len && l->src[p] != '`')
			p++;
		if (p >= l->len) {
			lex_error(l, t, "unterminated raw quoted string");
			return;
		}
		emit(l, t, TK_RAWSTRING, start, p + 1);
		l->pos = p + 1;
		return;
	case '\'':
		p++;
		while (p < l->len && l->src[p] != '\'' && l->src[p] != '\n') {
			if (l->src[p] == '\\')
				p++;
			p++;
		}
		if (p >= l->len || l->src[p] != '\'') {
			lex_error(l, t, "unterminated character constant");
			return;
		}
		emit(l, t, TK_CHAR, start, p + 1);
		l->pos = p + 1;
		return;
	case '$':
		p++;
		while (p < l->len && is_alnum(l->src[p]))
			p++;
		emit(l, t, TK_VAR, start, p);
		l->pos = p;
		return;
	case '.':
		if (p + 1 < l->len && isdigit((unsigned char)l->src[p + 1])) {
			lex_number(l, t);
			return;
		}
		p++;
		if (p < l->len && is_alnum(l->src[p])) {
			while (p < l->len && is_alnum(l->src[p]))
				p++;
			emit(l, t, TK_FIELD, start + 1, p);
			t->pos = start;
			l->pos = p;
			return;
		}
		emit(l, t, TK_DOT, start, p);
		l->pos = p;
		return;
	default:
		break;
	}
	if (isdigit((unsigned char)c)
	    || ((c == '-' || c == '+') && p + 1 < l->len
		&& (isdigit((unsigned char)l->src[p + 1])
		    || l->src[p + 1] == '.'))) {
		lex_number(l, t);
		return;
	}
	if (is_alnum(c)) {
		while (p < l->len && is_alnum(l->src[p]))
			p++;
		emit(l, t, TK_IDENT, start, p);
		if (t->len == 4 && memcmp(t->s, "true", 4) == 0)
			t->kind = TK_BOOL;
		else if (t->len == 5 && memcmp(t->s, "false", 5) == 0)
			t->kind = TK_BOOL;
		else if (t->len == 3 && memcmp(t->s, "nil", 3) == 0)
			t->kind = TK_NIL;
		l->pos = p;
		return;
	}
	lex_error(l, t, "unrecognized character in action");
}
