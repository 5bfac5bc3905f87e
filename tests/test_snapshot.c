/* test_snapshot.c - the --once --json schema (DESIGN.md §7): every key
 * present, in order, with its type; unknown is null; tokens are integers. */
#include "tests/helpers.h"

#include <locale.h>

#include <cJSON.h>

#include "core/snapshot.h"
#include "lib/jsonw.h"
#include "lib/sanitize.h"
#include "lib/utf8.h"

enum kind { NUM, INT, STR, NUM_OR_NULL, STR_OR_NULL, TIME_OR_NULL, OBJ, ARR, BOOL };

struct key {
    const char *name;
    enum kind kind;
};

static void check_object(const cJSON *o, const struct key *keys, size_t n, const char *where)
{
    assert_true(cJSON_IsObject(o));
    const cJSON *item = o->child;
    for (size_t i = 0; i < n; i++, item = item->next) {
        if (!item)
            fail_msg("%s: missing key %s", where, keys[i].name);
        if (strcmp(item->string, keys[i].name) != 0)
            fail_msg("%s: key %zu is %s, expected %s", where, i, item->string, keys[i].name);
        bool ok = false;
        switch (keys[i].kind) {
        case NUM: ok = cJSON_IsNumber(item); break;
        case INT: ok = cJSON_IsNumber(item) && item->valuedouble == (double)(long long)item->valuedouble; break;
        case STR: ok = cJSON_IsString(item); break;
        case NUM_OR_NULL: ok = cJSON_IsNumber(item) || cJSON_IsNull(item); break;
        case STR_OR_NULL: ok = cJSON_IsString(item) || cJSON_IsNull(item); break;
        case TIME_OR_NULL:
            ok = cJSON_IsNull(item) || (cJSON_IsString(item) && strlen(item->valuestring) == 20 &&
                                        item->valuestring[19] == 'Z');
            break;
        case OBJ: ok = cJSON_IsObject(item); break;
        case ARR: ok = cJSON_IsArray(item); break;
        case BOOL: ok = cJSON_IsBool(item); break;
        }
        if (!ok)
            fail_msg("%s.%s has the wrong type", where, keys[i].name);
    }
    if (item)
        fail_msg("%s: unexpected key %s", where, item->string);
}

#define CHECK(o, keys, where) check_object((o), (keys), sizeof(keys) / sizeof *(keys), (where))

