/* The ticket keys of a data directory:
 *
 *   DIR/keys/             mode 0700
 *   DIR/keys/ticket.key   the Ed25519 seed (32 bytes) as one line of base64url; mode 0600
 *   DIR/keys/ticket.pub   the public key as one line of base64url; for the gates
 *
 * A key is created once and never replaced: it is written to a temporary file, fsync'ed,
 * and hard-linked to its name, which fails when the name exists (rename would replace
 * it). Two processes creating a key at once therefore agree on the first one linked.
 * Losing the key means reissuing every ticket; replacing it silently would make every
 * ticket sold so far refused at the gates. */
#define _GNU_SOURCE
#include "lanxang/ticket.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH(buf, ...) (snprintf(buf, sizeof buf, __VA_ARGS__) < (int)sizeof buf)

void lx_ticket_keys_wipe(lx_ticket_keys *k) { sodium_memzero(k, sizeof *k); }

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* 32 bytes written as 43 characters of base64url or 64 hex digits, white space around. */
static int parse32(const char *text, uint8_t out[32])
{
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' ||
                 text[n - 1] == '\r'))
        n--;
    if (n == 64) {
        for (int i = 0; i < 32; i++) {
            int a = hexval(text[2 * i]), b = hexval(text[2 * i + 1]);
            if (a < 0 || b < 0)
                return 0;
            out[i] = (uint8_t)(a << 4 | b);
        }
        return 1;
    }
    return n == 43 && lx_ticket_b64_decode(text, n, out, 32) == 32;
}

int lx_ticket_pubkey_parse(const char *text, uint8_t pk[LX_TICKET_PK_LEN])
{
    return parse32(text, pk);
}

/* Reads a small text file; 1 read, 0 absent, -1 error (errno). */
static int read_small(const char *path, char *buf, size_t cap, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (fstat(fd, st) != 0) {
        close(fd);
        return -1;
    }
    ssize_t n = read(fd, buf, cap - 1);
    int err = errno;
    close(fd);
    if (n < 0) {
        errno = err;
        return -1;
    }
    buf[n] = 0;
    return 1;
}

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes text to a new file at path with mode, whole or not at all, never replacing an
 * existing one: 1 written, 0 path existed already (left as it was), -1 error (errno). */
