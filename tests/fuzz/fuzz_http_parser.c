/* libFuzzer: the receiver's request parser, fed in two random splits (the
 * first byte says where). Seeds (corpus_http_parser/): the requests of
 * tests/test_http_parser.c, accepted and refused. */
#include <stddef.h>
#include <stdint.h>

#include "lib/http_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_parser p;
    hp_init(&p, 4096);
    size_t cut = size ? data[0] % (size + 1) : 0, used = 0;
    while (used < size && p.state != HP_ERROR) {
        size_t end = used < cut ? cut : size;
        used += hp_feed(&p, (const char *)data + used, end - used);
        if (p.state == HP_DONE)
            hp_reset(&p); /* pipelined requests */
    }
    hp_free(&p);
    return 0;
}
