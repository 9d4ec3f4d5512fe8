/* lanxang: the HTTP server (JSON API under /api/v1 and the web pages). */
#ifndef LANXANG_SERVER_H
#define LANXANG_SERVER_H

#include "lanxang/book.h"
#include "lanxang/net.h"
#include "lanxang/ticket.h"

typedef struct {
    const char *listen;   /* "127.0.0.1:8080" (default), "0.0.0.0:80", "[::1]:8080" */
    const char *web_dir;  /* serve web files from this folder instead of the embedded copy (development); NULL = embedded */
    unsigned threads;     /* worker threads; 0 = one per core */
    unsigned cache_mb;    /* the answer cache's budget in MiB (searches asked again are
                             copied, src/server/cache.h); 0 = no cache */
    unsigned max_connections; /* served at once; a request on one more gets 503 busy
                                 and its connection is closed; 0 = 1000 */
    unsigned timeout_s;   /* a connection idle or slow for this long is closed; 0 = 30 */
    const char *seller;   /* the selling side's country: sell only journeys starting in it
                             (issue 5); NULL: any journey */
    int quiet;            /* no access log on stderr */
    lx_book *book;        /* the booking store to sell from (offers, bookings); NULL: none,
                             the booking endpoints answer 503. The caller opens and closes
                             it; the server expires due holds every few seconds. */
    lx_instant_t fixed_now; /* 0: "now" is the system clock; else "now" is always this
                               time (LANXANG_NOW, for tests: answers are reproducible) */
    lx_store *store;      /* the catalog of book's data directory: check-ins at the gate */
    const lx_ticket_keys *keys; /* the ticket keys of that directory; NULL: confirmed
                                   bookings carry no qr_payload, /gate/scan answers 503.
                                   Both stay open until the function returns. */
} lx_server_opts;

/* Serves until SIGINT or SIGTERM, then stops cleanly and returns LX_OK. The network
 * is only read; opts->book, when given, must stay open until the function returns. Prints "lanxang: serving http://HOST:PORT/" on stderr once listening. */
lx_err lx_server_run(const lx_net *net, const lx_server_opts *opts);

#endif
