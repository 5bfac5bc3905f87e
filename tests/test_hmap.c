/* test_hmap.c - the string map: removal (backward shift, no tombstones)
 * keeps every other key findable, checked against a plain array through
 * many random puts and removes, across growth and wrap-around. */
#include "tests/helpers.h"

#include "lib/hmap.h"

#define KEYS 3000

static void test_remove_keeps_every_other_key(void **state)
{
    (void)state;
    struct hmap m = {0};
    static intptr_t want[KEYS]; /* 0 = absent, else the value stored */
    char key[32];
    unsigned seed = 12345;
    for (int step = 0; step < 200000; step++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 8) % KEYS);
        int n = snprintf(key, sizeof key, "key-%d", k);
        if ((seed >> 4) & 1) {
            *hmap_put(&m, key, (size_t)n) = (void *)(intptr_t)(step + 1);
            want[k] = step + 1;
        } else {
            void *val = NULL;
            char *stored = hmap_remove(&m, key, (size_t)n, &val);
            assert_int_equal(stored != NULL, want[k] != 0);
            if (stored) {
                assert_string_equal(stored, key);
                assert_int_equal((intptr_t)val, want[k]);
            }
            free(stored);
            want[k] = 0;
        }
    }
    size_t count = 0;
    for (int k = 0; k < KEYS; k++) {
        int n = snprintf(key, sizeof key, "key-%d", k);
        assert_int_equal((intptr_t)hmap_get(&m, key, (size_t)n), want[k]);
        count += want[k] != 0;
    }
    assert_int_equal(m.count, count);
    assert_null(hmap_remove(&m, "absent", 6, NULL));
    hmap_free(&m, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remove_keeps_every_other_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
