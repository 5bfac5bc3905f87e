/* test_chunk.c - the compact encoding of minute buckets (core/chunk.h) and
 * a series' history built on it (core/hist.h): tallies round trip exactly,
 * a typical bucket is a few bytes, malformed bytes are refused, and a
 * history answers every sum, hour and walk as a plain array of minutes
 * does, through out-of-order writes, sets, removals, repricing and pruning. */
#include "tests/helpers.h"

#include <math.h>

#include "core/chunk.h"
#include "core/hist.h"
#include "lib/clock.h"
#include "lib/varint.h"

static void assert_tally_equal(const struct tally *a, const struct tally *b)
{
    if (memcmp(a, b, sizeof *a) != 0)
        fail_msg("tallies differ: requests %lld/%lld input %lld/%lld cost %.17g/%.17g",
                 (long long)a->requests, (long long)b->requests, (long long)a->input,
                 (long long)b->input, a->cost, b->cost);
}

static void roundtrip(const struct tally *t, size_t *bytes)
{
    uint8_t buf[CHUNK_TALLY_MAX];
    size_t n = chunk_put_tally(buf, t, NULL);
    assert_true(n <= CHUNK_TALLY_MAX);
    struct tally back;
    assert_int_equal(chunk_get_tally(buf, buf + n, &back, NULL), n);
    assert_tally_equal(&back, t);
    /* every shorter prefix is refused, not read past */
    for (size_t k = 0; k < n; k++)
        assert_int_equal(chunk_get_tally(buf, buf + k, &back, NULL), 0);
    if (bytes)
        *bytes = n;
}

static void test_tallies_round_trip_exactly(void **state)
{
    (void)state;
    size_t n;
    struct tally zero = {0};
    roundtrip(&zero, &n);
    assert_int_equal(n, 1); /* the mask alone */
    /* a typical span's bucket: input and output known to carry their cache
     * and reasoning counts (input_ck, output_rk equal: no bytes) */
    struct tally typical = {.requests = 1, .input = 978, .input_ck = 978, .cache_read = 509,
                            .output = 65, .output_rk = 65, .cost = 0.0012345678901234};
    roundtrip(&typical, &n);
    assert_true(n <= 16);
    /* every field, extremes, negatives, money that is no round number */
    struct tally all = {INT64_MAX, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, INT64_MIN, 12,
                        1e-300, -0.0, NAN};
    roundtrip(&all, NULL);
    struct tally ck = {.input = 5, .input_ck = 4, .output = 7, .output_rk = 0};
    roundtrip(&ck, NULL);
    /* random ones */
    srand(16);
    for (int i = 0; i < 2000; i++) {
        struct tally t = {0};
        int64_t *c[] = {&t.requests, &t.errors, &t.input, &t.input_ck, &t.cache_read,
                        &t.cache_write_5m, &t.cache_write_1h, &t.output, &t.output_rk,
                        &t.reasoning, &t.requests_unknown, &t.no_usage, &t.reported_n};
        for (size_t f = 0; f < sizeof c / sizeof *c; f++)
            *c[f] = rand() % 3 ? 0 : (int64_t)rand() * (rand() % 2 ? 1 : -7919);
        t.cost = rand() % 2 ? rand() / 3.0 : 0;
        t.reported = rand() % 5 ? 0 : -rand() / 7.0;
        roundtrip(&t, NULL);
    }
}

/* A series' rates: a few prices per token, as a price table has them. */
static const struct tally_rates rates = {{1.25e-6, 1.25e-7, 1.5625e-6, 2.5e-6, 1e-5, 1e-5}};

/* One record's cost as pricing.c makes it: each class's tokens at its
 * price, summed in the contract's order, then a discount. */
static double priced(const struct tally *t, double discount)
{
    int64_t n[TALLY_RATES] = {t->input - t->cache_read - t->cache_write_5m - t->cache_write_1h,
                              t->cache_read, t->cache_write_5m, t->cache_write_1h,
                              t->output - t->reasoning, t->reasoning};
    double cost = 0;
    for (int i = 0; i < TALLY_RATES; i++)
        cost += (double)n[i] * rates.per_token[i] / (1.0 - discount);
    return cost * (1.0 - discount);
}

static size_t tally_bytes(const struct tally *t, const struct tally_rates *r)
{
    uint8_t buf[CHUNK_TALLY_MAX];
    size_t n = chunk_put_tally(buf, t, r);
    struct tally back;
    assert_int_equal(chunk_get_tally(buf, buf + n, &back, r), n);
    assert_tally_equal(&back, t);
    assert_int_equal(chunk_skip_tally(buf, buf + n, r), n);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(chunk_get_tally(buf, buf + k, &back, r), 0);
    return n;
}

/* The prediction as the format defines it: every class's product added
 * in order, one product and one sum a statement. */
static double predict_as_defined(const struct tally_rates *r, const struct tally *t)
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
    if (isnan(sum)) { /* the format's NaN, whichever one the sum made */
        uint64_t u = UINT64_C(0x7ff8000000000000);
        memcpy(&sum, &u, sizeof sum);
    }
    return sum;
}

/* The encoder predicts exactly what the format defines, whatever the
 * rates (NAN, infinite, negative, -0) and whichever classes are empty: a
 * cost equal to the defined prediction is written as a 1-byte distance
 * (a prediction that skipped an empty class at a NAN rate would be a
 * number, 9 bytes away from the NAN), and read back to the bit - also a
 * NaN prediction, which is the format's one NaN (two NaNs summed give
 * either, as the compiler orders the sum: clang's build read a cost back
 * with its sign flipped). */
