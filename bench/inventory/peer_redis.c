/* peer_redis: the Redis + Lua design of the inventory benchmark (bench/inventory/peers.md).
 *
 * The design of the open-source 12306 clones: the inventory lives in Redis and every
 * change to it is one Lua script, which Redis runs atomically (one script at a time).
 * Per train (run) two keys:
 *
 *   lx:<train>:left    a hash with one field per station pair "a-b" (a < b): the seats
 *                      still free on every segment from a to b. An availability query is
 *                      one HGET; this is the clones' remaining-ticket counter per route.
 *   lx:<train>:seats   a string of 2 bytes per seat (little-endian): bit k set = the seat
 *                      is sold on segment k (station k to k+1). BW_STATIONS - 1 <= 16.
 *
 * A purchase (script BUY) reads the pair's counter and answers "sold out" at once when it
 * is 0. Otherwise it scans the seats in order and takes the first whose mask has none of
 * the journey's segments (first fit, as the clones do), sets them, and decrements every
 * pair counter whose interval overlaps the journey and was free on that seat before. A
 * refund (script REFUND) clears the journey's segments of the seat and increments every
 * overlapping pair counter whose interval is now free on it. Both scripts are loaded
 * once (SCRIPT LOAD) and run with EVALSHA.
 *
 * Each thread has its own connection and pipelines: it appends a batch of P requests
 * (redisAppendCommand), then reads the P replies (peer_common.h explains how refunds
 * are drawn only from earlier batches).
 *
 * Durability is the server's: with Redis's default configuration (RDB snapshots, no
 * AOF) an acknowledged purchase can be lost in a crash, and the JSON says
 * "durable":false, design "redis-lua". Against a server with appendonly yes and
 * appendfsync always (bench/inventory/servers.sh start redis-aof) every write is
 * fsync'ed before it is acknowledged, and the design is reported as "redis-lua-aof",
 * durable. The driver asks the server (CONFIG GET) rather than trusting a flag.
 */
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "peer_common.h"

#if BW_STATIONS - 1 > 16
#error "the seat masks are 16 bits: at most 17 stations"
#endif

#define SEAT_BYTES 2
#define LOAD_CHUNK 64 /* trains per pipelined batch while loading and reading back */

/* Lua, shared by both scripts: the station count, and the pair counters' update. A pair
 * (a, b) overlaps the journey (from, to) when a < to and b > from; its counter moves by
 * delta when the pair's segments are all free in m. */
#define LUA_PRELUDE                                                                         \
    "local NST = %d\n"                                                                      \
    "local function recount(key, from, to, m, delta)\n"                                     \
    "  for a = 0, to - 1 do\n"                                                              \
    "    for b = math.max(a, from) + 1, NST - 1 do\n"                                       \
    "      if bit.band(m, bit.lshift(1, b) - bit.lshift(1, a)) == 0 then\n"                 \
    "        redis.call('HINCRBY', key, a .. '-' .. b, delta)\n"                            \
    "      end\n"                                                                           \
    "    end\n"                                                                             \
    "  end\n"                                                                               \
    "end\n"                                                                                 \
    "local function put(key, seat, m)\n"                                                    \
    "  redis.call('SETRANGE', key, 2 * seat, string.char(bit.band(m, 255), bit.rshift(m, 8)))\n" \
    "end\n"

/* KEYS: left, seats; ARGV: from, to. Returns the seat, or -1 when sold out. */
static const char LUA_BUY[] =
    "local from, to = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
    "local left = tonumber(redis.call('HGET', KEYS[1], from .. '-' .. to))\n"
    "if not left or left <= 0 then return -1 end\n"
    "local jm = bit.lshift(1, to) - bit.lshift(1, from)\n"
    "local s = redis.call('GET', KEYS[2])\n"
    "for i = 0, #s / 2 - 1 do\n"
    "  local lo, hi = string.byte(s, 2 * i + 1, 2 * i + 2)\n"
    "  local old = lo + hi * 256\n"
    "  if bit.band(old, jm) == 0 then\n"
    "    put(KEYS[2], i, bit.bor(old, jm))\n"
    "    recount(KEYS[1], from, to, old, -1)\n"
    "    return i\n"
    "  end\n"
    "end\n"
    "return redis.error_reply('pair ' .. from .. '-' .. to .. ' counts ' .. left .. ' but no seat is free')\n";

