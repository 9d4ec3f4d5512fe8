/* Unit tests for src/store: the data directory, its SQLite catalog, all-or-nothing
 * imports and the recovery of an import that a crash interrupted. Every test works in
 * its own fresh directory (mkdtemp) and removes it at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static lx_tt *load_feed(const char *name)
{
    lx_report *r;
    assert_int_equal(lx_report_create(&r), LX_OK);
    lx_gtfs_opts opts = {.feed_name = name};
    lx_tt *tt = NULL;
    lx_err e = lx_gtfs_load_files(feed_files, sizeof feed_files / sizeof *feed_files, &opts, r, &tt);
    if (e)
        lx_report_print(r, stderr, 1);
    assert_int_equal(e, LX_OK);
    lx_report_destroy(r);
    return tt;
}

/* ---- directories ---- */

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        char buf[4096];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(buf, sizeof buf, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(buf, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(buf);
            else
                unlink(buf);
        }
        closedir(d);
    }
    rmdir(path);
}

typedef struct {
    char base[4096];  /* the mkdtemp folder */
    char data[4200];  /* base/var/data, the data directory (not created yet) */
    lx_tt *tt;        /* the feed, loaded once per test */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->base, sizeof fx->base, "%s/lx-test-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->base)) {
        free(fx);
        return -1;
    }
    /* two levels that do not exist yet: opening with create makes both */
    snprintf(fx->data, sizeof fx->data, "%s/var/data", fx->base);
    fx->tt = load_feed("lao");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    lx_tt_destroy(fx->tt);
    rm_tree(fx->base);
    free(fx);
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static lx_store *open_store(const fixture *fx, int create)
{
    lx_store *s = NULL;
    char msg[512] = "";
    lx_err e = lx_store_open(fx->data, create, &s, msg, sizeof msg);
    if (e)
        fail_msg("lx_store_open: %s: %s", lx_strerror(e), msg);
    assert_non_null(s);
    return s;
}

static void import(lx_store *s, const lx_tt *tt, const char *name, const char *source, int64_t now)
{
    char msg[512] = "";
    lx_err e = lx_store_import(s, tt, name, source, now, msg, sizeof msg);
    if (e)
        fail_msg("lx_store_import %s: %s: %s", name, lx_strerror(e), msg);
}

static size_t feed_count(lx_store *s)
{
    lx_feed_rec *v;
    size_t n;
    assert_int_equal(lx_store_feeds(s, &v, &n), LX_OK);
    free(v);
    return n;
}

/* ---- tests ---- */

