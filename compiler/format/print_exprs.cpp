// The printer's expressions. Operators have a space on each side; a chain of operators of one precedence
// is one group that breaks before each operator, the lines after the first indented one level:
//
//     measure eligible_revenue = sales.sum(amount where family == "storage")
//         + sales.sum(amount where family == "backup" and returned == false)
//
// A call's arguments break after `(` and before `)` when they do not fit, a list's items likewise.
#include "format/printer.h"

namespace rebate::format {

namespace {

using ast::ExprKind;
using ast::Op;

// The levels of grammar/Rebate.g4's `expr` as ANTLR numbers them (`expr(12)` is a unary operand, ...).
constexpr int kIf = 1, kOtherwise = 2, kOr = 3, kAnd = 4, kNot = 5, kIn = 6, kCompare = 7, kRange = 8, kAdd = 9,
              kMul = 10, kBy = 11, kUnary = 12, kPostfix = 14, kPrimary = 16;

int binary_precedence(Op op) {
  switch (op) {
    case Op::By: return kBy;
    case Op::Mul:
    case Op::Div:
    case Op::Of:
      return kMul;
    case Op::Add:
    case Op::Sub:
      return kAdd;
    case Op::Range: return kRange;
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      return kCompare;
    case Op::And: return kAnd;
    case Op::Or: return kOr;
    case Op::Otherwise: return kOtherwise;
    case Op::Neg:
    case Op::Plus:
    case Op::Not:
      return kPrimary;  // unary only
  }
  return kPrimary;
}

bool is_chain(const ast::Expr& e) { return e.kind == ExprKind::Binary || e.kind == ExprKind::In; }

}  // namespace

int precedence(const ast::Expr& e) {
  switch (e.kind) {
    case ExprKind::Int:
    case ExprKind::Decimal:
    case ExprKind::Quantity:
    case ExprKind::Percent:
    case ExprKind::Date:
    case ExprKind::Period:
    case ExprKind::String:
    case ExprKind::Bool:
    case ExprKind::List:
    case ExprKind::Tuple:
    case ExprKind::Name:
      return kPrimary;
    case ExprKind::Member:
    case ExprKind::Call:
    case ExprKind::Method:
      return kPostfix;
    case ExprKind::Unary: return e.op == Op::Not ? kNot : kUnary;
    case ExprKind::Binary: return binary_precedence(e.op);
    case ExprKind::In: return kIn;
    case ExprKind::If: return kIf;
  }
  return kPrimary;
}

DocId Printer::expr(const ast::Expr& e, int min_precedence) {
  // Every expression starts at the token the printer has come to; anything else is a printer bug.
  if (pos_ >= tokens_.code.size() || tokens_.code[pos_].begin != e.span.begin) ++mismatches_;
  const size_t levels = paren_levels(e.span);
  if (levels == 0 && precedence(e) >= min_precedence) return expr_inner(e);
  // The source's parentheses (written twice or more: once), or parentheses the tree needs.
  DocId open = levels > 0 ? tok("(") : doc_.text("(");
  for (size_t k = 1; k < levels; ++k) skip("(");
  DocId inner = expr_inner(e);
  for (size_t k = 1; k < levels; ++k) skip(")");
  DocId close = levels > 0 ? tok(")") : doc_.text(")");
  return doc_.concat({open, inner, close});
}

DocId Printer::literal(const ast::Expr& e) {
  if (e.kind != ExprKind::Quantity) return next_tok();
  DocId number = next_tok();
  return doc_.concat({number, space(), next_tok()});  // `100_000 USD`, `30 days`
}

DocId Printer::expr_inner(const ast::Expr& e) {
  switch (e.kind) {
    case ExprKind::Int:
    case ExprKind::Decimal:
    case ExprKind::Quantity:
    case ExprKind::Percent:
    case ExprKind::Date:
    case ExprKind::Period:
    case ExprKind::String:
    case ExprKind::Bool:
      return literal(e);
    case ExprKind::List: return list(e);
    case ExprKind::Tuple: {
      // Its own parentheses are the span's first and last tokens, printed by expr() as written ones.
      std::vector<DocId> items;
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) items.insert(items.end(), {tok(","), space()});
        items.push_back(expr(*e.args[i]));
      }
      skip(",");
      return doc_.concat(items);
    }
    case ExprKind::Name: return tok(e.text);
    case ExprKind::Member: {
      DocId target = expr(e.arg(0), kPostfix);
      DocId dot = tok(".");
      return doc_.concat({target, dot, tok(e.text)});
    }
    case ExprKind::Call: {
      DocId callee = tok(e.text);
      return doc_.concat({callee, call_args(e, 0)});
    }
    case ExprKind::Method: {
      DocId target = expr(e.arg(0), kPostfix);
      DocId dot = tok(".");
      DocId name = tok(e.text);
      return doc_.concat({target, dot, name, call_args(e, 1)});
    }
    case ExprKind::Unary: {
      if (e.op == Op::Not) {
        DocId word = tok("not");
        return doc_.concat({word, space(), expr(e.arg(0), kNot)});
      }
      DocId sign = tok(e.op == Op::Neg ? "-" : "+");
      // `- -x`, not `--x`.
      const ast::Expr& operand = e.arg(0);
      bool signed_operand = operand.kind == ExprKind::Unary && operand.op != Op::Not && paren_levels(operand.span) == 0;
      if (signed_operand) return doc_.concat({sign, space(), expr(operand, kUnary)});
      return doc_.concat({sign, expr(operand, kUnary)});
    }
    case ExprKind::Binary:
    case ExprKind::In:
      return binary_chain(e);
    case ExprKind::If: {
      DocId word = tok("if");
      DocId condition = expr(e.arg(0));
      DocId then_word = tok("then");
      DocId yes = expr(e.arg(1));
      DocId else_word = tok("else");
      DocId no = expr(e.arg(2), kIf);
      DocId rest = doc_.nest(doc_.concat({doc_.line(), then_word, space(), yes, doc_.line(), else_word, space(), no}));
      return doc_.group(doc_.concat({word, space(), condition, rest}));
    }
  }
  return doc_.empty();
}

