/* ingest.c - price, dedupe and store records (see ingest.h). */
#include "core/ingest.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/sanitize.h"
#include "core/calls.h"
#include "lib/xalloc.h"

#define PRUNE_EVERY (10 * CLOCK_MINUTE)

struct ingest {
    struct sink sink;     /* first: the sink is the ingest */
    struct store *st;
    struct db *db;
    struct pricing *pricing;
    struct calls *calls;  /* spans seen, calls counted */
    struct hmap cursors;  /* "source\0key" -> value (staged) */
    int64_t last_prune;
    int64_t newest;       /* the newest record's time stored, INT64_MIN: none */
    struct ingest_stats stats;
    /* calls_load: not yet (the first span does it), done, or failed
     * (calls_err says why; nothing is written any more) */
    enum { CALLS_UNREAD, CALLS_READ, CALLS_FAILED } calls_state;
    char calls_err[256];
    /* what the store's spend is priced by, to write at the next flush
     * (with what it priced): priced_by(in), or not one table (!fp_known) */
    bool fp_pending, fp_known;
    uint64_t fp;
};

/* How reprice_series prices a series: bump with any change to it (or to
 * record_tier's mapping) that changes the cost it gives. */
#define REPRICE_REVISION 1

/* A name as stored: cut to USAGE_NAME_MAX bytes, never empty. Copies only
 * when it must (this runs four times per span). */
static const char *bounded(const char *s, char *buf, const char *fallback)
{
    if (!s || !*s)
        return fallback;
    size_t n = strnlen(s, USAGE_NAME_MAX + 1);
    if (n <= USAGE_NAME_MAX)
        return s;
    memcpy(buf, s, USAGE_NAME_MAX + 1);
    buf[USAGE_NAME_MAX] = '\0';
    sanitize_cut(buf, USAGE_NAME_MAX);
    return buf;
}

/* The price tiers (store.h), each with what pricing needs of it: batch
 * rates, and the input size of one request of the long-context class (the
 * table's tiers start above 200k and 272k tokens). */
static const struct tier {
    const char *name;
    bool batch;
    int service;            /* pricing_tokens' */
    int64_t request_input;
} tiers[] = {
    {"", false, 0, 0},                 {">200k", false, 0, 200001},
    {">272k", false, 0, 272001},       {"batch", true, 0, 0},
    {"batch>200k", true, 0, 200001},   {"batch>272k", true, 0, 272001},
    {"priority", false, 1, 0},         {"priority>200k", false, 1, 200001},
    {"priority>272k", false, 1, 272001}, {"flex", false, 2, 0},
    {"flex>200k", false, 2, 200001},   {"flex>272k", false, 2, 272001},
};

/* Batch, else the service tier; then the long-context class: of one
 * request's input (a span), or of a group of long-context requests. */
static const struct tier *record_tier(const struct usage *u)
{
    int ctx = u->long_context ? 1
              : !u->per_request ? 0 : u->input > 272000 ? 2 : u->input > 200000 ? 1 : 0;
    int base = u->batch                                  ? 1
               : u->service == USAGE_SERVICE_PRIORITY ? 2
               : u->service == USAGE_SERVICE_FLEX     ? 3 : 0;
    return &tiers[base * 3 + ctx];
}

const char *ingest_tier(const struct usage *u) { return record_tier(u)->name; }

static const struct tier *tier_named(const char *name)
{
    for (size_t i = 0; i < sizeof tiers / sizeof *tiers; i++)
        if (strcmp(tiers[i].name, name) == 0)
            return &tiers[i];
    return NULL;
}

