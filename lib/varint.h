/* varint.h - unsigned LEB128 varints (the protobuf wire format's), for
 * compact in-memory and on-disk encodings (core/chunk.c).
 *
 * A value takes 1 byte below 128, 2 below 16,384, at most VARINT_MAX (10)
 * for 64 bits. Decoding checks the buffer's end and refuses an encoding
 * longer than 10 bytes or one whose 10th byte carries more than 64 bits.
 */
#ifndef SPENDTOP_VARINT_H
#define SPENDTOP_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX 10

/* Write v at p (room for VARINT_MAX bytes); returns the bytes written. */
static inline size_t varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Read one varint from [p, end) into *v; returns the bytes read, or 0 when
 * the buffer ends inside it or it is malformed (too long). Most values a
 * chunk holds are one or two bytes (a count of tokens below 16,384): those
 * cases are inline, the rest a call. */
size_t varint_get_long(const uint8_t *p, const uint8_t *end, uint64_t *v);
static inline size_t varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    ptrdiff_t left = end - p;
    if (left > 0 && p[0] < 0x80) {
        *v = p[0];
        return 1;
    }
    if (left > 1 && p[1] < 0x80) {
        *v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        return 2;
    }
    return varint_get_long(p, end, v);
}

/* The bytes of the varint at [p, end) as varint_get reads them, without
 * its value: 0 where varint_get refuses it. (Checking a record whole
 * without decoding it: a load of a database.) */
static inline size_t varint_skip(const uint8_t *p, const uint8_t *end)
{
    ptrdiff_t left = end - p;
    for (ptrdiff_t i = 0; i < VARINT_MAX && i < left; i++) {
        if (p[i] < 0x80)
            return i == VARINT_MAX - 1 && p[i] > 1 ? 0 : (size_t)i + 1;
    }
    return 0;
}

/* The bytes of k varints one after the other from p, as k calls of
 * varint_skip would count them: 0 if any is refused. A word at a time
 * where 8 bytes are left (a load checks every tally of a database this
 * way: most of its varints are one or two bytes, and a byte at a time
 * was a sixth of a start at 16 M buckets). */
size_t varint_skip_n(const uint8_t *p, const uint8_t *end, int k);

#endif
