/* lanxang: planned journeys (lanxang/plan.h) as JSON, shared by `lanxang plan --json`
 * and GET /api/v1/journeys, so that both ask the planner alike, refuse alike and
 * answer with the same array.
 *
 * Shape (documented for users in docs/api.md, "Journeys"):
 *  journey: {"departure","arrival" (ISO 8601 in the zone of the first station, of the
 *            last), "duration_minutes","transfers" (changes of train),
 *            "from":station,"to":station,
 *            "legs":[train object (view.h) + "date" (the local date of departure at
 *                    its from, as a booking names it) and, with a class,
 *                    "class","free","price","currency"],
 *            "changes":[{"station":station (where the leg before ends),
 *                        "to":station (where the next starts: differs after a walk),
 *                        "arrival","departure","wait_minutes","min_minutes",
 *                        "border","in_seat"}],
 *            with a class: "class","price","currency" (null when the legs are priced
 *            in several currencies) and "prices":[{"price","currency"}] (a sum per
 *            currency)}
 */
#ifndef LX_VIEW_PLAN_H
#define LX_VIEW_PLAN_H

#include "lanxang/book.h"
#include "lanxang/net.h"
#include "lanxang/plan.h"
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A journey search as a person asks for it. */
typedef struct {
    const char *from, *to;     /* station names or ids, of any feed */
    const char *date;          /* "YYYY-MM-DD": local date at from (at to with arrive_by) */
    const char *time;          /* "HH:MM" there */
    int arrive_by;             /* time is the latest arrival */
    const char *cls;           /* NULL or "": any journey; else only journeys with a free
                                  seat in this class on every leg now, priced */
    const char *window;        /* NULL or "": none; else minutes (0 .. 1440) of
                                  departures searched from time on (range search) */
    const char *max_transfers; /* NULL or "": the planner's default; else 0 .. 15 */
} lx_view_plan_ask;

/* Searches with q (over the plan it was made for, whose network is net) and answers
 * with the JSON array of the journeys found (maybe empty). book and now count the free
 * seats of a class (book may be NULL when no class is asked; with a class and no book,
 * every seat counts as free). On failure writes an English message and the field at
 * fault ("from", "to", "date", "time", "window", "max_transfers", "class") and returns
 * LX_INVAL, the resolver's LX_NOTFOUND or LX_AMBIGUOUS, or LX_NOMEM. */
lx_err lx_view_plan(const lx_net *net, lx_plan_query *q, lx_book *book, lx_instant_t now,
                    const lx_view_plan_ask *ask, json_t **out, char *msg, size_t msg_len,
                    const char **field);

/* One journey of the planner as JSON (the shape above); cls NULL: no prices. */
json_t *lx_view_plan_journey(const lx_net *net, const lx_plan_journey *j, const char *cls,
                             lx_book *book, lx_instant_t now);

/* A sum of prices in several currencies (a journey's legs are priced each in its own):
 * zero it, add each part, then lx_view_total_set. */
#define LX_VIEW_MAX_CURRENCIES 8
typedef struct {
    uint32_t n;
    int unknown; /* a part had no price */
    struct {
        char currency[4];
        int64_t amount; /* minor units */
    } sum[LX_VIEW_MAX_CURRENCIES];
} lx_view_total;
/* Adds amount (minor units of currency; < 0 or no currency: unknown). */
void lx_view_total_add(lx_view_total *t, int64_t amount, const char *currency);
/* Sets o's "price" and "currency" (the sum, or null when the parts are in several
 * currencies or one is unknown) and "prices": [{"price","currency"}], a sum per
 * currency. 0, or -1 when out of memory. */
int lx_view_total_set(json_t *o, const lx_view_total *t);

/* The class named (case-insensitive) among a trip's, as the feed spells it; NULL when
 * the trip has no such class (or no seat layout). */
const char *lx_view_trip_class(const lx_tt *tt, uint32_t trip, const char *name);

#endif
