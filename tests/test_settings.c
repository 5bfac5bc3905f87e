/* test_settings.c - settings from TOML by key tables: defaults, every type,
 * every kind of problem with its position, unknown keys, includes, the
 * example text. A made-up settings struct: nothing of spendtop's. */
#include "tests/helpers.h"

#include "lib/settings.h"

struct inner {
    int64_t port;
};

struct sample {
    char *name;
    char *env;
    char *listen;
    char **argv;
    size_t argc;
    char **tags;
    size_t ntags;
    char **colours;
    size_t ncolours;
    const char *mode;
    int64_t count;
    int64_t every;
    double ratio;
    bool on;
    char **ids, **labels;
    size_t nlabels;
    struct inner inner;
    char *last;
};

static const char *const modes[] = {"fast", "slow", NULL};
static const char *const colours[] = {"red", "green", "blue", NULL};

/* A check that looks at a row above its own. */
static void check_last(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    const struct sample *s = settings;
    if (strcmp(s->last, s->name) == 0)
        settings_error(c, v, "'last' must differ from 'name'");
}

static const struct setting inner_keys[] = {
    {.name = "port", .type = SETTING_INT, .offset = offsetof(struct inner, port), .def = "80",
     .imin = 1, .imax = 65535, .doc = "a port"},
    {0},
};

static const struct setting keys[] = {
    {.name = "name", .type = SETTING_STRING, .offset = offsetof(struct sample, name),
     .required = true, .need = "a word", .example = "\"x\"", .doc = "required"},
    {.name = "env", .type = SETTING_ENV, .offset = offsetof(struct sample, env),
     .example = "\"KEY\"", .doc = "a variable"},
    {.name = "listen", .type = SETTING_HOSTPORT, .offset = offsetof(struct sample, listen),
     .def = "\"127.0.0.1:1\"", .doc = "where"},
    {.name = "argv", .type = SETTING_LIST, .offset = offsetof(struct sample, argv),
     .count_offset = offsetof(struct sample, argc), .def = "[\"a\", \"b\"]", .doc = "argv"},
    {.name = "tags", .type = SETTING_STRING_OR_LIST, .offset = offsetof(struct sample, tags),
     .count_offset = offsetof(struct sample, ntags), .def = "\"t\"", .doc = "tags"},
    {.name = "colours", .type = SETTING_NAMES, .offset = offsetof(struct sample, colours),
     .count_offset = offsetof(struct sample, ncolours), .def = "[]", .names = colours,
     .noun = "colour", .doc = "only these"},
    {.name = "mode", .type = SETTING_ENUM, .offset = offsetof(struct sample, mode),
     .def = "\"fast\"", .names = modes, .doc = "how"},
    {.name = "count", .type = SETTING_INT, .offset = offsetof(struct sample, count),
     .def = "3", .imin = 1, .imax = 10, .doc = "how many"},
    {.name = "every", .type = SETTING_DURATION, .offset = offsetof(struct sample, every),
     .def = "\"5m\"", .imin = 60, .imax = 3600, .doc = "how often"},
    {.name = "ratio", .type = SETTING_FLOAT, .offset = offsetof(struct sample, ratio),
     .def = "0.5", .min = 0, .max = 1, .doc = "a fraction"},
    {.name = "on", .type = SETTING_BOOL, .offset = offsetof(struct sample, on), .def = "true",
     .doc = "whether"},
    {.name = "labels", .type = SETTING_MAP, .offset = offsetof(struct sample, ids),
     .value_offset = offsetof(struct sample, labels),
     .count_offset = offsetof(struct sample, nlabels),
     .example = "[labels]\nid = \"name\"", .doc = "ids -> names"},
    {.name = "inner", .type = SETTING_INCLUDE, .include = inner_keys,
     .offset = offsetof(struct sample, inner)},
    {.name = "last", .type = SETTING_STRING, .offset = offsetof(struct sample, last),
     .def = "\"z\"", .check = check_last, .doc = "a checked one"},
    {0},
};

