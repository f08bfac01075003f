// Line diffs: exact unified output on small cases, and on random texts the changes rebuild the new text
// from the old one and change as few lines as a longest common subsequence (computed here the slow way)
// allows. tests/format/format_test.py compares `rebate fmt --diff` with the system's `diff -u`.
#include "format/line_diff.h"

#include <catch2/catch.hpp>
#include <random>

using namespace rebate::format;

namespace {

size_t lcs_length(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) t[i][j] = a[i] == b[j] ? t[i + 1][j + 1] + 1 : std::max(t[i + 1][j], t[i][j + 1]);
  }
  return t[0][0];
}

}  // namespace

TEST_CASE("unified diffs read as diff -u writes them", "[format][diff]") {
  CHECK(unified_diff("a\nb\n", "a\nb\n", "x") == "");
  CHECK(unified_diff("a\nb\nc\n", "a\nB\nc\n", "p.rebate") ==
        "--- a/p.rebate\n+++ b/p.rebate\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  // Three lines of context; changes further apart than six lines are two hunks.
  std::string old_text, new_text;
  for (int i = 1; i <= 20; ++i) {
    old_text += std::to_string(i) + "\n";
    new_text += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  CHECK(unified_diff(old_text, new_text, "f") ==
        "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+x\n 19\n 20\n");
  // Insertions into an empty text; a line without its line break.
  CHECK(unified_diff("", "a\n", "f") == "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n");
  CHECK(unified_diff("a\nb", "a\nb\n", "f") ==
        "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
  // Removed lines come before the added ones of the same change.
  CHECK(unified_diff("a\nb\nc\n", "x\ny\nc\n", "f") == "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n-b\n+x\n+y\n c\n");
}

TEST_CASE("line changes are minimal and rebuild the new text", "[format][diff]") {
  std::mt19937 random(7);
  const char* alphabet[] = {"a\n", "b\n", "c\n", "d\n", "}\n", "\n"};
  for (int round = 0; round < 2000; ++round) {
    std::string old_text, new_text;
    size_t n = random() % 14, m = random() % 14;
    for (size_t i = 0; i < n; ++i) old_text += alphabet[random() % 6];
    for (size_t i = 0; i < m; ++i) new_text += alphabet[random() % 6];
    if (random() % 5 == 0) new_text = old_text + alphabet[random() % 6];
    const auto a = split_lines(old_text), b = split_lines(new_text);
    const auto changes = line_changes(a, b);
    std::string rebuilt;
    size_t i = 0, removed = 0, added = 0;
    for (const LineChange& c : changes) {
      REQUIRE(c.old_begin >= i);
      for (; i < c.old_begin; ++i) rebuilt += a[i];
      for (size_t k = c.new_begin; k < c.new_end; ++k) rebuilt += b[k];
      removed += c.old_end - c.old_begin;
      added += c.new_end - c.new_begin;
      i = c.old_end;
    }
    for (; i < a.size(); ++i) rebuilt += a[i];
    INFO(old_text << "=>\n" << new_text);
    REQUIRE(rebuilt == new_text);
    const size_t common = lcs_length(a, b);
    REQUIRE(removed == a.size() - common);
    REQUIRE(added == b.size() - common);
  }
}

TEST_CASE("a long diff stays linear in memory", "[format][diff]") {
  std::string old_text, new_text;
  for (int i = 0; i < 20000; ++i) {
    old_text += "line " + std::to_string(i) + "\n";
    new_text += "line " + std::to_string(i % 3 == 0 ? i + 1 : i) + "\n";
  }
  const auto changes = line_changes(split_lines(old_text), split_lines(new_text));
  size_t removed = 0;
  for (const LineChange& c : changes) removed += c.old_end - c.old_begin;
  CHECK(removed > 6000);
  CHECK(removed <= 6667);
}
