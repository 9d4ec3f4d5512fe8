/* bench_plan: query times of the journey planner (src/core/plan*.c) on real feeds.
 *
 *   bench_plan [-n QUERIES] [-s SEED] [-q FILE] NAME=PATH ...
 *
 * Each PATH (a GTFS folder or .zip) is loaded alone into a network, the planner is
 * built, and QUERIES random queries (default 1000; a fixed seed) are timed: an
 * earliest-arrival query (one departure instant, up to 5 changes) and a range query
 * over a 2-hour window from the same origin, destination and instant. Origins and
 * destinations are random stations with trains, joined by some chain of trips (a
 * generated network falls apart into several; a query between two parts is answered
 * at once and would flatter the figures); the instant is a random time between
 * 05:00 and 22:00 of a random day the feed covers. Prints one Markdown table row per
 * feed and kind: median, p99 and mean in milliseconds, and the share of queries with a
 * journey. Run by bench/plan/run.sh (`make bench-plan`).
 *
 * -q FILE writes the queries as they are drawn, a tab-separated line each: feed name,
 * origin stop_id, destination stop_id, departure instant (Unix seconds), the same as
 * local date and time of the feed's zone, and the number of journeys found for the
 * earliest-arrival and the range query; so that another planner can be timed on
 * exactly the same queries and its answers compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "lanxang/plan.h"

static uint64_t rng;
static FILE *qfile; /* -q */

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* union-find over stations joined by a trip, so that queries join connected places */
static uint32_t root(uint32_t *c, uint32_t x)
{
    while (c[x] != x)
        x = c[x] = c[c[x]];
    return x;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void row(const char *feed, uint32_t st, const char *kind, double *ms, uint32_t n,
                uint32_t found, double journeys)
{
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += ms[i];
    qsort(ms, n, sizeof *ms, dbl_cmp);
    printf("| %s | %u | %s | %u | %.3f | %.3f | %.3f | %.0f%% | %.2f |\n", feed, st, kind, n,
           ms[n / 2], ms[(size_t)(n * 0.99)], sum / n, 100.0 * found / n, journeys / n);
}

static int bench_feed(const char *name, const char *path, uint32_t nq)
{
    lx_report *rep;
    lx_tt *tt;
    lx_gtfs_opts go = {name, NULL, NULL};
    if (lx_report_create(&rep) != LX_OK)
        return 1;
    double t0 = now_ms();
    lx_err e = lx_gtfs_load_path(path, &go, rep, &tt);
    if (e != LX_OK) {
        fprintf(stderr, "bench_plan: %s: %s\n", path, lx_strerror(e));
        lx_report_destroy(rep);
        return 1;
    }
    lx_report_destroy(rep);
    double t1 = now_ms();
    lx_net *net;
    lx_plan *plan;
    lx_plan_query *q;
    if (lx_net_create(&net) || lx_net_add(net, tt))
        return 1;
    double t2 = now_ms();
    lx_plan_opts po;
    lx_plan_opts_init(&po);
    if (getenv("LX_PLAN_HORIZON"))
        po.max_duration_seconds = atoi(getenv("LX_PLAN_HORIZON"));
    if (lx_plan_create(net, &po, &plan) || lx_plan_query_create(plan, &q))
        return 1;
    double t3 = now_ms();
    lx_plan_stats ps;
    lx_plan_get_stats(plan, &ps);
    uint32_t n_st = lx_tt_stop_time_count(tt), ns;
    lx_tt_stations(tt, &ns);
    uint8_t *calls = calloc(ns, 1);
    uint32_t *callable = malloc(ns * sizeof *callable), nc = 0;
    for (uint32_t i = 0; i < n_st; i++)
        calls[lx_tt_st_stop(tt)[i]] = 1;
    for (uint32_t s = 0; s < ns; s++)
        if (calls[s])
            callable[nc++] = s;
    uint32_t *comp = malloc(ns * sizeof *comp), ntrips;
    const lx_trip *trips = lx_tt_trips(tt, &ntrips);
    for (uint32_t s = 0; s < ns; s++)
        comp[s] = s;
    for (uint32_t t = 0; t < ntrips; t++)
        for (uint32_t k = 1; k < trips[t].st_count; k++) {
            uint32_t a = root(comp, lx_tt_st_stop(tt)[trips[t].st_first]);
            uint32_t b = root(comp, lx_tt_st_stop(tt)[trips[t].st_first + k]);
            if (a != b)
                comp[a] = b;
        }
    lx_gtfs_summary sum;
    lx_gtfs_summarize(tt, &sum);
    fprintf(stderr,
            "%s: %u stop times, loaded in %.0f ms; planner built in %.0f ms: %u stops, %u "
            "patterns, %u pattern trips, %u footpaths, %.1f MB\n",
            name, n_st, t1 - t0, t3 - t2, ps.stops, ps.patterns, ps.pattern_trips, ps.footpaths,
            ps.bytes / 1e6);
    double *ea = malloc(nq * sizeof *ea), *rg = malloc(nq * sizeof *rg);
    double *ea_f = malloc(nq * sizeof *ea), *rg_f = malloc(nq * sizeof *rg);
    uint32_t found_ea = 0, found_rg = 0;
    double jn_ea = 0, jn_rg = 0;
    const lx_tz *tz = lx_tt_default_tz(tt);
    lx_date_t span = sum.last_day - sum.first_day;
    for (uint32_t i = 0; i < nq; i++) {
        uint32_t a, b;
        do {
            a = callable[rnd(nc)];
            b = callable[rnd(nc)];
        } while (a == b || root(comp, a) != root(comp, b));
        lx_date_t day = sum.first_day + (span > 3 ? 1 + (lx_date_t)rnd((uint32_t)(span - 2)) : 0);
        lx_instant_t t = lx_tz_local_to_instant(tz, day, 5 * 3600 + (int32_t)rnd(17 * 3600));
        lx_place pa = {0, a}, pb = {0, b};
        lx_plan_request r = {&pa, 1, &pb, 1, t, 0, 0, -1, NULL, NULL};
        const lx_plan_journey *j;
        uint32_t n;
        double s0 = now_ms();
        e = lx_plan_search(q, &r, &j, &n);
        double s1 = now_ms();
        r.window_seconds = 7200;
        uint32_t n2 = 0;
        double s2 = now_ms();
        lx_err e2 = lx_plan_search(q, &r, &j, &n2);
        double s3 = now_ms();
        if (e || e2) {
            fprintf(stderr, "bench_plan: search: %s\n", lx_strerror(e ? e : e2));
            return 1;
        }
        ea[i] = s1 - s0;
        rg[i] = s3 - s2;
        if (n)
            ea_f[found_ea++] = ea[i];
        if (n2)
            rg_f[found_rg++] = rg[i];
        jn_ea += n;
        jn_rg += n2;
        if (qfile) {
            const lx_station *st = lx_tt_stations(tt, NULL);
            lx_date_t ld;
            int32_t lsec;
            char ds[16];
            lx_tz_to_local(tz, t, &ld, &lsec);
            lx_date_format(ld, 1, ds);
            fprintf(qfile, "%s\t%s\t%s\t%lld\t%s\t%02d:%02d:%02d\t%u\t%u\n", name, st[a].id,
                    st[b].id, (long long)t, ds, lsec / 3600, lsec / 60 % 60, lsec % 60, n, n2);
        }
    }
    row(name, n_st, "earliest arrival, all", ea, nq, found_ea, jn_ea);
    if (found_ea)
        row(name, n_st, "earliest arrival, with a journey", ea_f, found_ea, found_ea, jn_ea);
    row(name, n_st, "range 2 h, all", rg, nq, found_rg, jn_rg);
    if (found_rg)
        row(name, n_st, "range 2 h, with a journey", rg_f, found_rg, found_rg, jn_rg);
    fflush(stdout);
    free(ea);
    free(rg);
    free(ea_f);
    free(rg_f);
    free(calls);
    free(callable);
    free(comp);
    lx_plan_query_destroy(q);
    lx_plan_destroy(plan);
    lx_net_destroy(net);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t nq = 1000;
    uint64_t seed = 42;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc)
            break;
        if (strcmp(argv[i], "-n") == 0)
            nq = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-s") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-q") == 0 && !(qfile = fopen(argv[i + 1], "w"))) {
            perror(argv[i + 1]);
            return 2;
        }
    }
    if (i >= argc || !nq) {
        fprintf(stderr, "usage: bench_plan [-n QUERIES] [-s SEED] [-q FILE] NAME=PATH ...\n");
        return 2;
    }
    printf("| feed | stop times | query | n | median ms | p99 ms | mean ms | found | journeys |\n");
    printf("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "bench_plan: %s: NAME=PATH expected\n", argv[i]);
            return 2;
        }
        *eq = 0;
        rng = seed * 0x9E3779B97F4A7C15ull + 1;
        if (bench_feed(argv[i], eq + 1, nq))
            return 1;
    }
    if (qfile && fclose(qfile)) {
        perror("bench_plan: -q");
        return 1;
    }
    return 0;
}