void ingest_pricing_tokens(const struct usage *u, struct pricing_tokens *out)
{
    *out = (struct pricing_tokens){
        .input = u->input,
        .cache_read = u->cache_known ? u->cache_read : 0,
        .cache_write_5m = u->cache_write_5m,
        .cache_write_1h = u->cache_write_1h,
        .output = u->output,
        .reasoning = u->reasoning_known ? u->reasoning : 0,
        .batch = u->batch,
        .service = record_tier(u)->service,
        /* the class's, which repricing will use too (the same tier) */
        .request_input = record_tier(u)->request_input,
        .provider = u->provider,
    };
}

/* A better span of a call arrived: what the call counted so far leaves
 * the store (its own series and minute), the better span's usage comes in. */
static void take_back(struct ingest *in, const struct calls_ref *call, int64_t now)
{
    int series;
    int64_t minute;
    struct tally old, minus = {0};
    calls_counted(in->calls, call, &series, &minute, &old);
    in->stats.replaced++;
    /* a count older than the retention is pruned (or about to be, and out
     * of every window): nothing to take back - and its series may have
     * been freed, its id given to another (store.h) */
    if (minute < now - STORE_RETENTION)
        return;
    tally_sub(&minus, &old);
    store_add(in->st, series, minute, &minus);
}

/* What the retention is measured back from: the newest data stored, or
 * the clock when that is earlier. A clock that jumps ahead of the data
 * (one run with a wrong --now or system time) prunes nothing: only data
 * dated later does, and no record is dated far past the clock. */
static int64_t reference(const struct ingest *in, int64_t now)
{
    return in->newest != INT64_MIN && in->newest < now ? in->newest : now;
}

/* The spans remembered in the database, read back before the first span
 * is checked against them (ingest_start). 0, or -1 once the read failed. */
static int read_calls(struct ingest *in, int64_t now)
{
    if (in->calls_state == CALLS_UNREAD) {
        in->calls_state = CALLS_READ;
        if (in->db && calls_load(in->calls, in->db, in->st, now, in->calls_err,
                                 sizeof in->calls_err) != 0) {
            in->calls_state = CALLS_FAILED;
            log_msg(LOG_ERROR, "cannot read the database: %s (nothing more is written: "
                    "restart spendtop)", in->calls_err);
        }
    }
    return in->calls_state == CALLS_READ ? 0 : -1;
}

/* One record more that the history does not reach back to. Said in the
 * log at the 1st, the 10th, the 100th... (an old export replayed is
 * otherwise "$0.00, ok": valid, counted nowhere). */
static void too_old(struct ingest *in, const struct usage *u, int64_t cutoff)
{
    int64_t n = ++in->stats.too_old;
    while (n % 10 == 0)
        n /= 10;
    if (n != 1)
        return;
    char at[40], from[40];
    clock_format_utc(u->ts, at, sizeof at);
    clock_format_utc(cutoff, from, sizeof from);
    log_msg(LOG_WARN, "%" PRId64 " record%s older than the history keeps (8 days, from %s) "
            "not counted: the last of source '%s', at %s (to replay an old export: --now at "
            "its time, and a scratch --db)", in->stats.too_old,
            in->stats.too_old == 1 ? "" : "s", from, u->source ? u->source : "?", at);
}

/* The rates a series priced with entry pr, at the tier and discount tk
 * says, is written with (store.h struct tally_rates): the cost of one
 * token of each class, found by pricing one (so that no second copy of
 * how a price is made lives here). false when unpriced. */
static bool series_rates(const struct pricing *p, const struct price *pr,
                         const struct pricing_tokens *tk, struct tally_rates *out)
{
    static const struct pricing_tokens unit[TALLY_RATES] = {
        {.input = 1}, {.input = 1, .cache_read = 1}, {.input = 1, .cache_write_5m = 1},
        {.input = 1, .cache_write_1h = 1}, {.output = 1}, {.output = 1, .reasoning = 1},
    };
    for (int i = 0; i < TALLY_RATES; i++) {
        struct pricing_tokens one = *tk;
        one.input = unit[i].input;
        one.cache_read = unit[i].cache_read;
        one.cache_write_5m = unit[i].cache_write_5m;
        one.cache_write_1h = unit[i].cache_write_1h;
        one.output = unit[i].output;
        one.reasoning = unit[i].reasoning;
        double usd;
        if (pricing_cost(p, pr, &one, &usd) == PRICE_NONE || !isfinite(usd))
            return false;
        out->per_token[i] = usd;
    }
    return true;
}

