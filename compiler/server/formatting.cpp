// textDocument/formatting: the document in the canonical layout (compiler/format), sent as the edits that
// turn the editor's text into it: the changed runs of lines only (format/line_diff.h), so that what did
// not change keeps its place, its markers and the cursor. A document with syntax errors is not formatted;
// the request fails (RequestFailed) with the first error, as LSP 3.17 asks of a request that cannot be
// carried out. The editor's formatting options (tab size, spaces) are ignored: the layout is the language's.
#include <fmt/format.h>

#include "driver/lints_difference.h"
#include "format/format.h"
#include "format/line_diff.h"
#include "server/params.h"
#include "server/protocol.h"
#include "server/server.h"

namespace rebate::server {

json Server::formatting(const json& params) {
  Document& doc = document(params);
  SourceMap sources;
  const SourceFile& file = sources.file(sources.add(doc.path, doc.text));
  Diagnostics diags;
  const format::Formatted result = format::format_file(file, diags);
  if (result.errors) {
    for (const Diagnostic& d : diags.all()) {
      if (d.severity != Severity::Error) continue;
      if (d.kind == DiagKind::FileTooLarge) throw RpcError(kRequestFailed, "the document was not formatted: " + d.message);
      const LineCol where = file.line_col(d.span.begin);
      throw RpcError(kRequestFailed, fmt::format("the document has syntax errors, so it was not formatted (line {}, column {}: {})",
                                                 where.line, where.column, d.message));
    }
    throw RpcError(kRequestFailed, "the document was not formatted");
  }
  if (!result.text) throw RpcError(kRequestFailed, "the formatter failed its own check (" + result.internal_error + ")");
  if (*result.text != doc.text && has_allow_comments(doc.text)) {
    // Allow comments silence lints by lines: moving code between lines must not change what they reach.
    const std::string difference = lints_difference(doc.path, doc.text, *result.text);
    if (!difference.empty()) {
      throw RpcError(kRequestFailed, "the document was not formatted: its " + difference +
                                         " (code would move onto or off the line of an allow comment)");
    }
  }

  const std::vector<std::string_view> before = format::split_lines(doc.text);
  const std::vector<std::string_view> after = format::split_lines(*result.text);
  std::vector<size_t> starts{0};  // the byte offset of each old line, and the end
  for (std::string_view line : before) starts.push_back(starts.back() + line.size());
  json edits = json::array();
  for (const format::LineChange& c : format::line_changes(before, after)) {
    std::string text;
    for (size_t i = c.new_begin; i < c.new_end; ++i) text += after[i];
    json range{{"start", to_json(doc.lines->position_of(doc.text, starts[c.old_begin]))},
               {"end", to_json(doc.lines->position_of(doc.text, starts[c.old_end]))}};
    edits.push_back(json{{"range", range}, {"newText", text}});
  }
  return edits;
}

}  // namespace rebate::server
