// The printer's declarations: one layout each, blocks with one item a line.
#include <algorithm>

#include "format/printer.h"

namespace rebate::format {

namespace {

bool starts_string(const SourceTokens& tokens, size_t pos) {
  return pos < tokens.code.size() && !tokens.code[pos].text.empty() && tokens.code[pos].text[0] == '"';
}

}  // namespace

DocId Printer::block(const std::function<std::vector<DocId>()>& items) {
  DocId open = tok("{");
  const uint32_t open_end = pos_ > 0 ? tokens_.code[pos_ - 1].end : 0;
  std::vector<DocId> list = items();
  const uint32_t close_begin = pos_ < tokens_.code.size() ? tokens_.code[pos_].begin : UINT32_MAX;
  if (list.empty() && !comments_between(open_end, close_begin)) return doc_.concat({open, tok("}")});
  std::vector<DocId> parts;
  for (DocId item : list) {
    parts.push_back(doc_.stmt(StmtKind::Item));
    parts.push_back(item);
  }
  parts.push_back(doc_.stmt(StmtKind::Comments));
  DocId body = doc_.nest(doc_.concat(parts));
  DocId line = doc_.hard_line();
  DocId close = tok("}");
  return doc_.concat({open, body, line, close});
}

DocId Printer::names(const std::vector<ast::Ident>& list) {
  std::vector<DocId> parts;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) parts.insert(parts.end(), {tok(","), space()});
    parts.push_back(ident(list[i]));
  }
  return doc_.concat(parts);
}

void Printer::keyword(std::vector<DocId>& parts, std::string_view word) {
  parts.insert(parts.end(), {space(), tok(word), space()});
}

DocId Printer::binding(const ast::Ident& name, const std::optional<ast::TypeRef>& t) {
  std::vector<DocId> parts{ident(name)};
  if (t) parts.insert(parts.end(), {tok(":"), space(), type(*t)});
  keyword(parts, "=");
  return doc_.concat(parts);
}

DocId Printer::type(const ast::TypeRef& t) {
  std::vector<DocId> parts{ident(t.name)};
  if (!t.args.empty()) parts.insert(parts.end(), {tok("("), names(t.args), tok(")")});
  if (t.optional) parts.push_back(tok("?"));
  return doc_.concat(parts);
}

DocId Printer::settings(const std::vector<ast::Setting>& settings) {
  return block([&] {
    std::vector<DocId> items;
    for (const ast::Setting& s : settings) {
      DocId name = ident(s.name);
      DocId colon = tok(":");
      DocId value = expr(*s.value);
      items.push_back(doc_.concat({name, colon, space(), value}));
    }
    return items;
  });
}

DocId Printer::import_decl(const ast::Import&) {
  DocId keyword = tok("import");
  return doc_.concat({keyword, space(), next_tok()});
}

DocId Printer::program(const ast::Program& d) {
  DocId keyword = tok("program");
  DocId title = next_tok();
  DocId body = settings(d.settings);
  return doc_.concat({keyword, space(), title, space(), body});
}

DocId Printer::enumeration(const ast::Enum& d) {
  // On one line when it fits (`enum Tier { bronze, silver, gold }`), else one member a line.
  DocId keyword = tok("enum");
  DocId name = ident(d.name);
  DocId open = tok("{");
  std::vector<DocId> members{doc_.line()};
  for (size_t i = 0; i < d.members.size(); ++i) {
    if (i > 0) {
      members.push_back(tok(","));
      members.push_back(doc_.line());
    }
    members.push_back(ident(d.members[i]));
  }
  skip(",");
  members.push_back(doc_.stmt(StmtKind::Comments));
  DocId body = doc_.nest(doc_.concat(members));
  DocId line = doc_.line();
  DocId close = tok("}");
  return doc_.group(doc_.concat({keyword, space(), name, space(), open, body, line, close}));
}

DocId Printer::column(const ast::Column& c) {
  std::vector<DocId> parts{ident(c.name), tok(":"), space(), type(c.type)};
  for (const ast::Ident& role : c.roles) {
    keyword(parts, "as");
    parts.push_back(ident(role));
  }
  if (c.header) {
    keyword(parts, "from");
    parts.push_back(next_tok());
  }
  if (c.rounding) {
    keyword(parts, "rounding");
    parts.push_back(ident(*c.rounding));
  }
  return doc_.concat(parts);
}

DocId Printer::source(const ast::Source& d) {
  std::vector<DocId> parts;
  if (d.kind == ast::SourceKind::PartnerTable || d.kind == ast::SourceKind::Payments || d.kind == ast::SourceKind::Fx ||
      d.kind == ast::SourceKind::Claims) {
    parts.push_back(tok(d.kind == ast::SourceKind::Payments ? "payments" : d.kind == ast::SourceKind::Fx ? "fx"
                        : d.kind == ast::SourceKind::Claims ? "claims" : "partner"));
    parts.push_back(space());
  }
  const bool ledger = d.kind == ast::SourceKind::Ledger || d.kind == ast::SourceKind::Payments || d.kind == ast::SourceKind::Claims;
  parts.push_back(tok(ledger ? "ledger" : "table"));
  parts.push_back(space());
  parts.push_back(ident(d.name));
  parts.push_back(space());
  parts.push_back(block([&] {
    std::vector<DocId> items;
    for (const ast::Column& c : d.columns) items.push_back(column(c));
    return items;
  }));
  return doc_.concat(parts);
}

