// Lints that look at the whole program once it is typed: unused definitions and unguarded division.
// (The tier-cliff lint lives with the tier checks, never-pays with the rebates, unreachable rows with
// the decision tables: each beside the facts it needs.)
#include <fmt/format.h>

#include <queue>

#include "ast/dump.h"
#include "check/checker_impl.h"

namespace rebate::check {

namespace {

bool nonzero_literal(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Int: case ast::ExprKind::Decimal: case ast::ExprKind::Quantity: case ast::ExprKind::Percent: {
      auto d = Decimal::parse(e.text);
      return d && !d->is_zero();
    }
    case ast::ExprKind::Unary: return e.op == ast::Op::Neg && nonzero_literal(e.arg(0));
    default: return false;
  }
}

bool is_zero_literal(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Int: case ast::ExprKind::Decimal: case ast::ExprKind::Quantity: case ast::ExprKind::Percent: {
      auto d = Decimal::parse(e.text);
      return d && d->is_zero();
    }
    default: return false;
  }
}

// The expressions a condition proves non-zero when it holds (`x > 0`, `x != 0`, `a and b`), or when it
// fails (`x == 0`), as their printed form.
void nonzero_facts(const ast::Expr& cond, bool holds, std::vector<std::string>& facts) {
  if (cond.kind == ast::ExprKind::Unary && cond.op == ast::Op::Not) {
    nonzero_facts(cond.arg(0), !holds, facts);
    return;
  }
  if (cond.kind != ast::ExprKind::Binary) return;
  using ast::Op;
  if ((cond.op == Op::And && holds) || (cond.op == Op::Or && !holds)) {
    nonzero_facts(cond.arg(0), holds, facts);
    nonzero_facts(cond.arg(1), holds, facts);
    return;
  }
  Op op = cond.op;
  const ast::Expr* subject = &cond.arg(0);
  const ast::Expr* other = &cond.arg(1);
  if (is_zero_literal(*subject)) {  // 0 < x  ->  x > 0
    std::swap(subject, other);
    op = op == Op::Lt ? Op::Gt : op == Op::Gt ? Op::Lt : op == Op::Le ? Op::Ge : op == Op::Ge ? Op::Le : op;
  }
  if (!is_zero_literal(*other)) return;
  bool proves = holds ? (op == Op::Gt || op == Op::Lt || op == Op::Ne) : (op == Op::Eq || op == Op::Le || op == Op::Ge);
  if (proves) facts.push_back(ast::dump(*subject));
}

}  // namespace

