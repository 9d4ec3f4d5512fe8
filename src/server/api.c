/* The JSON API under /api/v1 (and /healthz). The read-only endpoints are here; offers
 * and the booking life cycle are api_book.c (shared internals: api_int.h).
 *
 * Routing. Every endpoint is one row of `routes` below: method, path pattern, handler.
 * A pattern is matched segment by segment; "{}" captures one non-empty segment. The
 * request target is split at '/' BEFORE percent-decoding, so "/api/v1/stations/a%2Fb"
 * names the station "a/b". A path that matches a pattern but not its method is a 405
 * with the Allow header built from the table; a path that matches nothing is a 404.
 *
 * Decoding. The raw target is copied once into a per-request buffer and decoded in
 * place (decoding only shrinks): path segments, then the query's key=value pairs
 * ('+' is a space there). Every decoded string must be valid UTF-8 without NUL, so
 * the handlers and the JSON encoder never see bytes they cannot print.
 *
 * Errors. Every error answer is lx_view_error's {"error":{"code","message","field"}}
 * with the status lx_err_http_status gives.
 *
 * Station search. The list of public stations (stations proper and stops without a
 * parent, never platforms or entrances) is built once in lx_api_create with every
 * name folded by lx_fold, so an autocomplete request folds only its query.
 */
#include "api_int.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lanxang/text.h"
#include "lanxang/time.h"
#include "lanxang/waitlist.h"
#include "view/view.h"

/* ---- the prepared station list ---- */

static const char *const lang_names[N_NAMES] = {NULL, "en", "lo", "zh", NULL};

#define FOLD_CAP 256

static char *fold_dup(const char *s)
{
    char buf[FOLD_CAP];
    lx_fold(s, buf, sizeof buf);
    return strdup(buf);
}

static int is_public(const lx_station *s)
{
    return s->location_type == 1 || (s->location_type == 0 && s->parent == LX_NONE);
}

static const lx_station *station_at(const lx_net *net, lx_place p)
{
    uint32_t n;
    return &lx_tt_stations(lx_net_feed(net, p.feed), &n)[p.station];
}

lx_err lx_api_create(const lx_net *net, lx_api **out)
{
    *out = NULL;
    lx_api *api = calloc(1, sizeof *api);
    if (!api)
        return LX_NOMEM;
    api->net = net;
    uint32_t nf = lx_net_feed_count(net), total = 0;
    api->feed_stations = calloc(nf ? nf : 1, sizeof *api->feed_stations);
    if (!api->feed_stations)
        goto nomem;
    for (uint32_t f = 0; f < nf; f++) {
        uint32_t ns, nt;
        const lx_station *st = lx_tt_stations(lx_net_feed(net, f), &ns);
        lx_tt_trips(lx_net_feed(net, f), &nt);
        api->trips += nt;
        for (uint32_t i = 0; i < ns; i++)
            total += is_public(&st[i]) ? 1u : 0u;
    }
    api->st = calloc(total ? total : 1, sizeof *api->st);
    if (!api->st)
        goto nomem;
    for (uint32_t f = 0; f < nf; f++) {
        const lx_tt *tt = lx_net_feed(net, f);
        uint32_t ns;
        const lx_station *st = lx_tt_stations(tt, &ns);
        for (uint32_t i = 0; i < ns; i++) {
            if (!is_public(&st[i]))
                continue;
            pub_station *p = &api->st[api->n_st++];
            p->place = (lx_place){f, i};
            api->feed_stations[f]++;
            for (int k = 0; k < N_NAMES; k++) {
                const char *name = k == NAME_STOP   ? st[i].name
                                   : k == NAME_CODE ? st[i].code
                                                    : lx_tt_station_name(tt, i, lang_names[k]);
                if (!(p->folded[k] = fold_dup(name)))
                    goto nomem;
            }
        }
    }
    lx_err e = lx_api_plans_open(api);
    if (e) {
        lx_api_destroy(api);
        return e;
    }
    *out = api;
    return LX_OK;
nomem:
    lx_api_destroy(api);
    return LX_NOMEM;
}

