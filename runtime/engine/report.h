// Writing a run's results: payouts as CSV or JSON, explanations as text, partner statements as Markdown.
#pragma once

#include <string>
#include <vector>

#include "engine/engine.h"
#include "plan/plan.h"

namespace rebate::engine {

// A decimal's text, exactly as Decimal::to_fixed(places) and Decimal::to_string() write it, appended to
// `out` without temporary strings: reports write a few per payout, and a large run has a million.
void append_fixed(std::string& out, const Decimal& d, int places);
void append_shortest(std::string& out, const Decimal& d);

std::string payouts_csv(const RunResult& result, const plan::Plan& plan);
std::string payouts_json(const RunResult& result, const plan::Plan& plan);
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
