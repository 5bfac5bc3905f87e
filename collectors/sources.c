/* sources.c - the registry of source types (see sources.h). */
#include "collectors/sources.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* The registry: one line per type, defined in its own file as
 * NAME_source. */
#define SOURCE_TYPES(X)  \
    X(otel_file)         \
    X(otlp_http)         \
    X(openai)            \
    X(anthropic)         \
    X(demo)              \
    /* (the list ends here) */

#define DECLARE(n) extern const struct source_type n##_source;
SOURCE_TYPES(DECLARE)
#define ENTRY(n) &n##_source,
static const struct source_type *const types[] = {SOURCE_TYPES(ENTRY) NULL};

#define DOC_COL 35

/* The keys every [[source]] has, read before its type is known. */
struct common {
    char *name;
    char *type;
};

static const struct setting common_keys[] = {
    {.name = "name", .type = SETTING_STRING, .offset = offsetof(struct common, name),
     .required = true, .doc = "required, unique (keys the saved positions)"},
    {.name = "type", .type = SETTING_STRING, .offset = offsetof(struct common, type)},
    {0},
};

const struct source_type *sources_type_at(size_t i)
{
    return i < sizeof types / sizeof *types - 1 ? types[i] : NULL;
}

const struct source_type *sources_type(const char *name)
{
    for (size_t i = 0; types[i]; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}

/* "otel_file, otlp_http, ... or demo" */
static void type_list(struct strbuf *out)
{
    const char *names[sizeof types / sizeof *types];
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        names[i] = types[i] ? types[i]->name : NULL;
    settings_join(out, names, "", ", ", " or ");
}

static struct source_settings *typeless(char *name, int line)
{
    struct source_settings *s = xcalloc(1, sizeof *s);
    s->name = name ? name : xstrdup("");
    s->line = line;
    return s;
}

static struct source_settings *of_type(const struct source_type *type, char *name, int line)
{
    struct source_settings *s = xcalloc(1, type->settings_size);
    settings_defaults(type->keys, s);
    s->name = name;
    s->type = type;
    s->line = line;
    return s;
}

/* The type t names: NULL (reported) if it names none, or an unknown one. */
static const struct source_type *type_of(struct settings_ctx *c, const struct toml_value *t,
                                         const struct common *common)
{
    struct strbuf list = {0};
    type_list(&list);
    const struct source_type *type = NULL;
    if (!toml_table_get(t, "type"))
        settings_error(c, t, "[[source]] '%s' needs a 'type' (%s)", common->name,
                       strbuf_str(&list));
    else if (common->type && !(type = sources_type(common->type)))
        settings_error(c, toml_table_get(t, "type"), "unknown source type '%s' (%s)",
                       common->type, strbuf_str(&list));
    strbuf_free(&list);
    return type;
}

struct source_settings *sources_load(struct settings_ctx *c, const struct toml_value *t)
{
    if (toml_type(t) != TOML_TABLE) {
        settings_error(c, t, "[[source]] entries must be tables");
        return typeless(NULL, toml_line(t));
    }
    struct common common = {0};
    settings_load(c, t, common_keys, &common, "[[source]]");
    if (!common.name)
        common.name = xstrdup("");
    const struct source_type *type = type_of(c, t, &common);
    bool named = common.type != NULL;
    free(common.type);
    if (!type) {
        /* no type to say which keys are right: only name and type are */
        if (!named) {
            const struct setting *tables[] = {common_keys};
            settings_check_unknown(c, t, tables, 1, "[[source]]");
        }
        return typeless(common.name, toml_line(t));
    }
    struct source_settings *s = of_type(type, common.name, toml_line(t));
    char where[160], what[300];
    snprintf(where, sizeof where, "[[source]] of type %s", type->name);
    snprintf(what, sizeof what, "source '%s'", s->name);
    const struct setting *tables[] = {common_keys, type->keys};
    settings_check_unknown(c, t, tables, 2, where);
    settings_load(c, t, type->keys, s, what);
    if (type->validate)
        type->validate(c, t, s);
    return s;
}

struct source_settings *sources_new(const char *type, const char *name)
{
    const struct source_type *t = sources_type(type);
    return t ? of_type(t, xstrdup(name), 0) : NULL;
}

void sources_free(struct source_settings *s)
{
    if (!s)
        return;
    if (s->type)
        settings_free(s->type->keys, s);
    free(s->name);
    free(s);
}

/* Each SETTING_ENV row of keys (settings at base) that names a variable. */
static size_t env_rows(const struct setting *keys, const char *base, const char **names,
                       size_t n, size_t max)
{
    for (const struct setting *k = keys; k->name; k++) {
        if (k->type == SETTING_INCLUDE) {
            n = env_rows(k->include, base + k->offset, names, n, max);
        } else if (k->type == SETTING_ENV) {
            const char *v = *(char *const *)(const void *)(base + k->offset);
            if (v && n < max)
                names[n++] = v;
        }
    }
    return n;
}

size_t sources_env(const struct source_settings *s, const char **names, size_t max)
{
    return s->type ? env_rows(s->type->keys, (const char *)s, names, 0, max) : 0;
}

void sources_warnings(const struct source_settings *s, const char *file, struct strbuf *out)
{
    const char *env[8];
    size_t n = sources_env(s, env, 8);
    for (size_t i = 0; i < n; i++)
        if (!getenv(env[i]))
            strbuf_printf(out, "%s:%d:1: warning: source '%s': environment variable %s is "
                          "not set here\n", file, s->line, s->name, env[i]);
}

void sources_example(struct strbuf *out)
{
    for (size_t i = 0; types[i]; i++) {
        const struct source_type *t = types[i];
        strbuf_putc(out, '\n');
        settings_write_comment(out, t->doc);
        strbuf_puts(out, "# [[source]]\n");
        struct strbuf line = {0};
        strbuf_printf(&line, "name = \"%s\"", t->example_name);
        settings_write_line(out, true, strbuf_str(&line), common_keys[0].doc, DOC_COL);
        strbuf_reset(&line);
        strbuf_printf(&line, "type = \"%s\"", t->name);
        settings_write_line(out, true, strbuf_str(&line), NULL, DOC_COL);
        strbuf_free(&line);
        settings_write_example(t->keys, true, DOC_COL, out);
    }
}