static void test_the_prediction_is_the_formats_whatever_the_rates(void **state)
{
    (void)state;
    const double odd[] = {NAN, INFINITY, -INFINITY, -0.0, -3e-6, 0, 5e-300};
    struct tally_rates r;
    srand(13);
    for (int round = 0; round < 4000; round++) {
        for (int i = 0; i < TALLY_RATES; i++)
            r.per_token[i] = rand() % 3 ? (1 + rand() % 100) * 1e-7
                                        : odd[rand() % (sizeof odd / sizeof *odd)];
        struct tally t = {.requests = 1};
        int64_t *cls[] = {&t.input, &t.cache_read, &t.cache_write_5m, &t.cache_write_1h,
                          &t.output, &t.reasoning};
        for (size_t i = 0; i < sizeof cls / sizeof *cls; i++)
            *cls[i] = rand() % 2 ? 0 : rand() % 5000;
        uint8_t a[CHUNK_TALLY_MAX], b[CHUNK_TALLY_MAX];
        size_t without = chunk_put_tally(a, &t, &r);
        t.cost = predict_as_defined(&r, &t);
        uint64_t bits;
        memcpy(&bits, &t.cost, sizeof bits);
        if (!bits)
            continue; /* +0: no cost field at all */
        assert_int_equal(chunk_put_tally(b, &t, &r), without + 1);
        struct tally back;
        assert_int_equal(chunk_get_tally(b, b + without + 1, &back, &r), without + 1);
        assert_memory_equal(&back.cost, &t.cost, sizeof t.cost);
    }
}

/* With rates, a cost is written as its distance from what its tokens come
 * to at them: every value still comes back exactly, and a priced bucket's
 * cost takes a byte or two, not eight. */
static void test_costs_are_kept_as_their_distance_from_the_rates(void **state)
{
    (void)state;
    srand(1507);
    size_t raw = 0, with = 0;
    for (int i = 0; i < 3000; i++) {
        struct tally sum = {0};
        int records = 1 + rand() % 5;
        double discount = rand() % 3 ? 0 : 0.1 * (rand() % 5);
        for (int k = 0; k < records; k++) {
            struct tally t = {.requests = 1, .input = rand() % 200000, .output = rand() % 9000};
            t.input_ck = t.input;
            t.cache_read = rand() % 2 ? t.input / 3 : 0;
            t.cache_write_5m = rand() % 4 ? 0 : t.input / 5;
            t.cache_write_1h = rand() % 8 ? 0 : t.input / 7;
            t.output_rk = t.output;
            t.reasoning = rand() % 2 ? t.output / 2 : 0;
            t.cost = priced(&t, discount);
            tally_add(&sum, &t);
        }
        size_t a = tally_bytes(&sum, NULL), b = tally_bytes(&sum, &rates);
        assert_true(a - b >= 6); /* 8 bytes became at most 2 */
        raw += a;
        with += b;
    }
    assert_true(with * 100 <= raw * 75);
    /* whatever the value and the rates: exact */
    static const struct tally_rates odd[] = {
        {{NAN, -0.0, INFINITY, 1e308, -1e-300, 0}},
        {{0, 0, 0, 0, 0, 0}},
        {{-INFINITY, 1e-320, 3, NAN, 1, 1}},
    };
    const double costs[] = {0.0, -0.0, NAN, -NAN, INFINITY, -INFINITY, 1e308, -1e-320,
                            0.1, 123456789.123};
    const int64_t counts[] = {0, 1, -1, INT64_MAX, INT64_MIN, 987654321};
    for (size_t r = 0; r < sizeof odd / sizeof *odd; r++)
        for (size_t c = 0; c < sizeof costs / sizeof *costs; c++)
            for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
                struct tally t = {.input = counts[k], .cache_read = counts[(k + 1) % 6],
                                  .output = counts[(k + 2) % 6], .reasoning = counts[(k + 3) % 6],
                                  .cost = costs[c], .billed = costs[(c + 1) % 10],
                                  .reported = costs[(c + 2) % 10], .reported_n = 1};
                tally_bytes(&t, &odd[r]);
                tally_bytes(&t, &rates);
            }
    /* a cost is read with the rates it was written with, only: with others
     * it is another number (so a stream keeps its rates beside it) */
    struct tally t = {.requests = 1, .input = 1000, .input_ck = 1000, .output = 100,
                      .output_rk = 100};
    t.cost = priced(&t, 0);
    uint8_t buf[CHUNK_TALLY_MAX];
    size_t n = chunk_put_tally(buf, &t, &rates);
    struct tally back;
    assert_int_equal(chunk_get_tally(buf, buf + n, &back, &odd[1]), n);
    assert_true(back.cost != t.cost);
}

