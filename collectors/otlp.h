/* otlp.h - the OTLP data model, as both decoders hand it to a mapping.
 *
 * OTLP arrives as JSON (otlp_json.h: Collector file-exporter lines and
 * OTLP/HTTP JSON bodies) or protobuf (otlp_pb.h: OTLP/HTTP and gRPC). Both
 * decode into this one form, and one mapping (otlp_map.h) turns it into
 * usage records, so the two encodings cannot disagree.
 *
 * The form is streamed, not built: a decoder walks one export and calls a
 * visitor for each resource, scope and record (span, log record, metric
 * data point) with borrowed views into the input. Nothing is copied or
 * allocated per record, so decoding costs what reading the bytes costs.
 * Every pointer in a callback's arguments, and every list, is valid until
 * the decode call returns: copy what must outlive it.
 *
 * Faithful to the protocol (field meanings: shared/reference/
 * otlp-protobuf-fields.md): ids as bytes, times in nanoseconds, enums as
 * their numbers, attribute values with their type (string, bool, int,
 * double, bytes, array, kvlist), so a mapping decides itself where it is
 * lenient (an integral double as a count) and where strict. What a decoder
 * does not carry: span links, exemplars, histogram buckets, entity refs,
 * metric metadata (all validated in protobuf, skipped in JSON).
 *
 * Lists (attributes, array and kvlist values, span events) are lazy: a
 * list is a handle on the encoded items, decoded one at a time by
 * otlp_next_*. In protobuf a message is validated whole before anything
 * is visited, so iterating its lists cannot fail.
 */
#ifndef SPENDTOP_OTLP_H
#define SPENDTOP_OTLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum otlp_signal {
    OTLP_TRACES = 1,
    OTLP_LOGS = 2,
    OTLP_METRICS = 4,
};

/* A string view: NOT NUL-terminated; p is NULL when the field is absent. */
struct otlp_str {
    const char *p;
    size_t n;
};

/* Bytes as they were sent: raw (protobuf), hex text (JSON ids, as the
 * OTLP JSON mapping says) or base64 text (JSON bytesValue). p is NULL when
 * absent. otlp_bytes_hex gives the same text for the same id either way. */
enum otlp_bytes_form { OTLP_RAW, OTLP_HEX, OTLP_BASE64 };
struct otlp_bytes {
    const char *p;
    size_t n;
    enum otlp_bytes_form form;
};

/* A lazy list; zero-initialised it is empty. Its fields belong to the
 * decoder that made it. */
struct otlp_list_ops;
struct otlp_list {
    const struct otlp_list_ops *ops;
    const void *a, *b;      /* the items, as the decoder encodes them */
    uint32_t field;         /* protobuf: the field number of the items */
    uint32_t depth;         /* protobuf: nesting of the enclosing message */
};

struct otlp_iter {
    struct otlp_list list;
    const void *at;         /* the next item */
};

enum otlp_type {
    OTLP_EMPTY,             /* no value set (valid OTLP), or a JSON value
                               that is not what its key says */
    OTLP_STRING,
    OTLP_BOOL,
    OTLP_INT,
    OTLP_DOUBLE,            /* also a JSON intValue that is not integral */
    OTLP_BYTES,
    OTLP_ARRAY,             /* list of values: otlp_next_value */
    OTLP_KVLIST,            /* list of key-values: otlp_next_kv */
};

struct otlp_value {
    enum otlp_type type;
    union {
        struct otlp_str s;
        bool b;
        int64_t i;
        double d;
        struct otlp_bytes bytes;
        struct otlp_list list;
    } u;
};

struct otlp_kv {
    struct otlp_str key;
    struct otlp_value value;
};

struct otlp_resource {
    struct otlp_list attrs;         /* of otlp_kv */
    struct otlp_str schema_url;
};

struct otlp_scope {
    struct otlp_str name, version;
    struct otlp_list attrs;         /* of otlp_kv */
    struct otlp_str schema_url;
};

struct otlp_event {
    uint64_t time_ns;
    struct otlp_str name;
    struct otlp_list attrs;
};

/* Times are unix nanoseconds; 0 = absent (or, in JSON, not a number). */
struct otlp_span {
    struct otlp_bytes trace_id, span_id, parent_span_id;
    struct otlp_str trace_state, name;
    int32_t kind;                   /* 0 unspecified .. 5 consumer */
    uint64_t start_ns, end_ns;
    struct otlp_list attrs;         /* of otlp_kv */
    struct otlp_list events;        /* of otlp_event */
    int32_t status_code;            /* 0 unset, 1 ok, 2 error */
    struct otlp_str status_message;
    uint32_t flags;
};

