# GET /api/v1/openapi.json and GET /metrics against a live server: the document's
# structure, every route documented and answered, live answers against the schemas,
# the Prometheus exposition and its counters.
add_test(NAME openapi COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_openapi.sh
                              $<TARGET_FILE:lanxang>)
set_tests_properties(openapi PROPERTIES TIMEOUT 120)