DocId Printer::calendar(const ast::Calendar& d) {
  DocId keyword = tok("calendar");
  DocId name = ident(d.name);
  DocId body = settings(d.settings);
  return doc_.concat({keyword, space(), name, space(), body});
}

DocId Printer::constant(const ast::Const& d) {
  DocId word = tok("const");
  DocId head = binding(d.name, d.type);
  return doc_.concat({word, space(), head, expr(*d.value)});
}

DocId Printer::measure(const ast::Measure& d) {
  DocId word = tok("measure");
  DocId head = binding(d.name, d.type);
  DocId value = expr(*d.value);
  if (d.limits.empty()) return doc_.concat({word, space(), head, value});
  // `cap` and `floor` follow on the same line, or each on a line of its own when that is too long.
  std::vector<DocId> limits;
  for (const ast::MeasureLimit& l : d.limits) {
    DocId limit = tok(l.is_cap ? "cap" : "floor");
    limits.insert(limits.end(), {doc_.line(), limit, space(), expr(*l.value)});
  }
  DocId rest = doc_.group(doc_.concat({value, doc_.nest(doc_.concat(limits))}));
  return doc_.concat({word, space(), head, rest});
}

DocId Printer::group(const ast::Group& d) {
  std::vector<DocId> parts{tok("group"), space(), binding(d.name, std::nullopt), ident(d.ledger)};
  keyword(parts, "by");
  parts.push_back(names(d.keys));
  parts.push_back(space());
  parts.push_back(block([&] {
    std::vector<DocId> items;
    for (const ast::GroupField& f : d.fields) {
      DocId head = binding(f.name, f.type);
      items.push_back(doc_.concat({head, expr(*f.value)}));
    }
    return items;
  }));
  return doc_.concat(parts);
}

DocId Printer::tiers(const ast::Tiers& d) {
  std::vector<DocId> parts{tok("tiers"), space(), ident(d.name), space(),
                           tok(d.mode == ast::TierMode::Retroactive ? "retroactive" : "incremental"), space()};
  parts.push_back(block([&] { return tier_rows(d); }));
  return doc_.concat(parts);
}

DocId Printer::decision(const ast::Decision& d) {
  std::vector<DocId> parts{tok("decision"), space(), ident(d.name), tok(":"), space(), type(d.result), space(),
                           tok("by"), space()};
  for (size_t i = 0; i < d.inputs.size(); ++i) {
    if (i > 0) {
      parts.push_back(tok(","));
      parts.push_back(space());
    }
    parts.push_back(expr(*d.inputs[i]));
  }
  parts.push_back(space());
  parts.push_back(block([&] { return decision_rows(d); }));
  return doc_.concat(parts);
}

DocId Printer::clause(const ast::Clause& c) {
  std::vector<DocId> parts;
  switch (c.kind) {
    case ast::ClauseKind::Eligible:
      parts = {tok("eligible"), space(), tok("when"), space(), expr(*c.value)};
      break;
    case ast::ClauseKind::Require:
      parts = {tok("require"), space(), expr(*c.value)};
      break;
    case ast::ClauseKind::Accrue:
      parts = {tok("accrue"), space(), expr(*c.value)};
      break;
    case ast::ClauseKind::Claims:
      parts = {tok("pay"), space(), tok("claims"), space(), tok("from"), space(), ident(c.claims)};
      break;
    case ast::ClauseKind::Expire:
      parts = {tok("expire"), space(), tok("after"), space(), expr(*c.value)};
      break;
    case ast::ClauseKind::Pay:
    case ast::ClauseKind::Uplift:
    case ast::ClauseKind::Accelerate: {
      parts = {tok(ast::spelling(c.kind)), space(), expr(*c.value)};
      if (!c.when) break;
      // `when ...` on the clause's line, or on the next one, indented, when the line is too long.
      DocId when = tok("when");
      DocId condition = expr(*c.when);
      parts.push_back(doc_.nest(doc_.concat({doc_.line(), when, space(), condition})));
      return doc_.group(doc_.concat(parts));
    }
    case ast::ClauseKind::Cap:
    case ast::ClauseKind::Floor:
      parts = {tok(ast::spelling(c.kind)), space(), expr(*c.value)};
      if (c.per) {
        keyword(parts, "per");
        parts.push_back(ident(*c.per));
      }
      break;
    case ast::ClauseKind::Settle:
      parts = {tok("settle"), space()};
      if (c.window) {
        parts.push_back(ident(*c.window));
        parts.push_back(space());
      }
      parts.push_back(tok("against"));
      parts.push_back(space());
      parts.push_back(ident(c.payments));
      break;
    case ast::ClauseKind::OnNegative:
      parts = {tok("on"), space(), tok("negative")};
      for (const ast::Ident& word : c.policy) {
        parts.push_back(space());
        parts.push_back(ident(word));
      }
      break;
    case ast::ClauseKind::AllowNegative:
      parts = {tok("allow"), space(), tok("negative")};
      break;
    case ast::ClauseKind::Rounding:
      parts = {tok("rounding"), space(), ident(c.rounding_mode)};
      if (c.rounding_to) {
        keyword(parts, "to");
        parts.push_back(expr(*c.rounding_to));
      }
      break;
  }
  return doc_.concat(parts);
}

