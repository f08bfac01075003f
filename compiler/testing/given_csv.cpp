// A test's given rows as CSV buffers for the engine; see given_csv.h.
#include "testing/given_csv.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ledger/ledger.h"

namespace rebate::testing {

namespace {

void mark(ColumnUse& use, uint32_t where, const char* role) {
  if (use.read) return;
  use.read = true;
  use.where = where;
  if (where == UINT32_MAX) use.role = role;
}

std::string number_text(const Decimal& d) { return d.to_string(); }

}  // namespace

const ast::Expr& literal_of(const ast::Expr& value, const TypedProgram& program) {
  const ast::Expr* e = &value;
  for (int depth = 0; depth < 32 && e->kind == ast::ExprKind::Name; ++depth) {  // a chain of constants, not a cycle
    const Symbol* s = program.ref_of(*e);
    if (!s || s->kind != SymbolKind::Const || !s->decl) break;
    const auto* c = static_cast<const ast::Const*>(s->decl);
    if (!c->value) break;
    e = c->value.get();
  }
  return *e;
}

std::vector<std::vector<ColumnUse>> column_uses(const plan::Plan& plan) {
  std::vector<std::vector<ColumnUse>> uses(plan.inputs.size());
  for (size_t i = 0; i < plan.inputs.size(); ++i) uses[i].resize(plan.inputs[i].spec.columns.size());
  auto use = [&](uint32_t input, uint32_t column, uint32_t where, const char* role) {
    // A keyed ledger's index (§26) reads the ledger's own rows: its uses are the ledger's.
    if (input < plan.inputs.size() && plan.inputs[input].kind == plan::InputKind::LedgerIndex) input = plan.inputs[input].indexes;
    if (input < uses.size() && column < uses[input].size()) mark(uses[input][column], where, role);
  };
  for (uint32_t i = 0; i < plan.inputs.size(); ++i) {
    const plan::Input& in = plan.inputs[i];
    use(i, in.partner_column, UINT32_MAX, "the partner of each line");
    use(i, in.date_column, UINT32_MAX, "the date of each line");
    use(i, in.key_column, UINT32_MAX, "the key of each row");
    use(i, in.base_column, UINT32_MAX, "the currency each rate converts from");
    use(i, in.quote_column, UINT32_MAX, "the currency each rate converts into");
    use(i, in.rate_column, UINT32_MAX, "the rate");
  }
  for (const plan::Group& g : plan.groups) {
    for (uint32_t c : g.key_columns) use(g.ledger, c, UINT32_MAX, "a key of the group");
  }
  for (const plan::Function& f : plan.functions) {
    for (const plan::Instr& instr : f.code) {
      if (instr.op == plan::Opcode::Column && f.kind == plan::FunctionKind::Row) {
        use(f.input, instr.a, instr.where, "");
      } else if (instr.op == plan::Opcode::Lookup && f.kind == plan::FunctionKind::Row) {
        use(f.input, instr.a, instr.where, "");
        if (f.input < plan.inputs.size()) {
          for (const auto& [column, table] : plan.inputs[f.input].lookups) {
            if (column == instr.a) use(table, instr.b, instr.where, "");
          }
        }
      } else if (instr.op == plan::Opcode::PartnerAttr) {
        use(plan.partner_table, instr.a, instr.where, "");
      }
    }
  }
  return uses;
}

std::optional<std::string> csv_cell(const ast::Expr& value, const ledger::ColumnSpec& column, const TypedProgram& program,
                                    std::string& error) {
  const ast::Expr& e = literal_of(value, program);
  auto number = [&]() -> std::optional<Decimal> {
    if (std::optional<Decimal> d = program.constant_of(value)) return d;
    return program.constant_of(e);
  };
  switch (column.kind) {
    case ledger::ColumnKind::Int:
    case ledger::ColumnKind::Decimal:
    case ledger::ColumnKind::Money:
      if (std::optional<Decimal> d = number()) return number_text(*d);
      break;
    case ledger::ColumnKind::Percent:
      // The constant of a percentage is its ratio (5% is 0.05); the cell is written as a percentage.
      if (std::optional<Decimal> d = number()) {
        if (std::optional<Decimal> pct = Decimal::mul(*d, Decimal::from_int(100))) return number_text(*pct) + "%";
      }
      break;
    case ledger::ColumnKind::Bool:
      if (e.kind == ast::ExprKind::Bool) return e.text;
      break;
    case ledger::ColumnKind::Date:
      if (e.kind == ast::ExprKind::Date) return e.text;
      break;
    case ledger::ColumnKind::Enum:
      if (const Symbol* s = program.ref_of(e); s && s->kind == SymbolKind::EnumMember && s->index < column.enum_members.size()) {
        return column.enum_members[s->index];
      }
      if (e.kind == ast::ExprKind::Name) return e.text;
      break;
    case ledger::ColumnKind::Text:
      // Text, or the key of a table row (`sku: skus` with text or whole-number keys).
      if (e.kind == ast::ExprKind::String) return ledger::csv_quote(e.text);
      if (e.kind == ast::ExprKind::Int) {
        if (std::optional<Decimal> d = number()) return number_text(*d);
      }
      break;
  }
  error = fmt::format("the value for column `{}` ({}) is not a literal the test runner can write as a CSV cell", column.name,
                      ledger::kind_name(column.kind));
  return std::nullopt;
}

GivenInputs given_inputs(const ast::Test& test, const TypedProgram& program, const plan::Plan& plan) {
  GivenInputs out;
  out.left_out.resize(plan.inputs.size());
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const plan::Input& in = plan.inputs[i];
    const std::vector<ledger::ColumnSpec>& columns = in.spec.columns;
    out.left_out[i].assign(columns.size(), false);
    std::string csv;
    for (size_t c = 0; c < columns.size(); ++c) {
      csv += c ? "," : "";
      csv += ledger::csv_quote(columns[c].header.empty() ? columns[c].name : columns[c].header);
    }
    csv += "\n";
    const bool from_file = std::any_of(test.given.begin(), test.given.end(),
                                       [&](const ast::TestGiven& g) { return g.source.name == in.name && g.from; });
    if (from_file) continue;  // read from its fixture file (fixture_paths), as `rebate run` reads an input
    std::vector<Span>& spans = out.line_spans[in.name];
    spans.push_back(Span{});  // the header
    for (const ast::TestGiven& g : test.given) {
      if (g.source.name != in.name) continue;
      // Which given value fills each spec column (-1: left out).
      std::vector<int> from(columns.size(), -1);
      for (size_t k = 0; k < g.columns.size(); ++k) {
        for (size_t c = 0; c < columns.size(); ++c) {
          if (columns[c].name == g.columns[k].name) from[c] = static_cast<int>(k);
        }
      }
      for (size_t c = 0; c < columns.size(); ++c) {
        if (from[c] < 0 && !g.rows.empty()) out.left_out[i][c] = true;
      }
      for (size_t r = 0; r < g.rows.size(); ++r) {
        const auto& row = g.rows[r];
        std::string line;
        for (size_t c = 0; c < columns.size(); ++c) {
          line += c ? "," : "";
          if (from[c] < 0 || static_cast<size_t>(from[c]) >= row.size()) continue;
          std::string error;
          if (std::optional<std::string> cell = csv_cell(*row[static_cast<size_t>(from[c])], columns[c], program, error)) {
            line += *cell;
          } else {
            out.errors.push_back(error);
          }
        }
        line += "\n";
        // A quoted cell may hold line breaks: every physical line of the row maps back to it.
        const Span span = r < g.row_spans.size() ? g.row_spans[r] : g.span;
        for (char ch : line) {
          if (ch == '\n') spans.push_back(span);
        }
        csv += line;
      }
    }
    out.buffers[in.name] = std::move(csv);
  }
  return out;
}

