/* hist.c - one series' minute buckets, compact (see hist.h). */
#include "core/hist.h"

#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/xalloc.h"

/* ---- the stream of hour records ------------------------------------------ */

static int64_t hour_of(int64_t t) { return clock_floor(t, CLOCK_HOUR); }

/* One record, where it lies in the stream. */
struct rec {
    int64_t hour;
    size_t at;      /* its header's first byte */
    size_t body;    /* its body's first byte */
    size_t len;     /* the body's length */
    size_t end;     /* the next record's first byte */
};

/* The record after r (r->end == 0 and r->hour == base: the first). A
 * malformed stream ends where it stops making sense. */
static bool rec_next(const struct hist *h, struct rec *r)
{
    if (r->end >= h->len)
        return false;
    uint64_t dh, len;
    size_t k = chunk_get_head(h->data + r->end, h->data + h->len, &dh, &len);
    if (!k)
        return false;
    r->hour += (int64_t)dh * CLOCK_HOUR;
    r->at = r->end;
    r->body = r->at + k;
    r->len = (size_t)len;
    r->end = r->body + r->len;
    return true;
}

static struct rec rec_start(const struct hist *h)
{
    return (struct rec){.hour = h->base};
}

/* Replace bytes [a, b) of the stream with src[0..n). */
static void splice(struct hist *h, size_t a, size_t b, const uint8_t *src, size_t n)
{
    size_t len = h->len - (b - a) + n;
    if (len > h->cap) {
        /* a little room: the next hour's record is appended soon */
        size_t cap = len + len / 8 + 16;
        h->data = xrealloc(h->data, cap);
        h->cap = (uint32_t)cap;
    }
    memmove(h->data + a + n, h->data + b, h->len - b);
    memcpy(h->data + a, src, n);
    h->len = (uint32_t)len;
}

/* ---- an hour's buckets, decoded ---------------------------------------------- */

/* Index of the first bucket at or after minute m. */
static int find_minute(const struct chunk_bucket *b, int n, int64_t m)
{
    int i = n;
    while (i > 0 && b[i - 1].minute >= m)
        i--;
    return i;
}

/* Add (or set) t into minute m of b[0..*n), which has room for one more;
 * a bucket left zero is removed. Returns whether it exists afterwards. */
static bool bucket_write(struct chunk_bucket *b, int *n, int64_t m, const struct tally *t,
                         bool set)
{
    int i = find_minute(b, *n, m);
    if (i == *n || b[i].minute != m) {
        if (tally_is_zero(t))
            return false;
        memmove(&b[i + 1], &b[i], (size_t)(*n - i) * sizeof *b);
        memset(&b[i], 0, sizeof b[i]);
        b[i].minute = m;
        (*n)++;
    }
    if (set)
        b[i].t = *t;
    else
        tally_add(&b[i].t, t);
    if (!tally_is_zero(&b[i].t))
        return true;
    memmove(&b[i], &b[i + 1], (size_t)(*n - i - 1) * sizeof *b);
    (*n)--;
    return false;
}

/* Drop buckets before t from b[0..*n). */
static void drop_before(struct chunk_bucket *b, int *n, int64_t t)
{
    int k = 0;
    while (k < *n && b[k].minute < t)
        k++;
    memmove(b, b + k, (size_t)(*n - k) * sizeof *b);
    *n -= k;
}

/* A record for the hour starting hour with buckets b[0..n), n > 0, dh
 * hours after the previous one, into p; returns its bytes. */
static size_t put_record(uint8_t *p, int64_t dh, int64_t hour, const struct chunk_bucket *b,
                         int n, const struct tally_rates *rates)
{
    uint8_t body[CHUNK_BODY_MAX];
    size_t len = chunk_put_hour(body, hour, b, n, rates);
    size_t k = chunk_put_head(p, (uint64_t)dh, len);
    memcpy(p + k, body, len);
    return k + len;
}

/* ---- writes ------------------------------------------------------------------- */

/* What to do to one sealed hour's buckets. */
struct hour_op {
    int64_t minute;
    const struct tally *t;
    bool set;
    int64_t drop_before;    /* INT64_MIN: none */
    bool exists;            /* out: the bucket exists afterwards */
};

