/* store_load - what a restart reads and holds: open a database (a copy:
 * db_open may upgrade it), load its store as the daemon does (db_load,
 * everything since the retention before its newest bucket), and print
 *
 *   buckets N  bytes B  bytes/bucket X  load S s  peak RSS R MiB
 *
 * B is what the store's buckets take in memory (store_bucket_bytes: their
 * encoding, open hours, series slots); R the whole process's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "core/db.h"
#include "core/store.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: store_load DB\n");
        return 2;
    }
    char err[512];
    double t0 = now_s();
    struct db *db = db_open(argv[1], err, sizeof err);
    if (!db) {
        fprintf(stderr, "store_load: %s\n", err);
        return 1;
    }
    int64_t newest;
    struct store *st = store_new();
    if (db_newest_minute(db, &newest) != 0 ||
        db_load(db, st, newest == INT64_MIN ? INT64_MIN : newest - STORE_RETENTION) != 0) {
        fprintf(stderr, "store_load: %s\n", db_error(db));
        return 1;
    }
    double t1 = now_s();
    size_t n = store_bucket_count(st), bytes = store_bucket_bytes(st);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("buckets %zu  bytes %zu  bytes/bucket %.1f  load %.3f s  peak RSS %.1f MiB\n", n,
           bytes, n ? (double)bytes / (double)n : 0.0, t1 - t0, (double)ru.ru_maxrss / 1024);
    store_free(st);
    db_close(db);
    return 0;
}
