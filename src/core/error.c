#include "lanxang/error.h"

static const struct {
    const char *code, *msg;
    int http, exitc;
} errs[] = {
#define LX_ERR_ROW_(name, code, msg, http, exitc) {code, msg, http, exitc},
    LX_ERRNO_MAP(LX_ERR_ROW_)
#undef LX_ERR_ROW_
};

static unsigned idx(lx_err e) { return (unsigned)e < LX_ERR_COUNT_ ? (unsigned)e : LX_INTERNAL; }

const char *lx_strerror(lx_err e) { return errs[idx(e)].msg; }
const char *lx_errcode(lx_err e) { return errs[idx(e)].code; }
int lx_err_http_status(lx_err e) { return errs[idx(e)].http; }
int lx_err_exit_code(lx_err e) { return errs[idx(e)].exitc; }
