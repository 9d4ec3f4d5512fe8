/* The data directory and its SQLite catalog. See include/lanxang/store.h for the
 * layout and the all-or-nothing import. */
#define _GNU_SOURCE
#include "lanxang/store.h"
#include "lanxang/ticket.h"
#include "store_int.h"
#include "book_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct lx_store {
    char *dir;
    sqlite3 *db;
    int lock_fd;     /* DIR/lanxang.lock: shared while loading, exclusive while changing */
    uint8_t doc_key[BK_DOC_KEY]; /* DIR/keys/documents.key (book_docs.c) */
};

/* Each migration takes the catalog from version i to i + 1. Append, never edit. */
static const char *const migrations[] = {
    /* 1: the feed catalog */
    "CREATE TABLE feeds ("
    "  name TEXT PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  imported_at INTEGER NOT NULL,"
    "  stations INTEGER NOT NULL,"
    "  trips INTEGER NOT NULL,"
    "  stop_times INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL"
    ");",
    /* 2: each feed lives in a folder of its own generation, named in the catalog, so
     * that the catalog row is the one commit point of an import */
    "ALTER TABLE feeds ADD COLUMN dir TEXT NOT NULL DEFAULT '';"
    "UPDATE feeds SET dir = name;",
    /* 3: orders, one row per order holding its latest snapshot (src/store/book.c).
     * The row's key is the change that wrote it (`seq`, common to every process): a
     * change moves the order's row to the end of the table, so a commit writes a few
     * pages at the end instead of one page per order all over the file, and "what
     * changed since seq N" is a range of the key. `oid` is the engine's 64-bit id, `id`
     * the same number as shown to people. */
    "CREATE TABLE IF NOT EXISTS orders ("
    "  seq INTEGER PRIMARY KEY,"
    "  oid INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  feed TEXT NOT NULL,"
    "  trip_id TEXT NOT NULL,"
    "  service_day INTEGER NOT NULL,"
    "  from_stop TEXT NOT NULL,"
    "  to_stop TEXT NOT NULL,"
    "  from_pos INTEGER NOT NULL,"
    "  to_pos INTEGER NOT NULL,"
    "  class TEXT NOT NULL,"
    "  seats TEXT NOT NULL,"
    "  passengers TEXT NOT NULL,"
    "  owner TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  price INTEGER NOT NULL,"
    "  currency TEXT NOT NULL,"
    "  payment TEXT NOT NULL"
    ");",
    /* 4: the first use of each e-ticket at a gate (lx_store_checkin, lanxang/ticket.h);
     * the key makes a second use of a ticket refused in every process at once */
    "CREATE TABLE IF NOT EXISTS checkins ("
    "  order_id TEXT NOT NULL,"
    "  ticket INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  station TEXT NOT NULL,"
    "  PRIMARY KEY (order_id, ticket)"
    ");",
    /* 5: travel document numbers are no longer kept in clear: each passenger line
     * holds the number masked to its last 4 characters and a keyed hash of it
     * (src/store/book_docs.c, whose function rewrites the lines written before) */
    "UPDATE orders SET passengers = lx_protect_passengers(passengers) "
    "WHERE passengers <> '';",
    /* 6: what an order's life adds beside its seats (src/store/book.c): the refund
     * fee kept, the orders a change links, the fare of each passenger type; one
     * "key=value" line each, '' for the orders written before */
    "ALTER TABLE orders ADD COLUMN extra TEXT NOT NULL DEFAULT '';",
    /* 7: prepaid waitlist requests (lanxang/waitlist.h, src/store/waitlist.c), one row
     * each. passengers: one "name\tmasked\ttype\tbirth\t#hash\tsealed" line per
     * passenger (the number sealed, never in clear); choices: one "feed\ttrip_id\t
     * service_day\tfrom\tto\tclass\tdeparture" line per choice (stop positions within
     * the trip); booking: the order id reserved for its ticket */
    "CREATE TABLE IF NOT EXISTS waitlist ("
    "  id TEXT PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  feed TEXT NOT NULL,"
    "  from_stop TEXT NOT NULL,"
    "  to_stop TEXT NOT NULL,"
    "  passengers TEXT NOT NULL,"
    "  choices TEXT NOT NULL,"
    "  amount INTEGER NOT NULL,"
    "  currency TEXT NOT NULL,"
    "  payment TEXT NOT NULL,"
    "  seller TEXT NOT NULL,"
    "  booking TEXT NOT NULL,"
    "  fulfilled_choice INTEGER NOT NULL,"
    "  refund INTEGER NOT NULL,"
    "  refunded_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX IF NOT EXISTS waitlist_open ON waitlist(created_at, id) "
    "WHERE state = 'open';",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

int lx_store_schema_version(void) { return N_MIGRATIONS; }

const char *lx_store_dir(const lx_store *s) { return s->dir; }

const uint8_t *lx_store_doc_key(const lx_store *s) { return s->doc_key; }

int lx_store_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 63 || name[0] == '-' || name[0] == '_')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-' || name[i] == '_'))
            return 0;
    return 1;
}

