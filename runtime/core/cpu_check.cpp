// A build for x86-64-v2 or above (cmake/x86_64_level.cmake) would die of an illegal instruction on an
// older processor, somewhere in the middle of a run. This check runs before anything else in the
// process (a constructor of the highest priority, linked into every executable) and says why instead.
// It is compiled for the x86-64 baseline itself (runtime/core/CMakeLists.txt).
#include <unistd.h>

#include <cstdio>

#include "core/cpu_level.h"

namespace {

[[gnu::constructor(101)]] void check_cpu_level() {
  constexpr int level = REBATE_X86_64_LEVEL_NUMBER;
  if (rebate::cpu_runs_x86_64_level(level)) return;
  char message[400];
  const int n = std::snprintf(message, sizeof message,
                              "error: this build of rebate is compiled for x86-64-v%d, which this processor does not run "
                              "(v3 needs AVX2, BMI2 and FMA: Intel Haswell, AMD Excavator or later)\n"
                              "  = help: build it for this machine with `cmake -DREBATE_X86_64_LEVEL=auto` (or v1)\n",
                              level);
  if (n > 0) {
    const size_t length = static_cast<size_t>(n) < sizeof message ? static_cast<size_t>(n) : sizeof message - 1;
    const ssize_t written = ::write(2, message, length);  // stdio may not be set up yet
    static_cast<void>(written);  // nothing better to do if stderr is gone
  }
  ::_exit(2);  // 2: the command line's "usage or I/O problem"
}

}  // namespace
