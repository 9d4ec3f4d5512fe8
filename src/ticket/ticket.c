/* E-tickets: packing, signing and verifying. No I/O, no clock, no allocation, so that a
 * gate device can embed this file with libsodium alone.
 *
 * THE PAYLOAD (version 1; docs/tickets.md is the reference for people):
 *
 *   off  size  field
 *   0    1     version, 1
 *   1    8     order id, the 64-bit number behind its 13 Crockford base32 characters,
 *              big-endian
 *   9    1     passenger index (high 4 bits, 0-based) and passenger count (low 4 bits)
 *   10   2     service day, days since 1970-01-01, big-endian (to 2149)
 *   12   4     departure of the journey, Unix seconds, big-endian (to 2106)
 *   16   2     duration of the journey in whole minutes, rounded up, big-endian
 *   18   ...   seven strings, each a length byte and that many bytes of UTF-8 with no
 *              NUL: feed, train, from stop_id, to stop_id, class, seat, passenger name
 *              (cut to LX_TICKET_NAME_MAX bytes at a character boundary)
 *   end  64    Ed25519 signature of every byte before it (detached)
 *
 * The whole is written as base64url without padding: a ticket on the built-in railway
 * is about 110 bytes, 150 characters, a QR code of version 8 or 9 at level M. Every
 * integer is big-endian, every length checked, and nothing follows the signature: a
 * payload is either exactly what was signed or refused.
 *
 * Why these choices: Ed25519 signatures are 64 bytes and verify in about 50 µs on a
 * small ARM core, with keys of 32 bytes that fit in a gate's configuration; a binary
 * layout keeps the QR code small enough to scan from a cracked phone screen; base64url
 * rather than base45 because the payload also travels in JSON, URLs and shell arguments,
 * where base45's space, '%' and '/' need quoting (base45 would make the code about 20%
 * smaller, a later version byte can switch). */
#include "lanxang/ticket.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define FIXED_LEN 18
#define N_STRINGS 7
#define MIN_LEN (FIXED_LEN + N_STRINGS + LX_TICKET_SIG_LEN)

const char *lx_ticket_result_code(lx_ticket_result r)
{
    static const char *const codes[LX_TICKET_RESULT_COUNT_] = {
        "accepted",   "malformed", "bad_signature", "wrong_station", "wrong_train",
        "wrong_date", "too_early", "too_late",      "unknown_order", "not_valid",
        "already_used"};
    return (unsigned)r < LX_TICKET_RESULT_COUNT_ ? codes[r] : "malformed";
}

lx_err lx_ticket_result_err(lx_ticket_result r)
{
    return r == LX_TICKET_ACCEPTED ? LX_OK : r == LX_TICKET_ALREADY_USED ? LX_CONFLICT : LX_FORMAT;
}

/* ---- base64url ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t lx_ticket_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t need = n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    if (cap <= need)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[k++] = b64[v >> 18 & 63];
        out[k++] = b64[v >> 12 & 63];
        if (i + 1 < n)
            out[k++] = b64[v >> 6 & 63];
        if (i + 2 < n)
            out[k++] = b64[v & 63];
    }
    out[k] = 0;
    return k;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

long lx_ticket_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 == 1)
        return -1;
    size_t len = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (len > cap)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* the unused low bits of the last character must be zero */
        return -1;
    return (long)k;
}

/* ---- order ids: 13 characters of Crockford base32 <-> 64 bits ---- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int id_parse(const char *s, uint64_t *out)
{
    if (strlen(s) != 13)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 13; i++) {
        char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
        const char *p = c ? strchr(crockford, c) : NULL;
        if (!p || (i == 0 && p - crockford > 15))
            return 0;
        v = v << 5 | (uint64_t)(p - crockford);
    }
    *out = v;
    return 1;
}

static void id_format(uint64_t v, char out[LX_BOOK_ID_LEN])
{
    for (int i = 12; i >= 0; i--) {
        out[i] = crockford[v & 31];
        v >>= 5;
    }
    out[13] = 0;
}

/* ---- packing ---- */

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* The first bytes of s, at most max, ending at a UTF-8 character boundary. */
static size_t cut_utf8(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static int put_str(uint8_t *buf, size_t *k, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max || n > 255)
        return 0;
    buf[(*k)++] = (uint8_t)n;
    memcpy(buf + *k, s, n);
    *k += n;
    return 1;
}

