/* Feed commands: import, validate, export, remove. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "view/view.h"

typedef struct {
    const char *file;
    int last_pct;
} progress_state;

/* "\rstop_times.txt  45%" on a terminal, nothing otherwise */
static void show_progress(void *ud, const char *file, size_t done, size_t total)
{
    progress_state *p = ud;
    int pct = total ? (int)(done * 100 / total) : 100;
    if (p->file == file && pct == p->last_pct)
        return;
    p->file = file;
    p->last_pct = pct;
    fprintf(stderr, "\r  reading %-24s %3d%%\033[K", file, pct);
    if (pct == 100)
        fflush(stderr);
}

static json_t *report_json(const lx_report *r)
{
    uint32_t n;
    const lx_notice *ns = lx_report_notices(r, &n);
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "severity",
                           lx_severity_name(ns[i].severity), "code", ns[i].code, "file", ns[i].file,
                           "line", (json_int_t)ns[i].line, "field", ns[i].field, "message",
                           ns[i].message));
    return json_pack("{s:i, s:i, s:o}", "errors", (json_int_t)lx_report_count(r, LX_SEV_ERROR),
                     "warnings", (json_int_t)lx_report_count(r, LX_SEV_WARNING), "notices", arr);
}

/* loads a feed with progress on a terminal; the report is filled either way */
static lx_err load_feed(const char *path, const char *name, lx_report *r, lx_tt **out)
{
    progress_state ps = {NULL, -1};
    lx_gtfs_opts opts = {.feed_name = name};
    int tty = isatty(STDERR_FILENO);
    if (tty) {
        opts.progress = show_progress;
        opts.progress_ud = &ps;
    }
    lx_err e = lx_gtfs_load_path(path, &opts, r, out);
    if (tty && ps.file)
        fprintf(stderr, "\r\033[K");
    return e;
}

/* "lirr" from ".../lirr.zip" or ".../lirr/" */
static void default_name(const char *path, char *out, size_t n)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *base = path;
    for (size_t i = 0; i < len; i++)
        if (path[i] == '/')
            base = path + i + 1;
    size_t bl = (size_t)(path + len - base);
    if (bl > 4 && !strncmp(base + bl - 4, ".zip", 4))
        bl -= 4;
    size_t k = 0;
    for (size_t i = 0; i < bl && k + 1 < n && k < 63; i++) {
        char ch = base[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch + 32);
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            ch = '-';
        if (k == 0 && (ch == '-' || ch == '_'))
            continue;
        out[k++] = ch;
    }
    out[k] = 0;
    if (!k)
        snprintf(out, n, "feed");
}

static void print_summary(const lx_tt *tt)
{
    lx_gtfs_summary s;
    lx_gtfs_summarize(tt, &s);
    char a[11] = "-", b[11] = "-";
    if (s.first_day <= s.last_day) {
        lx_date_format(s.first_day, 1, a);
        lx_date_format(s.last_day, 1, b);
    }
    printf("  agencies    %u\n  stations    %u\n  routes      %u\n  trains      %u\n"
           "  stop times  %u\n  services    %u\n  transfers   %u\n  dates       %s to %s\n",
           s.agencies, s.stations, s.routes, s.trips, s.stop_times, s.services, s.transfers, a, b);
    if (s.layouts || s.fares)
        printf("  seat layouts %u, fares %u\n", s.layouts, s.fares);
}

