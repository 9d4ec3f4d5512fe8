/* lanxang waitlist: prepaid waitlist requests (lanxang/waitlist.h) from the command
 * line: add, show, cancel, and run (the pass that sells the seats that came back, which
 * the server also runs by itself). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanxang/waitlist.h"
#include "view/journey.h"
#include "view/view.h"
#include "view/wait.h" /* the API's shape of a request */

#define MAX_ARGS 16

/* The waitlist of the data directory, over its booking store. */
typedef struct {
    lx_store *store;
    lx_book *book;
    lx_wait *w;
} waitlist;

/* "TRAIN,DATE,CLASS" */
static int parse_choice(const char *arg, char *train, char *date, char *cls)
{
    return sscanf(arg, "%31[^,],%10[^,],%31[^,]", train, date, cls) == 3;
}

static int print_request(lx_cli *c, lx_book *book, const lx_wait_req *r, int json)
{
    lx_book_order buf;
    const lx_book_order *o = lx_view_wait_order(book, r, &buf);
    if (json)
        return cli_print_json(lx_view_waitlist(c->net, r, o));
    char amount[48];
    cli_format_price(r->amount, r->currency, amount, sizeof amount);
    printf("waitlist request %s: %s\n", r->id, lx_wait_state_name(r->state));
    printf("  %s -> %s, %u passenger%s, prepaid %s (payment %s)\n", r->from_stop, r->to_stop,
           r->n, r->n == 1 ? "" : "s", amount, r->payment);
    for (uint32_t i = 0; i < r->n_choices; i++) {
        char dep[32], close[32];
        lx_view_iso_utc(r->choices[i].departure, dep, sizeof dep);
        lx_view_iso_utc(r->choices[i].sales_close, close, sizeof close);
        printf("  choice %u: %s class %s, departs %s, waits until %s%s\n", i + 1,
               r->choices[i].train[0] ? r->choices[i].train : r->choices[i].trip_id,
               r->choices[i].cls, dep, close,
               r->state == LX_WAIT_FULFILLED && (int)i == r->fulfilled_choice ? "  <- fulfilled"
                                                                              : "");
    }
    if (r->state == LX_WAIT_FULFILLED)
        printf("  booking %s%s\n", r->booking, o ? "" : " (not found)");
    if (r->refund >= 0) {
        cli_format_price(r->refund, r->currency, amount, sizeof amount);
        printf("  refunded %s\n", amount);
    }
    return 0;
}

static int open_wait(lx_cli *c, int create, int json, waitlist *x)
{
    int rc = cli_open_book(c, create, json, &x->store, &x->book);
    if (rc)
        return rc;
    if (!x->book)
        return cli_refuse(json, LX_NOTFOUND, "id", "no waitlist: nothing was ever sold here");
    char msg[512] = "";
    lx_err e = lx_wait_open(x->store, x->book, c->net, &x->w, msg, sizeof msg);
    if (e) {
        cli_close_book(x->store, x->book);
        return cli_refuse(json, e, NULL, "the waitlist cannot open: %s", msg);
    }
    return 0;
}

static void close_wait(waitlist *x)
{
    lx_wait_close(x->w);
    cli_close_book(x->store, x->book);
}

/* The start of show, cancel and run: --json and the request named (arg NULL: none),
 * the time now, the waitlist opened (create: the data directory too). 0 with it open
 * (close_wait), or the exit code. */
static int start(lx_cli *c, int argc, char **argv, const char **arg, int create, int *json,
                 lx_instant_t *now, waitlist *x)
{
    const cli_opt opts[] = {{"--json", NULL, json}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_waitlist, argc, argv, opts, arg, arg ? 1 : 0, arg ? 1 : 0,
                      arg ? "name one request" : "");
    if (rc || (rc = cli_now(now)))
        return rc;
    return open_wait(c, create, *json, x);
}

