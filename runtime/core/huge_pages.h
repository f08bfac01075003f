// Memory for big, randomly accessed arrays (aggregate states, hash tables, the string pool): mapped on
// its own and advised to use transparent huge pages where the kernel allows them. The engine's scan
// updates the states of lines in no particular order; with 4 KiB pages each update may pay a TLB miss
// on top of the cache miss, and the first touch of every page a page fault.
#pragma once

#include <cstddef>
#include <memory>

namespace rebate {

constexpr size_t kHugePage = size_t{2} << 20;

// `bytes` (rounded up to whole huge pages) of zeroed memory aligned to a huge page, on huge pages when
// it is at least one and `huge` is set; throws bad_alloc. Huge pages spare random accesses TLB misses,
// but a fresh one can cost far more to fault in than 512 small ones (the kernel may compact memory to
// find it): memory written in order and read mostly near where it was written is better off without.
//
// Memory on small pages that is given back is kept (up to kSpareBytes) and given out again, zeroed, by
// the next small-page mapping: faulting in a fresh page costs several times what zeroing a page already
// faulted in does on a virtual machine (the group rows a run frees before it lays out its payouts).
//
// Huge pages are faulted in one at a time on a clock (HugePages::Auto): once one was slower than small
// pages would have been (on a virtual machine whose host took back the free memory, see huge_pages.cpp),
// the process asks for no more. Nothing but the time depends on it.
//
// `zeroed` false: the caller writes every byte before it reads it (a std::vector constructs its
// elements), so memory given back and given out again is not zeroed first.
void* map_huge(size_t bytes, bool huge = true, bool zeroed = true);
// `huge`: as the memory was mapped.
void unmap_huge(void* p, size_t bytes, bool huge = true);
constexpr size_t kSpareBytes = size_t{256} << 20;

// Faults in now, in one call, the whole small pages within [p, p + bytes): memory about to be written
// all through (a fresh page of group rows, a hash table's new slots). A page already there costs nothing.
void populate_pages(void* p, size_t bytes);
// Memory from malloc this large or larger is populated when the code that asked for it writes it all.
constexpr size_t kPopulatedBytes = size_t{64} << 10;

enum class HugePages { Auto, Always, Never };
// Auto until a slow huge page makes it Never; tests set Always or Never to take either path.
void set_huge_pages(HugePages setting);
HugePages huge_pages();

// A std::allocator whose allocations of kPopulatedBytes or more are faulted in at once, in one call, not
// a page at a time as the container first writes them: on a virtual machine each fault of a small page
// is an exit to the host, several microseconds, and more with two threads, whose faults also keep the
// other CPU's view of the page tables in step. Allocations of a huge page or more get their own mapping:
// on huge pages for arrays read and written at random (`kHuge`), on small pages for arrays written and
// read in order, which gain nothing from huge pages and would pay for them: on a virtual machine that
// reports free memory to its host, a fresh huge page is slow to fault in (60 MB: 0.15 s, against 0.03 s
// on small pages), and how slow depends on what the machine freed a few seconds before.
template <class T, bool kHuge = true>
struct HugePageAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = HugePageAllocator<U, kHuge>;
  };
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U, kHuge>&) {}  // NOLINT: rebinding, as allocators must allow

  T* allocate(size_t n) {
    if (n * sizeof(T) < kHugePage) {
      T* p = std::allocator<T>().allocate(n);
      if (n * sizeof(T) >= kPopulatedBytes) populate_pages(p, n * sizeof(T));  // (the container writes it all next)
      return p;
    }
    return static_cast<T*>(map_huge(n * sizeof(T), kHuge, false));  // (the container constructs every element)
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kHugePage) {
      std::allocator<T>().deallocate(p, n);
      return;
    }
    unmap_huge(p, n * sizeof(T), kHuge);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U, kHuge>&) const { return true; }
};

}  // namespace rebate
