/* Unit tests for src/store: the data directory, its SQLite catalog, all-or-nothing
 * imports and the recovery of an import that a crash interrupted. Every test works in
 * its own fresh directory (mkdtemp) and removes it at the end. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "lanxang/store.h"

/* ---- a small feed in memory ---- */

static const lx_gtfs_file feed_files[] = {
#define F(name, text) {name, text, sizeof(text) - 1}
    F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                    "lcr,Lao-China Railway,https://lcr.example.la,Asia/Vientiane\n"),
    F("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                   "vte,Vientiane,18.055,102.689,1,\n"
                   "vte_1,Vientiane platform 1,18.055,102.689,0,vte\n"
                   "lpq,Luang Prabang,19.888,102.203,0,\n"
                   "bot,Boten,21.145,101.650,0,\n"),
    F("routes.txt", "route_id,agency_id,route_short_name,route_type\nr1,lcr,C,2\n"),
    F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                      "start_date,end_date\n"
                      "daily,1,1,1,1,1,1,1,20260101,20261231\n"),
    F("trips.txt", "route_id,service_id,trip_id,trip_short_name\n"
                   "r1,daily,C81,C81\n"
                   "r1,daily,C82,C82\n"),
    F("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        "C81,08:00:00,08:00:00,vte_1,1\n"
                        "C81,09:50:00,09:55:00,lpq,2\n"
                        "C81,11:30:00,11:30:00,bot,3\n"
                        "C82,14:00:00,14:00:00,bot,1\n"
                        "C82,15:35:00,15:40:00,lpq,2\n"
                        "C82,17:30:00,17:30:00,vte_1,3\n"),
#undef F
};

/* ---- directories ---- */

typedef struct {
    char *base;      /* the mkdtemp folder */
    char data[4200]; /* base/var/data, the data directory (not created yet) */
    lx_tt *tt;       /* the feed, loaded once per test */
    char msg[512];   /* the message of the last store call that gives one */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    *state = fx;
    fx->base = fx_tmpdir("store");
    /* two levels that do not exist yet: opening with create makes both */
    FX_JOIN(fx->data, fx->base, "var/data");
    fx->tt = fx_load_ok(feed_files, FX_COUNT(feed_files), "lao", NULL);
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    lx_tt_destroy(fx->tt);
    fx_rm_tree(fx->base);
    free(fx->base);
    free(fx);
    return 0;
}

static lx_store *open_store(fixture *fx, int create)
{
    lx_store *s = NULL;
    fx->msg[0] = 0;
    lx_err e = lx_store_open(fx->data, create, &s, fx->msg, sizeof fx->msg);
    if (e)
        fail_msg("lx_store_open: %s: %s", lx_strerror(e), fx->msg);
    assert_non_null(s);
    return s;
}

/* Opening path fails with `want`, and gives no store; the message is in fx->msg. */
static void expect_open_fails(fixture *fx, const char *path, int create, lx_err want)
{
    lx_store *s = (lx_store *)fx; /* must be overwritten */
    fx->msg[0] = 0;
    assert_int_equal(lx_store_open(path, create, &s, fx->msg, sizeof fx->msg), want);
    assert_null(s);
}

static void import(fixture *fx, lx_store *s, const char *name, const char *source, int64_t now)
{
    fx->msg[0] = 0;
    lx_err e = lx_store_import(s, fx->tt, name, source, now, fx->msg, sizeof fx->msg);
    if (e)
        fail_msg("lx_store_import %s: %s: %s", name, lx_strerror(e), fx->msg);
}

static lx_err remove_feed(fixture *fx, lx_store *s, const char *name)
{
    fx->msg[0] = 0;
    return lx_store_remove(s, name, fx->msg, sizeof fx->msg);
}

/* The catalog lists the feeds named (a NULL-terminated list), in this order; free()
 * what is returned. */
static lx_feed_rec *list_feeds(lx_store *s, ...)
{
    lx_feed_rec *v;
    size_t n, i = 0;
    assert_int_equal(lx_store_feeds(s, &v, &n), LX_OK);
    va_list ap;
    va_start(ap, s);
    for (const char *name; (name = va_arg(ap, const char *)); i++) {
        assert_true(i < n);
        assert_string_equal(v[i].name, name);
    }
    va_end(ap);
    assert_int_equal(n, i);
    return v;
}

/* lx_store_load into a new network answers `want`, leaving `feeds` feeds in it. */
static lx_net *load_net(fixture *fx, lx_store *s, lx_err want, uint32_t feeds)
{
    lx_net *net;
    assert_int_equal(lx_net_create(&net), LX_OK);
    fx->msg[0] = 0;
    assert_int_equal(lx_store_load(s, net, fx->msg, sizeof fx->msg), want);
    assert_int_equal(lx_net_feed_count(net), feeds);
    return net;
}

