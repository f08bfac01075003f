// The run's threads: the CPUs the process may use, and the oneTBB arena (threads.h says why oneTBB).
#include "core/threads.h"

#include <sched.h>
#include <tbb/parallel_for.h>

#include <exception>
#include <vector>

namespace rebate {

namespace {

// As large as the CLI's own stack for the compiler and the engine (cli/big_stack.cpp). Address space
// only: a stack's pages are touched as it grows.
constexpr size_t kStackBytes = 256u << 20;

}  // namespace

size_t available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<size_t>(n) : 1;
}

RunThreads::RunThreads(size_t threads) : threads_(threads ? threads : 1) {
  using tbb::global_control;
  // Raise TBB's limit to N (it defaults to the cores), never lower it: another run in the process
  // (tests) may hold a larger one.
  if (threads_ > global_control::active_value(global_control::max_allowed_parallelism)) {
    workers_ = std::make_unique<global_control>(global_control::max_allowed_parallelism, threads_);
  }
  if (global_control::active_value(global_control::thread_stack_size) < kStackBytes) {
    stack_ = std::make_unique<global_control>(global_control::thread_stack_size, kStackBytes);
  }
  // No slot reserved for the caller beyond its own: N threads in all, the caller one of them.
  arena_ = std::make_unique<tbb::task_arena>(static_cast<int>(threads_), 1);
}

RunThreads::~RunThreads() = default;

void RunThreads::run(const std::function<void()>& body) { arena_->execute(body); }

void for_each_task(size_t n, const std::function<void(size_t task)>& task) {
  std::vector<std::exception_ptr> failed(n);
  auto one = [&](size_t t) {
    try {
      task(t);
    } catch (...) {
      failed[t] = std::current_exception();
    }
  };
  if (n == 1 || tbb::this_task_arena::max_concurrency() == 1) {
    for (size_t t = 0; t < n; ++t) one(t);
  } else {
    tbb::parallel_for(size_t{0}, n, one, tbb::simple_partitioner());
  }
  for (const std::exception_ptr& e : failed) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace rebate
