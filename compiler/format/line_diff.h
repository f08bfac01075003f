// Line diffs: the shortest edit script between the lines of two texts (Myers' O(ND) algorithm, in linear
// space), as `diff -u` prints it (`rebate fmt --diff`) and as replaced line ranges (the language
// server's formatting edits).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rebate::format {

// A text's lines, each with its line break ("\n" or "\r\n"; the last may have none).
std::vector<std::string_view> split_lines(std::string_view text);

// Lines [old_begin, old_end) of the old text are replaced by lines [new_begin, new_end) of the new one.
struct LineChange {
  size_t old_begin, old_end;
  size_t new_begin, new_end;
};

// The changes that make `after` from `before`, in order, none overlapping; as few lines changed as can be.
std::vector<LineChange> line_changes(const std::vector<std::string_view>& before,
                                     const std::vector<std::string_view>& after);

// A unified diff with `context` lines around each change, headed `--- a/LABEL` and `+++ b/LABEL`;
// "" when the texts are equal. A last line without a line break is marked `\ No newline at end of file`.
std::string unified_diff(std::string_view before, std::string_view after, const std::string& label, size_t context = 3);

}  // namespace rebate::format
