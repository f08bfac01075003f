// How long fresh memory takes to fault in, on small pages and on huge pages, four times each: the
// measurement behind the payouts' small pages (docs/performance.md, the fifth pass). On a virtual machine
// that reports free memory to its host, the first huge-page round is several times slower than the
// small-page ones; the next rounds reuse the blocks the previous one freed.
//
//   g++ -O2 bench/run/fault_in.cpp -o /tmp/fault_in && /tmp/fault_in
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstring>

int main() {
  const size_t bytes = size_t{60} << 20;  // the reference run's 220,000 payouts
  for (int huge = 0; huge < 2; ++huge) {
    for (int round = 0; round < 4; ++round) {
      const auto start = std::chrono::steady_clock::now();
      auto* p = static_cast<char*>(::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      if (p == MAP_FAILED) return 1;
      if (huge) ::madvise(p, bytes, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
      ::madvise(p, bytes, MADV_POPULATE_WRITE);
#else
      for (size_t i = 0; i < bytes; i += 4096) p[i] = 0;
#endif
      const auto faulted = std::chrono::steady_clock::now();
      std::memset(p, 1, bytes);
      const auto written = std::chrono::steady_clock::now();
      ::munmap(p, bytes);
      const double fault_s = std::chrono::duration<double>(faulted - start).count();
      std::printf("%s pages: fault-in %.1f ms (%.2f GB/s), then a memset %.1f ms\n", huge ? "huge " : "small", fault_s * 1e3,
                  static_cast<double>(bytes) / 1e9 / fault_s, std::chrono::duration<double>(written - faulted).count() * 1e3);
    }
  }
  return 0;
}
