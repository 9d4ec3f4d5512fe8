/* The HTTP transport: the listening socket, libmicrohttpd, static files, the access
 * log and the shutdown on SIGINT/SIGTERM. The JSON API itself is api.c.
 *
 * Threads. libmicrohttpd runs its own pool of opts->threads workers (epoll where the
 * system has it: MHD_USE_AUTO). Every worker only reads the network and the prepared
 * API state, so there are no locks here; the booking store, which workers change,
 * locks itself (lanxang/book.h). One more thread, the sweeper, expires the holds whose
 * deadline has passed every SWEEP_S seconds, so their seats are offered again even
 * when nobody asks about those orders.
 *
 * Request bodies. An API request of another method than GET/HEAD has its body read
 * into the request record, at most LX_API_MAX_BODY bytes: a larger Content-Length is
 * refused with 413 before reading; a chunked body that grows past the limit is
 * dropped from there on (libmicrohttpd cannot answer in the middle of a body) and
 * refused with 413 at its end.
 *
 * Stopping. SIGINT and SIGTERM are caught with a self-pipe: the handler only writes
 * one byte, and the calling thread, blocked reading the pipe, wakes and stops the
 * daemon. (Blocking the signals and calling sigwait is not enough: a thread that
 * exists before the server starts, such as a sanitizer's or a library's, keeps them
 * unblocked, takes them and kills the process.) The pipe and the handler are process
 * wide, so one process runs one lx_server_run at a time.
 *
 * The socket. We bind it ourselves and hand it to libmicrohttpd
 * (MHD_OPTION_LISTEN_SOCKET) so that a port in use or a forbidden port gets a clear
 * message with the errno, IPv6 needs no special flag, and port 0 picks a free port
 * whose number is printed.
 *
 * A request's life. The URI log callback is called once per request, before the
 * headers are read, with the raw target (still percent-encoded, query included); it
 * allocates the per-request record (start time, raw target) that the access handler
 * answers from and the completion callback logs and frees.
 */
#include "lanxang/server.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/assets.h"
#include "server_int.h"
#include "cache.h"
#include "api_int.h" /* lx_api_set_tickets */

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define CONNECTION_LIMIT 1000   /* --max-connections: past it, 503 and close */
#define BUSY_MARGIN 64          /* connections past the limit still told 503, not dropped */
#define CONNECTION_TIMEOUT_S 30 /* --timeout: an idle or slow connection is closed */
/* Each connection's memory pool, which holds the request line and headers (a query is
 * at most LX_API_MAX_QUERY = 4 KiB; bodies pass through in pieces). libmicrohttpd
 * zeroes the whole pool after every request: its default, 32 KiB, made that memset 8%
 * of the server's time answering cached searches (perf); 16 KiB halves it. */
#define CONNECTION_MEMORY (16u << 10)
#define MAX_THREADS 64
#define MAX_FILE_SIZE (16u << 20)
#define SWEEP_S 2

typedef struct {
    lx_api *api;
    const lx_asset *assets;
    size_t n_assets;
    char *web_dir;      /* realpath of opts->web_dir, or NULL for the embedded files */
    int quiet;
    lx_cache *cache;    /* NULL: every answer is computed (--cache-mb 0) */
    unsigned max_conns; /* connections served; the next ones get 503 */
    int open_conns;     /* open now (atomic: every worker thread counts) */
    lx_cache_rule *rules; /* the cache rule of each entry of the API's route table */
} server;

/* One request, from the URI log callback to the completion callback. */
typedef struct {
    struct timespec start;
    char method[16];
    int status;         /* 0 until an answer is queued */
    int route;          /* for the metrics: lx_srv_resp.route of an API answer, -1 a file */
    int seen;           /* the access handler was called before */
    char *body;         /* the request body read so far (API requests other than GET) */
    size_t body_len, body_cap;
    int too_big;        /* the body grew past LX_API_MAX_BODY: the rest is dropped, 413 */
    char target[];      /* raw request target */
} request;

/* ---- content types ---- */

const char *lx_srv_mime_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"woff2", "font/woff2"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* ---- answers ---- */

static const char OOM_BODY[] =
    "{\"error\":{\"code\":\"no_memory\",\"message\":\"out of memory\",\"field\":null}}";
