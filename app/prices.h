/* prices.h - the price table in force, and `spendtop prices`.
 *
 * The table in force is, in this order: the [pricing] file when one is
 * configured (it replaces every other table); else the table `spendtop
 * prices update` stored beside the database (prices.json), when it loads;
 * else the compiled-in table (offline, it is always there). Then the
 * config's single-model overrides, discounts and aliases. spendtop loads
 * it at start: a running daemon takes a newer stored table when it is
 * restarted.
 *
 * A table is dated: a file by its modification time (the stored one is
 * written when it is downloaded), the compiled-in one by the LiteLLM file
 * it was made from. Older than PRICES_MAX_AGE_DAYS, it is flagged: a
 * "prices" entry in the view's sources (the header and the snapshot's
 * sources[] show it as stale, saying how to update). The alert rules
 * never see that entry: an old table is not a page.
 *
 * The command (prices_main):
 *   spendtop prices MODEL [--provider P]   how MODEL matches and what it costs
 *   spendtop prices --unpriced             what the database holds unpriced,
 *                                          with the nearest table keys
 *   spendtop prices update [URL] [--force] download, check, store a table
 * with the common -c FILE and --db FILE.
 */
#ifndef SPENDTOP_PRICES_H
#define SPENDTOP_PRICES_H

#include <stdint.h>

#include "app/config.h"
#include "core/view.h"
#include "pricing/pricing.h"

#define PRICES_MAX_AGE_DAYS 60
#define PRICES_FILE "prices.json"
#define PRICES_PREVIOUS_FILE "prices.previous.json"

/* Where the table in force came from. */
struct prices_info {
    char source[300];          /* "compiled-in", or the file's path */
    int64_t date;              /* unix seconds */
    char note[300];            /* the flag's text, for the view */
};

/* The table in force for cfg and the database at db_path (the stored
 * table lives beside it). NULL with a message in err when the configured
 * file cannot be loaded (a stored table that does not load is logged and
 * skipped: the compiled-in table takes over). */
struct pricing *prices_load(const struct config *cfg, const char *db_path,
                            struct prices_info *info, char *err, size_t errlen);

/* Which table is in force for a database at db_path when the config is
 * not known (a viewer, until its owner says: core/owner.h): the stored
 * table beside it, else the compiled-in one - wrong only for an owner
 * with a [pricing] file. Nothing is loaded. */
void prices_info_guess(const char *db_path, struct prices_info *info);

/* Append the age flag to v's sources when the table is older than
 * PRICES_MAX_AGE_DAYS at now (info outlives v). */
void prices_flag_view(struct prices_info *info, int64_t now, struct view *v);

/* `spendtop prices ...`: argv[0] is "prices". Returns the exit status (0
 * ok, 1 unpriced / refused / failed, 2 usage or config error). */
int prices_main(int argc, char **argv);

#endif
