/* SPDX-License-Identifier: MIT */
/*
 * Growable byte buffers with a cap (curl's dynbuf).  Every buffer is given
 * a maximum size when it is initialised, named after its use (for example
 * BUF_MAX_CONSUL_BODY); growing past it fails instead of eating memory.
 * The contents are always NUL-terminated, so buf_str() can be passed to
 * string functions.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until the first byte */
	size_t len;
	size_t cap;
	size_t max; /* len never exceeds this */
};

#define BUF_INITIALIZER(maxlen)      \
	{                            \
		NULL, 0, 0, (maxlen) \
	}

void buf_init(struct buf *b, size_t max);
/*
 * Appends; returns 0, or -1 when the result would exceed the cap, in which
 * case the buffer is left as it was.
 */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Borrowed view, valid until the next change; "" when empty. */
const char *buf_str(const struct buf *b);
/* Empties the buffer and keeps its memory for reuse. */
void buf_reset(struct buf *b);
/* Releases the memory; the buffer can be used again afterwards. */
void buf_clear(struct buf *b);
/*
 * Hands the contents to the caller (free(3) them) and leaves the buffer
 * empty.  Never returns NULL: an empty buffer gives "".
 */
char *buf_take(struct buf *b, size_t *lenp);

#endif
