/* otlp_pb.c - OTLP protobuf decoding into the OTLP data model (see otlp_pb.h).
 *
 * Field numbers: shared/reference/otlp-protobuf-fields.md, plus the
 * optional sum/min/max of histogram points (5, 11, 12; exponential: 5, 12,
 * 13) that the reference's list leaves out. Each message is a table of its
 * fields, indexed by field number: what wire type each must have and where
 * its value goes. The same walk runs twice: first validating everything
 * (lists included, at any depth) with no visitor, then visiting, when
 * nothing can fail any more.
 */
#include "collectors/otlp_pb.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pb.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"

struct dec {
    bool validate;                  /* the first pass: check lists deeply */
    const struct otlp_visitor *v;   /* the second pass: NULL in the first */
    const char *what;               /* the message where an error was met */
};

/* Note where the first error was met (the innermost message notices it
 * first), and fail. */
static int bad(struct dec *d, const char *what)
{
    if (!d->what)
        d->what = what;
    return -1;
}

static int keyvalue(struct dec *d, struct pb_reader *r, struct otlp_kv *kv);
static int anyvalue(struct dec *d, struct pb_reader *r, struct otlp_value *v);
static int event(struct dec *d, struct pb_reader *r, struct otlp_event *e);

/* ---- lazy lists ---------------------------------------------------------------- */

static bool pb_list_next(struct otlp_iter *it, enum otlp_item kind, void *out);
static const struct otlp_list_ops pb_ops = {pb_list_next};

/* Items are the fields numbered list.field in [at, list.b) of a message at
 * depth list.depth. The message was validated: nothing here can fail, but
 * everything is still checked (a failure ends the list). */
static bool pb_list_next(struct otlp_iter *it, enum otlp_item kind, void *out)
{
    const uint8_t *at = it->at, *end = it->list.b;
    if (!at || at >= end)
        return false;
    struct pb_error err;
    struct pb_reader r;
    pb_init(&r, at, (size_t)(end - at), PB_MAX_DEPTH, &err);
    r.depth = it->list.depth;
    struct dec d = {false, NULL, NULL};
    struct pb_field f;
    while (pb_next(&r, &f) == 1) {
        if (f.num != it->list.field)
            continue;
        struct pb_reader sub;
        if (!pb_sub(&r, &f, &sub))
            break;
        it->at = r.p;
        int rc = kind == OTLP_ITEM_KV ? keyvalue(&d, &sub, out)
                 : kind == OTLP_ITEM_VALUE ? anyvalue(&d, &sub, out)
                 : event(&d, &sub, out);
        return rc == 0;
    }
    it->at = end;
    return false;
}

/* Occurrence f (of a repeated message field) joins list l: the list spans
 * from its first item's tag to its last item's end, within one message. In
 * the first pass the item is checked whole. */
static int list_add(struct dec *d, struct pb_reader *r, const struct pb_field *f,
                    struct otlp_list *l, enum otlp_item kind)
{
    struct pb_reader sub;
    if (!pb_sub(r, f, &sub))
        return -1;
    if (!l->ops) {
        l->ops = &pb_ops;
        l->a = r->base + f->offset;
        l->field = f->num;
        l->depth = r->depth;
    }
    l->b = f->view.p + f->view.n;
    if (!d->validate)
        return 0;
    union {
        struct otlp_kv kv;
        struct otlp_value v;
        struct otlp_event e;
    } item;
    return kind == OTLP_ITEM_KV ? keyvalue(d, &sub, &item.kv)
           : kind == OTLP_ITEM_VALUE ? anyvalue(d, &sub, &item.v)
           : event(d, &sub, &item.e);
}

/* ---- the hot messages, by hand: KeyValue and AnyValue --------------------------- */

/* Strings that held a NUL byte, copied with each NUL as U+FFFD: names
 * are C strings, and "acme\0-evil" kept would be read as the tenant
 * "acme" (the JSON decoder does the same with \u0000). They live until the
 * export has been visited. */
