# The refund fee (src/core/fees.c): a pure function, linked with the core alone.
lx_add_test(test_fees SOURCES tests/unit/test_fees.c LIBS lanxang_core)
