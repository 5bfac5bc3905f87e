/* pricing.c - price table, model matching, cost (see pricing.h). */
#include "pricing/pricing.h"

#include <cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/xalloc.h"

/* Long-context tiers: rates for a request whose input exceeds threshold. */
#define MAX_TIERS 4

enum field {
    F_INPUT, F_OUTPUT, F_CACHE_READ, F_CACHE_WRITE_5M, F_CACHE_WRITE_1H,
    F_REASONING, F_INPUT_BATCH, F_OUTPUT_BATCH, F_COUNT,
};

/* Fields that long-context tiers can change. */
enum tier_field { TF_INPUT, TF_OUTPUT, TF_CACHE_READ, TF_CACHE_WRITE_5M,
                  TF_CACHE_WRITE_1H, TF_COUNT };

/* Service tiers with prices of their own, after standard (pricing_tokens'
 * service): the table's keys end in these. */
#define SERVICES 2
static const char *const service_suffix[SERVICES] = {"_priority", "_flex"};

struct tier {
    long threshold;          /* tokens; applies when input > threshold */
    double rate[TF_COUNT];   /* NAN = not given */
    double svc[SERVICES][TF_COUNT];
};

struct price {
    double rate[F_COUNT];    /* USD per token; NAN = not given */
    double svc[SERVICES][F_COUNT]; /* priority, flex (batch fields unused) */
    struct tier tiers[MAX_TIERS];
    int ntiers;
};

struct pricing {
    struct hmap entries;     /* table key -> struct price */
    struct hmap discounts;   /* provider -> double* */
    struct hmap aliases;     /* reported id -> char* table key */
    struct hmap memo;        /* "provider\x1fmodel" -> struct match */
    char origin[48];         /* the table: "default <date>" or "table <hash>" */
    int overrides;           /* fields, aliases and discounts configured */
    uint64_t fp;             /* pricing_fingerprint: every change, folded */
};

/* How pricing_cost prices tokens: a change of that code changes what a
 * table's fingerprint stands for. Bump it with any such change. */
#define PRICING_COST_REVISION 1

/* Fold one change (its kind, its arguments, each ended by a NUL) into
 * p's fingerprint. */
static void fold(struct pricing *p, const char *kind, const char *a, const char *b,
                 const void *bytes, size_t n)
{
    const char *parts[] = {kind, a ? a : "", b ? b : ""};
    for (int i = 0; i < 3; i++) {
        const unsigned char *c = (const unsigned char *)parts[i];
        do {
            p->fp = (p->fp ^ *c) * 0x100000001b3u; /* FNV-1a, 64 bits */
        } while (*c++);
    }
    for (size_t i = 0; i < n; i++)
        p->fp = (p->fp ^ ((const unsigned char *)bytes)[i]) * 0x100000001b3u;
}

/* The LiteLLM file pricing/default_prices.json was derived from (DESIGN.md §4). */
#define PRICING_DEFAULT_DATE "2026-07-24"

/* A memoised look-up result: the same few ids repeat millions of times. */
struct match {
    const struct price *price;
    const char *name;
};

static const struct {
    const char *key;
    enum field f;
} base_fields[] = {
    {"input_cost_per_token", F_INPUT},
    {"output_cost_per_token", F_OUTPUT},
    {"cache_read_input_token_cost", F_CACHE_READ},
    {"cache_creation_input_token_cost", F_CACHE_WRITE_5M},
    {"cache_creation_input_token_cost_above_1hr", F_CACHE_WRITE_1H},
    {"output_cost_per_reasoning_token", F_REASONING},
    {"input_cost_per_token_batches", F_INPUT_BATCH},
    {"output_cost_per_token_batches", F_OUTPUT_BATCH},
};

/* Tiered keys are "<prefix>_above_<N>k_tokens". */
static const struct {
    const char *prefix;
    enum tier_field f;
} tier_fields[] = {
    {"input_cost_per_token", TF_INPUT},
    {"output_cost_per_token", TF_OUTPUT},
    {"cache_read_input_token_cost", TF_CACHE_READ},
    {"cache_creation_input_token_cost_above_1hr", TF_CACHE_WRITE_1H},
    {"cache_creation_input_token_cost", TF_CACHE_WRITE_5M},
};

