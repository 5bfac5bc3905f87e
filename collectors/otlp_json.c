/* otlp_json.c - OTLP/JSON decoding into the OTLP data model (see otlp_json.h). */
#include "collectors/otlp_json.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

/* ---- a per-document arena for the cJSON tree ------------------------------
 *
 * A 100-span export line is thousands of cJSON nodes and strings; freeing
 * them one by one (cJSON_Delete) cost as much as parsing them. The tree
 * lives only while its document is decoded, so it is parsed into an arena
 * (through cJSON_InitHooks, for the duration of one parse) and dropped
 * whole. One arena block is kept between documents; larger ones go. */

#define ARENA_BLOCK (1u << 20)

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[];
};

static struct arena_block *arena;

/* cJSON's nodes hold pointers, doubles and ints: 8-byte alignment is all
 * they need (max_align_t's 16 made every string a little larger). */
#define ARENA_ALIGN 8
_Static_assert(_Alignof(double) <= ARENA_ALIGN && _Alignof(void *) <= ARENA_ALIGN &&
               _Alignof(long long) <= ARENA_ALIGN, "cJSON node alignment");

static void *arena_grow(size_t n)
{
    size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    struct arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL; /* cJSON turns this into a parse failure */
    b->next = arena;
    b->used = n;
    b->size = size;
    arena = b;
    return b->data;
}

/* Called for every node and string of every document: the common case is
 * a bump of the current block. */
static void *arena_alloc(size_t n)
{
    struct arena_block *a = arena;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (a && a->size - a->used >= n) {
        void *p = (char *)a->data + a->used;
        a->used += n;
        return p;
    }
    return arena_grow(n);
}

static void arena_free(void *p) { (void)p; }

/* Drop everything but the first (oldest) block, and empty that. */
static void arena_reset(void)
{
    while (arena && arena->next) {
        struct arena_block *b = arena;
        arena = b->next;
        free(b);
    }
    if (arena && arena->size > ARENA_BLOCK) {
        free(arena);
        arena = NULL;
    }
    if (arena)
        arena->used = 0;
}

void otlp_json_cleanup(void)
{
    arena_reset();
    free(arena);
    arena = NULL;
}

/* The document, or NULL. Only whitespace may follow it: `{...}xyz` is not
 * an export, whatever its first part says (*trailing says where). */
static cJSON *parse_in_arena(const char *json, size_t len, const char **trailing)
{
    cJSON_Hooks hooks = {arena_alloc, arena_free};
    cJSON_InitHooks(&hooks);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    cJSON_InitHooks(NULL);
    *trailing = NULL;
    for (; root && end && end < json + len; end++) {
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
            *trailing = end;
            break;
        }
    }
    return root;
}

/* ---- NULs ---------------------------------------------------------------------
 *
 * cJSON decodes the escape \u0000 (and copies a raw NUL byte, which JSON
 * forbids but cJSON lets through) into a NUL inside its C string, where
 * every reader stops: "acme\u0000-evil" would be the tenant "acme". A
 * document that may hold one is parsed from a copy in which each becomes
 * U+FFFD, as the protobuf decoder does with a NUL byte in a string
 * (utf8.h: UTF8_REPLACEMENT), so that no name is cut short into another.
 * Outside strings neither is valid JSON, and stays invalid. */

/* json with every NUL made U+FFFD (utf8_json_nul_free), in the arena
 * (it lives as long as the tree); NULL if out of memory. */
static char *nul_free_copy(const char *json, size_t len, size_t *outlen)
{
    *outlen = utf8_json_nul_free_len(json, len);
    char *out = arena_alloc(*outlen + 1);
    if (out)
        utf8_json_nul_free(json, len, out);
    return out;
}

/* The offset in json of offset at in its copy (raw NULs grew by two). */
static long json_offset(const char *json, size_t len, size_t at)
{
    size_t i = 0, c = 0;
    for (; i < len; i++) {
        size_t w = json[i] == '\0' ? UTF8_REPLACEMENT_LEN : 1;
        if (c + w > at)
            break;
        c += w;
    }
    return (long)i;
}

/* ---- scalars ------------------------------------------------------------------ */

/* s is the literal lit (checking the first byte inline: most names differ
 * there, and this runs for every member of every record). */
