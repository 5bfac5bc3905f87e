/* libFuzzer: the compact bucket encoding (core/chunk.h). Arbitrary bytes
 * read as an hour record's body, and as a stream of tallies: whatever
 * decodes must encode again to bytes that decode to the same buckets
 * (a round trip), and encoding what was decoded twice gives the same bytes
 * (the encoding is canonical). A decoder must never read past the end,
 * and the checks without decoding agree with the decoders. Each input is
 * read twice: costs raw, and costs as distances from a series' rates
 * (struct tally_rates; odd ones too: NAN, infinite, huge). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const void *a, const void *b, size_t n)
{
    if (memcmp(a, b, n) != 0)
        abort();
}

static void hour_round_trip(const uint8_t *data, size_t size, const struct tally_rates *r)
{
    struct chunk_bucket b[CHUNK_MINUTES], again[CHUNK_MINUTES];
    int n, m;
    const int64_t hour = 1795000000 - 1795000000 % 3600;
    int checked = -1;
    int rc = chunk_get_hour(data, size, hour, b, &n, r);
    /* the check a load makes refuses exactly what the decoder refuses */
    if (chunk_check_hour(data, size, &checked, r) != rc || (rc == 0 && checked != n))
        abort();
    if (rc != 0)
        return;
    struct tally sum = {0};
    if (chunk_hour_sum(data, size, &sum, r) != 0)
        abort(); /* a body that decodes has a sum */
    static uint8_t enc[CHUNK_BODY_MAX], enc2[CHUNK_BODY_MAX];
    size_t k = chunk_put_hour(enc, hour, b, n, r);
    if (chunk_get_hour(enc, k, hour, again, &m, r) != 0 || m != n)
        abort();
    same_or_abort(b, again, (size_t)n * sizeof *b);
    size_t k2 = chunk_put_hour(enc2, hour, again, m, r);
    if (k2 != k)
        abort();
    same_or_abort(enc, enc2, k);
}

static void tallies_round_trip(const uint8_t *p, const uint8_t *end,
                               const struct tally_rates *r)
{
    struct tally t, back;
    size_t k;
    while (p < end && (k = chunk_get_tally(p, end, &t, r)) == chunk_skip_tally(p, end, r) &&
           k) {
        uint8_t enc[CHUNK_TALLY_MAX];
        size_t e = chunk_put_tally(enc, &t, r);
        if (chunk_get_tally(enc, enc + e, &back, r) != e)
            abort();
        same_or_abort(&t, &back, sizeof t);
        p += k;
    }
    if (p < end && chunk_get_tally(p, end, &t, r) != chunk_skip_tally(p, end, r))
        abort(); /* the skip reads what the decoder reads */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the body's own copy, so that a read past it is a heap overflow */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    static const struct tally_rates rates[] = {
        {{2.5e-6, 1.25e-7, 3.125e-6, 5e-6, 1e-5, 1e-5}},
        {{NAN, -0.0, INFINITY, 1e308, -1e-300, 0}},
    };
    hour_round_trip(copy, size, NULL);
    tallies_round_trip(copy, copy + size, NULL);
    const struct tally_rates *r = &rates[size % 2];
    hour_round_trip(copy, size, r);
    tallies_round_trip(copy, copy + size, r);
    uint64_t dh, len;
    chunk_get_head(copy, copy + size, &dh, &len);
    free(copy);
    return 0;
}