static void price_init(struct price *pr)
{
    for (int i = 0; i < F_COUNT; i++) {
        pr->rate[i] = NAN;
        for (int v = 0; v < SERVICES; v++)
            pr->svc[v][i] = NAN;
    }
    pr->ntiers = 0;
}

/* Parse "_above_<N>k_tokens" at s; returns N*1000 or -1. */
static long tier_suffix(const char *s)
{
    if (strncmp(s, "_above_", 7) != 0)
        return -1;
    s += 7;
    if (!isdigit((unsigned char)*s))
        return -1;
    long n = 0;
    while (isdigit((unsigned char)*s) && n < 100000000)
        n = n * 10 + (*s++ - '0');
    if (strcmp(s, "k_tokens") != 0)
        return -1;
    return n * 1000;
}

static struct tier *tier_for(struct price *pr, long threshold)
{
    for (int i = 0; i < pr->ntiers; i++)
        if (pr->tiers[i].threshold == threshold)
            return &pr->tiers[i];
    if (pr->ntiers == MAX_TIERS)
        return NULL;
    /* keep tiers sorted by threshold */
    int at = pr->ntiers;
    while (at > 0 && pr->tiers[at - 1].threshold > threshold) {
        pr->tiers[at] = pr->tiers[at - 1];
        at--;
    }
    struct tier *t = &pr->tiers[at];
    t->threshold = threshold;
    for (int i = 0; i < TF_COUNT; i++) {
        t->rate[i] = NAN;
        for (int v = 0; v < SERVICES; v++)
            t->svc[v][i] = NAN;
    }
    pr->ntiers++;
    return t;
}

/* Set one LiteLLM field of service sv (0 standard, else 1 + its index in
 * service_suffix, the suffix already cut from key). */
static bool price_set_in(struct price *pr, const char *key, int sv, double v)
{
    for (size_t i = 0; i < sizeof base_fields / sizeof *base_fields; i++) {
        if (strcmp(key, base_fields[i].key) == 0) {
            enum field f = base_fields[i].f;
            if (sv && f >= F_INPUT_BATCH)
                return false; /* no batch price of a service tier */
            *(sv ? &pr->svc[sv - 1][f] : &pr->rate[f]) = v;
            return true;
        }
    }
    for (size_t i = 0; i < sizeof tier_fields / sizeof *tier_fields; i++) {
        size_t n = strlen(tier_fields[i].prefix);
        if (strncmp(key, tier_fields[i].prefix, n) != 0)
            continue;
        long th = tier_suffix(key + n);
        if (th < 0)
            continue;
        struct tier *t = tier_for(pr, th);
        if (!t)
            return false;
        *(sv ? &t->svc[sv - 1][tier_fields[i].f] : &t->rate[tier_fields[i].f]) = v;
        return true;
    }
    return false;
}

/* Set one LiteLLM field on an entry ("..._priority" and "..._flex" for
 * those service tiers). False if it is not a price field. */
static bool price_set(struct price *pr, const char *key, double v)
{
    size_t n = strlen(key);
    for (int sv = 0; sv < SERVICES; sv++) {
        size_t k = strlen(service_suffix[sv]);
        if (n > k && n < 128 && strcmp(key + n - k, service_suffix[sv]) == 0) {
            char base[128];
            memcpy(base, key, n - k);
            base[n - k] = '\0';
            return price_set_in(pr, base, sv + 1, v);
        }
    }
    return price_set_in(pr, key, 0, v);
}

bool pricing_is_price_field(const char *field)
{
    struct price scratch;
    price_init(&scratch);
    return price_set(&scratch, field, 0);
}

struct pricing *pricing_new(void)
{
    struct pricing *p = xcalloc(1, sizeof(struct pricing));
    p->fp = 0xcbf29ce484222325u ^ PRICING_COST_REVISION;
    return p;
}

uint64_t pricing_fingerprint(const struct pricing *p) { return p->fp; }

static void free_memo(struct pricing *p)
{
    hmap_free(&p->memo, free);
}

void pricing_clear(struct pricing *p)
{
    hmap_free(&p->entries, free);
    free_memo(p);
    fold(p, "clear", NULL, NULL, NULL, 0);
}

void pricing_free(struct pricing *p)
{
    if (!p)
        return;
    pricing_clear(p);
    hmap_free(&p->discounts, free);
    hmap_free(&p->aliases, free);
    free(p);
}

