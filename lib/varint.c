/* varint.c - unsigned LEB128 varints (see varint.h). */
#include "lib/varint.h"

#include <endian.h>
#include <string.h>

size_t varint_get_long(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < VARINT_MAX && p + i < end; i++) {
        uint64_t b = p[i];
        /* the 10th byte holds bit 63 only */
        if (i == VARINT_MAX - 1 && b > 1)
            return 0;
        x |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

size_t varint_skip_n(const uint8_t *p, const uint8_t *end, int k)
{
    const uint8_t *q = p;
    while (k > 0 && end - q >= 8) {
        uint64_t w;
        memcpy(&w, q, sizeof w);
        /* the high bit of each byte that ends a varint (clear in it) */
        uint64_t stop = ~le64toh(w) & UINT64_C(0x8080808080808080);
        if (!stop) { /* 8 bytes and more: one varint, checked byte by byte */
            size_t n = varint_skip(q, end);
            if (!n)
                return 0;
            q += n;
            k--;
            continue;
        }
        /* up to the k-th end in the word, or its last: varints of at most
         * 8 bytes, each whole (a word starts where a varint does) */
        int used = 1;
        for (; used < k && (stop & (stop - 1)); used++)
            stop &= stop - 1;
        k -= used;
        q += (size_t)(__builtin_ctzll(stop) / 8 + 1);
    }
    for (; k > 0; k--) {
        size_t n = varint_skip(q, end);
        if (!n)
            return 0;
        q += n;
    }
    return (size_t)(q - p);
}
