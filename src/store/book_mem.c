/* The booking store's memory beside the engine: order ids, the map of orders, runs and
 * their locks, the text an order carries (owner, payment, passengers). See book.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "book_int.h"

uint64_t bk_owner_token(const char *owner)
{
    if (!owner || !*owner)
        return 0;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)owner; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h ? h : 1; /* 0 means "no owner" */
}

/* ---- ids: 64 random bits, shown as 13 characters of Crockford's base32 ---- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void bk_id_format(lx_order_id oid, char out[LX_BOOK_ID_LEN])
{
    /* 13 digits of 5 bits: the first holds the top 4 bits */
    for (int i = 12; i >= 0; i--) {
        out[i] = crockford[oid & 31];
        oid >>= 5;
    }
    out[13] = 0;
}

static int crockford_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    switch (c) {
    case 'O':
        return 0;
    case 'I':
    case 'L':
        return 1;
    case 'U':
        return -1;
    }
    const char *p = c ? strchr(crockford, c) : NULL;
    return p ? (int)(p - crockford) : -1;
}

lx_order_id bk_id_parse(const char *text)
{
    if (!text || strlen(text) != 13)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 13; i++) {
        int d = crockford_value(text[i]);
        if (d < 0 || (i == 0 && d > 15))
            return 0;
        v = v << 5 | (uint64_t)d;
    }
    return v;
}

/* Random bits drawn from the kernel 128 ids at a time, per thread: no lock on the way. */
static _Thread_local uint64_t pool[128];
static _Thread_local uint32_t pool_left;

static int random_u64(uint64_t *v)
{
    while (pool_left == 0) {
        ssize_t got = getrandom(pool, sizeof pool, 0);
        if (got == (ssize_t)sizeof pool)
            pool_left = sizeof pool / sizeof *pool;
        else if (got < 0 && errno != EINTR)
            return -1;
    }
    *v = pool[--pool_left];
    return 0;
}

lx_order_id bk_id_new(lx_book *b)
{
    /* 64 random bits are all but never an id in use; when they are, the engine or the
     * map refuses the duplicate and the id is drawn again (take() in book_ops.c), so
     * no lookup here */
    (void)b;
    uint64_t v;
    while (random_u64(&v) == 0)
        if (v != 0)
            return v;
    return 0;
}

/* ---- seat labels ---- */

/* Writes v with at least two digits; returns the end. */
static char *put_2digits(char *p, unsigned v)
{
    char tmp[12];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (k < 2)
        tmp[k++] = '0';
    while (k)
        *p++ = tmp[--k];
    return p;
}

size_t bk_seat_label(const lx_inv_run *run, uint32_t seat, char buf[12])
{
    if (seat >= lx_inv_seat_count(run)) {
        buf[0] = '?';
        buf[1] = 0;
        return 1;
    }
    lx_inv_seat s;
    lx_inv_seat_info(run, seat, &s);
    if (s.coach > 999 || s.row > 999) { /* would not fit: as the engine cuts it */
        lx_inv_seat_label(run, seat, buf, 12);
        return strlen(buf);
    }
    char *p = put_2digits(buf, s.coach);
    *p++ = '-';
    p = put_2digits(p, s.row);
    *p++ = s.letter;
    *p = 0;
    return (size_t)(p - buf);
}

/* ---- runs ---- */

uint16_t bk_stripe_of(uint32_t feed, uint32_t trip, lx_date_t day)
{
    uint64_t h = ((uint64_t)feed << 48) ^ ((uint64_t)trip << 20) ^ (uint32_t)day;
    h *= 0x9E3779B97F4A7C15ull;
    return (uint16_t)((h >> 40) % BK_STRIPES);
}

uint16_t bk_stripe_of_run(uint32_t feed, const lx_inv_run *run)
{
    return bk_stripe_of(feed, lx_inv_run_trip(run), lx_inv_run_day(run));
}

lx_err bk_run_get(lx_book *b, uint32_t feed, uint32_t trip, lx_date_t day, int create,
                  lx_inv_run **out, char *msg, size_t msg_len)
{
    bk_feed *f = &b->feeds[feed];
    pthread_rwlock_rdlock(&f->runs);
    *out = lx_inv_run_find(f->inv, trip, day);
    pthread_rwlock_unlock(&f->runs);
    if (*out)
        return LX_OK;
    if (!create)
        return LX_NOTFOUND;
    pthread_rwlock_wrlock(&f->runs);
    lx_err e = lx_inv_run_add(f->inv, trip, day, out, msg, msg_len);
    pthread_rwlock_unlock(&f->runs);
    return e;
}

