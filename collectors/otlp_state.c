/* otlp_state.c - what an OTLP source remembers between exports, and the
 * helpers the log and metric mappings share (see otlp_signals.h).
 *
 * Kept as cursors of the source: "m:<key>" = "start time value count" for
 * a cumulative stream, "e:<key>" = "kind seen" for an emitter (keys are 16
 * hex digits of a 64-bit hash). A change is staged with the records of the
 * export that made it, so both commit in one transaction or neither. */
#include "collectors/otlp_signals.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/xalloc.h"

/* An emitter's last-seen time is written again only after this long, so
 * a busy session does not rewrite its cursor on every export. */
#define SEEN_SLACK CLOCK_HOUR
/* How often the entries not seen for the retention are dropped from
 * memory (the maps would otherwise keep every session a daemon ever saw). */
#define PRUNE_EVERY CLOCK_HOUR

struct stream_ent {
    struct otlp_stream s;
    bool dirty;
};

struct emitter_ent {
    char kind[32];
    int64_t seen, saved;
    bool dirty;
};

struct otlp_state {
    struct hmap streams;     /* "m:<hex>" -> struct stream_ent */
    struct hmap emitters;    /* "e:<hex>" -> struct emitter_ent */
    const char **dirty;      /* keys (owned by the maps) to stage */
    size_t ndirty, dirty_cap;
    const char **gone;       /* keys to forget (owned here) */
    size_t ngone, gone_cap;
    unsigned signals;        /* the source's signals (otlp_state_signals) */
    int64_t retention;       /* seconds; 0: never prune (not loaded) */
    int64_t pruned;          /* when last pruned */
};

struct otlp_state *otlp_state_new(void) { return xcalloc(1, sizeof(struct otlp_state)); }

void otlp_state_free(struct otlp_state *st)
{
    if (!st)
        return;
    hmap_free(&st->streams, free);
    hmap_free(&st->emitters, free);
    free(st->dirty);
    for (size_t i = 0; i < st->ngone; i++)
        free((void *)st->gone[i]);
    free(st->gone);
    free(st);
}

size_t otlp_state_streams(const struct otlp_state *st) { return st->streams.count; }
size_t otlp_state_emitters(const struct otlp_state *st) { return st->emitters.count; }

static void key_of(char *buf, char prefix, uint64_t key)
{
    snprintf(buf, 20, "%c:%016" PRIx64, prefix, key);
}

static void mark_dirty(struct otlp_state *st, struct hmap *m, const char *key)
{
    xgrow(&st->dirty, &st->dirty_cap, st->ndirty + 1, sizeof *st->dirty);
    st->dirty[st->ndirty++] = hmap_key(m, key, strlen(key));
}

/* ---- loading -------------------------------------------------------------------- */

struct loader {
    struct otlp_state *st;
    int64_t cutoff;
};

static void forget(struct otlp_state *st, const char *key)
{
    xgrow(&st->gone, &st->gone_cap, st->ngone + 1, sizeof *st->gone);
    st->gone[st->ngone++] = xstrdup(key);
}

static void load_stream(struct loader *l, const char *key, const char *value)
{
    struct otlp_stream s;
    if (sscanf(value, "%" SCNu64 " %" SCNu64 " %lf %" SCNu64, &s.start_ns, &s.time_ns,
               &s.value, &s.count) != 4 || !isfinite(s.value)) {
        forget(l->st, key);
        return;
    }
    if ((int64_t)(s.time_ns / 1000000000u) < l->cutoff) {
        forget(l->st, key);
        return;
    }
    void **slot = hmap_put(&l->st->streams, key, strlen(key));
    if (!*slot)
        *slot = xcalloc(1, sizeof(struct stream_ent));
    ((struct stream_ent *)*slot)->s = s;
}

