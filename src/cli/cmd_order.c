/* Selling commands, part two: an order's life after its hold — confirm, cancel,
 * refund — and `order`, which shows one. Shared conventions (now, refusals, --json)
 * are described at the top of cmd_inv.c. */
#include "cli.h"

#include <ctype.h>
#include <string.h>
#include "view/view.h"

/* "2026-12-20T09:30:00+07:00" -> "09:30 UTC+7 2026-12-20" */
static void iso_text(const char *iso, char *buf, size_t n)
{
    if (!iso || strlen(iso) < 25) {
        snprintf(buf, n, "-");
        return;
    }
    int32_t off = (iso[20] - '0') * 36000 + (iso[21] - '0') * 3600 + (iso[23] - '0') * 600 +
                  (iso[24] - '0') * 60;
    char zone[16];
    cli_zone_mark(iso[19] == '-' ? -off : off, zone, sizeof zone);
    snprintf(buf, n, "%.5s %s %.10s", iso + 11, zone, iso);
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

int cli_print_order(lx_cli *c, const lx_book_order *o, int json)
{
    json_t *v = lx_view_order(c->net, o);
    if (!v)
        return cli_fail(LX_NOMEM, "out of memory");
    if (json)
        return cli_print_json(v);
    char dep[64], arr[64], price[48];
    iso_text(jstr(v, "departure"), dep, sizeof dep);
    iso_text(jstr(v, "arrival"), arr, sizeof arr);
    json_t *from = json_object_get(v, "from"), *to = json_object_get(v, "to");
    const char *fn = json_string_value(json_object_get(json_object_get(from, "names"), c->lang));
    const char *tn = json_string_value(json_object_get(json_object_get(to, "names"), c->lang));
    printf("order %s %s\n", o->id, lx_order_state_name(o->state));
    printf("  %s  %s %s -> %s %s\n", o->train, fn ? fn : o->from_stop, dep, tn ? tn : o->to_stop,
           arr);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(v, "passengers"), i, p) {
        char fare[48] = "";
        if (i < LX_INV_MAX_PAX && o->pax[i].fare >= 0 && o->currency[0])
            cli_format_price(o->pax[i].fare, o->currency, fare, sizeof fare);
        printf("  %-10s %-8s %s (%s)  %s %s\n", i ? "" : o->cls,
               json_is_null(json_object_get(p, "seat")) ? "on lap" : jstr(p, "seat"),
               jstr(p, "name"), jstr(p, "document"), jstr(p, "fare_type"), fare);
    }
    cli_format_price(o->price, o->currency, price, sizeof price);
    printf("  price %s\n", price);
    if (o->state == LX_ORDER_REFUNDED && o->refund_fee >= 0 && o->price >= 0) {
        char fee[48], back[48];
        cli_format_price(o->refund_fee, o->currency, fee, sizeof fee);
        cli_format_price(o->price - o->refund_fee, o->currency, back, sizeof back);
        printf("  refunded %s, fee kept %s\n", back, fee);
    }
    if (o->changed_from[0])
        printf("  changed from order %s\n", o->changed_from);
    if (o->changed_to[0])
        printf("  changed to order %s (refunded in full)\n", o->changed_to);
    if (o->state == LX_ORDER_HELD) {
        char until[64];
        iso_text(jstr(v, "expires_at"), until, sizeof until);
        printf("  held until %s: lanxang confirm %s\n", until, o->id);
    }
    json_decref(v);
    return 0;
}

/* Order ids are Crockford base32, shown in capitals; accept them in any case. */
static int read_id(const char *arg, char *id)
{
    size_t n = strlen(arg);
    if (n == 0 || n >= LX_BOOK_ID_LEN)
        return 0;
    for (size_t i = 0; i <= n; i++)
        id[i] = (char)toupper((unsigned char)arg[i]);
    return 1;
}

static int no_order(int json, const char *arg)
{
    return cli_refuse(json, LX_NOTFOUND, "order", "no order '%s'", arg);
}

int cli_open_order(lx_cli *c, int json, const char *arg, char *id, lx_store **store,
                   lx_book **book)
{
    if (!read_id(arg, id))
        return no_order(json, arg);
    int rc = cli_open_book(c, 0, json, store, book);
    if (rc)
        return rc;
    return *book ? 0 : no_order(json, arg);
}

