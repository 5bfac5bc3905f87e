/* calls.c - remembered provider calls (see calls.h). */
#include "core/calls.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "lib/xalloc.h"

/* The SQLite results this file does not check, and why they cannot fail:
 * sqlite3_bind_* with SQLITE_STATIC copy nothing, so they fail only for a
 * parameter number the statement lacks (a bug every test would show);
 * sqlite3_reset and sqlite3_finalize repeat the last sqlite3_step's error,
 * handled where that step was; sqlite3_clear_bindings always returns
 * SQLITE_OK. */

#define GEN_CALLS (CALLS_MAX / CALLS_GENERATIONS)

/* A remembered call: what it counted, where. Its count is kept encoded
 * (core/chunk.h: exact, 10 to 25 bytes where the tally takes 128), so that
 * an entry is 40 bytes: a restart reads back up to CALLS_MAX of them, and
 * the pages a bigger entry touched for the first time were most of its
 * cost. */
struct entry {
    uint64_t call;         /* the key of its first span: its name in the table */
    uint64_t counted;      /* the span whose usage its count is; 0 = its count
                              is not known (loaded without it): never replaced */
    int64_t minute;
    int32_t series;
    uint32_t tally;        /* its count, as added to the store: at this
                              offset of its generation's tallies */
    uint8_t score;
    uint32_t answer;       /* answer_tag of its spans' response id; 0 = none
                              seen (in the padding: still 40 bytes) */
};

/* The calls that arrived in one stretch of time, with an index from each
 * of their spans' keys (tagged by kind) to the call. */
struct gen {
    struct entry *e;
    uint32_t n;             /* entries used, of GEN_CALLS */
    uint8_t *tallies;      /* the entries' counts, encoded, appended (a
                              replaced count's old bytes stay until the
                              generation is cleared) */
    size_t tlen, tcap;
    uint64_t *keys;        /* open addressing; 0 = empty */
    uint32_t *idx;
    size_t kcap, kcount;
    uint64_t *filter;      /* FILTER_BITS: a bit per key's top bits (with keys) */
    int64_t first_at, last_at;
};

/* Most spans are new calls, looked up by four keys in every generation
 * and found in none: a bit per key (its top bits), set with it, says "not
 * here" from 128 KiB that stay in cache instead of a probe of megabytes
 * (at 100,000 keys a generation, 1 in 10 bits is set). */
#define FILTER_BITS (1u << 20)

static size_t filter_bit(uint64_t t) { return (size_t)(t >> 44); }

/* A span to write at the next flush. */
struct row {
    uint64_t span, call, parent, resp;
    int64_t at, minute;
    int32_t series;
    uint8_t score;
    bool counted;
    struct tally t;
};

struct calls {
    struct gen g[CALLS_GENERATIONS];
    int cur;                /* the generation new calls go to */
    /* the rows to write, in arrival order: a ring of CALLS_MAX (allocated
     * whole when first needed, its pages touched only as rows fill them),
     * the oldest at head, so that dropping the oldest moves nothing */
    struct row *rows;
    size_t head, nrows;
};


/* The staged row i (0: the oldest). */
static struct row *row_at(const struct calls *c, size_t i)
{
    return &c->rows[(c->head + i) % CALLS_MAX];
}

/* What a key is a key of. */
enum kind { K_SPAN = 1, K_PARENT = 2, K_ANSWER = 3 };

static uint64_t tag(uint64_t key, enum kind k)
{
    uint64_t x = key + (uint64_t)k * 0x9e3779b97f4a7c15u;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 29;
    return x ? x : 1;
}

struct calls *calls_new(void)
{
    return xcalloc(1, sizeof(struct calls));
}

static void gen_clear(struct gen *g)
{
    g->n = 0;
    g->tlen = 0;
    g->kcount = 0;
    if (g->keys) {
        memset(g->keys, 0, g->kcap * sizeof *g->keys);
        memset(g->filter, 0, FILTER_BITS / 8);
    }
    g->first_at = g->last_at = 0;
}

void calls_free(struct calls *c)
{
    if (!c)
        return;
    for (int i = 0; i < CALLS_GENERATIONS; i++) {
        free(c->g[i].e);
        free(c->g[i].tallies);
        free(c->g[i].keys);
        free(c->g[i].idx);
        free(c->g[i].filter);
    }
    free(c->rows);
    free(c);
}