Fixtures fixture_paths(const ast::Test& test, const SourceMap& sources) {
  Fixtures out;
  for (const ast::TestGiven& g : test.given) {
    if (!g.from) continue;
    std::string where = "`given " + g.source.name + " from ...`";
    std::filesystem::path base;
    if (g.span.valid() && g.span.file < sources.size()) {
      const SourceFile& f = sources.file(g.span.file);
      const LineCol lc = f.line_col(g.from_span.valid() ? g.from_span.begin : g.span.begin);
      where = fmt::format("{}:{}:{}", f.path(), lc.line, lc.column);
      base = std::filesystem::path(f.path()).parent_path();
    }
    if (g.from->empty()) {
      out.errors.push_back(fmt::format("{}: the fixture of `{}` has an empty path", where, g.source.name));
      continue;
    }
    const std::filesystem::path written(*g.from);
    const std::string path = (written.is_absolute() ? written : base / written).lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec) || ::access(path.c_str(), R_OK) != 0) {
      const bool exists = std::filesystem::exists(path, ec);
      out.errors.push_back(fmt::format("{}: cannot read the fixture of `{}`, {}: {}", where, g.source.name, path,
                                       exists ? (std::filesystem::is_directory(path, ec) ? "it is a directory" : std::strerror(EACCES))
                                              : "no such file (the path is relative to the program file)"));
      continue;
    }
    out.paths[g.source.name] = path;
  }
  return out;
}

plan::Plan plan_for_test(const plan::Plan& plan, const GivenInputs& given, const std::vector<std::vector<ColumnUse>>& uses) {
  plan::Plan copy = plan;
  for (size_t i = 0; i < copy.inputs.size() && i < given.left_out.size(); ++i) {
    std::vector<ledger::ColumnSpec>& columns = copy.inputs[i].spec.columns;
    for (size_t c = 0; c < columns.size() && c < given.left_out[i].size(); ++c) {
      if (given.left_out[i][c] && !uses[i][c].read) columns[c].optional = true;
    }
  }
  return copy;
}

std::optional<std::string> missing_column(const GivenInputs& given, const plan::Plan& plan,
                                          const std::vector<std::vector<ColumnUse>>& uses) {
  for (size_t i = 0; i < plan.inputs.size() && i < given.left_out.size(); ++i) {
    const plan::Input& in = plan.inputs[i];
    for (size_t c = 0; c < in.spec.columns.size() && c < given.left_out[i].size(); ++c) {
      const ColumnUse& use = uses[i][c];
      if (!given.left_out[i][c] || !use.read || in.spec.columns[c].optional) continue;
      std::string why;
      if (use.where < plan.locations.size()) {
        const plan::Location& l = plan.locations[use.where];
        why = fmt::format("the rules read it at {}:{}:{} (`{}`)", l.file, l.line, l.column, l.text);
      } else {
        why = fmt::format("the engine reads it as {}", use.role);
      }
      return fmt::format("the test gives no `{}` for `{}`, and {}: give the column in `given {} (...)`", in.spec.columns[c].name,
                         in.name, why, in.name);
    }
  }
  return std::nullopt;
}

}  // namespace rebate::testing
