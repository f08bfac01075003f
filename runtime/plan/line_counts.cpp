#include "plan/line_counts.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "plan/windows.h"

namespace rebate::plan {

namespace {

// An aggregate read over a window (periods numbered from a paid period at a known place in its year).
struct Read {
  PeriodWindow window;
  uint32_t aggregate;
};

class LineCounter {
 public:
  explicit LineCounter(Plan& plan) : plan_(plan), per_year_(periods_per_year(plan.grain)) {}

  void run() {
    for (size_t r = 0; r < plan_.rebates.size(); ++r) {
      std::vector<LineCount> counts;
      for (int pos = 0; pos < per_year_; ++pos) count_at(r, static_cast<uint32_t>(pos), counts);
      plan_.rebates[r].line_counts = std::move(counts);
    }
  }

 private:
  // The formulas of a rebate's amount: the pay clause with its `when`, accelerators, uplifts, the cap
  // and the floor. `eligible when` and `require` decide whether it is paid, not how much: their lines
  // are not counted (the explanation shows their measures, each with its own lines).
  static std::vector<FunctionId> amount_functions(const Rebate& r) {
    std::vector<FunctionId> out{r.pay.value, r.pay.when, r.cap, r.floor};
    for (const auto* guarded : {&r.accelerate, &r.uplift}) {
      for (const GuardedAmount& g : *guarded) {
        out.push_back(g.value);
        out.push_back(g.when);
      }
    }
    return out;
  }

  void count_at(size_t r, uint32_t pos, std::vector<LineCount>& out) {
    // A paid period at position `pos` of its year (far from 0: the year's first is a plain multiple).
    const int64_t c = int64_t{1000} * per_year_ + pos;
    std::vector<Read> reads;
    std::set<std::tuple<FunctionId, int64_t, int64_t>> seen;
    // A rebate settled over the year to date earns over the year so far (docs/language.md §22).
    const Rebate& rebate = plan_.rebates[r];
    const PeriodWindow earning = rebate.payments != UINT32_MAX && rebate.settle_year_to_date ? PeriodWindow{year_start(c, per_year_), c}
                                                                                             : PeriodWindow{c, c};
    for (FunctionId f : amount_functions(rebate)) collect(f, earning, seen, reads);
    std::map<std::pair<uint32_t, int64_t>, std::vector<uint32_t>> by_period;  // (ledger, period) -> aggregates
    std::map<std::tuple<uint32_t, int64_t, int64_t>, std::vector<uint32_t>> by_group;  // (group, window) -> aggregates
    auto add = [](std::vector<uint32_t>& to, uint32_t a) {
      if (std::find(to.begin(), to.end(), a) == to.end()) to.push_back(a);
    };
    for (const Read& read : reads) {
      const Aggregate& a = plan_.aggregates[read.aggregate];
      if (a.over_group) {
        add(by_group[{a.source, read.window.first, read.window.last}], read.aggregate);
        continue;
      }
      for (int64_t p = read.window.first; p <= read.window.last; ++p) add(by_period[{a.source, p}], read.aggregate);
    }
    // (In the order of the map: a ledger's periods ascending, so that neighbours with one counting
    // aggregate become one term.)
    for (auto& [at, members] : by_period) {
      const uint32_t counting = ledger_count(at.first, members);
      const auto offset = static_cast<int32_t>(at.second - c);
      std::sort(members.begin(), members.end());
      const bool extends = !out.empty() && out.back().pos == pos && out.back().aggregate == counting && out.back().last + 1 == offset &&
                           out.back().reads == members;
      if (extends) {
        out.back().last = offset;
      } else {
        out.push_back(LineCount{pos, offset, offset, counting, members});
      }
    }
    for (auto& [at, members] : by_group) {
      const auto& [group, first, last] = at;
      std::sort(members.begin(), members.end());
      out.push_back(LineCount{pos, static_cast<int32_t>(first - c), static_cast<int32_t>(last - c), group_count(group, members), members});
    }
  }

