/* QR codes of ticket payloads (libqrencode): as UTF-8 half blocks for a terminal, or as
 * an SVG document written from the module matrix. */
#include "lanxang/ticket.h"

#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (n >= 0 && b->len + (size_t)n + 1 > cap)
            cap *= 2;
        char *s = n < 0 ? NULL : realloc(b->s, cap);
        if (!s) {
            b->failed = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static lx_err sb_done(sbuf *b, char **out)
{
    if (b->failed || !b->s) {
        free(b->s);
        return LX_NOMEM;
    }
    *out = b->s;
    return LX_OK;
}

static lx_err encode(const char *payload, QRcode **qr)
{
    *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    return *qr ? LX_OK : LX_TOOBIG; /* libqrencode fails on data too long for version 40 */
}

/* Dark module at (x, y) of the code with margin m around it. */
static int dark(const QRcode *qr, int m, int x, int y)
{
    x -= m, y -= m;
    return x >= 0 && y >= 0 && x < qr->width && y < qr->width && (qr->data[y * qr->width + x] & 1);
}

lx_err lx_ticket_qr_text(const char *payload, char **out)
{
    *out = NULL;
    QRcode *qr;
    lx_err e = encode(payload, &qr);
    if (e)
        return e;
    /* light modules are drawn (the terminal's text colour), dark ones left as background,
     * as `qrencode -t UTF8` does */
    const int m = 2, size = qr->width + 2 * m;
    sbuf b = {0};
    for (int y = 0; y < size; y += 2) {
        for (int x = 0; x < size; x++) {
            int top = !dark(qr, m, x, y), bottom = y + 1 < size && !dark(qr, m, x, y + 1);
            sb_add(&b, "%s", top && bottom ? "\xe2\x96\x88" /* █ */
                             : top         ? "\xe2\x96\x80" /* ▀ */
                             : bottom      ? "\xe2\x96\x84" /* ▄ */
                                           : " ");
        }
        sb_add(&b, "\n");
    }
    QRcode_free(qr);
    return sb_done(&b, out);
}

lx_err lx_ticket_qr_svg(const char *payload, char **out)
{
    *out = NULL;
    QRcode *qr;
    lx_err e = encode(payload, &qr);
    if (e)
        return e;
    const int m = 4, size = qr->width + 2 * m;
    sbuf b = {0};
    sb_add(&b,
           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
           "height=\"%d\" shape-rendering=\"crispEdges\">\n"
           "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
           size, size, size * 8, size * 8, size, size);
    /* one rectangle per run of dark modules in a row */
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width;) {
            if (!(qr->data[y * qr->width + x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1))
                run++;
            sb_add(&b, "M%d %dh%dv1h-%dz", x + m, y + m, run, run);
            x += run;
        }
    sb_add(&b, "\"/>\n</svg>\n");
    QRcode_free(qr);
    return sb_done(&b, out);
}
