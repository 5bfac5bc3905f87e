/* test_xalloc.c - xresize_big keeps an array's bytes across every kind of
 * resize (heap to heap, heap to mapping, mapping to a larger mapping,
 * mapping back to the heap), gives mappings at a 2 MiB boundary (huge
 * pages fit only there) and every byte asked for is usable. */
#include "tests/helpers.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resize_keeps_bytes),
        cmocka_unit_test(test_calloc_huge_is_zeroed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
