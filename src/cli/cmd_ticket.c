/* E-tickets: `ticket` prints a confirmed order's tickets with their QR codes, `gate
 * verify` checks one at a gate (and records its check-in), `keys` prints the public key
 * the gates need. The format and the checks are in docs/tickets.md. */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "lanxang/ticket.h"
#include "view/journey.h"
#include "view/view.h"



/* "ticket.svg" for ticket 2 of 3 -> "ticket-2.svg"; one ticket keeps the name */
static void svg_name(const char *file, uint32_t i, uint32_t n, char *buf, size_t len)
{
    if (n == 1) {
        snprintf(buf, len, "%s", file);
        return;
    }
    const char *slash = strrchr(file, '/'), *dot = strrchr(file, '.');
    if (!dot || (slash && dot < slash))
        dot = file + strlen(file);
    snprintf(buf, len, "%.*s-%u%s", (int)(dot - file), file, i + 1, dot);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}


/* ---- ticket ---- */
static int run_ticket(lx_cli *c, int argc, char **argv)
{
    int json = 0, no_qr = 0;
    const char *arg = NULL, *svg = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json},
                            {"--no-qr", NULL, &no_qr},
                            {"--svg", &svg, NULL},
                            {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_ticket, argc, argv, opts, &arg, 1, 1, "name one order");
    if (rc)
        return rc;
    char id[LX_BOOK_ID_LEN];
    lx_store *store;
    lx_book *book;
    if ((rc = cli_open_order(c, json, arg, id, &store, &book)))
        return rc;
    lx_book_order o;
    lx_err e = lx_book_get(book, id, &o);
    cli_close_book(store, book);
    if (e == LX_NOTFOUND)
        return cli_refuse(json, e, "order", "no order '%s'", arg);
    if (e)
        return cli_refuse(json, e, NULL, "order %s: %s", id, lx_strerror(e));
    if (o.state != LX_ORDER_CONFIRMED)
        return cli_refuse(json, LX_CONFLICT, "order",
                          "order %s is %s: only a confirmed order has tickets", id,
                          lx_order_state_name(o.state));

    char msg[1024];
    lx_ticket_keys keys;
    if ((e = lx_ticket_keys_open(c->data_dir, 1, &keys, msg, sizeof msg)))
        return cli_refuse(json, e, NULL, "%s", msg);
    static char payloads[LX_INV_MAX_PAX][LX_TICKET_TEXT_MAX];
    uint32_t n;
    e = lx_ticket_issue(&o, keys.sk, payloads, &n);
    lx_ticket_keys_wipe(&keys);
    if (e)
        return cli_refuse(json, e, "order", "the tickets of order %s cannot be made: %s", id,
                          lx_strerror(e));

    json_t *arr = json ? json_array() : NULL;
    for (uint32_t i = 0; i < n; i++) {
        char file[4096] = "";
        if (svg) {
            char *doc;
            svg_name(svg, i, n, file, sizeof file);
            if ((e = lx_ticket_qr_svg(payloads[i], &doc)))
                return cli_refuse(json, e, NULL, "the QR code does not fit: %s", lx_strerror(e));
            int ok = write_file(file, doc);
            free(doc);
            if (!ok) {
                json_decref(arr);
                return cli_refuse(json, LX_IO, "svg", "cannot write %s", file);
            }
        }
        if (json) {
            json_t *t = json_pack("{s:i, s:s, s:s, s:s}", "ticket", (int)i + 1, "passenger",
                                  o.pax[i].name, "seat", o.seats[i], "qr_payload", payloads[i]);
            if (t && *file)
                json_object_set_new(t, "svg", json_string(file));
            json_array_append_new(arr, t);
            continue;
        }
        char day[11];
        lx_date_format(o.service_day, 1, day);
        printf("ticket %u/%u of order %s: %s %s, %s -> %s, %s %s, %s\n", i + 1, n, o.id, o.train,
               day, o.from_stop, o.to_stop, o.cls, o.seats[i], o.pax[i].name);
        printf("%s\n", payloads[i]);
        if (*file)
            printf("QR code written to %s\n", file);
        if (!no_qr) {
            char *qr;
            if ((e = lx_ticket_qr_text(payloads[i], &qr)))
                return cli_refuse(json, e, NULL, "the QR code does not fit: %s", lx_strerror(e));
            fputs(qr, stdout);
            free(qr);
        }
        if (i + 1 < n)
            putchar('\n');
    }
    if (json)
        return cli_print_json(json_pack("{s:s, s:s, s:o}", "order", o.id, "state",
                                        lx_order_state_name(o.state), "tickets", arr));
    return 0;
}

