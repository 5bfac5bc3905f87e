/* test_clock.c - the times --now and the tests take: RFC 3339 with a zone,
 * or unix seconds; anything else is refused, never guessed. Where a
 * window that ends now ends. */
#include "tests/helpers.h"

#include "lib/clock.h"

static int64_t parsed(const char *s)
{
    int64_t t = -12345;
    assert_int_equal(clock_parse_time(s, &t), 0);
    return t;
}

static void test_rfc3339_and_unix_seconds_are_the_same_instant(void **state)
{
    (void)state;
    /* 2026-11-22T10:00:00Z: 20779 days after 1970-01-01, + 10 h
     * = 20779 * 86400 + 36000 = 1795341600 */
    assert_int_equal(parsed("2026-11-22T10:00:00Z"), 1795341600);
    assert_int_equal(parsed("1795341600"), 1795341600);
    assert_int_equal(parsed("2026-11-22t10:00:00z"), 1795341600);
    assert_int_equal(parsed("2026-11-22 10:00:00Z"), 1795341600);
    /* a fraction is read and dropped: the clock counts whole seconds */
    assert_int_equal(parsed("2026-11-22T10:00:00.999Z"), 1795341600);
    /* 11:30 at +01:30 is 10:00 UTC; 08:00 at -02:00 too */
    assert_int_equal(parsed("2026-11-22T11:30:00+01:30"), 1795341600);
    assert_int_equal(parsed("2026-11-22T08:00:00-02:00"), 1795341600);
    assert_int_equal(parsed("0"), 0);
}

static void test_anything_else_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "1234567890123",                /* 13 digits: not seconds */
        "2026-11-22T10:00:00",              /* no zone: ambiguous */
        "2026-11-22", "2026-13-01T00:00:00Z", "2026-11-32T00:00:00Z",
        "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:00:61Z",
        "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00+24:00",
        "2026-11-22T10:00:00+01:60", "2026-11-22T10:00:00+0100",
        "2026-11-22T10:00:00Zjunk", "2026/11/22T10:00:00Z", "-5", "now",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t t = 7;
        if (clock_parse_time(bad[i], &t) != -1)
            fail_msg("'%s' was accepted", bad[i]);
    }
    int64_t t;
    assert_int_equal(clock_parse_time(NULL, &t), -1);
}

/* A window ending now holds the second under way: its end is the end of
 * that second, whole seconds as everything inside. */
static void test_a_window_ends_after_the_second_under_way(void **state)
{
    (void)state;
    /* running on from T: some nanoseconds later it is still T, and the
     * second T is under way - a record stamped at T is in [end - W, end) */
    clock_set(1795341600, false);
    int64_t end, now;
    do /* until a nanosecond has passed (a coarse clock may say none did) */
        end = clock_window_end(), now = clock_now();
    while (end == 1795341600 && now == 1795341600);
    assert_int_equal(now, 1795341600);
    assert_int_equal(end, 1795341601);
    /* frozen, the instant given is the end */
    clock_set(1795341600, true);
    assert_int_equal(clock_window_end(), 1795341600);
    assert_int_equal(clock_now(), 1795341600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_and_unix_seconds_are_the_same_instant),
        cmocka_unit_test(test_anything_else_is_refused),
        cmocka_unit_test(test_a_window_ends_after_the_second_under_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