/* ---- the map of orders ---- */

static bk_shard *shard_of(lx_book *b, lx_order_id oid)
{
    return &b->shards[oid % BK_SHARDS];
}

/* The ids are random, so their bits are a good hash already; the shard took the low
 * six, the slot takes the next ones. */
static uint32_t slot_of(lx_order_id oid, uint32_t cap)
{
    return (uint32_t)(oid >> 6) & (cap - 1);
}

static bk_order *find_locked(bk_shard *s, lx_order_id oid)
{
    if (!s->cap)
        return NULL;
    for (uint32_t i = slot_of(oid, s->cap);; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i].oid == oid)
            return s->slots[i].rec;
        if (!s->slots[i].oid)
            return NULL;
    }
}

bk_order *bk_map_find(lx_book *b, lx_order_id oid)
{
    bk_shard *s = shard_of(b, oid);
    pthread_mutex_lock(&s->mu);
    bk_order *r = find_locked(s, oid);
    pthread_mutex_unlock(&s->mu);
    return r;
}

static void put_slot(bk_slot *slots, uint32_t cap, lx_order_id oid, bk_order *rec)
{
    uint32_t i = slot_of(oid, cap);
    while (slots[i].oid)
        i = (i + 1) & (cap - 1);
    slots[i].oid = oid;
    slots[i].rec = rec;
}

static int grow(bk_shard *s)
{
    uint32_t cap = s->cap ? s->cap * 2 : 256;
    bk_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (uint32_t i = 0; i < s->cap; i++)
        if (s->slots[i].oid)
            put_slot(slots, cap, s->slots[i].oid, s->slots[i].rec);
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

bk_order *bk_map_add(lx_book *b, lx_order_id oid, int *dup)
{
    bk_shard *s = shard_of(b, oid);
    bk_order *r = NULL;
    pthread_mutex_lock(&s->mu);
    if ((*dup = find_locked(s, oid) != NULL) || ((s->count + 1) * 2 > s->cap && grow(s) != 0))
        goto out;
    if (!s->chunks || s->chunks->used == BK_CHUNK) {
        bk_chunk *c = malloc(sizeof *c);
        if (!c)
            goto out;
        c->used = 0;
        c->next = s->chunks;
        s->chunks = c;
    }
    r = &s->chunks->recs[s->chunks->used++];
    memset(r, 0, sizeof *r);
    r->oid = oid;
    r->price = -1;
    put_slot(s->slots, s->cap, oid, r);
    s->count++;
out:
    pthread_mutex_unlock(&s->mu);
    return r;
}

void bk_map_remove(lx_book *b, bk_order *rec)
{
    bk_shard *s = shard_of(b, rec->oid);
    pthread_mutex_lock(&s->mu);
    uint32_t mask = s->cap - 1, i = slot_of(rec->oid, s->cap);
    while (s->slots[i].oid && s->slots[i].oid != rec->oid)
        i = (i + 1) & mask;
    if (s->slots[i].oid) {
        /* backward shift: move later members of the cluster into the hole when their
         * home slot does not lie (cyclically) between the hole and them */
        s->slots[i].oid = 0;
        for (uint32_t j = (i + 1) & mask; s->slots[j].oid; j = (j + 1) & mask) {
            uint32_t home = slot_of(s->slots[j].oid, s->cap);
            int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!between) {
                s->slots[i] = s->slots[j];
                s->slots[j].oid = 0;
                i = j;
            }
        }
        s->count--;
    }
    free(rec->text);
    rec->text = NULL;
    rec->oid = 0;
    pthread_mutex_unlock(&s->mu);
}

void bk_map_free(lx_book *b)
{
    for (int k = 0; k < BK_SHARDS; k++) {
        bk_shard *s = &b->shards[k];
        for (bk_chunk *c = s->chunks, *next; c; c = next) {
            next = c->next;
            for (uint32_t i = 0; i < c->used; i++)
                free(c->recs[i].text);
            free(c);
        }
        free(s->slots);
        s->chunks = NULL;
        s->slots = NULL;
        s->cap = s->count = 0;
    }
}

