// The hand-written lexer; each case below names the lexer rule of grammar/Rebate.g4 it implements.
// ANTLR's rule for ties applies throughout: the longest match wins, and among matches of equal length the
// keywords and operators written in parser rules come first, then the lexer rules in grammar order.
#include "parse/lexer.h"

#include <array>
#include <unordered_map>
#include <vector>

#include "RebateLexer.h"
#include "parse/parse.h"

namespace rebate {
namespace {

using rebate_antlr::RebateLexer;

constexpr size_t kDocChannel = 2;
constexpr size_t kCommentChannel = antlr4::Token::HIDDEN_CHANNEL;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_word(char c) { return is_word_start(c) || is_digit(c); }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

struct Tables {
  std::unordered_map<std::string_view, size_t> words;  // keywords
  struct Operator {
    std::string text;
    size_t type;
  };
  std::array<std::vector<Operator>, 128> operators;  // by first character, longest first
  std::unordered_map<std::string, size_t> literals;    // every literal, for literal_type
};

const antlr4::dfa::Vocabulary& lexer_vocabulary() {
  // The vocabulary is a static of the generated class; an instance on an empty input reaches it.
  static antlr4::ANTLRInputStream empty("");
  static RebateLexer lexer(&empty);
  return lexer.getVocabulary();
}

const Tables& tables() {
  static const Tables built = [] {
    Tables t;
    const auto& vocab = lexer_vocabulary();
    auto add_operator = [&](const std::string& text, size_t type) {
      auto& list = t.operators[static_cast<unsigned char>(text[0])];
      list.push_back(Tables::Operator{text, type});
      for (size_t i = list.size() - 1; i > 0 && list[i - 1].text.size() < list[i].text.size(); --i) {
        std::swap(list[i - 1], list[i]);
      }
    };
    for (size_t type = 1; type <= vocab.getMaxTokenType(); ++type) {
      std::string literal = vocab.getLiteralName(type);
      if (literal.size() < 3 || literal.front() != '\'') continue;
      std::string text = literal.substr(1, literal.size() - 2);
      t.literals.emplace(text, type);
      if (is_word_start(text[0])) {
        // `_` is the WILDCARD rule's literal; it is matched as a word below.
        t.words.emplace(t.literals.find(text)->first, type);
      } else if (static_cast<unsigned char>(text[0]) < 128) {
        add_operator(text, type);
      }
    }
    // FOREIGN_OPERATOR : '&&' | '&' | '||' | '!' | '===' | ';' ;
    for (const char* op : {"&&", "&", "||", "!", "===", ";"}) add_operator(op, RebateLexer::FOREIGN_OPERATOR);
    return t;
  }();
  return built;
}

// DIGITS : DIGIT ( '_'? DIGIT )* ; the end of the longest match at `p` (a digit).
size_t digits_end(std::string_view s, size_t p) {
  ++p;
  while (p < s.size()) {
    if (is_digit(s[p])) {
      ++p;
    } else if (s[p] == '_' && p + 1 < s.size() && is_digit(s[p + 1])) {
      p += 2;
    } else {
      break;
    }
  }
  return p;
}

// Bytes in the UTF-8 sequence led by `c` (the input is valid UTF-8 by the time the parser lexes it).
size_t sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

}  // namespace

const antlr4::dfa::Vocabulary& RebateTokenSource::vocabulary() { return lexer_vocabulary(); }

size_t RebateTokenSource::literal_type(std::string_view literal) {
  const auto& literals = tables().literals;
  auto it = literals.find(std::string(literal));
  return it == literals.end() ? static_cast<size_t>(RebateLexer::UNEXPECTED_CHAR) : it->second;
}

antlr4::TokenFactory<antlr4::CommonToken>* RebateTokenSource::getTokenFactory() {
  return antlr4::CommonTokenFactory::DEFAULT.get();
}

void RebateTokenSource::advance_to(size_t end) {
  for (; pos_ < end; ++pos_) {
    auto c = static_cast<unsigned char>(text_[pos_]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: same code point
    ++code_point_;
    if (c == '\n') {
      ++line_;
      column_ = 0;
    } else {
      ++column_;
    }
  }
}

std::unique_ptr<antlr4::Token> RebateTokenSource::make(size_t type, size_t channel, size_t begin, size_t end) {
  // The token's line and column are read from this source while pos_ is still at its start.
  size_t start = code_point_;
  auto token = std::make_unique<antlr4::CommonToken>(std::pair<antlr4::TokenSource*, antlr4::CharStream*>(this, nullptr),
                                                     type, channel, start, start);
  token->setText(std::string(text_.substr(begin, end - begin)));
  advance_to(end);
  token->setStopIndex(code_point_ - 1);
  return token;
}

std::unique_ptr<antlr4::Token> RebateTokenSource::nextToken() {
  const std::string_view s = text_;
  const size_t n = s.size();
  const Tables& t = tables();
  while (pos_ < n) {
    const size_t p = pos_;
    const char c = s[p];
    // WS : [ \t\r\n\f]+ -> skip ;
    if (is_space(c)) {
      size_t e = p + 1;
      while (e < n && is_space(s[e])) ++e;
      advance_to(e);
      continue;
    }
    if (c == '/' && p + 1 < n && s[p + 1] == '/') {
      size_t e = p + 2;
      while (e < n && s[e] != '\r' && s[e] != '\n') ++e;
      // DOC_COMMENT : '///' ~[\r\n]* -> channel(2) ;   LINE_COMMENT : '//' ~[\r\n]* -> channel(HIDDEN) ;
      if (p + 2 < n && s[p + 2] == '/') return make(RebateLexer::DOC_COMMENT, kDocChannel, p, e);
      return make(RebateLexer::LINE_COMMENT, kCommentChannel, p, e);
    }
    if (c == '/' && p + 1 < n && s[p + 1] == '*') {
      // BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;   UNTERMINATED_COMMENT : ... EOF ; (no `*/` up to the end)
      size_t close = s.find("*/", p + 2);
      if (close == std::string_view::npos) {
        return make(RebateLexer::UNTERMINATED_COMMENT, antlr4::Token::DEFAULT_CHANNEL, p, n);
      }
      return make(RebateLexer::BLOCK_COMMENT, kCommentChannel, p, close + 2);
    }
    if (is_word_start(c)) {
      // Keywords, then CODE : [A-Z] [A-Z] [A-Z] ; WILDCARD : '_' ; IDENT : [a-zA-Z_] [a-zA-Z0-9_]* ;
      size_t e = p + 1;
      while (e < n && is_word(s[e])) ++e;
      std::string_view word = s.substr(p, e - p);
      size_t type = RebateLexer::IDENT;
      auto it = t.words.find(word);
      if (it != t.words.end()) {
        type = it->second;
      } else if (word.size() == 3 && is_upper(word[0]) && is_upper(word[1]) && is_upper(word[2])) {
        type = RebateLexer::CODE;
      }
      return make(type, antlr4::Token::DEFAULT_CHANNEL, p, e);
    }
    if (is_digit(c)) {
      // INT : DIGITS ;  DECIMAL : DIGITS '.' DIGITS ;  PERCENT : (DIGITS | DIGITS '.' DIGITS) '%' ;
      size_t e = digits_end(s, p);
      size_t type = RebateLexer::INT;
      if (e < n && s[e] == '.' && e + 1 < n && is_digit(s[e + 1])) {
        e = digits_end(s, e + 1);
        type = RebateLexer::DECIMAL;
      }
      if (e < n && s[e] == '%') {
        ++e;
        type = RebateLexer::PERCENT;
      }
      // DATE : DDDD '-' DD '-' DD ;  PERIOD : DDDD '-' ( [QH] D | DD ) ;  longer than any number that
      // shares their start, which ends at the `-`.
      auto digit_at = [&](size_t k) { return k < n && is_digit(s[k]); };
      if (digit_at(p + 1) && digit_at(p + 2) && digit_at(p + 3) && p + 4 < n && s[p + 4] == '-' && p + 6 < n) {
        if (digit_at(p + 5) && digit_at(p + 6)) {
          if (p + 7 < n && s[p + 7] == '-' && digit_at(p + 8) && digit_at(p + 9)) {
            return make(RebateLexer::DATE, antlr4::Token::DEFAULT_CHANNEL, p, p + 10);
          }
          return make(RebateLexer::PERIOD, antlr4::Token::DEFAULT_CHANNEL, p, p + 7);
        }
        if ((s[p + 5] == 'Q' || s[p + 5] == 'H') && digit_at(p + 6)) {
          return make(RebateLexer::PERIOD, antlr4::Token::DEFAULT_CHANNEL, p, p + 7);
        }
      }
      return make(type, antlr4::Token::DEFAULT_CHANNEL, p, e);
    }
    if (c == '"') {
      // STRING : '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '"' ;
      // UNTERMINATED_STRING : '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '\\'? ;
      size_t e = p + 1;
      while (e < n) {
        char d = s[e];
        if (d == '"') return make(RebateLexer::STRING, antlr4::Token::DEFAULT_CHANNEL, p, e + 1);
        if (d == '\r' || d == '\n') break;
        if (d == '\\') {
          if (e + 1 < n && s[e + 1] != '\r' && s[e + 1] != '\n') {
            e += 2;
            continue;
          }
          ++e;  // the optional trailing backslash
          break;
        }
        ++e;
      }
      return make(RebateLexer::UNTERMINATED_STRING, antlr4::Token::DEFAULT_CHANNEL, p, e);
    }
    if (c == '\'') {
      // SINGLE_QUOTED : '\'' ~['\r\n]* '\'' ; unclosed, the quote is an UNEXPECTED_CHAR.
      size_t e = p + 1;
      while (e < n && s[e] != '\'' && s[e] != '\r' && s[e] != '\n') ++e;
      if (e < n && s[e] == '\'') return make(RebateLexer::SINGLE_QUOTED, antlr4::Token::DEFAULT_CHANNEL, p, e + 1);
      return make(RebateLexer::UNEXPECTED_CHAR, antlr4::Token::DEFAULT_CHANNEL, p, p + 1);
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 128) {
      // Operators and punctuation, longest first; FOREIGN_OPERATOR among them.
      for (const auto& op : t.operators[u]) {
        if (s.compare(p, op.text.size(), op.text) == 0) {
          return make(op.type, antlr4::Token::DEFAULT_CHANNEL, p, p + op.text.size());
        }
      }
    }
    // UNEXPECTED_CHAR : . ;  one code point.
    return make(RebateLexer::UNEXPECTED_CHAR, antlr4::Token::DEFAULT_CHANNEL, p, std::min(n, p + sequence_length(u)));
  }
  // EOF, as ANTLR's lexer emits it: empty, at the end, shown as "<EOF>".
  auto eof = std::make_unique<antlr4::CommonToken>(std::pair<antlr4::TokenSource*, antlr4::CharStream*>(this, nullptr),
                                                   antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL, code_point_,
                                                   code_point_ - 1);
  eof->setText("<EOF>");
  return eof;
}

std::string lexer_difference(const std::string& text) {
  antlr4::ANTLRInputStream input(text);
  RebateLexer generated(&input);
  generated.removeErrorListeners();
  RebateTokenSource handwritten(text);
  for (size_t i = 0;; ++i) {
    std::unique_ptr<antlr4::Token> a = generated.nextToken();
    std::unique_ptr<antlr4::Token> b = handwritten.nextToken();
    auto show = [](const antlr4::Token& t) {
      return std::to_string(t.getType()) + "/" + std::to_string(t.getChannel()) + " " + std::to_string(t.getStartIndex()) +
             ".." + std::to_string(t.getStopIndex()) + " " + std::to_string(t.getLine()) + ":" +
             std::to_string(t.getCharPositionInLine()) + " `" + t.getText() + "`";
    };
    std::string want = show(*a), got = show(*b);
    if (want != got) return "token " + std::to_string(i) + ": generated " + want + ", hand-written " + got;
    if (a->getType() == antlr4::Token::EOF) return {};
  }
}

}  // namespace rebate
