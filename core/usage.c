/* usage.c - what a record may hold (see usage.h). */
#include "core/usage.h"

#include <inttypes.h>
#include <stdio.h>

const char *usage_refusal(const struct usage *u, int64_t now, char *buf, size_t len)
{
    const struct { const char *name; int64_t n; } counts[] = {
        {"requests", u->requests},
        {"errors", u->errors},
        {"input tokens", u->input},
        {"cache read tokens", u->cache_read},
        {"cache write tokens", u->cache_write_5m},
        {"1-hour cache write tokens", u->cache_write_1h},
        {"output tokens", u->output},
        {"reasoning tokens", u->reasoning},
    };
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        if (counts[i].n < 0 || counts[i].n > USAGE_COUNT_MAX) {
            snprintf(buf, len, "%s: %" PRId64 " is outside 0..10^12", counts[i].name,
                     counts[i].n);
            return buf;
        }
    }
    if (now && u->ts > now + USAGE_FUTURE_MAX) {
        snprintf(buf, len, "dated %" PRId64 " s after the receiver's clock (at most %d)",
                 u->ts - now, USAGE_FUTURE_MAX);
        return buf;
    }
    return NULL;
}
