// Turns ANTLR parse trees into the project's AST (compiler/ast/ast.h). Private to compiler/parse:
// nothing outside this folder includes ANTLR's headers.
#pragma once

#include <memory>

#include "RebateParser.h"
#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "parse/token_positions.h"

namespace rebate {

// Builds one module from declarations that may come from several parses (the whole file, or one
// declaration at a time after a syntax error). Expression ids are numbered from `first_expr_id`.
// Literals that denote no value (2026-02-30, 2026-Q5) and nesting deeper than kMaxNesting are reported.
class AstBuilder {
 public:
  AstBuilder(const TokenPositions& positions, ast::ExprId first_expr_id, Diagnostics& diags);
  ~AstBuilder();
  // `tokens` is the stream the item was parsed from (for its doc comments).
  void add(rebate_antlr::RebateParser::ItemContext* item, antlr4::CommonTokenStream& tokens);
  ast::Module finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rebate
