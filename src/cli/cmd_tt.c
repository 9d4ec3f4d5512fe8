/* Timetable commands: stations, trains, timetable, feeds, check. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include "view/view.h"

static const char *const weekday_names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* ---- stations ---- */
static int run_stations(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *feed = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json}, {"--feed", &feed, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_stations, argc, argv, opts, NULL, 0, 0, NULL);
    if (rc)
        return rc;
    if ((rc = cli_load_net(c)))
        return rc;
    if (feed && lx_net_feed_by_name(c->net, feed) == LX_NONE)
        return cli_fail(LX_NOTFOUND, "no feed named '%s' (lanxang feeds lists them)", feed);
    json_t *arr = json ? json_array() : NULL;
    if (!json)
        printf("%-24s %-6s %-28s %-20s %s\n", "ID", "CODE", "NAME", "TIME ZONE", "COUNTRY");
    for (uint32_t f = 0; f < lx_net_feed_count(c->net); f++) {
        const lx_tt *tt = lx_net_feed(c->net, f);
        if (feed && strcmp(lx_tt_feed_name(tt), feed))
            continue;
        uint32_t n;
        const lx_station *st = lx_tt_stations(tt, &n);
        for (uint32_t s = 0; s < n; s++) {
            if (json) {
                json_array_append_new(arr, lx_view_station(c->net, (lx_place){f, s}));
                continue;
            }
            char id[128];
            snprintf(id, sizeof id, "%s:%s", lx_tt_feed_name(tt), st[s].id);
            printf("%-24s %-6s ", id, st[s].code);
            cli_pad(stdout, lx_tt_station_name(tt, s, c->lang), 28);
            printf(" %-20s %s\n", lx_tz_name(st[s].tz), st[s].country);
        }
    }
    return json ? cli_print_json(arr) : 0;
}

const lx_cmd lx_cmd_stations = {
    "stations", run_stations, "list the stations of every loaded railway",
    "usage: lanxang stations [--feed NAME] [--json]\n\n"
    "Lists every station: its id (feed:stop_id), code, name, time zone and country.\n"
    "  --feed NAME  only the stations of that feed\n"
    "  --json       a JSON array of station objects (docs/api.md)\n"};

/* ---- trains ---- */
static void print_leg(lx_cli *c, const lx_net_leg *l, lx_date_t day)
{
    const lx_tt *tt = lx_net_feed(c->net, l->feed);
    const uint32_t *stop = lx_tt_st_stop(tt);
    const lx_station *st = lx_tt_stations(tt, NULL);
    uint32_t a = stop[l->leg.from_pos], b = stop[l->leg.to_pos];
    char dep[48], arr[48];
    cli_local_time(st[a].tz, l->leg.departure, day, dep, sizeof dep);
    cli_local_time(st[b].tz, l->leg.arrival, day, arr, sizeof arr);
    long mins = (long)((l->leg.arrival - l->leg.departure) / 60);
    printf("%-8s ", lx_tt_train_number(tt, l->leg.trip));
    cli_pad(stdout, lx_tt_station_name(tt, a, c->lang), 22);
    printf(" %-16s ", dep);
    cli_pad(stdout, lx_tt_station_name(tt, b, c->lang), 22);
    printf(" %-16s %ldh%02ld\n", arr, mins / 60, mins % 60);
}

/* every run of every trip of the day (at its first stop), cut at `to` when given */
static uint32_t runs_of_day(const lx_net *net, lx_date_t day, const lx_place *to, uint32_t nto,
                            lx_net_leg *out, uint32_t cap)
{
    uint32_t total = 0;
    for (uint32_t f = 0; f < lx_net_feed_count(net); f++) {
        const lx_tt *tt = lx_net_feed(net, f);
        uint32_t nt;
        const lx_trip *trips = lx_tt_trips(tt, &nt);
        const uint32_t *stop = lx_tt_st_stop(tt);
        for (uint32_t t = 0; t < nt; t++) {
            if (trips[t].st_count < 2)
                continue;
            uint32_t end = trips[t].st_first + trips[t].st_count - 1;
            if (nto) {
                uint32_t p, found = LX_NONE;
                for (p = trips[t].st_first + 1; p <= end && found == LX_NONE; p++)
                    for (uint32_t k = 0; k < nto; k++)
                        if (to[k].feed == f && to[k].station == stop[p])
                            found = p;
                if (found == LX_NONE)
                    continue;
                end = found;
            }
            uint32_t nr = lx_tt_trip_runs(tt, t, day, NULL, 0);
            lx_leg *runs = nr ? malloc(nr * sizeof *runs) : NULL;
            if (!runs)
                continue;
            lx_tt_trip_runs(tt, t, day, runs, nr);
            for (uint32_t r = 0; r < nr; r++, total++) {
                runs[r].to_pos = end;
                runs[r].arrival = lx_tt_st_instant(tt, &runs[r], end, 0);
                if (total < cap)
                    out[total] = (lx_net_leg){f, runs[r]};
            }
            free(runs);
        }
    }
    return total;
}

