/* lanxang serve: the HTTP server over every loaded railway. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "lanxang/server.h"

static int run_serve(lx_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
                                         {"web", required_argument, 0, 'w'},
                                         {"threads", required_argument, 0, 't'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {0, 0, 0, 0}};
    lx_server_opts so = {.listen = "127.0.0.1:8080"};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'l')
            so.listen = optarg;
        else if (o == 'w')
            so.web_dir = optarg;
        else if (o == 't') {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end || t < 0 || t > 256)
                return cli_usage_error(&lx_cmd_serve, "--threads takes 0 to 256");
            so.threads = (unsigned)t;
        } else if (o == 'q')
            so.quiet = 1;
        else
            return cli_usage_error(&lx_cmd_serve, "unknown option");
    }
    if (optind < argc)
        return cli_usage_error(&lx_cmd_serve, "unexpected '%s'", argv[optind]);
    int rc = cli_load_net(c);
    if (rc)
        return rc;
    lx_err e = lx_server_run(c->net, &so);
    return e ? cli_fail(e, "the server stopped: %s", lx_strerror(e)) : 0;
}

const lx_cmd lx_cmd_serve = {
    "serve", run_serve, "serve the JSON API and the web pages",
    "usage: lanxang [--data DIR] serve [--listen HOST:PORT] [--threads N] [--quiet] [--web DIR]\n\n"
    "Serves the API under /api/v1 (docs/api.md) and the timetable page at / until\n"
    "interrupted (Ctrl-C or SIGTERM).\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:8080)\n"
    "  --threads N         worker threads (default: one per core)\n"
    "  --quiet             no access log\n"
    "  --web DIR           serve the web pages from DIR instead of the built-in copy\n"};
