/* chunk.h - the store's compact encoding of minute buckets (store.h).
 *
 * A series' history is a byte stream of hour records, oldest first; an
 * hour with no usage has no record. A record is
 *
 *     varint dh      hours since the previous record (the first: since the
 *                    stream's base hour, which its owner keeps)
 *     varint len     bytes of the body that follows (so a reader skips it)
 *     body:
 *       varint c     minute buckets in the hour, n = 1..60 (c = n), or
 *                    n = 2..60 with the last one written as a rest
 *                    (c = 64 + n)
 *       tally        the hour's sum (only when n > 1: with one bucket the
 *                    bucket is the sum)
 *       n times:     byte minute-of-hour (0..59, ascending), tally; the
 *                    last, when a rest, its minute then the rest:
 *                      varint mask    which of cost, billed, reported
 *                                     have a delta (bits 0, 1, 2)
 *                      zigzag varint  each of those deltas
 *                    Its counts are the sum's less the other buckets'
 *                    (their sums in order, tally_add), each amount the
 *                    same difference with its delta added to its bits
 *                    (as 64-bit integers: exact for any value)
 *
 * and a tally is a varint bitmask of the fields that are not zero, then
 * each of those in the mask's order: a count as a varint (its 64 bits as
 * unsigned: a negative count takes 10 bytes, and stays exact), a money
 * amount as its 8 raw bytes (little-endian IEEE 754: exact, NAN and -0
 * included) - but for the cost in a stream with rates (a priced series,
 * struct tally_rates): a zigzag varint of its bits less the bits of the
 * cost its tokens predict at those rates (as 64-bit integers: exact for
 * any value), 1 byte for a bucket of one record, 1 or 2 for a sum of
 * many, not 8. Whether a stream has rates, and which, is its owner's to
 * keep: every function below that reads or writes a tally takes them
 * (NULL: none, amounts raw). The mask's first 7 bits are the fields most records have
 * (requests, input, output, cost, cache reads), and two of them say
 * "input_ck equals input" and "output_rk equals output" (records that know
 * their cache reads and reasoning, which is most), so a typical bucket's
 * mask is one byte and those two counts take none. Most fields are zero in
 * most buckets: a typical minute bucket takes 8 to 14 bytes with rates
 * (10 to 20 without), against 128 raw.
 *
 * The hour sums are the rollups long sums read (a 7-day sum reads 168 of
 * them, not 10,080 buckets). They would double a sparse series' hours of
 * two or three buckets, so there the last bucket is what the sum leaves
 * (an amount's sum of doubles loses bits: the delta, nearly always 0 or
 * an ulp, puts them back): 2 to 4 bytes instead of 15 to 25. The encoder
 * writes it for hours of up to 8 buckets, when it is shorter, and only
 * when the difference gives every count back exactly (not when the
 * sum saturated); a decoder reads it for any n.
 *
 * Decoders check every length and refuse what they cannot read whole
 * (-1 / 0): a stream read back from a database is never trusted to be
 * well formed.
 */
#ifndef SPENDTOP_CHUNK_H
#define SPENDTOP_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

/* A decoded minute bucket. */
struct chunk_bucket {
    int64_t minute;         /* start, in seconds */
    struct tally t;
};

#define CHUNK_MINUTES 60
/* The most bytes a tally, a record's header and a whole record take. */
#define CHUNK_TALLY_MAX (3 + 14 * 10 + 2 * 8) /* a cost with rates: a varint */
#define CHUNK_HEAD_MAX 20
#define CHUNK_BODY_MAX (1 + CHUNK_TALLY_MAX + CHUNK_MINUTES * (1 + CHUNK_TALLY_MAX))

/* Encode t at p (room for CHUNK_TALLY_MAX); returns the bytes written. */
size_t chunk_put_tally(uint8_t *p, const struct tally *t, const struct tally_rates *r);
/* Decode a tally from [p, end); returns the bytes read, 0 if malformed. */
size_t chunk_get_tally(const uint8_t *p, const uint8_t *end, struct tally *t,
                       const struct tally_rates *r);
/* The bytes chunk_get_tally would read there, without decoding (0 where
 * it refuses). */
size_t chunk_skip_tally(const uint8_t *p, const uint8_t *end, const struct tally_rates *r);

/* A record's header at p (room for CHUNK_HEAD_MAX); returns its bytes. */
size_t chunk_put_head(uint8_t *p, uint64_t dh, uint64_t len);
/* Read a header from [p, end), checking that its body fits before end;
 * returns the header's bytes, 0 if malformed. */
size_t chunk_get_head(const uint8_t *p, const uint8_t *end, uint64_t *dh, uint64_t *len);

/* Encode the body of the hour starting hour_start from its n (1..60)
 * buckets b, ascending minutes of that hour, none zero (room for
 * CHUNK_BODY_MAX); returns the bytes written. */
size_t chunk_put_hour(uint8_t *p, int64_t hour_start, const struct chunk_bucket *b, int n,
                      const struct tally_rates *r);
/* Decode a body of len bytes into b[0..*n) (room for CHUNK_MINUTES),
 * their minutes in the hour starting hour_start. 0, or -1 if malformed. */
int chunk_get_hour(const uint8_t *p, size_t len, int64_t hour_start,
                   struct chunk_bucket *b, int *n, const struct tally_rates *r);
/* Whether chunk_get_hour would decode the body (0, and *n its buckets;
 * -1 where it refuses), without decoding it: a load checks every record
 * of a database at a third of the cost. */
int chunk_check_hour(const uint8_t *p, size_t len, int *n, const struct tally_rates *r);
/* The hour's sum from its body alone (the rollup, or the one bucket),
 * added to *sum. 0, or -1 if malformed. */
int chunk_hour_sum(const uint8_t *p, size_t len, struct tally *sum,
                   const struct tally_rates *r);
/* When the body holds one bucket (then it is also the hour's sum): *b =
 * it, returns 1. 0 when it holds more (b untouched), -1 if malformed. */
int chunk_hour_single(const uint8_t *p, size_t len, int64_t hour_start,
                      struct chunk_bucket *b, const struct tally_rates *r);
/* The first bucket's minute (of the hour starting hour_start). 0 or -1. */
int chunk_hour_first(const uint8_t *p, size_t len, int64_t hour_start, int64_t *minute,
                     const struct tally_rates *r);
/* How many buckets the body holds (its n). 0 or -1. */
int chunk_hour_count(const uint8_t *p, size_t len, int *n);

#endif