static char **fixed;
static size_t nfixed, fixed_cap;

static void fixed_free(void)
{
    for (size_t i = 0; i < nfixed; i++)
        free(fixed[i]);
    nfixed = 0;
    free(fixed);
    fixed = NULL;
    fixed_cap = 0;
}

static struct otlp_str without_nul(const char *p, size_t n)
{
    if (nfixed == fixed_cap)
        xgrow((void **)&fixed, &fixed_cap, nfixed + 1, sizeof *fixed);
    char *out = xmalloc(n * UTF8_REPLACEMENT_LEN + 1);
    fixed[nfixed++] = out;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\0') {
            memcpy(out + k, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
            k += UTF8_REPLACEMENT_LEN;
        } else {
            out[k++] = p[i];
        }
    }
    out[k] = '\0';
    return (struct otlp_str){out, k};
}

/* Whether the first pass met a string with a NUL byte: the second pass,
 * which may read a list's strings several times, looks only then. */
static bool nul_in_export;

/* A string field; one with a NUL byte (a protobuf string is bytes and a
 * length, and may hold one) as a copy without it, when visiting. */
static inline struct otlp_str str_of(const struct dec *d, const struct pb_field *f)
{
    struct otlp_str s = {(const char *)f->view.p, f->view.n};
    if (d->validate) {
        if (!nul_in_export && memchr(s.p, '\0', s.n))
            nul_in_export = true;
    } else if (nul_in_export && memchr(s.p, '\0', s.n)) {
        return without_nul(s.p, s.n);
    }
    return s;
}

static int keyvalue(struct dec *d, struct pb_reader *r, struct otlp_kv *kv)
{
    struct pb_field f;
    int n;
    kv->key = (struct otlp_str){"", 0};
    kv->value.type = OTLP_EMPTY;
    while ((n = pb_next(r, &f)) == 1) {
        if (f.num == 1) {
            if (!pb_expect(r, &f, PB_LEN))
                return bad(d, "KeyValue");
            kv->key = str_of(d, &f);
        } else if (f.num == 2) {
            struct pb_reader sub;
            if (!pb_sub(r, &f, &sub) || anyvalue(d, &sub, &kv->value) != 0)
                return bad(d, "KeyValue");
        }
    }
    return n < 0 ? bad(d, "KeyValue") : 0;
}

/* An ArrayValue or KeyValueList in f: a list of its field-1 items. */
static int nested_list(struct dec *d, struct pb_reader *r, const struct pb_field *f,
                       struct otlp_value *v, enum otlp_item kind)
{
    struct pb_reader sub;
    if (!pb_sub(r, f, &sub))
        return -1;
    v->type = kind == OTLP_ITEM_KV ? OTLP_KVLIST : OTLP_ARRAY;
    memset(&v->u.list, 0, sizeof v->u.list); /* empty until an item is seen */
    struct pb_field g;
    int n;
    while ((n = pb_next(&sub, &g)) == 1)
        if (g.num == 1 && list_add(d, &sub, &g, &v->u.list, kind) != 0)
            return -1;
    return n;
}

