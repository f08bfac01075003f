// Threads for the evaluation of cells (tasks on the run's arena, core/threads.h), with the sequential
// loop's choice of the error to report.
#include "engine/evaluate_parallel.h"

#include "core/threads.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <vector>

namespace rebate::engine {

namespace {

// The earliest failed cell of one range, by its place in the sequential order, and what it threw.
struct Failure {
  size_t place = SIZE_MAX;
  std::exception_ptr error;
};

}  // namespace

size_t evaluation_threads(size_t partners, unsigned requested) {
  return std::max<size_t>(1, std::min(thread_count(requested), partners));
}

void for_each_cell(size_t periods, size_t partners, size_t threads,
                   const std::function<void(size_t thread, size_t period, uint32_t partner)>& cell) {
  threads = std::max<size_t>(1, std::min(threads, partners));
  std::vector<Failure> failures(threads);
  // The place (period x partners + partner) of the earliest failed cell known. A cell placed after it
  // cannot be the first failure, so it is skipped; every cell placed before the final earliest one is
  // evaluated, whatever the threads' timing, so the failure reported is the sequential loop's.
  std::atomic<size_t> earliest{SIZE_MAX};
  // A range visits its partners one at a time, all periods of a partner together: a partner's aggregate
  // states for consecutive periods lie side by side, so they come into the cache together.
  auto run_range = [&](size_t t) {
    auto first = static_cast<uint32_t>(partners * t / threads), last = static_cast<uint32_t>(partners * (t + 1) / threads);
    for (uint32_t partner = first; partner < last; ++partner) {
      for (size_t period = 0; period < periods; ++period) {
        size_t place = period * partners + partner;
        if (place > earliest.load(std::memory_order_relaxed)) break;  // and so are the later periods
        try {
          cell(t, period, partner);
        } catch (...) {
          if (place < failures[t].place) failures[t] = Failure{place, std::current_exception()};
          size_t seen = earliest.load();
          while (place < seen && !earliest.compare_exchange_weak(seen, place)) {
          }
          break;
        }
      }
    }
  };
  for_each_task(threads, run_range);  // (each range catches its own failures)

  const Failure* first = nullptr;
  for (const Failure& f : failures) {
    if (f.error && (!first || f.place < first->place)) first = &f;
  }
  if (first) std::rethrow_exception(first->error);
}

}  // namespace rebate::engine