/* ---- text ---- */

char *bk_text_make(const char *owner, const char *payment, const char *pax, const char *extra,
                   int *err)
{
    owner = owner ? owner : "";
    payment = payment ? payment : "";
    pax = pax ? pax : "";
    extra = extra ? extra : "";
    if (!*owner && !*payment && !*pax && !*extra)
        return NULL;
    size_t a = strlen(owner) + 1, p = strlen(payment) + 1, x = strlen(pax) + 1,
           e = strlen(extra) + 1;
    char *t = malloc(a + p + x + e);
    if (!t) {
        *err = 1;
        return NULL;
    }
    memcpy(t, owner, a);
    memcpy(t + a, payment, p);
    memcpy(t + a + p, pax, x);
    memcpy(t + a + p + x, extra, e);
    return t;
}

const char *bk_text_owner(const char *text)
{
    return text ? text : "";
}

const char *bk_text_payment(const char *text)
{
    return text ? text + strlen(text) + 1 : "";
}

const char *bk_text_pax(const char *text)
{
    if (!text)
        return "";
    const char *p = bk_text_payment(text);
    return p + strlen(p) + 1;
}

const char *bk_text_extra(const char *text)
{
    if (!text)
        return "";
    const char *p = bk_text_pax(text);
    return p + strlen(p) + 1;
}

int64_t bk_extra_int(const char *extra, const char *key, int64_t dflt)
{
    char v[32];
    if (!bk_extra_get(extra, key, v, sizeof v))
        return dflt;
    char *end;
    long long x = strtoll(v, &end, 10);
    return *end ? dflt : (int64_t)x;
}

int bk_extra_get(const char *extra, const char *key, char *out, size_t cap)
{
    size_t k = strlen(key);
    for (const char *p = extra ? extra : ""; *p;) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        if ((size_t)(nl - p) > k && !memcmp(p, key, k) && p[k] == '=') {
            size_t len = (size_t)(nl - p) - k - 1;
            if (len >= cap)
                len = cap - 1;
            memcpy(out, p + k + 1, len);
            out[len] = 0;
            return 1;
        }
        p = *nl ? nl + 1 : nl;
    }
    if (cap)
        out[0] = 0;
    return 0;
}

char *bk_extra_set(const char *extra, const char *key, const char *val)
{
    extra = extra ? extra : "";
    size_t k = strlen(key), n = strlen(extra), v = strlen(val);
    char *out = malloc(n + k + v + 3), *w = out;
    if (!out)
        return NULL;
    for (const char *p = extra; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (!(len > k && !memcmp(p, key, k) && p[k] == '=')) {
            memcpy(w, p, len);
            w += len;
            *w++ = '\n';
        }
        p += len + (nl ? 1 : 0);
    }
    memcpy(w, key, k);
    w += k;
    *w++ = '=';
    memcpy(w, val, v);
    w += v;
    *w++ = '\n';
    *w = 0;
    return out;
}

/* (book_int.h) Splits the line at p (up to its '\n' or the end) at tabs into up to n fields copied
 * into f[i] (caps[i] bytes); returns where the next line starts. */
const char *bk_split_line(const char *p, char **f, const size_t *caps, int n)
{
    const char *nl = strchr(p, '\n');
    if (!nl)
        nl = p + strlen(p);
    const char *next = *nl ? nl + 1 : nl;
    for (int k = 0; k < n; k++)
        f[k][0] = 0;
    for (int k = 0; k < n && p <= nl; k++) {
        const char *tab = memchr(p, '\t', (size_t)(nl - p));
        const char *end = tab ? tab : nl;
        size_t len = (size_t)(end - p);
        len = len < caps[k] - 1 ? len : caps[k] - 1;
        memcpy(f[k], p, len);
        f[k][len] = 0;
        if (!tab)
            break;
        p = tab + 1;
    }
    return next;
}

