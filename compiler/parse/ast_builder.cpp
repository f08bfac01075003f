// Parse tree to AST. Every accessor of a parse-tree context may return null after error recovery, so
// each step here tolerates missing children and builds what is present (a hole becomes an empty name):
// the syntax error itself has already been reported by the parser.
#include "parse/ast_builder.h"

#include <fmt/format.h>

#include "parse/literals.h"
#include "parse/parse.h"

namespace rebate {
namespace {

using P = rebate_antlr::RebateParser;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Op;

}  // namespace

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

  Span span(antlr4::ParserRuleContext* ctx) const {
    if (!ctx || !ctx->getStart()) return Span{pos_.file(), 0, 0};
    antlr4::Token* stop = ctx->getStop() ? ctx->getStop() : ctx->getStart();
    // A context that matched nothing has stop before start.
    if (stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) stop = ctx->getStart();
    return pos_.span(ctx->getStart(), stop);
  }
  Span span(antlr4::Token* token) const { return token ? pos_.span(token) : Span{pos_.file(), 0, 0}; }
  Span span(antlr4::tree::TerminalNode* node) const { return node ? span(node->getSymbol()) : Span{}; }

  ast::Ident ident(P::IdentContext* ctx) const {
    if (!ctx) return ast::Ident{"", Span{pos_.file(), 0, 0}};
    return ast::Ident{ctx->getText(), span(ctx)};
  }

  std::string string_value(antlr4::tree::TerminalNode* node) const {
    return node ? decode_string_literal(node->getText()) : std::string();
  }
  std::string string_value(antlr4::Token* token) const {
    return token ? decode_string_literal(token->getText()) : std::string();
  }

  // The `///` lines directly above a declaration, without the slashes.
  std::string doc(antlr4::ParserRuleContext* ctx) {
    if (!ctx || !ctx->getStart()) return {};
    std::string out;
    for (antlr4::Token* t : tokens_->getHiddenTokensToLeft(ctx->getStart()->getTokenIndex(), 2)) {
      std::string text = t->getText().substr(3);
      if (!text.empty() && text[0] == ' ') text.erase(0, 1);
      if (!out.empty()) out += '\n';
      out += text;
    }
    return out;
  }

  // ---- declarations ----------------------------------------------------------------------------

  void add_item(ast::Module& m, P::ItemContext* item) {
    if (auto* c = item->importDecl()) {
      m.imports.push_back(ast::Import{string_value(c->STRING()), span(c)});
      return;
    }
    if (auto* c = item->programDecl()) {
      ast::Program p;
      p.title = string_value(c->STRING());
      p.settings = settings(c->setting());
      p.span = span(c);
      p.doc = doc(c);
      m.programs.push_back(std::move(p));
      return;
    }
    if (auto* c = item->enumDecl()) {
      ast::Enum e;
      auto names = c->ident();
      if (!names.empty()) e.name = ident(names[0]);
      for (size_t i = 1; i < names.size(); ++i) e.members.push_back(ident(names[i]));
      e.span = span(c);
      e.doc = doc(c);
      m.enums.push_back(std::move(e));
      return;
    }
    if (auto* c = item->tableDecl()) {
      m.sources.push_back(source(c->partnerMark ? ast::SourceKind::PartnerTable : ast::SourceKind::Table,
                                 c->ident(), c->columnDecl(), c));
      return;
    }
    if (auto* c = item->ledgerDecl()) {
      m.sources.push_back(source(ast::SourceKind::Ledger, c->ident(), c->columnDecl(), c));
      return;
    }
    if (auto* c = item->calendarDecl()) {
      m.calendars.push_back(ast::Calendar{ident(c->ident()), settings(c->setting()), span(c), doc(c)});
      return;
    }
    if (auto* c = item->constDecl()) {
      m.consts.push_back(ast::Const{ident(c->ident()), type_opt(c->typeRef()), expr(c->expr()), span(c), doc(c)});
      return;
    }
    if (auto* c = item->measureDecl()) {
      ast::Measure ms{ident(c->ident()), type_opt(c->typeRef()), expr(c->expr()), {}, span(c), doc(c)};
      for (auto* lim : c->measureLimit()) {
        bool is_cap = lim->kind && lim->kind->getText() == "cap";
        ms.limits.push_back(ast::MeasureLimit{is_cap, expr(lim->expr()), span(lim)});
      }
      m.measures.push_back(std::move(ms));
      return;
    }
    if (auto* c = item->groupDecl()) {
      m.groups.push_back(group(c));
      return;
    }
    if (auto* c = item->tiersDecl()) {
      m.tiers.push_back(tiers(c));
      return;
    }
    if (auto* c = item->decisionDecl()) {
      m.decisions.push_back(decision(c));
      return;
    }
    if (auto* c = item->rebateDecl()) {
      m.rebates.push_back(rebate(c));
      return;
    }
    if (auto* c = item->awardDecl()) {
      m.awards.push_back(award(c));
      return;
    }
    if (auto* c = item->budgetDecl()) {
      m.budgets.push_back(budget(c));
      return;
    }
    if (auto* c = item->testDecl()) {
      m.tests.push_back(test(c));
    }
  }

