// Runs a function on a thread with a large stack. The parser and the checker recurse once per nesting
// level of the program; hostile input is capped (kMaxNesting) but the cap must not be the stack's.
#pragma once

#include <functional>

namespace rebate {

int run_with_big_stack(const std::function<int()>& body);

}  // namespace rebate
