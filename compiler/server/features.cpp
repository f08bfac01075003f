// The language features, all read from the checker's TypedProgram and the Analysis index: hover,
// definition, references, rename, document and workspace symbols, completion, folding ranges.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "parse/parse.h"
#include "server/builtins.h"
#include "server/context_words.h"
#include "server/features.h"
#include "server/params.h"
#include "server/protocol.h"
#include "server/server.h"

namespace rebate::server {

namespace {

// Words that can never be names (the grammar's reserved words); the soft keywords can.
const std::vector<std::string> kReserved = {
    "import", "program", "enum", "table", "ledger", "calendar", "const", "measure", "group", "by", "tiers",
    "decision", "rebate", "award", "budget", "test", "when", "pay", "otherwise", "if", "then", "else",
    "and", "or", "not", "in", "of", "true", "false", "for", "where"};

std::string text_of(const SourceMap& sources, Span span) {
  if (!span.valid()) return {};
  const std::string& text = sources.file(span.file).text();
  if (span.begin > text.size() || span.end > text.size() || span.end < span.begin) return {};
  return text.substr(span.begin, span.end - span.begin);
}

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

int completion_kind(SymbolKind k) {
  // LSP CompletionItemKind numbers
  switch (k) {
    case SymbolKind::Enum: return 13;
    case SymbolKind::EnumMember: return 20;
    case SymbolKind::Table:
    case SymbolKind::Ledger: return 22;  // Struct
    case SymbolKind::Calendar: return 6;
    case SymbolKind::Const: return 21;
    case SymbolKind::Measure: return 3;  // Function
    case SymbolKind::Group: return 6;
    case SymbolKind::Tiers: return 6;
    case SymbolKind::Decision: return 8;  // Interface
    case SymbolKind::Rebate:
    case SymbolKind::Award:
    case SymbolKind::Budget: return 6;  // Variable
    case SymbolKind::Column:
    case SymbolKind::GroupField: return 5;  // Field
    case SymbolKind::Partner:
    case SymbolKind::Period:
    case SymbolKind::Builtin: return 6;
  }
  return 6;
}

json item(const std::string& label, int kind, const std::string& detail = {}) {
  json j{{"label", label}, {"kind", kind}};
  if (!detail.empty()) j["detail"] = detail;
  return j;
}

json snippet(const std::string& label, const std::string& body, const std::string& detail) {
  return json{{"label", label}, {"kind", 15}, {"insertText", body}, {"insertTextFormat", 2}, {"detail", detail}};
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

json Server::completion(const json& params) {
  Document& doc = document(params);
  size_t at_offset = offset(doc, params);
  Analysis& a = fresh(doc);
  const TypedProgram* t = a.typed();
  json items = json::array();
  const std::string& text = doc.text;
  // The word being typed, and what is before it.
  size_t word_start = at_offset;
  while (word_start > 0 && (std::isalnum(static_cast<unsigned char>(text[word_start - 1])) || text[word_start - 1] == '_')) --word_start;
  size_t before = word_start;
  while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
  auto word_before = [&](size_t end) {
    size_t b = end;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(text[b - 1])) || text[b - 1] == '_')) --b;
    return text.substr(b, end - b);
  };
  auto columns_of = [&](const ast::Source* src) {
    for (const ast::Column& c : src->columns) items.push_back(item(c.name.name, 5, text_of(a.sources(), c.type.span)));
  };
  if (std::optional<json> special = completion_in_context(text, word_start, t)) return json{{"isIncomplete", false}, {"items", *special}};
  auto global = [&](const std::string& name) -> const Symbol* {
    if (!t) return nullptr;
    auto it = t->globals.find(name);
    return it == t->globals.end() ? nullptr : &it->second;
  };

  // After a dot: the aggregates of a ledger or group, the columns of the partner, an enum's members.
  if (before > 0 && text[before - 1] == '.') {
    std::string object = word_before(before - 1);
    const Symbol* s = global(object);
    if (object == "partner" && t && t->partner_table) {
      columns_of(t->partner_table);
    } else if (s && (s->kind == SymbolKind::Ledger || s->kind == SymbolKind::Group)) {
      for (const Signature& agg : aggregate_signatures()) {
        json j = item(agg.name, 2, fmt::format("{}.{}", object, agg.label));
        j["documentation"] = agg.doc;
        j["insertText"] = std::string(agg.name) + "($1)";
        j["insertTextFormat"] = 2;
        items.push_back(j);
      }
    } else if (s && s->kind == SymbolKind::Table) {
      columns_of(static_cast<const ast::Source*>(s->decl));
    } else if (s && s->kind == SymbolKind::Enum) {
      for (const ast::Ident& m : static_cast<const ast::Enum*>(s->decl)->members) items.push_back(item(m.name, 20, object));
    }
    return json{{"isIncomplete", false}, {"items", items}};
  }

