// Threads for the evaluation of cells, with the sequential loop's choice of the error to report.
#include "engine/evaluate_parallel.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

namespace rebate::engine {

namespace {

// Past a few threads the steps that follow the evaluation (budgets, totals, writing) dominate a run.
constexpr size_t kMaxThreads = 8;

// A worker's stack: as large as the one the CLI runs the engine on (cli/big_stack.cpp). A measure that
// reads a measure recurses, and a chain of thousands of them must not overflow a worker where the
// sequential engine did not (std::thread has no say over its stack). Address space only: pages are
// touched as the stack grows.
constexpr size_t kStackBytes = 256u << 20;

// A thread running body() with a kStackBytes stack, joined when the Worker goes.
class Worker {
 public:
  explicit Worker(std::function<void()> body) : body_(std::move(body)) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kStackBytes);
    started_ = pthread_create(&thread_, &attr, &Worker::main, this) == 0;
    pthread_attr_destroy(&attr);
  }
  ~Worker() {
    if (started_) pthread_join(thread_, nullptr);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  // False when no thread could be had: the caller runs body() itself.
  bool started() const { return started_; }

 private:
  static void* main(void* self) {
    static_cast<Worker*>(self)->body_();
    return nullptr;
  }
  std::function<void()> body_;
  pthread_t thread_{};
  bool started_ = false;
};

// The earliest failed cell of one range, by its place in the sequential order, and what it threw.
struct Failure {
  size_t place = SIZE_MAX;
  std::exception_ptr error;
};

}  // namespace

size_t evaluation_threads(size_t partners, unsigned requested) {
  size_t cores = requested ? requested : std::max<size_t>(1, std::thread::hardware_concurrency());
  return std::max<size_t>(1, std::min({cores, partners, kMaxThreads}));
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
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<size_t> on_caller = {0};
  for (size_t t = 1; t < threads; ++t) {
    workers.push_back(std::make_unique<Worker>([&run_range, t] { run_range(t); }));
    if (!workers.back()->started()) on_caller.push_back(t);
  }
  for (size_t t : on_caller) run_range(t);
  workers.clear();  // joins them

  const Failure* first = nullptr;
  for (const Failure& f : failures) {
    if (f.error && (!first || f.place < first->place)) first = &f;
  }
  if (first) std::rethrow_exception(first->error);
}

}  // namespace rebate::engine
