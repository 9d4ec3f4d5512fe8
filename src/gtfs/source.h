/* Where the files of a feed come from: a folder, a zip archive, or memory. Each file
 * is read whole into a buffer with one spare byte (the CSV reader cuts fields in
 * place). */
#ifndef LX_GTFS_SOURCE_H
#define LX_GTFS_SOURCE_H

#include "lanxang/gtfs.h"

typedef struct lx_source lx_source;

lx_err lx_source_open_path(const char *path, lx_source **out, char *msg, size_t msg_len);
lx_err lx_source_open_memory(const lx_gtfs_file *files, size_t n, lx_source **out);
void lx_source_close(lx_source *s);
/* Names of the files in the feed (without folders), count in *n. */
const char *const *lx_source_names(const lx_source *s, size_t *n);
/* Reads a file: LX_NOTFOUND when the feed has no such file. *buf is malloc'ed, len
 * bytes plus one spare; the caller frees it. */
lx_err lx_source_read(lx_source *s, const char *name, char **buf, size_t *len);
/* The size of a file, 0 when absent. */
size_t lx_source_size(lx_source *s, const char *name);

#endif
