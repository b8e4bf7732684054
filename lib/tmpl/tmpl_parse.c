/* SPDX-License-Identifier: MIT */
/*
 * The template parser: builds the AST of a template once, from the
 * tokens of tmpl_lex.c, following Go's text/template/parse grammar
 * (actions, pipelines, control structures, define/template/block).
 * Everything it checks statically, Go checks too: unknown functions,
 * undefined variables, {{break}} outside {{range}}, misplaced {{else}}
 * and {{end}}.  The nodes live in the template's AST arena.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "tmpl_int.h"
#include "xmalloc.h"

struct parser {
	struct tmpl_lexer lx;
	struct tmpl_token tok; /* current token */
	bool have; /* tok was pushed back */
	struct tmpl *t;
	struct tmpl_arena *a;
	char *err;
	size_t errlen;
	bool failed;
	const char **vars;
	size_t nvars, varcap;
	int nest;
	int ranges;
};

enum end_kind {
	END_EOF,
	END_END,
	END_ELSE,
};

static struct tmpl_node *parse_list(struct parser *p, int *endkind);
static struct tmpl_pipe *parse_pipeline(struct parser *p, const char *ctx,
    int endtok, bool allow_decl);

static int perror_at(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perror_at(struct parser *p, size_t pos, const char *fmt, ...)
{
	char msg[TMPL_ERR_MAX];
	va_list ap;
	int line, col;

	if (p->failed)
		return -1;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tmpl_lex_position(p->lx.src, pos, &line, &col);
	snprintf(p->err, p->errlen, "%s:%d:%d: %s", p->t->name, line, col, msg);
	return -1;
}

static void
next(struct parser *p)
{
	if (p->have) {
		p->have = false;
		return;
	}
	tmpl_lex_next(&p->lx, &p->tok);
	if (p->tok.kind == TK_ERROR)
		perror_at(p, p->tok.pos, "%s", p->lx.errmsg);
}

static void
backup(struct parser *p)
{
	p->have = true;
}

static void
next_nonspace(struct parser *p)
{
	do
		next(p);
	while (p->tok.kind == TK_SPACE);
}

static bool
tok_is(const struct tmpl_token *t, const char *word)
{
	return t->kind == TK_IDENT && t->len == strlen(word)
	    && memcmp(t->s, word, t->len) == 0;
}

static const char *
tok_desc(const struct tmpl_token *t)
{
	switch (t->kind) {
	case TK_EOF:
		return "EOF";
	case TK_RIGHT:
		return "right delimiter";
	case TK_RPAREN:
		return "\")\"";
	case TK_PIPE:
		return "\"|\"";
	default:
		return "token";
	}
}

static char *
pdup(struct parser *p, const char *s, size_t n)
{
	return tmpl_arena_strndup(p->a, s, n);
}

static void
var_push(struct parser *p, const char *name)
{
	if (p->nvars == p->varcap) {
		p->varcap = p->varcap ? p->varcap * 2 : 16;
		p->vars = xreallocarray(p->vars, p->varcap, sizeof(*p->vars));
	}
	p->vars[p->nvars++] = name;
}

static bool
var_known(struct parser *p, const char *name, size_t len)
{
	size_t i;

	for (i = p->nvars; i > 0; i--)
		if (strlen(p->vars[i - 1]) == len
		    && memcmp(p->vars[i - 1], name, len) == 0)
			return true;
	return false;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
put_rune(struct buf *b, uint32_t r)
{
	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		r = 0xfffd;
	if (r < 0x80)
		buf_addc(b, (char)r);
	else if (r < 0x800) {
		buf_addc(b, (char)(0xc0 | (r >> 6)));
		buf_addc(b, (char)(0x80 | (r & 0x3f)));
	} else if (r < 0x10000) {
		buf_addc(b, (char)(0xe0 | (r >> 12)));
		buf_addc(b, (char)(0x80 | ((r >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (r & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | (r >> 18)));
		buf_addc(b, (char)(0x80 | ((r >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((r >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (r & 0x3f)));
	}
}

/* Go's strconv.Unquote for "..." and '...' bodies. */
static int
unquote(const char *s, size_t n, char quote, struct buf *b)
{
	size_t i, j, k;
	uint32_t r;
	int v;

	for (i = 0; i < n; i++) {
		if (s[i] != '\\') {
			if (s[i] == quote)
				return -1;
			buf_addc(b, s[i]);
			continue;
		}
		if (++i >= n)
			return -1;
		switch (s[i]) {
		case 'a':
			buf_addc(b, '\a');
			break;
		case 'b':
			buf_addc(b, '\b');
			break;
		case 'f':
			buf_addc(b, '\f');
			break;
		case 'n':
			buf_addc(b, '\n');
			break;
		case 'r':
			buf_addc(b, '\r');
			break;
		case 't':
			buf_addc(b, '\t');
			break;
		case 'v':
			buf_addc(b, '\v');
			break;
		case '\\':
			buf_addc(b, '\\');
			break;
		case '\'':
		case '"':
			if (s[i] != quote)
				return -1;
			buf_addc(b, s[i]);
			break;
		case 'x':
		case 'u':
		case 'U':
			k = s[i] == 'x' ? 2 : s[i] == 'u' ? 4 : 8;
			r = 0;
			for (j = 1; j <= k; j++) {
				if (i + j >= n || (v = hexval(s[i + j])) < 0)
					return -1;
				r = r * 16 + (uint32_t)v;
			}
			if (k == 2)
				buf_addc(b, (char)r);
			else
				put_rune(b, r);
			i += k;
			break;
		default:
			if (s[i] < '0' || s[i] > '7' || i + 2 >= n)
				return -1;
			r = 0;
			for (j = 0; j < 3; j++) {
				if (s[i + j] < '0' || s[i + j] > '7')
					return -1;
				r = r * 8 + (uint32_t)(s[i + j] - '0');
			}
			if (r > 255)
				return -1;
			buf_addc(b, (char)r);
			i += 2;
		}
	}
	return 0;
}

static int
parse_string(struct parser *p, struct tmpl_arg *arg)
{
	struct buf b;
	int ret = -1;

	buf_init(&b, TMPL_SOURCE_MAX);
	if (p->tok.kind == TK_RAWSTRING) {
		arg->lit = tmpl_value_str(pdup(p, p->tok.s + 1, p->tok.len - 2),
		    p->tok.len - 2);
		ret = 0;
		goto out;
	}
	if (unquote(p->tok.s + 1, p->tok.len - 2, '"', &b) == -1) {
		perror_at(p, p->tok.pos, "invalid syntax in string %.*s",
		    (int)p->tok.len, p->tok.s);
		goto out;
	}
	arg->lit = tmpl_value_str(pdup(p, b.data != NULL ? b.data : "", b.len),
	    b.len);
	ret = 0;
out:
	buf_clear(&b);
	return ret;
}

static int
parse_char(struct parser *p, struct tmpl_arg *arg)
{
	struct buf b;
	const unsigned char *u;
	uint32_t r;
	int ret = -1;

	buf_init(&b, 64);
	if (unquote(p->tok.s + 1, p->tok.len - 2, '\'', &b) == -1
	    || b.len == 0) {
		perror_at(p, p->tok.pos, "malformed character constant: %.*s",
		    (int)p->tok.len, p->tok.s);
		goto out;
	}
	u = (const unsigned char *)b.data;
	if (u[0] < 0x80)
		r = u[0];
	else if ((u[0] & 0xe0) == 0xc0 && b.len >= 2)
		r = ((uint32_t)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
	else if ((u[0] & 0xf0) == 0xe0 && b.len >= 3)
		r = ((uint32_t)(u[0] & 0x0f) << 12)
		    | ((uint32_t)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
	else if (b.len >= 4)
		r = ((uint32_t)(u[0] & 0x07) << 18)
		    | ((uint32_t)(u[1] & 0x3f) << 12)
		    | ((uint32_t)(u[2] & 0x3f) << 6) | (u[3] & 0x3f);
	else
		r = u[0];
	arg->lit = tmpl_value_int(r);
	ret = 0;
out:
	buf_clear(&b);
	return ret;
}

static int
bad_number(struct parser *p)
{
	return perror_at(p, p->tok.pos, "bad number syntax: %.*s",
	    (int)p->tok.len, p->tok.s);
}

/*
 * Go number literals: ints (0x, 0o, 0b, octal, _), floats.  Imaginary
 * ones (1i) are refused by name: Go's text/template has complex numbers,
 * but no function of consul-template's takes one and no configuration
 * file wants one printed, so the engine keeps no complex kind.
 */
static int
parse_number(struct parser *p, struct tmpl_arg *arg)
{
	char tmp[128], *end;
	const char *d;
	size_t i, n = 0;
	bool neg = false, isfloat = false, hex = false;
	unsigned long long u;
	int base = 10;
	double f;

	if (p->tok.len > 0 && p->tok.s[p->tok.len - 1] == 'i')
		return perror_at(p, p->tok.pos,
		    "complex constant %.*s: the engine has no complex numbers",
		    (int)p->tok.len, p->tok.s);
	for (i = 0; i < p->tok.len && n + 1 < sizeof(tmp); i++)
		if (p->tok.s[i] != '_')
			tmp[n++] = p->tok.s[i];
	tmp[n] = '\0';
	if (i < p->tok.len)
		return bad_number(p);
	d = tmp;
	if (*d == '+' || *d == '-') {
		neg = *d == '-';
		d++;
	}
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
		hex = true;
		isfloat = strpbrk(d, "pP") != NULL;
	} else
		isfloat = strpbrk(d, ".eE") != NULL;
	if (isfloat) {
		errno = 0;
		f = strtod(tmp, &end);
		if (*end != '\0' || end == tmp)
			return bad_number(p);
		arg->lit = tmpl_value_float(f);
		return 0;
	}
	if (hex) {
		base = 16;
		d += 2;
	} else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
		base = 8;
		d += 2;
	} else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
		base = 2;
		d += 2;
	} else if (d[0] == '0' && d[1] != '\0')
		base = 8;
	if (*d == '\0' || *d == '+' || *d == '-')
		return bad_number(p);
	errno = 0;
	u = strtoull(d, &end, base);
	if (*end != '\0')
		return bad_number(p);
	if (errno == ERANGE || (!neg && u > INT64_MAX)
	    || (neg && u > (unsigned long long)INT64_MAX + 1)) {
		/* Too big for int: it parses, and Go's exec fails when it
		 * is used ("overflows int"); the text is kept for that. */
		arg->lit
		    = tmpl_value_str(pdup(p, p->tok.s, p->tok.len), p->tok.len);
		return 0;
	}
	arg->lit = tmpl_value_int(neg ? (int64_t)(0 - u) : (int64_t)u);
	return 0;
}

/* Field chain directly after an operand (no space): .A.B */
static void
parse_fields(struct parser *p, struct tmpl_arg *arg)
{
	const char *names[64];
	size_t n = 0;

	for (;;) {
		next(p);
		if (p->tok.kind != TK_FIELD || n == 64) {
			backup(p);
			break;
		}
		names[n++] = pdup(p, p->tok.s, p->tok.len);
	}
	if (n == 0)
		return;
	arg->fields = tmpl_arena_alloc(p->a, n * sizeof(*arg->fields));
	memcpy(arg->fields, names, n * sizeof(*names));
	arg->nfields = n;
}

static int
parse_operand(struct parser *p, struct tmpl_arg *arg)
{
	int line, col;

	memset(arg, 0, sizeof(*arg));
	tmpl_lex_position(p->lx.src, p->tok.pos, &line, &col);
	arg->line = line;
	arg->col = col;
	switch (p->tok.kind) {
	case TK_IDENT:
		arg->func = tmpl_func_lookup(p->tok.s, p->tok.len);
		if (arg->func == NULL)
			return perror_at(p, p->tok.pos,
			    "function \"%.*s\" not defined", (int)p->tok.len,
			    p->tok.s);
		arg->kind = TA_FUNC;
		parse_fields(p, arg);
		if (arg->nfields > 0)
			arg->kind = TA_CHAIN_FUNC;
		return 0;
	case TK_DOT:
		arg->kind = TA_DOT;
		return 0;
	case TK_NIL:
		arg->kind = TA_NIL;
		return 0;
	case TK_BOOL:
		arg->kind = TA_BOOL;
		arg->lit = tmpl_value_bool(p->tok.len == 4);
		return 0;
	case TK_NUMBER:
		arg->kind = TA_NUM;
		return parse_number(p, arg);
	case TK_CHAR:
		arg->kind = TA_NUM;
		return parse_char(p, arg);
	case TK_STRING:
	case TK_RAWSTRING:
		arg->kind = TA_STR;
		return parse_string(p, arg);
	case TK_VAR:
		if (!var_known(p, p->tok.s, p->tok.len))
			return perror_at(p, p->tok.pos,
			    "undefined variable \"%.*s\"", (int)p->tok.len,
			    p->tok.s);
		arg->kind = TA_VAR;
		arg->varname = pdup(p, p->tok.s, p->tok.len);
		parse_fields(p, arg);
		return 0;
	case TK_FIELD:
		arg->kind = TA_FIELD;
		backup(p);
		parse_fields(p, arg);
		return 0;
	case TK_LPAREN:
		if (++p->nest > TMPL_MAX_NEST)
			return perror_at(p, p->tok.pos, "nesting too deep");
		arg->kind = TA_PIPE;
		arg->pipe = parse_pipeline(p, "parenthesized pipeline",
		    TK_RPAREN, false);
		p->nest--;
		if (arg->pipe == NULL)
			return -1;
		parse_fields(p, arg);
		return 0;
	default:
		return perror_at(p, p->tok.pos, "unexpected %s in operand",
		    tok_desc(&p->tok));
	}
}

static int
parse_command(struct parser *p, struct tmpl_cmd *cmd, int endtok)
{
	struct tmpl_arg args[64];
	size_t n = 0, start;
	int line, col;

	next_nonspace(p);
	start = p->tok.pos;
	tmpl_lex_position(p->lx.src, start, &line, &col);
	cmd->line = line;
	cmd->col = col;
	for (;;) {
		if (p->failed)
			return -1;
		if (p->tok.kind == endtok || p->tok.kind == TK_PIPE) {
			backup(p);
			break;
		}
		if (n == 64)
			return perror_at(p, p->tok.pos, "too many arguments");
		if (parse_operand(p, &args[n]) == -1)
			return -1;
		n++;
		next(p);
		if (p->tok.kind == TK_SPACE)
			next_nonspace(p);
		else if (p->tok.kind != endtok && p->tok.kind != TK_PIPE)
			return perror_at(p, p->tok.pos,
			    "unexpected %s in operand", tok_desc(&p->tok));
	}
	if (n == 0)
		return perror_at(p, p->tok.pos, "empty command");
	cmd->args = tmpl_arena_alloc(p->a, n * sizeof(*args));
	memcpy(cmd->args, args, n * sizeof(*args));
	cmd->nargs = n;
	cmd->src = p->lx.src + start;
	cmd->srclen = p->tok.pos > start ? p->tok.pos - start : 0;
	while (cmd->srclen > 0
	    && (cmd->src[cmd->srclen - 1] == ' '
		|| cmd->src[cmd->srclen - 1] == '\t'
		|| cmd->src[cmd->srclen - 1] == '\n'))
		cmd->srclen--;
	return 0;
}

/* Pipeline up to endtok (TK_RIGHT or TK_RPAREN, consumed). */
static struct tmpl_pipe *
parse_pipeline(struct parser *p, const char *ctx, int endtok, bool allow_decl)
{
	struct tmpl_cmd cmds[64];
	struct tmpl_pipe *pipe;
	struct tmpl_lexer save;
	struct tmpl_token savetok;
	size_t n = 0, i, start;
	int line, col;

	pipe = tmpl_arena_calloc(p->a, 1, sizeof(*pipe));
	next_nonspace(p);
	start = p->tok.pos;
	tmpl_lex_position(p->lx.src, start, &line, &col);
	pipe->line = line;
	pipe->col = col;
	if (p->tok.kind == TK_VAR && endtok == TK_RIGHT) {
		/* Maybe a declaration: $x := or $x = or $i, $v := */
		save = p->lx;
		savetok = p->tok;
		pipe->vars[0] = pdup(p, p->tok.s, p->tok.len);
		pipe->nvars = 1;
		next_nonspace(p);
		if (p->tok.kind == TK_COMMA && allow_decl) {
			next_nonspace(p);
			if (p->tok.kind != TK_VAR) {
				perror_at(p, p->tok.pos,
				    "range can only initialize variables");
				return NULL;
			}
			pipe->vars[1] = pdup(p, p->tok.s, p->tok.len);
			pipe->nvars = 2;
			next_nonspace(p);
			if (p->tok.kind != TK_DECLARE
			    && p->tok.kind != TK_ASSIGN) {
				perror_at(p, p->tok.pos,
				    "expected := or = in range");
				return NULL;
			}
		}
		if (p->tok.kind == TK_DECLARE || p->tok.kind == TK_ASSIGN) {
			pipe->decl = p->tok.kind == TK_DECLARE;
			pipe->assign = !pipe->decl;
			for (i = 0; i < pipe->nvars; i++) {
				if (pipe->assign
				    && !var_known(p, pipe->vars[i],
					strlen(pipe->vars[i]))) {
					perror_at(p, p->tok.pos,
					    "undefined variable \"%s\"",
					    pipe->vars[i]);
					return NULL;
				}
			}
		} else {
			p->lx = save;
			p->tok = savetok;
			pipe->nvars = 0;
			backup(p);
		}
	} else
		backup(p);
	if (p->failed)
		return NULL;
	for (;;) {
		if (n == 64) {
			perror_at(p, p->tok.pos, "too many commands");
			return NULL;
		}
		if (parse_command(p, &cmds[n], endtok) == -1)
			return NULL;
		n++;
		next_nonspace(p);
		if (p->tok.kind == endtok)
			break;
		if (p->tok.kind != TK_PIPE) {
			perror_at(p, p->tok.pos, "unexpected %s in %s",
			    tok_desc(&p->tok), ctx);
			return NULL;
		}
	}
	if (pipe->decl)
		for (i = 0; i < pipe->nvars; i++)
			var_push(p, pipe->vars[i]);
	/* Literals cannot be commands after the first stage. */
	for (i = 1; i < n; i++) {
		switch (cmds[i].args[0].kind) {
		case TA_BOOL:
		case TA_DOT:
		case TA_NIL:
		case TA_NUM:
		case TA_STR:
			perror_at(p, start,
			    "non executable command in pipeline stage %zu",
			    i + 1);
			return NULL;
		default:
			break;
		}
	}
	pipe->cmds = tmpl_arena_alloc(p->a, n * sizeof(*cmds));
	memcpy(pipe->cmds, cmds, n * sizeof(*cmds));
	pipe->ncmds = n;
	return pipe;
}

static struct tmpl_node *
new_node(struct parser *p, int kind, size_t pos)
{
	struct tmpl_node *n;
	int line, col;

	n = tmpl_arena_calloc(p->a, 1, sizeof(*n));
	n->kind = (uint8_t)kind;
	tmpl_lex_position(p->lx.src, pos, &line, &col);
	n->line = line;
	n->col = col;
	return n;
}

/* After the keyword: pipeline, list, optional else, end. */
static struct tmpl_node *
parse_control(struct parser *p, int kind, size_t pos, const char *ctx)
{
	struct tmpl_node *n;
	size_t mark = p->nvars;
	int endkind;

	if (++p->nest > TMPL_MAX_NEST) {
		perror_at(p, pos, "nesting too deep");
		return NULL;
	}
	n = new_node(p, kind, pos);
	n->pipe = parse_pipeline(p, ctx, TK_RIGHT, kind == TN_RANGE);
	if (n->pipe == NULL)
		return NULL;
	if (kind == TN_RANGE)
		p->ranges++;
	n->list = parse_list(p, &endkind);
	if (kind == TN_RANGE)
		p->ranges--;
	if (p->failed)
		return NULL;
	if (endkind == END_EOF) {
		perror_at(p, p->lx.len, "unexpected EOF");
		return NULL;
	}
	if (endkind == END_ELSE) {
		/* {{else if ...}} / {{else with ...}} chain. */
		next_nonspace(p);
		if ((kind == TN_IF && tok_is(&p->tok, "if"))
		    || (kind == TN_WITH && tok_is(&p->tok, "with"))) {
			p->nvars = mark;
			n->elselist = parse_control(p, kind, p->tok.pos, ctx);
			p->nest--;
			p->nvars = mark;
			return n->elselist != NULL ? n : NULL;
		}
		if (p->tok.kind != TK_RIGHT) {
			perror_at(p, p->tok.pos, "unexpected %s in else",
			    tok_desc(&p->tok));
			return NULL;
		}
		p->nvars = mark;
		n->elselist = parse_list(p, &endkind);
		if (p->failed)
			return NULL;
		if (endkind != END_END) {
			perror_at(p, p->lx.pos,
			    endkind == END_EOF ? "unexpected EOF"
					       : "expected end; found else");
			return NULL;
		}
		if (n->elselist == NULL)
			n->elselist = new_node(p, TN_TEXT, pos);
	}
	p->nvars = mark;
	p->nest--;
	return n;
}

/* Go's parse.IsEmptyTree: nothing but white space. */
static bool
tree_empty(const struct tmpl_node *n)
{
	size_t i;

	for (; n != NULL; n = n->next) {
		if (n->kind != TN_TEXT)
			return false;
		for (i = 0; i < n->textlen; i++)
			if (n->text[i] != ' ' && n->text[i] != '\t'
			    && n->text[i] != '\r' && n->text[i] != '\n')
				return false;
	}
	return true;
}

/*
 * Registers a definition.  As in Go, an empty definition never replaces
 * another one, and two non-empty definitions of a name are an error.
 */
static int
add_def(struct parser *p, const char *name, struct tmpl_node *body, size_t pos)
{
	struct tmpl_def *d;

	for (d = p->t->defs; d != NULL; d = d->next)
		if (strcmp(d->name, name) == 0) {
			if (tree_empty(body))
				return 0;
			if (!tree_empty(d->body))
				return perror_at(p, pos,
				    "template: multiple definition of "
				    "template \"%s\"",
				    name);
			d->body = body;
			return 0;
		}
	d = tmpl_arena_calloc(p->a, 1, sizeof(*d));
	d->name = name;
	d->body = body;
	d->next = p->t->defs;
	p->t->defs = d;
	return 0;
}

static const char *
parse_name(struct parser *p, const char *ctx)
{
	struct tmpl_arg arg;

	next_nonspace(p);
	if (p->tok.kind != TK_STRING && p->tok.kind != TK_RAWSTRING) {
		perror_at(p, p->tok.pos, "unexpected %s in %s",
		    tok_desc(&p->tok), ctx);
		return NULL;
	}
	memset(&arg, 0, sizeof(arg));
	if (parse_string(p, &arg) == -1)
		return NULL;
	return arg.lit.u.s;
}

/* {{define "name"}} ... {{end}} and {{block "name" pipe}} ... {{end}} */
static struct tmpl_node *
parse_define(struct parser *p, bool block, size_t pos)
{
	struct tmpl_node *body, *n = NULL;
	const char *name;
	size_t mark = p->nvars;
	int endkind;

	name = parse_name(p, block ? "block clause" : "define clause");
	if (name == NULL)
		return NULL;
	if (block) {
		n = new_node(p, TN_TEMPLATE, pos);
		n->name = name;
		n->pipe = parse_pipeline(p, "block clause", TK_RIGHT, false);
		if (n->pipe == NULL)
			return NULL;
	} else {
		next_nonspace(p);
		if (p->tok.kind != TK_RIGHT) {
			perror_at(p, p->tok.pos,
			    "unexpected %s in define clause",
			    tok_desc(&p->tok));
			return NULL;
		}
	}
	/* A definition has its own variables: only $ is visible. */
	p->nvars = 0;
	var_push(p, "$");
	body = parse_list(p, &endkind);
	p->nvars = mark;
	if (p->failed)
		return NULL;
	if (endkind != END_END) {
		perror_at(p, p->lx.pos, "unexpected %s in %s",
		    endkind == END_EOF ? "EOF" : "{{else}}",
		    block ? "block clause" : "define clause");
		return NULL;
	}
	if (add_def(p, name, body != NULL ? body : new_node(p, TN_TEXT, pos),
		pos)
	    == -1)
		return NULL;
	return n;
}

static struct tmpl_node *
parse_template(struct parser *p, size_t pos)
{
	struct tmpl_node *n;

	n = new_node(p, TN_TEMPLATE, pos);
	n->name = parse_name(p, "template clause");
	if (n->name == NULL)
		return NULL;
	next_nonspace(p);
	if (p->tok.kind == TK_RIGHT)
		return n;
	backup(p);
	n->pipe = parse_pipeline(p, "template clause", TK_RIGHT, false);
	return n->pipe != NULL ? n : NULL;
}

static struct tmpl_node *
parse_simple(struct parser *p, int kind, size_t pos, const char *word)
{
	next_nonspace(p);
	if (p->tok.kind != TK_RIGHT) {
		perror_at(p, p->tok.pos, "unexpected %s in {{%s}}",
		    tok_desc(&p->tok), word);
		return NULL;
	}
	if (p->ranges == 0) {
		perror_at(p, pos, "{{%s}} outside {{range}}", word);
		return NULL;
	}
	return new_node(p, kind, pos);
}

/*
 * An action after its left delimiter.  Returns a node, or NULL with
 * *endkind set for {{end}} / {{else}}, or NULL on error (p->failed),
 * or NULL for a definition (nothing to add).
 */
static struct tmpl_node *
parse_action(struct parser *p, int *endkind, bool *skip)
{
	struct tmpl_node *n;
	size_t pos;

	*skip = false;
	next_nonspace(p);
	pos = p->tok.pos;
	if (p->tok.kind == TK_IDENT) {
		if (tok_is(&p->tok, "end")) {
			next_nonspace(p);
			if (p->tok.kind != TK_RIGHT) {
				perror_at(p, p->tok.pos, "unexpected %s in end",
				    tok_desc(&p->tok));
				return NULL;
			}
			*endkind = END_END;
			return NULL;
		}
		if (tok_is(&p->tok, "else")) {
			*endkind = END_ELSE;
			return NULL;
		}
		if (tok_is(&p->tok, "if"))
			return parse_control(p, TN_IF, pos, "if");
		if (tok_is(&p->tok, "range"))
			return parse_control(p, TN_RANGE, pos, "range");
		if (tok_is(&p->tok, "with"))
			return parse_control(p, TN_WITH, pos, "with");
		if (tok_is(&p->tok, "template"))
			return parse_template(p, pos);
		if (tok_is(&p->tok, "break"))
			return parse_simple(p, TN_BREAK, pos, "break");
		if (tok_is(&p->tok, "continue"))
			return parse_simple(p, TN_CONTINUE, pos, "continue");
		if (tok_is(&p->tok, "block")) {
			n = parse_define(p, true, pos);
			return n;
		}
		if (tok_is(&p->tok, "define")) {
			if (p->nest > 0) {
				perror_at(p, pos,
				    "unexpected <define> in "
				    "command");
				return NULL;
			}
			parse_define(p, false, pos);
			*skip = true;
			return NULL;
		}
	}
	backup(p);
	n = new_node(p, TN_ACTION, pos);
	n->pipe = parse_pipeline(p, "command", TK_RIGHT, false);
	return n->pipe != NULL ? n : NULL;
}

/* Nodes until EOF, {{end}} or {{else}} (reported in endkind). */
static struct tmpl_node *
parse_list(struct parser *p, int *endkind)
{
	struct tmpl_node *head = NULL, **tail = &head, *n;
	bool skip;

	*endkind = END_EOF;
	for (;;) {
		next(p);
		if (p->failed)
			return NULL;
		if (p->tok.kind == TK_EOF)
			return head;
		if (p->tok.kind == TK_TEXT) {
			n = new_node(p, TN_TEXT, p->tok.pos);
			n->text = p->tok.s;
			n->textlen = p->tok.len;
		} else if (p->tok.kind == TK_LEFT) {
			n = parse_action(p, endkind, &skip);
			if (p->failed)
				return NULL;
			if (n == NULL) {
				if (skip || *endkind == END_EOF)
					continue;
				return head;
			}
		} else {
			perror_at(p, p->tok.pos, "unexpected %s",
			    tok_desc(&p->tok));
			return NULL;
		}
		*tail = n;
		tail = &n->next;
	}
}

struct tmpl *
tmpl_parse(const char *name, const char *text, size_t len,
    const struct tmpl_parse_opts *opts, char *err, size_t errlen)
{
	struct parser p;
	struct tmpl *t, *ret = NULL;
	const char *ld = "{{", *rd = "}}";
	int endkind;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name != NULL ? name : "");
	tmpl_arena_init(&t->ast, TMPL_ARENA_MAX);
	tmpl_arena_init(&t->run, TMPL_ARENA_MAX);
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.a = &t->ast;
	p.err = err;
	p.errlen = errlen;
	if (len > TMPL_SOURCE_MAX) {
		snprintf(err, errlen, "%s: template larger than %zu bytes",
		    t->name, TMPL_SOURCE_MAX);
		goto out;
	}
	t->text = xmalloc(len + 1);
	if (len > 0)
		memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->textlen = len;
	if (opts != NULL) {
		if (opts->left_delim != NULL && opts->left_delim[0] != '\0')
			ld = opts->left_delim;
		if (opts->right_delim != NULL && opts->right_delim[0] != '\0')
			rd = opts->right_delim;
		t->missing_error = opts->error_on_missing_key;
		if (opts->sandbox_path != NULL && opts->sandbox_path[0] != '\0')
			t->sandbox = xstrdup(opts->sandbox_path);
	}
	tmpl_lex_init(&p.lx, t->text, len, ld, rd);
	var_push(&p, "$");
	t->root = parse_list(&p, &endkind);
	if (!p.failed && endkind != END_EOF)
		perror_at(&p, p.tok.pos, "unexpected {{%s}}",
		    endkind == END_END ? "end" : "else");
	if (p.failed)
		goto out;
	ret = t;
	t = NULL;
out:
	free(p.vars);
	tmpl_free(t);
	return ret;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	tmpl_regex_cache_free(t->regex);
	tmpl_arena_free(&t->ast);
	tmpl_arena_free(&t->run);
	free(t->name);
	free(t->text);
	free(t->sandbox);
	free(t);
}