static int run_add(lx_cli *c, int argc, char **argv)
{
    int json = 0, n_pax = 0, n_choices = 0;
    const char *from = NULL, *to = NULL, *payment = NULL;
    const char *seller = getenv("LANXANG_SELL_FROM");
    const char *pax_args[MAX_ARGS], *choice_args[MAX_ARGS];
    const cli_opt opts[] = {{"--json", NULL, &json},     {"--from", &from, NULL},
                            {"--to", &to, NULL},         {"--payment", &payment, NULL},
                            {"--sell-from", &seller, NULL}, {NULL, NULL, NULL}};
    const cli_multi multi[] = {{"--passenger", pax_args, MAX_ARGS, &n_pax},
                               {"--choice", choice_args, MAX_ARGS, &n_choices},
                               {NULL, NULL, 0, NULL}};
    int rc = cli_args_multi(&lx_cmd_waitlist, argc, argv, opts, multi, NULL, 0, 0, "");
    if (rc)
        return rc;
    if (!from || !to || !payment || !*payment)
        return cli_refuse(json, LX_INVAL, NULL,
                          "--from, --to and --payment are required (a waitlist request is "
                          "prepaid)");
    if (n_pax == 0)
        return cli_refuse(json, LX_INVAL, "passenger",
                          "name at least one passenger: --passenger \"NAME:DOCUMENT\"");
    if (n_pax > LX_INV_MAX_PAX)
        return cli_refuse(json, LX_RULE, "passenger",
                          "%d passengers: one request holds 1 to %d (rule max_passengers)", n_pax,
                          LX_INV_MAX_PAX);
    if (n_choices == 0)
        return cli_refuse(json, LX_INVAL, "choice",
                          "name at least one choice: --choice \"TRAIN,YYYY-MM-DD,CLASS\"");
    if (n_choices > LX_WAIT_MAX_CHOICES)
        return cli_refuse(json, LX_RULE, "choice",
                          "a waitlist request names at most %d choices, not %d (rule "
                          "waitlist_choices)",
                          LX_WAIT_MAX_CHOICES, n_choices);
    lx_wait_req r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < n_pax; i++)
        if (!cli_parse_passenger(pax_args[i], &r.pax[i]))
            return cli_refuse(json, LX_INVAL, "passenger",
                              "passenger '%s' is not NAME:DOCUMENT", pax_args[i]);
    r.n = (uint32_t)n_pax;
    snprintf(r.payment, sizeof r.payment, "%s", payment);
    snprintf(r.seller, sizeof r.seller, "%s", seller ? seller : "");
    lx_instant_t now;
    if ((rc = cli_now(&now)) || (rc = cli_load_net(c)))
        return rc;
    lx_journey js[LX_WAIT_MAX_CHOICES];
    char msg[1024] = "";
    for (int i = 0; i < n_choices; i++) {
        char train[32], date[11], cls[32];
        if (!parse_choice(choice_args[i], train, date, cls))
            return cli_refuse(json, LX_INVAL, "choice", "choice '%s' is not TRAIN,YYYY-MM-DD,CLASS",
                              choice_args[i]);
        const char *field;
        lx_err e = lx_view_wait_choice(c->net, train, date, from, to, cls, &js[i], &r.choices[i],
                                       msg, sizeof msg, &field);
        if (e)
            return cli_refuse(json, e, field, "choice %d: %s", i + 1, msg);
    }
    r.n_choices = (uint32_t)n_choices;
    waitlist x;
    if ((rc = open_wait(c, 1, json, &x)))
        return rc;
    lx_wait_refusal why;
    lx_err e = lx_wait_add(x.w, &r, now, &why, msg, sizeof msg);
    if (e) {
        if ((e == LX_RULE || e == LX_CLOSED) && why.choice >= 0) {
            lx_inv_sales si;
            char rule[32];
            lx_view_hold_refusal(x.book, &js[why.choice], r.n, e, now, &si, rule, sizeof rule,
                                 msg, sizeof msg);
        }
        close_wait(&x);
        if (why.choice >= 0)
            return cli_refuse(json, e, "choice", "choice %d: %s", why.choice + 1, msg);
        return cli_refuse(json, e, NULL, "%s", *msg ? msg : lx_strerror(e));
    }
    lx_wait_run(x.w, now, NULL); /* a seat free now is sold at once */
    lx_wait_req cur;
    if (lx_wait_get(x.w, r.id, &cur) != LX_OK)
        cur = r;
    rc = print_request(c, x.book, &cur, json);
    close_wait(&x);
    return rc;
}

