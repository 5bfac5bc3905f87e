/* alerts_round - how long one alert evaluation round takes when 20,000
 * tenants fire at once (make bench).
 *
 * alerts_update alone (the rules' hits are given): 20,000 spend_anomaly
 * hits on as many tenants, every minute, into a real SQLite database with
 * one hook, so every notification goes to the outbox as in production.
 * The incident's life: pending for `for` (5 rounds), the round it fires
 * (20,000 notifications), rounds while it fires, then nothing for `for`
 * and the round it resolves (20,000 resolves). Prints the median and the
 * worst round and the two rounds that notify; a figure, never asserted.
 *
 *   alerts_round [TENANTS]     default 20000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerts/alerts.h"
#include "app/config.h"
#include "lib/log.h"

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* n hits, one per tenant, as the spend_anomaly rule would make them. */
static void make_hits(struct rule_hits *h, int n)
{
    const struct alert_kind *k = rules_kind_find("spend_anomaly");
    for (int i = 0; i < n; i++) {
        char scope[64];
        snprintf(scope, sizeof scope, "tenant:tenant-%05d", i);
        struct rule_hit *x = rules_add(h, k, scope, 3600, 30 + i % 7, 10, 15, false);
        snprintf(x->summary, sizeof x->summary, "%s spend $%.2f vs $10.00", scope, x->value);
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    log_set_quiet(true); /* a line per notification: 40,000 of them */
    const char *tmp = getenv("TMPDIR");
    char dir[4096], path[4200], err[512];
    snprintf(dir, sizeof dir, "%s/spendtop-alerts-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("alerts_round: mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/state.db", dir);
    struct config *cfg = config_defaults();
    cfg->nhooks = 1;
    cfg->hooks = calloc(1, sizeof *cfg->hooks);
    cfg->hooks[0].shell = strdup("true");
    cfg->hooks[0].on_firing = cfg->hooks[0].on_resolved = true;
    cfg->hooks[0].timeout = 10;
    cfg->hooks[0].attempts = 3;
    struct db *db = db_open(path, err, sizeof err);
    struct alerts *al = db ? alerts_new(&cfg->alerts, cfg->hooks, cfg->nhooks, db, true,
                                        err, sizeof err) : NULL;
    if (!al) {
        fprintf(stderr, "alerts_round: %s\n", err);
        return 1;
    }
    struct rule_hits hits = {0}, none = {0};
    make_hits(&hits, n);

    const int64_t t0 = 1795176000, step = 60, for_s = cfg->alerts.for_s;
    int pending = (int)(for_s / step), firing = 10, rounds = 2 * pending + firing + 2;
    double *took = calloc((size_t)rounds, sizeof *took);
    double fire_s = 0, resolve_s = 0;
    size_t fired = 0, resolved = 0;
    int r = 0;
    for (int64_t t = t0; r < rounds; t += step, r++) {
        /* hits until the last firing round, then none until resolved */
        bool hit = r <= pending + firing;
        double s = secs();
        size_t q = alerts_update(al, hit ? &hits : &none, t);
        took[r] = secs() - s;
        if (r == pending) {
            fire_s = took[r];
            fired = q;
        } else if (!hit && q) {
            resolve_s = took[r];
            resolved = q;
        }
    }
    double worst = 0;
    for (int i = 0; i < rounds; i++)
        worst = took[i] > worst ? took[i] : worst;
    qsort(took, (size_t)rounds, sizeof *took, cmp_double);
    printf("  alerts, %d tenants firing at once: median round %.3f s, worst %.3f s "
           "(target < 0.5 s)\n", n, took[rounds / 2], worst);
    printf("    the round it fires: %.3f s (%zu notifications); the round it resolves: "
           "%.3f s (%zu)\n", fire_s, fired, resolve_s, resolved);
    free(took);
    rules_hits_free(&hits);
    alerts_free(al);
    db_close(db);
    config_free(cfg);
    const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/state.db%s", dir, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
    return fired == (size_t)n && resolved == (size_t)n ? 0 : 1;
}