  std::vector<ast::Setting> settings(const std::vector<P::SettingContext*>& list) {
    std::vector<ast::Setting> out;
    for (auto* s : list) out.push_back(ast::Setting{ident(s->ident()), expr(s->expr())});
    return out;
  }

  ast::TypeRef type(P::TypeRefContext* c) const {
    ast::TypeRef t;
    if (!c) return t;
    t.name = ident(c->ident());
    for (auto* a : c->typeArg()) {
      t.args.push_back(ast::Ident{a->getText(), span(a)});
    }
    t.optional = c->optional != nullptr;
    t.span = span(c);
    return t;
  }
  std::optional<ast::TypeRef> type_opt(P::TypeRefContext* c) const {
    if (!c) return std::nullopt;
    return type(c);
  }

  ast::Source source(ast::SourceKind kind, P::IdentContext* name, const std::vector<P::ColumnDeclContext*>& cols,
                     antlr4::ParserRuleContext* c) {
    ast::Source s{kind, ident(name), {}, span(c), doc(c)};
    for (auto* col : cols) {
      ast::Column column;
      auto names = col->ident();
      if (!names.empty()) column.name = ident(names[0]);
      column.type = type(col->typeRef());
      for (auto* role : col->roles) column.roles.push_back(ident(role));
      if (col->header) {
        column.header = string_value(col->header);
        column.header_span = span(col->header);
      }
      column.span = span(col);
      column.doc = doc(col);
      s.columns.push_back(std::move(column));
    }
    return s;
  }

  ast::Group group(P::GroupDeclContext* c) {
    ast::Group g;
    g.name = ident(c->name);
    g.ledger = ident(c->ledger);
    for (auto* k : c->keys) g.keys.push_back(ident(k));
    for (auto* f : c->groupField()) {
      g.fields.push_back(ast::GroupField{ident(f->ident()), type_opt(f->typeRef()), expr(f->expr()), span(f)});
    }
    g.span = span(c);
    g.doc = doc(c);
    return g;
  }

  ast::Tiers tiers(P::TiersDeclContext* c) {
    ast::Tiers t;
    t.name = ident(c->ident());
    t.mode = c->tierMode && c->tierMode->getText() == "incremental" ? ast::TierMode::Incremental
                                                                   : ast::TierMode::Retroactive;
    t.mode_span = span(c->tierMode);
    for (auto* b : c->tierBand()) {
      t.bands.push_back(ast::TierBand{expr(b->lower), b->upper ? expr(b->upper) : nullptr, expr(b->value), span(b)});
    }
    t.span = span(c);
    t.doc = doc(c);
    return t;
  }