static void test_every_key_with_its_type(void **state)
{
    (void)state;
    struct view_tenant tenants[] = {
        {.tenant = "acme", .window_usd = 1.5, .baseline_usd = 1, .ratio = 1.5, .today_usd = 3,
         .burn_usd_per_hour = 1.5, .budget_usd = 10, .budget_used = 0.3, .requests = 4},
        {.tenant = "", .window_usd = 0.5, .baseline_usd = NAN, .ratio = NAN, .today_usd = 0.5,
         .burn_usd_per_hour = 0.5, .budget_usd = NAN, .budget_used = NAN},
    };
    struct view_model models[] = {
        {.provider = "openai", .model = "o3", .window_usd = 2, .requests = 5, .share = 1,
         .baseline_share = NAN},
    };
    struct view_unpriced unpriced[] = {{"openai", "mystery", 3, 3000, 300}};
    struct view_source sources[] = {
        {.name = "spans", .type = "otel_file", .status = "ok", .last_success = 1795176000,
         .records = 12, .coverage = NAN, .drift = NAN},
        {.name = "oa", .type = "openai", .status = "error", .last_error = "HTTP 401: invalid key",
         .coverage = NAN, .drift = 0.02},
    };
    struct view_alert alerts[1] = {{.id = "a1b2", .kind = "spend_anomaly", .state = "firing",
        .severity = "warning", .scope = "tenant:acme", .window = 3600, .value = 3,
        .baseline = 1, .ratio = 3, .threshold = 1.5, .started_at = 1795175000,
        .summary = "acme spend $3.00 in 1h is 3.0x its baseline"}};
    struct view_budget_period budgets[1] = {{.scope = "tenant:acme", .period = "month",
        .limit_usd = 100, .spent_usd = 42, .used = 0.42, .forecast_at = 1795200000}};
    struct view v = {
        .now = 1795176000, .window = 3600,
        .budgets = budgets, .nbudgets = 1,
        .spend = {2, 1, 2, 3, 4, 5, 2, 50, NAN, NAN, 0},
        .cache = {0.5, NAN, 10, 20},
        .reasoning = {NAN, NAN, 0, 20},
        .tenants = tenants, .ntenants = 2,
        .models = models, .nmodels = 1,
        .mix_distance = NAN,
        .unpriced = unpriced, .nunpriced = 1,
        .sources = sources, .nsources = 2,
        .alerts = alerts, .nalerts = 1,
    };
    struct strbuf out = {0};
    snapshot_json(&v, &out);
    cJSON *root = cJSON_Parse(strbuf_str(&out));
    assert_non_null(root);
    static const struct key top[] = {
        {"generated_at", STR}, {"window", STR}, {"spend", OBJ}, {"cache", OBJ},
        {"reasoning", OBJ}, {"tenants", ARR}, {"models", ARR}, {"mix", OBJ},
        {"alerts", ARR}, {"budgets", ARR}, {"unpriced", ARR}, {"sources", ARR},
        {"prices", STR_OR_NULL}, {"folding", OBJ}};
    CHECK(root, top, "snapshot");
    static const struct key spend[] = {
        {"window_usd", NUM_OR_NULL}, {"baseline_usd", NUM_OR_NULL}, {"ratio", NUM_OR_NULL},
        {"today_usd", NUM_OR_NULL}, {"last_24h_usd", NUM_OR_NULL}, {"last_7d_usd", NUM_OR_NULL},
        {"burn_usd_per_hour", NUM_OR_NULL}, {"projected_today_usd", NUM_OR_NULL},
        {"billed_today_usd", NUM_OR_NULL}, {"reported_usd", NUM_OR_NULL},
        {"no_usage", INT}};
    CHECK(cJSON_GetObjectItem(root, "spend"), spend, "spend");
    static const struct key cache[] = {{"hit_rate", NUM_OR_NULL}, {"baseline_hit_rate", NUM_OR_NULL},
                                       {"cache_read_tokens", INT}, {"input_tokens", INT}};
    CHECK(cJSON_GetObjectItem(root, "cache"), cache, "cache");
    static const struct key reasoning[] = {{"ratio", NUM_OR_NULL}, {"baseline_ratio", NUM_OR_NULL},
                                           {"reasoning_tokens", INT}, {"output_tokens", INT}};
    CHECK(cJSON_GetObjectItem(root, "reasoning"), reasoning, "reasoning");
    static const struct key tenant[] = {
        {"tenant", STR}, {"window_usd", NUM_OR_NULL}, {"baseline_usd", NUM_OR_NULL},
        {"ratio", NUM_OR_NULL}, {"today_usd", NUM_OR_NULL}, {"burn_usd_per_hour", NUM_OR_NULL},
        {"budget_usd", NUM_OR_NULL}, {"budget_used", NUM_OR_NULL}};
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "tenants")) CHECK(e, tenant, "tenants[]");
    static const struct key model[] = {
        {"provider", STR}, {"model", STR}, {"window_usd", NUM_OR_NULL}, {"requests", INT},
        {"share", NUM_OR_NULL}, {"baseline_share", NUM_OR_NULL},
        {"requests_unknown", INT}};
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "models")) CHECK(e, model, "models[]");
    static const struct key mix[] = {{"distance", NUM_OR_NULL}};
    CHECK(cJSON_GetObjectItem(root, "mix"), mix, "mix");
    static const struct key alert[] = {
        {"id", STR}, {"kind", STR}, {"state", STR}, {"severity", STR}, {"scope", STR},
        {"window", STR}, {"value", NUM_OR_NULL}, {"baseline", NUM_OR_NULL},
        {"ratio", NUM_OR_NULL}, {"threshold", NUM_OR_NULL}, {"started_at", TIME_OR_NULL},
        {"summary", STR}};
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "alerts")) CHECK(e, alert, "alerts[]");
    static const struct key budget[] = {
        {"scope", STR}, {"period", STR}, {"limit_usd", NUM_OR_NULL},
        {"spent_usd", NUM_OR_NULL}, {"used", NUM_OR_NULL}, {"forecast_at", TIME_OR_NULL}};
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "budgets")) CHECK(e, budget, "budgets[]");
    static const struct key unp[] = {{"provider", STR}, {"model", STR}, {"requests", INT},
                                     {"input_tokens", INT}, {"output_tokens", INT}};
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "unpriced")) CHECK(e, unp, "unpriced[]");
    static const struct key src[] = {
        {"name", STR}, {"type", STR}, {"status", STR}, {"last_success", TIME_OR_NULL},
        {"last_error", STR_OR_NULL}, {"records", INT}, {"rejected", INT},
        {"no_usage", INT}, {"coverage", NUM_OR_NULL},
        {"drift", NUM_OR_NULL}};
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "sources")) CHECK(e, src, "sources[]");
    static const struct key folding[] = {
        {"active", BOOL}, {"series", INT}, {"series_max", INT},
        {"models_per_provider_max", INT}, {"tenant_records", INT}, {"model_records", INT}};
    CHECK(cJSON_GetObjectItem(root, "folding"), folding, "folding");
    /* unknown is null, never 0 */
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "spend"), "billed_today_usd")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "mix"), "distance")));
    const cJSON *s1 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sources"), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(s1, "last_success")));
    assert_string_equal(cJSON_GetObjectItem(s1, "last_error")->valuestring, "HTTP 401: invalid key");
    assert_string_equal(cJSON_GetObjectItem(root, "generated_at")->valuestring, "2026-11-20T12:00:00Z");
    cJSON_Delete(root);
    strbuf_free(&out);
}

