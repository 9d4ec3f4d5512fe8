/* Shared helpers of the unit tests; see fixture.h. */
#include "fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lanxang/timetable.h"

/* ---- folders and files ---- */

char *fx_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    fx_join(tmpl, sizeof tmpl, base && *base ? base : "/tmp", "lx-test-");
    size_t used = strlen(tmpl);
    int n = snprintf(tmpl + used, sizeof tmpl - used, "%s-XXXXXX", tag);
    assert_true(n > 0 && (size_t)n < sizeof tmpl - used);
    char *d = mkdtemp(tmpl);
    if (!d)
        fail_msg("mkdtemp %s failed", tmpl);
    char *out = strdup(d);
    assert_non_null(out);
    return out;
}

int fx_rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        char buf[4096];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            fx_join(buf, sizeof buf, path, e->d_name);
            struct stat st;
            if (lstat(buf, &st) == 0 && S_ISDIR(st.st_mode))
                fx_rm_tree(buf);
            else
                unlink(buf);
        }
        closedir(d);
    }
    rmdir(path);
    return fx_exists(path, NULL) ? -1 : 0;
}

char *fx_join(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = name ? snprintf(buf, cap, "%s/%s", dir, name) : snprintf(buf, cap, "%s", dir);
    if (n < 0 || (size_t)n >= cap)
        fail_msg("path %s/%s longer than %zu bytes", dir, name ? name : "", cap);
    return buf;
}

int fx_exists(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    return lstat(fx_join(path, sizeof path, dir, name), &st) == 0;
}

int fx_is_dir(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    return stat(fx_join(path, sizeof path, dir, name), &st) == 0 && S_ISDIR(st.st_mode);
}

void fx_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    FILE *f = fopen(fx_join(path, sizeof path, dir, name), "wb");
    if (!f)
        fail_msg("cannot create %s", path);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void fx_write_text(const char *dir, const char *name, const char *text)
{
    fx_write_file(dir, name, text, strlen(text));
}

char *fx_read_file(const char *dir, const char *name)
{
    char path[4096];
    FILE *f = fopen(fx_join(path, sizeof path, dir, name), "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *b = malloc(cap);
    assert_non_null(b);
    while ((k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            cap *= 2;
            b = realloc(b, cap);
            assert_non_null(b);
        }
    }
    fclose(f);
    b[n] = '\0';
    return b;
}

size_t fx_dir_count(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open folder %s", dir);
    size_t count = 0, sl = suffix ? strlen(suffix) : 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n >= sl &&
            strcmp(e->d_name + n - sl, suffix ? suffix : "") == 0)
            count++;
    }
    closedir(d);
    return count;
}

/* ---- feeds ---- */

void fx_check_notices(const lx_report *r)
{
    uint32_t n;
    const lx_notice *ns = lx_report_notices(r, &n);
    for (uint32_t i = 0; i < n; i++) {
        assert_non_null(ns[i].code);
        assert_true(strlen(ns[i].code) > 0);
        assert_non_null(ns[i].message);
        assert_true(strlen(ns[i].message) > 0);
        assert_non_null(ns[i].file);
        assert_non_null(ns[i].field);
        assert_true(ns[i].severity <= LX_SEV_ERROR);
        assert_true(lx_report_code_count(r, ns[i].code) > 0);
    }
}

const lx_notice *fx_find_notice(const lx_report *r, const char *code)
{
    uint32_t n;
    const lx_notice *ns = lx_report_notices(r, &n);
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(ns[i].code, code) == 0)
            return &ns[i];
    return NULL;
}

/* from memory when dir is NULL, else from the folder */
static lx_err try_load(const lx_gtfs_file *files, size_t n, const char *dir,
                       const lx_gtfs_opts *opts, lx_report **r, lx_tt **tt)
{
    assert_int_equal(lx_report_create(r), LX_OK);
    lx_tt *out = (lx_tt *)r; /* must be overwritten */
    lx_err e = dir ? lx_gtfs_load_path(dir, opts, *r, &out)
                   : lx_gtfs_load_files(files, n, opts, *r, &out);
    fx_check_notices(*r);
    *tt = out;
    return e;
}

