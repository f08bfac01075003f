// Parse tree to AST. Every accessor of a parse-tree context may return null after error recovery, so
// each step here tolerates missing children and builds what is present (a hole becomes an empty name):
// the syntax error itself has already been reported by the parser.
#include "parse/ast_builder.h"

#include <fmt/format.h>

#include <typeinfo>

#include "parse/ast_builder_impl.h"
#include "parse/literals.h"
#include "parse/parse.h"

namespace rebate {

Span AstBuilder::Impl::span(antlr4::ParserRuleContext* ctx) const {
  if (!ctx || !ctx->getStart()) return Span{pos_.file(), 0, 0};
  antlr4::Token* stop = ctx->getStop() ? ctx->getStop() : ctx->getStart();
  // A context that matched nothing has stop before start.
  if (stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) stop = ctx->getStart();
  return pos_.span(ctx->getStart(), stop);
}

ast::Ident AstBuilder::Impl::ident(P::IdentContext* ctx) const {
  if (!ctx) return ast::Ident{"", Span{pos_.file(), 0, 0}};
  return ast::Ident{token_text(ctx), span(ctx)};
}

ast::Ident AstBuilder::Impl::ident(P::RoleWordContext* ctx) const {
  if (ctx && ctx->ident()) return ident(ctx->ident());
  if (!ctx) return ast::Ident{"", Span{pos_.file(), 0, 0}};
  return ast::Ident{token_text(ctx), span(ctx)};  // `rebate`: one token
}

std::string AstBuilder::Impl::string_value(antlr4::tree::TerminalNode* node) const {
  return node ? decode_string_literal(node->getText()) : std::string();
}

std::string AstBuilder::Impl::string_value(antlr4::Token* token) const {
  return token ? decode_string_literal(token->getText()) : std::string();
}

std::string AstBuilder::Impl::doc(antlr4::ParserRuleContext* ctx) {
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

void AstBuilder::Impl::add_item(ast::Module& m, P::ItemContext* item) {
  // A declaration parsed without errors is the item's only child: one type test instead of the generated
  // accessors' search below (a dynamic_cast per accessor).
  if (item->children.size() == 1 && add_declaration(m, item->children[0])) return;
  add_item_slow(m, item);
}

bool AstBuilder::Impl::add_declaration(ast::Module& m, antlr4::tree::ParseTree* child) {
  const std::type_info& type = typeid(*child);
  if (type == typeid(P::MeasureDeclContext)) return measure(m, static_cast<P::MeasureDeclContext*>(child)), true;
  if (type == typeid(P::RebateDeclContext)) return m.rebates.push_back(rebate(static_cast<P::RebateDeclContext*>(child))), true;
  if (type == typeid(P::DecisionDeclContext)) {
    return m.decisions.push_back(decision(static_cast<P::DecisionDeclContext*>(child))), true;
  }
  if (type == typeid(P::ConstDeclContext)) return constant(m, static_cast<P::ConstDeclContext*>(child)), true;
  return false;  // the rarer declarations take the general path
}

void AstBuilder::Impl::measure(ast::Module& m, P::MeasureDeclContext* c) {
  ast::Measure ms{ident(c->ident()), type_opt(c->typeRef()), expr(c->expr()), {}, span(c), doc(c)};
  for (auto* lim : c->measureLimit()) {
    bool is_cap = lim->kind && lim->kind->getText() == "cap";
    ms.limits.push_back(ast::MeasureLimit{is_cap, expr(lim->expr()), span(lim)});
  }
  m.measures.push_back(std::move(ms));
}

void AstBuilder::Impl::constant(ast::Module& m, P::ConstDeclContext* c) {
  m.consts.push_back(ast::Const{ident(c->ident()), type_opt(c->typeRef()), expr(c->expr()), span(c), doc(c)});
}

void AstBuilder::Impl::add_item_slow(ast::Module& m, P::ItemContext* item) {
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
    m.sources.push_back(source(c->partnerMark ? ast::SourceKind::PartnerTable : c->fxMark ? ast::SourceKind::Fx : ast::SourceKind::Table,
                               c->ident(), c->columnDecl(), c));
    return;
  }
  if (auto* c = item->ledgerDecl()) {
    const auto kind = c->paymentsMark ? ast::SourceKind::Payments : c->claimsMark ? ast::SourceKind::Claims : ast::SourceKind::Ledger;
    m.sources.push_back(source(kind, c->ident(), c->columnDecl(), c));
    return;
  }
  if (auto* c = item->calendarDecl()) {
    m.calendars.push_back(ast::Calendar{ident(c->ident()), settings(c->setting()), span(c), doc(c)});
    return;
  }
  if (auto* c = item->constDecl()) {
    constant(m, c);
    return;
  }
  if (auto* c = item->measureDecl()) {
    measure(m, c);
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
  if (auto* c = item->metricDecl()) {
    m.awards.push_back(metric(c));
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

std::vector<ast::Setting> AstBuilder::Impl::settings(const std::vector<P::SettingContext*>& list) {
  std::vector<ast::Setting> out;
  for (auto* s : list) out.push_back(ast::Setting{ident(s->ident()), expr(s->expr())});
  return out;
}

ast::TypeRef AstBuilder::Impl::type(P::TypeRefContext* c) const {
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

std::optional<ast::TypeRef> AstBuilder::Impl::type_opt(P::TypeRefContext* c) const {
  if (!c) return std::nullopt;
  return type(c);
}

ast::Source AstBuilder::Impl::source(ast::SourceKind kind, P::IdentContext* name, const std::vector<P::ColumnDeclContext*>& cols,
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
    if (col->rounding) column.rounding = ident(col->rounding);
    column.span = span(col);
    column.doc = doc(col);
    s.columns.push_back(std::move(column));
  }
  return s;
}

ast::Group AstBuilder::Impl::group(P::GroupDeclContext* c) {
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

ast::Tiers AstBuilder::Impl::tiers(P::TiersDeclContext* c) {
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

ast::Decision AstBuilder::Impl::decision(P::DecisionDeclContext* c) {
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

ast::Pattern AstBuilder::Impl::pattern(P::PatternContext* c) {
  ast::Pattern p;
  p.span = span(c);
  if (exactly<P::WildcardPatternContext>(c)) {
    p.alternatives.push_back(ast::PatternAlt{ast::PatternKind::Wildcard, Op::Eq, nullptr, nullptr, p.span});
    return p;
  }
  auto* alts = exactly<P::AlternativesPatternContext>(c);
  if (!alts) return p;
  for (auto* a : alts->alternative()) {
    ast::PatternAlt alt;
    alt.span = span(a);
    if (auto* cmp = exactly<P::ComparePatternContext>(a)) {
      alt.kind = ast::PatternKind::Compare;
      std::string word = cmp->cmp ? token_text(cmp->cmp) : "not";  // "atleast" for `at least`
      alt.compare = word == "above" ? Op::Gt : word == "below" ? Op::Lt : word == "atleast" ? Op::Ge
                    : word == "atmost" ? Op::Le : Op::Ne;
      alt.value = expr(cmp->expr());
    } else if (auto* v = exactly<P::ValuePatternContext>(a)) {
      alt.kind = v->hi ? ast::PatternKind::Range : ast::PatternKind::Equals;  // `silver .. gold`
      alt.value = pattern_value(v->lo);
      if (v->hi) alt.upper = pattern_value(v->hi);
    }
    p.alternatives.push_back(std::move(alt));
  }
  return p;
}

ExprPtr AstBuilder::Impl::pattern_value(P::PatternValueContext* c) {
  if (!c) return missing(Span{pos_.file(), 0, 0});
  ExprPtr e = primary(c->primary());
  for (auto* member : c->ident()) {
    auto m = node(ExprKind::Member, Span::cover(e->span, span(member)));
    m->text = token_text(member);
    m->name_span = span(member);
    m->args.push_back(std::move(e));
    e = std::move(m);
  }
  return e;
}

ast::Rebate AstBuilder::Impl::rebate(P::RebateDeclContext* c) {
  ast::Rebate r;
  r.fund = c->fundMark != nullptr;
  r.name = ident(c->ident());
  r.title = string_value(c->STRING());
  for (auto* cl : c->rebateClause()) r.clauses.push_back(clause(cl));
  r.span = span(c);
  r.doc = doc(c);
  return r;
}

ast::Clause AstBuilder::Impl::clause(P::RebateClauseContext* c) {
  ast::Clause cl;
  cl.span = span(c);
  if (auto* x = exactly<P::EligibleClauseContext>(c)) {
    cl.kind = ast::ClauseKind::Eligible;
    cl.value = expr(x->cond);
    return cl;
  }
  if (auto* x = exactly<P::RequireClauseContext>(c)) {
    cl.kind = ast::ClauseKind::Require;
    cl.value = expr(x->cond);
    return cl;
  }
  auto guarded = [&](ast::ClauseKind kind, P::ExprContext* value, P::ExprContext* cond) {
    cl.kind = kind;
    cl.value = expr(value);
    if (cond) cl.when = expr(cond);
    return std::move(cl);
  };
  if (auto* x = exactly<P::PayClauseContext>(c)) return guarded(ast::ClauseKind::Pay, x->value, x->cond);
  if (auto* x = exactly<P::UpliftClauseContext>(c)) return guarded(ast::ClauseKind::Uplift, x->value, x->cond);
  if (auto* x = exactly<P::AccelerateClauseContext>(c)) return guarded(ast::ClauseKind::Accelerate, x->value, x->cond);
  if (auto* x = exactly<P::AccrueClauseContext>(c)) return guarded(ast::ClauseKind::Accrue, x->value, nullptr);
  if (auto* x = exactly<P::ExpireClauseContext>(c)) return guarded(ast::ClauseKind::Expire, x->after, nullptr);
  if (auto* x = exactly<P::ClaimsClauseContext>(c)) {
    cl.kind = ast::ClauseKind::Claims;
    cl.claims = ident(x->claims);
    return cl;
  }
  if (auto* x = exactly<P::CapClauseContext>(c)) {
    cl.kind = ast::ClauseKind::Cap;
    cl.value = expr(x->value);
    if (x->per) cl.per = ident(x->per);
    return cl;
  }
  if (auto* x = exactly<P::SettleClauseContext>(c)) {
    cl.kind = ast::ClauseKind::Settle;
    if (x->window) cl.window = ident(x->window);
    cl.payments = ident(x->payments);
    return cl;
  }
  if (auto* x = exactly<P::OnNegativeClauseContext>(c)) {
    cl.kind = ast::ClauseKind::OnNegative;
    for (auto* word : x->policy) cl.policy.push_back(ident(word));
    return cl;
  }
  if (auto* x = exactly<P::FloorClauseContext>(c)) {
    cl.kind = ast::ClauseKind::Floor;
    cl.value = expr(x->value);
    if (x->per) cl.per = ident(x->per);
    return cl;
  }
  if (exactly<P::AllowNegativeClauseContext>(c)) {
    cl.kind = ast::ClauseKind::AllowNegative;
    return cl;
  }
  if (auto* x = exactly<P::RoundingClauseContext>(c)) {
    cl.kind = ast::ClauseKind::Rounding;
    cl.rounding_mode = ident(x->roundingMode);
    if (x->places) cl.rounding_to = expr(x->places);
  }
  return cl;
}

ast::Award AstBuilder::Impl::award(P::AwardDeclContext* c) {
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

ast::Award AstBuilder::Impl::metric(P::MetricDeclContext* c) {
  ast::Award a;
  a.metric = true;
  a.name = ident(c->ident());
  a.type = type(c->typeRef());
  a.title = string_value(c->STRING());
  if (c->value) a.rows.push_back(ast::AwardRow{nullptr, expr(c->value), span(c->value)});
  a.span = span(c);
  a.doc = doc(c);
  return a;
}

ast::Budget AstBuilder::Impl::budget(P::BudgetDeclContext* c) {
  ast::Budget b;
  b.name = ident(c->name);
  b.amount = expr(c->amount);
  if (c->per) b.per = ident(c->per);
  for (auto* r : c->rebates) b.rebates.push_back(ident(r));
  b.span = span(c);
  b.doc = doc(c);
  return b;
}

ast::Test AstBuilder::Impl::test(P::TestDeclContext* c) {
  ast::Test t;
  t.title = string_value(c->STRING());
  t.span = span(c);
  for (auto* item : c->testItem()) {
    if (auto* g = exactly<P::GivenItemContext>(item)) {
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
    } else if (auto* f = exactly<P::GivenFileItemContext>(item)) {
      ast::TestGiven given;
      given.source = ident(f->source);
      given.from = string_value(f->path);
      given.from_span = span(f->path);
      given.span = span(f);
      t.given.push_back(std::move(given));
    } else if (auto* e = exactly<P::ExpectItemContext>(item)) {
      t.expects.push_back(ast::TestExpect{ident(e->rebate), primary(e->partner), expr(e->period), expr(e->amount), span(e)});
    }
  }
  return t;
}

AstBuilder::AstBuilder(const TokenPositions& positions, ast::ExprId first_expr_id, Diagnostics& diags)
    : impl_(std::make_unique<Impl>(positions, first_expr_id, diags)) {}
AstBuilder::~AstBuilder() = default;
void AstBuilder::add(P::ItemContext* item, antlr4::CommonTokenStream& tokens) { impl_->add(item, tokens); }
ast::Module AstBuilder::finish() { return impl_->finish(); }

}  // namespace rebate