/* A oneof: the last value field wins. */
static int anyvalue(struct dec *d, struct pb_reader *r, struct otlp_value *v)
{
    static const enum pb_wire wires[9] = {
        [1] = PB_LEN, [2] = PB_VARINT, [3] = PB_VARINT, [4] = PB_I64,
        [5] = PB_LEN, [6] = PB_LEN, [7] = PB_LEN, [8] = PB_VARINT,
    };
    struct pb_field f;
    int n;
    v->type = OTLP_EMPTY;
    while ((n = pb_next(r, &f)) == 1) {
        if (f.num == 0 || f.num > 8)
            continue;
        if (!pb_expect(r, &f, wires[f.num]))
            return bad(d, "AnyValue");
        switch (f.num) {
        case 1: v->type = OTLP_STRING; v->u.s = str_of(d, &f); break;
        case 2: v->type = OTLP_BOOL; v->u.b = f.u != 0; break;
        case 3: v->type = OTLP_INT; v->u.i = pb_int64(f.u); break;
        case 4: v->type = OTLP_DOUBLE; v->u.d = pb_double(f.u); break;
        case 5:
        case 6:
            if (nested_list(d, r, &f, v, f.num == 5 ? OTLP_ITEM_VALUE : OTLP_ITEM_KV) < 0)
                return bad(d, f.num == 5 ? "ArrayValue" : "KeyValueList");
            break;
        case 7:
            v->type = OTLP_BYTES;
            v->u.bytes = (struct otlp_bytes){(const char *)f.view.p, f.view.n, OTLP_RAW};
            break;
        default: v->type = OTLP_EMPTY; break; /* a profiling string index */
        }
    }
    return n < 0 ? bad(d, "AnyValue") : 0;
}

/* ---- every other message, by table --------------------------------------------- */

enum kind {
    K_NONE,         /* not a field of the message: skipped */
    K_SKIP,         /* a field the form does not carry: its wire type checked */
    K_STR,          /* struct otlp_str */
    K_BYTES,        /* struct otlp_bytes (raw) */
    K_U64,          /* uint64_t from a VARINT or I64 */
    K_U32,          /* uint32_t from a VARINT or I32 */
    K_I32,          /* int32_t from a VARINT (enums) */
    K_BOOL,
    K_DOUBLE,       /* double; aux: its has_ flag, if any */
    K_AS_INT,       /* a number point's value: as_int + number */
    K_AS_DOUBLE,
    K_KVS,          /* struct otlp_list of KeyValue */
    K_EVENTS,       /* struct otlp_list of Span.Event */
    K_VALUE,        /* struct otlp_value from an AnyValue */
    K_PACKED,       /* repeated scalars of wire type `wire`, checked */
    K_MSG,          /* a sub-message, decoded by fn into the same struct */
};

struct rule {
    uint8_t kind;
    uint8_t wire;
    uint16_t off, aux;
    int (*fn)(struct dec *d, struct pb_reader *r, void *out);
};

#define R(k, w, T, m) {k, w, offsetof(T, m), 0, NULL}
#define SKIP(w) {K_SKIP, w, 0, 0, NULL}
#define MSG(f) {K_MSG, PB_LEN, 0, 0, f}

static int apply_list(struct dec *d, struct pb_reader *r, const struct pb_field *f,
                      const struct rule *ru, char *o)
{
    enum otlp_item kind = ru->kind == K_KVS ? OTLP_ITEM_KV : OTLP_ITEM_EVENT;
    return list_add(d, r, f, (struct otlp_list *)(o + ru->off), kind);
}

static int apply_packed(struct dec *d, struct pb_reader *r, const struct pb_field *f,
                        const struct rule *ru)
{
    struct pb_packed it;
    uint64_t x;
    int n = 0;
    if (!pb_packed_init(r, f, (enum pb_wire)ru->wire, &it))
        return -1;
    while (d->validate && (n = pb_packed_next(&it, &x)) == 1)
        ;
    return n < 0 ? -1 : 0;
}

/* A sub-message or a value that needs a reader of its own. */
static int apply_sub(struct dec *d, struct pb_reader *r, const struct pb_field *f,
                     const struct rule *ru, char *o)
{
    struct pb_reader sub;
    if (!pb_sub(r, f, &sub))
        return -1;
    if (ru->kind == K_VALUE)
        return anyvalue(d, &sub, (struct otlp_value *)(o + ru->off));
    return ru->fn(d, &sub, o);
}

