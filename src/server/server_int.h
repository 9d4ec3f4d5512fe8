/* Inside the HTTP server: the boundary between the transport (server.c, which owns
 * libmicrohttpd, the listening socket, signals, static files and the access log) and
 * the JSON API (api.c, which knows nothing of sockets or of libmicrohttpd).
 *
 * The API sees a request as (method, raw request target) and answers with a status,
 * a content type and a body, so it can be driven directly by unit tests and fuzzers
 * without a socket. The API decodes the target itself, segment by segment, so that
 * an encoded slash ("%2F") inside a station name never splits a path segment.
 */
#ifndef LX_SERVER_INT_H
#define LX_SERVER_INT_H

#include <stddef.h>
#include "lanxang/book.h"
#include "lanxang/net.h"

/* The longest query string the API reads (bytes after '?'); longer is refused. */
#define LX_API_MAX_QUERY 4096
/* The largest request body the server reads; larger is refused with 413. */
#define LX_API_MAX_BODY (64u << 10)

/* One answer. body is malloc'ed and owned by the response: hand it on to the
 * transport or free it with lx_srv_resp_clear. The strings content_type and allow
 * are static; location is the response's own (empty: no Location header). */
typedef struct {
    int status;
    const char *content_type;
    const char *allow;         /* value of the Allow header (405 answers), else NULL */
    int route;                 /* the route table's entry that answered + 1; 0 none */
    char location[64];         /* value of the Location header (201 answers), "" none */
    char *body;
    size_t len;
} lx_srv_resp;

void lx_srv_resp_clear(lx_srv_resp *r);

/* The API's read-only state, built once when the server starts: the list of public
 * stations with their names folded for search. Safe to share between threads. */
typedef struct lx_api lx_api;

/* The network must outlive the API object. */
lx_err lx_api_create(const lx_net *net, lx_api **out);
void lx_api_destroy(lx_api *api);

/* Serves bookings from book (which must outlive the API; NULL: none, the booking
 * endpoints answer 503). fixed_now 0: the API's "now" is the system clock; else it is
 * always fixed_now (tests set it with LANXANG_NOW, as for the selling commands).
 * Call before the API is shared between threads. */
void lx_api_set_book(lx_api *api, lx_book *book, lx_instant_t fixed_now);
/* The selling side: sell only journeys starting in this country (ISO 3166 alpha-2);
 * NULL or "": any. Call before the API is shared. */
void lx_api_set_seller(lx_api *api, const char *country);
/* The API's "now" (Unix seconds). */
lx_instant_t lx_api_now(const lx_api *api);

/* Whether a request target belongs to the API (and gets JSON answers): /healthz,
 * /api and everything under /api/. target may carry a query string. */
int lx_api_owns(const char *target);

/* Answers one API request. method is the request method as sent ("GET", "HEAD" is
 * treated as GET; the transport drops the body); target is the raw request target,
 * still percent-encoded ("/api/v1/trains?from=Vientiane&to=..."). Always fills resp
 * with a status and a JSON body (the one exception: the SVG image of a ticket's QR
 * code, GET .../tickets/{n}/qr.svg, content type image/svg+xml) and returns LX_OK,
 * except when memory runs out: then LX_NOMEM and resp is empty. */
lx_err lx_api_handle(const lx_api *api, const char *method, const char *target,
                     lx_srv_resp *resp);
/* lx_api_handle with the request body (body_len bytes, not NUL-terminated; NULL when
 * there is none), which POST endpoints read as JSON. The transport keeps bodies to
 * LX_API_MAX_BODY bytes. */
lx_err lx_api_handle_body(const lx_api *api, const char *method, const char *target,
                          const char *body, size_t body_len, lx_srv_resp *resp);

/* The Content-Type for a file name, by its extension ("text/javascript;
 * charset=utf-8" for app.js); application/octet-stream when unknown. Static. */
const char *lx_srv_mime_type(const char *path);

/* The API's route table, for labels: how many entries, and the path pattern of one
 * ("/api/v1/stations/{}"); NULL past the end. */
size_t lx_api_route_count(void);
const char *lx_api_route_pattern(size_t i);

/* Metrics (metrics.c). Counts one answered request: the method as sent, the route
 * (lx_srv_resp.route: entry + 1 of the API's route table; 0 an API path no route
 * matched; -1 a web file), its status and its time in microseconds. Lock-free, from
 * any thread; the counters are process-wide. */
void lx_metrics_count(const char *method, int route, int status, long long us);
/* Whether the target is /metrics (any query), which the API's route table answers. */
int lx_metrics_owns(const char *target);
/* The Prometheus text exposition (version 0.0.4) of the request counters and of
 * book's statistics (book NULL: none) into resp. LX_OK, or LX_NOMEM. */
lx_err lx_metrics_render(lx_book *book, lx_srv_resp *resp);

#endif