/* A series' first priced record gives it its rates (a series of folded
 * model names has none: its records are priced by several entries). */
static void give_rates(struct ingest *in, int id, const struct price *pr,
                       const struct pricing_tokens *tk)
{
    struct tally_rates r;
    const char *model = store_series_key(in->st, id)->model;
    if (store_series_rates(in->st, id) || strcmp(model, STORE_OTHER_MODELS) == 0 ||
        strcmp(model, USAGE_BILLED_MODEL) == 0 || !series_rates(in->pricing, pr, tk, &r))
        return;
    store_series_set_rates(in->st, id, &r);
}

static int put(struct sink *sink, const struct usage *u)
{
    struct ingest *in = (struct ingest *)sink;
    int64_t now = clock_now();
    char why[160];
    if (usage_refusal(u, now, why, sizeof why)) {
        in->stats.refused++;
        return -1;
    }
    if (u->ts < reference(in, now) - STORE_RETENTION) {
        too_old(in, u, reference(in, now) - STORE_RETENTION);
        return 0;
    }
    struct calls_ref call = {.verdict = CALLS_NEW};
    if (u->dedup_key) {
        if (read_calls(in, now) != 0)
            return -1; /* unknown whether counted before: never counted twice */
        enum calls_verdict v = calls_check(in->calls, u, &call);
        if (v == CALLS_SEEN || v == CALLS_SAME) {
            in->stats.duplicates += v == CALLS_SEEN;
            in->stats.same_call += v == CALLS_SAME;
            calls_remember(in->calls, &call, u, 0, 0, NULL, now);
            return 0;
        }
    }
    char pbuf[USAGE_NAME_MAX + 2], mbuf[USAGE_NAME_MAX + 2];
    char tbuf[USAGE_NAME_MAX + 2], sbuf[USAGE_NAME_MAX + 2];
    const char *provider = bounded(u->provider, pbuf, "unknown");
    const char *reported = bounded(u->model, mbuf, "unknown");
    const char *name;
    const struct price *pr = pricing_lookup(in->pricing, provider, reported, &name);
    double usd;
    struct pricing_tokens tokens;
    ingest_pricing_tokens(u, &tokens);
    tokens.provider = provider;
    enum price_status status = pricing_cost(in->pricing, pr, &tokens, &usd);

    struct tally t = {
        .requests = u->requests,
        .errors = u->errors,
        .input = u->input,
        .input_ck = u->cache_known ? u->input : 0,
        .cache_read = u->cache_known ? u->cache_read : 0,
        .cache_write_5m = u->cache_write_5m,
        .cache_write_1h = u->cache_write_1h,
        .output = u->output,
        .output_rk = u->reasoning_known ? u->output : 0,
        .reasoning = u->reasoning_known ? u->reasoning : 0,
        .requests_unknown = u->requests_unknown,
        .no_usage = u->tokens_unknown,
        .reported_n = u->has_reported,
        .cost = status == PRICE_NONE ? 0 : usd,
        .billed = u->has_billed ? u->billed_usd : 0,
        .reported = u->has_reported ? u->reported_usd : 0,
    };
    struct series_key key = {
        bounded(u->source, sbuf, "unknown"), provider, name,
        u->tenant ? bounded(u->tenant, tbuf, "") : "", ingest_tier(u),
    };
    int id = store_series(in->st, &key);
    /* a billed-only record (a cost report) says nothing about pricing */
    if (u->requests || u->input || u->output)
        store_series_set_price(in->st, id, status);
    if (status != PRICE_NONE)
        give_rates(in, id, pr, &tokens);
    if (call.verdict == CALLS_BETTER)
        take_back(in, &call, now);
    store_add(in->st, id, u->ts, &t);
    if (u->dedup_key)
        calls_remember(in->calls, &call, u, id, u->ts, &t, now);
    if (u->ts > in->newest)
        in->newest = u->ts;
    in->stats.counted++;
    return 1;
}

