/* test_imap.c - the two-integer map: every key put is found with its
 * value, across growth, with keys that differ only in one word or share
 * their low bits (positions and aligned pointers); absent keys are not
 * found; clear empties it. */
#include "tests/helpers.h"

#include "lib/imap.h"

static void test_keys_found_across_growth(void **state)
{
    (void)state;
    struct imap m = {0};
    bool created;
    /* owner positions x pointer-like model ids (multiples of 64) */
    for (uint64_t a = 0; a < 300; a++)
        for (uint64_t b = 0; b < 40; b++) {
            size_t *v = imap_put(&m, a, 0x7f0000000000ull + b * 64, &created);
            assert_true(created);
            *v = (size_t)(a * 1000 + b);
        }
    assert_int_equal(imap_count(&m), 300 * 40);
    for (uint64_t a = 0; a < 300; a++)
        for (uint64_t b = 0; b < 40; b++) {
            size_t v = 0;
            assert_true(imap_get(&m, a, 0x7f0000000000ull + b * 64, &v));
            assert_int_equal(v, a * 1000 + b);
            /* a second put finds the same slot */
            size_t *again = imap_put(&m, a, 0x7f0000000000ull + b * 64, &created);
            assert_false(created);
            assert_int_equal(*again, a * 1000 + b);
        }
    size_t v = 99;
    assert_false(imap_get(&m, 300, 0x7f0000000000ull, &v));
    assert_false(imap_get(&m, 0, 0x7f0000000000ull + 40 * 64, &v));
    assert_false(imap_get(&m, 0x7f0000000000ull, 0, &v)); /* the words swapped */
    assert_int_equal(v, 99);
    imap_clear(&m);
    assert_int_equal(imap_count(&m), 0);
    assert_false(imap_get(&m, 1, 0x7f0000000000ull, &v));
    *imap_put(&m, 1, 2, &created) = 7;
    assert_true(created);
    assert_true(imap_get(&m, 1, 2, &v));
    assert_int_equal(v, 7);
    imap_free(&m);
    assert_false(imap_get(&m, 1, 2, &v));
}

/* imap_reserve keeps what is there, and n keys then go in without a
 * rehash (the table does not move). */
static void test_reserve_keeps_keys_and_room(void **state)
{
    (void)state;
    struct imap m = {0};
    bool created;
    for (uint64_t a = 0; a < 10; a++)
        *imap_put(&m, a, 1, &created) = (size_t)a;
    imap_reserve(&m, 5000);
    assert_true(m.cap >= 10000);
    const struct imap_slot *table = m.slots;
    for (uint64_t a = 0; a < 10; a++) {
        size_t v = 0;
        assert_true(imap_get(&m, a, 1, &v));
        assert_int_equal(v, a);
    }
    for (uint64_t a = 10; a < 5000; a++)
        *imap_put(&m, a, 1, &created) = (size_t)a;
    assert_ptr_equal(m.slots, table);
    assert_int_equal(imap_count(&m), 5000);
    imap_reserve(&m, 10); /* never shrinks */
    assert_ptr_equal(m.slots, table);
    imap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_found_across_growth),
        cmocka_unit_test(test_reserve_keeps_keys_and_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
