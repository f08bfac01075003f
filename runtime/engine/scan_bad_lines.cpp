#include "engine/scan_bad_lines.h"

#include <fmt/format.h>

namespace rebate::engine {

BadLines::BadLines(ScanPart& part, uint32_t input)
    : part_(part), s_(part.state), plan_(part.state.plan), input_(input), many_files_(s_.many_files(input)) {
  find_conversions();
}

bool BadLines::keys_known(const ledger::Table& chunk, size_t row, std::vector<std::vector<uint32_t>>& lookup_row) {
  const plan::Input& in = plan_.inputs[input_];
  for (size_t k = 0; k < in.lookups.size(); ++k) {
    const auto& [column, table] = in.lookups[k];
    const ledger::Column& c = chunk.columns[column];
    if (!c.has_value(row)) continue;  // an empty cell of an optional column names no row
    // A text the table does not have is the overlay's, beyond the State's ids: found in no table.
    if (auto found = s_.table_rows[table].find(c.values[row]); found != s_.table_rows[table].end()) {
      lookup_row[k][row] = found->second;
      continue;
    }
    const std::string key = ledger::format_cell(c, row, part_.pool);
    const std::string what = fmt::format("`{}` is not a key of {} `{}`", key, plan_.inputs[table].kind == plan::InputKind::LedgerIndex ? "ledger" : "table", plan_.inputs[table].name);
    record(part_.unknown_keys[input_], chunk, row, column, what, fmt::format("column `{}`: {}", c.spec.name, what));
    return false;
  }
  return true;
}

void BadLines::find_conversions() {
  if (!s_.options.reject_bad_rows) return;
  auto scan = [&](plan::FunctionId f) {
    if (f == plan::kNoFunction) return;
    const std::vector<plan::Instr>& code = plan_.functions[f].code;
    for (size_t k = 2; k < code.size(); ++k) {
      if (code[k].op != plan::Opcode::Convert) continue;
      LineConversion c;
      if (code[k - 2].op == plan::Opcode::Column) c.currency_column = code[k - 2].a;
      else c.fixed = static_cast<int>(plan_.constants[code[k - 2].a].coef);
      c.to = static_cast<int>(code[k].a);
      c.mode = code[k].b;
      conversions_.push_back(c);
    }
  };
  for (const plan::Aggregate& a : plan_.aggregates) {
    if (a.over_group || a.source != input_) continue;
    scan(a.arg);
    scan(a.filter);
  }
  for (const plan::Group& g : plan_.groups) {
    if (g.ledger != input_) continue;
    for (uint32_t a : g.aggregates) {
      scan(plan_.group_field_aggregates[a].arg);
      scan(plan_.group_field_aggregates[a].filter);
    }
  }
}

bool BadLines::rates_known(const ledger::Table& chunk, size_t row, DayNumber day, PeriodIndex period) {
  const plan::Input& in = plan_.inputs[input_];
  for (const LineConversion& c : conversions_) {
    const int from = c.currency_column == UINT32_MAX ? c.fixed : static_cast<int>(chunk.columns[c.currency_column].values[row]);
    const DayNumber first = s_.periods.first_day(period), last = s_.periods.last_day(period);
    const std::string table = plan_.fx_input < plan_.inputs.size() ? fmt::format(" `{}`", plan_.inputs[plan_.fx_input].name) : "";
    DayNumber missing = first;
    std::string what;
    if (c.mode == 0 && !s_.fx.on(from, c.to, day)) {
      what = fmt::format("no {} rate on or before {} in the FX table{}", FxRates::pair_name(from, c.to), format_date(day), table);
    } else if (c.mode == 1 && !s_.fx.on(from, c.to, last)) {
      what = fmt::format("no {} rate on or before {} in the FX table{}", FxRates::pair_name(from, c.to), format_date(last), table);
    } else if (c.mode == 2 && !s_.fx.average(from, c.to, first, last, &missing)) {
      what = fmt::format("no {} rate for {} in the FX table{} (the average over the line's period needs one every day)",
                         FxRates::pair_name(from, c.to), format_date(missing), table);
    }
    if (what.empty()) continue;
    const uint32_t column = c.currency_column != UINT32_MAX ? c.currency_column : in.date_column;
    record(part_.missing_rates[input_], chunk, row, column, what, fmt::format("column `{}`: {}", chunk.columns[column].spec.name, what));
    return false;
  }
  return true;
}

void BadLines::unknown_partner(const ledger::Table& chunk, size_t row, std::optional<std::pair<uint32_t, PeriodIndex>> outside) {
  const plan::Input& in = plan_.inputs[input_];
  const ledger::Column& pc = chunk.columns[in.partner_column];
  ScanPart::Unknown& u = part_.unknown[input_];
  // (Worked out only when said: a run may reject millions of such lines.)
  auto why = [&](bool name_table) {
    const std::string id = ledger::format_cell(pc, row, part_.pool);
    const std::string& table = plan_.inputs[plan_.partner_table].name;
    if (outside) {
      return fmt::format("partner `{}` has no row of the partner table `{}` in force in {} (its rows: {})", id, table,
                         s_.periods.label(outside->second), s_.history.stretches_text(outside->first));
    }
    return name_table ? fmt::format("partner `{}` is not in the partner table `{}`", id, table) : fmt::format("partner `{}` is not in the partner table", id);
  };
  const bool said = u.messages.size() < s_.options.max_errors, rejected = s_.options.reject_bad_rows && !s_.options.rejects_path.empty();
  record(u, chunk, row, in.partner_column, said ? why(true) : std::string(), rejected ? why(false) : std::string());
}

void BadLines::record(ScanPart::Unknown& u, const ledger::Table& chunk, size_t row, size_t column, std::string_view what,
                      std::string_view reason) const {
  ++u.count;
  if (u.messages.size() < s_.options.max_errors) u.messages.push_back(cell_message(chunk, row, column, what));
  if (s_.options.reject_bad_rows && !s_.options.rejects_path.empty() && row < chunk.raw.size()) {
    // The row as it is in the file, with its line and why, for the rejects file beside the reader's.
    const std::string_view header = chunk.header_line;
    const bool crlf = header.size() >= 2 && header[header.size() - 2] == '\r';
    u.rows += ledger::rejected_row(chunk.raw[row], chunk.line(row), reason, crlf ? "\r\n" : "\n",
                                   many_files_ ? std::string_view(chunk.source) : std::string_view());
  }
}

std::string BadLines::cell_message(const ledger::Table& chunk, size_t row, size_t column, std::string_view what) const {
  const plan::Input& in = plan_.inputs[input_];
  const std::string& file = chunk.source.empty() ? in.name : chunk.source;  // one of many files: its own
  uint64_t line = chunk.line(row);
  std::string where = fmt::format("{}:{}", file, line);
  if (row < chunk.raw.size() && column < chunk.csv_columns.size() && chunk.csv_columns[column] != UINT32_MAX) {
    if (auto at = ledger::field_position(chunk.raw[row], chunk.csv_columns[column])) {
      where = fmt::format("{}:{}:{}", file, line + at->lines_down, at->column);
    }
  }
  const std::string& name = chunk.columns[column].spec.name;
  const std::string header = column < chunk.csv_headers.size() ? chunk.csv_headers[column] : std::string();
  return header.empty() || header == name ? fmt::format("{}: column `{}`: {}", where, name, what)
                                          : fmt::format("{}: column `{}` (CSV header \"{}\"): {}", where, name, header, what);
}

}  // namespace rebate::engine
