/* Internal interface of the data directory (src/store), for the other files of the
 * store (book*.c). Not installed, not part of liblanxang's API. */
#ifndef LX_STORE_INT_H
#define LX_STORE_INT_H

#include "lanxang/store.h"

/* The data directory's path, as given to lx_store_open; valid until lx_store_close.
 * The catalog is lx_store_dir(s)/lanxang.db: the booking store opens a connection of
 * its own to it, so that its transactions never mix with the catalog's. */
const char *lx_store_dir(const lx_store *s);
/* The data directory's key for travel document hashes (book_docs.c), 32 bytes. */
#include <stdint.h>
const uint8_t *lx_store_doc_key(const lx_store *s);

#endif
