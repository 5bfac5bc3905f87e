/* otlp_frame.c - frames of the Collector file exporter's proto format (see
 * otlp_frame.h). Wire types: shared/reference/otlp-protobuf-fields.md.
 */
#include "collectors/otlp_frame.h"

#include <stdio.h>
#include <string.h>

#include "collectors/otlp_pb.h"
#include "lib/pb.h"

enum otlp_file_format otlp_frame_format(unsigned char first)
{
    return first <= 0x01 ? OTLP_FILE_FRAMES : OTLP_FILE_LINES;
}

uint32_t otlp_frame_length(const void *header)
{
    const unsigned char *h = header;
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

bool otlp_frame_compressed(const void *msg, size_t len)
{
    static const unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    return len >= sizeof zstd_magic && memcmp(msg, zstd_magic, sizeof zstd_magic) == 0;
}

/* ---- which record type a record fits ----------------------------------------------- */

#define NO (-1) /* the type has no field of this number */
#define ALL (OTLP_TRACES | OTLP_LOGS | OTLP_METRICS)

/* The wire type of each field number of Span, LogRecord and Metric
 * (numbers above 16 are none's). A Metric's data (5 Gauge, 7 Sum, 9
 * Histogram, 10 ExponentialHistogram, 11 Summary) and 12 metadata are
 * bytes; LogRecord 4 and Metric 4, 6, 8 are reserved: none. */
static const signed char wires[17][3] = {
    /*        Span       LogRecord  Metric */
    [0] = {NO, NO, NO},
    [1] = {PB_LEN, PB_I64, PB_LEN},
    [2] = {PB_LEN, PB_VARINT, PB_LEN},
    [3] = {PB_LEN, PB_LEN, PB_LEN},
    [4] = {PB_LEN, NO, NO},
    [5] = {PB_LEN, PB_LEN, PB_LEN},
    [6] = {PB_VARINT, PB_LEN, NO},
    [7] = {PB_I64, PB_VARINT, PB_LEN},
    [8] = {PB_I64, PB_I32, NO},
    [9] = {PB_LEN, PB_LEN, PB_LEN},
    [10] = {PB_VARINT, PB_LEN, PB_LEN},
    [11] = {PB_LEN, PB_I64, PB_LEN},
    [12] = {PB_VARINT, PB_LEN, PB_LEN},
    [13] = {PB_LEN, NO, NO},
    [14] = {PB_VARINT, NO, NO},
    [15] = {PB_LEN, NO, NO},
    [16] = {PB_I32, NO, NO},
};
static const enum otlp_signal types[3] = {OTLP_TRACES, OTLP_LOGS, OTLP_METRICS};

/* The signals (bits) whose record type the record r fits, or -1 if it is
 * not well-formed protobuf. */
static int record_fits(struct pb_reader *r)
{
    int fits = ALL;
    struct pb_field f;
    int n;
    while ((n = pb_next(r, &f)) == 1) {
        if (f.num >= sizeof wires / sizeof *wires)
            continue;
        for (int t = 0; t < 3; t++)
            if (wires[f.num][t] != NO && wires[f.num][t] != (int)f.wire)
                fits &= ~(int)types[t];
        /* the spec fixes the ids' lengths (an empty one is left out) */
        if (f.wire == PB_LEN && ((f.num == 1 && f.view.n != 16) || (f.num == 2 && f.view.n != 8)))
            fits &= ~OTLP_TRACES;
    }
    return n < 0 ? -1 : fits;
}

/* What the records of a message fit, together. */
struct fit {
    int all;             /* the types every record fits */
    size_t records;
    bool misfit;         /* a record fits no type */
    size_t misfit_at;    /* its offset in the message */
};

/* The group (or request) r, whose field 2 (field 1 for the request) holds
 * its items: scope groups at depth 0, records at depth 1. 0, or -1 for
 * malformed protobuf (in r's error). */
static int walk(struct pb_reader *r, uint32_t items, int depth, struct fit *fit)
{
    struct pb_field f;
    int n;
    while ((n = pb_next(r, &f)) == 1) {
        if (f.num != items)
            continue;
        struct pb_reader sub;
        if (!pb_sub(r, &f, &sub))
            return -1;
        if (depth < 2) {
            if (walk(&sub, 2, depth + 1, fit) != 0)
                return -1;
            continue;
        }
        int fits = record_fits(&sub);
        if (fits < 0)
            return -1;
        if (fits == 0 && !fit->misfit) {
            fit->misfit = true;
            fit->misfit_at = f.offset;
        }
        fit->all &= fits;
        fit->records++;
    }
    return n < 0 ? -1 : 0;
}

/* Of the signals in mask, the one the strict decoder reads msg as, or 0
 * if none or several. */
static enum otlp_signal decodes_as(const void *msg, size_t len, int mask)
{
    enum otlp_signal found = 0;
    char why[200];
    for (int t = 0; t < 3; t++) {
        if (!(mask & (int)types[t]) || otlp_pb_visit(msg, len, types[t], NULL, why, sizeof why) != 0)
            continue;
        if (found)
            return 0;
        found = types[t];
    }
    return found;
}

int otlp_frame_signal(const void *msg, size_t len, enum otlp_signal *sig, char *err,
                      size_t errlen)
{
    struct pb_error pe;
    struct pb_reader r;
    pb_init(&r, msg, len, PB_MAX_DEPTH, &pe);
    struct fit fit = {.all = ALL};
    if (walk(&r, 1, 0, &fit) != 0) {
        char why[128];
        pb_format_error(&pe, why, sizeof why);
        snprintf(err, errlen, "protobuf: %s in the export request", why);
        return -1;
    }
    if (fit.records == 0)
        return 0;
    if (fit.misfit) {
        snprintf(err, errlen, "protobuf: the record at byte %zu is neither a span, a log record "
                 "nor a metric", fit.misfit_at);
        return -1;
    }
    if (fit.all == 0) {
        snprintf(err, errlen, "protobuf: spans, log records and metrics mixed in one request");
        return -1;
    }
    if (fit.all == OTLP_TRACES || fit.all == OTLP_LOGS || fit.all == OTLP_METRICS) {
        *sig = (enum otlp_signal)fit.all;
        return 1;
    }
    *sig = decodes_as(msg, len, fit.all);
    if (*sig)
        return 1;
    snprintf(err, errlen, "protobuf: cannot tell whether the request holds spans, log records "
             "or metrics (its records have no field that only one of them has)");
    return -1;
}
