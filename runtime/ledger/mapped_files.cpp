#include "ledger/mapped_files.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

namespace rebate::ledger {

namespace {

// The notes, in a fixed table the signal handler can read without locks or allocation. A slot is
// claimed by setting `busy`, filled, then published by storing `end` (the handler reads `end` first).
constexpr int kSlots = 16;
constexpr size_t kPathBytes = 1024;
struct Slot {
  std::atomic<bool> busy{false};
  std::atomic<uintptr_t> start{0}, end{0};
  char path[kPathBytes] = {};
};
Slot slots[kSlots];

void say(const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

void on_bus_error(int signal, siginfo_t* info, void*) {
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (const Slot& s : slots) {
    const uintptr_t end = s.end.load(std::memory_order_acquire);
    if (end == 0 || at < s.start.load(std::memory_order_relaxed) || at >= end) continue;
    // Only async-signal-safe calls from here on.
    say("error: ");
    say(s.path);
    say(": the file changed while it was being read (it is now shorter than when the run opened it); "
        "nothing was written: run again once it is complete\n");
    ::_exit(1);  // an error in the inputs, as when a read finds the file changed (csv_read.cpp)
  }
  // Not one of ours: the default action, as if there were no handler.
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

}  // namespace

void guard_mapped_files() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  struct sigaction action {};
  action.sa_sigaction = on_bus_error;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, nullptr);
}

MappedFileNote::MappedFileNote(const void* start, size_t size, const std::string& path) {
  for (int i = 0; i < kSlots; ++i) {
    if (slots[i].busy.exchange(true)) continue;
    Slot& s = slots[i];
    const size_t n = std::min(path.size(), kPathBytes - 1);
    std::memcpy(s.path, path.data(), n);
    s.path[n] = '\0';
    s.start.store(reinterpret_cast<uintptr_t>(start), std::memory_order_relaxed);
    s.end.store(reinterpret_cast<uintptr_t>(start) + size, std::memory_order_release);
    slot_ = i;
    return;
  }
}

MappedFileNote::~MappedFileNote() {
  if (slot_ < 0) return;
  Slot& s = slots[slot_];
  s.end.store(0, std::memory_order_release);
  s.start.store(0, std::memory_order_relaxed);
  s.busy.store(false, std::memory_order_release);
}

}  // namespace rebate::ledger
