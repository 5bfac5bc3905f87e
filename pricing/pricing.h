/* pricing.h - the price table and the cost of a record's tokens (DESIGN.md §4).
 *
 * The table is LiteLLM's model_prices_and_context_window.json format (USD
 * per token). A default table is compiled in (pricing/default_prices.json,
 * derived from a real LiteLLM file); a configured file replaces it; single
 * models can be overridden; negotiated discounts apply per provider.
 *
 * Model matching, in this order and nothing fuzzier:
 *   1. the reported id as a table key
 *   2. the id with the provider's LiteLLM prefix ("gemini/gemini-2.5-flash")
 *   3. 1 and 2 with a date suffix removed ("-2024-07-18", "-20250514")
 *   4. the configured aliases (reported id -> table key)
 *
 * A model that matches nothing, or whose entry has no token prices, is
 * unpriced: pricing_cost says so and the caller must never count it as $0.
 *
 * pricing knows only lib/: it takes its input as struct pricing_tokens,
 * never the domain's usage record (core/ingest.c converts).
 */
#ifndef SPENDTOP_PRICING_H
#define SPENDTOP_PRICING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pricing;
struct price;

enum price_status {
    PRICE_NONE = 0,     /* unpriced: cost unknown */
    PRICE_FULL = 1,
    PRICE_PARTIAL = 2,  /* a missing cache price fell back to the input price */
};

struct pricing *pricing_new(void);
void pricing_free(struct pricing *p);

/* Add (or replace) entries from LiteLLM-format JSON. Returns the number of
 * entries read, or -1 with a message in err. */
int pricing_load_json(struct pricing *p, const char *json, size_t len,
                      char *err, size_t errlen);
/* The compiled-in default table. */
int pricing_load_default(struct pricing *p, char *err, size_t errlen);
/* Drop every entry (a configured file replaces the default table). */
void pricing_clear(struct pricing *p);
/* Override one field of one model (creating the entry if needed); field
 * is a LiteLLM key such as "input_cost_per_token". Returns false if the
 * field is not a price field spendtop knows. */
bool pricing_override(struct pricing *p, const char *model, const char *field,
                      double value);
/* True if field is a LiteLLM price field this module reads. */
bool pricing_is_price_field(const char *field);
/* Fraction off (0.2 = 20% discount) for every cost of a provider. */
void pricing_set_discount(struct pricing *p, const char *provider,
                          double fraction);
void pricing_add_alias(struct pricing *p, const char *reported,
                       const char *table_key);

/* A 64-bit name of the table's content: of everything done to it since
 * pricing_new, in order (each table text loaded, cleared, each override,
 * discount and alias), and of how pricing_cost prices (a revision in
 * pricing.c). Two tables made the same way price any tokens the same;
 * any change to one changes it (but for a hash collision). What spend
 * stored in a database was priced by (core/ingest.h). */
uint64_t pricing_fingerprint(const struct pricing *p);

/* The prices in force, for the header and the snapshot: the table
 * ("default <date of the LiteLLM file>" or "table <hash of its text>")
 * and how many overrides, aliases and discounts were configured:
 * "default 2026-07-24, 2 overrides". */
void pricing_describe(const struct pricing *p, char *buf, size_t len);

/* Find the entry for a reported model id. Returns NULL if unpriced. In
 * *name (never NULL on return) the model name records should carry: the
 * matched entry's name, or the reported id when unpriced. Strings stay
 * valid for the life of p - except an unpriced id looked up after
 * PRICING_MEMO_MAX distinct ones were remembered (ids are untrusted, and
 * the memo is bounded): its *name is model itself. */
#define PRICING_MEMO_MAX 65536
const struct price *pricing_lookup(struct pricing *p, const char *provider,
                                   const char *model, const char **name);

/* ---- explaining the table (spendtop prices) ---------------------------------- */

/* The date of the LiteLLM file the compiled-in table was made from
 * (shared/data/litellm-prices-2026-07-24.json, tools/gen_default_prices.py):
 * how old the prices in force are when no newer table is loaded. */
#define PRICING_DEFAULT_DATE "2026-07-24"

/* Which rule of the matching order found an entry. */
enum pricing_rule {
    PRICING_UNMATCHED,
    PRICING_EXACT,
    PRICING_PREFIXED,       /* the provider's LiteLLM prefix added */
    PRICING_DATE_STRIPPED,  /* a date suffix removed (then exact or prefixed) */
    PRICING_ALIAS,          /* a configured alias */
};
/* "unmatched", "exact", "provider-prefixed", "date-stripped", "alias". */
extern const char *const pricing_rule_names[];

/* pricing_lookup's match, explained: *rule says which rule found *key
 * (the table key, NULL when unmatched). Returns the entry, which may have
 * no token prices (pricing_priced says; pricing_lookup treats it as
 * unpriced). Nothing is memoised. */
const struct price *pricing_explain(const struct pricing *p, const char *provider,
                                    const char *model, enum pricing_rule *rule,
                                    const char **key);
/* Whether an entry prices tokens (input and output): a chat model. */
bool pricing_priced(const struct price *pr);
/* Each price an entry has, by its LiteLLM field name, in a fixed order. */
void pricing_each_field(const struct price *pr,
                        void (*fn)(void *ctx, const char *field, double usd_per_token),
                        void *ctx);
/* Each entry of the table (any order). */
void pricing_each_entry(const struct pricing *p,
                        void (*fn)(void *ctx, const char *key, const struct price *pr),
                        void *ctx);
/* The negotiated discount of a provider (0 when none). */
double pricing_discount(const struct pricing *p, const char *provider);

/* What a cost is computed from: one record's tokens by price class (the
 * caller turns its own record into this; unknown counts are 0 here, which
 * prices unknown cache reads as uncached input and unknown reasoning as
 * plain output). */
struct pricing_tokens {
    int64_t input;            /* ALL input, cache reads and writes included */
    int64_t cache_read;       /* of input, served from the prompt cache */
    int64_t cache_write_5m;   /* of input, written to the cache (5 min) */
    int64_t cache_write_1h;   /* of input, written to the cache (1 hour) */
    int64_t output;           /* ALL output, reasoning included */
    int64_t reasoning;        /* of output */
    bool batch;               /* billed at batch rates */
    /* The service tier: 0 standard, 1 priority, 2 flex (the table's
     * *_priority and *_flex prices; where the entry has none, the standard
     * ones, and the cost is partial). Not with batch. */
    int service;
    /* The input size of the one request these tokens are, which picks its
     * long-context tier; 0 for a sum of requests (a provider's bucket),
     * which is never tiered. */
    int64_t request_input;
    const char *provider;     /* for the negotiated discount; NULL = none */
};

/* Cost in USD of tokens tk priced with entry pr (which may be NULL for an
 * unpriced model: returns PRICE_NONE and *usd = NAN). */
enum price_status pricing_cost(const struct pricing *p, const struct price *pr,
                               const struct pricing_tokens *tk, double *usd);

#endif