static struct price *entry_for(struct pricing *p, const char *model)
{
    void **slot = hmap_put(&p->entries, model, strlen(model));
    if (!*slot) {
        struct price *pr = xmalloc(sizeof *pr);
        price_init(pr);
        *slot = pr;
    }
    return *slot;
}

/* LiteLLM writes numbers, and tolerates numeric strings: so do we. */
static bool json_number(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (*end == '\0') {
            *out = d;
            return true;
        }
    }
    return false;
}

int pricing_load_json(struct pricing *p, const char *json, size_t len,
                      char *err, size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= json && at <= json + len ? (long)(at - json) : -1;
        if (off >= 0)
            snprintf(err, errlen, "not a LiteLLM price table: invalid JSON near byte %ld", off);
        else
            snprintf(err, errlen, "not a LiteLLM price table: expected a JSON object");
        cJSON_Delete(root);
        return -1;
    }
    uint64_t text = hmap_hash(json, len);
    fold(p, "json", NULL, NULL, &text, sizeof text);
    int n = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, root) {
        if (!cJSON_IsObject(entry) || strcmp(entry->string, "sample_spec") == 0)
            continue;
        struct price *pr = entry_for(p, entry->string);
        price_init(pr);
        const cJSON *f;
        cJSON_ArrayForEach(f, entry) {
            double v;
            if (json_number(f, &v) && v >= 0)
                price_set(pr, f->string, v);
        }
        n++;
    }
    cJSON_Delete(root);
    free_memo(p);
    snprintf(p->origin, sizeof p->origin, "table %08llx",
             (unsigned long long)(text & 0xffffffffu));
    return n;
}

extern const char pricing_default_json[];
extern const unsigned long pricing_default_json_len;

int pricing_load_default(struct pricing *p, char *err, size_t errlen)
{
    int n = pricing_load_json(p, pricing_default_json,
                              (size_t)pricing_default_json_len, err, errlen);
    snprintf(p->origin, sizeof p->origin, "default %s", PRICING_DEFAULT_DATE);
    return n;
}

void pricing_describe(const struct pricing *p, char *buf, size_t len)
{
    snprintf(buf, len, "%s, %d override%s", p->origin[0] ? p->origin : "none", p->overrides,
             p->overrides == 1 ? "" : "s");
}

bool pricing_override(struct pricing *p, const char *model, const char *field,
                      double value)
{
    if (!pricing_is_price_field(field))
        return false;
    price_set(entry_for(p, model), field, value);
    free_memo(p);
    fold(p, "override", model, field, &value, sizeof value);
    p->overrides++;
    return true;
}

void pricing_set_discount(struct pricing *p, const char *provider,
                          double fraction)
{
    void **slot = hmap_put(&p->discounts, provider, strlen(provider));
    if (!*slot)
        *slot = xmalloc(sizeof(double));
    *(double *)*slot = fraction;
    fold(p, "discount", provider, NULL, &fraction, sizeof fraction);
    p->overrides++;
}

void pricing_add_alias(struct pricing *p, const char *reported,
                       const char *table_key)
{
    void **slot = hmap_put(&p->aliases, reported, strlen(reported));
    free(*slot);
    *slot = xstrdup(table_key);
    free_memo(p);
    fold(p, "alias", reported, table_key, NULL, 0);
    p->overrides++;
}

/* ---- matching -------------------------------------------------------------- */