static int run_one(lx_cli *c, int argc, char **argv, int cancel)
{
    int json = 0;
    const char *arg = NULL;
    lx_instant_t now;
    waitlist x;
    int rc = start(c, argc, argv, &arg, 0, &json, &now, &x);
    if (rc)
        return rc;
    lx_wait_req r;
    lx_err e;
    if (cancel) {
        e = lx_wait_cancel(x.w, arg, now, &r);
    } else {
        lx_wait_run(x.w, now, NULL);
        e = lx_wait_get(x.w, arg, &r);
    }
    lx_wait_req cur;
    int have = e == LX_CONFLICT && lx_wait_get(x.w, arg, &cur) == LX_OK;
    if (e == LX_OK)
        rc = print_request(c, x.book, &r, json);
    close_wait(&x);
    if (e == LX_OK)
        return rc;
    if (e == LX_NOTFOUND)
        return cli_refuse(json, e, "id", "no waitlist request '%s'", arg);
    if (e == LX_CONFLICT)
        return cli_refuse(json, e, "id",
                          "waitlist request %s is %s: only an open request can be cancelled",
                          have ? cur.id : arg, have ? lx_wait_state_name(cur.state) : "closed");
    return cli_refuse(json, e, NULL, "waitlist request %s: %s", arg, lx_strerror(e));
}

static int run_pass(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    lx_instant_t now;
    waitlist x;
    int rc = start(c, argc, argv, NULL, 1, &json, &now, &x);
    if (rc)
        return rc;
    lx_book_expire(x.book, now, NULL); /* holds past their deadline give their seats back */
    lx_wait_stats st;
    lx_err e = lx_wait_run(x.w, now, &st);
    close_wait(&x);
    if (e)
        return cli_refuse(json, e, NULL, "the waitlist pass: %s", lx_strerror(e));
    if (json)
        return cli_print_json(json_pack("{s:I, s:I, s:I}", "open", (json_int_t)st.open,
                                        "fulfilled", (json_int_t)st.fulfilled, "refunded",
                                        (json_int_t)st.refunded));
    printf("%u open, %u fulfilled, %u refunded\n", st.open, st.fulfilled, st.refunded);
    return 0;
}

static int run_waitlist(lx_cli *c, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(&lx_cmd_waitlist, "name what to do: add, show, cancel or run");
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        fputs(lx_cmd_waitlist.usage, stdout);
        return 0;
    }
    if (!strcmp(sub, "add"))
        return run_add(c, argc - 1, argv + 1);
    if (!strcmp(sub, "show"))
        return run_one(c, argc - 1, argv + 1, 0);
    if (!strcmp(sub, "cancel"))
        return run_one(c, argc - 1, argv + 1, 1);
    if (!strcmp(sub, "run"))
        return run_pass(c, argc - 1, argv + 1);
    return cli_usage_error(&lx_cmd_waitlist, "unknown waitlist command '%s'", sub);
}

const lx_cmd lx_cmd_waitlist = {
    "waitlist", run_waitlist, "prepaid waitlist requests (候补), fulfilled as seats come back",
    "usage: lanxang waitlist add --from STATION --to STATION --passenger \"NAME:DOCUMENT\" ...\n"
    "                            --choice \"TRAIN,YYYY-MM-DD,CLASS\" ... --payment REF\n"
    "                            [--sell-from CC] [--json]\n"
    "       lanxang waitlist show REQUEST [--json]\n"
    "       lanxang waitlist cancel REQUEST [--json]\n"
    "       lanxang waitlist run [--json]\n\n"
    "A waitlist request is prepaid (the highest price of its choices) and names 1 to 4\n"
    "choices of train, date and class between two stations. When a seat comes back (a\n"
    "cancel, a refund, an expired hold) the oldest request it fits is sold a ticket at\n"
    "once, with payment \"waitlist:REQUEST\", and the difference refunded; a request still\n"
    "open when every choice's sales have closed is refunded in full.\n"
    "  add     records a request (written to disk before it is shown); a choice with a\n"
    "          seat free now is sold at once\n"
    "  show    shows a request (after a pass)\n"
    "  cancel  withdraws an open request, refunded in full (exit 6 once fulfilled)\n"
    "  run     expires due holds and runs the pass (the server does it by itself)\n"
    "  --json  the request as the API shows it (docs/api.md); a refusal as {\"error\":{...}}\n"
    "Exit 3 for an unknown request, 6 when sales are closed or it is no longer open.\n\n"
    "example: lanxang waitlist add --from Vientiane --to \"Luang Prabang\" \\\n"
    "           --passenger \"Somchai Phommachanh:P1234567\" --choice C82,2026-12-20,second \\\n"
    "           --payment QR-0001\n"};
