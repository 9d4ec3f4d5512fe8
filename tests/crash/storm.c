/* storm: a booking storm to be killed, and the check that nothing acknowledged was lost.
 *
 *   lx_storm --data DIR [--threads K] [--base UNIX] [--t0 UNIX] [--acks ACKFILE]
 *            [--kill-in-pass]
 *       sells until killed: K threads (default 4) sell seats on a few trains of the
 *       built-in railway (mostly sales paid at once, some holds later confirmed or
 *       cancelled, some refunds). Before acting on an existing order it writes
 *       "TRY <id> <op>", and after every acknowledged operation (lx_book_* returned
 *       LX_OK, so the change is on disk) "ACK <id> <state>", each line with one
 *       write(2) to stdout, which the caller appends to a file.
 *       Beside them, the waitlist (lanxang/waitlist.h, one lx_wait shared by every
 *       thread, as the server has): a waiter thread keeps one class of one run full
 *       (the target: the storm's smallest class, whole run; its own sales "FILL <id>"),
 *       makes prepaid requests for it (sometimes with a second choice on another train)
 *       and runs the pass after each, as the server does; it refunds some of its sales
 *       and some waitlist tickets, each followed by a pass; it withdraws some requests;
 *       and it watches its requests. Its lines: "WAIT <id> <booking> <amount> <n>"
 *       (lx_wait_add returned LX_OK: <booking> is the order id reserved for it),
 *       "WTRY <id> cancel" then "WCAN <id>" (lx_wait_cancel returned LX_OK), "WFUL <id>
 *       <booking>" (lx_wait_get showed it fulfilled, followed by "ACK <booking>
 *       <state>" so the ticket is checked like any order). A pass thread runs
 *       lx_wait_run every 2 ms besides. --acks names the file of earlier rounds, from
 *       which the waiter takes back its sales, open requests and waitlist tickets.
 *       --kill-in-pass: once a few passes that sold were timed, the waiter refunds a
 *       seat, runs the pass itself (the pass thread idle) and the process SIGKILLs
 *       itself as soon as the pass's sale is acknowledged (the booking reserved for an
 *       open request is there), before or while the request's row is written; or,
 *       when the pass sells nothing, twice a pass's time after it began.
 *   lx_storm --data DIR --verify ACKFILE [--base UNIX] [--t0 UNIX]
 *       reopens the data directory and proves that every acknowledged order is there,
 *       in its last acknowledged state (or in the state the one operation tried after
 *       it gives, which may have committed just before the kill), that a refunded one
 *       kept a fee between 0 and its price, that no seat is sold twice among them (and
 *       the waitlist's tickets), and that lx_book_check is clean. Then the waitlist:
 *       every acknowledged request is there, with its reserved booking, amount and
 *       passengers; a withdrawn one is cancelled; one seen fulfilled still is, with the
 *       same booking; a fulfilled one's booking exists, paid "waitlist:<id>", with the
 *       request's passengers and choice, confirmed or refunded; a cancelled or refunded
 *       one has no booking sold; the money adds up (refund + ticket price = prepaid,
 *       refund = prepaid when nothing was sold). An open one whose booking exists was
 *       sold by a pass killed before its row said so: the pass that verify then runs (as
 *       a restarted server would) must mark it fulfilled from that booking and sell
 *       nothing twice (each fulfilled request keeps its booking, no booking serves two).
 *       Exit 0, or 1 with the findings.
 *
 * Time: the storm's "now" is base + (time(NULL) - t0), so that runs killed and
 * restarted keep a clock that only moves forward; base defaults to the day before the
 * trains it sells (2026-12-19T10:00:00+07:00). */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lanxang/book.h"
#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "lanxang/store.h"
#include "lanxang/waitlist.h"

#define BASE_DEFAULT 1797649200LL /* 2026-12-19T10:00:00+07:00 */
#define MAX_JOURNEY_TRIPS 8
#define MAX_CLASSES 8
#define KEEP 4096                 /* orders a thread remembers to act on later */

static const char *const storm_trains[] = {"C82", "C81", "K11", "K12", "C86"};
#define N_TRAINS (sizeof storm_trains / sizeof *storm_trains)

typedef struct {
    uint32_t feed;
    lx_leg run;                   /* the whole run of the trip on the day */
    uint32_t first, last;         /* stop time indexes */
    const char *classes[MAX_CLASSES];
    uint32_t caps[MAX_CLASSES];   /* seats of each class */
    uint32_t n_classes;
} storm_trip;

typedef struct {
    lx_book *book;
    lx_wait *wait;                /* one for the process, as the server has */
    const lx_net *net;
    storm_trip trips[MAX_JOURNEY_TRIPS];
    uint32_t n_trips;
    long long base, t0;
    uint32_t target, target_cls;  /* the waitlist's run (trips[]) and class (classes[]) */
    uint32_t alt, alt_cls;        /* a request's second choice */
    const char *acks;             /* --acks: what earlier rounds acknowledged */
    int kill_in_pass;
    /* --kill-in-pass: the bookings reserved for the open requests, and the
     * CLOCK_MONOTONIC ns to die at if none of them is sold first (0: not armed) */
    char watch[64][LX_BOOK_ID_LEN];
    uint32_t n_watch;
    atomic_llong kill_at;
} storm;

static lx_instant_t storm_now(const storm *s) { return s->base + ((long long)time(NULL) - s->t0); }

/* one line, one write(2): whole or not at all in the file */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0 && n < (int)sizeof line) {
        ssize_t w = write(STDOUT_FILENO, line, (size_t)n);
        (void)w;
    }
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

typedef struct {
    char id[LX_BOOK_ID_LEN];
} idbuf;

typedef struct {
    storm *s;
    int no;
    idbuf held[KEEP], sold[KEEP];
    uint32_t n_held, n_sold;
} worker;