static int leg_cmp(const void *a, const void *b)
{
    const lx_net_leg *x = a, *y = b;
    return x->leg.departure < y->leg.departure ? -1 : x->leg.departure > y->leg.departure;
}

static int run_trains(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *date = NULL, *from = NULL, *to = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json}, {"--date", &date, NULL},
                            {"--from", &from, NULL}, {"--to", &to, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_trains, argc, argv, opts, NULL, 0, 0, NULL);
    if (rc)
        return rc;
    if (!date)
        return cli_usage_error(&lx_cmd_trains, "--date is required");
    lx_date_t day;
    if (!cli_parse_date(date, &day))
        return 2;
    if ((rc = cli_load_net(c)))
        return rc;
    lx_place a[32], b[32];
    uint32_t na = 0, nb = 0;
    if ((from && (rc = cli_resolve(c, from, a, 32, &na))) ||
        (to && (rc = cli_resolve(c, to, b, 32, &nb))))
        return rc;
    uint32_t n;
    lx_net_leg *legs = NULL;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t cap = pass ? n : 0;
        if (from && to)
            n = lx_net_legs_between(c->net, a, na, b, nb, day, legs, cap);
        else if (from)
            n = lx_net_departures(c->net, a, na, day, legs, cap);
        else
            n = runs_of_day(c->net, day, to ? b : NULL, nb, legs, cap);
        if (pass == 0 && !(legs = malloc((n ? n : 1) * sizeof *legs)))
            return cli_fail(LX_NOMEM, "out of memory");
    }
    qsort(legs, n, sizeof *legs, leg_cmp);
    if (json) {
        json_t *arr = json_array();
        for (uint32_t i = 0; i < n; i++)
            json_array_append_new(arr, lx_view_leg(c->net, &legs[i]));
        free(legs);
        return cli_print_json(arr);
    }
    char d[11];
    lx_date_format(day, 1, d);
    printf("%u train%s", n, n == 1 ? "" : "s");
    if (from)
        printf(" from %s", lx_tt_station_name(lx_net_feed(c->net, a[0].feed), a[0].station, c->lang));
    if (to)
        printf(" to %s", lx_tt_station_name(lx_net_feed(c->net, b[0].feed), b[0].station, c->lang));
    printf(" on %s %s (local times, each in its station's zone)\n", weekday_names[lx_date_weekday(day)], d);
    if (n)
        printf("%-8s %-22s %-16s %-22s %-16s %s\n", "TRAIN", "FROM", "DEPARTS", "TO", "ARRIVES",
               "TIME");
    for (uint32_t i = 0; i < n; i++)
        print_leg(c, &legs[i], day);
    free(legs);
    return 0;
}

const lx_cmd lx_cmd_trains = {
    "trains", run_trains, "list the trains of a day, between two stations or from one",
    "usage: lanxang trains --date YYYY-MM-DD [--from STATION] [--to STATION] [--json]\n\n"
    "Lists the trains that leave on that date (in the departure station's own time zone).\n"
    "With --from and --to: trains from one station to the other; with only --from: its\n"
    "departures; with only --to: trains that call there; with neither: every train of\n"
    "the day. Times are local to each station, marked with the zone (UTC+8 in Yunnan,\n"
    "UTC+7 in Laos). Stations by id, code or name in English, Lao or Chinese.\n"
    "  --json  a JSON array of train objects with train, departure and arrival in\n"
    "          ISO 8601 with offset (docs/api.md)\n\n"
    "example: lanxang trains --date 2026-12-20 --from Vientiane --to \"Luang Prabang\"\n"};

