# E-tickets (src/ticket): signing and verifying, base64url, keys on disk, QR codes,
# check-ins (migration 4); and the commands ticket, gate verify and keys end to end.
lx_add_test(test_ticket SOURCES tests/unit/test_ticket.c LIBS lanxang_ticket)
add_test(NAME ticket COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_ticket.sh $<TARGET_FILE:lanxang>)
