/* lx_bench_gen: writes a large, valid, realistic GTFS railway feed for the import
 * benchmark (bench/run.sh, docs/PERFORMANCE.md).
 *
 *   lx_bench_gen DIR N_STOP_TIMES [SEED]
 *
 * DIR gets agency.txt (one agency, Asia/Shanghai), stops.txt (2,000 stations with
 * names, codes and coordinates), routes.txt (60 lines), calendar.txt and
 * calendar_dates.txt (weekday/weekend/daily/summer services and public holidays),
 * trips.txt (trip_id "T000123", trip_short_name "G123"/"D123"/"K123", headsign,
 * direction), stop_times.txt, transfers.txt and feed_info.txt.
 *
 * Trips run along a segment of a line, stopping everywhere or (express) skipping
 * stops, with 10 to 40 stops each; times increase along the trip, intermediate stops
 * have a dwell, and trips that leave late in the evening run past 24:00 (e.g.
 * 25:12:00), as GTFS allows. The last trip is sized so that stop_times.txt has
 * exactly N_STOP_TIMES rows (N_STOP_TIMES >= 2).
 *
 * The output depends only on N_STOP_TIMES and SEED (default 1). N may be written
 * 600000, 600k or 2M. Plain C11; writes through its own buffer so that two million
 * stop times take a fraction of a second.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

enum {
    N_STATIONS = 2000,
    N_ROUTES = 60,
    ROUTE_MIN = 40, /* stations per line */
    ROUTE_MAX = 80,
    TRIP_MIN = 10, /* stops per trip */
    TRIP_MAX = 40,
};

/* ---- deterministic random numbers (splitmix64) ---- */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static uint32_t rnd_in(uint32_t lo, uint32_t hi)
{
    return lo + (uint32_t)(rnd() % ((uint64_t)hi - lo + 1));
}

static double rnd_unit(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }

/* ---- buffered writer ---- */
typedef struct {
    FILE *f;
    const char *path;
    size_t n;
    int err;
    char buf[1 << 16];
} writer;

static writer W;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "lx_bench_gen: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void w_flush(void)
{
    if (W.n && fwrite(W.buf, 1, W.n, W.f) != W.n)
        die("cannot write", W.path);
    W.n = 0;
}

static void w_open(const char *dir, const char *name)
{
    static char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        fprintf(stderr, "lx_bench_gen: path too long: %s\n", dir);
        exit(1);
    }
    W.path = path;
    W.n = 0;
    if (!(W.f = fopen(path, "wb")))
        die("cannot create", path);
}

static void w_close(void)
{
    w_flush();
    if (fclose(W.f) != 0)
        die("cannot write", W.path);
    W.f = NULL;
}

static void w_mem(const char *s, size_t len)
{
    if (W.n + len > sizeof W.buf) {
        w_flush();
        if (len > sizeof W.buf) {
            if (fwrite(s, 1, len, W.f) != len)
                die("cannot write", W.path);
            return;
        }
    }
    memcpy(W.buf + W.n, s, len);
    W.n += len;
}

static void w_str(const char *s) { w_mem(s, strlen(s)); }

static void w_ch(char c)
{
    if (W.n == sizeof W.buf)
        w_flush();
    W.buf[W.n++] = c;
}

/* v in decimal, zero-padded to at least `width` digits */
static void w_uint(uint32_t v, int width)
{
    char tmp[16];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k < width)
        tmp[k++] = '0';
    if (W.n + (size_t)k > sizeof W.buf)
        w_flush();
    while (k)
        W.buf[W.n++] = tmp[--k];
}

/* seconds after midnight of the service day as HH:MM:SS (hours may pass 24) */
static void w_time(uint32_t t)
{
    w_uint(t / 3600, 2);
    w_ch(':');
    w_uint(t / 60 % 60, 2);
    w_ch(':');
    w_uint(t % 60, 2);
}

static void w_fmt(const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0 || k >= (int)sizeof tmp) {
        fprintf(stderr, "lx_bench_gen: internal: line too long\n");
        exit(1);
    }
    w_mem(tmp, (size_t)k);
}

