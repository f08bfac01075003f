// The format phase's entry point: parse, print, render, and check the result's meaning.
#include "format/format.h"

#include <algorithm>
#include <fmt/format.h>

#include "ast/dump.h"
#include "format/layout.h"
#include "format/printer.h"
#include "format/tokens.h"
#include "parse/parse.h"

namespace rebate::format {

namespace {

// Every doc comment of a module, in a fixed order (the AST dump leaves them out).
std::string docs(const ast::Module& m) {
  std::string out;
  auto add = [&](const char* what, const std::string& name, const std::string& doc) {
    if (!doc.empty()) out += fmt::format("{} {}: {}\n", what, name, doc);
  };
  for (const auto& d : m.programs) add("program", d.title, d.doc);
  for (const auto& d : m.enums) add("enum", d.name.name, d.doc);
  for (const auto& d : m.sources) {
    add("source", d.name.name, d.doc);
    for (const auto& c : d.columns) add("column", d.name.name + "." + c.name.name, c.doc);
  }
  for (const auto& d : m.calendars) add("calendar", d.name.name, d.doc);
  for (const auto& d : m.consts) add("const", d.name.name, d.doc);
  for (const auto& d : m.measures) add("measure", d.name.name, d.doc);
  for (const auto& d : m.groups) add("group", d.name.name, d.doc);
  for (const auto& d : m.tiers) add("tiers", d.name.name, d.doc);
  for (const auto& d : m.decisions) add("decision", d.name.name, d.doc);
  for (const auto& d : m.rebates) add("rebate", d.name.name, d.doc);
  for (const auto& d : m.awards) add("award", d.name.name, d.doc);
  for (const auto& d : m.budgets) add("budget", d.name.name, d.doc);
  return out;
}

std::vector<std::string> comment_texts(const SourceFile& file) {
  std::vector<std::string> out;
  for (const Comment& c : source_tokens(file).comments) out.push_back(c.text);
  std::sort(out.begin(), out.end());
  return out;
}

std::string first_line_difference(const std::string& a, const std::string& b) {
  size_t line = 1, i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '\n') ++line;
    ++i;
  }
  auto line_at = [&](const std::string& s) {
    size_t begin = s.rfind('\n', i == 0 ? 0 : i - 1);
    begin = begin == std::string::npos || i == 0 ? 0 : begin + 1;
    size_t end = s.find('\n', i);
    return s.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  };
  return fmt::format("line {}: `{}` became `{}`", line, line_at(a), line_at(b));
}

}  // namespace

std::string meaning_difference(const std::string& before, const std::string& after) {
  SourceMap sources;
  const SourceFile& a = sources.file(sources.add("before.rebate", before));
  const SourceFile& b = sources.file(sources.add("after.rebate", after));
  Diagnostics da, db;
  ast::Module ma = parse_module(a, 0, da);
  ast::Module mb = parse_module(b, 0, db);
  if (da.has_errors()) return "the first text does not parse";
  if (db.has_errors()) {
    const Diagnostic& d = db.all().front();
    LineCol where = b.line_col(d.span.begin);
    return fmt::format("the result does not parse ({}:{}: {})", where.line, where.column, d.message);
  }
  std::string dump_a = ast::dump(ma), dump_b = ast::dump(mb);
  if (dump_a != dump_b) return "the AST changed, " + first_line_difference(dump_a, dump_b);
  std::string docs_a = docs(ma), docs_b = docs(mb);
  if (docs_a != docs_b) return "the doc comments changed, " + first_line_difference(docs_a, docs_b);
  std::vector<std::string> ca = comment_texts(a), cb = comment_texts(b);
  if (ca != cb) {
    for (const std::string& c : ca) {
      if (std::count(ca.begin(), ca.end(), c) != std::count(cb.begin(), cb.end(), c)) return "a comment was lost or added: `" + c + "`";
    }
    for (const std::string& c : cb) {
      if (std::count(ca.begin(), ca.end(), c) != std::count(cb.begin(), cb.end(), c)) return "a comment was lost or added: `" + c + "`";
    }
  }
  return {};
}

Formatted format_file(const SourceFile& file, Diagnostics& diags) {
  Formatted out;
  Diagnostics parsed;
  ast::Module module = parse_module(file, 0, parsed);
  if (parsed.has_errors()) {
    diags.append(parsed);
    out.syntax_errors = true;
    return out;
  }
  SourceTokens tokens = source_tokens(file);
  Doc doc;
  Printer printer(doc, tokens);
  DocId root = printer.module(module);
  if (printer.mismatches() > 0) {
    out.internal_error = fmt::format("the printer and the parser disagree about {} token(s)", printer.mismatches());
    return out;
  }
  std::string text = render(doc, root, tokens.comments, file.text());
  std::string difference = meaning_difference(file.text(), text);
  if (!difference.empty()) {
    out.internal_error = difference;
    return out;
  }
  out.text = std::move(text);
  return out;
}

}  // namespace rebate::format
