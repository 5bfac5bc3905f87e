/* xalloc.c - allocation that cannot fail (see xalloc.h). */
#include "lib/xalloc.h"

#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

#ifndef XALLOC_PLAIN
enum { HUGE = 2u << 20 };

static size_t huge_len(size_t n)
{
    if (n > ((size_t)-1) - HUGE)
        out_of_memory(n);
    return (n + HUGE - 1) / HUGE * HUGE;
}

static void advise_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    /* advice: refused (no THP in this kernel), the pages are small ones */
    (void)madvise(p, len, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

/* n bytes (n >= HUGE), mapped at a 2 MiB boundary so that whole huge
 * pages fit: map a huge page more than needed and give back the ends. */
static void *map_huge(size_t n)
{
    size_t len = huge_len(n);
    char *m = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        out_of_memory(n);
    size_t head = (HUGE - (uintptr_t)m % HUGE) % HUGE;
    char *p = m + head;
    munmap(p + len, HUGE - head);
    if (head)
        munmap(m, head);
    advise_huge(p, len);
    return p;
}
#endif

void *xalloc_huge(size_t n)
{
#ifdef XALLOC_PLAIN
    return xmalloc(n);
#else
    if (n < HUGE / 2)
        return xmalloc(n); /* not worth a huge page's worth of address space */
    n = huge_len(n);
    void *p = NULL;
    if (posix_memalign(&p, HUGE, n) != 0)
        return xmalloc(n);
    advise_huge(p, n);
    return p;
#endif
}

void *xcalloc_huge(size_t n)
{
#ifndef XALLOC_PLAIN
    if (n >= HUGE / 2)
        return memset(xalloc_huge(n), 0, n);
#endif
    return xcalloc(n, 1);
}

void xfree_big(void *p, size_t n)
{
#ifdef XALLOC_PLAIN
    (void)n;
    free(p);
#else
    if (n < HUGE)
        free(p);
    else if (p)
        munmap(p, huge_len(n));
#endif
}

void *xresize_big(void *p, size_t old_n, size_t n)
{
#ifdef XALLOC_PLAIN
    (void)old_n;
    return xrealloc(p, n);
#else
    if (n < HUGE && old_n < HUGE)
        return xrealloc(p, n);
    if (old_n >= HUGE && huge_len(n) == huge_len(old_n))
        return p;
    void *q = n < HUGE ? xmalloc(n) : map_huge(n);
    if (p)
        memcpy(q, p, old_n < n ? old_n : n);
    xfree_big(p, old_n);
    return q;
#endif
}

/* glibc's M_TOP_PAD unless set (mallopt(3)) */
#define TOP_PAD_DEFAULT (128 * 1024)

void xalloc_heap_reserve(size_t n)
{
#if !defined(XALLOC_PLAIN) && defined(MADV_HUGEPAGE) && defined(M_TOP_PAD)
    if (n < 2 * HUGE)
        return;
    n = n > INT_MAX - HUGE ? INT_MAX - HUGE : n;
    /* the heap's next growth takes n bytes more than its request: grow it
     * now, asking for more than all its free memory (which no free block
     * nor its top can give). At or above the mmap threshold that request
     * is a mapping of its own instead, and the heap stays as it is. */
    mallopt(M_TOP_PAD, (int)n);
    char *before = sbrk(0);
    void *p = malloc(mallinfo2().fordblks + 4096);
    /* (its size asked of malloc: a block freed unused, clang would not
     * allocate at all) */
    size_t got = p ? malloc_usable_size(p) : 0;
    char *after = sbrk(0);
    free(p);
    if (!got || before == (char *)-1 || after <= before)
        return;
    /* the top of the heap, now at least n bytes, untouched: its whole
     * huge pages advised */
    uintptr_t end = (uintptr_t)sbrk(0), top = mallinfo2().keepcost;
    if (end == (uintptr_t)-1 || top > end)
        return;
    uintptr_t lo = (end - top + HUGE - 1) / HUGE * HUGE, hi = end / HUGE * HUGE;
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)n;
#endif
}

void xalloc_heap_reserve_end(void)
{
#if !defined(XALLOC_PLAIN) && defined(MADV_HUGEPAGE) && defined(M_TOP_PAD)
    mallopt(M_TOP_PAD, TOP_PAD_DEFAULT);
#endif
}
