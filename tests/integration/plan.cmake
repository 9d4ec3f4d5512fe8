# The journey planner's command and API against a live server (issue 6): the same
# journeys from `lanxang plan --json` and GET /api/v1/journeys, changes and border
# control, arrive-by, the seat-aware search, journey bookings held all or none.
add_test(NAME plan COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_plan.sh
                            $<TARGET_FILE:lanxang>)
set_tests_properties(plan PROPERTIES TIMEOUT 180)