void Checker::run_lints() {
  if (!root || !out->program) return;  // a library module's definitions are there to be imported

  // ---- unused definitions: not reachable from any rebate, award or budget ----
  // Skipped when the program has errors: a use that failed to check would show up as "unused".
  std::set<FileId> files;
  for (const ast::Module* m : out->modules) files.insert(m->file);
  bool has_errors = std::any_of(diags.all().begin(), diags.all().end(), [&](const Diagnostic& d) {
    return d.severity == Severity::Error && files.count(d.span.file);
  });
  std::set<const void*> reachable;
  std::queue<const void*> work;
  for (const ast::Module* m : out->modules) {
    for (const auto& r : m->rebates) work.push(&r);
    for (const auto& a : m->awards) work.push(&a);
    for (const auto& b : m->budgets) work.push(&b);
  }
  while (!has_errors && !work.empty()) {
    const void* d = work.front();
    work.pop();
    if (!reachable.insert(d).second) continue;
    for (auto it = uses.lower_bound({d, nullptr}); it != uses.end() && it->first == d; ++it) work.push(it->second);
  }
  for (const auto& ms : root->measures) {
    if (has_errors || reachable.count(&ms)) continue;
    diags.report(DiagKind::UnusedMeasure, ms.name.span, fmt::format("measure `{}` is never used", ms.name.name))
        .with_help("use it in a rebate or award, or remove it");
  }
  auto unused = [&](const void* decl, const ast::Ident& name, const char* what) {
    if (has_errors || reachable.count(decl)) return;
    diags.report(DiagKind::UnusedDefinition, name.span, fmt::format("{} `{}` is never used", what, name.name))
        .with_help("use it, or remove it");
  };
  for (const auto& c : root->consts) unused(&c, c.name, "constant");
  for (const auto& t : root->tiers) unused(&t, t.name, "tier table");
  for (const auto& d : root->decisions) unused(&d, d.name, "decision table");
  for (const auto& g : root->groups) unused(&g, g.name, "group");

  // ---- division by a value that may be zero, without a guard ----
  std::function<void(const ast::Expr&, std::vector<std::string>&, bool)> walk =
      [&](const ast::Expr& e, std::vector<std::string>& facts, bool guarded) {
        if (e.kind == ast::ExprKind::Binary && e.op == ast::Op::Otherwise) {
          walk(e.arg(0), facts, true);
          walk(e.arg(1), facts, guarded);
          return;
        }
        if (e.kind == ast::ExprKind::If) {
          walk(e.arg(0), facts, guarded);
          for (int branch = 1; branch <= 2; ++branch) {
            size_t mark = facts.size();
            nonzero_facts(e.arg(0), branch == 1, facts);
            walk(e.arg(branch), facts, guarded);
            facts.resize(mark);
          }
          return;
        }
        if (e.kind == ast::ExprKind::Binary && e.op == ast::Op::Div && !guarded && !out->type_of(e).is_error()) {
          const ast::Expr& divisor = e.arg(1);
          bool safe = nonzero_literal(divisor);
          if (!safe) {
            const Symbol* s = out->ref_of(divisor);
            if (s && s->kind == SymbolKind::Const) {
              auto v = decl_value.find(s->decl);
              safe = v != decl_value.end() && v->second.constant && !v->second.constant->is_zero();
            }
          }
          if (!safe) {
            std::string printed = ast::dump(divisor);
            safe = std::find(facts.begin(), facts.end(), printed) != facts.end();
          }
          bool zero = is_zero_literal(divisor);
          if (!safe && !zero) {
            const Symbol* s = out->ref_of(divisor);
            if (s && s->kind == SymbolKind::Const) {
              auto v = decl_value.find(s->decl);
              zero = v != decl_value.end() && v->second.constant && v->second.constant->is_zero();
            }
          }
          if (!safe) {
            std::string shown = source_text(divisor.span);
            auto zero_of = [](const Type& t) {
              return t.kind == TypeKind::Money ? "0 " + t.currency : t.kind == TypeKind::Percent ? std::string("0%") : std::string("0");
            };
            diags.report(DiagKind::DivisionByZero, divisor.span,
                         zero ? fmt::format("`{}` is zero: this division never has a value", shown)
                              : fmt::format("`{}` can be zero, and nothing says what to use then", shown))
                .with_label(zero ? "zero" : "may be zero")
                .with_help(zero ? std::string("divide by a value that is not zero, or write the value meant instead of the division")
                                : fmt::format("give a fallback: `... / {} otherwise {}`, or test it first: `if {} > {} then ... else ...`", shown,
                                              zero_of(out->type_of(e)), shown, zero_of(out->type_of(divisor))));
          }
        }
        for (const auto& a : e.args) walk(*a, facts, guarded);
        if (e.where) walk(*e.where, facts, guarded);
      };
  auto lint = [&](const ast::ExprPtr& e) {
    if (!e) return;
    std::vector<std::string> facts;
    walk(*e, facts, false);
  };
  for (const auto& c : root->consts) lint(c.value);
  for (const auto& ms : root->measures) {
    lint(ms.value);
    for (const auto& l : ms.limits) lint(l.value);
  }
  for (const auto& g : root->groups) {
    for (const auto& f : g.fields) lint(f.value);
  }
  for (const auto& r : root->rebates) {
    for (const auto& c : r.clauses) {
      lint(c.value);
      lint(c.when);
    }
  }
  for (const auto& d : root->decisions) {
    for (const auto& i : d.inputs) lint(i);
    for (const auto& row : d.rows) lint(row.value);
  }
  for (const auto& a : root->awards) {
    for (const auto& row : a.rows) {
      lint(row.when);
      lint(row.value);
    }
  }
}

}  // namespace rebate::check
