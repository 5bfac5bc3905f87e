/* test_window.c - the windows spendtop shows are one table: --window takes
 * their names, [general] window any spelling of their lengths. */
#include "tests/helpers.h"

#include "core/window.h"

static void test_the_windows_are_one_table(void **state)
{
    (void)state;
    assert_int_equal(window_count(), 3);
    int64_t s = 0;
    assert_int_equal(window_parse("6h", &s), 0);
    assert_int_equal(s, 6 * 3600);
    assert_int_equal(window_parse("60m", &s), -1);   /* --window takes the names only */
    assert_true(window_exists(3600));                /* [general] window: any spelling */
    assert_false(window_exists(2 * 3600));
    assert_int_equal(window_at(0), 3600);            /* the dashboard's 1/2/3 keys */
    assert_int_equal(window_at(2), 86400);
    struct strbuf b = {0};
    window_list(&b, true);
    assert_string_equal(strbuf_str(&b), "\"1h\", \"6h\" or \"24h\"");
    strbuf_reset(&b);
    window_list(&b, false);
    assert_string_equal(strbuf_str(&b), "1h, 6h or 24h");
    strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_windows_are_one_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