/* ---- timetable ---- */
static int run_timetable(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *date = NULL, *train = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json}, {"--date", &date, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_timetable, argc, argv, opts, &train, 1, 1, "name one train");
    if (rc)
        return rc;
    if (!date)
        return cli_usage_error(&lx_cmd_timetable, "--date is required");
    lx_date_t day;
    if (!cli_parse_date(date, &day))
        return 2;
    if ((rc = cli_load_net(c)))
        return rc;
    json_t *runs;
    char msg[512];
    lx_err e = lx_view_train_timetable(c->net, train, day, &runs, msg, sizeof msg);
    if (e)
        return cli_fail(e, "%s", msg);
    if (json)
        return cli_print_json(runs);
    /* text: from the same JSON, so both say the same */
    size_t i;
    json_t *run;
    json_array_foreach(runs, i, run) {
        printf("%s  %s  %s  (service date %s)\n", json_string_value(json_object_get(run, "train")),
               json_string_value(json_object_get(run, "route")),
               json_string_value(json_object_get(run, "agency")),
               json_string_value(json_object_get(run, "service_date")));
        printf("  %-26s %-12s %-12s %s\n", "STATION", "ARRIVES", "DEPARTS", "ZONE");
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(run, "stops"), k, s) {
            json_t *st = json_object_get(s, "station");
            const char *name = json_string_value(json_object_get(json_object_get(st, "names"), c->lang));
            const char *ar = json_string_value(json_object_get(s, "arrival"));
            const char *de = json_string_value(json_object_get(s, "departure"));
            const char *iso = ar ? ar : de;
            /* "2026-12-20T08:08:00+08:00": time at 11, offset at 19 */
            char at[12] = "", dt[12] = "";
            if (ar)
                snprintf(at, sizeof at, "%.5s%s", ar + 11, strncmp(ar, date, 10) ? "+1d" : "");
            if (de)
                snprintf(dt, sizeof dt, "%.5s%s", de + 11, strncmp(de, date, 10) ? "+1d" : "");
            printf("  ");
            cli_pad(stdout, name ? name : "", 26);
            /* the offset "+08:00" at the end of the ISO time, as "UTC+8" */
            int32_t off = (iso[20] - '0') * 36000 + (iso[21] - '0') * 3600 +
                          (iso[23] - '0') * 600 + (iso[24] - '0') * 60;
            char zone[16];
            cli_zone_mark(iso[19] == '-' ? -off : off, zone, sizeof zone);
            printf(" %-12s %-12s %s (%s)\n", at, dt, zone,
                   json_string_value(json_object_get(st, "timezone")));
        }
    }
    json_decref(runs);
    return 0;
}

const lx_cmd lx_cmd_timetable = {
    "timetable", run_timetable, "show a train's full timetable on a date",
    "usage: lanxang timetable TRAIN --date YYYY-MM-DD [--json]\n\n"
    "Shows every stop of the train (its public number such as D87, or its trip id) on\n"
    "that date, with arrival and departure in each station's own time zone.\n"
    "  --json  a JSON array with one timetable object per run (docs/api.md)\n"};

/* ---- feeds ---- */
static int run_feeds(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const cli_opt opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_feeds, argc, argv, opts, NULL, 0, 0, NULL);
    if (rc || (rc = cli_load_net(c)))
        return rc;
    json_t *arr = json_array();
    if (!json)
        printf("%-16s %9s %8s %11s  %-10s %-10s\n", "FEED", "STATIONS", "TRAINS", "STOP TIMES",
               "FROM", "UNTIL");
    for (uint32_t f = 0; f < lx_net_feed_count(c->net); f++) {
        const lx_tt *tt = lx_net_feed(c->net, f);
        lx_gtfs_summary s;
        lx_gtfs_summarize(tt, &s);
        char a[11] = "-", b[11] = "-";
        if (s.first_day <= s.last_day) {
            lx_date_format(s.first_day, 1, a);
            lx_date_format(s.last_day, 1, b);
        }
        if (json)
            json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:i, s:s, s:s}", "name",
                                                 lx_tt_feed_name(tt), "stations", (json_int_t)s.stations,
                                                 "trains", (json_int_t)s.trips, "stop_times",
                                                 (json_int_t)s.stop_times, "first_day", a, "last_day", b));
        else
            printf("%-16s %9u %8u %11u  %-10s %-10s\n", lx_tt_feed_name(tt), s.stations, s.trips,
                   s.stop_times, a, b);
    }
    if (json)
        return cli_print_json(arr);
    json_decref(arr);
    return 0;
}

