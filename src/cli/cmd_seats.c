/* `lanxang seats`: the seat map of a journey — which seats of a train can be sold from
 * one station to another now — coach by coach. The map is src/view/seats.c's, the one
 * GET /api/v1/trains/{train}/seats answers with; the text is drawn from that JSON, so
 * both show the same seats. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include "view/seats.h"
#include "view/view.h"

/* The booking store to read from: the data directory's, or — when there is none,
 * nothing was ever sold — an empty one in memory. 0 or the exit code. */
static int seats_book(lx_cli *c, int json, lx_instant_t now, lx_store **store, lx_book **book)
{
    int rc = cli_open_book(c, 0, json, store, book);
    if (rc || *book) {
        if (!rc)
            lx_book_expire(*book, now, NULL); /* holds past their deadline are free */
        return rc;
    }
    lx_book_opts in_memory = {.memory_only = 1};
    char msg[512] = "";
    lx_err e = lx_book_open(NULL, c->net, &in_memory, book, msg, sizeof msg);
    return e ? cli_refuse(json, e, NULL, "%s", *msg ? msg : lx_strerror(e)) : 0;
}

/* One coach: a line per row, a seat's letter when it is free, '.' when it is not (sold,
 * held, or kept for a quota this journey does not have), a gap at the aisle. */
static void print_coach(json_t *coach)
{
    json_t *seats = json_object_get(coach, "seats"), *s, *prev = NULL;
    size_t i;
    long row = -1;
    printf("    coach %lld\n", (long long)json_integer_value(json_object_get(coach, "coach")));
    json_array_foreach(seats, i, s) {
        long r = (long)json_integer_value(json_object_get(s, "row"));
        const char *letter = json_string_value(json_object_get(s, "letter"));
        if (r != row) {
            printf("%s      %02ld ", row < 0 ? "" : "\n", r);
            row = r;
            prev = NULL;
        }
        if (prev && json_is_true(json_object_get(prev, "aisle")) &&
            json_is_true(json_object_get(s, "aisle")))
            fputs("  ", stdout);
        printf(" %s", json_is_true(json_object_get(s, "free")) && letter ? letter : ".");
        prev = s;
    }
    if (row >= 0)
        putchar('\n');
}

static void print_map(json_t *map)
{
    printf("%s %s  %s -> %s\n", json_string_value(json_object_get(map, "train")),
           json_string_value(json_object_get(map, "date")),
           json_string_value(json_object_get(json_object_get(map, "from"), "name")),
           json_string_value(json_object_get(json_object_get(map, "to"), "name")));
    size_t i, k;
    json_t *cls, *coach;
    json_array_foreach(json_object_get(map, "classes"), i, cls) {
        printf("  %s: %lld free\n", json_string_value(json_object_get(cls, "class")),
               (long long)json_integer_value(json_object_get(cls, "free")));
        json_array_foreach(json_object_get(cls, "coaches"), k, coach)
            print_coach(coach);
    }
    printf("  (a letter: a free seat; '.': taken, or kept for a quota)\n");
}

static int run_seats(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *date = NULL, *from = NULL, *to = NULL, *cls = NULL, *train = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json},  {"--date", &date, NULL},
                            {"--from", &from, NULL},  {"--to", &to, NULL},
                            {"--class", &cls, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_seats, argc, argv, opts, &train, 1, 1, "name one train");
    if (rc)
        return rc;
    if (!date || !from || !to)
        return cli_usage_error(&lx_cmd_seats, "--date, --from and --to are required");
    lx_instant_t now;
    if ((rc = cli_now(&now)) || (rc = cli_load_net(c)))
        return rc;
    lx_journey j;
    const char *one, *field = NULL;
    char msg[1024] = "";
    lx_err e = lx_view_seat_journey(c->net, train, date, from, to, cls, &j, &one, msg,
                                    sizeof msg, &field);
    if (e)
        return cli_refuse(json, e, field, "%s", msg);
    lx_store *store;
    lx_book *book;
    if ((rc = seats_book(c, json, now, &store, &book)))
        return rc;
    lx_book_seat *seats;
    uint32_t n;
    e = lx_book_seat_map(book, j.leg.feed, &j.leg.leg, now, &seats, &n);
    cli_close_book(store, book);
    if (e)
        return cli_refuse(json, e, NULL, "the seats of %s on %s: %s", j.train, j.date,
                          lx_strerror(e));
    json_t *map = lx_view_seat_map(c->net, &j, one, seats, n);
    free(seats);
    if (!map)
        return cli_fail(LX_NOMEM, "out of memory");
    if (json)
        return cli_print_json(map);
    print_map(map);
    json_decref(map);
    return 0;
}

const lx_cmd lx_cmd_seats = {
    "seats", run_seats, "the seat map of a train between two stations",
    "usage: lanxang seats TRAIN --date YYYY-MM-DD --from STATION --to STATION [--class C]\n"
    "                     [--json]\n\n"
    "Shows every seat of the train (its number such as D887, or its trip id), coach by\n"
    "coach and row by row: a seat's letter when it can be sold from --from to --to now,\n"
    "'.' when it cannot (sold or held over part of the stretch, or kept for a quota: the\n"
    "cross-border coaches for journeys across the border, the long-distance share for\n"
    "long journeys until its release). --date is the local date of departure at --from.\n"
    "The time is the clock's, or LANXANG_NOW.\n"
    "  --class C  one class only (first, second, business, ...)\n"
    "  --json     the seat map object of GET /api/v1/trains/{train}/seats (docs/api.md)\n\n"
    "example: lanxang seats D887 --date 2026-12-19 --from \"Kunming South\" --to Vientiane\n"};