/* KEYS: left, seats; ARGV: seat, from, to. Returns 1. */
static const char LUA_REFUND[] =
    "local seat, from, to = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local jm = bit.lshift(1, to) - bit.lshift(1, from)\n"
    "local lo, hi = string.byte(redis.call('GETRANGE', KEYS[2], 2 * seat, 2 * seat + 1), 1, 2)\n"
    "local old = lo + hi * 256\n"
    "if bit.band(old, jm) ~= jm then\n"
    "  return redis.error_reply('seat ' .. seat .. ' is not sold on ' .. from .. '-' .. to)\n"
    "end\n"
    "local new = bit.band(old, bit.bnot(jm))\n"
    "put(KEYS[2], seat, new)\n"
    "recount(KEYS[1], from, to, new, 1)\n"
    "return 1\n";

/* set by load, read by the threads it starts afterwards */
static char sha_buy[64], sha_refund[64];

static void *r_connect(const pc_opts *o, char *err, size_t n)
{
    struct timeval tv = {5, 0}, op = {60, 0};
    redisContext *c = redisConnectWithTimeout(o->host, o->port, tv);
    if (!c || c->err) {
        pc_fmt(err, n, "cannot connect to redis at %s:%d: %s", o->host, o->port,
               c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, op);
    return c;
}

static void r_disconnect(void *c) { redisFree(c); }

/* the reply to a command appended earlier; NULL (and err) on a connection error or an
 * error reply */
static redisReply *r_reply(redisContext *c, char *err, size_t n)
{
    void *r = NULL;
    if (redisGetReply(c, &r) != REDIS_OK || !r) {
        pc_fmt(err, n, "redis: %s", c->errstr[0] ? c->errstr : "no reply");
        return NULL;
    }
    redisReply *rr = r;
    if (rr->type == REDIS_REPLY_ERROR) {
        pc_fmt(err, n, "redis: %s", rr->str);
        freeReplyObject(rr);
        return NULL;
    }
    return rr;
}

/* a command sent alone, its reply checked for errors and freed; 0 = ok */
static int r_simple(redisContext *c, char *err, size_t n, const char *cmd)
{
    redisReply *r;
    if (redisAppendCommand(c, cmd) != REDIS_OK || !(r = r_reply(c, err, n)))
        return -1;
    freeReplyObject(r);
    return 0;
}

static int r_script(redisContext *c, const char *body, char *sha, char *err, size_t n)
{
    char src[4096];
    int len = snprintf(src, sizeof src, LUA_PRELUDE "%s", BW_STATIONS, body);
    redisReply *r;
    if (len < 0 || (size_t)len >= sizeof src) {
        pc_fmt(err, n, "script too long");
        return -1;
    }
    if (redisAppendCommand(c, "SCRIPT LOAD %b", src, (size_t)len) != REDIS_OK ||
        !(r = r_reply(c, err, n)))
        return -1;
    int ok = r->type == REDIS_REPLY_STRING && r->len < 64;
    if (ok)
        memcpy(sha, r->str, (size_t)r->len + 1);
    else
        pc_fmt(err, n, "SCRIPT LOAD: unexpected reply");
    freeReplyObject(r);
    return ok ? 0 : -1;
}

/* CONFIG GET name -> value (empty when unknown) */
static void r_config(redisContext *c, const char *name, char *val, size_t n)
{
    redisReply *r = redisCommand(c, "CONFIG GET %s", name);
    val[0] = 0;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_STRING)
        snprintf(val, n, "%s", r->element[1]->str);
    if (r)
        freeReplyObject(r);
}

