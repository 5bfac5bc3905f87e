/* version.h - the version spendtop reports (--version, User-Agent). */
#ifndef SPENDTOP_VERSION_H
#define SPENDTOP_VERSION_H

#define SPENDTOP_VERSION "0.1.0"

#endif