/* LiteLLM's key prefix for an OpenTelemetry provider name. */
static const char *litellm_prefix(const char *provider)
{
    static const struct {
        const char *otel, *prefix;
    } map[] = {
        {"openai", "openai"},         {"anthropic", "anthropic"},
        {"gcp.gemini", "gemini"},     {"gcp.vertex_ai", "vertex_ai"},
        {"gcp.gen_ai", "gemini"},     {"x_ai", "xai"},
        {"xai", "xai"},               {"deepseek", "deepseek"},
        {"aws.bedrock", "bedrock"},   {"azure.ai.openai", "azure"},
        {"azure.ai.inference", "azure_ai"},
        {"mistral_ai", "mistral"},    {"groq", "groq"},
        {"cohere", "cohere"},         {"perplexity", "perplexity"},
        {"moonshot_ai", "moonshot"},  {"ibm.watsonx.ai", "watsonx"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(provider, map[i].otel) == 0)
            return map[i].prefix;
    return provider;
}

/* Length of id without a trailing date: "-YYYY-MM-DD", "-YYYYMMDD" (also
 * with '@', Vertex style). Returns len unchanged if there is none. */
static size_t strip_date(const char *id, size_t len)
{
    static const char *shapes[] = {"-dddd-dd-dd", "-dddddddd", "@dddddddd"};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        size_t n = strlen(shapes[s]);
        if (len <= n)
            continue;
        const char *tail = id + len - n;
        bool ok = true;
        for (size_t i = 0; i < n && ok; i++)
            ok = shapes[s][i] == 'd' ? isdigit((unsigned char)tail[i])
                                     : tail[i] == shapes[s][i];
        if (ok && (tail[1] == '1' || tail[1] == '2'))  /* a year 1xxx/2xxx */
            return len - n;
    }
    return len;
}

/* Exact, then provider-prefixed. Sets *key to the stored table key. */
static const struct price *find_entry(const struct pricing *p,
                                      const char *provider, const char *id,
                                      size_t len, const char **key)
{
    const char *k = hmap_key(&p->entries, id, len);
    if (k) {
        *key = k;
        return hmap_get(&p->entries, id, len);
    }
    if (provider && *provider) {
        char buf[512];
        int n = snprintf(buf, sizeof buf, "%s/%.*s", litellm_prefix(provider),
                         (int)len, id);
        if (n > 0 && (size_t)n < sizeof buf) {
            k = hmap_key(&p->entries, buf, (size_t)n);
            if (k) {
                *key = k;
                return hmap_get(&p->entries, buf, (size_t)n);
            }
        }
    }
    return NULL;
}

const char *const pricing_rule_names[] = {
    "unmatched", "exact", "provider-prefixed", "date-stripped", "alias", NULL,
};

/* The matching order (pricing.h) on id's first len bytes: the entry, its
 * table key and the rule that found it. */
static const struct price *match_entry(const struct pricing *p, const char *provider,
                                       const char *id, size_t len, const char **key,
                                       enum pricing_rule *rule)
{
    *key = NULL;
    *rule = PRICING_UNMATCHED;
    const struct price *pr = find_entry(p, provider, id, len, key);
    if (pr) {
        *rule = strlen(*key) == len ? PRICING_EXACT : PRICING_PREFIXED;
        return pr;
    }
    size_t stripped = strip_date(id, len);
    if (stripped != len && (pr = find_entry(p, provider, id, stripped, key))) {
        *rule = PRICING_DATE_STRIPPED;
        return pr;
    }
    const char *target = hmap_get(&p->aliases, id, len);
    if (target && (pr = find_entry(p, provider, target, strlen(target), key))) {
        *rule = PRICING_ALIAS;
        return pr;
    }
    *key = NULL;
    return NULL;
}

bool pricing_priced(const struct price *pr)
{
    return pr && !isnan(pr->rate[F_INPUT]) && !isnan(pr->rate[F_OUTPUT]);
}

const struct price *pricing_explain(const struct pricing *p, const char *provider,
                                    const char *model, enum pricing_rule *rule,
                                    const char **key)
{
    return match_entry(p, provider, model, strlen(model), key, rule);
}

void pricing_each_field(const struct price *pr,
                        void (*fn)(void *ctx, const char *field, double usd_per_token),
                        void *ctx)
{
    for (size_t i = 0; i < sizeof base_fields / sizeof *base_fields; i++)
        if (!isnan(pr->rate[base_fields[i].f]))
            fn(ctx, base_fields[i].key, pr->rate[base_fields[i].f]);
    for (int t = 0; t < pr->ntiers; t++)
        for (size_t i = 0; i < sizeof tier_fields / sizeof *tier_fields; i++) {
            double v = pr->tiers[t].rate[tier_fields[i].f];
            if (isnan(v))
                continue;
            char name[128];
            snprintf(name, sizeof name, "%s_above_%ldk_tokens", tier_fields[i].prefix,
                     pr->tiers[t].threshold / 1000);
            fn(ctx, name, v);
        }
}

