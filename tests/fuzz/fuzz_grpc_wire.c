/* libFuzzer: the gRPC message framing and gzip's cap. The first byte picks
 * the call's encoding and where the DATA bytes are split; the rest is fed
 * to the reader as one request, and also inflated directly. Whatever comes
 * out is never above the limit. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/grpc_wire.h"

#define MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool gzip = data[0] & 1;
    size_t step = 1 + (data[0] >> 1);
    data++;
    size--;
    struct grpc_reader r;
    grpc_reader_init(&r, MAX, gzip);
    for (size_t i = 0; i < size; i += step)
        grpc_reader_feed(&r, data + i, size - i < step ? size - i : step);
    uint8_t *msg;
    size_t len;
    if (grpc_reader_finish(&r, &msg, &len) == GRPC_OK && len > MAX)
        abort();
    free(msg);
    grpc_reader_free(&r);

    const char *why;
    if (grpc_gunzip(data, size, MAX, &msg, &len, &why) == GRPC_OK && len > MAX)
        abort();
    free(msg);

    char text[256], out[64];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    if (grpc_message_encode(text, out, sizeof out) >= sizeof out)
        abort();
    return 0;
}
