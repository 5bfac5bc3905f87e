/* store.c - time-bucketed aggregates (see store.h). */
#include "core/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/slab.h"
#include "core/usage.h"
#include "lib/xalloc.h"

struct series {
    struct series_key key;  /* interned strings (kept while the id is free) */
    enum price_status price;
    bool dirty;
    bool live;              /* false: freed, its id waiting for reuse */
    bool mixed;             /* model folded: several price entries meet */
    bool price_seen;        /* a record has said how it is priced */
    struct hist h;          /* its minute buckets (core/hist.h) */
    /* what changed since the last store_dirty_clear (INT64_MAX: nothing):
     * the earliest minute (of the open hour's rows, as db.c keeps them),
     * and the earliest day whose sealed hours changed */
    int64_t dirty_from, chunks_from;
};
/* chunks_from when every chunk the database holds of the series goes
 * (its rates changed), as far back as it reaches: from the epoch (db.c
 * logs it for viewers as a time like any other) */
#define CHUNKS_ALL 0

/* The live series by key: open addressing (linear probing, load <= 1/2)
 * over 8-byte slots, each a key's hash (high 32 bits) and its id + 1 (low
 * 32 bits; 0: empty). Every span looks its series up: the look-up hashes
 * the key's names once, a word at a time, and on a hash match compares
 * them with the series' own interned names - in the slot the span's write
 * goes to next. No composite key is built, and none is kept: a composite
 * key map held a copy of every key (100,000 malloc blocks) and its 32-byte
 * slots (8 MB) beside the series. */
struct sindex {
    uint64_t *slot;
    size_t cap, count;      /* cap: a power of two, or 0 */
};

/* A growing list of ids. */
struct ids {
    int *v;
    size_t n, cap;
};

struct store {
    struct series *series;
    size_t nseries, cap;   /* slots: ids 0 .. nseries - 1 */
    size_t nlive;
    struct ids free_ids;   /* freed slots, reused first */
    struct ids freed;      /* freed since the last store_dirty_clear */
    struct sindex index;   /* key -> id (live series) */
    struct hmap names;     /* name -> its interned copy (struct name) */
    struct hmap models;    /* (provider, model) -> live series using it */
    struct hmap providers; /* provider -> distinct models of live series */
    struct hmap rates;     /* the series' rates, interned (one per price) */
    struct ids dirty;      /* series with a dirty_from or chunks_from */
    int64_t newest_hour;   /* the newest hour any write went to */
    int load_last;         /* the series store_load_bucket last wrote, -1 */
    uint64_t generation;
    struct store_folding folding;
    bool overflow_logged, models_logged;
    void (*watch)(void *ctx, int id);   /* store_watch */
    void *watch_ctx;
};

/* Series id is about to change (store_watch). */
static void changing(struct store *st, int id)
{
    if (st->watch)
        st->watch(st->watch_ctx, id);
}

void store_watch(struct store *st, void (*fn)(void *ctx, int id), void *ctx)
{
    st->watch = fn;
    st->watch_ctx = ctx;
}

/* ---- tallies ------------------------------------------------------------- */

/* a + b held at the int64 range: no count is above USAGE_COUNT_MAX, but a
 * sum of many is only bounded by their number, and a wrapped sum would be
 * a negative count, a negative cost. (The overflow test is one flag of the
 * add: tally_add runs for every bucket of every sum a view takes.) */
static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

void tally_add(struct tally *d, const struct tally *s)
{
    d->requests = sat_add(d->requests, s->requests);
    d->errors = sat_add(d->errors, s->errors);
    d->input = sat_add(d->input, s->input);
    d->input_ck = sat_add(d->input_ck, s->input_ck);
    d->cache_read = sat_add(d->cache_read, s->cache_read);
    d->cache_write_5m = sat_add(d->cache_write_5m, s->cache_write_5m);
    d->cache_write_1h = sat_add(d->cache_write_1h, s->cache_write_1h);
    d->output = sat_add(d->output, s->output);
    d->output_rk = sat_add(d->output_rk, s->output_rk);
    d->reasoning = sat_add(d->reasoning, s->reasoning);
    d->requests_unknown = sat_add(d->requests_unknown, s->requests_unknown);
    d->no_usage = sat_add(d->no_usage, s->no_usage);
    d->reported_n = sat_add(d->reported_n, s->reported_n);
    d->cost += s->cost;
    d->billed += s->billed;
    d->reported += s->reported;
}