/* Field f by rule ru into the struct at o. 0, or -1 (the error recorded). */
static int apply(struct dec *d, struct pb_reader *r, const struct pb_field *f,
                 const struct rule *ru, char *o)
{
    /* a packed field may also come unpacked: pb_packed_init checks it */
    if (ru->kind != K_PACKED && !pb_expect(r, f, (enum pb_wire)ru->wire))
        return -1;
    void *p = o + ru->off;
    switch ((enum kind)ru->kind) {
    case K_NONE:
    case K_SKIP: return 0;
    case K_STR: *(struct otlp_str *)p = str_of(d, f); return 0;
    case K_BYTES:
        *(struct otlp_bytes *)p = (struct otlp_bytes){(const char *)f->view.p, f->view.n, OTLP_RAW};
        return 0;
    case K_U64: *(uint64_t *)p = f->u; return 0;
    case K_U32: *(uint32_t *)p = (uint32_t)f->u; return 0;
    case K_I32: *(int32_t *)p = pb_int32(f->u); return 0;
    case K_BOOL: *(bool *)p = f->u != 0; return 0;
    case K_DOUBLE:
        *(double *)p = pb_double(f->u);
        if (ru->aux)
            *(bool *)(o + ru->aux) = true;
        return 0;
    case K_AS_INT:
    case K_AS_DOUBLE: {
        struct otlp_point *pt = (struct otlp_point *)o;
        pt->number = ru->kind == K_AS_INT ? OTLP_NUMBER_INT : OTLP_NUMBER_DOUBLE;
        pt->as_int = pb_int64(f->u);
        pt->as_double = pb_double(f->u);
        return 0;
    }
    case K_KVS:
    case K_EVENTS: return apply_list(d, r, f, ru, o);
    case K_PACKED: return apply_packed(d, r, f, ru);
    case K_VALUE:
    case K_MSG: return apply_sub(d, r, f, ru, o);
    }
    return 0;
}

/* Every field of r by rules[] (n entries, indexed by field number). */
static int fields(struct dec *d, struct pb_reader *r, const struct rule *rules,
                  size_t n, void *out, const char *what)
{
    struct pb_field f;
    int rc;
    while ((rc = pb_next(r, &f)) == 1) {
        if (f.num >= n || rules[f.num].kind == K_NONE)
            continue;
        if (apply(d, r, &f, &rules[f.num], out) != 0)
            return bad(d, what);
    }
    return rc < 0 ? bad(d, what) : 0;
}

#define FIELDS(d, r, rules, out, what) fields(d, r, rules, sizeof rules / sizeof *rules, out, what)

/* ---- resource, scope, span, log record ------------------------------------------ */

static const struct rule resource_rules[] = {
    [1] = R(K_KVS, PB_LEN, struct otlp_resource, attrs),
    [2] = SKIP(PB_VARINT),
    [3] = SKIP(PB_LEN), /* entity refs */
};

static int resource_msg(struct dec *d, struct pb_reader *r, void *out)
{
    struct otlp_resource *res = out;
    memset(&res->attrs, 0, sizeof res->attrs); /* a second one replaces the first */
    return FIELDS(d, r, resource_rules, res, "Resource");
}

static const struct rule scope_rules[] = {
    [1] = R(K_STR, PB_LEN, struct otlp_scope, name),
    [2] = R(K_STR, PB_LEN, struct otlp_scope, version),
    [3] = R(K_KVS, PB_LEN, struct otlp_scope, attrs),
    [4] = SKIP(PB_VARINT),
};

static int scope_msg(struct dec *d, struct pb_reader *r, void *out)
{
    struct otlp_scope *s = out;
    memset(&s->attrs, 0, sizeof s->attrs);
    return FIELDS(d, r, scope_rules, s, "InstrumentationScope");
}

static const struct rule event_rules[] = {
    [1] = R(K_U64, PB_I64, struct otlp_event, time_ns),
    [2] = R(K_STR, PB_LEN, struct otlp_event, name),
    [3] = R(K_KVS, PB_LEN, struct otlp_event, attrs),
    [4] = SKIP(PB_VARINT),
};

static int event(struct dec *d, struct pb_reader *r, struct otlp_event *e)
{
    memset(e, 0, sizeof *e);
    return FIELDS(d, r, event_rules, e, "Span.Event");
}

