/* SPDX-License-Identifier: MIT */
/*
 * Allocation that never returns NULL: on exhaustion the process logs the
 * size asked for and exits (tmux xmalloc.c, redis zmalloc_oom), so no call
 * site checks.  Every pointer returned is owned by the caller and released
 * with free(3).
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* Resizes ptr (which may be NULL) to nmemb * size, checking the product. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* Copies at most n bytes of s and always terminates the copy. */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Routes cJSON's allocations through xmalloc; call once at start-up. */
void xmalloc_init_cjson(void);

#endif
