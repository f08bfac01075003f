// `rebate check --format sarif`: the diagnostics as a SARIF 2.1.0 log (OASIS), as GitHub code scanning
// and other CI viewers read it. One run; the tool's rules are every diagnostic kind, in the order of
// diagnostic_kinds.def (a result's ruleIndex points there), with their docs; one result per diagnostic.
#include <nlohmann/json.hpp>

#include "diagnostics/render.h"

#ifndef REBATE_VERSION
#define REBATE_VERSION "dev"
#endif

namespace rebate {

namespace {

using json = nlohmann::ordered_json;

// A path as a URI reference: relative paths stay relative (to the directory `rebate check` ran in, the
// repository root in CI: SARIF's %SRCROOT%), absolute ones become file:// URIs; bytes outside the
// unreserved set and `/` are percent-encoded.
std::string uri_of(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = !path.empty() && path[0] == '/' ? "file://" : "";
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

bool relative(const std::string& path) { return path.empty() || path[0] != '/'; }

// A span as a physicalLocation: the file and the region (SARIF's endColumn is the column after the
// region, as a span's end is the position after its last character; columns are code points).
json location(const SourceMap& sources, Span span) {
  if (!span.valid() || span.file >= sources.size()) return json();
  const SourceFile& file = sources.file(span.file);
  const LineCol a = file.line_col(span.begin);
  const LineCol b = file.line_col(span.end);
  json artifact = {{"uri", uri_of(file.path())}};
  if (relative(file.path())) artifact["uriBaseId"] = "%SRCROOT%";
  json region = {{"startLine", a.line}, {"startColumn", a.column}, {"endLine", b.line}, {"endColumn", b.column}};
  return {{"physicalLocation", {{"artifactLocation", std::move(artifact)}, {"region", std::move(region)}}}};
}

json rules() {
  json list = json::array();
  for (const DiagKindInfo& k : all_diag_kinds()) {
    const std::string_view fix = fix_text(k.code);
    json rule = {{"id", k.code}};
    if (!k.lint.empty()) rule["name"] = k.lint;
    rule["shortDescription"] = {{"text", k.summary}};
    if (!fix.empty()) {
      rule["fullDescription"] = {{"text", fix}};
      rule["help"] = {{"text", fix}, {"markdown", fix}};
    }
    rule["helpUri"] = docs_url(k);
    rule["defaultConfiguration"] = {{"level", k.lint.empty() ? "error" : "warning"}};
    rule["properties"] = {{"tags", k.lint.empty() ? json::array({"rebate", "error"}) : json::array({"rebate", "lint", k.lint})}};
    list.push_back(std::move(rule));
  }
  return list;
}

json result(const Diagnostic& d, const SourceMap& sources) {
  const DiagKindInfo& k = info(d.kind);
  std::string text = d.message;
  if (!d.label.empty()) text += " (" + d.label + ")";
  if (!d.help.empty()) text += "\nhelp: " + d.help;
  json r = {{"ruleId", k.code}, {"ruleIndex", static_cast<size_t>(d.kind)}, {"level", d.severity == Severity::Error ? "error" : "warning"},
            {"message", {{"text", text}}}};
  json where = location(sources, d.span);
  r["locations"] = where.is_null() ? json::array() : json::array({where});
  json related = json::array();
  for (const Note& n : d.notes) {
    json at = location(sources, n.span);
    if (at.is_null()) continue;
    at["id"] = related.size();
    at["message"] = {{"text", n.message}};
    related.push_back(std::move(at));
  }
  if (!related.empty()) r["relatedLocations"] = std::move(related);
  json fixes = json::array();
  for (const Fix& f : d.fixes) {
    json at = location(sources, f.span);
    if (at.is_null()) continue;
    json replacement = {{"deletedRegion", at["physicalLocation"]["region"]}, {"insertedContent", {{"text", f.replacement}}}};
    fixes.push_back({{"description", {{"text", f.title}}},
                     {"artifactChanges", json::array({{{"artifactLocation", at["physicalLocation"]["artifactLocation"]},
                                                       {"replacements", json::array({replacement})}}})}});
  }
  if (!fixes.empty()) r["fixes"] = std::move(fixes);
  return r;
}

}  // namespace

std::string render_sarif(const Diagnostics& diags, const SourceMap& sources) {
  json driver = {{"name", "rebate"},
                 {"version", REBATE_VERSION},
                 {"semanticVersion", REBATE_VERSION},
                 {"informationUri", docs_url(all_diag_kinds().front()).substr(0, docs_url(all_diag_kinds().front()).find('#'))},
                 {"rules", rules()}};
  json results = json::array();
  for (const Diagnostic& d : diags.all()) results.push_back(result(d, sources));
  json run = {{"tool", {{"driver", std::move(driver)}}},
              {"columnKind", "unicodeCodePoints"},
              {"results", std::move(results)}};
  json log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", json::array({std::move(run)})}};
  // Invalid UTF-8 in a message (quoted from a broken file) is replaced rather than thrown on.
  return log.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace rebate