static void test_untrusted_names_are_valid_json_and_escaped_in_text(void **state)
{
    (void)state;
    /* U+009B (CSI on some terminals) and U+202E (right-to-left override) */
    struct view_tenant tenants[] = {{.tenant = "evil\x1b[31m\"quote\"\n\xff\xc2\x9b" "2J"
                                               "\xe2\x80\xae" "gnp.exe", .window_usd = 1,
                                     .baseline_usd = NAN, .ratio = NAN, .today_usd = 1,
                                     .budget_usd = NAN, .budget_used = NAN}};
    /* a source's name is the config's, any TOML string */
    struct view_source sources[] = {{.name = "oa\x1b[2J\xe2\x80\x8b", .type = "openai",
                                     .status = "ok", .coverage = NAN, .drift = NAN}};
    struct view v = {.now = 1795176000, .window = 3600, .tenants = tenants, .ntenants = 1,
                     .sources = sources, .nsources = 1, .mix_distance = NAN};
    struct strbuf out = {0};
    snapshot_json(&v, &out);
    cJSON *root = cJSON_Parse(strbuf_str(&out));
    assert_non_null(root);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "tenants"), 0);
    assert_string_equal(cJSON_GetObjectItem(t, "tenant")->valuestring,
                        "evil\x1b[31m\"quote\"\n\xef\xbf\xbd\xc2\x9b" "2J\xe2\x80\xae" "gnp.exe");
    cJSON_Delete(root);
    /* the same text, but the controls escaped in the bytes written */
    assert_null(strstr(strbuf_str(&out), "\xc2\x9b"));
    assert_null(strstr(strbuf_str(&out), "\xe2\x80\xae"));
    assert_non_null(strstr(strbuf_str(&out), "\\u009b2J\\u202egnp.exe"));
    strbuf_reset(&out);
    snapshot_text(&v, &out);
    assert_null(strchr(strbuf_str(&out), '\x1b'));
    assert_non_null(strstr(strbuf_str(&out), "evil\\x1b[31m"));
    assert_null(strstr(strbuf_str(&out), "\xe2\x80\xae"));
    assert_non_null(strstr(strbuf_str(&out), "  oa\\x1b[2J\\u200b "));
    assert_null(strstr(strbuf_str(&out), "\xe2\x80\x8b"));
    strbuf_free(&out);
    /* what the TUI and the tables show of such a name */
    char shown[SANITIZE_MAX];
    sanitize_text("a\xe2\x80\xae" "b\xc2\x9b" "c\xe2\x81\xa6" "d", shown, sizeof shown, 80);
    assert_string_equal(shown, "a\\u202eb\\u009bc\\u2066d");
}

