/* E-tickets (lanxang/ticket.h): packing, signing and verifying, base64url, keys on disk,
 * QR codes, and the check-ins of the catalog (migration 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lanxang/ticket.h"

static const lx_instant_t DEP = 1797733800; /* 2026-12-20T08:30:00+07:00 */
static const lx_instant_t ARR = 1797733800 + 116 * 60;

static lx_ticket sample(void)
{
    lx_ticket t;
    memset(&t, 0, sizeof t);
    strcpy(t.order, "AK1XKY4GED2Y0");
    t.index = 1;
    t.count = 2;
    strcpy(t.feed, "china-laos");
    strcpy(t.train, "C82");
    t.service_day = lx_date_from_ymd(2026, 12, 20);
    strcpy(t.from_stop, "vientiane");
    strcpy(t.to_stop, "luang_prabang");
    strcpy(t.cls, "second");
    strcpy(t.seat, "03-01D");
    t.departure = DEP;
    t.arrival = ARR;
    strcpy(t.passenger, "Somchai Phommachanh");
    return t;
}

static void keypair(uint8_t pk[32], uint8_t sk[64])
{
    assert_true(sodium_init() >= 0);
    crypto_sign_keypair(pk, sk);
}

static void test_round_trip(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64];
    keypair(pk, sk);
    lx_ticket t = sample(), got;
    char text[LX_TICKET_TEXT_MAX];
    assert_int_equal(lx_ticket_encode(&t, sk, text, sizeof text), LX_OK);
    assert_true(strlen(text) < 250);
    assert_int_equal(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     strlen(text));
    assert_int_equal(lx_ticket_verify(text, strlen(text), pk, DEP, NULL, &got), LX_TICKET_ACCEPTED);
    assert_memory_equal(&got, &t, sizeof t);
    /* white space around a scanned payload is no harm */
    char spaced[LX_TICKET_TEXT_MAX + 4];
    snprintf(spaced, sizeof spaced, " %s\n", text);
    assert_int_equal(lx_ticket_verify(spaced, strlen(spaced), pk, DEP, NULL, NULL),
                     LX_TICKET_ACCEPTED);
    /* signing is deterministic: the same ticket, the same payload */
    char again[LX_TICKET_TEXT_MAX];
    assert_int_equal(lx_ticket_encode(&t, sk, again, sizeof again), LX_OK);
    assert_string_equal(text, again);
    /* a field longer than its place, or a bad order id, is refused */
    lx_ticket bad = t;
    strcpy(bad.order, "NOT-AN-ID");
    assert_int_equal(lx_ticket_encode(&bad, sk, text, sizeof text), LX_INVAL);
    bad = t;
    bad.index = 2;
    assert_int_equal(lx_ticket_encode(&bad, sk, text, sizeof text), LX_INVAL);
    assert_int_equal(lx_ticket_encode(&t, sk, text, 20), LX_TOOBIG);
}

