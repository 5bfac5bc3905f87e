/* libFuzzer: OTLP/JSON decoding into a sink that only counts. */
#include <stddef.h>
#include <stdint.h>

#include "collectors/otlp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int put(struct sink *s, const struct usage *u)
{
    (void)s;
    return u->model && u->provider && u->tenant && u->input >= 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *attrs[] = {"tenant.id"};
    struct otlp_options o = {"fuzz", attrs, 1};
    struct sink sink = {.put = put};
    struct otlp_result r;
    otlp_json_decode((const char *)data, size, &o, &sink, &r);
    return 0;
}