/* Columns a terminal gives s: CJK ideographs 2, other characters 1. */
static int display_cols(const char *s, size_t len)
{
    int cols = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        assert_true(n > 0);
        cols += cp >= 0x4e00 && cp <= 0x9fff ? 2 : 1;
        i += (size_t)n;
    }
    return cols;
}

/* The text tables line up on a terminal whatever the names: padded by the
 * columns a name takes, not its bytes. */
static void test_text_tables_line_up_by_columns(void **state)
{
    (void)state;
    /* what main does (the user's locale, for wcwidth), here a UTF-8 one */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        skip();
    const char *names[] = {"acme", "caf\xc3\xa9", "\xe6\x9d\xb1\xe4\xba\xac"}; /* café, 東京 */
    struct view_tenant tenants[3];
    for (int i = 0; i < 3; i++)
        tenants[i] = (struct view_tenant){.tenant = names[i], .window_usd = 1.5,
                                          .baseline_usd = NAN, .ratio = NAN, .today_usd = 2,
                                          .burn_usd_per_hour = 1, .budget_usd = NAN,
                                          .budget_used = NAN};
    struct view_budget_period budgets[2] = {{.scope = "tenant:acme", .period = "day"},
                                            {.scope = "tenant:\xe6\x9d\xb1\xe4\xba\xac",
                                             .period = "day"}};
    struct view v = {.now = 1795176000, .window = 3600, .tenants = tenants, .ntenants = 3,
                     .budgets = budgets, .nbudgets = 2, .mix_distance = NAN};
    struct strbuf out = {0};
    snapshot_text(&v, &out);
    int width[2] = {-1, -1};
    for (const char *line = strbuf_str(&out); *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int table = strncmp(line, "acme ", 5) == 0 || strncmp(line, names[1], 5) == 0 ||
                    strncmp(line, names[2], 6) == 0 ? 0
                    : strncmp(line, "tenant:", 7) == 0 ? 1 : -1;
        if (table >= 0) {
            int cols = display_cols(line, len);
            if (width[table] < 0)
                width[table] = cols;
            if (cols != width[table])
                fail_msg("'%.*s' is %d columns, its table's lines %d", (int)len, line, cols,
                         width[table]);
        }
        line += len + (end != NULL);
    }
    assert_true(width[0] > 0 && width[1] > 0);
    assert_null(strstr(strbuf_str(&out), "unpriced models in the window"));
    /* usage of unpriced models is said beside the spend, not only below */
    struct view_unpriced unpriced[] = {{.provider = "openai", .model = "mystery-9",
                                        .requests = 3}};
    v.unpriced = unpriced;
    v.nunpriced = 1;
    strbuf_reset(&out);
    snapshot_text(&v, &out);
    const char *spend = strstr(strbuf_str(&out), "Spend      window");
    assert_non_null(spend);
    assert_non_null(strstr(spend, "\n           + 3 requests of unpriced models in the window: "
                                  "their spend is unknown"));
    strbuf_free(&out);
    setlocale(LC_CTYPE, "C");
}

