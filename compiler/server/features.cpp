// The navigation features, all read from the checker's TypedProgram and the Analysis index: hover,
// definition, references, rename, document and workspace symbols, folding ranges.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "server/context_words.h"
#include "server/params.h"
#include "server/protocol.h"
#include "server/server.h"
#include "server/symbol_text.h"

namespace rebate::server {

namespace {

// Words that can never be names (the grammar's reserved words); the soft keywords can.
const std::vector<std::string> kReserved = {
    "import", "program", "enum", "table", "ledger", "calendar", "const", "measure", "group", "by", "tiers",
    "decision", "rebate", "award", "budget", "test", "when", "pay", "otherwise", "if", "then", "else",
    "and", "or", "not", "in", "of", "true", "false", "for", "where"};

// A declaration's span and doc comment, for the global symbols (null span for the others).
struct DeclInfo {
  Span span;
  const std::string* doc = nullptr;
};

DeclInfo decl_info(const Symbol& s) {
  if (!s.decl) return {};
  switch (s.kind) {
    case SymbolKind::Enum: { auto* d = static_cast<const ast::Enum*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Table:
    case SymbolKind::Ledger: { auto* d = static_cast<const ast::Source*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Calendar: { auto* d = static_cast<const ast::Calendar*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Const: { auto* d = static_cast<const ast::Const*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Measure: { auto* d = static_cast<const ast::Measure*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Group: { auto* d = static_cast<const ast::Group*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Tiers: { auto* d = static_cast<const ast::Tiers*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Decision: { auto* d = static_cast<const ast::Decision*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Rebate: { auto* d = static_cast<const ast::Rebate*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Award: { auto* d = static_cast<const ast::Award*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::Budget: { auto* d = static_cast<const ast::Budget*>(s.decl); return {d->span, &d->doc}; }
    case SymbolKind::EnumMember:
    case SymbolKind::Column:
    case SymbolKind::GroupField:
    case SymbolKind::Partner:
    case SymbolKind::Period:
    case SymbolKind::Builtin: return {};
  }
  return {};
}

// The type a symbol's value has, as the user would write it, when it has one.
std::string type_of_symbol(const Analysis& a, const Symbol& s) {
  const TypedProgram* t = a.typed();
  if (!t) return {};
  auto of = [&](const ast::ExprPtr& e) -> std::string {
    if (!e || e->id >= t->types.size() || t->types[e->id].is_error()) return {};
    return to_string(t->types[e->id]);
  };
  switch (s.kind) {
    case SymbolKind::Const: return of(static_cast<const ast::Const*>(s.decl)->value);
    case SymbolKind::Measure: return of(static_cast<const ast::Measure*>(s.decl)->value);
    case SymbolKind::EnumMember: return static_cast<const ast::Enum*>(s.decl)->name.name;
    case SymbolKind::Column: {
      // decl is the table or ledger (or, for a group's key, the group)
      for (const ast::Module* m : a.modules()) {
        for (const ast::Source& src : m->sources) {
          if (&src == s.decl && s.index < src.columns.size()) return text_of(a.sources(), src.columns[s.index].type.span);
        }
      }
      return {};
    }
    case SymbolKind::GroupField: {
      auto* g = static_cast<const ast::Group*>(s.decl);
      return s.index < g->fields.size() ? of(g->fields[s.index].value) : std::string{};
    }
    case SymbolKind::Decision: return text_of(a.sources(), static_cast<const ast::Decision*>(s.decl)->result.span);
    case SymbolKind::Award: return text_of(a.sources(), static_cast<const ast::Award*>(s.decl)->type.span);
    case SymbolKind::Tiers:
      return static_cast<const ast::Tiers*>(s.decl)->mode == ast::TierMode::Retroactive ? "retroactive tiers" : "incremental tiers";
    case SymbolKind::Enum:
    case SymbolKind::Table:
    case SymbolKind::Ledger:
    case SymbolKind::Calendar:
    case SymbolKind::Group:
    case SymbolKind::Rebate:
    case SymbolKind::Budget:
    case SymbolKind::Partner:
    case SymbolKind::Period:
    case SymbolKind::Builtin: return {};
  }
  return {};
}

// The line of the source that holds an offset, without its break.
std::string line_at(const SourceMap& sources, Span span) {
  if (!span.valid()) return {};
  const std::string& text = sources.file(span.file).text();
  size_t b = text.rfind('\n', span.begin == 0 ? 0 : span.begin - 1);
  b = b == std::string::npos || span.begin == 0 ? (span.begin == 0 ? 0 : (b == std::string::npos ? 0 : b + 1)) : b + 1;
  size_t e = text.find('\n', span.begin);
  std::string line = text.substr(b, (e == std::string::npos ? text.size() : e) - b);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  size_t lead = line.find_first_not_of(" \t");
  return lead == std::string::npos ? std::string{} : line.substr(lead);
}

std::string symbol_markdown(const Analysis& a, const Symbol& s) {
  std::string type = type_of_symbol(a, s);
  std::string out = fmt::format("```rebate\n({}) {}{}\n```", describe(s.kind), s.name, type.empty() ? "" : ": " + type);
  DeclInfo d = decl_info(s);
  if (d.doc && !d.doc->empty()) out += "\n\n" + *d.doc;
  std::string definition;
  switch (s.kind) {
    // What the name stands for: a measure's formula, a tier table's bands, a constant's value, an enum's
    // members, a decision table's rows: its declaration as written.
    case SymbolKind::Measure:
    case SymbolKind::Tiers:
    case SymbolKind::Const:
    case SymbolKind::Enum:
    case SymbolKind::Decision:
    case SymbolKind::Group:
    case SymbolKind::Calendar:
    case SymbolKind::Budget: definition = text_of(a.sources(), d.span); break;
    case SymbolKind::Column:
    case SymbolKind::GroupField:
    case SymbolKind::EnumMember: definition = line_at(a.sources(), s.span); break;
    case SymbolKind::Table:
    case SymbolKind::Ledger:
    case SymbolKind::Rebate:
    case SymbolKind::Award:
    case SymbolKind::Partner:
    case SymbolKind::Period:
    case SymbolKind::Builtin: break;
  }
  if (definition.size() > 4000) definition = definition.substr(0, 4000) + "\n...";
  if (!definition.empty()) out += "\n\n```rebate\n" + definition + "\n```";
  if (s.kind == SymbolKind::Const && a.typed()) {
    auto* c = static_cast<const ast::Const*>(s.decl);
    if (c->value) {
      if (auto v = a.typed()->constant_of(*c->value)) out += "\n\nvalue: `" + v->to_string() + "`";
    }
  }
  if (s.span.valid() && a.path_of(s.span.file).rfind("std/", 0) == 0) {
    out += "\n\nfrom the standard library: `" + a.path_of(s.span.file) + "`";
  }
  return out;
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

int symbol_kind(SymbolKind k) {
  // LSP SymbolKind numbers
  switch (k) {
    case SymbolKind::Enum: return 10;
    case SymbolKind::EnumMember: return 22;
    case SymbolKind::Table:
    case SymbolKind::Ledger: return 23;  // Struct
    case SymbolKind::Calendar: return 19;  // Object
    case SymbolKind::Const: return 14;
    case SymbolKind::Measure: return 12;  // Function
    case SymbolKind::Group: return 19;
    case SymbolKind::Tiers: return 18;  // Array
    case SymbolKind::Decision: return 11;  // Interface
    case SymbolKind::Rebate: return 6;  // Method
    case SymbolKind::Award: return 6;
    case SymbolKind::Budget: return 13;  // Variable
    case SymbolKind::Column:
    case SymbolKind::GroupField: return 8;  // Field
    case SymbolKind::Partner:
    case SymbolKind::Period:
    case SymbolKind::Builtin: return 13;
  }
  return 13;
}

}  // namespace

json Server::hover(const json& params) {
  Document& doc = document(params);
  size_t at_offset = offset(doc, params);
  Analysis& a = fresh(doc);
  auto off = static_cast<uint32_t>(at_offset);
  if (const Occurrence* o = a.occurrence_at(a.root(), off)) {
    return json{{"contents", {{"kind", "markdown"}, {"value", symbol_markdown(a, o->symbol)}}}, {"range", range_of(a, o->span)}};
  }
  if (std::optional<WordHover> w = hover_of_word(doc.text, at_offset)) {
    return json{{"contents", {{"kind", "markdown"}, {"value", w->markdown}}}, {"range", range_of(a, Span{a.root(), w->begin, w->end})}};
  }
  const ast::Expr* e = a.expr_at(a.root(), off);
  if (!e || !a.typed() || e->id >= a.typed()->types.size()) return nullptr;
  const Type& t = a.typed()->types[e->id];
  if (t.is_error()) return nullptr;
  std::string written = text_of(a.sources(), e->span);
  if (written.size() > 80 || written.find('\n') != std::string::npos) written = ast::name(e->kind);
  std::string value = fmt::format("```rebate\n{}: {}\n```", written, to_string(t));
  if (auto c = a.typed()->constant_of(*e)) value += "\n\nvalue: `" + c->to_string() + "`";
  return json{{"contents", {{"kind", "markdown"}, {"value", value}}}, {"range", range_of(a, e->span)}};
}

json Server::definition(const json& params) {
  Document& doc = document(params);
  size_t at_offset = offset(doc, params);
  Analysis& a = fresh(doc);
  const Occurrence* o = a.occurrence_at(a.root(), static_cast<uint32_t>(at_offset));
  if (!o) return nullptr;
  auto where = location(a, o->symbol.span);
  return where ? *where : json(nullptr);
}

std::vector<std::pair<const Analysis*, Span>> Server::uses_of(const std::string& path, uint32_t begin,
                                                               bool with_definition) {
  std::vector<std::pair<const Analysis*, Span>> out;
  std::set<std::pair<std::string, uint32_t>> seen;
  for (auto& [uri, doc] : documents_) {
    Analysis& a = fresh(*doc);
    for (const Occurrence& o : a.occurrences()) {
      if (!o.symbol.span.valid() || o.symbol.span.begin != begin || a.path_of(o.symbol.span.file) != path) continue;
      if (o.definition && !with_definition) continue;
      if (!seen.insert({a.path_of(o.file), o.span.begin}).second) continue;
      out.push_back({&a, o.span});
    }
  }
  return out;
}

json Server::references(const json& params) {
  Document& doc = document(params);
  size_t at_offset = offset(doc, params);
  bool with_definition = params.contains("context") && params["context"].is_object() &&
                         params["context"].value("includeDeclaration", false);
  const Occurrence* o = fresh(doc).occurrence_at(doc.analysis->root(), static_cast<uint32_t>(at_offset));
  if (!o || !o->symbol.span.valid()) return nullptr;
  std::string path = doc.analysis->path_of(o->symbol.span.file);
  uint32_t begin = o->symbol.span.begin;
  json list = json::array();
  for (auto& [a, span] : uses_of(path, begin, with_definition)) {
    if (auto where = location(*a, span)) list.push_back(*where);
  }
  return list;
}

json Server::prepare_rename(const json& params) {
  Document& doc = document(params);
  size_t at_offset = offset(doc, params);
  Analysis& a = fresh(doc);
  const Occurrence* o = a.occurrence_at(a.root(), static_cast<uint32_t>(at_offset));
  if (!o) return nullptr;
  if (!o->symbol.span.valid()) throw RpcError(kRequestFailed, "`" + o->symbol.name + "` is built in and cannot be renamed");
  std::string path = a.path_of(o->symbol.span.file);
  if (path.rfind("std/", 0) == 0) {
    throw RpcError(kRequestFailed, "`" + o->symbol.name + "` is defined in the standard library (" + path + ") and cannot be renamed");
  }
  return json{{"range", range_of(a, o->span)}, {"placeholder", o->symbol.name}};
}

json Server::rename(const json& params) {
  std::string new_name = string_at(params, "newName");
  prepare_rename(params);  // refuses built-in and standard-library names
  if (!is_identifier(new_name) || std::find(kReserved.begin(), kReserved.end(), new_name) != kReserved.end()) {
    throw RpcError(kInvalidParams, "`" + new_name + "` is not a name (letters, digits and `_`, not a keyword)");
  }
  Document& doc = document(params);
  const Occurrence* o = doc.analysis->occurrence_at(doc.analysis->root(), static_cast<uint32_t>(offset(doc, params)));
  if (!o) return nullptr;
  std::string path = doc.analysis->path_of(o->symbol.span.file);
  uint32_t begin = o->symbol.span.begin;
  json changes = json::object();
  for (auto& [a, span] : uses_of(path, begin, true)) {
    std::string uri = uri_of(a->path_of(span.file));
    if (uri.empty()) continue;
    if (!changes.contains(uri)) changes[uri] = json::array();
    changes[uri].push_back(json{{"range", range_of(*a, span)}, {"newText", new_name}});
  }
  return json{{"changes", changes}};
}

json Server::document_symbol(const json& params) {
  Document& doc = document(params);
  Analysis& a = fresh(doc);
  json list = json::array();
  const ast::Module* m = a.root_module();
  if (!m) return list;
  auto sym = [&](const std::string& name, int kind, Span range, Span selection, const std::string& detail = {}) {
    json j{{"name", name.empty() ? std::string("(unnamed)") : name}, {"kind", kind},
           {"range", range_of(a, range)}, {"selectionRange", range_of(a, selection.valid() ? selection : range)}};
    if (!detail.empty()) j["detail"] = detail;
    return j;
  };
  for (const ast::Program& p : m->programs) list.push_back(sym(p.title, 2, p.span, p.span, "program"));
  for (const ast::Enum& e : m->enums) {
    json j = sym(e.name.name, 10, e.span, e.name.span, "enum");
    for (const ast::Ident& mem : e.members) j["children"].push_back(sym(mem.name, 22, mem.span, mem.span));
    list.push_back(j);
  }
  for (const ast::Source& s : m->sources) {
    json j = sym(s.name.name, 23, s.span, s.name.span,
                 s.kind == ast::SourceKind::Ledger ? "ledger" : s.kind == ast::SourceKind::PartnerTable ? "partner table"
                 : s.kind == ast::SourceKind::Payments ? "payments ledger" : s.kind == ast::SourceKind::Fx ? "fx table" : "table");
    for (const ast::Column& c : s.columns) j["children"].push_back(sym(c.name.name, 8, c.span, c.name.span, text_of(a.sources(), c.type.span)));
    list.push_back(j);
  }
  for (const ast::Calendar& c : m->calendars) list.push_back(sym(c.name.name, 19, c.span, c.name.span, "calendar"));
  for (const ast::Const& c : m->consts) list.push_back(sym(c.name.name, 14, c.span, c.name.span, "const"));
  for (const ast::Measure& x : m->measures) list.push_back(sym(x.name.name, 12, x.span, x.name.span, "measure"));
  for (const ast::Group& g : m->groups) list.push_back(sym(g.name.name, 19, g.span, g.name.span, "group"));
  for (const ast::Tiers& t : m->tiers) {
    list.push_back(sym(t.name.name, 18, t.span, t.name.span, t.mode == ast::TierMode::Retroactive ? "tiers retroactive" : "tiers incremental"));
  }
  for (const ast::Decision& d : m->decisions) list.push_back(sym(d.name.name, 11, d.span, d.name.span, "decision"));
  for (const ast::Rebate& r : m->rebates) list.push_back(sym(r.name.name, 6, r.span, r.name.span, "rebate"));
  for (const ast::Award& w : m->awards) list.push_back(sym(w.name.name, 6, w.span, w.name.span, "award"));
  for (const ast::Budget& b : m->budgets) list.push_back(sym(b.name.name, 13, b.span, b.name.span, "budget"));
  for (const ast::Test& t : m->tests) list.push_back(sym(t.title, 24, t.span, t.span, "test"));
  // In the order of the file, as an outline reads.
  std::stable_sort(list.begin(), list.end(), [](const json& x, const json& y) {
    return std::make_pair(x["range"]["start"]["line"].get<int>(), x["range"]["start"]["character"].get<int>()) <
           std::make_pair(y["range"]["start"]["line"].get<int>(), y["range"]["start"]["character"].get<int>());
  });
  return list;
}

json Server::workspace_symbol(const json& params) {
  std::string query = string_at(params, "query");
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  // The query's characters in order, anywhere in the name (what editors' fuzzy pickers expect).
  auto matches = [&](const std::string& name) {
    std::string n = lower(name), q = lower(query);
    size_t i = 0;
    for (char c : n) {
      if (i < q.size() && c == q[i]) ++i;
    }
    return i == q.size();
  };
  json list = json::array();
  std::set<std::pair<std::string, uint32_t>> seen;
  for (auto& [uri, doc] : documents_) {
    Analysis& a = fresh(*doc);
    if (!a.typed()) continue;
    for (const auto& [name, s] : a.typed()->globals) {
      if (!s.span.valid() || !matches(name) || !seen.insert({a.path_of(s.span.file), s.span.begin}).second) continue;
      auto where = location(a, s.span);
      if (!where) continue;
      list.push_back(json{{"name", name}, {"kind", symbol_kind(s.kind)}, {"location", *where}, {"containerName", describe(s.kind)}});
    }
  }
  return list;
}

json Server::folding_range(const json& params) {
  Document& doc = document(params);
  Analysis& a = fresh(doc);
  json list = json::array();
  const ast::Module* m = a.root_module();
  if (!m) return list;
  auto fold = [&](Span s) {
    if (!s.valid()) return;
    json r = range_of(a, s);
    if (r["end"]["line"] > r["start"]["line"]) list.push_back(json{{"startLine", r["start"]["line"]}, {"endLine", r["end"]["line"]}});
  };
  for (const auto& x : m->programs) fold(x.span);
  for (const auto& x : m->enums) fold(x.span);
  for (const auto& x : m->sources) fold(x.span);
  for (const auto& x : m->calendars) fold(x.span);
  for (const auto& x : m->consts) fold(x.span);
  for (const auto& x : m->measures) fold(x.span);
  for (const auto& x : m->groups) fold(x.span);
  for (const auto& x : m->tiers) fold(x.span);
  for (const auto& x : m->decisions) fold(x.span);
  for (const auto& x : m->rebates) fold(x.span);
  for (const auto& x : m->awards) fold(x.span);
  for (const auto& x : m->budgets) fold(x.span);
  for (const auto& x : m->tests) fold(x.span);
  return list;
}

}  // namespace rebate::server
