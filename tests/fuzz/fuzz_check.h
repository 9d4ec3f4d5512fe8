/* The one assertion of the fuzz targets: unlike assert(), it stays on in every build
 * and names the target, file and line, then aborts so libFuzzer keeps the input. */
#ifndef LX_FUZZ_CHECK_H
#define LX_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_NAME
#error "define FUZZ_NAME (the target's name) before including fuzz_check.h"
#endif

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, FUZZ_NAME ": check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