static lx_err db_fail(lx_store *s, char *msg, size_t msg_len, const char *what)
{
    snprintf(msg, msg_len, "%s: %s", what, sqlite3_errmsg(s->db));
    return LX_STORE;
}

static int catalog_version(lx_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return version;
}

/* One migration per transaction. The version is read inside the write transaction, so
 * processes opening a new data directory at once migrate it once, one after another. */
static lx_err migrate(lx_store *s, char *msg, size_t msg_len)
{
    if (catalog_version(s) == N_MIGRATIONS)
        return LX_OK; /* the usual case, without taking the write lock */
    for (;;) {
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return db_fail(s, msg, msg_len, "migrating the catalog");
        int version = catalog_version(s);
        if (version < 0) {
            lx_err e = db_fail(s, msg, msg_len, "reading the catalog version");
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return e;
        }
        if (version >= N_MIGRATIONS) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            if (version == N_MIGRATIONS)
                return LX_OK;
            snprintf(msg, msg_len,
                     "the data directory was written by a newer lanxang (catalog version %d, "
                     "this one knows %d); upgrade lanxang",
                     version, N_MIGRATIONS);
            return LX_STORE;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(s->db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            lx_err e = db_fail(s, msg, msg_len, "migrating the catalog");
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return e;
        }
    }
}

/* snprintf into a path buffer; a path that does not fit is refused rather than cut */
#define PATH(buf, ...) (snprintf(buf, sizeof buf, __VA_ARGS__) < (int)sizeof buf)

static int mkdir_p(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    char buf[4096];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        struct stat st;
        if (!PATH(buf, "%s/%s", path, e->d_name))
            continue;
        if (lstat(buf, &st) == 0 && S_ISDIR(st.st_mode))
            rm_rf(buf);
        else
            unlink(buf);
    }
    closedir(d);
    return rmdir(path);
}

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int lock(lx_store *s, int how)
{
    while (flock(s->lock_fd, how) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static void unlock(lx_store *s) { flock(s->lock_fd, LOCK_UN); }

/* Whether a folder name of feeds/ is the folder of a feed in the catalog. */
static int referenced(lx_store *s, const char *dirname)
{
    sqlite3_stmt *q;
    int found = 1; /* on any doubt, keep it */
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM feeds WHERE dir = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, dirname, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        found = rc == SQLITE_ROW || rc != SQLITE_DONE;
        sqlite3_finalize(q);
    }
    return found;
}

/* Cleans up after an import or removal that a crash interrupted. The catalog says
 * which folder holds each feed; any other folder in feeds/ is a new generation
 * whose import never committed, or an old one whose deletion never ran, and goes.
 * A catalog of version 1 may still hold the rename-aside of that version's import
 * (NAME.old without NAME): it is put back first. Runs only when no other process
 * holds the data directory. */
static void recover(lx_store *s)
{
    char feeds[4096], a[4096], b[4096];
    if (!PATH(feeds, "%s/feeds", s->dir) || flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return;
    DIR *d = opendir(feeds);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || n <= 4 ||
                strcmp(e->d_name + n - 4, ".old") != 0)
                continue;
            struct stat st;
            if (PATH(a, "%s/%s", feeds, e->d_name) &&
                PATH(b, "%s/%.*s", feeds, (int)(n - 4), e->d_name) && stat(b, &st) != 0)
                rename(a, b);
        }
        rewinddir(d);
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || referenced(s, e->d_name))
                continue;
            if (PATH(a, "%s/%s", feeds, e->d_name))
                rm_rf(a);
        }
        closedir(d);
    }
    unlock(s);
}