void tally_sub(struct tally *d, const struct tally *s)
{
    d->requests = sat_sub(d->requests, s->requests);
    d->errors = sat_sub(d->errors, s->errors);
    d->input = sat_sub(d->input, s->input);
    d->input_ck = sat_sub(d->input_ck, s->input_ck);
    d->cache_read = sat_sub(d->cache_read, s->cache_read);
    d->cache_write_5m = sat_sub(d->cache_write_5m, s->cache_write_5m);
    d->cache_write_1h = sat_sub(d->cache_write_1h, s->cache_write_1h);
    d->output = sat_sub(d->output, s->output);
    d->output_rk = sat_sub(d->output_rk, s->output_rk);
    d->reasoning = sat_sub(d->reasoning, s->reasoning);
    d->requests_unknown = sat_sub(d->requests_unknown, s->requests_unknown);
    d->no_usage = sat_sub(d->no_usage, s->no_usage);
    d->reported_n = sat_sub(d->reported_n, s->reported_n);
    d->cost -= s->cost;
    d->billed -= s->billed;
    d->reported -= s->reported;
}

bool tally_is_zero(const struct tally *t)
{
    static const struct tally zero;
    return memcmp(t, &zero, sizeof zero) == 0;
}

bool tally_active(const struct tally *t)
{
    return t->requests > 0 || t->input > 0 || t->output > 0;
}

/* ---- store and series ---------------------------------------------------- */

/* An interned name: how many series slots use it, and its bytes. The
 * copies sit together in the slab (lib/slab.h), not each in a malloc block
 * of its own among everything else: every span's series is found by
 * comparing its names with them, its tenant's one of thousands. */
struct name {
    size_t users;
    char s[];
};

static size_t name_size(size_t len) { return sizeof(struct name) + len + 1; }

static void free_name(void *v)
{
    struct name *nm = v;
    slab_free(nm, name_size(strlen(nm->s)));
}

struct store *store_new(void)
{
    /* each store's generations its own (the high bits): a store made
     * where another was freed is not taken for it by a cache that kept
     * the old one's pointer and generation */
    static uint64_t stores;
    struct store *st = xcalloc(1, sizeof(struct store));
    st->newest_hour = INT64_MIN;
    st->load_last = -1;
    st->generation = ++stores << 40;
    return st;
}

void store_free(struct store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nseries; i++)
        hist_free(&st->series[i].h);
    free(st->series);
    free(st->dirty.v);
    free(st->free_ids.v);
    free(st->freed.v);
    free(st->index.slot);
    hmap_free(&st->names, free_name);
    hmap_free(&st->models, NULL);
    hmap_free(&st->providers, NULL);
    hmap_free(&st->rates, free);
    free(st);
}

