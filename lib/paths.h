/* paths.h - filesystem helpers for spendtop's own files. */
#ifndef SPENDTOP_PATHS_H
#define SPENDTOP_PATHS_H

#include <stddef.h>

/* Create the missing directories above path (like mkdir -p on its
 * dirname), mode 0700: spendtop's state and log are private. 0, or -1
 * with "cannot create directory DIR: REASON" in err (DIR the first one
 * that could not be made, REASON its errno's: not "No such file or
 * directory" about the file inside it). */
int paths_make_dirs(const char *path, char *err, size_t errlen);
/* paths_make_dirs for a caller whose next step (opening the file) says
 * what failed. */
void paths_make_parents(const char *path);

#endif
