// Partner history (docs/language.md §28): the partner table's rows as stretches of time per partner,
// checked row by row, and the row each (partner, period) cell reads.
#include "engine/partner_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "core/output_files.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

std::string day_text(DayNumber d, const char* open) { return d == Stretch::kSinceAlways || d == Stretch::kStillInForce ? open : format_date(d); }

// A row that cannot be in the history: said (an error, or with --on-bad-row reject a note), and left out.
struct BadRow {
  uint32_t row;
  std::string message;  // without the file and line
};

}  // namespace

std::string stretch_text(const Stretch& s) { return fmt::format("{} .. {}", day_text(s.from, "since always"), day_text(s.to, "still in force")); }

const Stretch* PartnerHistory::stretch_of_row(uint32_t row) const {
  if (row >= partner_of_row_.size() || partner_of_row_[row] == UINT32_MAX) return nullptr;
  return &of_partner_[partner_of_row_[row]][stretch_index_[row]];
}

std::string PartnerHistory::stretches_text(uint32_t partner) const {
  const std::vector<Stretch>& stretches = of_partner_[partner];
  if (stretches.empty()) return "none";
  std::string out;
  for (const Stretch& st : stretches) out += (out.empty() ? "" : ", ") + stretch_text(st);
  return out;
}

std::vector<uint32_t> partners_of_period(const State& s, int64_t period) {
  std::vector<uint32_t> out;
  out.reserve(s.partner_ids.size());
  for (uint32_t p = 0; p < s.partner_ids.size(); ++p) {
    if (s.partner_in(p, period)) out.push_back(p);
  }
  return out;
}

bool read_partner_history(State& s) {
  const plan::Plan& plan = s.plan;
  if (plan.partner_table == UINT32_MAX) return true;
  const plan::Input& in = plan.inputs[plan.partner_table];
  if (in.valid_from_column == UINT32_MAX) return true;
  PartnerHistory& h = s.history;
  h.on_ = true;
  const ledger::Table& t = s.tables[plan.partner_table];
  const ledger::Column& key = t.columns[in.key_column];
  const ledger::Column& from_column = t.columns[in.valid_from_column];
  const ledger::Column* to_column = in.valid_to_column != UINT32_MAX ? &t.columns[in.valid_to_column] : nullptr;
  const size_t rows = t.row_count();
  h.of_partner_.assign(s.partner_ids.size(), {});
  h.partner_of_row_.assign(rows, UINT32_MAX);
  h.stretch_index_.assign(rows, UINT32_MAX);

  // Row by row in file order: a row is checked against the rows of its partner kept before it, so that
  // of two overlapping rows the later one in the file is the one reported (and, rejected, left out).
  std::vector<BadRow> bad;
  for (uint32_t row = 0; row < rows; ++row) {
    const uint32_t partner = s.partner_by_key.at(key.values[row]);
    Stretch st;
    st.row = row;
    if (from_column.has_value(row)) st.from = static_cast<DayNumber>(from_column.values[row]);
    if (to_column && to_column->has_value(row)) st.to = static_cast<DayNumber>(to_column->values[row]);
    if (st.to < st.from) {
      bad.push_back({row, fmt::format("`valid_to` ({}) is before `valid_from` ({}): the row is in force on no day", format_date(st.to),
                                      format_date(st.from))});
      continue;
    }
    std::vector<Stretch>& kept = h.of_partner_[partner];
    std::string clash;
    for (const Stretch& other : kept) {
      if (!to_column) {
        // Each row runs until the partner's next row starts: only two rows starting the same day clash.
        if (other.from == st.from) {
          clash = fmt::format("this row and the row on line {} both start {}: each row is in force until the partner's next row "
                              "starts, so one partner's rows need different `valid_from` days",
                              t.lines[other.row], day_text(st.from, "since always (an empty `valid_from`)"));
        }
      } else if (std::max(st.from, other.from) <= std::min(st.to, other.to)) {
        const Stretch both{std::max(st.from, other.from), std::min(st.to, other.to), UINT32_MAX};
        clash = fmt::format("this row ({}) and the row on line {} ({}) are both in force over {}", stretch_text(st), t.lines[other.row],
                            stretch_text(other), both.from == both.to ? format_date(both.from) : stretch_text(both));
      }
      if (!clash.empty()) break;
    }
    if (!clash.empty()) {
      bad.push_back({row, std::move(clash)});
      continue;
    }
    h.partner_of_row_[row] = partner;
    kept.push_back(st);
  }
  for (std::vector<Stretch>& stretches : h.of_partner_) {
    std::sort(stretches.begin(), stretches.end(), [](const Stretch& a, const Stretch& b) { return a.from < b.from; });
    for (size_t k = 0; k < stretches.size(); ++k) {
      if (!to_column) stretches[k].to = k + 1 < stretches.size() ? stretches[k + 1].from - 1 : Stretch::kStillInForce;
      h.stretch_index_[stretches[k].row] = static_cast<uint32_t>(k);
    }
  }
  // A cell that reads no period (none does, but a stray reader of partner_row) sees the latest row.
  for (uint32_t p = 0; p < h.of_partner_.size(); ++p) s.partner_row[p] = h.of_partner_[p].empty() ? UINT32_MAX : h.of_partner_[p].back().row;
  if (bad.empty()) return true;

  // As the reader says malformed rows: file:line, up to --max-errors of them, then a count.
  const std::string file = t.source.empty() ? in.name : t.source;
  const bool reject = s.options.reject_bad_rows;
  std::vector<std::string>& said = reject ? s.result.summary.notes : s.result.errors;
  for (size_t k = 0; k < bad.size(); ++k) {
    if (s.options.max_errors != 0 && k >= s.options.max_errors) {
      if (!reject) said.push_back(fmt::format("{} more errors in `{}` not shown", bad.size() - k, in.name));
      break;
    }
    const uint32_t row = bad[k].row;
    said.push_back(fmt::format("{}:{}: partner `{}`: {}", file, t.lines[row], ledger::format_cell(key, row, s.pool), bad[k].message));
  }
  if (!reject) return false;
  std::string where;
  if (!s.options.rejects_path.empty()) {
    // The row's cells as the table was read (a table keeps no raw bytes), with its line and why.
    const std::string path = s.options.rejects_path + "." + in.name + ".history.csv";
    std::ofstream out(s.options.outputs ? s.options.outputs->write_path(path) : path, std::ios::binary);
    for (size_t c = 0; c < t.columns.size(); ++c) out << (c ? "," : "") << ledger::csv_quote(c < t.csv_headers.size() ? t.csv_headers[c] : t.columns[c].spec.header);
    out << ",_line,_error\n";
    for (const BadRow& b : bad) {
      for (size_t c = 0; c < t.columns.size(); ++c) out << (c ? "," : "") << ledger::csv_quote(ledger::format_cell(t.columns[c], b.row, s.pool));
      out << "," << t.lines[b.row] << "," << ledger::csv_quote(b.message) << "\n";
    }
    out.close();
    if (!out) {
      s.result.errors.push_back(fmt::format("cannot write the rejected rows to `{}`", path));
      s.result.usage_error = true;
      return false;
    }
    where = fmt::format(" (written to `{}`)", path);
  }
  for (auto& c : s.result.summary.inputs) {
    if (c.name == in.name) c.rejected += bad.size();
  }
  s.result.summary.notes.push_back(bad.size() == 1 ? fmt::format("1 row of `{}` does not fit the partners' history; it was left out{}", in.name, where)
                                                   : fmt::format("{} rows of `{}` do not fit the partners' history; they were left out{}", bad.size(), in.name, where));
  return true;
}

}  // namespace rebate::engine