static void ids_push(struct ids *l, int id)
{
    xgrow(&l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = id;
}

/* A counter kept as a map value: add d, and remove the key at 0. Returns
 * the count before. */
static intptr_t count_add(struct hmap *m, const char *key, size_t len, intptr_t d)
{
    void **slot = hmap_put(m, key, len);
    intptr_t before = (intptr_t)*slot;
    *slot = (void *)(before + d);
    if (before + d == 0)
        free(hmap_remove(m, key, len, NULL));
    return before;
}

static intptr_t count_of(const struct hmap *m, const char *key, size_t len)
{
    return (intptr_t)hmap_get(m, key, len);
}

/* The interned copy of s, one more user of it. */
static const char *intern(struct store *st, const char *s)
{
    size_t n = strlen(s);
    void **slot = hmap_put(&st->names, s, n);
    struct name *nm = *slot;
    if (!nm) {
        nm = slab_alloc(name_size(n));
        nm->users = 0;
        memcpy(nm->s, s, n + 1);
        *slot = nm;
    }
    nm->users++;
    return nm->s;
}

/* One user fewer of interned s; freed with the last. */
static void release(struct store *st, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    struct name *nm = hmap_get(&st->names, s, n);
    if (nm && --nm->users == 0) {
        free(hmap_remove(&st->names, s, n, NULL));
        free_name(nm);
    }
}

/* Composite key: each part prefixed by its length, so no byte a name may
 * contain (names are untrusted) can make two keys collide. */
static size_t composite(char *buf, size_t len, const char *const *parts, int nparts)
{
    size_t n = 0;
    for (int i = 0; i < nparts; i++) {
        const char *p = parts[i] ? parts[i] : "";
        size_t pl = strlen(p);
        if (pl > 240)
            pl = 240; /* names are cut to USAGE_NAME_MAX before this */
        if (n + pl + 2 > len)
            break;
        buf[n++] = (char)(pl + 1);
        memcpy(buf + n, p, pl);
        n += pl;
    }
    return n;
}

/* ---- the index of live series ---------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15u;
    return h ^ (h >> 32);
}

/* The key's hash: its names a word at a time, each followed by its length
 * (so that no two keys hash alike by how their bytes are split). */
static uint32_t key_hash(const struct series_key *k)
{
    const char *parts[] = {k->source, k->provider, k->model, k->tenant, k->tier};
    uint64_t h = 0x243f6a8885a308d3u;
    for (int i = 0; i < 5; i++) {
        const char *p = parts[i] ? parts[i] : "";
        size_t n = strlen(p), j = 0;
        for (; j + 8 <= n; j += 8) {
            uint64_t w;
            memcpy(&w, p + j, 8);
            h = mix(h, w);
        }
        uint64_t w = 0;
        memcpy(&w, p + j, n - j);
        h = mix(h, w);
        h = mix(h, n);
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9u;
    return (uint32_t)(h ^ (h >> 32));
}

static bool name_eq(const char *a, const char *b)
{
    return a == b || strcmp(a, b) == 0;
}

/* Is k (no part NULL) the key of series s? The tenant first: it is what
 * most often differs. */
static bool key_is(const struct series *s, const struct series_key *k)
{
    return name_eq(s->key.tenant, k->tenant) && name_eq(s->key.model, k->model) &&
           name_eq(s->key.provider, k->provider) && name_eq(s->key.tier, k->tier) &&
           name_eq(s->key.source, k->source);
}

static uint64_t slot_of(uint32_t h, int id)
{
    return (uint64_t)h << 32 | (uint32_t)(id + 1);
}

static size_t home_of(const struct sindex *x, uint64_t slot)
{
    return (size_t)(slot >> 32) & (x->cap - 1);
}

/* The live series of key k (no part NULL) whose hash is h, or -1. */
static int index_find(const struct store *st, const struct series_key *k, uint32_t h)
{
    const struct sindex *x = &st->index;
    if (!x->cap)
        return -1;
    size_t mask = x->cap - 1;
    for (size_t i = h & mask; x->slot[i]; i = (i + 1) & mask) {
        uint64_t e = x->slot[i];
        if ((uint32_t)(e >> 32) != h)
            continue;
        int id = (int)(uint32_t)e - 1;
        if (key_is(&st->series[id], k))
            return id;
    }
    return -1;
}

static void index_insert(struct sindex *x, uint64_t slot)
{
    size_t mask = x->cap - 1, i = home_of(x, slot);
    while (x->slot[i])
        i = (i + 1) & mask;
    x->slot[i] = slot;
}

static void index_put(struct sindex *x, uint32_t h, int id)
{
    if ((x->count + 1) * 2 > x->cap) {
        struct sindex old = *x;
        x->cap = old.cap ? old.cap * 2 : 64;
        x->slot = xcalloc_huge(x->cap * sizeof *x->slot);
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i])
                index_insert(x, old.slot[i]);
        free(old.slot);
    }
    index_insert(x, slot_of(h, id));
    x->count++;
}

/* Whether an entry whose home slot is k, found at j, must move into the
 * hole at i: it must unless its home lies cyclically in (i, j]. */
static bool must_move(size_t i, size_t j, size_t k)
{
    return i <= j ? (k <= i || k > j) : (k <= i && k > j);
}

/* Take id (hash h) out of the index; backward-shift deletion, so that no
 * tombstone lengthens later look-ups. */
static void index_remove(struct sindex *x, uint32_t h, int id)
{
    if (!x->cap)
        return;
    size_t mask = x->cap - 1, i = h & mask;
    uint64_t want = slot_of(h, id);
    while (x->slot[i] && x->slot[i] != want)
        i = (i + 1) & mask;
    if (!x->slot[i])
        return;
    for (size_t j = (i + 1) & mask; x->slot[j]; j = (j + 1) & mask) {
        if (must_move(i, j, home_of(x, x->slot[j]))) {
            x->slot[i] = x->slot[j];
            i = j;
        }
    }
    x->slot[i] = 0;
    x->count--;
}

