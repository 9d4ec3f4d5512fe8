/* The validation report: notices with a stable code, kept up to LX_REPORT_KEEP per
 * code so that a feed with a million bad rows gives a readable report and bounded
 * memory, while the totals stay exact. */
#include "lanxang/gtfs.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *code;     /* static string */
    uint32_t total;
    lx_severity sev;
} code_count;

struct lx_report {
    lx_notice *notices;
    uint32_t n, cap;
    code_count *codes;
    uint32_t n_codes, cap_codes;
    uint32_t by_sev[3];
    int oom;
};

lx_err lx_report_create(lx_report **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? LX_OK : LX_NOMEM;
}

void lx_report_destroy(lx_report *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->n; i++) {
        free((char *)r->notices[i].message);
        free((char *)r->notices[i].file);
        free((char *)r->notices[i].field);
    }
    free(r->notices);
    free(r->codes);
    free(r);
}

const char *lx_severity_name(lx_severity s)
{
    return s == LX_SEV_ERROR ? "error" : s == LX_SEV_WARNING ? "warning" : "info";
}

static code_count *count_code(lx_report *r, const char *code, lx_severity sev)
{
    for (uint32_t i = 0; i < r->n_codes; i++)
        if (strcmp(r->codes[i].code, code) == 0)
            return &r->codes[i];
    if (r->n_codes == r->cap_codes) {
        uint32_t cap = r->cap_codes ? r->cap_codes * 2 : 16;
        code_count *c = realloc(r->codes, cap * sizeof *c);
        if (!c)
            return NULL;
        r->codes = c;
        r->cap_codes = cap;
    }
    r->codes[r->n_codes] = (code_count){code, 0, sev};
    return &r->codes[r->n_codes++];
}

void lx_report_add(lx_report *r, lx_severity sev, const char *code, const char *file,
                   uint32_t line, const char *field, const char *fmt, ...)
{
    r->by_sev[sev]++;
    code_count *cc = count_code(r, code, sev);
    if (!cc) {
        r->oom = 1;
        return;
    }
    if (++cc->total > LX_REPORT_KEEP)
        return;
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 32;
        lx_notice *n = realloc(r->notices, cap * sizeof *n);
        if (!n) {
            r->oom = 1;
            return;
        }
        r->notices = n;
        r->cap = cap;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lx_notice *n = &r->notices[r->n];
    n->severity = sev;
    n->code = code;
    n->line = line;
    n->file = strdup(file ? file : "");
    n->field = strdup(field ? field : "");
    n->message = strdup(buf);
    if (!n->file || !n->field || !n->message) {
        free((char *)n->file);
        free((char *)n->field);
        free((char *)n->message);
        r->oom = 1;
        return;
    }
    r->n++;
}

uint32_t lx_report_count(const lx_report *r, lx_severity sev) { return r->by_sev[sev]; }

const lx_notice *lx_report_notices(const lx_report *r, uint32_t *n)
{
    *n = r->n;
    return r->notices;
}

uint32_t lx_report_code_count(const lx_report *r, const char *code)
{
    for (uint32_t i = 0; i < r->n_codes; i++)
        if (strcmp(r->codes[i].code, code) == 0)
            return r->codes[i].total;
    return 0;
}

void lx_report_print(const lx_report *r, FILE *f, int with_info)
{
    for (uint32_t i = 0; i < r->n; i++) {
        const lx_notice *n = &r->notices[i];
        if (n->severity == LX_SEV_INFO && !with_info)
            continue;
        fprintf(f, "%-7s ", lx_severity_name(n->severity));
        if (*n->file && n->line)
            fprintf(f, "%s:%u ", n->file, n->line);
        else if (*n->file)
            fprintf(f, "%s ", n->file);
        fprintf(f, "[%s] ", n->code);
        if (*n->field)
            fprintf(f, "%s: ", n->field);
        fprintf(f, "%s\n", n->message);
    }
    for (uint32_t i = 0; i < r->n_codes; i++)
        if (r->codes[i].total > LX_REPORT_KEEP &&
            (with_info || r->codes[i].sev != LX_SEV_INFO))
            fprintf(f, "%-7s [%s] ... and %u more like this\n", lx_severity_name(r->codes[i].sev),
                    r->codes[i].code, r->codes[i].total - LX_REPORT_KEEP);
    fprintf(f, "%u error%s, %u warning%s\n", r->by_sev[LX_SEV_ERROR],
            r->by_sev[LX_SEV_ERROR] == 1 ? "" : "s", r->by_sev[LX_SEV_WARNING],
            r->by_sev[LX_SEV_WARNING] == 1 ? "" : "s");
    if (r->oom)
        fprintf(f, "(the report ran out of memory: some notices are missing)\n");
}
