/* lx_load: an open-loop HTTP/1.1 load generator, for the latency at a fixed rate that
 * the HTTP benchmark reports (bench/http/run.sh: "p99 at 80% of peak").
 *
 * wrk is closed-loop: a connection sends its next request only once the last answer
 * came, so when the server stalls the client stalls too and the stall is counted once
 * instead of for every request that should have gone out meanwhile ("coordinated
 * omission"). wrk2 fixes that with a fixed rate, but Debian does not ship it. lx_load
 * sends request i at t0 + i / rate whatever happened before, over a pool of keep-alive
 * connections, and measures each request's latency from the time it was due to go
 * out: a request that waits for a free connection is late by that wait.
 *
 *   lx_load -a HOST:PORT -r RATE -d SECONDS [-c CONNS] -f REQUESTS
 *
 * REQUESTS: one request per line, "METHOD PATH" or "METHOD PATH BODY" (BODY is sent
 * as application/json, up to the end of the line); the lines are used in turn,
 * starting again at the top. Prints one JSON line, prefixed "JSON ", like
 * bench/http/report.lua's: rate asked and reached, latency percentiles in
 * microseconds, answers by status class, 409s apart, errors.
 *
 * One thread, epoll, non-blocking sockets; answers must carry Content-Length (lanxang
 * and nginx do). Loopback only, for benchmarks: no TLS, no redirects, no chunking. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define BUF 65536

typedef struct {
    char *data;        /* the whole request, formatted */
    size_t len;
} request;

typedef struct {
    int fd;
    int busy;          /* a request is out */
    double due;        /* when its request was due (s since t0) */
    const request *rq;
    size_t sent;
    char in[BUF];
    size_t got;
} conn;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "lx_load: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static request *read_requests(const char *path, const char *host, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path);
    request *rq = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *method = strtok(line, " ");
        char *target = method ? strtok(NULL, " ") : NULL;
        char *body = target ? strtok(NULL, "") : NULL;
        if (!target)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            rq = realloc(rq, cap * sizeof *rq);
            if (!rq)
                die("memory");
        }
        char *s = NULL;
        int k = body ? asprintf(&s,
                                "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                                "Content-Length: %zu\r\n\r\n%s",
                                method, target, host, strlen(body), body)
                     : asprintf(&s, "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n", method, target, host);
        if (k < 0)
            die("memory");
        rq[n].data = s;
        rq[n++].len = (size_t)k;
    }
    free(line);
    fclose(f);
    if (!n) {
        fprintf(stderr, "lx_load: no requests in %s\n", path);
        exit(2);
    }
    *n_out = n;
    return rq;
}

/* Watches c for answers, and for room to send while its request is not all sent. */
static void watch(int ep, conn *c, uint32_t idx, int op)
{
    struct epoll_event ev = {.events = EPOLLIN | (c->busy && c->sent < c->rq->len ? EPOLLOUT : 0),
                             .data.u32 = idx};
    if (epoll_ctl(ep, op, c->fd, &ev) != 0)
        die("epoll_ctl");
}

static int connect_to(const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 && errno != EINPROGRESS)
        die("connect");
    return fd;
}

/* The length of a whole answer at the start of buf, 0 when more is needed, -1 when
 * it is not one lx_load can read. *status: its status code. */
