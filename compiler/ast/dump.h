// Text forms of the AST for `rebate check --dump=ast` and for tests: one S-expression per declaration.
#pragma once

#include <string>

#include "ast/ast.h"

namespace rebate::ast {

std::string dump(const Module& module);
std::string dump(const Expr& expr);

}  // namespace rebate::ast