void lx_api_destroy(lx_api *api)
{
    if (!api)
        return;
    for (uint32_t i = 0; i < api->n_st; i++)
        for (int k = 0; k < N_NAMES; k++)
            free(api->st[i].folded[k]);
    lx_wait_close(api->wait);
    lx_api_plans_close(api);
    free(api->st);
    free(api->feed_stations);
    free(api);
}

void lx_srv_resp_clear(lx_srv_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* ---- the request ---- */

typedef lx_err (*handler_fn)(const req *r, lx_srv_resp *resp);

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int lx_api_valid_utf8(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = lx_utf8_decode(s + i, n - i, &cp);
        if (len == 1 && (unsigned char)s[i] >= 0x80)
            return 0;
        i += len;
    }
    return 1;
}

/* Decodes %XX (and '+' as a space when plus) in place; a '%' not followed by two hex
 * digits stays as it is. Returns 0 when the result holds a NUL or is not UTF-8. */
static int pct_decode(char *s, int plus)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        int hi, lo;
        if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
            int c = hi * 16 + lo;
            if (c == 0)
                return 0;
            *o++ = (char)c;
            p += 2;
        } else {
            *o++ = plus && *p == '+' ? ' ' : *p;
        }
    }
    *o = 0;
    return lx_api_valid_utf8(s);
}

const char *lx_api_param(const req *r, const char *key)
{
    for (uint32_t i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i].key, key) == 0)
            return r->params[i].val;
    return NULL;
}

/* ---- answers ---- */

static const char JSON_TYPE[] = "application/json; charset=utf-8";

/* Sends j (a reference the function takes over) with that status. */
lx_err lx_api_reply(lx_srv_resp *resp, int status, json_t *j)
{
    if (!j)
        return LX_NOMEM;
    size_t len = 0;
    char *body = lx_view_dump(j, &len);
    json_decref(j);
    if (!body)
        return LX_NOMEM;
    resp->status = status;
    resp->content_type = JSON_TYPE;
    resp->body = body;
    resp->len = len;
    return LX_OK;
}

lx_err lx_api_reply_error(lx_srv_resp *resp, lx_err e, const char *msg, const char *field)
{
    return lx_api_reply(resp, lx_err_http_status(e), lx_view_error(e, msg, field));
}

lx_err lx_api_reply_rule(lx_srv_resp *resp, lx_err e, const char *msg, json_t *sales)
{
    json_t *j = lx_view_error(e, msg, NULL);
    json_t *inner = j ? json_object_get(j, "error") : NULL;
    static const char *const keys[] = {"rule", "open_at", "close_at", "max_passengers"};
    for (size_t i = 0; inner && sales && i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(sales, keys[i]);
        if (v && !json_is_null(v))
            json_object_set(inner, keys[i], v);
    }
    json_decref(sales);
    return lx_api_reply(resp, lx_err_http_status(e), j);
}

lx_err lx_api_reply_errorf(lx_srv_resp *resp, lx_err e, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* a cut in the middle of a UTF-8 sequence would make the message invalid */
    size_t n = strlen(msg);
    while (n && !lx_api_valid_utf8(msg))
        msg[--n] = 0;
    return lx_api_reply_error(resp, e, msg, field);
}

lx_err lx_api_missing(lx_srv_resp *resp, const char *name)
{
    return lx_api_reply_errorf(resp, LX_INVAL, name, "missing parameter '%s'", name);
}

/* The required date parameter, "YYYY-MM-DD". Returns 1 with *day set, or 0 when an
 * error answer was made (*err tells whether that succeeded). */
int lx_api_want_date(const req *r, lx_srv_resp *resp, lx_date_t *day, lx_err *err)
{
    const char *s = lx_api_param(r, "date");
    if (!s || !*s) {
        *err = lx_api_missing(resp, "date");
        return 0;
    }
    if (lx_date_parse(s, strlen(s), 1, day) != LX_OK) {
        *err = lx_api_reply_errorf(resp, LX_INVAL, "date", "invalid date '%.40s'; expected YYYY-MM-DD",
                            s);
        return 0;
    }
    return 1;
}

