/* The seat map over HTTP:
 *
 *   GET /api/v1/trains/{train}/seats?date&from&to[&class]
 *
 * The journey is resolved as a booking resolves it (src/view/journey.c), the seats are
 * read from the booking store under the run's lock (lx_book_seat_map) and shown by
 * src/view/seats.c, as `lanxang seats --json` shows them. A seat is free when it can be
 * sold to this journey now (the engine's lx_inv_seat_sellable: free over the stretch
 * and open to it under its quota). */
#include "api_int.h"

#include <stdlib.h>

#include "view/seats.h"

lx_err lx_api_h_seats(const req *r, lx_srv_resp *resp)
{
    const lx_api *api = r->api;
    const char *from = lx_api_param(r, "from"), *to = lx_api_param(r, "to");
    const char *date = lx_api_param(r, "date"), *cls = lx_api_param(r, "class");
    if (!date || !*date)
        return lx_api_missing(resp, "date");
    if (!from || !*from)
        return lx_api_missing(resp, "from");
    if (!to || !*to)
        return lx_api_missing(resp, "to");
    lx_err err;
    if (!lx_api_want_book(r, resp, &err))
        return err;
    lx_journey j;
    const char *one, *field = NULL;
    char msg[1024] = "";
    lx_err e = lx_view_seat_journey(api->net, r->arg[0], date, from, to, cls, &j, &one, msg,
                                    sizeof msg, &field);
    if (e)
        return e == LX_NOMEM ? e : lx_api_reply_errorf(resp, e, field, "%s", msg);
    lx_book_seat *seats;
    uint32_t n;
    e = lx_book_seat_map(api->book, j.leg.feed, &j.leg.leg, lx_api_now(api), &seats, &n);
    if (e)
        return e == LX_NOMEM ? e
                             : lx_api_reply_errorf(resp, e, NULL, "the seats of %s on %s: %s",
                                                   j.train, j.date, lx_strerror(e));
    json_t *map = lx_view_seat_map(api->net, &j, one, seats, n);
    free(seats);
    return lx_api_reply(resp, 200, map);
}
