/* The China–Laos Railway, built in: data/china-laos/ is compiled into the binary
 * (tools/embed.c) and loaded like any other feed, so it is validated by the same code
 * on every start and every test. */
#include "lanxang/gtfs.h"

lx_err lx_builtin_load(lx_tt **out)
{
    size_t n;
    const lx_gtfs_file *files = lx_builtin_feed(&n);
    lx_report *r;
    lx_err e = lx_report_create(&r);
    if (e)
        return e;
    lx_gtfs_opts opts = {.feed_name = "china-laos"};
    e = lx_gtfs_load_files(files, n, &opts, r, out);
    if (e == LX_FEED) /* only a broken build can get here: say why */
        lx_report_print(r, stderr, 0);
    lx_report_destroy(r);
    return e;
}