static void load_emitter(struct loader *l, const char *key, const char *value)
{
    char kind[32];
    long long seen;
    if (sscanf(value, "%31s %lld", kind, &seen) != 2 || seen < l->cutoff) {
        forget(l->st, key);
        return;
    }
    void **slot = hmap_put(&l->st->emitters, key, strlen(key));
    if (!*slot)
        *slot = xcalloc(1, sizeof(struct emitter_ent));
    struct emitter_ent *e = *slot;
    memcpy(e->kind, kind, sizeof kind);
    e->seen = e->saved = seen;
}

static int load_one(void *ctx, const char *key, const char *value)
{
    if (strlen(key) != 18)
        return 0; /* not ours (a file position, ...) */
    if (strncmp(key, "m:", 2) == 0)
        load_stream(ctx, key, value);
    else if (strncmp(key, "e:", 2) == 0)
        load_emitter(ctx, key, value);
    return 0;
}

int otlp_state_load(struct otlp_state *st, struct sink *sink, const char *source,
                    int64_t now, int64_t retention, char *err, size_t errlen)
{
    if (!sink || !sink->cursor_each)
        return 0;
    struct loader l = {st, now - retention};
    st->retention = retention;
    st->pruned = now;
    return sink->cursor_each(sink, source, load_one, &l, err, errlen);
}

/* ---- streams and emitters ----------------------------------------------------------- */

struct otlp_stream *otlp_state_stream(struct otlp_state *st, uint64_t key)
{
    char k[20];
    key_of(k, 'm', key);
    struct stream_ent *e = hmap_get(&st->streams, k, strlen(k));
    return e ? &e->s : NULL;
}

void otlp_state_set_stream(struct otlp_state *st, uint64_t key, const struct otlp_stream *s)
{
    char k[20];
    key_of(k, 'm', key);
    void **slot = hmap_put(&st->streams, k, strlen(k));
    if (!*slot)
        *slot = xcalloc(1, sizeof(struct stream_ent));
    struct stream_ent *e = *slot;
    e->s = *s;
    if (!e->dirty) {
        e->dirty = true;
        mark_dirty(st, &st->streams, k);
    }
}

void otlp_state_signals(struct otlp_state *st, unsigned signals) { st->signals = signals; }

/* Whether usage of kind can still be counted with the source's signals:
 * "metric:*" by metrics, "span" by traces, "log:*" by logs or by an agent
 * CLI's spans (otlp_families.h). */
static bool kind_live(const char *kind, unsigned signals)
{
    if (!signals)
        return true;
    if (strncmp(kind, "metric:", 7) == 0)
        return signals & OTLP_METRICS;
    if (strncmp(kind, "log:", 4) == 0)
        return signals & (OTLP_LOGS | OTLP_TRACES);
    return signals & OTLP_TRACES;
}

bool otlp_state_claim(struct otlp_state *st, uint64_t emitter, const char *kind, int64_t seen)
{
    char k[20];
    key_of(k, 'e', emitter);
    void **slot = hmap_put(&st->emitters, k, strlen(k));
    struct emitter_ent *e = *slot;
    if (!e) {
        e = *slot = xcalloc(1, sizeof *e);
        snprintf(e->kind, sizeof e->kind, "%s", kind);
    } else if (strcmp(e->kind, kind) != 0) {
        if (kind_live(e->kind, st->signals))
            return false;
        /* its kind's signals were turned off: this one takes it over
         * now (and is stored), not when that choice expires */
        snprintf(e->kind, sizeof e->kind, "%s", kind);
        e->saved = 0;
    }
    if (seen > e->seen)
        e->seen = seen;
    if (!e->dirty && (e->saved == 0 || e->seen > e->saved + SEEN_SLACK)) {
        e->dirty = true;
        mark_dirty(st, &st->emitters, k);
    }
    return true;
}

static int64_t stream_seen(const char *key, const void *val)
{
    (void)key;
    return (int64_t)(((const struct stream_ent *)val)->s.time_ns / 1000000000u);
}

