/* lanxang internal: loading IANA time zones from the system's zoneinfo files.
 *
 * The core (src/core/time.c) only turns TZif bytes into a lx_tz; this module finds
 * and reads the files. The directory is $TZDIR when set and non-empty, else
 * /usr/share/zoneinfo (what glibc and the tzcode reference use).
 */
#ifndef LANXANG_GTFS_TZDB_H
#define LANXANG_GTFS_TZDB_H

#include "lanxang/error.h"
#include "lanxang/time.h"

/* 1 if name is a syntactically valid IANA zone name: '/'-separated components of
 * [A-Za-z0-9_+.-], none empty, none starting with '.', at most 255 bytes. This is
 * what keeps a name from leaving the zoneinfo directory ("../x", "/etc/x"). */
int lx_tzdb_name_valid(const char *name);

/* Loads the zone called name into *out (the caller destroys it). "UTC", "Etc/UTC"
 * and "GMT" need no file. LX_TZ for an invalid, unknown or malformed zone, LX_IO if
 * the file exists but cannot be read, LX_NOMEM. */
lx_err lx_tzdb_load(const char *name, lx_tz **out);

/* A cache of loaded zones: a feed names the same few zones over and over. It owns
 * the zones; a pointer from lx_tzdb_get stays valid until lx_tzdb_destroy. Unknown
 * zones are remembered too, so a bad name costs one file lookup. Not thread-safe. */
typedef struct lx_tzdb lx_tzdb;

lx_err lx_tzdb_create(lx_tzdb **out);
void lx_tzdb_destroy(lx_tzdb *db);
/* The zone called name, loaded on first use; errors as lx_tzdb_load. */
lx_err lx_tzdb_get(lx_tzdb *db, const char *name, const lx_tz **out);

#endif
