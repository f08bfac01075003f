// The printer's tables: tier bands, decision rows and award rows, one a line, their columns aligned:
//
//     from 0 USD         to 250_000 USD:   0%      emea, platinum        => 3.5%
//     from 250_000 USD   to 1_000_000 USD: 1%      amer, at least gold   => 3%
//     from 1_000_000 USD:                  2%      otherwise             => 1.5%
//
// Every cell is built first (taking the tokens in order), then measured on one line, then padded. A row
// is never broken, however long.
#include <algorithm>

#include "format/printer.h"

namespace rebate::format {

std::vector<DocId> Printer::tier_rows(const ast::Tiers& d) {
  struct Row {
    DocId from, to, colon, value;
    bool has_to;
  };
  std::vector<Row> rows;
  for (const ast::TierBand& b : d.bands) {
    Row r{};
    DocId from_word = tok("from");
    r.from = doc_.concat({from_word, space(), expr(*b.lower)});
    r.has_to = b.upper != nullptr;
    if (r.has_to) {
      DocId to_word = tok("to");
      r.to = doc_.concat({to_word, space(), expr(*b.upper)});
    }
    r.colon = tok(":");
    r.value = expr(*b.value);
    rows.push_back(r);
  }
  // The `from` column as wide as the widest lower bound (the open-ended band's too), so that every `to`
  // starts in one column past all of them.
  uint32_t from_width = 0;
  for (const Row& r : rows) from_width = std::max(from_width, doc_.flat_width(r.from));
  auto prefix = [&](const Row& r) {
    return r.has_to ? from_width + 1 + doc_.flat_width(r.to) + 1 : doc_.flat_width(r.from) + 1;
  };
  uint32_t value_column = 0;
  for (const Row& r : rows) value_column = std::max(value_column, prefix(r));
  std::vector<DocId> out;
  for (const Row& r : rows) {
    std::vector<DocId> parts{r.from};
    if (r.has_to) parts.insert(parts.end(), {doc_.pad(from_width - doc_.flat_width(r.from)), space(), r.to});
    parts.insert(parts.end(), {r.colon, doc_.pad(value_column - prefix(r)), space(), r.value});
    out.push_back(doc_.flat(doc_.concat(parts)));
  }
  return out;
}

DocId Printer::pattern(const ast::Pattern& p) {
  std::vector<DocId> parts;
  for (size_t i = 0; i < p.alternatives.size(); ++i) {
    const ast::PatternAlt& a = p.alternatives[i];
    if (i > 0) parts.insert(parts.end(), {space(), tok("|"), space()});
    switch (a.kind) {
      case ast::PatternKind::Wildcard:
        parts.push_back(tok("_"));
        break;
      case ast::PatternKind::Equals:
        parts.push_back(expr(*a.value));
        break;
      case ast::PatternKind::Compare: {
        // The builder makes Gt, Lt, Ge, Le and Ne only (ast_builder.cpp, `compareWord`).
        if (a.compare == ast::Op::Gt) {
          parts.push_back(tok("above"));
        } else if (a.compare == ast::Op::Lt) {
          parts.push_back(tok("below"));
        } else if (a.compare == ast::Op::Ge) {
          parts.insert(parts.end(), {tok("at"), space(), tok("least")});
        } else if (a.compare == ast::Op::Le) {
          parts.insert(parts.end(), {tok("at"), space(), tok("most")});
        } else {
          parts.push_back(tok("not"));
        }
        parts.push_back(space());
        parts.push_back(expr(*a.value));
        break;
      }
      case ast::PatternKind::Range: {
        DocId low = expr(*a.value);
        DocId dots = tok("..");
        DocId high = expr(*a.upper);
        parts.insert(parts.end(), {low, space(), dots, space(), high});
        break;
      }
    }
  }
  return doc_.concat(parts);
}

std::vector<DocId> Printer::decision_rows(const ast::Decision& d) {
  struct Row {
    std::vector<DocId> cells, commas;
    DocId arrow, value;
  };
  std::vector<Row> rows;
  for (const ast::DecisionRow& r : d.rows) {
    Row row;
    if (r.is_otherwise) {
      row.cells.push_back(tok("otherwise"));
    } else {
      for (size_t k = 0; k < r.patterns.size(); ++k) {
        if (k > 0) row.commas.push_back(tok(","));
        row.cells.push_back(pattern(r.patterns[k]));
      }
    }
    row.arrow = tok("=>");
    row.value = expr(*r.value);
    rows.push_back(std::move(row));
  }
  // Each pattern column as wide as its widest cell that another follows; `=>` one space after the widest row.
  std::vector<uint32_t> widths;
  for (const Row& r : rows) {
    for (size_t k = 0; k + 1 < r.cells.size(); ++k) {
      if (widths.size() <= k) widths.resize(k + 1, 0);
      widths[k] = std::max(widths[k], doc_.flat_width(r.cells[k]));
    }
  }
  auto prefix = [&](const Row& r) {
    uint32_t w = 0;
    for (size_t k = 0; k + 1 < r.cells.size(); ++k) w += widths[k] + 2;
    return w + (r.cells.empty() ? 0 : doc_.flat_width(r.cells.back()));
  };
  uint32_t arrow_column = 0;
  for (const Row& r : rows) arrow_column = std::max(arrow_column, prefix(r));
  std::vector<DocId> out;
  for (const Row& r : rows) {
    std::vector<DocId> parts;
    for (size_t k = 0; k < r.cells.size(); ++k) {
      parts.push_back(r.cells[k]);
      if (k + 1 < r.cells.size()) {
        parts.insert(parts.end(), {r.commas[k], doc_.pad(widths[k] - doc_.flat_width(r.cells[k])), space()});
      }
    }
    parts.insert(parts.end(), {doc_.pad(arrow_column - prefix(r)), space(), r.arrow, space(), r.value});
    out.push_back(doc_.flat(doc_.concat(parts)));
  }
  return out;
}

std::vector<DocId> Printer::award_rows(const ast::Award& d) {
  struct Row {
    DocId condition, arrow, value;
  };
  std::vector<Row> rows;
  for (const ast::AwardRow& r : d.rows) {
    Row row{};
    if (r.when) {
      DocId when = tok("when");
      row.condition = doc_.concat({when, space(), expr(*r.when)});
    } else {
      row.condition = tok("otherwise");
    }
    row.arrow = tok("=>");
    row.value = expr(*r.value);
    rows.push_back(row);
  }
  uint32_t arrow_column = 0;
  for (const Row& r : rows) arrow_column = std::max(arrow_column, doc_.flat_width(r.condition));
  std::vector<DocId> out;
  for (const Row& r : rows) {
    DocId padding = doc_.pad(arrow_column - doc_.flat_width(r.condition));
    out.push_back(doc_.flat(doc_.concat({r.condition, padding, space(), r.arrow, space(), r.value})));
  }
  return out;
}

}  // namespace rebate::format