/* The live series of key k (no part NULL), or -1. */
static int find_series(const struct store *st, const struct series_key *k)
{
    return index_find(st, k, key_hash(k));
}

/* Count one more (d = 1) or one fewer (d = -1) live series of k's
 * (provider, model), and of the provider's distinct models. */
static void count_model(struct store *st, const struct series_key *k, intptr_t d)
{
    char buf[600];
    const char *parts[] = {k->provider, k->model};
    size_t n = composite(buf, sizeof buf, parts, 2);
    intptr_t before = count_add(&st->models, buf, n, d);
    if ((d > 0 && before == 0) || (d < 0 && before == 1))
        count_add(&st->providers, k->provider, strlen(k->provider), d);
}

/* Would k's model be a new name past its provider's cap? */
static bool model_over_cap(const struct store *st, const struct series_key *k)
{
    char buf[600];
    const char *parts[] = {k->provider, k->model};
    size_t n = composite(buf, sizeof buf, parts, 2);
    return count_of(&st->models, buf, n) == 0 &&
           count_of(&st->providers, k->provider, strlen(k->provider)) >= STORE_MAX_MODELS;
}

static void warn_once(bool *logged, const char *what, int cap, const char *into)
{
    if (*logged)
        return;
    log_msg(LOG_WARN, "more than %d %s: the rest are counted as '%s'", cap, what, into);
    *logged = true;
}

/* Fold k (a key with no live series) past the caps (store.h); *id is the
 * folded key's live series, or -1 when it must be made. */
static void fold(struct store *st, struct series_key *k, int *id)
{
    *id = -1;
    if (st->nlive >= STORE_MAX_SERIES) {
        k->tenant = STORE_OVERFLOW_TENANT;
        st->folding.tenant_records++;
        warn_once(&st->overflow_logged, "series", STORE_MAX_SERIES, STORE_OVERFLOW_TENANT);
        if ((*id = find_series(st, k)) >= 0)
            return;
        if (st->nlive >= STORE_MAX_SERIES + STORE_OVERFLOW_SERIES) {
            k->provider = STORE_OTHER_PROVIDER;
            k->model = STORE_OTHER_MODELS;
            if ((*id = find_series(st, k)) >= 0)
                return;
        }
    }
    if (model_over_cap(st, k)) {
        k->model = STORE_OTHER_MODELS;
        st->folding.model_records++;
        warn_once(&st->models_logged, "model names for a provider", STORE_MAX_MODELS,
                  STORE_OTHER_MODELS);
        *id = find_series(st, k);
    }
}

/* Room for need series slots. The slots are read at random, a span at a
 * time (12 MB at 100,000 series): in huge pages (xalloc_huge). */
static void grow_series(struct store *st, size_t need)
{
    if (need <= st->cap)
        return;
    size_t cap = st->cap ? st->cap : 8;
    while (cap < need)
        cap *= 2;
    struct series *v = xalloc_huge(cap * sizeof *v);
    if (st->nseries)
        memcpy(v, st->series, st->nseries * sizeof *v);
    free(st->series);
    st->series = v;
    st->cap = cap;
}

/* A slot for a new series: a freed one, whose old names (in *old, all
 * NULL for a new slot) the caller releases once the new ones are interned
 * (a name may be both), or a new one. */
static int new_slot(struct store *st, struct series_key *old)
{
    memset(old, 0, sizeof *old);
    if (st->free_ids.n) {
        int id = st->free_ids.v[--st->free_ids.n];
        changing(st, id);
        struct series *s = &st->series[id];
        *old = s->key;
        memset(s, 0, sizeof *s);
        hist_free(&s->h);
        s->dirty_from = s->chunks_from = INT64_MAX;
        return id;
    }
    changing(st, (int)st->nseries);
    grow_series(st, st->nseries + 1);
    struct series *s = &st->series[st->nseries];
    memset(s, 0, sizeof *s);
    hist_free(&s->h); /* an empty history: no open hour */
    s->dirty_from = s->chunks_from = INT64_MAX;
    return (int)st->nseries++;
}

static void release_key(struct store *st, const struct series_key *k)
{
    release(st, k->source);
    release(st, k->provider);
    release(st, k->model);
    release(st, k->tenant);
    release(st, k->tier);
}

