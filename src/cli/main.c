/* lanxang: the command. Global options are taken wherever they stand; the first other
 * word names the subcommand, listed once in the table below. */
#include "cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lanxang/text.h"
#include "view/view.h"

static const lx_cmd *const commands[] = {
    &lx_cmd_stations, &lx_cmd_trains, &lx_cmd_timetable, &lx_cmd_plan, &lx_cmd_import, &lx_cmd_validate,
    &lx_cmd_export,   &lx_cmd_feeds,  &lx_cmd_remove,    &lx_cmd_serve,  &lx_cmd_check,
    &lx_cmd_avail,    &lx_cmd_seats,  &lx_cmd_hold,   &lx_cmd_confirm,   &lx_cmd_cancel, &lx_cmd_refund,
    &lx_cmd_change, &lx_cmd_order,
    &lx_cmd_ticket, &lx_cmd_gate, &lx_cmd_keys,
    &lx_cmd_waitlist,
};
#define N_COMMANDS (sizeof commands / sizeof *commands)

static void usage(FILE *f)
{
    fprintf(f,
            "lanxang %s: railway timetables and ticketing (the China–Laos Railway built in)\n\n"
            "usage: lanxang [--data DIR] [--no-builtin] [--lang en|lo|zh] COMMAND [ARGS]\n\n"
            "commands:\n",
            LX_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f,
            "\noptions:\n"
            "  --data DIR     data directory with imported feeds (default ./lanxang-data)\n"
            "  --no-builtin   leave out the built-in China–Laos Railway\n"
            "  --lang LANG    language of station names: en, lo or zh (default en)\n"
            "  --version      print the version\n\n"
            "The selling commands read the clock, or LANXANG_NOW when it is set (Unix seconds\n"
            "or ISO 8601 such as 2026-12-19T10:00:00+07:00).\n\n"
            "Stations can be named by id, code or name in any language, e.g. Vientiane,\n"
            "万象 or ວຽງຈັນ. 'lanxang COMMAND --help' tells more. Exit codes: 0 success,\n"
            "1 failure, 2 usage, 3 not found, 4 ambiguous name, 5 no seat (sold out, seat\n"
            "taken), 6 not in the order's state (expired, sales closed), 7 not the owner,\n"
            "65 bad data, 70 internal error, 74 input/output error, 75 busy (docs/cli.md).\n");
}

int cli_fail(lx_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lanxang: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    int code = lx_err_exit_code(e);
    return code ? code : 1;
}

int cli_usage_error(const lx_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lanxang %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    /* the usage line only; --help has the rest */
    int line = (int)strcspn(cmd->usage, "\n");
    fprintf(stderr, "\n%.*s\n(lanxang %s --help tells more)\n", line, cmd->usage, cmd->name);
    va_end(ap);
    return 2;
}

int cli_refuse(int json, lx_err e, const char *field, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (json) {
        json_t *v = lx_view_error(e, msg, field);
        /* a refused passenger rule is named, as the API names it: the message ends
         * "(rule NAME)" */
        const char *at = e == LX_RULE || e == LX_CLOSED ? strstr(msg, "(rule ") : NULL;
        if (v && at) {
            int len = (int)strcspn(at + 6, ")");
            json_object_set_new(json_object_get(v, "error"), "rule",
                                json_stringn(at + 6, (size_t)len));
        }
        if (v) {
            json_dumpf(v, stdout, JSON_INDENT(2) | LX_VIEW_JSON_FLAGS);
            fputc('\n', stdout);
            json_decref(v);
        }
        fflush(stdout);
    }
    return cli_fail(e, "%s", msg);
}

/* "2026-12-19T10:00:00+07:00", "2026-12-19 10:00Z", "...+0700", "...+07" */
static int parse_iso_instant(const char *s, lx_instant_t *out)
{
    lx_date_t day;
    size_t len = strlen(s);
    if (len < 16 || lx_date_parse(s, 10, 1, &day) != LX_OK || (s[10] != 'T' && s[10] != ' '))
        return 0;
    const char *p = s + 11;
    int h, m, sec = 0, k = 0;
    if (sscanf(p, "%2d:%2d%n", &h, &m, &k) != 2 || k != 5)
        return 0;
    p += 5;
    if (*p == ':') {
        if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
            return 0;
        sec = (p[1] - '0') * 10 + (p[2] - '0');
        p += 3;
    }
    if (h > 23 || m > 59 || sec > 60)
        return 0;
    int32_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh = 0, om = 0;
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return 0;
        oh = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
            om = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
        if (oh > 14 || om > 59)
            return 0;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return 0; /* a time without its offset is no instant */
    }
    if (*p)
        return 0;
    *out = (lx_instant_t)day * 86400 + h * 3600 + m * 60 + sec - off;
    return 1;
}