static int64_t emitter_seen(const char *key, const void *val)
{
    (void)key;
    return ((const struct emitter_ent *)val)->seen;
}

/* Drop (and stage the removal of) m's entries last seen before cutoff.
 * The map is rebuilt (hmap has no delete): only when nothing is dirty,
 * since the dirty list points at the map's keys. */
static void prune_map(struct otlp_state *st, struct hmap *m, int64_t cutoff,
                      int64_t (*seen)(const char *key, const void *val))
{
    struct hmap keep = {0};
    for (size_t i = 0; i < m->cap; i++) {
        struct hmap_entry *e = &m->slots[i];
        if (!e->key)
            continue;
        if (seen(e->key, e->val) < cutoff) {
            forget(st, e->key);
            free(e->val);
        } else {
            *hmap_put(&keep, e->key, e->keylen) = e->val;
        }
        free(e->key);
    }
    free(m->slots);
    *m = keep;
}

void otlp_state_prune(struct otlp_state *st, int64_t cutoff)
{
    if (st->ndirty)
        return;
    prune_map(st, &st->streams, cutoff, stream_seen);
    prune_map(st, &st->emitters, cutoff, emitter_seen);
}

/* Stage the removal of every forgotten key. */
static void stage_gone(struct otlp_state *st, struct sink *sink, const char *source)
{
    for (size_t i = 0; i < st->ngone; i++) {
        if (sink && sink->cursor)
            sink->cursor(sink, source, st->gone[i], "");
        free((void *)st->gone[i]);
        st->gone[i] = NULL;
    }
    st->ngone = 0;
}

void otlp_state_commit(struct otlp_state *st, struct sink *sink, const char *source)
{
    bool stage = sink && sink->cursor;
    stage_gone(st, sink, source);
    for (size_t i = 0; i < st->ndirty; i++) {
        const char *k = st->dirty[i];
        char val[128];
        if (k[0] == 'm') {
            struct stream_ent *e = hmap_get(&st->streams, k, strlen(k));
            snprintf(val, sizeof val, "%" PRIu64 " %" PRIu64 " %.17g %" PRIu64, e->s.start_ns,
                     e->s.time_ns, e->s.value, e->s.count);
            e->dirty = false;
        } else {
            struct emitter_ent *e = hmap_get(&st->emitters, k, strlen(k));
            snprintf(val, sizeof val, "%s %lld", e->kind, (long long)e->seen);
            e->saved = e->seen;
            e->dirty = false;
        }
        if (stage)
            sink->cursor(sink, source, k, val);
    }
    st->ndirty = 0;
    int64_t now = clock_now();
    if (st->retention && now - st->pruned >= PRUNE_EVERY) {
        st->pruned = now;
        otlp_state_prune(st, now - st->retention);
        stage_gone(st, sink, source);
    }
}

/* ---- shared helpers ------------------------------------------------------------------ */

const char *const otlp_signal_names[] = {"traces", "logs", "metrics", NULL};

const struct setting otlp_signal_keys[] = {
    {.name = "signals", .type = SETTING_NAMES, .names = otlp_signal_names, .noun = "signal",
     .offset = offsetof(struct otlp_signal_set, names),
     .count_offset = offsetof(struct otlp_signal_set, n),
     .def = "[\"traces\", \"logs\", \"metrics\"]",
     .doc = "whose usage counts; [\"logs\"] counts an agent CLI's events, never its metrics"},
    {0},
};

unsigned otlp_signals_mask(char *const *names, size_t n)
{
    static const unsigned bits[] = {OTLP_TRACES, OTLP_LOGS, OTLP_METRICS};
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; otlp_signal_names[k]; k++)
            if (strcmp(names[i], otlp_signal_names[k]) == 0)
                mask |= bits[k];
    return mask;
}