int store_series(struct store *st, const struct series_key *key)
{
    struct series_key k = {
        key->source ? key->source : "", key->provider ? key->provider : "",
        key->model ? key->model : "", key->tenant ? key->tenant : "",
        key->tier ? key->tier : "",
    };
    uint32_t h = key_hash(&k);
    int id = index_find(st, &k, h);
    if (id >= 0)
        return id;
    fold(st, &k, &id);
    if (id >= 0)
        return id;
    struct series_key old;
    id = new_slot(st, &old);
    struct series *s = &st->series[id];
    s->key.source = intern(st, k.source);
    s->key.provider = intern(st, k.provider);
    s->key.model = intern(st, k.model);
    s->key.tenant = intern(st, k.tenant);
    s->key.tier = intern(st, k.tier);
    release_key(st, &old);
    s->price = PRICE_FULL;
    s->dirty = true;
    s->live = true;
    s->mixed = strcmp(k.model, STORE_OTHER_MODELS) == 0;
    index_put(&st->index, key_hash(&s->key), id);
    count_model(st, &s->key, 1);
    st->nlive++;
    return id;
}

/* Free series id (it has no bucket left): out of the index and the
 * counts, its id queued for reuse; its names stay until then. */
static void free_series(struct store *st, int id)
{
    changing(st, id);
    struct series *s = &st->series[id];
    index_remove(&st->index, key_hash(&s->key), id);
    count_model(st, &s->key, -1);
    hist_free(&s->h);
    s->dirty_from = s->chunks_from = INT64_MAX;
    s->live = false;
    s->dirty = false;
    st->nlive--;
    ids_push(&st->free_ids, id);
    ids_push(&st->freed, id);
}

void store_reserve(struct store *st, size_t n)
{
    grow_series(st, n);
}

size_t store_series_count(const struct store *st) { return st->nseries; }

bool store_series_live(const struct store *st, int id) { return st->series[id].live; }

void store_folding(const struct store *st, struct store_folding *out)
{
    *out = st->folding;
    out->series = st->nlive;
}

const struct series_key *store_series_key(const struct store *st, int id)
{
    return &st->series[id].key;
}

enum price_status store_series_price(const struct store *st, int id)
{
    return st->series[id].price;
}

void store_series_set_price(struct store *st, int id, enum price_status p)
{
    struct series *s = &st->series[id];
    /* folded model names: priced and unpriced ones together are partly
     * priced (the priced ones' spend is counted, the others' is not) */
    if (s->mixed && s->price_seen && s->price != p)
        p = PRICE_PARTIAL;
    s->price_seen = true;
    if (s->price == PRICE_PARTIAL && p == PRICE_FULL)
        return; /* once a fallback was used, the series stays partial */
    if (s->price != p) {
        changing(st, id);
        s->price = p;
        s->dirty = true;
    }
}

const struct tally_rates *store_series_rates(const struct store *st, int id)
{
    return st->series[id].h.rates;
}

/* The store's one copy of rates r (interned: series of one model and
 * tier share theirs, and a reader may keep the pointer). */
static const struct tally_rates *rates_intern(struct store *st, const struct tally_rates *r)
{
    void **slot = hmap_put(&st->rates, (const char *)r, sizeof *r);
    if (!*slot) {
        struct tally_rates *c = xmalloc(sizeof *c);
        *c = *r;
        *slot = c;
    }
    return *slot;
}

void store_series_set_rates(struct store *st, int id, const struct tally_rates *r)
{
    struct series *s = &st->series[id];
    const struct tally_rates *in = r ? rates_intern(st, r) : NULL;
    if (in == s->h.rates)
        return;
    /* the same costs, written another way: no reader sees a change, but
     * the database keeps its chunks written with the rates of its row, so
     * both are written again together - every chunk it holds of the
     * series, also a day older than the store's first bucket (the
     * database keeps the day its prune's cutoff falls in) */
    hist_set_rates(&s->h, in);
    s->dirty = true;
    st->generation++;
    if (s->dirty_from == INT64_MAX && s->chunks_from == INT64_MAX)
        ids_push(&st->dirty, id);
    s->chunks_from = CHUNKS_ALL;
}

/* ---- buckets -------------------------------------------------------------- */

/* Minute m of series id changed: the open hour's rows from m on, and its
 * day's sealed hours if m is not in the open hour (db.c). */
