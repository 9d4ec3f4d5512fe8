# The booking store (src/store/book*.c) over the engine: durability, group commit,
# several handles on one data directory, failing commits, migration.
lx_add_test(test_book SOURCES tests/unit/test_book.c tests/unit/fixture.c
            LIBS lanxang_store Threads::Threads)
