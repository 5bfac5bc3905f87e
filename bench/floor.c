/* floor - the baseline `make bench` measures spendtop against.
 *
 * The least any OTLP/JSON consumer built on cJSON must do: read the export
 * line by line, parse each line, walk every span and sum its input and
 * output tokens per model. spendtop does this and more (operation filter,
 * tenant, dedup, pricing, the store, SQLite), so its throughput over this
 * one is the cost of everything else.
 *
 * usage: floor FILE   (prints spans and per-model sums)
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sum {
    char model[128];
    long long input, output;
};

static long long int_value(const cJSON *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "intValue");
    if (cJSON_IsString(x))
        return atoll(x->valuestring);
    if (cJSON_IsNumber(x))
        return (long long)x->valuedouble;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static struct sum sums[64];
    int nsums = 0;
    long long spans = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        cJSON *root = cJSON_ParseWithLength(line, (size_t)n);
        const cJSON *rs, *ss, *sp;
        cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(root, "resourceSpans"))
        cJSON_ArrayForEach(ss, cJSON_GetObjectItemCaseSensitive(rs, "scopeSpans"))
        cJSON_ArrayForEach(sp, cJSON_GetObjectItemCaseSensitive(ss, "spans")) {
            const char *model = "";
            long long in = 0, out = 0;
            const cJSON *kv;
            cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(sp, "attributes")) {
                const char *k = cJSON_GetObjectItemCaseSensitive(kv, "key")->valuestring;
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(kv, "value");
                if (strcmp(k, "gen_ai.request.model") == 0)
                    model = cJSON_GetObjectItemCaseSensitive(v, "stringValue")->valuestring;
                else if (strcmp(k, "gen_ai.usage.input_tokens") == 0)
                    in = int_value(v);
                else if (strcmp(k, "gen_ai.usage.output_tokens") == 0)
                    out = int_value(v);
            }
            int i = 0;
            while (i < nsums && strcmp(sums[i].model, model) != 0)
                i++;
            if (i == nsums && nsums < 64)
                snprintf(sums[nsums++].model, sizeof sums[0].model, "%s", model);
            if (i < 64) {
                sums[i].input += in;
                sums[i].output += out;
            }
            spans++;
        }
        cJSON_Delete(root);
    }
    free(line);
    fclose(f);
    printf("spans %lld\n", spans);
    for (int i = 0; i < nsums; i++)
        printf("%s %lld %lld\n", sums[i].model, sums[i].input, sums[i].output);
    return 0;
}
