// How many threads a run uses, and the oneTBB arena its parallel steps run in. Every phase of the
// engine (read + scan, merge, group finish, evaluation, writing) splits its work into tasks whose number
// and boundaries depend only on the run's thread count N, never on which thread runs which task or
// when, so that one thread is the N = 1 case of the one code path and the outputs are the same for
// every N. Tasks never wait for one another, so they are correct on any number of real threads.
#pragma once

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <cstddef>
#include <functional>
#include <memory>

namespace rebate {

// The CPUs this process may run on (sched_getaffinity: what `taskset`, cgroups' cpusets and container
// limits leave it), at least 1.
size_t available_cpus();

// `requested` threads, or available_cpus() when 0 (automatic).
inline size_t thread_count(unsigned requested) { return requested ? requested : available_cpus(); }

// The threads of one run: a oneTBB arena of exactly `threads` threads (more than the machine's cores
// too: TBB's limit on its workers is raised to it while the run lasts, a correctness check on a small
// machine), whose workers have stacks as large as the one the CLI runs the engine on (a measure that
// reads a measure recurses, and a chain of thousands of them must not overflow a worker where the
// calling thread does not). A parallel step inside run() uses the arena's threads.
class RunThreads {
 public:
  explicit RunThreads(size_t threads);
  ~RunThreads();
  RunThreads(const RunThreads&) = delete;
  RunThreads& operator=(const RunThreads&) = delete;
  size_t count() const { return threads_; }
  // body() on the calling thread, inside the arena.
  void run(const std::function<void()>& body);

 private:
  size_t threads_;
  std::unique_ptr<tbb::global_control> workers_, stack_;
  std::unique_ptr<tbb::task_arena> arena_;
};

// Runs task(0) .. task(n - 1), on the threads of the arena the caller is in (one after another with
// one thread). Every task runs, even after one has thrown; then the exception of the lowest-numbered
// task that threw is rethrown: the one a loop over the tasks in order would have met first, since a
// task's work does not depend on another's.
void for_each_task(size_t n, const std::function<void(size_t task)>& task);

}  // namespace rebate