size_t calls_count(const struct calls *c)
{
    size_t n = 0;
    for (int i = 0; i < CALLS_GENERATIONS; i++)
        n += c->g[i].n;
    return n;
}

/* ---- the index ------------------------------------------------------------------ */

static void put_key(struct gen *g, uint64_t t, uint32_t entry)
{
    size_t at = (size_t)(t ^ (t >> 32)) & (g->kcap - 1);
    while (g->keys[at])
        at = (at + 1) & (g->kcap - 1);
    g->keys[at] = t;
    g->idx[at] = entry;
    g->kcount++;
    g->filter[filter_bit(t) / 64] |= UINT64_C(1) << (filter_bit(t) % 64);
}

static void grow_keys(struct gen *g)
{
    uint64_t *keys = g->keys;
    uint32_t *idx = g->idx;
    size_t cap = g->kcap;
    g->kcap = cap ? cap * 4 : 1024;
    if (!g->filter)
        g->filter = xcalloc(FILTER_BITS / 64, sizeof *g->filter);
    /* probed at random, a few times a span: in huge pages (3 MB a
     * generation at 100,000 keys) */
    g->keys = xcalloc_huge(g->kcap * sizeof *g->keys);
    g->idx = xalloc_huge(g->kcap * sizeof *g->idx); /* read where keys is set */
    g->kcount = 0;
    for (size_t i = 0; i < cap; i++)
        if (keys[i])
            put_key(g, keys[i], idx[i]);
    free(keys);
    free(idx);
}

static void add_key(struct gen *g, uint64_t key, enum kind k, uint32_t entry)
{
    if (!key)
        return;
    if ((g->kcount + 1) * 2 > g->kcap) /* load <= 1/2 */
        grow_keys(g);
    put_key(g, tag(key, k), entry);
}

static bool find_in(const struct gen *g, uint64_t t, uint32_t *entry)
{
    if (!g->kcap || !(g->filter[filter_bit(t) / 64] >> (filter_bit(t) % 64) & 1))
        return false;
    for (size_t at = (size_t)(t ^ (t >> 32)) & (g->kcap - 1); g->keys[at];
         at = (at + 1) & (g->kcap - 1)) {
        if (g->keys[at] == t) {
            *entry = g->idx[at];
            return true;
        }
    }
    return false;
}

static bool find(const struct calls *c, uint64_t key, enum kind k, struct calls_ref *ref)
{
    if (!key)
        return false;
    uint64_t t = tag(key, k);
    for (int i = 0; i < CALLS_GENERATIONS; i++) {
        if (c->g[i].n && find_in(&c->g[i], t, &ref->entry)) {
            ref->gen = i;
            return true;
        }
    }
    return false;
}

/* Forget the generations that lie wholly beyond the horizon. */
static void expire(struct calls *c, int64_t now)
{
    for (int i = 0; i < CALLS_GENERATIONS; i++)
        if (c->g[i].n && c->g[i].last_at < now - CALLS_HORIZON)
            gen_clear(&c->g[i]);
}

/* ---- checking and remembering -------------------------------------------------------- */

/* Entry i of g counted t. */
static void set_count(struct gen *g, uint32_t i, const struct tally *t)
{
    xgrow(&g->tallies, &g->tcap, g->tlen + CHUNK_TALLY_MAX, 1);
    g->e[i].tally = (uint32_t)g->tlen;
    g->tlen += chunk_put_tally(g->tallies + g->tlen, t, NULL);
}

/* A response id (call_key) in the 32 bits an entry keeps of it; 0 = none. */
static uint32_t answer_tag(uint64_t call_key)
{
    uint32_t t = (uint32_t)(call_key ^ (call_key >> 32));
    return call_key && !t ? 1u : t;
}

/* Span u and the call at ref name different response ids: a span nested
 * in another that the provider answered apart (a model called from inside
 * another call's span) is a call of its own, not the same call traced
 * twice - counting it once would drop its spend. */
static bool answered_apart(const struct calls *c, const struct calls_ref *ref,
                           const struct usage *u)
{
    uint32_t mine = answer_tag(u->call_key);
    uint32_t theirs = c->g[ref->gen].e[ref->entry].answer;
    return mine && theirs && mine != theirs;
}