  // The aggregates function f reads over window w, through measures, decisions and look-backs.
  void collect(FunctionId f, PeriodWindow w, std::set<std::tuple<FunctionId, int64_t, int64_t>>& seen, std::vector<Read>& out) {
    if (f == kNoFunction || !seen.insert({f, w.first, w.last}).second) return;
    for (const Instr& in : plan_.functions[f].code) {
      switch (in.op) {
        case Opcode::Aggregate:
          out.push_back(Read{w, in.a});
          break;
        case Opcode::Measure:
        case Opcode::Shifted: {
          const Measure& m = plan_.measures[in.a];
          const PeriodWindow at = in.op == Opcode::Measure ? w : shift_window(w, in.b, per_year_);
          for (FunctionId part : {m.value, m.cap, m.floor}) collect(part, at, seen, out);
          break;
        }
        case Opcode::Decision:
          collect(plan_.decisions[in.a].value, w, seen, out);
          break;
        default:
          break;
      }
    }
  }

  // The code of a function, as a key: two aggregates with the same filter and argument code take the
  // same lines.
  std::string code_key(FunctionId f) const {
    if (f == kNoFunction) return "-";
    std::string key;
    for (const Instr& in : plan_.functions[f].code) key += fmt::format("{}:{}:{};", static_cast<int>(in.op), in.a, in.b);
    return key;
  }
  // `members` with one aggregate per filter, in a canonical order; just one when one of them takes
  // every line. An aggregate takes exactly the lines its filter passes: its argument always has a
  // value (the checker asks for `otherwise` where it might not, E0310).
  std::vector<uint32_t> distinct_tests(std::vector<uint32_t> members) const {
    std::sort(members.begin(), members.end());
    std::vector<uint32_t> out;
    std::set<std::string> keys;
    for (uint32_t m : members) {
      const FunctionId filter = plan_.aggregates[m].filter;
      if (filter == kNoFunction) return {m};
      if (keys.insert(code_key(filter)).second) out.push_back(m);
    }
    return out;
  }

  // The aggregate whose states count the lines of ledger `ledger` that any of `members` takes.
  uint32_t ledger_count(uint32_t ledger, const std::vector<uint32_t>& read) {
    const std::vector<uint32_t> members = distinct_tests(read);
    if (members.size() == 1) return members[0];  // its states count its lines already
    auto [it, added] = unions_.try_emplace({false, ledger, members}, 0);
    if (added) {
      const FunctionId filter = any_of(members, FunctionKind::Row, ledger);
      it->second = push(Aggregate{AggregateKind::Count, false, ledger, filter, kNoFunction, false, plan_.aggregates[members[0]].where});
    }
    return it->second;
  }

  // The aggregate over group `group` summing the `(lines)` field of the rows any of `members` takes.
  uint32_t group_count(uint32_t group, const std::vector<uint32_t>& read) {
    const std::vector<uint32_t> members = distinct_tests(read);
    auto [it, added] = unions_.try_emplace({true, group, members}, 0);
    if (added) {
      const Aggregate& only = plan_.aggregates[members[0]];
      const FunctionId filter = members.size() == 1 ? only.filter : any_of(members, FunctionKind::GroupRow, group);
      const FunctionId lines = lines_field(group);
      it->second = push(Aggregate{AggregateKind::Sum, true, group, filter, lines, false, only.where});
    }
    return it->second;
  }

  uint32_t push(const Aggregate& a) {
    plan_.aggregates.push_back(a);
    return static_cast<uint32_t>(plan_.aggregates.size() - 1);
  }