static const struct rule status_rules[] = {
    [2] = R(K_STR, PB_LEN, struct otlp_span, status_message),
    [3] = R(K_I32, PB_VARINT, struct otlp_span, status_code),
};

static int status_msg(struct dec *d, struct pb_reader *r, void *out)
{
    return FIELDS(d, r, status_rules, out, "Status");
}

static const struct rule span_rules[] = {
    [1] = R(K_BYTES, PB_LEN, struct otlp_span, trace_id),
    [2] = R(K_BYTES, PB_LEN, struct otlp_span, span_id),
    [3] = R(K_STR, PB_LEN, struct otlp_span, trace_state),
    [4] = R(K_BYTES, PB_LEN, struct otlp_span, parent_span_id),
    [5] = R(K_STR, PB_LEN, struct otlp_span, name),
    [6] = R(K_I32, PB_VARINT, struct otlp_span, kind),
    [7] = R(K_U64, PB_I64, struct otlp_span, start_ns),
    [8] = R(K_U64, PB_I64, struct otlp_span, end_ns),
    [9] = R(K_KVS, PB_LEN, struct otlp_span, attrs),
    [10] = SKIP(PB_VARINT),
    [11] = R(K_EVENTS, PB_LEN, struct otlp_span, events),
    [12] = SKIP(PB_VARINT),
    [13] = SKIP(PB_LEN), /* links */
    [14] = SKIP(PB_VARINT),
    [15] = MSG(status_msg),
    [16] = R(K_U32, PB_I32, struct otlp_span, flags),
};

static const struct rule log_rules[] = {
    [1] = R(K_U64, PB_I64, struct otlp_log, time_ns),
    [2] = R(K_I32, PB_VARINT, struct otlp_log, severity),
    [3] = R(K_STR, PB_LEN, struct otlp_log, severity_text),
    [5] = R(K_VALUE, PB_LEN, struct otlp_log, body),
    [6] = R(K_KVS, PB_LEN, struct otlp_log, attrs),
    [7] = SKIP(PB_VARINT),
    [8] = R(K_U32, PB_I32, struct otlp_log, flags),
    [9] = R(K_BYTES, PB_LEN, struct otlp_log, trace_id),
    [10] = R(K_BYTES, PB_LEN, struct otlp_log, span_id),
    [11] = R(K_U64, PB_I64, struct otlp_log, observed_ns),
    [12] = R(K_STR, PB_LEN, struct otlp_log, event_name),
};

/* ---- metrics -------------------------------------------------------------------- */

#define P(k, w, m) R(k, w, struct otlp_point, m)
#define OPT(m, has) {K_DOUBLE, PB_I64, offsetof(struct otlp_point, m), offsetof(struct otlp_point, has), NULL}

static const struct rule number_point_rules[] = {
    [2] = P(K_U64, PB_I64, start_ns),
    [3] = P(K_U64, PB_I64, time_ns),
    [4] = P(K_AS_DOUBLE, PB_I64, as_double),
    [5] = SKIP(PB_LEN), /* exemplars */
    [6] = P(K_AS_INT, PB_I64, as_int),
    [7] = P(K_KVS, PB_LEN, attrs),
    [8] = P(K_U32, PB_VARINT, flags),
};

static const struct rule histogram_point_rules[] = {
    [2] = P(K_U64, PB_I64, start_ns),
    [3] = P(K_U64, PB_I64, time_ns),
    [4] = P(K_U64, PB_I64, count),
    [5] = OPT(sum, has_sum),
    [6] = {K_PACKED, PB_I64, 0, 0, NULL}, /* bucket counts */
    [7] = {K_PACKED, PB_I64, 0, 0, NULL}, /* explicit bounds */
    [8] = SKIP(PB_LEN),
    [9] = P(K_KVS, PB_LEN, attrs),
    [10] = P(K_U32, PB_VARINT, flags),
    [11] = OPT(min, has_min),
    [12] = OPT(max, has_max),
};