static void test_malformed_bytes_are_refused(void **state)
{
    (void)state;
    uint64_t v;
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0};
    assert_int_equal(varint_get(eleven, eleven + sizeof eleven, &v), 0);
    const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    assert_int_equal(varint_get(over, over + sizeof over, &v), 0);
    const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(varint_get(max, max + sizeof max, &v), 10);
    assert_true(v == UINT64_MAX);
    /* one, two and three bytes round their boundaries, and cut short */
    const uint64_t edges[] = {0, 127, 128, 300, 16383, 16384, 2097151, 2097152};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        uint8_t buf[VARINT_MAX];
        size_t n = varint_put(buf, edges[i]);
        assert_int_equal(varint_get(buf, buf + n, &v), n);
        assert_true(v == edges[i]);
        assert_int_equal(varint_get(buf, buf + n - 1, &v), 0);
    }
    struct tally t;
    const uint8_t unknown_field[] = {0x80, 0x80, 0x10}; /* bit 18 */
    assert_int_equal(chunk_get_tally(unknown_field, unknown_field + 3, &t, NULL), 0);
    const uint8_t both_ck[] = {0x86, 0x02, 1, 1}; /* input_ck equal AND given */
    assert_int_equal(chunk_get_tally(both_ck, both_ck + 4, &t, NULL), 0);
    struct chunk_bucket b[CHUNK_MINUTES];
    int n;
    const uint8_t zero_buckets[] = {0};
    assert_int_equal(chunk_get_hour(zero_buckets, 1, 0, b, &n, NULL), -1);
    const uint8_t minute_60[] = {1, 60, 0};
    assert_int_equal(chunk_get_hour(minute_60, 3, 0, b, &n, NULL), -1);
    const uint8_t trailing[] = {1, 5, 0, 0};
    assert_int_equal(chunk_get_hour(trailing, 4, 0, b, &n, NULL), -1);
    const uint8_t descending[] = {2, 0, 9, 0, 8, 0};
    assert_int_equal(chunk_get_hour(descending, 6, 0, b, &n, NULL), -1);
    uint64_t dh, len;
    const uint8_t long_body[] = {1, 5, 0};
    assert_int_equal(chunk_get_head(long_body, long_body + 3, &dh, &len), 0);
}

/* The check a load makes (chunk_check_hour, chunk_skip_tally) refuses
 * exactly what the decoders refuse, and reads as many bytes: random
 * bodies, valid ones and every cut and flipped byte of them. */
static void agree(const uint8_t *p, size_t len)
{
    struct chunk_bucket b[CHUNK_MINUTES];
    int n = -1, m = -2;
    int got = chunk_get_hour(p, len, 0, b, &n, NULL);
    assert_int_equal(chunk_check_hour(p, len, &m, NULL), got);
    if (got == 0)
        assert_int_equal(m, n);
    struct tally t;
    assert_int_equal(chunk_skip_tally(p, p + len, NULL), chunk_get_tally(p, p + len, &t, NULL));
    /* with rates the cost is a varint too */
    static const struct tally_rates r = {{1e-6, 1e-7, 1.25e-6, 2e-6, 4e-6, 4e-6}};
    n = -1;
    m = -2;
    got = chunk_get_hour(p, len, 0, b, &n, &r);
    assert_int_equal(chunk_check_hour(p, len, &m, &r), got);
    if (got == 0)
        assert_int_equal(m, n);
    assert_int_equal(chunk_skip_tally(p, p + len, &r), chunk_get_tally(p, p + len, &t, &r));
}

/* k varints skipped at once (a word at a time) take the bytes, and are
 * refused, exactly as k skipped one by one: bytes of every kind of run
 * (short varints, 8 and more continuation bytes, a 10th byte over bit
 * 63, a buffer ending inside one), at every offset and count. */
static size_t skip_one_by_one(const uint8_t *p, const uint8_t *end, int k)
{
    const uint8_t *q = p;
    for (; k > 0; k--) {
        size_t n = varint_skip(q, end);
        if (!n)
            return 0;
        q += n;
    }
    return (size_t)(q - p);
}

static void test_varints_skipped_together_as_one_by_one(void **state)
{
    (void)state;
    srand(12);
    uint8_t buf[64];
    size_t refused = 0, long_ones = 0;
    for (int round = 0; round < 20000; round++) {
        int cont = 1 + round % 8; /* in 8: how often a byte continues */
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)(rand() % 8 < cont ? 0x80 | rand() : rand() % 3);
        if (round % 5 == 0) { /* a run of 9 continuations, and a 0..3 somewhere */
            memset(buf + rand() % 40, 0xff, 9);
            buf[rand() % 64] = (uint8_t)(rand() % 4);
        }
        size_t len = (size_t)rand() % (sizeof buf + 1);
        for (int k = 0; k <= 20; k++) {
            size_t want = skip_one_by_one(buf, buf + len, k);
            assert_int_equal(varint_skip_n(buf, buf + len, k), want);
            refused += k && !want;
            long_ones += want > 8 * (size_t)k;
        }
    }
    assert_true(refused > 1000);   /* the cases were all met */
    assert_true(long_ones > 100);
    const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0};
    assert_int_equal(varint_skip_n(over, over + sizeof over, 1), 0);
    const uint8_t edge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0};
    assert_int_equal(varint_skip_n(edge, edge + sizeof edge, 2), 11);
}

