// Mappings given back on small pages are kept and given out again: they must come back zeroed, whole
// and writable, alone or stitched into a larger mapping beside fresh chunks.
#include "core/huge_pages.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

using namespace rebate;

namespace {

bool all_zero(const char* p, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
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
