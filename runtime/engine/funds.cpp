// Funds: the claims inputs indexed, and a fund's balance run period by period (funds.h,
// docs/language.md §27).
#include "engine/funds.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/period_words.h"
#include "engine/cell_frame.h"
#include "engine/fund_lots.h"
#include "engine/report.h"
#include "engine/row_walk.h"
#include "engine/state.h"

namespace rebate::engine {

void FundClaims::reset(const plan::Plan& plan, size_t partners) {
  by_rebate_.assign(plan.rebates.size(), {});
  for (size_t r = 0; r < plan.rebates.size(); ++r) {
    if (plan.rebates[r].claims != UINT32_MAX) by_rebate_[r].resize(partners);
  }
}

const std::string& FundClaims::keep(std::string text) const {
  std::lock_guard<std::mutex> lock(kept_lock_);
  return *kept_.insert(std::move(text)).first;  // a set's nodes do not move: the reference stays valid
}

std::optional<PeriodIndex> funds_start(const State& s) {
  const bool any = std::any_of(s.plan.rebates.begin(), s.plan.rebates.end(), [](const plan::Rebate& r) { return r.claims != UINT32_MAX; });
  if (!any || !s.plan.effective_from) return std::nullopt;
  return s.periods.of_day(*s.plan.effective_from);
}

namespace {

std::string money_text(const State& s, const Decimal& d) {
  return format_value(plan::Value::number(d), s.plan.currency, s.plan.minor_unit);
}

// `expire after 4 quarters`, in the program's periods.
std::string expiry_text(const State& s, uint32_t periods) {
  return fmt::format("expire after {} {}", periods, periods == 1 ? std::string(period_word(s.plan.grain)) : periods_word(s.plan.grain));
}

}  // namespace

bool index_claims(State& s) {
  const plan::Plan& plan = s.plan;
  s.fund_claims.reset(plan, s.partner_ids.size());
  std::unordered_map<std::string, uint32_t> partner_of;
  for (uint32_t p = 0; p < s.partner_ids.size(); ++p) partner_of.emplace(s.partner_name(p), p);
  RowErrors errors(s, "claims", s.options.max_errors);
  for (uint32_t index = 0; index < plan.inputs.size(); ++index) {
    const plan::Input& in = plan.inputs[index];
    if (in.kind != plan::InputKind::Claims) continue;
    // The fund that pays from this input (the checker allows one per claims ledger; a combined plan of
    // `rebate diff` has one per program).
    std::vector<uint32_t> funds;
    for (uint32_t r = 0; r < plan.rebates.size(); ++r) {
      if (plan.rebates[r].claims == index) funds.push_back(r);
    }
    const ledger::Table& t = s.tables[index];
    std::unordered_map<std::string, uint64_t> first_line;  // claim id -> the line it was first seen on
    // A claim made after --as-of had not been made on that day.
    const uint64_t after_as_of = for_each_row_read(s, index, errors, AsOf::LeaveOutLater, [&](const ReadRow& at) {
      const size_t row = at.row;
      Claim c;
      c.line = t.line(row);
      c.id = cell_text(s, t.columns[in.claim_column], row);
      if (t.columns[in.claim_column].spec.kind != ledger::ColumnKind::Text) c.number = t.columns[in.claim_column].values[row];
      c.day = static_cast<DayNumber>(t.columns[in.date_column].values[row]);
      c.amount = s.cell_value(index, in.amount_column, row).decimal();
      const std::string partner = cell_text(s, t.columns[in.partner_column], row);
      bool ok = true;
      auto [seen, fresh] = first_line.emplace(c.id, c.line);
      if (!fresh) {
        at.fail(in.claim_column, fmt::format("claim `{}` is claimed twice (first on line {}); each claim has an id of its own", c.id, seen->second));
        ok = false;
      }
      auto p = partner_of.find(partner);
      if (p == partner_of.end()) {
        at.fail(in.partner_column, fmt::format("`{}` is not a partner of the program ({}); a claim by it cannot be paid from any fund", partner,
                                               plan.partner_table == UINT32_MAX ? "no ledger line names it" : "it is not in the partner table"));
        ok = false;
      }
      if ((plan.effective_from && c.day < *plan.effective_from) || (plan.effective_to && c.day > *plan.effective_to)) {
        at.fail(in.date_column, fmt::format("{} is outside the program's effective dates ({} .. {}): no period of the program pays it", format_date(c.day),
                                            plan.effective_from ? format_date(*plan.effective_from) : "", plan.effective_to ? format_date(*plan.effective_to) : ""));
        ok = false;
      }
      const std::optional<Decimal> whole = c.amount.rounded(plan.minor_unit, RoundingMode::Down);
      if (c.amount.sign() <= 0) {
        at.fail(in.amount_column, fmt::format("a claim is for an amount above zero, and this one is {}", money_text(s, c.amount)));
        ok = false;
      } else if (!whole || Decimal::compare(*whole, c.amount) != 0) {
        std::string written;
        append_shortest(written, c.amount);
        at.fail(in.amount_column, fmt::format("`{}` has more decimal places than {} has ({}); a claim is paid as claimed, to the {}", written,
                                              plan.currency, plan.minor_unit, plan.minor_unit == 0 ? "unit" : "cent"));
        ok = false;
      }
      if (!ok) return;
      c.period = s.periods.of_day(c.day);
      for (uint32_t r : funds) s.fund_claims.at(r, p->second).push_back(c);
    });
    if (after_as_of) {
      s.result.summary.notes.push_back(fmt::format("{} {} of `{}` {} made after the as-of date ({}) and {} not read", after_as_of,
                                                   after_as_of == 1 ? "claim" : "claims", in.name, after_as_of == 1 ? "was" : "were",
                                                   format_date(*s.options.as_of), after_as_of == 1 ? "was" : "were"));
    }
    // Claims are served by date, then id: never in file order (docs/language.md §27).
    for (uint32_t r : funds) {
      for (uint32_t p = 0; p < s.partner_ids.size(); ++p) {
        std::vector<Claim>& list = s.fund_claims.at(r, p);
        std::sort(list.begin(), list.end(), [](const Claim& a, const Claim& b) {
          if (a.day != b.day) return a.day < b.day;
          if (a.number != b.number) return a.number < b.number;
          return a.id < b.id;
        });
      }
    }
  }
  return errors.finish();
}

void FundEvaluator::payout(size_t r, uint32_t partner, PeriodIndex period, bool explain, Payout& out) {
  static const std::string paid = "paid", zero = "zero", refused = "refused";
  const plan::Plan& plan = s_.plan;
  const plan::Rebate& pr = plan.rebates[r];
  const std::vector<Claim>& claims = s_.fund_claims.of(static_cast<uint32_t>(r), partner);
  const PeriodIndex start = *funds_start(s_);
  FundPeriod f;
  std::string refused_ids;
  auto overflow = [&](const char* what) {
    return vm::EvalError(fmt::format("arithmetic overflow {} the fund's balance", what), pr.pay.where,
                         fmt::format("partner {}, period {}", s_.partner_name(partner), s_.periods.label(period)));
  };
  auto plus = [&](const Decimal& a, const Decimal& b) {
    std::optional<Decimal> sum = Decimal::add(a, b);
    if (!sum) throw overflow("adding up");
    return *sum;
  };
  // The periods from the fund's start to this one, each: the opening balance (the closing before), the
  // accrual, the period's claims in order, each paid whole when the balance covers it, then what lapses.
  FundLots fund;
  auto next = claims.begin();
  for (PeriodIndex q = start; q <= period; ++q) {
    const bool shown = q == period;
    f = FundPeriod{};
    f.opening = fund.balance();
    const Window w{q, q};
    PartnerFrame frame(context_, partner, w, context_.memo.block(w));
    const plan::Value v = frame.run(pr.pay.value);
    if (v.none) throw vm::EvalError("the fund's accrual has no value", pr.pay.where, frame.context());
    const std::optional<Decimal> accrued = v.decimal().rounded(pr.places, pr.rounding);
    if (!accrued) throw overflow("rounding the accrual of");
    f.accrued = *accrued;
    if (!fund.accrue(q, f.accrued)) throw overflow("adding up");
    if (shown && explain) {
      out.explain().steps.push_back(fmt::format("opening balance: {}{}", money_text(s_, f.opening),
                                                q == start ? " (the fund starts in " + s_.periods.label(q) + ")" : ""));
      out.explain().steps.push_back(fmt::format("accrued in {}: {} ({})", s_.periods.label(q), money_text(s_, f.accrued), plan.locations[pr.pay.where].text));
    }
    for (; next != claims.end() && next->period == q; ++next) {
      const Claim& c = *next;
      ++f.claims;
      f.claimed = plus(f.claimed, c.amount);
      const Decimal& balance = fund.balance();
      const bool pays = Decimal::compare(c.amount, balance) <= 0;
      if (shown && explain) {
        out.explain().steps.push_back(
            pays ? fmt::format("claim {} of {}: {} paid; the balance {} leaves {}", c.id, format_date(c.day), money_text(s_, c.amount),
                               money_text(s_, balance), money_text(s_, *Decimal::sub(balance, c.amount)))
                 : fmt::format("claim {} of {}: {} refused: more than the balance {}", c.id, format_date(c.day), money_text(s_, c.amount),
                               money_text(s_, balance)));
      }
      if (pays) {
        fund.pay(c.amount);
        f.paid = plus(f.paid, c.amount);
      } else {
        ++f.refused_claims;
        f.refused = plus(f.refused, c.amount);
        if (shown) refused_ids += fmt::format("{}{} ({} over a balance of {})", refused_ids.empty() ? "" : "; ", c.id, money_text(s_, c.amount), money_text(s_, balance));
      }
    }
    for (const FundLots::Lot& lot : fund.expire(q, pr.fund_expires_after)) {
      f.expired = plus(f.expired, lot.left);
      if (shown && explain) {
        out.explain().steps.push_back(fmt::format("expired at the end of {}: {} of what accrued in {} ({})", s_.periods.label(q), money_text(s_, lot.left),
                                                  s_.periods.label(lot.accrued_in), expiry_text(s_, pr.fund_expires_after)));
      }
    }
    f.closing = fund.balance();
  }
  if (explain) {
    out.explain().steps.push_back(fmt::format("closing balance: {}", money_text(s_, f.closing)));
    out.explain().fund = Explanation::Fund{f.opening, f.accrued, f.claimed, f.paid, f.expired, f.closing};
  }
  out.set_amount(f.paid);
  out.set_basis(f.claimed);
  out.lines = f.claims;
  out.status = f.paid.sign() > 0 ? paid : f.refused_claims ? refused : zero;
  if (f.refused_claims) {
    out.reason = s_.fund_claims.keep(fmt::format("{} refused: {}", f.refused_claims == 1 ? "claim" : "claims", refused_ids));
  }
  cell_.emplace_back(static_cast<uint32_t>(r), f);
}

void FundEvaluator::figures(std::string_view partner, const std::string& label, std::vector<AwardValue>* into_or_null) {
  static const char* const kNames[] = {"opening", "accrued", "claimed", "paid", "refused", "expired", "closing"};
  if (!into_or_null) cell_.clear();
  for (const auto& [r, f] : cell_) {
    std::vector<AwardValue>& into = *into_or_null;
    const Decimal* values[] = {&f.opening, &f.accrued, &f.claimed, &f.paid, &f.refused, &f.expired, &f.closing};
    const bool expires = s_.plan.rebates[r].fund_expires_after != 0;  // `expired` only for a fund whose accruals expire
    for (size_t k = 0; k < 7; ++k) {
      if (k == 5 && !expires) continue;
      AwardValue& a = into.emplace_back();
      a.partner = partner;
      a.period = label;
      a.measured = label;
      a.award = fmt::format("{}.{}", s_.plan.rebates[r].name, kNames[k]);
      a.metric = true;
      append_fixed(a.value, *values[k], s_.plan.minor_unit);
      a.currency = s_.plan.currency;
      a.shown = money_text(s_, *values[k]);
    }
  }
  cell_.clear();
}

}  // namespace rebate::engine