int cli_now(lx_instant_t *now)
{
    const char *env = getenv("LANXANG_NOW");
    if (!env || !*env) {
        *now = (lx_instant_t)time(NULL);
        return 0;
    }
    char *end;
    long long v = strtoll(env, &end, 10);
    if (*end == 0 && end != env && v >= 0) {
        *now = (lx_instant_t)v;
        return 0;
    }
    if (parse_iso_instant(env, now))
        return 0;
    fprintf(stderr,
            "lanxang: LANXANG_NOW='%s' is not a time: give Unix seconds or ISO 8601 with an "
            "offset, e.g. 2026-12-19T10:00:00+07:00\n",
            env);
    return 2;
}

int cli_args(const lx_cmd *cmd, int argc, char **argv, const cli_opt *opts, const char **pos,
             int min_pos, int max_pos, const char *what)
{
    return cli_args_multi(cmd, argc, argv, opts, NULL, pos, min_pos, max_pos, what);
}

int cli_args_multi(const lx_cmd *cmd, int argc, char **argv, const cli_opt *opts,
                   const cli_multi *multi, const char **pos, int min_pos, int max_pos,
                   const char *what)
{
    int n = 0, options_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || !a[1]) {
            if (n >= max_pos)
                return cli_usage_error(cmd, "unexpected '%s'", a);
            pos[n++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            options_done = 1;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const cli_multi *m = multi;
        while (m && m->name && !(strlen(m->name) == len && !strncmp(m->name, a, len)))
            m++;
        if (m && m->name) {
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!v)
                return cli_usage_error(cmd, "%s needs a value", m->name);
            if (*m->n >= m->cap)
                return cli_usage_error(cmd, "%s may be given at most %d times", m->name, m->cap);
            m->vals[(*m->n)++] = v;
            continue;
        }
        const cli_opt *o = opts;
        while (o->name && !(strlen(o->name) == len && !strncmp(o->name, a, len)))
            o++;
        if (!o->name)
            return cli_usage_error(cmd, "unknown option '%.*s'", (int)len, a);
        if (o->flag) {
            if (eq)
                return cli_usage_error(cmd, "%s takes no value", o->name);
            *o->flag = 1;
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            return cli_usage_error(cmd, "%s needs a value", o->name);
        }
    }
    if (n < min_pos)
        return cli_usage_error(cmd, "%s", what ? what : "missing arguments");
    return 0;
}

int cli_wants_help(const lx_cmd *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(cmd->usage, stdout);
            return 1;
        }
    return 0;
}

int cli_print_json(json_t *v)
{
    if (!v)
        return cli_fail(LX_NOMEM, "out of memory");
    json_dumpf(v, stdout, JSON_INDENT(2) | LX_VIEW_JSON_FLAGS);
    fputc('\n', stdout);
    json_decref(v);
    return 0;
}

void cli_zone_mark(int32_t off, char *buf, size_t n)
{
    if (off % 3600 == 0)
        snprintf(buf, n, "UTC%+d", off / 3600);
    else
        snprintf(buf, n, "UTC%c%d:%02d", off < 0 ? '-' : '+', abs(off) / 3600, abs(off) % 3600 / 60);
}

void cli_local_time(const lx_tz *tz, lx_instant_t t, lx_date_t ref_day, char *buf, size_t n)
{
    lx_date_t day;
    int32_t secs;
    int32_t off = lx_tz_to_local(tz, t, &day, &secs);
    char zone[16];
    cli_zone_mark(off, zone, sizeof zone);
    if (day != ref_day)
        snprintf(buf, n, "%02d:%02d %s %+dd", secs / 3600, secs / 60 % 60, zone, day - ref_day);
    else
        snprintf(buf, n, "%02d:%02d %s", secs / 3600, secs / 60 % 60, zone);
}

