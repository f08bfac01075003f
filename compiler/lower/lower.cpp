// TypedProgram -> Plan: the declarations (inputs, tiers, groups, measures, decision tables, rebates,
// awards, budgets). Their expressions become bytecode in lower_expr.cpp.
#include "lower/lower.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "check/literals.h"
#include "core/currency.h"
#include "lower/lowerer.h"
#include "plan/line_counts.h"

namespace rebate {

namespace lowering {

plan::Plan Lowerer::run() {
  plan_.locations.emplace_back();  // location 0: "the program", for errors with no better place
  header();
  inputs();
  tiers();
  for (const ast::Measure* m : tp_.measure_order) measure_index_[m] = static_cast<uint32_t>(measure_index_.size());
  each_module([&](const ast::Module& m) {
    for (const auto& d : m.decisions) {
      decision_index_[&d] = static_cast<uint32_t>(plan_.decisions.size());
      plan_.decisions.push_back(plan::Decision{d.name.name, plan::kNoFunction});
    }
    for (const auto& g : m.groups) group_index_[&g] = 0;
  });
  groups();
  measures();
  decisions();
  rebates();
  awards();
  budgets();
  plan::add_line_counts(plan_);
  return std::move(plan_);
}

void Lowerer::header() {
  const ProgramSettings& s = tp_.settings;
  plan_.title = s.title;
  plan_.currency = s.currency;
  plan_.minor_unit = currency_minor_unit(s.currency);
  plan_.grain = s.grain;
  plan_.effective_from = s.effective_from;
  plan_.effective_to = s.effective_to;
  plan_.rounding = s.rounding;
  plan_.closed_through = s.closed_through;
  plan_.closed_on = s.closed_on;
  if (s.payout_currency_value) {
    plan_.payout_currency = plan::Plan::PayoutCurrency{s.payout_currency, s.payout_currency_column.value_or(UINT32_MAX), s.payout_at_average,
                                                       location(s.payout_currency_value->span)};
  }
  if (s.calendar) {
    for (const auto& setting : s.calendar->settings) {
      const ast::Expr& v = *setting.value;
      if (setting.name.name == "year_start" && v.kind == ast::ExprKind::Date) plan_.fiscal_start = parse_date(v.text);
      if (setting.name.name == "weeks" && v.kind == ast::ExprKind::List && v.args.size() == 3) {
        for (int i = 0; i < 3; ++i) plan_.fiscal_weeks[i] = std::stoi(v.args[static_cast<size_t>(i)]->text);
      }
    }
  }
}

void Lowerer::inputs() {
  each_module([&](const ast::Module& m) {
    for (const auto& s : m.sources) {
      input_index_[&s] = static_cast<uint32_t>(plan_.inputs.size());
      plan::Input in;
      in.name = s.name.name;
      in.kind = s.kind == ast::SourceKind::Ledger ? plan::InputKind::Ledger
                : s.kind == ast::SourceKind::Table ? plan::InputKind::Table
                : s.kind == ast::SourceKind::Payments ? plan::InputKind::Payments
                : s.kind == ast::SourceKind::Fx ? plan::InputKind::Fx
                : s.kind == ast::SourceKind::Claims ? plan::InputKind::Claims : plan::InputKind::PartnerTable;
      in.spec.name = s.name.name;
      if (s.kind == ast::SourceKind::PartnerTable) plan_.partner_table = static_cast<uint32_t>(plan_.inputs.size());
      if (s.kind == ast::SourceKind::Fx) plan_.fx_input = static_cast<uint32_t>(plan_.inputs.size());
      plan_.inputs.push_back(std::move(in));
    }
  });
  // Columns after every input has its index: a lookup column names another table.
  each_module([&](const ast::Module& m) {
    for (const auto& s : m.sources) {
      plan::Input& in = plan_.inputs[input_index_[&s]];
      for (uint32_t i = 0; i < s.columns.size(); ++i) {
        const ast::Column& c = s.columns[i];
        in.spec.columns.push_back(column_spec(c));
        for (const auto& role : c.roles) {
          if (role.name == "partner") in.partner_column = i;
          if (role.name == "date") in.date_column = i;
          if (role.name == "booked") in.booked_column = i;
          if (role.name == "key") in.key_column = i;
          if (role.name == "rebate") in.rebate_column = i;
          if (role.name == "period") in.period_column = i;
          if (role.name == "amount") in.amount_column = i;
          if (role.name == "base") in.base_column = i;
          if (role.name == "quote") in.quote_column = i;
          if (role.name == "rate") in.rate_column = i;
          if (role.name == "claim") in.claim_column = i;
          // A partner's stretch of time (§28): an empty cell is an open end ("since always", "still in force").
          if (role.name == "valid_from") in.valid_from_column = i, in.spec.columns.back().optional = true;
          if (role.name == "valid_to") in.valid_to_column = i, in.spec.columns.back().optional = true;
        }
        auto table = tp_.globals.find(c.type.name.name);
        if (table != tp_.globals.end() && (table->second.kind == SymbolKind::Table || table->second.kind == SymbolKind::Ledger)) {
          in.lookups.emplace_back(i, input_index_[static_cast<const ast::Source*>(table->second.decl)]);
          // A lookup into a ledger (§26) is redirected to that ledger's index below.
          if (table->second.kind == SymbolKind::Ledger && in.partner_column == i) in.partner_through_lookup = true;
        }
      }
    }
  });
  ledger_indexes();
}

// Lookups across ledgers (docs/language.md §26): each ledger other ledgers look up by key gets an input of
// its own, its index, which the engine reads whole before any ledger is scanned. An index looks up other
// indexes in turn (a line whose own lookup misses is in no index), so they are appended in the order they
// are needed: an index after the indexes it reads (the checker refused cycles, E0531).
void Lowerer::ledger_indexes() {
  const size_t declared = plan_.inputs.size();
  std::vector<uint32_t> index_of(declared, UINT32_MAX);  // by ledger input: its index input
  std::function<uint32_t(uint32_t)> index = [&](uint32_t ledger) -> uint32_t {
    if (index_of[ledger] != UINT32_MAX) return index_of[ledger];
    plan::Input ix = plan_.inputs[ledger];
    ix.kind = plan::InputKind::LedgerIndex;
    ix.indexes = ledger;
    for (auto& [column, target] : ix.lookups) {  // (ix is a copy: index() may append to the inputs)
      if (plan_.inputs[target].kind == plan::InputKind::Ledger) target = index(target);
    }
    index_of[ledger] = static_cast<uint32_t>(plan_.inputs.size());
    plan_.inputs.push_back(std::move(ix));
    return index_of[ledger];
  };
  for (uint32_t i = 0; i < declared; ++i) {
    for (size_t k = 0; k < plan_.inputs[i].lookups.size(); ++k) {
      const uint32_t target = plan_.inputs[i].lookups[k].second;
      // (index() appends to the inputs: the lookup is found again after it)
      if (plan_.inputs[target].kind == plan::InputKind::Ledger) {
        const uint32_t ix = index(target);
        plan_.inputs[i].lookups[k].second = ix;
      }
    }
  }
}

ledger::ColumnSpec Lowerer::column_spec(const ast::Column& c) {
  ledger::ColumnSpec spec;
  spec.name = c.name.name;
  spec.header = c.header ? *c.header : c.name.name;
  spec.optional = c.type.optional;
  if (c.rounding) {
    switch (rounding_mode_named(c.rounding->name).value_or(RoundingMode::HalfEven)) {
      case RoundingMode::HalfEven: spec.excess_digits = ledger::ExcessDigits::HalfEven; break;
      case RoundingMode::HalfUp: spec.excess_digits = ledger::ExcessDigits::HalfUp; break;
      case RoundingMode::Down: spec.excess_digits = ledger::ExcessDigits::Down; break;
      case RoundingMode::Up: spec.excess_digits = ledger::ExcessDigits::Up; break;
    }
  }
  const std::string& t = c.type.name.name;
  auto arg = [&](size_t i) { return i < c.type.args.size() ? c.type.args[i].name : std::string(); };
  if (t == "Int") {
    spec.kind = ledger::ColumnKind::Int;
  } else if (t == "Decimal") {
    spec.kind = ledger::ColumnKind::Decimal;
    spec.scale = arg(0).empty() ? 6 : std::stoi(arg(0));
  } else if (t == "Currency") {
    // A currency code per line: stored as its currency_index(), as `Convert` takes it.
    spec.kind = ledger::ColumnKind::Enum;
    spec.currency_codes = true;
    for (int k = 0; k < currency_count(); ++k) spec.enum_members.emplace_back(currency_code_at(k));
  } else if (t == "Money") {
    spec.kind = ledger::ColumnKind::Money;
    // Money, Money(EUR), Money(4), Money(EUR, 4): by default 6 places, more than cents (unit prices).
    // Money(currency), Money(currency, 4): the currency is the line's, in the column `currency`, and the
    // cells are bare numbers (spec.currency empty).
    std::string first = arg(0), second = arg(1);
    bool first_is_places = !first.empty() && std::isdigit(static_cast<unsigned char>(first[0]));
    const bool per_line = !first.empty() && !first_is_places && !is_currency_code(first);
    spec.currency = first.empty() || first_is_places ? tp_.settings.currency : per_line ? std::string() : first;
    std::string places = first_is_places ? first : second;
    spec.scale = places.empty() ? 6 : std::stoi(places);
  } else if (t == "Percent") {
    spec.kind = ledger::ColumnKind::Percent;
    spec.scale = 8;  // percentages with up to 6 decimals (2.123456%)
  } else if (t == "Bool") {
    spec.kind = ledger::ColumnKind::Bool;
  } else if (t == "Date") {
    spec.kind = ledger::ColumnKind::Date;
  } else {
    auto g = tp_.globals.find(t);
    if (g != tp_.globals.end() && g->second.kind == SymbolKind::Enum) {
      spec.kind = ledger::ColumnKind::Enum;
      for (const auto& member : static_cast<const ast::Enum*>(g->second.decl)->members) spec.enum_members.push_back(member.name);
    } else {
      spec.kind = ledger::ColumnKind::Text;  // Text, and lookup keys
      if (g != tp_.globals.end() && (g->second.kind == SymbolKind::Table || g->second.kind == SymbolKind::Ledger)) {
        // A lookup column holds keys of its table, read as the table's key column is (an Int key is
        // compared as a number, not as a text id).
        for (const ast::Column& key : static_cast<const ast::Source*>(g->second.decl)->columns) {
          const bool is_key = std::any_of(key.roles.begin(), key.roles.end(), [](const ast::Ident& r) { return r.name == "key"; });
          if (is_key && key.type.name.name == "Int") spec.kind = ledger::ColumnKind::Int;
        }
      }
    }
  }
  return spec;
}

Decimal Lowerer::constant_of(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Int: case ast::ExprKind::Decimal: case ast::ExprKind::Quantity: case ast::ExprKind::Percent:
      // The checker reported every literal it cannot hold exactly (E0109): none reaches here as 0.
      if (std::optional<Decimal> v = check::literal_value(e)) return *v;
      throw std::logic_error("internal error: a literal the checker could not hold reached the lowering");
    case ast::ExprKind::Unary:
      return e.op == ast::Op::Neg ? constant_of(e.arg(0)).negated() : constant_of(e.arg(0));
    default:
      return Decimal();
  }
}

Decimal Lowerer::fold(const ast::Expr& e) {
  // The checker worked the value out (and reported the expression when it could not: a band bound or a
  // budget without one is an error), so lowering takes that value rather than folding again.
  if (std::optional<Decimal> v = tp_.constant_of(e)) return *v;
  throw std::logic_error("internal error: a value the checker did not work out before the run");
}

std::string Lowerer::unit_of(const Type& t) {
  if (t.kind == TypeKind::Money) return t.currency;
  if (t.kind == TypeKind::Percent) return "%";
  return {};
}

void Lowerer::named_constant(const ast::Const& c) {
  const std::optional<Decimal> value = tp_.constant_of(*c.value);
  if (!value) return;  // a date, a text: shown as written where it is used
  auto [it, fresh] = named_constant_index_.try_emplace(&c, static_cast<uint32_t>(plan_.named_constants.size()));
  if (fresh) plan_.named_constants.push_back(plan::NamedConstant{c.name.name, unit_of(tp_.type_of(*c.value)), *value});
  if (std::find(fn_->constants.begin(), fn_->constants.end(), it->second) == fn_->constants.end()) fn_->constants.push_back(it->second);
}

std::string Lowerer::text_of(const ast::Expr& e) {
  Span s = e.span;
  const std::string& text = sources_.file(s.file).text();
  return text.substr(s.begin, s.end - s.begin);
}

void Lowerer::tiers() {
  each_module([&](const ast::Module& m) {
    for (const auto& t : m.tiers) {
      tiers_index_[&t] = static_cast<uint32_t>(plan_.tiers.size());
      plan::Tiers pt;
      pt.name = t.name.name;
      pt.mode = t.mode == ast::TierMode::Retroactive ? plan::TierMode::Retroactive : plan::TierMode::Incremental;
      if (!t.bands.empty()) pt.unit = unit_of(tp_.type_of(*t.bands[0].lower));
      for (const auto& b : t.bands) {
        plan::TierBand band;
        band.lower = fold(*b.lower);
        if (b.upper) band.upper = fold(*b.upper);
        band.value = fold(*b.value);
        band.lower_text = text_of(*b.lower);
        band.upper_text = b.upper ? text_of(*b.upper) : "";
        band.value_text = text_of(*b.value);
        pt.pays_percent = tp_.type_of(*b.value).kind == TypeKind::Percent;
        pt.bands.push_back(std::move(band));
      }
      plan_.tiers.push_back(std::move(pt));
    }
  });
}

void Lowerer::groups() {
  each_module([&](const ast::Module& m) {
    for (const auto& g : m.groups) {
      group_index_[&g] = static_cast<uint32_t>(plan_.groups.size());
      plan::Group pg;
      pg.name = g.name.name;
      auto ledger = tp_.globals.find(g.ledger.name);
      const auto* source = static_cast<const ast::Source*>(ledger->second.decl);
      pg.ledger = input_index_[source];
      for (const auto& k : g.keys) {
        for (uint32_t i = 0; i < source->columns.size(); ++i) {
          if (source->columns[i].name.name == k.name) pg.key_columns.push_back(i);
        }
      }
      plan_.groups.push_back(std::move(pg));
    }
  });
  each_module([&](const ast::Module& m) {
    for (const auto& g : m.groups) {
      uint32_t gi = group_index_[&g];
      for (const auto& f : g.fields) {
        Context ctx;
        ctx.in_group = &g;
        FunctionId fid = function(fmt::format("group {}.{}", g.name.name, f.name.name), *f.value, ctx);
        plan_.groups[gi].field_names.push_back(f.name.name);
        plan_.groups[gi].field_values.push_back(fid);
      }
    }
  });
}

void Lowerer::measures() {
  for (const ast::Measure* m : tp_.measure_order) {
    plan::Measure pm;
    pm.name = m->name.name;
    const Type type = tp_.type_of(*m->value);
    pm.unit = unit_of(type);
    switch (type.kind) {
      case TypeKind::Text: pm.shown = plan::Shown::Text; break;
      case TypeKind::Bool: pm.shown = plan::Shown::Bool; break;
      case TypeKind::Date: pm.shown = plan::Shown::Date; break;
      case TypeKind::Enum:
        pm.shown = plan::Shown::Enum;
        for (const auto& member : type.enum_decl()->members) pm.members.push_back(member.name);
        break;
      default: break;  // numbers, money and percentages: in their unit
    }
    pm.doc = m->doc;
    pm.formula = text_of(*m->value);
    if (!m->limits.empty()) {
      const Span last = m->limits.back().span;
      pm.formula = sources_.file(last.file).text().substr(m->value->span.begin, last.end - m->value->span.begin);
    }
    pm.value = function("measure " + m->name.name, *m->value, Context{});
    for (const auto& lim : m->limits) {
      FunctionId f = function(fmt::format("measure {} {}", m->name.name, lim.is_cap ? "cap" : "floor"), *lim.value, Context{});
      (lim.is_cap ? pm.cap : pm.floor) = f;
    }
    plan_.measures.push_back(std::move(pm));
  }
}

void Lowerer::decisions() {
  each_module([&](const ast::Module& m) {
    for (const auto& d : m.decisions) {
      plan::Decision& pd = plan_.decisions[decision_index_[&d]];
      pd.value = decision_function(d, "decision " + d.name.name, false);
      // The same rows answering which of them matched: explanations and coverage ask it, never the payouts.
      pd.row = decision_function(d, "decision " + d.name.name + " row", true);
      for (const auto& row : d.rows) pd.rows.push_back(location(row.span));
    }
  });
}

// A decision table as one function: its inputs kept in locals, then each row's patterns tested in turn;
// the first row that matches returns its value (`row_index`: its index instead).
FunctionId Lowerer::decision_function(const ast::Decision& d, const std::string& name, bool row_index) {
  FunctionId id = begin(name, plan::FunctionKind::PartnerPeriod);
  Context ctx;
  for (uint32_t j = 0; j < d.inputs.size(); ++j) {
    expr(*d.inputs[j], ctx);
    fn_ = &plan_.functions[id];
    emit(Opcode::Store, j);
  }
  plan_.functions[id].locals = static_cast<uint32_t>(d.inputs.size());
  for (size_t r = 0; r < d.rows.size(); ++r) {
    const ast::DecisionRow& row = d.rows[r];
    std::vector<size_t> to_next;
    if (!row.is_otherwise) {
      for (uint32_t j = 0; j < row.patterns.size(); ++j) {
        // Alternatives: any one matching is enough.
        std::vector<size_t> to_match;
        const auto& alts = row.patterns[j].alternatives;
        for (size_t k = 0; k < alts.size(); ++k) {
          const ast::PatternAlt& alt = alts[k];
          if (alt.kind == ast::PatternKind::Wildcard) {
            emit(Opcode::Const, constant(plan::Value::boolean(true)));
          } else {
            emit(Opcode::Load, j);
            expr(*alt.value, ctx);
            fn_ = &plan_.functions[id];
            if (alt.kind == ast::PatternKind::Range) {
              expr(*alt.upper, ctx);
              fn_ = &plan_.functions[id];
              emit(Opcode::InRange);
            } else if (alt.kind == ast::PatternKind::Equals) {
              emit(Opcode::Eq);
            } else {
              emit(compare_opcode(alt.compare));
            }
          }
          to_match.push_back(emit(Opcode::JumpIfTrue, 0, 0, location(alt.span)));
        }
        to_next.push_back(emit(Opcode::Jump));
        for (size_t at : to_match) patch(at);
      }
    }
    if (row_index) {
      emit(Opcode::Const, constant(plan::Value::integer(static_cast<int64_t>(r))));
    } else {
      expr(*row.value, ctx);
      fn_ = &plan_.functions[id];
    }
    emit(Opcode::Return, 0, 0, location(row.span));
    for (size_t at : to_next) patch(at);
  }
  emit(Opcode::Fail, decision_index_.at(&d), 0, location(d.name.span));
  return id;
}

void Lowerer::rebates() {
  each_module([&](const ast::Module& m) {
    for (const auto& r : m.rebates) {
      rebate_index_[&r] = static_cast<uint32_t>(plan_.rebates.size());
      plan::Rebate pr;
      pr.name = r.name.name;
      pr.title = r.title;
      pr.doc = r.doc;
      pr.rounding = tp_.settings.rounding;
      pr.places = plan_.minor_unit;
      Context ctx;
      auto fn = [&](const char* what, const ast::ExprPtr& e) {
        return e ? function(fmt::format("rebate {} {}", r.name.name, what), *e, ctx) : plan::kNoFunction;
      };
      for (const auto& c : r.clauses) {
        switch (c.kind) {
          case ast::ClauseKind::Eligible:
          case ast::ClauseKind::Require: {
            plan::Condition cond{fn(c.kind == ast::ClauseKind::Eligible ? "eligible" : "require", c.value), location(c.value->span), {}};
            collect_measures(*c.value, cond.measures);
            (c.kind == ast::ClauseKind::Eligible ? pr.eligible : pr.require).push_back(std::move(cond));
            break;
          }
          case ast::ClauseKind::Pay:
            pr.pay = plan::GuardedAmount{fn("pay", c.value), fn("pay when", c.when), location(c.when ? c.when->span : c.span)};
            explain_pay(pr, *c.value);
            if (c.when) collect_measures(*c.when, pr.pay_measures);
            break;
          case ast::ClauseKind::Uplift:
            pr.uplift.push_back(plan::GuardedAmount{fn("uplift", c.value), fn("uplift when", c.when), location(c.span)});
            break;
          case ast::ClauseKind::Accelerate:
            pr.accelerate.push_back(plan::GuardedAmount{fn("accelerate", c.value), fn("accelerate when", c.when), location(c.span)});
            break;
          case ast::ClauseKind::Cap:
            pr.cap = fn("cap", c.value);
            pr.cap_where = location(c.value->span);
            if (c.per) pr.cap_per = c.per->name == "month" ? PeriodGrain::Month : c.per->name == "quarter" ? PeriodGrain::Quarter : PeriodGrain::Year;
            break;
          case ast::ClauseKind::Settle: {
            auto it = tp_.globals.find(c.payments.name);
            pr.payments = input_index_[static_cast<const ast::Source*>(it->second.decl)];
            pr.settle_year_to_date = c.window.has_value();
            break;
          }
          case ast::ClauseKind::OnNegative: {
            const std::string first = c.policy.empty() ? "" : c.policy[0].name;
            pr.on_negative = first == "claw" ? plan::SettlePolicy::ClawBack : first == "carry" ? plan::SettlePolicy::CarryForward : plan::SettlePolicy::Floor;
            break;
          }
          case ast::ClauseKind::Floor:
            pr.floor = fn("floor", c.value);
            pr.floor_where = location(c.value->span);
            if (c.per) pr.floor_per = c.per->name == "month" ? PeriodGrain::Month : c.per->name == "quarter" ? PeriodGrain::Quarter : PeriodGrain::Year;
            break;
          case ast::ClauseKind::Accrue:  // a fund's accrual is its `pay` amount, with no condition
            pr.pay = plan::GuardedAmount{fn("accrue", c.value), plan::kNoFunction, location(c.span)};
            collect_measures(*c.value, pr.pay_measures);
            break;
          case ast::ClauseKind::Claims: {
            auto it = tp_.globals.find(c.claims.name);
            pr.claims = input_index_[static_cast<const ast::Source*>(it->second.decl)];
            break;
          }
          case ast::ClauseKind::Expire:  // checked: a whole number of periods, at least one
            pr.fund_expires_after = static_cast<uint32_t>(check::periods_in(*c.value, plan_.grain).value_or(0));
            break;
          case ast::ClauseKind::AllowNegative: pr.allow_negative = true; break;
          case ast::ClauseKind::Rounding:
            pr.rounding = rounding_mode_named(c.rounding_mode.name).value_or(pr.rounding);
            if (c.rounding_to) pr.places = std::stoi(c.rounding_to->text);
            break;
        }
      }
      plan_.rebates.push_back(std::move(pr));
    }
  });
}

void Lowerer::explain_pay(plan::Rebate& pr, const ast::Expr& pay) {
  collect_measures(pay, pr.pay_measures);
  const ast::Expr* e = &pay;
  if (e->kind == ast::ExprKind::Binary && e->op == ast::Op::Of) {
    const ast::Expr& lhs = e->arg(0);
    const ast::Expr& basis = e->arg(1);
    if (tp_.type_of(lhs).kind == TypeKind::Tiers) {
      pr.pay_tiers = tiers_index_[tp_.type_of(lhs).tiers_decl()];
      pr.pay_basis = function("rebate " + pr.name + " basis", basis, Context{});
      pr.pay_metric = pr.pay_basis;
      pr.pay_metric_text = text_of(basis);
    } else if (lhs.kind == ast::ExprKind::Binary && lhs.op == ast::Op::By &&
               tp_.type_of(lhs.arg(0)).kind == TypeKind::Tiers) {
      pr.pay_tiers = tiers_index_[tp_.type_of(lhs.arg(0)).tiers_decl()];
      pr.pay_metric = function("rebate " + pr.name + " metric", lhs.arg(1), Context{});
      pr.pay_metric_text = text_of(lhs.arg(1));
      pr.pay_basis = function("rebate " + pr.name + " basis", basis, Context{});
    } else {
      pr.pay_basis = function("rebate " + pr.name + " basis", basis, Context{});
    }
  }
}

void Lowerer::collect_measures(const ast::Expr& e, std::vector<uint32_t>& out) {
  const Symbol* s = tp_.ref_of(e);
  if (s && s->kind == SymbolKind::Measure) {
    uint32_t m = measure_index_[static_cast<const ast::Measure*>(s->decl)];
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  for (const auto& a : e.args) collect_measures(*a, out);
}

void Lowerer::awards() {
  each_module([&](const ast::Module& m) {
    for (const auto& a : m.awards) {
      plan::Award pa;
      pa.name = a.name.name;
      pa.title = a.title;
      pa.metric = a.metric;
      pa.next_period = a.next_period;
      // The type the checker gave the rows' values (all the same, or numbers alike for a metric).
      const Type t = a.rows.empty() ? Type::error() : tp_.type_of(*a.rows.front().value);
      if (t.kind == TypeKind::Enum) {
        pa.type = plan::ValueType::Enum;
        for (const auto& member : t.enum_decl()->members) pa.members.push_back(member.name);
      } else if (t.kind == TypeKind::Bool) {
        pa.type = plan::ValueType::Bool;
      } else if (t.kind == TypeKind::Money) {
        pa.type = plan::ValueType::Money;
        pa.currency = t.currency;
        pa.places = currency_minor_unit(t.currency);
      } else if (t.kind == TypeKind::Percent) {
        pa.type = plan::ValueType::Percent;
      } else if (t.is_number()) {
        pa.type = plan::ValueType::Number;
      }
      for (const auto& row : a.rows) {
        plan::AwardRow pr;
        const std::string kind = a.metric ? "metric " : "award ";
        if (row.when) pr.when = function(kind + a.name.name + " when", *row.when, Context{});
        pr.value = function(kind + a.name.name, *row.value, Context{});
        pr.where = location(row.span);
        pa.rows.push_back(pr);
      }
      plan_.awards.push_back(std::move(pa));
    }
  });
}

void Lowerer::budgets() {
  each_module([&](const ast::Module& m) {
    for (const auto& b : m.budgets) {
      plan::Budget pb;
      pb.name = b.name.name;
      pb.amount = fold(*b.amount);
      for (const auto& r : b.rebates) {
        auto it = tp_.globals.find(r.name);
        pb.rebates.push_back(rebate_index_[static_cast<const ast::Rebate*>(it->second.decl)]);
      }
      plan_.budgets.push_back(std::move(pb));
    }
  });
}

}  // namespace lowering

plan::Plan lower_program(const TypedProgram& program, const SourceMap& sources) {
  return lowering::Lowerer(program, sources).run();
}

}  // namespace rebate
