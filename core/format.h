/* format.h - numbers, windows and times for people: the one set that the
 * dashboard, the text snapshot and the JSON snapshot print with.
 *
 * Two widths of the same conventions. Short, for the dashboard's fixed
 * columns:
 *   money     $0.04  $12.34  $999.99  $1.23k  $4.56M  $7.89B   (n/a)
 *   percent   12.3%  1250%                                     (n/a)
 *   ratio     1.50x  12.3x  123x                               (-)
 *   count     999  1.2k  12.3k  1.23M  (requests, tokens, records)
 * Full, for the text snapshot (every cent, a figure to paste in a ticket):
 *   money     $1351.95   percent 1250.0%   ratio 26.07x        (n/a)
 *
 * Unknown (NAN, or any value that is not finite) never prints as a number:
 * that is the dashboard's half of "unknown is never $0".
 *
 * Windows and times (the JSON snapshot's strings too):
 *   window    1h  6h  24h  90m  today
 *   time      2026-11-22T10:00:00Z, or "never" for 0;  clock  14:03:07 CET
 *   duration  45s  12m  3h  2d;   age  "12s ago", "never"
 *
 * Every function writes a NUL-terminated string into buf (len bytes,
 * truncated if smaller; 32 is enough for all of them).
 */
#ifndef SPENDTOP_FORMAT_H
#define SPENDTOP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

void fmt_usd(char *buf, size_t len, double usd);
void fmt_pct(char *buf, size_t len, double fraction);
void fmt_ratio(char *buf, size_t len, double ratio);
void fmt_count(char *buf, size_t len, int64_t n);

void fmt_usd_full(char *buf, size_t len, double usd);
void fmt_pct_full(char *buf, size_t len, double fraction);
void fmt_ratio_full(char *buf, size_t len, double ratio);

/* The name of a window of this many seconds ("today" for 0). */
void fmt_window(char *buf, size_t len, int64_t seconds);
/* t as RFC 3339 UTC; "never" when t <= 0 (nothing happened yet). */
void fmt_time(char *buf, size_t len, int64_t t);
/* t as HH:MM:SS in the configured zone (lib/clock.h), with its
 * abbreviation: the dashboard's clock. */
void fmt_clock(char *buf, size_t len, int64_t t);
void fmt_duration(char *buf, size_t len, int64_t seconds);
/* A budget's forecast (core/budget.h) at now, for people: "crosses ~Tue
 * 14:20" (in the configured zone; more than 6 days ahead "crosses ~Mon 21
 * Dec"), "not this period", "over" once the amount is reached, "n/a" when
 * its spend is unknown. */
void fmt_forecast(char *buf, size_t len, double used, int64_t forecast_at, int64_t now);
/* How long ago then was at now: "12s ago", "5m ago"; "never" for 0. */
void fmt_age(char *buf, size_t len, int64_t then, int64_t now);

#endif