static void test_a_check_refuses_what_a_decode_refuses(void **state)
{
    (void)state;
    srand(11);
    uint8_t body[CHUNK_BODY_MAX], bad[CHUNK_BODY_MAX];
    size_t valid = 0;
    for (int round = 0; round < 3000; round++) {
        struct chunk_bucket b[CHUNK_MINUTES];
        int n = 1 + rand() % (round % 3 ? 3 : CHUNK_MINUTES), minute = rand() % 4;
        int k = 0;
        for (; k < n && minute < CHUNK_MINUTES; k++, minute += 1 + rand() % 3) {
            memset(&b[k], 0, sizeof b[k]);
            b[k].minute = minute * CLOCK_MINUTE;
            b[k].t.requests = 1 + rand() % 3;
            b[k].t.input = rand() % 3 ? rand() : (int64_t)rand() * 1000003; /* 7-8 bytes */
            b[k].t.input_ck = rand() % 2 ? b[k].t.input : rand() % 9;
            b[k].t.output = rand() % 900;
            b[k].t.output_rk = rand() % 2 ? b[k].t.output : 0;
            b[k].t.cost = rand() % 2 ? rand() / 7.0 : 0;
            b[k].t.billed = rand() % 5 ? 0 : -1.5;
            b[k].t.errors = rand() % 4 ? 0 : -1; /* 10 bytes */
            int64_t *rare[] = {&b[k].t.cache_read, &b[k].t.cache_write_5m,
                               &b[k].t.cache_write_1h, &b[k].t.reasoning,
                               &b[k].t.requests_unknown, &b[k].t.no_usage,
                               &b[k].t.reported_n};
            for (size_t f = 0; f < sizeof rare / sizeof *rare; f++)
                *rare[f] = rand() % 3 ? 0 : rand() % 70000;
            b[k].t.reported = rand() % 3 ? 0 : rand() / 3.0;
        }
        size_t len = chunk_put_hour(body, 0, b, k, NULL);
        agree(body, len);
        valid++;
        for (size_t cut = 0; cut < len; cut += 1 + (size_t)rand() % 3)
            agree(body, cut);
        for (int f = 0; f < 8 && len > 0; f++) { /* (len > 0: for scan-build) */
            memcpy(bad, body, len);
            bad[(size_t)rand() % len] = (uint8_t)rand();
            agree(bad, len);
        }
        for (size_t i = 0; i < len; i++) /* noise */
            bad[i] = (uint8_t)(rand() % 4 ? rand() % 3 : rand());
        agree(bad, len);
    }
    assert_int_equal(valid, 3000);
    /* a 10-byte varint whose last byte holds more than bit 63 */
    const uint8_t over[] = {0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    agree(over, sizeof over);
    assert_int_equal(chunk_skip_tally(over, over + sizeof over, NULL), 0);
}

/* ---- an hour's last bucket written as the rest of its sum -------------------- */

/* A body written bucket by bucket in full (every body before the rest
 * existed, and what the encoder still writes when the rest would not
 * save): count, rollup, then each minute and tally. */
static size_t put_full(uint8_t *p, const struct chunk_bucket *b, int n)
{
    size_t k = 0;
    p[k++] = (uint8_t)n;
    if (n > 1) {
        struct tally sum = {0};
        for (int i = 0; i < n; i++)
            tally_add(&sum, &b[i].t);
        k += chunk_put_tally(p + k, &sum, NULL);
    }
    for (int i = 0; i < n; i++) {
        p[k++] = (uint8_t)(b[i].minute / CLOCK_MINUTE);
        k += chunk_put_tally(p + k, &b[i].t, NULL);
    }
    return k;
}

static void decodes_to(const uint8_t *body, size_t len, const struct chunk_bucket *b, int n)
{
    struct chunk_bucket back[CHUNK_MINUTES];
    int m = -1;
    assert_int_equal(chunk_get_hour(body, len, 0, back, &m, NULL), 0);
    assert_int_equal(m, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(back[i].minute, b[i].minute);
        assert_tally_equal(&back[i].t, &b[i].t);
    }
    int checked = -1;
    assert_int_equal(chunk_check_hour(body, len, &checked, NULL), 0);
    assert_int_equal(checked, n);
    assert_int_equal(chunk_hour_count(body, len, &m), 0);
    assert_int_equal(m, n);
    struct chunk_bucket one;
    assert_int_equal(chunk_hour_single(body, len, 0, &one, NULL), n == 1);
    int64_t first;
    assert_int_equal(chunk_hour_first(body, len, 0, &first, NULL), 0);
    assert_int_equal(first, b[0].minute);
}

static double any_amount(void)
{
    static const double odd[] = {0.0, -0.0, 1e300, -2.5e-310, 1.0 / 3, 7e-7};
    switch (rand() % 4) {
    case 0: return odd[rand() % 6];
    case 1: return (double)rand() / 7.0 * 1e-6;
    default: return (double)(rand() % 5000) * 2.5e-6 + (double)(rand() % 900) * 1e-5;
    }
}

/* An hour of a few buckets writes its last one as the rollup less the
 * others: exact for any amounts (the difference corrected to the bit),
 * and much shorter; the counts that saturated the rollup, and hours of
 * many buckets, are written in full; bodies written in full (a database
 * from before) read as they always did. */
static void test_an_hours_last_bucket_is_the_rest_of_its_sum(void **state)
{
    (void)state;
    srand(2026);
    uint8_t body[CHUNK_BODY_MAX], old[CHUNK_BODY_MAX];
    size_t rest_bytes = 0, full_bytes = 0;
    int rests = 0;
    for (int round = 0; round < 4000; round++) {
        struct chunk_bucket b[CHUNK_MINUTES] = {{0}};
        int n = 2 + rand() % 7;
        for (int i = 0; i < n; i++) {
            memset(&b[i], 0, sizeof b[i]);
            b[i].minute = (int64_t)(i * 7 + rand() % 7) * CLOCK_MINUTE;
            b[i].t.requests = 1 + rand() % 3;
            b[i].t.input = rand() % 20000;
            b[i].t.input_ck = b[i].t.input;
            b[i].t.output = rand() % 900;
            b[i].t.cache_read = rand() % 2 ? rand() % 9000 : 0;
            b[i].t.cost = any_amount();
            b[i].t.billed = rand() % 4 ? 0 : any_amount();
            b[i].t.reported = rand() % 4 ? 0 : any_amount();
            b[i].t.reported_n = b[i].t.reported != 0;
        }
        size_t len = chunk_put_hour(body, 0, b, n, NULL);
        decodes_to(body, len, b, n);
        size_t full = put_full(old, b, n);
        decodes_to(old, full, b, n);
        assert_true(len <= full);
        if (body[0] == 64 + n) {
            rests++;
            rest_bytes += len;
            full_bytes += full;
        } else {
            assert_int_equal(body[0], n);
        }
    }
    /* nearly every such hour, each saving most of a bucket's bytes */
    print_message("rest: %d hours, %zu bytes instead of %zu\n", rests, rest_bytes, full_bytes);
    assert_true(rests > 3900);
    assert_true(full_bytes - rest_bytes > (size_t)rests * 10);

    /* a count that saturated the rollup: the difference is not the count */
    struct chunk_bucket sat[2] = {{0, {.requests = INT64_MAX, .cost = 1}},
                                  {60, {.requests = 5, .cost = 2}}};
    size_t len = chunk_put_hour(body, 0, sat, 2, NULL);
    assert_int_equal(body[0], 2);
    decodes_to(body, len, sat, 2);
    /* a busy hour is written in full */
    struct chunk_bucket busy[20];
    for (int i = 0; i < 20; i++)
        busy[i] = (struct chunk_bucket){i * 120, {.requests = 1, .input = 100 + i, .cost = 0.1 * i}};
    len = chunk_put_hour(body, 0, busy, 20, NULL);
    assert_int_equal(body[0], 20);
    decodes_to(body, len, busy, 20);
    /* a rest's malformed masks and deltas are refused: a rollup of 2
     * requests, minute 0 with 1, then minute 1 as the rest */
    struct chunk_bucket back[CHUNK_MINUTES];
    int m;
    const uint8_t mask_past[] = {66, 0x01, 2, 0, 0x01, 1, 1, 0x08, 0x02};
    assert_int_equal(chunk_get_hour(mask_past, sizeof mask_past, 0, back, &m, NULL), -1);
    assert_int_equal(chunk_check_hour(mask_past, sizeof mask_past, &m, NULL), -1);
    const uint8_t zero_delta[] = {66, 0x01, 2, 0, 0x01, 1, 1, 0x01, 0x00};
    assert_int_equal(chunk_get_hour(zero_delta, sizeof zero_delta, 0, back, &m, NULL), -1);
    assert_int_equal(chunk_check_hour(zero_delta, sizeof zero_delta, &m, NULL), -1);
    const uint8_t cut_delta[] = {66, 0x01, 2, 0, 0x01, 1, 1, 0x01};
    assert_int_equal(chunk_get_hour(cut_delta, sizeof cut_delta, 0, back, &m, NULL), -1);
    assert_int_equal(chunk_check_hour(cut_delta, sizeof cut_delta, &m, NULL), -1);
    const uint8_t one_rest[] = {65, 0x01, 1, 0, 0x00};
    assert_int_equal(chunk_get_hour(one_rest, sizeof one_rest, 0, back, &m, NULL), -1);
    assert_int_equal(chunk_hour_count(one_rest, sizeof one_rest, &m), -1);
    const uint8_t rest_ok[] = {66, 0x01, 3, 0, 0x01, 1, 1, 0x00};
    assert_int_equal(chunk_check_hour(rest_ok, sizeof rest_ok, &m, NULL), 0);
    assert_int_equal(chunk_get_hour(rest_ok, sizeof rest_ok, 0, back, &m, NULL), 0);
    assert_int_equal(m, 2);
    assert_int_equal(back[1].minute, 60);
    assert_int_equal(back[1].t.requests, 2);
}

/* ---- a history against a plain array of minutes ------------------------------ */

#define DAYS 3
#define NMIN (DAYS * 1440)
static const int64_t T0 = 1795000000 - 1795000000 % CLOCK_DAY; /* midnight */

struct ref {
    struct tally m[NMIN];
};

static int64_t minute_at(int i) { return T0 + (int64_t)i * CLOCK_MINUTE; }

/* A random tally whose money sums exactly in any order (multiples of
 * 1/1024, small). */
static struct tally random_tally(void)
{
    struct tally t = {.requests = rand() % 3, .input = rand() % 5000,
                      .output = rand() % 700, .cost = (rand() % 4096) / 1024.0};
    t.input_ck = rand() % 4 ? t.input : 0;
    t.output_rk = t.output;
    t.reasoning = rand() % 5 ? 0 : rand() % 300;
    t.errors = rand() % 9 ? 0 : 1;
    return t;
}

static void ref_sum(const struct ref *r, int64_t t0, int64_t t1, struct tally *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < NMIN; i++)
        if (minute_at(i) >= t0 && minute_at(i) < t1)
            tally_add(out, &r->m[i]);
}

