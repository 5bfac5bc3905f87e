/* test_spanset.c - duplicates are recognised within a bounded horizon. */
#include "tests/helpers.h"

#include "core/spanset.h"

static void test_a_key_is_new_once(void **state)
{
    (void)state;
    struct spanset *s = spanset_new();
    assert_true(spanset_add(s, 42));
    assert_false(spanset_add(s, 42));
    assert_true(spanset_add(s, 0)); /* 0 is a valid key too */
    assert_false(spanset_add(s, 0));
    assert_int_equal(spanset_count(s), 2);
    spanset_free(s);
}

static void test_memory_is_bounded_and_the_horizon_is_documented(void **state)
{
    (void)state;
    struct spanset *s = spanset_new();
    const uint64_t horizon = (SPANSET_GENERATIONS - 1) * (uint64_t)SPANSET_GENERATION_KEYS;
    /* key 1 is remembered for at least `horizon` more arrivals */
    for (uint64_t k = 1; k <= horizon + 1; k++)
        assert_true(spanset_add(s, k * 0x9e3779b97f4a7c15ull));
    assert_false(spanset_add(s, 1 * 0x9e3779b97f4a7c15ull));
    /* far past the horizon it is forgotten, and the set stays bounded */
    for (uint64_t k = horizon + 2; k <= 3 * horizon; k++)
        spanset_add(s, k * 0x9e3779b97f4a7c15ull);
    assert_true(spanset_count(s) <= SPANSET_GENERATIONS * (size_t)SPANSET_GENERATION_KEYS);
    assert_true(spanset_add(s, 1 * 0x9e3779b97f4a7c15ull));
    spanset_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_key_is_new_once),
        cmocka_unit_test(test_memory_is_bounded_and_the_horizon_is_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
