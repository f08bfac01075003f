// Open documents: initialize's capabilities, didOpen/didChange/didClose/didSave with incremental sync,
// re-checks (debounced, and for every open program that imports the changed file), and
// publishDiagnostics from the driver's diagnostics.
#include <filesystem>

#include "diagnostics/diagnostic.h"
#include "server/features.h"
#include "server/params.h"
#include "server/protocol.h"
#include "server/server.h"

#ifndef REBATE_VERSION
#define REBATE_VERSION "dev"
#endif

namespace rebate::server {

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// file:///home/a/b%20c.rebate -> /home/a/b c.rebate; any other URI is its own "path".
std::string path_of_uri(const std::string& uri) {
  if (uri.rfind("file://", 0) != 0) return uri;
  std::string encoded = uri.substr(7);
  size_t slash = encoded.find('/');
  if (slash == std::string::npos) return uri;
  encoded = encoded.substr(slash);  // drop the authority (empty or localhost)
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() && hex(encoded[i + 1]) >= 0 && hex(encoded[i + 2]) >= 0) {
      out += static_cast<char>(hex(encoded[i + 1]) * 16 + hex(encoded[i + 2]));
      i += 2;
    } else {
      out += encoded[i];
    }
  }
  return std::filesystem::path(out).lexically_normal().string();
}



}  // namespace

std::string Server::uri_of(const std::string& path) const {
  for (const auto& [uri, doc] : documents_) {
    if (doc->path == path) return uri;
  }
  if (path.empty() || path[0] != '/') return {};  // the standard library, an untitled buffer: no file URI
  static const char* hexdigits = "0123456789ABCDEF";
  std::string out = "file://";
  for (char c : path) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hexdigits[u >> 4];
      out += hexdigits[u & 15];
    }
  }
  return out;
}

json Server::range_of(const Analysis& a, Span span) {
  std::string_view text = a.sources().file(span.file).text();
  const Document* doc = nullptr;
  for (const auto& [uri, d] : documents_) {
    if (d->analysis.get() == &a && span.file == a.root()) doc = d.get();
  }
  std::unique_ptr<LineIndex> own;
  const LineIndex* lines = doc ? doc->lines.get() : nullptr;
  if (!lines) {
    own = std::make_unique<LineIndex>(text);
    lines = own.get();
  }
  return json{{"start", to_json(lines->position_of(text, span.begin))}, {"end", to_json(lines->position_of(text, span.end))}};
}

std::optional<json> Server::location(const Analysis& a, Span span) {
  if (!span.valid()) return std::nullopt;
  std::string uri = uri_of(a.path_of(span.file));
  if (uri.empty()) return std::nullopt;
  return json{{"uri", uri}, {"range", range_of(a, span)}};
}

json Server::initialize(const json& params) {
  if (!params.is_object()) throw RpcError(kInvalidParams, "`params` must be an object");
  if (params.contains("processId") && !params["processId"].is_null() && !params["processId"].is_number_integer()) {
    throw RpcError(kInvalidParams, "`processId` must be an integer or null");
  }
  json capabilities = {
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"renameProvider", {{"prepareProvider", true}}},
      {"documentSymbolProvider", true},
      {"workspaceSymbolProvider", true},
      {"completionProvider", {{"triggerCharacters", {".", "("}}}},
      {"foldingRangeProvider", true},
      {"signatureHelpProvider", {{"triggerCharacters", {"(", ","}}}},
      {"semanticTokensProvider", {{"legend", semantic_tokens_legend()}, {"full", true}}},
      {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
      {"documentFormattingProvider", true},
  };
  return json{{"capabilities", capabilities}, {"serverInfo", {{"name", "rebate"}, {"version", REBATE_VERSION}}}};
}

Document* Server::find(const std::string& uri) {
  auto it = documents_.find(uri);
  return it == documents_.end() ? nullptr : it->second.get();
}

Document& Server::document(const json& params) {
  std::string uri = string_at(at(params, "textDocument"), "uri");
  Document* doc = find(uri);
  if (!doc) throw RpcError(kInvalidParams, "`" + uri + "` is not open");
  return *doc;
}

size_t Server::offset(Document& doc, const json& params) {
  Position p = position_at(at(params, "position"));
  if (p.line >= doc.lines->line_count()) {
    throw RpcError(kInvalidParams, "line " + std::to_string(p.line) + " is past the end of the document (" +
                                       std::to_string(doc.lines->line_count()) + " lines)");
  }
  return doc.lines->offset_of(doc.text, p);
}

