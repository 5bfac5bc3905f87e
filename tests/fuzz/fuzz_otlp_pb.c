/* libFuzzer: OTLP protobuf decoding and mapping into a sink that only
 * counts. The first byte picks the signal; every list is walked. */
#include <stddef.h>
#include <stdint.h>

#include "collectors/otlp_map.h"
#include "tests/fuzz/fuzz_sum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int put(struct sink *s, const struct usage *u)
{
    (void)s;
    if (!u->model || !u->provider || !u->tenant)
        return 0;
    return fuzz_sum_put(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *attrs[] = {"tenant.id"};
    static const enum otlp_signal sigs[] = {OTLP_TRACES, OTLP_LOGS, OTLP_METRICS};
    if (size < 1)
        return 0;
    struct otlp_options o = {.source = "fuzz", .tenant_attrs = attrs, .ntenant_attrs = 1};
    struct sink sink = {.put = put};
    struct otlp_result r;
    otlp_map_export(OTLP_PROTOBUF, sigs[data[0] % 3], data + 1, size - 1, &o, &sink, &r);
    return 0;
}