static long answer_len(const char *buf, size_t got, int *status)
{
    const char *end = memmem(buf, got, "\r\n\r\n", 4);
    if (!end)
        return got >= BUF ? -1 : 0;
    size_t head = (size_t)(end - buf) + 4;
    if (got < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(buf + 9);
    long body = -1;
    for (const char *p = buf; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
        if (*p == '\n')
            p++;
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            body = strtol(p + 15, NULL, 10);
    }
    if (body < 0 || head + (size_t)body > BUF)
        return -1;
    return got >= head + (size_t)body ? (long)(head + (size_t)body) : 0;
}

int main(int argc, char **argv)
{
    const char *addr = NULL, *file = NULL;
    double rate = 0, dur = 0;
    int conns = 32, opt;
    while ((opt = getopt(argc, argv, "a:r:d:c:f:")) != -1) {
        switch (opt) {
        case 'a': addr = optarg; break;
        case 'r': rate = atof(optarg); break;
        case 'd': dur = atof(optarg); break;
        case 'c': conns = atoi(optarg); break;
        case 'f': file = optarg; break;
        default: addr = NULL;
        }
    }
    if (!addr || !file || rate <= 0 || dur <= 0 || conns < 1 || conns > MAX_CONNS) {
        fprintf(stderr, "usage: lx_load -a HOST:PORT -r RATE -d SECONDS [-c CONNS 1..%d] "
                        "-f REQUESTS\n", MAX_CONNS);
        return 2;
    }
    char host[64];
    snprintf(host, sizeof host, "%s", addr);
    char *colon = strrchr(host, ':');
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (!colon || inet_pton(AF_INET, (*colon = 0, host), &sa.sin_addr) != 1) {
        fprintf(stderr, "lx_load: -a takes an IPv4 HOST:PORT\n");
        return 2;
    }
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    size_t n_rq;
    request *rq = read_requests(file, addr, &n_rq);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll");
    conn *cs = calloc((size_t)conns, sizeof *cs);
    size_t total = (size_t)(rate * dur) + 1;
    double *lat = malloc(total * sizeof *lat);
    if (!cs || !lat)
        die("memory");
    for (int i = 0; i < conns; i++) {
        cs[i].fd = connect_to(&sa);
        watch(ep, &cs[i], (uint32_t)i, EPOLL_CTL_ADD);
    }
    uint64_t st2xx = 0, st409 = 0, other = 0, errors = 0;
    size_t issued = 0, done = 0, next_rq = 0;
    double t0 = now_s(), t_end = t0 + dur;
    /* due requests waiting for a free connection: their due times, in order */
    double *queue = malloc(total * sizeof *queue);
    size_t q_head = 0, q_tail = 0;
    if (!queue)
        die("memory");
    struct epoll_event evs[256];
    /* idle connections, as a stack; busy: requests out */
    int *idle = malloc((size_t)conns * sizeof *idle), n_idle = 0, busy = 0;
    if (!idle)
        die("memory");
    for (int i = conns - 1; i >= 0; i--)
        idle[n_idle++] = i;
    for (;;) {
        double t = now_s();
        while (issued < total && t0 + (double)issued / rate <= t && t < t_end)
            queue[q_tail++] = (double)issued++ / rate;
        while (n_idle && q_head < q_tail) {
            int i = idle[--n_idle];
            busy++;
            cs[i].busy = 1;
            cs[i].due = queue[q_head++];
            cs[i].rq = &rq[next_rq++ % n_rq];
            cs[i].sent = 0;
            cs[i].got = 0;
            ssize_t k = send(cs[i].fd, cs[i].rq->data, cs[i].rq->len, MSG_NOSIGNAL);
            if (k > 0)
                cs[i].sent = (size_t)k;
            if (cs[i].sent < cs[i].rq->len)
                watch(ep, &cs[i], (uint32_t)i, EPOLL_CTL_MOD);
        }
        if (t >= t_end && !busy)
            break;
        if (t >= t_end + 5) /* answers still out 5 s after the end: counted below */
            break;
        double next_due = issued < total && t < t_end ? t0 + (double)issued / rate : t + 0.001;
        int wait_ms = (int)((next_due - t) * 1000);
        int n = epoll_wait(ep, evs, 256, wait_ms < 0 ? 0 : wait_ms > 5 ? 5 : wait_ms);
        for (int e = 0; e < n; e++) {
            conn *c = &cs[evs[e].data.u32];
            if (!c->busy || c->fd < 0)
                continue;
            if ((evs[e].events & EPOLLOUT) && c->sent < c->rq->len) {
                ssize_t k = send(c->fd, c->rq->data + c->sent, c->rq->len - c->sent, MSG_NOSIGNAL);
                if (k > 0)
                    c->sent += (size_t)k;
                if (c->sent == c->rq->len)
                    watch(ep, c, evs[e].data.u32, EPOLL_CTL_MOD);
            }
            if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            ssize_t k = recv(c->fd, c->in + c->got, BUF - c->got, 0);
            if (k <= 0) {
                if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    continue;
                errors++; /* the server closed: reconnect, the request is lost */
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = connect_to(&sa);
                c->busy = 0;
                busy--;
                idle[n_idle++] = (int)evs[e].data.u32;
                watch(ep, c, evs[e].data.u32, EPOLL_CTL_ADD);
                continue;
            }
            c->got += (size_t)k;
            int status = 0;
            long len = answer_len(c->in, c->got, &status);
            if (len == 0)
                continue;
            if (len < 0) {
                errors++;
            } else {
                lat[done++] = now_s() - t0 - c->due;
                if (status == 409)
                    st409++;
                else if (status >= 200 && status < 300)
                    st2xx++;
                else
                    other++;
            }
            c->busy = 0;
            busy--;
            idle[n_idle++] = (int)evs[e].data.u32;
        }
    }
    double elapsed = now_s() - t0;
    /* requests never answered count with what they had waited so far (at least) */
    size_t unanswered = q_tail - q_head;
    for (size_t i = q_head; i < q_tail; i++)
        lat[done++] = elapsed - queue[i];
    for (int i = 0; i < conns; i++)
        if (cs[i].busy) {
            unanswered++;
            lat[done++] = elapsed - cs[i].due;
        }
    qsort(lat, done, sizeof *lat, cmp_double);
#define PCT(p) (done ? lat[(size_t)((double)(done - 1) * (p))] * 1e6 : 0)
    double sum = 0;
    for (size_t i = 0; i < done; i++)
        sum += lat[i];
    printf("JSON {\"requests\":%zu,\"duration_s\":%.3f,\"rate\":%.1f,\"rps\":%.1f,"
           "\"status_2xx\":%llu,\"status_409\":%llu,\"other_status\":%llu,\"errors\":%llu,"
           "\"unanswered\":%zu,\"lat_mean_us\":%.1f,\"lat_p50_us\":%.0f,\"lat_p90_us\":%.0f,"
           "\"lat_p99_us\":%.0f,\"lat_p999_us\":%.0f,\"lat_max_us\":%.0f}\n",
           done - unanswered, elapsed, rate,
           (double)(done - unanswered) / (elapsed < dur ? dur : elapsed),
           (unsigned long long)st2xx, (unsigned long long)st409, (unsigned long long)other,
           (unsigned long long)errors, unanswered, done ? sum / (double)done * 1e6 : 0,
           PCT(0.50), PCT(0.90), PCT(0.99), PCT(0.999), done ? lat[done - 1] * 1e6 : 0);
    for (size_t i = 0; i < n_rq; i++)
        free(rq[i].data);
    for (int i = 0; i < conns; i++)
        if (cs[i].fd >= 0)
            close(cs[i].fd);
    free(rq);
    free(cs);
    free(lat);
    free(queue);
    free(idle);
    close(ep);
    return 0;
}