static size_t cursor_key(char *buf, size_t len, const char *source, const char *key)
{
    int n = snprintf(buf, len, "%s%c%s", source, '\0', key);
    return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

static void cursor(struct sink *sink, const char *source, const char *key,
                   const char *value)
{
    struct ingest *in = (struct ingest *)sink;
    char buf[1024];
    size_t n = cursor_key(buf, sizeof buf, source, key);
    void **slot = hmap_put(&in->cursors, buf, n);
    free(*slot);
    *slot = xstrdup(value);
}

static int cursor_each(struct sink *sink, const char *source,
                       int (*fn)(void *ctx, const char *key, const char *value),
                       void *ctx, char *err, size_t errlen)
{
    struct ingest *in = (struct ingest *)sink;
    if (in->db && db_cursor_each(in->db, source, fn, ctx) != 0) {
        snprintf(err, errlen, "source %s: cannot read its stored positions: %s", source,
                 db_error(in->db));
        return -1;
    }
    /* staged (not yet flushed) positions are newer than stored ones */
    for (size_t i = 0; i < in->cursors.cap; i++) {
        const struct hmap_entry *e = &in->cursors.slots[i];
        if (e->key && strcmp(e->key, source) == 0 && *(const char *)e->val)
            fn(ctx, e->key + strlen(e->key) + 1, e->val);
    }
    return 0;
}

static void clear_range(struct sink *sink, const char *source, int64_t t0, int64_t t1,
                        bool billed)
{
    struct ingest *in = (struct ingest *)sink;
    store_clear_range(in->st, source, t0, t1, billed);
}

static int flush(struct sink *sink, char *err, size_t errlen)
{
    return ingest_flush((struct ingest *)sink, err, errlen);
}

struct ingest *ingest_new(struct store *st, struct db *db, struct pricing *p)
{
    struct ingest *in = xcalloc(1, sizeof *in);
    in->sink.put = put;
    in->sink.cursor = cursor;
    in->sink.cursor_each = cursor_each;
    in->sink.clear_range = clear_range;
    in->sink.flush = flush;
    in->st = st;
    in->db = db;
    in->pricing = p;
    in->calls = calls_new();
    in->newest = INT64_MIN;
    return in;
}

void ingest_set_pricing(struct ingest *in, struct pricing *p)
{
    in->pricing = p;
    /* until ingest_reprice, stored spend and new records' may differ */
    in->fp_pending = true;
    in->fp_known = false;
}

void ingest_free(struct ingest *in)
{
    if (!in)
        return;
    calls_free(in->calls);
    hmap_free(&in->cursors, free);
    free(in);
}

struct sink *ingest_sink(struct ingest *in) { return &in->sink; }

/* The name of what prices the stored spend: the table in force (its
 * fingerprint), the tiers and how a series is priced again. */
static uint64_t priced_by(const struct ingest *in)
{
    uint64_t h = pricing_fingerprint(in->pricing) ^ REPRICE_REVISION;
    for (size_t i = 0; i < sizeof tiers / sizeof *tiers; i++) {
        const struct tier *t = &tiers[i];
        int64_t v[] = {t->batch, t->service, t->request_input};
        h = (h ^ hmap_hash(t->name, strlen(t->name))) * 0x100000001b3u;
        h = (h ^ hmap_hash(v, sizeof v)) * 0x100000001b3u;
    }
    return h;
}

/* Is the stored spend priced by what is in force? 0, or -1 with err. */
static int priced_already(struct ingest *in, bool *yes, char *err, size_t errlen)
{
    bool known;
    uint64_t fp;
    *yes = false;
    if (!in->db)
        return 0;
    if (db_prices_applied(in->db, &known, &fp) != 0) {
        snprintf(err, errlen, "%s", db_error(in->db));
        return -1;
    }
    *yes = known && fp == priced_by(in);
    return 0;
}

int ingest_start(struct ingest *in, char *err, size_t errlen)
{
    if (in->db) {
        int64_t now = clock_now();
        if (db_newest_minute(in->db, &in->newest) != 0) {
            snprintf(err, errlen, "%s", db_error(in->db));
            return -1;
        }
        if (in->newest != INT64_MIN && now - in->newest > STORE_RETENTION)
            log_msg(LOG_WARN, "the clock is %" PRId64 " days past the newest data stored: "
                    "nothing is pruned until newer data arrives (is the clock right?)",
                    (now - in->newest) / CLOCK_DAY);
    }
    /* the same table priced it: pricing it again would change nothing
     * (at 100,000 series, a walk of every stored bucket: 0.07-0.1 s) */
    bool same;
    if (priced_already(in, &same, err, errlen) != 0)
        return -1;
    if (same)
        return 0;
    size_t n = ingest_reprice(in);
    if (n)
        log_msg(LOG_INFO, "prices: %zu stored minutes priced again with the table in force", n);
    return 0;
}

/* One series being priced again: its entry and tier, and the worst status
 * its buckets price at. */
struct repricing {
    const struct pricing *p;
    const struct price *pr;
    struct pricing_tokens tk;
    enum price_status status;
};

static double bucket_cost(void *ctx, const struct tally *t)
{
    struct repricing *r = ctx;
    r->tk.input = t->input;
    r->tk.cache_read = t->cache_read;
    r->tk.cache_write_5m = t->cache_write_5m;
    r->tk.cache_write_1h = t->cache_write_1h;
    r->tk.output = t->output;
    r->tk.reasoning = t->reasoning;
    double usd;
    if (pricing_cost(r->p, r->pr, &r->tk, &usd) == PRICE_PARTIAL)
        r->status = PRICE_PARTIAL;
    return usd;
}

/* Series id priced again; how many of its buckets changed. */
static size_t reprice_series(struct ingest *in, int id)
{
    const struct series_key *k = store_series_key(in->st, id);
    /* billed amounts never change; folded model names are gone (their
     * spend was priced by name on the way in, and stays) */
    if (strcmp(k->model, USAGE_BILLED_MODEL) == 0 || strcmp(k->model, STORE_OTHER_MODELS) == 0)
        return 0;
    const struct tier *tier = tier_named(k->tier);
    if (!tier) { /* as stored (or a tier this code does not know) */
        if (store_series_price(in->st, id) != PRICE_NONE)
            return 0;
        tier = &tiers[0];
    }
    const char *name;
    struct repricing r = {
        .p = in->pricing,
        .pr = pricing_lookup(in->pricing, k->provider, k->model, &name),
        .tk = {.batch = tier->batch, .service = tier->service,
               .request_input = tier->request_input, .provider = k->provider},
        .status = PRICE_FULL,
    };
    /* costs are written as their distance from the new prices' */
    struct tally_rates rates;
    if (r.pr && series_rates(r.p, r.pr, &r.tk, &rates))
        store_series_set_rates(in->st, id, &rates);
    size_t n = store_reprice_series(in->st, id, bucket_cost, &r);
    store_series_reset_price(in->st, id, r.pr ? r.status : PRICE_NONE);
    return n;
}

size_t ingest_reprice(struct ingest *in)
{
    size_t n = 0;
    for (size_t id = 0; id < store_series_count(in->st); id++)
        if (store_series_live(in->st, (int)id))
            n += reprice_series(in, (int)id);
    /* every bucket is now priced by the table in force: say so with them */
    in->fp_pending = true;
    in->fp_known = true;
    in->fp = priced_by(in);
    return n;
}

bool ingest_pending(const struct ingest *in)
{
    return store_dirty_count(in->st) > 0 || in->cursors.count > 0 || in->fp_pending ||
           calls_pending(in->calls);
}

const struct ingest_stats *ingest_stats(const struct ingest *in) { return &in->stats; }

static int forget_series(void *ctx, int id)
{
    struct ingest *in = ctx;
    return db_forget_series(in->db, id);
}

static int put_series(void *ctx, int id)
{
    struct ingest *in = ctx;
    return db_put_series(in->db, in->st, id);
}

static int put_from(void *ctx, int id, int64_t chunks_from, int64_t rows_from)
{
    struct ingest *in = ctx;
    return db_put_from(in->db, in->st, id, chunks_from, rows_from);
}

static int put_chunk(void *ctx, int id, int64_t day, const uint8_t *data, size_t len,
                     int64_t newest, size_t count)
{
    struct ingest *in = ctx;
    return db_put_chunk(in->db, in->st, id, day, data, len, newest, count);
}

static int put_row(void *ctx, int id, int64_t minute, const struct tally *t)
{
    struct ingest *in = ctx;
    return db_put_bucket(in->db, in->st, id, minute, t);
}

static const struct store_persist persist = {put_from, put_chunk, put_row};

int ingest_flush(struct ingest *in, char *err, size_t errlen)
{
    int64_t now = clock_now();
    /* nothing stored, nothing to prune */
    bool prune = now - in->last_prune >= PRUNE_EVERY && in->newest != INT64_MIN;
    int64_t cutoff = reference(in, now) - STORE_RETENTION;
    if (prune)
        store_prune(in->st, cutoff);
    if (!in->db) {
        store_dirty_clear(in->st);
        calls_flushed(in->calls);
        hmap_free(&in->cursors, free);
        in->fp_pending = false;
        in->last_prune = prune ? now : in->last_prune;
        return 0;
    }
    if (!ingest_pending(in) && !prune)
        return 0;
    if (in->calls_state == CALLS_FAILED) {
        /* spans were refused, their sources' positions moved past them:
         * committing those positions would lose them */
        snprintf(err, errlen, "cannot read the database (restart spendtop): %s",
                 in->calls_err);
        return -1;
    }
    if (db_begin(in->db) != 0)
        goto fail;
    /* freed series first: their ids may hold new series already */
    if (store_freed_each(in->st, forget_series, in) != 0 ||
        store_series_dirty_each(in->st, put_series, in) != 0 ||
        store_persist_each(in->st, &persist, in) != 0)
        goto rollback;
    for (size_t i = 0; i < in->cursors.cap; i++) {
        const struct hmap_entry *e = &in->cursors.slots[i];
        if (!e->key)
            continue;
        const char *key = e->key + strlen(e->key) + 1, *val = e->val;
        int rc = *val ? db_cursor_put(in->db, e->key, key, val)
                      : db_cursor_delete(in->db, e->key, key);
        if (rc != 0)
            goto rollback;
    }
    if (calls_flush(in->calls, in->db, in->st, reference(in, now), prune) != 0)
        goto rollback;
    if (in->fp_pending && db_put_prices_applied(in->db, in->fp_known, in->fp) != 0)
        goto rollback;
    if (prune && db_prune(in->db, cutoff) != 0)
        goto rollback;
    if (db_commit(in->db) != 0)
        goto rollback;
    store_dirty_clear(in->st);
    calls_flushed(in->calls);
    hmap_free(&in->cursors, free);
    in->fp_pending = false;
    if (prune)
        in->last_prune = now;
    return 0;
rollback:
    db_rollback(in->db);
fail:
    snprintf(err, errlen, "database write failed (will retry): %s", db_error(in->db));
    return -1;
}
