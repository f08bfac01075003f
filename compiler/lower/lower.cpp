// TypedProgram -> Plan. One Lowerer walks the declarations; expressions become stack bytecode.
#include "lower/lower.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace rebate {

namespace {

using plan::FunctionId;
using plan::Opcode;

// Which kind of load a name resolves to depends on where the expression runs.
struct Context {
  plan::FunctionKind kind = plan::FunctionKind::PartnerPeriod;
  const ast::Source* row_source = nullptr;  // Row: the ledger whose line is read
  const ast::Group* row_group = nullptr;    // GroupRow: the group whose row is read
  const ast::Group* in_group = nullptr;     // a group's field: aggregates of the group's ledger are per group
  bool otherwise = false;                   // inside the left side of `otherwise`: x/0 gives none
};

class Lowerer {
 public:
  Lowerer(const TypedProgram& tp, const SourceMap& sources) : tp_(tp), sources_(sources) {}

  plan::Plan run() {
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
    return std::move(plan_);
  }

 private:
  const TypedProgram& tp_;
  const SourceMap& sources_;
  plan::Plan plan_;
  std::map<const ast::Source*, uint32_t> input_index_;
  std::map<const ast::Measure*, uint32_t> measure_index_;
  std::map<const ast::Tiers*, uint32_t> tiers_index_;
  std::map<const ast::Decision*, uint32_t> decision_index_;
  std::map<const ast::Group*, uint32_t> group_index_;
  std::map<const ast::Rebate*, uint32_t> rebate_index_;
  plan::Function* fn_ = nullptr;  // the function being emitted (re-pointed after nested functions)

  template <typename F>
  void each_module(F f) {
    for (const ast::Module* m : tp_.modules) f(*m);
  }

  // ---- locations, constants, emission --------------------------------------------------------

  uint32_t location(Span span) {
    plan::Location loc;
    if (span.valid() && span.file < sources_.size()) {
      const SourceFile& file = sources_.file(span.file);
      LineCol lc = file.line_col(span.begin);
      loc.file = file.path();
      loc.line = lc.line;
      loc.column = lc.column;
      if (span.end <= file.text().size() && span.end >= span.begin) {
        loc.text = file.text().substr(span.begin, std::min<uint32_t>(span.end - span.begin, 200));
      }
    }
    plan_.locations.push_back(std::move(loc));
    return static_cast<uint32_t>(plan_.locations.size() - 1);
  }

  uint32_t constant(plan::Value v) {
    plan_.constants.push_back(v);
    return static_cast<uint32_t>(plan_.constants.size() - 1);
  }

  size_t emit(Opcode op, uint32_t a = 0, uint32_t b = 0, uint32_t where = 0) {
    fn_->code.push_back(plan::Instr{op, a, b, where});
    return fn_->code.size() - 1;
  }
  void patch(size_t at) { fn_->code[at].a = static_cast<uint32_t>(fn_->code.size()); }

  FunctionId begin(std::string name, plan::FunctionKind kind, uint32_t input = UINT32_MAX) {
    plan_.functions.push_back(plan::Function{std::move(name), kind, input, 0, {}});
    fn_ = &plan_.functions.back();
    return static_cast<FunctionId>(plan_.functions.size() - 1);
  }

  // A whole function computing one expression.
  FunctionId function(std::string name, const ast::Expr& e, const Context& ctx, uint32_t input = UINT32_MAX) {
    // Functions are emitted one at a time: an aggregate's own functions are finished before the caller
    // resumes, so the caller's function pointer is saved and restored around nested emission.
    FunctionId id = begin(std::move(name), ctx.kind, input);
    expr(e, ctx);
    fn_ = &plan_.functions[id];
    emit(Opcode::Return, 0, 0, location(e.span));
    return id;
  }

  // ---- header and inputs -------------------------------------------------------------------