static void apply_op(struct hour_op *op, struct chunk_bucket *b, int *n)
{
    if (op->drop_before != INT64_MIN)
        drop_before(b, n, op->drop_before);
    else
        op->exists = bucket_write(b, n, op->minute, op->t, op->set);
}

/* Decode the sealed record of hour (none: an empty hour), apply op, and
 * splice the result in, its successor's header made relative to it. */
static void rewrite_sealed(struct hist *h, int64_t hour, struct hour_op *op)
{
    struct rec r = rec_start(h), next;
    int64_t prev = h->base;
    bool found = false, more;
    while ((more = rec_next(h, &r)) && r.hour < hour)
        prev = r.hour;
    struct chunk_bucket b[CHUNK_MINUTES];
    int n = 0;
    size_t at = more ? r.at : h->len;
    if (more && r.hour == hour) {
        found = true;
        if (chunk_get_hour(h->data + r.body, r.len, hour, b, &n, h->rates) != 0)
            n = 0;
        next = r;
        more = rec_next(h, &next);
    } else {
        next = r;
    }
    int n0 = n;
    apply_op(op, b, &n);
    if (!found && n == 0)
        return;
    if (at == 0 && hour < h->base)
        h->base = prev = hour; /* a new first record: the base moves back to it */
    uint8_t out[2 * CHUNK_HEAD_MAX + CHUNK_BODY_MAX];
    size_t k = 0;
    int64_t last = prev;
    if (n > 0) {
        k = put_record(out, (hour - prev) / CLOCK_HOUR, hour, b, n, h->rates);
        last = hour;
    }
    size_t cut = found ? r.end : at;
    if (more) { /* the successor's header, relative to what now precedes it */
        k += chunk_put_head(out + k, (uint64_t)((next.hour - last) / CLOCK_HOUR), next.len);
        cut = next.body;
    } else {
        h->last = last;
    }
    splice(h, at, cut, out, k);
    h->count = h->count - (uint32_t)n0 + (uint32_t)n;
}

/* Encode the open hour onto the stream's end (keeping its buffer). */
static void seal_open(struct hist *h)
{
    if (h->open_hour == HIST_NONE)
        return;
    if (h->nopen > 0) {
        if (h->len == 0)
            h->base = h->last = h->open_hour;
        uint8_t out[CHUNK_HEAD_MAX + CHUNK_BODY_MAX];
        size_t k = put_record(out, (h->open_hour - h->last) / CLOCK_HOUR, h->open_hour,
                              h->open, h->nopen, h->rates);
        splice(h, h->len, h->len, out, k);
        h->last = h->open_hour;
    }
    h->open_hour = HIST_NONE;
    h->nopen = 0;
}

/* The open hour's buffer's bytes. */
static size_t open_bytes(const struct hist *h)
{
    return (size_t)h->open_cap * sizeof *h->open;
}

void hist_seal(struct hist *h)
{
    seal_open(h);
    free(h->open);
    h->open = NULL;
    h->open_cap = 0;
}

bool hist_write(struct hist *h, int64_t ts, const struct tally *t, bool set)
{
    int64_t hour = hour_of(ts), m = hour + (ts - hour) / CLOCK_MINUTE * CLOCK_MINUTE;
    if (h->open_hour != HIST_NONE && hour > h->open_hour)
        seal_open(h);
    if (h->open_hour == HIST_NONE && (h->len == 0 || hour > h->last)) {
        h->open_hour = hour;
        h->nopen = 0;
    }
    if (hour != h->open_hour) {
        struct hour_op op = {m, t, set, INT64_MIN, false};
        rewrite_sealed(h, hour, &op);
        return op.exists;
    }
    if (h->nopen == h->open_cap) {
        int cap = h->open_cap ? 2 * h->open_cap : 2;
        h->open_cap = (uint8_t)(cap > CHUNK_MINUTES ? CHUNK_MINUTES : cap);
        h->open = xrealloc(h->open, open_bytes(h));
    }
    int n = h->nopen;
    bool exists = bucket_write(h->open, &n, m, t, set);
    h->count = h->count - h->nopen + (uint32_t)n;
    h->nopen = (uint8_t)n;
    if (n == 0)
        h->open_hour = HIST_NONE;
    return exists;
}

/* ---- reads -------------------------------------------------------------------- */

void hist_sum(const struct hist *h, int64_t t0, int64_t t1, struct tally *out)
{
    const int64_t iv[1][2] = {{t0, t1}};
    hist_sum_many(h, iv, 1, out);
}