static void keep(idbuf *list, uint32_t *n, const char *id)
{
    if (*n == KEEP) { /* forget the oldest half */
        memmove(list, list + KEEP / 2, (KEEP / 2) * sizeof *list);
        *n = KEEP / 2;
    }
    snprintf(list[(*n)++].id, LX_BOOK_ID_LEN, "%s", id);
}

static void take(idbuf *list, uint32_t *n, uint32_t i, char *out)
{
    memcpy(out, list[i].id, LX_BOOK_ID_LEN);
    list[i] = list[--*n];
}

/* The journey from stop time a to b of a trip's run. */
static lx_leg leg_of(const storm *s, const storm_trip *t, uint32_t a, uint32_t b)
{
    const lx_tt *tt = lx_net_feed(s->net, t->feed);
    lx_leg leg = t->run;
    leg.from_pos = a;
    leg.to_pos = b;
    leg.departure = lx_tt_st_instant(tt, &t->run, a, 1);
    leg.arrival = lx_tt_st_instant(tt, &t->run, b, 0);
    return leg;
}

static void *sell(void *arg)
{
    worker *w = arg;
    storm *s = w->s;
    uint64_t x = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)getpid() << 20) ^ (uint64_t)w->no * 7919;
    char owner[32];
    snprintf(owner, sizeof owner, "storm-%d", w->no);
    for (;;) {
        uint32_t r = (uint32_t)(rnd(&x) % 100);
        lx_book_order o;
        char msg[256];
        char id[LX_BOOK_ID_LEN];
        if (r < 75 || (r < 92 && !w->n_held) || (r >= 92 && !w->n_sold)) {
            /* a sale (r < 55) or a hold: a random stretch of a random train */
            const storm_trip *t = &s->trips[rnd(&x) % s->n_trips];
            uint32_t span = t->last - t->first;
            uint32_t a = t->first + (uint32_t)(rnd(&x) % span);
            uint32_t b = a + 1 + (uint32_t)(rnd(&x) % (t->last - a));
            lx_book_req req;
            memset(&req, 0, sizeof req);
            req.feed = t->feed;
            req.leg = leg_of(s, t, a, b);
            uint32_t c = (uint32_t)(rnd(&x) % t->n_classes);
            if (t == &s->trips[s->target] && c == s->target_cls) /* the waiter's */
                c = (c + 1) % t->n_classes;
            req.cls = t->classes[c];
            req.n = 1 + (uint32_t)(rnd(&x) % 3);
            for (uint32_t i = 0; i < req.n; i++) {
                snprintf(req.pax[i].name, sizeof req.pax[i].name, "Storm Rider %u", (unsigned)i);
                snprintf(req.pax[i].document, sizeof req.pax[i].document, "S%07u",
                         (unsigned)(rnd(&x) % 10000000));
            }
            req.pref = (lx_seat_pref)(rnd(&x) % 3);
            req.owner = owner;
            req.confirm = r < 55;
            if (lx_book_hold(s->book, &req, storm_now(s), &o, msg, sizeof msg) == LX_OK) {
                say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
                if (o.state == LX_ORDER_CONFIRMED)
                    keep(w->sold, &w->n_sold, o.id);
                else
                    keep(w->held, &w->n_held, o.id);
            }
        } else if (r < 87) { /* confirm a hold */
            take(w->held, &w->n_held, (uint32_t)(rnd(&x) % w->n_held), id);
            say("TRY %s confirm\n", id);
            if (lx_book_confirm(s->book, id, owner, "STORM", storm_now(s), &o, msg, sizeof msg) ==
                LX_OK) {
                say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
                keep(w->sold, &w->n_sold, o.id);
            }
        } else if (r < 92) { /* cancel a hold */
            take(w->held, &w->n_held, (uint32_t)(rnd(&x) % w->n_held), id);
            say("TRY %s cancel\n", id);
            if (lx_book_cancel(s->book, id, owner, storm_now(s), &o, msg, sizeof msg) == LX_OK)
                say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
        } else { /* refund a sale */
            take(w->sold, &w->n_sold, (uint32_t)(rnd(&x) % w->n_sold), id);
            say("TRY %s refund\n", id);
            if (lx_book_refund(s->book, id, owner, storm_now(s), &o, msg, sizeof msg) == LX_OK)
                say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
        }
    }
    return NULL;
}

/* ---- the waitlist ---- */

#define WAIT_OWNER "storm-wait"
#define WAIT_OPEN_MAX 8           /* open requests the waiter keeps at once */

typedef struct {
    storm *s;
    uint64_t x;
    idbuf fill[KEEP], reqs[KEEP], tickets[KEEP]; /* its sales, open requests, waitlist tickets */
    uint32_t n_fill, n_reqs, n_tickets;
    uint32_t serial;
    long long pass_ns;            /* time of the passes that sold, summed */
    uint32_t passes_timed;
} waiter;

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static lx_leg whole_run(const storm *s, uint32_t trip)
{
    const storm_trip *t = &s->trips[trip];
    return leg_of(s, t, t->first, t->last);
}

/* The waiter's sales, open requests and tickets of earlier rounds, from their file. */
static void wait_resume(waiter *wt)
{
    storm *s = wt->s;
    FILE *f = s->acks ? fopen(s->acks, "r") : NULL;
    if (!f)
        return;
    char buf[256], kind[8], id[64], booking[64];
    while (fgets(buf, sizeof buf, f)) {
        int k = strchr(buf, '\n') ? sscanf(buf, "%7s %63s %63s", kind, id, booking) : 0;
        if (k < 2 || strlen(id) >= LX_BOOK_ID_LEN)
            continue;
        lx_book_order o;
        lx_wait_req r;
        if (!strcmp(kind, "FILL") && lx_book_get(s->book, id, &o) == LX_OK &&
            o.state == LX_ORDER_CONFIRMED)
            keep(wt->fill, &wt->n_fill, id);
        else if (!strcmp(kind, "WAIT") && lx_wait_get(s->wait, id, &r) == LX_OK &&
                 r.state == LX_WAIT_OPEN)
            keep(wt->reqs, &wt->n_reqs, id);
        else if (!strcmp(kind, "WFUL") && k == 3 && strlen(booking) < LX_BOOK_ID_LEN &&
                 lx_book_get(s->book, booking, &o) == LX_OK && o.state == LX_ORDER_CONFIRMED)
            keep(wt->tickets, &wt->n_tickets, booking);
    }
    fclose(f);
}