lx_err lx_store_open(const char *dir, int create, lx_store **out, char *msg, size_t msg_len)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (!create) {
            snprintf(msg, msg_len, "no data directory at %s", dir);
            return LX_NOTFOUND;
        }
        if (mkdir_p(dir) != 0) {
            snprintf(msg, msg_len, "cannot create the data directory %s: %s", dir, strerror(errno));
            return LX_IO;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(msg, msg_len, "%s is not a directory", dir);
        return LX_STORE;
    }
    lx_store *s = calloc(1, sizeof *s);
    if (s)
        s->lock_fd = -1;
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        return LX_NOMEM;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/lanxang.db", dir);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        if (!create && access(path, F_OK) != 0) {
            /* a data directory with nothing imported yet */
            snprintf(msg, msg_len, "no catalog in %s", dir);
            lx_store_close(s);
            return LX_NOTFOUND;
        }
        lx_err e = db_fail(s, msg, msg_len, path);
        lx_store_close(s);
        return e;
    }
    sqlite3_busy_timeout(s->db, 5000);
    s->lock_fd = -1;
    if (!PATH(path, "%s/lanxang.lock", dir) ||
        (s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        snprintf(msg, msg_len, "cannot open %s/lanxang.lock: %s", dir, strerror(errno));
        lx_store_close(s);
        return LX_IO;
    }
    sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL);
    lx_err e = bk_doc_key_load(dir, s->doc_key, msg, msg_len);
    if (e || bk_doc_sql_register(s->db, s->doc_key) != SQLITE_OK) {
        lx_store_close(s);
        return e ? e : LX_STORE;
    }
    e = migrate(s, msg, msg_len);
    if (e) {
        lx_store_close(s);
        return e;
    }
    snprintf(path, sizeof path, "%s/feeds", dir);
    if (mkdir_p(path) != 0) {
        snprintf(msg, msg_len, "cannot create %s: %s", path, strerror(errno));
        lx_store_close(s);
        return LX_IO;
    }
    recover(s);
    *out = s;
    return LX_OK;
}

void lx_store_close(lx_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->dir);
    free(s);
}

lx_err lx_store_feeds(lx_store *s, lx_feed_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name, source, imported_at, stations, trips, stop_times, dir "
                           "FROM feeds ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return LX_STORE;
    lx_feed_rec *v = NULL;
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        lx_feed_rec *nv = realloc(v, (k + 1) * sizeof *nv);
        if (!nv) {
            free(v);
            sqlite3_finalize(st);
            return LX_NOMEM;
        }
        v = nv;
        lx_feed_rec *r = &v[k++];
        memset(r, 0, sizeof *r);
        snprintf(r->name, sizeof r->name, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(r->source, sizeof r->source, "%s", (const char *)sqlite3_column_text(st, 1));
        r->imported_at = sqlite3_column_int64(st, 2);
        r->stations = (uint32_t)sqlite3_column_int64(st, 3);
        r->trips = (uint32_t)sqlite3_column_int64(st, 4);
        r->stop_times = (uint32_t)sqlite3_column_int64(st, 5);
        snprintf(r->dir, sizeof r->dir, "%s", (const char *)sqlite3_column_text(st, 6));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return LX_STORE;
    }
    *out = v;
    *n = k;
    return LX_OK;
}