/* the fields of a train's counter hash, "a-b", in a fixed order */
typedef struct {
    char name[BW_STATIONS * (BW_STATIONS - 1) / 2][8];
    uint8_t a[BW_STATIONS * (BW_STATIONS - 1) / 2], b[BW_STATIONS * (BW_STATIONS - 1) / 2];
    int n;
} r_pairs;

static void r_pairs_init(r_pairs *p)
{
    p->n = 0;
    for (int a = 0; a < BW_STATIONS; a++)
        for (int b = a + 1; b < BW_STATIONS; b++) {
            snprintf(p->name[p->n], sizeof p->name[0], "%d-%d", a, b);
            p->a[p->n] = (uint8_t)a;
            p->b[p->n++] = (uint8_t)b;
        }
}

static int r_load(void *conn, const pc_opts *o, pc_peer *self, char *err, size_t n)
{
    redisContext *c = conn;
    char aof[32], fsync[32];
    static char design[64];
    r_config(c, "appendonly", aof, sizeof aof);
    r_config(c, "appendfsync", fsync, sizeof fsync);
    if (!strcmp(aof, "yes")) {
        self->durable = !strcmp(fsync, "always");
        snprintf(design, sizeof design, "redis-lua-aof%s%s", self->durable ? "" : "-", self->durable ? "" : fsync);
        self->design = design;
    }
    if (r_simple(c, err, n, "FLUSHDB") || r_script(c, LUA_BUY, sha_buy, err, n) ||
        r_script(c, LUA_REFUND, sha_refund, err, n))
        return -1;

    static r_pairs p;
    static char zero[BW_SEATS * SEAT_BYTES], count[16], key[2][32];
    const char *argv[2 + 2 * (sizeof p.a)];
    size_t argl[2 + 2 * (sizeof p.a)];
    r_pairs_init(&p);
    snprintf(count, sizeof count, "%d", BW_SEATS);
    argv[0] = "HSET";
    for (int i = 0; i < p.n; i++) {
        argv[2 + 2 * i] = p.name[i];
        argv[3 + 2 * i] = count;
    }
    for (int i = 0; i < 2 + 2 * p.n; i++)
        argl[i] = strlen(argv[i] ? argv[i] : "");
    for (uint32_t t0 = 0; t0 < o->trains; t0 += LOAD_CHUNK) {
        uint32_t t1 = t0 + LOAD_CHUNK < o->trains ? t0 + LOAD_CHUNK : o->trains;
        for (uint32_t t = t0; t < t1; t++) {
            snprintf(key[0], sizeof key[0], "lx:%" PRIu32 ":left", t);
            argv[1] = key[0];
            argl[1] = strlen(key[0]);
            redisAppendCommandArgv(c, 2 + 2 * p.n, argv, argl);
            redisAppendCommand(c, "SET lx:%u:seats %b", t, zero, sizeof zero);
        }
        for (uint32_t t = t0; t < t1; t++)
            for (int k = 0; k < 2; k++) {
                redisReply *r = r_reply(c, err, n);
                if (!r)
                    return -1;
                freeReplyObject(r);
            }
    }
    return 0;
}

