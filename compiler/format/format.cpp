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

// Every doc comment of a module, in a fixed order (the AST dump leaves them out), as the formatter writes
// them: without the spaces that ended their lines.
std::string docs(const ast::Module& m) {
  std::string out;
  auto add = [&](const char* what, const std::string& name, const std::string& doc) {
    if (!doc.empty()) out += fmt::format("{} {}: {}\n", what, name, normalized_comment(doc));
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
  for (const auto& d : m.awards) add(d.metric ? "metric" : "award", d.name.name, d.doc);
  for (const auto& d : m.budgets) add("budget", d.name.name, d.doc);
  return out;
}

std::vector<std::string> comment_texts(const std::vector<Comment>& comments) {
  std::vector<std::string> out;
  for (const Comment& c : comments) out.push_back(c.text);
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

// The difference between a parsed text (its module and sorted comments) and another text.
std::string difference(const ast::Module& ma, const std::vector<std::string>& comments_a, const std::string& after) {
  SourceMap sources;
  const SourceFile& b = sources.file(sources.add("after.rebate", after));
  Diagnostics db;
  ast::Module mb = parse_module(b, 0, db);
  if (db.has_errors()) {
    const Diagnostic& d = db.all().front();
    LineCol where = b.line_col(d.span.begin);
    return fmt::format("the result does not parse ({}:{}: {})", where.line, where.column, d.message);
  }
  std::string dump_a = ast::dump(ma), dump_b = ast::dump(mb);
  if (dump_a != dump_b) return "the AST changed, " + first_line_difference(dump_a, dump_b);
  std::string docs_a = docs(ma), docs_b = docs(mb);
  if (docs_a != docs_b) return "the doc comments changed, " + first_line_difference(docs_a, docs_b);
  const std::vector<std::string> comments_b = comment_texts(source_tokens(b).comments);
  if (comments_a != comments_b) {
    for (const auto* list : {&comments_a, &comments_b}) {
      for (const std::string& c : *list) {
        auto count = [&](const std::vector<std::string>& v) { return std::equal_range(v.begin(), v.end(), c); };
        auto [a0, a1] = count(comments_a);
        auto [b0, b1] = count(comments_b);
        if (a1 - a0 != b1 - b0) return "a comment was lost or added: `" + c + "`";
      }
    }
  }
  return {};
}

}  // namespace

std::string meaning_difference(const std::string& before, const std::string& after) {
  SourceMap sources;
  const SourceFile& a = sources.file(sources.add("before.rebate", before));
  Diagnostics da;
  ast::Module ma = parse_module(a, 0, da);
  if (da.has_errors()) return "the first text does not parse";
  return difference(ma, comment_texts(source_tokens(a).comments), after);
}

Formatted format_file(const SourceFile& file, Diagnostics& diags) {
  Formatted out;
  Diagnostics parsed;
  ast::Module module = parse_module(file, 0, parsed);
  if (parsed.has_errors()) {
    diags.append(parsed);
    out.errors = true;
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
  if (text.size() > kMaxSourceBytes) {
    // Longer lines broken, tables padded: a file near the limit can grow past it.
    diags.report(DiagKind::FileTooLarge, Span{file.id(), 0, 0},
                 fmt::format("formatted, `{}` would be {} bytes; a rebate file may have at most {} bytes", file.path(),
                             text.size(), kMaxSourceBytes))
        .with_help("split the program into modules and join them with `import`");
    out.errors = true;
    return out;
  }
  std::string problem = difference(module, comment_texts(tokens.comments), text);
  if (!problem.empty()) {
    out.internal_error = problem;
    return out;
  }
  out.text = std::move(text);
  return out;
}

}  // namespace rebate::format
