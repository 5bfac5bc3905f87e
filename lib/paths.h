/* paths.h - filesystem helpers for spendtop's own files. */
#ifndef SPENDTOP_PATHS_H
#define SPENDTOP_PATHS_H

/* Create the missing directories above path (like mkdir -p on its
 * dirname), mode 0700: spendtop's state and log are private. */
void paths_make_parents(const char *path);

#endif
