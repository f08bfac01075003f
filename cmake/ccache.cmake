# Use ccache when it is installed: rebuilds after a branch switch or a clean build cost seconds, not minutes.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
