/* `lanxang plan`: journeys from any station to any station over every loaded railway,
 * with changes of train (the planner, lanxang/plan.h). The search and its JSON are
 * src/view/plan.c's, the ones GET /api/v1/journeys answers with; the text is drawn
 * from that JSON, so both show the same journeys. */
#include "cli.h"

#include "lanxang/plan.h"
#include "view/plan.h"
#include "view/view.h"
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *station_name(lx_cli *c, json_t *station)
{
    const char *s = json_string_value(json_object_get(json_object_get(station, "names"), c->lang));
    return s && *s ? s : str(station, "name");
}

/* "08:08 UTC+8", and " +1d" when the local date is not ref ("YYYY-MM-DD"), from an ISO
 * time with its offset ("2026-12-20T08:08:00+08:00") */
static void local_time(const char *iso, const char *ref, char *buf, size_t n)
{
    if (strlen(iso) < 25) {
        snprintf(buf, n, "%s", iso);
        return;
    }
    int32_t off = ((iso[20] - '0') * 10 + (iso[21] - '0')) * 3600 +
                  ((iso[23] - '0') * 10 + (iso[24] - '0')) * 60;
    char zone[16];
    cli_zone_mark(iso[19] == '-' ? -off : off, zone, sizeof zone);
    lx_date_t a = 0, b = 0;
    lx_date_parse(iso, 10, 1, &a);
    lx_date_parse(ref, 10, 1, &b);
    if (a != b)
        snprintf(buf, n, "%.5s %s %+dd", iso + 11, zone, a - b);
    else
        snprintf(buf, n, "%.5s %s", iso + 11, zone);
}

static void hours(long minutes, char *buf, size_t n)
{
    /* a journey is planned within days: clamp, so the text always fits */
    int m = minutes < 0 ? 0 : minutes > 99999 ? 99999 : (int)minutes;
    snprintf(buf, n, "%dh%02d", m / 60, m % 60);
}

/* a price of the JSON (number in the main unit) with its currency, or "-" */
static void json_price(json_t *price, json_t *currency, char *buf, size_t n)
{
    const char *cur = json_string_value(currency);
    if (!json_is_number(price) || !cur) {
        snprintf(buf, n, "-");
        return;
    }
    int digits = lx_currency_digits(cur);
    snprintf(buf, n, "%.*f %s", digits, json_number_value(price), cur);
}

static void print_change(lx_cli *c, json_t *ch, const char *ref)
{
    char wait[16], least[16], dep[48];
    hours((long)json_integer_value(json_object_get(ch, "wait_minutes")), wait, sizeof wait);
    hours((long)json_integer_value(json_object_get(ch, "min_minutes")), least, sizeof least);
    local_time(str(ch, "departure"), ref, dep, sizeof dep);
    json_t *to = json_object_get(ch, "to");
    if (json_is_true(json_object_get(ch, "in_seat"))) {
        printf("           stay on board at %s\n", station_name(c, json_object_get(ch, "station")));
        return;
    }
    printf("           change at %s", station_name(c, json_object_get(ch, "station")));
    if (to)
        printf(", walk to %s", station_name(c, to));
    printf(": %s wait (at least %s%s)\n", wait, least,
           json_is_true(json_object_get(ch, "border")) ? ", border control included" : "");
}

static void print_journey(lx_cli *c, size_t k, json_t *j, const char *ref)
{
    char dep[48], arr[48], dur[16];
    local_time(str(j, "departure"), ref, dep, sizeof dep);
    local_time(str(j, "arrival"), ref, arr, sizeof arr);
    hours((long)json_integer_value(json_object_get(j, "duration_minutes")), dur, sizeof dur);
    long tr = (long)json_integer_value(json_object_get(j, "transfers"));
    printf("\n%zu. %s -> %s  %s, ", k + 1, dep, arr, dur);
    if (tr)
        printf("%ld change%s\n", tr, tr == 1 ? "" : "s");
    else
        printf("direct\n");
    json_t *legs = json_object_get(j, "legs"), *changes = json_object_get(j, "changes"), *l;
    size_t i;
    json_array_foreach(legs, i, l)
    {
        local_time(str(l, "departure"), ref, dep, sizeof dep);
        local_time(str(l, "arrival"), ref, arr, sizeof arr);
        printf("   %-7s ", str(l, "train"));
        cli_pad(stdout, station_name(c, json_object_get(l, "from")), 20);
        printf(" %-16s -> ", dep);
        cli_pad(stdout, station_name(c, json_object_get(l, "to")), 20);
        printf(json_object_get(l, "class") ? " %-16s" : " %s", arr);
        if (json_object_get(l, "class")) {
            char price[48];
            json_price(json_object_get(l, "price"), json_object_get(l, "currency"), price,
                       sizeof price);
            printf(" %-8s %5lld free  %s", str(l, "class"),
                   (long long)json_integer_value(json_object_get(l, "free")), price);
        }
        putchar('\n');
        if (i + 1 < json_array_size(legs))
            print_change(c, json_array_get(changes, i), ref);
    }
    json_t *prices = json_object_get(j, "prices"), *p;
    if (prices && json_array_size(prices)) {
        printf("   total %s:", str(j, "class"));
        json_array_foreach(prices, i, p)
        {
            char price[48];
            json_price(json_object_get(p, "price"), json_object_get(p, "currency"), price,
                       sizeof price);
            printf("%s %s", i ? " +" : "", price);
        }
        printf(" (one passenger)\n");
    }
}

