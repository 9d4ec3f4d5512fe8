# The inventory benchmark's peer designs (bench/inventory/peers.md), included OPTIONAL by
# CMakeLists.txt. Each is built only when pkg-config finds its client library, so the
# project builds without them; bench/inventory/install-peers.sh installs what they need.
#   peer_redis   Redis + Lua scripts, through hiredis (Debian: libhiredis-dev)
#   peer_pg      PostgreSQL, a row per seat, SKIP LOCKED, through libpq (libpq-dev)
set(LX_PEERS_DIR ${CMAKE_CURRENT_LIST_DIR})
function(lx_bench_peer target module)
  string(TOUPPER "LXPEER_${module}" var)
  pkg_check_modules(${var} IMPORTED_TARGET ${module})
  if(${var}_FOUND)
    add_executable(${target} ${LX_PEERS_DIR}/${target}.c)
    target_link_libraries(${target} PRIVATE PkgConfig::${var} Threads::Threads)
  else()
    message(STATUS "${module} not found: ${target} is not built (bench/inventory/install-peers.sh)")
  endif()
endfunction()

lx_bench_peer(peer_redis hiredis)
lx_bench_peer(peer_pg libpq)
