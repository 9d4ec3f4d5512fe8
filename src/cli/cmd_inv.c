/* Selling commands, part one: the booking store of the data directory, the journey a
 * command names (train, date, from, to, class), and `avail` and `hold`. The order
 * commands (confirm, cancel, refund, order) are in cmd_order.c.
 *
 * Every selling command reads "now" once (cli_now: the clock or LANXANG_NOW) and
 * passes it down; the store acknowledges an operation only once it is on disk, so a
 * command that printed an order id has sold or held those seats for good. Refusals
 * print "lanxang: why" on stderr and, with --json, {"error":{...}} on stdout, and end
 * with the error's exit code (include/lanxang/error.h). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "view/journey.h"
#include "view/view.h"

int cli_open_book(lx_cli *c, int create, int json, lx_store **store, lx_book **book)
{
    *store = NULL;
    *book = NULL;
    int rc;
    if (!c->net && (rc = cli_load_net(c)))
        return rc;
    char msg[1024];
    lx_err e = lx_store_open(c->data_dir, create, store, msg, sizeof msg);
    if (e == LX_NOTFOUND && !create) {
        *store = NULL;
        return 0;
    }
    if (e) {
        *store = NULL;
        return cli_refuse(json, e, NULL, "%s", msg);
    }
    msg[0] = 0;
    e = lx_book_open(*store, c->net, NULL, book, msg, sizeof msg);
    if (e) {
        lx_store_close(*store);
        *store = NULL;
        *book = NULL;
        return cli_refuse(json, e, NULL, "the bookings of %s do not open: %s", c->data_dir,
                          *msg ? msg : lx_strerror(e));
    }
    if (*msg) /* orders that no longer fit the network: the rest opened */
        fprintf(stderr, "lanxang: note: %s\n", msg);
    return 0;
}

void cli_close_book(lx_store *store, lx_book *book)
{
    lx_book_close(book);
    lx_store_close(store);
}

/* A usage error that --json also reports as {"error":{"code":"invalid",...}} on stdout. */
static int usage_refusal(const lx_cmd *cmd, int json, const char *what)
{
    if (json) {
        json_t *v = lx_view_error(LX_INVAL, what, NULL);
        if (v) {
            json_dumpf(v, stdout, JSON_INDENT(2) | LX_VIEW_JSON_FLAGS);
            fputc('\n', stdout);
            json_decref(v);
        }
        fflush(stdout);
    }
    return cli_usage_error(cmd, "%s", what);
}

/* ---- the journey a command names (src/view/journey.h) ---- */

typedef lx_journey journey;

/* Resolves TRAIN --date --from --to into one leg. Returns 0 or the exit code. */
static int find_journey(lx_cli *c, int json, const char *train, const char *date,
                        const char *from, const char *to, journey *j)
{
    char msg[1024] = "";
    const char *field = NULL;
    lx_err e = lx_view_journey(c->net, train, date, from, to, j, msg, sizeof msg, &field);
    if (e == LX_NOTFOUND && field && !strcmp(field, "train") && !strncmp(msg, "no train numbered", 17))
        return cli_refuse(json, e, field, "%s ('lanxang trains --date %s' lists them)", msg,
                          j->date);
    return e ? cli_refuse(json, e, field, "%s", msg) : 0;
}

/* The class named (case-insensitive) among the journey's, or a refusal. */
static int find_class(const journey *j, int json, const char *name, const char **out)
{
    char msg[512];
    lx_err e = lx_view_journey_class(j, name, out, msg, sizeof msg);
    return e ? cli_refuse(json, e, "class", "%s", msg) : 0;
}

/* ---- fares shown by avail ---- */

static const lx_fare *journey_fare(const journey *j, const char *cls)
{
    return lx_view_fare(j->tt, &j->leg.leg, cls);
}

void cli_format_price(int64_t amount, const char *currency, char *buf, size_t n)
{
    if (amount < 0 || !currency || !*currency) {
        snprintf(buf, n, "-");
        return;
    }
    int digits = lx_currency_digits(currency);
    int64_t unit = 1;
    for (int i = 0; i < digits; i++)
        unit *= 10;
    if (digits)
        snprintf(buf, n, "%lld.%0*lld %s", (long long)(amount / unit), digits,
                 (long long)(amount % unit), currency);
    else
        snprintf(buf, n, "%lld %s", (long long)amount, currency);
}

