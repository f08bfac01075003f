// The parse phase: byte checks, lexing, a nesting guard, a two-stage ANTLR parse (fast SLL first, full
// LL with error recovery only when SLL fails) and the AST build.
#include "parse/parse.h"

#include <antlr4-runtime.h>
#include <cctype>
#include <fmt/format.h>

#include "RebateLexer.h"
#include "RebateParser.h"
#include "core/currency.h"
#include "parse/ast_builder.h"
#include "parse/input_checks.h"
#include "parse/lexer.h"
#include "parse/token_positions.h"

namespace rebate {
namespace {

using rebate_antlr::RebateLexer;
using rebate_antlr::RebateParser;

constexpr int kHiddenErrorChannel = 3;

struct TooManyErrors {};

size_t bom_length(const std::string& text) { return text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0; }

std::string token_display(const antlr4::Token* t) {
  // A declaration parsed on its own ends with an EOF that carries the next declaration's first word.
  if (t->getType() == antlr4::Token::EOF) return t->getText() == "<EOF>" || t->getText().empty() ? "end of file" : fmt::format("`{}`", t->getText());
  std::string text = t->getText();
  if (text.size() > 30) text = text.substr(0, 27) + "...";
  return fmt::format("`{}`", text);
}

// What a token kind is called in a message: keywords and punctuation as written, the rest by role.
std::string expected_display(const antlr4::dfa::Vocabulary& vocab, size_t type) {
  switch (type) {
    case RebateParser::IDENT: return "a name";
    case RebateParser::STRING: return "a quoted text";
    case RebateParser::INT: return "a number";
    case RebateParser::DECIMAL: return "a decimal number";
    case RebateParser::PERCENT: return "a percentage";
    case RebateParser::DATE: return "a date";
    case RebateParser::PERIOD: return "a period";
    case antlr4::Token::EOF: return "the end of the file";
    default: break;
  }
  std::string literal = vocab.getLiteralName(type);
  if (literal.size() >= 2 && literal.front() == '\'') return "`" + literal.substr(1, literal.size() - 2) + "`";
  return vocab.getDisplayName(type);
}

// Collects ANTLR's syntax errors as diagnostics with our own wording.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  SyntaxErrorListener(const TokenPositions& pos, Diagnostics& diags, size_t& errors)
      : pos_(pos), diags_(diags), errors_(errors) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t, size_t,
                   const std::string& antlr_message, std::exception_ptr) override {
    if (++errors_ > kMaxErrorsPerFile) throw TooManyErrors{};
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    std::string found = offending ? token_display(offending) : "this";
    std::string message = fmt::format("unexpected {}", found);
    std::string help;
    if (parser && offending) {
      antlr4::misc::IntervalSet expected = parser->getExpectedTokens();
      const auto& vocab = parser->getVocabulary();
      std::vector<std::string> names;
      for (size_t t : expected.toList()) names.push_back(expected_display(vocab, t));
      size_t close_brace = 0;
      for (size_t t = 1; t <= vocab.getMaxTokenType(); ++t) {
        if (vocab.getLiteralName(t) == "'}'") close_brace = t;
      }
      if (offending->getType() == antlr4::Token::EOF && close_brace && expected.contains(close_brace)) {
        message = fmt::format("expected `}}` to close this declaration, found {}", found);
        help = "every `{` needs its `}`";
      } else if (expected.contains(static_cast<size_t>(RebateParser::IDENT)) && expected.contains(static_cast<size_t>(RebateParser::INT))) {
        message = fmt::format("expected an expression, found {}", found);
      } else if (!names.empty() && names.size() <= 4) {
        std::string list;
        for (size_t i = 0; i < names.size(); ++i) {
          list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
        }
        message = fmt::format("expected {}, found {}", list, found);
      }
      if (help.empty()) help = help_for(offending);
      if (help.empty()) help = help_after_number(*parser, offending);
    } else if (!antlr_message.empty()) {
      message = antlr_message;
    }
    Span where = offending ? pos_.span(offending) : Span{pos_.file(), 0, 0};
    auto& d = diags_.report(DiagKind::SyntaxError, where, message);
    if (!help.empty()) d.with_help(help);
  }

 private:
  static std::string help_for(antlr4::Token* offending) {
    std::string text = offending->getText();
    if (text == "=") return "comparison is written `==`; `=` only defines a name";
    if (text == ">=" || text == "<=" || text == ">" || text == "<") {
      return "in a decision row, comparisons are words: `at least 100`, `at most 100`, `above 100`, `below 100`";
    }
    return {};
  }