struct walk {
    const struct ref *r;
    int64_t prev;
    size_t n;
};

static int check_bucket(void *ctx, const struct chunk_bucket *b)
{
    struct walk *w = ctx;
    assert_true(b->minute > w->prev);
    w->prev = b->minute;
    int i = (int)((b->minute - T0) / CLOCK_MINUTE);
    assert_true(i >= 0 && i < NMIN);
    assert_tally_equal(&b->t, &w->r->m[i]);
    w->n++;
    return 0;
}

static void compare(const struct hist *h, const struct ref *r, int64_t from)
{
    size_t count = 0;
    for (int i = 0; i < NMIN; i++)
        count += !tally_is_zero(&r->m[i]) && minute_at(i) >= from;
    assert_int_equal(hist_count(h), count);
    struct walk w = {r, INT64_MIN, 0};
    hist_each(h, INT64_MIN, INT64_MAX, check_bucket, &w);
    assert_int_equal(w.n, count);
    for (int k = 0; k < 40; k++) {
        int64_t t0 = T0 - CLOCK_HOUR + rand() % ((DAYS + 1) * CLOCK_DAY);
        int64_t t1 = t0 + rand() % (2 * CLOCK_DAY);
        struct tally a = {0}, b;
        hist_sum(h, t0, t1, &a);
        ref_sum(r, t0, t1, &b);
        assert_tally_equal(&a, &b);
    }
    struct tally hours[DAYS * 24] = {{0}};
    hist_hourly(h, T0, DAYS * 24, hours);
    for (int i = 0; i < DAYS * 24; i++) {
        struct tally b;
        ref_sum(r, T0 + i * (int64_t)CLOCK_HOUR, T0 + (i + 1) * (int64_t)CLOCK_HOUR, &b);
        assert_tally_equal(&hours[i], &b);
    }
}