/* "C82 2026-12-20  Vientiane 09:30 UTC+7 -> Luang Prabang 11:26 UTC+7" */
static void print_journey(lx_cli *c, const journey *j)
{
    const uint32_t *stop = lx_tt_st_stop(j->tt);
    const lx_station *st = lx_tt_stations(j->tt, NULL);
    uint32_t a = stop[j->leg.leg.from_pos], b = stop[j->leg.leg.to_pos];
    lx_date_t day;
    lx_date_parse(j->date, 10, 1, &day);
    char dep[48], arr[48];
    cli_local_time(st[a].tz, j->leg.leg.departure, day, dep, sizeof dep);
    cli_local_time(st[b].tz, j->leg.leg.arrival, day, arr, sizeof arr);
    printf("%s %s  %s %s -> %s %s\n", j->train, j->date, lx_tt_station_name(j->tt, a, c->lang), dep,
           lx_tt_station_name(j->tt, b, c->lang), arr);
}

/* ---- avail ---- */
static int run_avail(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *date = NULL, *from = NULL, *to = NULL, *cls = NULL, *train = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json},  {"--date", &date, NULL},
                            {"--from", &from, NULL},  {"--to", &to, NULL},
                            {"--class", &cls, NULL}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_avail, argc, argv, opts, &train, 1, 1, "name one train");
    if (rc)
        return rc;
    if (!date || !from || !to)
        return usage_refusal(&lx_cmd_avail, json, "--date, --from and --to are required");
    lx_instant_t now;
    if ((rc = cli_now(&now)) || (rc = cli_load_net(c)))
        return rc;
    journey j;
    if ((rc = find_journey(c, json, train, date, from, to, &j)))
        return rc;
    const char *one = NULL;
    if (cls && (rc = find_class(&j, json, cls, &one)))
        return rc;

    lx_store *store;
    lx_book *book;
    if ((rc = cli_open_book(c, 0, json, &store, &book)))
        return rc;
    if (!book) {
        /* no data directory: nothing was ever sold; count from an empty inventory */
        lx_book_opts mem = {.memory_only = 1};
        char msg[512];
        lx_err e = lx_book_open(NULL, c->net, &mem, &book, msg, sizeof msg);
        if (e)
            return cli_refuse(json, e, NULL, "%s", msg);
    } else {
        lx_book_expire(book, now, NULL); /* holds past their deadline free their seats */
    }
    json_t *classes = json_array();
    uint32_t total = 0;
    lx_err e = LX_OK;
    for (uint32_t i = 0; i < j.n_classes && !e; i++) {
        if (one && one != j.classes[i])
            continue;
        uint32_t free_seats = 0;
        e = lx_book_avail(book, j.leg.feed, &j.leg.leg, j.classes[i], now, &free_seats);
        const lx_fare *f = journey_fare(&j, j.classes[i]);
        total += free_seats;
        json_array_append_new(classes,
                              json_pack("{s:s, s:i, s:o, s:o}", "class", j.classes[i], "free",
                                        (json_int_t)free_seats, "price",
                                        f ? lx_view_price(f->amount, f->currency) : json_null(),
                                        "currency", f ? json_string(f->currency) : json_null()));
    }
    cli_close_book(store, book);
    if (e) {
        json_decref(classes);
        return cli_refuse(json, e, NULL, "seats of %s on %s: %s", j.train, j.date, lx_strerror(e));
    }
    if (json) {
        json_t *o = lx_view_leg(c->net, &j.leg);
        if (!o) {
            json_decref(classes);
            return cli_fail(LX_NOMEM, "out of memory");
        }
        json_object_set_new(o, "date", json_string(j.date));
        json_object_set_new(o, "class", one ? json_string(one) : json_null());
        json_object_set_new(o, "free", json_integer((json_int_t)total));
        if (one) {
            json_t *only = json_array_get(classes, 0);
            json_object_set(o, "price", json_object_get(only, "price"));
            json_object_set(o, "currency", json_object_get(only, "currency"));
        }
        json_object_set_new(o, "classes", classes);
        return cli_print_json(o);
    }
    print_journey(c, &j);
    printf("  %-12s %6s  %s\n", "CLASS", "FREE", "PRICE (one passenger)");
    size_t i;
    json_t *row;
    json_array_foreach(classes, i, row) {
        const lx_fare *f = journey_fare(&j, json_string_value(json_object_get(row, "class")));
        char price[48];
        cli_format_price(f ? f->amount : -1, f ? f->currency : NULL, price, sizeof price);
        printf("  %-12s %6lld  %s\n", json_string_value(json_object_get(row, "class")),
               (long long)json_integer_value(json_object_get(row, "free")), price);
    }
    if (!one && j.n_classes > 1)
        printf("  %-12s %6u\n", "total", total);
    json_decref(classes);
    return 0;
}

