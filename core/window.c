/* window.c - the windows spendtop shows (see window.h). */
#include "core/window.h"

#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/settings.h"

const char *const window_names[] = {"1h", "6h", "24h", NULL};

size_t window_count(void)
{
    return sizeof window_names / sizeof *window_names - 1;
}

int64_t window_at(size_t i)
{
    int64_t s = 0;
    if (i >= window_count() || clock_parse_duration(window_names[i], &s) != 0)
        abort(); /* a caller past the table, or a name that is no duration */
    return s;
}

int window_parse(const char *name, int64_t *seconds)
{
    for (size_t i = 0; i < window_count(); i++) {
        if (strcmp(window_names[i], name) == 0) {
            *seconds = window_at(i);
            return 0;
        }
    }
    return -1;
}

bool window_exists(int64_t seconds)
{
    for (size_t i = 0; i < window_count(); i++)
        if (window_at(i) == seconds)
            return true;
    return false;
}

void window_list(struct strbuf *out, bool quoted)
{
    settings_join(out, window_names, quoted ? "\"" : "", ", ", " or ");
}
