// Lint W0012 (`constant-text-test`, docs/diagnostics.md): a test on text whose answer is the same for
// every text, so known before any line is read. Each rule is exact, never a guess:
//
//  - `upper(x)` gives no character that `upper` changes and never makes (a small letter: `upper(x) ==
//    "Ev"` is never true, `!=` always), and `lower(x)` none that `lower` changes and never makes; the
//    same holds for `upper(x) in ["ev", ...]` (that member never matches) and for `starts_with`,
//    `ends_with` and `contains` of `upper(x)` or `lower(x)` with such a literal (never true);
//  - `starts_with(x, "")`, `ends_with(x, "")` and `contains(x, "")` are true of every text;
//  - `length(x)` compared with a number that no whole number of 0 or more can meet (`< 0`, `== -1`,
//    `== 1.5`) is never true, and with one that every one meets (`>= 0`, `> -1`) always true.
//
// Only literals are judged (a constant or a column could hold anything). The case mapping is ICU's,
// the runtime's own (runtime/vm/text.cpp), so the lint and the engines cannot disagree on a character.
#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "check/checker_impl.h"

namespace rebate::check {

namespace {

using CaseMap = UChar32 (*)(UChar32);

struct CaseFunction {
  CaseMap map;
  const char* never_made;  // what it never gives, for the message
  const char* written;     // how the literal must be written instead
};

// The case function `e` calls (`upper(...)` or `lower(...)`), or nullopt.
std::optional<CaseFunction> case_call(const ast::Expr& e) {
  if (e.kind != ast::ExprKind::Call || e.args.size() != 1) return std::nullopt;
  if (e.text == "upper") return CaseFunction{u_toupper, "small letters", "in capitals"};
  if (e.text == "lower") return CaseFunction{u_tolower, "capitals", "in small letters"};
  return std::nullopt;
}

// Whether `map` gives `c` for some character. A character it keeps is its own image; one it changes is
// looked for among every code point (a few milliseconds, and only when the lint is about to fire), so
// that a mapping that is not idempotent somewhere in Unicode could never make the lint wrong.
bool made_by(UChar32 c, CaseMap map) {
  if (map(c) == c) return true;
  for (UChar32 d = 0; d <= 0x10FFFF; ++d) {
    if (map(d) == c) return true;
  }
  return false;
}

std::string utf8(UChar32 c) {
  uint8_t buffer[U8_MAX_LENGTH];
  int32_t k = 0;
  U8_APPEND_UNSAFE(buffer, k, c);
  return std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(k));
}

// The first character of `text` that `map` never gives, and `text` as `map` writes it; nullopt when
// `map` can give every character of it.
struct Unmakeable {
  std::string character;
  std::string rewritten;
};
std::optional<Unmakeable> unmakeable(std::string_view text, CaseMap map) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  std::optional<Unmakeable> found;
  std::string rewritten;
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) return std::nullopt;  // the lexer refuses such a literal (E0101); nothing to judge
    if (!found && !made_by(c, map)) found = Unmakeable{utf8(c), ""};
    rewritten += utf8(map(c));
  }
  if (found) found->rewritten = std::move(rewritten);
  return found;
}

std::string quoted(std::string_view s) { return fmt::format("\"{}\"", s); }

bool is_whole(const Decimal& d) {
  std::optional<Decimal> r = d.rounded(0, RoundingMode::Down);
  return r && Decimal::compare(*r, d) == 0;
}

}  // namespace

