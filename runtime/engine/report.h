// Writing a run's results: payouts as CSV or JSON (report.cpp), explanations as text and partner statements
// as Markdown (people_report.cpp).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "plan/plan.h"

namespace rebate::engine {

// A decimal's text, exactly as Decimal::to_fixed(places) and Decimal::to_string() write it, appended to
// `out` without temporary strings: reports write a few per payout, and a large run has a million.
void append_fixed(std::string& out, const Decimal& d, int places);
void append_shortest(std::string& out, const Decimal& d);

// Texts for people (explanations, statements): a number's whole part in groups of three
// ("12300.00" -> "12,300.00", "-1234567" -> "-1,234,567"; anything else as it is), and a text as the
// program wrote it with the digit separators of its numbers shown as commas ("100_000 USD" ->
// "100,000 USD") or, for a name, its words ("storage_revenue" -> "storage revenue").
std::string grouped(std::string_view number);
std::string digits_grouped(std::string_view source_text);
std::string as_words(std::string_view name);

// The payouts as CSV or JSON text, whole, or handed to `out` a part at a time as it is made (a large
// run's report need not be held in memory before it is written).
using TextOut = std::function<void(std::string_view)>;
std::string payouts_csv(const RunResult& result, const plan::Plan& plan);
std::string payouts_json(const RunResult& result, const plan::Plan& plan);
// `threads` 2 or more: a large report's rows are formatted on two threads (the text is the same).
void write_payouts_csv(const RunResult& result, const plan::Plan& plan, const TextOut& out, size_t threads = 1);
void write_payouts_json(const RunResult& result, const plan::Plan& plan, const TextOut& out);
// One block per payout: the measures and their values, the band and rate, caps, gates, lines, the
// distance to the next band.
// `partner` empty: every payout.
std::string explain_text(const RunResult& result, const plan::Plan& plan, const std::string& partner = "");
// What a partner portal shows for one partner and period: the payouts, how each was computed, the total,
// and how far the partner is from the next band.
std::string statement_markdown(const RunResult& result, const plan::Plan& plan, const std::string& partner,
                               const std::string& period);
// Every partner and period's statement, in the order of their first payout: one pass over the payouts
// and awards (a statement at a time would read them all for each of thousands of partners).
struct Statement {
  std::string partner, period, markdown;
};
std::vector<Statement> statements_markdown(const RunResult& result, const plan::Plan& plan);

}  // namespace rebate::engine
