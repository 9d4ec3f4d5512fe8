/* Travel documents at rest (issue 5, real names). A leak of the data directory's
 * database must not give away document numbers, yet the store must tell when two
 * orders name the same document. So a document number is never written: a passenger
 * line keeps it masked to its last 4 characters (what every view shows) and a keyed
 * hash of it, BLAKE2b-128 (libsodium crypto_generichash) under the data directory's
 * own key, DIR/keys/documents.key (32 random bytes, owner-only, made on first use).
 * Without the key the hash cannot be tested against guessed numbers.
 *
 * Catalog migration 5 rewrites the passenger lines of orders written before, through
 * the SQL function lx_protect_passengers registered on the catalog's connection.
 *
 * A passenger line: "name\tmasked\ttype\tbirth\t#hash\n" (bk_pax_format). Lines of
 * older rows, "name\tdocument\n" or "name\tdocument\ttype\tbirth\n", hold the number in
 * clear; lx_protect_passengers turns them into the new form and leaves new ones be. */
#include "book_int.h"
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lanxang/text.h"

lx_err bk_doc_key_load(const char *dir, uint8_t key[BK_DOC_KEY], char *msg, size_t msg_len)
{
    char path[4200];
    if (sodium_init() < 0)
        return bk_say(LX_INTERNAL, msg, msg_len, "libsodium cannot start");
    snprintf(path, sizeof path, "%s/keys", dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return bk_say(LX_IO, msg, msg_len, "cannot create %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/keys/documents.key", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        /* the first use: a new key, on disk before anything is hashed with it */
        uint8_t fresh[BK_DOC_KEY];
        randombytes_buf(fresh, sizeof fresh);
        int ok = write(fd, fresh, sizeof fresh) == (ssize_t)sizeof fresh && fsync(fd) == 0;
        sodium_memzero(fresh, sizeof fresh);
        if (close(fd) != 0 || !ok) {
            unlink(path);
            return bk_say(LX_IO, msg, msg_len, "cannot write %s: %s", path, strerror(errno));
        }
    } else if (errno != EEXIST) {
        return bk_say(LX_IO, msg, msg_len, "cannot create %s: %s", path, strerror(errno));
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bk_say(LX_IO, msg, msg_len, "cannot read %s: %s", path, strerror(errno));
    ssize_t got = read(fd, key, BK_DOC_KEY);
    close(fd);
    if (got != BK_DOC_KEY)
        return bk_say(LX_STORE, msg, msg_len, "%s is not a document key (%d bytes, not %d)", path,
                      (int)got, BK_DOC_KEY);
    return LX_OK;
}

void bk_doc_key_random(uint8_t key[BK_DOC_KEY])
{
    if (sodium_init() >= 0)
        randombytes_buf(key, BK_DOC_KEY);
}

void bk_doc_protect(const uint8_t key[BK_DOC_KEY], const char *doc, char *masked, size_t mlen,
                    char hash[BK_DOC_HASH_HEX])
{
    /* the number as written on the document: case and spaces do not make another one */
    char norm[128];
    size_t k = 0;
    for (const char *c = doc; *c && k + 1 < sizeof norm; c++)
        if (*c != ' ' && *c != '-')
            norm[k++] = (char)((*c >= 'a' && *c <= 'z') ? *c - 32 : *c);
    norm[k] = 0;
    uint8_t h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)norm, k, key, BK_DOC_KEY);
    sodium_bin2hex(hash, BK_DOC_HASH_HEX, h, sizeof h);
    lx_mask_document(doc, masked, mlen);
    sodium_memzero(norm, sizeof norm);
}

/* Appends src[0..n) to out (cap bytes, at *at), dropping tabs and newlines. */
static void put_field(char *out, size_t cap, size_t *at, const char *src, size_t n)
{
    for (size_t i = 0; i < n && *at + 1 < cap; i++)
        if (src[i] != '\t' && src[i] != '\n')
            out[(*at)++] = src[i];
}

char *bk_protect_passengers(const uint8_t key[BK_DOC_KEY], const char *text)
{
    /* each line grows by at most 4 tabs, '#' and the hash */
    size_t lines = 1;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    size_t cap = strlen(text) + lines * (BK_DOC_HASH_HEX + 8) + 1, at = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        const char *f[5];
        size_t len[5], nf = 0;
        for (const char *q = p; nf < 5;) {
            const char *tab = memchr(q, '\t', (size_t)(nl - q));
            const char *end = tab ? tab : nl;
            f[nf] = q;
            len[nf++] = (size_t)(end - q);
            if (!tab)
                break;
            q = tab + 1;
        }
        if (nf >= 5 && len[4] && f[4][0] == '#') {
            put_field(out, cap, &at, p, (size_t)(nl - p)); /* protected already */
        } else {
            char doc[128], masked[128], hash[BK_DOC_HASH_HEX];
            size_t dl = nf > 1 ? len[1] : 0;
            dl = dl < sizeof doc - 1 ? dl : sizeof doc - 1;
            memcpy(doc, nf > 1 ? f[1] : "", dl);
            doc[dl] = 0;
            bk_doc_protect(key, doc, masked, sizeof masked, hash);
            sodium_memzero(doc, sizeof doc);
            put_field(out, cap, &at, f[0], len[0]);
            out[at++] = '\t';
            put_field(out, cap, &at, masked, strlen(masked));
            out[at++] = '\t';
            if (nf > 2)
                put_field(out, cap, &at, f[2], len[2]);
            out[at++] = '\t';
            if (nf > 3)
                put_field(out, cap, &at, f[3], len[3]);
            out[at++] = '\t';
            out[at++] = '#';
            put_field(out, cap, &at, hash, strlen(hash));
        }
        if (*nl)
            out[at++] = '\n';
        p = *nl ? nl + 1 : nl;
    }
    out[at] = 0;
    return out;
}

static void sql_protect(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const uint8_t *key = sqlite3_user_data(ctx);
    const unsigned char *text = sqlite3_value_text(argv[0]);
    if (!text) {
        sqlite3_result_null(ctx);
        return;
    }
    char *out = bk_protect_passengers(key, (const char *)text);
    if (!out) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, out, -1, free);
}

int bk_doc_sql_register(sqlite3 *db, const uint8_t *key)
{
    return sqlite3_create_function(db, "lx_protect_passengers", 1, SQLITE_UTF8, (void *)key,
                                   sql_protect, NULL, NULL);
}