/* ---- handlers ---- */

static lx_err h_health(const req *r, lx_srv_resp *resp)
{
    const lx_api *api = r->api;
    return lx_api_reply(resp, 200,
                 json_pack("{s:s, s:I, s:I, s:I}", "status", "ok", "feeds",
                           (json_int_t)lx_net_feed_count(api->net), "stations",
                           (json_int_t)api->n_st, "trains", (json_int_t)api->trips));
}

typedef struct {
    uint32_t idx;  /* into api->st */
    unsigned key;  /* lower is better */
} hit;

static int hit_cmp(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

#define NO_MATCH 99u

/* How well a folded name matches the folded query q: 0 equal, 1 prefix, 2 a word of
 * the name starts with q, 3 q is inside the name; NO_MATCH otherwise. */
static unsigned name_match(const char *name, const char *q, size_t ql)
{
    if (!*name)
        return NO_MATCH;
    if (strcmp(name, q) == 0)
        return 0;
    if (strncmp(name, q, ql) == 0)
        return 1;
    const char *p = strstr(name, q);
    if (!p)
        return NO_MATCH;
    for (; p; p = strstr(p + 1, q))
        if (p[-1] == ' ')
            return 2;
    return 3;
}

/* The rank of station s for the query: (match class) * 2 + (0 when the best match is
 * in the wanted language, else 1). NO_MATCH when nothing matches. */
static unsigned station_rank(const lx_api *api, const pub_station *s, const char *raw,
                             const char *q, int lang)
{
    const lx_tt *tt = lx_net_feed(api->net, s->place.feed);
    const lx_station *st = station_at(api->net, s->place);
    const char *colon = strchr(raw, ':');
    if (strcmp(st->id, raw) == 0 ||
        (colon && strcmp(st->id, colon + 1) == 0 &&
         strncmp(raw, lx_tt_feed_name(tt), (size_t)(colon - raw)) == 0 &&
         lx_tt_feed_name(tt)[colon - raw] == 0))
        return 0;
    size_t ql = strlen(q);
    unsigned best = NO_MATCH;
    for (int k = 0; k < N_NAMES; k++) {
        unsigned m = name_match(s->folded[k], q, ql);
        if (k == NAME_CODE && m > 1)
            continue; /* codes match whole or by their start only */
        if (m == NO_MATCH)
            continue;
        unsigned key = m * 2 + (k != lang);
        if (key < best)
            best = key;
    }
    return best;
}

static uint32_t pub_index(const lx_api *api, lx_place p)
{
    const lx_station *st = station_at(api->net, p);
    if (!is_public(st) && st->parent != LX_NONE)
        p.station = st->parent;
    for (uint32_t i = 0; i < api->n_st; i++)
        if (api->st[i].place.feed == p.feed && api->st[i].place.station == p.station)
            return i;
    return LX_NONE;
}

/* Station search for autocomplete: every station one of whose names contains the
 * query (case- and accent-insensitively), exact and prefix matches first. When none
 * contains it, the "did you mean" suggestions of the resolver (typing mistakes). */
static uint32_t search(const lx_api *api, const char *raw, int lang, hit *hits)
{
    char q[FOLD_CAP];
    lx_fold(raw, q, sizeof q);
    uint32_t n = 0;
    for (uint32_t i = 0; i < api->n_st; i++) {
        unsigned key = *q ? station_rank(api, &api->st[i], raw, q, lang) : 1;
        if (key != NO_MATCH)
            hits[n++] = (hit){i, key};
    }
    if (n) {
        qsort(hits, n, sizeof *hits, hit_cmp);
        return n;
    }
    lx_place near[16];
    uint32_t nn = 0;
    lx_net_resolve(api->net, raw, near, 16, &nn);
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t idx = pub_index(api, near[i]);
        int dup = idx == LX_NONE;
        for (uint32_t j = 0; j < n && !dup; j++)
            dup = hits[j].idx == idx;
        if (!dup)
            hits[n++] = (hit){idx, i};
    }
    return n;
}