const lx_cmd lx_cmd_avail = {
    "avail", run_avail, "seats free on a train between two stations",
    "usage: lanxang avail TRAIN --date YYYY-MM-DD --from STATION --to STATION [--class C]\n"
    "                     [--json]\n\n"
    "Counts the seats that can still be sold on the train (its number such as C82, or its\n"
    "trip id) from one station to another, per class, with the fare of one passenger.\n"
    "--date is the local date of departure at --from. Holds whose deadline has passed\n"
    "free their seats first. The time is the clock's, or LANXANG_NOW.\n"
    "  --class C  one class only (first, second, business, ...)\n"
    "  --json     a train object (docs/api.md) with date, class, free (the seats free in\n"
    "             the class, or in all classes together) and classes: [{class, free,\n"
    "             price, currency}]\n\n"
    "example: lanxang avail C82 --date 2026-12-20 --from Vientiane --to \"Luang Prabang\"\n"};

/* ---- hold ---- */

/* A refusal by a passenger rule, told as the API tells it (lx_view_hold_refusal): msg
 * rewritten for LX_RULE and LX_CLOSED. */
static void explain_rule(lx_book *book, const journey *j, uint32_t n, lx_err e, lx_instant_t now,
                         char *msg, size_t msg_len)
{
    if (e != LX_RULE && e != LX_CLOSED)
        return;
    lx_inv_sales si;
    char rule[32];
    lx_view_hold_refusal(book, j, n, e, now, &si, rule, sizeof rule, msg, msg_len);
}

static int sold_out(int json, const journey *j, const char *cls)
{
    return cli_refuse(json, LX_SOLDOUT, "class", "no seats left in %s from %s to %s on %s %s", cls,
                      j->from_name, j->to_name, j->train, j->date);
}

#define MAX_ARGS 16 /* more --passenger than this is a usage error; more than 5 a refusal */

/* The ",word" tokens after a passenger's document: a fare type (adult, child, infant,
 * student), a document type (passport, national_id, family_book) or a birth date
 * (YYYY-MM-DD), in any order. 0 when one is none of these. */
static int parse_pax_tokens(const char *s, lx_book_pax *p)
{
    while (*s == ',') {
        s++;
        size_t n = strcspn(s, ",");
        char tok[24];
        if (n == 0 || n >= sizeof tok)
            return 0;
        memcpy(tok, s, n);
        tok[n] = 0;
        lx_date_t day;
        /* each kind's longest word fits its field */
        if (lx_fare_type_valid(tok))
            memcpy(p->fare_type, tok, n + 1);
        else if (lx_book_doc_type_valid(tok))
            memcpy(p->doc_type, tok, n + 1);
        else if (n == 10 && lx_date_parse(tok, 10, 1, &day) == LX_OK)
            memcpy(p->birth_date, tok, n + 1);
        else
            return 0;
        s += n;
    }
    return *s == 0;
}