/* The span [*lo, *hi) that the non-empty intervals of iv cover. */
static void span_of(const int64_t (*iv)[2], int n, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int i = 0; i < n; i++)
        if (iv[i][1] > iv[i][0]) {
            *lo = iv[i][0] < *lo ? iv[i][0] : *lo;
            *hi = iv[i][1] > *hi ? iv[i][1] : *hi;
        }
}

/* Sums: whole hours from their rollups, the ragged edges minute by minute
 * (a minute's start is whole, so "start >= t0" holds for every minute of
 * an hour that starts at or after t0). Thresholds: the first bucket at or
 * after each. Each record is decoded at most once for all of them (its
 * rollup for the intervals it lies wholly in, its minutes for those whose
 * edge cuts it): a view sums a series over a dozen intervals and asks when
 * a score of edges next cross a bucket, and walking the stream once per
 * interval, or once for the sums and again for the edges, was most of a
 * view at 100,000 series. */
struct walk {
    const int64_t (*iv)[2];
    int n;
    struct tally *out;
    const int64_t *t;
    int m, left;
    int64_t *next;
    int64_t tmin;           /* the least threshold not yet met */
    int64_t hour0, hour1;   /* the hours summed into hourly[] */
    struct tally *hourly;
    const struct tally_rates *rates; /* the stream's */
};

/* The hour starting hour's slot of w->hourly, or NULL. */
static struct tally *walk_hour(const struct walk *w, int64_t hour)
{
    return hour >= w->hour0 && hour < w->hour1 ? &w->hourly[(hour - w->hour0) / CLOCK_HOUR]
                                                : NULL;
}

static void walk_met(struct walk *w, int k, int64_t minute)
{
    w->next[k] = minute;
    w->left--;
    w->tmin = INT64_MAX;
    for (int j = 0; w->left && j < w->m; j++)
        if (w->next[j] == INT64_MAX && w->t[j] < w->tmin)
            w->tmin = w->t[j];
}

static void walk_bucket(struct walk *w, const struct chunk_bucket *b)
{
    for (int i = 0; i < w->n; i++)
        if (b->minute >= w->iv[i][0] && b->minute < w->iv[i][1])
            tally_add(&w->out[i], &b->t);
    struct tally *slot = walk_hour(w, hour_of(b->minute));
    if (slot)
        tally_add(slot, &b->t);
    if (b->minute < w->tmin) /* no threshold met (most buckets) */
        return;
    for (int k = 0; w->left && k < w->m; k++)
        if (w->next[k] == INT64_MAX && b->minute >= w->t[k])
            walk_met(w, k, b->minute);
}

/* Whether the hour starting hour matters to w: an interval holds some of
 * it, or a threshold not yet met lies before its end. A move of an
 * incremental view sums slices of a minute or two: most records are
 * neither, and are not decoded. (It is walk_next_wanted(w, hour) < the
 * hour's end, but stops at the first interval that holds the hour: it runs
 * for every record of a full build, and the whole scan cost 3% more.) */
static bool walk_wants(const struct walk *w, int64_t hour)
{
    int64_t end = hour + CLOCK_HOUR;
    for (int i = 0; i < w->n; i++)
        if (w->iv[i][0] < end && hour < w->iv[i][1] && w->iv[i][0] < w->iv[i][1])
            return true;
    return w->tmin < end || walk_hour(w, hour);
}

/* The earliest time at or after from that w needs (INT64_MAX: none): the
 * records that end before it are passed over without a look (a move's
 * slices lie near a score of edges; the rest of the week is skipped). */
static int64_t walk_next_wanted(const struct walk *w, int64_t from)
{
    int64_t at = INT64_MAX;
    for (int i = 0; i < w->n; i++)
        if (w->iv[i][0] < w->iv[i][1] && w->iv[i][1] > from) {
            int64_t a = w->iv[i][0] > from ? w->iv[i][0] : from;
            at = a < at ? a : at;
        }
    if (w->tmin != INT64_MAX) {
        int64_t a = w->tmin > from ? w->tmin : from;
        at = a < at ? a : at;
    }
    if (w->hour1 > from) {
        int64_t a = w->hour0 > from ? w->hour0 : from;
        at = a < at ? a : at;
    }
    return at;
}

