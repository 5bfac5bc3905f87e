/* source.h - the health of one configured source, as the view shows it.
 *
 * Each collector owns one and updates it; the view, the header and the
 * source_stale rule read it. Names are borrowed from the config.
 */
#ifndef SPENDTOP_SOURCE_H
#define SPENDTOP_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

enum source_state {
    SOURCE_STARTING,  /* nothing attempted yet */
    SOURCE_OK,
    SOURCE_ERROR,     /* the last attempt failed: see last_error */
};

struct source_status {
    const char *name;
    const char *type;            /* "otel_file", "openai", ... */
    /* A provider usage API source: totals for this provider come from it
     * (DESIGN.md §4 precedence). NULL for span sources. */
    const char *usage_provider;
    bool reports_billed;         /* a cost endpoint feeds billed_usd */
    /* A usage source that has answered once, in this run or an earlier
     * one (its stored cursor): only then is it its provider's source of
     * record. Until then (a wrong admin key from the first day) that
     * provider is counted from its spans: not $0.00, and not dollars the
     * usage source will also bring (it has brought none). */
    bool usage_known;
    enum source_state state;
    int64_t started;             /* when collection began (unix seconds) */
    int64_t last_success;        /* unix seconds; 0 = never */
    int64_t last_data;           /* when records last arrived; 0 = never */
    char last_error[256];        /* sanitised; never contains a secret */
    int64_t records;             /* records counted since start */
    int64_t rejected;            /* malformed lines/spans since start */
    int64_t no_usage;            /* inference calls counted without token
                                    counts (spend unknown) since start */
};

#endif
