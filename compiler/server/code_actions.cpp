// Code actions: the quick fixes of the diagnostics in a range (the checker's Diagnostic::fixes) and, for
// any lint, an allow comment that silences it where it is.
#include <fmt/format.h>

#include <algorithm>

#include "server/params.h"
#include "server/server.h"

namespace rebate::server {

json Server::code_action(const json& params) {
  Document& doc = document(params);
  Analysis& a = fresh(doc);
  const json& range = at(params, "range");
  size_t from = doc.lines->offset_of(doc.text, position_at(at(range, "start")));
  size_t to = doc.lines->offset_of(doc.text, position_at(at(range, "end")));
  json actions = json::array();
  for (const Diagnostic& d : a.diagnostics().all()) {
    if (!d.span.valid() || d.span.file != a.root()) continue;
    if (d.span.end < from || d.span.begin > to) continue;
    const std::string_view lint = info(d.kind).lint;
    if (!lint.empty() && d.kind != DiagKind::UnusedAllow) {
      // Any lint can be silenced where it is: an allow comment on a line of its own above the line it is
      // on, indented as that line (driver/suppressions.h).
      const std::string& text = doc.text;
      size_t line_start = std::min<size_t>(d.span.begin, text.size());
      while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
      size_t indent_end = line_start;
      while (indent_end < text.size() && (text[indent_end] == ' ' || text[indent_end] == '\t')) ++indent_end;
      const Span at{d.span.file, static_cast<uint32_t>(line_start), static_cast<uint32_t>(line_start)};
      const std::string comment = text.substr(line_start, indent_end - line_start) + "// rebate: allow(" + std::string(lint) + ")\n";
      json diag{{"range", range_of(a, d.span)}, {"code", std::string(info(d.kind).code)}, {"message", d.message}};
      actions.push_back(json{{"title", fmt::format("silence `{}` here (// rebate: allow)", lint)},
                             {"kind", "quickfix"},
                             {"diagnostics", json::array({diag})},
                             {"edit", {{"changes", {{doc.uri, json::array({json{{"range", range_of(a, at)}, {"newText", comment}}})}}}}}});
    }
    if (d.fixes.empty()) continue;
    json edits = json::array();
    for (const Fix& f : d.fixes) edits.push_back(json{{"range", range_of(a, f.span)}, {"newText", f.replacement}});
    json diag{{"range", range_of(a, d.span)}, {"code", std::string(info(d.kind).code)}, {"message", d.message}};
    actions.push_back(json{{"title", d.fixes[0].title},
                           {"kind", "quickfix"},
                           {"isPreferred", true},
                           {"diagnostics", json::array({diag})},
                           {"edit", {{"changes", {{doc.uri, edits}}}}}});
  }
  return actions;
}

}  // namespace rebate::server