  // `100 usd`, `5 units`: only a currency code or a duration word may follow a number.
  static std::string help_after_number(antlr4::Parser& parser, antlr4::Token* offending) {
    if (offending->getType() != RebateParser::IDENT) return {};
    antlr4::TokenStream* stream = parser.getTokenStream();
    for (size_t i = offending->getTokenIndex(); i-- > 0;) {
      antlr4::Token* t = stream->get(i);
      if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
      if (t->getType() != RebateParser::INT && t->getType() != RebateParser::DECIMAL) return {};
      std::string upper = offending->getText();
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (is_currency_code(upper)) return fmt::format("currency codes are written in capitals: `{} {}`", t->getText(), upper);
      return "after a number comes a currency code (`100 USD`) or a duration (`30 days`), or an operator";
    }
    return {};
  }

  const TokenPositions& pos_;
  Diagnostics& diags_;
  size_t& errors_;
};

// Reports lexical errors and hides their tokens from the parser so that one bad character gives one
// diagnostic, not a cascade of syntax errors.
// After kMaxErrorsPerFile of them the rest go to a scratch list and one E0110 says so: a megabyte of `$`
// must not become a million diagnostics.
void check_tokens(antlr4::CommonTokenStream& stream, const TokenPositions& pos, Diagnostics& reported) {
  const size_t first = reported.all().size();
  Diagnostics overflow;
  antlr4::Token* first_dropped = nullptr;
  for (antlr4::Token* t : stream.getTokens()) {
    if (!overflow.all().empty()) overflow = Diagnostics{};
    bool full = reported.all().size() - first >= kMaxErrorsPerFile;
    Diagnostics& diags = full ? overflow : reported;
    size_t type = t->getType();
    if (full && !first_dropped &&
        (type == RebateLexer::UNEXPECTED_CHAR || type == RebateLexer::FOREIGN_OPERATOR || type == RebateLexer::SINGLE_QUOTED ||
         type == RebateLexer::UNTERMINATED_STRING || type == RebateLexer::UNTERMINATED_COMMENT)) {
      first_dropped = t;
    }
    auto* token = dynamic_cast<antlr4::CommonToken*>(t);
    switch (t->getType()) {
      case RebateLexer::UNEXPECTED_CHAR: {
        std::string text = t->getText();
        auto& d = diags.report(DiagKind::UnexpectedCharacter, pos.span(t),
                               fmt::format("unexpected character `{}`", text));
        if (text == "'") d.with_help("text is written in double quotes, as in \"EV\"");
        else if (text == "$" || text == "\xE2\x82\xAC" || text == "\xC2\xA3")
          d.with_help("write the currency code after the amount, as in `100 USD`");
        else if (text == "&" || text == "|") d.with_help("write `and` / `or`");
        else if (text == ";") d.with_help("declarations and clauses need no `;`");
        else if (text == "%") d.with_help("a percentage is written with its number, as in `5%`");
        break;
      }
      case RebateLexer::FOREIGN_OPERATOR: {
        // Reported once, then read as the operator that was meant, so the parse goes on undisturbed.
        std::string text = t->getText();
        std::string instead = text == "&&" || text == "&" ? "and" : text == "||" ? "or" : text == "!" ? "not"
                              : text == "===" ? "==" : "";
        if (text == ";") {
          diags.report(DiagKind::UnexpectedCharacter, pos.span(t), "unexpected `;`")
              .with_help("declarations and clauses need no `;`");
          break;
        }
        diags.report(DiagKind::UnexpectedCharacter, pos.span(t), fmt::format("`{}` is not an operator in Rebate", text))
            .with_help(fmt::format("write `{}`", instead));
        if (token) token->setType(RebateTokenSource::literal_type(instead));
        continue;
      }
      case RebateLexer::SINGLE_QUOTED:
        diags.report(DiagKind::UnexpectedCharacter, pos.span(t), "text is written in double quotes")
            .with_help(fmt::format("write \"{}\"", t->getText().substr(1, t->getText().size() - 2)));
        if (token) token->setType(RebateLexer::STRING);
        continue;
      case RebateLexer::UNTERMINATED_STRING:
        diags.report(DiagKind::UnterminatedString, pos.span(t), "this string has no closing `\"`")
            .with_label("string starts here")
            .with_help("close it with `\"` on the same line; write `\\\"` for a quote inside text");
        // Parse on as if it were closed at the end of the line: one mistake, one diagnostic.
        if (token) token->setType(RebateLexer::STRING);
        continue;
      case RebateLexer::UNTERMINATED_COMMENT:
        diags.report(DiagKind::UnterminatedComment, Span{pos.file(), pos.span(t).begin, pos.span(t).begin + 2},
                     "this comment has no closing `*/`")
            .with_help("close the comment with `*/`");
        break;
      default:
        continue;
    }
    if (token) token->setChannel(kHiddenErrorChannel);
  }
  if (reported.all().size() - first >= kMaxErrorsPerFile && first_dropped) {
    reported.report(DiagKind::TooManyErrors, pos.span(first_dropped),
                    fmt::format("more than {} unexpected characters or unclosed literals; the rest are not shown",
                                kMaxErrorsPerFile))
        .with_help("is this a rebate file? fix the first errors: later ones often follow from them");
  }
}

