/* store.h - the rolling, time-bucketed aggregates (DESIGN.md §5).
 *
 * A series is one (source, provider, model, tenant). Each series holds a
 * tally per minute in which it saw usage (sparse), for the whole retention
 * (8 days), so every window sum and every baseline is exact to the minute.
 * Hourly sums are kept beside the minutes so that a 24-hour or 7-day sum
 * reads a few dozen numbers, not thousands.
 *
 * Compactly (issue 16): a series' minutes are one byte stream of hour
 * records, each with its hour's sum (core/hist.h, core/chunk.h): a varint
 * bitmask of the tally's non-zero fields, counts as varints, money exact
 * to the bit (a sum must not drift by rounding): a priced series' cost as
 * its distance from what the bucket's tokens come to at the series' rates
 * (struct tally_rates, below: a byte or two), other amounts as their raw 8
 * bytes. A typical bucket takes 8 to 16 bytes, no heap object of its own;
 * only the newest hour a series is written in is held raw, until a later
 * hour is written or the next store_dirty_clear.
 *
 * Interval convention: a sum over [t0, t1) adds the minute buckets whose
 * START lies in [t0, t1). A window of W seconds therefore always covers
 * exactly W/60 buckets, whatever the seconds of "now".
 *
 * The store knows nothing of SQLite: db.c persists what store_persist_each
 * reports, and store_load_bucket puts it back.
 */
#ifndef SPENDTOP_STORE_H
#define SPENDTOP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/clock.h"
#include "pricing/pricing.h"

/* Sums of usage records. Money in USD. */
struct tally {
    int64_t requests;
    int64_t errors;
    int64_t input;
    int64_t input_ck;       /* input of records whose cache reads are known */
    int64_t cache_read;
    int64_t cache_write_5m;
    int64_t cache_write_1h;
    int64_t output;
    int64_t output_rk;      /* output of records whose reasoning is known */
    int64_t reasoning;
    /* Counts of records (not tokens) whose facts are partly unknown, so
     * that a sum can say "unknown" instead of a wrong 0: */
    int64_t requests_unknown; /* records whose request count is unknown
                                 (usage from metrics): their `requests`
                                 are 0 and mean "not known" */
    int64_t no_usage;       /* calls counted without token counts (their
                               spend is unknown) */
    int64_t reported_n;     /* records that carried the sender's own cost */
    double cost;            /* token-priced estimate (priced series only) */
    double billed;          /* amount reported by a cost endpoint */
    double reported;        /* the sender's own cost (Claude Code's
                               cost_usd), beside the estimate, never
                               instead of it; known when reported_n > 0 */
};

/* A series' prices as USD per token of each class a cost is made of:
 * uncached input (input less cache reads and writes), cache reads, cache
 * writes (5 minutes, 1 hour), plain output (output less reasoning) and
 * reasoning. The store predicts a bucket's cost from its tokens with them
 * and keeps only how far the cost is from the prediction (core/chunk.h):
 * a prediction, never the cost, so that any rates (stale, rounded, of a
 * folded model) give every cost back exactly; good ones make it a byte. */
enum { TALLY_RATES = 6 };
struct tally_rates {
    double per_token[TALLY_RATES];
};

/* Counts saturate at the int64 range, never wrap (each record's counts are
 * at most USAGE_COUNT_MAX, usage.h; their sums are bounded only by their
 * number). */
void tally_add(struct tally *dst, const struct tally *src);
void tally_sub(struct tally *dst, const struct tally *src);
bool tally_is_zero(const struct tally *t);
/* Any usage at all: requests, or tokens (a provider's usage report may
 * count tokens without requests). */
bool tally_active(const struct tally *t);

/* A series is one (source, provider, model, tenant, tier). The tier is
 * every price dimension a record's cost depends on beyond its model and
 * token classes (DESIGN.md §4), so that spend can be computed again from
 * the stored tokens whenever the price table changes (store_reprice_series):
 * "" (standard), "batch", "priority" or "flex", and a long-context class
 * of one request's input (">200k", ">272k") after it: "batch>272k".
 * STORE_TIER_AS_STORED marks a
 * series from before tiers were stored (its share of each is unknown). */
struct series_key {
    const char *source;
    const char *provider;
    const char *model;
    const char *tenant;
    const char *tier;       /* NULL is "" */
};
#define STORE_TIER_AS_STORED "?"

/* Cardinality is bounded, and heals. Names come from untrusted spans: a
 * flood of made-up tenants, models or providers must not exhaust memory.
 *  - Live series are capped at STORE_MAX_SERIES: past it, a new series'
 *    tenant is folded into STORE_OVERFLOW_TENANT; past STORE_MAX_SERIES +
 *    STORE_OVERFLOW_SERIES, its provider and model too (STORE_OTHER_PROVIDER,
 *    STORE_OTHER_MODELS), so that at most one more series per source can
 *    ever be made.
 *  - Distinct model names per provider are capped at STORE_MAX_MODELS: a
 *    new name past it is folded into STORE_OTHER_MODELS (its spend was
 *    priced by its own name on the way in, so the money stays exact; the
 *    folded series is "partially priced" when priced and unpriced names
 *    meet in it).
 *  - A series whose last bucket has been pruned (its data aged out) is
 *    freed: it no longer counts against either cap, and its id is reused
 *    by the next new series. So new tenants get their own names again once
 *    old ones have gone quiet for the retention.
 * store_folding says how many records were folded. */