  ast::Decision decision(P::DecisionDeclContext* c) {
    ast::Decision d;
    d.name = ident(c->ident());
    d.result = type(c->typeRef());
    for (auto* in : c->inputs) d.inputs.push_back(expr(in));
    for (auto* r : c->decisionRow()) {
      ast::DecisionRow row;
      row.is_otherwise = r->other != nullptr;
      for (auto* p : r->pattern()) row.patterns.push_back(pattern(p));
      row.value = expr(r->value);
      row.span = span(r);
      d.rows.push_back(std::move(row));
    }
    d.span = span(c);
    d.doc = doc(c);
    return d;
  }

  ast::Pattern pattern(P::PatternContext* c) {
    ast::Pattern p;
    p.span = span(c);
    if (dynamic_cast<P::WildcardPatternContext*>(c)) {
      p.alternatives.push_back(ast::PatternAlt{ast::PatternKind::Wildcard, Op::Eq, nullptr, nullptr, p.span});
      return p;
    }
    auto* alts = dynamic_cast<P::AlternativesPatternContext*>(c);
    if (!alts) return p;
    for (auto* a : alts->alternative()) {
      ast::PatternAlt alt;
      alt.span = span(a);
      if (auto* cmp = dynamic_cast<P::ComparePatternContext*>(a)) {
        alt.kind = ast::PatternKind::Compare;
        std::string word = cmp->cmp ? cmp->cmp->getText() : "not";  // "atleast" for `at least`
        alt.compare = word == "above" ? Op::Gt : word == "below" ? Op::Lt : word == "atleast" ? Op::Ge
                      : word == "atmost" ? Op::Le : Op::Ne;
        alt.value = expr(cmp->expr());
      } else if (auto* v = dynamic_cast<P::ValuePatternContext*>(a)) {
        alt.kind = v->hi ? ast::PatternKind::Range : ast::PatternKind::Equals;  // `silver .. gold`
        alt.value = pattern_value(v->lo);
        if (v->hi) alt.upper = pattern_value(v->hi);
      }
      p.alternatives.push_back(std::move(alt));
    }
    return p;
  }

  // A literal or a name, with members: `gold`, `Tier.gold`, `100_000 USD`.
  ExprPtr pattern_value(P::PatternValueContext* c) {
    if (!c) return missing(Span{pos_.file(), 0, 0});
    ExprPtr e = primary(c->primary());
    for (auto* member : c->ident()) {
      auto m = node(ExprKind::Member, Span::cover(e->span, span(member)));
      m->text = member->getText();
      m->name_span = span(member);
      m->args.push_back(std::move(e));
      e = std::move(m);
    }
    return e;
  }

  ast::Rebate rebate(P::RebateDeclContext* c) {
    ast::Rebate r;
    r.name = ident(c->ident());
    r.title = string_value(c->STRING());
    for (auto* cl : c->rebateClause()) r.clauses.push_back(clause(cl));
    r.span = span(c);
    r.doc = doc(c);
    return r;
  }

  ast::Clause clause(P::RebateClauseContext* c) {
    ast::Clause cl;
    cl.span = span(c);
    if (auto* x = dynamic_cast<P::EligibleClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Eligible;
      cl.value = expr(x->cond);
      return cl;
    }
    if (auto* x = dynamic_cast<P::RequireClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Require;
      cl.value = expr(x->cond);
      return cl;
    }
    if (auto* x = dynamic_cast<P::PayClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Pay;
      cl.value = expr(x->value);
      if (x->cond) cl.when = expr(x->cond);
      return cl;
    }
    if (auto* x = dynamic_cast<P::UpliftClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Uplift;
      cl.value = expr(x->value);
      if (x->cond) cl.when = expr(x->cond);
      return cl;
    }
    if (auto* x = dynamic_cast<P::AccelerateClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Accelerate;
      cl.value = expr(x->value);
      if (x->cond) cl.when = expr(x->cond);
      return cl;
    }
    if (auto* x = dynamic_cast<P::CapClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Cap;
      cl.value = expr(x->value);
      return cl;
    }
    if (auto* x = dynamic_cast<P::FloorClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Floor;
      cl.value = expr(x->value);
      return cl;
    }
    if (dynamic_cast<P::AllowNegativeClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::AllowNegative;
      return cl;
    }
    if (auto* x = dynamic_cast<P::RoundingClauseContext*>(c)) {
      cl.kind = ast::ClauseKind::Rounding;
      cl.rounding_mode = ident(x->roundingMode);
      if (x->places) cl.rounding_to = expr(x->places);
    }
    return cl;
  }