static bool halve_cost(void *ctx, int64_t minute, struct tally *t)
{
    struct ref *r = ctx;
    int i = (int)((minute - T0) / CLOCK_MINUTE);
    if (i % 3)
        return false;
    t->cost /= 2;
    r->m[i].cost /= 2;
    return true;
}

/* Mostly in time order, sparse or dense, with late writes, sets and
 * removals into sealed hours: into h, and the same into the plain minutes
 * of r. */
static void random_history(struct hist *h, struct ref *r)
{
    for (int step = 0; step < 20000; step++) {
        int i = (step * NMIN) / 20000 + rand() % 3;
        int kind = rand() % 100;
        if (kind < 5)
            i = rand() % NMIN; /* late (or early) */
        if (i >= NMIN)
            i = NMIN - 1;
        struct tally t = random_tally();
        if (kind < 3) {
            memset(&t, 0, sizeof t); /* a re-polled bucket now empty */
            hist_write(h, minute_at(i), &t, true);
            r->m[i] = t;
        } else if (kind < 8) {
            hist_write(h, minute_at(i), &t, true);
            r->m[i] = t;
        } else {
            hist_write(h, minute_at(i) + rand() % 60, &t, false);
            tally_add(&r->m[i], &t);
        }
        if (step % 997 == 0)
            hist_seal(h);
    }
}

/* What the database keeps: h's sealed days as chunks, read back into
 * another history (in order, a day again out of order, a day again over
 * what is held, and from mid-day on after a drop) answers as r does. */
static void check_days_read_back(struct hist *h, const struct ref *r)
{
    hist_seal(h);
    struct hist back;
    memset(&back, 0, sizeof back);
    hist_free(&back);
    back.rates = h->rates; /* a load sets the series' rates before its days */
    uint8_t *buf = NULL;
    size_t cap = 0, total = 0;
    for (int d = 0; d < DAYS; d++) {
        int64_t newest, day = T0 + d * (int64_t)CLOCK_DAY;
        size_t count, len = hist_day(h, day, &buf, &cap, &newest, &count);
        assert_true(len > 0);
        assert_true(newest >= day && newest < day + CLOCK_DAY);
        total += count;
        assert_int_equal(hist_load_day(&back, day, INT64_MIN, buf, len), 0);
        assert_int_equal(hist_load_day(&back, day, T0 + 3 * (int64_t)CLOCK_DAY, buf, len), 0);
        if (d == 1) /* truncated: refused */
            assert_int_equal(hist_load_day(&back, day, INT64_MIN, buf, len - 1), -1);
    }
    assert_int_equal(total, hist_count(h));
    compare(&back, r, INT64_MIN);
    /* a day read again over what is held: the same */
    int64_t newest;
    size_t count, len = hist_day(h, T0, &buf, &cap, &newest, &count);
    assert_int_equal(hist_load_day(&back, T0, INT64_MIN, buf, len), 0);
    compare(&back, r, INT64_MIN);
    /* dropped from mid-day on, and read again from there */
    hist_drop_from(&back, T0 + CLOCK_DAY + 5 * CLOCK_HOUR);
    len = hist_day(h, T0 + CLOCK_DAY, &buf, &cap, &newest, &count);
    assert_int_equal(hist_load_day(&back, T0 + CLOCK_DAY, T0 + CLOCK_DAY + 5 * CLOCK_HOUR,
                                   buf, len), 0);
    len = hist_day(h, T0 + 2 * CLOCK_DAY, &buf, &cap, &newest, &count);
    assert_int_equal(hist_load_day(&back, T0 + 2 * CLOCK_DAY, INT64_MIN, buf, len), 0);
    compare(&back, r, INT64_MIN);
    free(buf);
    hist_free(&back);
}

/* A load as db.c makes it: room for every day of the series at once, the
 * days put from mid-retention on (the older records skipped), and what is
 * left of the room given back but HIST_LOAD_ROOM: the history answers as
 * r does from there, and holds no more than its bytes and that room. */