enum calls_verdict calls_check(struct calls *c, const struct usage *u, struct calls_ref *ref)
{
    ref->gen = -1;
    ref->entry = 0;
    if (find(c, u->dedup_key, K_SPAN, ref))
        return ref->verdict = CALLS_SEEN;
    /* its parent is a remembered span, it is a remembered span's parent
     * (either unless the provider answered them apart), or it has a
     * remembered span's answer */
    bool same = (find(c, u->parent_key, K_SPAN, ref) && !answered_apart(c, ref, u)) ||
                (find(c, u->dedup_key, K_PARENT, ref) && !answered_apart(c, ref, u)) ||
                find(c, u->call_key, K_ANSWER, ref);
    if (!same) {
        ref->gen = -1;
        ref->entry = 0;
        return ref->verdict = CALLS_NEW;
    }
    const struct entry *e = &c->g[ref->gen].e[ref->entry];
    ref->verdict = e->counted && u->completeness > e->score ? CALLS_BETTER : CALLS_SAME;
    return ref->verdict;
}

void calls_counted(const struct calls *c, const struct calls_ref *ref, int *series,
                   int64_t *minute, struct tally *t)
{
    const struct gen *g = &c->g[ref->gen];
    const struct entry *e = &g->e[ref->entry];
    *series = e->series;
    *minute = e->minute;
    /* cannot fail: set_count encoded it, in bounds */
    chunk_get_tally(g->tallies + e->tally, g->tallies + g->tlen, t, NULL);
}

/* A new entry in the newest generation (a full one makes way by dropping
 * the oldest). */
static uint32_t new_entry(struct calls *c, int64_t now, int *gen)
{
    struct gen *g = &c->g[c->cur];
    if (g->n >= GEN_CALLS) {
        c->cur = (c->cur + 1) % CALLS_GENERATIONS;
        g = &c->g[c->cur];
        gen_clear(g);
    }
    /* whole at once: growing it copied megabytes, and a big allocation's
     * pages are only touched as entries fill them */
    if (!g->e)
        g->e = xalloc_huge((size_t)GEN_CALLS * sizeof *g->e);
    if (!g->n)
        g->first_at = now;
    g->last_at = now;
    memset(&g->e[g->n], 0, sizeof *g->e);
    *gen = c->cur;
    return g->n++;
}

static void stage(struct calls *c, const struct row *r)
{
    /* more rows than calls remembered (a first read of a large export
     * before its flush): the oldest are forgotten before they are written,
     * as they would be after */
    if (c->nrows >= CALLS_MAX) {
        size_t drop = CALLS_MAX / CALLS_GENERATIONS;
        c->head = (c->head + drop) % CALLS_MAX;
        c->nrows -= drop;
    }
    if (!c->rows)
        c->rows = xalloc_huge(CALLS_MAX * sizeof *c->rows);
    *row_at(c, c->nrows++) = *r;
}

/* The span is no longer what its call counts: a staged row says so
 * itself. A written one needs no change: the better span's row comes after
 * it, and the last counted row of a call is what it counts (calls_load). */
static void demote(struct calls *c, uint64_t span)
{
    for (size_t i = c->nrows; i-- > 0;) {
        if (row_at(c, i)->span == span) {
            row_at(c, i)->counted = false;
            return;
        }
    }
}

void calls_remember(struct calls *c, const struct calls_ref *ref, const struct usage *u,
                    int series, int64_t minute, const struct tally *t, int64_t now)
{
    int gen = ref->gen;
    uint32_t i = ref->entry;
    if (ref->verdict == CALLS_SEEN)
        return;
    if (ref->verdict == CALLS_NEW) {
        i = new_entry(c, now, &gen);
        c->g[gen].e[i].call = u->dedup_key;
    }
    struct gen *g = &c->g[gen];
    struct entry *e = &g->e[i];
    bool counted = ref->verdict != CALLS_SAME;
    if (ref->verdict == CALLS_BETTER)
        demote(c, e->counted);
    if (counted) {
        set_count(g, i, t);
        e->counted = u->dedup_key;
        e->series = series;
        e->minute = minute;
        e->score = (uint8_t)u->completeness;
    }
    if (!e->answer)
        e->answer = answer_tag(u->call_key);
    g->last_at = now > g->last_at ? now : g->last_at;
    add_key(g, u->dedup_key, K_SPAN, i);
    add_key(g, u->parent_key, K_PARENT, i);
    add_key(g, u->call_key, K_ANSWER, i);
    struct row r = {
        .span = u->dedup_key, .call = e->call, .parent = u->parent_key,
        .resp = u->call_key, .at = now, .minute = minute, .series = series,
        .score = (uint8_t)u->completeness, .counted = counted,
    };
    if (counted)
        r.t = *t;
    stage(c, &r);
}