  ast::Award award(P::AwardDeclContext* c) {
    ast::Award a;
    a.name = ident(c->ident());
    a.type = type(c->typeRef());
    a.next_period = c->next != nullptr;
    a.title = string_value(c->STRING());
    for (auto* r : c->awardRow()) {
      a.rows.push_back(ast::AwardRow{r->cond ? expr(r->cond) : nullptr, expr(r->value), span(r)});
    }
    a.span = span(c);
    a.doc = doc(c);
    return a;
  }

  ast::Budget budget(P::BudgetDeclContext* c) {
    ast::Budget b;
    b.name = ident(c->name);
    b.amount = expr(c->amount);
    if (c->per) b.per = ident(c->per);
    for (auto* r : c->rebates) b.rebates.push_back(ident(r));
    b.span = span(c);
    b.doc = doc(c);
    return b;
  }

  ast::Test test(P::TestDeclContext* c) {
    ast::Test t;
    t.title = string_value(c->STRING());
    t.span = span(c);
    for (auto* item : c->testItem()) {
      if (auto* g = dynamic_cast<P::GivenItemContext*>(item)) {
        ast::TestGiven given;
        given.source = ident(g->source);
        for (auto* col : g->columns) given.columns.push_back(ident(col));
        for (auto* row : g->testRow()) {
          std::vector<ExprPtr> values;
          for (auto* v : row->expr()) values.push_back(expr(v));
          given.rows.push_back(std::move(values));
          given.row_spans.push_back(span(row));
        }
        given.span = span(g);
        t.given.push_back(std::move(given));
      } else if (auto* e = dynamic_cast<P::ExpectItemContext*>(item)) {
        t.expects.push_back(ast::TestExpect{ident(e->rebate), primary(e->partner), expr(e->period), expr(e->amount), span(e)});
      }
    }
    return t;
  }

  // ---- expressions -----------------------------------------------------------------------------

  ExprPtr node(ExprKind kind, Span s) {
    auto e = std::make_unique<ast::Expr>();
    e->id = next_id_++;
    e->kind = kind;
    e->span = s;
    return e;
  }

  // A placeholder where recovery left a hole; the syntax error was already reported.
  ExprPtr missing(Span s) {
    auto e = node(ExprKind::Name, s);
    e->text = "";
    return e;
  }

  static Op compare_op(const std::string& s) {
    if (s == "==") return Op::Eq;
    if (s == "!=") return Op::Ne;
    if (s == "<") return Op::Lt;
    if (s == "<=") return Op::Le;
    if (s == ">") return Op::Gt;
    return Op::Ge;
  }

  ExprPtr binary(Op op, P::ExprContext* c, P::ExprContext* lhs, P::ExprContext* rhs) {
    auto e = node(ExprKind::Binary, span(c));
    e->op = op;
    e->args.push_back(expr(lhs));
    e->args.push_back(expr(rhs));
    return e;
  }