/* ---- confirm, cancel, refund ---- */
static int run_life(lx_cli *c, int argc, char **argv, const lx_cmd *cmd, lx_inv_opcode op)
{
    int json = 0;
    const char *arg = NULL, *owner = "", *payment = "";
    const cli_opt opts[] = {{"--json", NULL, &json},
                            {"--owner", &owner, NULL},
                            {op == LX_INV_CONFIRM ? "--payment" : NULL, &payment, NULL},
                            {NULL, NULL, NULL}};
    int rc = cli_args(cmd, argc, argv, opts, &arg, 1, 1, "name one order");
    if (rc)
        return rc;
    char id[LX_BOOK_ID_LEN];
    lx_instant_t now;
    lx_store *store;
    lx_book *book;
    if ((rc = cli_now(&now)) || (rc = cli_open_order(c, json, arg, id, &store, &book)))
        return rc;
    lx_book_order o, cur;
    char msg[1024] = "";
    lx_err e = op == LX_INV_CONFIRM
                   ? lx_book_confirm(book, id, owner, payment, now, &o, msg, sizeof msg)
               : op == LX_INV_CANCEL ? lx_book_cancel(book, id, owner, now, &o, msg, sizeof msg)
                                     : lx_book_refund(book, id, owner, now, &o, msg, sizeof msg);
    /* (a hold confirmed too late is expired by the store, durably: its seats are free) */
    int have = e != LX_OK && lx_book_get(book, id, &cur) == LX_OK;
    cli_close_book(store, book);
    if (e == LX_OK)
        return cli_print_order(c, &o, json);
    const char *verb = op == LX_INV_CONFIRM  ? "confirmed"
                       : op == LX_INV_CANCEL ? "cancelled"
                                             : "refunded";
    char until[64] = "-";
    if (have && cur.expires_at) {
        json_t *v = lx_view_order(c->net, &cur);
        iso_text(jstr(v, "expires_at"), until, sizeof until);
        json_decref(v);
    }
    switch (e) {
    case LX_NOTFOUND:
        return no_order(json, arg);
    case LX_EXPIRED:
        return cli_refuse(json, e, "order",
                          "order %s cannot be %s: its hold expired at %s and the seats are free "
                          "again (hold anew)",
                          id, verb, until);
    case LX_FORBIDDEN:
        return cli_refuse(json, e, "owner",
                          "order %s belongs to another owner: give the --owner it was held with",
                          id);
    case LX_CONFLICT:
        return cli_refuse(json, e, "order", "order %s is %s: only a %s order can be %s", id,
                          have ? lx_order_state_name(cur.state) : "in another state",
                          op == LX_INV_REFUND ? "confirmed" : "held", verb);
    default:
        return cli_refuse(json, e, NULL, "order %s cannot be %s: %s", id, verb,
                          *msg ? msg : lx_strerror(e));
    }
}

static int run_confirm(lx_cli *c, int argc, char **argv)
{
    return run_life(c, argc, argv, &lx_cmd_confirm, LX_INV_CONFIRM);
}
static int run_cancel(lx_cli *c, int argc, char **argv)
{
    return run_life(c, argc, argv, &lx_cmd_cancel, LX_INV_CANCEL);
}
static int run_refund(lx_cli *c, int argc, char **argv)
{
    return run_life(c, argc, argv, &lx_cmd_refund, LX_INV_REFUND);
}

const lx_cmd lx_cmd_confirm = {
    "confirm", run_confirm, "pay for a held order: its seats are sold",
    "usage: lanxang confirm ORDER [--payment REF] [--owner NAME] [--json]\n\n"
    "Confirms a held order before its deadline: the seats are sold. A hold whose deadline\n"
    "has passed is expired instead (exit 6) and its seats are free again.\n"
    "  --payment REF  the payment's reference, kept with the order\n"
    "  --owner NAME   the owner given at the hold (exit 7 when it differs)\n"
    "  --json         the order object (docs/cli.md); a refusal as {\"error\":{...}}\n"};

const lx_cmd lx_cmd_cancel = {
    "cancel", run_cancel, "give up a held order: its seats are free again",
    "usage: lanxang cancel ORDER [--owner NAME] [--json]\n\n"
    "Cancels a held (unpaid) order; a sold one is refunded instead (lanxang refund).\n"
    "  --owner NAME  the owner given at the hold (exit 7 when it differs)\n"
    "  --json        the order object (docs/cli.md); a refusal as {\"error\":{...}}\n"};

const lx_cmd lx_cmd_refund = {
    "refund", run_refund, "refund a sold order: its seats are free again",
    "usage: lanxang refund ORDER [--owner NAME] [--json]\n\n"
    "Refunds a confirmed order; its seats can be sold again. The fee kept follows the\n"
    "time left before departure (free 8 days or more ahead, 5% from 48 hours, 10% from\n"
    "24 hours, 20% under 24 hours; rounded to 1,000 kip or half a yuan) and is kept with\n"
    "the order. A changed ticket's fee counts from its original's departure when earlier.\n"
    "  --owner NAME  the owner given at the hold (exit 7 when it differs)\n"
    "  --json        the order object (docs/cli.md); a refusal as {\"error\":{...}}\n"};

/* ---- order ---- */
static int run_order(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *arg = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_order, argc, argv, opts, &arg, 1, 1, "name one order");
    if (rc)
        return rc;
    char id[LX_BOOK_ID_LEN];
    lx_instant_t now;
    lx_store *store;
    lx_book *book;
    if ((rc = cli_now(&now)) || (rc = cli_open_order(c, json, arg, id, &store, &book)))
        return rc;
    lx_book_expire(book, now, NULL); /* a hold past its deadline shows as expired */
    lx_book_order o;
    lx_err e = lx_book_get(book, id, &o);
    cli_close_book(store, book);
    if (e == LX_NOTFOUND)
        return no_order(json, arg);
    if (e)
        return cli_refuse(json, e, NULL, "order %s: %s", id, lx_strerror(e));
    return cli_print_order(c, &o, json);
}

const lx_cmd lx_cmd_order = {
    "order", run_order, "show an order and its state",
    "usage: lanxang order ORDER [--json]\n\n"
    "Shows an order: its state (held, confirmed, cancelled, expired, refunded), train,\n"
    "journey, class, seats, passengers (documents masked to their last 4 characters),\n"
    "price and, while held, its deadline. A hold past its deadline is expired first.\n"
    "  --json  the order object (docs/cli.md)\n"};
