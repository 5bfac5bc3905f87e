/* widgets.h - sparklines and bars as text.
 *
 * UTF-8 block elements by default; with ascii, plain characters that any
 * terminal shows (for a locale that is not UTF-8, or --ascii).
 */
#ifndef SPENDTOP_WIDGETS_H
#define SPENDTOP_WIDGETS_H

#include <stdbool.h>
#include <stddef.h>

/* The glyph for one sparkline cell: v on a scale of 0..max (8 levels).
 * Unknown (NAN) is a space; any value above 0 shows at least the lowest
 * level, so "a little" never looks like "nothing". */
const char *widget_spark_glyph(double v, double max, bool ascii);
/* n cells of values into buf, scaled to max (max <= 0: the largest value). */
void widget_sparkline(const double *values, int n, double max, bool ascii,
                      char *buf, size_t len);
/* A bar of width cells filled to fraction (clipped to 0..1). */
void widget_bar(double fraction, int width, bool ascii, char *buf, size_t len);

#endif
