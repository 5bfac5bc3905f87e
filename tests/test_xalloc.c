/* test_xalloc.c - xresize_big keeps an array's bytes across every kind of
 * resize (heap to heap, heap to mapping, mapping to a larger mapping,
 * mapping back to the heap), gives mappings at a 2 MiB boundary (huge
 * pages fit only there) and every byte asked for is usable. */
#include "tests/helpers.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/xalloc.h"

enum { MIB = 1u << 20 };

static void fill(unsigned char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        p[i] = (unsigned char)(i * 31 + 7);
}

static void assert_filled(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 31 + 7))
            fail_msg("byte %zu changed", i);
}

static void test_resize_keeps_bytes(void **state)
{
    (void)state;
    size_t sizes[] = {1000, 3 * MIB, 3 * MIB + 100, 7 * MIB + 5, 4096, 5 * MIB};
    unsigned char *p = xresize_big(NULL, 0, 100);
    fill(p, 0, 100);
    size_t n = 100;
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t m = sizes[k];
        p = xresize_big(p, n, m);
        assert_filled(p, n < m ? n : m);
#ifndef XALLOC_PLAIN /* (under ASan: malloc's) */
        if (m >= 2 * MIB)
            assert_int_equal((uintptr_t)p % (2 * MIB), 0);
#endif
        fill(p, n < m ? n : m, m); /* the new bytes are all writable */
        n = m;
    }
    xfree_big(p, n);
    xfree_big(NULL, 0);
    xfree_big(NULL, 4 * MIB);
}

/* xcalloc_huge is zeroed, below and above the huge-page size, and each
 * is freed with free(). */
static void test_calloc_huge_is_zeroed(void **state)
{
    (void)state;
    size_t sizes[] = {16, 4096, 1 * MIB + 3, 5 * MIB};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        unsigned char *p = xcalloc_huge(sizes[k]);
        for (size_t i = 0; i < sizes[k]; i++)
            if (p[i])
                fail_msg("byte %zu of %zu not zero", i, sizes[k]);
        free(p);
    }
}

#ifndef XALLOC_PLAIN
/* Whether the mapping holding p was advised to take huge pages (its
 * VmFlags in /proc/self/smaps say "hg"). */
static bool advised_huge(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    bool in = false, hg = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (in && strncmp(line, "VmFlags:", 8) == 0)
            hg = strstr(line, " hg") != NULL;
    }
    fclose(f);
    return hg;
}
#endif

/* The small buffers allocated after xalloc_heap_reserve (a load's series
 * streams) lie in heap advised to take huge pages; those allocated
 * before it do not; and they are ordinary heap memory (realloc, free). */
static void test_a_reserved_heap_takes_huge_pages(void **state)
{
    (void)state;
#ifdef XALLOC_PLAIN
    skip(); /* under ASan the heap is the sanitizer's */
#else
    mallopt(M_MMAP_THRESHOLD, 64 << 20); /* as app.c sets it */
    enum { N = 8000, LEN = 4000 };
    char *before = xmalloc(LEN);
    assert_false(advised_huge(before));
    xalloc_heap_reserve(64 * MIB);
    static char *b[N];
    for (int i = 0; i < N; i++) {
        b[i] = xmalloc(LEN);
        memset(b[i], i, LEN);
    }
    xalloc_heap_reserve_end();
    /* (the first 2 MiB may lie below the first huge page's boundary) */
    int advised = 0, seen = 0;
    for (int i = N / 8; i < N; i += N / 16, seen++)
        advised += advised_huge(b[i]);
    assert_int_equal(advised, seen);
    for (int i = 0; i < N; i++) {
        b[i] = xrealloc(b[i], 2 * LEN);
        assert_int_equal(b[i][LEN - 1], (char)i);
        free(b[i]);
    }
    free(before);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resize_keeps_bytes),
        cmocka_unit_test(test_calloc_huge_is_zeroed),
        cmocka_unit_test(test_a_reserved_heap_takes_huge_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