static int run_import(lx_cli *c, int argc, char **argv)
{
    const char *name = NULL, *path = NULL;
    const cli_opt opts[] = {{"--name", &name, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_import, argc, argv, opts, &path, 1, 1,
                      "name one feed (a .zip file or a folder)");
    if (rc)
        return rc;
    char def[64];
    if (!name) {
        default_name(path, def, sizeof def);
        name = def;
    }
    if (!lx_store_name_valid(name))
        return cli_fail(LX_INVAL, "'%s' is not a usable feed name: use lower-case letters, digits, "
                                  "- or _ (--name NAME)", name);
    if (!strcmp(name, "china-laos") && !c->no_builtin)
        return cli_fail(LX_INVAL, "china-laos is the built-in railway's name: import under another "
                                  "--name, or use --no-builtin");
    lx_report *r;
    if (lx_report_create(&r))
        return cli_fail(LX_NOMEM, "out of memory");
    lx_tt *tt;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lx_err e = load_feed(path, name, r, &tt);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (e) {
        lx_report_print(r, stderr, 0);
        lx_report_destroy(r);
        return cli_fail(e, e == LX_FEED ? "%s was refused: it has errors (listed above); nothing "
                                          "was imported"
                                        : "cannot import %s",
                        path);
    }
    if (lx_report_count(r, LX_SEV_WARNING))
        lx_report_print(r, stderr, 0);
    lx_report_destroy(r);
    char msg[1024];
    lx_store *s;
    if ((e = lx_store_open(c->data_dir, 1, &s, msg, sizeof msg))) {
        lx_tt_destroy(tt);
        return cli_fail(e, "%s", msg);
    }
    e = lx_store_import(s, tt, name, path, (int64_t)time(NULL), msg, sizeof msg);
    lx_store_close(s);
    if (e) {
        lx_tt_destroy(tt);
        return cli_fail(e, "%s", msg);
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("imported %s as '%s' into %s (read and checked in %.2f s)\n", path, name, c->data_dir,
           secs);
    print_summary(tt);
    lx_tt_destroy(tt);
    return 0;
}

const lx_cmd lx_cmd_import = {
    "import", run_import, "import a GTFS feed (zip or folder) into the data directory",
    "usage: lanxang [--data DIR] import FEED [--name NAME]\n\n"
    "Reads and validates the GTFS feed FEED (a .zip file or a folder) and stores it in\n"
    "the data directory under NAME (default: the file name, e.g. lirr for lirr.zip),\n"
    "replacing a feed of that name. A feed with errors is refused with its report\n"
    "(exit 65) and nothing of it is stored; warnings are shown and the feed is stored.\n"
    "Several feeds live side by side; every command sees them all.\n"};

static int run_validate(lx_cli *c, int argc, char **argv)
{
    int json = 0, all = 0;
    const char *path = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json}, {"--all", NULL, &all}, {NULL, NULL, NULL}};
    (void)c;
    int rc = cli_args(&lx_cmd_validate, argc, argv, opts, &path, 1, 1,
                      "name one feed (a .zip file or a folder)");
    if (rc)
        return rc;
    lx_report *r;
    if (lx_report_create(&r))
        return cli_fail(LX_NOMEM, "out of memory");
    lx_tt *tt = NULL;
    lx_err e = load_feed(path, "feed", r, &tt);
    if (json)
        cli_print_json(report_json(r));
    else
        lx_report_print(r, stdout, all);
    lx_report_destroy(r);
    if (!json && tt)
        print_summary(tt);
    lx_tt_destroy(tt);
    return e ? lx_err_exit_code(e) : 0;
}

const lx_cmd lx_cmd_validate = {
    "validate", run_validate, "check a GTFS feed and report its problems",
    "usage: lanxang validate FEED [--json] [--all]\n\n"
    "Reads the feed and lists every problem: severity, file:line, a stable code\n"
    "(e.g. foreign_key_violation, invalid_time), the field and a message. Exit 0 when\n"
    "the feed has no errors (warnings allowed), 65 when it has errors.\n"
    "  --all   also list notes (unknown columns and files)\n"
    "  --json  {\"errors\":N,\"warnings\":N,\"notices\":[{severity,code,file,line,field,message}]}\n"};

static int run_export(lx_cli *c, int argc, char **argv)
{
    const char *feed = NULL, *dir = NULL;
    const cli_opt opts[] = {{"--feed", &feed, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_export, argc, argv, opts, &dir, 1, 1, "name the folder to write");
    if (rc || (rc = cli_load_net(c)))
        return rc;
    uint32_t n = lx_net_feed_count(c->net), f;
    if (feed)
        f = lx_net_feed_by_name(c->net, feed);
    else if (n == 1)
        f = 0;
    else
        return cli_fail(LX_INVAL, "several feeds are loaded: say which with --feed NAME "
                                  "(lanxang feeds lists them)");
    if (f == LX_NONE)
        return cli_fail(LX_NOTFOUND, "no feed named '%s' (lanxang feeds lists them)", feed);
    lx_err e = lx_gtfs_write(lx_net_feed(c->net, f), dir);
    if (e)
        return cli_fail(e, "cannot write %s: %s", dir, lx_strerror(e));
    printf("wrote %s to %s\n", lx_tt_feed_name(lx_net_feed(c->net, f)), dir);
    return 0;
}

const lx_cmd lx_cmd_export = {
    "export", run_export, "write a loaded railway out as GTFS",
    "usage: lanxang [--data DIR] export DIR [--feed NAME]\n\n"
    "Writes the timetable of feed NAME (china-laos for the built-in railway) as a GTFS\n"
    "feed into the folder DIR, with lanxang's extension files for seats and fares.\n"
    "--feed may be left out when only one feed is loaded.\n"};

static int run_remove(lx_cli *c, int argc, char **argv)
{
    const char *name = NULL;
    const cli_opt opts[] = {{NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_remove, argc, argv, opts, &name, 1, 1, "name one feed");
    if (rc)
        return rc;
    char msg[1024];
    lx_store *s;
    lx_err e = lx_store_open(c->data_dir, 0, &s, msg, sizeof msg);
    if (e)
        return cli_fail(e, "%s", msg);
    e = lx_store_remove(s, name, msg, sizeof msg);
    lx_store_close(s);
    if (e)
        return cli_fail(e, "%s", msg);
    printf("removed %s\n", name);
    return 0;
}

const lx_cmd lx_cmd_remove = {"remove", run_remove, "remove an imported feed",
                              "usage: lanxang [--data DIR] remove NAME\n\n"
                              "Removes the feed NAME from the data directory.\n"};
