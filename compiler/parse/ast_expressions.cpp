// Parse tree to AST: expressions (ast_builder_impl.h). Each tolerates missing children after error
// recovery as the declarations do (ast_builder.cpp), and nesting deeper than kMaxNesting is reported once.
#include <fmt/format.h>

#include <typeinfo>

#include "parse/ast_builder_impl.h"
#include "parse/literals.h"
#include "parse/parse.h"

namespace rebate {

ExprPtr AstBuilder::Impl::node(ExprKind kind, Span s) {
  auto e = std::make_unique<ast::Expr>();
  e->id = next_id_++;
  e->kind = kind;
  e->span = s;
  return e;
}

ExprPtr AstBuilder::Impl::missing(Span s) {
  auto e = node(ExprKind::Name, s);
  e->text = "";
  return e;
}

Op AstBuilder::Impl::compare_op(const std::string& s) {
  if (s == "==") return Op::Eq;
  if (s == "!=") return Op::Ne;
  if (s == "<") return Op::Lt;
  if (s == "<=") return Op::Le;
  if (s == ">") return Op::Gt;
  return Op::Ge;
}

ExprPtr AstBuilder::Impl::expr(P::ExprContext* c) {
  if (!c) return missing(Span{pos_.file(), 0, 0});
  if (depth_ >= kMaxNesting) {
    if (!reported_depth_) {
      reported_depth_ = true;
      diags_.report(DiagKind::NestingTooDeep, span(c->getStart()),
                    fmt::format("expression nested more than {} levels deep, or a chain of more than {} operators", kMaxNesting, kMaxNesting))
          .with_help("split the expression into named measures or constants");
    }
    return missing(span(c));
  }
  ++depth_;
  ExprPtr e = expr_inner(c);
  --depth_;
  return e;
}

Op AstBuilder::Impl::mul_op(const antlr4::Token* op) {
  std::string text = op ? op->getText() : "*";
  return text == "*" ? Op::Mul : text == "/" ? Op::Div : Op::Of;
}

ExprPtr AstBuilder::Impl::expr_inner(P::ExprContext* c) {
  const std::type_info& type = typeid(*c);
  if (type == typeid(P::PrimaryExprContext)) return primary(static_cast<P::PrimaryExprContext*>(c)->inner);
  if (type == typeid(P::MemberExprContext)) {
    auto* x = static_cast<P::MemberExprContext*>(c);
    auto e = node(ExprKind::Member, span(c));
    e->args.push_back(expr(x->target));
    e->text = token_text(x->name);
    e->name_span = span(x->name);
    return e;
  }
  if (type == typeid(P::MethodExprContext)) {
    auto* x = static_cast<P::MethodExprContext*>(c);
    auto e = node(ExprKind::Method, span(c));
    e->args.push_back(expr(x->target));
    e->text = token_text(x->name);
    e->name_span = span(x->name);
    call_args(*e, x->args);
    return e;
  }
  if (type == typeid(P::CallExprContext)) {
    auto* x = static_cast<P::CallExprContext*>(c);
    auto e = node(ExprKind::Call, span(c));
    e->text = token_text(x->name);
    e->name_span = span(x->name);
    call_args(*e, x->args);
    return e;
  }
  if (type == typeid(P::UnaryExprContext)) {
    auto* x = static_cast<P::UnaryExprContext*>(c);
    auto e = node(ExprKind::Unary, span(c));
    e->op = x->op && x->op->getText() == "+" ? Op::Plus : Op::Neg;
    e->args.push_back(expr(x->operand));
    return e;
  }
  if (type == typeid(P::NotExprContext)) {
    auto e = node(ExprKind::Unary, span(c));
    e->op = Op::Not;
    e->args.push_back(expr(static_cast<P::NotExprContext*>(c)->operand));
    return e;
  }
  if (type == typeid(P::ByExprContext)) return binary<P::ByExprContext>(Op::By, c);
  if (type == typeid(P::MulExprContext)) return binary<P::MulExprContext>(mul_op(static_cast<P::MulExprContext*>(c)->op), c);
  if (type == typeid(P::AddExprContext)) return binary<P::AddExprContext>(add_op(static_cast<P::AddExprContext*>(c)->op), c);
  if (type == typeid(P::RangeExprContext)) return binary<P::RangeExprContext>(Op::Range, c);
  if (type == typeid(P::CompareExprContext)) {
    auto* x = static_cast<P::CompareExprContext*>(c);
    return binary<P::CompareExprContext>(x->op ? compare_op(x->op->getText()) : Op::Eq, c);
  }
  if (type == typeid(P::InExprContext)) {
    auto* x = static_cast<P::InExprContext*>(c);
    auto e = node(ExprKind::In, span(c));
    e->negated = x->negated != nullptr;
    e->args.push_back(expr(x->lhs));
    e->args.push_back(expr(x->rhs));
    return e;
  }
  if (type == typeid(P::AndExprContext)) return binary<P::AndExprContext>(Op::And, c);
  if (type == typeid(P::OrExprContext)) return binary<P::OrExprContext>(Op::Or, c);
  if (type == typeid(P::OtherwiseExprContext)) return binary<P::OtherwiseExprContext>(Op::Otherwise, c);
  if (type == typeid(P::IfExprContext)) {
    auto* x = static_cast<P::IfExprContext*>(c);
    auto e = node(ExprKind::If, span(c));
    e->args.push_back(expr(x->cond));
    e->args.push_back(expr(x->yes));
    e->args.push_back(expr(x->no));
    return e;
  }
  return missing(span(c));
}

template <class Alternative>
ExprPtr AstBuilder::Impl::binary(Op op, P::ExprContext* c) {
  auto* x = static_cast<Alternative*>(c);
  auto e = node(ExprKind::Binary, span(c));
  e->op = op;
  e->args.push_back(expr(x->lhs));
  e->args.push_back(expr(x->rhs));
  return e;
}

void AstBuilder::Impl::call_args(ast::Expr& e, P::CallArgsContext* args) {
  if (!args) return;
  for (auto* a : args->values) {
    if (a->label && e.labels.empty()) e.labels.resize(e.args.size());
    if (!e.labels.empty()) e.labels.push_back(a->label ? ident(a->label) : ast::Ident{});
    e.args.push_back(expr(a->value));
  }
  if (args->where) e.where = expr(args->where);
}

ExprPtr AstBuilder::Impl::primary(P::PrimaryContext* c) {
  if (!c) return missing(Span{pos_.file(), 0, 0});
  Span s = span(c);
  const std::type_info& type = typeid(*c);
  if (type == typeid(P::NumberLitContext)) {
    auto* x = static_cast<P::NumberLitContext*>(c);
    std::string digits = strip_digit_separators(x->number ? x->number->getText() : "0");
    bool is_decimal = digits.find('.') != std::string::npos;
    if (x->u) {
      auto e = node(ExprKind::Quantity, s);
      e->text = digits;
      e->unit = token_text(x->u);
      e->name_span = span(x->u);
      return e;
    }
    auto e = node(is_decimal ? ExprKind::Decimal : ExprKind::Int, s);
    e->text = digits;
    return e;
  }
  if (type == typeid(P::PercentLitContext)) {
    auto e = node(ExprKind::Percent, s);
    std::string text = token_text(c);
    e->text = strip_digit_separators(text.substr(0, text.size() - 1));
    return e;
  }
  if (type == typeid(P::DateLitContext)) {
    auto e = node(ExprKind::Date, s);
    e->text = token_text(c);
    if (!parse_date_literal(e->text)) {
      diags_.report(DiagKind::InvalidLiteral, s, fmt::format("`{}` is not a date in the calendar", e->text))
          .with_help("dates are written YYYY-MM-DD with a real month and day, e.g. `2026-02-28`");
    }
    return e;
  }
  if (type == typeid(P::PeriodLitContext)) {
    auto e = node(ExprKind::Period, s);
    e->text = token_text(c);
    if (!parse_period_literal(e->text)) {
      diags_.report(DiagKind::InvalidLiteral, s, fmt::format("`{}` is not a period", e->text))
          .with_help("periods are written `2026-Q1`..`2026-Q4`, `2026-H1`/`2026-H2` or `2026-01`..`2026-12`");
    }
    return e;
  }
  if (type == typeid(P::StringLitContext)) {
    auto e = node(ExprKind::String, s);
    e->text = decode_string_literal(token_text(c));
    return e;
  }
  if (type == typeid(P::BoolLitContext)) {
    auto e = node(ExprKind::Bool, s);
    e->text = token_text(c);
    return e;
  }
  if (type == typeid(P::ListLitContext)) {
    auto e = node(ExprKind::List, s);
    for (auto* item : static_cast<P::ListLitContext*>(c)->items) e->args.push_back(expr(item));
    return e;
  }
  if (type == typeid(P::TupleLitContext)) {
    auto e = node(ExprKind::Tuple, s);
    for (auto* item : static_cast<P::TupleLitContext*>(c)->items) e->args.push_back(expr(item));
    return e;
  }
  if (type == typeid(P::ParenExprContext)) {
    ExprPtr inner = expr(static_cast<P::ParenExprContext*>(c)->inner);
    inner->span = s;  // the parentheses belong to the span, so carets cover them
    return inner;
  }
  if (type == typeid(P::NameExprContext)) {
    auto e = node(ExprKind::Name, s);
    e->text = token_text(static_cast<P::NameExprContext*>(c)->name);
    return e;
  }
  return missing(s);
}

}  // namespace rebate
