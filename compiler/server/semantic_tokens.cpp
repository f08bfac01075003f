// Semantic tokens: the document's tokens (parse.h: classify_tokens) coloured by what the checker resolved
// them to, and the legend initialize announces (features.h).
#include <cctype>
#include <map>
#include <string_view>

#include "parse/parse.h"
#include "server/features.h"
#include "server/server.h"

namespace rebate::server {

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

}  // namespace rebate::server
