/* otlp_ingest - ingest an OTLP trace export in either encoding, for make
 * bench: the JSON and protobuf ingest of the same spans, by the same code
 * but the decoder.
 *
 *   json  one ExportTraceServiceRequest per line (the Collector's file
 *         exporter, and what otel_file reads)
 *   pb    each request as a 4-byte big-endian length and the message (the
 *         file exporter's `format: proto`; bench/otlp_topb makes one)
 *
 * Each request is decoded and mapped (otlp_map_export) into a real ingest
 * (prices, span dedup, the store; no database, which costs both the same),
 * or, with `decode`, into a sink that only counts: the decoders alone.
 *
 * usage: otlp_ingest json|pb FILE [decode]   (prints spans and records)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/otlp_json.h"
#include "collectors/otlp_map.h"
#include "core/ingest.h"
#include "lib/clock.h"

static int count_put(struct sink *s, const struct usage *u)
{
    (void)s;
    return u->input >= 0;
}

/* The next pb request of f into *buf; its length, or -1 at the end. */
static long next_pb(FILE *f, char **buf, size_t *cap)
{
    unsigned char h[4];
    if (fread(h, 1, 4, f) != 4)
        return -1;
    size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (n > *cap) {
        free(*buf);
        *cap = n * 2;
        *buf = malloc(*cap);
        if (!*buf)
            return -1;
    }
    return fread(*buf, 1, n, f) == n ? (long)n : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "json") && strcmp(argv[1], "pb"))) {
        fprintf(stderr, "usage: otlp_ingest json|pb FILE [decode]\n");
        return 2;
    }
    bool pb = strcmp(argv[1], "pb") == 0;
    bool decode_only = argc > 3 && strcmp(argv[3], "decode") == 0;
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    clock_set(1795348860, true); /* the generator's last span, as bench/run.sh */
    struct store *st = store_new();
    struct pricing *p = pricing_new();
    struct ingest *in = ingest_new(st, NULL, p);
    struct sink counter = {.put = count_put};
    struct sink *sink = decode_only ? &counter : ingest_sink(in);
    static char *tenant_attrs[] = {"tenant.id"};
    struct otlp_options o = {.source = "spans", .tenant_attrs = tenant_attrs, .ntenant_attrs = 1};
    struct otlp_result r;
    size_t spans = 0, counted = 0, cap = 0;
    char *buf = NULL;
    long n;
    while ((n = pb ? next_pb(f, &buf, &cap) : (long)getline(&buf, &cap, f)) > 0) {
        if (otlp_map_export(pb ? OTLP_PROTOBUF : OTLP_JSON, OTLP_TRACES, buf, (size_t)n, &o,
                            sink, &r) != 0) {
            fprintf(stderr, "%s: %s\n", argv[2], r.error);
            return 1;
        }
        spans += r.spans;
        counted += r.counted;
    }
    printf("spans %zu records %zu\n", spans, counted);
    free(buf);
    fclose(f);
    ingest_free(in);
    pricing_free(p);
    store_free(st);
    otlp_json_cleanup();
    return 0;
}
