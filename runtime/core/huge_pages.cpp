#include "core/huge_pages.h"

#include <sys/mman.h>

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

// Fills [at, at + size) (whole chunks of a fresh mapping) with spare chunks, zeroed, as far as there are
// any; the bytes it could not fill, from `filled` on, are left to be faulted in.
size_t fill_from_spare(char* at, size_t size) {
  size_t filled = 0;
  for (; filled < size; filled += kHugePage) {
    char* chunk = take_spare();
    if (!chunk) break;
    void* moved = ::mremap(chunk, kHugePage, kHugePage, MREMAP_MAYMOVE | MREMAP_FIXED, at + filled);
    if (moved == MAP_FAILED) {
      ::munmap(chunk, kHugePage);
      break;
    }
    std::memset(at + filled, 0, kHugePage);
  }
  return filled;
}
}  // namespace

void* map_huge(size_t bytes, bool huge) {
  const size_t size = rounded(bytes);
  // Map one huge page more than needed, then give back the unaligned head and the tail.
  void* p = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
  if (aligned > start) ::munmap(p, aligned - start);
  const uintptr_t end = start + size + kHugePage;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  // Small arrays stay on small pages: one huge page would be mostly unused memory.
  if (huge && bytes >= kHugePage) ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
  const size_t filled = huge ? 0 : fill_from_spare(reinterpret_cast<char*>(aligned), size);
  if (filled < bytes) populate(reinterpret_cast<char*>(aligned) + filled, bytes - filled);
  return reinterpret_cast<void*>(aligned);
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
