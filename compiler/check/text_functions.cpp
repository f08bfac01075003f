// Typing the text functions (docs/language.md §4): `starts_with(text, prefix)`, `ends_with(text,
// suffix)`, `contains(text, part)` (Bool), `upper(text)`, `lower(text)` (Text) and `length(text)` (Int).
// A value that is not text is E0321, with a help that says how to write what was probably meant.
#include <fmt/format.h>

#include "check/checker_impl.h"

namespace rebate::check {

namespace {

struct TextFunctionShape {
  std::string_view name;
  size_t args;     // texts it takes
  TypeKind result;
  std::string_view example;
};

const TextFunctionShape kTextFunctions[] = {
    {"starts_with", 2, TypeKind::Bool, "starts_with(sku, \"LIC-\")"},
    {"ends_with", 2, TypeKind::Bool, "ends_with(sku, \"-EU\")"},
    {"contains", 2, TypeKind::Bool, "contains(description, \"support\")"},
    {"upper", 1, TypeKind::Text, "upper(family)"},
    {"lower", 1, TypeKind::Text, "lower(family)"},
    {"length", 1, TypeKind::Int, "length(customer)"},
};

const TextFunctionShape* shape_of(std::string_view name) {
  for (const TextFunctionShape& s : kTextFunctions) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

bool is_text_function(std::string_view name) { return shape_of(name) != nullptr; }

Value Checker::check_text_function(const ast::Expr& e, const Scope& scope) {
  const TextFunctionShape& f = *shape_of(e.text);
  if (e.args.size() != f.args) {
    diags.report(DiagKind::ArgumentCount, e.span,
                 fmt::format("`{}` takes {}", f.name, f.args == 1 ? "one text" : "two texts: the text, then what to look for"))
        .with_help(fmt::format("`{}`", f.example));
    for (const auto& a : e.args) check(*a, scope);
    return Value{};
  }
  Value out{Type::of(f.result)};
  bool ok = true;  // the result's type is known whatever the arguments were: no error follows from this call
  for (size_t i = 0; i < e.args.size(); ++i) {
    const ast::Expr& a = e.arg(i);
    const Type text = Type::of(TypeKind::Text);
    Value v = check(a, scope, &text);
    out.maybe_none = out.maybe_none || v.maybe_none;
    if (!out.none_origin.valid() && v.maybe_none) out.none_origin = v.none_origin;
    if (v.type.is_error() || v.type.kind == TypeKind::Text) {
      ok = ok && !v.type.is_error();
      continue;
    }
    ok = false;
    auto& d = diags.report(DiagKind::TextFunctionOnNonText, a.span,
                           fmt::format("`{}` takes text, and `{}` is {}", f.name, source_text(a.span), to_string(v.type)));
    switch (v.type.kind) {
      case TypeKind::Row:
        d.with_help(fmt::format("the partner's id is text: `{}(partner.id{})`", f.name, f.args == 2 ? ", ..." : ""));
        break;
      case TypeKind::Enum:
        d.with_help("an enum's members are names, not text: compare them with `==` or `in [...]`, as in `partner.tier in [gold, platinum]`");
        break;
      case TypeKind::Currency:
        d.with_help("a currency is a code, not text: compare it with a code, as in `currency == GBP` or `currency in [GBP, CHF]`");
        break;
      default:
        d.with_help(fmt::format("the text functions take Text values, as in `{}`; other values are compared with `==`, `<` and `in`", f.example));
        break;
    }
  }
  if (ok) lint_text_test(e);
  return out;
}

}  // namespace rebate::check