static const struct rule buckets_rules[] = {
    [1] = SKIP(PB_VARINT),                 /* offset (sint32) */
    [2] = {K_PACKED, PB_VARINT, 0, 0, NULL}, /* bucket counts */
};

/* Nothing of the buckets is kept (their rules only check), but out is
 * passed on, never NULL: apply() computes out + offset for every field,
 * and NULL + 0 is undefined (clang's UBSan stops on it). */
static int buckets_msg(struct dec *d, struct pb_reader *r, void *out)
{
    return FIELDS(d, r, buckets_rules, out, "ExponentialHistogramDataPoint.Buckets");
}

static const struct rule exp_point_rules[] = {
    [1] = P(K_KVS, PB_LEN, attrs),
    [2] = P(K_U64, PB_I64, start_ns),
    [3] = P(K_U64, PB_I64, time_ns),
    [4] = P(K_U64, PB_I64, count),
    [5] = OPT(sum, has_sum),
    [6] = SKIP(PB_VARINT), /* scale */
    [7] = SKIP(PB_I64),    /* zero count */
    [8] = MSG(buckets_msg),
    [9] = MSG(buckets_msg),
    [10] = P(K_U32, PB_VARINT, flags),
    [11] = SKIP(PB_LEN),
    [12] = OPT(min, has_min),
    [13] = OPT(max, has_max),
    [14] = SKIP(PB_I64),   /* zero threshold */
};

static const struct rule summary_point_rules[] = {
    [2] = P(K_U64, PB_I64, start_ns),
    [3] = P(K_U64, PB_I64, time_ns),
    [4] = P(K_U64, PB_I64, count),
    [5] = OPT(sum, has_sum),
    [6] = SKIP(PB_LEN), /* quantile values */
    [7] = P(K_KVS, PB_LEN, attrs),
    [8] = P(K_U32, PB_VARINT, flags),
};

/* Gauge, Sum, Histogram, ExponentialHistogram, Summary: the fields beside
 * the points (which are read in a second pass, once these are known). */
static const struct rule gauge_rules[] = {[1] = SKIP(PB_LEN)};
static const struct rule sum_rules[] = {
    [1] = SKIP(PB_LEN),
    [2] = R(K_I32, PB_VARINT, struct otlp_metric, temporality),
    [3] = R(K_BOOL, PB_VARINT, struct otlp_metric, monotonic),
};
static const struct rule histogram_rules[] = {
    [1] = SKIP(PB_LEN),
    [2] = R(K_I32, PB_VARINT, struct otlp_metric, temporality),
};

static const struct metric_type {
    uint32_t field;                 /* in Metric */
    const char *name;
    const struct rule *rules, *point_rules;
    size_t nrules, npoint_rules;
} metric_types[] = {
#define T(f, n, r, pr) {f, n, r, pr, sizeof r / sizeof *r, sizeof pr / sizeof *pr}
    [OTLP_GAUGE] = T(5, "Gauge", gauge_rules, number_point_rules),
    [OTLP_SUM] = T(7, "Sum", sum_rules, number_point_rules),
    [OTLP_HISTOGRAM] = T(9, "Histogram", histogram_rules, histogram_point_rules),
    [OTLP_EXP_HISTOGRAM] = T(10, "ExponentialHistogram", histogram_rules, exp_point_rules),
    [OTLP_SUMMARY] = T(11, "Summary", gauge_rules, summary_point_rules),
#undef T
};

/* A Metric as read: the form's part, and where its data is. */
struct metric_msg {
    struct otlp_metric m;
    struct pb_field data;           /* the oneof's field */
    /* read (and checked when validating) through metric_rules' offset;
     * nothing spendtop counts is in it */
    /* cppcheck-suppress unusedStructMember */
    struct otlp_list metadata;
};