bool is_prefix_context(size_t previous_type) {
  switch (previous_type) {
    case RebateParser::IDENT: case RebateParser::INT: case RebateParser::DECIMAL: case RebateParser::PERCENT:
    case RebateParser::DATE: case RebateParser::PERIOD: case RebateParser::STRING:
      return false;
    default:
      return true;
  }
}

// The token types of the keywords and punctuation that the passes below look at (by type, not by text:
// getText() copies a string per token).
struct Kinds {
  size_t open_paren, open_bracket, open_brace, close_paren, close_bracket, close_brace;
  size_t comma, colon, equals, arrow, if_, otherwise, not_, minus, plus, partner, table, metric, fund, string;
  size_t ledger, fx, payments, claims, as;
  std::vector<bool> declaration;  // by type: the keywords that start a declaration
};

const Kinds& kinds() {
  static const Kinds k = [] {
    auto type = [](std::string_view literal) { return RebateTokenSource::literal_type(literal); };
    Kinds out{type("("), type("["), type("{"), type(")"), type("]"), type("}"), type(","), type(":"), type("="),
              type("=>"), type("if"), type("otherwise"), type("not"), type("-"), type("+"), type("partner"),
              type("table"), type("metric"), type("fund"), RebateLexer::STRING,
              type("ledger"), type("fx"), type("payments"), type("claims"), type("as"), {}};
    out.declaration.assign(RebateTokenSource::vocabulary().getMaxTokenType() + 1, false);
    for (const char* w : {"import", "program", "enum", "table", "ledger", "calendar", "const", "measure", "group",
                          "tiers", "decision", "rebate", "award", "budget", "test"}) {
      out.declaration[type(w)] = true;
    }
    return out;
  }();
  return k;
}

bool starts_declaration(size_t type) {
  const auto& d = kinds().declaration;
  return type < d.size() && d[type];
}

// ANTLR's recursive descent recurses once per nesting level, so a file of 10,000 `(` would exhaust the
// stack before the AST builder could count levels. This pass estimates nesting from tokens alone:
// brackets, plus prefix operators and `if` / `otherwise` chains inside one bracket level.
bool check_nesting(antlr4::CommonTokenStream& stream, const TokenPositions& pos, Diagnostics& diags) {
  const Kinds& k = kinds();
  std::vector<int> chain{0};
  int depth = 0;
  size_t previous = antlr4::Token::INVALID_TYPE;
  for (antlr4::Token* t : stream.getTokens()) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    size_t type = t->getType();
    bool opener = type == k.open_paren || type == k.open_bracket || type == k.open_brace;
    bool closer = type == k.close_paren || type == k.close_bracket || type == k.close_brace;
    if (opener) {
      ++depth;
      chain.push_back(0);
    } else if (closer) {
      if (depth > 0) {
        --depth;
        chain.pop_back();
      }
    } else if (type == k.comma || type == k.colon || type == k.equals || type == k.arrow) {
      chain.back() = 0;
    } else if (type == k.if_ || type == k.otherwise || type == k.not_ ||
               ((type == k.minus || type == k.plus) && is_prefix_context(previous))) {
      ++chain.back();
    }
    int total = depth;
    for (int c : chain) total += c;
    if (total > kMaxNesting) {
      diags.report(DiagKind::NestingTooDeep, pos.span(t),
                   fmt::format("nesting deeper than {} levels", kMaxNesting))
          .with_help("split the expression into named measures or constants");
      return false;
    }
    previous = t->getType();
  }
  return true;
}