  ExprPtr expr(P::ExprContext* c) {
    if (!c) return missing(Span{pos_.file(), 0, 0});
    if (depth_ >= kMaxNesting) {
      if (!reported_depth_) {
        reported_depth_ = true;
        diags_.report(DiagKind::NestingTooDeep, span(c->getStart()),
                      fmt::format("expression nested more than {} levels deep", kMaxNesting))
            .with_help("split the expression into named measures or constants");
      }
      return missing(span(c));
    }
    ++depth_;
    ExprPtr e = expr_inner(c);
    --depth_;
    return e;
  }

  ExprPtr expr_inner(P::ExprContext* c) {
    if (auto* x = dynamic_cast<P::PrimaryExprContext*>(c)) return primary(x->primary());
    if (auto* x = dynamic_cast<P::MemberExprContext*>(c)) {
      auto e = node(ExprKind::Member, span(c));
      e->args.push_back(expr(x->expr()));
      e->text = x->ident() ? x->ident()->getText() : "";
      e->name_span = span(x->ident());
      return e;
    }
    if (auto* x = dynamic_cast<P::MethodExprContext*>(c)) {
      auto e = node(ExprKind::Method, span(c));
      e->args.push_back(expr(x->expr()));
      e->text = x->ident() ? x->ident()->getText() : "";
      e->name_span = span(x->ident());
      call_args(*e, x->callArgs());
      return e;
    }
    if (auto* x = dynamic_cast<P::CallExprContext*>(c)) {
      auto e = node(ExprKind::Call, span(c));
      e->text = x->ident() ? x->ident()->getText() : "";
      e->name_span = span(x->ident());
      call_args(*e, x->callArgs());
      return e;
    }
    if (auto* x = dynamic_cast<P::UnaryExprContext*>(c)) {
      auto e = node(ExprKind::Unary, span(c));
      e->op = x->op && x->op->getText() == "+" ? Op::Plus : Op::Neg;
      e->args.push_back(expr(x->expr()));
      return e;
    }
    if (auto* x = dynamic_cast<P::NotExprContext*>(c)) {
      auto e = node(ExprKind::Unary, span(c));
      e->op = Op::Not;
      e->args.push_back(expr(x->expr()));
      return e;
    }
    if (auto* x = dynamic_cast<P::ByExprContext*>(c)) return binary(Op::By, c, x->expr(0), x->expr(1));
    if (auto* x = dynamic_cast<P::MulExprContext*>(c)) {
      std::string op = x->op ? x->op->getText() : "*";
      return binary(op == "*" ? Op::Mul : op == "/" ? Op::Div : Op::Of, c, x->expr(0), x->expr(1));
    }
    if (auto* x = dynamic_cast<P::AddExprContext*>(c)) {
      return binary(x->op && x->op->getText() == "-" ? Op::Sub : Op::Add, c, x->expr(0), x->expr(1));
    }
    if (auto* x = dynamic_cast<P::RangeExprContext*>(c)) return binary(Op::Range, c, x->expr(0), x->expr(1));
    if (auto* x = dynamic_cast<P::CompareExprContext*>(c)) {
      return binary(compare_op(x->op ? x->op->getText() : "=="), c, x->expr(0), x->expr(1));
    }
    if (auto* x = dynamic_cast<P::InExprContext*>(c)) {
      auto e = node(ExprKind::In, span(c));
      e->negated = x->negated != nullptr;
      e->args.push_back(expr(x->expr(0)));
      e->args.push_back(expr(x->expr(1)));
      return e;
    }
    if (auto* x = dynamic_cast<P::AndExprContext*>(c)) return binary(Op::And, c, x->expr(0), x->expr(1));
    if (auto* x = dynamic_cast<P::OrExprContext*>(c)) return binary(Op::Or, c, x->expr(0), x->expr(1));
    if (auto* x = dynamic_cast<P::OtherwiseExprContext*>(c)) {
      return binary(Op::Otherwise, c, x->expr(0), x->expr(1));
    }
    if (auto* x = dynamic_cast<P::IfExprContext*>(c)) {
      auto e = node(ExprKind::If, span(c));
      for (size_t i = 0; i < 3; ++i) e->args.push_back(expr(x->expr(i)));
      return e;
    }
    return missing(span(c));
  }