static void mark_dirty(struct store *st, int id, int64_t m)
{
    struct series *s = &st->series[id];
    st->generation++;
    if (s->dirty_from == INT64_MAX && s->chunks_from == INT64_MAX)
        ids_push(&st->dirty, id);
    if (m < s->dirty_from)
        s->dirty_from = m;
    int64_t day = clock_floor(m, CLOCK_DAY);
    if ((s->h.open_hour == HIST_NONE || m < s->h.open_hour) && day < s->chunks_from)
        s->chunks_from = day;
}

/* Write into series id; a later hour seals the open one, whose rows then
 * move into its day's chunk (both marked). */
static void write(struct store *st, int id, int64_t ts, const struct tally *t, bool set,
                  bool dirty)
{
    changing(st, id);
    struct series *s = &st->series[id];
    int64_t m = clock_floor(ts, CLOCK_MINUTE), h = clock_floor(m, CLOCK_HOUR);
    if (h > st->newest_hour)
        st->newest_hour = h;
    if (dirty && s->h.open_hour != HIST_NONE && h > s->h.open_hour) {
        int64_t open = s->h.open_hour;
        hist_seal(&s->h);
        mark_dirty(st, id, open);
    }
    hist_write(&s->h, m, t, set);
    if (dirty)
        mark_dirty(st, id, m);
    else
        st->generation++;
}

void store_add(struct store *st, int id, int64_t ts, const struct tally *t)
{
    write(st, id, ts, t, false, true);
}

void store_set(struct store *st, int id, int64_t ts, const struct tally *t)
{
    write(st, id, ts, t, true, true);
}

/* Seal series id's open hour if a later hour has been written (what
 * store_dirty_clear does to every such series). */
static void seal_if_older(struct store *st, int id)
{
    struct series *s = &st->series[id];
    if (s->live && s->h.open_hour != HIST_NONE && s->h.open_hour < st->newest_hour)
        hist_seal(&s->h);
}

void store_load_bucket(struct store *st, int id, int64_t minute,
                       const struct tally *t)
{
    /* A load reads a series' rows together: once it has moved on, the
     * last one's open hour is sealed now, as store_dirty_clear would seal
     * it after the load, so that the next series' open hour reuses its
     * buffer rather than fresh memory (at 100,000 series, the pages
     * first touched were most of a load's cost, and its peak) */
    int last = st->load_last;
    if (last >= 0 && last != id && (size_t)last < st->nseries &&
        st->series[last].dirty_from == INT64_MAX && st->series[last].chunks_from == INT64_MAX)
        seal_if_older(st, last);
    st->load_last = id;
    write(st, id, minute, t, false, false);
}

void store_reserve_chunks(struct store *st, int id, size_t len, size_t n)
{
    hist_reserve(&st->series[id].h, len + n * HIST_LOAD_DAY_EXTRA + HIST_LOAD_ROOM);
}

size_t store_row_room(const struct tally *t)
{
    /* the bucket's minute and tally, and its share of its hour's header,
     * count and rollup (a sum: at most a little longer than its parts) */
    uint8_t b[CHUNK_TALLY_MAX];
    return 2 * chunk_put_tally(b, t, NULL) + 6;
}

void store_fit_chunks(struct store *st, int id)
{
    /* sealed now, into the room made for it (store_load_bucket's reason) */
    struct series *s = &st->series[id];
    if (s->dirty_from == INT64_MAX && s->chunks_from == INT64_MAX)
        seal_if_older(st, id);
    hist_fit(&s->h);
}

int store_load_chunk(struct store *st, int id, int64_t day, int64_t from,
                     const uint8_t *data, size_t len)
{
    changing(st, id);
    st->generation++;
    int64_t h = day + CLOCK_DAY - CLOCK_HOUR;
    if (h > st->newest_hour)
        st->newest_hour = h;
    return hist_load_day(&st->series[id].h, day, from, data, len);
}

void store_drop_from(struct store *st, int id, int64_t t)
{
    changing(st, id);
    st->generation++;
    hist_drop_from(&st->series[id].h, t);
}

void store_trim(struct store *st, int64_t before)
{
    st->generation++;
    for (size_t i = 0; i < st->nseries; i++) {
        if (hist_first(&st->series[i].h) < before)
            changing(st, (int)i);
        hist_prune(&st->series[i].h, before);
    }
}


/* Two costs the same but for rounding (a sum priced at once, or record
 * by record, differs in the last bits). */
static bool same_cost(double a, double b)
{
    return fabs(a - b) <= 1e-12 * fmax(fabs(a), fabs(b));
}

