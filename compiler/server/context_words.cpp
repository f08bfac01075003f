// Completion and hover that read the words around the cursor (context_words.h): the days after `at:` in
// `convert`, the roles after `as` in a column, the columns of what a lookup column names (`sku.`,
// `subscription.`), and the docs of the language's own words.
#include "server/context_words.h"

#include <fmt/format.h>

#include <cctype>

#include "server/builtins.h"

namespace rebate::server {

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The word that ends at `end` (possibly empty).
std::string word_ending(const std::string& text, size_t end) {
  size_t b = end;
  while (b > 0 && word_char(text[b - 1])) --b;
  return text.substr(b, end - b);
}

size_t skip_blanks_back(const std::string& text, size_t at) {
  while (at > 0 && (text[at - 1] == ' ' || text[at - 1] == '\t')) --at;
  return at;
}

json word_items(const std::vector<WordDoc>& list, int kind) {
  json items = json::array();
  for (const WordDoc& w : list) items.push_back(json{{"label", w.word}, {"kind", kind}, {"documentation", w.doc}});
  return items;
}

// The table or ledger a column typed with its name looks up, for `column.`: the column of that name
// in the program's sources (a lookup column's name is the same in every source that has it, or the
// first one found is as good a guess as the editor can make).
const ast::Source* looked_up_by(const TypedProgram& t, const std::string& column) {
  for (const ast::Module* m : t.modules) {
    for (const ast::Source& s : m->sources) {
      for (const ast::Column& c : s.columns) {
        if (c.name.name != column) continue;
        auto g = t.globals.find(c.type.name.name);
        if (g != t.globals.end() && (g->second.kind == SymbolKind::Table || g->second.kind == SymbolKind::Ledger)) {
          return static_cast<const ast::Source*>(g->second.decl);
        }
      }
    }
  }
  return nullptr;
}

}  // namespace

std::optional<json> completion_in_context(const std::string& text, size_t word_start, const TypedProgram* t) {
  const size_t before = skip_blanks_back(text, word_start);
  // `convert(amount, to: EUR, at: |`: the days.
  if (before > 0 && text[before - 1] == ':' && word_ending(text, skip_blanks_back(text, before - 1)) == "at") {
    return word_items(convert_days(), 21);
  }
  // `subscription_id: Text as |`: the roles (a word before `as`, so not `as` alone in an expression).
  if (word_ending(text, before) == "as" && before >= 2) {
    return word_items(column_roles(), 21);
  }
  // `subscription.|`, `sku.|` in a filter: the columns of the ledger or table the column looks up.
  if (t && before > 0 && text[before - 1] == '.') {
    const std::string object = word_ending(text, before - 1);
    if (object.empty() || object == "partner" || t->globals.count(object)) return std::nullopt;  // the general cases
    const ast::Source* target = looked_up_by(*t, object);
    if (!target) return std::nullopt;
    json items = json::array();
    for (const ast::Column& c : target->columns) {
      items.push_back(json{{"label", c.name.name}, {"kind", 5}, {"detail", fmt::format("{}.{}: {}", target->name.name, c.name.name, c.type.name.name)}});
    }
    return items;
  }
  return std::nullopt;
}

std::optional<WordHover> hover_of_word(const std::string& text, size_t offset) {
  if (offset > text.size()) return std::nullopt;
  size_t begin = offset, end = offset;
  while (begin > 0 && word_char(text[begin - 1])) --begin;
  while (end < text.size() && word_char(text[end])) ++end;
  if (begin == end) return std::nullopt;
  const std::string word = text.substr(begin, end - begin);
  const size_t prev_end = skip_blanks_back(text, begin);
  const std::string before = prev_end > 0 && text[prev_end - 1] == '.' ? std::string(".") : word_ending(text, prev_end);
  size_t next = end;
  while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
  const bool call = next < text.size() && text[next] == '(';
  size_t after_end = next;
  while (after_end < text.size() && word_char(text[after_end])) ++after_end;
  std::string markdown = builtin_hover(word, before, text.substr(next, after_end - next), call);
  if (markdown.empty()) return std::nullopt;
  return WordHover{std::move(markdown), static_cast<uint32_t>(begin), static_cast<uint32_t>(end)};
}

}  // namespace rebate::server
