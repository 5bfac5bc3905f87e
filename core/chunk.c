/* chunk.c - the compact encoding of minute buckets (see chunk.h). */
#include "core/chunk.h"

#include <endian.h>
#include <stdbool.h>
#include <string.h>

#include "lib/varint.h"

/* The mask's bits, the commonest first so that a typical mask is one
 * byte. EQ_* stand for a count equal to another one, written as no bytes. */
enum {
    F_REQUESTS, F_INPUT, EQ_INPUT_CK, F_OUTPUT, EQ_OUTPUT_RK, F_COST, F_CACHE_READ,
    F_ERRORS, F_INPUT_CK, F_CACHE_WRITE_5M, F_CACHE_WRITE_1H, F_OUTPUT_RK,
    F_REASONING, F_REQUESTS_UNKNOWN, F_NO_USAGE, F_REPORTED_N, F_BILLED,
    F_REPORTED, F_COUNT,
};

#define BIT(f) (UINT64_C(1) << (f))
#define COUNT(bit, f) [bit] = (int)offsetof(struct tally, f) + 1
#define MONEY(bit, f) [bit] = -(int)offsetof(struct tally, f) - 1

/* Where each field lives in struct tally: +(offset + 1) for a count,
 * -(offset + 1) for an amount, 0 for the EQ_ bits. */
static const int field_at[F_COUNT] = {
    COUNT(F_REQUESTS, requests), COUNT(F_INPUT, input), COUNT(F_OUTPUT, output),
    MONEY(F_COST, cost), COUNT(F_CACHE_READ, cache_read), COUNT(F_ERRORS, errors),
    COUNT(F_INPUT_CK, input_ck), COUNT(F_CACHE_WRITE_5M, cache_write_5m),
    COUNT(F_CACHE_WRITE_1H, cache_write_1h), COUNT(F_OUTPUT_RK, output_rk),
    COUNT(F_REASONING, reasoning), COUNT(F_REQUESTS_UNKNOWN, requests_unknown),
    COUNT(F_NO_USAGE, no_usage), COUNT(F_REPORTED_N, reported_n),
    MONEY(F_BILLED, billed), MONEY(F_REPORTED, reported),
};

static uint64_t bits_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint64_t mask_of(const struct tally *t)
{
    uint64_t mask = 0;
    const char *base = (const char *)t;
    for (int f = 0; f < F_COUNT; f++) {
        int at = field_at[f];
        if (at > 0) {
            int64_t v;
            memcpy(&v, base + at - 1, sizeof v);
            mask |= v ? BIT(f) : 0;
        } else if (at < 0) {
            double d;
            memcpy(&d, base - at - 1, sizeof d);
            mask |= bits_of(d) ? BIT(f) : 0;
        }
    }
    if (t->input_ck && t->input_ck == t->input)
        mask = (mask & ~BIT(F_INPUT_CK)) | BIT(EQ_INPUT_CK);
    if (t->output_rk && t->output_rk == t->output)
        mask = (mask & ~BIT(F_OUTPUT_RK)) | BIT(EQ_OUTPUT_RK);
    return mask;
}

static uint64_t zigzag(uint64_t u) { return (u << 1) ^ (0 - (u >> 63)); }
static uint64_t unzigzag(uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }

/* The cost t's tokens come to at rates r. Only a prediction (the stream
 * keeps the cost's distance from it), but the encoder and every decoder
 * must compute the very same bits: one product and one sum a statement,
 * so that no compiler fuses them into a multiply-add (C11 lets it only
 * within an expression). */
static double predict(const struct tally_rates *r, const struct tally *t)
{
    double in = (double)t->input;
    in -= (double)t->cache_read;
    in -= (double)t->cache_write_5m;
    in -= (double)t->cache_write_1h;
    double out = (double)t->output;
    out -= (double)t->reasoning;
    const double n[TALLY_RATES] = {
        in > 0 ? in : 0, (double)t->cache_read, (double)t->cache_write_5m,
        (double)t->cache_write_1h, out > 0 ? out : 0, (double)t->reasoning,
    };
    double sum = 0;
    for (int i = 0; i < TALLY_RATES; i++) {
        double x = n[i] * r->per_token[i];
        sum += x;
    }
    /* Which NaN a sum of two NaNs (or inf - inf) gives is the machine's
     * and the compiler's choice (clang commutes the sum in one caller and
     * not the other: a sign bit apart). The format's NaN is this one. */
    if (sum != sum) {
        uint64_t u = UINT64_C(0x7ff8000000000000);
        memcpy(&sum, &u, sizeof sum);
    }
    return sum;
}

