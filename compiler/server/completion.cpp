// Completion and signature help: the names, members, keywords and snippets offered where the cursor is,
// and the parameters of the call it is in (the language's own words from builtins.h).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "server/builtins.h"
#include "server/context_words.h"
#include "server/server.h"
#include "server/symbol_text.h"

namespace rebate::server {

namespace {

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

}  // namespace rebate::server
