// Keyed ledgers read whole as indexes, before any ledger is scanned, so that other ledgers' lines look
// them up by key (docs/language.md §26). An index reads its ledger's file a second time and keeps only
// the columns read through it; which lines it holds is what the ledger's own scan reads: a malformed line
// (the scan reports it, or rejects it with --on-bad-row reject), a line booked after --as-of, a line of a
// partner the partner table does not have, or whose own lookup finds no row, is in no index.
#include "engine/ledger_index.h"

#include <fmt/format.h>

#include "core/activity.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// The columns of `indexed` (a ledger) that formulas over other ledgers read through `index`.
void mark_read_through(const plan::Plan& plan, uint32_t index, std::vector<bool>& used) {
  for (const plan::Function& f : plan.functions) {
    if (f.kind != plan::FunctionKind::Row || f.input >= plan.inputs.size()) continue;
    const plan::Input& from = plan.inputs[f.input];
    for (const plan::Instr& instr : f.code) {
      if (instr.op != plan::Opcode::Lookup) continue;
      for (const auto& [column, target] : from.lookups) {
        if (column == instr.a && target == index && instr.b < used.size()) used[instr.b] = true;
      }
    }
  }
}

}  // namespace

ledger::TableSpec ledger_index_spec(const plan::Plan& plan, uint32_t index) {
  const plan::Input& in = plan.inputs[index];
  ledger::TableSpec spec = in.spec;
  std::vector<bool> used(spec.columns.size(), false);
  for (uint32_t c : {in.key_column, in.partner_column, in.date_column, in.booked_column}) {
    if (c < used.size()) used[c] = true;
  }
  for (const auto& [c, table] : in.lookups) used[c] = true;
  mark_read_through(plan, index, used);
  for (size_t c = 0; c < spec.columns.size(); ++c) spec.columns[c].read = used[c];
  return spec;
}

bool ledger_indexes_rereadable(State& s) {
  for (const plan::Input& in : s.plan.inputs) {
    if (in.kind != plan::InputKind::LedgerIndex) continue;
    const auto path = s.options.input_paths.find(in.name);
    if (path == s.options.input_paths.end()) continue;
    if (ledger::resolve_input(path->second).kind == ledger::InputFiles::Kind::StandardInput) {
      s.result.errors.push_back(fmt::format("other ledgers look up the lines of `{}` by key, so it is read twice (first its keys), and it is "
                                            "read from standard input, which can be read once: save it to a file and name the file",
                                            in.name));
      s.result.usage_error = true;
      return false;
    }
  }
  return true;
}

std::pair<const int64_t*, const uint32_t*> partner_through_lookup(const State& s, const plan::Input& in,
                                                                  const std::vector<std::vector<uint32_t>>& lookup_rows) {
  if (!in.partner_through_lookup) return {nullptr, nullptr};
  for (size_t k = 0; k < in.lookups.size(); ++k) {
    if (in.lookups[k].first == in.partner_column) return {s.index_partner[in.lookups[k].second].data(), lookup_rows[k].data()};
  }
  return {nullptr, nullptr};
}

std::string partner_through_lookup_text(const State& s, const plan::Input& in, int64_t key) {
  for (const auto& [column, index] : in.lookups) {
    if (column != in.partner_column) continue;
    auto row = s.table_rows[index].find(key);
    if (row == s.table_rows[index].end()) return {};
    const int64_t partner = s.index_partner[index][row->second];
    // The partner's kind is that of the ledger whose own partner column it comes from, down the chain.
    const plan::Input* from = &s.plan.inputs[index];
    while (from->partner_through_lookup) {
      for (const auto& [c, next] : from->lookups) {
        if (c == from->partner_column) from = &s.plan.inputs[next];
      }
    }
    const bool text = from->spec.columns[from->partner_column].kind == ledger::ColumnKind::Text;
    return text ? std::string(s.pool.text(static_cast<uint32_t>(partner))) : std::to_string(partner);
  }
  return {};
}

void read_ledger_indexes(State& s) {
  const plan::Plan& plan = s.plan;
  for (uint32_t index = 0; index < plan.inputs.size(); ++index) {
    const plan::Input& in = plan.inputs[index];
    if (in.kind != plan::InputKind::LedgerIndex) continue;
    set_activity(fmt::format("reading the keys of the ledger `{}`", in.name));
    ledger::ReadOptions ro;
    ro.threads = s.options.threads;
    ro.exact_split = s.options.exact_splits;
    // A malformed line is left out of the index without a word: the ledger's own scan parses the same
    // cells (inputs.cpp, ledger_spec) and reports it, or rejects it, as it does any malformed line.
    ro.reject_bad_rows = true;
    ro.max_errors = 0;
    const ledger::TableSpec spec = ledger_index_spec(plan, index);
    ledger::ReadResult r;
    if (auto b = s.options.input_buffers.find(in.name); b != s.options.input_buffers.end()) {
      r = ledger::read_csv_buffer(b->second, in.name, spec, ro, s.pool);
    } else {
      r = ledger::read_csv(s.options.input_paths.at(in.name), spec, ro, s.pool);
    }
    if (r.io_failed) {  // the ledger's own read fails on it too, and says why
      s.result.usage_error = true;
      for (const auto& e : r.errors) s.result.errors.push_back(e.to_string());
      return;
    }
    s.tables[index] = std::move(r.table);
    const ledger::Table& t = s.tables[index];
    const ledger::Column& key = t.columns[in.key_column];
    const ledger::Column& partner = t.columns[in.partner_column];
    // The line's partner: its own column's, or (`as partner` on a lookup) the looked-up line's.
    uint32_t partner_through = UINT32_MAX;
    for (const auto& [c, target] : in.lookups) {
      if (in.partner_through_lookup && c == in.partner_column) partner_through = target;
    }
    std::vector<int64_t>& partners = s.index_partner[index];
    partners.assign(t.row_count(), 0);
    std::unordered_map<int64_t, uint32_t>& rows = s.table_rows[index];
    const std::string file = s.options.input_paths.count(in.name) ? s.options.input_paths.at(in.name) : in.name;
    for (uint32_t row = 0; row < t.row_count(); ++row) {
      if (!booked_by(in, t, row, s.options.as_of)) continue;
      bool found = true;
      for (const auto& [c, target] : in.lookups) {
        const ledger::Column& col = t.columns[c];
        if (!col.has_value(row)) continue;
        auto it = s.table_rows[target].find(col.values[row]);
        if (it == s.table_rows[target].end()) {
          found = false;
          break;
        }
        if (target == partner_through) partners[row] = s.index_partner[target][it->second];
      }
      if (!found) continue;  // the scan reports the missing key
      if (partner_through == UINT32_MAX) partners[row] = partner.values[row];
      if (plan.partner_table != UINT32_MAX && !s.table_rows[plan.partner_table].count(partners[row])) continue;  // likewise
      auto [it, fresh] = rows.emplace(key.values[row], row);
      if (!fresh) {
        s.result.errors.push_back(fmt::format(
            "{}:{}: duplicate key `{}` in ledger `{}`: line {} holds it too; other ledgers look its lines up by key, so each key may be "
            "on one line only",
            file, t.lines[row], ledger::format_cell(key, row, s.pool), in.name, t.lines[it->second]));
      }
    }
  }
}

}  // namespace rebate::engine
