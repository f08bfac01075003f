// Unit tests for "did you mean" suggestions.
#include <catch2/catch.hpp>

#include "check/checker_impl.h"

using rebate::check::closest;
using rebate::check::edit_distance;

TEST_CASE("edit distance", "[suggest]") {
  CHECK(edit_distance("revenue", "revenue") == 0);
  CHECK(edit_distance("revnue", "revenue") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("closest suggests only likely typos", "[suggest]") {
  std::vector<std::string> names = {"revenue", "units", "ev_revenue", "partner"};
  CHECK(closest("revnue", names) == std::optional<std::string>("revenue"));
  CHECK(closest("Units", names) == std::optional<std::string>("units"));
  CHECK_FALSE(closest("margin", names));
  CHECK_FALSE(closest("x", names));
}