  void header() {
    const ProgramSettings& s = tp_.settings;
    plan_.title = s.title;
    plan_.currency = s.currency;
    plan_.minor_unit = currency_minor_unit(s.currency);
    plan_.grain = s.grain;
    plan_.effective_from = s.effective_from;
    plan_.effective_to = s.effective_to;
    plan_.rounding = s.rounding;
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

  void inputs() {
    each_module([&](const ast::Module& m) {
      for (const auto& s : m.sources) {
        input_index_[&s] = static_cast<uint32_t>(plan_.inputs.size());
        plan::Input in;
        in.name = s.name.name;
        in.kind = s.kind == ast::SourceKind::Ledger ? plan::InputKind::Ledger
                  : s.kind == ast::SourceKind::Table ? plan::InputKind::Table : plan::InputKind::PartnerTable;
        in.spec.name = s.name.name;
        if (s.kind == ast::SourceKind::PartnerTable) plan_.partner_table = static_cast<uint32_t>(plan_.inputs.size());
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
            if (role.name == "key") in.key_column = i;
          }
          auto table = tp_.globals.find(c.type.name.name);
          if (table != tp_.globals.end() && table->second.kind == SymbolKind::Table) {
            in.lookups.emplace_back(i, input_index_[static_cast<const ast::Source*>(table->second.decl)]);
          }
        }
      }
    });
  }