static int write_new(const char *dir, const char *path, const char *text, mode_t mode)
{
    char tmp[4096];
    uint32_t r = randombytes_random();
    if (!PATH(tmp, "%s/.tmp-%ld-%08x", dir, (long)getpid(), r)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    int ok = fchmod(fd, mode) == 0 && write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (!ok) {
        unlink(tmp);
        errno = err;
        return -1;
    }
    int rc = link(tmp, path) == 0 ? 1 : errno == EEXIST ? 0 : -1;
    err = errno;
    unlink(tmp);
    fsync_dir(dir);
    errno = err;
    return rc;
}

static lx_err read_pub(const char *pubpath, uint8_t pk[32], int *present, char *msg,
                       size_t msg_len)
{
    char buf[256];
    struct stat st;
    int rc = read_small(pubpath, buf, sizeof buf, &st);
    *present = rc == 1;
    if (rc < 0) {
        snprintf(msg, msg_len, "cannot read %s: %s", pubpath, strerror(errno));
        return LX_IO;
    }
    if (rc == 1 && !parse32(buf, pk)) {
        snprintf(msg, msg_len, "%s does not hold a public key (43 characters of base64url)",
                 pubpath);
        return LX_STORE;
    }
    return LX_OK;
}

lx_err lx_ticket_keys_open(const char *dir, int create, lx_ticket_keys *out, char *msg,
                           size_t msg_len)
{
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0) {
        snprintf(msg, msg_len, "libsodium does not initialise");
        return LX_INTERNAL;
    }
    char keys[4096], keypath[4096], pubpath[4096];
    if (!PATH(keys, "%s/keys", dir) || !PATH(keypath, "%s/ticket.key", keys) ||
        !PATH(pubpath, "%s/ticket.pub", keys)) {
        snprintf(msg, msg_len, "the path of the data directory is too long");
        return LX_INVAL;
    }
    char buf[256];
    struct stat st;
    uint8_t seed[32];
    int rc = read_small(keypath, buf, sizeof buf, &st);
    if (rc < 0) {
        snprintf(msg, msg_len, "cannot read %s: %s", keypath, strerror(errno));
        return LX_IO;
    }
    if (rc == 0) {
        if (!create) {
            snprintf(msg, msg_len, "no ticket key in %s (lanxang keys creates one)", keys);
            return LX_NOTFOUND;
        }
        if (mkdir(keys, 0700) != 0 && errno != EEXIST) {
            snprintf(msg, msg_len, "cannot create %s: %s", keys, strerror(errno));
            return LX_IO;
        }
        char text[64];
        randombytes_buf(seed, sizeof seed);
        lx_ticket_b64_encode(seed, sizeof seed, text, sizeof text - 1);
        strcat(text, "\n");
        sodium_memzero(seed, sizeof seed);
        int w = write_new(keys, keypath, text, 0600);
        sodium_memzero(text, sizeof text);
        if (w < 0) {
            snprintf(msg, msg_len, "cannot write %s: %s", keypath, strerror(errno));
            return errno == ENOSPC ? LX_NOSPACE : LX_IO;
        }
        /* written, or another process was first: read what is there now */
        if ((rc = read_small(keypath, buf, sizeof buf, &st)) != 1) {
            snprintf(msg, msg_len, "cannot read %s: %s", keypath, strerror(errno));
            return LX_IO;
        }
    }
    if (st.st_mode & 077) {
        sodium_memzero(buf, sizeof buf);
        snprintf(msg, msg_len,
                 "%s is readable by others (mode %03o): the private key must be the owner's "
                 "only (chmod 600 it, and consider it compromised)",
                 keypath, (unsigned)(st.st_mode & 0777));
        return LX_STORE;
    }
    int ok = parse32(buf, seed);
    sodium_memzero(buf, sizeof buf);
    if (!ok) {
        snprintf(msg, msg_len, "%s does not hold a key (43 characters of base64url)", keypath);
        return LX_STORE;
    }
    crypto_sign_seed_keypair(out->pk, out->sk, seed);
    sodium_memzero(seed, sizeof seed);

    /* the public key beside it: written when missing, and it must match */
    uint8_t pk[32];
    int present;
    lx_err e = read_pub(pubpath, pk, &present, msg, msg_len);
    if (!e && !present && create) {
        char text[64];
        lx_ticket_b64_encode(out->pk, sizeof out->pk, text, sizeof text - 1);
        strcat(text, "\n");
        if (write_new(keys, pubpath, text, 0644) < 0) {
            snprintf(msg, msg_len, "cannot write %s: %s", pubpath, strerror(errno));
            e = LX_IO;
        } else {
            e = read_pub(pubpath, pk, &present, msg, msg_len);
        }
    }
    if (!e && present && memcmp(pk, out->pk, sizeof pk) != 0) {
        snprintf(msg, msg_len, "%s is not the public key of %s: remove it to have it written again",
                 pubpath, keypath);
        e = LX_STORE;
    }
    if (e)
        lx_ticket_keys_wipe(out);
    return e;
}

lx_err lx_ticket_pubkey_load(const char *dir, uint8_t pk[LX_TICKET_PK_LEN], char *msg,
                             size_t msg_len)
{
    char pubpath[4096];
    if (!PATH(pubpath, "%s/keys/ticket.pub", dir)) {
        snprintf(msg, msg_len, "the path of the data directory is too long");
        return LX_INVAL;
    }
    int present;
    lx_err e = read_pub(pubpath, pk, &present, msg, msg_len);
    if (!e && !present) {
        snprintf(msg, msg_len, "no public ticket key at %s (lanxang keys creates the key pair)",
                 pubpath);
        e = LX_NOTFOUND;
    }
    return e;
}