static const char TOO_BIG_BODY[] =
    "{\"error\":{\"code\":\"too_large\",\"message\":\"the request body is larger than "
    "65536 bytes\",\"field\":null}}";
_Static_assert(LX_API_MAX_BODY == 65536, "TOO_BIG_BODY names the limit");

/* Queues a response made from body (len bytes). must_free: the body is malloc'ed and
 * libmicrohttpd frees it; otherwise it is static. */
static enum MHD_Result answer_loc(struct MHD_Connection *c, request *rq, int status,
                                  const char *type, void *body, size_t len, int must_free,
                                  const char *allow, const char *location)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (must_free)
            free(body);
        return MHD_NO;
    }
    int ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
             MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") == MHD_YES &&
             MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES;
    if (ok && allow)
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) == MHD_YES;
    if (ok && location && *location)
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location) == MHD_YES;
    if (ok && strncmp(type, "text/html", 9) == 0)
        ok = MHD_add_response_header(r, "Content-Security-Policy",
                                     "default-src 'self'; img-src 'self' data:; "
                                     "object-src 'none'; base-uri 'none'; "
                                     "frame-ancestors 'none'") == MHD_YES &&
             MHD_add_response_header(r, "Referrer-Policy", "no-referrer") == MHD_YES;
    enum MHD_Result res = ok ? MHD_queue_response(c, (unsigned)status, r) : MHD_NO;
    MHD_destroy_response(r);
    if (res == MHD_YES && rq)
        rq->status = status;
    return res;
}

static enum MHD_Result answer(struct MHD_Connection *c, request *rq, int status,
                              const char *type, void *body, size_t len, int must_free,
                              const char *allow)
{
    return answer_loc(c, rq, status, type, body, len, must_free, allow, NULL);
}

static enum MHD_Result answer_text(struct MHD_Connection *c, request *rq, int status,
                                   const char *text, const char *allow)
{
    return answer(c, rq, status, "text/plain; charset=utf-8", (void *)text, strlen(text), 0,
                  allow);
}

/* An API answer: from the answer cache when it holds one for this target (cache.h),
 * else computed and offered to the cache. */
static enum MHD_Result serve_api(server *s, struct MHD_Connection *c, request *rq,
                                 const char *method)
{
    lx_srv_resp resp;
    int get = s->cache && !rq->body && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
    lx_cache_tag tag = {0, 0};
    if (get)
        tag = lx_cache_seats_tag(lx_api_now(s->api)); /* before computing, see cache.h */
    if (!get || !lx_cache_get(s->cache, rq->target, tag, &resp)) {
        if (lx_api_handle_body(s->api, method, rq->target, rq->body, rq->body_len, &resp) !=
            LX_OK)
            return answer(c, rq, 500, "application/json; charset=utf-8", (void *)OOM_BODY,
                          sizeof OOM_BODY - 1, 0, NULL);
        if (get && resp.route > 0)
            lx_cache_put(s->cache, rq->target, s->rules[resp.route - 1], tag, &resp);
    }
    rq->route = resp.route;
    return answer_loc(c, rq, resp.status, resp.content_type, resp.body, resp.len, 1,
                      resp.allow, resp.location);
}

/* ---- static files ---- */

/* Whether a decoded path (without its leading slash) is safe to look up: no ".."
 * segment, no backslash, no control characters. */
static int safe_path(const char *p)
{
    for (const char *seg = p; *seg;) {
        size_t len = strcspn(seg, "/");
        if (len == 2 && seg[0] == '.' && seg[1] == '.')
            return 0;
        seg += len;
        if (*seg == '/')
            seg++;
    }
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f)
            return 0;
    return 1;
}

/* Reads the file rel inside s->web_dir into a malloc'ed buffer. 0 on success; -1
 * when it is missing, not a regular file or outside the folder. */
static int read_web_file(const server *s, const char *rel, char **data, size_t *len)
{
    char path[PATH_MAX], real[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", s->web_dir, rel) >= (int)sizeof path)
        return -1;
    if (!realpath(path, real))
        return -1;
    size_t dl = strlen(s->web_dir);
    if (strncmp(real, s->web_dir, dl) != 0 || real[dl] != '/')
        return -1; /* a symbolic link leading out of the folder */
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    int rc = -1;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size <= MAX_FILE_SIZE) {
        size_t n = (size_t)sb.st_size, got = 0;
        char *buf = malloc(n ? n : 1);
        while (buf && got < n) {
            ssize_t k = read(fd, buf + got, n - got);
            if (k <= 0)
                break;
            got += (size_t)k;
        }
        if (buf && got == n) {
            *data = buf;
            *len = n;
            rc = 0;
        } else {
            free(buf);
        }
    }
    close(fd);
    return rc;
}

