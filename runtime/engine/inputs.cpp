// Reading the inputs: every declared ledger and table from its CSV, partners, the period of each line,
// and the run's periods. Nothing is dropped silently: unknown partners are errors (or rejected and
// counted), lines outside the effective dates are counted.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <functional>

#include "engine/state.h"

namespace rebate::engine {

namespace {

std::string error_text(const ledger::InputError& e) { return e.to_string(); }

using ledger::csv_quote;

int64_t key_of(const ledger::Column& c, size_t row) { return c.values[row]; }

// How many periods before the first paid period the program's look-backs can read: previous() one,
// last_year() a year, year_to_date() up to a year less a period, added up through measures that use
// other measures' look-backs.
int64_t lookback_depth(const plan::Plan& plan, int per_year) {
  std::vector<int64_t> memo(plan.functions.size(), -1);
  std::function<int64_t(plan::FunctionId)> depth = [&](plan::FunctionId f) -> int64_t {
    if (f == plan::kNoFunction) return 0;
    if (memo[f] >= 0) return memo[f];
    memo[f] = 0;
    int64_t d = 0;
    for (const plan::Instr& in : plan.functions[f].code) {
      if (in.op == plan::Opcode::Measure || in.op == plan::Opcode::Shifted) {
        const plan::Measure& m = plan.measures[in.a];
        int64_t shift = in.op == plan::Opcode::Measure ? 0 : in.b == 0 ? 1 : in.b == 1 ? per_year : per_year - 1;
        d = std::max({d, shift + depth(m.value), shift + depth(m.cap), shift + depth(m.floor)});
      } else if (in.op == plan::Opcode::Decision) {
        d = std::max(d, depth(plan.decisions[in.a].value));
      }
    }
    memo[f] = d;
    return d;
  };
  int64_t deepest = 0;
  for (plan::FunctionId f = 0; f < plan.functions.size(); ++f) {
    if (plan.functions[f].kind == plan::FunctionKind::PartnerPeriod) deepest = std::max(deepest, depth(f));
  }
  return deepest;
}

}  // namespace

Value State::cell_value(uint32_t input, uint32_t column, uint32_t row) const {
  const ledger::Column& c = tables[input].columns[column];
  if (!c.has_value(row)) return Value::missing();
  int64_t v = c.values[row];
  switch (c.spec.kind) {
    case ledger::ColumnKind::Decimal:
    case ledger::ColumnKind::Money:
    case ledger::ColumnKind::Percent:
      return Value{v, 0, static_cast<int16_t>(c.spec.scale), false};
    case ledger::ColumnKind::Int:
    case ledger::ColumnKind::Bool:
    case ledger::ColumnKind::Text:
    case ledger::ColumnKind::Date:
    case ledger::ColumnKind::Enum:
      return Value::integer(v);
  }
  return Value::integer(v);
}

std::string State::location_text(uint32_t where) const {
  if (where >= plan.locations.size()) return "the program";
  const plan::Location& l = plan.locations[where];
  return fmt::format("{}:{}:{} (`{}`)", l.file, l.line, l.column, l.text);
}

bool load_inputs(State& s) {
  const plan::Plan& plan = s.plan;
  // 1. Read every input. A ledger's columns that no formula reads are checked in the header but not parsed.
  for (uint32_t index = 0; index < plan.inputs.size(); ++index) {
    const plan::Input& in = plan.inputs[index];
    ledger::TableSpec spec = in.spec;
    if (in.kind == plan::InputKind::Ledger) {
      std::vector<bool> used(spec.columns.size(), false);
      for (uint32_t c : {in.partner_column, in.date_column}) {
        if (c < used.size()) used[c] = true;
      }
      for (const plan::Function& f : plan.functions) {
        if (f.kind != plan::FunctionKind::Row || f.input != index) continue;
        for (const plan::Instr& instr : f.code) {
          if ((instr.op == plan::Opcode::Column || instr.op == plan::Opcode::Lookup) && instr.a < used.size()) used[instr.a] = true;
        }
      }
      for (const plan::Group& g : plan.groups) {
        if (g.ledger != index) continue;
        for (uint32_t c : g.key_columns) used[c] = true;
      }
      for (size_t c = 0; c < spec.columns.size(); ++c) spec.columns[c].read = used[c];
    }
    ledger::ReadOptions ro;
    ro.max_errors = s.options.max_errors;
    ro.reject_bad_rows = s.options.reject_bad_rows;
    if (s.options.reject_bad_rows && !s.options.rejects_path.empty()) {
      ro.rejects_path = s.options.rejects_path + "." + in.name + ".csv";
    }
    ledger::ReadResult r;
    if (auto b = s.options.input_buffers.find(in.name); b != s.options.input_buffers.end()) {
      r = ledger::read_csv_buffer(b->second, in.name, spec, ro, s.pool);
    } else if (auto p = s.options.input_paths.find(in.name); p != s.options.input_paths.end()) {
      r = ledger::read_csv(p->second, spec, ro, s.pool);
    } else {
      s.result.errors.push_back(fmt::format("no input for {} `{}`: pass --input {}=PATH.csv",
                                            in.kind == plan::InputKind::Ledger ? "ledger" : "table", in.name, in.name));
      s.result.usage_error = true;
      s.tables.emplace_back();
      continue;
    }
    for (const auto& e : r.errors) s.result.errors.push_back(error_text(e));
    if (r.errors_not_shown) s.result.errors.push_back(fmt::format("{} more errors in `{}` not shown", r.errors_not_shown, in.name));
    for (const auto& n : r.notes) s.result.summary.notes.push_back(error_text(n));
    s.result.summary.inputs.push_back(Summary::InputCount{in.name, r.rows_read, r.rows_rejected});
    s.tables.push_back(std::move(r.table));
  }
  if (!s.result.errors.empty()) return false;

  for (const std::string& t : plan.texts) s.text_ids.push_back(s.pool.intern(t));

  // 2. Lookup tables by key.
  s.table_rows.resize(plan.inputs.size());
  for (uint32_t i = 0; i < plan.inputs.size(); ++i) {
    const plan::Input& in = plan.inputs[i];
    if (in.kind == plan::InputKind::Ledger || in.key_column == UINT32_MAX) continue;
    const ledger::Table& t = s.tables[i];
    const ledger::Column& key = t.columns[in.key_column];
    for (uint32_t row = 0; row < t.row_count(); ++row) {
      auto [it, fresh] = s.table_rows[i].emplace(key_of(key, row), row);
      if (!fresh) {
        s.result.errors.push_back(fmt::format("{}:{}: duplicate key `{}` in table `{}` (first on line {})", in.name,
                                              t.lines[row], ledger::format_cell(key, row, s.pool), in.name,
                                              t.lines[it->second]));
      }
    }
  }

  // 3. Partners: the partner table's rows, or the partners the ledgers name.
  std::vector<int64_t> keys;
  bool keys_are_text = true;
  if (plan.partner_table != UINT32_MAX) {
    const plan::Input& in = plan.inputs[plan.partner_table];
    const ledger::Column& key = s.tables[plan.partner_table].columns[in.key_column];
    keys_are_text = key.spec.kind == ledger::ColumnKind::Text;
    for (size_t row = 0; row < key.values.size(); ++row) keys.push_back(key.values[row]);
  } else {
    std::unordered_set<int64_t> seen;
    for (uint32_t i = 0; i < plan.inputs.size(); ++i) {
      const plan::Input& in = plan.inputs[i];
      if (in.kind != plan::InputKind::Ledger) continue;
      const ledger::Column& pc = s.tables[i].columns[in.partner_column];
      keys_are_text = pc.spec.kind == ledger::ColumnKind::Text;
      for (int64_t v : pc.values) {
        if (seen.insert(v).second) keys.push_back(v);
      }
    }
  }
  // Partner ids are text in every output; integer ids are written as text.
  std::vector<std::pair<std::string, int64_t>> named;
  for (int64_t k : keys) named.emplace_back(keys_are_text ? std::string(s.pool.text(static_cast<uint32_t>(k))) : std::to_string(k), k);
  std::sort(named.begin(), named.end());
  for (uint32_t p = 0; p < named.size(); ++p) {
    s.partner_ids.push_back(s.pool.intern(named[p].first));
    s.partner_by_key[named[p].second] = p;
  }
  s.partner_row.assign(named.size(), UINT32_MAX);
  if (plan.partner_table != UINT32_MAX) {
    for (const auto& [key, row] : s.table_rows[plan.partner_table]) s.partner_row[s.partner_by_key[key]] = row;
  }

  // 4. Each ledger line's partner and period.
  bool any_line = false;
  s.row_partner.resize(plan.inputs.size());
  s.row_period.resize(plan.inputs.size());
  s.row_valid.resize(plan.inputs.size());
  size_t unknown_reported = 0;
  for (uint32_t i = 0; i < plan.inputs.size(); ++i) {
    const plan::Input& in = plan.inputs[i];
    if (in.kind != plan::InputKind::Ledger) continue;
    const ledger::Table& t = s.tables[i];
    const ledger::Column& pc = t.columns[in.partner_column];
    const ledger::Column& dc = t.columns[in.date_column];
    s.row_partner[i].resize(t.row_count());
    s.row_period[i].resize(t.row_count());
    s.row_valid[i].assign(t.row_count(), 1);
    uint64_t unknown = 0;
    for (size_t row = 0; row < t.row_count(); ++row) {
      auto it = s.partner_by_key.find(pc.values[row]);
      if (it == s.partner_by_key.end()) {
        ++unknown;
        s.row_valid[i][row] = 0;
        if (unknown_reported++ < s.options.max_errors) {
          auto path = s.options.input_paths.find(in.name);
          std::string file = path == s.options.input_paths.end() ? in.name : path->second;
          std::string msg = fmt::format("{}:{}: column `{}`: partner `{}` is not in the partner table `{}`", file, t.lines[row],
                                        pc.spec.name, ledger::format_cell(pc, row, s.pool), plan.inputs[plan.partner_table].name);
          (s.options.reject_bad_rows ? s.result.summary.notes : s.result.errors).push_back(msg);
        }
        continue;
      }
      s.row_partner[i][row] = it->second;
      DayNumber day = static_cast<DayNumber>(dc.values[row]);
      PeriodIndex p = s.periods.of_day(day);
      s.row_period[i][row] = p;
      if ((plan.effective_from && day < *plan.effective_from) || (plan.effective_to && day > *plan.effective_to)) {
        ++s.result.summary.outside_effective;
      }
      if (!any_line || p < s.first_period) s.first_period = p;
      if (!any_line || p > s.last_period) s.last_period = p;
      any_line = true;
    }
    if (unknown && s.options.reject_bad_rows && !s.options.rejects_path.empty()) {
      // The rows left out for an unknown partner, with their values and line, beside the reader's rejects.
      std::string path = s.options.rejects_path + "." + in.name + ".unknown-partners.csv";
      std::ofstream out(path, std::ios::binary);
      for (const auto& c : t.columns) {
        if (c.spec.read) out << csv_quote(c.spec.header) << ',';
      }
      out << "_line,_error\n";
      for (size_t row = 0; row < t.row_count(); ++row) {
        if (s.row_valid[i][row]) continue;
        for (const auto& c : t.columns) {
          if (c.spec.read) out << csv_quote(ledger::format_cell(c, row, s.pool)) << ',';
        }
        out << t.lines[row] << ',' << csv_quote(fmt::format("partner `{}` is not in the partner table", ledger::format_cell(pc, row, s.pool)))
            << '\n';
      }
      if (!out) s.result.errors.push_back(fmt::format("cannot write the rejected rows to `{}`", path));
    }
    if (unknown) {
      for (auto& c : s.result.summary.inputs) {
        if (c.name == in.name) c.rejected += s.options.reject_bad_rows ? unknown : 0;
      }
      if (s.options.reject_bad_rows) {
        s.result.summary.notes.push_back(fmt::format("{} lines of `{}` name a partner that is not in the partner table; they were left out",
                                                     unknown, in.name));
      }
    }
  }
  if (!s.result.errors.empty()) return false;

  // 5. The periods the run pays.
  std::vector<PeriodIndex> periods;
  if (s.options.period) {
    auto p = s.periods.parse(*s.options.period);
    if (!p) {
      s.result.errors.push_back(fmt::format("`{}` is not a period of this program (it pays per {}; write it like `{}`)",
                                            *s.options.period,
                                            plan.grain == PeriodGrain::Month ? "month" : plan.grain == PeriodGrain::Year ? "year" : "quarter",
                                            s.periods.label(s.periods.of_day(*parse_date("2026-07-01")))));
      s.result.usage_error = true;
      return false;
    }
    if ((plan.effective_to && s.periods.first_day(*p) > *plan.effective_to) ||
        (plan.effective_from && s.periods.last_day(*p) < *plan.effective_from)) {
      s.result.errors.push_back(fmt::format("{} is outside the program's effective dates ({} .. {}): it pays nothing then",
                                            *s.options.period, plan.effective_from ? format_date(*plan.effective_from) : "",
                                            plan.effective_to ? format_date(*plan.effective_to) : ""));
      s.result.usage_error = true;
      return false;
    }
    periods.push_back(*p);
  } else if (plan.effective_from && plan.effective_to) {
    for (PeriodIndex p = s.periods.of_day(*plan.effective_from); p <= s.periods.of_day(*plan.effective_to); ++p) periods.push_back(p);
  } else if (any_line) {
    PeriodIndex from = plan.effective_from ? std::max(s.first_period, s.periods.of_day(*plan.effective_from)) : s.first_period;
    PeriodIndex to = plan.effective_to ? std::min(s.last_period, s.periods.of_day(*plan.effective_to)) : s.last_period;
    for (PeriodIndex p = from; p <= to; ++p) periods.push_back(p);
  }
  s.run_periods = periods;
  // The aggregate tables cover the periods the run pays and those its look-backs read, no more: one
  // line dated decades away (a typo) must not make them huge. Lines outside are counted, not lost: no
  // payout of the run can depend on them.
  if (!periods.empty()) {
    s.first_period = periods.front() - lookback_depth(plan, s.periods.per_year());
    s.last_period = periods.back();
  }
  uint64_t ignored = 0;
  for (uint32_t i = 0; !periods.empty() && i < plan.inputs.size(); ++i) {
    if (plan.inputs[i].kind != plan::InputKind::Ledger) continue;
    for (size_t row = 0; row < s.row_period[i].size(); ++row) {
      if (!s.row_valid[i][row]) continue;
      PeriodIndex p = s.row_period[i][row];
      if (std::find(periods.begin(), periods.end(), p) == periods.end()) ++s.result.summary.outside_run;
      if (p < s.first_period || p > s.last_period) ++ignored;
    }
  }
  if (ignored) {
    s.result.summary.notes.push_back(fmt::format(
        "{} ledger lines are dated outside every period the run pays or looks back to ({} .. {}); no payout depends on them",
        ignored, s.periods.label(s.first_period), s.periods.label(s.last_period)));
  }
  return true;
}

}  // namespace rebate::engine
