/* fuzz_sum.h - what a fuzz target's sink does with a record: what the
 * ingest does (core/ingest.c), without pricing or a database. A record
 * usage_refusal refuses is refused (-1); any other is added to a running
 * sum of every input so far with tally_add, so that UndefinedBehaviorSanitizer
 * (-fsanitize=undefined includes signed-integer-overflow) sees every sum a
 * hostile export can make. */
#ifndef SPENDTOP_FUZZ_SUM_H
#define SPENDTOP_FUZZ_SUM_H

#include "core/store.h"
#include "core/usage.h"

static int fuzz_sum_put(const struct usage *u)
{
    static struct tally sum;
    char why[160];
    if (usage_refusal(u, 0, why, sizeof why))
        return -1;
    struct tally t = {
        .requests = u->requests, .errors = u->errors, .input = u->input,
        .cache_read = u->cache_read, .cache_write_5m = u->cache_write_5m,
        .cache_write_1h = u->cache_write_1h, .output = u->output,
        .reasoning = u->reasoning,
    };
    /* twice: one record at the cap must not overflow a sum either */
    tally_add(&sum, &t);
    tally_add(&sum, &t);
    return 1;
}

#endif