static enum MHD_Result serve_static(server *s, struct MHD_Connection *c, request *rq,
                                    const char *url, const char *method)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return answer_text(c, rq, 405, "method not allowed\n", "GET, HEAD");
    char rel[1024];
    const char *p = url[0] == '/' ? url + 1 : url;
    size_t n = strlen(p);
    int dir = n == 0 || p[n - 1] == '/';
    if (snprintf(rel, sizeof rel, "%s%s", p, dir ? "index.html" : "") >= (int)sizeof rel ||
        !safe_path(rel))
        return answer_text(c, rq, 404, "not found\n", NULL);
    const char *type = lx_srv_mime_type(rel);
    if (s->web_dir) {
        char *data;
        size_t len;
        if (read_web_file(s, rel, &data, &len) != 0)
            return answer_text(c, rq, 404, "not found\n", NULL);
        return answer(c, rq, 200, type, data, len, 1, NULL);
    }
    for (size_t i = 0; i < s->n_assets; i++)
        if (strcmp(s->assets[i].path, rel) == 0)
            return answer(c, rq, 200, type, (void *)s->assets[i].data, s->assets[i].len, 0,
                          NULL);
    return answer_text(c, rq, 404, "not found\n", NULL);
}

/* ---- too many connections ---- */

static const char BUSY_BODY[] =
    "{\"error\":{\"code\":\"busy\",\"message\":\"the server has as many connections as it "
    "serves at once; try again in a moment\",\"field\":null}}";

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)c;
    (void)socket_context;
    server *s = cls;
    __atomic_add_fetch(&s->open_conns, code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1,
                       __ATOMIC_RELAXED);
}

/* A request on a connection past the limit: 503 with Retry-After, and the connection
 * is closed (answered before its body is read). The limit leaves room for
 * BUSY_MARGIN more connections to hear this; past those, libmicrohttpd closes new
 * connections at once. */
static enum MHD_Result answer_busy(struct MHD_Connection *c, request *rq)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof BUSY_BODY - 1, (void *)BUSY_BODY, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    int ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                     "application/json; charset=utf-8") == MHD_YES &&
             MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1") == MHD_YES &&
             MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
    enum MHD_Result res = ok ? MHD_queue_response(c, 503, r) : MHD_NO;
    MHD_destroy_response(r);
    if (res == MHD_YES)
        rq->status = 503;
    return res;
}