/* Sells the target's free seats (whole run) to the waiter: the class stays full. */
static void wait_fill(waiter *wt)
{
    storm *s = wt->s;
    const storm_trip *t = &s->trips[s->target];
    for (int k = 0; k < 64; k++) {
        lx_book_req req;
        memset(&req, 0, sizeof req);
        req.feed = t->feed;
        req.leg = whole_run(s, s->target);
        req.cls = t->classes[s->target_cls];
        uint32_t free_seats = 0;
        if (lx_book_avail(s->book, req.feed, &req.leg, req.cls, storm_now(s), &free_seats) ||
            !free_seats)
            return;
        req.n = 1 + (uint32_t)(rnd(&wt->x) % 2);
        if (req.n > free_seats)
            req.n = free_seats;
        for (uint32_t i = 0; i < req.n; i++) {
            snprintf(req.pax[i].name, sizeof req.pax[i].name, "Full Rider %u", (unsigned)i);
            snprintf(req.pax[i].document, sizeof req.pax[i].document, "F%07u",
                     (unsigned)(rnd(&wt->x) % 10000000));
        }
        req.owner = WAIT_OWNER;
        req.confirm = 1;
        lx_book_order o;
        char msg[256];
        if (lx_book_hold(s->book, &req, storm_now(s), &o, msg, sizeof msg) == LX_OK) {
            say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
            say("FILL %s\n", o.id);
            keep(wt->fill, &wt->n_fill, o.id);
        }
    }
}

/* A pass, as the server runs one after a change; timed when it sold. With
 * --kill-in-pass, once a few were timed, the process dies inside one. */
static void wait_pass(waiter *wt, int seats_back)
{
    storm *s = wt->s;
    lx_wait_stats st;
    long long t = mono_ns();
    if (s->kill_in_pass && seats_back && wt->passes_timed >= 3 && wt->n_reqs) {
        long long avg = wt->pass_ns / wt->passes_timed;
        s->n_watch = 0;
        for (uint32_t i = 0; i < wt->n_reqs && s->n_watch < 64; i++) {
            lx_wait_req r;
            if (lx_wait_get(s->wait, wt->reqs[i].id, &r) == LX_OK)
                memcpy(s->watch[s->n_watch++], r.booking, LX_BOOK_ID_LEN);
        }
        fprintf(stderr, "storm: dying inside a waitlist pass, as soon as it sells (one that "
                        "sold took %lld us)\n", avg / 1000);
        atomic_store(&s->kill_at, mono_ns() + 2 * avg);
        t = mono_ns();
    }
    if (lx_wait_run(s->wait, storm_now(s), &st) == LX_OK && st.fulfilled) {
        wt->pass_ns += mono_ns() - t;
        wt->passes_timed++;
    }
}

/* What became of the open requests: a fulfilled one's ticket is acknowledged. */
static void wait_watch(waiter *wt)
{
    storm *s = wt->s;
    for (uint32_t i = 0; i < wt->n_reqs;) {
        lx_wait_req r;
        lx_book_order o;
        if (lx_wait_get(s->wait, wt->reqs[i].id, &r) != LX_OK || r.state == LX_WAIT_OPEN) {
            i++;
            continue;
        }
        if (r.state == LX_WAIT_FULFILLED && lx_book_get(s->book, r.booking, &o) == LX_OK) {
            say("WFUL %s %s\n", r.id, r.booking);
            say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
            if (o.state == LX_ORDER_CONFIRMED)
                keep(wt->tickets, &wt->n_tickets, o.id);
        }
        char gone[LX_BOOK_ID_LEN];
        take(wt->reqs, &wt->n_reqs, i, gone);
    }
}

static void wait_add(waiter *wt)
{
    storm *s = wt->s;
    lx_wait_req r;
    memset(&r, 0, sizeof r);
    r.n = 1 + (uint32_t)(rnd(&wt->x) % 2);
    for (uint32_t i = 0; i < r.n; i++) {
        snprintf(r.pax[i].name, sizeof r.pax[i].name, "Waiting Rider %u", ++wt->serial);
        snprintf(r.pax[i].document, sizeof r.pax[i].document, "W%07u",
                 (unsigned)(rnd(&wt->x) % 10000000));
    }
    r.n_choices = 1 + (rnd(&wt->x) % 3 == 0);
    r.choices[0].feed = s->trips[s->target].feed;
    r.choices[0].leg = whole_run(s, s->target);
    snprintf(r.choices[0].cls, sizeof r.choices[0].cls, "%s",
             s->trips[s->target].classes[s->target_cls]);
    r.choices[1].feed = s->trips[s->alt].feed;
    r.choices[1].leg = whole_run(s, s->alt);
    snprintf(r.choices[1].cls, sizeof r.choices[1].cls, "%s", s->trips[s->alt].classes[s->alt_cls]);
    snprintf(r.payment, sizeof r.payment, "prepaid-%ld-%u", (long)getpid(), wt->serial);
    lx_wait_refusal why;
    char msg[256];
    if (lx_wait_add(s->wait, &r, storm_now(s), &why, msg, sizeof msg) == LX_OK) {
        say("WAIT %s %s %lld %u\n", r.id, r.booking, (long long)r.amount, r.n);
        keep(wt->reqs, &wt->n_reqs, r.id);
    }
    wait_pass(wt, 0); /* a seat free now is sold at once */
}