#define STORE_MAX_SERIES 100000
#define STORE_OVERFLOW_SERIES 1000
#define STORE_MAX_MODELS 1000
#define STORE_OVERFLOW_TENANT "(overflow)"
#define STORE_OTHER_MODELS "(other models)"
#define STORE_OTHER_PROVIDER "(other)"

struct store_folding {
    size_t series;          /* live series now */
    int64_t tenant_records; /* records whose tenant was folded (this process) */
    int64_t model_records;  /* records whose model was folded (this process) */
};

/* A baseline is the mean of the same window on up to this many previous
 * days (DESIGN.md §5); the store keeps them and the current day. */
#define BASELINE_DAYS 7
#define STORE_RETENTION ((BASELINE_DAYS + 1) * CLOCK_DAY)

struct store;

struct store *store_new(void);
void store_free(struct store *st);

/* The series for key, created if new (in a freed id when there is one).
 * Key strings are copied (interned). Never fails: past the caps names are
 * folded (above). */
int store_series(struct store *st, const struct series_key *key);
/* Room for n series at least, made at once (a load that knows how many
 * it reads: growing by doubling copied and touched twice the memory). */
void store_reserve(struct store *st, size_t n);
/* One past the highest id ever given: ids run 0 .. count - 1, and those
 * of freed series are not live (skip them). */
size_t store_series_count(const struct store *st);
bool store_series_live(const struct store *st, int id);
/* The interned key. Its strings stay valid while the id is not reused:
 * a freed series keeps its names until its id is given to another (so a
 * reader that copies what it keeps, like view.c, never sees them go). */
const struct series_key *store_series_key(const struct store *st, int id);
void store_folding(const struct store *st, struct store_folding *out);
/* How the series' model is priced. PRICE_PARTIAL is sticky. */
enum price_status store_series_price(const struct store *st, int id);
void store_series_set_price(struct store *st, int id, enum price_status s);

/* The rates series id's costs are written with (NULL: none, raw). */
const struct tally_rates *store_series_rates(const struct store *st, int id);
/* Write series id's costs with rates r from now on (NULL: raw): those it
 * holds are written again, and the series is dirty whole (its row and
 * every chunk: db.c keeps the rates in its row, and reads its chunks with
 * them). Its sums do not change. A load sets them before it puts chunks. */
void store_series_set_rates(struct store *st, int id, const struct tally_rates *r);

/* Price series id again (a price table changed): cost(ctx, t) is the cost
 * of minute tally t by the table in force (NAN: unpriced, stored as 0).
 * A bucket whose cost changes (beyond rounding) is updated, hour sums with
 * it, and marked dirty. Returns how many buckets changed. */
size_t store_reprice_series(struct store *st, int id,
                            double (*cost)(void *ctx, const struct tally *t), void *ctx);
/* The series' price status as the table in force says (not sticky). */
void store_series_reset_price(struct store *st, int id, enum price_status s);

/* Add t to the series' bucket for the minute containing ts. */
void store_add(struct store *st, int id, int64_t ts, const struct tally *t);
/* Make the bucket for the minute containing ts equal t (re-polled provider
 * buckets replace, they never add). A zero tally empties the bucket (and
 * db.c deletes its row). */
void store_set(struct store *st, int id, int64_t ts, const struct tally *t);
/* Zero every bucket of source's series in [t0, t1) (before a re-polled
 * range is written again): its billed series (model USAGE_BILLED_MODEL)
 * if billed, else the others. */
void store_clear_range(struct store *st, const char *source, int64_t t0,
                       int64_t t1, bool billed);
/* Put back a persisted bucket, added (not marked dirty). */
void store_load_bucket(struct store *st, int id, int64_t minute,
                       const struct tally *t);

/* *out = sum over [t0, t1) of series id (see the interval convention). */
void store_sum(const struct store *st, int id, int64_t t0, int64_t t1,
               struct tally *out);
/* out[i] = what store_sum gives for [iv[i][0], iv[i][1]), for i < n, in
 * one walk of the series (a view's dozen intervals). */
void store_sum_many(const struct store *st, int id, const int64_t (*iv)[2], int n,
                    struct tally *out);
/* Add series id's hourly sums for the n hours from hour-aligned t0 into
 * out[0..n) (out[i] += the hour starting t0 + i * 3600): one walk of the
 * hour index, for sparklines. */
void store_hourly(const struct store *st, int id, int64_t t0, int n,
                  struct tally *out);
/* Start of series id's first minute bucket whose start is >= t, or
 * INT64_MAX when it has none (a read, like store_sum: for a reader that
 * wants to know when a sum of the series over [now - x, now) next changes
 * as now moves). */
int64_t store_next_minute(const struct store *st, int id, int64_t t);
/* store_sum_many, store_next_minute (for many t) and store_hourly in one
 * walk of a series, each record decoded at most once for all of them (any
 * part may be empty): */