static const struct rule metric_rules[] = {
    [1] = R(K_STR, PB_LEN, struct metric_msg, m.name),
    [2] = R(K_STR, PB_LEN, struct metric_msg, m.description),
    [3] = R(K_STR, PB_LEN, struct metric_msg, m.unit),
    [12] = R(K_KVS, PB_LEN, struct metric_msg, metadata),
};

struct scope_ctx {
    const struct otlp_resource *res;
    const struct otlp_scope *scope;
};

/* The points of data (a Gauge, Sum, ... of type t), visited one by one. */
static int metric_points(struct dec *d, struct pb_reader *data, const struct metric_msg *mm,
                         const struct scope_ctx *sc)
{
    const struct metric_type *t = &metric_types[mm->m.type];
    struct pb_field f;
    int n;
    while ((n = pb_next(data, &f)) == 1) {
        if (f.num != 1)
            continue;
        struct pb_reader sub;
        struct otlp_point p;
        memset(&p, 0, sizeof p);
        if (!pb_sub(data, &f, &sub) ||
            fields(d, &sub, t->point_rules, t->npoint_rules, &p, "data point") != 0)
            return bad(d, t->name);
        if (d->v && d->v->point)
            d->v->point(d->v->ctx, sc->res, sc->scope, &mm->m, &p);
    }
    return n < 0 ? bad(d, t->name) : 0;
}

static int metric(struct dec *d, struct pb_reader *r, const struct scope_ctx *sc)
{
    struct metric_msg mm;
    memset(&mm, 0, sizeof mm);
    struct pb_field f;
    int n;
    struct pb_reader again = *r;
    if (FIELDS(d, r, metric_rules, &mm, "Metric") != 0)
        return -1;
    while ((n = pb_next(&again, &f)) == 1) { /* the data oneof: the last one wins */
        for (size_t t = OTLP_GAUGE; t <= OTLP_SUMMARY; t++) {
            if (f.num != metric_types[t].field)
                continue;
            if (!pb_expect(&again, &f, PB_LEN))
                return bad(d, "Metric");
            mm.m.type = (enum otlp_metric_type)t;
            mm.data = f;
        }
    }
    if (n < 0)
        return bad(d, "Metric");
    struct pb_reader data;
    if (mm.m.type != OTLP_METRIC_NONE) {
        const struct metric_type *t = &metric_types[mm.m.type];
        if (!pb_sub(r, &mm.data, &data))
            return bad(d, "Metric");
        struct pb_reader points = data;
        if (fields(d, &data, t->rules, t->nrules, &mm.m, t->name) != 0)
            return -1;
        if (d->v && d->v->metric)
            d->v->metric(d->v->ctx, sc->res, sc->scope, &mm.m);
        return metric_points(d, &points, &mm, sc);
    }
    if (d->v && d->v->metric)
        d->v->metric(d->v->ctx, sc->res, sc->scope, &mm.m);
    return 0;
}

/* ---- the envelope ----------------------------------------------------------------- */

static int record(struct dec *d, struct pb_reader *r, enum otlp_signal sig,
                  const struct scope_ctx *sc)
{
    const struct otlp_visitor *v = d->v;
    if (sig == OTLP_TRACES) {
        struct otlp_span s;
        memset(&s, 0, sizeof s);
        if (FIELDS(d, r, span_rules, &s, "Span") != 0)
            return -1;
        if (v && v->span)
            v->span(v->ctx, sc->res, sc->scope, &s);
    } else if (sig == OTLP_LOGS) {
        struct otlp_log l;
        memset(&l, 0, sizeof l);
        if (FIELDS(d, r, log_rules, &l, "LogRecord") != 0)
            return -1;
        if (v && v->log)
            v->log(v->ctx, sc->res, sc->scope, &l);
    } else {
        return metric(d, r, sc);
    }
    return 0;
}

/* Scope{Spans,Logs,Metrics} and Resource{Spans,Logs,Metrics} share their
 * numbers: 1 the scope or resource, 2 the repeated items, 3 schema_url. */