static void *wait_loop(void *arg)
{
    waiter *wt = arg;
    storm *s = wt->s;
    wait_resume(wt);
    for (;;) {
        wait_fill(wt);
        uint32_t r = (uint32_t)(rnd(&wt->x) % 100);
        char id[LX_BOOK_ID_LEN], msg[256];
        lx_book_order o;
        if (r < 35 && wt->n_reqs < WAIT_OPEN_MAX) {
            wait_add(wt);
        } else if (r < 75 && wt->n_fill) { /* a seat of the target comes back */
            take(wt->fill, &wt->n_fill, (uint32_t)(rnd(&wt->x) % wt->n_fill), id);
            say("TRY %s refund\n", id);
            if (lx_book_refund(s->book, id, WAIT_OWNER, storm_now(s), &o, msg, sizeof msg) ==
                LX_OK)
                say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
            wait_pass(wt, 1);
        } else if (r < 88 && wt->n_tickets) { /* a waitlist ticket refunded */
            take(wt->tickets, &wt->n_tickets, (uint32_t)(rnd(&wt->x) % wt->n_tickets), id);
            say("TRY %s refund\n", id);
            if (lx_book_refund(s->book, id, NULL, storm_now(s), &o, msg, sizeof msg) == LX_OK)
                say("ACK %s %s\n", o.id, lx_order_state_name(o.state));
            wait_pass(wt, 1);
        } else if (r < 96 && wt->n_reqs) { /* a request withdrawn */
            take(wt->reqs, &wt->n_reqs, (uint32_t)(rnd(&wt->x) % wt->n_reqs), id);
            say("WTRY %s cancel\n", id);
            lx_err e = lx_wait_cancel(s->wait, id, storm_now(s), NULL);
            if (e == LX_OK)
                say("WCAN %s\n", id);
            else
                keep(wt->reqs, &wt->n_reqs, id); /* fulfilled meanwhile: watched */
        }
        wait_watch(wt);
    }
    return NULL;
}

