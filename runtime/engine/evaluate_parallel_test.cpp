// Cells evaluated on several threads: every cell once, and when cells fail, the failure a sequential loop
// (period, then partner) meets first, whatever the number of threads.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <stdexcept>
#include <vector>

#include "engine/evaluate_parallel.h"

using rebate::engine::for_each_cell;

namespace {

// Runs cells that throw at `failing` places (period * partners + partner); returns what was rethrown
// ("" for nothing) and counts the calls per place.
std::string run_cells(size_t periods, size_t partners, size_t threads, const std::set<size_t>& failing,
                      std::vector<std::atomic<int>>& calls) {
  try {
    for_each_cell(periods, partners, threads, [&](size_t, size_t period, uint32_t partner) {
      size_t place = period * partners + partner;
      ++calls[place];
      if (failing.count(place)) throw std::runtime_error(std::to_string(place));
    });
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("cells on several threads: each once, and the sequentially first failure", "[engine][threads]") {
  const size_t periods = 4, partners = 37;
  const std::vector<std::set<size_t>> cases = {
      {},
      {5},
      {36},                      // the last partner of the first period
      {1 * partners + 30, 2},    // a later period in a high range, an earlier one in a low range
      {2 * partners + 3, 1 * partners + 33, 3 * partners + 0},
      {0, 147},
  };
  for (size_t threads : {1, 2, 3, 8}) {
    for (const auto& failing : cases) {
      INFO("threads " << threads << ", first failure " << (failing.empty() ? -1 : static_cast<long>(*failing.begin())));
      std::vector<std::atomic<int>> calls(periods * partners);
      std::string thrown = run_cells(periods, partners, threads, failing, calls);
      size_t first = failing.empty() ? periods * partners : *failing.begin();
      CHECK(thrown == (failing.empty() ? "" : std::to_string(first)));
      // Every cell up to the first failure ran exactly once; none ran twice.
      for (size_t place = 0; place < periods * partners; ++place) {
        INFO("place " << place);
        if (place <= first) CHECK(calls[place] == 1);
        else CHECK(calls[place] <= 1);
      }
    }
  }
}