static void test_tampering(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], pk2[32], sk2[64];
    keypair(pk, sk);
    keypair(pk2, sk2);
    lx_ticket t = sample();
    char text[LX_TICKET_TEXT_MAX], other[LX_TICKET_TEXT_MAX];
    assert_int_equal(lx_ticket_encode(&t, sk, text, sizeof text), LX_OK);
    uint8_t bin[LX_TICKET_BIN_MAX];
    long n = lx_ticket_b64_decode(text, strlen(text), bin, sizeof bin);
    assert_true(n > 64);
    /* every single flipped bit is refused */
    for (long i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            bin[i] ^= (uint8_t)(1 << bit);
            assert_true(lx_ticket_b64_encode(bin, (size_t)n, other, sizeof other) > 0);
            lx_ticket_result r = lx_ticket_verify(other, strlen(other), pk, DEP, NULL, NULL);
            assert_true(r == LX_TICKET_BAD_SIGNATURE || r == LX_TICKET_MALFORMED);
            bin[i] ^= (uint8_t)(1 << bit);
        }
    /* a bit of the name: well-formed, so it is the signature that refuses it */
    bin[n - 64 - 3] ^= 1;
    lx_ticket_b64_encode(bin, (size_t)n, other, sizeof other);
    assert_int_equal(lx_ticket_verify(other, strlen(other), pk, DEP, NULL, NULL),
                     LX_TICKET_BAD_SIGNATURE);
    /* another key */
    assert_int_equal(lx_ticket_verify(text, strlen(text), pk2, DEP, NULL, NULL),
                     LX_TICKET_BAD_SIGNATURE);
    /* truncated, extended, garbage */
    size_t len = strlen(text);
    for (size_t cut = 0; cut < len; cut += (cut < 8 ? 1 : 7))
        assert_int_not_equal(lx_ticket_verify(text, len - 1 - cut, pk, DEP, NULL, NULL),
                             LX_TICKET_ACCEPTED);
    assert_int_equal(lx_ticket_verify(text, len - 1, pk, DEP, NULL, NULL), LX_TICKET_MALFORMED);
    bin[n - 64 - 3] ^= 1;
    bin[n] = 0;
    lx_ticket_b64_encode(bin, (size_t)n + 1, other, sizeof other);
    assert_int_equal(lx_ticket_verify(other, strlen(other), pk, DEP, NULL, NULL),
                     LX_TICKET_MALFORMED);
    assert_int_equal(lx_ticket_verify("", 0, pk, DEP, NULL, NULL), LX_TICKET_MALFORMED);
    assert_int_equal(lx_ticket_verify("hello world", 11, pk, DEP, NULL, NULL),
                     LX_TICKET_MALFORMED);
    /* an unknown version, signed with the right key, is still refused */
    bin[0] = 2;
    crypto_sign_detached(bin + n - 64, NULL, bin, (unsigned long long)n - 64, sk);
    lx_ticket_b64_encode(bin, (size_t)n, other, sizeof other);
    assert_int_equal(lx_ticket_verify(other, strlen(other), pk, DEP, NULL, NULL),
                     LX_TICKET_MALFORMED);
}

static void test_window_and_checks(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64];
    keypair(pk, sk);
    lx_ticket t = sample();
    char text[LX_TICKET_TEXT_MAX];
    assert_int_equal(lx_ticket_encode(&t, sk, text, sizeof text), LX_OK);
    size_t len = strlen(text);
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP - 1201, NULL, NULL), LX_TICKET_TOO_EARLY);
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP - 1200, NULL, NULL), LX_TICKET_ACCEPTED);
    assert_int_equal(lx_ticket_verify(text, len, pk, ARR, NULL, NULL), LX_TICKET_ACCEPTED);
    assert_int_equal(lx_ticket_verify(text, len, pk, ARR + 1, NULL, NULL), LX_TICKET_TOO_LATE);
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP - 86400, NULL, NULL), LX_TICKET_TOO_EARLY);
    lx_ticket_check c = {.early = 3600, .late = 600};
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP - 3000, &c, NULL), LX_TICKET_ACCEPTED);
    assert_int_equal(lx_ticket_verify(text, len, pk, ARR + 600, &c, NULL), LX_TICKET_ACCEPTED);
    assert_int_equal(lx_ticket_verify(text, len, pk, ARR + 601, &c, NULL), LX_TICKET_TOO_LATE);

    const char *here[] = {"boten", "vientiane"}, *there[] = {"luang_prabang"};
    lx_ticket_check s = {.stations = here, .n_stations = 2};
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP, &s, NULL), LX_TICKET_ACCEPTED);
    s.stations = there;
    s.n_stations = 1;
    lx_ticket got;
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP, &s, &got), LX_TICKET_WRONG_STATION);
    assert_string_equal(got.from_stop, "vientiane"); /* decoded all the same */
    lx_ticket_check tr = {.train = "C81"};
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP, &tr, NULL), LX_TICKET_WRONG_TRAIN);
    tr.train = "C82";
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP, &tr, NULL), LX_TICKET_ACCEPTED);
    lx_ticket_check d = {.has_day = 1, .service_day = lx_date_from_ymd(2026, 12, 21)};
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP, &d, NULL), LX_TICKET_WRONG_DATE);
    d.service_day = t.service_day;
    assert_int_equal(lx_ticket_verify(text, len, pk, DEP, &d, NULL), LX_TICKET_ACCEPTED);

    assert_int_equal(lx_ticket_result_err(LX_TICKET_ACCEPTED), LX_OK);
    assert_int_equal(lx_ticket_result_err(LX_TICKET_ALREADY_USED), LX_CONFLICT);
    assert_int_equal(lx_ticket_result_err(LX_TICKET_TOO_LATE), LX_FORMAT);
    assert_string_equal(lx_ticket_result_code(LX_TICKET_ALREADY_USED), "already_used");
    assert_string_equal(lx_ticket_result_code(LX_TICKET_WRONG_STATION), "wrong_station");
}