/* The booking store the free seats are counted in: the data directory's, or — when
 * there is none, nothing was ever sold — an empty one in memory. 0 or the exit code. */
static int plan_book(lx_cli *c, int json, lx_instant_t now, lx_store **store, lx_book **book)
{
    int rc = cli_open_book(c, 0, json, store, book);
    if (rc)
        return rc;
    if (*book) {
        lx_book_expire(*book, now, NULL); /* holds past their deadline free their seats */
        return 0;
    }
    lx_book_opts mem = {.memory_only = 1};
    char msg[512] = "";
    lx_err e = lx_book_open(NULL, c->net, &mem, book, msg, sizeof msg);
    return e ? cli_refuse(json, e, NULL, "%s", *msg ? msg : lx_strerror(e)) : 0;
}

static int run_plan(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    lx_view_plan_ask ask = {0};
    const char *pos[2] = {NULL, NULL};
    const cli_opt opts[] = {{"--json", NULL, &json},
                            {"--date", &ask.date, NULL},
                            {"--time", &ask.time, NULL},
                            {"--arrive-by", NULL, &ask.arrive_by},
                            {"--class", &ask.cls, NULL},
                            {"--window", &ask.window, NULL},
                            {"--max-transfers", &ask.max_transfers, NULL},
                            {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_plan, argc, argv, opts, pos, 2, 2, "name the stations FROM and TO");
    if (rc)
        return rc;
    if (!ask.date || !ask.time)
        return cli_usage_error(&lx_cmd_plan, "--date and --time are required");
    ask.from = pos[0];
    ask.to = pos[1];
    lx_instant_t now = 0;
    if ((rc = cli_now(&now)) || (rc = cli_load_net(c)))
        return rc;
    lx_store *store = NULL;
    lx_book *book = NULL;
    if (ask.cls && *ask.cls && (rc = plan_book(c, json, now, &store, &book)))
        return rc;
    lx_plan *plan = NULL;
    lx_plan_query *q = NULL;
    lx_err e = lx_plan_create(c->net, NULL, &plan);
    if (e == LX_OK)
        e = lx_plan_query_create(plan, &q);
    json_t *out = NULL;
    char msg[1024] = "";
    const char *field = NULL;
    if (e == LX_OK)
        e = lx_view_plan(c->net, q, book, now, &ask, &out, msg, sizeof msg, &field);
    else
        snprintf(msg, sizeof msg, "the journey planner cannot be built: %s", lx_strerror(e));
    lx_plan_query_destroy(q);
    lx_plan_destroy(plan);
    cli_close_book(store, book);
    if (e)
        return cli_refuse(json, e, field, "%s", msg);
    if (json)
        return cli_print_json(out);
    size_t n = json_array_size(out), i;
    json_t *j;
    printf("%zu journey%s from %s to %s, %s %s %s%s (local times, each in its station's zone)\n", n,
           n == 1 ? "" : "s", ask.from, ask.to, ask.arrive_by ? "arriving by" : "leaving at",
           ask.date, ask.time, ask.window && *ask.window ? " and later" : "");
    json_array_foreach(out, i, j) print_journey(c, i, j, ask.date);
    json_decref(out);
    return 0;
}

const lx_cmd lx_cmd_plan = {
    "plan", run_plan, "journeys from any station to any other, with changes of train",
    "usage: lanxang plan FROM TO --date YYYY-MM-DD --time HH:MM [--arrive-by] [--class C]\n"
    "                    [--window MIN] [--max-transfers N] [--json]\n\n"
    "Finds the best journeys from FROM to TO over every loaded railway: for each number\n"
    "of changes, the one that arrives first (the planner's Pareto set of arrival and\n"
    "changes). A change shows its station, the wait and the shortest change allowed\n"
    "there, which includes border control at Boten and Mohan on a journey across the\n"
    "border. Stations by id, code or name in any language; a station stands for all its\n"
    "platforms. --date and --time are local at FROM (at TO with --arrive-by).\n"
    "  --arrive-by        TIME is the latest arrival: the journeys leaving last\n"
    "  --class C          only journeys with a free seat in class C on every leg now\n"
    "                     (the clock's, or LANXANG_NOW), with each leg's fare and the total\n"
    "  --window MIN       every journey leaving within MIN minutes from TIME (0 .. 1440)\n"
    "  --max-transfers N  at most N changes (0 .. 15; default 5)\n"
    "  --json             a JSON array of journey objects (docs/api.md, \"Journeys\")\n\n"
    "example: lanxang plan \"Vang Vieng\" Xishuangbanna --date 2026-12-20 --time 07:00\n"};
