/* hist.h - one series' minute buckets, compact (the store's, store.h).
 *
 * Sealed hours are one byte stream of hour records (core/chunk.h: each
 * with its hour's sum, the rollup long sums read), in time order, a few
 * bytes per bucket and no heap object per bucket. The newest hour written
 * is "open": its buckets raw, so that the records of one minute add in
 * place; it is sealed (encoded onto the stream) when a later hour is
 * written, or by hist_seal. A write into a sealed hour (a late record, a
 * re-polled provider bucket, a repricing) decodes that one record,
 * changes it, encodes it again and splices it in: rare, and bounded by an
 * hour's 60 buckets plus the stream's tail moved.
 *
 * Times are seconds; a bucket's minute is its start. hist knows nothing of
 * series, dirtiness or the database: the store does.
 */
#ifndef SPENDTOP_HIST_H
#define SPENDTOP_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"

struct hist {
    uint8_t *data;          /* sealed hour records */
    uint32_t len, cap;
    uint32_t count;         /* buckets, sealed and open */
    int64_t base;           /* the hour the first record's dh counts from */
    int64_t last;           /* the last sealed record's hour (len > 0) */
    int64_t open_hour;      /* HIST_NONE: no open hour */
    struct chunk_bucket *open;  /* its buckets, ascending */
    uint8_t nopen, open_cap;
    /* How its costs are written (core/chunk.h; NULL: raw). The owner's:
     * it must outlive its use here, and hist_free leaves it. */
    const struct tally_rates *rates;
};
#define HIST_NONE INT64_MIN

void hist_free(struct hist *h);
size_t hist_count(const struct hist *h);
/* Heap bytes held (for the figures: bytes per stored bucket). */
size_t hist_bytes(const struct hist *h);

/* Add t to the bucket of the minute containing ts (set: make it t). A
 * bucket left zero is removed. Returns whether the bucket exists after. */
bool hist_write(struct hist *h, int64_t ts, const struct tally *t, bool set);
/* Encode the open hour onto the stream (and free its buffer). */
void hist_seal(struct hist *h);

/* *out += the buckets whose minute lies in [t0, t1), whole hours from
 * their rollups. */
void hist_sum(const struct hist *h, int64_t t0, int64_t t1, struct tally *out);
/* out[i] += what hist_sum(h, iv[i][0], iv[i][1]) adds, for i < n: one
 * walk of the records for every interval. */
void hist_sum_many(const struct hist *h, const int64_t (*iv)[2], int n, struct tally *out);
/* out[i] += the sum of the hour starting t0 + i hours, for i < n. */
void hist_hourly(const struct hist *h, int64_t t0, int n, struct tally *out);
/* out[k] = the minute of the first bucket at or after t[k] (INT64_MAX:
 * none), for k < n, in one walk of the records. */
void hist_next_many(const struct hist *h, const int64_t *t, int n, int64_t *out);
/* What store.h's struct store_query asks, in one walk of the records
 * (out[] added to, not set). */
void hist_query(const struct hist *h, const struct store_query *q);
/* The first bucket's minute, INT64_MAX when empty. */
int64_t hist_first(const struct hist *h);
/* fn(ctx, bucket) for each bucket whose minute lies in [t0, t1), in time
 * order; stops at fn's first non-0, which it returns. */
int hist_each(const struct hist *h, int64_t t0, int64_t t1,
              int (*fn)(void *ctx, const struct chunk_bucket *b), void *ctx);
/* Drop the buckets before t; returns how many. */
size_t hist_prune(struct hist *h, int64_t t);
/* Let fn change each bucket's tally (given its minute) (it returns whether it did; a tally
 * it leaves zero is removed); records that changed are encoded again.
 * *first = the earliest minute changed (unchanged when none). Returns how
 * many buckets changed. */
size_t hist_map(struct hist *h, bool (*fn)(void *ctx, int64_t minute, struct tally *t),
                void *ctx, int64_t *first);

/* Write the sealed records with rates (NULL: raw) from now on, and every
 * one held again; h->rates must still be the old ones until then. */
void hist_set_rates(struct hist *h, const struct tally_rates *rates);

/* The sealed records of the day starting day, as the database keeps them
 * (the first record's dh counted from day), into *buf (grown); returns
 * their length, 0 when the day has none; *newest = the newest minute,
 * *count = the buckets. */
size_t hist_day(const struct hist *h, int64_t day, uint8_t **buf, size_t *cap,
                int64_t *newest, size_t *count);
/* What appending a day's records (hist_load_day) may add to their own
 * length: the first record's header is made relative to the stream's last
 * record, a gap of up to 2^21 hours in a 3-byte varint instead of 1. A
 * longer gap still loads, with a reallocation. */
#define HIST_LOAD_DAY_EXTRA 2
/* The room a load leaves after a series' records: the next hour sealed
 * is appended there (a stream grown by an append takes an eighth more). */
#define HIST_LOAD_ROOM 32
/* Room for len bytes more of sealed records, made at once; and what is
 * left of it given back (the records a load skipped, older than it
 * wanted, or a day it refused). */
void hist_reserve(struct hist *h, size_t len);
void hist_fit(struct hist *h);
/* Put back a day's records (as hist_day made them, written with h's
 * rates), those of hours from from on: appended when they follow what is
 * held, else bucket by bucket. Every record is decoded first: -1 (nothing
 * more added) if malformed. */
int hist_load_day(struct hist *h, int64_t day, int64_t from, const uint8_t *data, size_t len);
/* Drop every bucket at or after t. */
void hist_drop_from(struct hist *h, int64_t t);

#endif