/* ---- the table ------------------------------------------------------------------- */

/* The table (core/schema.c, steps 5 and 12): one row per remembered span, in
 * arrival order (seq, its key: a flush appends to the table's last pages);
 * the counted span of a call carries the call's count (its series, minute
 * and tally) so that a restart can still take it back, and of a call's
 * counted rows the last is what it counts. Span keys are the 64-bit
 * hashes, stored as signed integers. */
#define COLS "span, at, call, parent, resp, score, counted, source, provider, model, " \
             "tenant, minute, requests, errors, input, input_ck, cache_read, "        \
             "cache_write_5m, cache_write_1h, output, output_rk, reasoning, cost, billed, " \
             "requests_unknown, no_usage, reported_n, reported, tier"

static int64_t *tally_int(struct tally *t, int i)
{
    static const size_t off[] = {
        offsetof(struct tally, requests), offsetof(struct tally, errors),
        offsetof(struct tally, input), offsetof(struct tally, input_ck),
        offsetof(struct tally, cache_read), offsetof(struct tally, cache_write_5m),
        offsetof(struct tally, cache_write_1h), offsetof(struct tally, output),
        offsetof(struct tally, output_rk), offsetof(struct tally, reasoning),
        offsetof(struct tally, requests_unknown), offsetof(struct tally, no_usage),
        offsetof(struct tally, reported_n),
    };
    return (int64_t *)((char *)t + off[i]);
}
#define TALLY_INTS 10
/* the counts schema step 9 added, after cost and billed (columns 24..26),
 * then reported */
#define TALLY_INTS_6 3

static int set_err(sqlite3 *h, char *err, size_t errlen)
{
    snprintf(err, errlen, "remembered spans: %s", sqlite3_errmsg(h));
    return -1;
}

/* One row read back into memory. */
static void load_row(struct calls *c, struct store *st, sqlite3_stmt *q)
{
    struct usage u = {
        .dedup_key = (uint64_t)sqlite3_column_int64(q, 0),
        .parent_key = (uint64_t)sqlite3_column_int64(q, 3),
        .call_key = (uint64_t)sqlite3_column_int64(q, 4),
        .completeness = sqlite3_column_int(q, 5),
    };
    int64_t at = sqlite3_column_int64(q, 1);
    uint64_t call = (uint64_t)sqlite3_column_int64(q, 2);
    struct calls_ref ref;
    int gen;
    uint32_t i;
    if (find(c, call, K_SPAN, &ref)) {
        gen = ref.gen;
        i = ref.entry;
    } else {
        i = new_entry(c, at, &gen);
        c->g[gen].e[i].call = call;
    }
    struct gen *g = &c->g[gen];
    struct entry *e = &g->e[i];
    const char *source = (const char *)sqlite3_column_text(q, 7);
    if (sqlite3_column_int(q, 6) && source) {
        /* a row from before schema step 10 names no tier: the series as
         * stored then (STORE_TIER_AS_STORED) */
        const char *tier = (const char *)sqlite3_column_text(q, 28);
        struct series_key k = {source, (const char *)sqlite3_column_text(q, 8),
                               (const char *)sqlite3_column_text(q, 9),
                               (const char *)sqlite3_column_text(q, 10),
                               tier ? tier : STORE_TIER_AS_STORED};
        if (k.provider && k.model && k.tenant) {
            struct tally t = {0};
            for (int f = 0; f < TALLY_INTS; f++)
                *tally_int(&t, f) = sqlite3_column_int64(q, 12 + f);
            t.cost = sqlite3_column_double(q, 22);
            t.billed = sqlite3_column_double(q, 23);
            /* NULL (a row from before step 9) reads as 0 */
            for (int f = 0; f < TALLY_INTS_6; f++)
                *tally_int(&t, TALLY_INTS + f) = sqlite3_column_int64(q, 24 + f);
            t.reported = sqlite3_column_double(q, 27);
            set_count(g, i, &t);
            e->series = store_series(st, &k);
            e->minute = sqlite3_column_int64(q, 11);
            e->counted = u.dedup_key;
            e->score = (uint8_t)u.completeness;
        }
    }
    if (!e->answer)
        e->answer = answer_tag(u.call_key);
    g->last_at = at > g->last_at ? at : g->last_at;
    add_key(g, u.dedup_key, K_SPAN, i);
    add_key(g, u.parent_key, K_PARENT, i);
    add_key(g, u.call_key, K_ANSWER, i);
}