/* The thresholds a record of several buckets meets (b[0..*nb) its
 * buckets once decoded, *nb -1 until then). */
static void walk_edges(struct walk *w, const uint8_t *body, const struct rec *r,
                       struct chunk_bucket *b, int *nb)
{
    int64_t end = r->hour + CLOCK_HOUR;
    for (int k = 0; w->tmin < end && k < w->m; k++) {
        if (w->next[k] != INT64_MAX || w->t[k] >= end)
            continue;
        int64_t first;
        if (w->t[k] <= r->hour &&
            chunk_hour_first(body, r->len, r->hour, &first, w->rates) == 0) {
            /* the hour starts after t: its first bucket, undecoded */
            walk_met(w, k, first);
            continue;
        }
        if (*nb < 0 && chunk_get_hour(body, r->len, r->hour, b, nb, w->rates) != 0)
            *nb = 0;
        for (int j = 0; j < *nb; j++)
            if (b[j].minute >= w->t[k]) {
                walk_met(w, k, b[j].minute);
                break;
            }
    }
}

static void walk_record(struct walk *w, const struct hist *h, const struct rec *r)
{
    int64_t end = r->hour + CLOCK_HOUR;
    const uint8_t *body = h->data + r->body;
    struct chunk_bucket b[CHUNK_MINUTES];
    if (chunk_hour_single(body, r->len, r->hour, &b[0], h->rates) == 1) {
        /* one bucket (most hours of a sparse series): its minute says
         * which intervals hold it, whole hour or not */
        walk_bucket(w, &b[0]);
        return;
    }
    struct tally sum;
    bool summed = false;
    int nb = -1;
    for (int i = 0; i < w->n; i++) {
        const int64_t *v = w->iv[i];
        if (v[1] <= v[0] || end <= v[0] || r->hour >= v[1])
            continue;
        if (r->hour >= v[0] && end <= v[1]) {
            if (!summed) {
                memset(&sum, 0, sizeof sum);
                chunk_hour_sum(body, r->len, &sum, h->rates);
                summed = true;
            }
            tally_add(&w->out[i], &sum);
            continue;
        }
        if (nb < 0 && chunk_get_hour(body, r->len, r->hour, b, &nb, h->rates) != 0)
            nb = 0;
        for (int j = 0; j < nb; j++)
            if (b[j].minute >= v[0] && b[j].minute < v[1])
                tally_add(&w->out[i], &b[j].t);
    }
    struct tally *slot = walk_hour(w, r->hour);
    if (slot) {
        if (!summed) {
            memset(&sum, 0, sizeof sum);
            chunk_hour_sum(body, r->len, &sum, h->rates);
        }
        tally_add(slot, &sum);
    }
    walk_edges(w, body, r, b, &nb);
}

void hist_query(const struct hist *h, const struct store_query *q)
{
    struct walk w = {q->iv, q->n, q->out, q->t, q->m, q->m, q->next, INT64_MAX,
                     q->hour0, q->hour0 + (int64_t)q->nh * CLOCK_HOUR, q->hourly, h->rates};
    int64_t lo, hi;
    span_of(q->iv, q->n, &lo, &hi);
    for (int k = 0; k < q->m; k++) {
        q->next[k] = INT64_MAX;
        w.tmin = q->t[k] < w.tmin ? q->t[k] : w.tmin;
    }
    lo = w.tmin < lo ? w.tmin : lo;
    if (q->nh > 0) {
        lo = w.hour0 < lo ? w.hour0 : lo;
        hi = w.hour1 > hi ? w.hour1 : hi;
    }
    struct rec r = rec_start(h);
    int64_t skip = lo; /* records ending at or before skip are not needed */
    while (rec_next(h, &r) && (r.hour < hi || w.left)) {
        int64_t end = r.hour + CLOCK_HOUR;
        if (end <= skip)
            continue;
        if (!walk_wants(&w, r.hour)) {
            skip = walk_next_wanted(&w, end);
            continue;
        }
        walk_record(&w, h, &r);
    }
    for (int j = 0; j < h->nopen; j++)
        walk_bucket(&w, &h->open[j]);
}

void hist_sum_many(const struct hist *h, const int64_t (*iv)[2], int n, struct tally *out)
{
    hist_query(h, &(struct store_query){.iv = iv, .n = n, .out = out});
}