static bool is(const char *s, const char *lit)
{
    return s && s[0] == lit[0] && strcmp(s, lit) == 0;
}

/* cJSON's type tests, inline (the library's are calls, and these run for
 * every member of every record). */
static inline bool j_string(const cJSON *x) { return x && (x->type & 0xff) == cJSON_String; }
static inline bool j_number(const cJSON *x) { return x && (x->type & 0xff) == cJSON_Number; }
static inline bool j_array(const cJSON *x) { return x && (x->type & 0xff) == cJSON_Array; }
static inline bool j_object(const cJSON *x) { return x && (x->type & 0xff) == cJSON_Object; }

/* x if it is an array, else NULL (for cJSON_ArrayForEach). */
static const cJSON *array_or_null(const cJSON *x)
{
    return j_array(x) ? x : NULL;
}

static struct otlp_str str_of(const cJSON *x)
{
    struct otlp_str s = {NULL, 0};
    if (j_string(x)) {
        s.p = x->valuestring;
        s.n = strlen(x->valuestring);
    }
    return s;
}

static struct otlp_bytes bytes_of(const cJSON *x, enum otlp_bytes_form form)
{
    struct otlp_str s = str_of(x);
    return (struct otlp_bytes){s.p, s.n, form};
}

/* A decimal uint64 string, without strtoull's sign, space and base
 * handling. Up to 19 digits cannot overflow: only a 20th is checked. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t n = 0;
    const char *p = s, *fast_end = s + 19;
    unsigned d;
    while (p < fast_end && (d = (unsigned)(*p - '0')) < 10) {
        n = n * 10 + d;
        p++;
    }
    if (p == fast_end && (d = (unsigned)(*p - '0')) < 10) {
        if (n > (UINT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
        p++;
    }
    if (p == s || *p)
        return false;
    *out = n;
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    uint64_t u;
    bool neg = *s == '-';
    if (!parse_u64(s + neg, &u) || u > (uint64_t)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* A uint64 (times, counts): a decimal string or a number; 0 otherwise. */
static uint64_t u64_of(const cJSON *x)
{
    uint64_t u = 0;
    if (j_string(x) && parse_u64(x->valuestring, &u))
        return u;
    if (j_number(x) && x->valuedouble >= 0 && x->valuedouble < 18446744073709551616.0)
        return (uint64_t)x->valuedouble;
    return 0;
}

/* A double: a number, or a string ("1.5", "-2e3", "NaN", "Infinity") -
 * never what strtod reads besides (hex "0x10", "inf", spaces). */
static bool double_of(const cJSON *x, double *out)
{
    if (j_number(x)) {
        *out = x->valuedouble;
        return true;
    }
    if (!j_string(x) || !x->valuestring[0])
        return false;
    const char *s = x->valuestring;
    if (s[strspn(s, "0123456789+-.eE")] && strcmp(s, "NaN") != 0 &&
        strcmp(s, "Infinity") != 0 && strcmp(s, "-Infinity") != 0)
        return false;
    char *end;
    *out = strtod(x->valuestring, &end);
    return *end == '\0';
}

/* An int64 as the JSON mapping sends it (a string) or as a number. false
 * for a number that is not an integer in range (*d is then that number). */
