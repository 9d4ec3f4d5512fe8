/* The files of web/, embedded into the binary at build time (tools/embed.c writes
 * the generated assets.c). Paths are relative to web/, e.g. "index.html",
 * "i18n/lo.json". */
#ifndef LX_SERVER_ASSETS_H
#define LX_SERVER_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *path;
    const char *data;
    size_t len;
} lx_asset;

const lx_asset *lx_web_assets(size_t *n);

#endif