const lx_cmd lx_cmd_feeds = {"feeds", run_feeds, "list the loaded railways (feeds)",
                             "usage: lanxang feeds [--json]\n\n"
                             "Lists the built-in railway and every feed imported into the data\n"
                             "directory, with their size and the days they cover.\n"};

/* ---- check ---- */
/* The bookings of the data directory: every run's inventory invariants, and the
 * orders on disk against the inventory rebuilt from them. 0 when consistent. */
static int check_bookings(lx_cli *c)
{
    lx_store *store;
    lx_book *book;
    int rc = cli_open_book(c, 0, 0, &store, &book);
    if (rc) {
        printf("bookings: FAILED: the orders of %s do not load (above)\n", c->data_dir);
        return 1;
    }
    if (!book) {
        printf("bookings: no data directory at %s: nothing sold\n", c->data_dir);
        return 0;
    }
    size_t cap = 64 * 1024;
    char *msg = malloc(cap);
    if (!msg) {
        cli_close_book(store, book);
        cli_fail(LX_NOMEM, "out of memory");
        return 1;
    }
    msg[0] = 0;
    uint32_t runs = 0, orders = 0;
    lx_err e = lx_book_check(book, msg, cap, &runs, &orders);
    cli_close_book(store, book);
    /* the store reports orders that no longer fit the network (seats colliding with
     * another's, a trip or feed gone) without failing: they are on disk yet cannot be
     * honoured, so the data directory is not consistent */
    if (e == LX_OK && msg[0])
        e = LX_INTERNAL;
    if (e == LX_OK)
        printf("bookings: ok (%u train run%s, %u order%s)\n", runs, runs == 1 ? "" : "s", orders,
               orders == 1 ? "" : "s");
    else {
        printf("bookings: FAILED (%u train run%s, %u order%s):\n", runs, runs == 1 ? "" : "s",
               orders, orders == 1 ? "" : "s");
        /* one finding per line, indented */
        for (char *line = msg; *line;) {
            size_t n = strcspn(line, "\n");
            printf("  %.*s\n", (int)n, line);
            line += n + (line[n] == '\n');
        }
    }
    free(msg);
    return e != LX_OK;
}

static int run_check(lx_cli *c, int argc, char **argv)
{
    const cli_opt opts[] = {{NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_check, argc, argv, opts, NULL, 0, 0, NULL);
    if (rc || (rc = cli_load_net(c)))
        return rc;
    int bad = 0;
    for (uint32_t f = 0; f < lx_net_feed_count(c->net); f++) {
        char msg[512];
        const lx_tt *tt = lx_net_feed(c->net, f);
        if (lx_tt_check(tt, msg, sizeof msg) != LX_OK) {
            printf("%s: FAILED: %s\n", lx_tt_feed_name(tt), msg);
            bad = 1;
        } else
            printf("%s: ok\n", lx_tt_feed_name(tt));
    }
    bad |= check_bookings(c);
    return bad ? lx_err_exit_code(LX_INTERNAL) : 0;
}

const lx_cmd lx_cmd_check = {"check", run_check,
                             "check the invariants of every loaded timetable and of the bookings",
                             "usage: lanxang check\n\n"
                             "Checks every loaded timetable's internal consistency (stop times\n"
                             "in order, indexes, seat layouts), then the bookings of the data\n"
                             "directory: every train run's seats (no seat sold twice on a\n"
                             "stretch, every count right) and every order on disk against\n"
                             "them. Prints what it found; exit 0 exactly when all is\n"
                             "consistent, 70 when something is not.\n"};