DocId Printer::rebate(const ast::Rebate& d) {
  std::vector<DocId> parts{tok(d.fund ? "fund" : "rebate"), space(), ident(d.name), space()};
  if (starts_string(tokens_, pos_)) {
    parts.push_back(next_tok());
    parts.push_back(space());
  }
  parts.push_back(block([&] {
    std::vector<DocId> items;
    for (const ast::Clause& c : d.clauses) items.push_back(clause(c));
    return items;
  }));
  return doc_.concat(parts);
}

DocId Printer::award(const ast::Award& d) {
  if (d.metric) return metric(d);
  std::vector<DocId> parts{tok("award"), space(), ident(d.name), tok(":"), space(), type(d.type), space()};
  if (d.next_period) {
    for (const char* word : {"for", "next", "period"}) {
      parts.push_back(tok(word));
      parts.push_back(space());
    }
  }
  if (starts_string(tokens_, pos_)) {
    parts.push_back(next_tok());
    parts.push_back(space());
  }
  parts.push_back(block([&] { return award_rows(d); }));
  return doc_.concat(parts);
}

// `metric NAME: TYPE "Title" = E`, on one line (the value breaks like a measure's).
DocId Printer::metric(const ast::Award& d) {
  std::vector<DocId> parts{tok("metric"), space(), ident(d.name), tok(":"), space(), type(d.type)};
  if (starts_string(tokens_, pos_)) parts.insert(parts.end(), {space(), next_tok()});
  keyword(parts, "=");
  if (!d.rows.empty()) parts.push_back(expr(*d.rows[0].value));
  return doc_.concat(parts);
}

DocId Printer::budget(const ast::Budget& d) {
  std::vector<DocId> parts{tok("budget"), space(), binding(d.name, std::nullopt)};
  DocId amount = expr(*d.amount);
  // `per` and `for` on the budget's line, or each on a line of its own when that is too long.
  std::vector<DocId> rest;
  if (d.per) {
    DocId word = tok("per");
    rest.insert(rest.end(), {doc_.line(), word, space(), ident(*d.per)});
  }
  if (!d.rebates.empty()) {
    DocId word = tok("for");
    rest.insert(rest.end(), {doc_.line(), word, space(), names(d.rebates)});
  }
  parts.push_back(doc_.group(doc_.concat({amount, doc_.nest(doc_.concat(rest))})));
  return doc_.concat(parts);
}

DocId Printer::given(const ast::TestGiven& g) {
  if (g.from) {
    // `given sales from "fixtures/q3.csv"`: a CSV fixture instead of rows.
    std::vector<DocId> parts{tok("given"), space(), ident(g.source)};
    keyword(parts, "from");
    parts.push_back(next_tok());
    return doc_.concat(parts);
  }
  std::vector<DocId> parts{tok("given"), space(), ident(g.source), space(), tok("("), names(g.columns), tok(")"), space()};
  parts.push_back(block([&] {
    std::vector<DocId> rows;
    for (const auto& row : g.rows) {
      // A row on one line when it fits, else one value a line.
      DocId open = tok("(");
      std::vector<DocId> values{doc_.soft_line()};
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) {
          values.push_back(tok(","));
          values.push_back(doc_.line());
        }
        values.push_back(expr(*row[i]));
      }
      skip(",");
      values.push_back(doc_.stmt(StmtKind::Comments));
      DocId body = doc_.nest(doc_.concat(values));
      DocId line = doc_.soft_line();
      DocId close = tok(")");
      rows.push_back(doc_.group(doc_.concat({open, body, line, close})));
    }
    return rows;
  }));
  return doc_.concat(parts);
}

DocId Printer::expect(const ast::TestExpect& e) {
  std::vector<DocId> parts{tok("expect"), space(), ident(e.rebate), space(), tok("for"), space(), expr(*e.partner), space(),
                           tok("in"), space(), expr(*e.period), space(), tok("="), space(), expr(*e.amount)};
  return doc_.concat(parts);
}

DocId Printer::test(const ast::Test& d) {
  DocId keyword = tok("test");
  DocId title = next_tok();
  // `given` and `expect` items in the order they were written.
  std::vector<std::pair<uint32_t, std::function<DocId()>>> items;
  for (const auto& g : d.given) items.emplace_back(g.span.begin, [&] { return given(g); });
  for (const auto& e : d.expects) items.emplace_back(e.span.begin, [&] { return expect(e); });
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  DocId body = block([&] {
    std::vector<DocId> docs;
    for (auto& item : items) docs.push_back(item.second());
    return docs;
  });
  return doc_.concat({keyword, space(), title, space(), body});
}

}  // namespace rebate::format
