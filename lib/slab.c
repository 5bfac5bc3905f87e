/* slab.c - small buffers packed into huge pages (see slab.h). */
#include "lib/slab.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#ifndef XALLOC_PLAIN
#define GRAIN 16
#define CLASSES (SLAB_MAX / GRAIN)
#define BLOCK (2u << 20)
#define FIRST_BLOCK (64u << 10)

/* A freed buffer: its first bytes link it to the next of its size. */
struct freed {
    struct freed *next;
};

static struct {
    struct freed *freed[CLASSES + 1];   /* by size / GRAIN */
    char *at, *end;                     /* the current block's free part */
    void *blocks;                       /* the newest block; each begins
                                           with a link to the one before */
    size_t next;                        /* the next block's size */
} slab;

static size_t class_of(size_t n) { return (n + GRAIN - 1) / GRAIN; }

/* A block more; the rest of the last one (under SLAB_MAX bytes) goes
 * unused. The first blocks are small and malloc's, then they double up to
 * a huge page: a store of 50 series needs a few kilobytes, and a huge page
 * taken for them was 2 MiB more resident memory than it had before. The
 * blocks are linked, so that they stay reachable (valgrind) though never
 * given back. */
static void new_block(void)
{
    size_t size = slab.next ? slab.next : FIRST_BLOCK;
    char *b = size < BLOCK ? xmalloc(size) : xalloc_huge(BLOCK);
    *(void **)b = slab.blocks;
    slab.blocks = b;
    slab.at = b + GRAIN; /* the link, and buffers stay GRAIN-aligned */
    slab.end = b + size;
    slab.next = size < BLOCK ? size * 2 : BLOCK;
}
#endif

void *slab_alloc(size_t n)
{
#ifdef XALLOC_PLAIN
    return xmalloc(n);
#else
    if (n > SLAB_MAX)
        return xmalloc(n);
    size_t c = class_of(n ? n : 1);
    struct freed *f = slab.freed[c];
    if (f) {
        slab.freed[c] = f->next;
        return f;
    }
    size_t size = c * GRAIN;
    if ((size_t)(slab.end - slab.at) < size)
        new_block();
    void *p = slab.at;
    slab.at += size;
    return p;
#endif
}

void slab_free(void *p, size_t n)
{
    if (!p)
        return;
#ifdef XALLOC_PLAIN
    (void)n;
    free(p);
#else
    if (n > SLAB_MAX) {
        free(p);
        return;
    }
    size_t c = class_of(n ? n : 1);
    struct freed *f = p;
    f->next = slab.freed[c];
    slab.freed[c] = f;
#endif
}

void *slab_realloc(void *p, size_t old, size_t n)
{
#ifdef XALLOC_PLAIN
    (void)old;
    return xrealloc(p, n);
#else
    if (!p)
        return slab_alloc(n);
    if (old > SLAB_MAX && n > SLAB_MAX)
        return xrealloc(p, n);
    if (old <= SLAB_MAX && n <= SLAB_MAX && class_of(old ? old : 1) == class_of(n))
        return p;
    void *q = slab_alloc(n);
    memcpy(q, p, old < n ? old : n);
    slab_free(p, old);
    return q;
#endif
}