static lx_err h_stations(const req *r, lx_srv_resp *resp)
{
    const lx_api *api = r->api;
    const char *q = lx_api_param(r, "q"), *ls = lx_api_param(r, "lang"), *lim = lx_api_param(r, "limit");
    int lang = NAME_EN;
    if (ls && *ls) {
        for (lang = NAME_EN; lang <= NAME_ZH && strcmp(ls, lang_names[lang]) != 0; lang++)
            ;
        if (lang > NAME_ZH)
            return lx_api_reply_errorf(resp, LX_INVAL, "lang",
                                "unsupported language '%.20s'; use en, lo or zh", ls);
    }
    unsigned long limit = q ? 20 : (unsigned long)-1;
    if (lim && *lim) {
        char *end;
        limit = strtoul(lim, &end, 10);
        if (*end || lim[0] < '0' || lim[0] > '9' || limit < 1 || limit > 1000)
            return lx_api_reply_errorf(resp, LX_INVAL, "limit",
                                "invalid limit '%.20s'; expected a number from 1 to 1000", lim);
    }
    hit *hits = malloc((api->n_st ? api->n_st : 1) * sizeof *hits);
    if (!hits)
        return LX_NOMEM;
    uint32_t n;
    if (q) {
        n = search(api, q, lang, hits);
    } else {
        for (n = 0; n < api->n_st; n++)
            hits[n] = (hit){n, 0};
    }
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n && i < limit; i++)
        if (json_array_append_new(arr, lx_view_station(api->net, api->st[hits[i].idx].place))) {
            json_decref(arr);
            arr = NULL;
        }
    free(hits);
    return lx_api_reply(resp, 200, arr);
}

static lx_err h_station(const req *r, lx_srv_resp *resp)
{
    lx_place p[16];
    uint32_t n = 0;
    char msg[512];
    lx_err e = lx_view_resolve(r->api->net, r->arg[0], p, 16, &n, msg, sizeof msg);
    if (e != LX_OK)
        return lx_api_reply_error(resp, e, msg, "id");
    if (!n)
        return lx_api_reply_errorf(resp, LX_NOTFOUND, "id", "no station named '%.200s'", r->arg[0]);
    return lx_api_reply(resp, 200, lx_view_station(r->api->net, p[0]));
}

/* The answer of a view call: its JSON, or its error with the message and the field. */
static lx_err answer(lx_srv_resp *resp, lx_err e, json_t *out, const char *msg,
                     const char *field)
{
    if (e == LX_NOMEM)
        return LX_NOMEM;
    if (e != LX_OK)
        return lx_api_reply_error(resp, e, *msg ? msg : lx_strerror(e), field);
    return lx_api_reply(resp, 200, out);
}

int lx_api_want_from_to(const req *r, lx_srv_resp *resp, const char **from, const char **to,
                        lx_err *err)
{
    *from = lx_api_param(r, "from");
    *to = lx_api_param(r, "to");
    if (!*from || !**from)
        *err = lx_api_missing(resp, "from");
    else if (!*to || !**to)
        *err = lx_api_missing(resp, "to");
    else
        return 1;
    return 0;
}

static lx_err h_trains(const req *r, lx_srv_resp *resp)
{
    const char *from, *to;
    lx_date_t day;
    lx_err err;
    if (!lx_api_want_from_to(r, resp, &from, &to, &err) || !lx_api_want_date(r, resp, &day, &err))
        return err;
    json_t *out = NULL;
    char msg[512] = "";
    const char *field = NULL;
    lx_err e = lx_view_trains(r->api->net, from, to, day, &out, msg, sizeof msg, &field);
    return answer(resp, e, out, msg, field);
}

/* A view of one named thing (a station, a train) on a date, e.g. departures. */
typedef lx_err (*dated_view)(const lx_net *net, const char *name, lx_date_t day, json_t **out,
                             char *msg, size_t msg_len);

