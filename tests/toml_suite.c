/* toml_suite - runs tests/toml_decoder over the toml-test TOML 1.0 corpus.
 *
 * usage: toml_suite DECODER FIXTURE_DIR SKIPS_FILE
 *
 * Every invalid document must be rejected (non-zero exit, no crash). Every
 * valid document must decode to the expected tagged JSON, except those
 * listed in SKIPS_FILE (known gaps). Fails if a skip is no longer needed,
 * so the list cannot rot, or if fewer than 90% of valid documents pass.
 */
#include <cJSON.h>
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/strbuf.h"

extern char **environ;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct strbuf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_append(&b, chunk, n);
    fclose(f);
    return strbuf_detach(&b);
}

/* Run decoder < input; returns wait status, output in *out. */
static int run_decoder(const char *decoder, const char *input, char **out)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, input, O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    char *argv[] = {(char *)decoder, NULL};
    int rc = posix_spawn(&pid, decoder, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return -1;
    }
    struct strbuf b = {0};
    char chunk[8192];
    ssize_t n;
    while ((n = read(pipefd[0], chunk, sizeof chunk)) > 0)
        strbuf_append(&b, chunk, (size_t)n);
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    *out = strbuf_detach(&b);
    return status;
}

static double parse_float(const char *s)
{
    if (strcmp(s, "nan") == 0 || strcmp(s, "+nan") == 0 || strcmp(s, "-nan") == 0)
        return NAN;
    if (strcmp(s, "inf") == 0 || strcmp(s, "+inf") == 0)
        return INFINITY;
    if (strcmp(s, "-inf") == 0)
        return -INFINITY;
    return strtod(s, NULL);
}

/* Normalise an RFC 3339 text: upper case, 'T' separator, no trailing zeros
 * in the fraction. */
static void norm_datetime(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; *in && n + 1 < len; in++)
        out[n++] = (char)(*in == ' ' ? 'T' : toupper((unsigned char)*in));
    out[n] = '\0';
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    char *end = dot + 1;
    while (isdigit((unsigned char)*end))
        end++;
    char *z = end;
    while (z > dot + 1 && z[-1] == '0')
        z--;
    if (z == dot + 1)
        z = dot;
    memmove(z, end, strlen(end) + 1);
}

static bool is_leaf(const cJSON *o)
{
    return cJSON_IsObject(o) && cJSON_GetArraySize(o) == 2 &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "type")) &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "value"));
}

static bool same(const cJSON *a, const cJSON *b)
{
    if (is_leaf(a) || is_leaf(b)) {
        if (!is_leaf(a) || !is_leaf(b))
            return false;
        const char *ta = cJSON_GetObjectItemCaseSensitive(a, "type")->valuestring;
        const char *tb = cJSON_GetObjectItemCaseSensitive(b, "type")->valuestring;
        const char *va = cJSON_GetObjectItemCaseSensitive(a, "value")->valuestring;
        const char *vb = cJSON_GetObjectItemCaseSensitive(b, "value")->valuestring;
        if (strcmp(ta, tb) != 0)
            return false;
        if (strcmp(ta, "float") == 0) {
            double x = parse_float(va), y = parse_float(vb);
            return (isnan(x) && isnan(y)) || x == y;
        }
        if (strncmp(ta, "date", 4) == 0 || strncmp(ta, "time", 4) == 0) {
            char x[64], y[64];
            norm_datetime(va, x, sizeof x);
            norm_datetime(vb, y, sizeof y);
            return strcmp(x, y) == 0;
        }
        return strcmp(va, vb) == 0;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        int n = cJSON_GetArraySize(a);
        if (n != cJSON_GetArraySize(b))
            return false;
        for (int i = 0; i < n; i++)
            if (!same(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i)))
                return false;
        return true;
    }
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return false;
        const cJSON *item;
        cJSON_ArrayForEach(item, a) {
            const cJSON *other = cJSON_GetObjectItemCaseSensitive(b, item->string);
            if (!other || !same(item, other))
                return false;
        }
        return true;
    }
    return false;
}

static bool listed(const char *skips, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = skips; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return true;
        p = eol ? eol + 1 : p + len;
    }
    return false;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DECODER FIXTURE_DIR SKIPS_FILE\n", argv[0]);
        return 2;
    }
    const char *decoder = argv[1], *dir = argv[2];
    char path[4096];
    snprintf(path, sizeof path, "%s/files-toml-1.0.0", dir);
    char *list = read_file(path);
    char *skips = read_file(argv[3]);
    if (!list) {
        fprintf(stderr, "toml_suite: cannot read %s\n", path);
        return 2;
    }
    int invalid = 0, invalid_ok = 0, valid = 0, valid_ok = 0, skipped = 0;
    int failures = 0;
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
        size_t len = strlen(line);
        if (len < 5 || strcmp(line + len - 5, ".toml") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, line);
        char *out = NULL;
        int status = run_decoder(decoder, path, &out);
        bool crashed = status == -1 || !WIFEXITED(status);
        if (strncmp(line, "invalid/", 8) == 0) {
            invalid++;
            if (!crashed && WEXITSTATUS(status) != 0) {
                invalid_ok++;
            } else {
                failures++;
                printf("FAIL %s: %s\n", line, crashed ? "crashed" : "accepted");
            }
        } else {
            valid++;
            char jpath[4096];
            snprintf(jpath, sizeof jpath, "%s/%.*s.json", dir, (int)(len - 5), line);
            char *want_text = read_file(jpath);
            cJSON *want = want_text ? cJSON_Parse(want_text) : NULL;
            cJSON *got = (!crashed && WEXITSTATUS(status) == 0) ? cJSON_Parse(out) : NULL;
            bool ok = want && got && same(want, got);
            bool skip = listed(skips, line);
            if (ok) {
                valid_ok++;
                if (skip) {
                    failures++;
                    printf("FAIL %s: passes but is listed as a known skip\n", line);
                }
            } else if (skip) {
                skipped++;
            } else {
                failures++;
                printf("FAIL %s: %s\n", line,
                       crashed ? "crashed" : got ? "wrong output" : "rejected");
            }
            cJSON_Delete(want);
            cJSON_Delete(got);
            free(want_text);
        }
        free(out);
    }
    double rate = valid ? 100.0 * valid_ok / valid : 0;
    printf("toml-test 1.0: invalid rejected %d/%d, valid decoded %d/%d (%.1f%%), "
           "known skips %d\n", invalid_ok, invalid, valid_ok, valid, rate, skipped);
    free(list);
    free(skips);
    if (rate < 90.0) {
        printf("FAIL: fewer than 90%% of valid documents decoded\n");
        failures++;
    }
    return failures ? 1 : 0;
}
