// Wall-clock time per phase of a run, for `rebate run --timings` (where the seconds go, without a profiler).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace rebate::engine {

class PhaseClock {
 public:
  explicit PhaseClock(std::vector<std::pair<std::string, double>>& laps) : laps_(laps), start_(Clock::now()) {}
  // Records the time since the previous lap (or the clock's start) under `phase`.
  void lap(std::string phase) {
    Clock::time_point now = Clock::now();
    laps_.emplace_back(std::move(phase), std::chrono::duration<double>(now - start_).count());
    start_ = now;
  }
  // Starts the next lap now (time since the last lap was spent elsewhere and recorded there).
  void restart() { start_ = Clock::now(); }

 private:
  using Clock = std::chrono::steady_clock;
  std::vector<std::pair<std::string, double>>& laps_;
  Clock::time_point start_;
};

}  // namespace rebate::engine