/* The ends of the invisible ranges (utf8_is_invisible), each range as
 * Unicode lists it, and the characters just outside them. */
static const uint32_t ends[][2] = {
    {0x00ad, 0x00ad},   {0x034f, 0x034f},   {0x0600, 0x0605},   {0x061c, 0x061c},
    {0x06dd, 0x06dd},   {0x070f, 0x070f},   {0x0890, 0x0891},   {0x08e2, 0x08e2},
    {0x115f, 0x1160},   {0x17b4, 0x17b5},   {0x180b, 0x180f},   {0x200b, 0x200f},
    {0x202a, 0x202e},   {0x2060, 0x2064},   {0x2065, 0x2065},   {0x2066, 0x206f},
    {0x3164, 0x3164},   {0xfe00, 0xfe0f},   {0xfeff, 0xfeff},   {0xffa0, 0xffa0},
    {0xfff0, 0xfff8},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
    {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0000, 0xe007f},
    {0xe0100, 0xe01ef}, {0xe0fff, 0xe0fff},
};
static const uint32_t visible[] = {0x00ac, 0x00ae, 0x034e, 0x0350, 0x05ff, 0x0606,
                                   0x061b, 0x061d, 0x200a, 0x2010, 0x202f, 0x205f,
                                   0x2070, 0xfdff, 0xfe10, 0xfefe, 0xfffc, 0x1d172,
                                   0x1d17b};

/* "a", the code point, "b": through the sanitizer, and what it shows. */
static int shown_as(uint32_t cp, char *shown, size_t len, int max_cols)
{
    char in[8] = "a";
    int n = utf8_encode(cp, in + 1);
    assert_true(n > 0);
    in[1 + n] = 'b';
    in[2 + n] = '\0';
    return sanitize_text(in, shown, len, max_cols);
}

/* Every invisible character (format characters, zero-width ones, the
 * other default-ignorables) is shown as the escape U+202E gets, as many
 * columns as the escape; its neighbours are shown as themselves. */
static void test_invisible_characters_are_escaped(void **state)
{
    (void)state;
    char shown[SANITIZE_MAX], want[32];
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        for (int e = 0; e < 2; e++) {
            uint32_t cp = ends[i][e];
            int cols = shown_as(cp, shown, sizeof shown, 80);
            if (cp > 0xffff)
                snprintf(want, sizeof want, "a\\U%08xb", (unsigned)cp);
            else
                snprintf(want, sizeof want, "a\\u%04xb", (unsigned)cp);
            if (strcmp(shown, want) != 0)
                fail_msg("U+%04X shown as \"%s\", not \"%s\"", (unsigned)cp, shown, want);
            assert_int_equal(cols, (int)strlen(want));
        }
    }
    /* the characters just outside: shown as they are */
    for (size_t i = 0; i < sizeof visible / sizeof visible[0]; i++) {
        char in[8] = "a";
        int n = utf8_encode(visible[i], in + 1);
        memcpy(in + 1 + n, "b", 2);
        shown_as(visible[i], shown, sizeof shown, 80);
        if (strcmp(shown, in) != 0)
            fail_msg("U+%04X shown as \"%s\"", (unsigned)visible[i], shown);
    }
    /* "ac<U+200B>me" reads "ac\u200bme": ten columns; a budget of nine
     * keeps the escape whole, one of seven cuts before it, not inside it */
    assert_int_equal(sanitize_text("ac\xe2\x80\x8bme", shown, sizeof shown, 10), 10);
    assert_string_equal(shown, "ac\\u200bme");
    assert_int_equal(sanitize_text("ac\xe2\x80\x8bme", shown, sizeof shown, 9), 9);
    assert_string_equal(shown, "ac\\u200b\xe2\x80\xa6");
    assert_int_equal(sanitize_text("ac\xe2\x80\x8bme", shown, sizeof shown, 7), 3);
    assert_string_equal(shown, "ac\xe2\x80\xa6");
    /* a zero-width joiner between two names' letters, in ASCII mode too */
    assert_int_equal(sanitize_text_ex("a\xe2\x80\x8d" "b", shown, sizeof shown, 80, true), 8);
    assert_string_equal(shown, "a\\u200db");
}