struct otlp_log {
    uint64_t time_ns, observed_ns;
    int32_t severity;               /* SeverityNumber: 0, 1 (trace) .. 24 */
    struct otlp_str severity_text;
    struct otlp_value body;
    struct otlp_list attrs;         /* of otlp_kv */
    uint32_t flags;
    struct otlp_bytes trace_id, span_id;
    struct otlp_str event_name;
};

enum otlp_metric_type {
    OTLP_METRIC_NONE,               /* no data: no points follow */
    OTLP_GAUGE,
    OTLP_SUM,
    OTLP_HISTOGRAM,
    OTLP_EXP_HISTOGRAM,
    OTLP_SUMMARY,
};

enum otlp_temporality {
    OTLP_TEMPORALITY_UNSPECIFIED = 0,
    OTLP_DELTA = 1,
    OTLP_CUMULATIVE = 2,
};

struct otlp_metric {
    struct otlp_str name, description, unit;
    enum otlp_metric_type type;
    int32_t temporality;            /* sums and histograms; enum otlp_temporality */
    bool monotonic;                 /* sums */
};

enum otlp_number { OTLP_NUMBER_NONE, OTLP_NUMBER_INT, OTLP_NUMBER_DOUBLE };

/* One data point of any metric type; the fields its type has are set. */
struct otlp_point {
    struct otlp_list attrs;         /* of otlp_kv */
    uint64_t start_ns, time_ns;
    uint32_t flags;                 /* 1: no recorded value */
    enum otlp_number number;        /* gauge, sum */
    int64_t as_int;
    double as_double;
    uint64_t count;                 /* histograms, summary */
    bool has_sum, has_min, has_max;
    double sum, min, max;
};

/* What a decoder calls, in document order. Any callback may be NULL. A
 * resource and a scope are announced before their records, and passed to
 * each record too. */
struct otlp_visitor {
    void *ctx;
    void (*resource)(void *ctx, enum otlp_signal sig, const struct otlp_resource *r);
    void (*scope)(void *ctx, enum otlp_signal sig, const struct otlp_resource *r,
                  const struct otlp_scope *s);
    void (*span)(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                 const struct otlp_span *span);
    void (*log)(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                const struct otlp_log *log);
    /* a metric, then each of its data points */
    void (*metric)(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                   const struct otlp_metric *m);
    void (*point)(void *ctx, const struct otlp_resource *r, const struct otlp_scope *s,
                  const struct otlp_metric *m, const struct otlp_point *p);
    /* JSON only: an item where a record should be that is not one (a span
     * that is not an object); the other records are still visited */
    void (*invalid)(void *ctx, enum otlp_signal sig, const char *why);
};

/* ---- lists ---------------------------------------------------------------- */

/* Start iterating list. */
void otlp_iter_init(struct otlp_iter *it, const struct otlp_list *list);
/* The next item into *out: true, or false at the end. Use the one that
 * matches the list (attributes and kvlists: kv; arrays: value; a span's
 * events: event). */
bool otlp_next_kv(struct otlp_iter *it, struct otlp_kv *out);
bool otlp_next_value(struct otlp_iter *it, struct otlp_value *out);
bool otlp_next_event(struct otlp_iter *it, struct otlp_event *out);

/* What a decoder provides for its lists. */
enum otlp_item { OTLP_ITEM_KV, OTLP_ITEM_VALUE, OTLP_ITEM_EVENT };
struct otlp_list_ops {
    bool (*next)(struct otlp_iter *it, enum otlp_item kind, void *out);
};

/* ---- small helpers --------------------------------------------------------- */

/* s equals the NUL-terminated lit. */
bool otlp_str_eq(struct otlp_str s, const char *lit);

/* A token count sent as text (the n bytes at p): a well-formed unsigned
 * decimal number that is whole and at most 10^12 - "1500", also "1500.0"
 * and "1.5e3", as senders that format their counts as floats write them.
 * Never a sign, a space, hex, "inf" or "nan", nor a fraction ("1500.5"). */
bool otlp_text_count(const char *p, size_t n, int64_t *out);
/* Bytes as lower-case hex into buf, NUL-terminated, cut to len - 1
 * characters: raw and base64 bytes are encoded, the hex text of a JSON id
 * is lower-cased as it is (so the same id gives the same text from either
 * encoding; text that is not hex stays what it was). Returns the length. */
size_t otlp_bytes_hex(const struct otlp_bytes *b, char *buf, size_t len);
/* The bytes themselves (hex and base64 text decoded) into buf, at most len
 * of them, their number in *n. False if the text is not hex or base64. */
bool otlp_bytes_raw(const struct otlp_bytes *b, uint8_t *buf, size_t len, size_t *n);

#endif