/* a + n for counts (n at most USAGE_COUNT_MAX): held just past the most a
 * record may carry, so that a record of many points is refused (usage.h),
 * never wrapped */
static int64_t count_add(int64_t a, int64_t n)
{
    return a + n > USAGE_COUNT_MAX ? USAGE_COUNT_MAX + 1 : a + n;
}

void otlp_usage_apply(struct usage *u, unsigned what, int64_t n)
{
    if (n > USAGE_COUNT_MAX)
        n = USAGE_COUNT_MAX + 1;
    if (what & (OTLP_INPUT | OTLP_TO_INPUT))
        u->input = count_add(u->input, n);
    if (what & (OTLP_OUTPUT | OTLP_TO_OUTPUT))
        u->output = count_add(u->output, n);
    if (what & OTLP_CACHE_READ) {
        u->cache_read = count_add(u->cache_read, n);
        u->cache_known = true;
    }
    if (what & OTLP_CACHE_WRITE) { /* writes counted: reads not said are none */
        u->cache_write_5m = count_add(u->cache_write_5m, n);
        u->cache_known = true;
    }
    if (what & OTLP_REASONING) {
        u->reasoning = count_add(u->reasoning, n);
        u->reasoning_known = true;
    }
}

uint64_t otlp_hash(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t hash_value(uint64_t h, const struct otlp_value *v, int depth);

static uint64_t hash_list(uint64_t h, const struct otlp_list *l, bool kv, int depth)
{
    struct otlp_iter it;
    otlp_iter_init(&it, l);
    if (kv) {
        struct otlp_kv x;
        while (otlp_next_kv(&it, &x)) {
            h = otlp_hash(h, x.key.p, x.key.n);
            h = otlp_hash(h, "=", 1);
            h = hash_value(h, &x.value, depth + 1);
        }
    } else {
        struct otlp_value x;
        while (otlp_next_value(&it, &x))
            h = hash_value(h, &x, depth + 1);
    }
    return otlp_hash(h, ")", 1);
}

static uint64_t hash_value(uint64_t h, const struct otlp_value *v, int depth)
{
    unsigned char t = (unsigned char)v->type;
    h = otlp_hash(h, &t, 1);
    switch (v->type) {
    case OTLP_STRING: return otlp_hash(otlp_hash(h, v->u.s.p, v->u.s.n), "\0", 1);
    case OTLP_BOOL: return otlp_hash(h, v->u.b ? "1" : "0", 1);
    case OTLP_INT: return otlp_hash(h, &v->u.i, sizeof v->u.i);
    case OTLP_DOUBLE: return otlp_hash(h, &v->u.d, sizeof v->u.d);
    case OTLP_BYTES: return otlp_hash(h, v->u.bytes.p, v->u.bytes.n);
    case OTLP_ARRAY:
    case OTLP_KVLIST:
        /* the decoders bound the nesting; this bounds the hash's own walk */
        return depth > 16 ? h : hash_list(h, &v->u.list, v->type == OTLP_KVLIST, depth);
    case OTLP_EMPTY: break;
    }
    return h;
}

uint64_t otlp_hash_attrs(uint64_t h, const struct otlp_list *attrs)
{
    return hash_list(h, attrs, true, 0);
}

bool otlp_put(struct sink *sink, struct otlp_result *r, const struct usage *u)
{
    int rc = sink->put(sink, u);
    if (rc > 0) {
        r->counted++;
        return true;
    }
    if (rc == 0) {
        r->duplicates++;
        return false;
    }
    /* refused: a count says why, else the time (the sink's clock) */
    r->rejected++;
    if (!r->error[0]) {
        char why[160];
        snprintf(r->error, sizeof r->error, "%s",
                 usage_refusal(u, 0, why, sizeof why)
                     ? why : "dated more than " USAGE_FUTURE_TEXT " after the receiver's clock");
    }
    return false;
}

bool otlp_value_count(const struct otlp_value *v, int64_t *out)
{
    int64_t n;
    switch (v->type) {
    case OTLP_INT:
        n = v->u.i;
        break;
    case OTLP_DOUBLE:
        if (!(v->u.d >= 0 && v->u.d < 9e15) || v->u.d != floor(v->u.d))
            return false;
        n = (int64_t)v->u.d;
        break;
    case OTLP_STRING:
        if (!v->u.s.p || !otlp_text_count(v->u.s.p, v->u.s.n, &n))
            return false;
        break;
    default:
        return false;
    }
    /* no record holds more (usage.h): sums of such counts would overflow */
    if (n < 0 || n > USAGE_COUNT_MAX)
        return false;
    *out = n;
    return true;
}

bool otlp_value_amount(const struct otlp_value *v, double *out)
{
    double d;
    if (v->type == OTLP_INT) {
        d = (double)v->u.i;
    } else if (v->type == OTLP_DOUBLE) {
        d = v->u.d;
    } else if (v->type == OTLP_STRING && v->u.s.n > 0 && v->u.s.n < 40) {
        char buf[40], *end;
        memcpy(buf, v->u.s.p, v->u.s.n);
        buf[v->u.s.n] = '\0';
        if (buf[0] < '0' || buf[0] > '9' || buf[strspn(buf, "0123456789.eE+-")])
            return false; /* no sign, space, inf, nan or hex */
        d = strtod(buf, &end);
        if (*end)
            return false;
    } else {
        return false;
    }
    if (!isfinite(d) || d < 0)
        return false;
    *out = d;
    return true;
}

bool otlp_attr_find(const struct otlp_list *list, const char *key, struct otlp_value *out)
{
    struct otlp_iter it;
    struct otlp_kv kv;
    otlp_iter_init(&it, list);
    while (otlp_next_kv(&it, &kv)) {
        if (otlp_str_eq(kv.key, key)) {
            *out = kv.value;
            return true;
        }
    }
    return false;
}

/* A string (or an integer as its digits) into buf, cut to fit: true, or
 * false for any other value. */
static bool value_text(const struct otlp_value *v, char *buf)
{
    if (v->type == OTLP_STRING) {
        size_t n = v->u.s.n < OTLP_NAME_BUF - 1 ? v->u.s.n : OTLP_NAME_BUF - 1;
        if (n)
            memcpy(buf, v->u.s.p, n);
        buf[n] = '\0';
        return true;
    }
    if (v->type == OTLP_INT) {
        snprintf(buf, OTLP_NAME_BUF, "%" PRId64, v->u.i);
        return true;
    }
    return false;
}

const char *otlp_attr_str(const struct otlp_list *attrs, const struct otlp_resource *res,
                          const char *key, char *buf)
{
    struct otlp_value v;
    if (attrs && otlp_attr_find(attrs, key, &v) && value_text(&v, buf))
        return buf;
    if (res && otlp_attr_find(&res->attrs, key, &v) && value_text(&v, buf))
        return buf;
    return NULL;
}

const char *otlp_tenant(const struct otlp_options *o, const struct otlp_list *attrs,
                        const struct otlp_resource *res, char *buf)
{
    for (size_t t = 0; t < o->ntenant_attrs; t++) {
        struct otlp_value v;
        if (otlp_attr_find(attrs, o->tenant_attrs[t], &v) && value_text(&v, buf))
            return buf;
    }
    for (size_t t = 0; t < o->ntenant_attrs; t++) {
        struct otlp_value v;
        if (otlp_attr_find(&res->attrs, o->tenant_attrs[t], &v) && value_text(&v, buf))
            return buf;
    }
    return "";
}

uint64_t otlp_traced_key(const struct otlp_resource *res, const char *provider)
{
    uint64_t h = otlp_hash(OTLP_HASH0, "traced", 6);
    uint64_t em = otlp_emitter(NULL, res);
    h = otlp_hash(h, &em, sizeof em);
    h = otlp_hash(h, provider ? provider : "", provider ? strlen(provider) : 0);
    return h ? h : 1;
}

uint64_t otlp_usage_call_key(uint64_t emitter, const struct usage *u,
                             struct otlp_str request_id, uint64_t end_ns)
{
    int64_t end_s = (int64_t)(end_ns / 1000000000u);
    uint64_t h;
    if (u->errors && !u->tokens_unknown && !u->input && !u->output) {
        /* a failed call: its request id says which, else when it ended */
        h = otlp_hash(OTLP_HASH0, "failed-call", 11);
        h = otlp_hash(h, &emitter, sizeof emitter);
        if (request_id.p && request_id.n)
            h = otlp_hash(otlp_hash(h, "id", 2), request_id.p, request_id.n);
        else
            h = otlp_hash(h, &end_s, sizeof end_s);
        return h ? h : 1;
    }
    if (u->tokens_unknown || (!u->input && !u->output))
        return 0;
    int64_t n[5] = {u->input, u->cache_read, u->cache_write_5m + u->cache_write_1h, u->output,
                    end_s};
    h = otlp_hash(OTLP_HASH0, "usage-call", 10);
    h = otlp_hash(h, &emitter, sizeof emitter);
    h = otlp_hash(h, n, sizeof n);
    return h ? h : 1;
}

/* The session a record names (session.id, else conversation.id; record
 * attributes then resource) into buf, or NULL. */
static const char *session_of(const struct otlp_list *attrs, const struct otlp_resource *res,
                              char *buf)
{
    const char *session = otlp_attr_str(attrs, res, "session.id", buf);
    return session ? session : otlp_attr_str(attrs, res, "conversation.id", buf);
}

/* The key of an installation (id) of the resource's service, or of the
 * service's installations together (id NULL or ""). */
static uint64_t installation_key(const struct otlp_resource *res, const char *id)
{
    char sbuf[OTLP_NAME_BUF];
    const char *service = otlp_attr_str(NULL, res, "service.name", sbuf);
    if (!service)
        service = "";
    if (!id)
        id = "";
    uint64_t h = otlp_hash(OTLP_HASH0, "installation", 12);
    h = otlp_hash(h, service, strlen(service) + 1);
    h = otlp_hash(h, id, strlen(id));
    return h ? h : 1;
}

uint64_t otlp_installation(const struct otlp_list *attrs, const struct otlp_resource *res,
                           const char *installation, uint64_t *service)
{
    char buf[OTLP_NAME_BUF];
    if (session_of(attrs, res, buf))
        return 0;
    *service = installation_key(res, NULL);
    return installation_key(res, otlp_attr_str(attrs, res, installation, buf));
}

bool otlp_claim_usage(struct otlp_state *st, uint64_t emitter, const struct otlp_list *attrs,
                      const struct otlp_resource *res, const char *installation,
                      const char *kind, int64_t ts)
{
    if (!otlp_state_claim(st, emitter, kind, ts))
        return false;
    if (!installation)
        return true;
    char buf[OTLP_NAME_BUF];
    const char *id = otlp_attr_str(attrs, res, installation, buf);
    if (id && *id && !otlp_state_claim(st, installation_key(res, id), kind, ts))
        return false;
    return otlp_state_claim(st, installation_key(res, NULL), kind, ts);
}

uint64_t otlp_emitter(const struct otlp_list *attrs, const struct otlp_resource *res)
{
    char sbuf[OTLP_NAME_BUF], ibuf[OTLP_NAME_BUF];
    const char *service = otlp_attr_str(NULL, res, "service.name", sbuf);
    const char *session = session_of(attrs, res, ibuf);
    if (!service)
        service = "";
    if (!session)
        session = "";
    uint64_t h = otlp_hash(OTLP_HASH0, service, strlen(service) + 1);
    return otlp_hash(h, session, strlen(session));
}