  void call_args(ast::Expr& e, P::CallArgsContext* args) {
    if (!args) return;
    for (auto* a : args->expr()) {
      if (a != args->where) e.args.push_back(expr(a));
    }
    if (args->where) e.where = expr(args->where);
  }

  ExprPtr primary(P::PrimaryContext* c) {
    if (!c) return missing(Span{pos_.file(), 0, 0});
    Span s = span(c);
    if (auto* x = dynamic_cast<P::NumberLitContext*>(c)) {
      std::string digits = strip_digit_separators(x->number ? x->number->getText() : "0");
      bool is_decimal = digits.find('.') != std::string::npos;
      if (x->unit()) {
        auto e = node(ExprKind::Quantity, s);
        e->text = digits;
        e->unit = x->unit()->getText();
        e->name_span = span(x->unit());
        return e;
      }
      auto e = node(is_decimal ? ExprKind::Decimal : ExprKind::Int, s);
      e->text = digits;
      return e;
    }
    if (auto* x = dynamic_cast<P::PercentLitContext*>(c)) {
      auto e = node(ExprKind::Percent, s);
      std::string text = x->getText();
      e->text = strip_digit_separators(text.substr(0, text.size() - 1));
      return e;
    }
    if (auto* x = dynamic_cast<P::DateLitContext*>(c)) {
      auto e = node(ExprKind::Date, s);
      e->text = x->getText();
      if (!parse_date_literal(e->text)) {
        diags_.report(DiagKind::InvalidLiteral, s, fmt::format("`{}` is not a date in the calendar", e->text))
            .with_help("dates are written YYYY-MM-DD with a real month and day, e.g. `2026-02-28`");
      }
      return e;
    }
    if (auto* x = dynamic_cast<P::PeriodLitContext*>(c)) {
      auto e = node(ExprKind::Period, s);
      e->text = x->getText();
      if (!parse_period_literal(e->text)) {
        diags_.report(DiagKind::InvalidLiteral, s, fmt::format("`{}` is not a period", e->text))
            .with_help("periods are written `2026-Q1`..`2026-Q4`, `2026-H1`/`2026-H2` or `2026-01`..`2026-12`");
      }
      return e;
    }
    if (auto* x = dynamic_cast<P::StringLitContext*>(c)) {
      auto e = node(ExprKind::String, s);
      e->text = decode_string_literal(x->getText());
      return e;
    }
    if (auto* x = dynamic_cast<P::BoolLitContext*>(c)) {
      auto e = node(ExprKind::Bool, s);
      e->text = x->getText();
      return e;
    }
    if (auto* x = dynamic_cast<P::ListLitContext*>(c)) {
      auto e = node(ExprKind::List, s);
      for (auto* item : x->expr()) e->args.push_back(expr(item));
      return e;
    }
    if (auto* x = dynamic_cast<P::ParenExprContext*>(c)) {
      ExprPtr inner = expr(x->expr());
      inner->span = s;  // the parentheses belong to the span, so carets cover them
      return inner;
    }
    if (auto* x = dynamic_cast<P::NameExprContext*>(c)) {
      auto e = node(ExprKind::Name, s);
      e->text = x->ident() ? x->ident()->getText() : "";
      return e;
    }
    return missing(s);
  }
};

AstBuilder::AstBuilder(const TokenPositions& positions, ast::ExprId first_expr_id, Diagnostics& diags)
    : impl_(std::make_unique<Impl>(positions, first_expr_id, diags)) {}
AstBuilder::~AstBuilder() = default;
void AstBuilder::add(P::ItemContext* item, antlr4::CommonTokenStream& tokens) { impl_->add(item, tokens); }
ast::Module AstBuilder::finish() { return impl_->finish(); }

}  // namespace rebate
