/* widgets.c - sparklines and bars (see widgets.h). */
#include "tui/widgets.h"

#include <math.h>
#include <string.h>

static const char *const utf8_levels[] = {
    "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
    "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
static const char *const ascii_levels[] = {"_", ".", "-", "=", "+", "*", "#", "@"};

const char *widget_spark_glyph(double v, double max, bool ascii)
{
    const char *const *levels = ascii ? ascii_levels : utf8_levels;
    if (!isfinite(v) || v <= 0 || !(max > 0))
        return isfinite(v) ? levels[0] : " ";
    int level = (int)ceil(v / max * 8) - 1;
    if (level < 0)
        level = 0;
    if (level > 7)
        level = 7;
    return levels[level];
}

void widget_sparkline(const double *v, int n, double max, bool ascii, char *buf,
                      size_t len)
{
    if (!(max > 0)) {
        max = 0;
        for (int i = 0; i < n; i++)
            if (isfinite(v[i]) && v[i] > max)
                max = v[i];
    }
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        const char *g = widget_spark_glyph(v[i], max, ascii);
        size_t gl = strlen(g);
        if (used + gl + 1 > len)
            break;
        memcpy(buf + used, g, gl);
        used += gl;
    }
    buf[used] = '\0';
}

void widget_bar(double f, int width, bool ascii, char *buf, size_t len)
{
    if (!isfinite(f) || f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    int full = (int)lround(f * width);
    const char *on = ascii ? "#" : "\xe2\x96\x88", *off = ascii ? "." : "\xe2\x96\x91";
    size_t used = 0;
    for (int i = 0; i < width; i++) {
        const char *g = i < full ? on : off;
        size_t gl = strlen(g);
        if (used + gl + 1 > len)
            break;
        memcpy(buf + used, g, gl);
        used += gl;
    }
    buf[used] = '\0';
}