/* Is field f a varint in a tally written with rates r? (The cost is,
 * when there are rates.) */
static inline bool as_varint(int f, const struct tally_rates *r)
{
    return field_at[f] > 0 || (f == F_COST && r);
}

size_t chunk_put_tally(uint8_t *p, const struct tally *t, const struct tally_rates *r)
{
    uint64_t mask = mask_of(t);
    size_t n = varint_put(p, mask);
    const char *base = (const char *)t;
    for (int f = 0; f < F_COUNT; f++) {
        int at = field_at[f];
        if (!(mask & BIT(f)) || at == 0)
            continue;
        uint64_t u;
        if (at > 0) {
            memcpy(&u, base + at - 1, sizeof u);
            n += varint_put(p + n, u);
        } else if (f == F_COST && r) {
            n += varint_put(p + n, zigzag(bits_of(t->cost) - bits_of(predict(r, t))));
        } else {
            memcpy(&u, base - at - 1, sizeof u);
            u = htole64(u);
            memcpy(p + n, &u, sizeof u);
            n += sizeof u;
        }
    }
    return n;
}

/* Whether a tally's mask is one chunk_put_tally writes: known fields
 * only, an EQ_ bit never beside the field it stands for. */
static bool mask_ok(uint64_t mask)
{
    return !(mask >> F_COUNT) &&
           !((mask & BIT(EQ_INPUT_CK)) && (mask & BIT(F_INPUT_CK))) &&
           !((mask & BIT(EQ_OUTPUT_RK)) && (mask & BIT(F_OUTPUT_RK)));
}

size_t chunk_get_tally(const uint8_t *p, const uint8_t *end, struct tally *t,
                       const struct tally_rates *r)
{
    uint64_t mask;
    size_t n = varint_get(p, end, &mask);
    if (!n || !mask_ok(mask))
        return 0;
    memset(t, 0, sizeof *t);
    char *base = (char *)t;
    uint64_t cost_delta = 0;
    /* the fields present only: a bucket has a few of them */
    for (uint64_t m = mask; m; m &= m - 1) {
        int f = __builtin_ctzll(m);
        int at = field_at[f];
        if (at == 0)
            continue;
        uint64_t u = 0;
        if (as_varint(f, r)) {
            size_t k = varint_get(p + n, end, &u);
            if (!k)
                return 0;
            n += k;
            if (at > 0)
                memcpy(base + at - 1, &u, sizeof u);
            else
                cost_delta = unzigzag(u);
        } else {
            if (end - (p + n) < 8)
                return 0;
            memcpy(&u, p + n, sizeof u);
            u = le64toh(u);
            n += sizeof u;
            memcpy(base - at - 1, &u, sizeof u);
        }
    }
    if (mask & BIT(EQ_INPUT_CK))
        t->input_ck = t->input;
    if (mask & BIT(EQ_OUTPUT_RK))
        t->output_rk = t->output;
    if (r && (mask & BIT(F_COST))) { /* its tokens are all read now */
        uint64_t u = bits_of(predict(r, t)) + cost_delta;
        memcpy(&t->cost, &u, sizeof u);
    }
    return n;
}

/* The bits set in a mask (a few of 18; __builtin_popcountll is a call
 * into libgcc where the instruction set has no popcount). */
static int bits_set(uint64_t m)
{
    int k = 0;
    for (; m; m &= m - 1)
        k++;
    return k;
}

