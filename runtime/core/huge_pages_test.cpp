// Mappings given back on small pages are kept and given out again: they must come back zeroed, whole
// and writable, alone or stitched into a larger mapping beside fresh chunks.
#include "core/huge_pages.h"

#include <catch2/catch.hpp>
#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace rebate;

namespace {

bool all_zero(const char* p, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Whether the kernel has the mapping that holds `p` advised for huge pages: the `hg` flag of its
// VmFlags in /proc/self/smaps.
bool advised_huge(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= at && at < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line.find(" hg") != std::string::npos;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("small-page mappings given back come back zeroed, alone and stitched into larger ones", "[core][huge_pages]") {
  // Three chunks dirtied and given back, then a mapping of one chunk and one of four (three spare chunks,
  // if nothing else took them, and a fresh one), each byte checked, then written through.
  std::vector<char*> dirty;
  for (int i = 0; i < 3; ++i) {
    auto* p = static_cast<char*>(map_huge(kHugePage, false));
    std::memset(p, 0x5A, kHugePage);
    dirty.push_back(p);
  }
  for (char* p : dirty) unmap_huge(p, kHugePage, false);

  auto* one = static_cast<char*>(map_huge(kHugePage, false));
  CHECK(all_zero(one, kHugePage));
  CHECK(reinterpret_cast<uintptr_t>(one) % kHugePage == 0);
  const size_t four_bytes = 4 * kHugePage - 100;  // not a whole number of chunks
  auto* four = static_cast<char*>(map_huge(four_bytes, false));
  CHECK(reinterpret_cast<uintptr_t>(four) % kHugePage == 0);
  CHECK(all_zero(four, four_bytes));
  std::memset(four, 0x33, four_bytes);
  std::memset(one, 0x44, kHugePage);
  CHECK(four[0] == 0x33);
  CHECK(four[four_bytes - 1] == 0x33);
  CHECK(one[kHugePage - 1] == 0x44);
  unmap_huge(four, four_bytes, false);
  unmap_huge(one, kHugePage, false);

  // Huge-page mappings are not kept (their pages are another kind); what they give back is unmapped.
  auto* huge = static_cast<char*>(map_huge(2 * kHugePage, true));
  CHECK(all_zero(huge, 2 * kHugePage));
  std::memset(huge, 0x11, 2 * kHugePage);
  unmap_huge(huge, 2 * kHugePage, true);
  auto* again = static_cast<char*>(map_huge(2 * kHugePage, false));
  CHECK(all_zero(again, 2 * kHugePage));
  unmap_huge(again, 2 * kHugePage, false);
}

TEST_CASE("huge pages are asked for until they are found slow, and the memory is the same either way", "[core][huge_pages]") {
  // Whether a run keeps asking for huge pages depends on how fast its machine faults them in (Auto);
  // either way a mapping is zeroed, aligned and whole. Always and Never take each path for certain.
  const HugePages before = huge_pages();
  for (const HugePages setting : {HugePages::Always, HugePages::Never}) {
    set_huge_pages(setting);
    const size_t bytes = 3 * kHugePage + 12345;
    auto* p = static_cast<char*>(map_huge(bytes, true));
    CHECK(reinterpret_cast<uintptr_t>(p) % kHugePage == 0);
    CHECK(all_zero(p, bytes));
    CHECK(advised_huge(p) == (setting == HugePages::Always));
    CHECK(advised_huge(p + 3 * kHugePage) == (setting == HugePages::Always));
    std::memset(p, 0x7E, bytes);
    CHECK(p[bytes - 1] == 0x7E);
    unmap_huge(p, bytes, true);
    // Small arrays, and arrays asked for on small pages, are never advised.
    auto* small = static_cast<char*>(map_huge(kHugePage - 1, true));
    CHECK_FALSE(advised_huge(small));
    unmap_huge(small, kHugePage - 1, true);
    auto* ordered = static_cast<char*>(map_huge(2 * kHugePage, false));
    CHECK_FALSE(advised_huge(ordered));
    unmap_huge(ordered, 2 * kHugePage, false);
  }
  set_huge_pages(before);
  CHECK(huge_pages() == before);
}

TEST_CASE("populated pages are faulted in without a byte of them, or of their neighbours, changing", "[core][huge_pages]") {
  const size_t page = 4096, bytes = 64 * page;
  void* mapped = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mapped != MAP_FAILED);
  auto* p = static_cast<unsigned char*>(mapped);
  // Pages 0 and 63 written (they stand for other allocations sharing a page with the populated bytes);
  // pages 1 to 62 not yet touched.
  for (size_t i = 0; i < page; ++i) p[i] = static_cast<unsigned char>(i * 7 + 1);
  for (size_t i = 63 * page; i < bytes; ++i) p[i] = static_cast<unsigned char>(i * 11 + 3);
  // From the middle of page 0 to the middle of page 63: the pages at either end are shared.
  populate_pages(p + page / 2, bytes - page);
  unsigned char resident[64] = {};
  REQUIRE(::mincore(mapped, bytes, resident) == 0);
#ifdef MADV_POPULATE_WRITE
  // (A kernel before 5.14 refuses the advice: the pages then fault in as they are written.)
  void* probe = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(probe != MAP_FAILED);
  const bool supported = ::madvise(probe, page, MADV_POPULATE_WRITE) == 0;
  ::munmap(probe, page);
  size_t in = 0;
  for (unsigned char r : resident) in += r & 1;
  if (supported) CHECK(in == 64);
#endif
  for (size_t i = 0; i < page; ++i) REQUIRE(p[i] == static_cast<unsigned char>(i * 7 + 1));
  CHECK(all_zero(reinterpret_cast<const char*>(p + page), 62 * page));
  for (size_t i = 63 * page; i < bytes; ++i) REQUIRE(p[i] == static_cast<unsigned char>(i * 11 + 3));
  populate_pages(p + 5, 0);  // nothing to populate: nothing happens
  ::munmap(mapped, bytes);
}
