/* alert_settings.c - the [alerts] section (see alert_settings.h). */
#include "alerts/alert_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/rules.h"
#include "lib/clock.h"
#include "lib/xalloc.h"

#define DOC_COL 27

/* windows: a non-empty array of whole-minute durations from 1m to 1d. */
static bool parse_windows(struct settings_ctx *c, const struct setting *k,
                          const struct toml_value *w, void *settings)
{
    struct alert_settings *a = settings;
    if (toml_type(w) != TOML_ARRAY || toml_array_size(w) == 0) {
        settings_error(c, w, "'%s' must be a non-empty array of durations, e.g. [\"1h\", \"24h\"]",
                       k->name);
        return false;
    }
    size_t n = toml_array_size(w);
    int64_t *ws = xcalloc(n, sizeof *ws);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        /* each entry is read as a duration row of its own, landing in ws[i] */
        const struct setting one = {.name = k->name, .type = SETTING_DURATION,
                                       .offset = i * sizeof *ws, .imin = CLOCK_MINUTE, .imax = CLOCK_DAY};
        const struct toml_value *e = toml_array_at(w, i);
        if (!settings_load_value(c, &one, e, ws)) {
            ok = false;
        } else if (ws[i] % CLOCK_MINUTE) {
            settings_error(c, e, "alert windows must be whole minutes");
            ok = false;
        }
    }
    if (!ok) {
        free(ws);
        return false;
    }
    free(a->windows);
    a->windows = ws;
    a->nwindows = n;
    return true;
}

static void release_windows(const struct setting *k, void *settings)
{
    (void)k;
    struct alert_settings *a = settings;
    free(a->windows);
    a->windows = NULL;
    a->nwindows = 0;
}

/* In the order they are checked (after the kinds' thresholds). */
static const struct setting lifecycle[] = {
    {.name = "for", .type = SETTING_DURATION, .offset = offsetof(struct alert_settings, for_s),
     .def = "\"5m\"", .imin = 0, .imax = CLOCK_DAY,
     .doc = "a condition must hold this long to fire, and be false this long to resolve"},
    {.name = "repeat", .type = SETTING_DURATION, .offset = offsetof(struct alert_settings, repeat),
     .def = "\"1h\"", .imin = CLOCK_MINUTE, .imax = CLOCK_WEEK,
     .doc = "a firing alert notifies again this often"},
    {.name = "keep_resolved", .type = SETTING_DURATION,
     .offset = offsetof(struct alert_settings, keep_resolved), .def = "\"24h\"", .imin = 0,
     .imax = CLOCK_WEEK, .doc = "resolved alerts stay listed this long"},
    {.name = "windows", .type = SETTING_CUSTOM, .offset = offsetof(struct alert_settings, windows),
     .def = "[\"1h\", \"24h\"]", .parse = parse_windows, .release = release_windows,
     .doc = "every rule is evaluated over each window (whole minutes, 1m to 24h)"},
    {0},
};

/* The kind before kind i that has a row named key, if any: [alerts] is one
 * table, so a key two kinds use is read (and reported) once. */
static bool seen_before(size_t i, const char *key)
{
    for (size_t j = 0; j < i; j++)
        if (settings_find(rules_kind_at(j)->keys, key, NULL))
            return true;
    return false;
}

void alert_settings_init(struct alert_settings *s)
{
    memset(s, 0, sizeof *s);
    settings_defaults(lifecycle, s);
    s->kinds = xcalloc(rules_nkinds(), sizeof *s->kinds);
    for (size_t i = 0; i < rules_nkinds(); i++) {
        const struct alert_kind *k = rules_kind_at(i);
        s->kinds[i] = xcalloc(1, k->settings_size ? k->settings_size : 1);
        settings_defaults(k->keys, s->kinds[i]);
    }
}

void alert_settings_load(struct settings_ctx *c, const struct toml_value *t,
                         struct alert_settings *s)
{
    size_t n = rules_nkinds();
    const struct setting **tables = xcalloc(n + 1, sizeof *tables);
    tables[0] = lifecycle;
    for (size_t i = 0; i < n; i++)
        tables[i + 1] = rules_kind_at(i)->keys;
    settings_check_unknown(c, t, tables, n + 1, "[alerts]");
    free(tables);
    for (size_t i = 0; i < n; i++) {
        const struct alert_kind *k = rules_kind_at(i);
        for (const struct setting *row = k->keys; row->name; row++) {
            /* a shared key again: the same row, so the same value, and its
             * problems were reported the first time */
            struct settings_ctx quiet = {c->file, NULL, 0};
            settings_load_key(seen_before(i, row->name) ? &quiet : c, t, k->keys, row->name,
                              s->kinds[i], "[alerts]");
        }
    }
    settings_load(c, t, lifecycle, s, "[alerts]");
}

void alert_settings_free(struct alert_settings *s)
{
    settings_free(lifecycle, s);
    for (size_t i = 0; s->kinds && i < rules_nkinds(); i++) {
        settings_free(rules_kind_at(i)->keys, s->kinds[i]);
        free(s->kinds[i]);
    }
    free(s->kinds);
    s->kinds = NULL;
}

double alert_settings_get(const struct alert_settings *s, const char *key)
{
    for (size_t i = 0; i < rules_nkinds(); i++) {
        size_t off = 0;
        const struct setting *k = settings_find(rules_kind_at(i)->keys, key, &off);
        if (!k)
            continue;
        const char *p = (const char *)s->kinds[i] + off + k->offset;
        if (k->type == SETTING_FLOAT)
            return *(const double *)(const void *)p;
        if (k->type == SETTING_INT || k->type == SETTING_DURATION)
            return (double)*(const int64_t *)(const void *)p;
        break;
    }
    fprintf(stderr, "spendtop: no alert threshold named '%s'\n", key);
    abort(); /* a caller's typo: every test that draws or evaluates finds it */
}

void alert_settings_example(struct strbuf *out)
{
    strbuf_puts(out, "[alerts]\n");
    for (const struct setting *k = lifecycle; k->name; k++)
        settings_write_key(out, k, false, DOC_COL);
    strbuf_puts(out, "\n");
    settings_write_comment(out, "The alert kinds, each with the thresholds it adds (a hook's "
                                "`kinds` and SPENDTOP_ALERT_KIND name them):");
    for (size_t i = 0; i < rules_nkinds(); i++) {
        const struct alert_kind *k = rules_kind_at(i);
        struct strbuf head = {0};
        strbuf_printf(&head, "kind %s: %s", k->name, k->doc);
        settings_write_comment(out, strbuf_str(&head));
        strbuf_free(&head);
        for (const struct setting *row = k->keys; row->name; row++)
            if (!seen_before(i, row->name))
                settings_write_key(out, row, false, DOC_COL);
    }
}