size_t chunk_skip_tally(const uint8_t *p, const uint8_t *end, const struct tally_rates *r)
{
    uint64_t mask;
    size_t n = varint_get(p, end, &mask);
    if (!n || !mask_ok(mask))
        return 0;
    uint64_t raw = BIT(F_BILLED) | BIT(F_REPORTED) | (r ? 0 : BIT(F_COST));
    if (!(mask & raw)) { /* varints only (most tallies): all of them at once */
        uint64_t none = BIT(EQ_INPUT_CK) | BIT(EQ_OUTPUT_RK);
        size_t k = varint_skip_n(p + n, end, bits_set(mask & ~none));
        return k || !(mask & ~none) ? n + k : 0;
    }
    for (uint64_t m = mask; m; m &= m - 1) {
        int f = __builtin_ctzll(m);
        if (as_varint(f, r)) {
            size_t k = varint_skip(p + n, end);
            if (!k)
                return 0;
            n += k;
        } else if (field_at[f] < 0) {
            if (end - (p + n) < 8)
                return 0;
            n += 8;
        }
    }
    return n;
}

size_t chunk_put_head(uint8_t *p, uint64_t dh, uint64_t len)
{
    size_t n = varint_put(p, dh);
    return n + varint_put(p + n, len);
}

size_t chunk_get_head(const uint8_t *p, const uint8_t *end, uint64_t *dh, uint64_t *len)
{
    size_t a = varint_get(p, end, dh);
    if (!a)
        return 0;
    size_t b = varint_get(p + a, end, len);
    if (!b || *len > (uint64_t)(end - (p + a + b)))
        return 0;
    return a + b;
}

/* ---- an hour's last bucket as the rest of its sum ---------------------------- */

/* A body's count is n (1..60) when every bucket is written in full, and
 * REST + n (2..60) when the last one is written as the rest: the rollup
 * less the other buckets. Its counts are the differences; each amount is
 * the difference corrected by a delta, the bits of the amount less the
 * bits of the difference (as unsigned 64-bit integers: exact whatever the
 * values, NAN and -0 included), nearly always 0 or an ulp or two. So the
 * bucket takes its minute, a mask of the amounts whose delta is not 0 and
 * those deltas (zigzag varints): 2 or 3 bytes, not 15 to 25. */
#define REST 64
/* The amounts, in a rest's mask's order. */
static const size_t amount_at[3] = {
    offsetof(struct tally, cost), offsetof(struct tally, billed), offsetof(struct tally, reported),
};
/* The encoder writes the rest for hours of a few buckets (most hours of a
 * sparse series), where it saves most: a fifth to a half of the hour's
 * bytes. A busy hour's rollup would save a sixtieth, and reading its last
 * bucket costs a sum of the others. */
#define REST_MAX_N 8

static inline int count_of(uint64_t v, int *n, bool *rest)
{
    if (v >= 1 && v <= CHUNK_MINUTES) { /* the commonest */
        *rest = false;
        *n = (int)v;
        return 0;
    }
    *rest = v > REST;
    uint64_t c = *rest ? v - REST : v;
    if (c < (*rest ? 2 : 1) || c > CHUNK_MINUTES)
        return -1;
    *n = (int)c;
    return 0;
}

/* The last bucket from the rollup, the sum of the others (tally_add'ed in
 * order) and the amounts' deltas. */
static void rest_make(const struct tally *rollup, const struct tally *others,
                      const uint64_t delta[3], struct tally *out)
{
    const char *r = (const char *)rollup, *o = (const char *)others;
    char *t = (char *)out;
    for (int f = 0; f < F_COUNT; f++) {
        int at = field_at[f];
        if (at <= 0)
            continue;
        uint64_t a, b;
        memcpy(&a, r + at - 1, sizeof a);
        memcpy(&b, o + at - 1, sizeof b);
        a -= b; /* wraps: the encoder checked it is the count */
        memcpy(t + at - 1, &a, sizeof a);
    }
    for (int i = 0; i < 3; i++) {
        double a, b;
        memcpy(&a, r + amount_at[i], sizeof a);
        memcpy(&b, o + amount_at[i], sizeof b);
        uint64_t u = bits_of(a - b) + delta[i];
        memcpy(t + amount_at[i], &u, sizeof u);
    }
}

