/* otlp_families.h - what each instrumentation family's spans mean.
 *
 * Instrumentation libraries name the same facts differently (the GenAI
 * conventions' current and legacy names, OpenInference's llm.token_count.*,
 * the Vercel AI SDK's ai.usage.*, Langfuse's usage_details JSON, ...), and
 * disagree on what "input tokens" covers. Each family is one row of a
 * table (otlp_families.c): how to recognise its spans, which of them are
 * inference calls, which attribute carries each token class, the model and
 * the provider, and whether its input count includes the prompt cache.
 * Inclusiveness is a property of the family, never guessed from magnitudes.
 * A new family is a row and its test (tests/test_otlp_families.c, on spans
 * recorded from the real library in tests/fixtures/otlp/families/).
 *
 * Reading a span takes two steps, so that its attributes are walked once:
 * the mapping offers every attribute to otlp_span_attrs_take (which keeps
 * those some family reads), then otlp_family_read says what the span is.
 *
 * Counts are lenient where that is safe: a non-negative integral number as
 * intValue, doubleValue or stringValue ("1500"). Anything else where a count
 * should be (a negative, a fraction, text, a bool) makes the span unusable,
 * with the reason in otlp_reading.why: rejected, never read as 0.
 */
#ifndef SPENDTOP_OTLP_FAMILIES_H
#define SPENDTOP_OTLP_FAMILIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectors/otlp.h"
#include "core/usage.h"

/* What a row names an attribute for. The token classes come first. */
enum otlp_field {
    OTLP_F_INPUT,          /* input tokens (all, or uncached: see input) */
    OTLP_F_CACHE_READ,     /* read from the prompt cache */
    OTLP_F_CACHE_WRITE,    /* written to the cache, durations not told apart */
    OTLP_F_CACHE_WRITE_5M, /* written for 5 minutes */
    OTLP_F_CACHE_WRITE_1H, /* written for 1 hour (priced apart) */
    OTLP_F_OUTPUT,         /* output tokens (all, or without reasoning) */
    OTLP_F_REASONING,      /* reasoning / thinking tokens */
    OTLP_F_TOKENS,         /* the number of token classes */
    OTLP_F_MODEL = OTLP_F_TOKENS, /* first found: response model, then request */
    OTLP_F_PROVIDER,
    OTLP_F_RESPONSE_ID,    /* the provider's id of the answer */
    OTLP_F_SERVICE_TIER,   /* the service tier that served it (priority, flex) */
    OTLP_F_COUNT,
};

enum otlp_input {
    OTLP_INPUT_ALL,        /* input includes cache reads and writes (the
                              GenAI conventions; OpenAI's prompt_tokens) */
    OTLP_INPUT_UNCACHED,   /* input is the uncached part only (Anthropic's
                              own input_tokens, as some libraries pass on) */
};

/* One family. Strings listing several names separate them by spaces; the
 * first name present on a span wins. A name "attr#a.b.c" reads the JSON
 * text of attribute attr and takes the value at path a.b.c. */
struct otlp_family {
    const char *name;
    /* recognised by any one of these (NULL: not used); rows are tried in
     * order and the last one, the GenAI conventions, takes every span */
    const char *scope;         /* instrumentation scope name; "p*": prefix */
    const char *marker;        /* an attribute only this family sets */
    const char *span_name;     /* the span's name; "p*": prefix */
    /* which spans are inference calls: the value of the kind attribute is
     * one of inference ("*.x": ends in .x); without a kind attribute, a
     * span is one when usage_is_inference and it carries token counts. A
     * family without a kind attribute has inference spans only. Every other
     * span (agent, workflow, chain, tool, step) is a wrapper:
     * it may carry its children's totals and is never counted */
    const char *kind;
    const char *inference;
    bool usage_is_inference;
    enum otlp_input input;
    bool output_excludes_reasoning;
    /* an attribute holding a JSON object of disjoint token parts (Langfuse's
     * usage_details): see otlp_families.c for how its keys are classed */
    const char *parts;
    const char *attrs[OTLP_F_COUNT];
    const char *provider;      /* when no attribute names one */
    /* An agent CLI that reports each call as a log event and metrics too:
     * its spans claim their emitter as this kind, its events' (otlp_signals.h,
     * "one sender, one count": against its metrics, the first kind counts),
     * and carry otlp_usage_call_key, so that the sink counts a call's span
     * and event once (the event: it tells more). per_service: one emitter
     * per service (Codex), not per session. installation: the attribute
     * naming the CLI's installation, for its metrics that name no session
     * (Claude Code's user.id: otlp_claim_usage, otlp_signals.h). */
    const char *emitter;
    bool per_service;
    const char *installation;
};

extern const struct otlp_family otlp_families[];
extern const size_t otlp_families_count;

/* The attributes of one span that some family reads. Reuse one for every
 * span of an export: otlp_span_attrs_begin forgets the last span's. */
#define OTLP_FAMILY_KEYS 192
struct otlp_span_attrs {
    uint32_t seq;
    uint32_t stamp[OTLP_FAMILY_KEYS];
    struct otlp_value val[OTLP_FAMILY_KEYS];
};

/* Zero it once, then begin each span. */
void otlp_span_attrs_begin(struct otlp_span_attrs *a);
/* Keep kv if a family reads its key (the first occurrence of a key wins).
 * True if kept. */
bool otlp_span_attrs_take(struct otlp_span_attrs *a, const struct otlp_kv *kv);

/* What one span says, in spendtop's terms (DESIGN.md §3). */
struct otlp_reading {
    const struct otlp_family *family;
    bool inference;            /* an inference call: to be counted */
    bool tokens_unknown;       /* ... that reported no token counts at all */
    int64_t input, cache_read, cache_write_5m, cache_write_1h, output, reasoning;
    bool cache_known, reasoning_known;
    /* How much of the usage the span told, 0..6 (input, output, cache
     * reads, cache writes, their 5m/1h split, reasoning): of two spans of
     * one call, the one that told more is kept */
    int completeness;
    const char *provider;      /* normalised (otlp_provider_name), or NULL */
    const char *model;         /* or NULL */
    struct otlp_str response_id;
    struct otlp_str service_tier;  /* as the span says it, or empty */
    char why[200];             /* why the span is unusable; "" if usable */
    char provider_buf[USAGE_NAME_MAX + 2], model_buf[USAGE_NAME_MAX + 2];
};

/* Read a span whose attributes were offered to a. Fills *out; an
 * unusable span has inference set and a reason in out->why. */
void otlp_family_read(const struct otlp_span_attrs *a, const struct otlp_scope *scope,
                      const struct otlp_span *span, struct otlp_reading *out);

/* A provider name as the price table and the usage-API precedence know it
 * ("openai.chat", "openai.responses" -> "openai"; "anthropic.messages" ->
 * "anthropic"; "az.ai.openai", "azure" -> "azure.ai.openai"; "vertex_ai" ->
 * "gcp.vertex_ai"; ...): an API suffix is dropped, legacy and library
 * spellings mapped to the GenAI conventions' names. An unknown name is
 * returned as it is, copied into buf (len bytes) and cut to fit. */
const char *otlp_provider_name(const char *s, size_t n, char *buf, size_t len);

#endif