void store_series_reset_price(struct store *st, int id, enum price_status p)
{
    struct series *s = &st->series[id];
    if (s->price != p) {
        changing(st, id);
        s->price = p;
        s->dirty = true;
        st->generation++;
    }
}

struct repricing {
    double (*cost)(void *ctx, const struct tally *t);
    void *ctx;
    struct store *st;
    int id;
    bool told;              /* the watcher, before the first change */
};

static bool reprice_bucket(void *ctx, int64_t minute, struct tally *t)
{
    struct repricing *r = ctx;
    double usd = r->cost(r->ctx, t);
    usd = isnan(usd) ? 0 : usd;
    if (same_cost(usd, t->cost))
        return false;
    if (!r->told) {
        changing(r->st, r->id);
        r->told = true;
    }
    t->cost = usd;
    mark_dirty(r->st, r->id, minute);
    return true;
}

size_t store_reprice_series(struct store *st, int id,
                            double (*cost)(void *ctx, const struct tally *t), void *ctx)
{
    struct repricing r = {cost, ctx, st, id, false};
    int64_t first = INT64_MAX;
    return hist_map(&st->series[id].h, reprice_bucket, &r, &first);
}

/* The minutes of a series' non-zero buckets, collected before they are
 * changed. */
struct minutes {
    int64_t *v;
    size_t n, cap;
};

