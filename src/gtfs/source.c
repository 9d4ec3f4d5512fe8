/* Feed sources. A zip may hold its files at the top or inside one folder
 * ("google_transit/stops.txt"); we find the folder that holds stops.txt or
 * agency.txt and read the files from there. */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define MAX_FILE_SIZE ((size_t)4 << 30)

struct lx_source {
    enum { SRC_DIR, SRC_ZIP, SRC_MEM } kind;
    char *dir;
    zip_t *zip;
    char *prefix;                 /* folder inside the zip, "" or "feed/" */
    const lx_gtfs_file *mem;
    size_t n_mem;
    char **names;
    size_t n_names;
};

static int add_name(lx_source *s, const char *name)
{
    char **n = realloc(s->names, (s->n_names + 1) * sizeof *n);
    if (!n)
        return -1;
    s->names = n;
    if (!(s->names[s->n_names] = strdup(name)))
        return -1;
    s->n_names++;
    return 0;
}

static lx_err open_dir(lx_source *s, const char *path, char *msg, size_t msg_len)
{
    DIR *d = opendir(path);
    if (!d) {
        snprintf(msg, msg_len, "cannot open the folder %s: %s", path, strerror(errno));
        return LX_IO;
    }
    s->kind = SRC_DIR;
    s->dir = strdup(path);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && (!s->dir || add_name(s, e->d_name) < 0)) {
            closedir(d);
            return LX_NOMEM;
        }
    closedir(d);
    return s->dir ? LX_OK : LX_NOMEM;
}

static lx_err open_zip(lx_source *s, const char *path, char *msg, size_t msg_len)
{
    int err = 0;
    s->kind = SRC_ZIP;
    s->zip = zip_open(path, ZIP_RDONLY, &err);
    if (!s->zip) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        snprintf(msg, msg_len, "cannot open the zip file %s: %s", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return LX_FORMAT;
    }
    zip_int64_t n = zip_get_num_entries(s->zip, 0);
    /* find the folder of the feed */
    const char *best = NULL;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(s->zip, (zip_uint64_t)i, 0);
        if (!name)
            continue;
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        if (strcmp(base, "stops.txt") == 0 || strcmp(base, "agency.txt") == 0)
            if (!best || strlen(name) - strlen(base) < strlen(best) - strlen(strrchr(best, '/') ? strrchr(best, '/') + 1 : best))
                best = name;
    }
    size_t plen = 0;
    if (best) {
        const char *slash = strrchr(best, '/');
        plen = slash ? (size_t)(slash - best + 1) : 0;
    }
    s->prefix = strndup(best ? best : "", plen);
    if (!s->prefix)
        return LX_NOMEM;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(s->zip, (zip_uint64_t)i, 0);
        if (!name || strncmp(name, s->prefix, plen) != 0)
            continue;
        const char *rest = name + plen;
        if (!*rest || strchr(rest, '/') || rest[0] == '.')
            continue;
        if (add_name(s, rest) < 0)
            return LX_NOMEM;
    }
    return LX_OK;
}

lx_err lx_source_open_path(const char *path, lx_source **out, char *msg, size_t msg_len)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0) {
        snprintf(msg, msg_len, "cannot read %s: %s", path, strerror(errno));
        return errno == ENOENT ? LX_NOTFOUND : LX_IO;
    }
    lx_source *s = calloc(1, sizeof *s);
    if (!s)
        return LX_NOMEM;
    lx_err e = S_ISDIR(st.st_mode) ? open_dir(s, path, msg, msg_len) : open_zip(s, path, msg, msg_len);
    if (e) {
        lx_source_close(s);
        return e;
    }
    *out = s;
    return LX_OK;
}

lx_err lx_source_open_memory(const lx_gtfs_file *files, size_t n, lx_source **out)
{
    lx_source *s = calloc(1, sizeof *s);
    if (!s)
        return LX_NOMEM;
    s->kind = SRC_MEM;
    s->mem = files;
    s->n_mem = n;
    for (size_t i = 0; i < n; i++)
        if (add_name(s, files[i].name) < 0) {
            lx_source_close(s);
            return LX_NOMEM;
        }
    *out = s;
    return LX_OK;
}