struct store_query {
    const int64_t (*iv)[2]; /* out[i] = the sum over iv[i], i < n */
    int n;
    struct tally *out;
    const int64_t *t;       /* next[k] = store_next_minute(t[k]), k < m */
    int m;
    int64_t *next;
    int64_t hour0;          /* hourly[i] += the sum of the hour starting
                               hour0 + i hours, i < nh (as store_hourly) */
    int nh;
    struct tally *hourly;
};
void store_query(const struct store *st, int id, const struct store_query *q);
/* Start of the earliest bucket held, or INT64_MAX when empty. */
int64_t store_first_minute(const struct store *st);
/* Drop buckets that start before t, and free the series left with none
 * (their ids are then reported by store_freed_each). Returns how many
 * buckets were dropped. */
size_t store_prune(struct store *st, int64_t before);
size_t store_bucket_count(const struct store *st);
/* Heap bytes the buckets take (their encoding, open hours, series slots):
 * with store_bucket_count, the bytes per stored bucket make bench prints. */
size_t store_bucket_bytes(const struct store *st);
/* Changes whenever any bucket does: a cheap "has anything changed?"; no
 * two stores of a process share one. */
uint64_t store_generation(const struct store *st);
/* Which series change, for a reader that keeps sums of its own (the
 * incremental view, core/view.h): fn(ctx, id) is called just BEFORE
 * series id changes in anything store_sum, store_hourly,
 * store_next_minute, store_series_price, store_series_key or
 * store_series_live answer - a bucket added, set, cleared, loaded,
 * repriced or pruned, its price status, its freeing, and a new series
 * made in its slot (id may then be >= the count the reader last saw) -
 * while the store still answers as before the change. It may be called
 * more than once for one change, never after it; fn only reads the store.
 * One watcher at a time; fn NULL stops. */
void store_watch(struct store *st, void (*fn)(void *ctx, int id), void *ctx);

/* Persistence (db.c keeps what the store keeps): a series' sealed hours
 * as one chunk per day (its hour records, core/hist.h), and the buckets of
 * its open hour as rows, so that the commits of a busy minute write a few
 * rows, not a day. store_persist_each calls, for every series changed
 * since the last store_dirty_clear (in id order):
 *   series(id, chunks_from, rows_from): delete the series' chunks of days
 *     from chunks_from on, and its rows from minute rows_from on (either
 *     INT64_MAX: none);
 *   chunk(id, day, data, len, newest, count) for each day from
 *     chunks_from on that has sealed hours (newest: its newest minute;
 *     count: its buckets);
 *   bucket(id, minute, t) for each open-hour bucket from rows_from on.
 * Then store_dirty_clear once they are safely stored. */
typedef int (*store_dirty_fn)(void *ctx, int id, int64_t minute,
                              const struct tally *t);
struct store_persist {
    int (*series)(void *ctx, int id, int64_t chunks_from, int64_t rows_from);
    int (*chunk)(void *ctx, int id, int64_t day, const uint8_t *data, size_t len,
                 int64_t newest, size_t count);
    store_dirty_fn bucket;
};
int store_persist_each(struct store *st, const struct store_persist *p, void *ctx);
/* Also seals the open hours no longer written to (a later hour has been,
 * in any series): their rows stay rows until their day's chunk is written
 * again, and a load reads both (a sealed hour's rows and its day's chunk
 * never both hold a minute). */
void store_dirty_clear(struct store *st);
/* Put back a persisted day chunk, its hours from `from` on (not marked
 * dirty). -1 if malformed (what it held before the bad record stays). */
int store_load_chunk(struct store *st, int id, int64_t day, int64_t from,
                     const uint8_t *data, size_t len);
/* Room for the day chunks of series id that a load is about to put, len
 * bytes in n chunks: one allocation for all of them; then, when they are
 * put, what is left of it given back. */
void store_reserve_chunks(struct store *st, int id, size_t len, size_t n);
/* The room to reserve for a persisted bucket put back after a series'
 * chunks (store_load_bucket): about what it takes sealed. */
size_t store_row_room(const struct tally *t);
/* After a series' chunks and buckets are put: its open hour sealed if a
 * later hour exists, and what is left of the room given back. */
void store_fit_chunks(struct store *st, int id);
/* Drop the buckets before t (not freeing series, not marked): what a load
 * read of a day that straddles its start. */
void store_trim(struct store *st, int64_t before);
/* Drop series id's buckets at or after t (not marked): a viewer reads
 * them again. */
void store_drop_from(struct store *st, int id, int64_t t);
size_t store_dirty_count(const struct store *st);
/* Series created, or whose price status changed, since the last
 * store_dirty_clear. Calls fn(ctx, id) for each. */
int store_series_dirty_each(struct store *st, int (*fn)(void *ctx, int id),
                            void *ctx);
/* Series freed since the last store_dirty_clear, as fn(ctx, id): forget
 * them (db.c deletes their rows) BEFORE writing the dirty series, since
 * a freed id may already hold a new series. */
int store_freed_each(struct store *st, int (*fn)(void *ctx, int id), void *ctx);

#endif
