// Diagnostic renderers.
#include "diagnostics/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace rebate {
namespace {

const char* severity_word(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

struct Palette {
  bool on;
  std::string paint(const std::string& s, const char* code) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  }
  std::string severity(Severity sev, const std::string& s) const {
    return paint(s, sev == Severity::Error ? "1;31" : sev == Severity::Warning ? "1;33" : "1;36");
  }
  std::string blue(const std::string& s) const { return paint(s, "1;34"); }
  std::string bold(const std::string& s) const { return paint(s, "1"); }
};

// Number of code points in a UTF-8 string, so carets line up under non-ASCII text.
size_t display_width(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string expand_tabs(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '\t' ? std::string("    ") : std::string(1, c);
  return out;
}

// One source line with an underline: `^^^` for the primary span, `---` for a note.
void snippet(std::string& out, const SourceFile& file, Span span, char mark, const std::string& label,
             Severity sev, const Palette& p) {
  LineCol start = file.line_col(span.begin);
  LineCol end = file.line_col(std::max(span.begin, span.end > span.begin ? span.end - 1 : span.begin));
  std::string line_no = std::to_string(start.line);
  std::string gutter(line_no.size(), ' ');
  std::string_view line = file.line_text(start.line);
  // A line that is too long to show usefully (minified, generated) is cut around the span.
  size_t first_col = 1;
  if (line.size() > 200) {
    // Walk back 59 code points from the span, not forward from the start of a possibly huge line.
    size_t byte = std::min<size_t>(span.begin - static_cast<size_t>(line.data() - file.text().data()), line.size());
    size_t back = 0;
    while (byte > 0 && back < 59) {
      --byte;
      if ((static_cast<unsigned char>(line[byte]) & 0xC0) != 0x80) ++back;
    }
    first_col = start.column - back;
    line = line.substr(byte, std::min<size_t>(200, line.size() - byte));
  }
  std::string shown = expand_tabs(line);
  size_t col = start.column - first_col;
  // Columns count code points; tabs were widened to four columns in the shown line.
  size_t prefix_width = 0;
  {
    size_t cp = 0;
    for (size_t i = 0; i < line.size() && cp < col; ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      if ((c & 0xC0) == 0x80) continue;
      prefix_width += line[i] == '\t' ? 4 : 1;
      ++cp;
    }
  }
  size_t width = end.line == start.line ? std::max<size_t>(1, end.column - start.column + 1) : 1;
  if (end.line != start.line) width = std::max<size_t>(1, display_width(shown) - std::min(prefix_width, display_width(shown)));
  out += fmt::format("{} {}\n", gutter, p.blue("|"));
  out += fmt::format("{} {} {}\n", p.blue(line_no), p.blue("|"), shown);
  std::string underline = std::string(prefix_width, ' ') + std::string(width, mark);
  std::string marked = mark == '^' ? p.severity(sev, underline + (label.empty() ? "" : " " + label))
                                   : p.blue(underline + (label.empty() ? "" : " " + label));
  out += fmt::format("{} {} {}\n", gutter, p.blue("|"), marked);
}

std::string render_human(const Diagnostics& diags, const SourceMap& sources, bool color) {
  Palette p{color};
  std::string out;
  for (const Diagnostic& d : diags.all()) {
    const DiagKindInfo& k = info(d.kind);
    std::string head = fmt::format("{}[{}]", severity_word(d.severity), k.code);
    out += p.severity(d.severity, head) + p.bold(": " + d.message) + "\n";
    if (d.span.valid() && d.span.file < sources.size()) {
      const SourceFile& file = sources.file(d.span.file);
      LineCol lc = file.line_col(d.span.begin);
      out += fmt::format("  {} {}:{}:{}\n", p.blue("-->"), file.path(), lc.line, lc.column);
      if (!file.text().empty()) snippet(out, file, d.span, '^', d.label, d.severity, p);
    }
    for (const Note& n : d.notes) {
      if (n.span.valid() && n.span.file < sources.size()) {
        const SourceFile& file = sources.file(n.span.file);
        LineCol lc = file.line_col(n.span.begin);
        out += fmt::format("  {} {}:{}:{}\n", p.blue("-->"), file.path(), lc.line, lc.column);
        snippet(out, file, n.span, '-', n.message, Severity::Note, p);
      } else {
        out += fmt::format("  {} note: {}\n", p.blue("="), n.message);
      }
    }
    if (!d.help.empty()) out += fmt::format("  {} help: {}\n", p.blue("="), d.help);
    if (!k.lint.empty()) {
      out += fmt::format("  {} note: `--allow {}` turns this warning off\n", p.blue("="), k.lint);
    }
    out += "\n";
  }
  return out;
}

std::string render_gnu(const Diagnostics& diags, const SourceMap& sources) {
  std::string out;
  for (const Diagnostic& d : diags.all()) {
    std::string where = "rebate";
    if (d.span.valid() && d.span.file < sources.size()) {
      const SourceFile& file = sources.file(d.span.file);
      LineCol lc = file.line_col(d.span.begin);
      where = fmt::format("{}:{}:{}", file.path(), lc.line, lc.column);
    }
    out += fmt::format("{}: {}: {} [{}]\n", where, severity_word(d.severity), d.message, info(d.kind).code);
    for (const Note& n : d.notes) {
      if (n.span.valid() && n.span.file < sources.size()) {
        const SourceFile& file = sources.file(n.span.file);
        LineCol lc = file.line_col(n.span.begin);
        out += fmt::format("{}:{}:{}: note: {}\n", file.path(), lc.line, lc.column, n.message);
      }
    }
    if (!d.help.empty()) out += fmt::format("{}: note: help: {}\n", where, d.help);
  }
  return out;
}

nlohmann::json span_json(const SourceMap& sources, Span span) {
  nlohmann::json j;
  if (!span.valid() || span.file >= sources.size()) return j;
  const SourceFile& file = sources.file(span.file);
  LineCol a = file.line_col(span.begin);
  LineCol b = file.line_col(span.end);
  j["file"] = file.path();
  j["start"] = {{"line", a.line}, {"column", a.column}};
  j["end"] = {{"line", b.line}, {"column", b.column}};
  return j;
}

std::string render_json(const Diagnostics& diags, const SourceMap& sources) {
  nlohmann::json list = nlohmann::json::array();
  for (const Diagnostic& d : diags.all()) {
    const DiagKindInfo& k = info(d.kind);
    nlohmann::json j = span_json(sources, d.span);
    j["code"] = k.code;
    j["severity"] = severity_word(d.severity);
    j["message"] = d.message;
    if (!k.lint.empty()) j["lint"] = k.lint;
    if (!d.label.empty()) j["label"] = d.label;
    nlohmann::json notes = nlohmann::json::array();
    for (const Note& n : d.notes) {
      nlohmann::json nj = span_json(sources, n.span);
      nj["message"] = n.message;
      notes.push_back(nj);
    }
    j["notes"] = notes;
    j["help"] = d.help.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.help);
    list.push_back(j);
  }
  // Invalid UTF-8 in a message (quoted from a broken file) is replaced rather than thrown on.
  return list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string render(const Diagnostics& diags, const SourceMap& sources, const RenderOptions& options) {
  switch (options.format) {
    case DiagFormat::Human: return render_human(diags, sources, options.color);
    case DiagFormat::Gnu: return render_gnu(diags, sources);
    case DiagFormat::Json: return render_json(diags, sources);
    case DiagFormat::Sarif: return render_sarif(diags, sources);
  }
  return {};
}

std::string summary_line(const Diagnostics& diags) {
  size_t errors = 0, warnings = 0;
  for (const auto& d : diags.all()) {
    if (d.severity == Severity::Error) ++errors;
    if (d.severity == Severity::Warning) ++warnings;
  }
  std::vector<std::string> parts;
  if (errors) parts.push_back(fmt::format("{} error{}", errors, errors == 1 ? "" : "s"));
  if (warnings) parts.push_back(fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s"));
  if (parts.empty()) return {};
  return parts.size() == 2 ? parts[0] + ", " + parts[1] : parts[0];
}

}  // namespace rebate
