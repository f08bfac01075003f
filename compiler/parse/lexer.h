// The lexer: the token rules of grammar/Rebate.g4, implemented by hand for speed.
//
// The grammar stays the definition of the tokens: their types and the keyword and operator spellings
// come from the generated RebateLexer's vocabulary, and parse_test.cpp checks that this lexer and the
// generated one produce the same tokens (type, channel, position, text) on tricky inputs. ANTLR's
// generated lexer costs about 800 instructions per byte (a DFA walk with a lock per character and a
// shared_ptr per state); this one costs a few dozen, and it reads the UTF-8 text directly instead of a
// copy decoded to UTF-32.
//
// Token positions are what ANTLR's would be: start and stop indices in code points (TokenPositions maps
// them to bytes), lines from 1, columns in code points from 0. Whitespace is skipped, `//` and `/* */`
// comments go to the hidden channel and `///` doc comments to channel 2, like the grammar's lexer rules.
#pragma once

#include <antlr4-runtime.h>

#include <memory>
#include <string>
#include <string_view>

namespace rebate {

class RebateTokenSource : public antlr4::TokenSource {
 public:
  // `text` must outlive the token source (the tokens copy their text).
  explicit RebateTokenSource(std::string_view text) : text_(text) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return column_; }
  antlr4::CharStream* getInputStream() override { return nullptr; }
  std::string getSourceName() override { return "<rebate>"; }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override;

  // The token type of a keyword or operator as written ("and", "=="), or UNEXPECTED_CHAR if there is none.
  static size_t literal_type(std::string_view literal);
  // The grammar's vocabulary (token names for messages and --dump=tokens).
  static const antlr4::dfa::Vocabulary& vocabulary();

 private:
  std::unique_ptr<antlr4::Token> make(size_t type, size_t channel, size_t begin, size_t end);
  void advance_to(size_t end);  // moves pos_, line_, column_ and the code point index to byte `end`

  std::string_view text_;
  size_t pos_ = 0;         // byte offset
  size_t code_point_ = 0;  // code point index of pos_
  size_t line_ = 1;
  size_t column_ = 0;
};

}  // namespace rebate