/* ---- the network ---- */
static const char *const syllables[48] = {
    "an",   "bai",  "bao",   "bei",   "chang", "cheng", "da",   "dong", "feng", "fu",
    "gao",  "guang", "hai",  "he",    "hong",  "hua",   "huang", "jia", "jiang", "jin",
    "kai",  "lan",  "le",    "li",    "lin",   "long",  "luo",  "mei",  "ming", "nan",
    "ning", "ping", "qing",  "shan",  "shang", "shi",   "shui", "tai",  "tian", "wen",
    "xi",   "xin",  "yang",  "yun",   "ze",    "zhang", "zhou", "zhu"};

typedef struct {
    char name[40];
    char code[4];
    double lat, lon;
} station;

typedef struct {
    uint32_t n;
    uint16_t st[ROUTE_MAX]; /* station indices in order */
} line;

static station stations[N_STATIONS];
static line lines[N_ROUTES];

static void make_stations(void)
{
    double lat = 25.0 + 10.0 * rnd_unit(), lon = 102.0 + 14.0 * rnd_unit();
    for (uint32_t i = 0; i < N_STATIONS; i++) {
        station *s = &stations[i];
        /* 2,304 distinct two-syllable names, visited in a scrambled order */
        uint32_t p = (i * 1031u + 17u) % (48u * 48u);
        const char *a = syllables[p / 48], *b = syllables[p % 48];
        snprintf(s->name, sizeof s->name, "%c%s%s%s", a[0] - 'a' + 'A', a + 1, b,
                 i % 9 == 0 ? " South" : i % 13 == 0 ? " East" : "");
        /* 3-letter codes, distinct: 7919 is prime to 26^3 */
        uint32_t c = (i * 7919u + 1u) % (26u * 26u * 26u);
        s->code[0] = (char)('A' + c / 676);
        s->code[1] = (char)('A' + c / 26 % 26);
        s->code[2] = (char)('A' + c % 26);
        s->code[3] = 0;
        /* a random walk, so that neighbouring indices (which lines use) lie close */
        lat += (rnd_unit() - 0.5) * 0.12;
        lon += (rnd_unit() - 0.5) * 0.12 + 0.01;
        if (lat < 21.0 || lat > 42.0)
            lat = 21.0 + 21.0 * rnd_unit();
        if (lon < 98.0 || lon > 122.0)
            lon = 98.0 + 4.0 * rnd_unit();
        s->lat = lat;
        s->lon = lon;
    }
}

static void make_lines(void)
{
    for (uint32_t r = 0; r < N_ROUTES; r++) {
        line *l = &lines[r];
        l->n = rnd_in(ROUTE_MIN, ROUTE_MAX);
        /* a run of neighbouring stations; lines overlap, so stations shared between
         * lines are interchanges */
        uint32_t start = rnd_in(0, N_STATIONS - 1);
        for (uint32_t k = 0; k < l->n; k++)
            l->st[k] = (uint16_t)((start + k) % N_STATIONS);
    }
}

/* ---- services ---- */
typedef struct {
    const char *id;
    const char *days; /* "1111100" Monday..Sunday, NULL: calendar_dates.txt only */
    const char *start, *end;
    uint32_t weight; /* share of trips, per cent */
} service;

static const service services[] = {
    {"DAILY", "1111111", "20260101", "20261231", 50},
    {"WEEKDAY", "1111100", "20260101", "20261231", 20},
    {"WEEKEND", "0000011", "20260101", "20261231", 10},
    {"SUMMER", "1111111", "20260701", "20260831", 8},
    {"FRI_SUN", "0000101", "20260102", "20261227", 7},
    {"HOLIDAY", NULL, NULL, NULL, 5},
};
enum { N_SERVICES = sizeof services / sizeof *services };

/* public holidays of 2026 that fall on weekdays (Mon..Fri) */
static const char *const holidays[] = {
    "20260101", "20260102", "20260216", "20260217", "20260218", "20260219", "20260220",
    "20260406", "20260501", "20260504", "20260505", "20260619", "20260925", "20261001",
    "20261002", "20261005", "20261006", "20261007"};
enum { N_HOLIDAYS = sizeof holidays / sizeof *holidays };

static uint32_t pick_service(void)
{
    uint32_t x = rnd_in(0, 99), acc = 0;
    for (uint32_t i = 0; i < N_SERVICES; i++) {
        acc += services[i].weight;
        if (x < acc)
            return i;
    }
    return 0;
}

