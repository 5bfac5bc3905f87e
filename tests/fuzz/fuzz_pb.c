/* libFuzzer: the protobuf wire-format reader. Every length-delimited field
 * is read again as a sub-message and as packed varints and fixed values,
 * so every path of the reader sees arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "lib/pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t sink_value;

static void walk(struct pb_reader *r)
{
    struct pb_field f;
    while (pb_next(r, &f) == 1) {
        sink_value += f.u + f.view.n;
        if (f.wire != PB_LEN)
            continue;
        static const enum pb_wire packed[] = {PB_VARINT, PB_I64, PB_I32};
        for (size_t i = 0; i < 3; i++) {
            struct pb_error err;
            struct pb_reader alone;
            pb_init(&alone, f.view.p, f.view.n, PB_MAX_DEPTH, &err);
            struct pb_packed it;
            uint64_t v;
            if (pb_packed_init(&alone, &f, packed[i], &it))
                while (pb_packed_next(&it, &v) == 1)
                    sink_value += v;
        }
        /* as a sub-message: its errors are the whole message's */
        struct pb_reader sub;
        if (pb_sub(r, &f, &sub))
            walk(&sub);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_error err;
    struct pb_reader r;
    pb_init(&r, data, size, PB_MAX_DEPTH, &err);
    walk(&r);
    char msg[128];
    pb_format_error(&err, msg, sizeof msg);
    return 0;
}