static void test_base64url(void **state)
{
    (void)state;
    uint8_t in[64], out[64];
    char text[100];
    for (size_t n = 0; n <= sizeof in; n++) {
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)(i * 37 + n * 11 + 0xF0);
        size_t k = lx_ticket_b64_encode(in, n, text, sizeof text);
        assert_int_equal(k, (n * 4 + 2) / 3);
        assert_int_equal(strlen(text), k);
        assert_int_equal(lx_ticket_b64_decode(text, k, out, sizeof out), (long)n);
        assert_memory_equal(in, out, n);
    }
    const uint8_t fb[] = {0xfb, 0xff};
    lx_ticket_b64_encode(fb, 2, text, sizeof text);
    assert_string_equal(text, "-_8");                      /* url-safe alphabet, no '=' */
    assert_int_equal(lx_ticket_b64_encode(fb, 2, text, 3), 0); /* no room for the NUL */
    assert_int_equal(lx_ticket_b64_decode("-_8=", 4, out, sizeof out), -1);
    assert_int_equal(lx_ticket_b64_decode("+/8", 3, out, sizeof out), -1);
    assert_int_equal(lx_ticket_b64_decode("-_9", 3, out, sizeof out), -1); /* stray low bits */
    assert_int_equal(lx_ticket_b64_decode("A", 1, out, sizeof out), -1);
    assert_int_equal(lx_ticket_b64_decode("AAAA", 4, out, 2), -1);
}

