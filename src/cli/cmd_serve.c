/* lanxang serve: the HTTP server over every loaded railway, selling from the booking
 * store of the data directory (created when missing, as `lanxang hold` does). */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "lanxang/server.h"

#define DEFAULT_CACHE_MB 64

/* A whole number option from 0 to max; 0 and *out set when it is one or absent. */
static int count_opt(const char *text, const char *name, unsigned max, unsigned *out)
{
    if (!text)
        return 0;
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || end == text || v < 0 || v > (long)max)
        return cli_usage_error(&lx_cmd_serve, "%s takes 0 to %u", name, max);
    *out = (unsigned)v;
    return 0;
}

static int run_serve(lx_cli *c, int argc, char **argv)
{
    const char *threads = NULL, *cache = NULL, *max_conns = NULL, *timeout = NULL;
    int quiet = 0;
    lx_server_opts so = {.listen = "127.0.0.1:8080", .cache_mb = DEFAULT_CACHE_MB};
    const cli_opt opts[] = {{"--listen", &so.listen, NULL}, {"--web", &so.web_dir, NULL},
                            {"--threads", &threads, NULL}, {"--cache-mb", &cache, NULL},
                            {"--max-connections", &max_conns, NULL},
                            {"--timeout", &timeout, NULL}, {"--sell-from", &so.seller, NULL},
                            {"--quiet", NULL, &quiet},
                            {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_serve, argc, argv, opts, NULL, 0, 0, NULL);
    if (rc || (rc = count_opt(threads, "--threads", 256, &so.threads)) ||
        (rc = count_opt(cache, "--cache-mb", 65536, &so.cache_mb)) ||
        (rc = count_opt(max_conns, "--max-connections", 100000, &so.max_connections)) ||
        (rc = count_opt(timeout, "--timeout", 3600, &so.timeout_s)))
        return rc;
    if (so.seller && (strlen(so.seller) != 2 || !isalpha((unsigned char)so.seller[0]) ||
                      !isalpha((unsigned char)so.seller[1])))
        return cli_usage_error(&lx_cmd_serve, "--sell-from takes a country code, e.g. LA or CN");
    so.quiet = quiet;
    /* the clock of the selling commands: LANXANG_NOW (for tests) fixes the server's
     * "now" there, as it does for the commands */
    lx_instant_t now;
    const char *fixed = getenv("LANXANG_NOW");
    if ((rc = cli_now(&now)) || (rc = cli_load_net(c)))
        return rc;
    so.fixed_now = fixed && *fixed ? now : 0;
    lx_store *store;
    lx_book *book;
    if ((rc = cli_open_book(c, 1, 0, &store, &book)))
        return rc;
    so.book = book;
    /* the ticket keys, created on first use as `lanxang ticket` does (DIR/keys) */
    lx_ticket_keys keys;
    char msg[1024];
    lx_err e = lx_ticket_keys_open(c->data_dir, 1, &keys, msg, sizeof msg);
    if (e) {
        cli_close_book(store, book);
        return cli_fail(e, "%s", msg);
    }
    so.store = store;
    so.keys = &keys;
    e = lx_server_run(c->net, &so);
    lx_ticket_keys_wipe(&keys);
    cli_close_book(store, book);
    return e ? cli_fail(e, "the server stopped: %s", lx_strerror(e)) : 0;
}

const lx_cmd lx_cmd_serve = {
    "serve", run_serve, "serve the JSON API and the web pages",
    "usage: lanxang [--data DIR] serve [--listen HOST:PORT] [--threads N] [--cache-mb N]\n"
    "                                  [--max-connections N] [--timeout S] [--sell-from CC]\n"
    "                                  [--quiet] [--web DIR]\n\n"
    "Serves the API under /api/v1 (docs/api.md) and the timetable page at / until\n"
    "interrupted (Ctrl-C or SIGTERM). Seats are sold from the bookings of the data\n"
    "directory (created when missing); holds past their deadline are expired every few\n"
    "seconds. The time is the clock's, or LANXANG_NOW, fixed, when it is set.\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:8080)\n"
    "  --threads N         worker threads (default: one per core)\n"
    "  --cache-mb N        keep up to N MiB of search answers to give again (default 64;\n"
    "                      0: compute every answer). An answer with free seats is given\n"
    "                      again only within its second and while no seat changed.\n"
    "  --max-connections N connections served at once (default 1000); a request on one\n"
    "                      more is answered 503 busy with Retry-After and closed\n"
    "  --timeout S         close a connection idle or sending slowly for S seconds\n"
    "                      (default 30)\n"
    "  --sell-from CC      the selling side: sell only journeys that start in country CC\n"
    "                      (LA, CN); others are refused (rule selling_side). Default: all\n"
    "  --quiet             no access log\n"
    "  --web DIR           serve the web pages from DIR instead of the built-in copy\n"};
