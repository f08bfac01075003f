// combine(): two plans as one (combine.h). Every entity of each program is added to the combined plan
// through a key that says what it is structurally (its kind and fields, the combined indices of what it
// refers to, its constants by value, never its source location or a function's name): an entity whose
// key is already there is that one. Programs are added in turn, the first into an empty plan, so the
// first program's own duplicates (the lowering registers `sales.sum(amount)` once per place it is
// written) are kept once too.
#include "plan/combine.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace rebate::plan {

namespace {

// What an instruction's operand `a` refers to (its `b` never refers to an entity of the plan).
enum class Operand { None, Constant, Text, Measure, Aggregate, Decision, Tiers };

Operand operand_of(Opcode op) {
  switch (op) {
    case Opcode::Const: return Operand::Constant;
    case Opcode::Text: return Operand::Text;
    case Opcode::Measure:
    case Opcode::Shifted: return Operand::Measure;
    case Opcode::Aggregate: return Operand::Aggregate;
    case Opcode::Decision:
    case Opcode::Fail: return Operand::Decision;
    case Opcode::TierOf:
    case Opcode::TierBy: return Operand::Tiers;
    case Opcode::Load:
    case Opcode::Store:
    case Opcode::Column:
    case Opcode::Lookup:
    case Opcode::GroupField:
    case Opcode::PartnerAttr:
    case Opcode::PartnerId:
    case Opcode::Period:
    case Opcode::PeriodStart:
    case Opcode::PeriodEnd:
    case Opcode::PeriodPart:
    case Opcode::Add:
    case Opcode::Sub:
    case Opcode::Mul:
    case Opcode::Div:
    case Opcode::Neg:
    case Opcode::Abs:
    case Opcode::Round:
    case Opcode::Min:
    case Opcode::Max:
    case Opcode::AddDuration:
    case Opcode::SubDuration:
    case Opcode::Convert:
    case Opcode::TextTest:
    case Opcode::TextMap:
    case Opcode::Eq:
    case Opcode::Ne:
    case Opcode::Lt:
    case Opcode::Le:
    case Opcode::Gt:
    case Opcode::Ge:
    case Opcode::Not:
    case Opcode::InList:
    case Opcode::InRange:
    case Opcode::InPeriod:
    case Opcode::Jump:
    case Opcode::JumpIfFalse:
    case Opcode::JumpIfTrue:
    case Opcode::JumpIfSome:
    case Opcode::Pop:
    case Opcode::Return: return Operand::None;
  }
  return Operand::None;
}

// A structural key: fields appended as bytes (lengths before texts), so that two keys are equal only
// when every field is.
class Key {
 public:
  Key& n(uint64_t v) {
    text_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  Key& s(std::string_view t) {
    n(t.size());
    text_.append(t);
    return *this;
  }
  Key& d(const Decimal& v) {
    const Int128 c = v.coefficient();
    return n(static_cast<uint64_t>(c)).n(static_cast<uint64_t>(c >> 64)).n(static_cast<uint64_t>(v.scale()));
  }
  Key& k(const Key& inner) { return s(inner.text_); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

constexpr uint32_t kUnmapped = UINT32_MAX;
constexpr uint32_t kBusy = UINT32_MAX - 1;  // being added: met again means a cycle (a bug)
constexpr uint32_t kSelf = UINT32_MAX - 2;  // a decision's own index in its `Fail`, before it has one

// The first difference between two columns, or "".
std::string column_difference(const ledger::ColumnSpec& a, const ledger::ColumnSpec& b) {
  if (a.name != b.name) return fmt::format("`{}` and `{}`", a.name, b.name);
  if (a.header != b.header) return fmt::format("`{}` is read from CSV header `{}` and `{}`", a.name, a.header, b.header);
  if (a.kind != b.kind || a.scale != b.scale || a.currency != b.currency || a.enum_members != b.enum_members)
    return fmt::format("`{}` has a different type", a.name);
  if (a.optional != b.optional) return fmt::format("`{}` is optional in one only", a.name);
  if (a.excess_digits != b.excess_digits) return fmt::format("`{}` rounds its cells differently", a.name);
  if (a.read != b.read || a.intern != b.intern) return fmt::format("`{}` is read differently", a.name);
  return "";
}

// Why two programs' inputs cannot be read once for both, or "".
std::string input_difference(const Plan& a, const Plan& b) {
  auto names = [](const Plan& p) {
    std::string out;
    for (const Input& in : p.inputs) out += (out.empty() ? "`" : ", `") + in.name + "`";
    return out;
  };
  if (a.inputs.size() != b.inputs.size()) return fmt::format("they declare different inputs ({}; {})", names(a), names(b));
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const Input& x = a.inputs[i];
    const Input& y = b.inputs[i];
    if (x.name != y.name) return fmt::format("they declare different inputs ({}; {})", names(a), names(b));
    if (x.kind != y.kind) return fmt::format("input `{}` is a different kind of input", x.name);
    if (x.spec.columns.size() != y.spec.columns.size()) return fmt::format("input `{}` has different columns", x.name);
    for (size_t c = 0; c < x.spec.columns.size(); ++c) {
      std::string why = column_difference(x.spec.columns[c], y.spec.columns[c]);
      if (!why.empty()) return fmt::format("input `{}` has different columns: {}", x.name, why);
    }
    if (x.partner_column != y.partner_column || x.date_column != y.date_column || x.key_column != y.key_column ||
        x.rebate_column != y.rebate_column || x.period_column != y.period_column || x.amount_column != y.amount_column ||
        x.base_column != y.base_column || x.quote_column != y.quote_column || x.rate_column != y.rate_column)
      return fmt::format("input `{}` has its partner, date, key, rebate, period, amount, base, quote or rate in another column", x.name);
    if (x.lookups != y.lookups) return fmt::format("input `{}` has different lookup columns", x.name);
  }
  if (a.partner_table != b.partner_table) return "they have different partner tables";
  if (a.fx_input != b.fx_input) return "they have different FX tables";
  return "";
}

// Why two programs' headers give different periods or money, or "".
std::string header_difference(const Plan& a, const Plan& b) {
  if (a.currency != b.currency || a.minor_unit != b.minor_unit) return fmt::format("the currency differs ({}, {})", a.currency, b.currency);
  if (a.grain != b.grain) return "the period differs";
  if (a.effective_from != b.effective_from || a.effective_to != b.effective_to) return "the effective dates differ";
  if (a.closed_through != b.closed_through || a.closed_on != b.closed_on) return "the closed periods differ (`closed_through`, `closed_on`)";
  if (a.payout_currency != b.payout_currency) return "the payout currency differs (`payout_currency`, `payout_fx`)";
  if (a.fiscal_start != b.fiscal_start || std::memcmp(a.fiscal_weeks, b.fiscal_weeks, sizeof a.fiscal_weeks) != 0)
    return "the fiscal calendar differs";
  return "";
}

class Builder {
 public:
  explicit Builder(const Plan& first) {
    out_.title = first.title;
    out_.currency = first.currency;
    out_.minor_unit = first.minor_unit;
    out_.grain = first.grain;
    out_.effective_from = first.effective_from;
    out_.effective_to = first.effective_to;
    out_.closed_through = first.closed_through;
    out_.closed_on = first.closed_on;
    out_.payout_currency = first.payout_currency;
    if (out_.payout_currency) out_.payout_currency->where = 0;  // the first program's locations are not the combined plan's
    out_.rounding = first.rounding;
    out_.fiscal_start = first.fiscal_start;
    std::memcpy(out_.fiscal_weeks, first.fiscal_weeks, sizeof out_.fiscal_weeks);
    out_.inputs = first.inputs;
    out_.partner_table = first.partner_table;
    out_.fx_input = first.fx_input;  // the inputs are the same (input_difference), so is the FX table
    out_.locations.emplace_back();  // location 0: "the program", for errors with no better place, as lowered
  }

  // Adds every entity of `p`, its rebates, awards (named `award_prefix` + name) and budgets after those
  // already there.
  void add(const Plan& p, std::string_view award_prefix) {
    Program q(p);
    for (uint32_t g = 0; g < p.groups.size(); ++g) group(q, g);
    for (uint32_t a = 0; a < p.aggregates.size(); ++a) aggregate(q, a);
    for (uint32_t t = 0; t < p.tiers.size(); ++t) tiers(q, t);
    for (uint32_t m = 0; m < p.measures.size(); ++m) measure(q, m);
    for (uint32_t d = 0; d < p.decisions.size(); ++d) decision(q, d);
    const auto first_rebate = static_cast<uint32_t>(out_.rebates.size());
    for (const Rebate& r : p.rebates) out_.rebates.push_back(rebate(q, r));
    for (const Award& a : p.awards) {
      Award x = a;
      x.name = std::string(award_prefix) + a.name;
      for (AwardRow& row : x.rows) row = AwardRow{fn(q, row.when), fn(q, row.value), location(q, row.where)};
      out_.awards.push_back(std::move(x));
    }
    for (const Budget& b : p.budgets) {
      // "Every rebate" is every rebate of its own program; a program without rebates has nothing to scale.
      if (p.rebates.empty()) continue;
      Budget x = b;
      x.rebates.clear();
      if (b.rebates.empty()) {
        for (uint32_t r = 0; r < p.rebates.size(); ++r) x.rebates.push_back(first_rebate + r);
      } else {
        for (uint32_t r : b.rebates) x.rebates.push_back(first_rebate + r);
      }
      out_.budgets.push_back(std::move(x));
    }
  }

  Plan take() { return std::move(out_); }

 private:
  // One program being added: its plan and, per entity, its index in the combined plan once known.
  struct Program {
    explicit Program(const Plan& plan)
        : p(plan),
          functions(plan.functions.size(), kUnmapped),
          aggregates(plan.aggregates.size(), kUnmapped),
          field_aggregates(plan.group_field_aggregates.size(), kUnmapped),
          groups(plan.groups.size(), kUnmapped),
          measures(plan.measures.size(), kUnmapped),
          decisions(plan.decisions.size(), kUnmapped),
          tiers(plan.tiers.size(), kUnmapped),
          locations(plan.locations.size(), kUnmapped),
          group_of_field(plan.functions.size(), kUnmapped) {
      if (!locations.empty()) locations[0] = 0;
      for (uint32_t g = 0; g < plan.groups.size(); ++g) {
        for (FunctionId f : plan.groups[g].field_values) {
          if (f != kNoFunction) group_of_field[f] = g;
        }
      }
    }
    const Plan& p;
    std::vector<uint32_t> functions, aggregates, field_aggregates, groups, measures, decisions, tiers, locations;
    std::vector<uint32_t> group_of_field;  // by function: the group whose field it computes, or kUnmapped
  };

  // Finds `key` in `index`, or adds it as `fresh` (what the caller then appends at that index).
  static std::pair<uint32_t, bool> intern(std::unordered_map<std::string, uint32_t>& index, const Key& key, size_t fresh) {
    auto [it, added] = index.emplace(key.text(), static_cast<uint32_t>(fresh));
    return {it->second, added};
  }

  // The entity of `into` with `key`; `value` appended when there is none yet.
  template <class T>
  static uint32_t keep(std::unordered_map<std::string, uint32_t>& index, const Key& key, std::vector<T>& into, const T& value) {
    auto [at, added] = intern(index, key, into.size());
    if (added) into.push_back(value);
    return at;
  }

  static void enter(uint32_t& slot) {
    if (slot == kBusy) throw std::logic_error("combine: a plan refers to itself in a cycle");
    slot = kBusy;
  }

  uint32_t constant(const Value& v) {
    Key key;
    key.n(static_cast<uint64_t>(v.coef)).n(static_cast<uint64_t>(v.coef >> 64)).n(static_cast<uint64_t>(v.aux)).n(static_cast<uint64_t>(v.scale)).n(v.none);
    return keep(constants_, key, out_.constants, v);
  }

  uint32_t text(const std::string& t) {
    return keep(texts_, Key().s(t), out_.texts, t);
  }

  // Locations are not part of any key (an entity kept once keeps the first program's): each one used by
  // what is added is copied once.
  uint32_t location(Program& q, uint32_t where) {
    if (where >= q.p.locations.size()) return where;
    uint32_t& slot = q.locations[where];
    if (slot == kUnmapped) {
      slot = static_cast<uint32_t>(out_.locations.size());
      out_.locations.push_back(q.p.locations[where]);
    }
    return slot;
  }

  // Function `f`'s code with its operands remapped, and its key. In a group's field function an
  // `Aggregate` names the group's field aggregates: `field_aggregate(i)` gives the operand written for
  // field aggregate i (its combined index, or for a key its position in the group). A decision's `Fail`
  // names the decision itself: kSelf until the caller knows its index.
  template <class FieldAggregate>
  Function translate(Program& q, FunctionId f, Key& key, FieldAggregate&& field_aggregate, uint32_t self_decision = kUnmapped) {
    const Function& src = q.p.functions[f];
    Function out = src;
    const bool field = q.group_of_field[f] != kUnmapped;
    if (src.kind == FunctionKind::GroupRow) out.input = group(q, src.input);
    key.n(static_cast<uint64_t>(src.kind)).n(out.input).n(src.locals).n(field).n(src.code.size());
    for (Instr& in : out.code) {
      switch (operand_of(in.op)) {
        case Operand::None: break;
        case Operand::Constant: in.a = constant(q.p.constants.at(in.a)); break;
        case Operand::Text: in.a = text(q.p.texts.at(in.a)); break;
        case Operand::Measure: in.a = measure(q, in.a); break;
        case Operand::Aggregate: in.a = field ? field_aggregate(in.a) : aggregate(q, in.a); break;
        case Operand::Decision: in.a = in.a == self_decision ? kSelf : decision(q, in.a); break;
        case Operand::Tiers: in.a = tiers(q, in.a); break;
      }
      key.n(static_cast<uint64_t>(in.op)).n(in.a).n(in.b);
    }
    for (uint32_t& c : out.constants) {  // for explanations only: not part of the key
      out_.named_constants.push_back(q.p.named_constants.at(c));
      c = static_cast<uint32_t>(out_.named_constants.size() - 1);
    }
    return out;
  }

  // The function appended as it is, its locations copied.
  uint32_t append(Program& q, Function f) {
    for (Instr& in : f.code) in.where = location(q, in.where);
    out_.functions.push_back(std::move(f));
    return static_cast<uint32_t>(out_.functions.size() - 1);
  }

  // Any function but a group's field function and a decision's (which their group and decision add).
  FunctionId fn(Program& q, FunctionId f) {
    if (f == kNoFunction) return kNoFunction;
    uint32_t& slot = q.functions.at(f);
    if (slot != kUnmapped && slot != kBusy) return slot;
    if (q.group_of_field[f] != kUnmapped) {
      group(q, q.group_of_field[f]);
      return q.functions[f];
    }
    enter(slot);
    Key key;
    Function t = translate(q, f, key, [](uint32_t) -> uint32_t { throw std::logic_error("combine: a field aggregate outside a group"); });
    auto [index, added] = intern(functions_, key, out_.functions.size());
    if (added) append(q, std::move(t));
    q.functions[f] = index;
    return index;
  }

  static void aggregate_key(Key& key, const Aggregate& a) {
    key.n(static_cast<uint64_t>(a.kind)).n(a.over_group).n(a.source).n(a.filter).n(a.arg).n(a.arg_is_text);
  }

  uint32_t aggregate(Program& q, uint32_t a) {
    uint32_t& slot = q.aggregates.at(a);
    if (slot != kUnmapped && slot != kBusy) return slot;
    enter(slot);
    Aggregate x = q.p.aggregates[a];
    if (x.over_group) x.source = group(q, x.source);
    x.filter = fn(q, x.filter);
    x.arg = fn(q, x.arg);
    Key key;
    aggregate_key(key, x);
    auto [index, added] = intern(aggregates_, key, out_.aggregates.size());
    if (added) {
      x.where = location(q, x.where);  // a location is copied only for what is added
      out_.aggregates.push_back(x);
    }
    q.aggregates[a] = index;
    return index;
  }

  // A group: its ledger and key columns, its field aggregates and its fields' code (an `Aggregate` there
  // by its position among the group's field aggregates). A group that is there already lends its field
  // aggregates and field functions; a new one brings its own.
  uint32_t group(Program& q, uint32_t g) {
    uint32_t& slot = q.groups.at(g);
    if (slot != kUnmapped && slot != kBusy) return slot;
    enter(slot);
    const Group& src = q.p.groups[g];
    std::vector<Aggregate> fields;
    Key key;
    key.n(src.ledger).n(src.key_columns.size());
    for (uint32_t c : src.key_columns) key.n(c);
    key.n(src.field_names.size());
    for (const std::string& name : src.field_names) key.s(name);
    key.n(src.aggregates.size());
    for (uint32_t a : src.aggregates) {
      Aggregate x = q.p.group_field_aggregates.at(a);
      x.filter = fn(q, x.filter);
      x.arg = fn(q, x.arg);
      aggregate_key(key, x);
      fields.push_back(x);
    }
    auto position = [&src](uint32_t a) -> uint32_t {
      for (uint32_t i = 0; i < src.aggregates.size(); ++i) {
        if (src.aggregates[i] == a) return i;
      }
      throw std::logic_error("combine: a field reads another group's aggregate");
    };
    for (FunctionId f : src.field_values) {
      Key field;
      if (f != kNoFunction) translate(q, f, field, position);
      key.k(field);
    }
    auto [index, added] = intern(groups_, key, out_.groups.size());
    if (added) {
      Group x = src;
      x.aggregates.clear();
      for (Aggregate& a : fields) {
        a.where = location(q, a.where);
        x.aggregates.push_back(static_cast<uint32_t>(out_.group_field_aggregates.size()));
        out_.group_field_aggregates.push_back(a);
      }
      out_.groups.push_back(std::move(x));
    }
    Group& kept = out_.groups[index];
    for (size_t i = 0; i < src.aggregates.size(); ++i) q.field_aggregates[src.aggregates[i]] = kept.aggregates[i];
    q.groups[g] = index;  // before its field functions: a function over the group's rows may name it
    for (size_t i = 0; i < src.field_values.size(); ++i) {
      const FunctionId f = src.field_values[i];
      if (f == kNoFunction) continue;
      if (added) {
        Key unused;
        Function t = translate(q, f, unused, [&q](uint32_t a) { return q.field_aggregates.at(a); });
        out_.groups[index].field_values[i] = append(q, std::move(t));
      }
      q.functions[f] = out_.groups[index].field_values[i];
    }
    return index;
  }

  uint32_t measure(Program& q, uint32_t m) {
    uint32_t& slot = q.measures.at(m);
    if (slot != kUnmapped && slot != kBusy) return slot;
    enter(slot);
    Measure x = q.p.measures[m];
    x.value = fn(q, x.value);
    x.cap = fn(q, x.cap);
    x.floor = fn(q, x.floor);
    Key key;
    key.s(x.name).s(x.unit).s(x.doc).n(x.value).n(x.cap).n(x.floor);
    q.measures[m] = keep(measures_, key, out_.measures, x);
    return q.measures[m];
  }

  // A decision table and its functions (its value, and the index of the row that matches), whose `Fail`
  // names the decision: all kept or added together.
  uint32_t decision(Program& q, uint32_t d) {
    uint32_t& slot = q.decisions.at(d);
    if (slot != kUnmapped && slot != kBusy) return slot;
    enter(slot);
    const Decision& src = q.p.decisions[d];
    Key key;
    key.s(src.name);
    auto no_field = [](uint32_t) -> uint32_t { throw std::logic_error("combine: a field aggregate in a decision"); };
    Function value, row;
    if (src.value != kNoFunction) value = translate(q, src.value, key, no_field, d);
    if (src.row != kNoFunction) row = translate(q, src.row, key, no_field, d);
    auto [index, added] = intern(decisions_, key, out_.decisions.size());
    if (added) {
      out_.decisions.push_back(Decision{src.name, kNoFunction});
      auto add = [&](Function&& f) {
        for (Instr& in : f.code) {
          if (in.a == kSelf && operand_of(in.op) == Operand::Decision) in.a = index;
        }
        return append(q, std::move(f));
      };
      if (src.value != kNoFunction) out_.decisions[index].value = add(std::move(value));
      if (src.row != kNoFunction) out_.decisions[index].row = add(std::move(row));
      for (uint32_t where : src.rows) out_.decisions[index].rows.push_back(location(q, where));
    }
    if (src.value != kNoFunction) q.functions[src.value] = out_.decisions[index].value;
    if (src.row != kNoFunction) q.functions[src.row] = out_.decisions[index].row;
    q.decisions[d] = index;
    return index;
  }

  uint32_t tiers(Program& q, uint32_t t) {
    uint32_t& slot = q.tiers.at(t);
    if (slot != kUnmapped && slot != kBusy) return slot;
    const Tiers& src = q.p.tiers[t];
    Key key;
    key.s(src.name).s(src.unit).n(static_cast<uint64_t>(src.mode)).n(src.pays_percent).n(src.bands.size());
    for (const TierBand& b : src.bands) {
      key.d(b.lower).n(b.upper.has_value()).d(b.upper.value_or(Decimal())).d(b.value).s(b.lower_text).s(b.upper_text).s(b.value_text);
    }
    slot = keep(tiers_, key, out_.tiers, src);
    return slot;
  }

  Condition condition(Program& q, const Condition& c) {
    Condition x{fn(q, c.test), location(q, c.where), {}};
    for (uint32_t m : c.measures) x.measures.push_back(measure(q, m));
    return x;
  }

  GuardedAmount guarded(Program& q, const GuardedAmount& g) { return GuardedAmount{fn(q, g.value), fn(q, g.when), location(q, g.where)}; }

  Rebate rebate(Program& q, const Rebate& r) {
    Rebate x = r;
    x.eligible.clear();
    x.require.clear();
    for (const Condition& c : r.eligible) x.eligible.push_back(condition(q, c));
    for (const Condition& c : r.require) x.require.push_back(condition(q, c));
    x.pay = guarded(q, r.pay);
    x.accelerate.clear();
    x.uplift.clear();
    for (const GuardedAmount& g : r.accelerate) x.accelerate.push_back(guarded(q, g));
    for (const GuardedAmount& g : r.uplift) x.uplift.push_back(guarded(q, g));
    x.cap = fn(q, r.cap);
    x.floor = fn(q, r.floor);
    x.cap_where = location(q, r.cap_where);
    x.floor_where = location(q, r.floor_where);
    x.pay_measures.clear();
    for (uint32_t m : r.pay_measures) x.pay_measures.push_back(measure(q, m));
    if (r.pay_tiers != UINT32_MAX) x.pay_tiers = tiers(q, r.pay_tiers);
    x.pay_basis = fn(q, r.pay_basis);
    x.pay_metric = fn(q, r.pay_metric);
    for (LineCount& l : x.line_counts) {
      l.aggregate = aggregate(q, l.aggregate);
      for (uint32_t& a : l.reads) a = aggregate(q, a);
    }
    return x;
  }

  Plan out_;
  std::unordered_map<std::string, uint32_t> constants_, texts_, functions_, aggregates_, groups_, measures_, decisions_, tiers_;
};

}  // namespace

CombineResult combine(const Plan& first, const Plan& second) {
  CombineResult result;
  result.why_not = header_difference(first, second);
  if (result.why_not.empty()) result.why_not = input_difference(first, second);
  if (!result.why_not.empty()) return result;
  Builder builder(first);
  builder.add(first, "");
  builder.add(second, kSecondAwardPrefix);
  Combined c;
  c.plan = builder.take();
  c.first_rebates = first.rebates.size();
  c.first_awards = first.awards.size();
  result.combined = std::move(c);
  return result;
}

}  // namespace rebate::plan
