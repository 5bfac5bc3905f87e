/* clock.h - what time it is, for everything in spendtop.
 *
 * All times inside are unix seconds, UTC. The clock can be set (--now) to
 * replay an export or to test: frozen (for --once, so every figure is
 * computed at the same instant) or running on from the given time (for the
 * dashboard). The configured time zone only moves the "today" boundary and
 * the clock shown.
 */
#ifndef SPENDTOP_CLOCK_H
#define SPENDTOP_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_MINUTE 60
#define CLOCK_HOUR 3600
#define CLOCK_DAY 86400
#define CLOCK_WEEK (7 * CLOCK_DAY)

/* t rounded down to a multiple of unit seconds (unit > 0): the start of
 * its minute, hour or UTC day. Before 1970 it still rounds down, never
 * toward zero. Inline: the store floors every record it adds. */
static inline int64_t clock_floor(int64_t t, int64_t unit)
{
    int64_t r = t % unit;
    return r < 0 ? t - r - unit : t - r;
}

int64_t clock_now(void);
/* Where a window that ends now ends, for the figures shown: the end of
 * the second under way (clock_now() or the second after it; frozen,
 * clock_now()). A window is [now - W, now) and records carry sub-second
 * times: ended at the start of the second under way, it left out the
 * records stamped in it - in a minute's first second, the whole minute's
 * bucket (a --once at hh:mm:00.6 did not count a request of
 * hh:mm:00.3). Alerts are evaluated at whole minutes, not at this. */
int64_t clock_window_end(void);
/* The real time, whatever --now says: for scheduling work (retries), never
 * for the figures. */
int64_t clock_wall(void);
/* Pretend it is t: frozen stays at t, otherwise time runs on from t. */
void clock_set(int64_t t, bool frozen);

/* "UTC", "local" or an IANA zone name (e.g. "Europe/Berlin"). Returns
 * false if the zone is unknown. */
bool clock_set_timezone(const char *tz);
/* The TZ environment variable as it was before the first
 * clock_set_timezone ("TZ=..." entry form, or NULL if it was unset): the
 * operator's, for the programs we run (hooks). */
const char *clock_operator_tz_env(void);
/* Whether clock_set_timezone would accept tz. */
bool clock_timezone_exists(const char *tz);
/* Start of the calendar day containing t, in the configured zone. */
int64_t clock_day_start(int64_t t);
/* Start of the next calendar day after t, in the configured zone. */
int64_t clock_day_end(int64_t t);

/* RFC 3339 (e.g. 2026-11-22T10:00:00Z, with optional fraction and offset)
 * or unix seconds. Returns 0 or -1. */
int clock_parse_time(const char *s, int64_t *out);
/* "30s", "5m", "1h", "1d" or combinations ("1h30m"). Returns 0 or -1. */
int clock_parse_duration(const char *s, int64_t *seconds);
/* t as RFC 3339 UTC ("2026-11-22T10:00:00Z"); buf of at least 32 bytes. */
void clock_format_utc(int64_t t, char *buf, size_t len);
/* t as HH:MM:SS in the configured zone, with its abbreviation. */
void clock_format_local(int64_t t, char *buf, size_t len);
/* A duration for people: "45s", "12m", "3h", "2d". */
void clock_format_duration(int64_t seconds, char *buf, size_t len);

#endif
