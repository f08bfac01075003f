// Names of AST kinds, from the X-macro lists in ast.h.
#include "ast/ast.h"

namespace rebate::ast {

const char* name(ExprKind kind) {
  switch (kind) {
#define X(k) \
  case ExprKind::k: return #k;
    REBATE_EXPR_KINDS(X)
#undef X
  }
  return "?";
}

const char* spelling(Op op) {
  switch (op) {
#define X(k, s) \
  case Op::k: return s;
    REBATE_OPS(X)
#undef X
  }
  return "?";
}

const char* spelling(ClauseKind kind) {
  switch (kind) {
#define X(k, s) \
  case ClauseKind::k: return s;
    REBATE_CLAUSE_KINDS(X)
#undef X
  }
  return "?";
}

}  // namespace rebate::ast