/* ---- the files ---- */
static void write_small_files(const char *dir, uint32_t seed, uint64_t n)
{
    w_open(dir, "agency.txt");
    w_str("agency_id,agency_name,agency_url,agency_timezone,agency_lang,agency_phone\n");
    w_str("LXB,Lanxang Benchmark Railway,https://example.org/lanxang-bench,Asia/Shanghai,en,"
          "+86 12306\n");
    w_close();

    w_open(dir, "stops.txt");
    w_str("stop_id,stop_code,stop_name,stop_lat,stop_lon,wheelchair_boarding\n");
    for (uint32_t i = 0; i < N_STATIONS; i++)
        w_fmt("S%04u,%s,%s,%.6f,%.6f,%u\n", i + 1, stations[i].code, stations[i].name,
              stations[i].lat, stations[i].lon, i % 5 ? 1u : 2u);
    w_close();

    w_open(dir, "routes.txt");
    w_str("route_id,agency_id,route_short_name,route_long_name,route_type,route_color,"
          "route_text_color\n");
    for (uint32_t r = 0; r < N_ROUTES; r++) {
        const line *l = &lines[r];
        w_fmt("R%02u,LXB,L%u,%s – %s,2,%06X,FFFFFF\n", r + 1, r + 1, stations[l->st[0]].name,
              stations[l->st[l->n - 1]].name, (unsigned)(rnd() & 0x7F7F7F));
    }
    w_close();

    w_open(dir, "calendar.txt");
    w_str("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
          "end_date\n");
    for (uint32_t i = 0; i < N_SERVICES; i++) {
        const service *s = &services[i];
        if (!s->days)
            continue;
        w_str(s->id);
        for (int d = 0; d < 7; d++) {
            w_ch(',');
            w_ch(s->days[d]);
        }
        w_fmt(",%s,%s\n", s->start, s->end);
    }
    w_close();

    /* on weekday holidays: no weekday service, weekend and holiday services run */
    w_open(dir, "calendar_dates.txt");
    w_str("service_id,date,exception_type\n");
    for (uint32_t h = 0; h < N_HOLIDAYS; h++) {
        w_fmt("WEEKDAY,%s,2\n", holidays[h]);
        w_fmt("WEEKEND,%s,1\n", holidays[h]);
        w_fmt("HOLIDAY,%s,1\n", holidays[h]);
    }
    w_str("DAILY,20261224,2\n");
    w_close();

    /* timed transfers at interchanges: the stations two lines share */
    static uint8_t lines_at[N_STATIONS];
    for (uint32_t r = 0; r < N_ROUTES; r++)
        for (uint32_t k = 0; k < lines[r].n; k++)
            if (lines_at[lines[r].st[k]] < 255)
                lines_at[lines[r].st[k]]++;
    w_open(dir, "transfers.txt");
    w_str("from_stop_id,to_stop_id,transfer_type,min_transfer_time\n");
    for (uint32_t i = 0; i < N_STATIONS; i++)
        if (lines_at[i] >= 3)
            w_fmt("S%04u,S%04u,2,%u\n", i + 1, i + 1, 300u + 60u * (i % 6));
    w_close();

    w_open(dir, "feed_info.txt");
    w_str("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,"
          "feed_version\n");
    w_fmt("lanxang benchmark generator,https://example.org/lanxang-bench,en,20260101,20261231,"
          "bench-%llu-seed-%u\n", (unsigned long long)n, seed);
    w_close();
}

/* picks k of the m positions 0..m-1, always the first and the last, in order */
static void choose_stops(uint32_t m, uint32_t k, uint32_t *pos)
{
    uint32_t got = 0;
    pos[got++] = 0;
    uint32_t need = k - 2, left = m - 2; /* inner positions 1..m-2 */
    for (uint32_t p = 1; p + 1 < m && need; p++, left--)
        if (rnd() % left < need) {
            pos[got++] = p;
            need--;
        }
    pos[got] = m - 1;
}