static const struct rule scope_group_rules[] = {
    [1] = MSG(scope_msg),
    [2] = SKIP(PB_LEN),
    [3] = R(K_STR, PB_LEN, struct otlp_scope, schema_url),
};
static const struct rule resource_group_rules[] = {
    [1] = MSG(resource_msg),
    [2] = SKIP(PB_LEN),
    [3] = R(K_STR, PB_LEN, struct otlp_resource, schema_url),
};

/* The items (field 2) of a group, once its scope or resource (read in a
 * first pass: senders may put it after the items) is known. */
static const char *group_name(enum otlp_signal sig, bool resource_level)
{
    if (sig == OTLP_TRACES)
        return resource_level ? "ResourceSpans" : "ScopeSpans";
    if (sig == OTLP_LOGS)
        return resource_level ? "ResourceLogs" : "ScopeLogs";
    return resource_level ? "ResourceMetrics" : "ScopeMetrics";
}

static int group_items(struct dec *d, struct pb_reader *r, enum otlp_signal sig,
                       struct scope_ctx *sc, bool resource_level)
{
    struct pb_field f;
    int n;
    const char *what = group_name(sig, resource_level);
    while ((n = pb_next(r, &f)) == 1) {
        if (f.num != 2)
            continue;
        struct pb_reader sub;
        if (!pb_sub(r, &f, &sub))
            return bad(d, what);
        if (resource_level) {
            struct otlp_scope scope;
            memset(&scope, 0, sizeof scope);
            struct pb_reader items = sub;
            if (FIELDS(d, &sub, scope_group_rules, &scope, group_name(sig, false)) != 0)
                return -1;
            /* the scope lives for its items only: a context of their own */
            struct scope_ctx inner = {sc->res, &scope};
            if (d->v && d->v->scope)
                d->v->scope(d->v->ctx, sig, sc->res, &scope);
            if (group_items(d, &items, sig, &inner, false) != 0)
                return -1;
        } else if (record(d, &sub, sig, sc) != 0) {
            return -1;
        }
    }
    return n < 0 ? bad(d, what) : 0;
}

static int request(struct dec *d, const void *buf, size_t len, enum otlp_signal sig,
                   struct pb_error *err)
{
    struct pb_reader r;
    pb_init(&r, buf, len, PB_MAX_DEPTH, err);
    struct pb_field f;
    int n;
    while ((n = pb_next(&r, &f)) == 1) {
        if (f.num != 1)
            continue;
        struct pb_reader sub;
        if (!pb_sub(&r, &f, &sub))
            return bad(d, "export request");
        struct otlp_resource res;
        memset(&res, 0, sizeof res);
        struct pb_reader items = sub;
        if (FIELDS(d, &sub, resource_group_rules, &res, group_name(sig, true)) != 0)
            return -1;
        if (d->v && d->v->resource)
            d->v->resource(d->v->ctx, sig, &res);
        struct scope_ctx sc = {&res, NULL};
        if (group_items(d, &items, sig, &sc, true) != 0)
            return -1;
    }
    return n < 0 ? bad(d, "export request") : 0;
}

int otlp_pb_visit(const void *buf, size_t len, enum otlp_signal sig,
                  const struct otlp_visitor *v, char *err, size_t errlen)
{
    struct pb_error pe;
    struct dec d = {true, NULL, NULL};
    if (errlen)
        err[0] = '\0';
    if (sig != OTLP_TRACES && sig != OTLP_LOGS && sig != OTLP_METRICS) {
        snprintf(err, errlen, "protobuf: no such signal");
        return -1;
    }
    nul_in_export = false;
    if (request(&d, buf, len, sig, &pe) != 0) {
        char why[128];
        pb_format_error(&pe, why, sizeof why);
        snprintf(err, errlen, "protobuf: %s in %s", why, d.what ? d.what : "the message");
        return -1;
    }
    d = (struct dec){false, v, NULL};
    int rc = request(&d, buf, len, sig, &pe);
    fixed_free();
    return rc;
}
