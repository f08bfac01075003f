// Whether two texts of a program file draw the same lints. Allow comments (suppressions.h) work by lines,
// so a tool that only moves code between lines (the formatter, compiler/format) can move a lint out of an
// allow comment's reach, or into it; `rebate fmt` and the language server's formatting ask this before
// handing out a text whose file has allow comments.
#pragma once

#include <string>

namespace rebate {

// Both texts are checked as the program at `path` (its imports read from the disk), allow comments
// applied; the lints each draws in that file (W0009 included) are compared by code and message (spaces
// aside: a message may quote source text). "" when they are the same, else the first lint one has and
// the other has not: "W0005 would appear: `b` can be zero, ...".
std::string lints_difference(const std::string& path, const std::string& before, const std::string& after);

// Whether a text has an allow comment (`// rebate: allow(`): only then can moving code between lines
// change its lints.
bool has_allow_comments(const std::string& text);

}  // namespace rebate
