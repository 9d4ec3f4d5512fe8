/* A scan at a gate with the data directory at hand: what the signature proves
 * (lx_ticket_verify), then what only the booking store knows — whether the order is
 * still confirmed with this passenger's seat — and the check-in that makes a second use
 * refused. The order of checks matters: a ticket that is refused for any other reason
 * records no check-in, so a passenger sent to the right gate is not then told the
 * ticket was used. */
#include "lanxang/ticket.h"

#include <stdio.h>
#include <string.h>

static const char *utc(lx_instant_t t, char *buf, size_t n)
{
    lx_date_t day = (lx_date_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
    int32_t secs = (int32_t)(t - (lx_instant_t)day * 86400);
    char date[11];
    lx_date_format(day, 1, date);
    snprintf(buf, n, "%sT%02d:%02d:%02dZ", date, secs / 3600, secs / 60 % 60, secs % 60);
    return buf;
}

lx_err lx_ticket_gate(lx_store *s, lx_book *b, const uint8_t pk[LX_TICKET_PK_LEN],
                      const char *payload, const lx_ticket_check *check, const char *station,
                      lx_instant_t now, lx_ticket_result *result, lx_ticket *out,
                      lx_instant_t *first_at, char *msg, size_t msg_len)
{
    char dummy[8];
    if (!msg)
        msg = dummy, msg_len = sizeof dummy;
    *msg = 0;
    lx_ticket scratch;
    lx_ticket *t = out ? out : &scratch;
    char a[32], z[32];
    lx_ticket_result r = lx_ticket_verify(payload, strlen(payload), pk, now, check, t);
    *result = r;
    switch (r) {
    case LX_TICKET_ACCEPTED:
        break;
    case LX_TICKET_MALFORMED:
        snprintf(msg, msg_len, "not a lanxang ticket (malformed payload)");
        return LX_OK;
    case LX_TICKET_BAD_SIGNATURE:
        snprintf(msg, msg_len, "the signature does not match: forged, altered, or signed with "
                               "another key");
        return LX_OK;
    case LX_TICKET_WRONG_STATION:
        snprintf(msg, msg_len, "ticket %s/%u is for a journey from %s, not from this station",
                 t->order, t->index + 1, t->from_stop);
        return LX_OK;
    case LX_TICKET_WRONG_TRAIN:
        snprintf(msg, msg_len, "ticket %s/%u is for train %s", t->order, t->index + 1, t->train);
        return LX_OK;
    case LX_TICKET_WRONG_DATE: {
        char d[11];
        lx_date_format(t->service_day, 1, d);
        snprintf(msg, msg_len, "ticket %s/%u is for the train of %s", t->order, t->index + 1, d);
        return LX_OK;
    }
    case LX_TICKET_TOO_EARLY:
        snprintf(msg, msg_len, "ticket %s/%u: too early, train %s departs at %s", t->order,
                 t->index + 1, t->train, utc(t->departure, a, sizeof a));
        return LX_OK;
    case LX_TICKET_TOO_LATE:
        snprintf(msg, msg_len, "ticket %s/%u: no longer valid, train %s arrived at %s", t->order,
                 t->index + 1, t->train, utc(t->arrival, z, sizeof z));
        return LX_OK;
    default:
        snprintf(msg, msg_len, "refused: %s", lx_ticket_result_code(r));
        return LX_OK;
    }

    /* the order as the store knows it now */
    lx_err e = lx_book_refresh(b);
    if (e)
        return e;
    lx_book_order o;
    e = lx_book_get(b, t->order, &o);
    if (e == LX_NOTFOUND) {
        *result = LX_TICKET_UNKNOWN_ORDER;
        snprintf(msg, msg_len, "no order %s in this data directory", t->order);
        return LX_OK;
    }
    if (e)
        return e;
    if (o.state != LX_ORDER_CONFIRMED) {
        *result = LX_TICKET_NOT_VALID;
        snprintf(msg, msg_len, "order %s is %s: its tickets are no longer valid", o.id,
                 lx_order_state_name(o.state));
        return LX_OK;
    }
    if (t->index >= o.n || t->count != o.n || strcmp(o.seats[t->index], t->seat) != 0 ||
        strcmp(o.from_stop, t->from_stop) != 0 || strcmp(o.to_stop, t->to_stop) != 0 ||
        strcmp(o.feed, t->feed) != 0 || o.service_day != t->service_day) {
        *result = LX_TICKET_NOT_VALID;
        snprintf(msg, msg_len, "order %s changed since ticket %u was issued: print it again",
                 o.id, t->index + 1);
        return LX_OK;
    }

    lx_instant_t first = 0;
    char where[64] = "";
    e = lx_store_checkin(s, t->order, t->index, now, station, &first, where, sizeof where);
    if (e == LX_CONFLICT) {
        *result = LX_TICKET_ALREADY_USED;
        if (first_at)
            *first_at = first;
        snprintf(msg, msg_len, "already used: ticket %s/%u was checked in at %s%s%s", t->order,
                 t->index + 1, utc(first, a, sizeof a), *where ? " at " : "", where);
        return LX_OK;
    }
    return e;
}
