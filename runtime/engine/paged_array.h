// A growable array kept in fixed-size pages: growing never moves or copies what is there
// (a std::vector briefly holds its old and new buffers, twice the memory, while it grows), and an index
// is a shift and a mask. For the group rows, which grow with the ledger's orders and are updated in no
// particular order.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "core/huge_pages.h"

namespace rebate::engine {

template <class T>
class PagedArray {
 public:
  PagedArray() = default;
  PagedArray(PagedArray&&) noexcept = default;
  PagedArray& operator=(PagedArray&&) noexcept = default;
  ~PagedArray() = default;

  size_t size() const { return size_; }
  T& operator[](size_t i) { return pages_[i >> kPageBits].get()[i & kMask]; }
  const T& operator[](size_t i) const { return pages_[i >> kPageBits].get()[i & kMask]; }

  // Grows to n elements; the new ones are value-initialized (zeroed memory for the plain structs kept here).
  void resize(size_t n) {
    while (pages_.size() << kPageBits < n) pages_.emplace_back(new_page());
    size_ = n;
  }
  // Gives back the pages that hold only elements below `index`, which must not be read again (a merge
  // that reads an array once, front to back, frees it as it goes).
  void release_below(size_t index) {
    for (size_t p = 0; p < (index >> kPageBits) && p < pages_.size(); ++p) pages_[p].reset();
  }
  void push_back(const T& v) {
    resize(size_ + 1);
    (*this)[size_ - 1] = v;
  }

 private:
  // A page is 64 KiB / (the largest power of two dividing sizeof(T)) elements: small, since a group
  // keeps its rows in 64 partitions in every scan part (state.h), a partition with a few rows must not
  // cost a large page, and a page is faulted in whole when it is made.
  static constexpr unsigned page_bits() {
    unsigned twos = 0;
    while (((sizeof(T) >> twos) & 1) == 0) ++twos;
    return twos >= 16 ? 0 : 16 - twos;
  }
  static constexpr unsigned kPageBits = page_bits();
  static constexpr size_t kPageElements = size_t{1} << kPageBits;
  static constexpr size_t kMask = kPageElements - 1;

  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  using Page = std::unique_ptr<T, Free>;
  static Page new_page() {
    // Zeroed memory: a value-initialized T, for the trivial structs stored here. Small pages (the rows
    // are appended in order and mostly read again soon after, as an order's lines are neighbours, so
    // TLB misses are rare), faulted in together as the page is made: the rows will fill it, and one call
    // costs far less than a fault per 4 KiB on a virtual machine (huge_pages.h, populate_pages).
    static_assert(std::is_trivially_copyable_v<T>, "pages are zeroed memory, not constructed objects");
    T* page = static_cast<T*>(std::calloc(kPageElements, sizeof(T)));
    if (!page) throw std::bad_alloc();
    populate_pages(page, kPageElements * sizeof(T));
    return Page(page);
  }

  std::vector<Page> pages_;
  size_t size_ = 0;
};

// Blocks of a fixed number of words (a group row's compact fields), kept like a PagedArray in pages that
// hold a whole number of blocks: a block never straddles two pages, whatever its size (three words for
// an order's two sums and their counts), and a block's place is a shift, a mask and a multiply.
class PagedBlocks {
 public:
  PagedBlocks() = default;
  explicit PagedBlocks(size_t words) : words_(words) {}
  PagedBlocks(PagedBlocks&&) noexcept = default;
  PagedBlocks& operator=(PagedBlocks&&) noexcept = default;
  ~PagedBlocks() = default;

  size_t words() const { return words_; }
  size_t size() const { return size_; }  // blocks
  uint64_t* operator[](size_t block) { return pages_[block >> kPageBits].get() + (block & kMask) * words_; }
  const uint64_t* operator[](size_t block) const { return pages_[block >> kPageBits].get() + (block & kMask) * words_; }
  // One more block, zeroed.
  void add() {
    if (size_ == pages_.size() << kPageBits) {
      auto* page = static_cast<uint64_t*>(std::calloc(size_t{1} << kPageBits, words_ * sizeof(uint64_t)));
      if (!page) throw std::bad_alloc();
      populate_pages(page, (size_t{1} << kPageBits) * words_ * sizeof(uint64_t));
      pages_.emplace_back(page);
    }
    ++size_;
  }
  // Gives back the pages that hold only blocks below `block`, which must not be read again.
  void release_below(size_t block) {
    for (size_t p = 0; p < (block >> kPageBits) && p < pages_.size(); ++p) pages_[p].reset();
  }

 private:
  static constexpr unsigned kPageBits = 11;  // 2,048 blocks a page: 64 KiB of 4-word blocks (see PagedArray)
  static constexpr size_t kMask = (size_t{1} << kPageBits) - 1;
  struct Free {
    void operator()(uint64_t* p) const { std::free(p); }
  };
  std::vector<std::unique_ptr<uint64_t, Free>> pages_;
  size_t words_ = 0;
  size_t size_ = 0;
};

}  // namespace rebate::engine