static size_t pack(const lx_ticket *t, uint8_t *buf)
{
    uint64_t oid;
    if (!id_parse(t->order, &oid) || t->count < 1 || t->count > 15 || t->index >= t->count ||
        t->service_day < 0 || t->service_day > 65535 || t->departure < 0 ||
        t->departure > (lx_instant_t)UINT32_MAX || t->arrival < t->departure ||
        (t->arrival - t->departure + 59) / 60 > 65535)
        return 0;
    size_t k = 0;
    buf[k++] = LX_TICKET_VERSION;
    put_be(buf + k, oid, 8), k += 8;
    buf[k++] = (uint8_t)(t->index << 4 | t->count);
    put_be(buf + k, (uint64_t)t->service_day, 2), k += 2;
    put_be(buf + k, (uint64_t)t->departure, 4), k += 4;
    put_be(buf + k, (uint64_t)((t->arrival - t->departure + 59) / 60), 2), k += 2;
    char name[LX_TICKET_NAME_MAX + 1];
    size_t nn = cut_utf8(t->passenger, LX_TICKET_NAME_MAX);
    memcpy(name, t->passenger, nn);
    name[nn] = 0;
    if (!put_str(buf, &k, t->feed, sizeof t->feed - 1) ||
        !put_str(buf, &k, t->train, sizeof t->train - 1) ||
        !put_str(buf, &k, t->from_stop, sizeof t->from_stop - 1) ||
        !put_str(buf, &k, t->to_stop, sizeof t->to_stop - 1) ||
        !put_str(buf, &k, t->cls, sizeof t->cls - 1) ||
        !put_str(buf, &k, t->seat, sizeof t->seat - 1) || !put_str(buf, &k, name, LX_TICKET_NAME_MAX))
        return 0;
    return k;
}

lx_err lx_ticket_encode(const lx_ticket *t, const uint8_t sk[LX_TICKET_SK_LEN], char *out,
                        size_t cap)
{
    uint8_t buf[LX_TICKET_BIN_MAX];
    size_t k = pack(t, buf);
    if (!k)
        return LX_INVAL;
    if (sodium_init() < 0)
        return LX_INTERNAL;
    crypto_sign_detached(buf + k, NULL, buf, k, sk);
    k += LX_TICKET_SIG_LEN;
    return lx_ticket_b64_encode(buf, k, out, cap) ? LX_OK : LX_TOOBIG;
}

lx_err lx_ticket_issue(const lx_book_order *o, const uint8_t sk[LX_TICKET_SK_LEN],
                       char out[][LX_TICKET_TEXT_MAX], uint32_t *n)
{
    *n = 0;
    if (o->state != LX_ORDER_CONFIRMED)
        return LX_CONFLICT;
    if (o->n < 1 || o->n > LX_INV_MAX_PAX)
        return LX_INVAL;
    for (uint32_t i = 0; i < o->n; i++) {
        lx_ticket t;
        memset(&t, 0, sizeof t);
        snprintf(t.order, sizeof t.order, "%s", o->id);
        t.index = (uint8_t)i;
        t.count = (uint8_t)o->n;
        t.service_day = o->service_day;
        t.departure = o->departure;
        t.arrival = o->arrival;
        /* a field longer than its place on the ticket refuses the ticket (LX_INVAL)
         * instead of being cut, except the name */
        if (strlen(o->feed) >= sizeof t.feed || strlen(o->train) >= sizeof t.train ||
            strlen(o->from_stop) >= sizeof t.from_stop || strlen(o->to_stop) >= sizeof t.to_stop ||
            strlen(o->cls) >= sizeof t.cls || strlen(o->seats[i]) >= sizeof t.seat)
            return LX_INVAL;
        memcpy(t.feed, o->feed, strlen(o->feed));
        memcpy(t.train, o->train, strlen(o->train));
        memcpy(t.from_stop, o->from_stop, strlen(o->from_stop));
        memcpy(t.to_stop, o->to_stop, strlen(o->to_stop));
        memcpy(t.cls, o->cls, strlen(o->cls));
        memcpy(t.seat, o->seats[i], strlen(o->seats[i]));
        size_t nn = cut_utf8(o->pax[i].name, LX_TICKET_NAME_MAX);
        memcpy(t.passenger, o->pax[i].name, nn);
        lx_err e = lx_ticket_encode(&t, sk, out[i], LX_TICKET_TEXT_MAX);
        if (e)
            return e;
    }
    *n = o->n;
    return LX_OK;
}