/* "NAME:DOCUMENT[,TOKEN...]" (split at the last colon), name and document non-empty */
int cli_parse_passenger(const char *arg, lx_book_pax *p)
{
    const char *colon = strrchr(arg, ':');
    if (!colon)
        return 0;
    const char *name = arg, *doc = colon + 1;
    size_t nl = (size_t)(colon - arg);
    while (nl && (*name == ' ' || *name == '\t'))
        name++, nl--;
    while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
        nl--;
    while (*doc == ' ' || *doc == '\t')
        doc++;
    const char *comma = strchr(doc, ',');
    if (comma && !parse_pax_tokens(comma, p))
        return 0;
    size_t dl = comma ? (size_t)(comma - doc) : strlen(doc);
    while (dl && (doc[dl - 1] == ' ' || doc[dl - 1] == '\t'))
        dl--;
    if (!nl || !dl || nl >= sizeof p->name || dl >= sizeof p->document)
        return 0;
    memcpy(p->name, name, nl);
    p->name[nl] = 0;
    memcpy(p->document, doc, dl);
    p->document[dl] = 0;
    for (size_t i = 0; i < nl; i++)
        if ((unsigned char)p->name[i] < 0x20)
            return 0;
    for (size_t i = 0; i < dl; i++)
        if ((unsigned char)p->document[i] <= 0x20)
            return 0;
    /* valid UTF-8, or it could not be printed as JSON */
    json_t *t = json_pack("[s, s]", p->name, p->document);
    json_decref(t);
    return t != NULL;
}

