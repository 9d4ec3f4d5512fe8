/* The journey a request names (see journey.h). */
#include "view/journey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lanxang/time.h"
#include "view/view.h"


uint32_t lx_view_trip_classes(const lx_tt *tt, uint32_t trip, const char **out, uint32_t cap)
{
    const lx_trip *tr = &lx_tt_trips(tt, NULL)[trip];
    uint32_t nl;
    const lx_layout *lay = lx_tt_layouts(tt, &nl);
    if (tr->layout == LX_NONE || tr->layout >= nl)
        return 0;
    const lx_coach *co = lx_tt_coaches(tt, NULL);
    uint32_t n = 0;
    for (uint32_t i = 0; i < lay[tr->layout].coach_count; i++) {
        const char *cls = co[lay[tr->layout].coach_first + i].cls;
        uint32_t k = 0;
        while (k < n && strcmp(out[k], cls))
            k++;
        if (k == n && n < cap)
            out[n++] = cls;
    }
    return n;
}

/* Whether trip is one of the trips numbered train in tt. */
static int trip_has_number(const lx_tt *tt, const char *train, uint32_t trip)
{
    uint32_t ids[64];
    uint32_t nt = lx_tt_trips_by_number(tt, train, ids, 64);
    for (uint32_t k = 0; k < nt && k < 64; k++)
        if (ids[k] == trip)
            return 1;
    return 0;
}

lx_err lx_view_journey(const lx_net *net, const char *train, const char *date, const char *from,
                       const char *to, lx_journey *j, char *msg, size_t msg_len,
                       const char **field)
{
    memset(j, 0, sizeof *j);
    lx_date_t day;
    *field = "date";
    if (!date || lx_date_parse(date, strlen(date), 1, &day) != LX_OK) {
        snprintf(msg, msg_len, "'%.40s' is not a date: use YYYY-MM-DD, e.g. 2026-12-20",
                 date ? date : "");
        return LX_INVAL;
    }
    lx_date_format(day, 1, j->date);
    lx_view_ends ends;
    lx_err e = lx_view_resolve_ends(net, from, to, &ends, msg, msg_len, field);
    if (e)
        return e;
    const lx_place *a = ends.a, *b = ends.b;
    uint32_t na = ends.na, nb = ends.nb;
    j->from_name = lx_tt_station_name(lx_net_feed(net, a[0].feed), a[0].station, "en");
    j->to_name = lx_tt_station_name(lx_net_feed(net, b[0].feed), b[0].station, "en");

    /* is there such a train at all? */
    *field = "train";
    uint32_t known = 0;
    for (uint32_t f = 0; f < lx_net_feed_count(net); f++)
        known += lx_tt_trips_by_number(lx_net_feed(net, f), train, NULL, 0);
    if (!known) {
        snprintf(msg, msg_len, "no train numbered '%.64s'", train);
        return LX_NOTFOUND;
    }

    uint32_t n = lx_net_legs_between(net, a, na, b, nb, day, NULL, 0);
    lx_net_leg *legs = malloc((n ? n : 1) * sizeof *legs);
    if (!legs) {
        snprintf(msg, msg_len, "out of memory");
        return LX_NOMEM;
    }
    lx_net_legs_between(net, a, na, b, nb, day, legs, n);
    int found = 0;
    for (uint32_t i = 0; i < n && !found; i++)
        if (trip_has_number(lx_net_feed(net, legs[i].feed), train, legs[i].leg.trip)) {
            j->leg = legs[i];
            found = 1;
        }
    if (!found) {
        /* the trains that do run there that day, so the next try can be right */
        char list[512] = "";
        size_t k = 0;
        for (uint32_t i = 0; i < n && i < 12 && k < sizeof list; i++) {
            const lx_tt *tt = lx_net_feed(net, legs[i].feed);
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
                                  lx_tt_train_number(tt, legs[i].leg.trip));
        }
        free(legs);
        if (!n)
            snprintf(msg, msg_len, "no train runs from %s to %s on %s", j->from_name, j->to_name,
                     j->date);
        else
            snprintf(msg, msg_len, "train %.64s does not run from %s to %s on %s; trains that do: %s%s",
                     train, j->from_name, j->to_name, j->date, list, n > 12 ? ", ..." : "");
        return LX_NOTFOUND;
    }
    free(legs);
    j->tt = lx_net_feed(net, j->leg.feed);
    j->train = lx_tt_train_number(j->tt, j->leg.leg.trip);
    const uint32_t *stop = lx_tt_st_stop(j->tt);
    j->from_name = lx_tt_station_name(j->tt, stop[j->leg.leg.from_pos], "en");
    j->to_name = lx_tt_station_name(j->tt, stop[j->leg.leg.to_pos], "en");
    j->n_classes =
        lx_view_trip_classes(j->tt, j->leg.leg.trip, j->classes, LX_JOURNEY_MAX_CLASSES);
    if (!j->n_classes) {
        snprintf(msg, msg_len, "train %s has no seat layout: its seats are not sold here",
                 j->train);
        return LX_NOTFOUND;
    }
    *field = NULL;
    return LX_OK;
}