/* ---- libmicrohttpd callbacks ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    size_t n = strlen(uri);
    request *rq = malloc(sizeof *rq + n + 1);
    if (!rq)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &rq->start);
    rq->method[0] = 0;
    rq->status = 0;
    rq->route = -1;
    rq->seen = 0;
    rq->body = NULL;
    rq->body_len = rq->body_cap = 0;
    rq->too_big = 0;
    memcpy(rq->target, uri, n + 1);
    return rq;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    (void)upload_data;
    server *s = cls;
    request *rq = *req_cls;
    if (!rq)
        return answer_text(c, NULL, 500, "out of memory\n", NULL);
    if (!rq->seen && !rq->status &&
        (unsigned)__atomic_load_n(&s->open_conns, __ATOMIC_RELAXED) > s->max_conns) {
        snprintf(rq->method, sizeof rq->method, "%s", method);
        return answer_busy(c, rq);
    }
    int api = lx_api_owns(rq->target) || lx_metrics_owns(rq->target);
    int bodyless = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (rq->status || *upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->status || !api || bodyless || rq->too_big)
            return MHD_YES; /* a body no endpoint reads, or after the answer: dropped */
        if (n > LX_API_MAX_BODY - rq->body_len) {
            /* libmicrohttpd cannot answer in the middle of a body: drop the rest and
             * answer 413 once it is over (the connection timeout bounds a slow one) */
            rq->too_big = 1;
            free(rq->body);
            rq->body = NULL;
            rq->body_len = rq->body_cap = 0;
            return MHD_YES;
        }
        if (rq->body_len + n > rq->body_cap) {
            size_t cap = rq->body_cap ? rq->body_cap : 1024;
            while (cap < rq->body_len + n)
                cap *= 2;
            char *b = realloc(rq->body, cap);
            if (!b) {
                snprintf(rq->method, sizeof rq->method, "%s", method);
                return answer(c, rq, 500, "application/json; charset=utf-8", (void *)OOM_BODY,
                              sizeof OOM_BODY - 1, 0, NULL);
            }
            rq->body = b;
            rq->body_cap = cap;
        }
        memcpy(rq->body + rq->body_len, upload_data, n);
        rq->body_len += n;
        return MHD_YES;
    }
    /* Answering on the first call, before libmicrohttpd has read the body, makes it
     * close the connection; so API requests (whose body is read) and GET and HEAD are
     * answered on a later call and keep their connection alive. Other methods on the
     * web files are refused at once: their body is not worth reading, and closing that
     * connection is fine. */
    if (!rq->seen && (bodyless || api)) {
        rq->seen = 1;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (api && !bodyless && cl && strtoull(cl, NULL, 10) > LX_API_MAX_BODY) {
            snprintf(rq->method, sizeof rq->method, "%s", method);
            return answer(c, rq, 413, "application/json; charset=utf-8", (void *)TOO_BIG_BODY,
                          sizeof TOO_BIG_BODY - 1, 0, NULL);
        }
        return MHD_YES;
    }
    snprintf(rq->method, sizeof rq->method, "%s", method);
    if (rq->too_big)
        return answer(c, rq, 413, "application/json; charset=utf-8", (void *)TOO_BIG_BODY,
                      sizeof TOO_BIG_BODY - 1, 0, NULL);
    if (api)
        return serve_api(s, c, rq, method);
    return serve_static(s, c, rq, url, method);
}

/* Writes s to f with control bytes and quotes replaced, at most max bytes. */
static void log_safe(FILE *f, const char *str, size_t max)
{
    char buf[512];
    size_t n = 0;
    for (; *str && n < max && n < sizeof buf - 1; str++)
        buf[n++] = ((unsigned char)*str < 0x20 || *str == 0x7f || *str == '"') ? '?' : *str;
    buf[n] = 0;
    fputs(buf, f);
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    server *s = cls;
    request *rq = *req_cls;
    if (!rq)
        return;
    *req_cls = NULL;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    long long us = (long long)(end.tv_sec - rq->start.tv_sec) * 1000000 +
                   (end.tv_nsec - rq->start.tv_nsec) / 1000;
    if (rq->status) /* by route pattern: lanxang_http_requests_total (metrics.c) */
        lx_metrics_count(rq->method,
                         rq->route < 0 && (lx_api_owns(rq->target) || lx_metrics_owns(rq->target))
                             ? 0
                             : rq->route,
                         rq->status, us);
    if (!s->quiet && rq->status) {
        /* one fprintf of one line, so that lines of concurrent requests never mix */
        char line[640];
        FILE *m = fmemopen(line, sizeof line, "w");
        if (m) {
            log_safe(m, rq->method, 15);
            fputc(' ', m);
            log_safe(m, rq->target, 400);
            fprintf(m, " %d %lldus\n", rq->status, us);
            fclose(m);
            line[sizeof line - 1] = 0;
            fprintf(stderr, "lanxang: %s", line);
        }
    }
    free(rq->body);
    free(rq);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = 0;
    fprintf(stderr, "lanxang: http: %s\n", msg);
}

/* ---- the listening socket ---- */

/* Splits "HOST:PORT", "[v6]:PORT" or ":PORT" into host (NULL for every interface)
 * and port. Returns 0, or -1 when the address is malformed. */
static int split_listen(const char *spec, char *host, size_t hcap, char *port, size_t pcap,
                        int *v6)
{
    const char *colon;
    *v6 = 0;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || close == spec + 1)
            return -1;
        if ((size_t)(close - spec - 1) >= hcap)
            return -1;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = 0;
        colon = close + 1;
        *v6 = 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= hcap)
            return -1;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
        if (strchr(host, ':'))
            return -1; /* an IPv6 address needs brackets */
        if (!*host)
            snprintf(host, hcap, "0.0.0.0");
    }
    const char *p = colon + 1;
    size_t n = strlen(p);
    if (n == 0 || n > 5 || n >= pcap || strspn(p, "0123456789") != n || atol(p) > 65535)
        return -1;
    memcpy(port, p, n + 1);
    return 0;
}

