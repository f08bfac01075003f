// Whether this processor runs code compiled for an x86-64 level (cmake/x86_64_level.cmake): checked by
// the build, to choose its level, and by every binary, before anything else runs (cpu_check.cpp).
#pragma once

namespace rebate {

// True when the processor has what -march=x86-64-v<level> may use (level 1: any x86-64 processor).
inline bool cpu_runs_x86_64_level(int level) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  // The features clang's __builtin_cpu_supports knows as well as GCC's; a processor with these and
  // without the level's few others (MOVBE, LZCNT, F16C, XSAVE; CMPXCHG16B, LAHF) is not known to exist.
  const bool v2 = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("sse3") && __builtin_cpu_supports("ssse3") &&
                  __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("sse4.2");
  const bool v3 = v2 && __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                  __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("fma");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return level <= 1 || (level == 2 && v2) || (level == 3 && v3) || (level == 4 && v4);
#else
  return level <= 1;
#endif
}

}  // namespace rebate