static int r_batch(void *conn, const pc_opts *o, pc_op *ops, int n, char *err, size_t en)
{
    redisContext *c = conn;
    (void)o;
    for (int i = 0; i < n; i++) {
        const bw_req *q = &ops[i].req;
        const pc_ticket *t = &ops[i].ticket;
        int rc;
        if (q->kind == BW_QUERY)
            rc = redisAppendCommand(c, "HGET lx:%u:left %u-%u", q->train, q->from, q->to);
        else if (q->kind == BW_BUY)
            rc = redisAppendCommand(c, "EVALSHA %s 2 lx:%u:left lx:%u:seats %u %u", sha_buy,
                                    q->train, q->train, q->from, q->to);
        else
            rc = redisAppendCommand(c, "EVALSHA %s 2 lx:%u:left lx:%u:seats %d %u %u", sha_refund,
                                    t->train, t->train, (int)t->seat, t->from, t->to);
        if (rc != REDIS_OK) {
            pc_fmt(err, en, "redis: %s", c->errstr);
            return -1;
        }
    }
    int rc = 0;
    for (int i = 0; i < n; i++) { /* read every reply, even after an error */
        pc_op *op = &ops[i];
        redisReply *r = r_reply(c, err, en);
        if (!r) {
            rc = -1;
            if (c->err)
                break;
            continue;
        }
        if (op->req.kind == BW_QUERY && r->type == REDIS_REPLY_STRING) {
            op->count = strtoll(r->str, NULL, 10);
        } else if (op->req.kind != BW_QUERY && r->type == REDIS_REPLY_INTEGER) {
            op->status = r->integer < 0 ? PC_REFUSED : PC_DONE;
            if (op->req.kind == BW_BUY)
                op->ticket.seat = (int32_t)r->integer;
        } else {
            pc_fmt(err, en, "redis: unexpected reply of type %d", r->type);
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

/* the seats of every train, and a check of every pair counter against them */
static int r_read_back(void *conn, const pc_opts *o, uint64_t *masks, int64_t *stored_tickets,
                       char *err, size_t n)
{
    redisContext *c = conn;
    r_pairs p;
    r_pairs_init(&p);
    *stored_tickets = -1; /* the clones keep orders elsewhere (a database) */
    for (uint32_t t0 = 0; t0 < o->trains; t0 += LOAD_CHUNK) {
        uint32_t t1 = t0 + LOAD_CHUNK < o->trains ? t0 + LOAD_CHUNK : o->trains;
        for (uint32_t t = t0; t < t1; t++) {
            redisAppendCommand(c, "GET lx:%u:seats", t);
            redisAppendCommand(c, "HGETALL lx:%u:left", t);
        }
        for (uint32_t t = t0; t < t1; t++) {
            redisReply *s = r_reply(c, err, n), *h = s ? r_reply(c, err, n) : NULL;
            int rc = 0;
            uint64_t *m = masks + (size_t)t * BW_SEATS;
            if (!s || !h) {
                rc = -1;
            } else if (s->type != REDIS_REPLY_STRING || s->len != BW_SEATS * SEAT_BYTES ||
                       h->type != REDIS_REPLY_ARRAY || h->elements != 2 * (size_t)p.n) {
                pc_fmt(err, n, "train %" PRIu32 ": the keys are missing or malformed", t);
                rc = -1;
            } else {
                for (int k = 0; k < BW_SEATS; k++)
                    m[k] = (uint8_t)s->str[2 * k] | (uint64_t)(uint8_t)s->str[2 * k + 1] << 8;
                for (int i = 0; i < p.n && !rc; i++) {
                    uint64_t pm = PC_MASK(p.a[i], p.b[i]);
                    long long want = 0, got = -1;
                    for (int k = 0; k < BW_SEATS; k++)
                        want += (m[k] & pm) == 0;
                    for (size_t e = 0; e + 1 < h->elements; e += 2)
                        if (!strcmp(h->element[e]->str, p.name[i]))
                            got = strtoll(h->element[e + 1]->str, NULL, 10);
                    if (got != want) {
                        pc_fmt(err, n, "train %" PRIu32 ": counter %s is %lld, %lld seats are free",
                               t, p.name[i], got, want);
                        rc = -1;
                    }
                }
            }
            if (s)
                freeReplyObject(s);
            if (h)
                freeReplyObject(h);
            if (rc)
                return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    pc_peer p = {.design = "redis-lua", .max_pipeline = PC_MAX_PIPELINE, .default_pipeline = 32,
                 .default_ops = 120000, .connect = r_connect, .disconnect = r_disconnect,
                 .load = r_load, .batch = r_batch, .read_back = r_read_back};
    return pc_main(argc, argv, &p);
}