void Server::mark_changed(Document& doc, Clock::time_point due) {
  if (!doc.due || due < *doc.due) doc.due = due;
  // Every open program that read this file is checked again.
  for (auto& [uri, other] : documents_) {
    if (other.get() == &doc || !other->analysis) continue;
    const auto& loaded = other->analysis->loaded();
    if (std::find(loaded.begin(), loaded.end(), doc.path) != loaded.end()) {
      if (!other->due || due < *other->due) other->due = due;
    }
  }
}

void Server::did_open(const json& params) {
  const json& item = at(params, "textDocument");
  std::string uri = string_at(item, "uri");
  auto doc = std::make_unique<Document>();
  doc->uri = uri;
  doc->path = path_of_uri(uri);
  doc->text = string_at(item, "text");
  doc->version = at(item, "version").is_number_integer() ? item["version"].get<int64_t>() : 0;
  doc->lines = std::make_unique<LineIndex>(doc->text);
  Document& d = *doc;
  documents_[uri] = std::move(doc);
  mark_changed(d, Clock::now());
  check(d);
}

void Server::did_change(const json& params) {
  Document& doc = document(params);
  const json& changes = at(params, "contentChanges");
  if (!changes.is_array()) throw RpcError(kInvalidParams, "`contentChanges` must be an array");
  const json& item = at(params, "textDocument");
  if (item.contains("version") && item["version"].is_number_integer()) doc.version = item["version"].get<int64_t>();
  for (const json& change : changes) {
    std::string text = string_at(change, "text");
    if (!change.contains("range")) {
      doc.text = std::move(text);
    } else {
      const json& range = at(change, "range");
      bool clamped_start = false, clamped_end = false;
      size_t begin = doc.lines->offset_of(doc.text, position_at(at(range, "start")), &clamped_start);
      size_t end = doc.lines->offset_of(doc.text, position_at(at(range, "end")), &clamped_end);
      if (clamped_start || clamped_end) log_("didChange of " + doc.uri + ": a range past the end of the text was clamped to it");
      if (end < begin) std::swap(begin, end);
      doc.text.replace(begin, end - begin, text);
    }
    doc.lines = std::make_unique<LineIndex>(doc.text);
  }
  mark_changed(doc, Clock::now() + options_.debounce);
}

void Server::did_close(const json& params) {
  Document& doc = document(params);
  std::string uri = doc.uri;
  std::string path = doc.path;
  // Programs that imported the buffer read the file from disk again.
  mark_changed(doc, Clock::now());
  documents_.erase(uri);
  notify("textDocument/publishDiagnostics", json{{"uri", uri}, {"diagnostics", json::array()}});
}

void Server::did_save(const json& params) {
  Document& doc = document(params);
  mark_changed(doc, Clock::now());
  run_due(Clock::now());
}

void Server::check(Document& doc) {
  doc.due.reset();
  auto overlay = [this](const std::string& path) -> std::optional<std::string> {
    for (const auto& [uri, d] : documents_) {
      if (d->path == path) return d->text;
    }
    return std::nullopt;
  };
  doc.analysis.reset();  // the old program's memory goes before the new one is built
  doc.analysis = std::make_unique<Analysis>(doc.path, doc.text, overlay);
  publish(doc);
}

Analysis& Server::fresh(Document& doc) {
  if (doc.due || !doc.analysis) check(doc);
  return *doc.analysis;
}

void Server::publish(Document& doc) {
  const Analysis& a = *doc.analysis;
  json list = json::array();
  for (const Diagnostic& d : a.diagnostics().all()) {
    // Each file's own diagnostics; those of an import appear when that file is open.
    if (d.span.valid() && d.span.file != a.root()) continue;
    const DiagKindInfo& k = info(d.kind);
    json j;
    j["range"] = d.span.valid() ? range_of(a, d.span) : json{{"start", to_json({})}, {"end", to_json({})}};
    j["severity"] = d.severity == Severity::Error ? lsp::kSeverityError
                    : d.severity == Severity::Warning ? lsp::kSeverityWarning : lsp::kSeverityInformation;
    j["code"] = std::string(k.code);
    j["codeDescription"] = {{"href", docs_url(k)}};
    j["source"] = "rebate";
    std::string message = d.message;
    if (!d.label.empty()) message += "\n" + d.label;
    if (!d.help.empty()) message += "\nhelp: " + d.help;
    j["message"] = message;
    json related = json::array();
    for (const Note& n : d.notes) {
      if (auto where = location(a, n.span)) related.push_back(json{{"location", *where}, {"message", n.message}});
    }
    if (!related.empty()) j["relatedInformation"] = related;
    list.push_back(std::move(j));
  }
  notify("textDocument/publishDiagnostics", json{{"uri", doc.uri}, {"version", doc.version}, {"diagnostics", list}});
}

}  // namespace rebate::server
