// CPU seconds the calling thread has used: what loading LLVM and compiling cost, whatever else the
// machine runs (`rebate run --timings`).
#pragma once

#include <ctime>

namespace rebate::jit {

inline double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace rebate::jit
