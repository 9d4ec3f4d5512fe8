/* lanxang: finding and reading TZif files, and a small cache of loaded zones.
 *
 * A zone name comes from a feed (agency_timezone, stop_timezone), so it is
 * untrusted: it is checked against the IANA name syntax before it is joined to the
 * zoneinfo directory, and since that syntax has no empty, "." or ".." components and
 * no leading '/', the path cannot leave the directory. (Symbolic links inside the
 * directory, e.g. UTC -> Etc/UTC, are followed: they are the database's own.)
 * Only regular files are read, opened non-blocking so that a FIFO cannot hang us,
 * and only up to a size no real TZif file comes near.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "tzdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZDB_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZDB_NAME_MAX 255
/* The largest TZif file in tzdata is a few kilobytes. */
#define TZDB_FILE_MAX (1u << 20)

int lx_tzdb_name_valid(const char *name)
{
    if (!name)
        return 0;
    size_t comp = 0; /* length of the current component so far */
    size_t i = 0;
    for (; name[i]; i++) {
        char ch = name[i];
        if (i >= TZDB_NAME_MAX)
            return 0;
        if (ch == '/') {
            if (comp == 0)
                return 0;
            comp = 0;
            continue;
        }
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                 (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' ||
                 (ch == '.' && comp > 0); /* so no ".", "..", ".hidden" */
        if (!ok)
            return 0;
        comp++;
    }
    return i > 0 && comp > 0;
}

static int is_builtin_utc(const char *name)
{
    return strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
           strcmp(name, "GMT") == 0;
}

/* Reads the whole regular file at path into a malloc'd buffer. */
static lx_err read_file(const char *path, unsigned char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOMEM)
            return LX_NOMEM;
        /* Anything that means "there is no such zone file" is an unknown zone. */
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
                       errno == ENAMETOOLONG || errno == EISDIR
                   ? LX_TZ
                   : LX_IO;
    }
    lx_err e = LX_OK;
    struct stat st;
    unsigned char *b = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        e = LX_IO;
    } else if (!S_ISREG(st.st_mode) || st.st_size < 4 ||
               (uintmax_t)st.st_size > TZDB_FILE_MAX) {
        e = LX_TZ; /* a directory ("America"), a device, or not a TZif file */
    } else if (!(b = malloc((size_t)st.st_size))) {
        e = LX_NOMEM;
    } else {
        size_t want = (size_t)st.st_size;
        while (n < want) {
            ssize_t r = read(fd, b + n, want - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
        }
        if (n != want)
            e = LX_IO; /* a read error, or the file shrank under us */
    }
    close(fd);
    if (e != LX_OK) {
        free(b);
        return e;
    }
    *buf = b;
    *len = n;
    return LX_OK;
}

lx_err lx_tzdb_load(const char *name, lx_tz **out)
{
    if (!out)
        return LX_INVAL;
    *out = NULL;
    if (!lx_tzdb_name_valid(name))
        return LX_TZ;
    if (is_builtin_utc(name))
        return lx_tz_fixed(name, 0, out);

    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = TZDB_DEFAULT_DIR;
    size_t dlen = strlen(dir), nlen = strlen(name);
    char *path = malloc(dlen + 1 + nlen + 1);
    if (!path)
        return LX_NOMEM;
    memcpy(path, dir, dlen);
    path[dlen] = '/';
    memcpy(path + dlen + 1, name, nlen + 1);

    unsigned char *buf = NULL;
    size_t len = 0;
    lx_err e = read_file(path, &buf, &len);
    free(path);
    if (e != LX_OK)
        return e;
    /* zone.tab, tzdata.zi and friends live in the same directory: only TZif files
     * are zones. */
    if (memcmp(buf, "TZif", 4) != 0)
        e = LX_TZ;
    else
        e = lx_tz_from_tzif(name, buf, len, out);
    free(buf);
    return e;
}

/* ---- cache ---- */

struct tzdb_entry {
    char *name;
    lx_tz *tz;  /* NULL when the name is known to be bad */
    lx_err err; /* LX_OK, or why tz is NULL */
};

struct lx_tzdb {
    struct tzdb_entry *v;
    size_t n, cap;
    size_t last; /* index of the last hit: stop_times ask for one zone in a row */
};

lx_err lx_tzdb_create(lx_tzdb **out)
{
    if (!out)
        return LX_INVAL;
    *out = calloc(1, sizeof **out);
    return *out ? LX_OK : LX_NOMEM;
}

void lx_tzdb_destroy(lx_tzdb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++) {
        free(db->v[i].name);
        lx_tz_destroy(db->v[i].tz);
    }
    free(db->v);
    free(db);
}

static lx_err entry_result(const struct tzdb_entry *en, const lx_tz **out)
{
    *out = en->tz;
    return en->err;
}

lx_err lx_tzdb_get(lx_tzdb *db, const char *name, const lx_tz **out)
{
    if (!out)
        return LX_INVAL;
    *out = NULL;
    if (!db || !name)
        return LX_INVAL;
    /* Syntax errors are cheap to find again; keeping them out of the cache keeps a
     * hostile feed from growing it with garbage names. */
    if (!lx_tzdb_name_valid(name))
        return LX_TZ;
    if (db->last < db->n && strcmp(db->v[db->last].name, name) == 0)
        return entry_result(&db->v[db->last], out);
    for (size_t i = 0; i < db->n; i++) {
        if (strcmp(db->v[i].name, name) == 0) {
            db->last = i;
            return entry_result(&db->v[i], out);
        }
    }

    lx_tz *tz = NULL;
    lx_err e = lx_tzdb_load(name, &tz);
    if (e != LX_OK && e != LX_TZ)
        return e; /* LX_IO, LX_NOMEM may pass: try again next time */
    if (db->n == db->cap) {
        size_t cap = db->cap ? db->cap * 2 : 8;
        struct tzdb_entry *v = realloc(db->v, cap * sizeof *v);
        if (!v) {
            lx_tz_destroy(tz);
            return LX_NOMEM;
        }
        db->v = v;
        db->cap = cap;
    }
    size_t nlen = strlen(name) + 1;
    char *copy = malloc(nlen);
    if (!copy) {
        lx_tz_destroy(tz);
        return LX_NOMEM;
    }
    memcpy(copy, name, nlen);
    db->v[db->n] = (struct tzdb_entry){copy, tz, e};
    db->last = db->n++;
    return entry_result(&db->v[db->last], out);
}
