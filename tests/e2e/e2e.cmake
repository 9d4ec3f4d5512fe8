# Browser tests (playwright-core + Debian's chromium): a real browser against the real
# server; screenshots land in the build tree's e2e-artifacts/.
add_test(NAME e2e COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/run.sh $<TARGET_FILE:lanxang>
                          ${CMAKE_BINARY_DIR}/e2e-artifacts)
set_tests_properties(e2e PROPERTIES TIMEOUT 300)