/* The catalog's folder of a feed into out ("" when the feed is not there). */
static lx_err feed_dir(lx_store *s, const char *name, char *out, size_t n)
{
    sqlite3_stmt *q;
    *out = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT dir FROM feeds WHERE name = ?1", -1, &q, NULL) != SQLITE_OK)
        return LX_STORE;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? LX_OK : LX_STORE;
}

static lx_err import_locked(lx_store *s, const lx_tt *tt, const char *name, const char *source,
                            int64_t now, char *msg, size_t msg_len)
{
    /* a new generation: NAME@N with N never used for this data directory */
    char gen[96], old[256], feeds[4096], tmp[4096], final[4096];
    sqlite3_stmt *q;
    int64_t next = 1;
    if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(seq), 0) + 1 FROM feeds", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            next = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    if (feed_dir(s, name, old, sizeof old) != LX_OK)
        return db_fail(s, msg, msg_len, "reading the catalog");
    /* NAME@TIME.K, with K making it unused even for imports within one second */
    struct stat st;
    for (unsigned k = 0;; k++) {
        snprintf(gen, sizeof gen, "%s@%lld.%u", name, (long long)now, k);
        if (!PATH(feeds, "%s/feeds", s->dir) || !PATH(tmp, "%s/.tmp-%s", feeds, gen) ||
            !PATH(final, "%s/%s", feeds, gen)) {
            snprintf(msg, msg_len, "the path of the data directory is too long");
            return LX_INVAL;
        }
        if (strcmp(gen, old) != 0 && stat(final, &st) != 0 && stat(tmp, &st) != 0)
            break;
    }
    rm_rf(tmp);
    lx_err e = lx_gtfs_write(tt, tmp);
    if (e) {
        snprintf(msg, msg_len, "cannot write the feed into %s: %s", feeds, lx_strerror(e));
        rm_rf(tmp);
        return e;
    }
    if (rename(tmp, final) != 0) {
        snprintf(msg, msg_len, "cannot move the feed into %s: %s", final, strerror(errno));
        rm_rf(tmp);
        return LX_IO;
    }
    fsync_dir(feeds);

    /* the commit point: from here on the catalog names the new folder */
    uint32_t ns, nt;
    lx_tt_stations(tt, &ns);
    lx_tt_trips(tt, &nt);
    const char *sql =
        "INSERT INTO feeds(name, source, imported_at, stations, trips, stop_times, seq, dir) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT(name) DO UPDATE SET source = ?2, imported_at = ?3, stations = ?4, "
        "trips = ?5, stop_times = ?6, dir = ?8";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        e = db_fail(s, msg, msg_len, "recording the feed");
        rm_rf(final);
        return e;
    }
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, now);
    sqlite3_bind_int64(q, 4, ns);
    sqlite3_bind_int64(q, 5, nt);
    sqlite3_bind_int64(q, 6, lx_tt_stop_time_count(tt));
    sqlite3_bind_int64(q, 7, next);
    sqlite3_bind_text(q, 8, gen, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        e = db_fail(s, msg, msg_len, "recording the feed");
        rm_rf(final); /* never committed: the old feed stays as it was */
        return e;
    }
    if (*old && PATH(tmp, "%s/%s", feeds, old))
        rm_rf(tmp);
    return LX_OK;
}

lx_err lx_store_import(lx_store *s, const lx_tt *tt, const char *name, const char *source,
                       int64_t now, char *msg, size_t msg_len)
{
    if (!lx_store_name_valid(name)) {
        snprintf(msg, msg_len,
                 "'%s' is not a usable feed name: use 1-63 lower-case letters, digits, - or _ "
                 "(--name NAME)", name);
        return LX_INVAL;
    }
    if (lock(s, LOCK_EX) != 0) {
        snprintf(msg, msg_len, "cannot lock %s: %s", s->dir, strerror(errno));
        return LX_IO;
    }
    lx_err e = import_locked(s, tt, name, source, now, msg, msg_len);
    unlock(s);
    return e;
}