void hist_hourly(const struct hist *h, int64_t t0, int n, struct tally *out)
{
    int64_t t1 = t0 + (int64_t)n * CLOCK_HOUR;
    struct rec r = rec_start(h);
    while (rec_next(h, &r) && r.hour < t1)
        if (r.hour >= t0)
            chunk_hour_sum(h->data + r.body, r.len, &out[(r.hour - t0) / CLOCK_HOUR], h->rates);
    if (h->open_hour != HIST_NONE && h->open_hour >= t0 && h->open_hour < t1)
        for (int i = 0; i < h->nopen; i++)
            tally_add(&out[(h->open_hour - t0) / CLOCK_HOUR], &h->open[i].t);
}

int64_t hist_first(const struct hist *h)
{
    struct rec r = rec_start(h);
    int64_t m;
    if (rec_next(h, &r) && chunk_hour_first(h->data + r.body, r.len, r.hour, &m, h->rates) == 0)
        return m;
    return h->nopen ? h->open[0].minute : INT64_MAX;
}

void hist_next_many(const struct hist *h, const int64_t *t, int n, int64_t *out)
{
    hist_query(h, &(struct store_query){.t = t, .m = n, .next = out});
}

int hist_each(const struct hist *h, int64_t t0, int64_t t1,
              int (*fn)(void *ctx, const struct chunk_bucket *b), void *ctx)
{
    struct rec r = rec_start(h);
    struct chunk_bucket b[CHUNK_MINUTES];
    int rc = 0;
    while (rc == 0 && rec_next(h, &r) && r.hour < t1) {
        int n = 0;
        if (r.hour + CLOCK_HOUR <= t0 ||
            chunk_get_hour(h->data + r.body, r.len, r.hour, b, &n, h->rates) != 0)
            continue;
        for (int i = 0; i < n && rc == 0; i++)
            if (b[i].minute >= t0 && b[i].minute < t1)
                rc = fn(ctx, &b[i]);
    }
    for (int i = 0; i < h->nopen && rc == 0; i++)
        if (h->open[i].minute >= t0 && h->open[i].minute < t1)
            rc = fn(ctx, &h->open[i]);
    return rc;
}

size_t hist_count(const struct hist *h) { return h->count; }

size_t hist_bytes(const struct hist *h)
{
    return h->cap + open_bytes(h);
}

void hist_free(struct hist *h)
{
    const struct tally_rates *rates = h->rates; /* the owner's */
    free(h->data);
    free(h->open);
    memset(h, 0, sizeof *h);
    h->open_hour = HIST_NONE;
    h->rates = rates;
}

/* ---- prune and map --------------------------------------------------------- */

size_t hist_prune(struct hist *h, int64_t t)
{
    uint32_t before = h->count;
    struct rec r = rec_start(h);
    size_t cut = 0;
    int64_t base = h->base;
    while (rec_next(h, &r) && r.hour + CLOCK_HOUR <= t) {
        int n = 0;
        if (chunk_hour_count(h->data + r.body, r.len, &n) == 0)
            h->count -= (uint32_t)n;
        cut = r.end;
        base = r.hour; /* the next record's dh counts from the last one cut */
    }
    if (cut) {
        memmove(h->data, h->data + cut, h->len - cut);
        h->len -= (uint32_t)cut;
        h->base = base;
    }
    r = rec_start(h);
    if (rec_next(h, &r) && r.hour < t) { /* the hour that straddles t */
        struct hour_op op = {.drop_before = t};
        rewrite_sealed(h, r.hour, &op);
    }
    if (h->open_hour != HIST_NONE && h->open_hour < t) {
        int n = h->nopen;
        drop_before(h->open, &n, t);
        h->count -= h->nopen - (uint32_t)n;
        h->nopen = (uint8_t)n;
        if (n == 0)
            h->open_hour = HIST_NONE;
    }
    if (h->count == 0)
        hist_free(h);
    return before - h->count;
}

/* fn over b[0..*n), the zero ones removed; returns how many changed and
 * lowers *first to the earliest. */
static size_t map_buckets(struct chunk_bucket *b, int *n,
                          bool (*fn)(void *, int64_t, struct tally *),
                          void *ctx, int64_t *first)
{
    size_t changed = 0;
    int k = 0;
    for (int i = 0; i < *n; i++) {
        if (fn(ctx, b[i].minute, &b[i].t)) {
            changed++;
            if (b[i].minute < *first)
                *first = b[i].minute;
        }
        if (!tally_is_zero(&b[i].t))
            b[k++] = b[i];
    }
    *n = k;
    return changed;
}

