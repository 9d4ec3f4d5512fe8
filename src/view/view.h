/* lanxang: the JSON shape of stations, trains and timetables, shared by the
 * command (--json) and the HTTP API so that both print exactly the same objects.
 *
 * Every function returns a new jansson reference (the caller owns it and releases it
 * with json_decref), or NULL when out of memory.
 *
 * Shapes (documented for users in docs/api.md):
 *  station:  {"id","feed","code","name","names":{"en","lo","zh"},"timezone",
 *             "country","lat","lon","km"(when known)}
 *  train:    {"train","trip_id","feed","route","agency","headsign","service_date",
 *             "from":station,"to":station,"departure","arrival","duration_minutes"}
 *            departure/arrival are ISO 8601 with the offset of the station's own zone,
 *            e.g. "2026-12-20T08:08:00+08:00".
 *  timetable: {"train","trip_id","feed","route","agency","headsign","service_date",
 *             "stops":[{"station":station,"arrival","departure","sequence",
 *             "pickup","drop_off"}]}   (arrival null at the first stop, departure
 *             null at the last)
 *  order:    {"order","state","train","trip_id","feed","service_date","date",
 *             "from":station,"to":station,"departure","arrival","class","seats":[label],
 *             "passengers":[{"name","document","seat"}],"price","currency",
 *             "created_at","expires_at","updated_at","payment"}
 *            date is the local date of departure at `from`; documents are masked to
 *            their last 4 characters; price is in the currency's main unit (null when
 *            unknown); expires_at is the deadline of a held or expired hold, else
 *            null; every
 *            time is ISO 8601 in the zone of the departure station (arrival: of the
 *            arrival station).
 */
#ifndef LX_VIEW_H
#define LX_VIEW_H

#include <jansson.h>
#include "lanxang/book.h"
#include "lanxang/ticket.h"
#include "lanxang/net.h"

/* Flags for json_dumps of every view, so the command and the API print the same text:
 * 15 significant digits print 102.689, not 102.68899999999999. */
#define LX_VIEW_JSON_FLAGS JSON_REAL_PRECISION(15)

/* The compact text of j, exactly json_dumps(j, JSON_COMPACT | LX_VIEW_JSON_FLAGS),
 * faster (dump.c); malloc'ed, *len (may be NULL) its length. NULL when out of memory
 * or when j is not an array or an object (as json_dumps). */
char *lx_view_dump(const json_t *j, size_t *len);

json_t *lx_view_station(const lx_net *net, lx_place p);
json_t *lx_view_leg(const lx_net *net, const lx_net_leg *leg);
json_t *lx_view_timetable(const lx_net *net, const lx_net_leg *run);
/* An order of the booking store (lanxang/book.h); stations and zones come from net
 * (a station no longer loaded is shown by id, its times in UTC). */
json_t *lx_view_order(const lx_net *net, const lx_book_order *o);
/* A decoded e-ticket, as `lanxang gate verify --json` and POST /api/v1/gate/scan show it
 * (times in UTC: a gate knows no stations' zones). */
json_t *lx_view_ticket(const lx_ticket *t);
/* "2026-12-20T01:08:00Z" into buf (at least 21 bytes). */
void lx_view_iso_utc(lx_instant_t t, char *buf, size_t n);
/* An order as a booking of the HTTP API: the order object with "id" (= "order"),
 * "state" in OSDM's words ("provisional" for held; confirmed, cancelled, expired,
 * refunded as they are) and "tickets": one per passenger, {"seat","name","document"}
 * (document masked). */
json_t *lx_view_booking(const lx_net *net, const lx_book_order *o);
/* OSDM's name of an order state ("provisional" for a hold). */
const char *lx_view_booking_state(lx_order_state s);
/* An amount in a currency's minor unit as a JSON number in its main unit (11150 CNY ->
 * 111.5, 120000 LAK -> 120000); null when amount < 0. */
json_t *lx_view_price(int64_t amount, const char *currency);
/* Writes a document number masked to its last 4 characters ("*****6789"). */
void lx_view_mask_document(const char *doc, char *buf, size_t n);

/* {"error":{"code","message","field"}} ; field may be NULL */
json_t *lx_view_error(lx_err e, const char *message, const char *field);

/* Resolves a station name for a request; on failure writes an English message into
 * msg ("no station named 'Vientain'; did you mean Vientiane?") and returns the error. */
lx_err lx_view_resolve(const lx_net *net, const char *name, lx_place *out, uint32_t cap,
                       uint32_t *n, char *msg, size_t msg_len);

/* The two stations of a search or a journey, resolved (lx_view_resolve): from's places
 * in a, to's in b. On failure msg says why and *field names the one at fault ("from",
 * "to"); *field is NULL on success. */
#define LX_VIEW_MAX_PLACES 32
typedef struct {
    lx_place a[LX_VIEW_MAX_PLACES], b[LX_VIEW_MAX_PLACES];
    uint32_t na, nb;
} lx_view_ends;
lx_err lx_view_resolve_ends(const lx_net *net, const char *from, const char *to, lx_view_ends *out,
                            char *msg, size_t msg_len, const char **field);
/* The trains between two named stations on a date, as a JSON array of train
 * objects, or an error with its message (msg) and the faulty field ("from", "to"). */
lx_err lx_view_trains(const lx_net *net, const char *from, const char *to, lx_date_t day,
                      json_t **out, char *msg, size_t msg_len, const char **field);
/* The departures from a named station on a date (each train to its last stop), as a
 * JSON array of train objects; errors as lx_view_resolve. */
lx_err lx_view_departures(const lx_net *net, const char *station, lx_date_t day, json_t **out,
                          char *msg, size_t msg_len);
/* The timetable of a train (public number or trip id) on a date: a JSON array of
 * timetable objects (one per run that day, usually one). */
lx_err lx_view_train_timetable(const lx_net *net, const char *train, lx_date_t day,
                               json_t **out, char *msg, size_t msg_len);

#endif