static lx_err answer_dated(const req *r, lx_srv_resp *resp, dated_view view, const char *field)
{
    lx_date_t day;
    lx_err err;
    if (!lx_api_want_date(r, resp, &day, &err))
        return err;
    json_t *out = NULL;
    char msg[512] = "";
    lx_err e = view(r->api->net, r->arg[0], day, &out, msg, sizeof msg);
    return answer(resp, e, out, msg, field);
}

static lx_err h_departures(const req *r, lx_srv_resp *resp)
{
    return answer_dated(r, resp, lx_view_departures, "id");
}

static lx_err h_timetable(const req *r, lx_srv_resp *resp)
{
    return answer_dated(r, resp, lx_view_train_timetable, "train");
}

static json_t *date_or_null(lx_date_t d, int have)
{
    char buf[16];
    if (!have)
        return json_null();
    lx_date_format(d, 1, buf);
    return json_string(buf);
}

static json_t *feed_object(const lx_api *api, uint32_t f)
{
    const lx_tt *tt = lx_net_feed(api->net, f);
    uint32_t na, nt, nsv;
    const lx_agency *ag = lx_tt_agencies(tt, &na);
    lx_tt_trips(tt, &nt);
    const lx_service *sv = lx_tt_services(tt, &nsv);
    lx_date_t first = 0, last = 0;
    int have = 0;
    for (uint32_t i = 0; i < nsv; i++) {
        if (sv[i].first_day > sv[i].last_day)
            continue;
        if (!have || sv[i].first_day < first)
            first = sv[i].first_day;
        if (!have || sv[i].last_day > last)
            last = sv[i].last_day;
        have = 1;
    }
    json_t *agencies = json_array();
    for (uint32_t i = 0; agencies && i < na; i++)
        if (json_array_append_new(agencies, json_string(ag[i].name))) {
            json_decref(agencies);
            agencies = NULL;
        }
    if (!agencies)
        return NULL;
    return json_pack("{s:s, s:o, s:I, s:I, s:I, s:o, s:o}", "name", lx_tt_feed_name(tt),
                     "agencies", agencies, "stations", (json_int_t)api->feed_stations[f],
                     "trains", (json_int_t)nt, "stop_times",
                     (json_int_t)lx_tt_stop_time_count(tt), "first_day",
                     date_or_null(first, have), "last_day", date_or_null(last, have));
}

static lx_err h_feeds(const req *r, lx_srv_resp *resp)
{
    json_t *arr = json_array();
    for (uint32_t f = 0; arr && f < lx_net_feed_count(r->api->net); f++)
        if (json_array_append_new(arr, feed_object(r->api, f))) {
            json_decref(arr);
            arr = NULL;
        }
    return lx_api_reply(resp, 200, arr);
}

/* ---- the route table: every endpoint, once ---- */

