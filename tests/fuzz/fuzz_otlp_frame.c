/* libFuzzer: one message of the file exporter's proto format, as otel_file
 * reads it: compressed or not, its signal told from its records
 * (otlp_frame.h), then decoded and mapped as that signal into a sink that
 * only counts. */
#include <stddef.h>
#include <stdint.h>

#include "collectors/otlp_frame.h"
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
    if (otlp_frame_compressed(data, size))
        return 0;
    enum otlp_signal sig;
    char err[200];
    if (otlp_frame_signal(data, size, &sig, err, sizeof err) != 1)
        return 0;
    struct otlp_options o = {.source = "fuzz", .tenant_attrs = attrs, .ntenant_attrs = 1};
    struct sink sink = {.put = put};
    struct otlp_result r;
    otlp_map_export(OTLP_PROTOBUF, sig, data, size, &o, &sink, &r);
    return 0;
}
