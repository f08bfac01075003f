# The x86-64 instruction-set level the build compiles for (REBATE_X86_64_LEVEL).
#
#   auto (default)  v3 when the compiler can target it and the machine that builds runs it, else v1
#   v1              the x86-64 baseline (SSE2): runs on any x86-64 processor
#   v2, v3, v4      -march=x86-64-v2 / -v3 / -v4
#
# v3 (AVX2, BMI1/2, FMA, POPCNT, MOVBE: Intel Haswell and AMD Excavator, 2013-2015, and every x86 server
# since; RHEL 10's baseline) makes the ledger reader and the scan 5-6% faster: the reader's bit scans
# and masks become single instructions (tzcnt, blsr, shlx), and it finds a block's commas and stops 32
# bytes at a time. A build for v2 or above refuses, with a message, to start on an older processor
# (runtime/core/cpu_check.cpp) instead of dying of an illegal instruction. Binaries meant for other
# machines than the one that builds them: set the level explicitly.
set(REBATE_X86_64_LEVEL "auto" CACHE STRING "x86-64 level to compile for: auto, v1, v2, v3 or v4")
set_property(CACHE REBATE_X86_64_LEVEL PROPERTY STRINGS auto v1 v2 v3 v4)

set(REBATE_X86_64_LEVEL_NUMBER 0)  # 0: not an x86-64 build
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(level ${REBATE_X86_64_LEVEL})
  if(level STREQUAL "auto")
    set(level v1)
    include(CheckCXXCompilerFlag)
    check_cxx_compiler_flag(-march=x86-64-v3 REBATE_COMPILER_HAS_X86_64_V3)
    if(REBATE_COMPILER_HAS_X86_64_V3 AND NOT CMAKE_CROSSCOMPILING)
      try_run(REBATE_RUNS_X86_64_V3 REBATE_BUILDS_X86_64_V3 ${CMAKE_BINARY_DIR}/x86_64_level_check
              ${PROJECT_SOURCE_DIR}/runtime/core/cpu_level_check.cpp
              CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${PROJECT_SOURCE_DIR}/runtime")
      if(REBATE_BUILDS_X86_64_V3 AND REBATE_RUNS_X86_64_V3 EQUAL 0)
        set(level v3)
      endif()
    endif()
  endif()
  if(NOT level MATCHES "^v[1-4]$")
    message(FATAL_ERROR "REBATE_X86_64_LEVEL is ${REBATE_X86_64_LEVEL}: expected auto, v1, v2, v3 or v4")
  endif()
  string(SUBSTRING ${level} 1 1 REBATE_X86_64_LEVEL_NUMBER)
  if(NOT level STREQUAL "v1")
    # No fused multiply-adds where the source has a multiply and an add: a double (never money) comes out
    # to the same bits at every level.
    add_compile_options(-march=x86-64-${level} -ffp-contract=off)
  endif()
  message(STATUS "Rebate: compiling for x86-64 ${level}")
endif()