// `a == b`, `a != b` of texts, and `length(x)` compared with a number.
void Checker::lint_text_comparison(const ast::Expr& e, const Value& a, const Value& b) {
  using ast::Op;
  const ast::Expr& le = e.arg(0);
  const ast::Expr& re = e.arg(1);
  if ((e.op == Op::Eq || e.op == Op::Ne) && a.type.kind == TypeKind::Text && b.type.kind == TypeKind::Text) {
    const bool literal_right = re.kind == ast::ExprKind::String;
    const ast::Expr& mapped = literal_right ? le : re;
    const ast::Expr& literal = literal_right ? re : le;
    std::optional<CaseFunction> f = case_call(mapped);
    if (literal.kind != ast::ExprKind::String || !f) return;
    std::optional<Unmakeable> u = unmakeable(literal.text, f->map);
    if (!u) return;
    diags.report(DiagKind::ConstantTextTest, e.span,
                 fmt::format("`{}` is {} true: `{}` gives no {}, and {} has `{}`", source_text(e.span), e.op == Op::Eq ? "never" : "always",
                             mapped.text, f->never_made, source_text(literal.span), u->character))
        .with_label(e.op == Op::Eq ? "never true" : "always true")
        .with_help(fmt::format("write the text {}: `{}`", f->written, quoted(u->rewritten)));
    return;
  }
  const bool length_left = le.kind == ast::ExprKind::Call && le.text == "length";
  const bool length_right = re.kind == ast::ExprKind::Call && re.text == "length";
  if (length_left == length_right) return;
  const Value& number = length_left ? b : a;
  if (!number.constant || (length_left ? a : b).type.kind != TypeKind::Int) return;
  // `n OP length(x)` is `length(x) OP' n`.
  Op op = e.op;
  if (!length_left) op = op == Op::Lt ? Op::Gt : op == Op::Gt ? Op::Lt : op == Op::Le ? Op::Ge : op == Op::Ge ? Op::Le : op;
  const Decimal& n = *number.constant;
  const int sign = n.sign();
  const bool whole = is_whole(n);
  std::optional<bool> answer;  // the same for every length 0, 1, 2, ...
  switch (op) {
    case Op::Lt: if (sign <= 0) answer = false; break;
    case Op::Le: if (sign < 0) answer = false; break;
    case Op::Gt: if (sign < 0) answer = true; break;
    case Op::Ge: if (sign <= 0) answer = true; break;
    case Op::Eq: if (sign < 0 || !whole) answer = false; break;
    case Op::Ne: if (sign < 0 || !whole) answer = true; break;
    default: break;
  }
  if (!answer) return;
  const ast::Expr& call = length_left ? le : re;
  diags.report(DiagKind::ConstantTextTest, e.span,
               fmt::format("`{}` is {} true: a length is a whole number of 0 or more", source_text(e.span), *answer ? "always" : "never"))
      .with_label(*answer ? "always true" : "never true")
      .with_help(fmt::format("`{} == 0` tests for the empty text, `{} > 0` for any other", source_text(call.span), source_text(call.span)));
}

// `upper(x) in ["ev", "PHEV"]`: a member that `upper` can never give.
void Checker::lint_text_in(const ast::Expr& e) {
  std::optional<CaseFunction> f = case_call(e.arg(0));
  const ast::Expr& list = e.arg(1);
  if (!f || list.kind != ast::ExprKind::List) return;
  for (const auto& member : list.args) {
    if (member->kind != ast::ExprKind::String) continue;
    std::optional<Unmakeable> u = unmakeable(member->text, f->map);
    if (!u) continue;
    diags.report(DiagKind::ConstantTextTest, member->span,
                 fmt::format("`{}` is never {}: `{}` gives no {}, and this has `{}`", source_text(e.arg(0).span), source_text(member->span),
                             e.arg(0).text, f->never_made, u->character))
        .with_label("never matches")
        .with_help(fmt::format("write the text {}: `{}`", f->written, quoted(u->rewritten)));
  }
}

// `starts_with`, `ends_with`, `contains` of an empty literal, or of `upper(x)`/`lower(x)` and a literal
// that they never give.
void Checker::lint_text_test(const ast::Expr& e) {
  if (e.args.size() != 2 || (e.text != "starts_with" && e.text != "ends_with" && e.text != "contains")) return;
  const ast::Expr& part = e.arg(1);
  if (part.kind != ast::ExprKind::String) return;
  if (part.text.empty()) {
    const char* why = e.text == "starts_with" ? "begins" : e.text == "ends_with" ? "ends" : "is part of";
    diags.report(DiagKind::ConstantTextTest, e.span, fmt::format("`{}` is always true: the empty text {} every text", source_text(e.span), why))
        .with_label("always true")
        .with_help("write the text to look for, or remove the test");
    return;
  }
  std::optional<CaseFunction> f = case_call(e.arg(0));
  if (!f) return;
  std::optional<Unmakeable> u = unmakeable(part.text, f->map);
  if (!u) return;
  diags.report(DiagKind::ConstantTextTest, e.span,
               fmt::format("`{}` is never true: `{}` gives no {}, and {} has `{}`", source_text(e.span), e.arg(0).text, f->never_made,
                           source_text(part.span), u->character))
      .with_label("never true")
      .with_help(fmt::format("write the text {}: `{}`", f->written, quoted(u->rewritten)));
}

}  // namespace rebate::check