static int collect_minute(void *ctx, const struct chunk_bucket *b)
{
    struct minutes *l = ctx;
    xgrow(&l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = b->minute;
    return 0;
}

void store_clear_range(struct store *st, const char *source, int64_t t0,
                       int64_t t1, bool billed)
{
    static const struct tally zero;
    struct minutes l = {0};
    for (size_t id = 0; id < st->nseries; id++) {
        struct series *s = &st->series[id];
        if (!s->live || strcmp(s->key.source, source) != 0 ||
            (strcmp(s->key.model, USAGE_BILLED_MODEL) == 0) != billed)
            continue;
        l.n = 0;
        hist_each(&s->h, t0, t1, collect_minute, &l);
        for (size_t i = 0; i < l.n; i++)
            store_set(st, (int)id, l.v[i], &zero);
    }
    free(l.v);
}

void store_sum(const struct store *st, int id, int64_t t0, int64_t t1,
               struct tally *out)
{
    memset(out, 0, sizeof *out);
    hist_sum(&st->series[id].h, t0, t1, out);
}

void store_sum_many(const struct store *st, int id, const int64_t (*iv)[2], int n,
                    struct tally *out)
{
    memset(out, 0, (size_t)n * sizeof *out);
    hist_sum_many(&st->series[id].h, iv, n, out);
}

void store_query(const struct store *st, int id, const struct store_query *q)
{
    if (q->n)
        memset(q->out, 0, (size_t)q->n * sizeof *q->out);
    hist_query(&st->series[id].h, q);
}

void store_hourly(const struct store *st, int id, int64_t t0, int n,
                  struct tally *out)
{
    hist_hourly(&st->series[id].h, t0, n, out);
}

int64_t store_next_minute(const struct store *st, int id, int64_t t)
{
    int64_t m;
    hist_next_many(&st->series[id].h, &t, 1, &m);
    return m;
}

int64_t store_first_minute(const struct store *st)
{
    int64_t first = INT64_MAX;
    for (size_t i = 0; i < st->nseries; i++) {
        int64_t m = st->series[i].live ? hist_first(&st->series[i].h) : INT64_MAX;
        if (m < first)
            first = m;
    }
    return first;
}

size_t store_prune(struct store *st, int64_t before)
{
    size_t dropped = 0;
    /* the generation moves only when a bucket goes: the clock calls this
     * every minute, and a moved generation makes every dashboard draw
     * and every viewer fetch again */
    bool moved = false;
    for (size_t i = 0; i < st->nseries; i++) {
        struct series *s = &st->series[i];
        if (!s->live)
            continue;
        if (hist_first(&s->h) < before) {
            changing(st, (int)i);
            moved = true;
        }
        dropped += hist_prune(&s->h, before);
        /* db.c prunes the same range itself */
        if (s->dirty_from < before)
            s->dirty_from = before;
        if (s->chunks_from != CHUNKS_ALL && s->chunks_from < clock_floor(before, CLOCK_DAY))
            s->chunks_from = clock_floor(before, CLOCK_DAY);
        if (hist_count(&s->h) == 0) /* its data has aged out */
            free_series(st, (int)i);
    }
    if (moved)
        st->generation++;
    return dropped;
}

uint64_t store_generation(const struct store *st) { return st->generation; }

size_t store_bucket_count(const struct store *st)
{
    size_t n = 0;
    for (size_t i = 0; i < st->nseries; i++)
        n += hist_count(&st->series[i].h);
    return n;
}

size_t store_bucket_bytes(const struct store *st)
{
    size_t n = st->cap * sizeof *st->series;
    for (size_t i = 0; i < st->nseries; i++)
        n += hist_bytes(&st->series[i].h);
    return n;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

struct rows_walk {
    const struct store_persist *p;
    void *ctx;
    int id;
};

static int put_row(void *ctx, const struct chunk_bucket *b)
{
    struct rows_walk *w = ctx;
    return w->p->bucket(w->ctx, w->id, b->minute, &b->t);
}

/* Series id's changes, as store_persist_each says. */
static int persist_series(struct store *st, int id, const struct store_persist *p,
                          void *ctx, uint8_t **buf, size_t *cap)
{
    struct series *s = &st->series[id];
    /* rows from a day whose chunk is written again go too: rows of an hour
     * sealed by store_dirty_clear (not marked, so that a flush leaves
     * nothing pending) are kept until their day's chunk holds them */
    int64_t rows_from = s->dirty_from < s->chunks_from ? s->dirty_from : s->chunks_from;
    int rc = p->series(ctx, id, s->chunks_from, rows_from);
    int64_t end = s->h.len ? s->h.last : INT64_MIN, first = s->chunks_from;
    if (first == CHUNKS_ALL) /* from the first day it holds */
        first = s->h.len ? clock_floor(hist_first(&s->h), CLOCK_DAY) : INT64_MAX;
    for (int64_t day = first; rc == 0 && day <= end; day += CLOCK_DAY) {
        int64_t newest = 0;
        size_t count = 0, len = hist_day(&s->h, day, buf, cap, &newest, &count);
        if (len)
            rc = p->chunk(ctx, id, day, *buf, len, newest, count);
    }
    if (rc == 0 && rows_from != INT64_MAX && s->h.open_hour != HIST_NONE) {
        struct rows_walk w = {p, ctx, id};
        int64_t from = rows_from > s->h.open_hour ? rows_from : s->h.open_hour;
        rc = hist_each(&s->h, from, INT64_MAX, put_row, &w);
    }
    return rc;
}

int store_persist_each(struct store *st, const struct store_persist *p, void *ctx)
{
    /* in series order: the database's key order, so its B-tree appends
     * rather than splits pages all over */
    if (st->dirty.n > 1)
        qsort(st->dirty.v, st->dirty.n, sizeof *st->dirty.v, cmp_int);
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < st->dirty.n && rc == 0; i++) {
        int id = st->dirty.v[i];
        if (i > 0 && id == st->dirty.v[i - 1])
            continue;
        if (st->series[id].live)
            rc = persist_series(st, id, p, ctx, &buf, &cap);
    }
    free(buf);
    return rc;
}

void store_dirty_clear(struct store *st)
{
    for (size_t i = 0; i < st->dirty.n; i++) {
        struct series *s = &st->series[st->dirty.v[i]];
        s->dirty_from = s->chunks_from = INT64_MAX;
    }
    st->dirty.n = 0;
    st->freed.n = 0;
    for (size_t i = 0; i < st->nseries; i++) {
        struct series *s = &st->series[i];
        s->dirty = false;
        /* an hour no longer written to (a later one has been, in some
         * series) is sealed: encoded, its raw buffer freed. Its rows stay
         * rows until its day's chunk is written again (or a restart reads
         * them back into an open hour) */
        seal_if_older(st, (int)i);
    }
    st->load_last = -1;
}

size_t store_dirty_count(const struct store *st) { return st->dirty.n; }

int store_series_dirty_each(struct store *st, int (*fn)(void *ctx, int id),
                            void *ctx)
{
    for (size_t i = 0; i < st->nseries; i++) {
        if (!st->series[i].dirty || !st->series[i].live)
            continue;
        int rc = fn(ctx, (int)i);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int store_freed_each(struct store *st, int (*fn)(void *ctx, int id), void *ctx)
{
    for (size_t i = 0; i < st->freed.n; i++) {
        int rc = fn(ctx, st->freed.v[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}