  // A GroupRow function reading the group's `(lines)` field, the field added when first asked for: a
  // count of the row's lines.
  FunctionId lines_field(uint32_t g) {
    auto [it, added] = lines_fields_.try_emplace(g, kNoFunction);
    if (!added) return it->second;
    plan_.group_field_aggregates.push_back(Aggregate{AggregateKind::Count, false, plan_.groups[g].ledger, kNoFunction, kNoFunction, false, 0});
    const auto count = static_cast<uint32_t>(plan_.group_field_aggregates.size() - 1);
    Group& group = plan_.groups[g];
    group.aggregates.push_back(count);
    const auto field = static_cast<uint32_t>(group.key_columns.size() + group.field_names.size());
    group.field_names.emplace_back("(lines)");
    group.field_values.push_back(function(Function{fmt::format("group {}.(lines)", group.name), FunctionKind::PartnerPeriod, UINT32_MAX, 0,
                                                   {Instr{Opcode::Aggregate, count}, Instr{Opcode::Return}}, {}}));
    it->second = function(Function{fmt::format("group {} (lines)", plan_.groups[g].name), FunctionKind::GroupRow, g, 0,
                                   {Instr{Opcode::GroupField, field}, Instr{Opcode::Return}}, {}});
    return it->second;
  }

  FunctionId function(Function f) {
    plan_.functions.push_back(std::move(f));
    return static_cast<FunctionId>(plan_.functions.size() - 1);
  }

  // A function taking a line (a group row) when any of `members` would: their filters joined by `or`,
  // made of their own code one after the other.
  FunctionId any_of(const std::vector<uint32_t>& members, FunctionKind kind, uint32_t input) {
    std::vector<std::string> names;
    for (uint32_t m : members) names.push_back(fmt::format("{}", m));
    Function fn{fmt::format("lines of aggregates {}", fmt::join(names, ", ")), kind, input, 0, {}, {}};
    std::vector<size_t> taken;  // jumps to "true"
    for (uint32_t m : members) {
      inline_code(fn, plan_.aggregates[m].filter);
      taken.push_back(fn.code.size());
      fn.code.push_back(Instr{Opcode::JumpIfTrue, 0, 0, plan_.aggregates[m].where});
    }
    fn.code.push_back(Instr{Opcode::Const, constant(Value::boolean(false))});
    fn.code.push_back(Instr{Opcode::Return});
    for (size_t j : taken) fn.code[j].a = static_cast<uint32_t>(fn.code.size());
    fn.code.push_back(Instr{Opcode::Const, constant(Value::boolean(true))});
    fn.code.push_back(Instr{Opcode::Return});
    return function(std::move(fn));
  }

  // Appends function f's code to `into`: its jumps and locals moved to their new places, its `Return`
  // a jump past its end (the value stays on the stack).
  void inline_code(Function& into, FunctionId f) const {
    const Function& src = plan_.functions[f];
    const auto base = static_cast<uint32_t>(into.code.size());
    std::vector<size_t> returns;
    for (Instr in : src.code) {
      switch (in.op) {
        case Opcode::Jump:
        case Opcode::JumpIfFalse:
        case Opcode::JumpIfTrue:
        case Opcode::JumpIfSome: in.a += base; break;
        case Opcode::Load:
        case Opcode::Store: in.a += into.locals; break;
        case Opcode::Return:
          in.op = Opcode::Jump;
          returns.push_back(into.code.size());
          break;
        default: break;
      }
      into.code.push_back(in);
    }
    for (size_t r : returns) into.code[r].a = static_cast<uint32_t>(into.code.size());
    into.locals += src.locals;
    for (uint32_t k : src.constants) {
      if (std::find(into.constants.begin(), into.constants.end(), k) == into.constants.end()) into.constants.push_back(k);
    }
  }

  uint32_t constant(Value v) {
    plan_.constants.push_back(v);
    return static_cast<uint32_t>(plan_.constants.size() - 1);
  }

  Plan& plan_;
  int per_year_;
  std::map<std::tuple<bool, uint32_t, std::vector<uint32_t>>, uint32_t> unions_;  // (over a group, source, members) -> aggregate
  std::map<uint32_t, FunctionId> lines_fields_;                                      // group -> its `(lines)` reader
};

}  // namespace

void add_line_counts(Plan& plan) { LineCounter(plan).run(); }

}  // namespace rebate::plan