/* The snapshot of one tenant named name: its bytes into out, and the
 * name a JSON reader gets back into back. */
static void tenant_json(const char *name, struct strbuf *out, char *back, size_t backlen)
{
    struct view_tenant tenants[] = {{.tenant = name, .window_usd = 1, .baseline_usd = NAN,
                                     .ratio = NAN, .today_usd = 1, .budget_usd = NAN,
                                     .budget_used = NAN}};
    struct view v = {.now = 1795176000, .window = 3600, .tenants = tenants, .ntenants = 1,
                     .mix_distance = NAN};
    strbuf_reset(out);
    snapshot_json(&v, out);
    cJSON *root = cJSON_Parse(strbuf_str(out));
    assert_non_null(root);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "tenants"), 0);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(t, "tenant")));
    snprintf(back, backlen, "%s", cJSON_GetObjectItem(t, "tenant")->valuestring);
    cJSON_Delete(root);
}

/* Every invisible character and every control in a name is written as a
 * JSON escape (a surrogate pair past U+FFFF): no byte of it is in the
 * output, and a JSON reader gets exactly the name back. The characters
 * just outside the invisible ranges are written as they are; a byte that
 * is not UTF-8 is U+FFFD, as before. */
static void test_json_escapes_invisible_characters(void **state)
{
    (void)state;
    static const uint32_t controls[] = {0x0085, 0x009b, 0x061c, 0x200e, 0x2028,
                                        0x2029, 0x202e, 0x2066, 0x2069};
    uint32_t cps[2 * sizeof ends / sizeof ends[0] + sizeof controls / sizeof controls[0]];
    size_t ncps = 0;
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        cps[ncps++] = ends[i][0];
        cps[ncps++] = ends[i][1];
    }
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++)
        cps[ncps++] = controls[i];
    struct strbuf out = {0};
    char name[16], back[64], want[32], raw[8];
    for (size_t i = 0; i < ncps; i++) {
        uint32_t cp = cps[i];
        int n = utf8_encode(cp, raw);
        assert_true(n > 1);
        raw[n] = '\0';
        snprintf(name, sizeof name, "a%sb", raw);
        tenant_json(name, &out, back, sizeof back);
        if (cp > 0xffff)
            snprintf(want, sizeof want, "\"a\\u%04x\\u%04xb\"",
                     (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
                     (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
        else
            snprintf(want, sizeof want, "\"a\\u%04xb\"", (unsigned)cp);
        if (!strstr(strbuf_str(&out), want))
            fail_msg("U+%04X not written as %s", (unsigned)cp, want);
        if (strstr(strbuf_str(&out), raw))
            fail_msg("U+%04X written raw", (unsigned)cp);
        if (strcmp(back, name) != 0)
            fail_msg("U+%04X read back as \"%s\"", (unsigned)cp, back);
    }
    /* U+E0001 LANGUAGE TAG, by hand: 0xe0001 - 0x10000 = 0xd0001,
     * 0xd800 + (0xd0001 >> 10) = 0xdb40, 0xdc00 + (0xd0001 & 0x3ff) = 0xdc01 */
    tenant_json("ac\xf3\xa0\x80\x81me", &out, back, sizeof back);
    assert_non_null(strstr(strbuf_str(&out), "\"ac\\udb40\\udc01me\""));
    assert_string_equal(back, "ac\xf3\xa0\x80\x81me");
    for (size_t i = 0; i < sizeof visible / sizeof visible[0]; i++) {
        int n = utf8_encode(visible[i], raw);
        raw[n] = '\0';
        snprintf(name, sizeof name, "a%sb", raw);
        snprintf(want, sizeof want, "\"%s\"", name);
        tenant_json(name, &out, back, sizeof back);
        if (!strstr(strbuf_str(&out), want))
            fail_msg("U+%04X not written as itself", (unsigned)visible[i]);
    }
    /* invalid UTF-8: each byte that does not decode is U+FFFD (a truncated
     * three-byte sequence is two of them), the rest as it is */
    tenant_json("a\xe2\x80" "b\xff", &out, back, sizeof back);
    assert_non_null(strstr(strbuf_str(&out), "\"a\\ufffd\\ufffdb\\ufffd\""));
    assert_string_equal(back, "a" UTF8_REPLACEMENT UTF8_REPLACEMENT "b" UTF8_REPLACEMENT);
    strbuf_free(&out);
}

/* The text snapshot's sources line up (type column wide enough for
 * "price_table"), and the stale price table's line says its age and what
 * to do, not "records 0" of a table that counts none. */
static void test_text_sources_line_up_and_the_price_flag_says_its_age(void **state)
{
    (void)state;
    struct view_source sources[2] = {
        {.name = "spans", .type = "otel_file", .status = "ok", .last_success = 1795176000,
         .records = 12, .coverage = NAN, .drift = NAN},
        {.name = "prices", .type = "price_table", .status = "stale",
         .last_success = 1784851200,
         .last_error = "the price table (compiled-in) is 131 days old, from 2026-07-24: "
                       "spendtop prices update",
         .coverage = NAN, .drift = NAN},
    };
    struct view v = {.now = 1795176000, .window = 3600, .sources = sources, .nsources = 2,
                     .mix_distance = NAN};
    struct strbuf out = {0};
    snapshot_text(&v, &out);
    const char *a = strstr(strbuf_str(&out), "  spans            otel_file   ok       records 12,");
    const char *b = strstr(strbuf_str(&out), "  prices           price_table stale    the price "
                                              "table (compiled-in) is 131 days old, from "
                                              "2026-07-24: spendtop prices update\n");
    if (!a || !b)
        fail_msg("sources:\n%s", strbuf_str(&out));
    strbuf_free(&out);
}

/* Money and ratios are written with the fewest digits that read back as
 * the same double (hooks get them in SPENDTOP_ALERT_VALUE: 2/9 was
 * 0.22222222222222221). */
static void test_doubles_take_the_fewest_digits_that_read_back(void **state)
{
    (void)state;
    char buf[32];
    jsonw_format_double(buf, 2.0 / 9);
    assert_string_equal(buf, "0.2222222222222222");
    jsonw_format_double(buf, 0.1);
    assert_string_equal(buf, "0.1");
    jsonw_format_double(buf, 0.1 + 0.2);
    assert_string_equal(buf, "0.30000000000000004");
    jsonw_format_double(buf, NAN);
    assert_string_equal(buf, "null");
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v) || v == 0)
            continue;
        jsonw_format_double(buf, v);
        assert_true(strtod(buf, NULL) == v);
        int digits = 0; /* significant digits written (from the first not 0) */
        for (const char *c = buf; *c && *c != 'e'; c++)
            digits += (*c >= '1' && *c <= '9') || (*c == '0' && digits > 0);
        char shorter[400];
        snprintf(shorter, sizeof shorter, "%.*g", digits - 1, v);
        if (digits > 15 && strtod(shorter, NULL) == v)
            fail_msg("%s: %s reads back too", buf, shorter);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_with_its_type),
        cmocka_unit_test(test_untrusted_names_are_valid_json_and_escaped_in_text),
        cmocka_unit_test(test_text_tables_line_up_by_columns),
        cmocka_unit_test(test_invisible_characters_are_escaped),
        cmocka_unit_test(test_json_escapes_invisible_characters),
        cmocka_unit_test(test_text_sources_line_up_and_the_price_flag_says_its_age),
        cmocka_unit_test(test_doubles_take_the_fewest_digits_that_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