/* The user_version of the SQLite file at path; then, when set >= 0, sets it to set. */
static int catalog_version(const char *path, int set)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (set >= 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", set);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_close(db);
    return v;
}

/* Runs SQL on the catalog at DATA/lanxang.db behind the store's back. */
static void catalog_exec(fixture *fx, const char *sql)
{
    char path[4400];
    sqlite3 *db;
    assert_int_equal(sqlite3_open(FX_JOIN(path, fx->data, "lanxang.db"), &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

/* The folder of feed `name`, DATA/feeds/DIR, as the catalog names it. */
static char *feed_path(fixture *fx, lx_store *s, const char *name, char *buf, size_t n)
{
    lx_feed_rec *v;
    size_t k;
    assert_int_equal(lx_store_feeds(s, &v, &k), LX_OK);
    for (size_t i = 0; i < k; i++)
        if (strcmp(v[i].name, name) == 0) {
            /* a generation of its own: NAME@... */
            assert_int_equal(strncmp(v[i].dir, name, strlen(name)), 0);
            assert_int_equal(v[i].dir[strlen(name)], '@');
            snprintf(buf, n, "%s/feeds/%s", fx->data, v[i].dir);
            free(v);
            return buf;
        }
    free(v);
    fail_msg("no feed %s in the catalog", name);
    return NULL;
}

/* ---- tests ---- */

static void test_open_import_list_load(void **state)
{
    fixture *fx = *state;
    assert_false(fx_exists(fx->data, NULL));
    lx_store *s = open_store(fx, 1);
    assert_true(fx_is_dir(fx->data, NULL));
    assert_true(fx_exists(fx->data, "lanxang.db"));
    assert_true(fx_is_dir(fx->data, "feeds"));
    free(list_feeds(s, NULL));

    import(fx, s, "lao", "memory:test", 1767225600);
    char dir[4400];
    assert_true(fx_exists(feed_path(fx, s, "lao", dir, sizeof dir), "stops.txt"));

    lx_feed_rec *v = list_feeds(s, "lao", NULL);
    assert_string_equal(v[0].source, "memory:test");
    assert_int_equal(v[0].imported_at, 1767225600);
    assert_int_equal(v[0].stations, 4);
    assert_int_equal(v[0].trips, 2);
    assert_int_equal(v[0].stop_times, 6);
    free(v);

    lx_net *net = load_net(fx, s, LX_OK, 1);
    uint32_t fi = lx_net_feed_by_name(net, "lao");
    assert_int_equal(fi, 0);
    fx_same_summary(fx->tt, lx_net_feed(net, fi));
    /* the stored feed answers queries: Vientiane (a parent) to Boten */
    lx_place from[2], to[2];
    uint32_t nf, nt;
    assert_int_equal(lx_net_resolve(net, "Vientiane", from, 2, &nf), LX_OK);
    assert_int_equal(lx_net_resolve(net, "Boten", to, 2, &nt), LX_OK);
    lx_net_leg legs[4];
    assert_int_equal(
        lx_net_legs_between(net, from, nf, to, nt, lx_date_from_ymd(2026, 3, 2), legs, 4), 1);
    lx_net_destroy(net);
    lx_store_close(s);

    /* it is all still there after closing and opening again */
    s = open_store(fx, 0);
    free(list_feeds(s, "lao", NULL));
    lx_store_close(s);
    lx_store_close(NULL);
}

static void test_reimport_replaces(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(fx, s, "lao", "first", 100);
    char first[4400], second[4400];
    feed_path(fx, s, "lao", first, sizeof first);
    import(fx, s, "lao", "second", 200);
    feed_path(fx, s, "lao", second, sizeof second);
    assert_string_not_equal(first, second);
    assert_false(fx_exists(first, NULL));
    assert_true(fx_exists(second, "stops.txt"));
    lx_feed_rec *v = list_feeds(s, "lao", NULL);
    assert_string_equal(v[0].source, "second");
    assert_int_equal(v[0].imported_at, 200);
    free(v);
    /* no leftovers next to the feed */
    assert_false(fx_exists(fx->data, "feeds/lao.old"));
    char feeds[4300];
    assert_int_equal(fx_dir_count(FX_JOIN(feeds, fx->data, "feeds"), NULL), 1);
    lx_store_close(s);
}

static void test_two_feeds_side_by_side(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(fx, s, "lao", "a", 100);
    import(fx, s, "lao-2", "b", 50);
    /* re-importing the first keeps its place: oldest first means first imported */
    import(fx, s, "lao", "c", 300);
    free(list_feeds(s, "lao", "lao-2", NULL));
    lx_net *net = load_net(fx, s, LX_OK, 2);
    assert_true(lx_net_feed_by_name(net, "lao") != LX_NONE);
    assert_true(lx_net_feed_by_name(net, "lao-2") != LX_NONE);
    /* one station in two feeds is one name to people */
    lx_place p[4];
    uint32_t np;
    assert_int_equal(lx_net_resolve(net, "lao-2:bot", p, 4, &np), LX_OK);
    assert_int_equal(np, 1);
    assert_int_equal(p[0].feed, lx_net_feed_by_name(net, "lao-2"));
    lx_net_destroy(net);
    lx_store_close(s);
}

static void test_invalid_names(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    char long_name[80];
    memset(long_name, 'a', 64);
    long_name[64] = 0;
    const char *bad[] = {"", "Lao", "-lao", "_lao", "lao/x", "..", ".", "la o", "lao.old",
                         ".tmp-lao-1", "../escape", "lao\n", long_name};
    for (size_t i = 0; i < FX_COUNT(bad); i++) {
        assert_false(lx_store_name_valid(bad[i]));
        fx->msg[0] = 0;
        assert_int_equal(lx_store_import(s, fx->tt, bad[i], "x", 1, fx->msg, sizeof fx->msg),
                         LX_INVAL);
        assert_true(strlen(fx->msg) > 0);
    }
    free(list_feeds(s, NULL));
    /* nothing was written either */
    char feeds[4300];
    assert_int_equal(fx_dir_count(FX_JOIN(feeds, fx->data, "feeds"), NULL), 0);
    assert_false(fx_exists(fx->base, "escape"));

    const char *good[] = {"a", "0", "lao", "china-laos", "x_1-y", "9lives"};
    for (size_t i = 0; i < FX_COUNT(good); i++)
        assert_true(lx_store_name_valid(good[i]));
    long_name[63] = 0;
    assert_true(lx_store_name_valid(long_name));
    lx_store_close(s);
}

static void test_open_missing_dir(void **state)
{
    fixture *fx = *state;
    expect_open_fails(fx, fx->data, 0, LX_NOTFOUND);
    assert_true(strlen(fx->msg) > 0);
    assert_false(fx_exists(fx->data, NULL));

    /* a folder without a catalog is no data directory either */
    char var[4300];
    assert_int_equal(mkdir(FX_JOIN(var, fx->base, "var"), 0755), 0);
    assert_int_equal(mkdir(fx->data, 0755), 0);
    expect_open_fails(fx, fx->data, 0, LX_NOTFOUND);

    /* a file where the directory should be */
    char file[4400];
    fx_write_text(fx->base, "plain-file", "");
    expect_open_fails(fx, FX_JOIN(file, fx->base, "plain-file"), 1, LX_STORE);
}

static void test_recovery_after_crash(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(fx, s, "lao", "src", 100);
    char feed[4400];
    feed_path(fx, s, "lao", feed, sizeof feed);
    lx_store_close(s);

    /* a crash in the middle of re-importing "lao": a new generation half written in
     * its temporary folder, another fully written but never committed to the catalog
     * (it holds a broken stops.txt, so loading it would fail) */
    char tmp[4400], uncommitted[4400];
    FX_JOIN(tmp, fx->data, "feeds/.tmp-lao@200.0");
    FX_JOIN(uncommitted, fx->data, "feeds/lao@200.1");
    assert_int_equal(mkdir(tmp, 0755), 0);
    fx_write_text(tmp, "stops.txt", "stop_id,stop_na");
    assert_int_equal(mkdir(uncommitted, 0755), 0);
    fx_write_text(uncommitted, "stops.txt", "stop_id,stop_na");

    s = open_store(fx, 0);
    assert_false(fx_exists(tmp, NULL));
    assert_false(fx_exists(uncommitted, NULL));
    assert_true(fx_exists(feed, "stops.txt"));
    lx_net *net = load_net(fx, s, LX_OK, 1);
    lx_gtfs_summary sm;
    lx_gtfs_summarize(lx_net_feed(net, 0), &sm);
    assert_int_equal(sm.stop_times, 6);
    lx_net_destroy(net);

    /* a crash after the catalog named a new generation but before the old folder was
     * deleted: the catalog's folder stays, the other goes */
    import(fx, s, "lao", "again", 300);
    char now[4400];
    feed_path(fx, s, "lao", now, sizeof now);
    lx_store_close(s);
    assert_int_equal(mkdir(feed, 0755), 0);
    fx_write_text(feed, "marker", "");
    s = open_store(fx, 0);
    assert_false(fx_exists(feed, NULL));
    assert_true(fx_exists(now, "stops.txt"));
    free(list_feeds(s, "lao", NULL));
    lx_store_close(s);
}

/* A data directory written by the first version of the store: catalog version 1,
 * each feed in feeds/NAME. Opening it migrates the catalog and keeps every feed. */
static void test_migrates_version_1(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(fx, s, "lao", "v1", 100);
    char gen[4400], v1[4400];
    feed_path(fx, s, "lao", gen, sizeof gen);
    lx_store_close(s);
    /* turn it into what version 1 wrote */
    assert_int_equal(rename(gen, FX_JOIN(v1, fx->data, "feeds/lao")), 0);
    catalog_exec(fx, "CREATE TABLE v1 (name TEXT PRIMARY KEY, source TEXT NOT NULL, "
                     "imported_at INTEGER NOT NULL, stations INTEGER NOT NULL, trips INTEGER NOT "
                     "NULL, stop_times INTEGER NOT NULL, seq INTEGER NOT NULL);"
                     "INSERT INTO v1 SELECT name, source, imported_at, stations, trips, stop_times, "
                     "seq FROM feeds; DROP TABLE feeds; ALTER TABLE v1 RENAME TO feeds;"
                     "DROP TABLE orders; DROP TABLE checkins; DROP TABLE waitlist;"
                     "PRAGMA user_version = 1;");

    s = open_store(fx, 0);
    char path[4400];
    assert_int_equal(catalog_version(FX_JOIN(path, fx->data, "lanxang.db"), -1),
                     lx_store_schema_version());
    assert_true(fx_exists(v1, "stops.txt"));
    lx_feed_rec *v = list_feeds(s, "lao", NULL);
    assert_string_equal(v[0].source, "v1");
    assert_string_equal(v[0].dir, "lao");
    free(v);
    lx_net *net = load_net(fx, s, LX_OK, 1);
    lx_net_destroy(net);
    lx_store_close(s);

    /* version 1's own crash leftover: the feed renamed aside to NAME.old while its
     * new version was written; it is put back */
    char old[4400];
    assert_int_equal(rename(v1, FX_JOIN(old, fx->data, "feeds/lao.old")), 0);
    s = open_store(fx, 0);
    assert_true(fx_exists(v1, "stops.txt"));
    assert_false(fx_exists(old, NULL));
    net = load_net(fx, s, LX_OK, 1);
    lx_net_destroy(net);
    /* the next import moves it to a generation of its own */
    import(fx, s, "lao", "v2", 200);
    assert_false(fx_exists(v1, NULL));
    lx_store_close(s);
}

static void test_newer_catalog_refused(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    lx_store_close(s);

    char path[4400];
    FX_JOIN(path, fx->data, "lanxang.db");
    /* a fresh catalog is at the current schema version */
    assert_int_equal(catalog_version(path, 99), lx_store_schema_version());
    assert_true(lx_store_schema_version() >= 1);

    expect_open_fails(fx, fx->data, 0, LX_STORE);
    assert_non_null(strstr(fx->msg, "99"));
    /* create = 1 does not wipe it either */
    expect_open_fails(fx, fx->data, 1, LX_STORE);
    assert_int_equal(catalog_version(path, -1), 99);
}

static void test_remove(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(fx, s, "lao", "a", 1);
    import(fx, s, "lao-2", "b", 2);
    char lao[4400], lao2[4400];
    feed_path(fx, s, "lao", lao, sizeof lao);
    feed_path(fx, s, "lao-2", lao2, sizeof lao2);
    assert_int_equal(remove_feed(fx, s, "lao"), LX_OK);
    assert_false(fx_exists(lao, NULL));
    assert_true(fx_is_dir(lao2, NULL));
    free(list_feeds(s, "lao-2", NULL));
    assert_int_equal(remove_feed(fx, s, "lao"), LX_NOTFOUND);
    assert_true(strlen(fx->msg) > 0);
    assert_int_equal(remove_feed(fx, s, "never-there"), LX_NOTFOUND);
    /* a name that is not in the catalog never reaches the file system */
    assert_int_equal(remove_feed(fx, s, ".."), LX_NOTFOUND);
    assert_true(fx_is_dir(fx->data, NULL));
    lx_store_close(s);
}

static void test_broken_stored_feed_fails_load(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(fx, s, "lao", "a", 1);
    /* someone deletes a required file behind our back */
    char dir[4400], path[4500];
    feed_path(fx, s, "lao", dir, sizeof dir);
    assert_int_equal(unlink(FX_JOIN(path, dir, "stop_times.txt")), 0);
    lx_net *net = load_net(fx, s, LX_STORE, 0);
    assert_non_null(strstr(fx->msg, "lao"));
    lx_net_destroy(net);
    lx_store_close(s);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_import_list_load),
        T(test_reimport_replaces),
        T(test_two_feeds_side_by_side),
        T(test_invalid_names),
        T(test_open_missing_dir),
        T(test_recovery_after_crash),
        T(test_migrates_version_1),
        T(test_newer_catalog_refused),
        T(test_remove),
        T(test_broken_stored_feed_fails_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
