// The printer: a parsed module and its source tokens in, the layout document of its canonical form out
// (docs/style.md says what that form is).
//
// The AST says what to print; the tokens say how it was spelled. The printer walks the module's
// declarations in source order and takes the tokens in the same order as it prints them, so that every
// text of the document carries the offset of the token it reprints (which is how the renderer places the
// comments) and literals keep their spelling (`100_000 USD`, `"say \"hi\""`, `1_049.35`). Parentheses
// the source wrote are kept (doubled ones once), and added where the tree needs them and the source had
// none; trailing commas are dropped. `mismatches()` counts the places where the tokens did not say what
// the tree did: none for any file that parsed, which format.cpp checks.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "ast/ast.h"
#include "format/doc.h"
#include "format/tokens.h"

namespace rebate::format {

class Printer {
 public:
  Printer(Doc& doc, const SourceTokens& tokens) : doc_(doc), tokens_(tokens) {}

  // The whole file (finished: ready for render()).
  DocId module(const ast::Module& m);

  // Tokens the printer expected and did not find, or found and did not print. Zero unless the printer
  // and the parser disagree (a bug).
  size_t mismatches() const { return mismatches_ + (tokens_.code.size() - pos_); }

 private:
  // ---- tokens (print_tokens.cpp) ----
  DocId tok(std::string_view text);   // the next token, which must read `text`
  DocId next_tok();                   // the next token, whatever it reads (a literal, a name)
  void skip(std::string_view text);   // drops the next token if it reads `text` (a trailing comma)
  DocId space() { return doc_.text(" "); }
  DocId ident(const ast::Ident& name) { return tok(name.name); }
  size_t token_at(uint32_t offset) const;          // index of the first token starting at or after `offset`
  size_t paren_levels(const Span& span) const;     // how many `(...)` pairs wrap exactly `span`
  bool comments_between(uint32_t begin, uint32_t end) const;

  // ---- declarations (print_decls.cpp) ----
  DocId import_decl(const ast::Import& d);
  DocId program(const ast::Program& d);
  DocId enumeration(const ast::Enum& d);
  DocId source(const ast::Source& d);
  DocId column(const ast::Column& c);
  DocId calendar(const ast::Calendar& d);
  DocId constant(const ast::Const& d);
  DocId measure(const ast::Measure& d);
  DocId group(const ast::Group& d);
  DocId tiers(const ast::Tiers& d);
  DocId decision(const ast::Decision& d);
  DocId rebate(const ast::Rebate& d);
  DocId clause(const ast::Clause& c);
  DocId award(const ast::Award& d);
  DocId metric(const ast::Award& d);
  DocId budget(const ast::Budget& d);
  DocId test(const ast::Test& d);
  DocId given(const ast::TestGiven& g);
  DocId expect(const ast::TestExpect& e);
  DocId settings(const std::vector<ast::Setting>& settings);
  DocId names(const std::vector<ast::Ident>& list);                                 // `a, b, c`
  void keyword(std::vector<DocId>& parts, std::string_view word);                   // ` as `, ` from `, ...
  DocId binding(const ast::Ident& name, const std::optional<ast::TypeRef>& type);  // `name: Type = `
  // `{`, the items `items` builds (after the `{`, so that tokens are taken in order), `}`: one item a line.
  DocId block(const std::function<std::vector<DocId>()>& items);
  DocId type(const ast::TypeRef& t);

  // ---- tables (print_tables.cpp): one row a line, aligned into columns ----
  std::vector<DocId> tier_rows(const ast::Tiers& d);
  std::vector<DocId> decision_rows(const ast::Decision& d);
  std::vector<DocId> award_rows(const ast::Award& d);
  DocId pattern(const ast::Pattern& p);

  // ---- expressions (print_exprs.cpp) ----
  DocId expr(const ast::Expr& e, int min_precedence = 0);
  DocId expr_inner(const ast::Expr& e);
  DocId binary_chain(const ast::Expr& e);
  DocId call_args(const ast::Expr& e, size_t first_value);
  DocId list(const ast::Expr& e);
  DocId literal(const ast::Expr& e);

  Doc& doc_;
  const SourceTokens& tokens_;
  size_t pos_ = 0;          // the next token to print
  size_t mismatches_ = 0;
};

// How tightly an expression binds, as the grammar's precedence climbing sees it (higher binds tighter).
int precedence(const ast::Expr& e);

}  // namespace rebate::format
