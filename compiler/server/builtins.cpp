// The language's own words, with their docs (builtins.h). The docs are docs/language.md's, shortened to a
// line or two; the section they come from is named for the rest.
#include "server/builtins.h"

#include <fmt/format.h>

#include <algorithm>

namespace rebate::server {

const std::vector<Signature>& aggregate_signatures() {
  static const std::vector<Signature> k = {
      {"sum", "sum(value where condition)", {"value", "where condition"}, "The sum over the partner's lines of the period; 0 over no lines."},
      {"count", "count(where condition)", {"where condition"}, "The number of the partner's lines of the period (that pass the condition)."},
      {"count_distinct", "count_distinct(value where condition)", {"value", "where condition"},
       "The number of distinct values over the partner's lines of the period; `count_distinct((a, b))` counts distinct pairs."},
      {"min", "min(value where condition)", {"value", "where condition"}, "The smallest value; no value over no lines (write `otherwise`)."},
      {"max", "max(value where condition)", {"value", "where condition"}, "The largest value; no value over no lines (write `otherwise`)."},
      {"avg", "avg(value where condition)", {"value", "where condition"}, "The average; no value over no lines (write `otherwise`)."},
  };
  return k;
}

const std::vector<Signature>& function_signatures() {
  static const std::vector<Signature> k = {
      {"min", "min(a, b, ...)", {"a", "b"}, "The smallest of two or more values of one type."},
      {"max", "max(a, b, ...)", {"a", "b"}, "The largest of two or more values of one type."},
      {"abs", "abs(x)", {"x"}, "`x` without its sign."},
      {"round", "round(x, places, mode)", {"x", "places", "mode"}, "`x` rounded (places and mode optional: the currency's minor unit and the program's mode)."},
      {"previous", "previous(m)", {"m"}, "The measure `m` in the previous period."},
      {"last_year", "last_year(m)", {"m"}, "The measure `m` in the same period last year."},
      {"year_to_date", "year_to_date(m)", {"m"}, "The measure `m` from the start of the year to the end of the period."},
      {"starts_with", "starts_with(text, prefix)", {"text", "prefix"},
       "Whether the text begins with `prefix` (Bool), as written: case matters; `\"\"` begins every text. §4 Text functions."},
      {"ends_with", "ends_with(text, suffix)", {"text", "suffix"},
       "Whether the text ends with `suffix` (Bool), as written: case matters; `\"\"` ends every text. §4 Text functions."},
      {"contains", "contains(text, part)", {"text", "part"},
       "Whether `part` appears anywhere in the text (Bool), as written: case matters; `%` and `_` are ordinary characters. §4 Text functions."},
      {"upper", "upper(text)", {"text"}, "The text in capitals (Text), by Unicode's simple case mapping on every machine: `ß` stays `ß`. §4 Text functions."},
      {"lower", "lower(text)", {"text"}, "The text in small letters (Text), by Unicode's simple case mapping on every machine. §4 Text functions."},
      {"length", "length(text)", {"text"}, "The number of characters (Unicode code points) of the text (Int): `length(\"東京\")` is 2. §4 Text functions."},
      {"convert", "convert(amount, to: CODE, at: line_date | period_end | period_average)", {"amount", "to: CODE", "at: line_date | period_end | period_average"},
       "The amount in currency `CODE`, exactly (not rounded per line), at the rate of the line's date, the period's last day or the "
       "period's average, from the program's FX table. §24 Currencies."},
  };
  return k;
}

const std::vector<WordDoc>& declaration_keywords() {
  static const std::vector<WordDoc> k = {
      {"import", "Reads the declarations of another file: `import \"common.rebate\"`. §18."},
      {"program", "The program header: its title, `currency`, `period` and settings. §3."},
      {"enum", "A set of names: `enum Tier { bronze, silver, gold }`. §4."},
      {"partner table", "The partners, one row each, with their attributes (`partner.tier`). §5."},
      {"table", "A lookup table, read by its `as key` column: `sku.family`. §5."},
      {"ledger", "Transaction lines with typed columns, aggregated per partner and period by measures. §5."},
      {"payments ledger", "What was already paid, per partner, rebate and period: read by `settle`. §22."},
      {"claims ledger", "A fund's claims, one row each, with the roles `claim`, `partner`, `date` and `amount`; paid only through a fund's "
                        "`pay claims from`. §27."},
      {"fx table", "Exchange rates (`base`, `quote`, `rate`, a day or period), read by `convert`. §24."},
      {"calendar", "A fiscal calendar. §3."},
      {"const", "A named value: `const target = 200`. §6."},
      {"measure", "An aggregate of the partner's lines in the period, or a formula of other measures. §7."},
      {"group", "Per-group sub-aggregates (per order, per customer). §8."},
      {"tiers", "A tier table, `retroactive` or `incremental`, with half-open bands. §10."},
      {"decision", "A decision table: a value by one or more inputs, checked for gaps and overlaps. §11."},
      {"rebate", "What is paid: `eligible when`, `pay`, caps and floors. §12."},
      {"award", "A non-monetary (or money) award, the first row that holds. §13."},
      {"metric", "A figure written with the payouts per partner and period (a gap, an accrual). §25."},
      {"budget", "A program-wide budget: payouts scaled pro rata when exceeded. §14."},
      {"fund", "A market development (co-op) fund: `accrue` a share each period, `pay claims from` a claims ledger up to the balance, "
               "carried across periods. §27."},
      {"test", "A test of the program on given lines, run by `rebate test`. §15."},
  };
  return k;
}

const std::vector<WordDoc>& clause_keywords() {
  static const std::vector<WordDoc> k = {
      {"eligible when", "The condition a partner must meet to be paid. §12."},
      {"require", "A gate: nothing is paid unless it holds. §12."},
      {"pay", "What the rebate pays. §12."},
      {"uplift", "An amount added to the payout. §12."},
      {"accelerate", "A rate added to the payout's rate. §12."},
      {"cap", "The most the rebate pays (`cap ... per year` across periods). §12, §22."},
      {"floor", "The least the rebate pays. §12."},
      {"allow negative", "Lets the payout be negative (a clawback). §12."},
      {"rounding", "How the payout is rounded. §16."},
      {"settle", "Earned on a longer window, paid against what was paid. §22."},
      {"on negative", "What to do when the partner was paid more than it earned. §22."},
      {"accrue", "A fund's accrual each period: any money formula (`accrue 2% of purchased`), rounded to cents. §27."},
      {"pay claims from", "The claims ledger a fund pays from, each claim in full when the balance covers it, else refused. §27."},
      {"expire after", "How long a fund's accruals pay claims (`expire after 4 quarters`): each period's, oldest spent first, lapses after that many periods. §27."},
  };
  return k;
}

const std::vector<WordDoc>& column_roles() {
  static const std::vector<WordDoc> k = {
      {"partner", "The partner the line belongs to (Text or Int), or, on a column typed with a keyed ledger, the partner of the line it names. §5, §26."},
      {"date", "The line's date: it puts the line in its period. §5."},
      {"booked", "The day the line was booked, read by `--as-of` and closed periods. §23."},
      {"key", "The column that names each row (a table, the partner table) or each line once (a ledger looked up by other ledgers "
              "through a column typed with its name). §5, §26."},
      {"rebate", "A payments ledger's rebate. §22."},
      {"period", "A payments ledger's period. §22."},
      {"amount", "The amount: of a payment, or of a claim. §22, §27."},
      {"base", "An FX table's currency converted from. §24."},
      {"quote", "An FX table's currency converted to. §24."},
      {"rate", "An FX table's rate. §24."},
      {"claim", "A claims ledger's claim id, unique in the ledger. §27."},
  };
  return k;
}

const std::vector<WordDoc>& convert_days() {
  static const std::vector<WordDoc> k = {
      {"line_date", "The rate of each line's `as date` day (inside an aggregate over a ledger's lines). §24."},
      {"period_end", "The rate of the period's last day. §24."},
      {"period_average", "The average of the period's daily rates, each calendar day weighing the same. §24."},
  };
  return k;
}

namespace {

const Signature* find_signature(const std::vector<Signature>& list, std::string_view name) {
  auto it = std::find_if(list.begin(), list.end(), [&](const Signature& s) { return name == s.name; });
  return it == list.end() ? nullptr : &*it;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The keyword of `list` that `word` is part of, given the words around it; the longest one first, so
// that `pay` in `pay claims from` is that clause, not `pay`.
const WordDoc* keyword_at(const std::vector<WordDoc>& list, std::string_view word, std::string_view before, std::string_view after) {
  const WordDoc* best = nullptr;
  size_t best_size = 0;
  for (const WordDoc& k : list) {
    const std::vector<std::string_view> w = words(k.word);
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i] != word || (i > 0 && w[i - 1] != before) || (i + 1 < w.size() && w[i + 1] != after)) continue;
      if (w.size() > best_size) best = &k, best_size = w.size();
    }
  }
  return best;
}

}  // namespace

const Signature* function_signature(std::string_view name) { return find_signature(function_signatures(), name); }
const Signature* aggregate_signature(std::string_view name) { return find_signature(aggregate_signatures(), name); }

std::string builtin_hover(std::string_view word, std::string_view before, std::string_view after, bool call) {
  auto shown = [](std::string_view title, const char* doc) { return fmt::format("```rebate\n{}\n```\n\n{}", title, doc); };
  if (call) {
    const Signature* s = before == "." ? aggregate_signature(word) : function_signature(word);
    return s ? shown(s->label, s->doc) : std::string();
  }
  if (before == "as") {
    for (const WordDoc& r : column_roles()) {
      if (word == r.word) return shown(fmt::format("as {}", r.word), r.doc);
    }
  }
  for (const WordDoc& d : convert_days()) {
    if (word == d.word) return shown(fmt::format("convert(..., at: {})", d.word), d.doc);
  }
  const WordDoc* k = keyword_at(declaration_keywords(), word, before, after);
  const WordDoc* c = keyword_at(clause_keywords(), word, before, after);
  if (c && (!k || words(c->word).size() > words(k->word).size())) k = c;
  return k ? shown(k->word, k->doc) : std::string();
}

}  // namespace rebate::server