lx_err lx_view_journey_class(const lx_journey *j, const char *name, const char **out, char *msg,
                             size_t msg_len)
{
    for (uint32_t i = 0; i < j->n_classes; i++)
        if (!strcasecmp(j->classes[i], name)) {
            *out = j->classes[i];
            return LX_OK;
        }
    char list[256] = "";
    size_t k = 0;
    for (uint32_t i = 0; i < j->n_classes && k < sizeof list; i++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", j->classes[i]);
    snprintf(msg, msg_len, "train %s has no class '%.32s'; its classes are %s", j->train, name,
             list);
    return LX_NOTFOUND;
}

const lx_fare *lx_view_fare(const lx_tt *tt, const lx_leg *leg, const char *cls)
{
    const uint32_t *stop = lx_tt_st_stop(tt);
    return lx_tt_journey_fare(tt, leg->trip, stop[leg->from_pos], stop[leg->to_pos], cls, NULL);
}

uint32_t lx_view_gate_station_ids(const lx_net *net, const char *name, const char **ids,
                                  uint32_t cap)
{
    uint32_t n = 0;
    ids[n++] = name;
    lx_place places[8];
    uint32_t np = 0;
    if (lx_net_resolve(net, name, places, 8, &np) == LX_NOTFOUND)
        return n;
    for (uint32_t i = 0; i < np && i < 8 && n + 2 <= cap; i++) {
        uint32_t ns;
        const lx_station *st = lx_tt_stations(lx_net_feed(net, places[i].feed), &ns);
        if (places[i].station >= ns)
            continue;
        const lx_station *s = &st[places[i].station];
        ids[n++] = s->id;
        if (s->parent != LX_NONE && s->parent < ns)
            ids[n++] = st[s->parent].id;
    }
    return n;
}

static const lx_tz *departure_zone(const lx_tt *tt, const lx_leg *leg)
{
    return lx_tt_stations(tt, NULL)[lx_tt_st_stop(tt)[leg->from_pos]].tz;
}

json_t *lx_view_sales(const lx_tt *tt, const lx_leg *leg, const lx_inv_sales *si)
{
    const lx_tz *tz = departure_zone(tt, leg);
    char open_at[32], close_at[32];
    lx_tz_format_iso(tz, si->close_at, close_at);
    if (si->open_at)
        lx_tz_format_iso(tz, si->open_at, open_at);
    const char *rule = lx_inv_rule_name(si->rule);
    return json_pack("{s:b, s:o, s:o, s:s, s:I}", "open", si->rule == LX_INV_RULE_NONE, "rule",
                     *rule ? json_string(rule) : json_null(), "open_at",
                     si->open_at ? json_string(open_at) : json_null(), "close_at", close_at,
                     "max_passengers", (json_int_t)si->max_passengers);
}

void lx_view_rule_message(const lx_journey *j, const lx_inv_sales *si, char *msg, size_t msg_len)
{
    const lx_tz *tz = departure_zone(j->tt, &j->leg.leg);
    char at[32];
    lx_instant_t dep = j->leg.leg.departure;
    switch (si->rule) {
    case LX_INV_RULE_SALES_OPEN:
        lx_tz_format_iso(tz, si->open_at, at);
        snprintf(msg, msg_len,
                 "sales for %s on %s from %s open at %s, %lld days before departure "
                 "(rule sales_open)",
                 j->train, j->date, j->from_name, at, (long long)((dep - si->open_at) / 86400));
        break;
    case LX_INV_RULE_SALES_CLOSE:
        lx_tz_format_iso(tz, si->close_at, at);
        snprintf(msg, msg_len,
                 "sales for %s on %s from %s closed at %s, %lld minutes before departure "
                 "(rule sales_close)",
                 j->train, j->date, j->from_name, at, (long long)((dep - si->close_at) / 60));
        break;
    case LX_INV_RULE_MAX_PASSENGERS:
        snprintf(msg, msg_len,
                 "an order on %s takes at most %u passengers; book the others in another "
                 "order (rule max_passengers)",
                 j->train, si->max_passengers);
        break;
    case LX_INV_RULE_DEPARTED:
        snprintf(msg, msg_len, "sales are closed for %s %s from %s: the train has left",
                 j->train, j->date, j->from_name);
        break;
    default:
        snprintf(msg, msg_len, "refused by a sales rule");
    }
}

void lx_view_hold_refusal(lx_book *b, const lx_journey *j, uint32_t n, lx_err e,
                          lx_instant_t now, lx_inv_sales *si, char *rule, size_t rule_len,
                          char *msg, size_t msg_len)
{
    *si = (lx_inv_sales){LX_INV_RULE_NONE, 0, 0, 0};
    lx_err ce = lx_book_sales_check(b, j->leg.feed, &j->leg.leg, n, now, si);
    if (ce != LX_RULE && ce != LX_CLOSED)
        si->rule = e == LX_CLOSED ? LX_INV_RULE_DEPARTED : LX_INV_RULE_NONE;
    if (si->rule != LX_INV_RULE_NONE || !*msg) {
        lx_view_rule_message(j, si, msg, msg_len);
        snprintf(rule, rule_len, "%s", lx_inv_rule_name(si->rule));
        return;
    }
    /* the store's own rule: its message ends "(rule NAME)" */
    const char *at = strstr(msg, "(rule ");
    size_t len = at ? strcspn(at + 6, ")") : 0;
    snprintf(rule, rule_len, "%.*s", (int)len, at ? at + 6 : "");
}