static void test_issue(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64];
    keypair(pk, sk);
    lx_book_order o;
    memset(&o, 0, sizeof o);
    strcpy(o.id, "AK1XKY4GED2Y0");
    o.state = LX_ORDER_HELD;
    strcpy(o.feed, "china-laos");
    strcpy(o.train, "C82");
    strcpy(o.trip_id, "C82");
    o.service_day = lx_date_from_ymd(2026, 12, 20);
    strcpy(o.from_stop, "vientiane");
    strcpy(o.to_stop, "luang_prabang");
    o.departure = DEP;
    o.arrival = ARR + 30; /* not whole minutes: the window rounds up */
    strcpy(o.cls, "second");
    o.n = 2;
    strcpy(o.seats[0], "03-01C");
    strcpy(o.seats[1], "03-01D");
    strcpy(o.pax[0].name, "Somchai Phommachanh");
    /* 9 Chinese characters of 3 bytes: cut to 8 (24 bytes), never inside one */
    strcpy(o.pax[1].name, "李伟李伟李伟李伟李");
    char out[LX_INV_MAX_PAX][LX_TICKET_TEXT_MAX];
    uint32_t n = 9;
    assert_int_equal(lx_ticket_issue(&o, sk, out, &n), LX_CONFLICT);
    assert_int_equal(n, 0);
    o.state = LX_ORDER_CONFIRMED;
    assert_int_equal(lx_ticket_issue(&o, sk, out, &n), LX_OK);
    assert_int_equal(n, 2);
    for (uint32_t i = 0; i < n; i++) {
        lx_ticket t;
        assert_int_equal(lx_ticket_verify(out[i], strlen(out[i]), pk, DEP, NULL, &t),
                         LX_TICKET_ACCEPTED);
        assert_int_equal(t.index, i);
        assert_int_equal(t.count, 2);
        assert_string_equal(t.seat, o.seats[i]);
        assert_string_equal(t.order, o.id);
        assert_int_equal(t.arrival, ARR + 60);
    }
    lx_ticket t;
    lx_ticket_verify(out[1], strlen(out[1]), pk, DEP, NULL, &t);
    assert_string_equal(t.passenger, "李伟李伟李伟李伟");
    assert_int_equal(lx_ticket_verify(out[1], strlen(out[1]), pk, ARR + 59, NULL, NULL),
                     LX_TICKET_ACCEPTED);
}

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/lx-ticket-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void rmtree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_keys(void **state)
{
    (void)state;
    char *dir = tmpdir(), msg[512], path[512];
    lx_ticket_keys k1, k2;
    uint8_t pk[32];
    assert_int_equal(lx_ticket_keys_open(dir, 0, &k1, msg, sizeof msg), LX_NOTFOUND);
    assert_int_equal(lx_ticket_pubkey_load(dir, pk, msg, sizeof msg), LX_NOTFOUND);
    assert_int_equal(lx_ticket_keys_open(dir, 1, &k1, msg, sizeof msg), LX_OK);
    struct stat st;
    snprintf(path, sizeof path, "%s/keys/ticket.key", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/keys", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0077, 0);
    /* a second open reuses the key, with or without create */
    assert_int_equal(lx_ticket_keys_open(dir, 1, &k2, msg, sizeof msg), LX_OK);
    assert_memory_equal(&k1, &k2, sizeof k1);
    assert_int_equal(lx_ticket_keys_open(dir, 0, &k2, msg, sizeof msg), LX_OK);
    assert_memory_equal(&k1, &k2, sizeof k1);
    assert_int_equal(lx_ticket_pubkey_load(dir, pk, msg, sizeof msg), LX_OK);
    assert_memory_equal(pk, k1.pk, 32);
    /* it signs what the public key verifies */
    lx_ticket t = sample();
    char text[LX_TICKET_TEXT_MAX];
    assert_int_equal(lx_ticket_encode(&t, k1.sk, text, sizeof text), LX_OK);
    assert_int_equal(lx_ticket_verify(text, strlen(text), pk, DEP, NULL, NULL), LX_TICKET_ACCEPTED);
    /* the public key as text: base64url and hex */
    char b64[64], hex[65];
    lx_ticket_b64_encode(pk, 32, b64, sizeof b64);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02X", pk[i]);
    uint8_t p2[32];
    assert_true(lx_ticket_pubkey_parse(b64, p2));
    assert_memory_equal(p2, pk, 32);
    assert_true(lx_ticket_pubkey_parse(hex, p2));
    assert_memory_equal(p2, pk, 32);
    assert_false(lx_ticket_pubkey_parse("abc", p2));
    /* a private key others can read is refused; a lost public key is written again */
    snprintf(path, sizeof path, "%s/keys/ticket.key", dir);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(lx_ticket_keys_open(dir, 1, &k2, msg, sizeof msg), LX_STORE);
    assert_non_null(strstr(msg, "chmod 600"));
    assert_int_equal(chmod(path, 0600), 0);
    snprintf(path, sizeof path, "%s/keys/ticket.pub", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(lx_ticket_keys_open(dir, 1, &k2, msg, sizeof msg), LX_OK);
    assert_memory_equal(&k1, &k2, sizeof k1);
    assert_int_equal(lx_ticket_pubkey_load(dir, pk, msg, sizeof msg), LX_OK);
    assert_memory_equal(pk, k1.pk, 32);
    /* a public key that is not the private key's is refused, not replaced */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", f);
    fclose(f);
    assert_int_equal(lx_ticket_keys_open(dir, 1, &k2, msg, sizeof msg), LX_STORE);
    lx_ticket_keys_wipe(&k1);
    rmtree(dir);
    free(dir);
}

static void test_qr(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64];
    keypair(pk, sk);
    lx_ticket t = sample();
    char text[LX_TICKET_TEXT_MAX], *qr, *svg;
    assert_int_equal(lx_ticket_encode(&t, sk, text, sizeof text), LX_OK);
    assert_int_equal(lx_ticket_qr_text(text, &qr), LX_OK);
    assert_non_null(strstr(qr, "\xe2\x96\x88")); /* █ */
    /* square: as many lines as half the width in modules, rounded up */
    size_t lines = 0;
    for (char *p = qr; *p; p++)
        lines += *p == '\n';
    char *nl = strchr(qr, '\n');
    size_t cols = 0;
    for (char *p = qr; p < nl; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    assert_int_equal(lines, (cols + 1) / 2);
    free(qr);
    assert_int_equal(lx_ticket_qr_svg(text, &svg), LX_OK);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
}

static int catalog_int(const char *dir, const char *sql)
{
    char path[512];
    snprintf(path, sizeof path, "%s/lanxang.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void catalog_exec(const char *dir, const char *sql)
{
    char path[512];
    snprintf(path, sizeof path, "%s/lanxang.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_checkins(void **state)
{
    (void)state;
    char *dir = tmpdir(), msg[512];
    lx_store *s;
    assert_int_equal(lx_store_open(dir, 1, &s, msg, sizeof msg), LX_OK);
    assert_true(lx_store_schema_version() >= 4);
    assert_int_equal(lx_store_checkin(s, "AK1XKY4GED2Y0", 0, 100, "vientiane", NULL, NULL, 0), LX_OK);
    assert_int_equal(lx_store_checkin(s, "AK1XKY4GED2Y0", 1, 120, "", NULL, NULL, 0), LX_OK);
    lx_instant_t first = 0;
    char where[64] = "";
    assert_int_equal(lx_store_checkin(s, "AK1XKY4GED2Y0", 0, 200, "boten", &first, where, sizeof where),
                     LX_CONFLICT);
    assert_int_equal(first, 100);
    assert_string_equal(where, "vientiane");
    lx_store_close(s);

    /* a version-3 catalog (before check-ins) migrates, keeping what it holds */
    catalog_exec(dir, "DROP TABLE checkins; ALTER TABLE orders DROP COLUMN extra; "
                      "DROP TABLE waitlist; PRAGMA user_version = 3;"
                      "INSERT INTO feeds(name, source, imported_at, stations, trips, stop_times, "
                      "seq, dir) VALUES('x', 's', 1, 0, 0, 0, 1, 'x@1')");
    assert_int_equal(catalog_int(dir, "PRAGMA user_version"), 3);
    assert_int_equal(lx_store_open(dir, 0, &s, msg, sizeof msg), LX_OK);
    assert_int_equal(catalog_int(dir, "PRAGMA user_version"), lx_store_schema_version());
    assert_int_equal(catalog_int(dir, "SELECT count(*) FROM feeds"), 1);
    assert_int_equal(catalog_int(dir, "SELECT count(*) FROM checkins"), 0);
    assert_int_equal(lx_store_checkin(s, "AK1XKY4GED2Y0", 0, 300, "vientiane", NULL, NULL, 0), LX_OK);
    lx_store_close(s);
    rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_window_and_checks), cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_issue),       cmocka_unit_test(test_keys),
        cmocka_unit_test(test_qr),          cmocka_unit_test(test_checkins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