const lx_cmd lx_cmd_ticket = {
    "ticket", run_ticket, "print a confirmed order's e-tickets with their QR codes",
    "usage: lanxang ticket ORDER [--svg FILE] [--no-qr] [--json]\n\n"
    "Prints one e-ticket per passenger of a confirmed order: its signed payload (base64url,\n"
    "docs/tickets.md) and its QR code drawn with UTF-8 blocks. The ticket key is created in\n"
    "the data directory on first use (DIR/keys; lanxang keys prints the public key).\n"
    "  --svg FILE  also write each QR code as SVG (FILE, or FILE-1.svg, FILE-2.svg ... for\n"
    "              several passengers)\n"
    "  --no-qr     the payloads only\n"
    "  --json      {\"order\",\"state\",\"tickets\":[{\"ticket\",\"passenger\",\"seat\",\"qr_payload\"}]}\n"};

/* ---- keys ---- */
static int print_key(lx_cli *c, const lx_cmd *cmd, int argc, char **argv)
{
    int json = 0;
    const cli_opt opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    int rc = cli_args(cmd, argc, argv, opts, NULL, 0, 0, NULL);
    if (rc)
        return rc;
    char msg[1024];
    lx_store *s;
    /* the data directory is created (with its catalog) like any selling command's */
    lx_err e = lx_store_open(c->data_dir, 1, &s, msg, sizeof msg);
    if (e)
        return cli_refuse(json, e, NULL, "%s", msg);
    lx_store_close(s);
    lx_ticket_keys keys;
    if ((e = lx_ticket_keys_open(c->data_dir, 1, &keys, msg, sizeof msg)))
        return cli_refuse(json, e, NULL, "%s", msg);
    char b64[64], hex[2 * LX_TICKET_PK_LEN + 1];
    lx_ticket_b64_encode(keys.pk, sizeof keys.pk, b64, sizeof b64);
    for (int i = 0; i < LX_TICKET_PK_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", keys.pk[i]);
    lx_ticket_keys_wipe(&keys);
    if (json)
        return cli_print_json(json_pack("{s:s, s:s, s:s}", "algorithm", "ed25519", "public_key",
                                        b64, "public_key_hex", hex));
    printf("%s\n", b64);
    return 0;
}

static int run_keys(lx_cli *c, int argc, char **argv)
{
    return print_key(c, &lx_cmd_keys, argc, argv);
}

const lx_cmd lx_cmd_keys = {
    "keys", run_keys, "print the public key that gates verify tickets with",
    "usage: lanxang keys [--json]\n\n"
    "Prints the Ed25519 public key of the data directory's tickets (base64url), creating\n"
    "the key pair on first use: DIR/keys/ticket.key (private, mode 0600) and\n"
    "DIR/keys/ticket.pub. A key is never replaced. Give the public key to the gates\n"
    "(lanxang gate verify --key KEY).\n"
    "  --json  {\"algorithm\":\"ed25519\",\"public_key\",\"public_key_hex\"}\n"};

/* ---- gate ---- */


static int gate_verify(lx_cli *c, int argc, char **argv)
{
    int json = 0;
    const char *payload = NULL, *station = NULL, *train = NULL, *date = NULL, *key = NULL;
    const cli_opt opts[] = {{"--json", NULL, &json},      {"--station", &station, NULL},
                            {"--train", &train, NULL},    {"--date", &date, NULL},
                            {"--key", &key, NULL},        {NULL, NULL, NULL}};
    int rc = cli_args(&lx_cmd_gate, argc, argv, opts, &payload, 1, 1, "give one ticket payload");
    if (rc)
        return rc;
    lx_instant_t now;
    if ((rc = cli_now(&now)))
        return rc;
    lx_ticket_check check = {.train = train};
    if (date) {
        if (!cli_parse_date(date, &check.service_day))
            return 2;
        check.has_day = 1;
    }
    uint8_t pk[LX_TICKET_PK_LEN];
    char msg[1024];
    lx_err e;
    if (key) {
        if (!lx_ticket_pubkey_parse(key, pk))
            return cli_refuse(json, LX_INVAL, "key",
                              "--key takes a public key: 43 characters of base64url or 64 hex "
                              "digits (lanxang keys prints it)");
    } else if ((e = lx_ticket_pubkey_load(c->data_dir, pk, msg, sizeof msg))) {
        return cli_refuse(json, e, "key", "%s", msg);
    }
    lx_store *store;
    lx_book *book;
    if ((rc = cli_open_book(c, 0, json, &store, &book)))
        return rc;
    if (!book)
        return cli_refuse(json, LX_NOTFOUND, NULL,
                          "no data directory at %s: the gate needs its orders", c->data_dir);

    /* --station: a stop_id as is, and every station the name resolves to */
    const char *ids[LX_VIEW_GATE_IDS];
    uint32_t n_ids = 0;
    if (station) {
        n_ids = lx_view_gate_station_ids(c->net, station, ids, LX_VIEW_GATE_IDS);
        check.stations = ids;
        check.n_stations = n_ids;
    }
    lx_ticket t;
    lx_ticket_result r;
    lx_instant_t first = 0;
    e = lx_ticket_gate(store, book, pk, payload, &check, n_ids > 1 ? ids[1] : station, now, &r,
                       &t, &first, msg, sizeof msg);
    cli_close_book(store, book);
    if (e)
        return cli_refuse(json, e, NULL, "the scan could not be recorded: %s", lx_strerror(e));
    lx_err verdict = lx_ticket_result_err(r);
    int decoded = r != LX_TICKET_MALFORMED && r != LX_TICKET_BAD_SIGNATURE;
    if (json) {
        json_t *v = verdict ? lx_view_error(verdict, msg, "payload") : json_object();
        char at[32];
        if (v) {
            json_object_set_new(v, "accepted", json_boolean(r == LX_TICKET_ACCEPTED));
            json_object_set_new(v, "result", json_string(lx_ticket_result_code(r)));
            if (decoded)
                json_object_set_new(v, "ticket", lx_view_ticket(&t));
            if (r == LX_TICKET_ACCEPTED) {
                lx_view_iso_utc(now, at, sizeof at);
                json_object_set_new(v, "checked_in_at", json_string(at));
            }
            if (r == LX_TICKET_ALREADY_USED) {
                lx_view_iso_utc(first, at, sizeof at);
                json_object_set_new(v, "first_checked_in_at", json_string(at));
            }
        }
        cli_print_json(v);
    } else if (r == LX_TICKET_ACCEPTED) {
        printf("accepted: ticket %u/%u of order %s, train %s, %s -> %s, %s %s, %s\n",
               t.index + 1, t.count, t.order, t.train, t.from_stop, t.to_stop, t.cls, t.seat,
               t.passenger);
    }
    if (verdict)
        return cli_fail(verdict, "refused (%s): %s", lx_ticket_result_code(r), msg);
    return 0;
}

static int run_gate(lx_cli *c, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "verify"))
        return gate_verify(c, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "key"))
        return print_key(c, &lx_cmd_gate, argc - 1, argv + 1);
    return cli_usage_error(&lx_cmd_gate, "name what to do: verify or key");
}

