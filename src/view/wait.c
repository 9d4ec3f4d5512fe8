/* The waitlist's requests as JSON, and their choices resolved (see wait.h). */
#include "view/wait.h"

#include <stdio.h>
#include <string.h>

#include "lanxang/time.h"
#include "view/view.h"

const lx_book_order *lx_view_wait_order(lx_book *b, const lx_wait_req *r, lx_book_order *buf)
{
    return r->state == LX_WAIT_FULFILLED && lx_book_get(b, r->booking, buf) == LX_OK ? buf : NULL;
}

lx_err lx_view_wait_choice(const lx_net *net, const char *train, const char *date, const char *from,
                           const char *to, const char *cls, lx_journey *j, lx_wait_choice *c,
                           char *msg, size_t msg_len, const char **field)
{
    const char *resolved = NULL;
    *field = NULL;
    lx_err e = lx_view_journey(net, train, date, from, to, j, msg, msg_len, field);
    if (e == LX_OK && (e = lx_view_journey_class(j, cls, &resolved, msg, msg_len)))
        *field = "class";
    if (e)
        return e;
    c->feed = j->leg.feed;
    c->leg = j->leg.leg;
    snprintf(c->cls, sizeof c->cls, "%s", resolved ? resolved : "");
    return LX_OK;
}

static json_t *iso_at(const lx_tz *tz, lx_instant_t t)
{
    char buf[40];
    if (tz)
        lx_tz_format_iso(tz, t, buf);
    else
        lx_view_iso_utc(t, buf, sizeof buf);
    return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* A station of the request: the full station object (its zone in *tz when tz is not
 * NULL), or its id when no longer loaded. */
static json_t *station(const lx_net *net, uint32_t feed, const lx_tt *tt, const char *stop_id,
                       const lx_tz **tz)
{
    uint32_t s = tt ? lx_tt_station_by_id(tt, stop_id) : LX_NONE;
    if (s == LX_NONE)
        return json_pack("{s:s}", "id", stop_id);
    if (tz)
        *tz = lx_tt_stations(tt, NULL)[s].tz;
    return lx_view_station(net, (lx_place){feed, s});
}

static json_t *choice(const lx_wait_choice *c, const lx_tz *tz)
{
    char date[11] = "";
    lx_date_t day = c->leg.service_day;
    if (tz) {
        int32_t secs;
        lx_tz_to_local(tz, c->departure, &day, &secs);
    }
    lx_date_format(day, 1, date);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "train", c->train[0] ? c->train : c->trip_id,
                     "trip_id", c->trip_id, "date", date, "class", c->cls, "departure",
                     iso_at(tz, c->departure), "sales_close", iso_at(tz, c->sales_close));
}

json_t *lx_view_waitlist(const lx_net *net, const lx_wait_req *r, const lx_book_order *o)
{
    uint32_t feed = lx_net_feed_by_name(net, r->feed);
    const lx_tt *tt = feed != LX_NONE ? lx_net_feed(net, feed) : NULL;
    const lx_tz *tz = NULL;
    json_t *from = station(net, feed, tt, r->from_stop, &tz);
    json_t *to = station(net, feed, tt, r->to_stop, NULL);
    json_t *pax = json_array(), *choices = json_array();
    for (uint32_t i = 0; pax && i < r->n; i++)
        json_array_append_new(pax, json_pack("{s:s, s:s, s:o, s:o}", "name", r->pax[i].name,
                                             "document", r->pax[i].document, "document_type",
                                             str_or_null(r->pax[i].doc_type), "birth_date",
                                             str_or_null(r->pax[i].birth_date)));
    for (uint32_t i = 0; choices && i < r->n_choices; i++)
        json_array_append_new(choices, choice(&r->choices[i], tz));
    json_t *refund =
        r->refund >= 0
            ? json_pack("{s:o, s:o, s:o}", "amount", lx_view_price(r->refund, r->currency),
                        "currency", str_or_null(r->currency), "at", iso_at(tz, r->refunded_at))
            : json_null();
    int done = r->state == LX_WAIT_FULFILLED;
    json_t *details = o ? lx_view_booking(net, o) : json_null();
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, "
                     "s:o}",
                     "id", r->id, "state", lx_wait_state_name(r->state), "created_at",
                     iso_at(tz, r->created_at), "updated_at", iso_at(tz, r->updated_at), "from",
                     from, "to", to, "passengers", pax, "choices", choices, "amount",
                     lx_view_price(r->amount, r->currency), "currency", str_or_null(r->currency),
                     "payment", r->payment, "booking", done ? json_string(r->booking) : json_null(),
                     "booking_details", details ? details : json_null(), "fulfilled_choice",
                     done && r->fulfilled_choice >= 0 ? json_integer(r->fulfilled_choice)
                                                      : json_null(),
                     "refund", refund);
}