/* The rest that writes last, given the rollup and the others' sum, at p
 * (room for 1 + 3 * VARINT_MAX); its bytes, 0 when the difference cannot
 * say it (a count that saturated the rollup). */
static size_t rest_put(uint8_t *p, const struct tally *rollup, const struct tally *others,
                       const struct tally *last)
{
    uint64_t delta[3];
    struct tally t;
    uint64_t mask = 0;
    for (int i = 0; i < 3; i++) {
        double a, b, want;
        memcpy(&a, (const char *)rollup + amount_at[i], sizeof a);
        memcpy(&b, (const char *)others + amount_at[i], sizeof b);
        memcpy(&want, (const char *)last + amount_at[i], sizeof want);
        delta[i] = bits_of(want) - bits_of(a - b);
        mask |= delta[i] ? 1u << i : 0;
    }
    rest_make(rollup, others, delta, &t);
    if (memcmp(&t, last, sizeof t) != 0)
        return 0;
    size_t n = varint_put(p, mask);
    for (int i = 0; i < 3; i++)
        if (delta[i])
            n += varint_put(p + n, zigzag(delta[i]));
    return n;
}

/* Read a rest at [p, end): its bytes, 0 if malformed; with out, the last
 * bucket made from rollup and others. */
static size_t rest_get(const uint8_t *p, const uint8_t *end, const struct tally *rollup,
                       const struct tally *others, struct tally *out)
{
    uint64_t mask, delta[3] = {0, 0, 0};
    size_t n = varint_get(p, end, &mask);
    if (!n || mask > 7)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (!(mask & (1u << i)))
            continue;
        uint64_t z;
        size_t k = varint_get(p + n, end, &z);
        if (!k || z == 0) /* a delta of 0 is the mask's to say */
            return 0;
        n += k;
        delta[i] = unzigzag(z);
    }
    if (out)
        rest_make(rollup, others, delta, out);
    return n;
}

/* ---- an hour's record ----------------------------------------------------------- */

size_t chunk_put_hour(uint8_t *p, int64_t hour_start, const struct chunk_bucket *b, int n,
                      const struct tally_rates *r)
{
    struct tally others = {0}, sum;
    uint8_t rest[1 + 3 * VARINT_MAX];
    size_t nrest = 0;
    if (n > 1) {
        for (int i = 0; i < n - 1; i++)
            tally_add(&others, &b[i].t);
        sum = others;
        tally_add(&sum, &b[n - 1].t);
        if (n <= REST_MAX_N) {
            uint8_t full[CHUNK_TALLY_MAX];
            nrest = rest_put(rest, &sum, &others, &b[n - 1].t);
            if (nrest >= chunk_put_tally(full, &b[n - 1].t, r))
                nrest = 0;
        }
    }
    size_t k = varint_put(p, (uint64_t)n + (nrest ? REST : 0));
    if (n > 1)
        k += chunk_put_tally(p + k, &sum, r);
    for (int i = 0; i < n; i++) {
        p[k++] = (uint8_t)((b[i].minute - hour_start) / CLOCK_MINUTE);
        if (i == n - 1 && nrest) {
            memcpy(p + k, rest, nrest);
            k += nrest;
        } else {
            k += chunk_put_tally(p + k, &b[i].t, r);
        }
    }
    return k;
}

/* The body's bucket count, whether its last is a rest, and where its
 * first bucket starts (past the rollup, decoded into *rollup, or only
 * checked when it is NULL; with rest_only, decoded only for a rest, which
 * needs it). */
static inline int body_open(const uint8_t *p, const uint8_t *end, int *n, bool *rest,
                            const uint8_t **first, struct tally *rollup, bool rest_only,
                            const struct tally_rates *r)
{
    uint64_t count;
    size_t k = varint_get(p, end, &count);
    if (!k || count_of(count, n, rest) != 0)
        return -1;
    p += k;
    if (*n > 1) {
        bool decode = rollup && (*rest || !rest_only);
        size_t k2 = decode ? chunk_get_tally(p, end, rollup, r) : chunk_skip_tally(p, end, r);
        if (!k2)
            return -1;
        p += k2;
    }
    *first = p;
    return 0;
}