void pricing_each_entry(const struct pricing *p,
                        void (*fn)(void *ctx, const char *key, const struct price *pr),
                        void *ctx)
{
    for (size_t i = 0; i < p->entries.cap; i++)
        if (p->entries.slots[i].key)
            fn(ctx, p->entries.slots[i].key, p->entries.slots[i].val);
}

double pricing_discount(const struct pricing *p, const char *provider)
{
    const double *d = provider ? hmap_get(&p->discounts, provider, strlen(provider)) : NULL;
    return d ? *d : 0;
}

/* The entry for model (its first len bytes) by the rules of pricing.h;
 * *key the entry's own name (without the provider prefix matching may
 * have added). NULL when unpriced. */
static const struct price *match(struct pricing *p, const char *provider, const char *model,
                                 size_t len, const char **key)
{
    enum pricing_rule rule;
    const struct price *pr = match_entry(p, provider, model, len, key, &rule);
    /* An entry without token prices (an image model, say) prices nothing. */
    if (!pricing_priced(pr))
        return NULL;
    /* Records carry the entry's own name, without the provider prefix
     * that matching may have added. */
    const char *slash = strchr(*key, '/');
    const char *pfx = provider ? litellm_prefix(provider) : "";
    if (slash && strncmp(*key, pfx, (size_t)(slash - *key)) == 0 &&
        strlen(pfx) == (size_t)(slash - *key))
        *key = slash + 1;
    return pr;
}

const struct price *pricing_lookup(struct pricing *p, const char *provider,
                                   const char *model, const char **name)
{
    /* memo key "provider\0model", built without printf: this runs per span */
    char mk[2 * 256 + 2];
    size_t pl = provider ? strnlen(provider, 255) : 0, ml = strnlen(model, 255);
    if (pl)
        memcpy(mk, provider, pl);
    mk[pl] = '\0';
    memcpy(mk + pl + 1, model, ml);
    int mn = (int)(pl + 1 + ml);
    mk[mn] = '\0';
    struct match *m = hmap_get(&p->memo, mk, (size_t)mn);
    if (m) {
        *name = m->name;
        return m->price;
    }
    const char *key = NULL;
    const struct price *pr = match(p, provider, model, ml, &key);
    /* Ids come from untrusted spans: past PRICING_MEMO_MAX a new one is
     * looked up each time, never remembered (memory stays bounded). */
    bool memo = p->memo.count < PRICING_MEMO_MAX;
    if (memo) {
        m = xcalloc(1, sizeof *m);
        *hmap_put(&p->memo, mk, (size_t)mn) = m;
        m->price = pr;
        /* unpriced: keep the reported id (the memo key owns a copy) */
        m->name = pr ? key : hmap_key(&p->memo, mk, (size_t)mn) + (mn - (int)ml);
        *name = m->name;
    } else {
        *name = pr ? key : model;
    }
    return pr;
}

/* ---- cost ------------------------------------------------------------------------ */

/* The entry's rates for service sv (0 standard): the service's own where
 * it has them (only if it prices input and output at all), else the
 * standard ones, marked in fell[] where a standard rate stands in. */
static void service_rates(const struct price *pr, int sv, double r[F_COUNT], bool fell[F_COUNT])
{
    memcpy(r, pr->rate, sizeof pr->rate);
    if (!sv)
        return;
    const double *own = pr->svc[sv - 1];
    bool priced = !isnan(own[F_INPUT]) && !isnan(own[F_OUTPUT]);
    for (int f = F_INPUT; f <= F_REASONING; f++) {
        if (priced && !isnan(own[f]))
            r[f] = own[f];
        else
            fell[f] = f <= F_OUTPUT || !isnan(r[f]);
    }
}

/* Long-context tier: the highest threshold the request's input exceeds
 * sets the rate for all its tokens of each type the tier prices (the
 * service's tier rate where there is one, else the standard tier's, which
 * then counts as a fallback). True if a tier applied. */
static bool long_context_rates(const struct price *pr, int sv, int64_t request_input,
                               double r[F_COUNT], bool fell[F_COUNT])
{
    static const enum field as_field[TF_COUNT] = {F_INPUT, F_OUTPUT, F_CACHE_READ,
                                                  F_CACHE_WRITE_5M, F_CACHE_WRITE_1H};
    for (int i = pr->ntiers - 1; i >= 0; i--) {
        const struct tier *t = &pr->tiers[i];
        if (request_input <= t->threshold)
            continue;
        for (int f = 0; f < TF_COUNT; f++) {
            if (sv && !isnan(t->svc[sv - 1][f])) {
                r[as_field[f]] = t->svc[sv - 1][f];
            } else if (!isnan(t->rate[f])) {
                r[as_field[f]] = t->rate[f];
                fell[as_field[f]] |= sv != 0;
            }
        }
        return true;
    }
    return false;
}

