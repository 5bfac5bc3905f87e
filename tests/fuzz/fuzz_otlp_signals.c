/* libFuzzer: OTLP/JSON log events and metric points through the signal
 * mappings (collectors/otlp_signals.h) with a source's state: each input
 * is an export, mapped twice into one state (a retry, or the next
 * collection of a cumulative stream), then the state is saved and loaded
 * again. Every record must have non-negative counts and a finite,
 * non-negative reported amount. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/otlp_map.h"
#include "collectors/otlp_signals.h"
#include "tests/fuzz/fuzz_sum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int put(struct sink *s, const struct usage *u)
{
    (void)s;
    if (u->input < 0 || u->output < 0 || u->cache_read < 0 || u->cache_write_5m < 0 ||
        u->reasoning < 0 || u->requests < 0 ||
        (u->has_reported && !(isfinite(u->reported_usd) && u->reported_usd >= 0)) ||
        !u->model || !u->provider || !u->tenant)
        abort();
    return fuzz_sum_put(u);
}

/* Cursors kept as one list of "key=value" lines. */
static char saved[1 << 16];
static size_t nsaved;

static void cursor(struct sink *s, const char *source, const char *key, const char *value)
{
    (void)s;
    (void)source;
    size_t k = strlen(key), v = strlen(value);
    if (nsaved + k + v + 2 < sizeof saved) {
        memcpy(saved + nsaved, key, k);
        saved[nsaved + k] = '=';
        memcpy(saved + nsaved + k + 1, value, v);
        saved[nsaved + k + 1 + v] = '\n';
        nsaved += k + v + 2;
    }
}

static int cursor_each(struct sink *s, const char *source,
                       int (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                       char *err, size_t errlen)
{
    (void)s;
    (void)source;
    (void)err;
    (void)errlen;
    char line[512];
    for (size_t i = 0; i < nsaved;) {
        const char *nl = memchr(saved + i, '\n', nsaved - i);
        size_t n = (size_t)(nl - (saved + i));
        if (n < sizeof line) {
            memcpy(line, saved + i, n);
            line[n] = '\0';
            char *eq = strchr(line, '=');
            if (eq) {
                *eq = '\0';
                fn(ctx, line, eq + 1);
            }
        }
        i += n + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *attrs[] = {"user.email", "team.id"};
    struct otlp_state *st = otlp_state_new();
    struct otlp_options o = {.source = "fuzz", .tenant_attrs = attrs, .ntenant_attrs = 2,
                             .state = st};
    struct sink sink = {.put = put, .cursor = cursor, .cursor_each = cursor_each};
    struct otlp_result r;
    nsaved = 0;
    for (int pass = 0; pass < 2; pass++)
        otlp_map_export(OTLP_JSON, 0, data, size, &o, &sink, &r);
    otlp_state_free(st);
    st = otlp_state_new();
    otlp_state_load(st, &sink, "fuzz", 1767225600, 8 * 86400, NULL, 0);
    o.state = st;
    otlp_map_export(OTLP_JSON, 0, data, size, &o, &sink, &r);
    otlp_state_free(st);
    return 0;
}
