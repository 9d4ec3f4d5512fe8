/* lanxang: the data directory.
 *
 *   DIR/lanxang.db        SQLite catalog (schema versioned with PRAGMA user_version;
 *                         every change of schema is a migration, never a wipe)
 *   DIR/feeds/NAME@GEN/   each imported feed, as validated GTFS written by lanxang,
 *                         in a folder of its own generation named by the catalog
 *   DIR/lanxang.lock      flock: shared while loading, exclusive while changing
 *
 * An import is all or nothing: the feed is written into a new generation's folder
 * (each file fsync'ed), and the catalog row naming that folder is the one commit
 * point; the old generation is deleted after it. A crash at any point leaves the old
 * feed or the new one, never a mix; folders no catalog row names are removed the
 * next time the data directory is opened. */
#ifndef LANXANG_STORE_H
#define LANXANG_STORE_H

#include <stdint.h>
#include "lanxang/gtfs.h"
#include "lanxang/net.h"

typedef struct lx_store lx_store;

typedef struct {
    char name[64];
    char source[512];
    char dir[128];            /* its folder under DIR/feeds/ */
    int64_t imported_at;      /* Unix seconds */
    uint32_t stations, trips, stop_times;
} lx_feed_rec;

/* Opens (create: and creates) the data directory and migrates its catalog. */
lx_err lx_store_open(const char *dir, int create, lx_store **out, char *msg, size_t msg_len);
void lx_store_close(lx_store *s);
/* The imported feeds, oldest first; *out is malloc'ed (free it). */
lx_err lx_store_feeds(lx_store *s, lx_feed_rec **out, size_t *n);
/* Stores a validated timetable under name (replacing a feed of that name). */
lx_err lx_store_import(lx_store *s, const lx_tt *tt, const char *name, const char *source,
                       int64_t now, char *msg, size_t msg_len);
lx_err lx_store_remove(lx_store *s, const char *name, char *msg, size_t msg_len);
/* Loads every stored feed into net. A feed that no longer loads is reported in msg
 * and makes the call fail (LX_STORE): data is never silently dropped. */
lx_err lx_store_load(lx_store *s, lx_net *net, char *msg, size_t msg_len);
/* A feed name must be 1-63 of [a-z0-9_-], starting with a letter or digit. */
int lx_store_name_valid(const char *name);
/* Current schema version of the catalog. */
int lx_store_schema_version(void);

#endif
