/* test_registry.c - one registry per concept: the source types and alert
 * kinds config.example.toml documents are exactly the registered ones, the
 * checked-in file is what the key tables write, and every table's defaults
 * load. */
#include "tests/helpers.h"

#include "alerts/rules.h"
#include "app/config.h"
#include "collectors/sources.h"

#define MAX_NAMES 64

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct strbuf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_append(&b, chunk, n);
    fclose(f);
    return strbuf_detach(&b);
}

/* The word after prefix (up to stop) on every line of text that starts
 * with prefix. */
static size_t documented(const char *text, const char *prefix, char stop,
                         char names[][64], size_t max)
{
    size_t n = 0, pl = strlen(prefix);
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
        if (strncmp(line, prefix, pl) != 0)
            continue;
        const char *w = line + pl;
        size_t len = strcspn(w, "\n");
        const char *end = memchr(w, stop, len);
        assert_non_null(end);
        assert_true(n < max);
        snprintf(names[n++], 64, "%.*s", (int)(end - w), w);
    }
    return n;
}

static bool listed(char names[][64], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* The line where a and b first differ; 0 if they do not. */
static int first_difference(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        line += *a == '\n';
    return *a || *b ? line : 0;
}

static void test_the_example_is_what_the_tables_write(void **state)
{
    (void)state;
    char *file = slurp("config.example.toml");
    struct strbuf want = {0};
    config_write_example(&want);
    int line = first_difference(file, strbuf_str(&want));
    if (line)
        fail_msg("config.example.toml differs from what the key tables write from line %d "
                 "on: run make config-example", line);
    free(file);
    strbuf_free(&want);
}

static void test_every_documented_source_type_exists_and_every_type_is_documented(void **state)
{
    (void)state;
    char *file = slurp("config.example.toml");
    char names[MAX_NAMES][64];
    size_t n = documented(file, "# type = \"", '"', names, MAX_NAMES);
    for (size_t i = 0; i < n; i++)
        if (!sources_type(names[i]))
            fail_msg("config.example.toml documents source type '%s', which is not registered",
                     names[i]);
    size_t types = 0;
    for (const struct source_type *t; (t = sources_type_at(types)); types++)
        if (!listed(names, n, t->name))
            fail_msg("source type '%s' is not documented in config.example.toml", t->name);
    assert_int_equal(n, types);
    assert_true(types > 0);
    free(file);
}

static void test_every_documented_alert_kind_exists_and_every_kind_is_documented(void **state)
{
    (void)state;
    char *file = slurp("config.example.toml");
    char names[MAX_NAMES][64];
    size_t n = documented(file, "# kind ", ':', names, MAX_NAMES);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; rules_kind_at(k); k++)
            found |= strcmp(rules_kind_at(k)->name, names[i]) == 0;
        if (!found)
            fail_msg("config.example.toml documents alert kind '%s', which is not registered",
                     names[i]);
    }
    for (size_t k = 0; rules_kind_at(k); k++)
        if (!listed(names, n, rules_kind_at(k)->name))
            fail_msg("alert kind '%s' is not documented in config.example.toml",
                     rules_kind_at(k)->name);
    assert_int_equal(n, rules_nkinds());
    /* the names a hook's `kinds` accepts are the registered kinds, in order */
    for (size_t k = 0; k < rules_nkinds(); k++)
        assert_string_equal(rules_kind_names[k], rules_kind_at(k)->name);
    assert_null(rules_kind_names[rules_nkinds()]);
    free(file);
}

/* A key two kinds use is one key of [alerts]: its rows must agree. */
static void test_a_threshold_several_kinds_use_is_the_same_row(void **state)
{
    (void)state;
    int shared = 0;
    for (size_t i = 0; rules_kind_at(i); i++) {
        for (const struct setting *a = rules_kind_at(i)->keys; a->name; a++) {
            for (size_t j = i + 1; rules_kind_at(j); j++) {
                const struct setting *b = settings_find(rules_kind_at(j)->keys, a->name, NULL);
                if (!b)
                    continue;
                shared++;
                assert_int_equal(a->type, b->type);
                assert_string_equal(a->def, b->def);
                assert_true(a->min == b->min && a->max == b->max);
                assert_true(a->imin == b->imin && a->imax == b->imax);
            }
        }
    }
    assert_true(shared > 0);      /* min_spend_usd, min_requests, ... */
}

/* A bad default aborts: loading every table's defaults proves them. */
static void test_every_default_loads_and_every_key_has_a_doc(void **state)
{
    (void)state;
    const struct source_type *t;
    for (size_t i = 0; (t = sources_type_at(i)); i++) {
        struct source_settings *s = sources_new(t->name, "x");
        assert_non_null(s);
        assert_ptr_equal(s->type, t);
        assert_true(t->settings_size >= sizeof(struct source_settings));
        assert_non_null(t->ops);
        for (const struct setting *k = t->keys; k->name; k++)
            if (k->type != SETTING_INCLUDE)
                assert_true((k->doc && *k->doc) || k->names);
        sources_free(s);
    }
    for (size_t i = 0; rules_kind_at(i); i++) {
        const struct alert_kind *k = rules_kind_at(i);
        assert_true(k->doc && *k->doc);
        assert_true((k->scope != NULL) != (k->daily != NULL)); /* one of the two */
        for (const struct setting *r = k->keys; r->name; r++)
            assert_true(r->def && r->doc && *r->doc);
    }
    struct config *c = config_defaults();
    struct hook_settings h = {0};
    hooks_settings_init(&h);
    assert_string_equal(h.min_severity, "warning");
    assert_true(h.on_firing && h.on_resolved);
    hooks_settings_free(&h);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_example_is_what_the_tables_write),
        cmocka_unit_test(test_every_documented_source_type_exists_and_every_type_is_documented),
        cmocka_unit_test(test_every_documented_alert_kind_exists_and_every_kind_is_documented),
        cmocka_unit_test(test_a_threshold_several_kinds_use_is_the_same_row),
        cmocka_unit_test(test_every_default_loads_and_every_key_has_a_doc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
