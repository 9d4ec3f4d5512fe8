/* lanxang: the waitlist's requests (lanxang/waitlist.h) as the command
 * (`lanxang waitlist --json`) and the HTTP API (src/server/api_wait.c) both show them,
 * and the choices of a new request resolved the same way for both.
 *
 * A request as told: {"id","state","created_at","updated_at","from","to",
 * "passengers":[{"name","document" (masked),"document_type","birth_date"}],
 * "choices":[{"train","trip_id","date","class","departure","sales_close"}],
 * "amount","currency","payment","booking": null or the booking's id,
 * "booking_details": null or the booking, "fulfilled_choice": null or an index,
 * "refund": null or {"amount","currency","at"}}; times in the zone of the departure
 * station (UTC when it is no longer loaded), as bookings (docs/api.md). */
#ifndef LX_VIEW_WAIT_H
#define LX_VIEW_WAIT_H

#include "lanxang/book.h"
#include "lanxang/net.h"
#include "lanxang/waitlist.h"
#include "view/journey.h"
#include <jansson.h>

/* The order a fulfilled request sold, read into *buf: buf, or NULL when the request is
 * not fulfilled or its order is not found. */
const lx_book_order *lx_view_wait_order(lx_book *b, const lx_wait_req *r, lx_book_order *buf);

/* The request as JSON (above), with its booking o (lx_view_wait_order; may be NULL).
 * A new reference, or NULL when out of memory. */
json_t *lx_view_waitlist(const lx_net *net, const lx_wait_req *r, const lx_book_order *o);

/* One choice of a new request: TRAIN on DATE from FROM to TO in class CLS, resolved
 * (lx_view_journey, lx_view_journey_class) into *j and the choice's feed, leg and class
 * (as the feed spells it) in *c. On failure: the error, msg and *field as
 * lx_view_journey says them ("class" when the class is at fault). */
lx_err lx_view_wait_choice(const lx_net *net, const char *train, const char *date, const char *from,
                           const char *to, const char *cls, lx_journey *j, lx_wait_choice *c,
                           char *msg, size_t msg_len, const char **field);

#endif
