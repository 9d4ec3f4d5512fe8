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
 * are static. */
typedef struct {
    int status;
    const char *content_type;
    const char *allow;         /* value of the Allow header (405 answers), else NULL */
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
 * endpoints answer 503). clock_start 0: the API's "now" is the system clock; else it
 * starts at clock_start and runs at the clock's pace (tests set it with LANXANG_NOW).
 * Call before the API is shared between threads. */
void lx_api_set_book(lx_api *api, lx_book *book, lx_instant_t clock_start);
/* The API's "now" (Unix seconds). */
lx_instant_t lx_api_now(const lx_api *api);

/* Whether a request target belongs to the API (and gets JSON answers): /healthz,
 * /api and everything under /api/. target may carry a query string. */
int lx_api_owns(const char *target);

/* Answers one API request. method is the request method as sent ("GET", "HEAD" is
 * treated as GET; the transport drops the body); target is the raw request target,
 * still percent-encoded ("/api/v1/trains?from=Vientiane&to=..."). Always fills resp
 * with a status and a JSON body and returns LX_OK, except when memory runs out: then
 * LX_NOMEM and resp is empty. */
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

#endif