// `metric` and `fund` are also names (a column, a measure), so they start a declaration only as
// `metric NAME :` and `fund NAME {` or `fund NAME "Title"`.
bool starts_metric(antlr4::CommonTokenStream& tokens, size_t i, size_t count) {
  const size_t type = tokens.get(i)->getType();
  if (type != kinds().metric && type != kinds().fund) return false;
  size_t seen = 0;
  for (size_t j = i + 1; j < count; ++j) {
    antlr4::Token* t = tokens.get(j);
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    if (++seen < 2) continue;
    if (type == kinds().metric) return t->getType() == kinds().colon;
    return t->getType() == kinds().open_brace || t->getType() == kinds().string;
  }
  return false;
}

// Whether the next token of the default channel after `i` has type `type`.
bool next_is(antlr4::CommonTokenStream& tokens, size_t i, size_t count, size_t type) {
  for (size_t j = i + 1; j < count; ++j) {
    antlr4::Token* t = tokens.get(j);
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return t->getType() == type;
  }
  return false;
}

// Whether `mark` (the word before `kind`) is part of the declaration keyword: `partner table`, `fx table`,
// `payments ledger`, `claims ledger`.
bool marks_declaration(size_t mark, size_t kind) {
  const Kinds& k = kinds();
  if (kind == k.table) return mark == k.partner || mark == k.fx;
  if (kind == k.ledger) return mark == k.payments || mark == k.claims;
  return false;
}

// [begin, end) token ranges, one per declaration: each starts at a declaration keyword (or the word
// that marks it: `partner table`, `claims ledger`, ...), with the comments right above it. These keywords
// never appear inside a declaration (but as a role, `as rebate`), so a missing `}` ends its declaration
// at the next one instead of running to the end of the file.
std::vector<std::pair<size_t, size_t>> declaration_chunks(antlr4::CommonTokenStream& tokens) {
  std::vector<size_t> starts;
  size_t count = tokens.size() - 1;  // the last token is EOF
  size_t previous_default = SIZE_MAX;
  for (size_t i = 0; i < count; ++i) {
    antlr4::Token* t = tokens.get(i);
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    // `rebate` is also a payments ledger's column (`rebate: Text as rebate`): a word after `as` or before
    // `:` names a column or a role, and starts nothing.
    const bool column_word = (previous_default != SIZE_MAX && tokens.get(previous_default)->getType() == kinds().as) ||
                             next_is(tokens, i, count, kinds().colon);
    if (!column_word && (starts_declaration(t->getType()) || starts_metric(tokens, i, count))) {
      size_t start = i;
      if (previous_default != SIZE_MAX && marks_declaration(tokens.get(previous_default)->getType(), t->getType())) {
        start = previous_default;
      }
      while (start > 0 && tokens.get(start - 1)->getChannel() != antlr4::Token::DEFAULT_CHANNEL) --start;
      // Plain comments (the hidden channel) at the front stay with the declaration before: the cut falls
      // where it fell when they were not tokens, and the next declaration's first word (for "found ...")
      // is what it was.
      while (start < i && tokens.get(start)->getChannel() == antlr4::Token::HIDDEN_CHANNEL) ++start;
      if (starts.empty() || start > starts.back()) starts.push_back(start);
    }
    previous_default = i;
  }
  std::vector<std::pair<size_t, size_t>> chunks;
  size_t first = starts.empty() ? count : starts.front();
  // Anything before the first declaration is parsed too, so that stray text there is reported.
  for (size_t i = 0; i < first; ++i) {
    if (tokens.get(i)->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
      chunks.emplace_back(0, first);
      break;
    }
  }
  for (size_t k = 0; k < starts.size(); ++k) {
    chunks.emplace_back(starts[k], k + 1 < starts.size() ? starts[k + 1] : count);
  }
  return chunks;
}

}  // namespace