/* Binds and listens; on success *fd and the printable URL base. */
static lx_err open_listener(const char *spec, int *fd, char *url, size_t url_cap)
{
    char host[256], port[8];
    int v6;
    if (split_listen(spec, host, sizeof host, port, sizeof port, &v6) != 0) {
        fprintf(stderr,
                "lanxang: bad listen address '%s': expected HOST:PORT, [IPv6]:PORT or :PORT\n",
                spec);
        return LX_INVAL;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = v6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (v6 ? AI_NUMERICHOST : 0);
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "lanxang: bad listen address '%s': %s\n", spec, gai_strerror(gai));
        return LX_INVAL;
    }
    int s = -1, err = 0;
    for (struct addrinfo *a = res; a && s < 0; a = a->ai_next) {
        s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (s < 0) {
            err = err ? err : errno;
            continue;
        }
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(s, a->ai_addr, a->ai_addrlen) != 0 || listen(s, SOMAXCONN) != 0) {
            err = err ? err : errno;
            close(s);
            s = -1;
        }
    }
    freeaddrinfo(res);
    if (s < 0) {
        if (err == EADDRINUSE)
            fprintf(stderr,
                    "lanxang: cannot listen on %s: the address is already in use "
                    "(is another server running on that port?)\n",
                    spec);
        else
            fprintf(stderr, "lanxang: cannot listen on %s: %s\n", spec, strerror(err));
        return LX_IO;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char h[INET6_ADDRSTRLEN + 1] = "?", p[8] = "?";
    if (getsockname(s, (struct sockaddr *)&ss, &sl) == 0)
        getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(url, url_cap, ss.ss_family == AF_INET6 ? "http://[%s]:%s/" : "http://%s:%s/", h,
             p);
    *fd = s;
    return LX_OK;
}

/* ---- stopping on a signal ---- */

static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    int saved = errno;
    stop_signal = sig;
    ssize_t w = write(stop_pipe[1], "", 1); /* async-signal-safe; a full pipe is fine */
    (void)w;
    errno = saved;
}

typedef struct {
    struct sigaction old_int, old_term;
} stop_guard;

static int catch_stop_signals(stop_guard *g)
{
    if (pipe(stop_pipe) != 0)
        return -1;
    for (int i = 0; i < 2; i++)
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
    fcntl(stop_pipe[1], F_SETFL, fcntl(stop_pipe[1], F_GETFL) | O_NONBLOCK);
    stop_signal = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: the read in wait_stop_signal must see EINTR, since a sanitizer
     * may defer the handler to the next library call (TSan does) */
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, &g->old_int);
    sigaction(SIGTERM, &sa, &g->old_term);
    return 0;
}

static void release_stop_signals(stop_guard *g)
{
    sigaction(SIGINT, &g->old_int, NULL);
    sigaction(SIGTERM, &g->old_term, NULL);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    stop_pipe[0] = stop_pipe[1] = -1;
}

/* Blocks until SIGINT or SIGTERM; returns the signal. */
static int wait_stop_signal(void)
{
    char b;
    while (!stop_signal && read(stop_pipe[0], &b, 1) != 1)
        ; /* EINTR */
    return stop_signal;
}

/* ---- the sweeper: expires due holds ---- */

typedef struct {
    lx_api *api;
    lx_book *book;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    pthread_t thread;
} sweeper;