static int run_hold(lx_cli *c, int argc, char **argv)
{
    int json = 0, window = 0, aisle = 0, paid = 0, n_pax = 0, n_seats = 0;
    const char *date = NULL, *from = NULL, *to = NULL, *cls = NULL, *owner = "", *train = NULL;
    const char *seller = getenv("LANXANG_SELL_FROM");
    const char *pax_args[MAX_ARGS], *seat_args[MAX_ARGS];
    const cli_opt opts[] = {{"--json", NULL, &json},   {"--date", &date, NULL},
                            {"--from", &from, NULL},   {"--to", &to, NULL},
                            {"--class", &cls, NULL},   {"--owner", &owner, NULL},
                            {"--window", NULL, &window}, {"--aisle", NULL, &aisle},
                            {"--paid", NULL, &paid},   {"--sell-from", &seller, NULL},
                            {NULL, NULL, NULL}};
    const cli_multi multi[] = {{"--passenger", pax_args, MAX_ARGS, &n_pax},
                               {"--seat", seat_args, MAX_ARGS, &n_seats},
                               {NULL, NULL, 0, NULL}};
    int rc = cli_args_multi(&lx_cmd_hold, argc, argv, opts, multi, &train, 1, 1, "name one train");
    if (rc)
        return rc;
    if (!date || !from || !to || !cls)
        return usage_refusal(&lx_cmd_hold, json, "--date, --from, --to and --class are required");
    if (window && aisle)
        return usage_refusal(&lx_cmd_hold, json, "--window or --aisle, not both");
    if (n_pax == 0)
        return cli_refuse(json, LX_INVAL, "passenger",
                          "name at least one passenger: --passenger \"NAME:DOCUMENT\"");
    if (n_pax > LX_INV_MAX_PAX)
        return cli_refuse(json, LX_RULE, "passenger",
                          "%d passengers: one order holds 1 to %d; make several orders (rule "
                          "max_passengers)",
                          n_pax, LX_INV_MAX_PAX);
    if (n_seats > n_pax)
        return cli_refuse(json, LX_INVAL, "seat", "%d seats named for %d passenger%s", n_seats,
                          n_pax, n_pax == 1 ? "" : "s");
    lx_book_req req;
    memset(&req, 0, sizeof req);
    for (int i = 0; i < n_pax; i++)
        if (!cli_parse_passenger(pax_args[i], &req.pax[i]))
            return cli_refuse(json, LX_INVAL, "passenger",
                              "passenger '%s' is not NAME:DOCUMENT[,TYPE...] (a name and a travel "
                              "document number, e.g. \"Somchai Phommachanh:P1234567\" or "
                              "\"Noy:P7654321,child,2017-05-01\")",
                              pax_args[i]);
    for (int i = 0; i < n_seats; i++) {
        for (int k = 0; k < i; k++)
            if (!strcasecmp(seat_args[i], seat_args[k]))
                return cli_refuse(json, LX_INVAL, "seat", "seat %s is named twice", seat_args[i]);
        req.seats[i] = seat_args[i];
    }
    lx_instant_t now;
    if ((rc = cli_now(&now)) || (rc = cli_load_net(c)))
        return rc;
    journey j;
    if ((rc = find_journey(c, json, train, date, from, to, &j)) ||
        (rc = find_class(&j, json, cls, &req.cls)))
        return rc;
    req.feed = j.leg.feed;
    req.leg = j.leg.leg;
    req.n = (uint32_t)n_pax;
    req.pref = window ? LX_SEAT_WINDOW : aisle ? LX_SEAT_AISLE : LX_SEAT_ANY;
    req.owner = owner;
    req.seller = seller;
    req.confirm = paid;

    lx_store *store;
    lx_book *book;
    if ((rc = cli_open_book(c, 1, json, &store, &book)))
        return rc;
    lx_book_order o;
    char msg[1024] = "";
    lx_err e = lx_book_hold(book, &req, now, &o, msg, sizeof msg);
    explain_rule(book, &j, req.n, e, now, msg, sizeof msg);
    cli_close_book(store, book);
    if (e == LX_SOLDOUT)
        return sold_out(json, &j, req.cls);
    char list[128] = "";
    size_t k = 0;
    for (int i = 0; i < n_seats && k < sizeof list; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", seat_args[i]);
    if (e == LX_INVAL && n_seats) /* train, stations and class were checked above */
        return cli_refuse(json, e, "seat", "seat%s %s %s in class %s on %s",
                          n_seats == 1 ? "" : "s", list, n_seats == 1 ? "is not" : "are not all",
                          req.cls, j.train);
    if (e == LX_TAKEN)
        return cli_refuse(json, e, "seat", "seat %s is not free from %s to %s on %s %s", list,
                          j.from_name, j.to_name, j.train, j.date);
    if (e == LX_CLOSED || e == LX_RULE) /* msg: lx_view_hold_refusal's */
        return cli_refuse(json, e, NULL, "%s", msg);
    if (e)
        return cli_refuse(json, e, n_seats && e == LX_NOTFOUND ? "seat" : NULL,
                          "%s %s from %s to %s: %s", j.train, j.date, j.from_name, j.to_name,
                          *msg ? msg : lx_strerror(e));
    return cli_print_order(c, &o, json);
}

const lx_cmd lx_cmd_hold = {
    "hold", run_hold, "hold seats on a train (or sell them at once with --paid)",
    "usage: lanxang hold TRAIN --date YYYY-MM-DD --from STATION --to STATION --class C\n"
    "                    --passenger \"NAME:DOCUMENT\" [--passenger ...] [--seat COACH-SEAT ...]\n"
    "                    [--window|--aisle] [--owner NAME] [--paid] [--json]\n\n"
    "Holds one seat per passenger (1 to 5) on the train from one station to the other,\n"
    "until the hold's deadline (30 minutes, 10 close to departure); 'lanxang confirm'\n"
    "sells them. The seats are written to the data directory before the order is shown.\n"
    "  --passenger \"NAME:DOCUMENT[,TOKEN...]\"  a passenger's name and travel document\n"
    "                   number; tokens: a fare type (adult, child, infant, student), a\n"
    "                   document type (passport, national_id, family_book), a birth date\n"
    "                   (YYYY-MM-DD, needed for child and infant). An infant (under 6)\n"
    "                   travels free on an adult's lap, without a seat\n"
    "  --seat 03-05A    these exact seats (coach-row letter), or refuse\n"
    "  --window/--aisle a wish, honoured when a seat allows\n"
    "  --owner NAME     who may confirm, cancel or refund (default: anyone with the id)\n"
    "  --sell-from CC   sell as the office of country CC (LA, CN; default LANXANG_SELL_FROM):\n"
    "                   only journeys that start there (rule selling_side)\n"
    "  --paid           sell at once, as at a ticket counter\n"
    "  --json           the order object (docs/cli.md); a refusal as {\"error\":{...}}\n"
    "Exit 5 when no seat is left or a named seat is taken, 6 when sales are closed.\n\n"
    "example: lanxang hold C82 --date 2026-12-20 --from Vientiane --to \"Luang Prabang\" \\\n"
    "           --class second --passenger \"Somchai Phommachanh:P1234567\"\n"};

/* ---- change ---- */

static int run_change(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *arg = NULL, *owner = "", *train = NULL, *date = NULL, *from = NULL, *to = NULL,
               *cls = NULL;
    const char *seller = getenv("LANXANG_SELL_FROM");
    const cli_opt opts[] = {{"--json", NULL, &json},  {"--train", &train, NULL},
                            {"--date", &date, NULL},  {"--from", &from, NULL},
                            {"--to", &to, NULL},      {"--class", &cls, NULL},
                            {"--owner", &owner, NULL}, {"--sell-from", &seller, NULL},
                            {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_change, argc, argv, opts, &arg, 1, 1, "name one order");
    if (rc)
        return rc;
    if (!train || !date)
        return usage_refusal(&lx_cmd_change, json, "--train and --date are required");
    char id[LX_BOOK_ID_LEN];
    lx_instant_t now;
    lx_store *store;
    lx_book *book;
    if ((rc = cli_now(&now)) || (rc = cli_load_net(c)) ||
        (rc = cli_open_order(c, json, arg, id, &store, &book)))
        return rc;
    lx_book_order old, o;
    if (lx_book_get(book, id, &old) != LX_OK) {
        cli_close_book(store, book);
        return cli_refuse(json, LX_NOTFOUND, "order", "no order '%s'", arg);
    }
    /* the order's own stations and class unless others are named */
    char from_id[160], to_id[160];
    snprintf(from_id, sizeof from_id, "%s:%s", old.feed, old.from_stop);
    snprintf(to_id, sizeof to_id, "%s:%s", old.feed, old.to_stop);
    journey j;
    lx_book_req req;
    memset(&req, 0, sizeof req);
    if ((rc = find_journey(c, json, train, date, from ? from : from_id, to ? to : to_id, &j)) ||
        (rc = find_class(&j, json, cls ? cls : old.cls, &req.cls))) {
        cli_close_book(store, book);
        return rc;
    }
    req.feed = j.leg.feed;
    req.leg = j.leg.leg;
    req.seller = seller;
    char msg[1024] = "";
    lx_err e = lx_book_exchange(book, id, owner, &req, now, &o, msg, sizeof msg);
    explain_rule(book, &j, old.n, e, now, msg, sizeof msg);
    cli_close_book(store, book);
    if (e == LX_SOLDOUT)
        return sold_out(json, &j, req.cls);
    if (e == LX_FORBIDDEN)
        return cli_refuse(json, e, "owner",
                          "order %s belongs to another owner: give the --owner it was held with",
                          id);
    if (e)
        return cli_refuse(json, e, e == LX_CONFLICT ? "order" : NULL, "order %s cannot be changed: %s",
                          id, *msg ? msg : lx_strerror(e));
    return cli_print_order(c, &o, json);
}

const lx_cmd lx_cmd_change = {
    "change", run_change, "change a paid order to another train or date (once)",
    "usage: lanxang change ORDER --train TRAIN --date YYYY-MM-DD [--class C]\n"
    "                      [--from STATION --to STATION] [--owner NAME] [--json]\n\n"
    "Changes a confirmed order (12306's 改签): its passengers get a new paid order on the\n"
    "train and date named, at that journey's fares in the order's currency, and the old\n"
    "order is refunded in full (state refunded, shown as changed). Both happen or neither.\n"
    "A ticket is changed once (rule one_change). Within 48 hours of the original's\n"
    "departure only to a train leaving no later (rule change_no_later). The new order's\n"
    "refund fees count from the earlier of its own and the original's departure.\n"
    "  --train, --date  the new train and service date\n"
    "  --class C        the new class (default: the order's)\n"
    "  --from, --to     other stations (default: the order's)\n"
    "  --owner NAME     the owner given at the hold (exit 7 when it differs)\n"
    "  --sell-from CC   sell as the office of country CC (default LANXANG_SELL_FROM)\n"
    "  --json           the new order (docs/cli.md); a refusal as {\"error\":{...}}\n"
    "Exit 5 when no seat is left, 6 when a rule refuses the change.\n\n"
    "example: lanxang change 7Q2M4X9KD3F1A --train C84 --date 2026-12-20\n"};