DocId Printer::binary_chain(const ast::Expr& e) {
  const int p = precedence(e);
  const bool right = e.kind == ExprKind::Binary && e.op == Op::Otherwise;  // `otherwise` groups to the right
  // The operators of one precedence in a row, outermost first: `a + b - c` is (a + b) - c, one chain.
  std::vector<const ast::Expr*> chain{&e};
  for (;;) {
    const ast::Expr& next = chain.back()->arg(right ? 1 : 0);
    if (!is_chain(next) || precedence(next) != p || paren_levels(next.span) > 0) break;
    chain.push_back(&next);
  }
  auto op_tokens = [&](const ast::Expr& node) {
    if (node.kind == ExprKind::In) {
      if (!node.negated) return tok("in");
      DocId word = tok("not");
      return doc_.concat({word, space(), tok("in")});
    }
    return tok(ast::spelling(node.op));
  };
  std::vector<DocId> rest;
  DocId first;
  if (right) {
    // a otherwise (b otherwise c): the operands left to right are each link's left side, then the last right.
    first = expr(chain.front()->arg(0), p + 1);
    for (size_t k = 0; k < chain.size(); ++k) {
      const ast::Expr& link = *chain[k];
      DocId op = op_tokens(link);
      DocId operand = k + 1 < chain.size() ? expr(chain[k + 1]->arg(0), p + 1) : expr(link.arg(1), p);
      rest.insert(rest.end(), {doc_.line(), op, space(), operand});
    }
  } else {
    first = expr(chain.back()->arg(0), p);
    for (size_t k = chain.size(); k-- > 0;) {
      const ast::Expr& link = *chain[k];
      DocId op = op_tokens(link);
      DocId operand = expr(link.arg(1), p + 1);
      rest.insert(rest.end(), {doc_.line(), op, space(), operand});
    }
  }
  return doc_.group(doc_.concat({first, doc_.nest(doc_.concat(rest))}));
}

DocId Printer::call_args(const ast::Expr& e, size_t first_value) {
  DocId open = tok("(");
  if (e.args.size() <= first_value && !e.where) return doc_.concat({open, tok(")")});
  std::vector<DocId> inner;
  for (size_t i = first_value; i < e.args.size(); ++i) {
    if (i > first_value) inner.insert(inner.end(), {tok(","), doc_.line()});
    if (i < e.labels.size() && !e.labels[i].name.empty()) {  // a named argument: `to: EUR`
      DocId label = tok(e.labels[i].name);
      inner.insert(inner.end(), {label, tok(":"), space()});
    }
    inner.push_back(expr(*e.args[i]));
  }
  if (e.where) {
    if (!inner.empty()) inner.push_back(doc_.line());
    DocId where = tok("where");
    inner.insert(inner.end(), {where, space(), expr(*e.where)});
  }
  DocId body = doc_.nest(doc_.concat({doc_.soft_line(), doc_.group(doc_.concat(inner)), doc_.stmt(StmtKind::Comments)}));
  DocId line = doc_.soft_line();
  DocId close = tok(")");
  return doc_.group(doc_.concat({open, body, line, close}));
}

DocId Printer::list(const ast::Expr& e) {
  DocId open = tok("[");
  if (e.args.empty()) return doc_.concat({open, tok("]")});
  std::vector<DocId> items{doc_.soft_line()};
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (i > 0) items.insert(items.end(), {tok(","), doc_.line()});
    items.push_back(expr(*e.args[i]));
  }
  skip(",");
  items.push_back(doc_.stmt(StmtKind::Comments));
  DocId body = doc_.nest(doc_.concat(items));
  DocId line = doc_.soft_line();
  DocId close = tok("]");
  return doc_.group(doc_.concat({open, body, line, close}));
}

}  // namespace rebate::format
