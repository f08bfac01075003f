// The JIT as a run sees it (jit.h): tiered execution. Every function starts on the interpreter; one that
// has run often enough on a thread to be worth compiling is queued for a compiling thread, which loads
// LLVM the first time, compiles the queue and switches each function to its native code. The run never
// waits for LLVM, and a run in which nothing is worth compiling (a small ledger, or a scan the kernels
// take whole, as the reference benchmark's) never loads it. The engines agree byte for byte, so which
// of them runs a call changes nothing but time (docs/architecture.md, "The JIT"). In native mode every
// function is switched as it first runs: compiled then, the run waiting for it, every call native
// (what tests of the engine need).
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "jit/jit.h"
#include "jit/library.h"
#include "jit/thread_clock.h"
#include "vm/vm.h"

namespace rebate::jit {

namespace {

// Interpreted calls of a function on one thread after which it is compiled. A row or group-row function
// runs once per line: past this many lines the rest of the ledger is worth LLVM's start (0.06-0.08 s
// of CPU, on a core a one-thread scan leaves free). A per-partner-and-period function is never worth
// it in a tiered run: compiled `optnone` with its arithmetic in the runtime, it runs no faster than
// the interpreter (measured: docs/performance.md, "The JIT engine"), so it stays interpreted.
constexpr uint64_t kHotCalls = uint64_t{1} << 16;
constexpr uint64_t kColdCalls = std::numeric_limits<uint64_t>::max();

// What every function not yet compiled is switched to when the JIT could not start or compile: its next
// call reports the failure as a native function reports an error.
int32_t report_failure(Runtime* rt, vm::Frame*, const vm::LineCells*, plan::Value*) {
  rt->error = *rt->failure;
  return 1;
}

class TieredPlan final : public vm::Engine {
 public:
  TieredPlan(const plan::Plan& plan, vm::Tiering tiering)
      : plan_(plan), native_mode_(tiering == vm::Tiering::Native), interpreter_(vm::interpreter(plan)), code_(plan.functions.size()),
        requested_(plan.functions.size()), interpreted_calls_(plan.functions.size(), 0) {}
  // The compiling thread stopped (after the step it is in: dlopen and LLVM cannot be interrupted) and
  // joined, so that none is left inside LLVM when the process exits.
  ~TieredPlan() override { stop(); }

  std::unique_ptr<vm::Executor> executor() const override;
  vm::CompileStats compile_stats() const override {
    stop();  // the run is over: nothing more is worth compiling
    std::lock_guard<std::mutex> lock(mutex_);
    vm::CompileStats out = native_ ? native_->stats() : vm::CompileStats{};
    out.started = native_ != nullptr;
    out.start_seconds = start_seconds_;
    for (plan::FunctionId f = 0; f < plan_.functions.size(); ++f)
      if (interpreted_calls_[f] > 0 && !code(f)) ++out.interpreted;
    return out;
  }

  const plan::Plan& plan() const { return plan_; }
  bool native_mode() const { return native_mode_; }
  const vm::Engine& interpreter() const { return *interpreter_; }
  // By function: its native code once it is switched to it, else null (what every call reads first).
  const std::atomic<NativeFunction>* codes() const { return code_.data(); }
  NativeFunction code(plan::FunctionId f) const { return code_[f].load(std::memory_order_acquire); }
  const std::exception_ptr* failure() const { return &failure_; }

  // Native mode: function `f` compiled now (LLVM loaded first, if it is not yet), and switched.
  NativeFunction compile_now(plan::FunctionId f) const {
    const NativeCode& n = native();
    NativeFunction out = n.compile(f);
    switch_compiled(n);
    return out;
  }

  // Function `f` queued for the compiling thread (started now if it is the first), once.
  void request(plan::FunctionId f) const {
    if (requested_[f].load(std::memory_order_relaxed) || requested_[f].exchange(true, std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    queue_.push_back(f);
    if (!compiler_started_) {
      compiler_started_ = true;
      try {
        compiler_ = std::thread([this] { compile_queued(); });
      } catch (const std::system_error&) {  // no thread to be had: the run goes on interpreting
      }
    }
    wake_.notify_one();
  }

  // An executor's interpreted calls per function, when it goes (for compile_stats).
  void count_interpreted(const std::vector<uint64_t>& calls) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t f = 0; f < calls.size(); ++f) interpreted_calls_[f] += calls[f];
  }

 private:
  // The library's compiler for the plan: LLVM loaded and a JIT instance made the first time (throws
  // vm::EngineUnavailable when it cannot be, again on every call).
  const NativeCode& native() const {
    std::call_once(native_once_, [this] {
      const double start = thread_seconds();
      std::unique_ptr<NativeCode> made = prepare(plan_);  // a throw leaves native_once_ unset
      std::lock_guard<std::mutex> lock(mutex_);
      start_seconds_ = thread_seconds() - start;
      native_ = std::move(made);
    });
    return *native_;
  }

