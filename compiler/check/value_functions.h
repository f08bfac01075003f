// The functions that take a value, by the types they take: one table, read by the diagnostics that list
// what exists for a type (`sku.starts_with("LIC-")`: "the functions on Text values are ..."). A function
// added to the language (text functions, say) is added here, and every such list names it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "check/types.h"

namespace rebate::check {

struct ValueFunction {
  std::string_view name;
  std::string_view example;  // as a program calls it: "abs(x)"
  bool (*takes)(const Type& t);
};

const std::vector<ValueFunction>& value_functions();

// The examples of the functions that take a `t` ("`min(a, b, ...)`, `abs(x)`"), in the table's order.
std::vector<std::string> functions_taking(const Type& t);

}  // namespace rebate::check