static const struct {
    const char *method, *pattern;
    handler_fn fn;
} routes[] = {
    {"GET", "/healthz", h_health},
    {"GET", "/api/v1/healthz", h_health},
    {"GET", "/api/v1/stations", h_stations},
    {"GET", "/api/v1/stations/{}", h_station},
    {"GET", "/api/v1/stations/{}/departures", h_departures},
    {"GET", "/api/v1/trains", h_trains},
    {"GET", "/api/v1/trains/{}/timetable", h_timetable},
    {"GET", "/api/v1/trains/{}/seats", lx_api_h_seats},
    {"GET", "/api/v1/feeds", h_feeds},
    {"GET", "/api/v1/journeys", lx_api_h_journeys},
    {"GET", "/api/v1/offers", lx_api_h_offers},
    {"POST", "/api/v1/bookings", lx_api_h_book},
    {"GET", "/api/v1/bookings/{}", lx_api_h_booking},
    {"DELETE", "/api/v1/bookings/{}", lx_api_h_cancel},
    {"POST", "/api/v1/bookings/{}/fulfillments", lx_api_h_fulfil},
    {"POST", "/api/v1/bookings/{}/refund-offers", lx_api_h_refund_offer},
    {"POST", "/api/v1/bookings/{}/refunds", lx_api_h_refund},
    {"POST", "/api/v1/bookings/{}/exchanges", lx_api_h_exchange},
    {"POST", "/api/v1/fare-quotes", lx_api_h_fare_quote},
    {"GET", "/api/v1/bookings/{}/tickets/{}/qr.svg", lx_api_h_ticket_qr},
    {"POST", "/api/v1/gate/scan", lx_api_h_gate_scan},
    {"POST", "/api/v1/waitlist", lx_api_h_wait_add},
    {"GET", "/api/v1/waitlist/{}", lx_api_h_wait_get},
    {"DELETE", "/api/v1/waitlist/{}", lx_api_h_wait_cancel},
    {"POST", "/api/v1/journey-bookings", lx_api_h_journey_book},
    {"GET", "/api/v1/journey-bookings/{}", lx_api_h_journey_booking},
    {"DELETE", "/api/v1/journey-bookings/{}", lx_api_h_journey_cancel},
    {"POST", "/api/v1/journey-bookings/{}/fulfillments", lx_api_h_journey_fulfil},
    {"POST", "/api/v1/journey-bookings/{}/refund-offers", lx_api_h_journey_refund_offer},
    {"POST", "/api/v1/journey-bookings/{}/refunds", lx_api_h_journey_refund},
    {"GET", "/metrics", lx_api_h_metrics},
    {"GET", "/api/v1/openapi.json", lx_api_h_openapi},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

size_t lx_api_route_count(void) { return N_ROUTES; }

const char *lx_api_route_pattern(size_t i) { return i < N_ROUTES ? routes[i].pattern : NULL; }

/* Matches the request's segments against a pattern, filling args on success. */
static int route_match(const char *pattern, char *const *segs, uint32_t n, const char **args)
{
    uint32_t i = 0, na = 0;
    const char *p = pattern;
    while (*p == '/') {
        p++;
        size_t len = strcspn(p, "/");
        if (i == n)
            return 0;
        if (len == 2 && p[0] == '{' && p[1] == '}') {
            if (!*segs[i])
                return 0;
            if (na < 2)
                args[na++] = segs[i];
        } else if (strlen(segs[i]) != len || strncmp(segs[i], p, len) != 0) {
            return 0;
        }
        i++;
        p += len;
    }
    return i == n;
}

int lx_api_owns(const char *target)
{
    size_t n = strcspn(target, "?");
    return (n == 8 && strncmp(target, "/healthz", 8) == 0) ||
           (n == 4 && strncmp(target, "/api", 4) == 0) || strncmp(target, "/api/", 5) == 0;
}

/* A 405, with the Allow header built from the route table. */
static lx_err method_not_allowed(lx_srv_resp *resp, const char *method, const char *allow)
{
    lx_err e = lx_api_reply_errorf(resp, LX_METHOD, NULL, "method %.16s not allowed here; use %s",
                            lx_api_valid_utf8(method) ? method : "?", allow);
    resp->allow = allow;
    return e;
}

static lx_err dispatch(req *r, lx_srv_resp *resp, const char *raw_path)
{
    /* the Allow header of a 405: the methods of the routes the path matches */
    static const char *const allows[8] = {"",       "GET, HEAD",         "POST",
                                          "GET, HEAD, POST", "DELETE", "GET, HEAD, DELETE",
                                          "POST, DELETE",    "GET, HEAD, POST, DELETE"};
    const char *m = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    int path_known = 0;
    unsigned allow = 0;
    for (size_t i = 0; i < N_ROUTES; i++) {
        const char *args[2] = {NULL, NULL};
        if (!route_match(routes[i].pattern, r->segs, r->n_segs, args))
            continue;
        path_known = 1;
        allow |= strcmp(routes[i].method, "GET") == 0    ? 1u
                 : strcmp(routes[i].method, "POST") == 0 ? 2u
                                                          : 4u;
        if (strcmp(routes[i].method, m) == 0) {
            r->arg[0] = args[0];
            r->arg[1] = args[1];
            lx_err e = routes[i].fn(r, resp);
            resp->route = (int)i + 1;
            return e;
        }
    }
    if (path_known)
        return method_not_allowed(resp, r->method, allows[allow & 7u]);
    return lx_api_reply_errorf(resp, LX_NOTFOUND, NULL, "no such endpoint: %.200s", raw_path);
}

void lx_api_set_book(lx_api *api, lx_book *book, lx_instant_t fixed_now)
{
    api->book = book;
    api->fixed_now = fixed_now;
}

void lx_api_set_seller(lx_api *api, const char *country)
{
    snprintf(api->seller, sizeof api->seller, "%s", country ? country : "");
}

lx_instant_t lx_api_now(const lx_api *api)
{
    return api->fixed_now ? api->fixed_now : (lx_instant_t)time(NULL);
}

lx_err lx_api_handle(const lx_api *api, const char *method, const char *target,
                     lx_srv_resp *resp)
{
    return lx_api_handle_body(api, method, target, NULL, 0, resp);
}

lx_err lx_api_handle_body(const lx_api *api, const char *method, const char *target,
                          const char *body, size_t body_len, lx_srv_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    req r = {.api = api, .method = method, .body = body, .body_len = body_len};
    char *buf = strdup(target);
    if (!buf)
        return LX_NOMEM;
    char *query = strchr(buf, '?');
    if (query)
        *query++ = 0;
    /* raw path for messages: kept only when it is printable UTF-8 */
    char raw_path[256];
    snprintf(raw_path, sizeof raw_path, "%s", lx_api_valid_utf8(buf) ? buf : "(not UTF-8)");

    lx_err e;
    if (query && strlen(query) > LX_API_MAX_QUERY) {
        e = lx_api_reply_errorf(resp, LX_INVAL, NULL, "the query string is longer than %d bytes",
                         LX_API_MAX_QUERY);
        goto done;
    }
    /* path segments; a trailing slash is ignored */
    char *p = buf[0] == '/' ? buf + 1 : buf;
    int too_many = 0;
    while (p) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = 0;
        if (*p || slash) {
            if (r.n_segs == MAX_SEGS) {
                too_many = 1;
                break;
            }
            if (!pct_decode(p, 0)) {
                e = lx_api_reply_errorf(resp, LX_INVAL, NULL, "the path is not valid UTF-8");
                goto done;
            }
            r.segs[r.n_segs++] = p;
        }
        p = slash ? slash + 1 : NULL;
    }
    if (too_many) {
        e = lx_api_reply_errorf(resp, LX_NOTFOUND, NULL, "no such endpoint: %.200s", raw_path);
        goto done;
    }
    /* query parameters; the first of a repeated key wins */
    for (char *kv = query; kv && *kv;) {
        char *amp = strchr(kv, '&');
        if (amp)
            *amp = 0;
        if (*kv) {
            if (r.n_params == MAX_PARAMS) {
                e = lx_api_reply_errorf(resp, LX_INVAL, NULL, "too many query parameters (at most %d)",
                                 MAX_PARAMS);
                goto done;
            }
            char *eq = strchr(kv, '=');
            if (eq)
                *eq++ = 0;
            if (!pct_decode(kv, 1) || (eq && !pct_decode(eq, 1))) {
                e = lx_api_reply_errorf(resp, LX_INVAL, lx_api_valid_utf8(kv) ? kv : NULL,
                                 "a query parameter is not valid UTF-8");
                goto done;
            }
            r.params[r.n_params].key = kv;
            r.params[r.n_params++].val = eq ? eq : "";
        }
        kv = amp ? amp + 1 : NULL;
    }
    e = dispatch(&r, resp, raw_path);
done:
    free(buf);
    if (e != LX_OK)
        lx_srv_resp_clear(resp);
    return e;
}
