/* lanxang: the journey a request names — train, date, from, to, class — resolved over
 * the loaded network into one leg of one run, with the classes of its seat layout and
 * the fare of one passenger. Shared by the selling commands (src/cli/cmd_inv.c) and the
 * booking API (src/server/api_book.c), so that both refuse the same requests with the
 * same messages and the same field at fault.
 *
 * Every function only reads the network; pointers written into an lx_journey point
 * into the network and stay valid as long as it does. */
#ifndef LX_VIEW_JOURNEY_H
#define LX_VIEW_JOURNEY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "lanxang/book.h"
#include "lanxang/inv.h"
#include "lanxang/net.h"

#define LX_JOURNEY_MAX_CLASSES 16

typedef struct {
    lx_net_leg leg;
    const lx_tt *tt;
    char date[11];                   /* the date asked for, "YYYY-MM-DD" */
    const char *train;               /* public number */
    const char *from_name, *to_name; /* in English, for messages */
    const char *classes[LX_JOURNEY_MAX_CLASSES];
    uint32_t n_classes;
} lx_journey;

/* Resolves TRAIN (number or trip_id) on DATE ("YYYY-MM-DD", the local date at FROM)
 * from FROM to TO (station names) into one leg of a train with a seat layout. On
 * failure writes an English message (listing the trains that do run there, when the
 * train does not) and the field at fault ("date", "from", "to", "train"), and returns
 * LX_INVAL (date), the station resolver's error, LX_NOTFOUND or LX_NOMEM. */
lx_err lx_view_journey(const lx_net *net, const char *train, const char *date, const char *from,
                       const char *to, lx_journey *j, char *msg, size_t msg_len,
                       const char **field);

/* The class named (case-insensitive) among the journey's: *out points to the class as
 * the feed spells it. LX_NOTFOUND (with the classes it has in msg) otherwise. */
lx_err lx_view_journey_class(const lx_journey *j, const char *name, const char **out, char *msg,
                             size_t msg_len);

/* The classes of a trip in the order they first appear in its seat layout (as the
 * engine numbers them); 0 when the trip has no layout. */
uint32_t lx_view_trip_classes(const lx_tt *tt, uint32_t trip, const char **out, uint32_t cap);

/* The fare of one passenger on a leg in a class: the train's agency first, in the
 * currency of the departure station's country first. NULL when the feed has none. */
const lx_fare *lx_view_fare(const lx_tt *tt, const lx_leg *leg, const char *cls);

/* The stop ids a gate's station stands for, as a ticket names its stations: the name
 * as given (a stop_id) first, then each station it resolves to over the network and
 * that station's parent. Writes up to cap (at least 1) into ids (pointers into the
 * timetables and into name); returns how many. */
#define LX_VIEW_GATE_IDS 16
uint32_t lx_view_gate_station_ids(const lx_net *net, const char *name, const char **ids,
                                  uint32_t cap);

/* The message of a sales rule's refusal (lanxang/inv.h lx_inv_sales) of an order on
 * the journey, with the times in the departure station's zone: "sales for C86 on
 * 2026-12-20 from Vientiane open at 2026-12-17T07:00:00+07:00, 3 days before
 * departure". */
void lx_view_rule_message(const lx_journey *j, const lx_inv_sales *si, char *msg, size_t msg_len);
/* Why a hold of n passengers on the journey was refused with e, LX_RULE or LX_CLOSED,
 * for the command and the API alike. A sales rule of the operator (lx_book_sales_check:
 * opening, closing, passengers per order, departed) fills *si and writes its message
 * here; a rule of the store's own (real names, selling side) leaves si->rule none and
 * msg as the store wrote it, ending "(rule NAME)". rule gets the rule's name. */
void lx_view_hold_refusal(lx_book *b, const lx_journey *j, uint32_t n, lx_err e,
                          lx_instant_t now, lx_inv_sales *si, char *rule, size_t rule_len,
                          char *msg, size_t msg_len);
/* The sales rules of a leg as JSON, times in its departure station's zone:
 * {"open": true when si->rule is none, "rule": the refusing rule or null, "open_at":
 * ISO or null (no limit), "close_at": ISO, "max_passengers": n}. */
json_t *lx_view_sales(const lx_tt *tt, const lx_leg *leg, const lx_inv_sales *si);

#endif
