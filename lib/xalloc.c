/* xalloc.c - allocation that cannot fail (see xalloc.h). */
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void (*fatal_hook)(void);

void xalloc_set_fatal_hook(void (*hook)(void)) { fatal_hook = hook; }

static void out_of_memory(size_t n)
{
    if (fatal_hook)
        fatal_hook();
    fprintf(stderr, "spendtop: out of memory (%zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void *xalloc_huge(size_t n)
{
    enum { HUGE = 2u << 20 };
    if (n < HUGE / 2)
        return xmalloc(n); /* not worth a huge page's worth of address space */
    if (n > ((size_t)-1) - HUGE)
        out_of_memory(n);
    n = (n + HUGE - 1) / HUGE * HUGE;
    void *p = NULL;
    if (posix_memalign(&p, HUGE, n) != 0)
        return xmalloc(n);
#ifdef MADV_HUGEPAGE
    /* advice: refused (no THP in this kernel), the pages are small ones */
    (void)madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

void xgrow(void *items_ptr, size_t *cap, size_t need, size_t elem)
{
    void **items = items_ptr;
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > ((size_t)-1) / elem)
        out_of_memory((size_t)-1);
    *items = xrealloc(*items, ncap * elem);
    *cap = ncap;
}