static void *sweep_loop(void *arg)
{
    sweeper *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        uint32_t n = 0;
        lx_err e = lx_book_expire(w->book, lx_api_now(w->api), &n);
        if (e != LX_OK)
            fprintf(stderr, "lanxang: expiring holds: %s\n", lx_strerror(e));
        lx_api_seats_returned(w->api); /* at start, and for the holds that expired */
        pthread_mutex_lock(&w->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SWEEP_S;
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int sweeper_start(sweeper *w)
{
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->stop = 0;
    if (pthread_create(&w->thread, NULL, sweep_loop, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        return -1;
    }
    return 0;
}

static void sweeper_stop(sweeper *w)
{
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

/* ---- running ---- */

static unsigned pick_threads(unsigned want)
{
    if (want == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        want = n > 0 ? (unsigned)n : 1;
    }
    return want > MAX_THREADS ? MAX_THREADS : want;
}

lx_err lx_server_run(const lx_net *net, const lx_server_opts *opts)
{
    const char *listen_spec = opts->listen && *opts->listen ? opts->listen : DEFAULT_LISTEN;
    server s = {.quiet = opts->quiet,
                .max_conns = opts->max_connections ? opts->max_connections : CONNECTION_LIMIT};
    s.assets = lx_web_assets(&s.n_assets);
    if (opts->web_dir) {
        s.web_dir = realpath(opts->web_dir, NULL);
        struct stat sb;
        if (!s.web_dir || stat(s.web_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "lanxang: web folder '%s': %s\n", opts->web_dir,
                    s.web_dir ? "not a directory" : strerror(errno));
            free(s.web_dir);
            return LX_IO;
        }
    }
    lx_err e = lx_api_create(net, &s.api);
    if (e != LX_OK) {
        free(s.web_dir);
        return e;
    }
    lx_api_set_book(s.api, opts->book, opts->fixed_now);
    lx_api_set_seller(s.api, opts->seller);
    lx_api_set_tickets(s.api, opts->store, opts->keys);
    size_t n_routes = lx_api_route_count();
    s.rules = calloc(n_routes ? n_routes : 1, sizeof *s.rules);
    if (!s.rules || lx_cache_create((size_t)opts->cache_mb << 20, &s.cache) != LX_OK) {
        free(s.rules);
        lx_api_destroy(s.api);
        free(s.web_dir);
        return LX_NOMEM;
    }
    for (size_t i = 0; i < n_routes; i++)
        s.rules[i] = lx_cache_rule_of(lx_api_route_pattern(i));
    lx_metrics_set_cache(s.cache);

    stop_guard guard;
    if (catch_stop_signals(&guard) != 0) {
        fprintf(stderr, "lanxang: cannot create a pipe: %s\n", strerror(errno));
        lx_metrics_set_cache(NULL);
        lx_cache_destroy(s.cache);
        free(s.rules);
        lx_api_destroy(s.api);
        free(s.web_dir);
        return LX_IO;
    }

    int fd = -1;
    char url[128];
    struct MHD_Daemon *d = NULL;
    e = open_listener(listen_spec, &fd, url, sizeof url);
    if (e == LX_OK) {
        unsigned threads = pick_threads(opts->threads);
        unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | (s.quiet ? 0 : MHD_USE_ERROR_LOG);
        d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, &s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, &s,
            MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK, on_uri, &s,
            MHD_OPTION_NOTIFY_COMPLETED, on_done, &s, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, &s, MHD_OPTION_CONNECTION_LIMIT, s.max_conns + BUSY_MARGIN,
            MHD_OPTION_CONNECTION_TIMEOUT,
            opts->timeout_s ? opts->timeout_s : (unsigned)CONNECTION_TIMEOUT_S,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
            MHD_OPTION_THREAD_POOL_SIZE,
            threads > 1 ? threads : 0u, MHD_OPTION_END);
        if (!d) {
            fprintf(stderr, "lanxang: cannot start the HTTP server on %s\n", listen_spec);
            close(fd);
            e = LX_IO;
        }
    }
    sweeper sw = {.api = s.api, .book = opts->book};
    int sweeping = 0;
    if (e == LX_OK && opts->book) {
        if (sweeper_start(&sw) != 0) {
            fprintf(stderr, "lanxang: cannot start the thread that expires holds\n");
            MHD_stop_daemon(d);
            e = LX_IO;
        } else {
            sweeping = 1;
        }
    }
    if (e == LX_OK) {
        fprintf(stderr, "lanxang: serving %s\n", url);
        int sig = wait_stop_signal();
        if (!s.quiet)
            fprintf(stderr, "lanxang: %s received, stopping\n",
                    sig == SIGINT ? "SIGINT" : "SIGTERM");
        MHD_stop_daemon(d); /* closes the listening socket and every connection */
    }
    if (sweeping)
        sweeper_stop(&sw);
    release_stop_signals(&guard);
    lx_metrics_set_cache(NULL);
    lx_cache_destroy(s.cache);
    free(s.rules);
    lx_api_destroy(s.api);
    free(s.web_dir);
    return e;
}