  // Inside an aggregate's parentheses (`sales.sum(|`): the ledger's columns first.
  {
    int depth = 0;
    size_t i = word_start;
    size_t limit = word_start > 20000 ? word_start - 20000 : 0;
    while (i > limit) {
      char c = text[--i];
      if (c == ')') ++depth;
      else if (c == '(' && depth-- == 0) {
        size_t method_end = i;
        std::string method = word_before(method_end);
        size_t dot = method_end - method.size();
        if (!method.empty() && dot > 0 && text[dot - 1] == '.') {
          const Symbol* s = global(word_before(dot - 1));
          if (s && s->kind == SymbolKind::Ledger) {
            columns_of(static_cast<const ast::Source*>(s->decl));
            items.push_back(item("where", 14));
          } else if (s && s->kind == SymbolKind::Group) {
            for (const ast::GroupField& f : static_cast<const ast::Group*>(s->decl)->fields) items.push_back(item(f.name.name, 5));
            items.push_back(item("where", 14));
          }
        }
        break;
      } else if (c == '}' || c == '{') {
        break;
      }
    }
  }

  // Everywhere: the program's names, enum members, keywords and snippets.
  if (t) {
    for (const auto& [name, s] : t->globals) {
      if (s.kind == SymbolKind::EnumMember) {
        items.push_back(item(name, 20, static_cast<const ast::Enum*>(s.decl)->name.name));
      } else {
        items.push_back(item(name, completion_kind(s.kind), describe(s.kind)));
      }
    }
  }
  items.push_back(item("partner", 6, "the partner being paid"));
  items.push_back(item("period", 6, "the period being paid"));
  for (const Signature& f : function_signatures()) {
    json j = item(f.name, 3, f.label);
    j["documentation"] = f.doc;
    items.push_back(j);
  }
  for (const auto* list : {&declaration_keywords(), &clause_keywords()}) {
    for (const WordDoc& k : *list) {
      json j = item(k.word, 14);
      j["documentation"] = k.doc;
      items.push_back(j);
    }
  }
  for (const char* k : {"when", "where", "otherwise", "if", "then", "else", "and", "or", "not", "in", "of", "by", "true", "false"}) {
    items.push_back(item(k, 14));
  }
  items.push_back(snippet("rebate", "rebate ${1:name} \"${2:Title}\" {\n    eligible when ${3:condition}\n    pay ${4:amount}\n}", "a rebate"));
  items.push_back(snippet("tiers", "tiers ${1:name} ${2|retroactive,incremental|} {\n    from ${3:0 USD} to ${4:100_000 USD}: ${5:2%}\n    from ${4:100_000 USD}: ${6:4%}\n}", "a tier table"));
  items.push_back(snippet("decision", "decision ${1:name}: ${2:Percent} by ${3:partner.tier} {\n    ${4:gold} => ${5:3%}\n    otherwise => ${6:1%}\n}", "a decision table"));
  items.push_back(snippet("test", "test \"${1:what it shows}\" {\n    given ${2:sales} (${3:columns}) {\n        (${4:values})\n    }\n    expect ${5:rebate} for \"${6:P1}\" in ${7:2026-Q3} = ${8:0 USD}\n}", "a test"));
  return json{{"isIncomplete", false}, {"items", items}};
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

json Server::signature_help(const json& params) {
  Document& doc = document(params);
  size_t at_offset = offset(doc, params);
  Analysis& a = fresh(doc);
  const std::string& text = doc.text;
  // The innermost call whose parentheses hold the position.
  int depth = 0;
  size_t i = at_offset;
  size_t limit = at_offset > 20000 ? at_offset - 20000 : 0;
  size_t commas = 0;
  bool saw_where = false;
  while (i > limit) {
    char c = text[--i];
    if (c == ')') {
      ++depth;
    } else if (c == '(') {
      if (depth-- > 0) continue;
      size_t end = i;
      size_t b = end;
      while (b > 0 && (std::isalnum(static_cast<unsigned char>(text[b - 1])) || text[b - 1] == '_')) --b;
      std::string name = text.substr(b, end - b);
      bool method = b > 0 && text[b - 1] == '.';
      const Signature* sig = nullptr;
      if (method) {
        size_t ob = b - 1;
        while (ob > 0 && (std::isalnum(static_cast<unsigned char>(text[ob - 1])) || text[ob - 1] == '_')) --ob;
        std::string object = text.substr(ob, b - 1 - ob);
        const TypedProgram* t = a.typed();
        auto it = t ? t->globals.find(object) : decltype(t->globals.end()){};
        if (!t || it == t->globals.end() || (it->second.kind != SymbolKind::Ledger && it->second.kind != SymbolKind::Group)) return nullptr;
        sig = aggregate_signature(name);
      } else {
        sig = function_signature(name);
      }
      if (!sig) return nullptr;
      json parameters = json::array();
      for (const char* p : sig->parameters) parameters.push_back(json{{"label", p}});
      size_t active = method ? (saw_where ? sig->parameters.size() - 1 : 0) : std::min(commas, sig->parameters.size() - 1);
      return json{{"signatures", {{{"label", sig->label}, {"documentation", sig->doc}, {"parameters", parameters}}}},
                  {"activeSignature", 0},
                  {"activeParameter", active}};
    } else if (depth == 0 && c == ',') {
      ++commas;
    } else if (depth == 0 && c == 'w' && text.compare(i, 6, "where ") == 0 && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
      saw_where = true;
    } else if (c == '{' || c == '}') {
      break;
    }
  }
  return nullptr;
}

namespace {

// The semantic token legend: the index of each name is the number sent.
enum TokenType { kKeyword, kVariable, kNumber, kString, kComment, kOperator, kType, kFunction, kEnumMember,
                 kProperty, kEnum, kStruct, kMethod };
const char* const kTokenTypes[] = {"keyword", "variable", "number", "string", "comment", "operator", "type",
                                   "function", "enumMember", "property", "enum", "struct", "method"};
enum TokenModifier { kDeclaration = 1, kDocumentation = 2, kDefaultLibrary = 4 };
const char* const kTokenModifiers[] = {"declaration", "documentation", "defaultLibrary"};

int token_type(SymbolKind k) {
  switch (k) {
    case SymbolKind::Enum: return kEnum;
    case SymbolKind::EnumMember: return kEnumMember;
    case SymbolKind::Table:
    case SymbolKind::Ledger:
    case SymbolKind::Group: return kStruct;
    case SymbolKind::Column:
    case SymbolKind::GroupField: return kProperty;
    case SymbolKind::Measure:
    case SymbolKind::Tiers:
    case SymbolKind::Decision:
    case SymbolKind::Builtin: return kFunction;
    case SymbolKind::Calendar:
    case SymbolKind::Const:
    case SymbolKind::Rebate:
    case SymbolKind::Award:
    case SymbolKind::Budget:
    case SymbolKind::Partner:
    case SymbolKind::Period: return kVariable;
  }
  return kVariable;
}

}  // namespace

json semantic_tokens_legend() {
  return json{{"tokenTypes", kTokenTypes}, {"tokenModifiers", kTokenModifiers}};
}

json Server::semantic_tokens(const json& params) {
  Document& doc = document(params);
  Analysis& a = fresh(doc);
  json data = json::array();
  if (a.root() == kNoFile) return json{{"data", data}};
  const SourceFile& file = a.sources().file(a.root());
  // The names the checker resolved, by where they start.
  std::map<uint32_t, const Occurrence*> names;
  for (const Occurrence& o : a.occurrences()) {
    if (o.file == a.root()) names[o.span.begin] = &o;
  }
  std::string_view text = file.text();
  Position last{0, 0};
  bool after_dot = false;
  for (const ClassifiedToken& t : classify_tokens(file)) {
    // Plain comments are the editor's grammar's to colour (they were never tokens here); doc comments are
    // sent, with the documentation modifier.
    if (t.token_class == TokenClass::Comment) continue;
    std::string_view written = text.substr(t.span.begin, t.span.end - t.span.begin);
    bool dot = written == ".";
    int type = kOperator;
    int modifiers = 0;
    auto named = names.find(t.span.begin);
    if (named != names.end() && named->second->span.end == t.span.end) {
      const Occurrence& o = *named->second;
      type = token_type(o.symbol.kind);
      if (o.definition) modifiers |= kDeclaration;
      if (o.symbol.span.valid() && a.path_of(o.symbol.span.file).rfind("std/", 0) == 0) modifiers |= kDefaultLibrary;
    } else {
      switch (t.token_class) {
        case TokenClass::Keyword: type = kKeyword; break;
        case TokenClass::Name: type = after_dot ? kMethod : kVariable; break;
        case TokenClass::Number: type = kNumber; break;
        case TokenClass::String: type = kString; break;
        case TokenClass::DocComment: type = kComment; modifiers |= kDocumentation; break;
        case TokenClass::Comment: type = kComment; break;
        case TokenClass::Operator: type = kOperator; break;
      }
      // A currency code after a number is its unit.
      if (t.token_class == TokenClass::Name && written.size() == 3 && std::isupper(static_cast<unsigned char>(written[0]))) type = kType;
    }
    after_dot = dot;
    if (written.empty() || written.find_first_of("\r\n") != std::string_view::npos) continue;
    Position p = doc.lines->position_of(doc.text, t.span.begin);
    uint32_t length = utf16_length(written);
    data.push_back(p.line - last.line);
    data.push_back(p.line == last.line ? p.character - last.character : p.character);
    data.push_back(length);
    data.push_back(type);
    data.push_back(modifiers);
    last = p;
  }
  return json{{"data", data}};
}

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
