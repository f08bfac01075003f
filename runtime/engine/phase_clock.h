// Wall-clock time per phase of a run, and the peak memory by its end, for `rebate run --timings` (where
// the seconds and the megabytes go, without a profiler).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"

namespace rebate::engine {

class PhaseClock {
 public:
  explicit PhaseClock(std::vector<PhaseTime>& laps) : laps_(laps), start_(Clock::now()) {}
  // Records the time since the previous lap (or the clock's start) under `phase`.
  void lap(std::string phase) {
    Clock::time_point now = Clock::now();
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    laps_.push_back(PhaseTime{std::move(phase), std::chrono::duration<double>(now - start_).count(),
                              static_cast<double>(usage.ru_maxrss) / 1024.0});  // ru_maxrss is in KiB
    start_ = now;
  }
  // Starts the next lap now (time since the last lap was spent elsewhere and recorded there).
  void restart() { start_ = Clock::now(); }

 private:
  using Clock = std::chrono::steady_clock;
  std::vector<PhaseTime>& laps_;
  Clock::time_point start_;
};

}  // namespace rebate::engine
