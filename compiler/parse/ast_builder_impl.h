// The parse-tree walk behind AstBuilder (ast_builder.h): its state and its steps, one per kind of
// parse-tree context. Private to ast_builder.cpp (spans, names, declarations) and ast_expressions.cpp
// (expressions, with the nesting guard), which define the steps.
#pragma once

#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "parse/ast_builder.h"

namespace rebate {

using P = rebate_antlr::RebateParser;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Op;

// Which labelled alternative a context is, by its exact type: the generated alternative classes have no
// subclasses, so this is what dynamic_cast would answer, without its walk up the class hierarchy (a string
// comparison per level). The AST build ran a dozen failed dynamic_casts per expression before.
template <class T, class C>
inline T* exactly(C* c) {
  return c && typeid(*c) == typeid(T) ? static_cast<T*>(c) : nullptr;
}

// The text of a context whose rule matches tokens only (ident, unit, compareWord), as RuleContext::getText()
// gives it, without the std::stringstream that that builds for every call.
inline std::string token_text(antlr4::ParserRuleContext* ctx) {
  if (!ctx) return {};
  std::string out;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    out += static_cast<antlr4::tree::TerminalNode*>(child)->getSymbol()->getText();
  }
  return out;
}

class AstBuilder::Impl {
 public:
  Impl(const TokenPositions& positions, ast::ExprId first_id, Diagnostics& diags)
      : pos_(positions), next_id_(first_id), diags_(diags) {
    module_.file = pos_.file();
    module_.first_expr_id = first_id;
  }

  void add(P::ItemContext* item, antlr4::CommonTokenStream& tokens) {
    tokens_ = &tokens;
    if (item) add_item(module_, item);
  }

  ast::Module finish() {
    module_.expr_count = next_id_ - module_.first_expr_id;
    return std::move(module_);
  }

 private:
  const TokenPositions& pos_;
  antlr4::CommonTokenStream* tokens_ = nullptr;
  ast::Module module_;
  ast::ExprId next_id_;
  Diagnostics& diags_;
  int depth_ = 0;
  bool reported_depth_ = false;

  // ---- spans, names, doc comments -------------------------------------------------------------

  Span span(antlr4::ParserRuleContext* ctx) const;
  Span span(antlr4::Token* token) const { return token ? pos_.span(token) : Span{pos_.file(), 0, 0}; }
  Span span(antlr4::tree::TerminalNode* node) const { return node ? span(node->getSymbol()) : Span{}; }

  ast::Ident ident(P::IdentContext* ctx) const;
  ast::Ident ident(P::RoleWordContext* ctx) const;
  std::string string_value(antlr4::tree::TerminalNode* node) const;
  std::string string_value(antlr4::Token* token) const;

  // The `///` lines directly above a declaration, without the slashes.
  std::string doc(antlr4::ParserRuleContext* ctx);

  // ---- declarations ----------------------------------------------------------------------------

  void add_item(ast::Module& m, P::ItemContext* item);
  bool add_declaration(ast::Module& m, antlr4::tree::ParseTree* child);
  void measure(ast::Module& m, P::MeasureDeclContext* c);
  void constant(ast::Module& m, P::ConstDeclContext* c);
  void add_item_slow(ast::Module& m, P::ItemContext* item);
  std::vector<ast::Setting> settings(const std::vector<P::SettingContext*>& list);
  ast::TypeRef type(P::TypeRefContext* c) const;
  std::optional<ast::TypeRef> type_opt(P::TypeRefContext* c) const;
  ast::Source source(ast::SourceKind kind, P::IdentContext* name, const std::vector<P::ColumnDeclContext*>& cols,
                     antlr4::ParserRuleContext* c);
  ast::Group group(P::GroupDeclContext* c);
  ast::Tiers tiers(P::TiersDeclContext* c);
  ast::Decision decision(P::DecisionDeclContext* c);
  ast::Pattern pattern(P::PatternContext* c);

  // A literal or a name, with members: `gold`, `Tier.gold`, `100_000 USD`.
  ExprPtr pattern_value(P::PatternValueContext* c);
  ast::Rebate rebate(P::RebateDeclContext* c);
  ast::Clause clause(P::RebateClauseContext* c);
  ast::Award award(P::AwardDeclContext* c);
  ast::Award metric(P::MetricDeclContext* c);
  ast::Budget budget(P::BudgetDeclContext* c);
  ast::Test test(P::TestDeclContext* c);

  // ---- expressions -----------------------------------------------------------------------------

  ExprPtr node(ExprKind kind, Span s);

  // A placeholder where recovery left a hole; the syntax error was already reported.
  ExprPtr missing(Span s);
  static Op compare_op(const std::string& s);
  ExprPtr expr(P::ExprContext* c);
  static Op mul_op(const antlr4::Token* op);
  static Op add_op(const antlr4::Token* op) { return op && op->getText() == "-" ? Op::Sub : Op::Add; }

  ExprPtr expr_inner(P::ExprContext* c);
  template <class Alternative>
  ExprPtr binary(Op op, P::ExprContext* c);
  void call_args(ast::Expr& e, P::CallArgsContext* args);
  ExprPtr primary(P::PrimaryContext* c);
};

}  // namespace rebate