  ledger::ColumnSpec column_spec(const ast::Column& c) {
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
    } else if (t == "Money") {
      spec.kind = ledger::ColumnKind::Money;
      // Money, Money(EUR), Money(4), Money(EUR, 4): by default 6 places, more than cents (unit prices).
      std::string first = arg(0), second = arg(1);
      bool first_is_places = !first.empty() && std::isdigit(static_cast<unsigned char>(first[0]));
      spec.currency = first.empty() || first_is_places ? tp_.settings.currency : first;
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
      }
    }
    return spec;
  }

  // ---- tiers, groups, measures, decisions --------------------------------------------------

  static Decimal constant_of(const ast::Expr& e) {
    switch (e.kind) {
      case ast::ExprKind::Int: case ast::ExprKind::Decimal: case ast::ExprKind::Quantity:
        return Decimal::parse(e.text).value_or(Decimal());
      case ast::ExprKind::Percent:
        return Decimal::mul(Decimal::parse(e.text).value_or(Decimal()), *Decimal::parse("0.01")).value_or(Decimal());
      case ast::ExprKind::Unary:
        return e.op == ast::Op::Neg ? constant_of(e.arg(0)).negated() : constant_of(e.arg(0));
      default:
        return Decimal();
    }
  }

  // A constant-valued expression (tier bounds and values, budgets) folded to a number.
  Decimal fold(const ast::Expr& e) {
    const Symbol* s = tp_.ref_of(e);
    if (e.kind == ast::ExprKind::Name && s && s->kind == SymbolKind::Const) {
      return fold(*static_cast<const ast::Const*>(s->decl)->value);
    }
    if (e.kind == ast::ExprKind::Binary) {
      Decimal a = fold(e.arg(0)), b = fold(e.arg(1));
      switch (e.op) {
        case ast::Op::Add: return Decimal::add(a, b).value_or(Decimal());
        case ast::Op::Sub: return Decimal::sub(a, b).value_or(Decimal());
        case ast::Op::Mul: case ast::Op::Of: return Decimal::mul(a, b).value_or(Decimal());
        case ast::Op::Div: return Decimal::div(a, b).value_or(Decimal());
        default: break;
      }
    }
    return constant_of(e);
  }

  static std::string unit_of(const Type& t) {
    if (t.kind == TypeKind::Money) return t.currency;
    if (t.kind == TypeKind::Percent) return "%";
    return {};
  }

  std::string text_of(const ast::Expr& e) {
    Span s = e.span;
    const std::string& text = sources_.file(s.file).text();
    return text.substr(s.begin, s.end - s.begin);
  }

  void tiers() {
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

  void groups() {
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

  void measures() {
    for (const ast::Measure* m : tp_.measure_order) {
      plan::Measure pm;
      pm.name = m->name.name;
      pm.unit = unit_of(tp_.type_of(*m->value));
      pm.doc = m->doc;
      pm.value = function("measure " + m->name.name, *m->value, Context{});
      for (const auto& lim : m->limits) {
        FunctionId f = function(fmt::format("measure {} {}", m->name.name, lim.is_cap ? "cap" : "floor"), *lim.value, Context{});
        (lim.is_cap ? pm.cap : pm.floor) = f;
      }
      plan_.measures.push_back(std::move(pm));
    }
  }

  void decisions() {
    each_module([&](const ast::Module& m) {
      for (const auto& d : m.decisions) {
        FunctionId id = begin("decision " + d.name.name, plan::FunctionKind::PartnerPeriod);
        Context ctx;
        for (uint32_t j = 0; j < d.inputs.size(); ++j) {
          expr(*d.inputs[j], ctx);
          fn_ = &plan_.functions[id];
          emit(Opcode::Store, j);
        }
        plan_.functions[id].locals = static_cast<uint32_t>(d.inputs.size());
        for (const auto& row : d.rows) {
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
          expr(*row.value, ctx);
          fn_ = &plan_.functions[id];
          emit(Opcode::Return, 0, 0, location(row.span));
          for (size_t at : to_next) patch(at);
        }
        emit(Opcode::Fail, decision_index_[&d], 0, location(d.name.span));
        plan_.decisions[decision_index_[&d]].value = id;
      }
    });
  }

  // ---- rebates, awards, budgets ------------------------------------------------------------

  void rebates() {
    each_module([&](const ast::Module& m) {
      for (const auto& r : m.rebates) {
        rebate_index_[&r] = static_cast<uint32_t>(plan_.rebates.size());
        plan::Rebate pr;
        pr.name = r.name.name;
        pr.title = r.title;
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
            case ast::ClauseKind::Cap: pr.cap = fn("cap", c.value); break;
            case ast::ClauseKind::Floor: pr.floor = fn("floor", c.value); break;
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

  // What an explanation shows about the pay clause: the measures it reads, and the tier table it
  // applies with its metric and basis (`volume of revenue`, `(growth_tiers by growth) of revenue`).
  void explain_pay(plan::Rebate& pr, const ast::Expr& pay) {
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

  void collect_measures(const ast::Expr& e, std::vector<uint32_t>& out) {
    const Symbol* s = tp_.ref_of(e);
    if (s && s->kind == SymbolKind::Measure) {
      uint32_t m = measure_index_[static_cast<const ast::Measure*>(s->decl)];
      if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
    }
    for (const auto& a : e.args) collect_measures(*a, out);
  }

  void awards() {
    each_module([&](const ast::Module& m) {
      for (const auto& a : m.awards) {
        plan::Award pa;
        pa.name = a.name.name;
        pa.title = a.title;
        pa.next_period = a.next_period;
        auto g = tp_.globals.find(a.type.name.name);
        if (g != tp_.globals.end() && g->second.kind == SymbolKind::Enum) {
          for (const auto& member : static_cast<const ast::Enum*>(g->second.decl)->members) pa.members.push_back(member.name);
        }
        pa.is_bool = a.type.name.name == "Bool";
        for (const auto& row : a.rows) {
          plan::AwardRow pr;
          if (row.when) pr.when = function("award " + a.name.name + " when", *row.when, Context{});
          pr.value = function("award " + a.name.name, *row.value, Context{});
          pa.rows.push_back(pr);
        }
        plan_.awards.push_back(std::move(pa));
      }
    });
  }

  void budgets() {
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

  // ---- expressions ---------------------------------------------------------------------------

  static Opcode compare_opcode(ast::Op op) {
    switch (op) {
      case ast::Op::Eq: return Opcode::Eq;
      case ast::Op::Ne: return Opcode::Ne;
      case ast::Op::Lt: return Opcode::Lt;
      case ast::Op::Le: return Opcode::Le;
      case ast::Op::Gt: return Opcode::Gt;
      default: return Opcode::Ge;
    }
  }

  // Emits `e` into the current function; restores fn_ after nested functions (aggregates).
  void expr(const ast::Expr& e, const Context& ctx) {
    FunctionId current = static_cast<FunctionId>(fn_ - plan_.functions.data());
    expr_inner(e, ctx, current);
    fn_ = &plan_.functions[current];
  }

  void expr_inner(const ast::Expr& e, const Context& ctx, FunctionId self) {
    auto resume = [&] { fn_ = &plan_.functions[self]; };
    uint32_t where = location(e.span);
    switch (e.kind) {
      case ast::ExprKind::Int:
      case ast::ExprKind::Decimal:
      case ast::ExprKind::Percent:
        emit(Opcode::Const, constant(plan::Value::number(constant_of(e))), 0, where);
        return;
      case ast::ExprKind::Quantity: {
        plan::Value v = plan::Value::number(constant_of(e));
        if (tp_.type_of(e).kind == TypeKind::Duration) {
          bool months = tp_.type_of(e).currency == "months";
          int64_t factor = e.unit.rfind("week", 0) == 0 ? 7 : e.unit.rfind("quarter", 0) == 0 ? 3 : e.unit.rfind("year", 0) == 0 ? 12 : 1;
          v = plan::Value::integer(static_cast<int64_t>(v.coef) * factor);
          v.aux = months ? 1 : 0;
        }
        emit(Opcode::Const, constant(v), 0, where);
        return;
      }
      case ast::ExprKind::Date:
        emit(Opcode::Const, constant(plan::Value::integer(parse_date(e.text).value_or(0))), 0, where);
        return;
      case ast::ExprKind::Period: {
        emit(Opcode::Const, constant(period_value(e.text)), 0, where);
        return;
      }
      case ast::ExprKind::String:
        plan_.texts.push_back(e.text);
        emit(Opcode::Text, static_cast<uint32_t>(plan_.texts.size() - 1), 0, where);
        return;
      case ast::ExprKind::Bool:
        emit(Opcode::Const, constant(plan::Value::boolean(e.text == "true")), 0, where);
        return;
      case ast::ExprKind::List:
        for (const auto& item : e.args) expr(*item, ctx);
        return;  // only inside `in`, which counts the items
      case ast::ExprKind::Name:
        name(e, ctx, where);
        return;
      case ast::ExprKind::Member:
        member(e, ctx, where);
        return;
      case ast::ExprKind::Call:
        call(e, ctx, where);
        resume();
        return;
      case ast::ExprKind::Method: {
        uint32_t index = aggregate(e, ctx, where);
        resume();  // the aggregate's filter and argument were emitted as functions of their own
        emit(Opcode::Aggregate, index, 0, where);
        return;
      }
      case ast::ExprKind::Unary:
        expr(e.arg(0), ctx);
        if (e.op == ast::Op::Neg) emit(Opcode::Neg, 0, 0, where);
        if (e.op == ast::Op::Not) emit(Opcode::Not, 0, 0, where);
        return;
      case ast::ExprKind::Binary:
        binary(e, ctx, where);
        return;
      case ast::ExprKind::In: {
        const ast::Expr& rhs = through_consts(e.arg(1));
        expr(e.arg(0), ctx);
        if (rhs.kind == ast::ExprKind::List) {
          expr(rhs, ctx);
          emit(Opcode::InList, static_cast<uint32_t>(rhs.args.size()), 0, where);
        } else if (rhs.kind == ast::ExprKind::Binary && rhs.op == ast::Op::Range) {
          expr(rhs.arg(0), ctx);
          expr(rhs.arg(1), ctx);
          emit(Opcode::InRange, 0, 0, where);
        } else {
          expr(rhs, ctx);
          emit(Opcode::InPeriod, 0, tp_.type_of(e.arg(0)).kind == TypeKind::Period ? 1 : 0, where);
        }
        if (e.negated) emit(Opcode::Not, 0, 0, where);
        return;
      }
      case ast::ExprKind::If: {
        expr(e.arg(0), ctx);
        size_t to_else = emit(Opcode::JumpIfFalse, 0, 0, where);
        expr(e.arg(1), ctx);
        size_t to_end = emit(Opcode::Jump);
        patch(to_else);
        expr(e.arg(2), ctx);
        patch(to_end);
        return;
      }
    }
  }

  // `family in storage_families`: the list or range a constant names.
  const ast::Expr& through_consts(const ast::Expr& e) {
    const Symbol* s = tp_.ref_of(e);
    if (e.kind == ast::ExprKind::Name && s && s->kind == SymbolKind::Const) {
      return through_consts(*static_cast<const ast::Const*>(s->decl)->value);
    }
    return e;
  }

  plan::Value period_value(const std::string& text) {
    plan::Value v;
    auto p = parse_period(text);
    if (!p) return v;
    DayNumber first = 0, last = 0;
    switch (p->grain) {
      case PeriodGrain::Month:
        first = days_from_civil({p->year, static_cast<unsigned>(p->index), 1});
        last = days_from_civil({p->year + (p->index == 12 ? 1 : 0), static_cast<unsigned>(p->index % 12 + 1), 1}) - 1;
        break;
      case PeriodGrain::Quarter:
        first = days_from_civil({p->year, static_cast<unsigned>(3 * p->index - 2), 1});
        last = days_from_civil({p->year + (p->index == 4 ? 1 : 0), static_cast<unsigned>((3 * p->index) % 12 + 1), 1}) - 1;
        break;
      case PeriodGrain::Half:
        first = days_from_civil({p->year, static_cast<unsigned>(6 * p->index - 5), 1});
        last = days_from_civil({p->year + (p->index == 2 ? 1 : 0), p->index == 2 ? 1u : 7u, 1}) - 1;
        break;
      case PeriodGrain::Year:
        first = days_from_civil({p->year, 1, 1});
        last = days_from_civil({p->year + 1, 1, 1}) - 1;
        break;
    }
    v.coef = first;
    v.aux = last;
    return v;
  }

  void name(const ast::Expr& e, const Context& ctx, uint32_t where) {
    const Symbol* s = tp_.ref_of(e);
    if (!s) return;
    switch (s->kind) {
      case SymbolKind::Column:
        if (ctx.kind == plan::FunctionKind::GroupRow) {
          emit(Opcode::GroupField, s->index, 0, where);  // a group key
        } else {
          emit(Opcode::Column, s->index, 0, where);
        }
        return;
      case SymbolKind::GroupField: {
        const auto* g = static_cast<const ast::Group*>(s->decl);
        emit(Opcode::GroupField, static_cast<uint32_t>(g->keys.size()) + s->index, 0, where);
        return;
      }
      case SymbolKind::Measure:
        emit(Opcode::Measure, measure_index_[static_cast<const ast::Measure*>(s->decl)], 0, where);
        return;
      case SymbolKind::Const:
        expr(*static_cast<const ast::Const*>(s->decl)->value, ctx);
        return;
      case SymbolKind::Decision:
        emit(Opcode::Decision, decision_index_[static_cast<const ast::Decision*>(s->decl)], 0, where);
        return;
      case SymbolKind::EnumMember:
        emit(Opcode::Const, constant(plan::Value::integer(s->index)), 0, where);
        return;
      case SymbolKind::Partner:
        emit(Opcode::PartnerId, 0, 0, where);
        return;
      case SymbolKind::Period:
        emit(Opcode::Period, 0, 0, where);
        return;
      case SymbolKind::Enum: case SymbolKind::Table: case SymbolKind::Ledger: case SymbolKind::Calendar:
      case SymbolKind::Group: case SymbolKind::Tiers: case SymbolKind::Rebate: case SymbolKind::Award:
      case SymbolKind::Budget: case SymbolKind::Builtin:
        return;  // not values; the operators that take them read the declaration directly
    }
  }

  void member(const ast::Expr& e, const Context& ctx, uint32_t where) {
    const Symbol* s = tp_.ref_of(e);
    const ast::Expr& obj = e.arg(0);
    if (s && s->kind == SymbolKind::EnumMember) {
      emit(Opcode::Const, constant(plan::Value::integer(s->index)), 0, where);
      return;
    }
    const Symbol* os = tp_.ref_of(obj);
    if (os && os->kind == SymbolKind::Partner && s && s->kind == SymbolKind::Column) {
      emit(Opcode::PartnerAttr, s->index, 0, where);
      return;
    }
    if (os && os->kind == SymbolKind::Period) {
      emit(Opcode::Period, 0, 0, where);
      emit(e.text == "start" ? Opcode::PeriodStart : Opcode::PeriodEnd, 0, 0, where);
      return;
    }
    // `sku.family`: a lookup column of the line, then a column of the table row it names.
    if (os && os->kind == SymbolKind::Column && s && s->kind == SymbolKind::Column) {
      emit(Opcode::Lookup, os->index, s->index, where);
      return;
    }
    (void)ctx;
  }

  void call(const ast::Expr& e, const Context& ctx, uint32_t where) {
    const std::string& f = e.text;
    if (f == "previous" || f == "last_year" || f == "year_to_date") {
      const Symbol* s = tp_.ref_of(e.arg(0));
      uint32_t shift = f == "previous" ? 0 : f == "last_year" ? 1 : 2;
      emit(Opcode::Shifted, measure_index_[static_cast<const ast::Measure*>(s->decl)], shift, where);
      return;
    }
    if (f == "round") {
      expr(e.arg(0), ctx);
      bool money = tp_.type_of(e.arg(0)).kind == TypeKind::Money;
      uint32_t places = e.args.size() >= 2 ? static_cast<uint32_t>(std::stoi(e.arg(1).text)) : money ? 255u : 0u;
      uint32_t mode = e.args.size() == 3 ? static_cast<uint32_t>(*rounding_mode_named(e.arg(2).text)) : 255u;
      emit(Opcode::Round, places, mode, where);
      return;
    }
    for (const auto& a : e.args) expr(*a, ctx);
    if (f == "min") emit(Opcode::Min, static_cast<uint32_t>(e.args.size()), 0, where);
    else if (f == "max") emit(Opcode::Max, static_cast<uint32_t>(e.args.size()), 0, where);
    else if (f == "abs") emit(Opcode::Abs, 0, 0, where);
  }

  void binary(const ast::Expr& e, const Context& ctx, uint32_t where) {
    using ast::Op;
    const ast::Expr& l = e.arg(0);
    const ast::Expr& r = e.arg(1);
    switch (e.op) {
      case Op::And:
      case Op::Or: {
        // Short circuit: `a and b` is false without reading b when a is false.
        bool is_and = e.op == Op::And;
        expr(l, ctx);
        size_t short_circuit = emit(is_and ? Opcode::JumpIfFalse : Opcode::JumpIfTrue, 0, 0, where);
        expr(r, ctx);
        size_t to_end = emit(Opcode::Jump);
        patch(short_circuit);
        emit(Opcode::Const, constant(plan::Value::boolean(!is_and)), 0, where);
        patch(to_end);
        return;
      }
      case Op::Otherwise: {
        Context inner = ctx;
        inner.otherwise = true;
        expr(l, inner);
        size_t to_end = emit(Opcode::JumpIfSome, 0, 0, where);
        expr(r, ctx);
        patch(to_end);
        return;
      }
      case Op::Of:
        if (tp_.type_of(l).kind == TypeKind::Tiers) {
          expr(r, ctx);
          emit(Opcode::TierOf, tiers_index_[tp_.type_of(l).tiers_decl()], 0, where);
          return;
        }
        expr(l, ctx);
        expr(r, ctx);
        emit(Opcode::Mul, 0, 0, where);
        return;
      case Op::By:
        expr(r, ctx);
        emit(Opcode::TierBy, tiers_index_[tp_.type_of(l).tiers_decl()], 0, where);
        return;
      case Op::Add:
      case Op::Sub: {
        const Type& lt = tp_.type_of(l);
        const Type& rt = tp_.type_of(r);
        if (lt.kind == TypeKind::Date && rt.kind == TypeKind::Duration) {
          expr(l, ctx);
          expr(r, ctx);
          emit(e.op == Op::Add ? Opcode::AddDuration : Opcode::SubDuration, 0, rt.currency == "months" ? 1 : 0, where);
          return;
        }
        if (lt.kind == TypeKind::Duration && rt.kind == TypeKind::Date) {
          expr(r, ctx);
          expr(l, ctx);
          emit(Opcode::AddDuration, 0, lt.currency == "months" ? 1 : 0, where);
          return;
        }
        expr(l, ctx);
        expr(r, ctx);
        emit(e.op == Op::Add ? Opcode::Add : Opcode::Sub, 0, 0, where);
        return;
      }
      case Op::Mul:
        expr(l, ctx);
        expr(r, ctx);
        emit(Opcode::Mul, 0, 0, where);
        return;
      case Op::Div:
        expr(l, ctx);
        expr(r, ctx);
        emit(Opcode::Div, 0, ctx.otherwise ? 1 : 0, where);
        return;
      case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
        expr(l, ctx);
        expr(r, ctx);
        emit(compare_opcode(e.op), 0, 0, where);
        return;
      case Op::Range:
        expr(l, ctx);
        expr(r, ctx);
        return;  // only inside `in`
      case Op::Neg: case Op::Plus: case Op::Not:
        return;  // unary operators never stand in a Binary node
    }
  }

  // Registers the aggregate (per partner and period, or per group row inside a group's field) with its
  // filter and argument functions; returns its index for the `Aggregate` instruction.
  uint32_t aggregate(const ast::Expr& e, const Context& ctx, uint32_t where) {
    const Symbol* s = tp_.ref_of(e.arg(0));
    plan::Aggregate a;
    const std::string& m = e.text;
    a.kind = m == "sum" ? plan::AggregateKind::Sum : m == "count" ? plan::AggregateKind::Count
             : m == "count_distinct" ? plan::AggregateKind::CountDistinct : m == "min" ? plan::AggregateKind::Min
             : m == "max" ? plan::AggregateKind::Max : plan::AggregateKind::Avg;
    a.where = where;
    Context row;
    bool in_group_field = false;
    if (s->kind == SymbolKind::Group) {
      const auto* g = static_cast<const ast::Group*>(s->decl);
      a.over_group = true;
      a.source = group_index_[g];
      row.kind = plan::FunctionKind::GroupRow;
      row.row_group = g;
    } else {
      const auto* l = static_cast<const ast::Source*>(s->decl);
      a.source = input_index_[l];
      row.kind = plan::FunctionKind::Row;
      row.row_source = l;
      in_group_field = ctx.in_group != nullptr;
    }
    std::string label = fmt::format("{}.{}", e.arg(0).text, m);
    if (e.where) a.filter = function(label + " where", *e.where, row, a.source);
    if (e.args.size() > 1) a.arg = function(label, *e.args[1], row, a.source);
    if (in_group_field) {
      plan_.group_field_aggregates.push_back(a);
      uint32_t index = static_cast<uint32_t>(plan_.group_field_aggregates.size() - 1);
      plan_.groups[group_index_[ctx.in_group]].aggregates.push_back(index);
      return index;
    }
    plan_.aggregates.push_back(a);
    return static_cast<uint32_t>(plan_.aggregates.size() - 1);
  }
};

}  // namespace

plan::Plan lower_program(const TypedProgram& program, const SourceMap& sources) {
  return Lowerer(program, sources).run();
}

}  // namespace rebate
