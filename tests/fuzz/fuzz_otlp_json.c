/* libFuzzer: OTLP/JSON decoding into a sink that only counts. Seeds
 * (corpus_otlp_json/): tests/fixtures/otlp-example-trace.json; one line of
 * `bench/gen_otlp_genai.py --spans 4 --days 1 --batch 2 --seed 1`; the
 * attribute spellings of tests/test_otlp_json.c (legacy gen_ai.system and
 * prompt_tokens, OpenLIT's details, doubles, an integer tenant, error
 * statuses); an empty and a truncated document. */
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
    struct otlp_options o = {.source = "fuzz", .tenant_attrs = attrs, .ntenant_attrs = 1};
    struct sink sink = {.put = put};
    struct otlp_result r;
    otlp_map_export(OTLP_JSON, 0, data, size, &o, &sink, &r);
    return 0;
}
