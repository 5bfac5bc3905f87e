/* varint.c - unsigned LEB128 varints (see varint.h). */
#include "lib/varint.h"

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
