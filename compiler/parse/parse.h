// The parse phase: source text in, AST out. The only part of the compiler that sees ANTLR.
#pragma once

#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "source/source.h"

namespace rebate {

// Limits that keep hostile input from exhausting memory or the stack.
inline constexpr size_t kMaxSourceBytes = 4 * 1024 * 1024;
inline constexpr int kMaxNesting = 256;
inline constexpr size_t kMaxErrorsPerFile = 50;

// Parses one file. Problems become diagnostics; the module holds whatever could be recovered.
// Expression ids are numbered from `first_expr_id` so that ids stay unique across the files of a program.
ast::Module parse_module(const SourceFile& file, ast::ExprId first_expr_id, Diagnostics& diags);

// The token stream of a file, for --dump=tokens.
std::string dump_tokens(const SourceFile& file);

// What a token is, for highlighting (the language server's semantic tokens) and for the formatter.
enum class TokenClass { Keyword, Name, Number, String, DocComment, Comment, Operator };
struct ClassifiedToken {
  Span span;
  TokenClass token_class;
};
// The tokens of a file in order, comments included (`//` and `/* */` ones as Comment, `///` ones as
// DocComment); none for a file over kMaxSourceBytes.
std::vector<ClassifiedToken> classify_tokens(const SourceFile& file);

// For tests: the first token on which the hand-written lexer (parse/lexer.h) and the lexer ANTLR generates
// from grammar/Rebate.g4 disagree (type, channel, position or text), or "" when they agree throughout.
std::string lexer_difference(const std::string& text);

}  // namespace rebate