static void test_open_import_list_load(void **state)
{
    fixture *fx = *state;
    assert_false(exists(fx->data));
    lx_store *s = open_store(fx, 1);
    assert_true(is_dir(fx->data));
    char path[4400];
    snprintf(path, sizeof path, "%s/lanxang.db", fx->data);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/feeds", fx->data);
    assert_true(is_dir(path));
    assert_int_equal(feed_count(s), 0);

    import(s, fx->tt, "lao", "memory:test", 1767225600);
    snprintf(path, sizeof path, "%s/feeds/lao/stops.txt", fx->data);
    assert_true(exists(path));

    lx_feed_rec *v;
    size_t n;
    assert_int_equal(lx_store_feeds(s, &v, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "lao");
    assert_string_equal(v[0].source, "memory:test");
    assert_int_equal(v[0].imported_at, 1767225600);
    assert_int_equal(v[0].stations, 4);
    assert_int_equal(v[0].trips, 2);
    assert_int_equal(v[0].stop_times, 6);
    free(v);

    lx_net *net;
    assert_int_equal(lx_net_create(&net), LX_OK);
    char msg[512] = "";
    assert_int_equal(lx_store_load(s, net, msg, sizeof msg), LX_OK);
    assert_int_equal(lx_net_feed_count(net), 1);
    uint32_t fi = lx_net_feed_by_name(net, "lao");
    assert_int_equal(fi, 0);
    const lx_tt *tt = lx_net_feed(net, fi);
    lx_gtfs_summary a, b;
    lx_gtfs_summarize(fx->tt, &a);
    lx_gtfs_summarize(tt, &b);
    assert_int_equal(b.stations, a.stations);
    assert_int_equal(b.trips, a.trips);
    assert_int_equal(b.stop_times, a.stop_times);
    assert_int_equal(b.services, a.services);
    assert_int_equal(b.first_day, a.first_day);
    assert_int_equal(b.last_day, a.last_day);
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
    assert_int_equal(feed_count(s), 1);
    lx_store_close(s);
    lx_store_close(NULL);
}

static void test_reimport_replaces(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(s, fx->tt, "lao", "first", 100);
    import(s, fx->tt, "lao", "second", 200);
    lx_feed_rec *v;
    size_t n;
    assert_int_equal(lx_store_feeds(s, &v, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "lao");
    assert_string_equal(v[0].source, "second");
    assert_int_equal(v[0].imported_at, 200);
    free(v);
    /* no leftovers next to the feed */
    char path[4400];
    snprintf(path, sizeof path, "%s/feeds/lao.old", fx->data);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/feeds", fx->data);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);
    lx_store_close(s);
}

static void test_two_feeds_side_by_side(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(s, fx->tt, "lao", "a", 100);
    import(s, fx->tt, "lao-2", "b", 50);
    /* re-importing the first keeps its place: oldest first means first imported */
    import(s, fx->tt, "lao", "c", 300);
    lx_feed_rec *v;
    size_t n;
    assert_int_equal(lx_store_feeds(s, &v, &n), LX_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "lao");
    assert_string_equal(v[1].name, "lao-2");
    free(v);
    lx_net *net;
    assert_int_equal(lx_net_create(&net), LX_OK);
    char msg[512] = "";
    assert_int_equal(lx_store_load(s, net, msg, sizeof msg), LX_OK);
    assert_int_equal(lx_net_feed_count(net), 2);
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
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(lx_store_name_valid(bad[i]));
        char msg[512] = "";
        assert_int_equal(lx_store_import(s, fx->tt, bad[i], "x", 1, msg, sizeof msg), LX_INVAL);
        assert_true(strlen(msg) > 0);
    }
    assert_int_equal(feed_count(s), 0);
    /* nothing was written either */
    char path[4400];
    snprintf(path, sizeof path, "%s/feeds", fx->data);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            fail_msg("unexpected %s in feeds/", e->d_name);
    closedir(d);
    snprintf(path, sizeof path, "%s/escape", fx->base);
    assert_false(exists(path));

    const char *good[] = {"a", "0", "lao", "china-laos", "x_1-y", "9lives"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(lx_store_name_valid(good[i]));
    long_name[63] = 0;
    assert_true(lx_store_name_valid(long_name));
    lx_store_close(s);
}

static void test_open_missing_dir(void **state)
{
    fixture *fx = *state;
    lx_store *s = (lx_store *)fx; /* must be overwritten */
    char msg[512] = "";
    assert_int_equal(lx_store_open(fx->data, 0, &s, msg, sizeof msg), LX_NOTFOUND);
    assert_null(s);
    assert_true(strlen(msg) > 0);
    assert_false(exists(fx->data));

    /* a folder without a catalog is no data directory either */
    char var[4300];
    snprintf(var, sizeof var, "%s/var", fx->base);
    assert_int_equal(mkdir(var, 0755), 0);
    assert_int_equal(mkdir(fx->data, 0755), 0);
    s = (lx_store *)fx;
    assert_int_equal(lx_store_open(fx->data, 0, &s, msg, sizeof msg), LX_NOTFOUND);
    assert_null(s);

    /* a file where the directory should be */
    char file[4400];
    snprintf(file, sizeof file, "%s/plain-file", fx->base);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    s = (lx_store *)fx;
    assert_int_equal(lx_store_open(file, 1, &s, msg, sizeof msg), LX_STORE);
    assert_null(s);
}

static void test_recovery_after_crash(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(s, fx->tt, "lao", "src", 100);
    lx_store_close(s);

    /* a crash in the middle of re-importing "lao": the old folder was moved aside and
     * the new one was still being written */
    char feed[4400], old[4400], tmp[4400], junk[4500];
    snprintf(feed, sizeof feed, "%s/feeds/lao", fx->data);
    snprintf(old, sizeof old, "%s/feeds/lao.old", fx->data);
    snprintf(tmp, sizeof tmp, "%s/feeds/.tmp-lao-123", fx->data);
    assert_int_equal(rename(feed, old), 0);
    assert_int_equal(mkdir(tmp, 0755), 0);
    snprintf(junk, sizeof junk, "%s/stops.txt", tmp);
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    fputs("stop_id,stop_na", f);
    fclose(f);

    s = open_store(fx, 0);
    assert_true(is_dir(feed));
    assert_false(exists(old));
    assert_false(exists(tmp));
    lx_net *net;
    assert_int_equal(lx_net_create(&net), LX_OK);
    char msg[512] = "";
    assert_int_equal(lx_store_load(s, net, msg, sizeof msg), LX_OK);
    assert_int_equal(lx_net_feed_count(net), 1);
    lx_gtfs_summary sm;
    lx_gtfs_summarize(lx_net_feed(net, 0), &sm);
    assert_int_equal(sm.stop_times, 6);
    lx_net_destroy(net);
    lx_store_close(s);

    /* a crash after the new folder was in place but before the old one was removed:
     * the new one stays */
    char marker[4500];
    assert_int_equal(mkdir(old, 0755), 0);
    snprintf(marker, sizeof marker, "%s/marker", old);
    f = fopen(marker, "w");
    assert_non_null(f);
    fclose(f);
    s = open_store(fx, 0);
    assert_true(is_dir(feed));
    assert_false(exists(old));
    snprintf(marker, sizeof marker, "%s/marker", feed);
    assert_false(exists(marker));
    snprintf(marker, sizeof marker, "%s/stops.txt", feed);
    assert_true(exists(marker));
    lx_store_close(s);
}

static void test_newer_catalog_refused(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    lx_store_close(s);

    char path[4400];
    snprintf(path, sizeof path, "%s/lanxang.db", fx->data);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    /* a fresh catalog is at the current schema version */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), lx_store_schema_version());
    sqlite3_finalize(st);
    assert_true(lx_store_schema_version() >= 1);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    s = (lx_store *)fx;
    char msg[512] = "";
    assert_int_equal(lx_store_open(fx->data, 0, &s, msg, sizeof msg), LX_STORE);
    assert_null(s);
    assert_non_null(strstr(msg, "99"));
    /* create = 1 does not wipe it either */
    s = (lx_store *)fx;
    assert_int_equal(lx_store_open(fx->data, 1, &s, msg, sizeof msg), LX_STORE);
    assert_null(s);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 99);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_remove(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(s, fx->tt, "lao", "a", 1);
    import(s, fx->tt, "lao-2", "b", 2);
    char msg[512] = "";
    assert_int_equal(lx_store_remove(s, "lao", msg, sizeof msg), LX_OK);
    char path[4400];
    snprintf(path, sizeof path, "%s/feeds/lao", fx->data);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/feeds/lao-2", fx->data);
    assert_true(is_dir(path));
    lx_feed_rec *v;
    size_t n;
    assert_int_equal(lx_store_feeds(s, &v, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "lao-2");
    free(v);
    msg[0] = 0;
    assert_int_equal(lx_store_remove(s, "lao", msg, sizeof msg), LX_NOTFOUND);
    assert_true(strlen(msg) > 0);
    assert_int_equal(lx_store_remove(s, "never-there", msg, sizeof msg), LX_NOTFOUND);
    /* a name that is not in the catalog never reaches the file system */
    assert_int_equal(lx_store_remove(s, "..", msg, sizeof msg), LX_NOTFOUND);
    assert_true(is_dir(fx->data));
    lx_store_close(s);
}

static void test_broken_stored_feed_fails_load(void **state)
{
    fixture *fx = *state;
    lx_store *s = open_store(fx, 1);
    import(s, fx->tt, "lao", "a", 1);
    /* someone deletes a required file behind our back */
    char path[4400];
    snprintf(path, sizeof path, "%s/feeds/lao/stop_times.txt", fx->data);
    assert_int_equal(unlink(path), 0);
    lx_net *net;
    assert_int_equal(lx_net_create(&net), LX_OK);
    char msg[512] = "";
    assert_int_equal(lx_store_load(s, net, msg, sizeof msg), LX_STORE);
    assert_non_null(strstr(msg, "lao"));
    assert_int_equal(lx_net_feed_count(net), 0);
    lx_net_destroy(net);
    lx_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_import_list_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reimport_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_feeds_side_by_side, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_after_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_catalog_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_stored_feed_fails_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
