/* SPDX-License-Identifier: MIT */
/*
 * The template engine's bump allocator.  A parsed template keeps its AST
 * in one arena and reuses a second one for every execution, so rendering
 * does not call malloc once per value: chunks are kept between runs and
 * only grow when a run needs more than the previous one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"
#include "xmalloc.h"

#define ARENA_CHUNK ((size_t)64 << 10)

struct tmpl_arena_chunk {
	struct tmpl_arena_chunk *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

void
tmpl_arena_init(struct tmpl_arena *a, size_t max)
{
	a->head = NULL;
	a->spare = NULL;
	a->total = 0;
	a->max = max;
	a->overflow = false;
}

void *
tmpl_arena_alloc(struct tmpl_arena *a, size_t size)
{
	struct tmpl_arena_chunk *c;
	size_t csize;
	void *p;

	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (size == 0)
		size = sizeof(max_align_t);
	c = a->head;
	if (c == NULL || c->size - c->used < size) {
		csize = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		if (csize == ARENA_CHUNK && a->spare != NULL) {
			c = a->spare;
			a->spare = c->next;
		} else
			c = xmalloc(sizeof(*c) + csize);
		c->size = csize;
		c->used = 0;
		/*
		 * A fresh chunk goes in front; a large one-off allocation
		 * goes behind so the current chunk stays usable.
		 */
		if (size > ARENA_CHUNK && a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->total += csize;
		if (a->total > a->max)
			a->overflow = true;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

void *
tmpl_arena_calloc(struct tmpl_arena *a, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		a->overflow = true;
		n = 1;
	}
	p = tmpl_arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

char *
tmpl_arena_strndup(struct tmpl_arena *a, const char *s, size_t n)
{
	char *p;

	p = tmpl_arena_alloc(a, n + 1);
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
tmpl_arena_reset(struct tmpl_arena *a)
{
	struct tmpl_arena_chunk *c, *next;

	/* Ordinary chunks are kept for the next run; one-offs are freed. */
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (c->size == ARENA_CHUNK) {
			c->next = a->spare;
			a->spare = c;
		} else
			free(c);
	}
	a->head = NULL;
	a->total = 0;
	a->overflow = false;
}

void
tmpl_arena_free(struct tmpl_arena *a)
{
	struct tmpl_arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	for (c = a->spare; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->spare = NULL;
	a->total = 0;
}

void
tmpl_arena_trim(struct tmpl_arena *a, size_t keep)
{
	struct tmpl_arena_chunk *c, *next, **pp = &a->spare;
	size_t kept = 0;

	for (c = a->spare; c != NULL; c = next) {
		next = c->next;
		if (kept + c->size <= keep) {
			kept += c->size;
			pp = &c->next;
			continue;
		}
		*pp = next;
		free(c);
	}
}