/* The sealed records again, into *out: each decoded with h's rates,
 * passed through fn when there is one (map_buckets), and written with
 * rates to; a record neither changed nor recoded keeps its bytes, one
 * that decodes to nothing (malformed, or every bucket gone) is dropped.
 * Returns how many buckets fn changed; *prev = the last record's hour. */
static size_t rewrite_records(struct hist *h, const struct tally_rates *to,
                              bool (*fn)(void *, int64_t, struct tally *), void *ctx,
                              int64_t *first, uint8_t **out, size_t *len, int64_t *prev)
{
    size_t changed = 0, cap = 0;
    *len = 0;
    *prev = h->base;
    struct rec r = rec_start(h);
    struct chunk_bucket b[CHUNK_MINUTES];
    while (rec_next(h, &r)) {
        int n = 0;
        if (chunk_get_hour(h->data + r.body, r.len, r.hour, b, &n, h->rates) != 0)
            continue;
        int n0 = n;
        size_t c = fn ? map_buckets(b, &n, fn, ctx, first) : 0;
        changed += c;
        h->count -= (uint32_t)(n0 - n);
        if (n == 0)
            continue;
        xgrow(out, &cap, *len + 2 * CHUNK_HEAD_MAX + CHUNK_BODY_MAX, 1);
        int64_t dh = (r.hour - *prev) / CLOCK_HOUR;
        if (c || to != h->rates) {
            *len += put_record(*out + *len, dh, r.hour, b, n, to);
        } else { /* unchanged: its body as it was */
            *len += chunk_put_head(*out + *len, (uint64_t)dh, r.len);
            memcpy(*out + *len, h->data + r.body, r.len);
            *len += r.len;
        }
        *prev = r.hour;
    }
    return changed;
}

/* Make the stream out[0..len) (taken), its last record's hour last, with
 * room after it for room bytes more. */
static void take_stream(struct hist *h, uint8_t *out, size_t len, int64_t last, size_t room)
{
    free(h->data);
    h->data = len ? xrealloc(out, len + room) : NULL;
    if (!len)
        free(out);
    h->len = (uint32_t)len;
    h->cap = len ? (uint32_t)(len + room) : 0;
    if (len)
        h->last = last;
}

size_t hist_map(struct hist *h, bool (*fn)(void *ctx, int64_t minute, struct tally *t), void *ctx,
                int64_t *first)
{
    uint8_t *out = NULL;
    size_t len;
    int64_t last;
    size_t changed = rewrite_records(h, h->rates, fn, ctx, first, &out, &len, &last);
    if (changed)
        take_stream(h, out, len, last, 0);
    else
        free(out);
    int n = h->nopen;
    changed += map_buckets(h->open, &n, fn, ctx, first);
    h->count -= h->nopen - (uint32_t)n;
    h->nopen = (uint8_t)n;
    if (n == 0)
        h->open_hour = HIST_NONE;
    return changed;
}

void hist_set_rates(struct hist *h, const struct tally_rates *rates)
{
    if (rates == h->rates)
        return;
    uint8_t *out = NULL;
    size_t len;
    int64_t last;
    rewrite_records(h, rates, NULL, NULL, NULL, &out, &len, &last);
    take_stream(h, out, len, last, HIST_LOAD_ROOM);
    h->rates = rates;
}

/* ---- days, for the database ------------------------------------------------ */

size_t hist_day(const struct hist *h, int64_t day, uint8_t **buf, size_t *cap,
                int64_t *newest, size_t *count)
{
    size_t len = 0;
    *count = 0;
    int64_t prev = day, last_hour = HIST_NONE;
    struct rec r = rec_start(h), last = {0};
    while (rec_next(h, &r) && r.hour < day + CLOCK_DAY) {
        if (r.hour < day)
            continue;
        xgrow(buf, cap, len + CHUNK_HEAD_MAX + r.len, 1);
        len += chunk_put_head(*buf + len, (uint64_t)((r.hour - prev) / CLOCK_HOUR), r.len);
        memcpy(*buf + len, h->data + r.body, r.len);
        len += r.len;
        int n = 0;
        if (chunk_hour_count(h->data + r.body, r.len, &n) == 0)
            *count += (size_t)n;
        prev = last_hour = r.hour;
        last = r;
    }
    if (len) {
        struct chunk_bucket b[CHUNK_MINUTES];
        int n = 0;
        bool got = chunk_get_hour(h->data + last.body, last.len, last_hour, b, &n, h->rates) == 0;
        *newest = got && n ? b[n - 1].minute : last_hour;
    }
    return len;
}