lx_err fx_try_load(const lx_gtfs_file *files, size_t n, const lx_gtfs_opts *opts,
                   lx_report **r, lx_tt **tt)
{
    return try_load(files, n, NULL, opts, r, tt);
}

static lx_tt *load_ok(const lx_gtfs_file *files, size_t n, const char *dir, const char *name,
                      lx_report **r)
{
    lx_gtfs_opts opts = {.feed_name = name};
    lx_report *rep;
    lx_tt *tt;
    lx_err e = try_load(files, n, dir, &opts, &rep, &tt);
    if (e != LX_OK || lx_report_count(rep, LX_SEV_ERROR) > 0)
        lx_report_print(rep, stderr, 1);
    assert_int_equal(e, LX_OK);
    assert_non_null(tt);
    assert_int_equal(lx_report_count(rep, LX_SEV_ERROR), 0);
    char msg[256] = "";
    if (lx_tt_check(tt, msg, sizeof msg) != LX_OK)
        fail_msg("lx_tt_check: %s", msg);
    if (r)
        *r = rep;
    else
        lx_report_destroy(rep);
    return tt;
}

lx_tt *fx_load_ok(const lx_gtfs_file *files, size_t n, const char *name, lx_report **r)
{
    return load_ok(files, n, NULL, name, r);
}

lx_tt *fx_load_path_ok(const char *dir, const char *name, lx_report **r)
{
    return load_ok(NULL, 0, dir, name, r);
}

lx_net *fx_net_ok(const lx_gtfs_file *files, size_t n, const char *name, const lx_tt **tt)
{
    lx_net *net = NULL;
    assert_int_equal(lx_net_create(&net), LX_OK);
    lx_tt *t = fx_load_ok(files, n, name, NULL);
    assert_int_equal(lx_net_add(net, t), LX_OK);
    if (tt)
        *tt = t;
    return net;
}

void fx_summary_equal(const lx_gtfs_summary *a, const lx_gtfs_summary *b)
{
#define FIELD(f) {#f, offsetof(lx_gtfs_summary, f), sizeof(a->f)}
    static const struct {
        const char *name;
        size_t off, size;
    } fields[] = {FIELD(agencies),     FIELD(stations),    FIELD(routes),     FIELD(trips),
                  FIELD(stop_times),   FIELD(services),    FIELD(transfers),  FIELD(frequencies),
                  FIELD(translations), FIELD(layouts),     FIELD(fares),      FIELD(first_day),
                  FIELD(last_day)};
#undef FIELD
    for (size_t i = 0; i < FX_COUNT(fields); i++) {
        int32_t x, y; /* every field is 32 bits wide, signed or not */
        assert_int_equal(fields[i].size, sizeof x);
        memcpy(&x, (const char *)a + fields[i].off, sizeof x);
        memcpy(&y, (const char *)b + fields[i].off, sizeof y);
        if (x != y)
            fail_msg("summary %s: %ld != %ld", fields[i].name, (long)x, (long)y);
    }
    assert_int_equal(sizeof *a, sizeof(int32_t) * FX_COUNT(fields)); /* no field left out */
}

void fx_same_summary(const lx_tt *a, const lx_tt *b)
{
    lx_gtfs_summary x, y;
    lx_gtfs_summarize(a, &x);
    lx_gtfs_summarize(b, &y);
    fx_summary_equal(&x, &y);
}

lx_tt *fx_write_and_reload(const lx_tt *tt, const char *dir)
{
    assert_int_equal(lx_gtfs_write(tt, dir), LX_OK);
    lx_tt *back = fx_load_path_ok(dir, lx_tt_feed_name(tt), NULL);
    fx_same_summary(tt, back);
    return back;
}