static void check_days_loaded_at_once(struct hist *h, const struct ref *r)
{
    hist_seal(h);
    uint8_t *days[DAYS];
    size_t lens[DAYS], total = 0;
    for (int d = 0; d < DAYS; d++) {
        uint8_t *buf = NULL;
        size_t cap = 0, count;
        int64_t newest;
        lens[d] = hist_day(h, T0 + d * (int64_t)CLOCK_DAY, &buf, &cap, &newest, &count);
        days[d] = buf;
        total += lens[d];
    }
    struct hist back;
    memset(&back, 0, sizeof back);
    hist_free(&back);
    back.rates = h->rates;
    int64_t from = T0 + CLOCK_DAY + 13 * CLOCK_HOUR;
    hist_reserve(&back, total + DAYS * HIST_LOAD_DAY_EXTRA + HIST_LOAD_ROOM);
    size_t reserved = hist_bytes(&back);
    for (int d = 0; d < DAYS; d++)
        assert_int_equal(hist_load_day(&back, T0 + d * (int64_t)CLOCK_DAY, from, days[d],
                                       lens[d]), 0);
    assert_int_equal(hist_bytes(&back), reserved); /* no day grew it */
    hist_fit(&back);
    assert_true(hist_bytes(&back) <= back.len + HIST_LOAD_ROOM);
    assert_true(hist_bytes(&back) < reserved);
    size_t count = 0;
    for (int i = 0; i < NMIN; i++)
        count += !tally_is_zero(&r->m[i]) && minute_at(i) >= from;
    assert_int_equal(hist_count(&back), count);
    for (int64_t t0 = from; t0 < T0 + DAYS * (int64_t)CLOCK_DAY; t0 += 7 * CLOCK_HOUR + 13) {
        struct tally a = {0}, b;
        hist_sum(&back, t0, t0 + 5 * CLOCK_HOUR, &a);
        ref_sum(r, t0, t0 + 5 * CLOCK_HOUR, &b);
        assert_tally_equal(&a, &b);
    }
    for (int d = 0; d < DAYS; d++)
        free(days[d]);
    hist_free(&back);
}

/* A history written with rates r0 (NULL: costs raw), and with r1 from
 * the middle of it on (every record it holds written again). */
static void history_as_plain_minutes(const struct tally_rates *r0, const struct tally_rates *r1)
{
    static struct ref r;
    memset(&r, 0, sizeof r);
    struct hist h;
    memset(&h, 0, sizeof h);
    hist_free(&h);
    h.rates = r0;
    srand(1616);
    random_history(&h, &r);
    compare(&h, &r, INT64_MIN);
    size_t before_bytes = h.len;
    hist_set_rates(&h, r1);
    assert_ptr_equal(h.rates, r1);
    compare(&h, &r, INT64_MIN);
    if (r0 != r1)
        assert_int_not_equal(h.len, before_bytes); /* written again */
    /* a record taken back: the bucket left zero is gone */
    int some = 0;
    while (tally_is_zero(&r.m[some]))
        some++;
    struct tally minus = {0};
    tally_sub(&minus, &r.m[some]);
    assert_false(hist_write(&h, minute_at(some), &minus, false));
    memset(&r.m[some], 0, sizeof r.m[some]);
    compare(&h, &r, INT64_MIN);
    /* repricing a third of the minutes */
    int64_t first = INT64_MAX;
    size_t changed = hist_map(&h, halve_cost, &r, &first);
    assert_true(changed > 0);
    compare(&h, &r, INT64_MIN);
    check_days_read_back(&h, &r);
    check_days_loaded_at_once(&h, &r);
    /* pruning mid-hour, then by whole days */
    int64_t cut = T0 + CLOCK_DAY + 17 * CLOCK_MINUTE + 5 * CLOCK_HOUR;
    size_t before = hist_count(&h);
    size_t dropped = hist_prune(&h, cut + 1);
    for (int i = 0; i < NMIN; i++)
        if (minute_at(i) <= cut)
            memset(&r.m[i], 0, sizeof r.m[i]);
    assert_int_equal(before - dropped, hist_count(&h));
    compare(&h, &r, cut);
    /* a write before what is left (a late record of a pruned hour's
     * neighbour) moves the stream's base back */
    struct tally t = random_tally();
    t.requests = 1;
    hist_write(&h, cut - 2 * CLOCK_HOUR, &t, false);
    tally_add(&r.m[(cut - 2 * CLOCK_HOUR - T0) / CLOCK_MINUTE], &t);
    compare(&h, &r, INT64_MIN);
    hist_seal(&h);
    compare(&h, &r, INT64_MIN);
    assert_true(hist_bytes(&h) < hist_count(&h) * 40);
    hist_prune(&h, INT64_MAX);
    assert_int_equal(hist_count(&h), 0);
    assert_int_equal(hist_first(&h), INT64_MAX);
    hist_free(&h);
    assert_ptr_equal(h.rates, r1); /* the owner's, left */
}

static void test_a_history_answers_as_plain_minutes_do(void **state)
{
    (void)state;
    history_as_plain_minutes(NULL, NULL);
}

/* The same with costs written from rates (random costs: far from them),
 * and its rates changed midway, to rates and back to none. */
static void test_a_history_with_rates_answers_the_same(void **state)
{
    (void)state;
    static const struct tally_rates other = {{3e-6, 3e-7, 0, 0, 1.2e-5, 1.2e-5}};
    history_as_plain_minutes(&rates, &other);
    history_as_plain_minutes(NULL, &rates);
    history_as_plain_minutes(&rates, NULL);
}