/* Append one record (its body, of hour) at the stream's end. */
static void append_record(struct hist *h, int64_t hour, const uint8_t *body, size_t len)
{
    if (h->len == 0)
        h->base = h->last = hour;
    uint8_t head[CHUNK_HEAD_MAX];
    size_t k = chunk_put_head(head, (uint64_t)((hour - h->last) / CLOCK_HOUR), len);
    splice(h, h->len, h->len, head, k);
    splice(h, h->len, h->len, body, len);
    h->last = hour;
}

void hist_reserve(struct hist *h, size_t len)
{
    size_t room = (size_t)h->len + len;
    if (room > h->cap && room <= UINT32_MAX) {
        h->data = xrealloc(h->data, room);
        h->cap = (uint32_t)room;
    }
}

void hist_fit(struct hist *h)
{
    /* what is left past the room (less than malloc's smallest block, 32
     * bytes on glibc, cannot be given back) */
    if (h->cap - h->len > HIST_LOAD_ROOM + 32) {
        h->data = xrealloc(h->data, h->len + HIST_LOAD_ROOM);
        h->cap = h->len + HIST_LOAD_ROOM;
    }
}

int hist_load_day(struct hist *h, int64_t day, int64_t from, const uint8_t *data, size_t len)
{
    const uint8_t *p = data, *end = data + len;
    int64_t hour = day, prev = INT64_MIN;
    struct chunk_bucket b[CHUNK_MINUTES];
    /* The day's records are appended nearly as they are: room for all of
     * them at once (a load that knows every day of the series reserved it
     * already). Grown record by record, the reallocs and their copies
     * were most of a start at 160 buckets a series. */
    if (h->open_hour == HIST_NONE)
        hist_reserve(h, len + HIST_LOAD_DAY_EXTRA);
    while (p < end) {
        uint64_t dh, blen;
        size_t k = chunk_get_head(p, end, &dh, &blen);
        if (!k || dh > 23)
            return -1;
        hour += (int64_t)dh * CLOCK_HOUR;
        int n = 0;
        /* checked whole, not decoded: most records are appended as they are */
        if (hour <= prev || hour >= day + CLOCK_DAY ||
            chunk_check_hour(p + k, (size_t)blen, &n, h->rates) != 0)
            return -1;
        prev = hour;
        if (hour >= from) {
            if (h->open_hour == HIST_NONE && (h->len == 0 || hour > h->last)) {
                append_record(h, hour, p + k, (size_t)blen);
                h->count += (uint32_t)n;
            } else if (chunk_get_hour(p + k, (size_t)blen, hour, b, &n, h->rates) == 0) {
                /* out of order: bucket by bucket */
                for (int i = 0; i < n; i++)
                    hist_write(h, b[i].minute, &b[i].t, true);
            }
        }
        p += k + blen;
    }
    return 0;
}

void hist_drop_from(struct hist *h, int64_t t)
{
    int64_t hour = hour_of(t);
    if (t != hour) { /* the straddled hour minute by minute */
        hour += CLOCK_HOUR;
        for (int64_t m = t; m < hour; m += CLOCK_MINUTE) {
            static const struct tally zero;
            hist_write(h, m, &zero, true);
        }
    }
    struct rec r = rec_start(h);
    int64_t prev = h->base;
    while (rec_next(h, &r)) {
        if (r.hour >= hour) {
            for (struct rec q = r;;) {
                int n = 0;
                if (chunk_hour_count(h->data + q.body, q.len, &n) == 0)
                    h->count -= (uint32_t)n;
                if (!rec_next(h, &q))
                    break;
            }
            h->len = (uint32_t)r.at;
            h->last = prev;
            break;
        }
        prev = r.hour;
    }
    if (h->open_hour != HIST_NONE && h->open_hour >= hour) {
        h->count -= h->nopen;
        h->nopen = 0;
        h->open_hour = HIST_NONE;
    }
}