/* The tokens of tk priced at field f's rate. */
static int64_t tokens_of(const struct pricing_tokens *tk, enum field f)
{
    int64_t uncached = tk->input - tk->cache_read - tk->cache_write_5m - tk->cache_write_1h;
    int64_t plain_out = tk->output - tk->reasoning;
    switch (f) {
    case F_INPUT: return uncached > 0 ? uncached : 0;
    case F_OUTPUT: return plain_out > 0 ? plain_out : 0;
    case F_CACHE_READ: return tk->cache_read;
    case F_CACHE_WRITE_5M: return tk->cache_write_5m;
    case F_CACHE_WRITE_1H: return tk->cache_write_1h;
    case F_REASONING: return tk->reasoning;
    default: return 0;
    }
}

/* Missing cache prices fall back to the input price, which makes the cost
 * partial where such tokens were used; a missing reasoning price is the
 * output price (as intended). Returns partial. */
static bool fill_missing(double r[F_COUNT], const struct pricing_tokens *tk)
{
    bool partial = false;
    for (enum field f = F_CACHE_READ; f <= F_CACHE_WRITE_1H; f++) {
        if (isnan(r[f])) {
            r[f] = r[F_INPUT];
            partial |= tokens_of(tk, f) > 0;
        }
    }
    return partial;
}

/* Batch: the table's batch prices where it has them (not for a
 * long-context tier), else half price. */
static void batch_rates(const struct price *pr, bool tiered, double r[F_COUNT])
{
    bool tin = !tiered && !isnan(pr->rate[F_INPUT_BATCH]);
    bool tout = !tiered && !isnan(pr->rate[F_OUTPUT_BATCH]);
    r[F_INPUT] = tin ? pr->rate[F_INPUT_BATCH] : r[F_INPUT] * 0.5;
    r[F_OUTPUT] = tout ? pr->rate[F_OUTPUT_BATCH] : r[F_OUTPUT] * 0.5;
    for (enum field f = F_CACHE_READ; f <= F_REASONING; f++)
        r[f] *= 0.5; /* a missing reasoning price stays NAN: the output's */
}

enum price_status pricing_cost(const struct pricing *p, const struct price *pr,
                               const struct pricing_tokens *tk, double *usd)
{
    if (!pr) {
        *usd = NAN;
        return PRICE_NONE;
    }
    /* a service tier's rates (priority, flex) where the entry has them;
     * a field priced at the standard rate instead makes the cost partial */
    int sv = !tk->batch && tk->service > 0 && tk->service <= SERVICES ? tk->service : 0;
    bool fell[F_COUNT] = {0};
    double r[F_COUNT];
    service_rates(pr, sv, r, fell);
    bool tiered = long_context_rates(pr, sv, tk->request_input, r, fell);
    bool partial = fill_missing(r, tk);
    if (tk->batch)
        batch_rates(pr, tiered, r);
    if (isnan(r[F_REASONING]))
        r[F_REASONING] = r[F_OUTPUT];
    /* the terms in DESIGN.md §4's order (the sums are compared to the
     * last bit by the oracle tests) */
    static const enum field terms[] = {F_INPUT, F_CACHE_READ, F_CACHE_WRITE_5M,
                                       F_CACHE_WRITE_1H, F_OUTPUT, F_REASONING};
    double cost = 0;
    for (size_t i = 0; i < sizeof terms / sizeof *terms; i++) {
        enum field f = terms[i];
        int64_t n = tokens_of(tk, f);
        cost += (double)n * r[f];
        partial |= fell[f] && n > 0;
    }
    if (tk->provider) {
        const double *d = hmap_get(&p->discounts, tk->provider, strlen(tk->provider));
        if (d)
            cost *= 1.0 - *d;
    }
    *usd = cost;
    return partial ? PRICE_PARTIAL : PRICE_FULL;
}