uint32_t bk_pax_hashes(const char *pax, const char *out[LX_INV_MAX_PAX])
{
    uint32_t n = 0;
    const int H = BK_DOC_HASH_HEX - 1;
    for (const char *p = pax; p && *p && n < LX_INV_MAX_PAX;) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        for (const char *q = p; q + 1 < nl; q++)
            if (q[0] == '\t' && q[1] == '#') {
                const char *h = q + 2;
                int k = 0;
                while (k < H && h + k < nl && isxdigit((unsigned char)h[k]))
                    k++;
                if (k == H && (h + k == nl || h[k] == '\t'))
                    out[n++] = h;
                break;
            }
        p = *nl ? nl + 1 : nl;
    }
    return n;
}

/* Copies up to max bytes of s into buf at *at, tabs and line breaks as spaces. */
static void put_clean(char *buf, size_t len, size_t *at, const char *s, size_t max)
{
    for (size_t k = 0; k < max && s[k] && *at + 1 < len; k++)
        buf[(*at)++] = (s[k] == '\t' || s[k] == '\n' || s[k] == '\r') ? ' ' : s[k];
}

/* "name\tmasked\ttype\tbirth\t#hash[\tfare_type\tfare]\n" per passenger (book_docs.c):
 * the document number itself is never kept. key NULL: the passengers are as an order
 * tells them (document masked already, doc_hash given), as a change copies them. */
void bk_pax_format(const uint8_t key[BK_DOC_KEY], const lx_book_pax *pax, uint32_t n, char *buf,
                   size_t len)
{
    size_t at = 0;
    int any = 0;
    for (uint32_t i = 0; i < n; i++)
        any |= pax[i].name[0] != 0 || pax[i].document[0] != 0;
    if (any)
        for (uint32_t i = 0; i < n && at + 8 + BK_DOC_HASH_HEX < len; i++) {
            char masked[sizeof pax[i].document], hash[BK_DOC_HASH_HEX];
            if (!pax[i].document[0]) {
                masked[0] = hash[0] = 0; /* no document: nothing to match (bk_pax_hashes) */
            } else if (key) {
                bk_doc_protect(key, pax[i].document, masked, sizeof masked, hash);
            } else {
                bk_copy(masked, sizeof masked, pax[i].document);
                bk_copy(hash, sizeof hash, pax[i].doc_hash);
            }
            put_clean(buf, len - 6 - BK_DOC_HASH_HEX, &at, pax[i].name, sizeof pax[i].name);
            buf[at++] = '\t';
            put_clean(buf, len - 5 - BK_DOC_HASH_HEX, &at, masked, sizeof masked);
            buf[at++] = '\t';
            put_clean(buf, len - 4 - BK_DOC_HASH_HEX, &at, pax[i].doc_type, sizeof pax[i].doc_type);
            buf[at++] = '\t';
            put_clean(buf, len - 3 - BK_DOC_HASH_HEX, &at, pax[i].birth_date,
                      sizeof pax[i].birth_date);
            buf[at++] = '\t';
            buf[at++] = '#';
            size_t hl = strlen(hash);
            memcpy(buf + at, hash, hl);
            at += hl;
            /* the fare type and this passenger's fare (issue 5), when known */
            if (pax[i].fare_type[0] && at + sizeof pax[i].fare_type + 24 < len) {
                buf[at++] = '\t';
                put_clean(buf, len, &at, pax[i].fare_type, sizeof pax[i].fare_type);
                at += (size_t)snprintf(buf + at, len - at, "\t%lld", (long long)pax[i].fare);
            }
            buf[at++] = '\n';
        }
    buf[at] = 0;
}

void bk_report(char *msg, size_t msg_len, size_t *at, const char *fmt, ...)
{
    if (!msg || *at + 1 >= msg_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(msg + *at, msg_len - *at, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    *at = *at + (size_t)k < msg_len ? *at + (size_t)k : msg_len - 1;
    if (*at + 1 < msg_len) {
        msg[(*at)++] = '\n';
        msg[*at] = 0;
    }
}

lx_err bk_say(lx_err e, char *msg, size_t msg_len, const char *fmt, ...)
{
    if (msg && msg_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_len, fmt, ap);
        va_end(ap);
    }
    return e;
}

void bk_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src ? src : "", n);
    dst[n] = 0;
}

int lx_book_doc_type_valid(const char *type)
{
    return type && (strcmp(type, "passport") == 0 || strcmp(type, "national_id") == 0 ||
                    strcmp(type, "family_book") == 0);
}