/* Load text over the defaults; the problems into errs. */
static int load(const char *text, struct sample *s, struct strbuf *errs)
{
    char err[256];
    memset(s, 0, sizeof *s);
    settings_defaults(keys, s);
    struct toml_value *t = toml_parse(text, strlen(text), "f.toml", err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    strbuf_reset(errs);
    struct settings_ctx c = {"f.toml", errs, 0};
    const struct setting *tables[] = {keys};
    settings_check_unknown(&c, t, tables, 1, "[x]");
    settings_load(&c, t, keys, s, "[x]");
    toml_free(t);
    return c.nerrors;
}

static void test_defaults_are_loaded_from_their_toml_text(void **state)
{
    (void)state;
    struct sample s = {0};
    settings_defaults(keys, &s);
    assert_null(s.name);                      /* no default */
    assert_string_equal(s.listen, "127.0.0.1:1");
    assert_int_equal(s.argc, 2);
    assert_string_equal(s.argv[1], "b");
    assert_null(s.argv[2]);                   /* an argv: NULL-terminated */
    assert_int_equal(s.ntags, 1);
    assert_string_equal(s.tags[0], "t");
    assert_int_equal(s.ncolours, 0);
    assert_ptr_equal(s.mode, modes[0]);       /* the table's own string */
    assert_int_equal(s.count, 3);
    assert_int_equal(s.every, 300);
    assert_true(s.ratio == 0.5);
    assert_true(s.on);
    assert_int_equal(s.inner.port, 80);       /* an included row, at its offset */
    assert_string_equal(s.last, "z");
    settings_free(keys, &s);
    assert_null(s.listen);
}

static void test_every_type_loads_over_its_default(void **state)
{
    (void)state;
    struct sample s;
    struct strbuf errs = {0};
    int n = load("name = \"n\"\nenv = \"K\"\nlisten = \"[::1]:9\"\nargv = []\ntags = [\"p\", \"q\"]\n"
                 "colours = \"red\"\nmode = \"slow\"\ncount = 10\nevery = \"1h\"\nratio = 1\n"
                 "on = false\nport = 8080\nlast = \"y\"\n[labels]\nk1 = \"v1\"\nk2 = \"v2\"\n",
                 &s, &errs);
    if (n)
        fail_msg("%s", strbuf_str(&errs));
    assert_string_equal(s.name, "n");
    assert_string_equal(s.env, "K");
    assert_string_equal(s.listen, "[::1]:9");
    assert_int_equal(s.argc, 0);
    assert_non_null(s.argv);
    assert_int_equal(s.ntags, 2);
    assert_string_equal(s.colours[0], "red");
    assert_string_equal(s.mode, "slow");
    assert_int_equal(s.count, 10);
    assert_int_equal(s.every, 3600);
    assert_true(s.ratio == 1.0);              /* an integer is a number */
    assert_false(s.on);
    assert_int_equal(s.inner.port, 8080);
    assert_int_equal(s.nlabels, 2);
    assert_string_equal(s.ids[1], "k2");
    assert_string_equal(s.labels[1], "v2");
    settings_free(keys, &s);
    strbuf_free(&errs);
}

/* What a reload compares a source's old and new settings with: each type
 * by value, one changed row of any type makes them differ. */
static void test_settings_are_equal_by_value_row_by_row(void **state)
{
    (void)state;
    static const char base[] = "name = \"n\"\nenv = \"K\"\ntags = [\"p\", \"q\"]\n"
                               "mode = \"slow\"\n[labels]\nk1 = \"v1\"\n";
    static const char *const changed[] = {
        "name = \"m\"\n", "env = \"L\"\n", "listen = \"127.0.0.1:2\"\n", "argv = [\"a\"]\n",
        "tags = [\"p\", \"r\"]\n", "colours = [\"red\"]\n", "mode = \"fast\"\n",
        "count = 4\n", "every = \"6m\"\n", "ratio = 0.25\n", "on = false\n", "port = 81\n",
        "last = \"y\"\n", "[labels]\nk1 = \"v2\"\n",
    };
    struct strbuf errs = {0};
    struct sample a, b;
    assert_int_equal(load(base, &a, &errs), 0);
    assert_int_equal(load(base, &b, &errs), 0);
    assert_true(settings_equal(keys, &a, &b));   /* equal strings, not equal pointers */
    settings_free(keys, &b);
    for (size_t i = 0; i < sizeof changed / sizeof *changed; i++) {
        /* the row changed replaces base's (TOML keys are unique): drop the
         * base key of the same name, and the [labels] table for a label */
        struct strbuf text = {0};
        char key[16];
        sscanf(changed[i], "%15[^ =\n]", key);
        if (key[0] == '[') {
            strbuf_puts(&text, "name = \"n\"\nenv = \"K\"\ntags = [\"p\", \"q\"]\nmode = \"slow\"\n");
        } else {
            const char *p = base;
            while (*p) {
                size_t len = strcspn(p, "\n") + 1;
                if (strncmp(p, key, strlen(key)) != 0 || p[strlen(key)] != ' ')
                    if (*p != '[' && strncmp(p, "k1", 2) != 0)
                        strbuf_append(&text, p, len);
                p += len;
            }
        }
        strbuf_puts(&text, changed[i]);
        if (key[0] != '[')
            strbuf_puts(&text, "[labels]\nk1 = \"v1\"\n");
        if (load(strbuf_str(&text), &b, &errs) != 0)
            fail_msg("%s: %s", strbuf_str(&text), strbuf_str(&errs));
        if (settings_equal(keys, &a, &b))
            fail_msg("equal after %s", changed[i]);
        settings_free(keys, &b);
        strbuf_free(&text);
    }
    settings_free(keys, &a);
    strbuf_free(&errs);
}

static void test_each_problem_names_its_place_and_the_type_the_table_wants(void **state)
{
    (void)state;
    struct sample s;
    struct strbuf errs = {0};
    assert_int_equal(load("nmae = 1\nlisten = \"nohost\"\nargv = [1]\ntags = 3\n"
                          "colours = [\"red\", \"gren\", \"black\"]\nmode = \"medium\"\n"
                          "count = 11\nevery = \"soon\"\nratio = \"half\"\non = 1\nport = 0\n"
                          "zzz = 1\n", &s, &errs), 14);
    assert_string_equal(strbuf_str(&errs),
        "f.toml:1:1: unknown key 'nmae' in [x] (did you mean 'name'?)\n"
        "f.toml:12:1: unknown key 'zzz' in [x]\n"
        "f.toml:1:1: [x] needs a 'name' (a word)\n"
        "f.toml:2:10: 'listen' must be HOST:PORT\n"
        "f.toml:3:9: 'argv' must contain only strings\n"
        "f.toml:4:8: 'tags' must be a string or an array of strings\n"
        "f.toml:5:11: unknown colour 'gren' (did you mean 'green'?)\n"
        "f.toml:5:11: unknown colour 'black' (one of red, green, blue)\n"
        "f.toml:6:8: 'mode' must be \"fast\" or \"slow\"\n"
        "f.toml:7:9: 'count' must be between 1 and 10\n"
        "f.toml:8:9: 'every' must be a duration like \"30s\", \"5m\", \"1h\"\n"
        "f.toml:9:9: 'ratio' must be a number, not string\n"
        "f.toml:10:6: 'on' must be true or false, not integer\n"
        "f.toml:11:8: 'port' must be between 1 and 65535\n");
    /* a value that fails keeps the default */
    assert_int_equal(s.count, 3);
    assert_string_equal(s.mode, "fast");
    settings_free(keys, &s);
    strbuf_free(&errs);
}

static void test_a_check_runs_after_its_value_loaded_and_sees_the_rows_above(void **state)
{
    (void)state;
    struct sample s;
    struct strbuf errs = {0};
    assert_int_equal(load("name = \"same\"\nlast = \"same\"\nevery = \"2h\"\n", &s, &errs), 2);
    assert_string_equal(strbuf_str(&errs),
        "f.toml:3:9: 'every' must be between 60s and 60m\n"
        "f.toml:2:8: 'last' must differ from 'name'\n");
    settings_free(keys, &s);
    strbuf_free(&errs);
}

static void test_near_misses_and_joins(void **state)
{
    (void)state;
    static const char *const words[] = {"api_key_env", "api_key_file", "timeout", NULL};
    assert_string_equal(settings_near("api_key", words), "api_key_env"); /* cut short */
    assert_string_equal(settings_near("timeuot", words), "timeout");
    assert_null(settings_near("colour", words));
    struct strbuf b = {0};
    settings_join(&b, words, "'", ", ", " or ");
    assert_string_equal(strbuf_str(&b), "'api_key_env', 'api_key_file' or 'timeout'");
    strbuf_free(&b);
    const struct setting *k = settings_find(keys, "port", NULL);
    assert_non_null(k);
    size_t off = 0;
    assert_ptr_equal(settings_find(keys, "port", &off), k);
    assert_int_equal(off, offsetof(struct sample, inner));
    assert_null(settings_find(keys, "nope", NULL));
}

static void test_the_example_shows_defaults_docs_and_blocks_last(void **state)
{
    (void)state;
    static const struct setting small[] = {
        {.name = "map", .type = SETTING_MAP, .example = "[map]\na = \"b\"", .doc = "a block"},
        {.name = "mode", .type = SETTING_ENUM, .names = modes, .def = "\"fast\"",
         .doc = "how"},
        {.name = "key", .type = SETTING_STRING, .example = "\"k\"",
         .doc = "a long doc that does not fit on one line and so is wrapped at eighty "
                "columns under itself"},
        {0},
    };
    struct strbuf out = {0};
    settings_write_example(small, false, 20, &out);
    assert_string_equal(strbuf_str(&out),
        "mode = \"fast\"       # \"fast\" | \"slow\": how\n"
        "# key = \"k\"         # a long doc that does not fit on one line and so is wrapped\n"
        "#                   # at eighty columns under itself\n"
        "# a block\n"
        "# [map]\n"
        "# a = \"b\"\n");
    strbuf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_loaded_from_their_toml_text),
        cmocka_unit_test(test_every_type_loads_over_its_default),
        cmocka_unit_test(test_each_problem_names_its_place_and_the_type_the_table_wants),
        cmocka_unit_test(test_a_check_runs_after_its_value_loaded_and_sees_the_rows_above),
        cmocka_unit_test(test_near_misses_and_joins),
        cmocka_unit_test(test_settings_are_equal_by_value_row_by_row),
        cmocka_unit_test(test_the_example_shows_defaults_docs_and_blocks_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