static bool int_of(const cJSON *x, int64_t *i, double *d, bool *is_double)
{
    *is_double = false;
    if (j_string(x))
        return parse_i64(x->valuestring, i);
    if (!j_number(x))
        return false;
    double v = x->valuedouble;
    if (v == floor(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
        *i = (int64_t)v;
        return true;
    }
    *d = v;
    *is_double = true;
    return true;
}

/* An enum: its number, or its name's index in names (the JSON mapping
 * says numbers; proto3 JSON allows names). 0 when neither. */
static int32_t enum_of(const cJSON *x, const char *const *names, size_t n)
{
    if (j_number(x))
        return (int32_t)x->valueint;
    for (size_t i = 0; j_string(x) && i < n; i++)
        if (strcmp(x->valuestring, names[i]) == 0)
            return (int32_t)i;
    return 0;
}

static const char *const span_kinds[] = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
static const char *const status_codes[] = {
    "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};
static const char *const temporalities[] = {
    "AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA",
    "AGGREGATION_TEMPORALITY_CUMULATIVE"};

/* SeverityNumber: a number, or SEVERITY_NUMBER_ + TRACE..FATAL + 2..4. */
static int32_t severity_of(const cJSON *x)
{
    static const char *const base[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    if (!j_string(x) || strncmp(x->valuestring, "SEVERITY_NUMBER_", 16) != 0)
        return enum_of(x, NULL, 0);
    const char *s = x->valuestring + 16;
    for (int i = 0; i < 6; i++) {
        size_t n = strlen(base[i]);
        if (strncmp(s, base[i], n) != 0)
            continue;
        if (s[n] == '\0')
            return i * 4 + 1;
        if (s[n] >= '2' && s[n] <= '4' && s[n + 1] == '\0')
            return i * 4 + 1 + (s[n] - '1');
    }
    return 0;
}

/* ---- lists and values ------------------------------------------------------------- */

static bool json_next(struct otlp_iter *it, enum otlp_item kind, void *out);
static const struct otlp_list_ops json_ops = {json_next};

/* A list over the items of array x (empty if x is not an array). */
static struct otlp_list list_of(const cJSON *x)
{
    struct otlp_list l = {0};
    l.ops = &json_ops;
    l.a = j_array(x) ? x->child : NULL;
    return l;
}

/* An AnyValue object: its one member says the type. */
static void value_of(const cJSON *v, struct otlp_value *out)
{
    const cJSON *x = j_object(v) ? v->child : NULL;
    out->type = OTLP_EMPTY;
    if (!x || !x->string)
        return;
    const char *k = x->string;
    if (is(k, "stringValue")) {
        if (j_string(x)) {
            out->type = OTLP_STRING;
            out->u.s = str_of(x);
        }
    } else if (is(k, "intValue")) {
        bool dbl;
        if (int_of(x, &out->u.i, &out->u.d, &dbl))
            out->type = dbl ? OTLP_DOUBLE : OTLP_INT;
    } else if (is(k, "doubleValue")) {
        if (double_of(x, &out->u.d))
            out->type = OTLP_DOUBLE;
    } else if (is(k, "boolValue")) {
        if (cJSON_IsBool(x)) {
            out->type = OTLP_BOOL;
            out->u.b = cJSON_IsTrue(x);
        }
    } else if (is(k, "arrayValue") || is(k, "kvlistValue")) {
        out->type = k[0] == 'a' ? OTLP_ARRAY : OTLP_KVLIST;
        out->u.list = list_of(cJSON_GetObjectItemCaseSensitive(x, "values"));
    } else if (is(k, "bytesValue")) {
        if (j_string(x)) {
            out->type = OTLP_BYTES;
            out->u.bytes = bytes_of(x, OTLP_BASE64);
        }
    }
}

/* A KeyValue object. "key" then "value" is what every exporter writes:
 * look there first. False if it has no string key (skipped). */
static bool kv_of(const cJSON *kv, struct otlp_kv *out)
{
    if (!j_object(kv))
        return false;
    const cJSON *k = kv->child;
    if (!k || !is(k->string, "key"))
        k = cJSON_GetObjectItemCaseSensitive(kv, "key");
    if (!j_string(k))
        return false;
    const cJSON *v = k->next && is(k->next->string, "value")
                         ? k->next : cJSON_GetObjectItemCaseSensitive(kv, "value");
    out->key = str_of(k);
    value_of(v, &out->value);
    return true;
}

static bool event_of(const cJSON *e, struct otlp_event *out)
{
    if (!j_object(e))
        return false;
    memset(out, 0, sizeof *out);
    for (const cJSON *m = e->child; m; m = m->next) {
        if (is(m->string, "timeUnixNano"))
            out->time_ns = u64_of(m);
        else if (is(m->string, "name"))
            out->name = str_of(m);
        else if (is(m->string, "attributes"))
            out->attrs = list_of(m);
    }
    return true;
}

/* Items that are not what the list holds are skipped. */
static bool json_next(struct otlp_iter *it, enum otlp_item kind, void *out)
{
    for (const cJSON *x = it->at; x; x = x->next) {
        it->at = x->next;
        bool ok = kind == OTLP_ITEM_KV ? kv_of(x, out)
                  : kind == OTLP_ITEM_EVENT ? event_of(x, out) : true;
        if (kind == OTLP_ITEM_VALUE)
            value_of(x, out);
        if (ok)
            return true;
    }
    return false;
}

/* ---- records -------------------------------------------------------------------- */

static void span_of(const cJSON *x, struct otlp_span *s)
{
    memset(s, 0, sizeof *s);
    for (const cJSON *m = x->child; m; m = m->next) {
        const char *k = m->string;
        if (is(k, "attributes"))
            s->attrs = list_of(m);
        else if (is(k, "traceId"))
            s->trace_id = bytes_of(m, OTLP_HEX);
        else if (is(k, "spanId"))
            s->span_id = bytes_of(m, OTLP_HEX);
        else if (is(k, "startTimeUnixNano"))
            s->start_ns = u64_of(m);
        else if (is(k, "endTimeUnixNano"))
            s->end_ns = u64_of(m);
        else if (is(k, "name"))
            s->name = str_of(m);
        else if (is(k, "kind"))
            s->kind = enum_of(m, span_kinds, 6);
        else if (is(k, "parentSpanId"))
            s->parent_span_id = bytes_of(m, OTLP_HEX);
        else if (is(k, "status") && j_object(m)) {
            s->status_code = enum_of(cJSON_GetObjectItemCaseSensitive(m, "code"), status_codes, 3);
            s->status_message = str_of(cJSON_GetObjectItemCaseSensitive(m, "message"));
        } else if (is(k, "events"))
            s->events = list_of(m);
        else if (is(k, "traceState"))
            s->trace_state = str_of(m);
        else if (is(k, "flags"))
            s->flags = (uint32_t)u64_of(m);
    }
}

static void log_of(const cJSON *x, struct otlp_log *l)
{
    memset(l, 0, sizeof *l);
    for (const cJSON *m = x->child; m; m = m->next) {
        const char *k = m->string;
        if (is(k, "attributes"))
            l->attrs = list_of(m);
        else if (is(k, "timeUnixNano"))
            l->time_ns = u64_of(m);
        else if (is(k, "observedTimeUnixNano"))
            l->observed_ns = u64_of(m);
        else if (is(k, "severityNumber"))
            l->severity = severity_of(m);
        else if (is(k, "severityText"))
            l->severity_text = str_of(m);
        else if (is(k, "body"))
            value_of(m, &l->body);
        else if (is(k, "eventName"))
            l->event_name = str_of(m);
        else if (is(k, "traceId"))
            l->trace_id = bytes_of(m, OTLP_HEX);
        else if (is(k, "spanId"))
            l->span_id = bytes_of(m, OTLP_HEX);
        else if (is(k, "flags"))
            l->flags = (uint32_t)u64_of(m);
    }
}

static void point_of(const cJSON *x, struct otlp_point *p)
{
    memset(p, 0, sizeof *p);
    for (const cJSON *m = x->child; m; m = m->next) {
        const char *k = m->string;
        bool dbl;
        if (is(k, "attributes"))
            p->attrs = list_of(m);
        else if (is(k, "startTimeUnixNano"))
            p->start_ns = u64_of(m);
        else if (is(k, "timeUnixNano"))
            p->time_ns = u64_of(m);
        else if (is(k, "asInt") && int_of(m, &p->as_int, &p->as_double, &dbl))
            p->number = dbl ? OTLP_NUMBER_DOUBLE : OTLP_NUMBER_INT;
        else if (is(k, "asDouble") && double_of(m, &p->as_double))
            p->number = OTLP_NUMBER_DOUBLE;
        else if (is(k, "count"))
            p->count = u64_of(m);
        else if (is(k, "sum"))
            p->has_sum = double_of(m, &p->sum);
        else if (is(k, "min"))
            p->has_min = double_of(m, &p->min);
        else if (is(k, "max"))
            p->has_max = double_of(m, &p->max);
        else if (is(k, "flags"))
            p->flags = (uint32_t)u64_of(m);
    }
}

/* The data member of a metric: its type, or NONE. */
static enum otlp_metric_type metric_type(const char *k)
{
    static const struct {
        const char *key;
        enum otlp_metric_type type;
    } types[] = {
        {"sum", OTLP_SUM}, {"gauge", OTLP_GAUGE}, {"histogram", OTLP_HISTOGRAM},
        {"exponentialHistogram", OTLP_EXP_HISTOGRAM}, {"summary", OTLP_SUMMARY},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (is(k, types[i].key))
            return types[i].type;
    return OTLP_METRIC_NONE;
}

struct walk {
    const struct otlp_visitor *v;
    const struct otlp_resource *res;
    const struct otlp_scope *scope;
};

static void visit_metric(const struct walk *w, const cJSON *x)
{
    struct otlp_metric m = {0};
    const cJSON *data = NULL;
    for (const cJSON *c = x->child; c; c = c->next) {
        enum otlp_metric_type t = metric_type(c->string);
        if (t != OTLP_METRIC_NONE && j_object(c)) {
            m.type = t; /* a oneof: the last one wins, as in protobuf */
            data = c;
        } else if (is(c->string, "name")) {
            m.name = str_of(c);
        } else if (is(c->string, "unit")) {
            m.unit = str_of(c);
        } else if (is(c->string, "description")) {
            m.description = str_of(c);
        }
    }
    if (data) {
        m.temporality = enum_of(cJSON_GetObjectItemCaseSensitive(data, "aggregationTemporality"),
                                temporalities, 3);
        m.monotonic = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "isMonotonic"));
    }
    const struct otlp_visitor *v = w->v;
    if (v->metric)
        v->metric(v->ctx, w->res, w->scope, &m);
    const cJSON *pts = data ? cJSON_GetObjectItemCaseSensitive(data, "dataPoints") : NULL;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, array_or_null(pts)) {
        if (!j_object(pt)) {
            if (v->invalid)
                v->invalid(v->ctx, OTLP_METRICS, "a data point that is not an object");
            continue;
        }
        struct otlp_point p;
        point_of(pt, &p);
        if (v->point)
            v->point(v->ctx, w->res, w->scope, &m, &p);
    }
}

/* One record x of signal sig. */
static void visit_record(const struct walk *w, enum otlp_signal sig, const cJSON *x)
{
    const struct otlp_visitor *v = w->v;
    static const char *const not_object[] = {
        [OTLP_TRACES] = "a span that is not an object",
        [OTLP_LOGS] = "a log record that is not an object",
        [OTLP_METRICS] = "a metric that is not an object",
    };
    if (!j_object(x)) {
        if (v->invalid)
            v->invalid(v->ctx, sig, not_object[sig]);
        return;
    }
    if (sig == OTLP_TRACES) {
        struct otlp_span s;
        span_of(x, &s);
        if (v->span)
            v->span(v->ctx, w->res, w->scope, &s);
    } else if (sig == OTLP_LOGS) {
        struct otlp_log l;
        log_of(x, &l);
        if (v->log)
            v->log(v->ctx, w->res, w->scope, &l);
    } else {
        visit_metric(w, x);
    }
}

/* The keys of one signal's levels. OTLP before 0.15 (Collectors of 2021
 * and early 2022, and exports they left on disk) named the scope level
 * instrumentationLibrary*: the same records under the old name, read
 * rather than passed over in silence. */
static const struct signal_keys {
    enum otlp_signal sig;
    const char *top, *scopes, *records, *legacy_scopes;
} signals[] = {
    {OTLP_TRACES, "resourceSpans", "scopeSpans", "spans", "instrumentationLibrarySpans"},
    {OTLP_LOGS, "resourceLogs", "scopeLogs", "logRecords", "instrumentationLibraryLogs"},
    {OTLP_METRICS, "resourceMetrics", "scopeMetrics", "metrics",
     "instrumentationLibraryMetrics"},
};

static void visit_scope(struct walk *w, const struct signal_keys *k, const cJSON *ss)
{
    struct otlp_scope scope = {0};
    const cJSON *records = NULL;
    for (const cJSON *m = j_object(ss) ? ss->child : NULL; m; m = m->next) {
        if (is(m->string, k->records)) {
            records = m;
        } else if ((is(m->string, "scope") || is(m->string, "instrumentationLibrary")) &&
                   j_object(m)) {
            scope.name = str_of(cJSON_GetObjectItemCaseSensitive(m, "name"));
            scope.version = str_of(cJSON_GetObjectItemCaseSensitive(m, "version"));
            scope.attrs = list_of(cJSON_GetObjectItemCaseSensitive(m, "attributes"));
        } else if (is(m->string, "schemaUrl")) {
            scope.schema_url = str_of(m);
        }
    }
    w->scope = &scope;
    if (w->v->scope)
        w->v->scope(w->v->ctx, k->sig, w->res, &scope);
    const cJSON *x;
    cJSON_ArrayForEach(x, array_or_null(records))
        visit_record(w, k->sig, x);
    w->scope = NULL;
}

static void visit_signal(const struct otlp_visitor *v, const struct signal_keys *k,
                         const cJSON *top)
{
    const cJSON *rs;
    cJSON_ArrayForEach(rs, top) {
        struct otlp_resource res = {0};
        const cJSON *scopes = NULL;
        for (const cJSON *m = j_object(rs) ? rs->child : NULL; m; m = m->next) {
            if (is(m->string, k->scopes) || (!scopes && is(m->string, k->legacy_scopes)))
                scopes = m;
            else if (is(m->string, "resource") && j_object(m))
                res.attrs = list_of(cJSON_GetObjectItemCaseSensitive(m, "attributes"));
            else if (is(m->string, "schemaUrl"))
                res.schema_url = str_of(m);
        }
        if (v->resource)
            v->resource(v->ctx, k->sig, &res);
        struct walk w = {v, &res, NULL};
        const cJSON *ss;
        cJSON_ArrayForEach(ss, array_or_null(scopes))
            visit_scope(&w, k, ss);
    }
}

/* The signal arrays of root, checked before anything is visited. */
static int find_signals(const cJSON *root, const cJSON *tops[3], char *err, size_t errlen)
{
    bool other = false;
    for (const cJSON *m = root->child; m; m = m->next) {
        for (int i = 0; i < 3; i++)
            if (is(m->string, signals[i].top) && !tops[i])
                tops[i] = m; /* the first of duplicate keys, as cJSON finds */
        if (is(m->string, "resourceProfiles"))
            other = true;
    }
    for (int i = 0; i < 3; i++) {
        if (tops[i] && !j_array(tops[i])) {
            snprintf(err, errlen, "%s is not an array", signals[i].top);
            return -1;
        }
    }
    if (!tops[0] && !tops[1] && !tops[2] && !other && root->child) {
        snprintf(err, errlen, "not OTLP data (no resourceSpans, resourceLogs "
                              "or resourceMetrics)");
        return -1;
    }
    return 0;
}

/* What was parsed: the document, or its copy without NULs (copy set). */
struct parsed {
    const char *json, *copy;
    size_t len, copy_len;
};

/* The offset in the document of at, a pointer into what was parsed. */
static long doc_offset(const struct parsed *d, const char *at)
{
    if (!d->copy)
        return (long)(at - d->json);
    return json_offset(d->json, d->len, (size_t)(at - d->copy));
}

static int visit_tree(const cJSON *root, const struct parsed *d,
                      const struct otlp_visitor *v, char *err, size_t errlen)
{
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        const char *base = d->copy ? d->copy : d->json;
        size_t len = d->copy ? d->copy_len : d->len;
        if (at && at >= base && at <= base + len)
            snprintf(err, errlen, "invalid JSON at byte %ld", doc_offset(d, at));
        else
            snprintf(err, errlen, "invalid JSON");
        return -1;
    }
    if (!j_object(root)) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    const cJSON *tops[3] = {NULL, NULL, NULL};
    if (find_signals(root, tops, err, errlen) != 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (tops[i])
            visit_signal(v, &signals[i], tops[i]);
    return 0;
}

int otlp_json_visit(const char *json, size_t len, const struct otlp_visitor *v,
                    char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    struct parsed d = {json, NULL, len, 0};
    if (utf8_json_has_nul(json, len)) {
        char *copy = nul_free_copy(json, len, &d.copy_len);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            arena_reset();
            return -1;
        }
        d.copy = copy;
    }
    const char *trailing;
    cJSON *root = d.copy ? parse_in_arena(d.copy, d.copy_len, &trailing)
                         : parse_in_arena(json, len, &trailing);
    int rc;
    if (trailing) {
        snprintf(err, errlen, "invalid JSON at byte %ld: data after the document",
                 doc_offset(&d, trailing));
        rc = -1;
    } else {
        rc = visit_tree(root, &d, v, err, errlen);
    }
    arena_reset(); /* the whole tree, in one go */
    return rc;
}
