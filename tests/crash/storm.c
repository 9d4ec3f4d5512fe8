/* storm: a booking storm to be killed, and the check that nothing acknowledged was lost.
 *
 *   lx_storm --data DIR [--threads K] [--base UNIX] [--t0 UNIX]
 *       sells until killed: K threads (default 4) sell seats on a few trains of the
 *       built-in railway (mostly sales paid at once, some holds later confirmed or
 *       cancelled, some refunds). Before acting on an existing order it writes
 *       "TRY <id> <op>", and after every acknowledged operation (lx_book_* returned
 *       LX_OK, so the change is on disk) "ACK <id> <state>", each line with one
 *       write(2) to stdout, which the caller appends to a file.
 *   lx_storm --data DIR --verify ACKFILE [--base UNIX] [--t0 UNIX]
 *       reopens the data directory and proves that every acknowledged order is there,
 *       in its last acknowledged state (or in the state the one operation tried after
 *       it gives, which may have committed just before the kill), that no seat is sold
 *       twice among them, and that lx_book_check is clean. Exit 0, or 1 with the
 *       findings.
 *
 * Time: the storm's "now" is base + (time(NULL) - t0), so that runs killed and
 * restarted keep a clock that only moves forward; base defaults to the day before the
 * trains it sells (2026-12-19T10:00:00+07:00). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lanxang/book.h"
#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "lanxang/store.h"

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
    uint32_t n_classes;
} storm_trip;

typedef struct {
    lx_book *book;
    const lx_net *net;
    storm_trip trips[MAX_JOURNEY_TRIPS];
    uint32_t n_trips;
    long long base, t0;
} storm;

static lx_instant_t storm_now(const storm *s) { return s->base + ((long long)time(NULL) - s->t0); }

/* one line, one write(2): whole or not at all in the file */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[128];
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
            const lx_tt *tt = lx_net_feed(s->net, t->feed);
            lx_book_req req;
            memset(&req, 0, sizeof req);
            req.feed = t->feed;
            req.leg = t->run;
            req.leg.from_pos = a;
            req.leg.to_pos = b;
            req.leg.departure = lx_tt_st_instant(tt, &t->run, a, 1);
            req.leg.arrival = lx_tt_st_instant(tt, &t->run, b, 0);
            req.cls = t->classes[rnd(&x) % t->n_classes];
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
                if (c == st->n_classes && c < MAX_CLASSES)
                    st->classes[st->n_classes++] = cls;
            }
            s->n_trips++;
            break;
        }
    }
    if (!s->n_trips) {
        fprintf(stderr, "storm: none of its trains runs on the day after base\n");
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

static int verify(storm *s, const char *ackfile)
{
    FILE *f = fopen(ackfile, "r");
    if (!f) {
        perror(ackfile);
        return 1;
    }
    size_t n = 0, cap = 1024;
    ack_line *lines = malloc(cap * sizeof *lines);
    char buf[256];
    uint32_t no = 0;
    while (lines && fgets(buf, sizeof buf, f)) {
        no++;
        ack_line l = {.line = no};
        char kind[8], id[64], what[32];
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
    sold_seat *seats = malloc((n + 1) * LX_INV_MAX_PAX * sizeof *seats);
    size_t n_seats = 0;
    uint32_t orders = 0, problems = 0, by_state[8] = {0};
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
                for (uint32_t k = 0; k < o->n && k < LX_INV_MAX_PAX; k++) {
                    sold_seat *ss = &seats[n_seats++];
                    snprintf(ss->trip, sizeof ss->trip, "%s", o->trip_id);
                    ss->day = o->service_day;
                    memcpy(ss->seat, o->seats[k], sizeof ss->seat);
                    ss->from = o->from_pos;
                    ss->to = o->to_pos;
                    ss->id = o->id;
                }
        }
        i = j;
    }
    if (!seats || !got) {
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
    printf("storm verify: %u acknowledged orders (%u confirmed, %u held, %u cancelled, %u "
           "refunded, %u expired) of %u in %u runs; %zu seats checked; %u problem%s\n",
           orders, by_state[LX_ORDER_CONFIRMED], by_state[LX_ORDER_HELD],
           by_state[LX_ORDER_CANCELLED], by_state[LX_ORDER_REFUNDED], by_state[LX_ORDER_EXPIRED],
           all, runs, n_seats, problems, problems == 1 ? "" : "s");
    free(msg);
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
    for (int i = 1; i + 1 < argc; i += 2) {
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
        else
            dir = NULL, i = argc;
    }
    if (!dir || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: lx_storm --data DIR [--threads K] [--base UNIX] [--t0 UNIX]\n"
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
        if (!w || !th)
            return 1;
        fprintf(stderr, "storm: %d threads selling on %u train runs\n", threads, s.n_trips);
        for (int i = 0; i < threads; i++) {
            w[i].s = &s;
            w[i].no = i;
            pthread_create(&th[i], NULL, sell, &w[i]);
        }
        for (int i = 0; i < threads; i++) /* until killed */
            pthread_join(th[i], NULL);
    }
    lx_book_close(s.book);
    lx_store_close(store);
    lx_net_destroy(net);
    return rc;
}