/* The pass the server's sweeper runs, every 2 ms (idle with --kill-in-pass). */
static void *pass_loop(void *arg)
{
    storm *s = arg;
    const struct timespec pause = {0, 2000000};
    for (;;) {
        if (!s->kill_in_pass)
            lx_wait_run(s->wait, storm_now(s), NULL);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* --kill-in-pass: SIGKILL as soon as the pass has sold one of the reserved bookings
 * (the sale is on disk, the request's row not yet: its commit follows), or when the
 * time set comes. */
static void *killer(void *arg)
{
    storm *s = arg;
    const struct timespec pause = {0, 200000};
    while (!atomic_load(&s->kill_at))
        nanosleep(&pause, NULL);
    for (;;) {
        lx_book_order o;
        for (uint32_t i = 0; i < s->n_watch; i++)
            if (lx_book_get(s->book, s->watch[i], &o) == LX_OK)
                kill(getpid(), SIGKILL);
        if (mono_ns() >= atomic_load(&s->kill_at))
            kill(getpid(), SIGKILL);
    }
    return NULL;
}

/* the built-in railway, its booking store, and the runs to sell */
static int open_all(storm *s, const char *dir, lx_net **net, lx_store **store)
{
    char msg[1024];
    lx_tt *tt;
    lx_err e;
    if ((e = lx_net_create(net)) || (e = lx_builtin_load(&tt)) || (e = lx_net_add(*net, tt))) {
        fprintf(stderr, "storm: the built-in railway does not load: %s\n", lx_strerror(e));
        return 1;
    }
    if ((e = lx_store_open(dir, 1, store, msg, sizeof msg))) {
        fprintf(stderr, "storm: %s: %s\n", dir, msg);
        return 1;
    }
    if ((e = lx_store_load(*store, *net, msg, sizeof msg))) {
        fprintf(stderr, "storm: %s: %s\n", dir, msg);
        return 1;
    }
    s->net = *net;
    if ((e = lx_book_open(*store, *net, NULL, &s->book, msg, sizeof msg))) {
        fprintf(stderr, "storm: the bookings of %s do not open: %s: %s\n", dir, lx_strerror(e),
                msg);
        return 1;
    }
    /* the trains leave the day after base, in Laos (UTC+7) */
    lx_date_t day = (lx_date_t)((s->base + 7 * 3600) / 86400) + 1;
    for (uint32_t i = 0; i < N_TRAINS && s->n_trips < MAX_JOURNEY_TRIPS; i++) {
        for (uint32_t f = 0; f < lx_net_feed_count(*net); f++) {
            const lx_tt *t = lx_net_feed(*net, f);
            uint32_t trip;
            lx_leg run;
            if (lx_tt_trips_by_number(t, storm_trains[i], &trip, 1) != 1 ||
                lx_tt_trip_runs(t, trip, day, &run, 1) < 1)
                continue;
            storm_trip *st = &s->trips[s->n_trips];
            const lx_trip *tr = &lx_tt_trips(t, NULL)[trip];
            st->feed = f;
            st->run = run;
            st->first = tr->st_first;
            st->last = tr->st_first + tr->st_count - 1;
            const lx_layout *lay = &lx_tt_layouts(t, NULL)[tr->layout];
            const lx_coach *co = lx_tt_coaches(t, NULL);
            st->n_classes = 0;
            for (uint32_t k = 0; k < lay->coach_count; k++) {
                const char *cls = co[lay->coach_first + k].cls;
                uint32_t c = 0;
                while (c < st->n_classes && strcmp(st->classes[c], cls))
                    c++;
                if (c == st->n_classes && c < MAX_CLASSES) {
                    st->classes[c] = cls;
                    st->caps[c] = 0;
                    st->n_classes++;
                }
                if (c < st->n_classes)
                    st->caps[c] += co[lay->coach_first + k].seats;
            }
            s->n_trips++;
            break;
        }
    }
    if (!s->n_trips) {
        fprintf(stderr, "storm: none of its trains runs on the day after base\n");
        return 1;
    }
    /* the waitlist's target: the smallest class of a run with more than one, which the
     * selling threads leave to the waiter, so that its seats come back whole (a request
     * is for the whole run); the second choice: the smallest class of another run */
    s->target = s->n_trips;
    for (uint32_t i = 0; i < s->n_trips; i++)
        for (uint32_t c = 0; c < s->trips[i].n_classes && s->trips[i].n_classes > 1; c++)
            if (s->target == s->n_trips ||
                s->trips[i].caps[c] < s->trips[s->target].caps[s->target_cls])
                s->target = i, s->target_cls = c;
    if (s->target == s->n_trips) {
        fprintf(stderr, "storm: no run of its trains has two classes\n");
        return 1;
    }
    s->alt = (s->target + 1) % s->n_trips;
    for (uint32_t c = 0; c < s->trips[s->alt].n_classes; c++)
        if (s->trips[s->alt].caps[c] < s->trips[s->alt].caps[s->alt_cls])
            s->alt_cls = c;
    if ((e = lx_wait_open(*store, s->book, *net, &s->wait, msg, sizeof msg))) {
        fprintf(stderr, "storm: the waitlist of %s does not open: %s: %s\n", dir,
                lx_strerror(e), msg);
        return 1;
    }
    return 0;
}

/* ---- verify ---- */

typedef struct {
    char id[LX_BOOK_ID_LEN];
    uint32_t line;
    char kind;                    /* 'A' ack, 'T' try */
    char what[16];                /* a state (ack) or an operation (try) */
} ack_line;

static int ack_cmp(const void *a, const void *b)
{
    const ack_line *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

typedef struct {
    char trip[64];
    lx_date_t day;
    char seat[12];
    uint32_t from, to;
    const char *id;
} sold_seat;

static int seat_cmp(const void *a, const void *b)
{
    const sold_seat *x = a, *y = b;
    int c = strcmp(x->trip, y->trip);
    if (!c)
        c = (x->day > y->day) - (x->day < y->day);
    if (!c)
        c = strcmp(x->seat, y->seat);
    if (!c)
        c = (x->from > y->from) - (x->from < y->from);
    return c;
}

static lx_order_state after_op(const char *op)
{
    return !strcmp(op, "confirm")  ? LX_ORDER_CONFIRMED
           : !strcmp(op, "cancel") ? LX_ORDER_CANCELLED
           : !strcmp(op, "refund") ? LX_ORDER_REFUNDED
                                   : LX_ORDER_NONE;
}

/* An acknowledged waitlist request, from its lines. */
typedef struct {
    char id[LX_BOOK_ID_LEN], booking[LX_BOOK_ID_LEN];
    char seen[LX_BOOK_ID_LEN];    /* WFUL: the booking it was seen fulfilled with */
    long long amount;
    uint32_t n;
    int cancelled;                /* WCAN: its withdrawal acknowledged */
    lx_wait_state before;         /* as found before verify's pass */
} wait_rec;

typedef struct {
    char id[LX_BOOK_ID_LEN], booking[LX_BOOK_ID_LEN];
    uint32_t line;
    char kind;                    /* 'W' WAIT, 'F' WFUL, 'C' WCAN, 'T' WTRY */
    long long amount;
    uint32_t n;
} wait_line;

static int wait_line_cmp(const void *a, const void *b)
{
    const wait_line *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int str_cmp(const void *a, const void *b) { return strcmp(a, b); }

/* Whether an order id has ACK or TRY lines (lines sorted by id). */
static int acked(const ack_line *lines, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(lines[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && !strcmp(lines[lo].id, id);
}

static void add_seats(const lx_book_order *o, sold_seat *seats, size_t *n_seats)
{
    for (uint32_t k = 0; k < o->n && k < LX_INV_MAX_PAX; k++) {
        sold_seat *ss = &seats[(*n_seats)++];
        snprintf(ss->trip, sizeof ss->trip, "%s", o->trip_id);
        ss->day = o->service_day;
        memcpy(ss->seat, o->seats[k], sizeof ss->seat);
        ss->from = o->from_pos;
        ss->to = o->to_pos;
        ss->id = o->id;
    }
}

#define WPROBLEM(...)                                                                      \
    do {                                                                                   \
        if ((*problems)++ < 40)                                                            \
            printf(__VA_ARGS__);                                                           \
    } while (0)

/* Every acknowledged request as its lines promise, before (post 0) or after (post 1)
 * verify's own pass. Before, the seats of waitlist tickets that no ACK line names go
 * to seats (their owner cannot be told apart from the rest of the storm otherwise);
 * count[] by state; *window: open requests whose booking was sold (allowed before the
 * pass only). tickets[]: the bookings of fulfilled requests. */
static void wait_check(storm *s, wait_rec *rs, size_t n, int post, const ack_line *lines,
                       size_t n_lines, sold_seat *seats, size_t *n_seats, uint32_t count[4],
                       uint32_t *window, char (*tickets)[LX_BOOK_ID_LEN], size_t *n_tickets,
                       uint32_t *problems)
{
    for (size_t i = 0; i < n; i++) {
        wait_rec *w = &rs[i];
        const char *when = post ? " after the pass" : "";
        lx_wait_req r;
        lx_err e = lx_wait_get(s->wait, w->id, &r);
        if (e) {
            WPROBLEM("LOST: waitlist request %s, acknowledged, is not there%s (%s)\n", w->id,
                     when, lx_strerror(e));
            continue;
        }
        if ((unsigned)r.state > LX_WAIT_CANCELLED) {
            WPROBLEM("WRONG: waitlist request %s is in no state (%d)\n", w->id, (int)r.state);
            continue;
        }
        count[r.state]++;
        if (strcmp(r.booking, w->booking) || r.amount != w->amount || r.n != w->n)
            WPROBLEM("WRONG: waitlist request %s reserves %s for %lld (%u passengers), "
                     "acknowledged %s for %lld (%u)\n",
                     w->id, r.booking, (long long)r.amount, r.n, w->booking, w->amount, w->n);
        if (w->cancelled && r.state != LX_WAIT_CANCELLED)
            WPROBLEM("WRONG: waitlist request %s is %s, its withdrawal was acknowledged\n", w->id,
                     lx_wait_state_name(r.state));
        if (w->seen[0] && (r.state != LX_WAIT_FULFILLED || strcmp(w->seen, r.booking)))
            WPROBLEM("WRONG: waitlist request %s is %s (%s), seen fulfilled with %s\n", w->id,
                     lx_wait_state_name(r.state), r.booking, w->seen);
        if (post && w->before == LX_WAIT_FULFILLED && r.state != LX_WAIT_FULFILLED)
            WPROBLEM("WRONG: waitlist request %s was fulfilled, the pass made it %s\n", w->id,
                     lx_wait_state_name(r.state));
        lx_book_order o;
        int sold = lx_book_get(s->book, r.booking, &o) == LX_OK;
        char payment[LX_WAIT_ID_LEN + 16];
        snprintf(payment, sizeof payment, "waitlist:%s", r.id);
        if (sold && strcmp(o.payment, payment))
            WPROBLEM("WRONG: order %s, reserved for waitlist request %s, is paid '%s'\n", o.id,
                     r.id, o.payment);
        if (sold && o.state != LX_ORDER_CONFIRMED && o.state != LX_ORDER_REFUNDED)
            WPROBLEM("WRONG: waitlist ticket %s of request %s is %s\n", o.id, r.id,
                     lx_order_state_name(o.state));
        if (!post && sold && o.state == LX_ORDER_CONFIRMED && !acked(lines, n_lines, o.id))
            add_seats(&o, seats, n_seats);
        switch (r.state) {
        case LX_WAIT_FULFILLED:
            if (!sold) {
                WPROBLEM("LOST: waitlist request %s is fulfilled, its ticket %s is not there%s\n",
                         r.id, r.booking, when);
                break;
            }
            snprintf(tickets[(*n_tickets)++], LX_BOOK_ID_LEN, "%s", r.booking);
            if (o.n_pax != r.n)
                WPROBLEM("WRONG: waitlist ticket %s has %u passengers, request %s %u\n", o.id,
                         o.n_pax, r.id, r.n);
            for (uint32_t k = 0; k < r.n && k < o.n_pax; k++)
                if (strcmp(o.pax[k].name, r.pax[k].name) ||
                    strcmp(o.pax[k].doc_hash, r.pax[k].doc_hash))
                    WPROBLEM("WRONG: waitlist ticket %s passenger %u is %s, request %s's %s\n",
                             o.id, k + 1, o.pax[k].name, r.id, r.pax[k].name);
            if (r.fulfilled_choice < 0 || (uint32_t)r.fulfilled_choice >= r.n_choices ||
                strcmp(r.choices[r.fulfilled_choice].trip_id, o.trip_id) ||
                strcmp(r.choices[r.fulfilled_choice].cls, o.cls))
                WPROBLEM("WRONG: waitlist ticket %s (%s %s) is not request %s's choice %d\n",
                         o.id, o.trip_id, o.cls, r.id, r.fulfilled_choice + 1);
            if (r.refund < 0 || o.price < 0 || r.refund + o.price != r.amount)
                WPROBLEM("MONEY: waitlist request %s prepaid %lld, got a ticket of %lld and "
                         "%lld back\n",
                         r.id, (long long)r.amount, (long long)o.price, (long long)r.refund);
            break;
        case LX_WAIT_OPEN:
            if (r.refund != -1)
                WPROBLEM("MONEY: waitlist request %s is open and refunded %lld\n", r.id,
                         (long long)r.refund);
            if (sold && post)
                WPROBLEM("WRONG: waitlist request %s is open after the pass, its ticket %s "
                         "sold\n",
                         r.id, o.id);
            else if (sold)
                ++*window;
            break;
        default: /* refunded, cancelled: the whole amount back, nothing sold */
            if (sold)
                WPROBLEM("MONEY: waitlist request %s is %s (%lld back) and its ticket %s is "
                         "sold (%s)\n",
                         r.id, lx_wait_state_name(r.state), (long long)r.refund, o.id,
                         lx_order_state_name(o.state));
            if (r.refund != r.amount)
                WPROBLEM("MONEY: waitlist request %s is %s: %lld back of %lld prepaid\n", r.id,
                         lx_wait_state_name(r.state), (long long)r.refund,
                         (long long)r.amount);
            break;
        }
        if (!post)
            w->before = r.state;
    }
    /* no ticket serves two requests */
    qsort(tickets, *n_tickets, LX_BOOK_ID_LEN, str_cmp);
    for (size_t i = 1; i < *n_tickets; i++)
        if (!strcmp(tickets[i - 1], tickets[i]))
            WPROBLEM("TWICE: order %s is the ticket of two waitlist requests\n", tickets[i]);
}

/* The requests the lines acknowledged (wl sorted by id), into rs; how many. */
static size_t wait_recs(const wait_line *wl, size_t n, wait_rec *rs)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        wait_rec w;
        memset(&w, 0, sizeof w);
        int made = 0;
        for (; j < n && !strcmp(wl[j].id, wl[i].id); j++) {
            if (wl[j].kind == 'W') {
                made = 1;
                memcpy(w.id, wl[j].id, sizeof w.id);
                memcpy(w.booking, wl[j].booking, sizeof w.booking);
                w.amount = wl[j].amount;
                w.n = wl[j].n;
            } else if (wl[j].kind == 'F') {
                memcpy(w.seen, wl[j].booking, sizeof w.seen);
            } else if (wl[j].kind == 'C') {
                w.cancelled = 1;
            }
        }
        if (made)
            rs[k++] = w;
        i = j;
    }
    return k;
}

static int verify(storm *s, const char *ackfile)
{
    FILE *f = fopen(ackfile, "r");
    if (!f) {
        perror(ackfile);
        return 1;
    }
    size_t n = 0, cap = 1024, n_wl = 0, wl_cap = 0;
    ack_line *lines = malloc(cap * sizeof *lines);
    wait_line *wl = NULL;
    char buf[256];
    uint32_t no = 0;
    while (lines && fgets(buf, sizeof buf, f)) {
        no++;
        ack_line l = {.line = no};
        char kind[8], id[64], what[64];
        wait_line x = {.line = no};
        long long amount;
        unsigned pax;
        int k = strchr(buf, '\n') ? sscanf(buf, "%7s %63s %63s %lld %u", kind, id, what,
                                            &amount, &pax)
                                  : 0;
        if (k >= 2 && kind[0] == 'W' && strlen(id) < LX_BOOK_ID_LEN &&
            (k < 3 || strlen(what) < LX_BOOK_ID_LEN)) { /* the waitlist's lines */
            x.kind = !strcmp(kind, "WAIT") && k == 5   ? 'W'
                     : !strcmp(kind, "WFUL") && k == 3 ? 'F'
                     : !strcmp(kind, "WCAN")           ? 'C'
                     : !strcmp(kind, "WTRY")           ? 'T'
                                                       : 0;
            if (!x.kind)
                continue;
            strcpy(x.id, id);
            if (k >= 3)
                strcpy(x.booking, what);
            x.amount = k == 5 ? amount : 0;
            x.n = k == 5 ? pax : 0;
            if (n_wl == wl_cap) {
                wait_line *m = realloc(wl, (wl_cap = wl_cap ? 2 * wl_cap : 256) * sizeof *wl);
                if (!m)
                    break;
                wl = m;
            }
            wl[n_wl++] = x;
            continue;
        }
        if (!strchr(buf, '\n') || sscanf(buf, "%7s %63s %31s", kind, id, what) != 3 ||
            strlen(id) >= LX_BOOK_ID_LEN || strlen(what) >= sizeof l.what ||
            (strcmp(kind, "ACK") && strcmp(kind, "TRY")))
            continue; /* not a whole line: never acknowledged */
        l.kind = kind[0];
        strcpy(l.id, id);
        strcpy(l.what, what);
        if (n == cap) {
            ack_line *m = realloc(lines, (cap *= 2) * sizeof *lines);
            if (!m) {
                free(lines);
                lines = NULL;
                break;
            }
            lines = m;
        }
        lines[n++] = l;
    }
    fclose(f);
    if (!lines) {
        fprintf(stderr, "storm: out of memory\n");
        return 1;
    }
    qsort(lines, n, sizeof *lines, ack_cmp);
    if (n_wl)
        qsort(wl, n_wl, sizeof *wl, wait_line_cmp);
    sold_seat *seats = malloc((n + n_wl + 1) * LX_INV_MAX_PAX * sizeof *seats);
    wait_rec *rs = malloc((n_wl + 1) * sizeof *rs);
    char(*tickets)[LX_BOOK_ID_LEN] = malloc((n_wl + 1) * LX_BOOK_ID_LEN);
    size_t n_seats = 0, n_rs = rs ? wait_recs(wl, n_wl, rs) : 0, n_tickets = 0;
    uint32_t orders = 0, problems = 0, by_state[8] = {0}, wcount[4] = {0}, wafter[4] = {0};
    uint32_t window = 0, fee_kept = 0;
    lx_instant_t now = storm_now(s);
    lx_book_order *got = malloc((n + 1) * sizeof *got);
    for (size_t i = 0; i < n && seats && got;) {
        size_t j = i;
        const char *acked = NULL, *tried = NULL;
        for (; j < n && !strcmp(lines[j].id, lines[i].id); j++) {
            if (lines[j].kind == 'A')
                acked = lines[j].what, tried = NULL;
            else
                tried = lines[j].what;
        }
        if (!acked) { /* tried but never acknowledged: nothing promised */
            i = j;
            continue;
        }
        orders++;
        lx_book_order *o = &got[orders - 1];
        lx_err e = lx_book_get(s->book, lines[i].id, o);
        lx_order_state want = lx_order_state_parse(acked);
        if (e) {
            if (problems++ < 20)
                printf("LOST: order %s, acknowledged %s, is not there (%s)\n", lines[i].id, acked,
                       lx_strerror(e));
        } else if (o->state != want && !(tried && o->state == after_op(tried)) &&
                   !(want == LX_ORDER_HELD && o->state == LX_ORDER_EXPIRED &&
                     o->expires_at <= now)) {
            if (problems++ < 20)
                printf("WRONG: order %s is %s, acknowledged %s%s%s\n", lines[i].id,
                       lx_order_state_name(o->state), acked, tried ? " then tried " : "",
                       tried ? tried : "");
        } else {
            by_state[o->state < 8 ? o->state : 0]++;
            if (o->state == LX_ORDER_HELD || o->state == LX_ORDER_CONFIRMED)
                add_seats(o, seats, &n_seats);
            /* a refund keeps its fee with the order: some of the price, never more */
            if (o->state == LX_ORDER_REFUNDED &&
                (o->refund_fee < 0 || (o->price >= 0 && o->refund_fee > o->price))) {
                if (problems++ < 20)
                    printf("MONEY: order %s is refunded keeping a fee of %lld of its %lld\n",
                           o->id, (long long)o->refund_fee, (long long)o->price);
            } else if (o->state == LX_ORDER_REFUNDED && o->refund_fee > 0) {
                fee_kept++;
            }
        }
        i = j;
    }
    if (seats && rs && tickets)
        wait_check(s, rs, n_rs, 0, lines, n, seats, &n_seats, wcount, &window, tickets,
                   &n_tickets, &problems);
    if (!seats || !got || !rs || !tickets) {
        fprintf(stderr, "storm: out of memory\n");
        problems++;
    }
    /* no seat taken twice on a stretch, among the acknowledged orders (independent of
     * the engine's own check below) */
    if (seats)
        qsort(seats, n_seats, sizeof *seats, seat_cmp);
    for (size_t i = 1; i < n_seats; i++) {
        for (size_t k = i; k-- > 0;) {
            sold_seat *a = &seats[k], *b = &seats[i];
            if (strcmp(a->trip, b->trip) || a->day != b->day || strcmp(a->seat, b->seat))
                break;
            if (a->to > b->from && problems++ < 40)
                printf("TWICE: seat %s of %s sold to orders %s and %s on one stretch\n", b->seat,
                       b->trip, a->id, b->id);
        }
    }
    size_t mcap = 64 * 1024;
    char *msg = malloc(mcap);
    uint32_t runs = 0, all = 0;
    if (msg) {
        msg[0] = 0;
        if (lx_book_check(s->book, msg, mcap, &runs, &all) != LX_OK) {
            printf("CHECK: lx_book_check fails:\n%s\n", msg);
            problems++;
        }
    }
    /* the pass a restarted server runs: what a killed pass sold is marked, nothing is
     * sold twice, and the books still add up */
    lx_wait_stats st = {0, 0, 0};
    lx_err e = lx_wait_run(s->wait, now, &st);
    if (e) {
        printf("WAIT: the pass after the restart fails: %s\n", lx_strerror(e));
        problems++;
    }
    n_tickets = 0;
    uint32_t window_after = 0;
    if (seats && rs && tickets)
        wait_check(s, rs, n_rs, 1, lines, n, seats, &n_seats, wafter, &window_after, tickets,
                   &n_tickets, &problems);
    if (msg && lx_book_check(s->book, msg, mcap, &runs, &all) != LX_OK) {
        printf("CHECK: lx_book_check fails after the waitlist pass:\n%s\n", msg);
        problems++;
    }
    printf("storm verify: %u acknowledged orders (%u confirmed, %u held, %u cancelled, %u "
           "refunded, %u of them keeping a fee, %u expired) of %u in %u runs; %zu seats "
           "checked\n",
           orders, by_state[LX_ORDER_CONFIRMED], by_state[LX_ORDER_HELD],
           by_state[LX_ORDER_CANCELLED], by_state[LX_ORDER_REFUNDED], fee_kept,
           by_state[LX_ORDER_EXPIRED], all, runs, n_seats);
    printf("waitlist verify: %zu acknowledged requests (%u open, %u fulfilled, %u refunded, "
           "%u cancelled); %u sold by a pass killed before its row said so; the pass after "
           "the restart fulfilled %u, refunded %u, left %u open; %u problem%s\n",
           n_rs, wcount[LX_WAIT_OPEN], wcount[LX_WAIT_FULFILLED], wcount[LX_WAIT_REFUNDED],
           wcount[LX_WAIT_CANCELLED], window, st.fulfilled, st.refunded, wafter[LX_WAIT_OPEN],
           problems, problems == 1 ? "" : "s");
    free(msg);
    free(rs);
    free(tickets);
    free(wl);
    free(got);
    free(seats);
    free(lines);
    return problems ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *ackfile = NULL;
    int threads = 4;
    storm s;
    memset(&s, 0, sizeof s);
    s.base = BASE_DEFAULT;
    s.t0 = (long long)time(NULL);
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 == argc && strcmp(argv[i], "--kill-in-pass")) {
            dir = NULL;
            break;
        }
        if (!strcmp(argv[i], "--data"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--verify"))
            ackfile = argv[i + 1];
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--base"))
            s.base = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--t0"))
            s.t0 = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--acks"))
            s.acks = argv[i + 1];
        else if (!strcmp(argv[i], "--kill-in-pass"))
            s.kill_in_pass = 1, i--;
        else
            dir = NULL, i = argc;
    }
    if (!dir || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: lx_storm --data DIR [--threads K] [--base UNIX] [--t0 UNIX] "
                        "[--acks ACKFILE] [--kill-in-pass]\n"
                        "       lx_storm --data DIR --verify ACKFILE [--base UNIX] [--t0 UNIX]\n");
        return 2;
    }
    lx_net *net = NULL;
    lx_store *store = NULL;
    int rc = open_all(&s, dir, &net, &store);
    if (!rc && ackfile) {
        rc = verify(&s, ackfile);
    } else if (!rc) {
        worker *w = calloc((size_t)threads, sizeof *w);
        pthread_t *th = calloc((size_t)threads, sizeof *th);
        waiter *wt = calloc(1, sizeof *wt);
        if (!w || !th || !wt)
            return 1;
        const storm_trip *t = &s.trips[s.target];
        fprintf(stderr, "storm: %d threads selling on %u train runs, the waitlist on %s class %s\n",
                threads, s.n_trips, lx_tt_train_number(lx_net_feed(s.net, t->feed), t->run.trip),
                t->classes[s.target_cls]);
        for (int i = 0; i < threads; i++) {
            w[i].s = &s;
            w[i].no = i;
            pthread_create(&th[i], NULL, sell, &w[i]);
        }
        wt->s = &s;
        wt->x = 0x2545F4914F6CDD1DULL ^ ((uint64_t)getpid() << 24);
        pthread_t wth, pth, kth;
        pthread_create(&wth, NULL, wait_loop, wt);
        pthread_create(&pth, NULL, pass_loop, &s);
        if (s.kill_in_pass)
            pthread_create(&kth, NULL, killer, &s);
        for (int i = 0; i < threads; i++) /* until killed */
            pthread_join(th[i], NULL);
    }
    lx_wait_close(s.wait);
    lx_book_close(s.book);
    lx_store_close(store);
    lx_net_destroy(net);
    return rc;
}
