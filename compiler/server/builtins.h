// The language's own words for the language server, with the doc that completion, signature help and
// hover show: the aggregates, the built-in functions (with their parameters), the declaration and clause
// keywords, the column roles and the days of a `convert`. One table each, as docs/language.md has them,
// so that a word the language gains is added once (builtins.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rebate::server {

struct Signature {
  const char* name;
  const char* label;
  std::vector<const char*> parameters;  // substrings of the label
  const char* doc;
};

// A word with a line of doc: a keyword (`fund`, `claims ledger`), a column role (`key`), a `convert` day.
struct WordDoc {
  const char* word;
  const char* doc;
};

const std::vector<Signature>& aggregate_signatures();  // sum, count, ...: methods of a ledger or group
const std::vector<Signature>& function_signatures();   // min, round, starts_with, convert, ...
const std::vector<WordDoc>& declaration_keywords();    // `ledger`, `claims ledger`, `fund`, ...
const std::vector<WordDoc>& clause_keywords();         // `pay`, `cap`, `accrue`, `pay claims from`, ...
const std::vector<WordDoc>& column_roles();            // after `as` in a column: `key`, `partner`, ...
const std::vector<WordDoc>& convert_days();            // after `at:` in `convert`: `line_date`, ...

const Signature* function_signature(std::string_view name);
const Signature* aggregate_signature(std::string_view name);
// The hover text of a word of the language that is not a name of the program (a keyword, a role, a
// `convert` day, a function), in Markdown; empty when `word` is none. `before` and `after` are the words
// around it (`claims` before `ledger`, `as` before `key`; "." when a dot is before it), `call` whether a
// `(` follows it.
std::string builtin_hover(std::string_view word, std::string_view before, std::string_view after, bool call);

}  // namespace rebate::server