/* chunk_get_hour, or with b NULL chunk_check_hour: the same checks, the
 * buckets decoded or only skipped. */
static int hour_read(const uint8_t *p, size_t len, int64_t hour_start,
                     struct chunk_bucket *b, int *n, const struct tally_rates *r)
{
    const uint8_t *end = p + len, *q;
    bool rest;
    struct tally rollup, others;
    if (body_open(p, end, n, &rest, &q, b ? &rollup : NULL, true, r) != 0)
        return -1;
    int last = -1, full = *n - rest;
    for (int i = 0; i < full; i++) {
        if (q >= end || *q >= CHUNK_MINUTES || *q <= last)
            return -1;
        last = *q++;
        size_t k;
        if (b) {
            b[i].minute = hour_start + last * (int64_t)CLOCK_MINUTE;
            k = chunk_get_tally(q, end, &b[i].t, r);
        } else {
            k = chunk_skip_tally(q, end, r);
        }
        if (!k)
            return -1;
        q += k;
    }
    if (rest) {
        if (q >= end || *q >= CHUNK_MINUTES || *q <= last)
            return -1;
        last = *q++;
        struct tally *t = NULL;
        if (b) {
            memset(&others, 0, sizeof others);
            for (int i = 0; i < full; i++)
                tally_add(&others, &b[i].t);
            b[full].minute = hour_start + last * (int64_t)CLOCK_MINUTE;
            t = &b[full].t;
        }
        size_t k = rest_get(q, end, &rollup, &others, t);
        if (!k)
            return -1;
        q += k;
    }
    return q == end ? 0 : -1;
}

int chunk_get_hour(const uint8_t *p, size_t len, int64_t hour_start,
                   struct chunk_bucket *b, int *n, const struct tally_rates *r)
{
    return hour_read(p, len, hour_start, b, n, r);
}

int chunk_check_hour(const uint8_t *p, size_t len, int *n, const struct tally_rates *r)
{
    return hour_read(p, len, 0, NULL, n, r);
}

int chunk_hour_sum(const uint8_t *p, size_t len, struct tally *sum,
                   const struct tally_rates *r)
{
    const uint8_t *end = p + len, *q;
    struct tally t;
    int n;
    bool rest;
    if (body_open(p, end, &n, &rest, &q, &t, false, r) != 0)
        return -1;
    if (n == 1 && (q >= end || !chunk_get_tally(q + 1, end, &t, r)))
        return -1;
    tally_add(sum, &t);
    return 0;
}

int chunk_hour_single(const uint8_t *p, size_t len, int64_t hour_start,
                      struct chunk_bucket *b, const struct tally_rates *r)
{
    const uint8_t *end = p + len;
    uint64_t count;
    int buckets;
    bool rest;
    size_t k = varint_get(p, end, &count);
    if (!k || count_of(count, &buckets, &rest) != 0)
        return -1;
    if (buckets > 1)
        return 0;
    p += k;
    if (p >= end || *p >= CHUNK_MINUTES)
        return -1;
    int64_t minute = hour_start + *p * (int64_t)CLOCK_MINUTE;
    size_t n = chunk_get_tally(p + 1, end, &b->t, r);
    if (!n || p + 1 + n != end)
        return -1;
    b->minute = minute;
    return 1;
}

int chunk_hour_first(const uint8_t *p, size_t len, int64_t hour_start, int64_t *minute,
                     const struct tally_rates *r)
{
    const uint8_t *end = p + len, *q;
    int n;
    bool rest;
    if (body_open(p, end, &n, &rest, &q, NULL, false, r) != 0 || q >= end ||
        *q >= CHUNK_MINUTES)
        return -1;
    *minute = hour_start + *q * (int64_t)CLOCK_MINUTE;
    return 0;
}

int chunk_hour_count(const uint8_t *p, size_t len, int *n)
{
    uint64_t count;
    bool rest;
    size_t k = varint_get(p, p + len, &count);
    return k && count_of(count, n, &rest) == 0 ? 0 : -1;
}