/* CHUNK_TALLY_MAX bounds a tally written with rates too: there a cost is a
 * varint of up to VARINT_MAX bytes, not 8, so a tally of every field at
 * its longest (13 negative counts, and a cost far from what its tokens
 * come to: a damaged row, a sum gone negative) must still fit the buffers
 * sized by it (chunk_put_hour's own, put_record's CHUNK_BODY_MAX). */
static void test_a_tally_with_rates_fits_chunk_tally_max(void **state)
{
    (void)state;
    static const struct tally_rates neg = {{-3, 0, 0, 0, 0, 0}};
    struct tally t = {-1, -1, -1, -2, -1, -1, -1, -1, -2, -1, -1, -1, -1,
                      1e300, 1.5, 2.5};
    uint8_t buf[2 * CHUNK_TALLY_MAX];
    size_t worst = 0;
    const struct tally_rates *rs[] = {&neg, &rates};
    const double costs[] = {1e300, -1e300, NAN, -NAN, INFINITY, -2.0};
    for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < sizeof costs / sizeof *costs; c++) {
            t.cost = costs[c];
            size_t n = chunk_put_tally(buf, &t, rs[r]);
            worst = n > worst ? n : worst;
            struct tally back;
            assert_int_equal(chunk_get_tally(buf, buf + n, &back, rs[r]), n);
            assert_tally_equal(&back, &t);
        }
    if (worst > CHUNK_TALLY_MAX)
        fail_msg("a tally with rates took %zu bytes, CHUNK_TALLY_MAX is %d", worst,
                 (int)CHUNK_TALLY_MAX);
    /* and a whole hour of them, CHUNK_BODY_MAX */
    static uint8_t body[2 * CHUNK_BODY_MAX];
    static struct chunk_bucket b[CHUNK_MINUTES], back[CHUNK_MINUTES];
    const int64_t hour = 1795000000 - 1795000000 % 3600;
    t.cost = 1e300;
    for (int i = 0; i < CHUNK_MINUTES; i++)
        b[i] = (struct chunk_bucket){hour + i * 60, t};
    /* a few buckets: the encoder weighs the last one in full against a
     * rest, in a buffer of CHUNK_TALLY_MAX */
    size_t k = chunk_put_hour(body, hour, b, 2, &neg);
    int n = 0;
    assert_int_equal(chunk_get_hour(body, k, hour, back, &n, &neg), 0);
    assert_int_equal(n, 2);
    assert_tally_equal(&back[1].t, &t);
    k = chunk_put_hour(body, hour, b, CHUNK_MINUTES, &neg);
    if (k > CHUNK_BODY_MAX)
        fail_msg("an hour with rates took %zu bytes, CHUNK_BODY_MAX is %d", k,
                 (int)CHUNK_BODY_MAX);
}

static uint64_t next_random(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* A database written by one build is read by another (gcc or clang, any
 * -O, sanitizers, another machine): a cost comes back exactly only if
 * every build's prediction has the very same bits. Round trips within one
 * binary cannot see a prediction that moved (a sum reordered, a multiply
 * and add fused: -ffp-contract=fast, -std=gnu11 with -march=native), so
 * the bytes of 4096 typical tallies are pinned here (their FNV-1a hash,
 * from gcc and clang at -O0 to -O3). */
static void test_costs_are_written_the_same_by_every_build(void **state)
{
    (void)state;
    static const struct tally_rates r = {{1.25e-6, 1.25e-7, 1.5625e-6, 2.5e-6, 1e-5, 1.1e-5}};
    uint64_t seed = 42, h = 1469598103934665603ULL;
    for (int i = 0; i < 4096; i++) {
        struct tally t = {.requests = 1};
        t.input = (int64_t)(next_random(&seed) % 2000000);
        t.cache_read = t.input / (1 + (int64_t)(next_random(&seed) % 4));
        t.cache_write_5m = next_random(&seed) % 3 ? 0 : t.input / 7;
        t.cache_write_1h = next_random(&seed) % 5 ? 0 : t.input / 11;
        t.output = (int64_t)(next_random(&seed) % 200000);
        t.reasoning = t.output / (1 + (int64_t)(next_random(&seed) % 3));
        t.cost = 1e-3;
        uint8_t buf[2 * CHUNK_TALLY_MAX];
        size_t n = chunk_put_tally(buf, &t, &r);
        for (size_t k = 0; k < n; k++) {
            h ^= buf[k];
            h *= 1099511628211ULL;
        }
    }
    assert_int_equal(h, 0xb5254f7a4a0d6a02ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tallies_round_trip_exactly),
        cmocka_unit_test(test_costs_are_kept_as_their_distance_from_the_rates),
        cmocka_unit_test(test_the_prediction_is_the_formats_whatever_the_rates),
        cmocka_unit_test(test_malformed_bytes_are_refused),
        cmocka_unit_test(test_a_check_refuses_what_a_decode_refuses),
        cmocka_unit_test(test_varints_skipped_together_as_one_by_one),
        cmocka_unit_test(test_an_hours_last_bucket_is_the_rest_of_its_sum),
        cmocka_unit_test(test_a_history_answers_as_plain_minutes_do),
        cmocka_unit_test(test_a_history_with_rates_answers_the_same),
        cmocka_unit_test(test_a_tally_with_rates_fits_chunk_tally_max),
        cmocka_unit_test(test_costs_are_written_the_same_by_every_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