ast::Module parse_module(const SourceFile& file, ast::ExprId first_expr_id, Diagnostics& diags) {
  ast::Module empty;
  empty.file = file.id();
  empty.first_expr_id = first_expr_id;
  if (!check_input_bytes(file, diags)) return empty;

  size_t skip = bom_length(file.text());
  TokenPositions positions(file.id(), file.text(), skip);
  RebateTokenSource lexer(std::string_view(file.text()).substr(skip));  // UNEXPECTED_CHAR catches everything
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  check_tokens(tokens, positions, diags);
  if (!check_nesting(tokens, positions, diags)) return empty;

  AstBuilder builder(positions, first_expr_id, diags);
  {
    // Stage 1: the whole file with SLL prediction, bailing at the first error. Valid files end here.
    RebateParser parser(&tokens);
    parser.removeErrorListeners();
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    RebateParser::FileContext* tree = nullptr;
    try {
      tree = parser.file();
    } catch (const antlr4::ParseCancellationException&) {
      tree = nullptr;
    }
    if (tree) {
      for (auto* item : tree->item()) builder.add(item, tokens);
      return builder.finish();
    }
  }
  // Stage 2: one declaration at a time, full LL with recovery, reporting every syntax error. Cutting
  // the file at declaration keywords keeps an error in one declaration from swallowing the next.
  size_t errors = 0;
  try {
    for (const auto& [begin, end] : declaration_chunks(tokens)) {
      std::vector<std::unique_ptr<antlr4::Token>> copies;
      for (size_t i = begin; i < end; ++i) copies.push_back(std::make_unique<antlr4::CommonToken>(tokens.get(i)));
      antlr4::Token* next = tokens.get(end);
      auto eof = std::make_unique<antlr4::CommonToken>(antlr4::Token::EOF,
                                                       next->getType() == antlr4::Token::EOF ? "<EOF>" : next->getText());
      eof->setStartIndex(next->getStartIndex());
      eof->setStopIndex(next->getStartIndex() - 1);
      copies.push_back(std::move(eof));
      antlr4::ListTokenSource source(std::move(copies));
      antlr4::CommonTokenStream chunk(&source);
      chunk.fill();
      RebateParser parser(&chunk);
      parser.removeErrorListeners();
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
      SyntaxErrorListener listener(positions, diags, errors);
      parser.addErrorListener(&listener);
      RebateParser::SingleItemContext* tree = parser.singleItem();
      if (tree && tree->item()) builder.add(tree->item(), chunk);
    }
  } catch (const TooManyErrors&) {
    diags.report(DiagKind::TooManyErrors, Span{file.id(), 0, 0},
                 fmt::format("more than {} syntax errors in `{}`; stopped reading it", kMaxErrorsPerFile, file.path()))
        .with_help("fix the first errors: later ones often follow from them");
  }
  return builder.finish();
}

std::vector<ClassifiedToken> classify_tokens(const SourceFile& file) {
  std::vector<ClassifiedToken> out;
  if (file.text().size() > kMaxSourceBytes) return out;
  size_t skip = bom_length(file.text());
  TokenPositions positions(file.id(), file.text(), skip);
  RebateTokenSource lexer(std::string_view(file.text()).substr(skip));
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  const auto& vocab = RebateTokenSource::vocabulary();
  for (antlr4::Token* t : tokens.getTokens()) {
    if (t->getType() == antlr4::Token::EOF) break;
    std::string kind = vocab.getSymbolicName(t->getType());
    TokenClass c = TokenClass::Operator;
    if (kind.empty()) {
      // A literal token of the grammar: a keyword when it is a word.
      std::string text = t->getText();
      c = !text.empty() && std::isalpha(static_cast<unsigned char>(text[0])) ? TokenClass::Keyword : TokenClass::Operator;
    } else if (kind == "IDENT" || kind == "CODE") {
      c = TokenClass::Name;
    } else if (kind == "INT" || kind == "DECIMAL" || kind == "PERCENT" || kind == "DATE" || kind == "PERIOD") {
      c = TokenClass::Number;
    } else if (kind == "STRING" || kind == "UNTERMINATED_STRING") {
      c = TokenClass::String;
    } else if (kind == "DOC_COMMENT") {
      c = TokenClass::DocComment;
    } else if (kind == "LINE_COMMENT" || kind == "BLOCK_COMMENT") {
      c = TokenClass::Comment;
    }
    out.push_back(ClassifiedToken{positions.span(t), c});
  }
  return out;
}

std::string dump_tokens(const SourceFile& file) {
  size_t skip = bom_length(file.text());
  TokenPositions positions(file.id(), file.text(), skip);
  RebateTokenSource lexer(std::string_view(file.text()).substr(skip));
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  std::string out;
  const auto& vocab = RebateTokenSource::vocabulary();
  for (antlr4::Token* t : tokens.getTokens()) {
    // The tokens the parser and the AST builder read: plain comments (the hidden channel) are left out.
    if (t->getChannel() == antlr4::Token::HIDDEN_CHANNEL) continue;
    LineCol lc = file.line_col(positions.span(t).begin);
    std::string kind = t->getType() == antlr4::Token::EOF ? "EOF" : vocab.getSymbolicName(t->getType());
    if (kind.empty()) kind = "KEYWORD";
    out += fmt::format("{}:{} {} `{}`\n", lc.line, lc.column, kind,
                       t->getType() == antlr4::Token::EOF ? "" : t->getText());
  }
  return out;
}

}  // namespace rebate
