// The functions that take a value, by type (value_functions.h). Their typing is in calls.cpp.
#include "check/value_functions.h"

#include <fmt/format.h>

namespace rebate::check {

namespace {

bool orderable(const Type& t) {
  return t.is_number() || t.kind == TypeKind::Money || t.kind == TypeKind::Percent || t.kind == TypeKind::Duration ||
         t.kind == TypeKind::Date || t.kind == TypeKind::Period || t.kind == TypeKind::Enum;
}
bool signed_amount(const Type& t) {
  return t.is_number() || t.kind == TypeKind::Money || t.kind == TypeKind::Percent || t.kind == TypeKind::Duration;
}
bool roundable(const Type& t) { return t.is_number() || t.kind == TypeKind::Money || t.kind == TypeKind::Percent; }
bool text(const Type& t) { return t.kind == TypeKind::Text; }

}  // namespace

const std::vector<ValueFunction>& value_functions() {
  static const std::vector<ValueFunction> table = {
      {"min", "min(a, b, ...)", orderable},
      {"max", "max(a, b, ...)", orderable},
      {"abs", "abs(x)", signed_amount},
      {"round", "round(x)", roundable},
      {"starts_with", "starts_with(text, prefix)", text},
      {"ends_with", "ends_with(text, suffix)", text},
      {"contains", "contains(text, part)", text},
      {"upper", "upper(text)", text},
      {"lower", "lower(text)", text},
      {"length", "length(text)", text},
  };
  return table;
}

std::vector<std::string> functions_taking(const Type& t) {
  std::vector<std::string> out;
  for (const ValueFunction& f : value_functions()) {
    if (f.takes(t)) out.push_back(fmt::format("`{}`", f.example));
  }
  return out;
}

}  // namespace rebate::check
