/* toml_decoder - the toml-test decoder interface for core/toml.
 *
 * TOML on stdin; on success the toml-test "tagged JSON" on stdout and exit
 * 0; on invalid input the error on stderr and exit 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include "lib/toml.h"

static void emit(struct strbuf *out, const struct toml_value *v);

static void emit_tagged(struct strbuf *out, const char *type, const char *val)
{
    strbuf_puts(out, "{\"type\":");
    jsonw_quote(out, type);
    strbuf_puts(out, ",\"value\":");
    jsonw_quote(out, val);
    strbuf_putc(out, '}');
}

static void emit(struct strbuf *out, const struct toml_value *v)
{
    char buf[64];
    switch (toml_type(v)) {
    case TOML_TABLE:
        strbuf_putc(out, '{');
        for (size_t i = 0; i < toml_table_size(v); i++) {
            if (i)
                strbuf_putc(out, ',');
            jsonw_quote_len(out, toml_table_key(v, i), toml_table_key_len(v, i));
            strbuf_putc(out, ':');
            emit(out, toml_table_value(v, i));
        }
        strbuf_putc(out, '}');
        break;
    case TOML_ARRAY:
        strbuf_putc(out, '[');
        for (size_t i = 0; i < toml_array_size(v); i++) {
            if (i)
                strbuf_putc(out, ',');
            emit(out, toml_array_at(v, i));
        }
        strbuf_putc(out, ']');
        break;
    case TOML_STRING:
        strbuf_puts(out, "{\"type\":\"string\",\"value\":");
        jsonw_quote_len(out, toml_string(v), toml_string_len(v));
        strbuf_putc(out, '}');
        break;
    case TOML_INTEGER:
        snprintf(buf, sizeof buf, "%lld", (long long)toml_integer(v));
        emit_tagged(out, "integer", buf);
        break;
    case TOML_FLOAT: {
        double f = toml_float(v);
        if (isnan(f))
            snprintf(buf, sizeof buf, "nan");
        else if (isinf(f))
            snprintf(buf, sizeof buf, f < 0 ? "-inf" : "inf");
        else
            snprintf(buf, sizeof buf, "%.17g", f);
        emit_tagged(out, "float", buf);
        break;
    }
    case TOML_BOOL:
        emit_tagged(out, "bool", toml_bool(v) ? "true" : "false");
        break;
    default:
        toml_datetime_format(v, buf, sizeof buf);
        emit_tagged(out, toml_type_name(toml_type(v)), buf);
        break;
    }
}

int main(void)
{
    struct strbuf in = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        strbuf_append(&in, chunk, n);
    char err[512];
    struct toml_value *root = toml_parse(strbuf_str(&in), in.len, "stdin",
                                         err, sizeof err);
    strbuf_free(&in);
    if (!root) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct strbuf out = {0};
    emit(&out, root);
    toml_free(root);
    puts(strbuf_str(&out));
    strbuf_free(&out);
    return 0;
}
