#include "engine/detail.h"
#include "engine/report.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

#include "core/currency.h"
#include "engine/ledger_index.h"

namespace rebate::engine {

namespace {

// A cell as explanations show values: amounts grouped with their currency (`2,000.00 USD`), others as
// the reader keeps them (a date, a text).
std::string shown(const ledger::Column& c, size_t row, const Value& v, ledger::StringPool& pool) {
  if (!c.has_value(row)) return std::string();
  switch (c.spec.kind) {
    case ledger::ColumnKind::Money: return format_value(v, c.spec.currency, currency_minor_unit(c.spec.currency));
    case ledger::ColumnKind::Percent: return format_value(v, "%", 2);
    case ledger::ColumnKind::Decimal:
    case ledger::ColumnKind::Int: return format_value(v, "", 0);
    default: return ledger::format_cell(c, row, pool);
  }
}

// The partner's lines of one ledger, as the reader hands them over.
class DetailSink : public ledger::RowSink {
 public:
  // `partners`: the partners kept, by id.
  DetailSink(State& s, uint32_t input, std::string file, const std::unordered_map<std::string, uint32_t>& partners)
      : s_(s), input_(input), file_(std::move(file)), partners_(partners) {}

  void rows(const ledger::Table& chunk) override {
    const plan::Input& in = s_.plan.inputs[input_];
    DetailLines& d = *s_.detail;
    for (size_t row = 0; row < chunk.row_count(); ++row) {
      // (A partner through a lookup (§26) is the looked-up line's.)
      const auto partner = partners_.find(in.partner_through_lookup ? partner_through_lookup_text(s_, in, chunk.columns[in.partner_column].values[row])
                                                                    : ledger::format_cell(chunk.columns[in.partner_column], row, d.pool));
      if (partner == partners_.end()) continue;
      if (!keys_known(chunk, row)) continue;  // a malformed row (rejected, or the run failed on it)
      if (!booked_by(in, chunk, row, s_.options.as_of)) continue;  // not read by the run either
      DetailLine line;
      line.input = input_;
      line.period = s_.periods.of_day(static_cast<DayNumber>(chunk.columns[in.date_column].values[row]));
      line.where = fmt::format("{}:{}", chunk.source.empty() ? file_ : chunk.source, chunk.line(row));
      for (const ledger::Column& c : chunk.columns) {
        line.cells.push_back(c.lazy_text() && c.has_value(row) ? Value::integer(d.pool.intern(c.texts[row])) : cell_value(c, row));
        line.texts.push_back(shown(c, row, line.cells.back(), d.pool));
      }
      d.of_partner[partner->second].push_back(std::move(line));
    }
  }

 private:
  bool keys_known(const ledger::Table& chunk, size_t row) const {
    for (const auto& [column, table] : s_.plan.inputs[input_].lookups) {
      const ledger::Column& c = chunk.columns[column];
      if (c.has_value(row) && !s_.table_rows[table].count(c.values[row])) return false;
    }
    return true;
  }

  State& s_;
  uint32_t input_;
  std::string file_;
  const std::unordered_map<std::string, uint32_t>& partners_;
};

// Loads for the functions over one of the partner's lines, or one of the rows of a group formed from them.
class DetailFrame : public vm::Frame {
 public:
  DetailFrame(const State& s, uint32_t partner, const DetailLine& line) : s_(s), partner_(partner), line_(&line) {
    fx_ = &s.fx;
    texts_ = s.detail ? &s.detail->pool : nullptr;  // the lines' texts
  }
  void at(const DetailLine& line) { line_ = &line; }
  // A group row: its keys (the cells of one of its lines) then its fields.
  const plan::Group* group = nullptr;
  std::vector<Value> fields;
  // A group's field: the aggregates over the row's lines (by position in the group's aggregates).
  std::vector<Value> field_aggregates;