void lx_source_close(lx_source *s)
{
    if (!s)
        return;
    if (s->zip)
        zip_discard(s->zip);
    for (size_t i = 0; i < s->n_names; i++)
        free(s->names[i]);
    free(s->names);
    free(s->dir);
    free(s->prefix);
    free(s);
}

const char *const *lx_source_names(const lx_source *s, size_t *n)
{
    *n = s->n_names;
    return (const char *const *)s->names;
}

static int has_name(const lx_source *s, const char *name)
{
    for (size_t i = 0; i < s->n_names; i++)
        if (strcmp(s->names[i], name) == 0)
            return 1;
    return 0;
}

static lx_err read_fd(int fd, char **buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return LX_IO;
    if ((size_t)st.st_size > MAX_FILE_SIZE)
        return LX_TOOBIG;
    size_t size = (size_t)st.st_size;
    char *b = malloc(size + 1);
    if (!b)
        return LX_NOMEM;
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, b + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(b);
            return LX_IO;
        }
        got += (size_t)r;
    }
    *buf = b;
    *len = size;
    return LX_OK;
}

lx_err lx_source_read(lx_source *s, const char *name, char **buf, size_t *len)
{
    if (!has_name(s, name))
        return LX_NOTFOUND;
    if (s->kind == SRC_MEM) {
        for (size_t i = 0; i < s->n_mem; i++)
            if (strcmp(s->mem[i].name, name) == 0) {
                char *b = malloc(s->mem[i].len + 1);
                if (!b)
                    return LX_NOMEM;
                memcpy(b, s->mem[i].data, s->mem[i].len);
                *buf = b;
                *len = s->mem[i].len;
                return LX_OK;
            }
        return LX_NOTFOUND;
    }
    if (s->kind == SRC_DIR) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", s->dir, name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return errno == ENOENT ? LX_NOTFOUND : LX_IO;
        lx_err e = read_fd(fd, buf, len);
        close(fd);
        return e;
    }
    char full[4096];
    snprintf(full, sizeof full, "%s%s", s->prefix, name);
    zip_stat_t zs;
    if (zip_stat(s->zip, full, 0, &zs) != 0)
        return LX_NOTFOUND;
    if (!(zs.valid & ZIP_STAT_SIZE) || zs.size > MAX_FILE_SIZE)
        return LX_TOOBIG;
    zip_file_t *zf = zip_fopen(s->zip, full, 0);
    if (!zf)
        return LX_FORMAT;
    char *b = malloc((size_t)zs.size + 1);
    if (!b) {
        zip_fclose(zf);
        return LX_NOMEM;
    }
    zip_uint64_t got = 0;
    while (got < zs.size) {
        zip_int64_t r = zip_fread(zf, b + got, zs.size - got);
        if (r <= 0)
            break;
        got += (zip_uint64_t)r;
    }
    zip_fclose(zf);
    if (got != zs.size) {
        free(b);
        return LX_FORMAT;
    }
    *buf = b;
    *len = (size_t)zs.size;
    return LX_OK;
}

size_t lx_source_size(lx_source *s, const char *name)
{
    if (!has_name(s, name))
        return 0;
    if (s->kind == SRC_MEM) {
        for (size_t i = 0; i < s->n_mem; i++)
            if (strcmp(s->mem[i].name, name) == 0)
                return s->mem[i].len;
        return 0;
    }
    if (s->kind == SRC_DIR) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", s->dir, name);
        return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
    }
    char full[4096];
    zip_stat_t zs;
    snprintf(full, sizeof full, "%s%s", s->prefix, name);
    return zip_stat(s->zip, full, 0, &zs) == 0 ? (size_t)zs.size : 0;
}
