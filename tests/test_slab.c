/* test_slab.c - small buffers packed into huge pages: every buffer keeps
 * what was written into it while others of every size are allocated,
 * moved and given back; a move keeps the first bytes, across the sizes
 * that come from malloc too; a buffer given back is handed out again. */
#include "tests/helpers.h"

#include "lib/slab.h"

#define N 2000

/* The byte at i of buffer k. */
static unsigned char pattern(size_t k, size_t i) { return (unsigned char)(k * 131 + i * 7 + 1); }

static void fill(unsigned char *p, size_t k, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++)
        p[i] = pattern(k, i);
}

static void check(const unsigned char *p, size_t k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i], pattern(k, i));
}

static void test_buffers_keep_their_bytes_through_moves(void **state)
{
    (void)state;
    static unsigned char *buf[N];
    static size_t size[N];
    /* sizes from 1 byte to past SLAB_MAX (those come from malloc) */
    for (size_t k = 0; k < N; k++) {
        size[k] = 1 + (k * 37) % (SLAB_MAX + 600);
        buf[k] = slab_alloc(size[k]);
        fill(buf[k], k, 0, size[k]);
    }
    /* every other one grows (some across SLAB_MAX), every third shrinks,
     * every fifth is given back and made again */
    for (size_t k = 0; k < N; k++) {
        size_t n = size[k];
        if (k % 2 == 0)
            n = n + 1 + (k * 13) % 700;
        else if (k % 3 == 0)
            n = 1 + n / 2;
        if (n != size[k]) {
            buf[k] = slab_realloc(buf[k], size[k], n);
            check(buf[k], k, n < size[k] ? n : size[k]);
            fill(buf[k], k, n < size[k] ? n : size[k], n);
            size[k] = n;
        }
        if (k % 5 == 0) {
            slab_free(buf[k], size[k]);
            buf[k] = slab_alloc(size[k]);
            fill(buf[k], k, 0, size[k]);
        }
    }
    for (size_t k = 0; k < N; k++) {
        check(buf[k], k, size[k]);
        slab_free(buf[k], size[k]);
    }
    slab_free(NULL, 0);
}

static void test_a_move_from_nothing_allocates(void **state)
{
    (void)state;
    unsigned char *p = slab_realloc(NULL, 0, 40);
    fill(p, 9, 0, 40);
    p = slab_realloc(p, 40, 48); /* the same 16-byte size class */
    check(p, 9, 40);
    p = slab_realloc(p, 48, SLAB_MAX + 1);
    check(p, 9, 40);
    p = slab_realloc(p, SLAB_MAX + 1, 8);
    check(p, 9, 8);
    slab_free(p, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffers_keep_their_bytes_through_moves),
        cmocka_unit_test(test_a_move_from_nothing_allocates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