const lx_cmd lx_cmd_gate = {
    "gate", run_gate, "check an e-ticket at a gate (and record its use)",
    "usage: lanxang gate verify PAYLOAD [--station S] [--train T] [--date YYYY-MM-DD]\n"
    "                           [--key PUBKEY] [--json]\n"
    "       lanxang gate key [--json]\n\n"
    "verify checks a ticket's payload (lanxang ticket prints it): the signature with the\n"
    "public key, the station, train and date when given, the time window (from 20 minutes\n"
    "before departure until arrival, by LANXANG_NOW or the clock), that the order is still\n"
    "confirmed with this seat, and that the ticket was not used before. The first accepted\n"
    "scan records the check-in in the data directory; a second one is refused.\n"
    "  --station S  the gate's station (name, code or stop_id): the journey must start there\n"
    "  --train T    the train the gate or conductor checks for\n"
    "  --date D     its service date\n"
    "  --key KEY    the public key (base64url or hex); default DIR/keys/ticket.pub\n"
    "  --json       {\"accepted\",\"result\",\"ticket\":{...}}, with \"error\":{...} when refused\n"
    "Exit 0 accepted, 6 already used, 65 refused (forged, malformed, wrong station, train or\n"
    "date, outside its window, order refunded or cancelled), 3 no data directory.\n"
    "key prints the public key, as lanxang keys does.\n"};