  // Every function the library has compiled switched to its code (a cold one came with others).
  void switch_compiled(const NativeCode& n) const {
    for (plan::FunctionId g = 0; g < plan_.functions.size(); ++g)
      if (!code(g)) code_[g].store(n.compiled(g), std::memory_order_release);
  }

  // The compiling thread: the queue in order, each function switched to its native code as soon as it
  // is compiled.
  void compile_queued() const {
    for (;;) {
      plan::FunctionId f = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        f = queue_.front();
        queue_.pop_front();
      }
      try {
        const NativeCode& n = native();
        n.compile(f);
        switch_compiled(n);
      } catch (...) {  // the library missing, LLVM failing, memory: the next call of a function not compiled reports it
        std::lock_guard<std::mutex> lock(mutex_);
        failure_ = std::current_exception();
        for (std::atomic<NativeFunction>& c : code_)
          if (!c.load(std::memory_order_relaxed)) c.store(&report_failure, std::memory_order_release);
        return;
      }
    }
  }

  void stop() const {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (compiler_.joinable()) compiler_.join();
  }

  const plan::Plan& plan_;
  const bool native_mode_;
  std::unique_ptr<vm::Engine> interpreter_;
  mutable std::vector<std::atomic<NativeFunction>> code_;  // by plan function: null while interpreted
  mutable std::vector<std::atomic<bool>> requested_;
  mutable std::once_flag native_once_;
  mutable std::exception_ptr failure_;  // set once, before report_failure is switched in
  mutable std::mutex mutex_;  // guards what follows
  mutable std::unique_ptr<NativeCode> native_;
  mutable double start_seconds_ = 0;
  mutable std::vector<uint64_t> interpreted_calls_;
  mutable std::deque<plan::FunctionId> queue_;  // functions worth compiling, in the order they became so
  mutable std::condition_variable wake_;
  mutable bool stopping_ = false;
  mutable bool compiler_started_ = false;
  mutable std::thread compiler_;
};

// A thread's executor: a function switched to native code is called directly; the others run on the
// interpreter, their calls counted.
class TieredExecutor final : public vm::Executor {
 public:
  explicit TieredExecutor(const TieredPlan& plan)
      : plan_(plan), code_(plan.codes()), interpreter_(plan.interpreter().executor()), calls_(plan.plan().functions.size(), 0) {
    rt_.plan = &plan.plan();
    rt_.failure = plan.failure();
    for (const plan::Function& f : plan.plan().functions) threshold_.push_back(plan.native_mode() ? 1 : is_hot(f) ? kHotCalls : kColdCalls);
  }
  ~TieredExecutor() override { plan_.count_interpreted(calls_); }

  plan::Value run(plan::FunctionId f, vm::Frame& frame) override {
    if (NativeFunction code = code_[f].load(std::memory_order_acquire)) return call(code, frame);
    if (++calls_[f] >= threshold_[f]) [[unlikely]] return switching(f, frame);
    return interpreter_->run(f, frame);
  }
  void set_observer(vm::Observer* observer) override {
    rt_.observer = observer;
    interpreter_->set_observer(observer);
  }
  vm::Observer* observer() const override { return rt_.observer; }

 private:
  plan::Value call(NativeFunction code, vm::Frame& frame) {
    plan::Value out;
    if (code(&rt_, &frame, frame.cells(), &out) != 0) [[unlikely]] rethrow();
    return out;
  }
  [[noreturn, gnu::noinline]] void rethrow() { std::rethrow_exception(std::exchange(rt_.error, nullptr)); }

  // A function past its threshold and not switched yet: in native mode compiled now (the run waits);
  // tiered, queued for the compiling thread and interpreted meanwhile. (Out of line, so that run() is
  // a few instructions on the interpreter's path: the reference benchmark calls it a million times.)
  [[gnu::noinline]] plan::Value switching(plan::FunctionId f, vm::Frame& frame) {
    if (plan_.native_mode()) return call(plan_.compile_now(f), frame);
    plan_.request(f);
    return interpreter_->run(f, frame);
  }

  const TieredPlan& plan_;
  const std::atomic<NativeFunction>* code_;  // the plan's, by function
  Runtime rt_;  // what native code is handed: the plan, the observer, the pending error
  std::unique_ptr<vm::Executor> interpreter_;
  std::vector<uint64_t> calls_;      // interpreted calls, by function
  std::vector<uint64_t> threshold_;  // the calls after which a function is worth compiling (1: native mode)
};

std::unique_ptr<vm::Executor> TieredPlan::executor() const { return std::make_unique<TieredExecutor>(*this); }

}  // namespace

std::unique_ptr<vm::Engine> compile(const plan::Plan& plan, vm::Tiering tiering) {
  const char* tiered = std::getenv("REBATE_JIT_TIERED");
  if (tiered && std::string_view(tiered) == "off") tiering = vm::Tiering::Native;
  return std::make_unique<TieredPlan>(plan, tiering);
}

}  // namespace rebate::jit