int cli_resolve(lx_cli *c, const char *name, lx_place *out, uint32_t cap, uint32_t *n)
{
    char msg[1024];
    lx_err e = lx_view_resolve(c->net, name, out, cap, n, msg, sizeof msg);
    if (e == LX_NOTFOUND && *n == 0)
        return cli_fail(e, "%s ('lanxang stations' lists them all)", msg);
    return e ? cli_fail(e, "%s", msg) : 0;
}

int cli_parse_date(const char *s, lx_date_t *out)
{
    if (!s || lx_date_parse(s, strlen(s), 1, out) != LX_OK) {
        fprintf(stderr, "lanxang: '%s' is not a date: use YYYY-MM-DD, e.g. 2026-12-20\n",
                s ? s : "");
        return 0;
    }
    return 1;
}

void cli_pad(FILE *f, const char *s, int width)
{
    int w = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += lx_utf8_decode(s + i, n - i, &cp);
        /* Lao combining vowels and tone marks take no column; CJK takes two */
        if ((cp >= 0x0EB1 && cp <= 0x0EBC && cp != 0x0EB2 && cp != 0x0EB3) ||
            (cp >= 0x0EC8 && cp <= 0x0ECD) || (cp >= 0x300 && cp <= 0x36F))
            continue;
        w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                               (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                               (cp >= 0xFF00 && cp <= 0xFF60)))
                 ? 2
                 : 1;
    }
    fputs(s, f);
    for (; w < width; w++)
        fputc(' ', f);
}

int cli_load_net(lx_cli *c)
{
    lx_err e = lx_net_create(&c->net);
    if (e)
        return cli_fail(e, "out of memory");
    if (!c->no_builtin) {
        lx_tt *tt;
        if ((e = lx_builtin_load(&tt)) || (e = lx_net_add(c->net, tt)))
            return cli_fail(e, "the built-in China–Laos Railway does not load: %s", lx_strerror(e));
    }
    char msg[1024];
    lx_store *s;
    e = lx_store_open(c->data_dir, 0, &s, msg, sizeof msg);
    if (e == LX_NOTFOUND) {
        if (c->data_given)
            fprintf(stderr, "lanxang: note: %s\n", msg);
        return 0;
    }
    if (e)
        return cli_fail(e, "%s", msg);
    e = lx_store_load(s, c->net, msg, sizeof msg);
    lx_store_close(s);
    if (e)
        return cli_fail(e, "%s", msg);
    return 0;
}

/* takes the global options out of argv, wherever they are */
static int global_options(lx_cli *c, int *argc, char **argv)
{
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--data") || !strcmp(a, "--lang")) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "lanxang: %s needs a value\n", a);
                return 2;
            }
            if (!strcmp(a, "--data"))
                c->data_dir = argv[++i], c->data_given = 1;
            else
                c->lang = argv[++i];
        } else if (!strncmp(a, "--data=", 7)) {
            c->data_dir = a + 7, c->data_given = 1;
        } else if (!strncmp(a, "--lang=", 7)) {
            c->lang = a + 7;
        } else if (!strcmp(a, "--no-builtin")) {
            c->no_builtin = 1;
        } else {
            argv[k++] = argv[i];
        }
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    lx_cli c = {.data_dir = "lanxang-data", .lang = "en"};
    int rc = global_options(&c, &argc, argv);
    if (rc)
        return rc;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        if (argc >= 3 && !strcmp(argv[1], "help"))
            for (size_t i = 0; i < N_COMMANDS; i++)
                if (!strcmp(argv[2], commands[i]->name)) {
                    fputs(commands[i]->usage, stdout);
                    return 0;
                }
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("lanxang %s\n", LX_VERSION);
        return 0;
    }
    if (strcmp(c.lang, "en") && strcmp(c.lang, "lo") && strcmp(c.lang, "zh")) {
        fprintf(stderr, "lanxang: --lang takes en, lo or zh, not '%s'\n", c.lang);
        return 2;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i]->name)) {
            if (cli_wants_help(commands[i], argc - 1, argv + 1))
                return 0;
            rc = commands[i]->run(&c, argc - 1, argv + 1);
            lx_net_destroy(c.net);
            return rc;
        }
    fprintf(stderr, "lanxang: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
