#include "core/huge_pages.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace rebate {

namespace {
size_t rounded(size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }

// Faults in the first `bytes` as writable pages now. Callers read this memory before they write it (a
// probe before an insert, `+=` on a fresh state): left to itself, the first read maps the shared zero
// page and the first write then faults again to replace it, which in a process with two threads also
// interrupts the other core to flush its TLB. That was a third of a two-thread scan's time.
void populate(char* p, size_t bytes) {
  const size_t page = 4096;
  const size_t length = (bytes + page - 1) & ~(page - 1);
#ifdef MADV_POPULATE_WRITE
  if (::madvise(p, length, MADV_POPULATE_WRITE) == 0) return;
#endif
  // Kernels before 5.14: a write to every page (the memory is zero; writing zero keeps it so).
  for (size_t i = 0; i < length; i += page) static_cast<volatile char*>(p)[i] = 0;
}

// Small-page memory given back: whole huge-page-sized chunks, aligned, faulted in, to be zeroed and
// moved (mremap: the pages themselves, not copies) to where the next small-page mapping wants them.
struct Spare {
  std::mutex mutex;
  std::vector<char*> chunks;
};
Spare& spare() {
  static Spare* s = new Spare;  // never destroyed: mappings may be given back during static destruction
  return *s;
}
char* take_spare() {
  Spare& s = spare();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.chunks.empty()) return nullptr;
  char* chunk = s.chunks.back();
  s.chunks.pop_back();
  return chunk;
}

// Fills [at, at + size) (whole chunks of a fresh mapping) with spare chunks, zeroed when `zero`, as far
// as there are any; the bytes it could not fill, from `filled` on, are left to be faulted in.
size_t fill_from_spare(char* at, size_t size, bool zero) {
  size_t filled = 0;
  for (; filled < size; filled += kHugePage) {
    char* chunk = take_spare();
    if (!chunk) break;
    void* moved = ::mremap(chunk, kHugePage, kHugePage, MREMAP_MAYMOVE | MREMAP_FIXED, at + filled);
    if (moved == MAP_FAILED) {
      ::munmap(chunk, kHugePage);
      break;
    }
    if (zero) std::memset(at + filled, 0, kHugePage);
  }
  return filled;
}

// Whether fresh huge pages are worth asking for. They spare random accesses TLB misses, and where the
// kernel has them at hand they fault in as cheaply as small pages (0.1-0.2 ms a MB on the benchmark's
// machine, right after a run of ours). But on a virtual machine that reports free memory to its host
// (free page reporting: whole free huge-page blocks, a few seconds after they were freed), a huge page
// from such a block costs the host a fault of its own: 1.6-2.5 ms a MB there after another process had
// freed its memory, against 0.3-0.45 ms a MB for small pages, which come from lists of pages freed
// lately. The first few huge pages may still be cheap (blocks not reported yet), so each one is faulted
// in on a clock, and the first slow one settles it: small pages from then on.
std::atomic<int> huge_pages_setting{static_cast<int>(HugePages::Auto)};
// A huge page that takes longer than this to fault in (0.5 ms a MB: slower than small pages would be)
// is one the host had to find again.
constexpr auto kCheapHugePage = std::chrono::microseconds(1000);

// Faults in the first `bytes` of [at, at + size) (huge-page aligned), on huge pages while they are cheap.
void populate_huge(char* at, size_t size, size_t bytes) {
  ::madvise(at, size, MADV_HUGEPAGE);
  size_t done = 0;
  for (; done < bytes && huge_pages() != HugePages::Never; done += kHugePage) {
    const auto start = std::chrono::steady_clock::now();
    populate(at + done, std::min(kHugePage, bytes - done));
    if (std::chrono::steady_clock::now() - start > kCheapHugePage) {
      int expected = static_cast<int>(HugePages::Auto);
      huge_pages_setting.compare_exchange_strong(expected, static_cast<int>(HugePages::Never));
    }
  }
  if (done >= bytes) return;
  ::madvise(at + done, size - done, MADV_NOHUGEPAGE);
  populate(at + done, bytes - done);
}
}  // namespace

void populate_pages(void* p, size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  // The pages that hold any of the bytes: a page shared with other memory is mapped all the same, and
  // populating it writes nothing. (Without MADV_POPULATE_WRITE, before Linux 5.14, the pages fault in
  // as they are written: a write here could race with the neighbour's.)
  const uintptr_t page = 4096, from = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  const uintptr_t to = (reinterpret_cast<uintptr_t>(p) + bytes + page - 1) & ~(page - 1);
  if (bytes > 0) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)bytes;
#endif
}

void set_huge_pages(HugePages setting) { huge_pages_setting.store(static_cast<int>(setting)); }
HugePages huge_pages() { return static_cast<HugePages>(huge_pages_setting.load(std::memory_order_relaxed)); }

void* map_huge(size_t bytes, bool huge, bool zeroed) {
  const size_t size = rounded(bytes);
  // Map one huge page more than needed, then give back the unaligned head and the tail.
  void* p = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
  if (aligned > start) ::munmap(p, aligned - start);
  const uintptr_t end = start + size + kHugePage;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  char* const at = reinterpret_cast<char*>(aligned);
  // Small arrays stay on small pages: one huge page would be mostly unused memory. (Memory asked for on
  // huge pages is unmapped when given back, not kept, whichever pages it got.)
  if (huge && bytes >= kHugePage && huge_pages() != HugePages::Never) {
    populate_huge(at, size, bytes);
  } else {
    const size_t filled = huge ? 0 : fill_from_spare(at, size, zeroed);
    if (filled < bytes) populate(at + filled, bytes - filled);
  }
  return at;
}

void unmap_huge(void* p, size_t bytes, bool huge) {
  char* const at = static_cast<char*>(p);
  const size_t size = rounded(bytes);
  size_t kept = 0;
  if (!huge) {
    // Only chunks faulted in all through (map_huge populates `bytes`, not the rounding after them).
    Spare& s = spare();
    std::lock_guard<std::mutex> lock(s.mutex);
    for (; kept + kHugePage <= bytes && (s.chunks.size() + 1) * kHugePage <= kSpareBytes; kept += kHugePage) s.chunks.push_back(at + kept);
  }
  if (kept < size) ::munmap(at + kept, size - kept);
}

}  // namespace rebate