static uint64_t write_trips(const char *dir, uint64_t n_st)
{
    FILE *tf;
    static char tpath[4096];
    snprintf(tpath, sizeof tpath, "%s/trips.txt", dir);
    if (!(tf = fopen(tpath, "wb")))
        die("cannot create", tpath);
    static char tbuf[1 << 16];
    setvbuf(tf, tbuf, _IOFBF, sizeof tbuf);
    fputs("route_id,service_id,trip_id,trip_headsign,trip_short_name,direction_id\n", tf);

    w_open(dir, "stop_times.txt");
    w_str("trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n");

    uint64_t left = n_st, trip = 0;
    uint32_t pos[ROUTE_MAX];
    char id[24];
    while (left) {
        /* stops of this trip: sized so that the last trip lands exactly on n_st */
        uint32_t k;
        if (left <= TRIP_MAX)
            k = (uint32_t)left;
        else {
            k = rnd_in(TRIP_MIN, TRIP_MAX);
            if (left - k < TRIP_MIN)
                k = (uint32_t)(left - TRIP_MIN);
        }
        left -= k;
        uint32_t r = rnd_in(0, N_ROUTES - 1);
        const line *l = &lines[r];
        int express = k >= 4 && rnd_in(0, 9) < 3;
        uint32_t m = k;
        if (express) {
            m = k + rnd_in(1, k / 2 + 1);
            if (m > l->n)
                m = l->n;
        }
        uint32_t seg = rnd_in(0, l->n - m);
        int reverse = (int)(rnd() & 1);
        if (m == k)
            for (uint32_t i = 0; i < k; i++)
                pos[i] = i;
        else
            choose_stops(m, k, pos);

        trip++;
        int idlen = snprintf(id, sizeof id, "T%06llu", (unsigned long long)trip);
        uint32_t last_st = l->st[seg + (reverse ? pos[0] : pos[k - 1])];
        static const char prefix[3] = {'G', 'D', 'K'};
        fprintf(tf, "R%02u,%s,%s,%s,%c%llu,%d\n", r + 1, services[pick_service()].id, id,
                stations[last_st].name, prefix[express ? 0 : 1 + (trip % 3 == 0)],
                (unsigned long long)trip, reverse);

        /* first departure 05:00..23:59; legs of 3..9 minutes per line segment, dwell of
         * 1..3 minutes at inner stops */
        uint32_t t = 5 * 3600 + rnd_in(0, 19 * 60 - 1) * 60;
        for (uint32_t i = 0; i < k; i++) {
            uint32_t at = seg + (reverse ? pos[k - 1 - i] : pos[i]);
            if (i)
                t += 60 * rnd_in(3, 9) * (reverse ? pos[k - i] - pos[k - 1 - i] : pos[i] - pos[i - 1]);
            uint32_t dep = t;
            if (i && i + 1 < k)
                dep += 60 * rnd_in(1, 3);
            w_mem(id, (size_t)idlen);
            w_ch(',');
            w_time(t);
            w_ch(',');
            w_time(dep);
            w_str(",S");
            w_uint(l->st[at] + 1u, 4);
            w_ch(',');
            w_uint(i + 1, 1);
            /* no boarding at the last stop, no alighting at the first */
            w_str(i + 1 == k ? ",1,0\n" : i == 0 ? ",0,1\n" : ",0,0\n");
            t = dep;
        }
    }
    w_close();
    if (fclose(tf) != 0)
        die("cannot write", tpath);
    return trip;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    if (*end == 'k' || *end == 'K')
        v *= 1000ull, end++;
    else if (*end == 'm' || *end == 'M')
        v *= 1000000ull, end++;
    if (*end || v > 1000000000ull)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n, seed = 1;
    if (argc < 3 || argc > 4 || parse_count(argv[2], &n) || n < 2 ||
        (argc == 4 && parse_count(argv[3], &seed))) {
        fprintf(stderr, "usage: lx_bench_gen DIR N_STOP_TIMES [SEED]\n"
                        "  writes a valid GTFS railway feed with exactly N_STOP_TIMES stop times\n"
                        "  (2 <= N <= 1e9; 600000, 600k and 2M are understood) into DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("cannot create", dir);
    rng_state = seed * 0x2545F4914F6CDD1Dull + 0x1234567ull;
    make_stations();
    make_lines();
    write_small_files(dir, (uint32_t)seed, n);
    uint64_t trips = write_trips(dir, n);
    printf("lx_bench_gen: wrote %s: %llu stop times, %llu trips, %u stations, %u routes, %u "
           "services (seed %llu)\n",
           dir, (unsigned long long)n, (unsigned long long)trips, (unsigned)N_STATIONS,
           (unsigned)N_ROUTES, (unsigned)N_SERVICES, (unsigned long long)seed);
    return 0;
}
