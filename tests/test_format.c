/* test_format.c - numbers, windows and times for people (core/format.h),
 * sparklines and bars. */
#include "tests/helpers.h"

#include "core/format.h"
#include "lib/clock.h"
#include "tui/widgets.h"

static void test_money(void **state)
{
    (void)state;
    char b[32];
    struct { double v; const char *want; } cases[] = {
        {0, "$0.00"}, {0.041, "$0.04"}, {12.345, "$12.35"}, {999.99, "$999.99"},
        {999.996, "$1.00k"}, {1234, "$1.23k"}, {45678.9, "$45.68k"}, {4.56e6, "$4.56M"},
        {999999, "$1.00M"}, {7.891e9, "$7.89B"}, {-12.5, "-$12.50"}, {NAN, "n/a"},
        {INFINITY, "n/a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fmt_usd(b, sizeof b, cases[i].v);
        assert_string_equal(b, cases[i].want);
    }
}

static void test_percent_ratio_count(void **state)
{
    (void)state;
    char b[32];
    fmt_pct(b, sizeof b, 0.123); assert_string_equal(b, "12.3%");
    fmt_pct(b, sizeof b, 1); assert_string_equal(b, "100.0%");
    fmt_pct(b, sizeof b, 12.5); assert_string_equal(b, "1250%");
    fmt_pct(b, sizeof b, NAN); assert_string_equal(b, "n/a");
    fmt_ratio(b, sizeof b, 1.5); assert_string_equal(b, "1.50x");
    fmt_ratio(b, sizeof b, 28.45); assert_string_equal(b, "28.4x");
    fmt_ratio(b, sizeof b, 123.4); assert_string_equal(b, "123x");
    fmt_ratio(b, sizeof b, NAN); assert_string_equal(b, "-");
    fmt_count(b, sizeof b, 999); assert_string_equal(b, "999");
    fmt_count(b, sizeof b, 1234); assert_string_equal(b, "1.2k");
    fmt_count(b, sizeof b, 123456); assert_string_equal(b, "123k");
    fmt_count(b, sizeof b, 1234567); assert_string_equal(b, "1.23M");
    fmt_count(b, sizeof b, 3000000000LL); assert_string_equal(b, "3.00B");
    fmt_age(b, sizeof b, 0, 100); assert_string_equal(b, "never");
    fmt_age(b, sizeof b, 40, 100); assert_string_equal(b, "60s ago");
    fmt_age(b, sizeof b, 100, 100 + 600); assert_string_equal(b, "10m ago");
}

static void test_full_figures_for_the_text_snapshot(void **state)
{
    (void)state;
    char b[32];
    /* every cent, no k/M suffix: a figure to paste */
    fmt_usd_full(b, sizeof b, 1351.954); assert_string_equal(b, "$1351.95");
    fmt_usd_full(b, sizeof b, 0); assert_string_equal(b, "$0.00");
    fmt_usd_full(b, sizeof b, -12.5); assert_string_equal(b, "-$12.50");
    fmt_usd_full(b, sizeof b, NAN); assert_string_equal(b, "n/a");
    fmt_pct_full(b, sizeof b, 12.5); assert_string_equal(b, "1250.0%");
    fmt_pct_full(b, sizeof b, NAN); assert_string_equal(b, "n/a");
    fmt_ratio_full(b, sizeof b, 26.0654); assert_string_equal(b, "26.07x");
    fmt_ratio_full(b, sizeof b, NAN); assert_string_equal(b, "n/a");
}

static void test_windows_and_times(void **state)
{
    (void)state;
    char b[32];
    fmt_window(b, sizeof b, 3600); assert_string_equal(b, "1h");
    fmt_window(b, sizeof b, 24 * 3600); assert_string_equal(b, "24h");
    fmt_window(b, sizeof b, 90 * 60); assert_string_equal(b, "90m");
    fmt_window(b, sizeof b, 45); assert_string_equal(b, "45s");
    fmt_window(b, sizeof b, 0); assert_string_equal(b, "today");
    /* 1795176000 = 20,777.5 days after 1970-01-01: 2026-11-20, noon */
    fmt_time(b, sizeof b, 1795176000); assert_string_equal(b, "2026-11-20T12:00:00Z");
    fmt_time(b, sizeof b, 0); assert_string_equal(b, "never");
    fmt_duration(b, sizeof b, 150); assert_string_equal(b, "2m");
    fmt_duration(b, sizeof b, 3 * 86400); assert_string_equal(b, "3d");
}

static void test_sparkline_scales_to_its_max(void **state)
{
    (void)state;
    char b[128];
    double v[] = {0, 1, 2, 4, 8, NAN, 0.01};
    widget_sparkline(v, 7, 0, true, b, sizeof b);
    /* levels _ . - = + * # @ are eighths: 0 and 1/8 -> '_'; 2/8 -> '.';
     * 4/8 -> '='; 8/8 -> '@'; NAN -> ' '; a tiny value still shows '_' */
    assert_string_equal(b, "__.=@ _");
    widget_sparkline(v, 5, 0, false, b, sizeof b);
    assert_string_equal(b, "\xe2\x96\x81\xe2\x96\x81\xe2\x96\x82\xe2\x96\x84\xe2\x96\x88");
    /* against a larger scale (the baseline's max), everything is lower:
     * 2/16 -> '_', 4/16 -> '.', 8/16 -> '=' */
    widget_sparkline(v, 5, 16, true, b, sizeof b);
    assert_string_equal(b, "___.=");
}

static void test_bar(void **state)
{
    (void)state;
    char b[128];
    widget_bar(0.5, 8, true, b, sizeof b); assert_string_equal(b, "####....");
    widget_bar(1.7, 4, true, b, sizeof b); assert_string_equal(b, "####");
    widget_bar(NAN, 4, true, b, sizeof b); assert_string_equal(b, "....");
    widget_bar(0.25, 4, false, b, sizeof b);
    assert_string_equal(b, "\xe2\x96\x88\xe2\x96\x91\xe2\x96\x91\xe2\x96\x91");
}

/* A forecast's weekday alone names the next one: further than 6 days the
 * date says which (a month's crossing on the 21st read as in five days). */
static void test_a_far_forecast_says_its_date(void **state)
{
    (void)state;
    assert_true(clock_set_timezone("UTC"));
    char b[40];
    int64_t now = 1795341600; /* Sun 2026-11-22 10:00 UTC */
    fmt_forecast(b, sizeof b, 0.4, now + 2 * 86400 + 4 * 3600 + 20 * 60, now);
    assert_string_equal(b, "crosses ~Tue 14:20");
    fmt_forecast(b, sizeof b, 0.4, now + 6 * 86400, now);
    assert_string_equal(b, "crosses ~Sat 10:00");
    fmt_forecast(b, sizeof b, 0.4, now + 15 * 86400, now);
    assert_string_equal(b, "crosses ~Mon 07 Dec");
    fmt_forecast(b, sizeof b, 0.4, 0, now);
    assert_string_equal(b, "not this period");
    fmt_forecast(b, sizeof b, 1.2, now + 3600, now);
    assert_string_equal(b, "over");
    fmt_forecast(b, sizeof b, NAN, now + 3600, now);
    assert_string_equal(b, "n/a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_percent_ratio_count),
        cmocka_unit_test(test_full_figures_for_the_text_snapshot),
        cmocka_unit_test(test_windows_and_times),
        cmocka_unit_test(test_sparkline_scales_to_its_max),
        cmocka_unit_test(test_bar),
        cmocka_unit_test(test_a_far_forecast_says_its_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
