/* lanxang: the seat map of a journey — which seats of a train can be sold from one
 * station to another now — as the HTTP API (GET /api/v1/trains/{train}/seats) and the
 * command (`lanxang seats --json`) both print it:
 *
 *   {"train","date","from":station,"to":station,
 *    "classes":[{"class","free","coaches":[{"coach","seats":[
 *        {"seat":"03-05A","row","letter","window","aisle","free","quota"}]}]}]}
 *
 * A seat is `free` when it can be sold to this journey at `now`: free over the whole
 * stretch and open to the journey under its quota (lx_inv_seat_sellable); `quota` is
 * null, "cross_border" or "long_distance". A class's `free` counts its free seats (the
 * number offers and `lanxang avail` give). The seats come from the booking store
 * (lx_book_seat_map), the journey from src/view/journey.c, so the map refuses the same
 * requests as a booking, with the same messages. */
#ifndef LX_VIEW_SEATS_H
#define LX_VIEW_SEATS_H

#include <jansson.h>
#include "lanxang/book.h"
#include "view/journey.h"

/* Resolves the journey (lx_view_journey) and, when cls is neither NULL nor "", the one
 * class asked for (*one; else NULL). Errors and *field as lx_view_journey, and
 * LX_NOTFOUND with field "class" for a class the train does not have. */
lx_err lx_view_seat_journey(const lx_net *net, const char *train, const char *date,
                            const char *from, const char *to, const char *cls,
                            lx_journey *j, const char **one, char *msg, size_t msg_len,
                            const char **field);

/* The seat map object of journey j from the run's seats (lx_book_seat_map), of class
 * one only (NULL: every class). A new reference, NULL when out of memory. */
json_t *lx_view_seat_map(const lx_net *net, const lx_journey *j, const char *one,
                         const lx_book_seat *seats, uint32_t n);

/* "cross_border", "long_distance", or NULL for a seat without a quota. */
const char *lx_view_quota_name(unsigned quota);

#endif
