/* The synthetic timetable of the inventory benchmark (bench_inv) and of the
 * utilisation study (bench_inv_util): GTFS text built in memory and read by the real
 * loader (lx_gtfs_load_files), so the runs are made exactly as a feed's runs are.
 *
 * One agency (Asia/Shanghai), `stations` stations s0 .. s{n-1} with km chainage
 * (lx_stations.txt), one route, `trains` trips T00000 .. calling at every station, all
 * on one service day (calendar_dates.txt), each with one layout of `coaches` coaches of
 * `seats_per_coach` seats of class "second", 5 abreast (ABCDF, windows A and F).
 * Trip i leaves s0 at 06:00 + (i mod 720) minutes and takes 35 minutes per section
 * with a 2-minute stop, so every run of the day leaves between 06:00 and 17:59.
 */
#ifndef LX_BENCH_INV_FEED_H
#define LX_BENCH_INV_FEED_H

#include "lanxang/gtfs.h"
#include <stddef.h>
#include <stdint.h>

/* The benchmark's km chainage of 10 stations: uneven sections of 46 to 87 km, 610 km
 * end to end (the same order as the China–Laos line's 1,011 km, shorter sections). */
extern const double bi_default_km[10];

typedef struct {
    uint32_t trains;          /* trips, >= 1 */
    uint32_t stations;        /* stops per trip, 2 .. 65 */
    const double *km;         /* chainage of each station; NULL: bi_default_km (10 only) */
    uint32_t coaches;         /* 1 .. 99 */
    uint32_t seats_per_coach; /* >= 1 */
    lx_date_t day;            /* the service day */
} bi_feed;

/* Builds and loads the feed under the name "bench". On an error msg says why (the
 * loader's first error when the feed is refused). */
lx_err bi_feed_load(const bi_feed *f, lx_tt **out, char *msg, size_t msg_len);

#endif
