/* format.c - numbers, windows and times for people (see format.h). */
#include "core/format.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "lib/clock.h"

void fmt_usd(char *buf, size_t len, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
        return;
    }
    static const struct {
        double limit, div;
        const char *suffix;
    } steps[] = {{999.995, 1, ""}, {999995, 1e3, "k"}, {999995000, 1e6, "M"}, {INFINITY, 1e9, "B"}};
    const char *sign = v < 0 ? "-" : "";
    double a = fabs(v);
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (a < steps[i].limit) {
            snprintf(buf, len, "%s$%.2f%s", sign, a / steps[i].div, steps[i].suffix);
            return;
        }
    }
}

void fmt_pct(char *buf, size_t len, double f)
{
    if (!isfinite(f))
        snprintf(buf, len, "n/a");
    else if (fabs(f) >= 9.995)
        snprintf(buf, len, "%.0f%%", f * 100);
    else
        snprintf(buf, len, "%.1f%%", f * 100);
}

void fmt_ratio(char *buf, size_t len, double r)
{
    if (!isfinite(r))
        snprintf(buf, len, "-");
    else if (r >= 99.5)
        snprintf(buf, len, "%.0fx", r);
    else if (r >= 9.995)
        snprintf(buf, len, "%.1fx", r);
    else
        snprintf(buf, len, "%.2fx", r);
}

void fmt_count(char *buf, size_t len, int64_t n)
{
    double a = (double)(n < 0 ? -n : n);
    const char *sign = n < 0 ? "-" : "";
    if (a < 1000)
        snprintf(buf, len, "%s%lld", sign, (long long)a);
    else if (a < 9999.5)
        snprintf(buf, len, "%s%.1fk", sign, a / 1e3);
    else if (a < 999500)
        snprintf(buf, len, "%s%.0fk", sign, a / 1e3);
    else if (a < 9.9995e6)
        snprintf(buf, len, "%s%.2fM", sign, a / 1e6);
    else if (a < 999.5e6)
        snprintf(buf, len, "%s%.0fM", sign, a / 1e6);
    else
        snprintf(buf, len, "%s%.2fB", sign, a / 1e9);
}

void fmt_usd_full(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%s$%.2f", v < 0 ? "-" : "", fabs(v));
}

void fmt_pct_full(char *buf, size_t len, double f)
{
    if (!isfinite(f))
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.1f%%", f * 100);
}

void fmt_ratio_full(char *buf, size_t len, double r)
{
    if (!isfinite(r))
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.2fx", r);
}

void fmt_window(char *buf, size_t len, int64_t s)
{
    if (s == 0)
        snprintf(buf, len, "today");
    else if (s % CLOCK_HOUR == 0)
        snprintf(buf, len, "%lldh", (long long)(s / CLOCK_HOUR));
    else if (s % CLOCK_MINUTE == 0)
        snprintf(buf, len, "%lldm", (long long)(s / CLOCK_MINUTE));
    else
        snprintf(buf, len, "%llds", (long long)s);
}

void fmt_time(char *buf, size_t len, int64_t t)
{
    if (t <= 0)
        snprintf(buf, len, "never");
    else
        clock_format_utc(t, buf, len);
}

void fmt_clock(char *buf, size_t len, int64_t t)
{
    clock_format_local(t, buf, len);
}

void fmt_duration(char *buf, size_t len, int64_t seconds)
{
    clock_format_duration(seconds, buf, len);
}

void fmt_age(char *buf, size_t len, int64_t then, int64_t now)
{
    if (then <= 0) {
        snprintf(buf, len, "never");
        return;
    }
    char d[16];
    clock_format_duration(now - then, d, sizeof d);
    snprintf(buf, len, "%s ago", d);
}

void fmt_forecast(char *buf, size_t len, double used, int64_t forecast_at, int64_t now)
{
    if (!isfinite(used)) {
        snprintf(buf, len, "n/a");
        return;
    }
    if (used >= 1) {
        snprintf(buf, len, "over");
        return;
    }
    if (forecast_at <= 0) {
        snprintf(buf, len, "not this period");
        return;
    }
    time_t t = (time_t)forecast_at;
    struct tm tm;
    localtime_r(&t, &tm);
    char when[24];
    /* a weekday alone names the next one: a month's crossing on the 21st,
     * shown "~Mon 20:00" on the 2nd, read as in five days. Further than
     * that the day is the news, not the minute */
    strftime(when, sizeof when, forecast_at - now > 6 * 86400 ? "%a %d %b" : "%a %H:%M", &tm);
    snprintf(buf, len, "crosses ~%s", when);
}
