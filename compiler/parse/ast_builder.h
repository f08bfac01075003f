// Turns the ANTLR parse tree of one file into the project's AST (compiler/ast/ast.h) in a single walk.
// Private to compiler/parse: nothing outside this folder includes ANTLR's headers.
#pragma once

#include "RebateParser.h"
#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "parse/token_positions.h"

namespace rebate {

// Expression ids are numbered from `first_expr_id`. Literals that do not denote a value (2026-02-30,
// 2026-Q5) and nesting deeper than kMaxNesting are reported here.
ast::Module build_ast(rebate_antlr::RebateParser::FileContext* tree, const TokenPositions& positions,
                      antlr4::CommonTokenStream& tokens, ast::ExprId first_expr_id, Diagnostics& diags);

}  // namespace rebate
