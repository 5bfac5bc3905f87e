/* format.h - numbers for people, in short fixed shapes.
 *
 *   money     $0.04  $12.34  $999.99  $1.23k  $4.56M  $7.89B   (n/a if unknown)
 *   percent   12.3%                                           (n/a)
 *   ratio     1.50x  12.3x  123x                              (-)
 *   count     999  1.2k  12.3k  1.23M
 *
 * Unknown (NAN) never prints as a number.
 */
#ifndef SPENDTOP_FORMAT_H
#define SPENDTOP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

void fmt_usd(char *buf, size_t len, double usd);
void fmt_pct(char *buf, size_t len, double fraction);
void fmt_ratio(char *buf, size_t len, double ratio);
void fmt_count(char *buf, size_t len, int64_t n);
/* "12s ago", "5m ago", "3h ago", "never" */
void fmt_age(char *buf, size_t len, int64_t then, int64_t now);

#endif