lx_err lx_store_remove(lx_store *s, const char *name, char *msg, size_t msg_len)
{
    char dir[256], path[4096];
    if (lock(s, LOCK_EX) != 0) {
        snprintf(msg, msg_len, "cannot lock %s: %s", s->dir, strerror(errno));
        return LX_IO;
    }
    lx_err e = feed_dir(s, name, dir, sizeof dir);
    sqlite3_stmt *q = NULL;
    if (!e && sqlite3_prepare_v2(s->db, "DELETE FROM feeds WHERE name = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            e = LX_STORE;
    } else
        e = LX_STORE;
    sqlite3_finalize(q);
    if (e)
        db_fail(s, msg, msg_len, "removing the feed");
    else if (sqlite3_changes(s->db) == 0) {
        snprintf(msg, msg_len, "no feed named '%s' in %s", name, s->dir);
        e = LX_NOTFOUND;
    } else if (*dir && PATH(path, "%s/feeds/%s", s->dir, dir))
        rm_rf(path);
    unlock(s);
    return e;
}

lx_err lx_store_load(lx_store *s, lx_net *net, char *msg, size_t msg_len)
{
    lx_feed_rec *feeds;
    size_t n;
    if (lock(s, LOCK_SH) != 0) {
        snprintf(msg, msg_len, "cannot lock %s: %s", s->dir, strerror(errno));
        return LX_IO;
    }
    lx_err e = lx_store_feeds(s, &feeds, &n);
    if (e) {
        unlock(s);
        snprintf(msg, msg_len, "cannot read the catalog of %s", s->dir);
        return e;
    }
    for (size_t i = 0; i < n && !e; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/feeds/%s", s->dir, feeds[i].dir);
        lx_report *r;
        if ((e = lx_report_create(&r)))
            break;
        lx_gtfs_opts opts = {.feed_name = feeds[i].name};
        lx_tt *tt;
        e = lx_gtfs_load_path(path, &opts, r, &tt);
        if (e) {
            snprintf(msg, msg_len, "the stored feed '%s' (%s) no longer loads: %s; re-import it",
                     feeds[i].name, path, lx_strerror(e));
            e = LX_STORE;
        } else {
            e = lx_net_add(net, tt);
        }
        lx_report_destroy(r);
    }
    free(feeds);
    unlock(s);
    return e;
}

/* ---- check-ins of e-tickets (declared in lanxang/ticket.h) ---- */

static lx_err sql_err(lx_store *s)
{
    int rc = sqlite3_errcode(s->db);
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? LX_BUSY
           : rc == SQLITE_FULL                      ? LX_NOSPACE
           : rc == SQLITE_IOERR                     ? LX_IO
                                                    : LX_STORE;
}

lx_err lx_store_checkin(lx_store *s, const char *order, uint32_t ticket, lx_instant_t at,
                        const char *station, lx_instant_t *first_at, char *first_station,
                        size_t first_station_len)
{
    sqlite3_stmt *q;
    /* one statement: the primary key decides between two gates scanning at once */
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO checkins(order_id, ticket, at, station) "
                           "VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                           -1, &q, NULL) != SQLITE_OK)
        return sql_err(s);
    sqlite3_bind_text(q, 1, order, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, ticket);
    sqlite3_bind_int64(q, 3, at);
    sqlite3_bind_text(q, 4, station ? station : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sql_err(s);
    if (sqlite3_changes(s->db) == 1)
        return LX_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT at, station FROM checkins WHERE order_id = ?1 AND ticket = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return sql_err(s);
    sqlite3_bind_text(q, 1, order, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, ticket);
    if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (first_at)
            *first_at = sqlite3_column_int64(q, 0);
        if (first_station && first_station_len)
            snprintf(first_station, first_station_len, "%s",
                     (const char *)sqlite3_column_text(q, 1));
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? LX_CONFLICT : sql_err(s);
}