/* ---- verifying ---- */

static int get_str(const uint8_t *buf, size_t end, size_t *k, char *out, size_t cap)
{
    if (*k >= end)
        return 0;
    size_t n = buf[(*k)++];
    if (n >= cap || n > end - *k || memchr(buf + *k, 0, n))
        return 0;
    memcpy(out, buf + *k, n);
    out[n] = 0;
    *k += n;
    return 1;
}

static int unpack(const uint8_t *buf, size_t len, lx_ticket *t)
{
    memset(t, 0, sizeof *t);
    if (len < MIN_LEN || buf[0] != LX_TICKET_VERSION)
        return 0;
    size_t end = len - LX_TICKET_SIG_LEN, k = 1;
    id_format(get_be(buf + k, 8), t->order), k += 8;
    t->index = buf[k] >> 4;
    t->count = buf[k] & 15;
    k++;
    t->service_day = (lx_date_t)get_be(buf + k, 2), k += 2;
    t->departure = (lx_instant_t)get_be(buf + k, 4), k += 4;
    t->arrival = t->departure + (lx_instant_t)get_be(buf + k, 2) * 60, k += 2;
    if (t->count < 1 || t->index >= t->count)
        return 0;
    return get_str(buf, end, &k, t->feed, sizeof t->feed) &&
           get_str(buf, end, &k, t->train, sizeof t->train) &&
           get_str(buf, end, &k, t->from_stop, sizeof t->from_stop) &&
           get_str(buf, end, &k, t->to_stop, sizeof t->to_stop) &&
           get_str(buf, end, &k, t->cls, sizeof t->cls) &&
           get_str(buf, end, &k, t->seat, sizeof t->seat) &&
           get_str(buf, end, &k, t->passenger, sizeof t->passenger) && k == end;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

lx_ticket_result lx_ticket_verify(const char *text, size_t len,
                                  const uint8_t pk[LX_TICKET_PK_LEN], lx_instant_t now,
                                  const lx_ticket_check *check, lx_ticket *out)
{
    lx_ticket scratch;
    lx_ticket *t = out ? out : &scratch;
    memset(t, 0, sizeof *t);
    while (len > 0 && is_space(*text))
        text++, len--;
    while (len > 0 && is_space(text[len - 1]))
        len--;
    uint8_t buf[LX_TICKET_BIN_MAX];
    long n = lx_ticket_b64_decode(text, len, buf, sizeof buf);
    lx_ticket decoded;
    if (n < MIN_LEN || !unpack(buf, (size_t)n, &decoded))
        return LX_TICKET_MALFORMED;
    if (sodium_init() < 0 ||
        crypto_sign_verify_detached(buf + n - LX_TICKET_SIG_LEN, buf,
                                    (unsigned long long)n - LX_TICKET_SIG_LEN, pk) != 0)
        return LX_TICKET_BAD_SIGNATURE;
    *t = decoded;
    static const lx_ticket_check any = {0};
    if (!check)
        check = &any;
    if (check->stations && check->n_stations) {
        uint32_t i = 0;
        while (i < check->n_stations && strcmp(check->stations[i], t->from_stop) != 0)
            i++;
        if (i == check->n_stations)
            return LX_TICKET_WRONG_STATION;
    }
    if (check->train && *check->train && strcmp(check->train, t->train) != 0)
        return LX_TICKET_WRONG_TRAIN;
    if (check->has_day && check->service_day != t->service_day)
        return LX_TICKET_WRONG_DATE;
    int32_t early = check->early > 0 ? check->early : 1200;
    int32_t late = check->late > 0 ? check->late : 0;
    if (now < t->departure - early)
        return LX_TICKET_TOO_EARLY;
    if (now > t->arrival + late)
        return LX_TICKET_TOO_LATE;
    return LX_TICKET_ACCEPTED;
}
