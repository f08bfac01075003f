// A second thread whose exception (an allocation that fails) reaches the thread that joins it, instead
// of ending the process: join() rethrows it. A WorkerThread still running when its owner unwinds (the
// owner's own work threw) is joined by the destructor, its exception then dropped (the owner's is the
// one reported).
#pragma once

#include <exception>
#include <thread>
#include <utility>

namespace rebate {

class WorkerThread {
 public:
  template <class F>
  explicit WorkerThread(F&& body)
      : thread_([this, body = std::forward<F>(body)]() mutable {
          try {
            body();
          } catch (...) {
            error_ = std::current_exception();
          }
        }) {}
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;
  ~WorkerThread() {
    if (thread_.joinable()) thread_.join();
  }

  void join() {
    thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  std::exception_ptr error_;  // set by the thread before it ends, read after join
  std::thread thread_;        // last: started once error_ exists
};

}  // namespace rebate