int calls_load(struct calls *c, struct db *db, struct store *st, int64_t now,
               char *err, size_t errlen)
{
    sqlite3 *h = db_handle(db);
    sqlite3_stmt *q;
    /* in arrival order: a call's later counted row replaces its earlier */
    if (sqlite3_prepare_v2(h, "SELECT " COLS " FROM seen_spans WHERE at >= ? ORDER BY seq",
                           -1, &q, NULL) != SQLITE_OK)
        return set_err(h, err, errlen);
    sqlite3_bind_int64(q, 1, now - CALLS_HORIZON);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        load_row(c, st, q);
    sqlite3_finalize(q);
    /* reading the rows back is not a change: store_series may have made
     * series, which the next flush writes like any other */
    return rc == SQLITE_DONE ? 0 : set_err(h, err, errlen);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static int write_row(sqlite3_stmt *s, const struct store *st, const struct row *r)
{
    sqlite3_bind_int64(s, 1, (int64_t)r->span);
    sqlite3_bind_int64(s, 2, r->at);
    sqlite3_bind_int64(s, 3, (int64_t)r->call);
    sqlite3_bind_int64(s, 4, (int64_t)r->parent);
    sqlite3_bind_int64(s, 5, (int64_t)r->resp);
    sqlite3_bind_int(s, 6, r->score);
    sqlite3_bind_int(s, 7, r->counted ? 1 : 0);
    if (r->counted) {
        const struct series_key *k = store_series_key(st, r->series);
        bind_text(s, 8, k->source);
        bind_text(s, 9, k->provider);
        bind_text(s, 10, k->model);
        bind_text(s, 11, k->tenant);
        sqlite3_bind_int64(s, 12, r->minute);
        struct tally t = r->t;
        for (int f = 0; f < TALLY_INTS; f++)
            sqlite3_bind_int64(s, 13 + f, *tally_int(&t, f));
        sqlite3_bind_double(s, 23, t.cost);
        sqlite3_bind_double(s, 24, t.billed);
        for (int f = 0; f < TALLY_INTS_6; f++)
            sqlite3_bind_int64(s, 25 + f, *tally_int(&t, TALLY_INTS + f));
        sqlite3_bind_double(s, 28, t.reported);
        bind_text(s, 29, k->tier);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The arrival time before which nothing is remembered any more. */
static int64_t forgotten_before(const struct calls *c, int64_t now)
{
    int64_t oldest = now - CALLS_HORIZON;
    int64_t first = INT64_MAX;
    for (int i = 0; i < CALLS_GENERATIONS; i++)
        if (c->g[i].n && c->g[i].first_at < first)
            first = c->g[i].first_at;
    /* every generation full and in use: what came before the oldest is gone */
    if (calls_count(c) >= CALLS_MAX - GEN_CALLS && first > oldest && first != INT64_MAX)
        oldest = first;
    return oldest;
}

static int exec_prune(sqlite3 *h, int64_t before)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, "DELETE FROM seen_spans WHERE at < ?", -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, before);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

int calls_flush(struct calls *c, struct db *db, const struct store *st, int64_t now,
                bool prune)
{
    sqlite3 *h = db_handle(db);
    if (prune) {
        expire(c, now);
        if (exec_prune(h, forgotten_before(c, now)) != 0)
            return -1;
    }
    if (!calls_pending(c))
        return 0;
    sqlite3_stmt *ins = NULL;
    int rc = sqlite3_prepare_v2(h, "INSERT INTO seen_spans(" COLS ") VALUES"
                                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &ins, NULL) == SQLITE_OK ? 0 : -1;
    /* in arrival order, each after the table's last row (seq): a flush
     * writes the table's last pages, not one page per span at random */
    for (size_t i = 0; rc == 0 && i < c->nrows; i++)
        rc = write_row(ins, st, row_at(c, i));
    sqlite3_finalize(ins);
    return rc;
}

void calls_flushed(struct calls *c)
{
    c->head = 0;
    c->nrows = 0;
}

bool calls_pending(const struct calls *c) { return c->nrows > 0; }
