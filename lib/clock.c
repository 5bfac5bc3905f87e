/* clock.c - time (see clock.h). */
#include "lib/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static bool is_set, is_frozen;
static int64_t set_to;      /* the time given to clock_set */
static int64_t set_at_ns;   /* real time when it was given, in ns */

#define NS 1000000000LL

static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* n / NS rounded down (before 1970 too), or up. */
static int64_t ns_floor(int64_t n) { return n / NS - (n % NS < 0); }
static int64_t ns_ceil(int64_t n) { return n / NS + (n % NS > 0); }

int64_t clock_wall(void) { return ns_floor(real_ns()); }

int64_t clock_now(void)
{
    if (!is_set)
        return ns_floor(real_ns());
    return is_frozen ? set_to : set_to + ns_floor(real_ns() - set_at_ns);
}

int64_t clock_window_end(void)
{
    if (!is_set)
        return ns_ceil(real_ns());
    return is_frozen ? set_to : set_to + ns_ceil(real_ns() - set_at_ns);
}

void clock_set(int64_t t, bool frozen)
{
    is_set = true;
    is_frozen = frozen;
    set_to = t;
    set_at_ns = real_ns();
}

bool clock_timezone_exists(const char *tz)
{
    if (!tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "utc") == 0 ||
        strcmp(tz, "local") == 0)
        return true;
    /* tzset() silently falls back to UTC for unknown names: check the zone
     * database ourselves so a typo is an error, not UTC. */
    if (strstr(tz, "..") || tz[0] == '/' || strlen(tz) > 200)
        return false;
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool tz_saved;
static char *operator_tz; /* "TZ=..." or NULL */

const char *clock_operator_tz_env(void)
{
    if (!tz_saved) {
        const char *tz = getenv("TZ");
        if (tz) {
            size_t n = strlen(tz) + 4;
            operator_tz = malloc(n);
            if (operator_tz)
                snprintf(operator_tz, n, "TZ=%s", tz);
        }
        tz_saved = true; /* kept for the life of the process */
    }
    return operator_tz;
}

bool clock_set_timezone(const char *tz)
{
    if (!clock_timezone_exists(tz))
        return false;
    clock_operator_tz_env(); /* before it changes */
    if (!tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "utc") == 0) {
        setenv("TZ", "UTC0", 1);
    } else if (strcmp(tz, "local") == 0) {
        unsetenv("TZ");
    } else {
        char val[520];
        snprintf(val, sizeof val, ":%s", tz);
        setenv("TZ", val, 1);
    }
    tzset();
    return true;
}

int64_t clock_day_start(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

int64_t clock_day_end(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mday += 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    return v;
}

/* "1795348800": unix seconds (up to 12 digits). 1 when s is all digits
 * (then 0 or -1 is in *rc), 0 when it is something else to read as RFC 3339. */
static int parse_unix_seconds(const char *s, int64_t *out, int *rc)
{
    for (const char *q = s; *q; q++)
        if (!isdigit((unsigned char)*q))
            return 0;
    *rc = strlen(s) > 12 ? -1 : 0;
    if (*rc == 0)
        *out = strtoll(s, NULL, 10);
    return 1;
}

/* RFC 3339's full-date and its T: "2026-11-22T" into tm's date fields.
 * Leaves *p after the T; -1 on anything else. */
static int parse_date(const char **p, struct tm *tm)
{
    int y = digits(p, 4);
    if (y < 0 || *(*p)++ != '-')
        return -1;
    int mo = digits(p, 2);
    if (mo < 1 || mo > 12 || *(*p)++ != '-')
        return -1;
    int d = digits(p, 2);
    if (d < 1 || d > 31)
        return -1;
    if (**p != 'T' && **p != 't' && **p != ' ')
        return -1;
    (*p)++;
    tm->tm_year = y - 1900;
    tm->tm_mon = mo - 1;
    tm->tm_mday = d;
    return 0;
}

/* RFC 3339's partial-time: "10:00:00" and an optional fraction (read and
 * dropped: the clock counts whole seconds) into tm's time fields. */
static int parse_partial_time(const char **p, struct tm *tm)
{
    int h = digits(p, 2);
    if (h < 0 || h > 23 || *(*p)++ != ':')
        return -1;
    int mi = digits(p, 2);
    if (mi < 0 || mi > 59 || *(*p)++ != ':')
        return -1;
    int se = digits(p, 2);
    if (se < 0 || se > 60)
        return -1;
    if (**p == '.') {
        (*p)++;
        if (!isdigit((unsigned char)**p))
            return -1;
        while (isdigit((unsigned char)**p))
            (*p)++;
    }
    tm->tm_hour = h;
    tm->tm_min = mi;
    tm->tm_sec = se;
    return 0;
}

/* RFC 3339's time-offset, "Z" or "+01:00", as seconds east of UTC. A time
 * without one is refused: it would be ambiguous. */
static int parse_offset(const char **p, int *offset)
{
    *offset = 0;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        return 0;
    }
    if (**p != '+' && **p != '-')
        return -1;
    int sign = *(*p)++ == '-' ? -1 : 1;
    int oh = digits(p, 2);
    if (oh < 0 || oh > 23 || *(*p)++ != ':')
        return -1;
    int om = digits(p, 2);
    if (om < 0 || om > 59)
        return -1;
    *offset = sign * (oh * 3600 + om * 60);
    return 0;
}

int clock_parse_time(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    int rc;
    if (parse_unix_seconds(s, out, &rc))
        return rc;
    const char *p = s;
    struct tm tm = {0};
    int offset;
    if (parse_date(&p, &tm) != 0 || parse_partial_time(&p, &tm) != 0 ||
        parse_offset(&p, &offset) != 0 || *p)
        return -1;
    *out = (int64_t)timegm(&tm) - offset;
    return 0;
}

int clock_parse_duration(const char *s, int64_t *seconds)
{
    if (!s || !*s)
        return -1;
    int64_t total = 0;
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return -1;
        int64_t n = 0;
        while (isdigit((unsigned char)*p)) {
            n = n * 10 + (*p++ - '0');
            if (n > 100000000)
                return -1;
        }
        int64_t unit;
        switch (*p++) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return -1;
        }
        total += n * unit;
    }
    *seconds = total;
    return 0;
}

void clock_format_utc(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void clock_format_local(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, len, "%H:%M:%S %Z", &tm);
}

void clock_format_duration(int64_t s, char *buf, size_t len)
{
    if (s < 0)
        s = 0;
    if (s < 120)
        snprintf(buf, len, "%llds", (long long)s);
    else if (s < 2 * 3600)
        snprintf(buf, len, "%lldm", (long long)(s / 60));
    else if (s < 2 * 86400)
        snprintf(buf, len, "%lldh", (long long)(s / 3600));
    else
        snprintf(buf, len, "%lldd", (long long)(s / 86400));
}