  Value column(uint32_t c) override { return c < line_->cells.size() ? line_->cells[c] : Value::missing(); }
  Value lookup(uint32_t c, uint32_t table_column) override {
    const Value key = column(c);
    if (key.none) return key;
    for (const auto& [col, table] : s_.plan.inputs[line_->input].lookups) {
      if (col != c) continue;
      auto it = s_.table_rows[table].find(static_cast<int64_t>(key.coef));
      return it == s_.table_rows[table].end() ? Value::missing() : s_.cell_value(table, table_column, it->second);
    }
    return Value::missing();
  }
  Value group_field(uint32_t f) override {
    if (!group) return Value::missing();
    if (f < group->key_columns.size()) return column(group->key_columns[f]);
    return f - group->key_columns.size() < fields.size() ? fields[f - group->key_columns.size()] : Value::missing();
  }
  Value partner_attr(uint32_t c) override {
    const uint32_t row = s_.partner_row.empty() ? UINT32_MAX : s_.partner_row_in(partner_, line_->period);
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override { return Value::integer(s_.partner_ids[partner_]); }
  Value period() override {
    Value v = Value::integer(s_.periods.first_day(line_->period));
    v.aux = s_.periods.last_day(line_->period);
    return v;
  }
  Value measure(uint32_t) override { return Value::missing(); }
  Value shifted(uint32_t, uint32_t) override { return Value::missing(); }
  Value aggregate(uint32_t a) override {
    if (group) {
      for (size_t k = 0; k < group->aggregates.size(); ++k) {
        if (group->aggregates[k] == a) return field_aggregates[k];
      }
    }
    return Value::missing();
  }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override { return fmt::format("ledger line {}", line_->where); }

 private:
  const State& s_;
  uint32_t partner_;
  const DetailLine* line_;
};

bool passes(vm::Executor& machine, plan::FunctionId filter, DetailFrame& frame) {
  if (filter == plan::kNoFunction) return true;
  const Value keep = machine.run(filter, frame);
  return !keep.none && keep.truthy();
}

// The columns a function reads of a line.
void columns_read(const plan::Plan& plan, plan::FunctionId f, std::set<uint32_t>& out) {
  if (f == plan::kNoFunction) return;
  for (const plan::Instr& in : plan.functions[f].code) {
    if (in.op == plan::Opcode::Column || in.op == plan::Opcode::Lookup) out.insert(in.a);
  }
}

// The columns of keyed ledgers a function reads through a line's lookups (§26): (lookup column, column).
void read_through_ledgers(const plan::Plan& plan, plan::FunctionId f, std::set<std::pair<uint32_t, uint32_t>>& out) {
  if (f == plan::kNoFunction) return;
  const plan::Input& in = plan.inputs[plan.functions[f].input];
  for (const plan::Instr& instr : plan.functions[f].code) {
    if (instr.op != plan::Opcode::Lookup) continue;
    for (const auto& [column, target] : in.lookups) {
      if (column == instr.a && plan.inputs[target].kind == plan::InputKind::LedgerIndex) out.emplace(instr.a, instr.b);
    }
  }
}

// Marks the lines (indexes into the partner's lines) of the group rows aggregate `a` takes over periods first..last.
void group_lines(const State& s, vm::Executor& machine, uint32_t partner, const plan::Aggregate& a, PeriodIndex first, PeriodIndex last,
                 std::vector<bool>& taken, std::set<uint32_t>& cells) {
  const std::vector<DetailLine>& lines_of = s.detail->of_partner[partner];
  const plan::Group& g = s.plan.groups[a.source];
  // The rows: the lines of the window by key (the key cells as written).
  std::map<std::vector<std::string>, std::vector<size_t>> rows;
  for (size_t i = 0; i < lines_of.size(); ++i) {
    const DetailLine& line = lines_of[i];
    if (line.input != g.ledger || line.period < first || line.period > last) continue;
    std::vector<std::string> key;
    for (uint32_t c : g.key_columns) key.push_back(line.texts[c]);
    rows[key].push_back(i);
  }
  for (uint32_t c : g.key_columns) cells.insert(c);
  for (const auto& [key, lines] : rows) {
    DetailFrame frame(s, partner, lines_of[lines.front()]);
    frame.group = &g;
    for (uint32_t fa : g.aggregates) {
      const plan::Aggregate& field = s.plan.group_field_aggregates[fa];
      columns_read(s.plan, field.filter, cells);
      columns_read(s.plan, field.arg, cells);
      AggState st;
      DistinctSet distinct;
      for (size_t i : lines) {
        frame.at(lines_of[i]);
        if (!passes(machine, field.filter, frame)) continue;
        accumulate(st, &distinct, field, field.arg == plan::kNoFunction ? Value::integer(1) : machine.run(field.arg, frame), frame);
      }
      frame.field_aggregates.push_back(finish(st, &distinct, field.kind));
    }
    frame.at(lines_of[lines.back()]);  // (the row's period: its last line's)
    for (plan::FunctionId f : g.field_values) frame.fields.push_back(machine.run(f, frame));
    if (!passes(machine, a.filter, frame)) continue;
    for (size_t i : lines) taken[i] = true;
  }
}

}  // namespace

bool detail_inputs_rereadable(State& s) {
  for (const plan::Input& in : s.plan.inputs) {
    const auto path = s.options.input_paths.find(in.name);
    if (in.kind != plan::InputKind::Ledger || path == s.options.input_paths.end()) continue;
    if (ledger::resolve_input(path->second).kind == ledger::InputFiles::Kind::StandardInput) {
      s.result.errors.push_back(fmt::format("--detail reads the ledgers a second time, and `{}` is read from standard input, which can be "
                                            "read once: save it to a file and name the file",
                                            in.name));
      s.result.usage_error = true;
      return false;
    }
  }
  return true;
}

bool read_detail_lines(State& s) {
  const std::string& only = *s.options.detail_partner;
  s.detail = std::make_shared<DetailLines>(s.pool);
  s.detail->of_partner.resize(s.partner_ids.size());
  std::unordered_map<std::string, uint32_t> partners;
  for (uint32_t p = 0; p < s.partner_ids.size(); ++p) {
    const std::string id(s.pool.text(s.partner_ids[p]));
    if (only.empty() || id == only) partners.emplace(id, p);
  }
  for (uint32_t index = 0; index < s.plan.inputs.size(); ++index) {
    const plan::Input& in = s.plan.inputs[index];
    if (in.kind != plan::InputKind::Ledger) continue;
    ledger::ReadOptions ro;
    ro.max_errors = s.options.max_errors;
    ro.reject_bad_rows = s.options.reject_bad_rows;  // (its rejects were written by the first read)
    ro.threads = 1;
    ro.exact_split = true;
    ledger::ReadResult r;
    const auto buffer = s.options.input_buffers.find(in.name);
    const std::string path = buffer == s.options.input_buffers.end() ? s.options.input_paths.at(in.name) : in.name;
    DetailSink sink(s, index, path, partners);
    ledger::OnePart parts(ledger::StreamPart{&sink, &s.detail->pool});
    if (buffer != s.options.input_buffers.end()) {
      r = ledger::stream_csv_buffer(buffer->second, in.name, in.spec, ro, parts);
    } else {
      r = ledger::stream_csv(path, in.spec, ro, parts);
    }
    if (!r.ok()) {
      for (const ledger::InputError& e : r.errors) s.result.errors.push_back(e.to_string());
      return false;
    }
  }
  return true;
}

std::vector<std::string> detail_of(const State& s, vm::Executor& machine, uint32_t partner, const plan::Rebate& pr, PeriodIndex c) {
  std::vector<std::string> out;
  if (!s.detail || !s.detail->has(partner)) return out;
  const std::vector<DetailLine>& lines_of = s.detail->of_partner[partner];
  std::vector<bool> taken(lines_of.size(), false);
  std::map<uint32_t, std::set<uint32_t>> cells;  // by ledger: the columns shown
  std::map<uint32_t, std::set<std::pair<uint32_t, uint32_t>>> through;  // by ledger: the looked-up lines' cells shown
  const auto pos = static_cast<uint32_t>(c - s.periods.year_start(c));
  for (const plan::LineCount& l : pr.line_counts) {
    if (l.pos != pos) continue;
    const plan::Aggregate& agg = s.plan.aggregates[l.aggregate];
    const PeriodIndex first = c + l.first, last = c + l.last;
    if (agg.over_group) {
      group_lines(s, machine, partner, agg, first, last, taken, cells[s.plan.groups[agg.source].ledger]);
      continue;
    }
    for (uint32_t a : l.reads) {
      columns_read(s.plan, s.plan.aggregates[a].filter, cells[agg.source]);
      columns_read(s.plan, s.plan.aggregates[a].arg, cells[agg.source]);
      read_through_ledgers(s.plan, s.plan.aggregates[a].filter, through[agg.source]);
      read_through_ledgers(s.plan, s.plan.aggregates[a].arg, through[agg.source]);
    }
    for (size_t i = 0; i < lines_of.size(); ++i) {
      const DetailLine& line = lines_of[i];
      if (taken[i] || line.input != agg.source || line.period < first || line.period > last) continue;
      DetailFrame frame(s, partner, line);
      taken[i] = passes(machine, agg.filter, frame);
    }
  }
  for (size_t i = 0; i < lines_of.size(); ++i) {
    if (!taken[i]) continue;
    const DetailLine& line = lines_of[i];
    const plan::Input& in = s.plan.inputs[line.input];
    std::set<uint32_t> shown = cells[line.input];
    shown.erase(in.date_column);
    if (!in.partner_through_lookup) shown.erase(in.partner_column);  // (through a lookup: the key, shown)
    std::string text = fmt::format("{} ({}): {} {}", line.where, s.periods.label(line.period), in.spec.columns[in.date_column].name,
                                   line.texts[in.date_column]);
    for (uint32_t col : shown) text += fmt::format(", {} {}", in.spec.columns[col].name, line.texts[col].empty() ? "(empty)" : line.texts[col]);
    // What the line read of the line its key names, in another ledger (`subscription.activated_on 2026-05-20`).
    for (const auto& [col, read] : through[line.input]) {
      for (const auto& [lookup, index] : in.lookups) {
        if (lookup != col || line.cells[col].none) continue;
        const auto row = s.table_rows[index].find(static_cast<int64_t>(line.cells[col].coef));
        if (row == s.table_rows[index].end()) continue;
        const ledger::Column& cell = s.tables[index].columns[read];
        text += fmt::format(", {}.{} {}", in.spec.columns[col].name, cell.spec.name,
                            cell.has_value(row->second) ? ledger::format_cell(cell, row->second, s.pool) : "(empty)");
      }
    }
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace rebate::engine
