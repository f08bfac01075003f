// The parse phase: byte checks, lexing, a nesting guard, a two-stage ANTLR parse (fast SLL first, full
// LL with error recovery only when SLL fails) and the AST build.
#include "parse/parse.h"

#include <antlr4-runtime.h>
#include <fmt/format.h>

#include "RebateLexer.h"
#include "RebateParser.h"
#include "core/currency.h"
#include "parse/ast_builder.h"
#include "parse/input_checks.h"
#include "parse/token_positions.h"

namespace rebate {
namespace {

using rebate_antlr::RebateLexer;
using rebate_antlr::RebateParser;

constexpr int kHiddenErrorChannel = 3;

struct TooManyErrors {};

size_t bom_length(const std::string& text) { return text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0; }

std::string token_display(const antlr4::Token* t) {
  if (t->getType() == antlr4::Token::EOF) return "the end of the file";
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
      if (expected.contains(static_cast<size_t>(RebateParser::IDENT)) && expected.contains(static_cast<size_t>(RebateParser::INT))) {
        message = fmt::format("expected an expression, found {}", found);
      } else if (!names.empty() && names.size() <= 4) {
        std::string list;
        for (size_t i = 0; i < names.size(); ++i) {
          list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
        }
        message = fmt::format("expected {}, found {}", list, found);
      }
      help = help_for(offending);
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
    if (text == "&&") return "write `and`";
    if (text == "||") return "write `or`";
    if (text == "!") return "write `not`";
    if (text == "%") return "a percentage is written with its number, as in `5%`";
    if (text == "'") return "text is written in double quotes, as in \"EV\"";
    if (text == ";") return "declarations and clauses need no `;`";
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
void check_tokens(antlr4::CommonTokenStream& stream, const TokenPositions& pos, Diagnostics& diags) {
  for (antlr4::Token* t : stream.getTokens()) {
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
        break;
      }
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

// ANTLR's recursive descent recurses once per nesting level, so a file of 10,000 `(` would exhaust the
// stack before the AST builder could count levels. This pass estimates nesting from tokens alone:
// brackets, plus prefix operators and `if` / `otherwise` chains inside one bracket level.
bool check_nesting(antlr4::CommonTokenStream& stream, const TokenPositions& pos, Diagnostics& diags) {
  std::vector<int> chain{0};
  int depth = 0;
  size_t previous = antlr4::Token::INVALID_TYPE;
  for (antlr4::Token* t : stream.getTokens()) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    std::string text = t->getText();
    bool opener = text == "(" || text == "[" || text == "{";
    bool closer = text == ")" || text == "]" || text == "}";
    if (opener) {
      ++depth;
      chain.push_back(0);
    } else if (closer) {
      if (depth > 0) {
        --depth;
        chain.pop_back();
      }
    } else if (text == "," || text == ":" || text == "=" || text == "=>") {
      chain.back() = 0;
    } else if (text == "if" || text == "otherwise" || text == "not" ||
               ((text == "-" || text == "+") && is_prefix_context(previous))) {
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

}  // namespace

ast::Module parse_module(const SourceFile& file, ast::ExprId first_expr_id, Diagnostics& diags) {
  ast::Module empty;
  empty.file = file.id();
  empty.first_expr_id = first_expr_id;
  if (!check_input_bytes(file, diags)) return empty;

  size_t skip = bom_length(file.text());
  TokenPositions positions(file.id(), file.text(), skip);
  antlr4::ANTLRInputStream input(file.text().data() + skip, file.text().size() - skip);
  RebateLexer lexer(&input);
  lexer.removeErrorListeners();  // UNEXPECTED_CHAR catches everything; nothing reaches a listener
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  check_tokens(tokens, positions, diags);
  if (!check_nesting(tokens, positions, diags)) return empty;

  RebateParser parser(&tokens);
  parser.removeErrorListeners();

  // Stage 1: SLL prediction, bail at the first error. Almost every real file parses here, fast.
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  RebateParser::FileContext* tree = nullptr;
  try {
    tree = parser.file();
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }

  // Stage 2: full LL with recovery, reporting every syntax error.
  if (!tree) {
    tokens.seek(0);
    parser.reset();
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    size_t errors = 0;
    SyntaxErrorListener listener(positions, diags, errors);
    parser.addErrorListener(&listener);
    try {
      tree = parser.file();
    } catch (const TooManyErrors&) {
      diags.report(DiagKind::TooManyErrors, Span{file.id(), 0, 0},
                   fmt::format("more than {} syntax errors in `{}`; stopped reading it", kMaxErrorsPerFile,
                               file.path()))
          .with_help("fix the first errors: later ones often follow from them");
      return empty;
    }
    parser.removeErrorListeners();
  }
  return build_ast(tree, positions, tokens, first_expr_id, diags);
}

std::string dump_tokens(const SourceFile& file) {
  size_t skip = bom_length(file.text());
  TokenPositions positions(file.id(), file.text(), skip);
  antlr4::ANTLRInputStream input(file.text().data() + skip, file.text().size() - skip);
  RebateLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  std::string out;
  const auto& vocab = lexer.getVocabulary();
  for (antlr4::Token* t : tokens.getTokens()) {
    LineCol lc = file.line_col(positions.span(t).begin);
    std::string kind = t->getType() == antlr4::Token::EOF ? "EOF" : vocab.getSymbolicName(t->getType());
    if (kind.empty()) kind = "KEYWORD";
    out += fmt::format("{}:{} {} `{}`\n", lc.line, lc.column, kind,
                       t->getType() == antlr4::Token::EOF ? "" : t->getText());
  }
  return out;
}

}  // namespace rebate
